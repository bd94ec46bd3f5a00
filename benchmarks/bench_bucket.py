"""Issue 19 item 2: K x K OD on the ``"bucket"`` engine against RoutingKit, scipy and igraph.

Every measurement runs in this one process, one at a time, single-threaded
(``OMP_NUM_THREADS=1``, ``NUMBA_NUM_THREADS=1``), on the graph urbanchain
builds from the benchmark networks (``_networks.py``; undirected,
``time_min`` weights).  Tools, per K (K random nodes to the same K nodes):

* ``bucket`` preprocessing split into its phases (nested-dissection order and
  contraction = topology; customisation), on empty caches;
* ``urbanchain bucket (first call)``: the public ``od_matrix`` on empty caches
  (weight gate, CSR, topology, customisation, buckets, DataFrame);
* ``urbanchain bucket (warm)``: the same call again (topology and metric cached);
* ``bucket kernel (warm)``: ``BucketEngine.distances`` alone, to set against
  RoutingKit's ``distances_many_to_many``, also timed on its kernel only;
* ``urbanchain scipy`` (public call), ``scipy dijkstra (raw)`` and
  ``igraph distances``;
* ``K -> all`` (K = 100 only): distances to every node, bucket (PHAST sweep)
  against scipy.

With ``--repeat R`` each warm query is run R times, interleaved tool by tool,
and the fastest is kept (the machine is shared: this damps the load; ratios
come from one run).  ``peak MiB`` is the highest resident set size above the
one just before the call (sampled every 5 ms).  The numba kernels are compiled
once per machine (``cache=True``); a first run on a fresh machine adds that
compilation (about 10-20 s) to the first call, later runs load it from the
cache.

Run::

    python benchmarks/bench_bucket.py --net delaunay:1e5 --ks 100,1000 --repeat 3
    python benchmarks/bench_bucket.py --net delaunay:1e6 --ks 100,1000 --slow-k 100

It prints a markdown table on stdout (``--json FILE`` keeps the raw rows).
From ``run.py``: ``bench_bucket.main(["--net", "delaunay:1e5"])``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _tasks import PeakSampler, uc_graph  # noqa: E402


def measure(fn: Callable[[], Any]) -> tuple[float, float, float, Any]:
    """Wall seconds, CPU seconds of this process, peak MiB above the start, result."""
    with PeakSampler() as ps:
        base = ps.peak
        c = time.process_time()
        t = time.perf_counter()
        out = fn()
        sec = time.perf_counter() - t
        cpu = time.process_time() - c
    return sec, cpu, (ps.peak - base) / 2**20, out


def run(G: Any, ks: list[int], *, repeat: int, slow_k: int) -> list[dict[str, Any]]:
    """Measure every tool on ``G`` for each K; scipy/igraph only up to ``slow_k``."""
    import igraph as ig
    import pyroutingkit as rk
    from scipy.sparse.csgraph import dijkstra

    from urbanchain import metrics
    from urbanchain.engine import _bucket
    from urbanchain.metrics import _common as mc

    prep = mc.prepare(G, "time_min")
    csr = prep.csr
    mat = csr.matrix
    n = csr.n
    nodes = csr.nodes
    rows_of = np.repeat(np.arange(n), np.diff(mat.indptr))
    keep = rows_of < mat.indices
    u, v, w = rows_of[keep], mat.indices[keep].astype(np.int64), mat.data[keep]
    rows: list[dict[str, Any]] = []
    rng = np.random.default_rng(1)

    def add(
        op: str, tool: str, sec: float, mib: float = float("nan"), cpu: float = float("nan")
    ) -> None:
        rows.append({"op": op, "tool": tool, "s": sec, "cpu_s": cpu, "peak_mib": mib})
        print(
            f"  {op:14s} {tool:44s} {sec:8.3f} s {cpu:8.3f} cpu {mib:7.0f} MiB",
            file=sys.stderr,
            flush=True,
        )

    def timed(op: str, tool: str, fn: Callable[[], Any]) -> Any:
        sec, cpu, mib, out = measure(fn)
        add(op, tool, sec, mib, cpu)
        return out

    # preprocessing, phase by phase, on empty caches
    _bucket.clear()
    topo = timed("preprocess", "bucket topology (METIS + contraction)", lambda: (
        _bucket.build_topology(mat.indptr, mat.indices)))  # fmt: skip
    timed("preprocess", "bucket customisation (basic + perfect)", lambda: (
        _bucket.BucketMetric.customise(topo, mat.data)))  # fmt: skip
    timed("preprocess", "bucket customisation (basic only, as without())", lambda: (
        _bucket.BucketMetric.customise(topo, mat.data, perfect=False)))  # fmt: skip
    print(
        f"  height {topo.height}, CCH edges {topo.shortcuts:,} for {mat.nnz:,} arcs",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "topo.npz"
        t = time.perf_counter()
        topo.save(path)
        add("preprocess", "bucket topology save (npz)", time.perf_counter() - t)
        _bucket.clear()
        t = time.perf_counter()
        _bucket.load(path)
        add("preprocess", "bucket topology load (npz)", time.perf_counter() - t)
    tail = np.concatenate([u, v]).astype(np.uint32)
    head = np.concatenate([v, u]).astype(np.uint32)
    wint = np.concatenate([np.maximum(np.rint(w * 60_000), 1).astype(np.uint32)] * 2)
    xs, ys = G.nodes["x"].to_numpy(), G.nodes["y"].to_numpy()
    rk_topo = rk.CCHTopology()
    timed("preprocess", "pyroutingkit topology", lambda: rk_topo.build(
        tail, head, ys.astype(np.float32), xs.astype(np.float32), n))  # fmt: skip
    rk_metric = rk.CCHMetric(rk_topo)
    timed("preprocess", "pyroutingkit customisation", lambda: rk_metric.customize(
        wint, thread_count=1))  # fmt: skip
    g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist(), directed=False)
    wl = w.tolist()

    for k in ks:
        pick = np.sort(rng.choice(n, size=min(k, n), replace=False))
        ids = [nodes[i] for i in pick.tolist()]
        op = f"{k}x{k} OD"
        _bucket.clear()
        timed(op, "urbanchain bucket (first call)", lambda i=ids: metrics.od_matrix(
            G, sources=i, targets=i, engine="bucket"))  # fmt: skip
        eng = _bucket.BucketEngine(prep)
        src32 = pick.astype(np.uint32)
        best: dict[str, tuple[float, float, float]] = {}
        tools: dict[str, Callable[[], Any]] = {
            "urbanchain bucket (warm)": lambda i=ids: metrics.od_matrix(
                G, sources=i, targets=i, engine="bucket"
            ),
            "bucket kernel (warm)": lambda p=pick: _bucket.BucketEngine(prep).distances(p, p),
            "pyroutingkit many-to-many (warm)": lambda s=src32: rk_metric.distances_many_to_many(
                s, s
            ),
        }
        for _ in range(max(repeat, 1)):
            for tool, fn in tools.items():
                sec, cpu, mib, _out = measure(fn)
                old = best.get(tool)
                best[tool] = (sec, cpu, mib) if old is None or sec < old[0] else old
        for tool, (sec, cpu, mib) in best.items():
            add(op, tool + (f" best of {repeat}" if repeat > 1 else ""), sec, mib, cpu)
        # agreement with RoutingKit (integer milliseconds) as a sanity check
        d_b = eng.distances(pick, pick)
        d_rk = np.asarray(rk_metric.distances_many_to_many(src32, src32), dtype=np.float64)
        d_rk = d_rk.reshape(len(pick), len(pick)) / 60_000
        fin = np.isfinite(d_b)
        err = float(np.max(np.abs(d_b[fin] - d_rk[fin]))) if fin.any() else 0.0
        print(f"  max |bucket - pyroutingkit| = {err:.2e} min", file=sys.stderr)
        if k <= slow_k:
            timed(op, "urbanchain scipy", lambda i=ids: metrics.od_matrix(
                G, sources=i, targets=i, engine="scipy"))  # fmt: skip
            d_s = timed(op, "scipy dijkstra (raw)", lambda p=pick: dijkstra(mat, indices=p)[:, p])
            np.testing.assert_allclose(d_b, d_s, rtol=1e-9)
            timed(op, "igraph distances", lambda p=pick: g.distances(
                source=p.tolist(), target=p.tolist(), weights=wl))  # fmt: skip
        if k == min(ks):
            all_op = f"{k} -> all"
            d_a = timed(all_op, "bucket kernel (PHAST sweep)", lambda p=pick, e=eng: e.distances(p))
            d_s = timed(all_op, "scipy dijkstra (raw)", lambda p=pick: dijkstra(mat, indices=p))
            np.testing.assert_allclose(d_a, d_s, rtol=1e-9)
    return rows


def render(rows: list[dict[str, Any]], title: str) -> str:
    """Markdown table; ratios against the bucket row of the same operation."""
    out = [f"### {title}", "",
           "| operation | tool | wall s | CPU s | peak MiB | wall ÷ bucket | CPU ÷ bucket |",
           "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    base: dict[str, tuple[float, float]] = {}
    for r in rows:
        if r["tool"].startswith("bucket kernel") or (
            r["op"] == "preprocess" and r["tool"].startswith("bucket topology (")
        ):
            base.setdefault(r["op"], (r["s"], r.get("cpu_s", float("nan"))))
    for r in rows:
        b, bc = base.get(r["op"], (float("nan"), float("nan")))
        cpu = r.get("cpu_s", float("nan"))
        ratio = f"{r['s'] / b:.2f}x" if b > 0 and np.isfinite(r["s"]) else ""
        cratio = f"{cpu / bc:.2f}x" if bc > 0 and np.isfinite(cpu) else ""
        mib = "" if not np.isfinite(r["peak_mib"]) else f"{r['peak_mib']:.0f}"
        cs = "" if not np.isfinite(cpu) else f"{cpu:.3f}"
        out.append(
            f"| {r['op']} | {r['tool']} | {r['s']:.3f} | {cs} | {mib} | {ratio} | {cratio} |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--net", default="delaunay:1e5", help="kind:size, e.g. delaunay:1e5, grid:1e6")
    p.add_argument("--ks", default="100,1000", help="K values")
    p.add_argument("--repeat", type=int, default=3, help="runs of each warm query (best kept)")
    p.add_argument("--slow-k", type=int, default=1000, help="largest K for scipy and igraph")
    p.add_argument("--json", type=Path)
    a = p.parse_args(argv)
    warnings.simplefilter("ignore")
    kind, size = a.net.split(":")
    G = uc_graph(kind, int(float(size)), 0, output="network")
    title = (
        f"bucket OD: {kind} {int(float(size)):,}: "
        f"{G.number_of_edges():,} edges / {G.number_of_nodes():,} nodes"
    )
    rows = run(G, [int(x) for x in a.ks.split(",")], repeat=a.repeat, slow_k=a.slow_k)
    if a.json:
        a.json.write_text(json.dumps(rows))
    print(render(rows, title))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
