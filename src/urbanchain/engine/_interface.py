"""The shortest-path engine interface every metric, comparison and sweep goes through.

An engine answers distance queries on one weighted graph, given as the CSR
view of :mod:`urbanchain.engine._csr` (nodes are CSR positions ``0..n-1``).
Metrics never test which engine they hold: they ask an :class:`Engine` for

* :meth:`~Engine.distances` -- ``origins x targets`` (or ``x all nodes``), forward
  or on the reversed graph (``reverse=True``: distances *to* the origins);
* :meth:`~Engine.nearest` -- a multi-source search: for each node of a set, the
  nearest of several origins;
* :meth:`~Engine.without` -- the same graph with some edges closed (corridor
  criticality, failure sweeps), as a context manager;
* :meth:`~Engine.node_betweenness` / :meth:`~Engine.edge_betweenness` -- Brandes
  betweenness (the reference engine uses NetworkX's own sampling);

and read a few capabilities instead of the engine's name: ``many_to_many``
(a ``sources x targets`` query costs the same either way round, so there is no
need to search from the smaller side), ``prunes`` (whether the criticality loop
may skip source rows whose shortest paths avoid a closed corridor; the
reference recomputes everything, to stay independent of that rule) and
``slack`` (the absolute rounding error per edge, 0 for exact engines).

:class:`CSREngine` holds what the CSR engines share (betweenness on the
compiled Brandes kernel, arc weights, provenance).  To add an engine, add one
module with a class implementing :class:`Engine` and register its name in
:mod:`urbanchain.engine._select` (see ``docs/architecture.md``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol, runtime_checkable

import networkx as nx
import numpy as np
import numpy.typing as npt

from urbanchain.engine import _kernels
from urbanchain.engine._csr import GraphCSR

__all__ = [
    "CSREngine",
    "EdgeRow",
    "Engine",
    "EngineName",
    "FloatArray",
    "GraphSource",
    "IntArray",
    "ResolvedEngine",
    "closeness_from_rows",
    "csr_edge_values",
    "edge_values",
    "scale_edge_bc",
    "scale_node_bc",
]

#: Values of every ``engine=`` parameter and of the ``engine`` setting.
EngineName = Literal["auto", "scipy", "cch", "networkx", "igraph", "bucket"]
#: An engine that ran (``attrs["engine"]`` of every result): ``auto`` resolved.
ResolvedEngine = Literal["scipy", "cch", "networkx", "igraph", "bucket"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: One edge as the betweenness code reads it: ``(u, v, key, data)``.
EdgeRow = tuple[Any, Any, Any, dict[str, Any]]


class GraphSource(Protocol):
    """What an engine is built from: a graph that passed the weight gate."""

    @property
    def csr(self) -> GraphCSR:
        """The CSR view (minimum weight over parallel edges, no self-loops)."""
        ...

    @property
    def weight(self) -> str:
        """The edge attribute the CSR holds."""
        ...

    def nx_graph(self) -> nx.Graph:
        """Return the graph as networkx (converted once for a Network)."""
        ...

    def node_xy(self) -> tuple[FloatArray, FloatArray] | None:
        """Node lon/lat in CSR order, or None when any is missing."""
        ...


@runtime_checkable
class Engine(Protocol):
    """A shortest-path engine on one graph (see the module docstring)."""

    #: The name recorded in ``attrs["engine"]``.
    name: ResolvedEngine
    #: The name recorded in ``attrs["betweenness_engine"]``.
    betweenness_name: ResolvedEngine
    #: True when a ``sources x targets`` query costs the same as ``targets x sources``.
    many_to_many: bool
    #: True when the criticality loop may recompute only the rows a closure can change.
    prunes: bool
    #: Largest absolute rounding error per edge of a returned distance (0 = exact).
    slack: float

    def distances(
        self, origins: IntArray, targets: IntArray | None = None, *, reverse: bool = False
    ) -> FloatArray:
        """``len(origins) x len(targets)`` distances (all nodes when None); inf = unreachable.

        ``reverse=True`` gives ``D[i, j] = d(targets[j] -> origins[i])`` (a
        search from the origins on the reversed graph); it differs from the
        forward table only on directed graphs.
        """
        ...

    def nearest(
        self, origins: IntArray, among: IntArray, *, reverse: bool = False
    ) -> tuple[FloatArray, IntArray]:
        """For each node of ``among``: distance from the nearest origin, and which CSR node.

        ``reverse=True`` measures from the node to the origins.  Unreachable
        nodes get ``inf`` and ``-1``.
        """
        ...

    def without(self, edges: IntArray) -> AbstractContextManager[Engine]:
        """Return the engine with the edges at positions ``edges`` (into ``csr.edge_*``) closed.

        Parallel edges that remain keep the pair joined (their minimum weight).
        The engine itself is unchanged after the ``with`` block.
        """
        ...

    def arc_weights(self, slots: IntArray) -> FloatArray:
        """Weights of the CSR entries ``slots`` as this engine sees them."""
        ...

    def node_betweenness(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        """Node betweenness in CSR order (scaled as NetworkX's ``betweenness_centrality``).

        ``cutoff``: only shortest paths of cost at most ``cutoff`` count.
        """
        ...

    def closeness_harmonic(
        self, *, reverse: bool, cutoff: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Wasserman-Faust closeness and raw harmonic sums of every node, in CSR order.

        ``reverse=True`` uses distances *to* each node; ``cutoff`` ignores
        nodes farther than it (they count as unreachable).
        """
        ...

    def edge_betweenness(
        self,
        G: nx.Graph,
        edges: list[EdgeRow],
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> list[float]:
        """Betweenness of every edge of ``edges`` (a networkx graph's rows, in order)."""
        ...

    def edge_betweenness_csr(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        """Betweenness of every non-self-loop edge, in ``csr.edge_u`` order (no per-edge objects).

        Same values as :meth:`edge_betweenness`: a pair's value is shared
        equally among its parallel edges of minimum weight.
        """
        ...

    def provenance(self) -> dict[str, Any]:
        """Attributes recorded on every result (engine name, and rounding for cch)."""
        ...


def scale_node_bc(bc: FloatArray, n: int, normalized: bool, directed: bool) -> FloatArray:
    """Scale raw ordered-pair Brandes sums as :func:`networkx.betweenness_centrality` does."""
    if normalized:
        return bc / ((n - 1) * (n - 2)) if n > 2 else bc
    return bc if directed else bc / 2.0


def scale_edge_bc(bc: FloatArray, n: int, normalized: bool, directed: bool) -> FloatArray:
    """Scale raw ordered-pair edge sums as :func:`networkx.edge_betweenness_centrality` does."""
    if normalized:
        return bc / (n * (n - 1)) if n > 1 else bc
    return bc if directed else bc / 2.0


def csr_edge_values(csr: GraphCSR, entry_values: FloatArray) -> FloatArray:
    """One value per edge from one value per CSR entry (see :func:`edge_values`)."""
    m = csr.matrix
    rows = np.repeat(np.arange(csr.n, dtype=np.int64), np.diff(m.indptr))
    return edge_values(csr, rows, np.asarray(m.indices, dtype=np.int64), entry_values)


def closeness_from_rows(
    engine: Engine, n: int, *, reverse: bool, cutoff: float | None, block: int = 256
) -> tuple[FloatArray, FloatArray]:
    r"""Return closeness and raw harmonic sums from blocks of ``engine.distances`` rows.

    .. math:: C_i = \frac{r_i - 1}{\sum_j d_{ij}} \cdot \frac{r_i - 1}{n - 1},
        \qquad H_i = \sum_{j \ne i} 1 / d_{ij}

    over the :math:`r_i` nodes reachable (within ``cutoff``), itself included.
    At most ``block`` rows of ``n`` distances are held at once.
    """
    closeness = np.zeros(n)
    harmonic = np.zeros(n)
    step = int(max(1, min(block, 2**25 // (8 * max(n, 1)))))
    for start in range(0, n, step):
        pos = np.arange(start, min(start + step, n))
        d = engine.distances(pos, reverse=reverse)
        if cutoff is not None:
            d[d > cutoff] = np.inf
        fin = np.isfinite(d)
        r = fin.sum(axis=1)
        total = np.where(fin, d, 0.0).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = np.where(fin & (d > 0), 1.0 / d, 0.0)
            cl = np.where(total > 0, (r - 1) / total, 0.0)
        if n > 1:
            cl = cl * (r - 1) / (n - 1)
        closeness[pos] = cl
        harmonic[pos] = inv.sum(axis=1)
    return closeness, harmonic


def edge_values(
    csr: GraphCSR, pair_i: IntArray, pair_j: IntArray, pair_value: FloatArray
) -> FloatArray:
    """Share node-pair values among each pair's parallel edges of minimum weight.

    ``pair_i``/``pair_j`` are CSR rows of pairs (any order; an undirected pair
    may appear in both directions, and its values are then summed).  Returns
    one value per non-self-loop edge of ``csr`` (``csr.edge_u`` order).
    """
    n = max(csr.n, 1)
    eu = np.asarray(csr.edge_u, dtype=np.int64)
    ev = np.asarray(csr.edge_v, dtype=np.int64)
    pi = np.asarray(pair_i, dtype=np.int64)
    pj = np.asarray(pair_j, dtype=np.int64)
    if not csr.directed:
        eu, ev = np.minimum(eu, ev), np.maximum(eu, ev)
        pi, pj = np.minimum(pi, pj), np.maximum(pi, pj)
    ekey = eu * n + ev
    keys, inv = np.unique(ekey, return_inverse=True)
    w = np.asarray(csr.edge_w, dtype=np.float64)
    wmin = np.full(len(keys), np.inf)
    np.minimum.at(wmin, inv, w)
    tied = w == wmin[inv]
    ties = np.bincount(inv[tied], minlength=len(keys))
    val = np.zeros(len(keys))
    pos = np.searchsorted(keys, pi * n + pj)
    ok = (pos < len(keys)) & (keys[np.minimum(pos, len(keys) - 1)] == pi * n + pj)
    np.add.at(val, pos[ok], np.asarray(pair_value, dtype=np.float64)[ok])
    out = np.zeros(len(w))
    out[tied] = val[inv[tied]] / ties[inv[tied]]
    return out


class CSREngine:
    """Shared part of the CSR engines: betweenness on the compiled Brandes kernel.

    Subclasses set ``name``, ``many_to_many``, ``prunes``, ``slack`` and
    implement :meth:`distances`, :meth:`nearest` and :meth:`without`.
    """

    name: ResolvedEngine
    betweenness_name: ResolvedEngine = "scipy"
    many_to_many: bool = False
    prunes: bool = True
    slack: float = 0.0

    def __init__(self, source: GraphSource) -> None:
        self.source = source
        self.csr = source.csr

    def distances(
        self, origins: IntArray, targets: IntArray | None = None, *, reverse: bool = False
    ) -> FloatArray:
        raise NotImplementedError  # pragma: no cover - every engine implements it

    def arc_weights(self, slots: IntArray) -> FloatArray:
        return np.asarray(self.csr.matrix.data[slots], dtype=np.float64)

    def provenance(self) -> dict[str, Any]:
        return {"engine": self.name}

    def closeness_harmonic(
        self, *, reverse: bool, cutoff: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        return closeness_from_rows(self, self.csr.n, reverse=reverse, cutoff=cutoff)  # type: ignore[arg-type]

    def node_betweenness(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        n = self.csr.n
        node_bc, _ = _kernels.brandes(self.csr.matrix, sample, cutoff=cutoff)
        if sample is not None:
            node_bc = node_bc * (n / len(sample))
        return scale_node_bc(node_bc, n, normalized, self.csr.directed)

    def edge_betweenness_csr(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        csr = self.csr
        n = csr.n
        _, entry = _kernels.brandes(csr.matrix, sample, cutoff=cutoff)
        if sample is not None:
            entry = entry * (n / len(sample))
        return csr_edge_values(csr, scale_edge_bc(entry, n, normalized, csr.directed))

    def edge_betweenness(
        self,
        G: nx.Graph,
        edges: list[EdgeRow],
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> list[float]:
        csr = self.csr
        n = csr.n
        weight = self.source.weight
        directed = G.is_directed()
        _, entry = _kernels.brandes(csr.matrix, sample, cutoff=cutoff)
        if sample is not None:
            entry = entry * (n / len(sample))
        m = csr.matrix
        pair_val: dict[tuple[int, int], float] = {}
        rows_idx = np.repeat(np.arange(n), np.diff(m.indptr))
        for i, j, val in zip(rows_idx.tolist(), m.indices.tolist(), entry.tolist(), strict=True):
            key = (i, j) if directed else (min(i, j), max(i, j))
            pair_val[key] = pair_val.get(key, 0.0) + val
        scale = 1.0 if directed else 0.5
        if normalized:
            scale = 1.0 / (n * (n - 1)) if n > 1 else 1.0
        # share among parallel edges of minimum weight
        minw: dict[tuple[int, int], list[int]] = {}
        for t, (u, v, _key, _d) in enumerate(edges):
            if u == v:
                continue
            i, j = csr.index[u], csr.index[v]
            key = (i, j) if directed else (min(i, j), max(i, j))
            minw.setdefault(key, []).append(t)
        value = [0.0] * len(edges)
        for key, ts in minw.items():
            wmin = min(float(edges[t][3][weight]) for t in ts)
            ties = [t for t in ts if float(edges[t][3][weight]) == wmin]
            for t in ties:
                value[t] = pair_val.get(key, 0.0) * scale / len(ties)
        return value
