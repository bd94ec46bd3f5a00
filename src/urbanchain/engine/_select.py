"""Shortest-path engine names and the ``engine="auto"`` rule.

Engines (see ``docs/engines.md``):

``"scipy"``
    :func:`scipy.sparse.csgraph.dijkstra` over the CSR view; exact floats; always installed.
``"cch"``
    RoutingKit customizable contraction hierarchies (``pyroutingkit``, the
    ``urbanchain[fast]`` extra); integer weights, see :mod:`urbanchain.engine._cch`.
``"bucket"``
    Bucket many-to-many on urbanchain's own customisable contraction hierarchy
    (numba kernels, METIS order; the ``urbanchain[fast]`` extra); exact floats,
    see :mod:`urbanchain.engine._bucket`.
``"networkx"``
    The reference implementation (slow; used by the tests).
``"igraph"``
    scipy's Dijkstra for distances, python-igraph's C kernels for betweenness,
    closeness and harmonic closeness (the ``urbanchain[igraph]`` extra); see
    :mod:`urbanchain.engine._igraph`.

Centralities (:func:`for_betweenness`, :func:`for_closeness`): ``"auto"`` runs
them on igraph when it is installed (about 4-40x faster than the scipy Brandes
kernel, see ``benchmarks/README.md``), else on scipy.

``"auto"`` picks a hierarchy -- ``"bucket"`` when ``numba`` and ``pymetis``
are importable, else ``"cch"`` when ``pyroutingkit`` is -- only when all of
these hold, else ``"scipy"``:

* one of the two is installed;
* the graph has at least :data:`AUTO_MIN_ARCS` CSR arcs (directed arcs: an
  undirected edge counts twice), below which every engine answers in well under
  a second and scipy's exact floats are worth more than the speed;
* the call runs at least :data:`AUTO_MIN_SEARCHES_BUCKET` single-source
  searches for bucket, or for cch :data:`AUTO_MIN_SEARCHES`
  (:data:`AUTO_MIN_SEARCHES_HUGE` from :data:`AUTO_HUGE_ARCS` arcs; sources
  times re-runs, e.g. ``(corridors + 1) * sources`` for criticality), **or**
  the hierarchy's topology of this graph is already cached (then the expensive
  preprocessing is paid, and any query is at least as fast as scipy).

``"bucket"`` is preferred to ``"cch"`` because it is faster at every step
measured side by side (``benchmarks/bench_bucket.py``, 2-core machine,
2026-12-02, Delaunay networks; see ``benchmarks/README.md``): topology 0.8 s
against RoutingKit's 4.0 s of CPU at 10^5 edges (3.3 s against 93 s at
10^6), a 1000 x 1000 table 13x faster than RoutingKit's many-to-many (0.19 s
against 2.4 s at 10^5; 1.6 s against 22 s at 10^6), searches to all nodes
(PHAST sweep) about 9x faster than scipy's Dijkstra; and it is exact.  Its
customisation is dearer (0.38 s at 10^5, 11 s of CPU at 10^6, against
RoutingKit's 0.11 s and 3.3 s), but topology and customisation together stay
cheaper.  With preprocessing, a bucket table breaks even with scipy at about
100-160 searches (10^5 and 10^6 edges, numba loaded or not: a 100 x 100
table on empty caches took 1.15 s against scipy's 1.18 s at 10^5 edges, a
1000 x 1000 one 1.07 s against 10.4 s), so bucket's threshold
(:data:`AUTO_MIN_SEARCHES_BUCKET`) is 200 searches at every size, about 1.25-2x
the break-even: below it ``auto`` is at most about 1.3x scipy's time, above it
at most about the break-even margin from bucket's.  The cch thresholds below
were measured for cch, whose topology costs more.

Measured on the 2-core development machine (Delaunay networks, one thread,
2026-11-22): the topology costs about 460 scipy single-source searches at
10^5 edges (2.06 s against 4.49 ms per scipy search) and about 360 at 3x10^4;
a CCH search to all nodes costs 0.45-0.5 of a scipy search, a search to 200
targets about 0.12 of one.  So 1000 searches to all nodes repay the topology
(1000 x 4.49 ms x 0.53 = 2.4 s > 2.06 s), and few-target OD tables after about
520 searches.  At 10^6 edges (2x10^6 arcs) the topology cost about
22 s, 90 scipy searches (about 240 ms each), and a cch search about 0.12 of a
scipy one, so 200 searches repay it.  See ``docs/engines.md`` for the tables.
"""

from __future__ import annotations

import importlib
from typing import Any, cast, get_args

from urbanchain import settings
from urbanchain._private._messages import unknown_name
from urbanchain.engine import _bucket, _cch, _igraph
from urbanchain.engine._interface import Engine, EngineName, GraphSource, ResolvedEngine
from urbanchain.errors import OptionalDependencyError, ValidationError

__all__ = [
    "AUTO_HUGE_ARCS",
    "AUTO_MIN_ARCS",
    "AUTO_MIN_SEARCHES",
    "AUTO_MIN_SEARCHES_BUCKET",
    "AUTO_MIN_SEARCHES_HUGE",
    "ENGINES",
    "IMPLEMENTATIONS",
    "EngineName",
    "ResolvedEngine",
    "choose",
    "for_betweenness",
    "for_closeness",
    "make",
    "requested",
    "select",
]

#: Every valid ``engine=`` value, in the order of :data:`EngineName`.
ENGINES: tuple[EngineName, ...] = get_args(EngineName)
#: The class of each engine, as ``"module:Class"`` (imported on first use).
#: Adding an engine: one module with a class implementing
#: :class:`~urbanchain.engine._interface.Engine`, one line here, and its name in
#: :data:`~urbanchain.engine._interface.EngineName`.
IMPLEMENTATIONS: dict[ResolvedEngine, str] = {
    "scipy": "urbanchain.engine._scipy:ScipyEngine",
    "cch": "urbanchain.engine._cch:CCHEngine",
    "bucket": "urbanchain.engine._bucket:BucketEngine",
    "networkx": "urbanchain.engine._reference:NetworkXEngine",
    "igraph": "urbanchain.engine._igraph:IGraphEngine",
}
#: ``auto`` never picks cch below this many CSR arcs (directed entries).
AUTO_MIN_ARCS = 100_000
#: ``auto`` picks cch for a first call only from this many single-source searches.
AUTO_MIN_SEARCHES = 1000
#: From this many arcs, the topology is cheaper relative to scipy searches ...
AUTO_HUGE_ARCS = 1_000_000
#: ... and this many searches repay it.
AUTO_MIN_SEARCHES_HUGE = 200
#: ``auto`` picks bucket for a first call from this many searches (break-even 100-160).
AUTO_MIN_SEARCHES_BUCKET = 200


def requested(engine: str | None) -> EngineName:
    """Validate an ``engine=`` argument (None = the ``engine`` setting) and return it.

    Asking for ``"cch"`` without ``pyroutingkit`` raises here, before any work.

    Parameters
    ----------
    engine
        ``"auto"``, ``"scipy"``, ``"cch"``, ``"bucket"``, ``"networkx"``, ``"igraph"``
        or None.

    Returns
    -------
    str
        The validated request (``"auto"`` is resolved later by :func:`choose`).

    Raises
    ------
    UnknownNameError
        An unknown engine name.
    OptionalDependencyError
        ``"cch"`` without ``pyroutingkit`` (the message says ``pip install "urbanchain[fast]"``),
        ``"igraph"`` without python-igraph, ``"bucket"`` without numba or pymetis.
    """
    value = settings.get("engine") if engine is None else engine
    if value not in ENGINES:
        err = unknown_name("engine", value, ENGINES)
        raise err
    if value == "cch":
        _cch.require()
    if value == "igraph":
        _igraph.require()
    if value == "bucket":
        _bucket.require()
    return cast(EngineName, value)


def choose(
    request: EngineName, *, arcs: int, searches: int, topology_cached: bool
) -> ResolvedEngine:
    """Resolve ``"auto"`` for one call (see the module docstring); other names pass through.

    Parameters
    ----------
    request
        A value returned by :func:`requested`.
    arcs
        CSR arcs of the graph.
    searches
        Single-source searches the call would run on scipy.
    topology_cached
        Whether the topology of this graph is cached for the hierarchy engine
        ``auto`` would use (bucket, else cch).

    Returns
    -------
    str
        ``"scipy"``, ``"bucket"``, ``"cch"`` or the request itself.
    """
    if request != "auto":
        return request
    hierarchy = _hierarchy()
    if arcs < AUTO_MIN_ARCS or hierarchy is None:
        return "scipy"
    if hierarchy == "bucket":
        need = AUTO_MIN_SEARCHES_BUCKET
    else:
        need = AUTO_MIN_SEARCHES_HUGE if arcs >= AUTO_HUGE_ARCS else AUTO_MIN_SEARCHES
    if topology_cached or searches >= need:
        return hierarchy
    return "scipy"


def _hierarchy() -> ResolvedEngine | None:
    """Return the hierarchy engine ``auto`` may use: bucket, else cch, else None."""
    if _bucket.available():
        return "bucket"
    if _cch.available():
        return "cch"
    return None


def _topology_cached(name: ResolvedEngine | None, indptr: Any, indices: Any) -> bool:
    if name == "bucket":
        return _bucket.cached(indptr, indices)
    if name == "cch":
        return _cch.cached(indptr, indices)
    return False


def make(name: ResolvedEngine, source: GraphSource) -> Engine:
    """Build engine ``name`` on ``source`` (see :data:`IMPLEMENTATIONS`)."""
    module, cls = IMPLEMENTATIONS[name].split(":")
    engine: Engine = getattr(importlib.import_module(module), cls)(source)
    return engine


def select(
    request: EngineName,
    source: GraphSource,
    *,
    searches: int,
    cache: dict[ResolvedEngine, Engine] | None = None,
) -> Engine:
    """Return the engine for a call running ``searches`` single-source searches on ``source``.

    The one place the ``auto`` rule (:func:`choose`) is applied and engines
    are built.  An explicit ``"cch"`` whose weights cannot be scaled to
    integers raises; ``"auto"`` then falls back to ``"scipy"`` (also when an
    installed ``pyroutingkit``, ``numba`` or ``pymetis`` fails to import).  ``cache`` keeps the engines
    built on this source, by name.
    """
    m = source.csr.matrix
    name = choose(
        request,
        arcs=int(m.nnz),
        searches=searches,
        topology_cached=request == "auto"
        and m.nnz >= AUTO_MIN_ARCS
        and _topology_cached(_hierarchy(), m.indptr, m.indices),
    )
    cache = {} if cache is None else cache
    if name not in cache:
        try:
            cache[name] = make(name, source)
        except (ValidationError, OptionalDependencyError):
            if request != "auto":
                raise
            name = "scipy"
            if name not in cache:
                cache[name] = make(name, source)
    return cache[name]


def for_betweenness(request: EngineName) -> ResolvedEngine:
    """Return the engine that computes betweenness for ``request``.

    Betweenness needs every shortest path, not distances: the cch hierarchy
    cannot give them.  ``"networkx"`` and ``"scipy"`` keep their own kernels
    (NetworkX; the scipy Brandes kernel); ``"igraph"``, and ``"auto"`` or
    ``"cch"`` when python-igraph is installed, run igraph's C kernel; else
    scipy.  ``attrs["betweenness_engine"]`` (``attrs["engine"]`` of
    :func:`~urbanchain.metrics.edge_betweenness`) records which ran.
    """
    if request in ("networkx", "scipy", "igraph"):
        return request
    return "igraph" if _igraph.available() else "scipy"


def for_closeness(request: EngineName) -> EngineName:
    """Return the engine request for closeness and harmonic closeness.

    ``"auto"`` runs them on igraph when it is installed (one C call for all
    sources); any other request is kept (``"cch"`` computes them from its
    distance rows).
    """
    if request == "auto" and _igraph.available():
        return "igraph"
    return request
