"""Failure sweeps in process vs on a two-worker Dask LocalCluster (ratios, same run).

Usage: ``.venv/bin/python benchmarks/bench_sweeps.py [--quick]``.  ``--quick``
runs 1,000 Monte Carlo scenarios; the full run 5,000.  Also checks that both
runs give identical tables.
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

import pandas as pd


def main() -> None:
    """Run the benchmark and print timings and ratios."""
    from distributed import Client, LocalCluster

    from urbanchain import UrbanChain
    from urbanchain.scenarios import failure_sweep

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 1_000 if args.quick else 5_000
    chain = UrbanChain.from_region("red_river_delta", year=2025)
    _ = chain.graph
    kw: dict[str, Any] = {"k": 3, "n": n, "seed": 0, "progress": False, "max_scenarios": n}
    t0 = time.perf_counter()
    seq = failure_sweep(chain, **kw)
    t_seq = time.perf_counter() - t0
    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        t_start = time.perf_counter() - t0
        t1 = time.perf_counter()
        par = failure_sweep(chain, client=client, **kw)
        t_par = time.perf_counter() - t1
    t_total = time.perf_counter() - t0
    pd.testing.assert_frame_equal(seq, par)
    print(f"scenarios: {n} (k=3 corridor failures, Monte Carlo)")
    print(f"in process:               {t_seq:8.3f} s  ({1e3 * t_seq / n:.3f} ms/scenario)")
    print(f"LocalCluster start:       {t_start:8.3f} s")
    print(f"LocalCluster sweep:       {t_par:8.3f} s  ratio cluster/in-process {t_par / t_seq:.2f}")
    print(f"LocalCluster incl. start: {t_total:8.3f} s  ratio {t_total / t_seq:.2f}")
    print("results identical: yes")


if __name__ == "__main__":
    main()
