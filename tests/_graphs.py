"""Graphs shared by the test modules (imported as ``from _graphs import ...``)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

__all__ = ["SEED_CASES", "brute_cutoff_bc", "random_chain_graph", "random_graph", "simple"]

#: (seed, directed) cases of the centrality reference tests: three seeds, both directions.
SEED_CASES = [
    pytest.param(seed, directed, id=f"{'dir' if directed else 'undir'}-{seed}")
    for seed in (0, 1, 2)
    for directed in (False, True)
]


def random_chain_graph(seed: int, n: int = 40, m: int = 90, *, directed: bool = False):
    """A random MultiGraph following the graph conventions: parallel edges, two components."""
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph() if directed else nx.MultiGraph()
    G.graph.update(crs="EPSG:4326", units={"time_min": "min", "length_km": "km"})
    kinds = ["city", "city", "city", "seaport", "airport", "border_gate"]
    for i in range(n):
        G.add_node(
            f"n{i}",
            x=105.0 + rng.random(),
            y=20.5 + rng.random(),
            kind=kinds[i % len(kinds)],
            is_capital=bool(i % 4 == 0),
            population=float(rng.integers(10, 1000)),
        )
    main = int(n * 0.8)  # nodes n{main}..n{n-1} form a second component
    for e in range(m):
        lo, hi = (0, main) if e < int(m * 0.85) else (main, n)
        u, v = rng.integers(lo, hi, size=2)
        if u == v:
            continue
        t = float(rng.uniform(1.0, 60.0))
        G.add_edge(
            f"n{u}",
            f"n{v}",
            time_min=t,
            length_km=t * float(rng.uniform(0.6, 1.4)),
            corridor_id=f"c{e % 25}",
            edge_id=f"e{e}",
            mode="expressway",
        )
    # a few exact parallel copies with different weights
    for e, (u, v, d) in enumerate(list(G.edges(data=True))[:6]):
        G.add_edge(u, v, **{**d, "time_min": d["time_min"] * 1.5, "edge_id": f"p{e}"})
    return G


def random_graph(seed: int, *, directed: bool, n: int = 40, m: int = 90) -> nx.MultiGraph:
    """Two components, an isolated node, parallel edges of two weights, a self-loop."""
    rng = np.random.default_rng(seed)
    G: nx.MultiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    G.add_nodes_from(range(n + 1))
    half = n // 2
    for _ in range(m):
        lo, hi = (0, half) if rng.integers(2) == 0 else (half, n)
        u, v = (int(x) for x in rng.integers(lo, hi, size=2))
        G.add_edge(u, v, time_min=float(rng.uniform(0.5, 10.0)))
    G.add_edge(1, 2, time_min=0.7)
    G.add_edge(1, 2, time_min=9.5)
    G.add_edge(3, 3, time_min=1.0)
    return G


def simple(G: nx.MultiGraph) -> nx.Graph:
    """The simple graph NetworkX's multigraph convention implies (min weight, no loops)."""
    H: nx.Graph = nx.DiGraph() if G.is_directed() else nx.Graph()
    H.add_nodes_from(G)
    for u, v, d in G.edges(data=True):
        if u != v and (not H.has_edge(u, v) or H[u][v]["time_min"] > d["time_min"]):
            H.add_edge(u, v, time_min=d["time_min"])
    return H


def brute_cutoff_bc(H: nx.Graph, cutoff: float) -> dict[int, float]:
    """Raw ordered-pair betweenness counting only shortest paths of cost <= cutoff."""
    bc = dict.fromkeys(H, 0.0)
    for s in H:
        dist = nx.single_source_dijkstra_path_length(H, s, cutoff=cutoff, weight="time_min")
        for t in dist:
            if t == s:
                continue
            paths = list(nx.all_shortest_paths(H, s, t, weight="time_min"))
            for p in paths:
                for v in p[1:-1]:
                    bc[v] += 1.0 / len(paths)
    return bc
