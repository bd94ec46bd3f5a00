"""One adapter per shortest-path tool, all answering the same three questions.

Every adapter is built from the same edge arrays (:class:`Arrays`: node count,
edge ends ``u``/``v``, weight ``w`` in minutes, undirected) and offers:

* ``preprocess()``: the tool's index (pandana's CH, RoutingKit's CCH); returns
  the seconds of each named phase, so that preprocessing is reported apart
  from queries;
* ``rows(src)``: distances in minutes from the node positions ``src`` to every
  node, a ``(len(src), n)`` float64 array with ``inf`` for unreachable nodes,
  through the tool's own public API (the conversion of its answer to an array
  is counted: it is what a user pays); ``pairs(src, targets)`` the same to a
  few targets (RoutingKit answers those many-to-many without a full search);
* ``removed(edges)``: a context in which the edges at those positions are gone
  (for criticality), restored on exit;
* ``betweenness(sources)`` (where the tool has a weighted one): the sum over
  ``sources`` (``None``: all nodes) of the pair dependencies, counting every
  unordered pair once (NetworkX's and igraph's convention).

urbanchain itself is not here: it is measured through its public API on its
own graph (see ``_tasks.py``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

__all__ = ["PEERS", "Arrays", "Peer", "make_peer"]

MS_PER_MIN = 60_000.0
#: pandana's CH stores integer thousandths of the weight unit; weights given in
#: centiseconds are thus kept to 0.01 ms (in seconds, 1 ms steps cost about 1e-3
#: of a row on the OSM network's 5-metre segments)
PANDANA_UNITS_PER_MIN = 6_000.0


@dataclass
class Arrays:
    """An undirected weighted graph as arrays (weights in minutes)."""

    n: int
    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def m(self) -> int:
        return len(self.u)


class Peer:
    """Base class: a tool answering distance rows on :class:`Arrays`."""

    name: ClassVar[str] = ""
    #: relative tolerance of its distances against float64 Dijkstra
    rtol: ClassVar[float] = 1e-9
    has_betweenness: ClassVar[bool] = False

    def __init__(self, a: Arrays, *, threads: int = 1) -> None:
        self.a = a
        self.threads = threads

    def preprocess(self) -> dict[str, float]:
        return {}

    def rows(self, src: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def pairs(self, src: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Distances from ``src`` to ``targets`` only (one-to-all searches, then a slice)."""
        return self.rows(src)[:, targets]

    @contextlib.contextmanager
    def removed(self, edges: np.ndarray) -> Iterator[None]:
        raise NotImplementedError
        yield  # pragma: no cover

    def betweenness(self, sources: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError


def _min_csr(a: Arrays, keep: np.ndarray | None = None) -> Any:
    """CSR adjacency (upper triangle) with the minimum over parallel edges."""
    import scipy.sparse as sp

    u, v, w = a.u, a.v, a.w
    if keep is not None:
        u, v, w = u[keep], v[keep], w[keep]
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return sp.csr_matrix((w[first], (lo[first], hi[first])), shape=(a.n, a.n))


class ScipyPeer(Peer):
    """``scipy.sparse.csgraph.dijkstra``, one source at a time in C (per-source Dijkstra)."""

    name = "scipy"

    def __init__(self, a: Arrays, *, threads: int = 1) -> None:
        super().__init__(a, threads=threads)
        self.csr = _min_csr(a)

    def rows(self, src: np.ndarray) -> np.ndarray:
        from scipy.sparse.csgraph import dijkstra

        return np.asarray(dijkstra(self.csr, directed=False, indices=src))

    @contextlib.contextmanager
    def removed(self, edges: np.ndarray) -> Iterator[None]:
        full = self.csr
        keep = np.ones(self.a.m, dtype=bool)
        keep[edges] = False
        self.csr = _min_csr(self.a, keep)
        try:
            yield
        finally:
            self.csr = full


class NetworkXPeer(Peer):
    """Pure NetworkX: ``single_source_dijkstra_path_length`` per source on a MultiGraph."""

    name = "networkx"
    has_betweenness = True

    def __init__(self, a: Arrays, *, threads: int = 1) -> None:
        import networkx as nx

        super().__init__(a, threads=threads)
        G = nx.MultiGraph()
        G.add_nodes_from(range(a.n))
        G.add_edges_from(
            (int(p), int(q), k, {"w": float(c)})
            for k, (p, q, c) in enumerate(zip(a.u, a.v, a.w, strict=True))
        )
        self.G = G

    def rows(self, src: np.ndarray) -> np.ndarray:
        import networkx as nx

        out = np.full((len(src), self.a.n), np.inf)
        for r, s in enumerate(src.tolist()):
            d = nx.single_source_dijkstra_path_length(self.G, s, weight="w")
            out[r, np.fromiter(d.keys(), np.int64, len(d))] = np.fromiter(
                d.values(), np.float64, len(d)
            )
        return out

    @contextlib.contextmanager
    def removed(self, edges: np.ndarray) -> Iterator[None]:
        # remove in place and put back (a restricted_view makes every query several
        # times slower; a copy of the graph per corridor costs more than the queries)
        gone = [(int(self.a.u[i]), int(self.a.v[i]), int(i)) for i in edges]
        self.G.remove_edges_from(gone)
        try:
            yield
        finally:
            self.G.add_edges_from((p, q, k, {"w": float(self.a.w[k])}) for p, q, k in gone)

    def betweenness(self, sources: np.ndarray | None) -> np.ndarray:
        import networkx as nx

        if sources is None:
            b = nx.betweenness_centrality(self.G, weight="w", normalized=False)
        else:
            b = nx.betweenness_centrality_subset(
                self.G, sources.tolist(), list(range(self.a.n)), weight="w", normalized=False
            )
        return np.array([b[i] for i in range(self.a.n)])


class IgraphPeer(Peer):
    """igraph ``Graph.distances(source=..., weights=...)`` (Dijkstra in C)."""

    name = "igraph"
    has_betweenness = True

    def __init__(self, a: Arrays, *, threads: int = 1) -> None:
        import igraph as ig

        super().__init__(a, threads=threads)
        self.g = ig.Graph(n=a.n, edges=np.column_stack((a.u, a.v)).tolist(), directed=False)
        self.g.es["w"] = a.w.tolist()
        self.cur = self.g

    def rows(self, src: np.ndarray) -> np.ndarray:
        return np.array(self.cur.distances(source=src.tolist(), weights="w"), dtype=np.float64)

    @contextlib.contextmanager
    def removed(self, edges: np.ndarray) -> Iterator[None]:
        h = self.g.copy()
        h.delete_edges(edges.tolist())
        self.cur = h
        try:
            yield
        finally:
            self.cur = self.g

    def betweenness(self, sources: np.ndarray | None) -> np.ndarray:
        kw = {} if sources is None else {"sources": sources.tolist()}
        return np.array(self.g.betweenness(directed=False, weights="w", **kw))


class NetworkitPeer(Peer):
    """networkit ``distance.SPSP`` (Dijkstra per source, OpenMP over sources)."""

    name = "networkit"
    has_betweenness = True

    def __init__(self, a: Arrays, *, threads: int = 1) -> None:
        import networkit as nk

        super().__init__(a, threads=threads)
        nk.setNumberOfThreads(threads)
        self.nk = nk
        self.g = nk.GraphFromCoo((a.w, (a.u, a.v)), n=a.n, weighted=True, directed=False)
        self.cur = self.g

    def rows(self, src: np.ndarray) -> np.ndarray:
        sp = self.nk.distance.SPSP(self.cur, src.tolist())
        sp.run()
        out = np.array(sp.getDistances(), dtype=np.float64)
        out[out > 1e300] = np.inf
        return out

    @contextlib.contextmanager
    def removed(self, edges: np.ndarray) -> Iterator[None]:
        keep = np.ones(self.a.m, dtype=bool)
        keep[edges] = False
        a = self.a
        self.cur = self.nk.GraphFromCoo(
            (a.w[keep], (a.u[keep], a.v[keep])), n=a.n, weighted=True, directed=False
        )
        try:
            yield
        finally:
            self.cur = self.g

    def betweenness(self, sources: np.ndarray | None) -> np.ndarray:
        if sources is not None:
            msg = "networkit has no betweenness from a given source set"
            raise NotImplementedError(msg)
        bc = self.nk.centrality.Betweenness(self.g, normalized=False)
        bc.run()
        return np.array(bc.scores()) / 2.0  # networkit counts ordered pairs


class RustworkxPeer(Peer):
    """rustworkx ``graph_dijkstra_shortest_path_lengths`` per source (``edge_cost_fn=float``)."""

    name = "rustworkx"

    def __init__(self, a: Arrays, *, threads: int = 1) -> None:
        import rustworkx as rx

        super().__init__(a, threads=threads)
        self.rx = rx
        g = rx.PyGraph(multigraph=True)
        g.add_nodes_from(range(a.n))
        g.add_edges_from(list(zip(a.u.tolist(), a.v.tolist(), a.w.tolist(), strict=True)))
        self.g = g
        self.cur = g

    def rows(self, src: np.ndarray) -> np.ndarray:
        out = np.full((len(src), self.a.n), np.inf)
        for r, s in enumerate(src.tolist()):
            d = self.rx.graph_dijkstra_shortest_path_lengths(  # type: ignore[call-arg]
                self.cur, s, edge_cost_fn=float
            )
            out[r, np.fromiter(d.keys(), np.int64, len(d))] = np.fromiter(
                d.values(), np.float64, len(d)
            )
            out[r, s] = 0.0
        return out

    @contextlib.contextmanager
    def removed(self, edges: np.ndarray) -> Iterator[None]:
        h = self.g.copy()
        h.remove_edges_from([(int(self.a.u[i]), int(self.a.v[i])) for i in edges])
        self.cur = h
        try:
            yield
        finally:
            self.cur = self.g


class PandanaPeer(Peer):
    """pandana: ``Network.nodes_in_range`` with an unbounded radius (one-to-all, in C++)."""

    name = "pandana"
    rtol = 1e-5

    def __init__(self, a: Arrays, *, threads: int = 1) -> None:
        super().__init__(a, threads=threads)
        self.net: Any = None

    def _build(self, keep: np.ndarray | None = None) -> Any:
        import contextlib as cl
        import io

        import pandana
        import pandas as pd

        a = self.a
        idx = np.arange(a.m) if keep is None else np.flatnonzero(keep)
        with cl.redirect_stdout(io.StringIO()):
            return pandana.Network(
                pd.Series(a.x, index=np.arange(a.n)),
                pd.Series(a.y, index=np.arange(a.n)),
                pd.Series(a.u[idx]),
                pd.Series(a.v[idx]),
                pd.DataFrame({"w": a.w[idx] * PANDANA_UNITS_PER_MIN}),
                twoway=True,
            )

    def preprocess(self) -> dict[str, float]:
        t = time.perf_counter()
        self.net = self._build()
        return {"contraction hierarchy": time.perf_counter() - t}

    def rows(self, src: np.ndarray) -> np.ndarray:
        # one-to-all: a range query with an unbounded radius (shortest_path_lengths is
        # point-to-point, one CH query per pair, about 100x slower for a whole row)
        df = self.net.nodes_in_range(src.tolist(), 1e12, imp_name="w")
        out = np.full((len(src), self.a.n), np.inf)
        row = (
            np.searchsorted(src, df["source"].to_numpy())
            if _sorted(src)
            else _rowpos(src, df["source"].to_numpy())
        )
        out[row, df["destination"].to_numpy()] = df["w"].to_numpy() / PANDANA_UNITS_PER_MIN
        return out

    @contextlib.contextmanager
    def removed(self, edges: np.ndarray) -> Iterator[None]:
        full = self.net
        keep = np.ones(self.a.m, dtype=bool)
        keep[edges] = False
        self.net = self._build(keep)  # pandana cannot change weights: a new CH per corridor
        try:
            yield
        finally:
            self.net = full


class RoutingKitPeer(Peer):
    """RoutingKit CCH (pyroutingkit): ``CCHMetric.distances_many_to_many``, integer ms weights."""

    name = "pyroutingkit"
    rtol = 1e-5  # weights rounded to whole milliseconds

    def __init__(self, a: Arrays, *, threads: int = 1) -> None:
        super().__init__(a, threads=threads)
        self.tail = np.concatenate((a.u, a.v)).astype(np.uint32)
        self.head = np.concatenate((a.v, a.u)).astype(np.uint32)
        wi = np.maximum(np.rint(a.w * MS_PER_MIN), 1).astype(np.uint32)
        self.wint = np.concatenate((wi, wi))
        self.targets = np.arange(a.n, dtype=np.uint32)

    def preprocess(self) -> dict[str, float]:
        import pyroutingkit as rk

        t0 = time.perf_counter()
        self.topo = rk.CCHTopology()
        self.topo.build(
            self.tail,
            self.head,
            self.a.y.astype(np.float32),
            self.a.x.astype(np.float32),
            self.a.n,
        )
        t1 = time.perf_counter()
        self.metric = rk.CCHMetric(self.topo)
        self.metric.customize(self.wint, thread_count=self.threads)
        t2 = time.perf_counter()
        self.inf = int(rk.INF_WEIGHT)
        return {"topology (nested dissection)": t1 - t0, "customisation": t2 - t1}

    def rows(self, src: np.ndarray) -> np.ndarray:
        return self.pairs(src, self.targets)

    def pairs(self, src: np.ndarray, targets: np.ndarray) -> np.ndarray:
        d = self.metric.distances_many_to_many(src.astype(np.uint32), targets.astype(np.uint32))
        out = d.astype(np.float64)
        out[d >= self.inf] = np.inf
        return out / MS_PER_MIN

    @contextlib.contextmanager
    def removed(self, edges: np.ndarray) -> Iterator[None]:
        arcs = np.concatenate((edges, edges + self.a.m)).astype(np.uint32)
        self.metric.update_weights(arcs, np.full(len(arcs), self.inf, dtype=np.uint32))
        try:
            yield
        finally:
            self.metric.update_weights(arcs, self.wint[arcs])


def _sorted(a: np.ndarray) -> bool:
    return bool(np.all(a[1:] > a[:-1]))


def _rowpos(src: np.ndarray, vals: np.ndarray) -> np.ndarray:
    order = np.argsort(src)
    return order[np.searchsorted(src[order], vals)]


PEERS: dict[str, type[Peer]] = {
    p.name: p
    for p in (
        ScipyPeer,
        NetworkXPeer,
        IgraphPeer,
        NetworkitPeer,
        RustworkxPeer,
        PandanaPeer,
        RoutingKitPeer,
    )
}


def make_peer(name: str, a: Arrays, *, threads: int = 1) -> Peer:
    """Build the adapter ``name`` on ``a``."""
    return PEERS[name](a, threads=threads)
