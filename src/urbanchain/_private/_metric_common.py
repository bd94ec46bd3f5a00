"""Shared plumbing of :mod:`urbanchain.metrics`: engines, node sets, masses, distances."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from urbanchain import settings
from urbanchain._private._csr import GraphCSR, build_csr
from urbanchain._private._kernels import distances
from urbanchain._private._messages import format_ids, unknown_name
from urbanchain._private._weights import GateReport, validate_weights
from urbanchain.crs import geodesic_point_distance
from urbanchain.errors import DataQualityWarning, GraphError, ValidationError

__all__ = [
    "ENGINES",
    "Prepared",
    "base_nodes",
    "component_ids",
    "coords",
    "default_nodes",
    "dist_rows",
    "geodesic_km",
    "masses",
    "prepare",
    "resolve_engine",
    "resolve_nodes",
    "unit_of",
]

ENGINES = ("auto", "scipy", "networkx")


def resolve_engine(engine: str | None) -> str:
    """Return ``"scipy"`` or ``"networkx"`` for an ``engine=`` argument.

    ``None`` uses the ``engine`` setting; ``"auto"`` uses the compiled scipy kernels.
    """
    value = settings.get("engine") if engine is None else engine
    if value not in ENGINES:
        err = unknown_name("engine", value, ENGINES)
        raise err
    return "networkx" if value == "networkx" else "scipy"


@dataclass
class Prepared:
    """A graph that passed the gate, with its CSR view."""

    G: nx.Graph
    weight: str
    report: GateReport
    csr: GraphCSR

    def attrs(self, engine: str) -> dict[str, Any]:
        """Provenance attributes attached to every result."""
        return {
            "engine": engine,
            "weight": self.weight,
            "self_loops_ignored": self.report.self_loops,
            "parallel_edges": self.report.parallel_edges,
        }


def prepare(
    G: Any, weight: str, *, stacklevel: int = 4, what: str = "weight", warn: bool = True
) -> Prepared:
    """Run the weight gate and build the CSR (minimum over parallel edges)."""
    report = validate_weights(
        G,
        weight,
        stacklevel=stacklevel + 1,
        what=what,
        warn_self_loops=warn,
        allow_zero=what == "length",
    )
    return Prepared(G=G, weight=weight, report=report, csr=build_csr(G, weight))


def unit_of(G: nx.Graph, attr: str) -> str:
    """Return the unit of an edge attribute from ``G.graph["units"]``, else from its suffix."""
    units = G.graph.get("units") or {}
    if attr in units:
        return str(units[attr])
    for suffix, unit in (("_min", "min"), ("_km", "km"), ("_m", "m"), ("_h", "h")):
        if attr.endswith(suffix):
            return unit
    return "unknown"


def is_base(node: Any) -> bool:
    """Whether a node is a place of the node layer (not a junction nor a mode-layer copy)."""
    s = str(node)
    return not s.startswith("junction:") and "@" not in s


def base_nodes(G: nx.Graph) -> list[Any]:
    """Return the base nodes of ``G`` (see :func:`is_base`), in graph order."""
    return [v for v in G.nodes if is_base(v)]


def default_nodes(G: nx.Graph) -> list[Any]:
    """Nodes with ``is_capital`` true, else all base nodes, else all nodes."""
    caps = [v for v, c in G.nodes(data="is_capital") if c is True or c is np.True_]
    if caps:
        return caps
    return base_nodes(G) or list(G.nodes)


def resolve_nodes(G: nx.Graph, nodes: Any, *, default: list[Any], what: str) -> list[Any]:
    """Check a caller's node list (unknown ids raise, duplicates raise)."""
    if nodes is None:
        return list(default)
    if isinstance(nodes, str) or not isinstance(nodes, Iterable):
        nodes = [nodes]
    out = list(nodes)
    for v in out:
        if v not in G:
            err = unknown_name(f"{what} node", v, G.nodes)
            raise err
    if len(set(out)) != len(out):
        dup = sorted({str(v) for v in out if out.count(v) > 1})
        msg = f"The {what} list repeats node ids: {format_ids(dup)}. Pass each node once."
        raise ValidationError(msg)
    if not out:
        msg = f"The {what} list is empty. Pass at least one node id, or None for the default."
        raise ValidationError(msg)
    return out


def dist_rows(
    prep: Prepared, nodes: list[Any], engine: str, *, reverse: bool = False
) -> np.ndarray:
    """Distances from ``nodes`` (rows) to every node (CSR order); inf = unreachable.

    ``reverse=True`` gives distances *to* ``nodes`` (from every node), which
    differs from the forward ones only on directed graphs.
    """
    idx = np.array([prep.csr.index[v] for v in nodes], dtype=np.int64)
    if engine == "scipy":
        mat = prep.csr.transposed() if reverse else prep.csr.matrix
        return distances(mat, idx)
    H = prep.G.reverse(copy=False) if (reverse and prep.G.is_directed()) else prep.G
    out = np.full((len(nodes), prep.csr.n), np.inf)
    for r, s in enumerate(nodes):
        for t, d in nx.single_source_dijkstra_path_length(H, s, weight=prep.weight).items():
            out[r, prep.csr.index[t]] = d
    return out


def od_block(prep: Prepared, sources: list[Any], targets: list[Any], engine: str) -> np.ndarray:
    """``len(sources) x len(targets)`` distances, running Dijkstra from the smaller side."""
    tidx = np.array([prep.csr.index[v] for v in targets], dtype=np.int64)
    sidx = np.array([prep.csr.index[v] for v in sources], dtype=np.int64)
    if len(targets) < len(sources):
        return dist_rows(prep, targets, engine, reverse=True)[:, sidx].T
    return dist_rows(prep, sources, engine)[:, tidx]


def component_ids(G: nx.Graph) -> dict[Any, int]:
    """Return the connected (weakly, if directed) component id of each node: 0 = largest, ties by first node."""
    comps = (
        list(nx.weakly_connected_components(G))
        if G.is_directed()
        else list(nx.connected_components(G))
    )
    order = {v: i for i, v in enumerate(G.nodes)}
    comps.sort(key=lambda c: (-len(c), min(order[v] for v in c)))
    return {v: i for i, c in enumerate(comps) for v in c}


def coords(G: nx.Graph, nodes: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat (``x``, ``y`` node attributes) of ``nodes``; raises if any is missing."""
    xs = np.full(len(nodes), np.nan)
    ys = np.full(len(nodes), np.nan)
    bad = []
    for i, v in enumerate(nodes):
        d = G.nodes[v]
        x, y = d.get("x"), d.get("y")
        ok = all(
            isinstance(c, numbers.Real) and not isinstance(c, bool) and math.isfinite(c)
            for c in (x, y)
        )
        if not ok:
            bad.append(v)
            continue
        xs[i], ys[i] = float(x), float(y)
    if bad:
        msg = (
            f"Nodes {format_ids(bad)} have no finite 'x'/'y' (lon/lat) attributes, needed for "
            f"geodesic distances. Set x and y on every node (urbanchain.graph does), or skip the "
            f"geodesic metric (length=None)."
        )
        raise GraphError(msg)
    return xs, ys


def geodesic_km(G: nx.Graph, a: list[Any], b: list[Any]) -> np.ndarray:
    """``len(a) x len(b)`` geodesic distances in km between node coordinates."""
    xa, ya = coords(G, a)
    xb, yb = coords(G, b)
    lon1 = np.repeat(xa, len(b))
    lat1 = np.repeat(ya, len(b))
    lon2 = np.tile(xb, len(a))
    lat2 = np.tile(yb, len(a))
    return (
        np.asarray(geodesic_point_distance(lon1, lat1, lon2, lat2)).reshape(len(a), len(b)) / 1000.0
    )


def _bad_mass(value: Any) -> bool:
    if value is None or isinstance(value, bool | str | bytes):
        return True
    if not isinstance(value, numbers.Real):
        return True
    return not math.isfinite(float(value)) or float(value) < 0


def masses(
    G: nx.Graph,
    mass: str | Mapping[Any, float] | pd.Series,
    destinations: Any,
    *,
    missing: str,
    stacklevel: int = 4,
) -> tuple[list[Any], np.ndarray]:
    """Resolve destination nodes and their masses under an explicit missing-mass policy.

    ``mass`` is a node attribute name or a mapping/Series node id -> mass.
    Default destinations: the mapping's keys, else nodes of kind ``"city"``
    (all nodes when no node has a ``kind``).  A missing, NaN, non-numeric or
    negative mass raises (``missing="error"``) or drops that destination with a
    warning that counts and names them (``missing="drop"``); it is never 0.
    """
    if missing not in {"error", "drop"}:
        err = unknown_name("missing-mass policy", missing, ["error", "drop"])
        raise err
    lookup: Mapping[Any, Any]
    if isinstance(mass, str):
        what = f"node attribute {mass!r}"
        if destinations is None:
            kinds = [d.get("kind") for _, d in G.nodes(data=True)]
            if any(k is not None for k in kinds):
                default = [v for v, k in G.nodes(data="kind") if k == "city"]
            else:
                default = list(G.nodes)
        else:
            default = []
        dest = resolve_nodes(G, destinations, default=default, what="destination")
        values = [G.nodes[v].get(mass) for v in dest]
    else:
        what = "the mass mapping"
        lookup = dict(mass.items())
        for v in lookup:
            if v not in G:
                err = unknown_name("mass node", v, G.nodes)
                raise err
        dest = resolve_nodes(G, destinations, default=list(lookup), what="destination")
        values = [lookup.get(v) for v in dest]
    if not dest:
        msg = (
            f"No destination nodes for the mass ({what}): no node has kind 'city'. Pass "
            f"destinations= or a mass mapping."
        )
        raise ValidationError(msg)
    bad = [v for v, m in zip(dest, values, strict=True) if _bad_mass(m)]
    if bad:
        if missing == "error":
            msg = (
                f"Mass ({what}) is missing, NaN, non-numeric or negative for {len(bad)} "
                f"destination node(s): {format_ids(bad)}. Fill it, pass destinations= without "
                f"them, or pass missing='drop' to leave them out (never counted as 0)."
            )
            raise ValidationError(msg)
        warnings.warn(
            f"Dropped {len(bad)} of {len(dest)} destination node(s) with no usable mass "
            f"({what}): {format_ids(bad)}.",
            DataQualityWarning,
            stacklevel=stacklevel,
        )
        keep = [i for i, v in enumerate(dest) if v not in set(bad)]
        dest = [dest[i] for i in keep]
        values = [values[i] for i in keep]
        if not dest:
            msg = f"Every destination lacks a usable mass ({what}); nothing to compute."
            raise ValidationError(msg)
    return dest, np.asarray(values, dtype=np.float64)
