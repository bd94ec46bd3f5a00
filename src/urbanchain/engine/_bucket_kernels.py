r"""numba kernels of the ``"bucket"`` engine: CCH contraction, customisation and queries.

Imported only when the engine is built (``numba`` is the ``urbanchain[fast]``
extra).  Every array here is in *rank space*: node ``r`` is the ``r``-th
node eliminated by the nested-dissection order, and the chordal supergraph
is stored as an upward CSR (``up_ptr``, ``up_head``): the edges ``{r, u}`` with
``u > r``, heads sorted.  Edge ``e`` has two weights: ``up[e]`` (``r -> u``,
upward) and ``down[e]`` (``u -> r``).

Algorithms (Dibbelt, Strasser & Wagner 2016):

* :func:`contract` -- symbolic elimination: the upper neighbours of ``r`` are
  its original upper neighbours plus those of its elimination-tree children
  (minus ``r``); its elimination-tree parent is the lowest of them.
* :func:`customise` -- basic customisation: arcs are loaded (minimum over
  parallel ones), then for every ``v`` in increasing rank and every pair of
  upper neighbours ``u < w`` of ``v`` the lower triangle ``(v, u, w)`` relaxes
  ``up[uw] = min(up[uw], down[vu] + up[vw])`` and
  ``down[uw] = min(down[uw], down[vw] + up[vu])``.
* :func:`perfect` -- perfect customisation (upper and intermediate triangles,
  in decreasing rank) and the arcs each direction can drop; :func:`compact`
  stores the kept ones as one upward CSR per direction.
* :func:`buckets` and :func:`scan` -- elimination-tree searches (no priority
  queue: walk from the node to the root relaxing upward arcs), with
  stall-on-demand, and buckets (Knopp et al. 2007): each target's backward
  search space is written to buckets, each source's forward search then scans
  the buckets of its ancestors; ``d(s, t) = min_v up_s(v) + down_t(v)`` over
  the common ancestors ``v`` whose labels are not stalled.
* :func:`to_all` -- PHAST (Delling et al. 2013): the upward search of a
  source, then one downward sweep over all nodes in decreasing rank.

References
----------
Dibbelt, J., Strasser, B. & Wagner, D. (2016). Customizable contraction
hierarchies. *ACM Journal of Experimental Algorithmics* 21, 1.5.

Knopp, S., Sanders, P., Schultes, D., Schulz, F. & Wagner, D. (2007).
Computing many-to-many shortest paths using highway hierarchies. *ALENEX*.

Delling, D., Goldberg, A. V., Nowatzyk, A. & Werneck, R. F. (2013). PHAST:
hardware-accelerated shortest path trees. *J. Parallel Distrib. Comput.* 73(7).
"""

from __future__ import annotations

import heapq

import numba as nb
import numpy as np

__all__ = [
    "buckets",
    "compact",
    "contract",
    "customise",
    "height",
    "load_arcs",
    "lower_index",
    "perfect",
    "recustomise",
    "scan",
    "scan_labels",
    "to_all",
]

_INF = np.inf


@nb.njit(cache=True)
def contract(
    n: int, ptr: np.ndarray, head: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Chordal supergraph and elimination tree of a symmetric rank-space graph.

    ``ptr``/``head``: CSR of the undirected graph (both directions, no loops).
    Returns ``up_ptr``, ``up_head`` (sorted upper neighbours) and ``parent``
    (-1 for roots).
    """
    parent = np.full(n, -1, dtype=np.int64)
    child_head = np.full(n, -1, dtype=np.int64)
    child_next = np.full(n, -1, dtype=np.int64)
    mark = np.full(n, -1, dtype=np.int64)
    up_ptr = np.zeros(n + 1, dtype=np.int64)
    cap = max(16, 2 * len(head))
    buf = np.empty(cap, dtype=np.int64)
    tmp = np.empty(n, dtype=np.int64)
    size = 0
    for r in range(n):
        k = 0
        mark[r] = r
        for p in range(ptr[r], ptr[r + 1]):
            u = head[p]
            if u > r and mark[u] != r:
                mark[u] = r
                tmp[k] = u
                k += 1
        c = child_head[r]
        while c != -1:
            for p in range(up_ptr[c], up_ptr[c + 1]):
                u = buf[p]
                if mark[u] != r:
                    mark[u] = r
                    tmp[k] = u
                    k += 1
            c = child_next[c]
        if size + k > cap:
            cap = max(2 * cap, size + k)
            nbuf = np.empty(cap, dtype=np.int64)
            nbuf[:size] = buf[:size]
            buf = nbuf
        nb_sorted = np.sort(tmp[:k])
        buf[size : size + k] = nb_sorted
        size += k
        up_ptr[r + 1] = size
        if k:
            par = nb_sorted[0]
            parent[r] = par
            child_next[r] = child_head[par]
            child_head[par] = r
    return up_ptr, buf[:size].copy(), parent


@nb.njit(cache=True)
def _find(up_ptr: np.ndarray, up_head: np.ndarray, a: int, b: int) -> int:  # pragma: no cover
    lo = up_ptr[a]
    hi = up_ptr[a + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if up_head[mid] < b:
            lo = mid + 1
        else:
            hi = mid
    return int(lo)


@nb.njit(cache=True)
def load_arcs(
    up_ptr: np.ndarray, up_head: np.ndarray, tail: np.ndarray, head: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """For every rank-space arc ``tail -> head``: its CCH edge and whether it goes up."""
    m = len(tail)
    edge = np.empty(m, dtype=np.int64)
    upward = np.empty(m, dtype=np.bool_)
    for i in range(m):
        a = tail[i]
        b = head[i]
        if a < b:
            edge[i] = _find(up_ptr, up_head, a, b)
            upward[i] = True
        else:
            edge[i] = _find(up_ptr, up_head, b, a)
            upward[i] = False
    return edge, upward


@nb.njit(cache=True)
def customise(
    up_ptr: np.ndarray,
    up_head: np.ndarray,
    edge: np.ndarray,
    upward: np.ndarray,
    w: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Return the upward and downward weight of every CCH edge (basic customisation)."""
    ne = len(up_head)
    n = len(up_ptr) - 1
    up = np.full(ne, _INF)
    down = np.full(ne, _INF)
    for i in range(len(edge)):
        e = edge[i]
        if upward[i]:
            up[e] = min(up[e], w[i])
        elif w[i] < down[e]:
            down[e] = w[i]
    for v in range(n):
        lo = up_ptr[v]
        hi = up_ptr[v + 1]
        for i in range(lo, hi):
            u = up_head[i]
            dvu = down[i]  # u -> v
            uvu = up[i]  # v -> u
            if dvu == _INF and uvu == _INF:
                continue
            # upper neighbours of v after u are upper neighbours of u (chordal): merge
            q = up_ptr[u]
            for j in range(i + 1, hi):
                x = up_head[j]
                while up_head[q] < x:
                    q += 1
                s1 = dvu + up[j]  # u -> v -> x
                up[q] = min(up[q], s1)
                s2 = down[j] + uvu  # x -> v -> u
                down[q] = min(down[q], s2)
    return up, down


@nb.njit(cache=True)
def perfect(
    up_ptr: np.ndarray, up_head: np.ndarray, up: np.ndarray, down: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Perfect customisation in place, and the arcs each search direction needs.

    Vertices ``x`` in decreasing rank; for each pair of upper neighbours
    ``y < z`` of ``x`` (edge ``{y, z}`` exists and is already exact), the upper
    triangle relaxes ``(x, y)`` through ``z`` and the intermediate triangle
    relaxes ``(x, z)`` through ``y``, in both directions (Dibbelt et al. 2016,
    perfect customisation): every weight becomes a distance.

    Kept arcs, per direction, once the arcs of ``x`` are exact:

    * an arc is *tight* when perfect customisation did not lower its basic
      weight (the distance is realised through lower nodes).  The canonical
      up-down form of a shortest path (each next up node is the first higher
      node along it) uses tight arcs only, so the others are dropped;
    * a tight arc ``(x, z)`` is dropped too when an intermediate triangle
      ``x < y < z`` of two tight arcs is as short in that direction
      (``up[xy] + up[yz] <= up[xz]``, ``down[yz] + down[xy] <= down[xz]``): by
      induction on the rank gap, an upward path of kept arcs is as short;
    * arcs of infinite weight are dropped.

    Returns the masks of kept arcs for the upward and the downward weights.
    """
    n = len(up_ptr) - 1
    keep_up = up < _INF
    keep_down = down < _INF
    basic_up = up.copy()
    basic_down = down.copy()
    for x in range(n - 1, -1, -1):
        lo = up_ptr[x]
        hi = up_ptr[x + 1]
        for i in range(lo, hi):
            y = up_head[i]
            q = up_ptr[y]
            for j in range(i + 1, hi):
                z = up_head[j]
                while up_head[q] < z:
                    q += 1
                # x -> z -> y and y -> z -> x (upper triangle of {x, y})
                up[i] = min(up[i], up[j] + down[q])
                down[i] = min(down[i], up[q] + down[j])
                # x -> y -> z and z -> y -> x (intermediate triangle of {x, z})
                up[j] = min(up[j], up[i] + up[q])
                down[j] = min(down[j], down[q] + down[i])
        for i in range(lo, hi):
            if up[i] < basic_up[i]:
                keep_up[i] = False
            if down[i] < basic_down[i]:
                keep_down[i] = False
        for i in range(lo, hi):
            y = up_head[i]
            q = up_ptr[y]
            tu = up[i] == basic_up[i]
            td = down[i] == basic_down[i]
            for j in range(i + 1, hi):
                z = up_head[j]
                while up_head[q] < z:
                    q += 1
                if tu and up[q] == basic_up[q] and up[i] + up[q] <= up[j]:
                    keep_up[j] = False
                if td and down[q] == basic_down[q] and down[q] + down[i] <= down[j]:
                    keep_down[j] = False
    return keep_up, keep_down


@nb.njit(cache=True)
def compact(
    up_ptr: np.ndarray, up_head: np.ndarray, w: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Upward CSR ``(ptr, head, weight)`` of the arcs ``keep`` marks."""
    n = len(up_ptr) - 1
    ptr = np.zeros(n + 1, dtype=np.int64)
    for x in range(n):
        c = 0
        for e in range(up_ptr[x], up_ptr[x + 1]):
            if keep[e]:
                c += 1
        ptr[x + 1] = ptr[x] + c
    head = np.empty(ptr[n], dtype=np.int64)
    wt = np.empty(ptr[n], dtype=np.float64)
    p = 0
    for e in range(len(up_head)):
        if keep[e]:
            head[p] = up_head[e]
            wt[p] = w[e]
            p += 1
    return ptr, head, wt


@nb.njit(cache=True)
def _search(  # noqa: PLR0917 - numba kernels take arrays positionally
    s: int,
    parent: np.ndarray,
    fptr: np.ndarray,
    fhead: np.ndarray,
    fwt: np.ndarray,
    bptr: np.ndarray,
    bhead: np.ndarray,
    bwt: np.ndarray,
    dist: np.ndarray,
    path: np.ndarray,
    tight: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Elimination-tree search from ``s``; fills ``path``, returns its length.

    Relaxes the arcs ``(fptr, fhead, fwt)`` (upward, in the search's
    direction).  ``dist`` must be inf on the path on entry; it holds the labels
    on exit.  Stall-on-demand: a node ``v`` with an upper neighbour ``u`` such
    that ``dist[u] + w(u -> v) < dist[v]`` (arcs ``(bptr, bhead, bwt)``, the
    opposite direction) has a label longer than its distance, so it cannot be
    the top of a shortest up-down path: it is not relaxed further and
    ``tight`` is False for it.  Labels of higher nodes only decrease, so
    testing them before they are final is safe; :func:`_stall` tests the rest
    again with the final labels.
    """
    k = 0
    v = s
    dist[s] = 0.0
    while v != -1:
        path[k] = v
        dv = dist[v]
        ok = dv < _INF
        if ok:
            for e in range(bptr[v], bptr[v + 1]):
                if dist[bhead[e]] + bwt[e] < dv:
                    ok = False
                    break
            if ok:
                for e in range(fptr[v], fptr[v + 1]):
                    u = fhead[e]
                    nd = dv + fwt[e]
                    dist[u] = min(dist[u], nd)
        tight[k] = ok
        k += 1
        v = parent[v]
    return k


@nb.njit(cache=True)
def _search_sym(  # noqa: PLR0917 - numba kernels take arrays positionally
    s: int,
    parent: np.ndarray,
    ptr: np.ndarray,
    head: np.ndarray,
    wt: np.ndarray,
    dist: np.ndarray,
    path: np.ndarray,
    tight: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """:func:`_search` for a symmetric metric (``up`` = ``down``): one pass per node.

    The stall test and the relaxation read the same arcs, so they share one
    loop.  A node found stalled may have relaxed some of its arcs already:
    harmless, since every label is the length of a real path (it can only be
    too long, never too short), and the nodes of a shortest up-path keep exact
    labels, which no arc can stall.
    """
    k = 0
    v = s
    dist[s] = 0.0
    while v != -1:
        path[k] = v
        dv = dist[v]
        ok = dv < _INF
        if ok:
            for e in range(ptr[v], ptr[v + 1]):
                u = head[e]
                w = wt[e]
                du = dist[u]
                if du + w < dv:
                    ok = False
                nd = dv + w
                if nd < du:
                    dist[u] = nd
        tight[k] = ok
        k += 1
        v = parent[v]
    return k


@nb.njit(cache=True)
def _stall(  # noqa: PLR0917 - numba kernels take arrays positionally
    k: int,
    path: np.ndarray,
    bptr: np.ndarray,
    bhead: np.ndarray,
    bwt: np.ndarray,
    dist: np.ndarray,
    tight: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Stall test again with the final labels, for the path nodes still marked tight."""
    for a in range(k):
        if not tight[a]:
            continue
        v = path[a]
        dv = dist[v]
        for e in range(bptr[v], bptr[v + 1]):
            if dist[bhead[e]] + bwt[e] < dv:
                tight[a] = False
                break


@nb.njit(cache=True)
def _height(parent: np.ndarray) -> int:  # pragma: no cover - compiled
    n = len(parent)
    depth = np.zeros(n, dtype=np.int64)
    best = 0
    for v in range(n - 1, -1, -1):
        p = parent[v]
        depth[v] = 1 if p == -1 else depth[p] + 1
        best = max(best, depth[v])
    return best


@nb.njit(cache=True)
def buckets(  # noqa: PLR0917 - numba kernels take arrays positionally
    targets: np.ndarray,
    parent: np.ndarray,
    fptr: np.ndarray,
    fhead: np.ndarray,
    fwt: np.ndarray,
    bptr: np.ndarray,
    bhead: np.ndarray,
    bwt: np.ndarray,
    height: int,
    dense_share: int,
    sym: bool,
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]:  # pragma: no cover
    """Buckets of a target set: one backward search per target (``b*`` arcs).

    Each tight label ``(j, down_t(v))`` goes to the bucket of ``v``: a dense
    row of ``len(targets)`` labels (``inf`` where absent; scanned with SIMD)
    when at least ``1 / dense_share`` of the targets reach ``v``, else a sparse
    list.  Returns ``slot`` (dense row of each node, -1: sparse), the dense
    rows, the sparse buckets as CSR (``ptr``, target index, label), and each
    target's tight labels (``tpath``, ``tdist``: ``tlen[j]`` entries from
    ``j * height``), which a symmetric metric (``sym``: ``f*`` = ``b*``) reuses
    as the forward search of a source that is also a target (:func:`scan_labels`).
    """
    n = len(parent)
    nt = len(targets)
    h = max(height, 1)
    dist = np.full(n, _INF)
    path = np.empty(h, dtype=np.int64)
    tight = np.empty(h, dtype=np.bool_)
    tpath = np.empty(nt * h, dtype=np.int64)
    tdist = np.empty(nt * h, dtype=np.float64)
    tlen = np.zeros(nt, dtype=np.int64)
    count = np.zeros(n + 1, dtype=np.int64)
    for j in range(nt):
        if sym:
            k = _search_sym(targets[j], parent, bptr, bhead, bwt, dist, path, tight)
        else:
            k = _search(targets[j], parent, bptr, bhead, bwt, fptr, fhead, fwt, dist, path, tight)
        _stall(k, path, fptr, fhead, fwt, dist, tight)
        base = j * h
        c = 0
        for i in range(k):
            v = path[i]
            if tight[i]:
                tpath[base + c] = v
                tdist[base + c] = dist[v]
                count[v + 1] += 1
                c += 1
            dist[v] = _INF
        tlen[j] = c
    slot = np.full(n, -1, dtype=np.int64)
    nd = 0
    for v in range(n):
        if count[v + 1] * dense_share >= nt:
            slot[v] = nd
            nd += 1
            count[v + 1] = 0
    dense = np.full((nd, nt), _INF)
    bk_ptr = np.cumsum(count)
    fill = bk_ptr[:-1].copy()
    btgt = np.empty(bk_ptr[n], dtype=np.int64)
    bdist = np.empty(bk_ptr[n], dtype=np.float64)
    for j in range(nt):
        base = j * h
        for i in range(tlen[j]):
            v = tpath[base + i]
            r = slot[v]
            if r >= 0:
                dense[r, j] = tdist[base + i]
            else:
                p = fill[v]
                btgt[p] = j
                bdist[p] = tdist[base + i]
                fill[v] = p + 1
    return slot, dense, bk_ptr, btgt, bdist, tpath, tdist, tlen


@nb.njit(cache=True, inline="always")
def _meet(  # noqa: PLR0917 - numba kernels take arrays positionally
    row: np.ndarray,
    v: int,
    dv: float,
    slot: np.ndarray,
    dense: np.ndarray,
    bk_ptr: np.ndarray,
    btgt: np.ndarray,
    bdist: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """``row[t] = min(row[t], dv + down_t(v))`` over the bucket of ``v`` (dense row or list)."""
    r = slot[v]
    if r >= 0:
        drow = dense[r]
        for t in range(dense.shape[1]):
            row[t] = min(row[t], dv + drow[t])
    else:
        for p in range(bk_ptr[v], bk_ptr[v + 1]):
            t = btgt[p]
            row[t] = min(row[t], dv + bdist[p])


@nb.njit(cache=True)
def scan(  # noqa: PLR0917 - numba kernels take arrays positionally
    sources: np.ndarray,
    parent: np.ndarray,
    fptr: np.ndarray,
    fhead: np.ndarray,
    fwt: np.ndarray,
    bptr: np.ndarray,
    bhead: np.ndarray,
    bwt: np.ndarray,
    height: int,
    slot: np.ndarray,
    dense: np.ndarray,
    bk_ptr: np.ndarray,
    btgt: np.ndarray,
    bdist: np.ndarray,
    out: np.ndarray,
    sym: bool,
) -> None:  # pragma: no cover - compiled
    """Rows of the table: one forward search per source (``f*`` arcs), scanning buckets.

    ``out[i, j] = min over tight ancestors v of up_s(v) + down_t(v)`` (``out``
    must be inf on entry; one row per source).  ``sym``: the metric is
    symmetric, the search runs :func:`_search_sym`.
    """
    n = len(parent)
    h = max(height, 1)
    dist = np.full(n, _INF)
    path = np.empty(h, dtype=np.int64)
    tight = np.empty(h, dtype=np.bool_)
    for i in range(len(sources)):
        if sym:
            k = _search_sym(sources[i], parent, fptr, fhead, fwt, dist, path, tight)
        else:
            k = _search(sources[i], parent, fptr, fhead, fwt, bptr, bhead, bwt, dist, path, tight)
        _stall(k, path, bptr, bhead, bwt, dist, tight)
        row = out[i]
        for a in range(k):
            v = path[a]
            dv = dist[v]
            dist[v] = _INF
            if not tight[a]:
                continue
            _meet(row, v, dv, slot, dense, bk_ptr, btgt, bdist)


@nb.njit(cache=True)
def scan_labels(  # noqa: PLR0917 - numba kernels take arrays positionally
    rows: np.ndarray,
    height: int,
    tpath: np.ndarray,
    tdist: np.ndarray,
    tlen: np.ndarray,
    slot: np.ndarray,
    dense: np.ndarray,
    bk_ptr: np.ndarray,
    btgt: np.ndarray,
    bdist: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """:func:`scan` for sources that are targets of a symmetric metric: no search.

    Source ``i`` is target ``rows[i]``; on a symmetric metric its forward
    search is the backward search :func:`buckets` already ran, so its tight
    labels are read from ``tpath``/``tdist`` and only the buckets are scanned.
    """
    h = max(height, 1)
    for i in range(len(rows)):
        j = rows[i]
        base = j * h
        row = out[i]
        for a in range(tlen[j]):
            v = tpath[base + a]
            dv = tdist[base + a]
            _meet(row, v, dv, slot, dense, bk_ptr, btgt, bdist)


@nb.njit(cache=True)
def to_all(  # noqa: PLR0917 - numba kernels take arrays positionally
    sources: np.ndarray,
    parent: np.ndarray,
    fptr: np.ndarray,
    fhead: np.ndarray,
    fwt: np.ndarray,
    bptr: np.ndarray,
    bhead: np.ndarray,
    bwt: np.ndarray,
    height: int,
    node_rank: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Distances from each source to every node, in node (not rank) order.

    Upward search on the ``f*`` arcs, then a downward sweep in decreasing rank:
    ``d(v) = min(d(v), d(u) + w(u -> v))`` over the ``b*`` arcs ``(v, u)``.
    """
    n = len(parent)
    ns = len(sources)
    h = max(height, 1)
    out = np.empty((ns, n))
    dist = np.full(n, _INF)
    path = np.empty(h, dtype=np.int64)
    tight = np.empty(h, dtype=np.bool_)
    for i in range(ns):
        dist[:] = _INF
        _search(sources[i], parent, fptr, fhead, fwt, bptr, bhead, bwt, dist, path, tight)
        for v in range(n - 1, -1, -1):
            dv = dist[v]
            for e in range(bptr[v], bptr[v + 1]):
                d = dist[bhead[e]] + bwt[e]
                dv = min(dv, d)
            dist[v] = dv
        row = out[i]
        for x in range(n):
            row[x] = dist[node_rank[x]]
    return out


height = _height


@nb.njit(cache=True)
def lower_index(
    up_ptr: np.ndarray, up_head: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Downward CSR of the chordal graph: for each node, its lower neighbours and the edges.

    Returns ``dn_ptr``, ``dn_tail`` (lower neighbours, ascending) and
    ``dn_edge`` (the CCH edge ``{tail, node}``).
    """
    n = len(up_ptr) - 1
    dn_ptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(len(up_head)):
        dn_ptr[up_head[e] + 1] += 1
    for v in range(n):
        dn_ptr[v + 1] += dn_ptr[v]
    fill = dn_ptr[:-1].copy()
    dn_tail = np.empty(len(up_head), dtype=np.int64)
    dn_edge = np.empty(len(up_head), dtype=np.int64)
    for x in range(n):
        for e in range(up_ptr[x], up_ptr[x + 1]):
            y = up_head[e]
            p = fill[y]
            dn_tail[p] = x
            dn_edge[p] = e
            fill[y] = p + 1
    return dn_ptr, dn_tail, dn_edge


@nb.njit(cache=True)
def recustomise(  # noqa: PLR0917 - numba kernels take arrays positionally
    up_ptr: np.ndarray,
    up_head: np.ndarray,
    dn_ptr: np.ndarray,
    dn_tail: np.ndarray,
    dn_edge: np.ndarray,
    edge_arc_ptr: np.ndarray,
    edge_arcs: np.ndarray,
    arc_up: np.ndarray,
    w: np.ndarray,
    changed: np.ndarray,
    up: np.ndarray,
    down: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Partial basic customisation in place after some arc weights moved.

    ``changed``: the CCH edges of the arcs whose weight moved (``w`` holds the
    new arc weights; ``edge_arc_ptr``/``edge_arcs`` list the arcs of each
    edge).  ``up``/``down`` hold the basic customisation of the old weights.
    Those edges are recomputed from scratch (input arcs, then
    every lower triangle), in increasing rank of their lower end; an edge
    whose weight moved marks the edges whose lower triangles it is a side of
    (``{y, z}`` for the other upper neighbours ``z`` of its lower end), which
    are recomputed in turn.  Returns the number of edges recomputed.
    """
    ne = len(up_head)
    tail_of = np.empty(ne, dtype=np.int64)
    for x in range(len(up_ptr) - 1):
        for e in range(up_ptr[x], up_ptr[x + 1]):
            tail_of[e] = x
    queued = np.zeros(ne, dtype=np.bool_)
    heap = [np.int64(x) for x in range(0)]
    for i in range(len(changed)):
        c = changed[i]
        if not queued[c]:
            queued[c] = True
            heapq.heappush(heap, tail_of[c] * ne + c)
    done = 0
    while len(heap) > 0:
        key = heapq.heappop(heap)
        e = int(key % ne)
        x = tail_of[e]
        y = up_head[e]
        queued[e] = False
        done += 1
        nu = _INF
        nd = _INF
        for p in range(edge_arc_ptr[e], edge_arc_ptr[e + 1]):
            a = edge_arcs[p]
            if arc_up[a]:
                nu = min(nu, w[a])
            else:
                nd = min(nd, w[a])
        # lower triangles {v, x, y}: v a lower neighbour of both x and y
        p = dn_ptr[x]
        pe = dn_ptr[x + 1]
        r = dn_ptr[y]
        re = dn_ptr[y + 1]
        while p < pe and r < re:
            vx = dn_tail[p]
            vy = dn_tail[r]
            if vx < vy:
                p += 1
            elif vy < vx:
                r += 1
            else:
                ex = dn_edge[p]  # {v, x}
                ey = dn_edge[r]  # {v, y}
                nu = min(nu, down[ex] + up[ey])  # x -> v -> y
                nd = min(nd, down[ey] + up[ex])  # y -> v -> x
                p += 1
                r += 1
        if nu == up[e] and nd == down[e]:
            continue
        up[e] = nu
        down[e] = nd
        # e = {x, y} is a side of the lower triangle of {y, z} for every other z in N+(x)
        for f in range(up_ptr[x], up_ptr[x + 1]):
            z = up_head[f]
            if z == y:
                continue
            g = _find(up_ptr, up_head, y, z) if y < z else _find(up_ptr, up_head, z, y)
            if not queued[g]:
                queued[g] = True
                heapq.heappush(heap, tail_of[g] * ne + g)
    return done
