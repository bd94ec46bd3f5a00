"""Benchmark urbanchain.metrics against pure NetworkX, igraph and raw scipy, side by side.

Usage::

    .venv/bin/python benchmarks/bench_metrics.py            # 1e4 and 1e5 edges
    .venv/bin/python benchmarks/bench_metrics.py --quick    # 1e4 edges only
    .venv/bin/python benchmarks/bench_metrics.py --huge     # adds 1e6 edges

Networks are perturbed grids (planar: a square lattice with jittered node
positions, 8% of the edges removed, lengths from the jittered positions, speeds
drawn from 30-100 km/h).  When a competitor would take minutes (NetworkX with
many sources) it runs on a subset of sources and its time is scaled linearly
to the full count; such rows are marked ``(scaled from k)``.  Ratios are the
competitor's time divided by urbanchain's in the same run.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.csgraph import dijkstra

from urbanchain import metrics
from urbanchain._private._csr import build_csr


def perturbed_grid(n_edges: int, seed: int = 0) -> nx.MultiGraph:
    """A planar perturbed grid with about ``n_edges`` edges following the graph conventions."""
    rng = np.random.default_rng(seed)
    side = max(2, int(math.sqrt(n_edges / 2 / 0.92)))
    G = nx.MultiGraph(units={"time_min": "min", "length_km": "km"})
    step = 0.01  # degrees, about 1 km
    xs = 105.0 + step * (np.arange(side)[:, None] + rng.uniform(-0.3, 0.3, (side, side)))
    ys = 20.0 + step * (np.arange(side)[None, :] + rng.uniform(-0.3, 0.3, (side, side)))
    for i in range(side):
        for j in range(side):
            G.add_node(
                i * side + j,
                x=float(xs[i, j]),
                y=float(ys[i, j]),
                kind="city",
                is_capital=False,
                population=float(rng.integers(100, 10_000)),
            )
    eid = 0
    for i in range(side):
        for j in range(side):
            for di, dj in ((1, 0), (0, 1)):
                a, b = i + di, j + dj
                if a >= side or b >= side or rng.random() < 0.08:
                    continue
                km = 111.0 * math.hypot(xs[i, j] - xs[a, b], ys[i, j] - ys[a, b])
                km = max(km, 0.05)
                speed = float(rng.uniform(30, 100))
                G.add_edge(
                    i * side + j,
                    a * side + b,
                    length_km=km,
                    time_min=60.0 * km / speed,
                    corridor_id=f"c{eid // 20}",
                    edge_id=f"e{eid}",
                    mode="highway",
                )
                eid += 1
    return G


def timed(fn: Callable[[], Any], repeat: int = 1) -> float:
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def nx_od(G: nx.Graph, sources: list[Any]) -> None:
    for s in sources:
        nx.single_source_dijkstra_path_length(G, s, weight="time_min")


def to_igraph(G: nx.Graph) -> Any:
    import igraph as ig

    idx = {v: i for i, v in enumerate(G.nodes)}
    edges = [(idx[u], idx[v]) for u, v in G.edges()]
    g = ig.Graph(n=len(idx), edges=edges, directed=False)
    g.es["w"] = [d["time_min"] for _, _, d in G.edges(data=True)]
    return g


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--huge", action="store_true")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000]
    if args.huge:
        sizes.append(1_000_000)
    try:
        import igraph  # noqa: F401

        have_ig = True
    except ImportError:
        have_ig = False
    rows: list[tuple[str, str, float, str]] = []
    for m in sizes:
        rows += run_size(m, have_ig=have_ig)
    print()
    print("| network | task | seconds | note |")
    print("|---|---|---:|---|")
    for lab, task, sec, note in rows:
        print(f"| {lab} | {task} | {sec:.3f} | {note} |")


def run_size(m: int, *, have_ig: bool) -> list[tuple[str, str, float, str]]:
    rows: list[tuple[str, str, float, str]] = []
    t0 = time.perf_counter()
    G = perturbed_grid(m)
    n = G.number_of_nodes()
    label = f"{G.number_of_edges():,} edges / {n:,} nodes"
    print(f"\n== {label} (generated in {time.perf_counter() - t0:.1f} s)")
    rng = np.random.default_rng(1)
    nodes = list(G.nodes)
    g = to_igraph(G) if have_ig else None
    csr = build_csr(G, "time_min")
    for k in (100, 1000):
        src = [nodes[i] for i in rng.choice(n, size=min(k, n), replace=False)]
        t_uc = timed(lambda src=src: metrics.od_matrix(G, sources=src, targets=nodes))
        sidx = np.array([csr.index[v] for v in src])
        t_sp = timed(lambda sidx=sidx: dijkstra(csr.matrix, directed=True, indices=sidx))
        sub = src[: max(5, min(len(src), 20 if m >= 100_000 else 100))]
        t_nx = timed(lambda sub=sub: nx_od(G, sub)) * len(src) / len(sub)
        note = f"(scaled from {len(sub)})" if len(sub) < len(src) else ""
        rows += [
            (label, f"OD K={k}: urbanchain", t_uc, ""),
            (label, f"OD K={k}: raw scipy", t_sp, ""),
            (label, f"OD K={k}: networkx", t_nx, note),
        ]
        if g is not None:
            t_ig = timed(lambda sidx=sidx: g.distances(source=sidx.tolist(), weights="w"))
            rows.append((label, f"OD K={k}: igraph", t_ig, ""))
    # accessibility of every node to 1% of nodes carrying population
    dest = [nodes[i] for i in rng.choice(n, size=max(10, n // 100), replace=False)]
    t_uc = timed(lambda: metrics.accessibility(G, sources=nodes, destinations=dest))
    sub = dest[:10]
    t_nx = timed(lambda: nx_od(G, sub)) * len(dest) / len(sub)
    rows += [
        (label, f"accessibility all {n:,} nodes -> {len(dest)} dest: urbanchain", t_uc, ""),
        (
            label,
            "accessibility: networkx (Dijkstra from destinations)",
            t_nx,
            f"(scaled from {len(sub)})",
        ),
    ]
    if g is not None:
        didx = [csr.index[v] for v in dest]
        t_ig = timed(lambda didx=didx: g.distances(source=didx, weights="w"))
        rows.append((label, "accessibility: igraph distances", t_ig, ""))
    # criticality of 100 corridors, OD among 20 sources, accessibility to the same 20
    src = [nodes[i] for i in rng.choice(n, size=20, replace=False)]
    corridors = sorted({d["corridor_id"] for _, _, d in G.edges(data=True)})[:100]
    t_uc = timed(
        lambda: metrics.corridor_criticality(G, sources=src, destinations=src, groups=corridors)
    )
    few = corridors[:5]

    def nx_rebuild(few: list[str] = few, src: list[Any] = src) -> None:
        for c in few:
            H = G.copy()
            H.remove_edges_from(
                [(u, v, k) for u, v, k, cc in G.edges(keys=True, data="corridor_id") if cc == c]
            )
            nx_od(H, src)

    t_nx = timed(nx_rebuild) * len(corridors) / len(few)
    rows += [
        (label, "criticality 100 corridors x 20 sources: urbanchain", t_uc, ""),
        (label, "criticality: networkx rebuild per corridor", t_nx, "(scaled from 5)"),
    ]
    return rows


if __name__ == "__main__":
    main()
