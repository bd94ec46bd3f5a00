"""Shared plumbing of :mod:`urbanchain.metrics`: engines, node sets, masses, distances."""

from __future__ import annotations

import hashlib
import math
import numbers
import time
import warnings
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, get_args

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from urbanchain import settings
from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.crs import geodesic_point_distance
from urbanchain.engine import _cch
from urbanchain.engine import _select as _engines
from urbanchain.engine._csr import GraphCSR, assemble, build_csr
from urbanchain.engine._interface import Engine, EngineName, ResolvedEngine
from urbanchain.engine._weights import GateReport, validate_weights
from urbanchain.errors import (
    DataQualityWarning,
    GraphError,
    ResourceLimitError,
    ValidationError,
    WeightError,
)
from urbanchain.graph._network import GraphLike, Network

__all__ = [
    "ENGINES",
    "Decay",
    "Direction",
    "GraphLike",
    "Mass",
    "MissingMass",
    "NodeSelection",
    "Policy",
    "Prepared",
    "as_engine",
    "base_nodes",
    "block_rows",
    "check_budget",
    "component_ids",
    "coords",
    "default_nodes",
    "dist_rows",
    "edge_labels",
    "geodesic_km",
    "global_efficiency",
    "is_network",
    "masses",
    "node_attr",
    "node_ids",
    "od_block",
    "od_rows",
    "prepare",
    "resolve_engine",
    "resolve_nodes",
    "row_blocks",
    "unit_of",
]

ENGINES = _engines.ENGINES
#: Bytes of float64 distances held per block (rows = this / (8 n), between 1 and 256).
#: 64 MiB: the engines make a few transient copies of a block (integer table, float
#: conversion, inf -> NaN), which at 256 MiB put the peak of a 1,000 -> all OD at 10^6
#: edges 1.3 GB above the result (benchmarks/README.md, issue 19).
BLOCK_BYTES = 2**26


def resolve_engine(engine: str | None) -> EngineName:
    """Validate an ``engine=`` argument (``"auto"`` is resolved per call).

    :meth:`Prepared.engine` resolves ``"auto"``.  ``None`` uses the ``engine``
    setting.  ``"cch"`` without ``pyroutingkit`` raises
    :class:`~urbanchain.errors.OptionalDependencyError`.
    """
    return _engines.requested(engine)


def block_rows(n: int) -> int:
    """Rows per distance block for ``n`` columns (bounded memory, at most 256).

    A block holds at most :data:`BLOCK_BYTES` or a quarter of the
    ``memory_budget_bytes`` setting, whichever is smaller.
    """
    cap = min(BLOCK_BYTES, int(settings.get("memory_budget_bytes")) // 4)
    return int(max(1, min(256, cap // (8 * max(n, 1)))))


def _gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:,.2f} GiB" if nbytes >= 2**27 else f"{nbytes / 2**20:,.1f} MiB"


def check_budget(what: str, rows: int, cols: int, itemsize: int = 8) -> None:
    """Refuse a ``rows x cols`` in-memory result larger than ``memory_budget_bytes``.

    Raises
    ------
    ResourceLimitError
        Naming the size and the fixes (fewer targets, float32, a file, the setting).
    """
    need = rows * cols * itemsize
    budget = int(settings.get("memory_budget_bytes"))
    if need <= budget:
        return
    msg = (
        f"{what} would allocate {_gib(need)} ({rows:,} x {cols:,} cells x {itemsize} bytes), "
        f"more than memory_budget_bytes = {_gib(budget)}. Pass fewer targets (targets=[...] "
        f"or sources=[...]), dtype='float32' (half the size), out='od.npy' (the table is "
        f"written in blocks to a memory-mapped NumPy file and never held in memory), or raise "
        f"the budget: urbanchain.settings.set(memory_budget_bytes={need + 2**20})."
    )
    raise ResourceLimitError(msg)


@dataclass
class Prepared:
    """A graph that passed the gate, with its CSR view and the engines built on it.

    It is the :class:`~urbanchain.engine._interface.GraphSource` of every engine.
    """

    G: GraphLike
    weight: str
    report: GateReport
    csr: GraphCSR
    _built: dict[ResolvedEngine, Engine] = field(default_factory=dict, repr=False)
    _nx: nx.Graph | None = None

    def attrs(self, engine: Engine) -> dict[str, Any]:
        """Provenance attributes attached to every result."""
        prov = engine.provenance()
        out: dict[str, Any] = {
            "engine": prov.pop("engine"),
            "weight": self.weight,
            "self_loops_ignored": self.report.self_loops,
            "parallel_edges": self.report.parallel_edges,
        }
        out.update(prov)
        return out

    def nx_graph(self) -> nx.Graph:
        """Return the graph as networkx (a Network is converted once, for the reference engine)."""
        if isinstance(self.G, Network):
            if self._nx is None:
                self._nx = self.G.to_networkx()
            return self._nx
        return self.G

    def node_xy(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Node lon/lat in CSR order, or None when any is missing (orders the cch hierarchy)."""
        return _node_xy(self.G)

    def engine(self, request: EngineName, searches: int) -> Engine:
        """Return the engine for ``request`` on this graph, for a call of ``searches`` searches.

        ``"auto"`` is resolved by :func:`urbanchain.engine._select.select`.
        """
        return _engines.select(request, self, searches=searches, cache=self._built)

    def cch(self) -> _cch.CCHGraph:
        """Return the customised CCH of this CSR (topology cached across calls)."""
        eng = self.engine("cch", 0)
        assert isinstance(eng, _cch.CCHEngine)
        return eng.graph


def is_network(G: object) -> bool:
    """Whether ``G`` is an array-backed :class:`urbanchain.graph.Network`."""
    return isinstance(G, Network)


def node_ids(G: GraphLike) -> list[Any]:
    """Node ids in graph order (networkx insertion order, or ``Network.nodes`` order)."""
    if isinstance(G, Network):
        ids: list[Any] = G.nodes.index.tolist()
        return ids
    return list(G.nodes)


def node_attr(G: GraphLike, name: str) -> list[Any]:
    """Value of node attribute ``name`` for every node, in graph order (None if absent)."""
    if isinstance(G, Network):
        if name not in G.nodes.columns:
            return [None] * G.number_of_nodes()
        col = G.nodes[name]
        vals = col.to_numpy(dtype=object)
        miss = pd.isna(col).to_numpy()
        out: list[Any] = vals.tolist()
        for i in np.flatnonzero(miss).tolist():
            out[i] = None
        return out
    return [d.get(name) for _, d in G.nodes(data=True)]


def node_values(G: GraphLike, nodes: list[Any], name: str) -> list[Any]:
    """Value of node attribute ``name`` at ``nodes`` (None if absent)."""
    if isinstance(G, Network):
        if name not in G.nodes.columns:
            return [None] * len(nodes)
        pos = G.nodes.index.get_indexer(pd.Index(nodes, dtype=object))
        allv = node_attr(G, name)
        return [allv[i] for i in pos.tolist()]
    return [G.nodes[v].get(name) for v in nodes]


def _is_na(val: Any) -> bool:
    try:
        return bool(pd.isna(val))
    except (TypeError, ValueError):
        return False


def _node_xy(G: Any) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        x = np.asarray(node_attr(G, "x"), dtype=np.float64)
        y = np.asarray(node_attr(G, "y"), dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    return x, y


def prepare(
    G: GraphLike, weight: str, *, stacklevel: int = 4, what: str = "weight", warn: bool = True
) -> Prepared:
    """Run the weight gate and build the CSR (minimum over parallel edges).

    ``stacklevel`` is passed to :func:`warnings.warn` in the gate: the default 4
    points at the caller of the public metric that called ``prepare``.

    ``G`` is a networkx graph or a :class:`urbanchain.graph.Network`; a Network
    goes through a vectorised gate and straight to the CSR, with no networkx.
    """
    if is_network(G):
        report, csr = _prepare_network(
            G, weight, stacklevel=stacklevel, what=what, warn=warn, allow_zero=what == "length"
        )
        return Prepared(G=G, weight=weight, report=report, csr=csr)
    report = validate_weights(
        G,
        weight,
        stacklevel=stacklevel,
        what=what,
        warn_self_loops=warn,
        allow_zero=what == "length",
    )
    return Prepared(G=G, weight=weight, report=report, csr=build_csr(G, weight))


_NET_FIXES = {
    "missing (NaN)": "fill the value (e.g. length / speed) or drop the edge explicitly",
    "non-numeric": "convert the column to float (e.g. pd.to_numeric)",
    "infinite": "remove the edge (closed corridor) instead of giving it an infinite weight",
    "zero": "give the edge a small positive value or merge its two end nodes",
    "negative": "check the sign and unit; shortest paths need weights > 0",
}


def network_label_array(net: Network, rows: np.ndarray) -> np.ndarray:
    """``edge_id`` of the edges at ``rows`` (object array of str), else ``"u-v[key]"``."""
    edges = net.edges
    if "edge_id" in edges.columns:
        col = edges["edge_id"]
        na = pd.isna(col).to_numpy()
        if pd.api.types.is_string_dtype(col) and not na.any():
            # the common case (the builder's ids): no per-element str() needed
            return np.asarray(col.to_numpy(dtype=object)[rows], dtype=object)
        out = np.asarray(col.astype(str).to_numpy(dtype=object)[rows], dtype=object)
        miss = np.flatnonzero(na[rows])
    else:
        out = np.empty(len(rows), dtype=object)
        miss = np.arange(len(rows))
    if len(miss):
        ids = net.nodes.index
        sub = np.asarray(rows)[miss]
        u = ids.take(edges["u_pos"].to_numpy()[sub]).tolist()
        v = ids.take(edges["v_pos"].to_numpy()[sub]).tolist()
        k = edges["key"].to_numpy()[sub].tolist()
        out[miss] = [f"{a}-{b}[{kk}]" for a, b, kk in zip(u, v, k, strict=True)]
    return out


def _network_labels(net: Network, rows: np.ndarray) -> list[str]:
    """``edge_id`` of the edges at ``rows``, else ``"u-v[key]"``, as a list of str."""
    return [str(x) for x in network_label_array(net, rows).tolist()]


#: Same bound as the networkx gate (urbanchain.engine._weights._MAX_TOTAL).
_MAX_TOTAL_WEIGHT = 1e250


#: Gated CSRs kept per Network (one per weight column and zero rule).
_GATE_CACHE_SIZE = 4


def _gate_cache(net: Network) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Return the Network's cache of gated CSRs (an attribute of the Network: dies with it)."""
    cache: dict[tuple[Any, ...], tuple[Any, ...]] | None = getattr(net, "_urbanchain_gate", None)
    if cache is None:
        cache = {}
        net._urbanchain_gate = cache  # type: ignore[attr-defined]
    return cache


def _gate_key(
    net: Network, col: pd.Series, weight: str, allow_zero: bool
) -> tuple[Any, ...] | None:
    """Fingerprint of everything the gated CSR depends on; None: not cacheable.

    A digest of the edge ends and the weight values (not their identity), so
    a Network whose tables were edited in place is gated again.  Only float
    and integer columns are cached (other dtypes go through the full gate).
    """
    if not (pd.api.types.is_float_dtype(col) or pd.api.types.is_integer_dtype(col)):
        return None
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_extension_array_dtype(col):
        return None
    edges = net.edges
    h = hashlib.blake2b(digest_size=16)
    for arr in (edges["u_pos"].to_numpy(), edges["v_pos"].to_numpy(), col.to_numpy()):
        a = np.ascontiguousarray(arr)
        h.update(str(a.dtype).encode())
        h.update(a.view(np.uint8).data)
    return (weight, allow_zero, net.is_directed(), net.number_of_nodes(), h.hexdigest())


def _warn_self_loops(net: Network, loop: np.ndarray, stacklevel: int) -> None:
    """Warn that the self-loop edges (``loop``: a mask over the edges) are ignored."""
    rows = np.flatnonzero(loop)
    warnings.warn(
        f"Ignoring {len(rows)} self-loop edge(s) (edge ids: "
        f"{format_ids(_network_labels(net, rows[:20]))}): a self-loop never "
        f"lies on a shortest path. Remove them from the graph to silence this warning.",
        DataQualityWarning,
        stacklevel=stacklevel,
    )


def _lazy_lookups(
    net: Network, nodes: list[Any], keep: np.ndarray, eu: np.ndarray, ev: np.ndarray
) -> tuple[
    Callable[[], dict[Any, int]], Callable[[], list[str]], Callable[[], list[tuple[Any, Any, Any]]]
]:
    """Builders of the id -> row dict, the edge labels and the ``(u, v, key)`` tuples.

    They are Python objects that cost more than the CSR at 10^5 edges and that
    most metrics never read, so :class:`GraphCSR` builds them on first use.
    """
    edges = net.edges

    def index() -> dict[Any, int]:
        return {x: i for i, x in enumerate(nodes)}

    def ids() -> list[str]:
        return _network_labels(net, keep)

    def keys() -> list[tuple[Any, Any, Any]]:
        id_arr = np.asarray(net.nodes.index, dtype=object)
        return list(
            zip(
                id_arr[eu].tolist(),
                id_arr[ev].tolist(),
                edges["key"].to_numpy()[keep].tolist(),
                strict=True,
            )
        )

    return index, ids, keys


def _from_cache(
    net: Network, hit: tuple[Any, ...], *, stacklevel: int, warn: bool
) -> tuple[GateReport, GraphCSR]:
    """Rebuild the :class:`GraphCSR` of a cached gate: no sort, fresh lazy labels."""
    matrix, eu, ev, ew, keep, m, n_loops, parallel = hit
    edges = net.edges
    if n_loops and warn:
        u = edges["u_pos"].to_numpy(dtype=np.int64)
        _warn_self_loops(net, u == edges["v_pos"].to_numpy(dtype=np.int64), stacklevel + 2)
    nodes = node_ids(net)
    index, ids, keys = _lazy_lookups(net, nodes, keep, eu, ev)
    csr = GraphCSR(
        nodes=nodes,
        lazy_index=index,
        matrix=matrix,
        directed=net.is_directed(),
        edge_u=eu,
        edge_v=ev,
        edge_w=ew,
        lazy_ids=ids,
        lazy_keys=keys,
        edge_rows=keep,
    )
    report = GateReport(
        n_nodes=net.number_of_nodes(), n_edges=m, self_loops=n_loops, parallel_edges=parallel
    )
    return report, csr


def _prepare_network(
    net: Network, weight: str, *, stacklevel: int, what: str, warn: bool, allow_zero: bool
) -> tuple[GateReport, GraphCSR]:
    """Run the weight gate and build the CSR of a Network, vectorised (no per-edge objects)."""
    if net.number_of_nodes() == 0:
        msg = (
            "The network is empty: no nodes loaded. Check the node and line layers and the "
            "region filter used to build it."
        )
        raise GraphError(msg)
    if not isinstance(weight, str) or not weight:
        msg = f"The {what} must be the name of an edge attribute (a non-empty str); got {weight!r}."
        raise WeightError(msg)
    edges = net.edges
    m = len(edges)
    if weight not in edges.columns:
        cols = sorted(c for c in edges.columns if c not in ("u_pos", "v_pos", "key", "geometry"))
        msg = (
            f"Edge {what} attribute {weight!r} is missing on all {m} edges of the network "
            f"(its edge columns are {', '.join(repr(c) for c in cols) or '(none)'}). Pass "
            f"a column that every edge has."
        )
        raise WeightError(msg)
    col = edges[weight]
    key = _gate_key(net, col, weight, allow_zero)
    hit = None if key is None else _gate_cache(net).get(key)
    if hit is not None:
        return _from_cache(net, hit, stacklevel=stacklevel, warn=warn)
    problems: dict[str, np.ndarray] = {}
    if pd.api.types.is_bool_dtype(col) or not (
        pd.api.types.is_numeric_dtype(col) or col.dtype == object
    ):
        problems["non-numeric"] = np.arange(m)
        w = np.zeros(m)
    else:
        num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        if col.dtype == object:
            raw = col.to_numpy(dtype=object)
            bad_type = (
                np.array(
                    [
                        isinstance(x, bool | str | bytes) or not isinstance(x, numbers.Real | None)
                        for x in raw.tolist()
                    ],
                    dtype=bool,
                )
                & ~pd.isna(col).to_numpy()
            )
            if bad_type.any():
                problems["non-numeric"] = np.flatnonzero(bad_type)
                num[bad_type] = 1.0
        w = num
        problems["missing (NaN)"] = np.flatnonzero(np.isnan(w))
        problems["infinite"] = np.flatnonzero(np.isinf(w))
        problems["zero"] = np.flatnonzero(w == 0) if not allow_zero else np.empty(0, np.int64)
        problems["negative"] = np.flatnonzero(w < 0)
    problems = {k: v for k, v in problems.items() if len(v)}
    if problems:
        parts = [
            f"{kind} on {len(rows)} edge(s) (edge ids: "
            f"{format_ids(_network_labels(net, rows[:20]))}); fix: {_NET_FIXES[kind]}"
            for kind, rows in problems.items()
        ]
        msg = (
            f"Edge {what} attribute {weight!r} must be a finite number > 0 on every edge. "
            + "; ".join(parts)
            + "."
        )
        raise WeightError(msg)
    with np.errstate(over="ignore"):
        total = float(np.sum(w, dtype=np.float64))
    if not math.isfinite(total) or total > _MAX_TOTAL_WEIGHT:
        # every path length is at most the sum of all weights: beyond this, sums of
        # path lengths overflow to infinity and pairs would be reported unreachable
        top = int(np.argmax(w))
        msg = (
            f"Edge {what} attribute {weight!r} holds absurdly large values: they sum to more "
            f"than {_MAX_TOTAL_WEIGHT:.0e} (largest {w[top]:.3g} on edge "
            f"{_network_labels(net, np.array([top]))[0]}), so path lengths would overflow to "
            "infinity and be reported as unreachable. Check the unit and fix those edges."
        )
        raise WeightError(msg)
    u = edges["u_pos"].to_numpy(dtype=np.int64)
    v = edges["v_pos"].to_numpy(dtype=np.int64)
    loop = u == v
    n_loops = int(loop.sum())
    if n_loops and warn:
        _warn_self_loops(net, loop, stacklevel + 1)
    keep = np.flatnonzero(~loop)
    eu, ev, ew = u[keep], v[keep], w[keep]
    directed = net.is_directed()
    n = net.number_of_nodes()
    nodes = node_ids(net)

    index, ids, keys = _lazy_lookups(net, nodes, keep, eu, ev)
    csr = assemble(nodes, index, eu, ev, ew, directed=directed, ids=ids, keys=keys)
    csr.edge_rows = keep
    parallel = csr.duplicate_entries if directed else csr.duplicate_entries // 2
    if key is not None:
        for a in (csr.matrix.data, csr.matrix.indices, csr.matrix.indptr, eu, ev, ew, keep):
            a.flags.writeable = False  # shared by later calls: never written in place
        cache = _gate_cache(net)
        cache[key] = (csr.matrix, eu, ev, ew, keep, m, n_loops, parallel)
        while len(cache) > _GATE_CACHE_SIZE:
            cache.pop(next(iter(cache)))
    report = GateReport(n_nodes=n, n_edges=m, self_loops=n_loops, parallel_edges=parallel)
    return report, csr


def edge_labels(G: GraphLike, prep: Prepared, attr: str) -> list[Any]:
    """Value of edge attribute ``attr`` for every CSR edge, in ``csr.edge_*`` order (None if absent).

    ``attr="edge_id"`` gives the edge labels of the CSR (``"u-v[key]"`` when missing).
    """
    csr = prep.csr
    if attr == "edge_id":
        return list(csr.edge_ids)
    if isinstance(G, Network):
        col = G.edges[attr] if attr in G.edges.columns else pd.Series([None] * len(G.edges))
        values: list[Any] = col.to_numpy(dtype=object)[csr.edge_rows].tolist()
        return values
    return [
        (G.edges[u, v, k] if G.is_multigraph() else G.edges[u, v]).get(attr)
        for u, v, k in csr.edge_keys
    ]


def access_link_mask(G: GraphLike, prep: Prepared) -> list[bool]:
    """Flag each CSR edge that is an access link or a transfer (not a corridor).

    Such edges have ``mode`` ``"access"`` or ``"transfer"`` or ``is_access`` true;
    criticality rankings and failure sweeps leave them out by default.
    """
    modes = edge_labels(G, prep, "mode")
    access = edge_labels(G, prep, "is_access")
    return [m in ("access", "transfer") or a is True for m, a in zip(modes, access, strict=True)]


def unit_of(G: GraphLike, attr: str) -> str:
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


def base_nodes(G: GraphLike) -> list[Any]:
    """Return the base nodes of ``G`` (see :func:`is_base`), in graph order."""
    return [v for v in node_ids(G) if is_base(v)]


def default_nodes(G: GraphLike) -> list[Any]:
    """Nodes with ``is_capital`` true, else all base nodes, else all nodes."""
    ids = node_ids(G)
    caps = [
        v
        for v, c in zip(ids, node_attr(G, "is_capital"), strict=True)
        if c is True or c is np.True_
    ]
    if caps:
        return caps
    return base_nodes(G) or ids


def name_index(G: GraphLike) -> dict[Any, list[Any]]:
    """Map each base node id to its names (id, ``name``, ``name_ascii``), for look-ups."""
    ids = node_ids(G)
    names = node_attr(G, "name")
    ascii_ = node_attr(G, "name_ascii")
    return {v: [v, n, a] for v, n, a in zip(ids, names, ascii_, strict=True) if is_base(v)}


def resolve_node(G: GraphLike, node: Any, *, what: str = "node") -> Any:
    """Node id of ``node``: an id of ``G``, or a place name with or without diacritics.

    ``"Hà Nội"``, ``"Ha Noi"`` and ``"ha noi"`` all give ``"ha_noi"``; a name
    shared by several places raises listing them (pass the id).
    """
    if node in G:
        return node
    from urbanchain._private._names import resolve_name

    return resolve_name(node, name_index(G), kind=f"{what} node")


def node_names(G: GraphLike, nodes: list[Any]) -> list[Any]:
    """Vietnamese ``name`` of each node (the id when it has none)."""
    vals = node_values(G, nodes, "name")
    return [v if isinstance(v, str) and v else str(n) for v, n in zip(vals, nodes, strict=True)]


def resolve_nodes(
    G: GraphLike,
    nodes: NodeSelection,
    *,
    default: list[Any] | Callable[[], list[Any]],
    what: str,
) -> list[Any]:
    """Check a caller's node list (ids or names; unknown ones raise, duplicates raise).

    ``default`` (the list used when ``nodes`` is None) may be a function, so
    that a default costing a pass over every node is only built when used.
    """
    if nodes is None:
        return list(default() if callable(default) else default)
    if isinstance(nodes, str) or not isinstance(nodes, Iterable):
        nodes = [nodes]
    out = list(nodes)
    if any(v not in G for v in out):
        from urbanchain._private._names import resolve_name

        index = name_index(G)  # built once per call, only when a name is given
        out = [v if v in G else resolve_name(v, index, kind=f"{what} node") for v in out]
    if len(set(out)) != len(out):
        dup = sorted({str(v) for v in out if out.count(v) > 1})
        msg = f"The {what} list repeats node ids: {format_ids(dup)}. Pass each node once."
        raise ValidationError(msg)
    if not out:
        msg = f"The {what} list is empty. Pass at least one node id, or None for the default."
        raise ValidationError(msg)
    return out


def as_engine(prep: Prepared, engine: Engine | EngineName, searches: int = 0) -> Engine:
    """``engine`` itself, or the engine of that name built on ``prep``."""
    return prep.engine(engine, searches) if isinstance(engine, str) else engine


def node_rows(prep: Prepared, nodes: Iterable[Any]) -> np.ndarray:
    """CSR rows of ``nodes`` (ids already checked to be in the graph), as int64.

    On a :class:`~urbanchain.graph.Network` whose id -> row dict is not built
    yet, one vectorised look-up in the node index (the CSR order) instead.
    """
    ids = list(nodes)
    if is_network(prep.G) and callable(prep.csr.lazy_index):
        pos = np.asarray(
            prep.G.nodes.index.get_indexer(pd.Index(ids, dtype=object)), dtype=np.int64
        )
        if len(pos) == len(ids) and (pos >= 0).all():
            return pos
    return np.array([prep.csr.index[v] for v in ids], dtype=np.int64)


def dist_rows(
    prep: Prepared, nodes: list[Any], engine: Engine | EngineName, *, reverse: bool = False
) -> np.ndarray:
    """Distances from ``nodes`` (rows) to every node (CSR order); inf = unreachable.

    ``reverse=True`` gives distances *to* ``nodes`` (from every node), which
    differs from the forward ones only on directed graphs.
    """
    idx = node_rows(prep, nodes)
    return as_engine(prep, engine, len(nodes)).distances(idx, reverse=reverse)


def row_blocks(
    prep: Prepared, rows: np.ndarray, engine: Engine, *, reverse: bool = False
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(positions into rows, distances to every node)`` in memory-bounded blocks.

    ``rows`` are CSR positions.  At most :func:`block_rows` rows are held at once.
    """
    rows = np.asarray(rows, dtype=np.int64)
    step = block_rows(prep.csr.n)
    for start in range(0, len(rows), step):
        pos = np.arange(start, min(start + step, len(rows)))
        yield pos, engine.distances(rows[pos], reverse=reverse)


#: Rows the ``auto`` probe runs on the many-to-many engine before comparing it with scipy.
PROBE_ROWS = 16
#: Scipy rows timed by the probe.
PROBE_FALLBACK_ROWS = 2


def od_rows(
    prep: Prepared,
    sources: list[Any],
    targets: list[Any],
    engine: Engine,
    *,
    fallback: Engine | None = None,
    report: dict[str, Any] | None = None,
    rows: tuple[np.ndarray, np.ndarray] | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(source positions, distances to targets)`` blocks of the sources x targets table.

    ``rows``: the CSR rows of ``sources`` and ``targets`` when the caller has them.

    The table is never held whole unless it is small: a many-to-many engine
    (cch) answers each block with one query; a single-source engine (scipy,
    networkx) runs Dijkstra from the sources, or once from the targets on the
    reversed graph when there are fewer targets and their ``len(targets) x n``
    rows fit in one block budget.

    ``fallback`` (what ``engine="auto"`` passes with a many-to-many engine):
    the first :data:`PROBE_ROWS` rows run on ``engine`` and the next
    :data:`PROBE_FALLBACK_ROWS` on ``fallback``, both timed; when ``engine``
    took longer per row, the remaining rows run on ``fallback`` and
    ``report["fallback"]`` says so.  So ``auto`` is never much slower than
    scipy, whatever the hierarchy's query cost on this graph.
    """
    sidx, tidx = rows if rows is not None else (node_rows(prep, sources), node_rows(prep, targets))
    n = prep.csr.n
    if engine.many_to_many:
        start = 0
        use = engine
        if fallback is not None and len(sidx) > 4 * (PROBE_ROWS + PROBE_FALLBACK_ROWS):
            # a query without sources first: an engine that prepares the target set
            # once for every row (bucket's target searches) does it outside the timing
            engine.distances(sidx[:0], tidx)
            pos = np.arange(PROBE_ROWS)
            t0 = time.perf_counter()
            d = engine.distances(sidx[pos], tidx)
            per_row = (time.perf_counter() - t0) / PROBE_ROWS
            yield pos, d
            pos = np.arange(PROBE_ROWS, PROBE_ROWS + PROBE_FALLBACK_ROWS)
            t0 = time.perf_counter()
            d = fallback.distances(sidx[pos], tidx)
            per_row_fb = (time.perf_counter() - t0) / PROBE_FALLBACK_ROWS
            yield pos, d
            start = PROBE_ROWS + PROBE_FALLBACK_ROWS
            if per_row > per_row_fb:
                use = fallback
                if report is not None:
                    report["fallback"] = {
                        "engine": fallback.name,
                        "rows": len(sidx) - start,
                        "probe_s_per_row": {engine.name: per_row, fallback.name: per_row_fb},
                    }
        step = block_rows(len(tidx) if use.many_to_many else n)
        for s0 in range(start, len(sidx), step):
            pos = np.arange(s0, min(s0 + step, len(sidx)))
            yield pos, use.distances(sidx[pos], tidx)
        return
    if len(tidx) < len(sidx) and len(tidx) * n * 8 <= BLOCK_BYTES:
        back = engine.distances(tidx, sidx, reverse=True).T
        step = block_rows(len(tidx))
        for start in range(0, len(sidx), step):
            pos = np.arange(start, min(start + step, len(sidx)))
            yield pos, back[pos]
        return
    full = len(tidx) == n and bool((tidx == np.arange(n)).all())
    for pos, d in row_blocks(prep, sidx, engine):
        yield pos, (d if full else d[:, tidx])


def od_block(
    prep: Prepared,
    sources: list[Any],
    targets: list[Any],
    engine: Engine,
    *,
    nan_unreachable: bool = False,
    out: np.ndarray | None = None,
    what: str = "The OD table",
    fallback: Engine | None = None,
    report: dict[str, Any] | None = None,
) -> np.ndarray:
    """``len(sources) x len(targets)`` distances in one preallocated array.

    ``out`` (e.g. a NumPy memmap, float64 or float32) receives the blocks;
    without it the array is allocated after :func:`check_budget`.

    Blocks are written straight into the output (no second full-size copy).
    Unreachable pairs are inf, or NaN with ``nan_unreachable=True`` (converted
    block by block, in place).  On a single-source engine, when there are
    fewer targets than sources, Dijkstra runs from the targets on the reversed
    graph, in blocks.
    """
    if out is None:
        check_budget(what, len(sources), len(targets))
        out = np.empty((len(sources), len(targets)), dtype=np.float64)
    sidx = node_rows(prep, sources)
    tidx = node_rows(prep, targets)
    if not engine.many_to_many and len(targets) < len(sources):
        for pos, d in row_blocks(prep, tidx, engine, reverse=True):
            view = out[:, pos[0] : pos[-1] + 1]
            view[...] = d[:, sidx].T
            if nan_unreachable:
                view[np.isinf(view)] = np.nan
        return out
    blocks = od_rows(
        prep, sources, targets, engine, fallback=fallback, report=report, rows=(sidx, tidx)
    )
    for pos, d in blocks:
        view = out[pos[0] : pos[-1] + 1]
        view[...] = d
        if nan_unreachable:
            view[np.isinf(view)] = np.nan
    return out


def global_efficiency(prep: Prepared, engine: Engine) -> float:
    r"""Latora-Marchiori efficiency :math:`\frac{1}{n(n-1)} \sum_{i \ne j} 1/d_{ij}` (1/inf = 0).

    Runs ``engine`` from every node in memory-bounded blocks; shared by
    :func:`urbanchain.metrics.efficiency` and the failure sweeps.
    """
    n = prep.csr.n
    if n < 2:
        return 0.0
    total = 0.0
    for _pos, d in row_blocks(prep, np.arange(n), engine):
        with np.errstate(divide="ignore"):
            total += float(np.where(np.isfinite(d) & (d > 0), 1.0 / d, 0.0).sum())
    return total / (n * (n - 1))


def component_labels(csr: GraphCSR) -> np.ndarray:
    """Return the weak component of each CSR row: 0 = largest, ties by first node."""
    n_comp, labels = connected_components(csr.matrix, directed=csr.directed, connection="weak")
    sizes = np.bincount(labels, minlength=n_comp)
    first = np.full(n_comp, csr.n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(csr.n))
    order = np.lexsort((first, -sizes))
    rank = np.empty(n_comp, dtype=np.int64)
    rank[order] = np.arange(n_comp)
    out: np.ndarray = rank[labels]
    return out


def component_ids(prep: Prepared) -> dict[Any, int]:
    """Return the weak component id of each node: 0 = largest, ties by first node."""
    return dict(zip(prep.csr.nodes, component_labels(prep.csr).tolist(), strict=True))


def coords(G: GraphLike, nodes: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat (``x``, ``y`` node attributes) of ``nodes``; raises if any is missing."""
    xs = np.full(len(nodes), np.nan)
    ys = np.full(len(nodes), np.nan)
    bad = []
    allx = node_values(G, nodes, "x")
    ally = node_values(G, nodes, "y")
    for i, v in enumerate(nodes):
        x, y = allx[i], ally[i]
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
    return _to_lonlat(G, xs, ys)


def _to_lonlat(G: Any, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node coordinates in lon/lat: converted from ``G.graph["crs"]`` when it is projected.

    Geodesic metrics (detour index, straightness) then work on graphs in UTM or
    a national grid; a graph without a ``crs`` is taken as lon/lat.
    """
    crs = (getattr(G, "graph", None) or {}).get("crs")
    if crs is None or len(xs) == 0:
        return xs, ys
    from pyproj import CRS, Transformer

    src = CRS.from_user_input(crs)
    if src.is_geographic:
        return xs, ys
    tr = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(xs, ys)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def geodesic_km(G: GraphLike, a: list[Any], b: list[Any]) -> np.ndarray:
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


def default_mass(G: Any) -> str:
    """Return the default mass: ``province_population`` when nodes carry it, else ``population``.

    The bundled chains attach each capital's official *province* population
    (:func:`urbanchain.chain.with_province_population`); city populations are
    rarely sourced, so ``population`` is empty for most capitals.
    """
    vals = node_attr(G, "province_population")
    return "province_population" if any(not _bad_mass(v) for v in vals) else "population"


def masses(
    G: GraphLike,
    mass: Mass | None,
    destinations: NodeSelection,
    *,
    missing: str,
    stacklevel: int = 3,
) -> tuple[list[Any], np.ndarray]:
    """Resolve destination nodes and their masses under an explicit missing-mass policy.

    ``mass`` is a node attribute name or a mapping/Series node id -> mass.
    Default destinations: the mapping's keys, else nodes of kind ``"city"``
    (all nodes when no node has a ``kind``).  A missing, NaN, non-numeric or
    negative mass raises (``missing="error"``) or drops that destination with a
    warning that counts and names them (``missing="drop"``); it is never 0.
    ``missing="warn"`` drops with the same warning, but raises when more than
    half of the destinations lack a mass (the result would describe a few
    places, not the region).  ``mass=None`` is :func:`default_mass`; the
    default destinations of ``province_population`` are the capitals (the
    nodes that stand for a province).
    """
    if missing not in {"error", "drop", "warn"}:
        err = unknown_name("missing-mass policy", missing, ["warn", "error", "drop"])
        raise err
    if mass is None:
        mass = default_mass(G)
    lookup: Mapping[Any, Any]
    if isinstance(mass, str):
        what = f"node attribute {mass!r}"
        if destinations is None and mass == "province_population":
            default = default_nodes(G)
        elif destinations is None:
            kinds = node_attr(G, "kind")
            ids = node_ids(G)
            if any(k is not None for k in kinds):
                default = [v for v, k in zip(ids, kinds, strict=True) if k == "city"]
            else:
                default = ids
        else:
            default = []
        dest = resolve_nodes(G, destinations, default=default, what="destination")
        values = node_values(G, dest, mass)
    else:
        what = "the mass mapping"
        lookup = dict(mass.items())
        if any(v not in G for v in lookup):  # keys may be names ("Hà Nội")
            keys = resolve_nodes(G, list(lookup), default=[], what="mass")
            lookup = dict(zip(keys, lookup.values(), strict=True))
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
        if missing == "warn" and 2 * len(bad) > len(dest):
            msg = (
                f"Mass ({what}) is missing, NaN, non-numeric or negative for {len(bad)} of "
                f"{len(dest)} destination node(s) ({format_ids(bad)}): most of them, so the "
                f"result would not describe the region. Pass mass= naming a populated "
                f"attribute (the bundled chains carry 'province_population'), a mapping "
                f"node id -> mass, or destinations= with the nodes that have one."
            )
            raise ValidationError(msg)
        warnings.warn(
            f"Left out {len(bad)} of {len(dest)} destination node(s) with no usable mass "
            f"({what}): {format_ids(bad)}; they are not counted as 0. Fill the mass, or "
            f"pass destinations= without them to silence this warning.",
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


# ---------------------------------------------------------------------------
# Small helpers shared by the metric modules
# ---------------------------------------------------------------------------

#: Choices of the metric parameters, each defined once (the tuples below derive from them).
Decay: TypeAlias = Literal["exponential", "power", "cumulative"]
Direction: TypeAlias = Literal["out", "in"]
Policy: TypeAlias = Literal["component", "error"]
MissingMass: TypeAlias = Literal["warn", "error", "drop"]
#: One node id, several, or None for the metric's default nodes.
NodeSelection: TypeAlias = Hashable | Iterable[Hashable] | None
#: A node attribute name, or a mapping / Series node id -> mass.
Mass: TypeAlias = str | Mapping[Hashable, float] | pd.Series

_DECAYS: tuple[str, ...] = get_args(Decay)
_POLICIES: tuple[str, ...] = get_args(Policy)
_DIRECTIONS: tuple[str, ...] = get_args(Direction)


def _check_choice(kind: str, value: Any, valid: tuple[str, ...]) -> None:
    if value not in valid:
        err = unknown_name(kind, value, valid)
        raise err


def _frame_attrs(
    df: pd.DataFrame | pd.Series, prep: Prepared, engine: Engine, **extra: Any
) -> None:
    df.attrs.update(prep.attrs(engine))
    df.attrs.update(extra)


def _nan_inf(a: np.ndarray) -> np.ndarray:
    out = np.asarray(a, dtype=np.float64).copy()
    out[~np.isfinite(out)] = np.nan
    return out
