r"""The ``"igraph"`` engine: centralities on igraph's compiled C kernels.

Distances (OD tables, accessibility, criticality) run on scipy's Dijkstra
exactly as the ``"scipy"`` engine (it is a subclass); node and edge
betweenness -- exact or source-sampled (Brandes & Pich 2007) --, closeness and
harmonic closeness run in igraph (``python-igraph``, the ``urbanchain[igraph]``
extra), optionally within a ``cutoff``.

The igraph graph is built once per engine from the CSR view, which already
holds one arc per node pair (the minimum weight over parallel edges, no
self-loops): NetworkX's multigraph convention.  The results are rescaled to
NetworkX's conventions:

* betweenness: igraph counts an undirected pair once, as NetworkX's raw
  (``normalized=False``) value; normalised values divide the ordered-pair sum
  by :math:`(n-1)(n-2)` (nodes) or :math:`n(n-1)` (edges);  a source sample
  :math:`S` of size :math:`k` is igraph's ``sources=S`` subset betweenness
  times :math:`n/k`;
* closeness: igraph's normalised closeness is :math:`(r_i-1)/\sum_j d_{ij}`
  over the :math:`r_i` reachable nodes; multiplied by :math:`(r_i-1)/(n-1)`
  (Wasserman-Faust, NetworkX's ``wf_improved=True``).  :math:`r_i` is the
  component size on undirected graphs and :math:`n` on strongly connected
  directed ones; otherwise it is recovered from a second, unnormalised call.

igraph treats two path lengths as equal within a relative epsilon, NetworkX
with exact float equality: they differ only when rounding splits a true tie.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import connected_components

from urbanchain.engine._interface import (
    EdgeRow,
    FloatArray,
    GraphSource,
    IntArray,
    ResolvedEngine,
    edge_values,
    scale_edge_bc,
    scale_node_bc,
)
from urbanchain.engine._scipy import ScipyEngine
from urbanchain.errors import OptionalDependencyError

__all__ = ["IGraphEngine", "available", "require"]


def available() -> bool:
    """Whether python-igraph is importable (checked without importing it)."""
    return importlib.util.find_spec("igraph") is not None


def require() -> ModuleType:
    """Import igraph, or raise with the install hint."""
    try:
        import igraph
    except ImportError as exc:  # pragma: no cover - igraph is installed in the test env
        msg = (
            'engine="igraph" needs python-igraph: pip install "urbanchain[igraph]" '
            '(or choose engine="scipy").'
        )
        raise OptionalDependencyError(msg) from exc
    module: ModuleType = igraph
    return module


class IGraphEngine(ScipyEngine):
    """scipy distances, igraph centralities (see the module docstring)."""

    name: ResolvedEngine = "igraph"
    betweenness_name: ResolvedEngine = "igraph"

    def __init__(self, source: GraphSource) -> None:
        super().__init__(source)
        self._ig = require()
        csr = self.csr
        m = csr.matrix
        rows = np.repeat(np.arange(csr.n, dtype=np.int64), np.diff(m.indptr))
        cols = np.asarray(m.indices, dtype=np.int64)
        w = np.asarray(m.data, dtype=np.float64)
        if not csr.directed:  # the CSR holds both directions of each pair
            keep = rows < cols
            rows, cols, w = rows[keep], cols[keep], w[keep]
        #: the CSR slot of each igraph edge (for edge betweenness)
        self._pairs = (rows, cols)
        self._w = w
        self._g = self._ig.Graph(
            n=csr.n, edges=np.column_stack([rows, cols]).tolist(), directed=csr.directed
        )

    # -- betweenness -------------------------------------------------------
    def _sources(self, sample: IntArray | None) -> list[int] | None:
        return None if sample is None else np.asarray(sample).tolist()

    def _ordered_factor(self, sample: IntArray | None) -> float:
        """Factor turning igraph's sums into NetworkX's ordered-pair sums, sample rescaled."""
        n = self.csr.n
        f = 1.0 if self.csr.directed else 2.0
        if sample is not None and len(sample) > 0:
            f *= n / len(sample)
        return f

    def node_betweenness(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        n = self.csr.n
        if n == 0:
            return np.zeros(0)
        raw = np.asarray(
            self._g.betweenness(
                directed=self.csr.directed,
                weights=self._w,
                sources=self._sources(sample),
                cutoff=cutoff,
            ),
            dtype=np.float64,
        )
        ordered = raw * self._ordered_factor(sample)
        return scale_node_bc(ordered, n, normalized, self.csr.directed)

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
        directed = csr.directed
        raw = np.asarray(
            self._g.edge_betweenness(
                directed=directed,
                weights=self._w,
                sources=self._sources(sample),
                cutoff=cutoff,
            ),
            dtype=np.float64,
        )
        ordered = raw * self._ordered_factor(sample)
        rows, cols = self._pairs
        return edge_values(csr, rows, cols, scale_edge_bc(ordered, n, normalized, directed))

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
        vals = self.edge_betweenness_csr(sample, normalized=normalized, seed=seed, cutoff=cutoff)
        out = [0.0] * len(edges)
        pos = 0
        for t, (u, v, _k, _d) in enumerate(edges):  # csr edges are the non-loop edges, in order
            if u != v:
                out[t] = float(vals[pos])
                pos += 1
        return out

    # -- closeness ---------------------------------------------------------
    def closeness_harmonic(
        self, *, reverse: bool, cutoff: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Wasserman-Faust closeness and raw harmonic sums of every node (CSR order).

        ``reverse=True`` measures distances *to* each node (igraph ``mode="in"``).
        """
        csr = self.csr
        n = csr.n
        if n == 0:
            return np.zeros(0), np.zeros(0)
        mode = ("in" if reverse else "out") if csr.directed else "all"
        g, w = self._g, self._w
        cl = np.asarray(
            g.closeness(mode=mode, weights=w, normalized=True, cutoff=cutoff), dtype=np.float64
        )
        cl = np.nan_to_num(cl, nan=0.0)  # isolated nodes: igraph NaN, NetworkX 0
        harm = np.asarray(
            g.harmonic_centrality(mode=mode, weights=w, normalized=False, cutoff=cutoff),
            dtype=np.float64,
        )
        r1 = self._reach_minus_one(mode, cl, cutoff)
        if n > 1:
            cl = cl * r1 / (n - 1)
        return cl, harm

    def _reach_minus_one(self, mode: str, cl: FloatArray, cutoff: float | None) -> FloatArray:
        """Nodes reachable from each node, itself excluded (:math:`r_i - 1`)."""
        csr = self.csr
        n = csr.n
        if cutoff is None:
            if not csr.directed:
                _, labels = connected_components(csr.matrix, directed=False)
                reach: FloatArray = np.bincount(labels)[labels].astype(np.float64) - 1.0
                return reach
            n_strong, _ = connected_components(csr.matrix, directed=True, connection="strong")
            if n_strong == 1:
                return np.full(n, n - 1.0)
        raw = np.asarray(
            self._g.closeness(mode=mode, weights=self._w, normalized=False, cutoff=cutoff),
            dtype=np.float64,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            r1 = np.where(np.isfinite(raw) & (raw > 0), cl / raw, 0.0)
        return np.rint(r1)

    def provenance(self) -> dict[str, Any]:
        return {"engine": self.name}
