"""urbanchain: layers, graphs, connectivity metrics and maps for chains of smart cities.

The pipeline has one module per stage:

* :mod:`urbanchain.datasets` - bundled, sourced layers (Red River Delta provinces,
  urban nodes, gateways and corridors);
* :mod:`urbanchain.io` - reading and checking user layers;
* :mod:`urbanchain.crs` - coordinate systems and geodesic measurement;
* :mod:`urbanchain.graph` - the multimodal chain graph;
* :mod:`urbanchain.metrics` - connectivity metrics;
* :mod:`urbanchain.scenarios` - planned corridors, closures and failures;
* :mod:`urbanchain.maps` - Folium and matplotlib maps (imported lazily);
* :mod:`urbanchain.cli` - the ``urbanchain`` command.

Importing urbanchain imports neither folium nor matplotlib.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

from urbanchain import crs as crs
from urbanchain import datasets as datasets
from urbanchain import errors as errors
from urbanchain import graph as graph
from urbanchain import io as io
from urbanchain import layers as layers
from urbanchain import metrics as metrics
from urbanchain import settings as settings
from urbanchain.chain import UrbanChain

try:
    __version__ = version("urbanchain")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Stage subpackages imported on first attribute access (``urbanchain.maps``), so that
#: ``import urbanchain`` stays light and imports neither folium nor matplotlib.
_LAZY_SUBMODULES = frozenset({"cli", "maps", "scenarios"})


def __getattr__(name: str) -> ModuleType:
    """Import the lazily loaded stage subpackages (``maps``, ``scenarios``, ``cli``) on demand."""
    if name in _LAZY_SUBMODULES:
        module = importlib.import_module(f"urbanchain.{name}")
        globals()[name] = module
        return module
    msg = f"module 'urbanchain' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_SUBMODULES)

__all__ = [
    "UrbanChain",
    "__version__",
    "crs",
    "datasets",
    "errors",
    "graph",
    "io",
    "layers",
    "maps",
    "metrics",
    "scenarios",
    "settings",
]
