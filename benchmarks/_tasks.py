"""Child-process tasks of ``run.py``: every measurement runs in its own process.

``python benchmarks/_tasks.py SPEC.json OUT.json`` runs one task and writes its
result to ``OUT.json``; the parent (``run.py``) reads it, so a crash, a timeout
or an out-of-memory kill of one tool is reported as a failure of that tool and
the run goes on.  Tasks:

* ``net``: build the urbanchain graph of one network, write its edge arrays and
  the shared source / destination / corridor selections to an ``.npz``;
* ``build``: time one builder (urbanchain, OSMnx, momepy, the CSR floor) on one
  network, with its peak memory;
* ``metrics``: time one tool (a peer of ``_peers.py`` or urbanchain with one
  engine) on OD, accessibility, betweenness and criticality, and record
  checksums so the parent can check that every tool gives the same answers.

Slow tools run on a subset of the sources (or corridors) when the time budget of
an operation is spent, and their time is scaled linearly to the full count; the
result then carries ``done`` < ``total``.
"""

from __future__ import annotations

import functools
import gc
import json
import math
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _networks import load  # noqa: E402
from _peers import Arrays, make_peer  # noqa: E402

#: Hansen decay, per minute: exp(-ln 2 * t / 30), half the weight at 30 minutes.
BETA = math.log(2.0) / 30.0


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakSampler:
    """Highest resident set size, sampled every 5 ms (includes GEOS and C allocations)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_bytes())
            time.sleep(0.005)

    def __enter__(self) -> PeakSampler:
        self.peak = _rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())


def _quiet() -> None:
    warnings.simplefilter("ignore")


# ---------------------------------------------------------------------------
# urbanchain graph, shared by the ``net`` and ``metrics`` tasks
# ---------------------------------------------------------------------------


def _has_network_output() -> bool:
    import inspect

    from urbanchain.graph import graph_from_gdfs

    return "output" in inspect.signature(graph_from_gdfs).parameters


def uc_graph(kind: str, size: int, seed: int, *, output: str = "networkx") -> Any:
    """The urbanchain graph of the network (``output="network"`` where it exists).

    Its build time (without generating the lines) is left in ``uc_graph.seconds``.
    """
    from urbanchain.graph import graph_from_gdfs

    lines = load(kind, size, seed=seed).lines
    kw: dict[str, Any] = {"output": output} if output != "networkx" else {}
    t = time.perf_counter()
    G = graph_from_gdfs(None, lines, line_id="segment_id", **kw)
    uc_graph.seconds = time.perf_counter() - t  # type: ignore[attr-defined]
    return G


def _edge_arrays(G: Any) -> dict[str, np.ndarray]:
    """Edge ends (positions), time_min and corridor number of either graph kind."""
    if hasattr(G, "edges") and hasattr(G, "nodes") and hasattr(G, "to_networkx"):
        e = G.edges
        ids = np.asarray(G.nodes.index.astype(str))
        code = e["code"] if "code" in e.columns else None
        return {
            "node_ids": ids,
            "x": G.nodes["x"].to_numpy(float),
            "y": G.nodes["y"].to_numpy(float),
            "u": e["u_pos"].to_numpy(np.int64),
            "v": e["v_pos"].to_numpy(np.int64),
            "w": e["time_min"].to_numpy(float),
            "edge_id": e["edge_id"].astype(str).to_numpy(),
            "corr": _corr_numbers(code.tolist() if code is not None else [None] * len(e)),
        }
    nodes = list(G.nodes)
    pos = {v: i for i, v in enumerate(nodes)}
    u, v, w, code, eid = [], [], [], [], []
    for a, b, d in G.edges(data=True):
        u.append(pos[a])
        v.append(pos[b])
        w.append(d["time_min"])
        code.append(d.get("code"))
        eid.append(str(d["edge_id"]))
    return {
        "node_ids": np.array([str(x) for x in nodes]),
        "x": np.array([G.nodes[x]["x"] for x in nodes], dtype=float),
        "y": np.array([G.nodes[x]["y"] for x in nodes], dtype=float),
        "u": np.array(u, dtype=np.int64),
        "v": np.array(v, dtype=np.int64),
        "w": np.array(w, dtype=float),
        "edge_id": np.array(eid),
        "corr": _corr_numbers(code),
    }


def _corr_numbers(code: list[Any]) -> np.ndarray:
    out = np.full(len(code), -1, dtype=np.int64)
    for i, c in enumerate(code):
        if isinstance(c, str) and c.startswith("c"):
            out[i] = int(c[1:])
    return out


def task_net(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the network once; write arrays and selections for every tool."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    kind, size, seed = spec["kind"], spec["size"], spec["seed"]
    t0 = time.perf_counter()
    G = uc_graph(kind, size, seed)
    arr = _edge_arrays(G)
    del G
    n = len(arr["node_ids"])
    adj = sp.coo_matrix((np.ones(len(arr["u"])), (arr["u"], arr["v"])), shape=(n, n))
    _, lab = connected_components(adj, directed=False)
    big = np.flatnonzero(lab == np.bincount(lab).argmax())
    rng = np.random.default_rng(seed + 7)
    src = rng.permutation(big)[: spec["k_max"]]
    n_dest = int(min(spec["dest_max"], max(10, n // 100)))
    dest = rng.permutation(big)[:n_dest]
    mass = rng.integers(100, 10_000, size=n_dest).astype(float)
    bet_src = rng.permutation(big)[: spec["bet_k_ref"]]
    np.savez(
        spec["npz"],
        **arr,  # type: ignore[arg-type]
        src=src,
        dest=dest,
        mass=mass,
        bet_src=bet_src,
    )
    return {
        "nodes": n,
        "edges": len(arr["u"]),
        "largest_component": len(big),
        "corridors": len(np.unique(arr["corr"][arr["corr"] >= 0])),
        "corridor_edges": int((arr["corr"] >= 0).sum()),
        "dest": n_dest,
        "seconds": time.perf_counter() - t0,
    }


# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------


def _builder(tool: str, net: Any) -> Callable[[], Any]:
    if tool in ("urbanchain", "urbanchain:network"):
        from urbanchain.graph import graph_from_gdfs

        lines = net.lines
        kw: dict[str, Any] = {"output": "network"} if tool == "urbanchain:network" else {}
        return lambda: graph_from_gdfs(None, lines, line_id="segment_id", **kw)
    if tool == "floor":
        import scipy.sparse as sp
        import shapely

        from urbanchain.graph._build import grid_keys

        geoms = net.lines.geometry.values

        def floor() -> Any:
            # every vertex in one call, then the first and last of each line
            coords, idx = shapely.get_coordinates(geoms, return_index=True)
            start = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
            end = np.r_[start[1:] - 1, len(idx) - 1]
            inv, first = grid_keys(np.concatenate((coords[start], coords[end])), 1e-7)
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
    msg = f"unknown builder {tool!r}"
    raise ValueError(msg)


def _count(G: Any) -> tuple[int, int]:
    if hasattr(G, "number_of_edges"):
        return int(G.number_of_nodes()), int(G.number_of_edges())
    return int(G.shape[0]), int(G.nnz)


def task_build(spec: dict[str, Any]) -> dict[str, Any]:
    """Time one builder: median wall and CPU seconds, peak RSS above the baseline."""
    from _networks import make_network

    tool, kind, size, seed = spec["tool"], spec["kind"], spec["size"], spec["seed"]
    net = make_network(kind, size, seed=seed)
    build = _builder(tool, net)
    warm = make_network("grid", 500, seed=seed + 1)
    _builder(tool, warm)()  # lazy imports and caches are not counted
    times, cpus, peaks = [], [], []
    nodes = edges = 0
    for _ in range(spec["repeat"]):
        gc.collect()
        base = _rss_bytes()
        with PeakSampler() as sampler:
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
        "edges_in": net.n_edges,
        "nodes_out": nodes,
        "edges_out": edges,
        "seconds": median(times),
        "seconds_all": times,
        "cpu_seconds": median(cpus),
        "peak_mib": max(peaks) / 2**20,
    }


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


def _checks(d: np.ndarray) -> tuple[list[float], list[int]]:
    fin = np.isfinite(d)
    return np.where(fin, d, 0.0).sum(axis=1).tolist(), fin.sum(axis=1).astype(int).tolist()


def _block(n_cols: int, cap: float, total: int) -> int:
    for b in (1000, 500, 250, 100, 50, 20, 10, 5, 2, 1):
        if b <= total and b * n_cols <= cap:
            return b
    return 1


def sweep(
    fn: Callable[[np.ndarray], np.ndarray],
    src: np.ndarray,
    *,
    block: int,
    budget: float,
    reduce: Callable[[np.ndarray, np.ndarray], None],
    probe: bool = True,
) -> dict[str, Any]:
    """Run ``fn`` over ``src`` in blocks until done or ``budget`` seconds are spent.

    ``reduce(rows, block_sources)`` consumes each block (nothing is kept).  The
    time is scaled linearly to all of ``src`` when the budget stopped it early.
    """
    done = 0
    spent = 0.0
    step = min(block, 5) if probe and math.isfinite(budget) else block  # speed probe
    while done < len(src):
        blk = src[done : done + step]
        t = time.perf_counter()
        rows = fn(blk)
        spent += time.perf_counter() - t
        reduce(rows, blk)
        del rows
        done += len(blk)
        if done < len(src) and math.isfinite(budget):
            if spent > budget:
                break
            per = spent / done
            step = int(min(block, max(1, (budget - spent) / per + 1))) if probe else block
    return {"seconds": spent * len(src) / done, "done": done, "total": len(src)}


def _repeat(fn: Callable[[], dict[str, Any]], repeat: int) -> dict[str, Any]:
    """Median of ``repeat`` runs when the first one was cheap (under 2 s and not scaled)."""
    first = fn()
    if repeat <= 1 or first["seconds"] > 2.0 or first.get("done") != first.get("total"):
        first["repeats"] = 1
        return first
    runs = [first] + [fn() for _ in range(repeat - 1)]
    out = runs[-1]
    out["seconds"] = median(r["seconds"] for r in runs)
    out["repeats"] = repeat
    return out


class _PeerTool:
    """Uniform face over a peer adapter (node positions everywhere)."""

    def __init__(self, name: str, a: Arrays, threads: int) -> None:
        t = time.perf_counter()
        self.peer = make_peer(name, a, threads=threads)
        self.graph_seconds = time.perf_counter() - t
        self.prep = self.peer.preprocess()
        self.cap = 1e8 if name in ("scipy", "pyroutingkit") else 5e6

    def rows(self, src: np.ndarray, targets: np.ndarray | None = None) -> np.ndarray:
        return self.peer.rows(src) if targets is None else self.peer.pairs(src, targets)


def _metrics_peer(spec: dict[str, Any], z: Any, a: Arrays) -> dict[str, Any]:
    tool = _PeerTool(spec["tool"], a, spec.get("threads", 1))
    res: dict[str, Any] = {"graph_seconds": tool.graph_seconds, "prep": tool.prep}
    ops = spec["ops"]
    budget = spec["budget"]
    repeat = spec["repeat"]
    n = a.n
    src = z["src"]
    if "od" in ops:
        for k in spec["ks"]:
            sums: list[float] = []
            cnts: list[int] = []

            def red(d: np.ndarray, blk: np.ndarray, sums: list = sums, cnts: list = cnts) -> None:
                s, c = _checks(d)
                sums.extend(s)
                cnts.extend(c)

            def one(k: int = k, sums: list = sums, cnts: list = cnts) -> dict[str, Any]:
                sums.clear()
                cnts.clear()
                return sweep(
                    tool.rows, src[:k], block=_block(n, tool.cap, k), budget=budget, reduce=red
                )

            r = _repeat(one, repeat)
            r["row_sums"], r["row_counts"] = list(sums), list(cnts)
            res[f"od{k}"] = r
    if "access" in ops:
        res["access"] = _access_peer(tool, z, n, budget, repeat)
    if "bet" in ops and tool.peer.has_betweenness:
        res["bet"] = _bet_peer(tool, z, spec, budget)
    if "crit" in ops:
        res["crit"] = _crit_peer(tool, z, spec, budget)
    return res


def _access_peer(tool: _PeerTool, z: Any, n: int, budget: float, repeat: int) -> dict[str, Any]:
    dest, mass = z["dest"], z["mass"]
    mpos = {int(p): float(m) for p, m in zip(dest, mass, strict=True)}
    acc = np.zeros(n)

    def red(d: np.ndarray, blk: np.ndarray) -> None:
        mm = np.array([mpos[int(p)] for p in blk])
        with np.errstate(over="ignore"):
            acc[:] += (mm[:, None] * np.exp(-BETA * d)).sum(axis=0)
        acc[blk] -= mm  # exclude the destination itself (f(0) = 1)

    def one() -> dict[str, Any]:
        acc[:] = 0.0
        return sweep(
            tool.rows, dest, block=_block(n, tool.cap, len(dest)), budget=budget, reduce=red
        )

    r = _repeat(one, repeat)
    if r["done"] == r["total"]:
        r["sum"] = float(acc.sum())
    return r


def _bet_peer(tool: _PeerTool, z: Any, spec: dict[str, Any], budget: float) -> dict[str, Any]:
    """Exact node betweenness, or source-sampled edge betweenness; igraph adds the error data.

    Sampled runs use edge betweenness because urbanchain's sampled node betweenness
    comes with closeness for every node (``centrality``), while ``edge_betweenness``
    samples alone: the same Brandes passes either way.
    """
    n = len(z["x"])
    exact = spec["bet"] == "exact"
    k = n if exact else spec["bet_k"]
    sample = z["bet_src"][: spec["bet_k"]]
    name = spec["tool"]
    out: dict[str, Any] = {"mode": spec["bet"], "of": "nodes" if exact else "edges", "total": k}
    if name == "networkx":  # time a few sources of networkx's subset betweenness, scale
        import networkx as nx

        few = sample[: min(len(sample), 10)]
        G = tool.peer.G  # type: ignore[attr-defined]
        t = time.perf_counter()
        if exact:
            tool.peer.betweenness(few)
        else:
            nx.edge_betweenness_centrality_subset(
                G, few.tolist(), list(range(n)), weight="w", normalized=False
            )
        out.update(seconds=(time.perf_counter() - t) * k / len(few), done=len(few))
        return out
    if name == "networkit" and exact:
        t = time.perf_counter()
        b = tool.peer.betweenness(None)
        out.update(seconds=time.perf_counter() - t, done=k, values=b.tolist())
        return out
    if name != "igraph":
        out["skipped"] = "no weighted betweenness from a given source set"
        return out
    g = tool.peer.g  # type: ignore[attr-defined]

    def edge_bc(src: np.ndarray) -> list[float]:
        return list(g.edge_betweenness(directed=False, weights="w", sources=src.tolist()))

    t = time.perf_counter()
    vals = tool.peer.betweenness(None).tolist() if exact else edge_bc(sample)
    out.update(seconds=time.perf_counter() - t, done=k, values=vals)
    # error data: the estimate from the k sampled sources against the exact values,
    # or (exact is too slow there) against a 4x larger sample
    out["sample_k"] = len(sample)
    out["sample_values"] = tool.peer.betweenness(sample).tolist() if exact else vals
    if not exact:
        ref = z["bet_src"]
        t = time.perf_counter()
        out["ref_values"] = edge_bc(ref)
        out["ref_seconds"] = time.perf_counter() - t
        out["ref_k"] = len(ref)
    return out


def _crit_peer(tool: _PeerTool, z: Any, spec: dict[str, Any], budget: float) -> dict[str, Any]:
    S = z["src"][: spec["crit_k"]]
    corr = z["corr"]
    groups = [int(c) for c in np.unique(corr[corr >= 0])]
    t = time.perf_counter()
    base = tool.rows(S, S)
    od_seconds = time.perf_counter() - t
    off = ~np.eye(len(S), dtype=bool)
    before = np.isfinite(base) & off
    per: dict[str, list[float]] = {}
    spent = 0.0
    for c in groups:
        edges = np.flatnonzero(corr == c)
        t = time.perf_counter()
        with tool.peer.removed(edges):
            d = tool.rows(S, S)
        spent += time.perf_counter() - t
        after = np.isfinite(d) & off
        both = before & after
        extra = float(np.where(both, d - base, 0.0).sum())
        per[f"c{c}"] = [extra, int((before & ~after).sum())]
        if spent > budget and len(per) < len(groups):
            break
    return {
        "seconds": spent * len(groups) / len(per),
        "done": len(per),
        "total": len(groups),
        "od_seconds": od_seconds,
        "per_corridor": per,
    }


def _metrics_urbanchain(spec: dict[str, Any], z: Any) -> dict[str, Any]:
    """urbanchain through its public API, on the Network output where metrics accept it."""
    engine = spec["tool"].split(":", 1)[1]
    kind, size, seed = spec["kind"], spec["size"], spec["seed"]
    res: dict[str, Any] = {"fallback": {}}
    graphs: dict[str, Any] = {}
    if _has_network_output():
        graphs["Network"] = uc_graph(kind, size, seed, output="network")
    else:
        graphs["networkx"] = uc_graph(kind, size, seed)
    res["graph_seconds"] = uc_graph.seconds  # type: ignore[attr-defined]
    res["graph"] = next(iter(graphs))
    ids = [_node_id(x) for x in z["node_ids"].tolist()]

    def store(op: str, val: dict[str, Any]) -> None:
        if op == "od":  # od100, od1000, prep ... at the top level, as for the peers
            res.update(val)
        else:
            res[op] = val

    def on_graph(op: str, fn: Callable[[Any], dict[str, Any]]) -> None:
        """Run ``fn`` on the Network; if the metric refuses it, on ``to_networkx()``."""
        try:
            store(op, fn(next(iter(graphs.values()))))
            return
        except Exception as exc:  # recorded; a refused Network is retried on networkx
            refused = isinstance(exc, TypeError | AttributeError | NotImplementedError)
            if "Network" not in graphs or not refused:
                res[f"{op}_error"] = f"{type(exc).__name__}: {exc}"[:300]
                return
            res["fallback"][op] = f"{type(exc).__name__}: {exc}"[:200]
        if "networkx" not in graphs:
            t = time.perf_counter()
            graphs["networkx"] = graphs["Network"].to_networkx()
            res["to_networkx_seconds"] = time.perf_counter() - t
        try:
            store(op, fn(graphs["networkx"]))
        except Exception as exc:
            res[f"{op}_error"] = f"{type(exc).__name__}: {exc}"[:300]

    for op in spec["ops"]:
        on_graph(op, functools.partial(_UC_OPS[op], ids=ids, z=z, spec=spec, engine=engine))
    return res


def _uc_od(G: Any, ids: list[Any], z: Any, spec: dict[str, Any], engine: str) -> dict[str, Any]:
    from urbanchain import metrics

    n = len(ids)
    src = z["src"]
    budget = 2 * spec["budget"]
    out: dict[str, Any] = {}

    def od_rows(blk: np.ndarray) -> np.ndarray:
        df = metrics.od_matrix(G, sources=[ids[i] for i in blk], targets=ids, engine=engine)
        out.setdefault("engine_used", df.attrs.get("engine"))
        return df.to_numpy()

    _clear_caches()  # the first call pays the weight gate, the CSR and (cch) the topology
    t = time.perf_counter()
    metrics.od_matrix(G, sources=[ids[src[0]]], targets=[ids[src[1]]], engine=engine)
    out["prep"] = {"first call (1 pair)": time.perf_counter() - t}
    t = time.perf_counter()
    metrics.od_matrix(G, sources=[ids[src[1]]], targets=[ids[src[0]]], engine=engine)
    out["second_call_seconds"] = time.perf_counter() - t
    for k in spec["ks"]:
        sums: list[float] = []
        cnts: list[int] = []

        def red(d: np.ndarray, blk: np.ndarray, sums: list = sums, cnts: list = cnts) -> None:
            fin = np.isfinite(d)
            sums.extend(np.where(fin, d, 0.0).sum(axis=1).tolist())
            cnts.extend(fin.sum(axis=1).astype(int).tolist())

        def one(k: int = k, sums: list = sums, cnts: list = cnts) -> dict[str, Any]:
            sums.clear()
            cnts.clear()
            return sweep(
                od_rows, src[:k], block=_block(n, 1e8, k), budget=budget, reduce=red, probe=False
            )

        r = _repeat(one, spec["repeat"])
        r["row_sums"], r["row_counts"] = list(sums), list(cnts)
        out[f"od{k}"] = r
    return out


def staged(
    call: Callable[[list[Any]], Any], items: list[Any], budget: float, first: int
) -> tuple[Any, dict[str, Any]]:
    """Time ``call(items[:first])``; run all items too if that fits in ``budget``, else scale."""
    t = time.perf_counter()
    part = call(items[:first])
    sec = time.perf_counter() - t
    if first >= len(items):
        return part, {"seconds": sec, "done": len(items), "total": len(items)}
    if sec * len(items) / first > budget:
        return part, {"seconds": sec * len(items) / first, "done": first, "total": len(items)}
    t = time.perf_counter()
    full = call(items)
    return full, {"seconds": time.perf_counter() - t, "done": len(items), "total": len(items)}


def _uc_access(G: Any, ids: list[Any], z: Any, spec: dict[str, Any], engine: str) -> dict[str, Any]:
    import pandas as pd

    from urbanchain import metrics

    dest = [ids[i] for i in z["dest"]]
    mass = pd.Series(z["mass"], index=pd.Index(dest, dtype=object))

    def call(d: list[Any]) -> Any:
        return metrics.accessibility(
            G, mass=mass[d], sources=ids, destinations=d, beta=BETA, engine=engine
        )

    def one() -> dict[str, Any]:
        df, r = staged(call, dest, 2 * spec["budget"], max(1, len(dest) // 5))
        r["engine_used"] = df.attrs.get("engine")
        if r["done"] == r["total"]:
            r["sum"] = float(df["accessibility"].sum())
        return r

    return _repeat(one, spec["repeat"])


def _uc_crit(G: Any, ids: list[Any], z: Any, spec: dict[str, Any], engine: str) -> dict[str, Any]:
    import pandas as pd

    from urbanchain import metrics

    S = [ids[i] for i in z["src"][: spec["crit_k"]]]
    corr = z["corr"]
    groups = [f"c{c}" for c in sorted(set(corr[corr >= 0].tolist()))]
    metrics.od_matrix(G, sources=S, targets=S, engine=engine)  # warm: same state as the peers
    t = time.perf_counter()
    metrics.od_matrix(G, sources=S, targets=S, engine=engine)
    od_seconds = time.perf_counter() - t

    def call(g: list[Any]) -> Any:
        return metrics.corridor_criticality(
            G,
            sources=S,
            targets=S,
            destinations=S,
            mass=pd.Series(1.0, index=S),
            groups=g,
            by="code",
            beta=BETA,
            engine=engine,
        )

    df, r = staged(call, groups, 4 * spec["budget"], max(1, len(groups) // 10))
    r.update(
        od_seconds=od_seconds,
        engine_used=df.attrs.get("engine"),
        per_corridor={
            str(g): [float(x.extra_time_sum), int(x.pairs_disconnected)] for g, x in df.iterrows()
        },
    )
    return r


def _bet_urbanchain(
    G: Any, ids: list[Any], z: Any, spec: dict[str, Any], engine: str
) -> dict[str, Any]:
    from urbanchain import metrics

    n = len(ids)
    exact = spec["bet"] == "exact"
    out: dict[str, Any] = {
        "mode": spec["bet"],
        "of": "nodes" if exact else "edges",
        "total": n if exact else spec["bet_k"],
    }
    t = time.perf_counter()
    if exact:  # centrality() also computes degree, closeness and harmonic (not straightness)
        df = metrics.centrality(G, normalized=False, length=None, engine=engine)
        b = df["betweenness"].reindex(ids).to_numpy(float)
    else:
        df = metrics.edge_betweenness(
            G, normalized=False, k=spec["bet_k"], seed=spec["seed"], engine=engine
        )
        b = df["betweenness"].reindex(z["edge_id"].tolist()).to_numpy(float)
    out["seconds"] = time.perf_counter() - t
    out["done"] = out["total"]
    out["values"] = b.tolist()
    out["random_sample"] = not exact
    return out


_UC_OPS: dict[str, Callable[..., dict[str, Any]]] = {
    "od": _uc_od,
    "access": _uc_access,
    "bet": _bet_urbanchain,
    "crit": _uc_crit,
}


def _clear_caches() -> None:
    try:
        from urbanchain.engine import _cch
    except ImportError:
        return
    _cch.clear()


def _node_id(s: str) -> Any:
    return int(s) if s.lstrip("-").isdigit() else s


def task_metrics(spec: dict[str, Any]) -> dict[str, Any]:
    """Time one tool on every requested operation of one network."""
    z = dict(np.load(spec["npz"]))
    a = Arrays(len(z["node_ids"]), z["u"], z["v"], z["w"], z["x"], z["y"])
    if spec["tool"].startswith("urbanchain:"):
        return _metrics_urbanchain(spec, z)
    return _metrics_peer(spec, z, a)


TASKS = {"net": task_net, "build": task_build, "metrics": task_metrics}


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    _quiet()
    with PeakSampler() as peak:
        out = TASKS[spec["task"]](spec)
    out["process_peak_mib"] = peak.peak / 2**20
    Path(argv[1]).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
