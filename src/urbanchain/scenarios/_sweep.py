"""Failure evaluation through the engine interface, and the sweep runner (in process or on Dask).

:class:`FailureEvaluator` holds the gated CSR of a graph (a networkx graph or
a :class:`~urbanchain.graph.Network`) and the name of the engine that
evaluates it.  A failure set (positions of failed edges) is evaluated with
:meth:`Engine.without <urbanchain.engine._interface.Engine.without>`, the
same closure :func:`urbanchain.metrics.corridor_criticality` uses, on any
engine (scipy masks the CSR, cch re-customises the closed arcs, the reference
hides them from NetworkX); the graph is never rebuilt.  Parallel edges are
reduced to their minimum surviving weight, exactly as in
:mod:`urbanchain.metrics`, so the results equal the metrics recomputed on a
copy of the graph with the edges removed.

The evaluator is sent once to every Dask worker: the engine is not pickled
but rebuilt there on first use (the cch hierarchy is cached per process).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from urbanchain._private._compat import import_optional_dependency
from urbanchain.engine._interface import Engine, EngineName, ResolvedEngine
from urbanchain.errors import ScenarioError, WeightError
from urbanchain.graph._network import GraphLike
from urbanchain.metrics._common import (
    Prepared,
    access_link_mask,
    edge_labels,
    global_efficiency,
    prepare,
    resolve_engine,
)

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
    """A gated graph and an engine name, ready for shortest paths with edges closed.

    Attributes
    ----------
    prep
        The graph after the weight gate, with its CSR (edges in ``G.edges``
        order, self-loops left out).
    engine
        The engine requested; :meth:`resolve` replaces ``"auto"`` with the
        engine that evaluates every failure set.
    edge_ids
        ``edge_id`` of each edge (or ``"u-v[key]"``).
    corridor_ids
        ``corridor_id`` of each edge (``""`` when missing).
    capitals
        CSR rows of the capitals (OD sources and targets).
    """

    prep: Prepared
    engine: EngineName
    edge_ids: list[str]
    corridor_ids: list[str]
    capitals: np.ndarray
    _engine: Engine | None = field(default=None, init=False, repr=False)

    @property
    def n(self) -> int:
        """Node count."""
        return self.prep.csr.n

    @property
    def directed(self) -> bool:
        """Whether the graph is directed."""
        return self.prep.csr.directed

    def __getstate__(self) -> dict[str, Any]:
        # engines hold unpicklable state (the cch metric): rebuilt where unpickled
        state = dict(self.__dict__)
        state["_engine"] = None
        state["prep"] = dataclasses.replace(self.prep, _built={})
        return state

    def resolve(self, searches: int) -> ResolvedEngine:
        """Resolve ``"auto"`` once, for a sweep of ``searches`` single-source searches.

        Called in the parent process, so every worker runs the same engine.
        """
        eng = self.prep.engine(self.engine, searches)
        self.engine = eng.name
        self._engine = eng
        return eng.name

    def shortest_paths(self) -> Engine:
        """Return the engine on the intact graph (built on first use)."""
        if self._engine is None:
            self._engine = self.prep.engine(self.engine, 0)
        return self._engine

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
        n = self.n
        if n < 2:
            return 0.0, 0, math.nan, 0
        cap = self.capitals
        with self.shortest_paths().without(np.asarray(failed, dtype=np.int64)) as eng:
            eff = global_efficiency(self.prep, eng)
            block = eng.distances(cap, cap) if len(cap) >= 2 else None
        if block is None:
            return eff, 0, math.nan, 0
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


def build_evaluator(
    G: GraphLike,
    *,
    weight: str,
    capitals: Sequence[Any],
    engine: EngineName | None = None,
) -> FailureEvaluator:
    """Build a :class:`FailureEvaluator` from a graph (weights must be finite and > 0).

    ``engine`` (None: the ``engine`` setting) is validated here and resolved
    by :meth:`FailureEvaluator.resolve` once the sweep's size is known.
    """
    req = resolve_engine(engine)
    try:
        prep = prepare(G, weight, warn=False)
    except WeightError as err:
        msg = f"{err} Fix the weights or choose another weight= for the failure sweep."
        raise ScenarioError(msg) from err
    csr = prep.csr
    return FailureEvaluator(
        prep=prep,
        engine=req,
        edge_ids=list(csr.edge_ids),
        # access links (generated, or data rows with mode "access") and transfers are
        # never failure units, whatever their corridor_id
        corridor_ids=[
            "" if c is None or (isinstance(c, float) and math.isnan(c)) or link else str(c)
            for c, link in zip(
                edge_labels(G, prep, "corridor_id"), access_link_mask(G, prep), strict=True
            )
        ],
        capitals=np.asarray([csr.index[c] for c in capitals], dtype=np.int64),
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
