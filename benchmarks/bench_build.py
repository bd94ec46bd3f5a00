"""Build-time benchmark: urbanchain.graph_from_gdfs vs OSMnx, momepy and a raw floor.

Usage::

    python benchmarks/bench_build.py --sizes 1e4,1e5,1e6
    python benchmarks/bench_build.py --quick          # 1e4 only, grid only, 1 repeat

Every (tool, network, size) is measured in a fresh child process, one after the
other (never in parallel), so timings are side by side in one run and peak
memory is not polluted by earlier measurements.  Peak memory is the highest
resident set size sampled every 5 ms during the build, minus the RSS just before
it (it includes GEOS allocations, which tracemalloc cannot see).  Wall time
and CPU time (``time.process_time``) are both reported: on a shared machine the
CPU time is the steadier of the two.

Tools:

* ``urbanchain``: ``graph_from_gdfs(None, lines)``: snapping-free topology from
  coordinates (rounded keys, junction splitting), geodesic lengths, speeds,
  edge ids, report, networkx MultiGraph with geometry on every edge.
* ``momepy``: ``momepy.gdf_to_nx(lines, approach="primal")``: topology from
  exact endpoint coordinates, planar lengths, networkx MultiGraph.
* ``osmnx``: ``osmnx.graph_from_gdfs(nodes, edges)``: assembles a MultiDiGraph
  from layers whose topology (u, v, key) is *already known*; it does no
  topology work, so it is a lower bound for a networkx-based builder.
* ``floor``: endpoint extraction (shapely) + coordinate keys (one lexsort, as
  urbanchain does) + a scipy CSR adjacency: the least any builder must do, with
  no networkx graph and no lengths.

Peers above ``--peer-max`` edges are skipped (default 1e6: all sizes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from statistics import median
from typing import Any

HERE = Path(__file__).resolve().parent
TOOLS = ("urbanchain", "floor", "osmnx", "momepy")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _PeakSampler:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_bytes())
            time.sleep(0.005)

    def __enter__(self) -> _PeakSampler:
        self.peak = _rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def _builder(tool: str, net: Any) -> Any:
    if tool == "urbanchain":
        from urbanchain.graph import graph_from_gdfs

        lines = net.lines
        return lambda: graph_from_gdfs(None, lines, line_id="segment_id")
    if tool == "floor":
        import numpy as np
        import scipy.sparse as sp
        import shapely

        from urbanchain._private._build import grid_keys

        geoms = net.lines.geometry.values

        def floor() -> Any:
            a = shapely.get_coordinates(shapely.get_point(geoms, 0))
            b = shapely.get_coordinates(shapely.get_point(geoms, -1))
            inv, first = grid_keys(np.concatenate((a, b)), 1e-7)
            m = len(geoms)
            n = len(first)
            return sp.csr_matrix((np.ones(m), (inv[:m], inv[m:])), shape=(n, n))

        return floor
    if tool == "osmnx":
        import osmnx as ox

        nodes, edges = net.osmnx_layers()
        return lambda: ox.graph_from_gdfs(nodes, edges)
    if tool == "momepy":
        import momepy

        lines = net.lines
        return lambda: momepy.gdf_to_nx(lines, approach="primal")
    msg = f"unknown tool {tool!r}"
    raise ValueError(msg)


def _count(G: Any) -> tuple[int, int]:
    if hasattr(G, "number_of_edges"):
        return G.number_of_nodes(), G.number_of_edges()
    return G.shape[0], G.nnz


def run_one(tool: str, kind: str, size: int, seed: int, repeat: int) -> dict[str, Any]:
    """Measure one (tool, network, size) in this process."""
    import gc

    sys.path.insert(0, str(HERE))
    from _networks import make_network

    net = make_network(kind, size, seed=seed)
    build = _builder(tool, net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _builder(tool, make_network(kind, 500, seed=seed + 1))()  # warm-up: lazy imports, caches
    times = []
    cpus = []
    peaks = []
    nodes = edges = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # momepy warns about geographic CRS
        for _ in range(repeat):
            gc.collect()
            base = _rss_bytes()
            with _PeakSampler() as sampler:
                c0 = time.process_time()
                t0 = time.perf_counter()
                G = build()
                t1 = time.perf_counter()
                c1 = time.process_time()
            nodes, edges = _count(G)
            times.append(t1 - t0)
            cpus.append(c1 - c0)
            peaks.append(sampler.peak - base)
            del G
    return {
        "tool": tool,
        "kind": kind,
        "size": size,
        "edges_in": net.n_edges,
        "nodes_out": nodes,
        "edges_out": edges,
        "seconds": median(times),
        "seconds_all": times,
        "cpu_seconds": median(cpus),
        "peak_mib": max(peaks) / 2**20,
    }


def _child(
    tool: str, kind: str, size: int, *, seed: int, repeat: int, timeout: float
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--one", tool, kind, str(size), "--seed", str(seed)]
    cmd += ["--repeat", str(repeat)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "kind": kind, "size": size, "error": f"timeout {timeout:.0f}s"}
    except subprocess.CalledProcessError as exc:
        return {"tool": tool, "kind": kind, "size": size, "error": exc.stderr.strip()[-300:]}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _markdown(results: list[dict[str, Any]]) -> str:
    rows = [
        "| network | edges | tool | wall s | CPU s | peak MiB | wall / urbanchain | CPU / urbanchain | memory / urbanchain | nodes | edges out |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ref = {
        (r["kind"], r["size"]): r for r in results if r["tool"] == "urbanchain" and "error" not in r
    }
    for r in results:
        if "error" in r:
            rows.append(
                f"| {r['kind']} | {r['size']:,} | {r['tool']} | {r['error']} | | | | | | | |"
            )
            continue
        u = ref.get((r["kind"], r["size"]))
        tr = f"{r['seconds'] / u['seconds']:.2f}" if u else ""
        cr = f"{r['cpu_seconds'] / u['cpu_seconds']:.2f}" if u else ""
        mr = f"{r['peak_mib'] / u['peak_mib']:.2f}" if u and u["peak_mib"] > 0 else ""
        rows.append(
            f"| {r['kind']} | {r['edges_in']:,} | {r['tool']} | {r['seconds']:.2f} | "
            f"{r['cpu_seconds']:.2f} | {r['peak_mib']:.0f} | {tr} | {cr} | {mr} | "
            f"{r['nodes_out']:,} | {r['edges_out']:,} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--sizes", default="1e4,1e5", help="comma-separated edge counts, e.g. 1e4,1e5,1e6"
    )
    p.add_argument("--kinds", default="grid,delaunay", help="grid, delaunay or both")
    p.add_argument("--tools", default=",".join(TOOLS))
    p.add_argument("--peer-max", type=float, default=1e6, help="largest size for osmnx/momepy")
    p.add_argument("--repeat", type=int, default=3, help="repeats at sizes below 1e6 (median)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per measurement")
    p.add_argument("--quick", action="store_true", help="1e4 edges, grid only, one repeat")
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    p.add_argument("--one", nargs=3, metavar=("TOOL", "KIND", "SIZE"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.one:
        tool, kind, size = a.one
        print(json.dumps(run_one(tool, kind, int(float(size)), a.seed, a.repeat)))
        return 0
    if a.quick:
        a.sizes, a.kinds, a.repeat = "1e4", "grid", 1
    sizes = [int(float(s)) for s in a.sizes.split(",")]
    kinds = a.kinds.split(",")
    tools = a.tools.split(",")
    print(
        f"# {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; seed {a.seed}",
        flush=True,
    )
    results = []
    for kind in kinds:
        for size in sizes:
            for tool in tools:
                if tool in ("osmnx", "momepy") and size > a.peer_max:
                    continue
                repeat = 1 if size >= 1_000_000 else a.repeat
                r = _child(tool, kind, size, seed=a.seed, repeat=repeat, timeout=a.timeout)
                results.append(r)
                if "error" in r:
                    print(f"{kind} {size:>9,} {tool:<11} ERROR {r['error']}", flush=True)
                else:
                    print(
                        f"{kind} {size:>9,} {tool:<11} {r['seconds']:8.2f} s wall "
                        f"{r['cpu_seconds']:8.2f} s CPU {r['peak_mib']:8.0f} MiB",
                        flush=True,
                    )
    print()
    print(_markdown(results))
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
