"""Run the whole benchmark suite and write ``benchmarks/README.md``.

Usage::

    .venv/bin/python benchmarks/run.py            # full size (about 20 min on 2 cores)
    .venv/bin/python benchmarks/run.py --quick    # reduced size (about a minute; the tests)
    .venv/bin/python benchmarks/run.py --quick --out /tmp/report.md --json /tmp/r.json

Every measurement runs in its own child process (``_tasks.py``), one after the
other, never two at a time; a tool that fails, times out or runs out of memory
is reported as failed with its reason and the run goes on.  All ratios in the
report come from this one run.  See the README it writes for what is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import render  # noqa: E402

PEERS = ("scipy", "pyroutingkit", "pandana", "networkit", "igraph", "rustworkx", "networkx")
BUILDERS = ("urbanchain", "urbanchain:network", "floor", "osmnx", "momepy")
THREADED = ("networkit", "pyroutingkit")


@dataclass
class Plan:
    """What one run measures."""

    quick: bool
    build: list[tuple[str, int]]
    nets: list[tuple[str, int, tuple[str, ...]]]  # kind, size, ops
    ks: tuple[int, ...] = (100, 1000)
    budget: dict[int, float] = field(default_factory=dict)
    crit_k: int = 100
    bet_k: int = 100
    bet_k_ref: int = 400
    dest_max: int = 250
    threads_net: tuple[str, int] = ("delaunay", 100_000)
    timeout: float = 900.0
    seed: int = 0
    extras: bool = True
    #: issue 19's research and bucket scripts (never left out by ``extras_after``)
    research: bool = True
    #: tool -> (largest edge count it runs at, why)
    skip: dict[str, tuple[float, str]] = field(default_factory=dict)
    #: seconds after which thread scaling, limits and sweeps are left out
    extras_after: float = math.inf
    #: (kind, size) -> (the only tools run on that network, why)
    only: dict[tuple[str, int], tuple[tuple[str, ...], str]] = field(default_factory=dict)

    def budget_for(self, size: int) -> float:
        for limit, sec in sorted(self.budget.items()):
            if size <= limit:
                return sec
        return max(self.budget.values())


def full_plan() -> Plan:
    e4, e5, e6 = 10_000, 100_000, 1_000_000
    every = ("od", "access", "bet", "crit")
    return Plan(
        quick=False,
        build=[(k, s) for k in ("grid", "delaunay") for s in (e4, e5, e6)] + [("osm", 0)],
        nets=[
            ("delaunay", e4, every),
            ("osm", 0, ("od", "access", "crit")),
            ("delaunay", e5, every),
            ("grid", e6, ("od", "access")),
            ("delaunay", e6, ("od",)),
        ],
        budget={2 * e4: 3.0, 2 * e5: 6.0, e6 * 10: 4.0},
        threads_net=("delaunay", e5),
        timeout=420.0,
        extras_after=30 * 60.0,
        skip={
            "pandana": (
                5e5,
                "its contraction hierarchy alone took 84-238 s at 10^6 edges in development "
                "runs on this machine, which does not fit the 20-minute budget; see its 10^5 rows",
            )
        },
        only={
            ("delaunay", e6): (
                ("urbanchain:cch",),
                "A check, not a comparison: only urbanchain's cch engine runs on this network. "
                "Its random points make some edges very short (weights spanning about nine "
                "orders of magnitude against the engine's path bound), which tests the "
                "integer-weight range of that engine at 10^6 edges; the full comparison at "
                "10^6 edges is on the grid above.",
            )
        },
    )


def quick_plan() -> Plan:
    return Plan(
        quick=True,
        build=[("grid", 2_000)],
        nets=[("grid", 2_000, ("od", "access", "bet", "crit"))],
        budget={10**9: 0.5},
        crit_k=20,
        bet_k=50,
        bet_k_ref=200,
        dest_max=20,
        threads_net=("grid", 2_000),
        timeout=300.0,
    )


def _env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "RAYON_NUM_THREADS",
    ):
        env[var] = str(threads)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def child(spec: dict[str, Any], work: Path, timeout: float, threads: int = 1) -> dict[str, Any]:
    """Run one task in a fresh process; failures come back as ``{"error": ...}``."""
    name = f"{spec['task']}-{spec.get('tool', '')}-{spec['kind']}-{spec['size']}-{threads}".replace(
        ":", "_"
    )
    sp, out = work / f"{name}.json", work / f"{name}.out.json"
    sp.write_text(json.dumps(spec))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / "_tasks.py"), str(sp), str(out)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_env(threads),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s", "wall": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not out.exists():
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        reason = " / ".join(tail) or f"exit code {proc.returncode}"
        if proc.returncode in (-9, 137):
            reason = f"killed (signal 9: out of memory?) {reason}"
        return {"error": reason[-400:], "wall": wall}
    res = dict(json.loads(out.read_text()))
    res["wall"] = wall
    return res


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (
        "urbanchain",
        "numpy",
        "scipy",
        "shapely",
        "geopandas",
        "networkx",
        "osmnx",
        "momepy",
        "igraph",
        "networkit",
        "rustworkx",
        "pandana",
        "pyroutingkit",
        "pyrosm",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) / 2**20
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": round(mem, 1),
        "platform": platform.platform(),
    }


def _engines() -> list[str]:
    try:
        from urbanchain.engine._select import ENGINES
    except ImportError:
        return ["scipy"]
    return [e for e in ENGINES if e in ("scipy", "cch")]


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _script(path: Path, args: list[str], timeout: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(path), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_env(1),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    res: dict[str, Any] = {"stdout": proc.stdout, "wall": time.perf_counter() - t0}
    if proc.returncode != 0:
        res["error"] = " / ".join((proc.stderr or "").strip().splitlines()[-3:])[-400:]
    return res


def run(plan: Plan, work: Path) -> dict[str, Any]:
    """Measure everything in ``plan``; return the raw results."""
    t_start = time.perf_counter()
    R: dict[str, Any] = {
        "quick": plan.quick,
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "versions": _versions(),
        "machine": _machine(),
        "engines": _engines(),
        "plan": {
            "ks": list(plan.ks),
            "crit_k": plan.crit_k,
            "bet_k": plan.bet_k,
            "bet_k_ref": plan.bet_k_ref,
            "budget": {str(k): v for k, v in plan.budget.items()},
            "seed": plan.seed,
        },
        "build": [],
        "nets": [],
        "threads": [],
    }
    # -- build ---------------------------------------------------------------
    for kind, size in plan.build:
        for tool in BUILDERS:
            repeat = 3 if size <= 20_000 and not plan.quick else 1
            spec = {
                "task": "build",
                "tool": tool,
                "kind": kind,
                "size": size,
                "seed": plan.seed,
                "repeat": repeat,
            }
            r = child(spec, work, plan.timeout)
            r.update(tool=tool, kind=kind, size=size)
            R["build"].append(r)
            _log(f"build {kind} {size:,} {tool}: {r.get('seconds', r.get('error'))}")
    # -- metrics -------------------------------------------------------------
    tools = [f"urbanchain:{e}" for e in R["engines"]] + list(PEERS)
    for kind, size, ops in plan.nets:
        npz = work / f"net-{kind}-{size}.npz"
        base = {"kind": kind, "size": size, "seed": plan.seed, "npz": str(npz)}
        info = child(
            {
                **base,
                "task": "net",
                "k_max": max(plan.ks),
                "dest_max": plan.dest_max,
                "bet_k_ref": plan.bet_k_ref,
            },
            work,
            plan.timeout,
        )
        entry: dict[str, Any] = {
            "kind": kind,
            "size": size,
            "ops": list(ops),
            "info": info,
            "tools": {},
        }
        R["nets"].append(entry)
        _log(f"net {kind} {size:,}: {info}")
        if "error" in info:
            continue
        bet = "exact" if info["edges"] <= 20_000 else "sampled"
        mspec = {
            **base,
            "task": "metrics",
            "ops": list(ops),
            "ks": list(plan.ks),
            "budget": plan.budget_for(info["edges"]),
            "repeat": 3 if info["edges"] <= 20_000 and not plan.quick else 1,
            "crit_k": plan.crit_k,
            "bet": bet,
            "bet_k": plan.bet_k,
        }
        entry["bet"] = bet
        only, note = plan.only.get((kind, size), (tuple(tools), ""))
        if note:
            entry["note"] = note
        for tool in [t for t in tools if t in only]:
            cap, why = plan.skip.get(tool, (math.inf, ""))
            if info["edges"] > cap:
                entry.setdefault("skipped", {})[tool] = why
                _log(f"  {tool}: skipped ({why})")
                continue
            r = child({**mspec, "tool": tool}, work, plan.timeout)
            entry["tools"][tool] = r
            _log(f"  {tool}: " + (r["error"] if "error" in r else f"{r['wall']:.1f} s"))
        npz_keep = (kind, size) == plan.threads_net
        if not npz_keep:
            npz.unlink(missing_ok=True)
    # -- threads -------------------------------------------------------------
    late = time.perf_counter() - t_start > plan.extras_after
    if late and plan.extras:
        R["extras_skipped"] = (
            f"thread scaling, bench_limits.py and bench_sweeps.py were skipped: the run had "
            f"already taken {(time.perf_counter() - t_start) / 60:.1f} min, more than the "
            f"{plan.extras_after / 60:.0f} min after which they are left out"
        )
        plan.extras = False
    kind, size = plan.threads_net
    npz = work / f"net-{kind}-{size}.npz"
    if npz.exists() and plan.extras:
        edges = next(
            e["info"]["edges"] for e in R["nets"] if (e["kind"], e["size"]) == (kind, size)
        )
        for tool in THREADED:
            for threads in (1, 2):
                spec = {
                    "task": "metrics",
                    "tool": tool,
                    "kind": kind,
                    "size": size,
                    "seed": plan.seed,
                    "npz": str(npz),
                    "ops": ["od"],
                    "ks": [max(plan.ks)],
                    "budget": plan.budget_for(edges),
                    "repeat": 1,
                    "threads": threads,
                }
                r = child(spec, work, plan.timeout, threads=threads)
                r.update(tool=tool, threads=threads, kind=kind, size=size, edges=edges)
                R["threads"].append(r)
                _log(f"threads {tool} x{threads}: {r.get('wall')}")
        npz.unlink(missing_ok=True)
    # -- other scripts -------------------------------------------------------
    limits = HERE / "bench_limits.py"
    if limits.exists() and plan.extras:
        args = ["--case", "disguised_vrt"] if plan.quick else []
        R["limits"] = _script(limits, args, plan.timeout)
        _log("bench_limits.py done")
    if plan.extras:
        R["sweeps"] = _script(HERE / "bench_sweeps.py", ["--quick"], plan.timeout)
        _log("bench_sweeps.py done")
    if plan.research:  # the targets of issue 19: part of every full run, whatever its length
        R["research"] = research(plan)
        R["bucket"] = bucket(plan)
    R["wall_seconds"] = time.perf_counter() - t_start
    return R


#: bench_research.py runs of issue 19 (centralities and K x K OD against peers).
RESEARCH_FULL: tuple[tuple[str, ...], ...] = (
    ("--section", "cent", "--net", "osm:0"),
    ("--section", "osm"),
    ("--section", "cent", "--net", "delaunay:1e5", "--no-exact", "--local"),
    ("--section", "cent", "--net", "grid:1e6", "--no-exact"),
    ("--section", "od", "--net", "delaunay:1e5", "--ks", "100,1000"),
    ("--section", "od", "--net", "grid:1e6", "--ks", "100,1000"),
    ("--section", "kall", "--net", "grid:1e6", "--ks", "1000"),
)
RESEARCH_QUICK: tuple[tuple[str, ...], ...] = (
    ("--section", "cent", "--net", "delaunay:2e3", "--k", "20", "--local"),
    ("--section", "osm", "--k", "20"),
    ("--section", "od", "--net", "delaunay:1e4", "--ks", "50"),
    ("--section", "kall", "--net", "delaunay:2e3", "--ks", "50"),
)


#: bench_bucket.py runs of issue 19 item 2 (the bucket engine's K x K OD against peers).
BUCKET_FULL: tuple[tuple[str, ...], ...] = (
    ("--net", "delaunay:1e5", "--ks", "100,1000"),
    ("--net", "delaunay:1e6", "--ks", "100,1000", "--slow-k", "100"),
)
BUCKET_QUICK: tuple[tuple[str, ...], ...] = (
    ("--net", "delaunay:1e4", "--ks", "50", "--repeat", "1", "--slow-k", "50"),
)


def _script_runs(plan: Plan, name: str, runs: tuple[tuple[str, ...], ...]) -> dict[str, Any]:
    """Run the script ``name`` once per configuration of ``runs``; join their tables."""
    out: list[str] = []
    errors: list[str] = []
    raw: list[dict[str, Any]] = []
    wall = 0.0
    with tempfile.TemporaryDirectory(prefix="urbanchain-bench-rows-") as tmp:
        for i, args in enumerate(runs):
            rows_file = Path(tmp) / f"rows{i}.json"
            r = _script(HERE / name, [*args, "--json", str(rows_file)], plan.timeout * 4)
            wall += r.get("wall", 0.0)
            out.append(f"`{name} {' '.join(args)}`:\n\n{r.get('stdout', '')}")
            rows = json.loads(rows_file.read_text()) if rows_file.exists() else []
            raw.append({"args": list(args), "rows": rows, "wall": r.get("wall", 0.0)})
            if "error" in r:
                errors.append(f"{' '.join(args)}: {r['error']}")
            _log(f"{name} {' '.join(args)} done")
    res: dict[str, Any] = {"stdout": "\n".join(out), "wall": wall, "runs": raw}
    if errors:
        res["error"] = " / ".join(errors)
    return res


def research(plan: Plan) -> dict[str, Any]:
    """Run ``bench_research.py`` for each of its configurations; join their tables."""
    return _script_runs(plan, "bench_research.py", RESEARCH_QUICK if plan.quick else RESEARCH_FULL)


def bucket(plan: Plan) -> dict[str, Any]:
    """Run ``bench_bucket.py`` for each of its configurations; join their tables."""
    return _script_runs(plan, "bench_bucket.py", BUCKET_QUICK if plan.quick else BUCKET_FULL)


def _pairs(text: str) -> list[tuple[str, int]]:
    if text == "none":
        return []
    out = []
    for item in text.split(","):
        kind, size = item.split(":")
        out.append((kind, int(float(size))))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="reduced size (about a minute)")
    p.add_argument("--out", type=Path, default=HERE / "README.md", help="report to write")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    p.add_argument("--from-json", type=Path, help="only re-render a report from saved results")
    p.add_argument("--nets", help="only these metric networks, e.g. grid:1e4,osm:0 ('none': skip)")
    p.add_argument("--builds", help="only these build networks, e.g. grid:1e6 ('none': skip)")
    p.add_argument(
        "--no-extras",
        action="store_true",
        help="skip thread scaling, bench_limits.py and bench_sweeps.py",
    )
    p.add_argument(
        "--no-research",
        action="store_true",
        help="skip bench_research.py and bench_bucket.py (the targets of issue 19)",
    )
    a = p.parse_args(argv)
    if a.from_json:
        R = json.loads(a.from_json.read_text())
    else:
        plan = quick_plan() if a.quick else full_plan()
        if a.nets:
            ops = {n[:2]: n[2] for n in plan.nets}
            plan.nets = [(k, s, ops.get((k, s), ("od", "access"))) for k, s in _pairs(a.nets)]
        if a.builds:
            plan.build = _pairs(a.builds)
        plan.extras = not a.no_extras
        plan.research = not a.no_research
        with tempfile.TemporaryDirectory(prefix="urbanchain-bench-") as tmp:
            R = run(plan, Path(tmp))
        if a.json:
            a.json.write_text(json.dumps(R))
    a.out.write_text(render(R))
    _log(f"wrote {a.out} (run took {R['wall_seconds'] / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
