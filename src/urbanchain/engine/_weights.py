"""The input gate run before any metric: graph type, emptiness and edge weights.

Every metric in :mod:`urbanchain.metrics` calls :func:`validate_weights` once,
before any algorithm runs (bad-inputs rows 36-47): a misspelled or absent
weight key, ``None``, strings, booleans, NaN, infinities, zero and negative
weights all raise :class:`~urbanchain.errors.WeightError` naming the edge ids
and the fix, and an empty graph raises :class:`~urbanchain.errors.GraphError`.
Self-loops are counted and reported with a warning (they never lie on a
shortest path); parallel edges are counted (shortest paths use the minimum).
"""

from __future__ import annotations

import difflib
import math
import numbers
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

import networkx as nx

from urbanchain._private._messages import format_ids
from urbanchain.errors import DataQualityWarning, GraphError, WeightError

__all__ = ["GateReport", "edge_label", "validate_graph", "validate_weights"]


@dataclass(frozen=True)
class GateReport:
    """What the gate found on a graph that passed it.

    Attributes
    ----------
    n_nodes, n_edges
        Node and edge counts (edges include parallel edges and self-loops).
    self_loops
        Number of self-loop edges (ignored by every path metric).
    parallel_edges
        Number of edges beyond the first between the same ordered/unordered pair.
    """

    n_nodes: int
    n_edges: int
    self_loops: int
    parallel_edges: int


def edge_label(u: Any, v: Any, key: Any, data: dict[str, Any]) -> str:
    """Return the ``edge_id`` attribute of an edge, or ``"u-v[key]"`` when it has none.

    Parameters
    ----------
    u, v, key
        End nodes and multigraph key (``None`` for simple graphs).
    data
        The edge attribute dictionary.

    Returns
    -------
    str
        A label to show in messages and to key edge results.
    """
    eid = data.get("edge_id")
    if eid is not None and not (isinstance(eid, float) and math.isnan(eid)):
        return str(eid)
    return f"{u}-{v}" if key is None else f"{u}-{v}[{key}]"


def _iter_edges(G: nx.Graph) -> Any:
    if G.is_multigraph():
        return G.edges(keys=True, data=True)
    return ((u, v, None, d) for u, v, d in G.edges(data=True))


def validate_graph(G: Any) -> None:
    """Check that ``G`` is a non-empty NetworkX graph.

    Parameters
    ----------
    G
        The graph to check.

    Raises
    ------
    GraphError
        If ``G`` is not a NetworkX graph or has no nodes.
    """
    if not isinstance(G, nx.Graph):
        msg = (
            f"Expected a networkx graph (MultiGraph or MultiDiGraph from urbanchain.graph); "
            f"got {type(G).__name__}. Build one with urbanchain.graph.graph_from_gdfs()."
        )
        raise GraphError(msg)
    if G.number_of_nodes() == 0:
        msg = (
            "The graph is empty: no nodes loaded. Check the node layer and the region "
            "filter used to build the graph."
        )
        raise GraphError(msg)


def _problem(value: Any) -> str | None:
    """Return a short description of what is wrong with a weight value, or None."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str | bytes):
        return "string"
    if not isinstance(value, numbers.Real):
        return f"non-numeric ({type(value).__name__})"
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "infinite"
    if x == 0:
        return "zero"
    if x < 0:
        return "negative"
    return None


#: Largest sum of all edge weights accepted (far above any real network, far below
#: float overflow, so sums of path lengths stay finite).
_MAX_TOTAL = 1e250

_FIXES = {
    "None": "set a positive number; networkx silently hides edges whose weight is None",
    "boolean": "set a positive number of the attribute's unit",
    "string": "convert the attribute to float when loading the layer (e.g. pd.to_numeric)",
    "NaN": "fill the value (e.g. length / speed) or drop the edge explicitly",
    "infinite": "remove the edge (closed corridor) instead of giving it an infinite weight",
    "zero": "give the edge a small positive value or merge its two end nodes",
    "negative": "check the sign and unit; shortest paths need weights > 0",
}


def validate_weights(
    G: Any,
    weight: str,
    *,
    stacklevel: int = 3,
    what: str = "weight",
    warn_self_loops: bool = True,
    allow_zero: bool = False,
) -> GateReport:
    """Check that every edge of ``G`` has a finite weight ``> 0`` in attribute ``weight``.

    Parameters
    ----------
    G
        A NetworkX graph (simple or multi, undirected or directed).
    weight
        Edge attribute name, e.g. ``"time_min"`` or ``"length_km"``.
    stacklevel
        Passed to :func:`warnings.warn` for the self-loop warning.
    what
        The role of the attribute, used in messages (``"weight"`` or ``"length"``).
    warn_self_loops
        Warn about self-loops (False when a second attribute of the same graph is checked).
    allow_zero
        Accept 0 (used for lengths: mode-transfer edges join co-located nodes and have
        ``length_km = 0``); weights of paths and betweenness must stay > 0.

    Returns
    -------
    GateReport
        Counts of nodes, edges, self-loops and parallel edges.

    Raises
    ------
    GraphError
        If ``G`` is not a graph or has no nodes.
    WeightError
        If the attribute is absent on some edge, or a value is None, a string, a
        boolean, NaN, infinite, zero or negative.
    """
    validate_graph(G)
    if not isinstance(weight, str) or not weight:
        msg = f"The {what} must be the name of an edge attribute (a non-empty str); got {weight!r}."
        raise WeightError(msg)
    missing: list[str] = []
    bad: dict[str, list[str]] = {}
    present: Counter[str] = Counter()
    self_loops: list[str] = []
    pairs: Counter[tuple[Any, ...]] = Counter()
    directed = G.is_directed()
    n_edges = 0
    total = 0.0
    largest: tuple[float, str] = (0.0, "")
    for u, v, key, data in _iter_edges(G):
        n_edges += 1
        if u == v:
            self_loops.append(edge_label(u, v, key, data))
        else:
            pair = (u, v) if directed else tuple(sorted((u, v), key=repr))
            pairs[pair] += 1
        if weight not in data:
            missing.append(edge_label(u, v, key, data))
            present.update(data.keys())
            continue
        problem = _problem(data[weight])
        if problem == "zero" and allow_zero:
            problem = None
        if problem is not None:
            bad.setdefault(problem, []).append(edge_label(u, v, key, data))
        else:
            x = float(data[weight])
            total += x
            if x > largest[0]:
                largest = (x, edge_label(u, v, key, data))
    if missing:
        attrs = sorted(present) or ["(none)"]
        close = difflib.get_close_matches(weight, attrs, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        msg = (
            f"Edge {what} attribute {weight!r} is missing on {len(missing)} of {n_edges} edges "
            f"(edge ids: {format_ids(missing)}). Those edges have the attributes "
            f"{', '.join(repr(a) for a in attrs)}.{hint} NetworkX would silently treat a "
            f"missing weight as 1; pass an attribute that every edge has, or set it on "
            f"every edge."
        )
        raise WeightError(msg)
    if bad:
        parts = [
            f"{kind} on {len(ids)} edge(s) (edge ids: {format_ids(ids)}); fix: "
            + _FIXES.get(kind, "convert the attribute to float when loading the layer")
            for kind, ids in bad.items()
        ]
        msg = (
            f"Edge {what} attribute {weight!r} must be a finite number > 0 on every edge. "
            + "; ".join(parts)
            + "."
        )
        raise WeightError(msg)
    if not math.isfinite(total) or total > _MAX_TOTAL:
        # every path length is at most the sum of all weights: beyond this, sums of
        # path lengths overflow to infinity and pairs would be reported unreachable
        msg = (
            f"Edge {what} attribute {weight!r} holds absurdly large values: they sum to more "
            f"than {_MAX_TOTAL:.0e} (largest {largest[0]:.3g} on edge {largest[1]}), so path "
            "lengths would overflow to infinity and be reported as unreachable. Check the "
            "unit (e.g. minutes, km) and fix those edges."
        )
        raise WeightError(msg)
    if self_loops and warn_self_loops:
        warnings.warn(
            f"Ignoring {len(self_loops)} self-loop edge(s) (edge ids: {format_ids(self_loops)}): "
            f"a self-loop never lies on a shortest path. Remove them from the graph to "
            f"silence this warning.",
            DataQualityWarning,
            stacklevel=stacklevel,
        )
    parallel = sum(c - 1 for c in pairs.values() if c > 1)
    return GateReport(
        n_nodes=G.number_of_nodes(),
        n_edges=n_edges,
        self_loops=len(self_loops),
        parallel_edges=parallel,
    )
