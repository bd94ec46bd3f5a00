"""The ``"networkx"`` engine: the reference every other engine is tested against.

Plain NetworkX Dijkstra from every origin (slow, exact floats), on the graph
as networkx (a :class:`~urbanchain.graph.Network` is converted once).  Closed
edges are hidden with :func:`networkx.restricted_view`; betweenness is
NetworkX's own (including its sampling of ``k`` sources).  The criticality
loop recomputes every row (``prunes = False``), so the reference does not
depend on the pruning rule it checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import networkx as nx
import numpy as np

from urbanchain.engine._interface import (
    EdgeRow,
    Engine,
    FloatArray,
    GraphSource,
    IntArray,
    ResolvedEngine,
    closeness_from_rows,
)
from urbanchain.errors import ValidationError

__all__ = ["NetworkXEngine"]


class NetworkXEngine:
    """Dijkstra in NetworkX (see the module docstring)."""

    name: ResolvedEngine = "networkx"
    betweenness_name: ResolvedEngine = "networkx"
    many_to_many = False
    prunes = False
    slack = 0.0

    def __init__(self, source: GraphSource, graph: nx.Graph | None = None) -> None:
        self.source = source
        self.csr = source.csr
        self.graph = source.nx_graph() if graph is None else graph

    def _view(self, reverse: bool) -> nx.Graph:
        G = self.graph
        return G.reverse(copy=False) if (reverse and G.is_directed()) else G

    def distances(
        self, origins: IntArray, targets: IntArray | None = None, *, reverse: bool = False
    ) -> FloatArray:
        csr = self.csr
        H = self._view(reverse)
        cols = None if targets is None else {int(t): j for j, t in enumerate(targets.tolist())}
        out = np.full((len(origins), csr.n if cols is None else len(cols)), np.inf)
        for r, s in enumerate(np.asarray(origins).tolist()):
            lengths = nx.single_source_dijkstra_path_length(
                H, csr.nodes[s], weight=self.source.weight
            )
            for t, d in lengths.items():
                pos = csr.index[t]
                if cols is None:
                    out[r, pos] = d
                elif pos in cols:
                    out[r, cols[pos]] = d
        return out

    def nearest(
        self, origins: IntArray, among: IntArray, *, reverse: bool = False
    ) -> tuple[FloatArray, IntArray]:
        csr = self.csr
        if len(origins) == 0:
            return np.full(len(among), np.inf), np.full(len(among), -1, dtype=np.int64)
        gates = {csr.nodes[i] for i in np.asarray(origins).tolist()}
        dd, paths = nx.multi_source_dijkstra(self._view(reverse), gates, weight=self.source.weight)
        nodes = [csr.nodes[i] for i in np.asarray(among).tolist()]
        dist = np.array([dd.get(v, np.inf) for v in nodes], dtype=np.float64)
        near = np.array([csr.index[paths[v][0]] if v in paths else -1 for v in nodes])
        return dist, near.astype(np.int64)

    def without(self, edges: IntArray) -> AbstractContextManager[Engine]:
        G = self.graph
        hidden = [self.csr.edge_keys[t] for t in np.asarray(edges).tolist()]

        @contextmanager
        def closed() -> Iterator[Engine]:
            H = nx.restricted_view(G, [], hidden if G.is_multigraph() else [e[:2] for e in hidden])
            yield NetworkXEngine(self.source, H)

        return closed()

    def arc_weights(self, slots: IntArray) -> FloatArray:
        return np.asarray(self.csr.matrix.data[slots], dtype=np.float64)

    def closeness_harmonic(
        self, *, reverse: bool, cutoff: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        return closeness_from_rows(self, self.csr.n, reverse=reverse, cutoff=cutoff)

    def node_betweenness(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        _no_cutoff(cutoff)
        bc = nx.betweenness_centrality(
            self.graph,
            weight=self.source.weight,
            normalized=normalized,
            k=None if sample is None else len(sample),
            seed=seed,
        )
        return np.array([bc[v] for v in self.csr.nodes], dtype=np.float64)

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
        _no_cutoff(cutoff)
        multi = G.is_multigraph()
        bc = nx.edge_betweenness_centrality(
            G,
            weight=self.source.weight,
            normalized=normalized,
            k=None if sample is None else len(sample),
            seed=seed,
        )
        return [
            float(
                bc.get(
                    (u, v, ek) if multi else (u, v),
                    bc.get((v, u, ek) if multi else (v, u), 0.0),
                )
            )
            for u, v, ek, _d in edges
        ]

    def edge_betweenness_csr(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        _no_cutoff(cutoff)
        G = self.graph
        multi = G.is_multigraph()
        bc = nx.edge_betweenness_centrality(
            G,
            weight=self.source.weight,
            normalized=normalized,
            k=None if sample is None else len(sample),
            seed=seed,
        )
        out = []
        for u, v, k in self.csr.edge_keys:
            key, rev = ((u, v, k), (v, u, k)) if multi else ((u, v), (v, u))
            out.append(float(bc.get(key, bc.get(rev, 0.0))))
        return np.asarray(out, dtype=np.float64)

    def provenance(self) -> dict[str, Any]:
        return {"engine": self.name}


def _no_cutoff(cutoff: float | None) -> None:
    if cutoff is not None:
        msg = (
            f"cutoff={cutoff!r}: NetworkX's betweenness has no cutoff, so the reference engine "
            'cannot compute it; use engine="igraph" or engine="scipy", or cutoff=None.'
        )
        raise ValidationError(msg)
