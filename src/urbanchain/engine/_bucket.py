r"""Bucket many-to-many on a customisable contraction hierarchy (numba kernels).

The ``"bucket"`` engine (``urbanchain[fast]``: ``numba`` and ``pymetis``).  Like
``"cch"`` it splits preprocessing in two (Dibbelt, Strasser & Wagner 2016), but
the hierarchy is built here, so its elimination tree and upward graph are
available to the bucket algorithm (Knopp et al. 2007):

* the **topology** depends on the arcs only: a nested-dissection order of the
  undirected structure (METIS ``METIS_NodeND`` through ``pymetis``), the
  chordal supergraph obtained by eliminating the nodes in that order (fill-in
  between the higher neighbours), its upward CSR and elimination tree, and
  the CCH edge of every CSR arc.  It is cached per CSR structure (a hash of
  ``indptr``/``indices``) and can be written to disk and read back
  (:func:`save`, :func:`load`), so repeated runs skip it;
* the **metric** is customised from the float arc weights by the basic
  lower-triangle enumeration, in both directions (an upward and a downward
  weight per CCH edge, so directed graphs need no second hierarchy).
  It is cached per topology and weight vector.  The perfect customisation
  follows (every weight becomes a distance) and the arcs no shortest path
  needs are dropped, which shortens every search.  :meth:`BucketEngine.without`
  builds a new metric (basic only: a closure is queried a few times) with the
  closed arcs set to ``inf`` (or to the weight of a remaining parallel edge) by
  a *partial* re-customisation (only the edges the change reaches are
  recomputed) and leaves the cached one untouched.

Queries (see :mod:`urbanchain.engine._bucket_kernels`): a ``K x L`` table runs
one elimination-tree search per target, written into buckets, and one per
source, scanning the buckets of its ancestors.  Distances *to all nodes* use
the upward search then a downward sweep over every node (PHAST).

**Exact floats.**  Weights are float64, never rounded: a distance is a sum of
the same arc weights as scipy's, possibly added in another order, so it agrees
with scipy's to the float rounding of that sum (relative ``~1e-15`` per arc,
far inside the ``1e-9`` the tests ask); ``slack = 0``.

References
----------
Dibbelt, J., Strasser, B. & Wagner, D. (2016). Customizable contraction
hierarchies. *ACM Journal of Experimental Algorithmics* 21, 1.5.

Knopp, S., Sanders, P., Schultes, D., Schulz, F. & Wagner, D. (2007).
Computing many-to-many shortest paths using highway hierarchies. *ALENEX*.

Karypis, G. & Kumar, V. (1998). A fast and high quality multilevel scheme for
partitioning irregular graphs. *SIAM J. Sci. Comput.* 20(1), 359-392.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import scipy.sparse as sp

from urbanchain.engine import _kernels
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
    "BucketEngine",
    "BucketMetric",
    "BucketTopology",
    "Buckets",
    "available",
    "build_topology",
    "cached",
    "clear",
    "load",
    "save",
    "topology",
]

#: Topologies kept in memory (about 100 MB per 10^6 edges: 9.4 M CCH edges) and metrics.
_TOPOLOGY_CACHE = 2
_METRIC_CACHE = 4
_TOPOLOGIES: OrderedDict[str, BucketTopology] = OrderedDict()
_METRICS: OrderedDict[tuple[str, str], BucketMetric] = OrderedDict()
#: A node reached by at least 1/DENSE_SHARE of the targets keeps a dense bucket row.
DENSE_SHARE = 4
#: ``without()`` re-customises partially up to this many closed CCH edges, fully above.
PARTIAL_MAX_EDGES = 32
#: From this share of the nodes as targets, a table is one PHAST sweep to every node per
#: source (then the target columns) instead of buckets: measured 2026-12-02 on Delaunay
#: 10^5 (33,333 nodes, 200 sources), buckets took 0.13 s for 6 % of the nodes as targets,
#: 0.29 s for 12 % and 1.3 s for 48 %, against 0.19 s for the sweep whatever the targets.
PHAST_TARGET_SHARE = 0.08
#: Largest float64 block (bytes) a PHAST sweep to every node holds at once.
PHAST_BLOCK_BYTES = 2**24
#: Version of the file layout written by :func:`save`.
FORMAT = 1
_PACKAGES = ("numba", "pymetis")


def available() -> bool:
    """Whether ``numba`` and ``pymetis`` can be imported (checked without importing them)."""
    try:
        return all(importlib.util.find_spec(p) is not None for p in _PACKAGES)
    except (ImportError, ValueError):
        return False


def require() -> tuple[ModuleType, ModuleType]:
    """Import the kernels and ``pymetis`` or raise an error saying how to install them.

    Returns
    -------
    tuple of module
        :mod:`urbanchain.engine._bucket_kernels` (compiles with numba) and ``pymetis``.

    Raises
    ------
    OptionalDependencyError
        When ``numba`` or ``pymetis`` is missing.
    """
    try:
        metis = importlib.import_module("pymetis")
        kern = importlib.import_module("urbanchain.engine._bucket_kernels")
    except ImportError as exc:
        msg = (
            "engine='bucket' needs the optional packages 'numba' and 'pymetis' "
            f"({exc.name} is not installed). Install them with: pip install "
            '"urbanchain[fast]"; or pass engine="scipy" (always available) or engine="auto".'
        )
        raise OptionalDependencyError(msg) from exc
    return kern, metis


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for arr in arrays:
        a = np.ascontiguousarray(arr, dtype=np.int64)
        h.update(str(a.shape).encode())
        h.update(a.data)
    return h.hexdigest()


@dataclass(frozen=True)
class BucketTopology:
    """The metric-independent part of the hierarchy of one CSR structure.

    Attributes
    ----------
    key
        Hash of the CSR ``indptr``/``indices`` it was built for.
    rank
        Node (CSR row) -> rank in the elimination order.
    up_ptr, up_head
        Upward CSR of the chordal supergraph in rank space (heads sorted).
    parent
        Elimination-tree parent of every rank (-1 at roots).
    height
        Largest number of nodes on a path to a root (the search-space bound).
    arc_edge, arc_up
        CCH edge of every CSR data slot, and whether the arc goes up in rank.
    """

    key: str
    rank: np.ndarray
    up_ptr: np.ndarray
    up_head: np.ndarray
    parent: np.ndarray
    height: int
    arc_edge: np.ndarray
    arc_up: np.ndarray

    @property
    def n(self) -> int:
        """Node count."""
        return len(self.rank)

    @property
    def shortcuts(self) -> int:
        """CCH edges (original undirected pairs plus fill-in)."""
        return len(self.up_head)

    def save(self, path: str | PathLike[str]) -> Path:
        """Write the topology to ``path`` (``.npz``); see :func:`save`."""
        out = Path(path)
        with out.open("wb") as fh:
            np.savez(
                fh,
                format=np.int64(FORMAT),
                key=np.array(self.key),
                rank=self.rank,
                up_ptr=self.up_ptr,
                up_head=self.up_head,
                parent=self.parent,
                height=np.int64(self.height),
                arc_edge=self.arc_edge,
                arc_up=self.arc_up,
            )
        return out


def _order(n: int, sym: sp.csr_matrix, metis: ModuleType) -> np.ndarray:
    """Nested-dissection rank of every node (METIS; identity on edgeless graphs)."""
    if n <= 2 or sym.nnz == 0:
        return np.arange(n, dtype=np.int64)
    adj = metis.CSRAdjacency(sym.indptr.astype(np.int64), sym.indices.astype(np.int64))
    _perm, iperm = metis.nested_dissection(adj)
    return np.asarray(iperm, dtype=np.int64)


def build_topology(indptr: np.ndarray, indices: np.ndarray) -> BucketTopology:
    """Build the topology of a CSR structure (order, contraction, arc map); not cached.

    Parameters
    ----------
    indptr, indices
        The CSR structure (no self-loops; one entry per ordered pair).

    Returns
    -------
    BucketTopology
        The hierarchy.
    """
    kern, metis = require()
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    n = len(indptr) - 1
    tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    ones = np.ones(len(indices), dtype=np.int8)
    a = sp.csr_matrix((ones, (tail, indices)), shape=(n, n))
    sym = (a + a.T).tocsr()
    sym.sort_indices()
    rank = _order(n, sym, metis)
    # the undirected structure in rank space
    coo = sym.tocoo()
    ranked = sp.csr_matrix(
        (np.ones(coo.nnz, dtype=np.int8), (rank[coo.row], rank[coo.col])), shape=(n, n)
    )
    ranked.sort_indices()
    up_ptr, up_head, parent = kern.contract(
        n, ranked.indptr.astype(np.int64), ranked.indices.astype(np.int64)
    )
    arc_edge, arc_up = kern.load_arcs(up_ptr, up_head, rank[tail], rank[indices])
    return BucketTopology(
        key=_digest(indptr, indices),
        rank=rank,
        up_ptr=up_ptr,
        up_head=up_head,
        parent=parent,
        height=int(kern.height(parent)),
        arc_edge=arc_edge,
        arc_up=arc_up,
    )


def _remember(topo: BucketTopology) -> BucketTopology:
    _TOPOLOGIES[topo.key] = topo
    _TOPOLOGIES.move_to_end(topo.key)
    while len(_TOPOLOGIES) > _TOPOLOGY_CACHE:
        _TOPOLOGIES.popitem(last=False)
    return topo


def cached(indptr: np.ndarray, indices: np.ndarray) -> bool:
    """Whether the topology of this CSR structure is in the cache."""
    return _digest(indptr, indices) in _TOPOLOGIES


def topology(indptr: np.ndarray, indices: np.ndarray) -> BucketTopology:
    """Return the topology of a CSR structure, from the cache or built (then cached)."""
    key = _digest(indptr, indices)
    hit = _TOPOLOGIES.get(key)
    if hit is not None:
        _TOPOLOGIES.move_to_end(key)
        return hit
    return _remember(build_topology(indptr, indices))


def save(path: str | PathLike[str], indptr: np.ndarray, indices: np.ndarray) -> Path:
    """Write the topology of a CSR structure to ``path`` (``.npz``), building it if needed.

    Parameters
    ----------
    path
        File to write (NumPy ``.npz``; no pickled objects).
    indptr, indices
        The CSR structure (e.g. ``prepare(G, weight).csr.matrix``).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return topology(indptr, indices).save(path)


def load(path: str | PathLike[str]) -> BucketTopology:
    """Read a topology written by :func:`save` and put it in the cache.

    The next ``"bucket"`` engine built on a graph of the same CSR structure
    uses it instead of preprocessing.

    Raises
    ------
    ValidationError
        A file that is not a bucket topology of this format (write it again with :func:`save`).
    """
    try:
        with np.load(Path(path), allow_pickle=False) as z:
            fmt = int(z["format"])
            if fmt != FORMAT:
                msg = f"format {fmt}, expected {FORMAT}"
                raise KeyError(msg)
            topo = BucketTopology(
                key=str(z["key"]),
                rank=np.asarray(z["rank"], dtype=np.int64),
                up_ptr=np.asarray(z["up_ptr"], dtype=np.int64),
                up_head=np.asarray(z["up_head"], dtype=np.int64),
                parent=np.asarray(z["parent"], dtype=np.int64),
                height=int(z["height"]),
                arc_edge=np.asarray(z["arc_edge"], dtype=np.int64),
                arc_up=np.asarray(z["arc_up"], dtype=np.bool_),
            )
    except (KeyError, ValueError, OSError) as exc:
        msg = (
            f"{path} is not a bucket-engine topology this version can read ({exc}). "
            "Write it again with urbanchain.engine._bucket.save(path, indptr, indices)."
        )
        raise ValidationError(msg) from exc
    return _remember(topo)


@dataclass(frozen=True)
class BucketMetric:
    """A customised hierarchy: the upward arcs each search direction needs.

    Attributes
    ----------
    topology
        The hierarchy it was customised on.
    up, down
        Upward CSRs ``(ptr, head, weight)`` in rank space: ``up`` holds the
        arcs ``r -> u`` (``r < u``) a forward search relaxes, ``down`` the arcs
        ``u -> r`` as a backward search walks them.  Weights are perfect
        (every one a shortest-path distance); arcs of infinite weight and arcs
        an intermediate triangle makes redundant are left out
        (:func:`~urbanchain.engine._bucket_kernels.perfect`).
    weights
        The CSR arc weights it was customised with (float64).
    symmetric
        ``up`` and ``down`` are the same arcs and weights (an undirected
        graph): a search then tests stalls and relaxes arcs in one pass, and
        a source that is also a target reuses its target search.
    """

    topology: BucketTopology
    up: tuple[np.ndarray, np.ndarray, np.ndarray]
    down: tuple[np.ndarray, np.ndarray, np.ndarray]
    weights: np.ndarray
    symmetric: bool = False

    @classmethod
    def customise(
        cls, topo: BucketTopology, weights: np.ndarray, *, perfect: bool = True
    ) -> BucketMetric:
        """Customise ``topo`` with CSR arc ``weights`` (``inf`` = closed arc).

        ``perfect=False`` stops after the basic customisation (one triangle
        enumeration instead of three; only arcs of infinite weight are
        dropped): the same distances, searches over more arcs.
        """
        kern, _ = require()
        w = np.asarray(weights, dtype=np.float64)
        up, down = kern.customise(topo.up_ptr, topo.up_head, topo.arc_edge, topo.arc_up, w)
        if perfect:
            keep_up, keep_down = kern.perfect(topo.up_ptr, topo.up_head, up, down)
        else:
            keep_up, keep_down = up < np.inf, down < np.inf
        arcs_up = kern.compact(topo.up_ptr, topo.up_head, up, keep_up)
        arcs_down = kern.compact(topo.up_ptr, topo.up_head, down, keep_down)
        return cls(
            topology=topo,
            up=arcs_up,
            down=arcs_down,
            weights=w,
            symmetric=all(np.array_equal(a, b) for a, b in zip(arcs_up, arcs_down, strict=True)),
        )

    def buckets(self, targets: np.ndarray, *, reverse: bool = False) -> Buckets:
        """Return the buckets of a target set (one backward search per target)."""
        kern, _ = require()
        t = self.topology
        fw, bw = (self.down, self.up) if reverse else (self.up, self.down)
        tgt = t.rank[np.asarray(targets, dtype=np.int64)]
        *parts, tpath, tdist, tlen = kern.buckets(
            tgt, t.parent, *fw, *bw, t.height, DENSE_SHARE, self.symmetric
        )
        labels = (tgt, tpath, tdist, tlen) if self.symmetric else None
        return Buckets(len(tgt), reverse, tuple(parts), labels)

    def table(
        self,
        sources: np.ndarray,
        targets: np.ndarray | Buckets | None,
        *,
        reverse: bool = False,
    ) -> FloatArray:
        """``len(sources) x len(targets)`` distances (all nodes when None).

        ``reverse=True``: ``D[i, j] = d(targets[j] -> sources[i])``.  ``targets``
        may be the :meth:`buckets` of a target set (built with the same ``reverse``).
        """
        kern, _ = require()
        t = self.topology
        fw, bw = (self.down, self.up) if reverse else (self.up, self.down)
        src = t.rank[np.asarray(sources, dtype=np.int64)]
        if targets is None:
            res: FloatArray = kern.to_all(src, t.parent, *fw, *bw, t.height, t.rank)
            return res
        b = targets if isinstance(targets, Buckets) else self.buckets(targets, reverse=reverse)
        if b.reverse != reverse:
            msg = "buckets built for the other direction"
            raise ValueError(msg)
        out = np.full((len(src), b.size), np.inf)
        sym = self.symmetric
        if b.labels is not None:
            # sources that are targets: their search is the target search already run
            tgt, tpath, tdist, tlen = b.labels
            order = np.argsort(tgt, kind="stable")
            pos = np.minimum(np.searchsorted(tgt[order], src), len(tgt) - 1)
            hit = tgt[order][pos] == src
            if hit.any():
                rows = order[pos[hit]].astype(np.int64)
                sub = np.full((len(rows), b.size), np.inf)
                kern.scan_labels(rows, t.height, tpath, tdist, tlen, *b.parts, sub)
                out[hit] = sub
                if hit.all():
                    return out
                miss = ~hit
                rest = np.full((int(miss.sum()), b.size), np.inf)
                kern.scan(src[miss], t.parent, *fw, *bw, t.height, *b.parts, rest, sym)
                out[miss] = rest
                return out
        kern.scan(src, t.parent, *fw, *bw, t.height, *b.parts, out, sym)
        return out


@dataclass(frozen=True)
class Buckets:
    """The buckets of one target set (:meth:`BucketMetric.buckets`)."""

    size: int
    reverse: bool
    parts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    #: On a symmetric metric: the target ranks and their tight search labels
    #: (``tpath``, ``tdist``, ``tlen`` of :func:`~urbanchain.engine._bucket_kernels.buckets`).
    labels: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None


def metric(topo: BucketTopology, weights: np.ndarray) -> BucketMetric:
    """Return the customised metric of ``topo`` for ``weights``, cached per weight vector."""
    key = (
        topo.key,
        hashlib.blake2b(np.ascontiguousarray(weights).data, digest_size=16).hexdigest(),
    )
    hit = _METRICS.get(key)
    if hit is not None:
        _METRICS.move_to_end(key)
        return hit
    m = BucketMetric.customise(topo, weights)
    _METRICS[key] = m
    while len(_METRICS) > _METRIC_CACHE:
        _METRICS.popitem(last=False)
    return m


_LOWER: OrderedDict[str, tuple[np.ndarray, ...]] = OrderedDict()


def _lower(topo: BucketTopology) -> tuple[np.ndarray, ...]:
    """Downward CSR of the chordal graph and the arcs of every CCH edge (for partial updates)."""
    hit = _LOWER.get(topo.key)
    if hit is None:
        kern, _ = require()
        dn = kern.lower_index(topo.up_ptr, topo.up_head)
        order = np.argsort(topo.arc_edge, kind="stable")
        ptr = np.zeros(topo.shortcuts + 1, dtype=np.int64)
        np.cumsum(np.bincount(topo.arc_edge, minlength=topo.shortcuts), out=ptr[1:])
        hit = (*dn, ptr, order.astype(np.int64))
        _LOWER[topo.key] = hit
        while len(_LOWER) > _TOPOLOGY_CACHE:
            _LOWER.popitem(last=False)
    return hit


def clear() -> None:
    """Forget every cached topology and metric."""
    _TOPOLOGIES.clear()
    _METRICS.clear()
    _LOWER.clear()


class BucketEngine(CSREngine):
    """The ``"bucket"`` engine: bucket many-to-many on a customised hierarchy.

    Exact float distances (``slack = 0``).  A ``sources x targets`` table
    costs about the same either way round (``many_to_many = True``); reversed
    queries use the downward weights as the upward ones (no transposition).
    :meth:`nearest` is one multi-source Dijkstra (scipy).  :meth:`without`
    customises a separate metric with the closed arcs.  Betweenness runs on
    the compiled scipy kernel.

    Raises
    ------
    OptionalDependencyError
        ``numba`` or ``pymetis`` is not installed.
    """

    name: ResolvedEngine = "bucket"
    many_to_many = True

    def __init__(self, source: GraphSource, metric_: BucketMetric | None = None) -> None:
        super().__init__(source)
        m = self.csr.matrix
        if metric_ is None:
            metric_ = metric(topology(m.indptr, m.indices), m.data)
        self.metric = metric_
        self._matrix: sp.csr_matrix | None = None
        self._buckets: tuple[bytes, bool, Buckets] | None = None
        self._basic: tuple[np.ndarray, np.ndarray] | None = None

    def _target_buckets(self, targets: np.ndarray, reverse: bool) -> Buckets:
        """Buckets of ``targets``, kept for the next call (an OD table runs in source blocks)."""
        key = np.ascontiguousarray(targets).tobytes()
        hit = self._buckets
        if hit is not None and hit[0] == key and hit[1] == reverse:
            return hit[2]
        b = self.metric.buckets(targets, reverse=reverse)
        self._buckets = (key, reverse, b)
        return b

    def distances(
        self, origins: IntArray, targets: IntArray | None = None, *, reverse: bool = False
    ) -> FloatArray:
        origins = np.asarray(origins, dtype=np.int64)
        reverse = reverse and self.csr.directed
        if targets is None:
            return self.metric.table(origins, None, reverse=reverse)
        targets = np.asarray(targets, dtype=np.int64)
        if len(targets) == 0:
            return np.empty((len(origins), 0))
        if len(origins) == 0:
            return np.empty((0, len(targets)))
        n = self.csr.n
        if len(targets) >= PHAST_TARGET_SHARE * n:
            # many targets: sweep to every node, in row blocks of at most PHAST_BLOCK_BYTES
            out = np.empty((len(origins), len(targets)))
            step = max(1, PHAST_BLOCK_BYTES // (8 * max(n, 1)))
            for i in range(0, len(origins), step):
                block = self.metric.table(origins[i : i + step], None, reverse=reverse)
                out[i : i + step] = block[:, targets]
            return out
        b = self._target_buckets(targets, reverse)
        return self.metric.table(origins, b, reverse=reverse)

    def _closed_matrix(self) -> sp.csr_matrix:
        """Return the CSR matrix of this engine's weights (closed arcs dropped) for scipy."""
        if self._matrix is None:
            m = self.csr.matrix
            w = self.metric.weights
            if w is m.data or np.array_equal(w, m.data):
                self._matrix = m
            else:
                keep = np.isfinite(w)
                rows = np.repeat(np.arange(self.csr.n), np.diff(m.indptr))
                self._matrix = sp.csr_matrix(
                    (w[keep], (rows[keep], m.indices[keep])), shape=m.shape
                )
        return self._matrix

    def nearest(
        self, origins: IntArray, among: IntArray, *, reverse: bool = False
    ) -> tuple[FloatArray, IntArray]:
        mat = self._closed_matrix()
        if reverse and self.csr.directed:
            mat = mat.T.tocsr()
        dist, near = _kernels.multi_source(mat, origins)
        return dist[among], near[among]

    def arc_weights(self, slots: IntArray) -> FloatArray:
        return np.asarray(self.metric.weights[slots], dtype=np.float64)

    def without(self, edges: IntArray) -> AbstractContextManager[Engine]:
        @contextmanager
        def closed() -> Iterator[Engine]:
            slots, values = self.csr.removal(edges)
            yield BucketEngine(self.source, self._closed_metric(slots, values))

        return closed()

    def _closed_metric(self, slots: np.ndarray, values: np.ndarray) -> BucketMetric:
        """Return the metric with CSR slots ``slots`` set to ``values`` (partial update).

        Only the CCH edges a closed arc feeds, and those their new weights
        change in turn, are recomputed (:func:`~urbanchain.engine._bucket_kernels.recustomise`),
        from the basic customisation of this engine's weights (computed once);
        the perfect pass is skipped (a closure is queried a few times).  Above
        :data:`PARTIAL_MAX_EDGES` closed CCH edges a full basic customisation is
        cheaper (measured at 10^5 edges: 1-10 closed edges 2-4x cheaper partially,
        100 closed edges 3.5x dearer).
        """
        kern, _ = require()
        t = self.metric.topology
        w = self.metric.weights.copy()
        w[slots] = values
        changed = np.unique(t.arc_edge[np.asarray(slots, dtype=np.int64)])
        if len(changed) > PARTIAL_MAX_EDGES:
            return BucketMetric.customise(t, w, perfect=False)
        if self._basic is None:
            self._basic = kern.customise(
                t.up_ptr, t.up_head, t.arc_edge, t.arc_up, self.metric.weights
            )
        aux = _lower(t)
        up, down = self._basic[0].copy(), self._basic[1].copy()
        kern.recustomise(t.up_ptr, t.up_head, *aux, t.arc_up, w, changed, up, down)
        return BucketMetric(
            topology=t,
            up=kern.compact(t.up_ptr, t.up_head, up, up < np.inf),
            down=kern.compact(t.up_ptr, t.up_head, down, down < np.inf),
            weights=w,
        )

    def provenance(self) -> dict[str, Any]:
        return {"engine": self.name}
