r"""RoutingKit customizable contraction hierarchies (CCH) through ``pyroutingkit``.

The fast engine of :mod:`urbanchain.metrics` (``engine="cch"``).  A CCH splits
preprocessing in two (Dibbelt, Strasser & Wagner 2016):

* the **topology** (nested-dissection order and chordal supergraph) depends on
  the arcs only; it is the expensive part (about 2 s at 10^5 edges) and is
  cached here (the last two, about 20 MB per 10^5 edges each), keyed by a
  fingerprint of the CSR structure, so repeated calls on the same graph and
  every corridor of a criticality ranking reuse it (:func:`clear` empties it);
* the **metric** (customisation with the arc weights) is cheap (about 0.05 s
  at 10^5 edges) and is cached per topology and weight vector.  Removing a
  corridor sets its arcs to ``INF_WEIGHT`` with a *partial* re-customisation
  (:meth:`CCHMetric.update_weights`, milliseconds) and restores them after.

Arcs are the entries of the :class:`~urbanchain.engine._csr.GraphCSR`
matrix (minimum over parallel edges, self-loops left out, both directions of
an undirected edge), so arc ``i`` is CSR data slot ``i``.

**Integer weights.**  RoutingKit adds ``uint32`` weights and reserves
``INF_WEIGHT = 2**31 - 1`` for "no arc".  Float weights are multiplied by a
power-of-ten ``scale`` and rounded to the nearest integer.  The scale is the
largest power of ten (at most ``10**9``) for which an upper bound of any
shortest path (the sum of the ``n - 1`` largest arc weights: a shortest path is
simple, so it has at most ``n - 1`` distinct arcs; the bound also holds after
criticality removes arcs) stays below ``2**30``, half of ``INF_WEIGHT``, so
that no sum can overflow.  Rounding moves each arc by at most ``0.5 / scale``, so a
distance returned by this engine differs from the exact one by at most

.. math:: |\tilde d_{st} - d_{st}| \le h \cdot \frac{0.5}{\mathrm{scale}}

where :math:`h` is the largest number of edges on a shortest path (the true
one or the one the rounded weights pick; ``n - 1`` always bounds it).  When
the smallest weight would round to less than one unit (weights spanning more
than about nine orders of magnitude), the engine refuses
(:class:`~urbanchain.errors.ValidationError`); ``engine="auto"`` falls back to
scipy.

Node coordinates for the inertial-flow ordering are the nodes' ``x``/``y``
(lon/lat) when every node has finite ones; otherwise node ``i`` is placed at
``(i mod w, i div w)`` on a square lattice of width ``w = ceil(sqrt(n))``.  Coordinates
only change the quality of the order (query speed), never the distances.

References
----------
Dibbelt, J., Strasser, B. & Wagner, D. (2016). Customizable contraction
hierarchies. *ACM Journal of Experimental Algorithmics* 21, 1.5.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import math
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from urbanchain.engine._interface import (
    CSREngine,
    Engine,
    FloatArray,
    GraphSource,
    IntArray,
    ResolvedEngine,
)
from urbanchain.errors import OptionalDependencyError, ValidationError

__all__ = [
    "INF_WEIGHT",
    "MAX_SCALE",
    "CCHEngine",
    "CCHGraph",
    "available",
    "cached",
    "choose_scale",
    "clear",
    "get",
    "require",
    "tolerance",
]

INF_WEIGHT = 2**31 - 1
#: Largest path sum allowed after scaling (half of ``INF_WEIGHT``: no overflow).
PATH_LIMIT = 2**30
MAX_SCALE = 1e9
#: Topologies kept (about 20 MB per 10^5 edges, 200 MB per 10^6) and metrics kept.
_TOPOLOGY_CACHE = 2
_METRIC_CACHE = 4
_TOPOLOGIES: OrderedDict[str, Any] = OrderedDict()
_METRICS: OrderedDict[tuple[str, str], CCHGraph] = OrderedDict()


def available() -> bool:
    """Whether ``pyroutingkit`` can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec("pyroutingkit") is not None
    except (ImportError, ValueError):
        return False


def require() -> ModuleType:
    """Import ``pyroutingkit`` or raise an error saying how to install it.

    Returns
    -------
    module
        The ``pyroutingkit`` module.

    Raises
    ------
    OptionalDependencyError
        When the package is missing.
    """
    try:
        return importlib.import_module("pyroutingkit")
    except ImportError as exc:
        msg = (
            "engine='cch' needs the optional package 'pyroutingkit' (RoutingKit customizable "
            "contraction hierarchies), which is not installed. Install it with: pip install "
            '"urbanchain[fast]"; or pass engine="scipy" (always available) or engine="auto".'
        )
        raise OptionalDependencyError(msg) from exc


def choose_scale(weights: np.ndarray, n: int) -> float:
    """Return the power-of-ten scale turning float weights into ``uint32`` (see module doc).

    Parameters
    ----------
    weights
        Positive finite arc weights.
    n
        Node count.

    Returns
    -------
    float
        The scale (a power of ten).

    Raises
    ------
    ValidationError
        When no scale keeps paths below the limit and the smallest weight at >= 1 unit.
    """
    if len(weights) == 0 or not (weights > 0).any():
        return MAX_SCALE
    wmax = float(weights.max())
    positive = weights[weights > 0]
    wmin = float(positive.min()) if len(positive) else wmax
    # a shortest path is a simple path: at most n - 1 distinct arcs, so the sum of the
    # n - 1 largest arc weights bounds it, in the graph and in any subgraph of it
    # (criticality removes arcs, which lengthens paths but keeps them simple)
    k = min(max(n - 1, 1), len(weights))
    bound = float(np.partition(weights, len(weights) - k)[len(weights) - k :].sum())
    exp = min(math.floor(math.log10(PATH_LIMIT / bound)), 9) if bound > 0 else 9
    scale = 10.0**exp
    if wmin * scale < 0.5:
        msg = (
            f"The weights span too many orders of magnitude for the cch engine's 32-bit "
            f"integer weights (smallest {wmin:g}, path bound {bound:g}: at the largest "
            f"safe scale {scale:g} the smallest weight rounds to 0). Use engine='scipy' "
            f"(exact floats), or express the weight in a coarser unit."
        )
        raise ValidationError(msg)
    return scale


def tolerance(scale: float, hops: int) -> float:
    """Largest absolute error of a cch distance over ``hops`` edges: ``hops * 0.5 / scale``."""
    return hops * 0.5 / float(scale)


def _to_units(w: np.ndarray, scale: float) -> np.ndarray:
    """Round ``w * scale`` to ``uint32``; positive weights stay >= 1 unit (0 stays 0)."""
    units = np.rint(w * scale)
    units[(w > 0) & (units < 1)] = 1
    return units.astype(np.uint32)


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for arr in arrays:
        a = np.ascontiguousarray(arr)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(a.data)
    return h.hexdigest()


@dataclass
class CCHGraph:
    """A customised CCH metric over a cached topology, for one CSR weight vector.

    Attributes
    ----------
    metric
        The ``pyroutingkit.CCHMetric``.
    scale
        Weights were multiplied by this before rounding.
    weights
        The scaled ``uint32`` arc weights (arc ``i`` = CSR slot ``i``).
    n
        Node count.
    topology
        The ``CCHTopology`` the metric was customised on (kept alive with it).
    """

    metric: Any
    scale: float
    weights: np.ndarray
    n: int
    topology: Any = None
    _all: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._all = np.arange(self.n, dtype=np.uint32)

    def to_float(
        self, raw: np.ndarray, out: np.ndarray | None = None, *, fill: float = np.inf
    ) -> np.ndarray:
        """Convert a ``uint32`` distance block to float64; unreachable pairs get ``fill``."""
        res: np.ndarray = np.divide(raw, self.scale, out=out, dtype=np.float64, casting="unsafe")
        res[raw >= INF_WEIGHT] = fill
        return res

    def many_to_many(
        self,
        sources: np.ndarray,
        targets: np.ndarray | None = None,
        *,
        out: np.ndarray | None = None,
        fill: float = np.inf,
    ) -> np.ndarray:
        """Distances ``len(sources) x len(targets)`` (all nodes when None), float64.

        Written into ``out`` when given; unreachable pairs get ``fill`` (inf by default).
        """
        tgt = self._all if targets is None else np.asarray(targets, dtype=np.uint32)
        src = np.asarray(sources, dtype=np.uint32)
        if len(src) == 0 or len(tgt) == 0:
            return np.empty((len(src), len(tgt))) if out is None else out
        raw = self.metric.distances_many_to_many(src, tgt)
        return self.to_float(np.asarray(raw).reshape(len(src), len(tgt)), out, fill=fill)

    @property
    def tolerance_per_edge(self) -> float:
        """Largest rounding error per edge, ``0.5 / scale``."""
        return 0.5 / float(self.scale)

    def removed(self, slots: np.ndarray, values: np.ndarray) -> _Removal:
        """Context manager: set ``slots`` to ``values`` (inf = no arc), restore on exit."""
        return _Removal(self, np.asarray(slots, dtype=np.int64), values)


class _Removal:
    def __init__(self, g: CCHGraph, slots: np.ndarray, values: np.ndarray) -> None:
        self.g = g
        self.slots = slots
        new = np.empty(len(slots), dtype=np.uint32)
        fin = np.isfinite(values)
        new[~fin] = INF_WEIGHT
        new[fin] = _to_units(values[fin], g.scale)
        self.new = new

    def __enter__(self) -> CCHGraph:
        if len(self.slots):
            self.g.metric.update_weights(self.slots.astype(np.uint32), self.new)
        return self.g

    def __exit__(self, *exc: object) -> None:
        if len(self.slots):
            self.g.metric.update_weights(self.slots.astype(np.uint32), self.g.weights[self.slots])


def _coords(n: int, xy: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    if xy is not None:
        x, y = xy
        if len(x) == n and np.isfinite(x).all() and np.isfinite(y).all():
            return np.asarray(y, dtype=np.float32), np.asarray(x, dtype=np.float32)
    w = max(1, math.ceil(math.sqrt(n)))
    i = np.arange(n)
    return (i // w).astype(np.float32), (i % w).astype(np.float32)


def cached(indptr: np.ndarray, indices: np.ndarray) -> bool:
    """Whether a topology for this CSR structure is already in the cache."""
    return _digest(indptr, indices) in _TOPOLOGIES


def get(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    *,
    xy: tuple[np.ndarray, np.ndarray] | None = None,
) -> CCHGraph:
    """Return a customised CCH for a CSR matrix, reusing cached topologies and metrics.

    Parameters
    ----------
    indptr, indices, data
        The CSR arrays (``data`` positive finite floats).
    xy
        Node lon/lat for the inertial ordering (see module doc), or None.

    Returns
    -------
    CCHGraph
        The customised metric.
    """
    prk = require()
    n = len(indptr) - 1
    topo_key = _digest(indptr, indices)
    w = np.asarray(data, dtype=np.float64)
    scale = choose_scale(w, n)
    weights = _to_units(w, scale)
    metric_key = (topo_key, _digest(weights))
    hit = _METRICS.get(metric_key)
    if hit is not None:
        _METRICS.move_to_end(metric_key)
        return hit
    topo = _TOPOLOGIES.get(topo_key)
    if topo is None:
        tail = np.repeat(np.arange(n, dtype=np.uint32), np.diff(indptr).astype(np.int64))
        head = np.asarray(indices, dtype=np.uint32)
        lat, lon = _coords(n, xy)
        topo = prk.CCHTopology()
        topo.build(tail, head, lat, lon, n)
        _TOPOLOGIES[topo_key] = topo
        while len(_TOPOLOGIES) > _TOPOLOGY_CACHE:
            _TOPOLOGIES.popitem(last=False)
    else:
        _TOPOLOGIES.move_to_end(topo_key)
    metric = prk.CCHMetric(topo)
    metric.customize(weights, thread_count=0)
    g = CCHGraph(metric=metric, scale=scale, weights=weights, n=n, topology=topo)
    _METRICS[metric_key] = g
    while len(_METRICS) > _METRIC_CACHE:
        _METRICS.popitem(last=False)
    return g


def clear() -> None:
    """Forget every cached topology and metric."""
    _TOPOLOGIES.clear()
    _METRICS.clear()


class CCHEngine(CSREngine):
    """The ``"cch"`` engine: many-to-many queries on a customised hierarchy.

    Distances are within ``hops * slack`` of the exact ones (``slack`` =
    ``0.5 / scale``; see the module docstring).  A ``sources x targets`` query
    costs about the same either way round (``many_to_many = True``), so
    reversed searches on directed graphs are answered as transposed forward
    queries.  :meth:`without` re-customises the closed arcs in place and
    restores them on exit.  Betweenness runs on the compiled scipy kernel.

    Raises
    ------
    OptionalDependencyError
        ``pyroutingkit`` is not installed (or fails to import).
    ValidationError
        Weights that cannot be rounded to integers (see :func:`choose_scale`).
    """

    name: ResolvedEngine = "cch"
    many_to_many = True

    def __init__(self, source: GraphSource) -> None:
        super().__init__(source)
        m = self.csr.matrix
        # node coordinates only order the hierarchy: read them when it is built
        xy = None if cached(m.indptr, m.indices) else source.node_xy()
        self.graph = get(m.indptr, m.indices, m.data, xy=xy)
        self.slack = self.graph.tolerance_per_edge

    def distances(
        self, origins: IntArray, targets: IntArray | None = None, *, reverse: bool = False
    ) -> FloatArray:
        g = self.graph
        if reverse and self.csr.directed:
            tgt = np.arange(self.csr.n) if targets is None else targets
            return g.many_to_many(tgt, origins).T
        return g.many_to_many(origins, targets)

    def nearest(
        self, origins: IntArray, among: IntArray, *, reverse: bool = False
    ) -> tuple[FloatArray, IntArray]:
        tab = self.distances(origins, among, reverse=reverse)  # origins x among
        if tab.shape[0] == 0:
            return np.full(len(among), np.inf), np.full(len(among), -1, dtype=np.int64)
        dist = tab.min(axis=0)
        best = np.asarray(origins, dtype=np.int64)[tab.argmin(axis=0)]
        best[~np.isfinite(dist)] = -1
        return dist, best

    def arc_weights(self, slots: IntArray) -> FloatArray:
        return np.asarray(self.graph.weights[slots] / self.graph.scale, dtype=np.float64)

    def without(self, edges: IntArray) -> AbstractContextManager[Engine]:
        @contextmanager
        def closed() -> Iterator[Engine]:
            # partial re-customisation: the removed arcs get INF_WEIGHT (or the
            # weight of a remaining parallel edge), then are restored
            with self.graph.removed(*self.csr.removal(edges)):
                yield self

        return closed()

    def provenance(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "cch_scale": float(self.graph.scale),
            "cch_tolerance_per_edge": self.graph.tolerance_per_edge,
        }
