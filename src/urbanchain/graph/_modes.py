"""The ``modes=`` filter of the distance metrics: keep the edges of some modes only.

``modes`` names edge modes (``"expressway"``, ``"highway"``, ``"road"``,
``"access"``, ``"railway"``, ``"waterway"``, ``"sea"``, ``"air"``) or groups:

* ``"road"`` -- every road mode (expressway, highway, road and access links);
* ``"rail"`` -- ``"railway"``.

Transfer edges are kept only when a non-road mode is kept (a change of layer
is then possible); access links belong to the road group.  Every node is kept,
so sources and targets never disappear: a node the kept modes do not reach is
simply unreachable (NaN).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np

from urbanchain.errors import GraphError

__all__ = ["MODE_GROUPS", "expand_modes", "with_modes"]

_ROAD = ("expressway", "highway", "road", "access")
_ALL = (*_ROAD, "railway", "waterway", "sea", "air")
#: Mode groups accepted by ``modes=`` besides the edge modes themselves.
MODE_GROUPS: dict[str, tuple[str, ...]] = {"road": _ROAD, "rail": ("railway",)}


def expand_modes(modes: str | Iterable[str]) -> set[str]:
    """Edge modes named by ``modes`` (groups expanded); raise on unknown names."""
    names = [modes] if isinstance(modes, str) else list(modes)
    if not names:
        msg = (
            "modes is empty; pass e.g. modes=('road',) or modes=('road', 'rail'), or None for all."
        )
        raise GraphError(msg)
    out: set[str] = set()
    bad = []
    for m in names:
        if m in MODE_GROUPS:
            out.update(MODE_GROUPS[m])
        elif m in _ALL:
            out.add(m)
        else:
            bad.append(repr(m))
    if bad:
        msg = (
            f"Unknown mode(s) {', '.join(bad)} in modes=; valid names are "
            f"{', '.join(sorted(MODE_GROUPS))} (groups) and {', '.join(_ALL)}."
        )
        raise GraphError(msg)
    return out


def with_modes(G: Any, modes: str | Iterable[str] | None) -> Any:
    """``G`` itself when ``modes`` is None, else a copy holding only those modes' edges."""
    if modes is None:
        return G
    keep = expand_modes(modes)
    transfers = bool(keep - set(_ROAD))
    from urbanchain.graph._network import Network

    if isinstance(G, Network):
        mode = G.edges["mode"].to_numpy(dtype=object) if "mode" in G.edges.columns else None
        if mode is None:
            return G
        mask = np.isin(mode, list(keep)) | ((mode == "transfer") & transfers)
        edges = G.edges[mask].reset_index(drop=True)
        return Network(
            nodes=G.nodes,
            edges=edges,
            graph=dict(G.graph),
            directed=G.directed,
            layer_columns=G._layer_columns,
            node_groups=G._node_groups,
        )
    H = G.__class__()
    H.graph.update(G.graph)
    H.graph["modes"] = sorted(keep)
    H.add_nodes_from(G.nodes(data=True))
    if G.is_multigraph():
        H.add_edges_from(
            (u, v, k, d)
            for u, v, k, d in G.edges(keys=True, data=True)
            if d.get("mode") in keep or (transfers and d.get("mode") == "transfer")
        )
    else:
        H.add_edges_from(
            (u, v, d)
            for u, v, d in G.edges(data=True)
            if d.get("mode") in keep or (transfers and d.get("mode") == "transfer")
        )
    if not isinstance(H, nx.Graph):  # pragma: no cover - defensive
        msg = "modes= needs a networkx graph or an urbanchain Network."
        raise GraphError(msg)
    return H
