"""Lazy imports of optional dependencies, with install instructions when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from urbanchain.errors import OptionalDependencyError

_EXTRA_OF = {
    "dask": "dask",
    "distributed": "dask",
    "pyroutingkit": "fast",
    "playwright": "browser",
    "pyarrow": "parquet",
    "openpyxl": "excel",
    "geoalchemy2": "postgis",
    "sqlalchemy": "postgis",
    "psycopg": "postgis",
    "rasterio": "raster",
    "exactextract": "raster",
}


def import_optional_dependency(name: str, *, purpose: str) -> ModuleType:
    """Import ``name`` or raise an error that says how to install it.

    Parameters
    ----------
    name
        Importable module name, e.g. ``"dask.distributed"``.
    purpose
        What the module is needed for, shown in the message.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    OptionalDependencyError
        If the module cannot be imported.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        top = name.split(".", maxsplit=1)[0]
        extra = _EXTRA_OF.get(top)
        how = f"pip install 'urbanchain[{extra}]'" if extra else f"pip install {top}"
        msg = f"{purpose} needs the optional package {top!r}, which is not installed. Install it with: {how}"
        raise OptionalDependencyError(msg) from exc
