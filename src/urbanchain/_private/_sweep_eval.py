"""Failure evaluation on a CSR built once, and the sweep runner (in process or on Dask).

:class:`FailureEvaluator` holds the edges of a graph as arrays.  A failure set
(positions of failed edges) is evaluated by masking those edges and running
:func:`scipy.sparse.csgraph.dijkstra`; the NetworkX graph is never rebuilt.
Parallel edges are reduced to their minimum weight among the surviving ones,
exactly as :mod:`urbanchain.metrics` does, so the results equal the metrics
recomputed on a copy of the graph with the edges removed.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from urbanchain._private._compat import import_optional_dependency
from urbanchain.errors import ScenarioError

__all__ = [
    "FailureEvaluator",
    "build_evaluator",
    "evaluate_chunk",
    "run_sets",
]

logger = logging.getLogger(__name__)

_SKIP_PREFIXES = ("access:", "transfer:")


@dataclass
class FailureEvaluator:
    """Edges of a graph as arrays, ready for masked shortest paths.

    Attributes
    ----------
    n
        Node count.
    directed
        Whether the graph is directed.
    eu, ev, ew
        Row, column and weight of every non-self-loop edge (``G.edges`` order).
    edge_ids
        ``edge_id`` of each edge (or ``"u-v[key]"``).
    corridor_ids
        ``corridor_id`` of each edge (``""`` when missing).
    capitals
        CSR rows of the capitals (OD sources and targets).
    """

    n: int
    directed: bool
    eu: np.ndarray
    ev: np.ndarray
    ew: np.ndarray
    edge_ids: list[str]
    corridor_ids: list[str]
    capitals: np.ndarray
    _ru: np.ndarray = field(init=False, repr=False)
    _rv: np.ndarray = field(init=False, repr=False)
    _rw: np.ndarray = field(init=False, repr=False)
    _owner: np.ndarray = field(init=False, repr=False)
    _order: np.ndarray = field(init=False, repr=False)
    _pair: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        m = len(self.ew)
        if self.directed:
            ru, rv, rw = self.eu, self.ev, self.ew
            owner = np.arange(m)
        else:
            ru = np.concatenate([self.eu, self.ev])
            rv = np.concatenate([self.ev, self.eu])
            rw = np.concatenate([self.ew, self.ew])
            owner = np.concatenate([np.arange(m), np.arange(m)])
        pair = ru * max(self.n, 1) + rv
        # sorted by (pair, weight): the first surviving entry of a pair is its minimum
        self._order = np.lexsort((rw, pair))
        self._ru, self._rv, self._rw = ru[self._order], rv[self._order], rw[self._order]
        self._owner = owner[self._order]
        self._pair = pair[self._order]

    def matrix(self, failed: np.ndarray) -> sp.csr_matrix:
        """Return the CSR of minimum surviving weights with the edges ``failed`` masked."""
        alive = np.ones(len(self.ew), dtype=bool)
        alive[np.asarray(failed, dtype=np.int64)] = False
        keep = alive[self._owner]
        pair = self._pair[keep]
        first = np.ones(len(pair), dtype=bool)
        first[1:] = pair[1:] != pair[:-1]
        ru = self._ru[keep][first]
        rv = self._rv[keep][first]
        rw = self._rw[keep][first]
        return sp.csr_matrix((rw, (ru, rv)), shape=(self.n, self.n))

    def evaluate(self, failed: np.ndarray) -> tuple[float, int, float, int]:
        """Metrics after removing the edges at positions ``failed``.

        Returns
        -------
        tuple
            ``(efficiency, pairs_disconnected, mean_capital_od, pairs_connected)``:
            global efficiency over all nodes (as :func:`urbanchain.metrics.efficiency`),
            capital pairs with no path, mean time over connected capital pairs
            (NaN if none) and the number of connected capital pairs.  Pairs are
            unordered on undirected graphs and ordered on directed ones.
        """
        mat = self.matrix(failed)
        n = self.n
        if n < 2:
            return 0.0, 0, math.nan, 0
        d = dijkstra(mat, directed=self.directed)
        with np.errstate(divide="ignore"):
            inv = np.where(np.isfinite(d) & (d > 0), 1.0 / d, 0.0)
        eff = float(inv.sum()) / (n * (n - 1))
        cap = self.capitals
        if len(cap) < 2:
            return eff, 0, math.nan, 0
        block = d[np.ix_(cap, cap)]
        if self.directed:
            mask = ~np.eye(len(cap), dtype=bool)
        else:
            mask = np.triu(np.ones((len(cap), len(cap)), dtype=bool), k=1)
        vals = block[mask]
        finite = np.isfinite(vals)
        mean = float(vals[finite].mean()) if finite.any() else math.nan
        return eff, int((~finite).sum()), mean, int(finite.sum())

    def units(self, by: str) -> tuple[list[str], list[np.ndarray]]:
        """Failure units: corridors (all their edges) or single corridor edges.

        Access links and transfer edges (``corridor_id`` starting with
        ``access:`` or ``transfer:``, or ``mode`` ``"access"``/``"transfer"``)
        and edges without a corridor are never failure units.
        """
        ok = [bool(c) and not c.startswith(_SKIP_PREFIXES) for c in self.corridor_ids]
        if by == "edge":
            pos = [i for i, good in enumerate(ok) if good]
            return [self.edge_ids[i] for i in pos], [np.array([i]) for i in pos]
        groups: dict[str, list[int]] = {}
        for i, (c, good) in enumerate(zip(self.corridor_ids, ok, strict=True)):
            if good:
                groups.setdefault(c, []).append(i)
        return list(groups), [np.asarray(v, dtype=np.int64) for v in groups.values()]


def build_evaluator(G: nx.Graph, *, weight: str, capitals: Sequence[Any]) -> FailureEvaluator:
    """Build a :class:`FailureEvaluator` from a graph (weights must be finite and > 0)."""
    nodes = list(G.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    us: list[int] = []
    vs: list[int] = []
    ws: list[float] = []
    eids: list[str] = []
    cids: list[str] = []
    edges = (
        G.edges(keys=True, data=True)
        if G.is_multigraph()
        else ((a, b, None, d) for a, b, d in G.edges(data=True))
    )
    bad: list[str] = []
    for u, v, k, d in edges:
        if u == v:
            continue
        label = str(d.get("edge_id", f"{u}-{v}[{k}]"))
        w = d.get(weight)
        if (
            not isinstance(w, int | float)
            or isinstance(w, bool)
            or not (math.isfinite(w) and w > 0)
        ):
            bad.append(label)
            continue
        us.append(index[u])
        vs.append(index[v])
        ws.append(float(w))
        eids.append(label)
        c = d.get("corridor_id")
        # access links (generated, or kept as data rows with mode "access") and
        # transfers are never failure units
        is_link = d.get("mode") in ("access", "transfer") or d.get("is_access") is True
        cids.append("" if c is None or is_link else str(c))
    if bad:
        shown = ", ".join(bad[:10]) + (f" (and {len(bad) - 10} more)" if len(bad) > 10 else "")
        msg = (
            f"Edge weight {weight!r} must be a finite number > 0 on every edge; it is not on "
            f"{len(bad)} edge(s): {shown}. Fix the weights or choose another weight="
        )
        raise ScenarioError(msg)
    return FailureEvaluator(
        n=len(nodes),
        directed=G.is_directed(),
        eu=np.asarray(us, dtype=np.int64),
        ev=np.asarray(vs, dtype=np.int64),
        ew=np.asarray(ws, dtype=np.float64),
        edge_ids=eids,
        corridor_ids=cids,
        capitals=np.asarray([index[c] for c in capitals], dtype=np.int64),
    )


def evaluate_chunk(
    evaluator: FailureEvaluator, sets: list[np.ndarray]
) -> list[tuple[float, int, float, int]]:
    """Evaluate a list of failure sets (positions of failed edges), in order."""
    return [evaluator.evaluate(s) for s in sets]


def _chunks(n: int, size: int) -> list[range]:
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def _progress_bar(total: int, enabled: bool, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=desc, leave=False)


def run_sets(
    func: Callable[..., list[Any]],
    shared: Any,
    items: list[Any],
    *,
    client: Any = None,
    parallel: bool = False,
    progress: bool = False,
    desc: str = "scenarios",
    chunk_size: int | None = None,
) -> list[Any]:
    """Map ``func(shared, chunk)`` over chunks of ``items`` and return results in item order.

    ``shared`` is sent once (scattered to every worker with a Dask client).
    With ``client=None`` and ``parallel=True`` a two-process
    :class:`distributed.LocalCluster` is started and closed afterwards.
    """
    n = len(items)
    if n == 0:
        return []
    if client is None and not parallel:
        out: list[Any] = []
        size = chunk_size or max(1, min(256, n // 20 or 1))
        with _progress_bar(n, progress, desc) as bar:
            for rng in _chunks(n, size):
                out.extend(func(shared, [items[i] for i in rng]))
                bar.update(len(rng))
        return out
    distributed = import_optional_dependency(
        "dask.distributed", purpose="Running scenario sweeps in parallel"
    )
    if client is not None:
        return _run_on_client(
            client, func, shared, items, progress=progress, desc=desc, chunk_size=chunk_size
        )
    with warnings.catch_warnings():
        # distributed may warn about its own internals (ports, event loops): not the user's concern
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        try:
            with distributed.Client(cluster) as own:
                return _run_on_client(
                    own, func, shared, items, progress=progress, desc=desc, chunk_size=chunk_size
                )
        finally:
            cluster.close()


def _run_on_client(
    client: Any,
    func: Callable[..., list[Any]],
    shared: Any,
    items: list[Any],
    *,
    progress: bool,
    desc: str,
    chunk_size: int | None,
) -> list[Any]:
    distributed = import_optional_dependency(
        "dask.distributed", purpose="Running scenario sweeps in parallel"
    )
    n = len(items)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
    except Exception:  # pragma: no cover - defensive: a client without scheduler info
        workers = 1
    size = chunk_size or max(1, math.ceil(n / (4 * workers)))
    ranges = _chunks(n, size)
    [shared_future] = client.scatter([shared], broadcast=True)
    futures = [
        client.submit(func, shared_future, [items[i] for i in rng], pure=False) for rng in ranges
    ]
    position = {f.key: j for j, f in enumerate(futures)}
    results: list[list[Any] | None] = [None] * len(futures)
    with _progress_bar(n, progress, desc) as bar:
        for fut in distributed.as_completed(futures):
            j = position[fut.key]
            results[j] = fut.result()
            bar.update(len(ranges[j]))
    out: list[Any] = []
    for part in results:
        assert part is not None
        out.extend(part)
    return out
