"""A compressed sparse row (CSR) view of a NetworkX graph, built once per metric call.

The CSR holds, for every ordered node pair joined by at least one edge, the
*minimum* weight over its parallel edges (the rule NetworkX's Dijkstra uses on
multigraphs).  Self-loops are left out.  Undirected graphs are stored
symmetrically.  Every original edge keeps the positions (``slots``) of the CSR
entries it contributes to, so that a corridor can be removed by masking those
slots (see :meth:`GraphCSR.without_edges`) instead of rebuilding the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from urbanchain.engine._weights import edge_label

__all__ = ["GraphCSR", "assemble", "build_csr"]


@dataclass
class GraphCSR:
    """A graph as CSR plus the bookkeeping needed to mask edges.

    Attributes
    ----------
    nodes
        Node ids in CSR order (the order of ``G.nodes``).
    index
        Node id -> CSR row.
    matrix
        ``n x n`` CSR matrix of minimum weights (symmetric when undirected).
    directed
        Whether the graph is directed.
    edge_u, edge_v, edge_w
        Row, column and weight of every non-self-loop edge, in ``G.edges`` order.
    edge_ids
        Label (``edge_id`` or ``"u-v[key]"``) of every non-self-loop edge.
    edge_keys
        ``(u, v, key)`` of every non-self-loop edge (``key`` is None for simple graphs).

        ``index``, ``edge_ids`` and ``edge_keys`` may be given as functions
        that build them: a :class:`~urbanchain.graph.Network` does so, since
        these Python objects cost more than the CSR itself at 10^5 edges and
        most metrics (betweenness and closeness values, OD tables) never read
        them.  They are built on first access and kept.
    edge_rows
        For a :class:`~urbanchain.graph.Network`, the row of every non-self-loop
        edge in ``Network.edges``; None for a networkx graph.
    """

    nodes: list[Any]
    lazy_index: dict[Any, int] | Callable[[], dict[Any, int]]
    matrix: sp.csr_matrix
    directed: bool
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_w: np.ndarray
    lazy_ids: list[str] | Callable[[], list[str]]
    lazy_keys: list[tuple[Any, Any, Any]] | Callable[[], list[tuple[Any, Any, Any]]]
    edge_rows: np.ndarray | None = None
    duplicate_entries: int = 0
    _rows: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        m = self.matrix
        self._rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))

    @property
    def index(self) -> dict[Any, int]:
        """Node id -> CSR row (built on first access when given as a function)."""
        if callable(self.lazy_index):
            self.lazy_index = self.lazy_index()
        return self.lazy_index

    @property
    def edge_ids(self) -> list[str]:
        """Label of every non-self-loop edge (built on first access when lazy)."""
        if callable(self.lazy_ids):
            self.lazy_ids = self.lazy_ids()
        return self.lazy_ids

    @property
    def edge_keys(self) -> list[tuple[Any, Any, Any]]:
        """``(u, v, key)`` of every non-self-loop edge (built on first access when lazy)."""
        if callable(self.lazy_keys):
            self.lazy_keys = self.lazy_keys()
        return self.lazy_keys

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def transposed(self) -> sp.csr_matrix:
        """Return the CSR of the reversed graph (the same matrix when undirected)."""
        if not self.directed:
            return self.matrix
        return self.matrix.T.tocsr()

    def slot_of(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Return the data positions of entries ``(i, j)`` (which must exist)."""
        m = self.matrix
        out = np.empty(len(i), dtype=np.int64)
        for t, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
            lo, hi = m.indptr[a], m.indptr[a + 1]
            out[t] = lo + int(np.searchsorted(m.indices[lo:hi], b))
        return out

    def removal(self, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the CSR data slots touched by removing ``edges`` and their new values.

        Pairs that keep another parallel edge get the minimum of the remaining
        weights; pairs that keep none get ``inf`` (no arc).  Shared by the
        scipy engine (:meth:`without_edges`) and the cch engine (which writes
        the values into the metric with a partial re-customisation).

        Parameters
        ----------
        edges
            Positions into ``edge_u``/``edge_v``/``edge_w``.

        Returns
        -------
        tuple of numpy.ndarray
            Slots (int64) and new weights (float64, inf = removed).
        """
        edges = np.asarray(edges, dtype=np.int64)
        removed = np.zeros(len(self.edge_w), dtype=bool)
        removed[edges] = True
        pairs_u = self.edge_u[edges]
        pairs_v = self.edge_v[edges]
        if not self.directed:
            lo = np.minimum(pairs_u, pairs_v)
            hi = np.maximum(pairs_u, pairs_v)
        else:
            lo, hi = pairs_u, pairs_v
        touched = sorted({(int(a), int(b)) for a, b in zip(lo, hi, strict=True)})
        slots: list[int] = []
        values: list[float] = []
        for a, b in touched:
            same = self._same_pair(a, b)
            left = same[~removed[same]]
            new_w = float(self.edge_w[left].min()) if len(left) else np.inf
            ij = [(a, b)] if self.directed else [(a, b), (b, a)]
            for x, y in ij:
                slots.append(int(self.slot_of(np.array([x]), np.array([y]))[0]))
                values.append(new_w)
        return np.asarray(slots, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def without_edges(self, edges: np.ndarray) -> sp.csr_matrix:
        """Return the CSR with the edges at positions ``edges`` removed.

        Pairs that keep another parallel edge get the minimum of the remaining
        weights; pairs that keep none are masked out of the data array.  Only
        the touched entries are recomputed; nothing is rebuilt from the graph.

        Parameters
        ----------
        edges
            Positions into ``edge_u``/``edge_v``/``edge_w``.

        Returns
        -------
        scipy.sparse.csr_matrix
            A new matrix; ``self.matrix`` is unchanged.
        """
        m = self.matrix
        slots, values = self.removal(edges)
        data = m.data.copy()
        fin = np.isfinite(values)
        data[slots[fin]] = values[fin]
        drop = slots[~fin]
        if not len(drop):
            return sp.csr_matrix((data, m.indices, m.indptr), shape=m.shape)
        keep = np.ones(len(data), dtype=bool)
        keep[drop] = False
        per_row = np.bincount(self._rows[~keep], minlength=m.shape[0])
        indptr = m.indptr - np.concatenate([[0], np.cumsum(per_row)])
        return sp.csr_matrix((data[keep], m.indices[keep], indptr), shape=m.shape)

    def _same_pair(self, a: int, b: int) -> np.ndarray:
        """Positions of the edges joining ``a`` and ``b`` (either way when undirected)."""
        index: tuple[np.ndarray, np.ndarray] | None = getattr(self, "_pair_index", None)
        if index is None:
            u, v = self.edge_u, self.edge_v
            if not self.directed:
                u, v = np.minimum(u, v), np.maximum(u, v)
            key = u * max(self.n, 1) + v
            order = np.argsort(key, kind="stable")
            index = (key[order], order)
            self._pair_index = index
        keys, order = index
        k = a * max(self.n, 1) + b
        lo, hi = np.searchsorted(keys, [k, k + 1])
        return order[lo:hi]


def build_csr(G: nx.Graph, weight: str) -> GraphCSR:
    """Build a :class:`GraphCSR` from a graph that passed the weight gate.

    Parameters
    ----------
    G
        A validated NetworkX graph.
    weight
        Edge attribute holding positive finite weights.

    Returns
    -------
    GraphCSR
        The CSR view (minimum over parallel edges, self-loops left out).
    """
    nodes = list(G.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    us: list[int] = []
    vs: list[int] = []
    ws: list[float] = []
    ids: list[str] = []
    keys: list[tuple[Any, Any, Any]] = []
    edges = (
        G.edges(keys=True, data=True)
        if G.is_multigraph()
        else ((a, b, None, d) for a, b, d in G.edges(data=True))
    )
    for u, v, k, d in edges:
        if u == v:
            continue
        us.append(index[u])
        vs.append(index[v])
        ws.append(float(d[weight]))
        ids.append(edge_label(u, v, k, d))
        keys.append((u, v, k))
    return assemble(
        nodes,
        index,
        np.asarray(us, dtype=np.int64),
        np.asarray(vs, dtype=np.int64),
        np.asarray(ws, dtype=np.float64),
        directed=G.is_directed(),
        ids=ids,
        keys=keys,
    )


def assemble(
    nodes: list[Any],
    index: dict[Any, int] | Callable[[], dict[Any, int]],
    eu: np.ndarray,
    ev: np.ndarray,
    ew: np.ndarray,
    *,
    directed: bool,
    ids: list[str] | Callable[[], list[str]],
    keys: list[tuple[Any, Any, Any]] | Callable[[], list[tuple[Any, Any, Any]]],
) -> GraphCSR:
    """Build a :class:`GraphCSR` from edge arrays (self-loops already left out).

    Parameters
    ----------
    nodes, index
        Node ids in CSR order and id -> row (or a function building it).
    eu, ev, ew
        Row, column and weight of every edge.
    directed
        Whether the graph is directed.
    ids, keys
        Edge labels and ``(u, v, key)`` per edge (or functions building them).

    Returns
    -------
    GraphCSR
        The CSR view (minimum over parallel edges).
    """
    n = len(nodes)
    if directed:
        ru, rv, rw = eu, ev, ew
    else:
        ru = np.concatenate([eu, ev])
        rv = np.concatenate([ev, eu])
        rw = np.concatenate([ew, ew])
    # minimum over parallel edges: sort by pair, take the least weight of each run
    pair = ru * max(n, 1) + rv
    order = np.argsort(pair, kind="stable")
    pair_sorted = pair[order]
    starts = (
        np.flatnonzero(np.r_[True, pair_sorted[1:] != pair_sorted[:-1]]) if len(order) else order
    )
    data = np.minimum.reduceat(rw[order], starts) if len(order) else rw[order]
    # entries are now sorted by (row, column): the CSR arrays follow directly
    rows = ru[order][starts]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    matrix = sp.csr_matrix((data, rv[order][starts], indptr), shape=(n, n))
    matrix.has_sorted_indices = True
    csr = GraphCSR(
        nodes=nodes,
        lazy_index=index,
        matrix=matrix,
        directed=directed,
        edge_u=eu,
        edge_v=ev,
        edge_w=ew,
        lazy_ids=ids,
        lazy_keys=keys,
    )
    # ordered pairs with more than one edge: parallel edges (each counted once
    # per direction when undirected, hence the halving by the caller)
    csr.duplicate_entries = len(order) - len(starts)
    return csr
