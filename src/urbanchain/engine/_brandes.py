r"""Brandes betweenness compiled with numba: node and edge, exact or source-sampled.

One Dijkstra per source over the CSR (a binary heap with lazy deletion), then
Brandes' (2001) dependency accumulation in reverse settling order:

.. math::

    \delta_s(v) = \sum_{w:\, v \in P_s(w)} \frac{\sigma_{sv}}{\sigma_{sw}}
    \bigl(1 + \delta_s(w)\bigr), \qquad
    B(v) = \sum_{s \in S} \delta_s(v)

where :math:`P_s(w)` are the predecessors of :math:`w` on shortest paths from
:math:`s` and :math:`\sigma` the path counts.  Ties are exact float equality,
as in NetworkX (``d(s, u) + w(u, v) == d(s, v)``, the same sum computed the
same way in the search and in the accumulation); igraph uses a relative
epsilon.  The predecessors are not stored: the accumulation scans the
in-arcs of each settled node, so the kernel allocates ``O(n + m)`` once per
call.  The sums are *ordered-pair* sums (an undirected pair counted from both
ends); the engine wrappers rescale them to NetworkX's conventions.

The kernel is compiled on first use (``cache=True`` keeps the machine code in
``__pycache__``); numba is the ``urbanchain[kernels]`` extra.  Without it,
:func:`available` is false and the igraph or scipy kernels run instead.

References
----------
Brandes, U. (2001). A faster algorithm for betweenness centrality. *Journal of
Mathematical Sociology* 25(2), 163-177.
Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
*International Journal of Bifurcation and Chaos* 17(7), 2303-2318.
"""

from __future__ import annotations

import importlib.util
import itertools
from typing import Any

import numpy as np
import scipy.sparse as sp

from urbanchain.engine._interface import (
    FloatArray,
    IntArray,
    csr_edge_values,
    scale_edge_bc,
    scale_node_bc,
)
from urbanchain.errors import ValidationError

__all__ = [
    "REORDER_MIN_NODES",
    "NumbaCentrality",
    "available",
    "brandes_csr",
    "closeness_sums",
    "for_request",
    "transpose_slots",
]

_KERNEL: Any = None
_CLOSENESS: Any = None


def available() -> bool:
    """Whether numba is importable (checked without importing it)."""
    return importlib.util.find_spec("numba") is not None


def _compile() -> Any:
    global _KERNEL  # noqa: PLW0603 - compiled once per process
    if _KERNEL is not None:
        return _KERNEL
    import numba

    @numba.njit(cache=True, nogil=True)
    def kernel(  # noqa: PLR0917 - numba kernels take arrays positionally
        indptr: Any,
        indices: Any,
        data: Any,
        tptr: Any,
        tsrc: Any,
        tslot: Any,
        sources: Any,
        cutoff: float,
        want_edges: bool,
        symmetric: bool,
    ) -> Any:
        n = indptr.shape[0] - 1
        nnz = indices.shape[0]
        bc = np.zeros(n)
        ebc = np.zeros(nnz if want_edges else 0)
        dist = np.full(n, np.inf)
        sigma = np.zeros(n)
        delta = np.zeros(n)
        order = np.empty(n, dtype=np.int64)
        hk = np.empty(nnz + 1)
        hv = np.empty(nnz + 1, dtype=np.int64)
        for s in sources:
            dist[s] = 0.0
            sigma[s] = 1.0
            size = 1
            hk[0] = 0.0
            hv[0] = s
            count = 0
            while size > 0:
                d = hk[0]
                u = hv[0]
                size -= 1
                if size > 0:  # move the last item to the root and sift it down
                    k = hk[size]
                    x = hv[size]
                    i = 0
                    while True:  # a 4-ary heap: shallower than a binary one, same cache lines
                        c = 4 * i + 1
                        if c >= size:
                            break
                        last = min(c + 4, size)
                        for cc in range(c + 1, last):
                            if hk[cc] < hk[c]:
                                c = cc
                        if hk[c] < k:
                            hk[i] = hk[c]
                            hv[i] = hv[c]
                            i = c
                        else:
                            break
                    hk[i] = k
                    hv[i] = x
                if d > dist[u]:  # a stale entry: u was reached by a shorter path since
                    continue
                order[count] = u
                count += 1
                su = sigma[u]
                for j in range(indptr[u], indptr[u + 1]):
                    v = indices[j]
                    nd = d + data[j]  # a settled v has dist[v] < nd: neither branch below
                    if nd > cutoff:
                        continue
                    dv = dist[v]
                    if nd < dv:
                        dist[v] = nd
                        sigma[v] = su
                        i = size  # push (nd, v) and sift it up
                        size += 1
                        while i > 0:
                            p = (i - 1) >> 2
                            if hk[p] > nd:
                                hk[i] = hk[p]
                                hv[i] = hv[p]
                                i = p
                            else:
                                break
                        hk[i] = nd
                        hv[i] = v
                    elif nd == dv:
                        sigma[v] += su
            for t in range(count - 1, -1, -1):
                w = order[t]
                coeff = (1.0 + delta[w]) / sigma[w]
                dw = dist[w]
                if symmetric:  # undirected: the in-arc u -> w is the out-arc w -> u, in order
                    for j in range(indptr[w], indptr[w + 1]):
                        u = indices[j]
                        if dist[u] + data[j] == dw:  # unreached u: inf never equals dw
                            c = sigma[u] * coeff
                            delta[u] += c
                            if want_edges:
                                ebc[j] += c
                else:
                    for j in range(tptr[w], tptr[w + 1]):
                        u = tsrc[j]
                        slot = tslot[j]
                        if dist[u] + data[slot] == dw:
                            c = sigma[u] * coeff
                            delta[u] += c
                            if want_edges:
                                ebc[slot] += c
                if w != s:
                    bc[w] += delta[w]
            for t in range(count):  # reset only what this source touched
                w = order[t]
                dist[w] = np.inf
                sigma[w] = 0.0
                delta[w] = 0.0
        return bc, ebc

    _KERNEL = kernel
    return kernel


def _compile_closeness() -> Any:
    global _CLOSENESS  # noqa: PLW0603 - compiled once per process
    if _CLOSENESS is not None:
        return _CLOSENESS
    import numba

    @numba.njit(cache=True, nogil=True)
    def kernel(indptr: Any, indices: Any, data: Any, cutoff: float, lo: int, hi: int) -> Any:  # noqa: PLR0917 - numba kernels take arrays positionally
        n = indptr.shape[0] - 1
        nnz = indices.shape[0]
        total = np.zeros(n)
        harm = np.zeros(n)
        reach = np.zeros(n)
        dist = np.full(n, np.inf)
        order = np.empty(n, dtype=np.int64)
        hk = np.empty(nnz + 1)
        hv = np.empty(nnz + 1, dtype=np.int64)
        for s in range(lo, hi):
            dist[s] = 0.0
            size = 1
            hk[0] = 0.0
            hv[0] = s
            count = 0
            tot = 0.0
            hsum = 0.0
            while size > 0:
                d = hk[0]
                u = hv[0]
                size -= 1
                if size > 0:
                    k = hk[size]
                    x = hv[size]
                    i = 0
                    while True:
                        c = 4 * i + 1
                        if c >= size:
                            break
                        last = min(c + 4, size)
                        for cc in range(c + 1, last):
                            if hk[cc] < hk[c]:
                                c = cc
                        if hk[c] < k:
                            hk[i] = hk[c]
                            hv[i] = hv[c]
                            i = c
                        else:
                            break
                    hk[i] = k
                    hv[i] = x
                if d > dist[u]:
                    continue
                order[count] = u
                count += 1
                if d > 0.0:
                    tot += d
                    hsum += 1.0 / d
                for j in range(indptr[u], indptr[u + 1]):
                    v = indices[j]
                    nd = d + data[j]
                    if nd > cutoff or nd >= dist[v]:
                        continue
                    dist[v] = nd
                    i = size
                    size += 1
                    while i > 0:
                        p = (i - 1) >> 2
                        if hk[p] > nd:
                            hk[i] = hk[p]
                            hv[i] = hv[p]
                            i = p
                        else:
                            break
                    hk[i] = nd
                    hv[i] = v
            total[s] = tot
            harm[s] = hsum
            reach[s] = count - 1
            for t in range(count):
                dist[order[t]] = np.inf
        return total, harm, reach

    _CLOSENESS = kernel
    return kernel


def _threaded(fn: Any, chunks: list[Any], threads: int) -> list[Any]:
    """Run ``fn`` on every chunk, on up to ``threads`` threads (the kernels release the GIL)."""
    if threads <= 1 or len(chunks) <= 1:
        return [fn(c) for c in chunks]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(fn, chunks))


def closeness_sums(
    matrix: sp.csr_matrix, *, cutoff: float | None = None, threads: int = 1
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Per source row: :math:`\sum_j d_{ij}`, :math:`\sum_j 1/d_{ij}` and :math:`r_i - 1`.

    One Dijkstra per row over reachable nodes (within ``cutoff`` when given);
    ``threads > 1`` splits the rows into that many ranges run in parallel
    (each row's sums are its own, so the result does not depend on it).
    """
    kernel = _compile_closeness()
    indptr = np.asarray(matrix.indptr, dtype=np.int64)
    indices = np.asarray(matrix.indices, dtype=np.int64)
    data = np.asarray(matrix.data, dtype=np.float64)
    cut = np.inf if cutoff is None else float(cutoff)
    n = matrix.shape[0]
    bounds = np.linspace(0, n, max(1, min(threads, n)) + 1).astype(np.int64)
    ranges = [(int(a), int(b)) for a, b in itertools.pairwise(bounds.tolist())]
    parts = _threaded(lambda r: kernel(indptr, indices, data, cut, r[0], r[1]), ranges, threads)
    total = np.zeros(n)
    harm = np.zeros(n)
    reach = np.zeros(n)
    for (a, b), (t, h, r) in zip(ranges, parts, strict=True):
        total[a:b], harm[a:b], reach[a:b] = t[a:b], h[a:b], r[a:b]
    return total, harm, reach


def transpose_slots(
    matrix: sp.csr_matrix, *, symmetric: bool = False
) -> tuple[IntArray, IntArray, IntArray]:
    """In-arcs of every node: ``indptr``, source node and CSR slot of each arc.

    A ``symmetric`` CSR (undirected graph) is its own transpose: the in-arc
    ``u -> w`` is read through the out-arc ``w -> u`` (same weight), so an
    undirected pair's two arc sums still add up to the pair's value.
    """
    n = matrix.shape[0]
    if symmetric:
        return (
            np.asarray(matrix.indptr, dtype=np.int64),
            np.asarray(matrix.indices, dtype=np.int64),
            np.arange(matrix.nnz, dtype=np.int64),
        )
    nnz = matrix.nnz
    slots = sp.csr_matrix(
        (np.arange(1, nnz + 1, dtype=np.int64), matrix.indices, matrix.indptr), shape=(n, n)
    )
    t = slots.T.tocsr()
    t.sort_indices()
    return (
        np.asarray(t.indptr, dtype=np.int64),
        np.asarray(t.indices, dtype=np.int64),
        np.asarray(t.data, dtype=np.int64) - 1,
    )


def brandes_csr(
    matrix: sp.csr_matrix,
    sources: IntArray,
    *,
    cutoff: float | None = None,
    edges: bool = False,
    transpose: tuple[IntArray, IntArray, IntArray] | None = None,
    symmetric: bool = False,
    threads: int = 1,
) -> tuple[FloatArray, FloatArray]:
    """Ordered-pair betweenness sums from ``sources`` over a CSR of positive weights.

    Parameters
    ----------
    matrix
        CSR weights (entry ``(i, j)`` = arc ``i -> j``; both arcs of an undirected edge).
    sources
        Source rows (all rows for the exact value).
    cutoff
        Only paths of cost at most ``cutoff`` count (None: no limit).
    edges
        Also return the sum per CSR slot (arc).
    transpose
        :func:`transpose_slots` of ``matrix`` when already computed.
    symmetric
        ``matrix`` is symmetric (an undirected graph): the accumulation reads
        each in-arc as the out-arc of the same slot, in CSR order, with no
        transpose (measured 5-30 % faster than through the slot map).
    threads
        Split the sources into this many groups run in parallel (the kernel
        releases the GIL); their sums are added, so only float rounding
        depends on it.  Each thread allocates its own ``O(n + m)`` arrays.

    Returns
    -------
    tuple of numpy.ndarray
        Node sums (``n``) and arc sums (``nnz``, empty unless ``edges``).
    """
    kernel = _compile()
    indptr = np.asarray(matrix.indptr, dtype=np.int64)
    indices = np.asarray(matrix.indices, dtype=np.int64)
    if symmetric:
        tptr, tsrc, tslot = indptr, indices, indices  # not read
    else:
        tptr, tsrc, tslot = transpose if transpose is not None else transpose_slots(matrix)
    data = np.asarray(matrix.data, dtype=np.float64)
    src = np.asarray(sources, dtype=np.int64)
    cut = np.inf if cutoff is None else float(cutoff)
    chunks = np.array_split(src, max(1, min(threads, len(src))))

    def run(chunk: IntArray) -> tuple[FloatArray, FloatArray]:
        out: tuple[FloatArray, FloatArray] = kernel(
            indptr, indices, data, tptr, tsrc, tslot, chunk, cut, bool(edges), bool(symmetric)
        )
        return out

    parts = _threaded(run, chunks, threads)
    bc = np.asarray(parts[0][0], dtype=np.float64)
    ebc = np.asarray(parts[0][1], dtype=np.float64)
    for b, e in parts[1:]:
        bc = bc + b
        ebc = ebc + e
    return bc, ebc


#: Graphs of at least this many nodes are renumbered (reverse Cuthill-McKee) before
#: the searches, so that nodes close in the graph are close in memory.
REORDER_MIN_NODES = 10_000


def _reordered(
    matrix: sp.csr_matrix, *, directed: bool
) -> tuple[sp.csr_matrix, IntArray, IntArray]:
    """Renumber the CSR by reverse Cuthill-McKee; return it, each old row's new row, slot map."""
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    n = matrix.shape[0]
    perm = np.asarray(reverse_cuthill_mckee(matrix, symmetric_mode=not directed), dtype=np.int64)
    new_of_old = np.empty(n, dtype=np.int64)
    new_of_old[perm] = np.arange(n, dtype=np.int64)
    slots = sp.csr_matrix(
        (np.arange(1, matrix.nnz + 1, dtype=np.float64), matrix.indices, matrix.indptr),
        shape=matrix.shape,
    )
    w = matrix[perm][:, perm].tocsr()
    s = slots[perm][:, perm].tocsr()
    w.sort_indices()
    s.sort_indices()
    if not (np.array_equal(w.indptr, s.indptr) and np.array_equal(w.indices, s.indices)):
        msg = "internal error: the renumbered CSR and its slot map differ"  # pragma: no cover
        raise AssertionError(msg)  # pragma: no cover
    return w, new_of_old, np.asarray(s.data, dtype=np.int64) - 1


class NumbaCentrality:
    """Centralities of a :class:`~urbanchain.engine._csr.GraphCSR` on the numba kernels.

    The interface is the engines' (``node_betweenness``, ``edge_betweenness_csr``,
    ``closeness_harmonic``, ``provenance``); results follow NetworkX's scaling
    exactly as the igraph engine's (see :mod:`urbanchain.engine._igraph`).
    Closeness and harmonic closeness come from one Dijkstra per node (igraph
    runs one per node for each).
    """

    name = "numba"
    betweenness_name = "numba"

    def __init__(self, csr: Any, *, threads: int = 1) -> None:
        self.csr = csr
        self.threads = max(1, int(threads))

    def _sums(
        self, sample: IntArray | None, cutoff: float | None, *, edges: bool
    ) -> tuple[FloatArray, FloatArray]:
        csr = self.csr
        n = csr.n
        m = csr.matrix
        sources = np.arange(n, dtype=np.int64) if sample is None else np.asarray(sample)
        if n >= REORDER_MIN_NODES:
            w, new_of_old, slot_old = _reordered(m, directed=csr.directed)
            bc, ebc = brandes_csr(
                w,
                np.sort(new_of_old[sources]),
                cutoff=cutoff,
                edges=edges,
                symmetric=not csr.directed,
                threads=self.threads,
            )
            bc = bc[new_of_old]
            if edges:
                back = np.zeros(m.nnz)
                back[slot_old] = ebc
                ebc = back
        else:
            bc, ebc = brandes_csr(
                m,
                sources,
                cutoff=cutoff,
                edges=edges,
                symmetric=not csr.directed,
                threads=self.threads,
            )
        f = n / len(sources) if sample is not None and len(sources) > 0 else 1.0
        return bc * f, ebc * f

    def node_betweenness(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        """Node betweenness in NetworkX's scaling (``seed`` is unused: the sample is given)."""
        n = self.csr.n
        if n == 0:
            return np.zeros(0)
        ordered, _ = self._sums(sample, cutoff, edges=False)
        return scale_node_bc(ordered, n, normalized, self.csr.directed)

    def edge_betweenness_csr(
        self,
        sample: IntArray | None,
        *,
        normalized: bool,
        seed: int | None,
        cutoff: float | None = None,
    ) -> FloatArray:
        """One value per non-self-loop edge (``csr.edge_u`` order), NetworkX's scaling."""
        csr = self.csr
        _, ordered = self._sums(sample, cutoff, edges=True)
        return csr_edge_values(csr, scale_edge_bc(ordered, csr.n, normalized, csr.directed))

    def closeness_harmonic(
        self, *, reverse: bool, cutoff: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Wasserman-Faust closeness and raw harmonic sums of every node (CSR order).

        ``reverse=True`` measures distances *to* each node (the transposed CSR).
        """
        csr = self.csr
        n = csr.n
        if n == 0:
            return np.zeros(0), np.zeros(0)
        m = csr.matrix
        if reverse and csr.directed:
            m = m.T.tocsr()
            m.sort_indices()
        total, harm, r1 = closeness_sums(m, cutoff=cutoff, threads=self.threads)
        with np.errstate(divide="ignore", invalid="ignore"):
            cl = np.where(total > 0, r1 / total, 0.0)
        if n > 1:
            cl = cl * r1 / (n - 1)
        return cl, harm

    def provenance(self) -> dict[str, Any]:
        """``engine``: ``"numba"`` (urbanchain's compiled kernels)."""
        return {"engine": self.name}


def for_request(
    request: str, csr: Any, *, betweenness: bool, threads: int = 1
) -> NumbaCentrality | None:
    """Return the numba kernels for an ``engine=`` request, or None when another engine runs.

    ``"auto"`` uses them when numba is installed; so does ``"cch"`` for
    betweenness (a contraction hierarchy gives no shortest-path DAG, so cch's
    betweenness runs as auto's).  ``"igraph"``, ``"scipy"`` and ``"networkx"``
    keep their own kernels.  This is the engine package's choice, as
    :mod:`urbanchain.engine._select` is for the distance engines: metrics never
    branch on engine names.
    """
    wanted = request == "auto" or (betweenness and request == "cch")
    if threads > 1 and not (wanted and available()):
        why = (
            "numba is not installed: pip install 'urbanchain[kernels]'"
            if wanted
            else f"engine={request!r} runs its own single-threaded kernel: pass engine='auto'"
        )
        msg = f"n_jobs={threads} runs urbanchain's numba kernels on several threads, but {why}, or n_jobs=1."
        raise ValidationError(msg)
    return NumbaCentrality(csr, threads=threads) if wanted and available() else None
