"""Compiled shortest-path kernels over a CSR matrix (scipy.sparse.csgraph).

All kernels take a CSR matrix whose entries are positive finite weights (the
gate in :mod:`urbanchain.engine._weights` guarantees it) and return numpy
arrays; the public wrappers in :mod:`urbanchain.metrics` attach ids and units.

Betweenness is Brandes' (2001) accumulation with the shortest-path DAG of each
source found from scipy's Dijkstra distances: an entry ``u -> v`` is on a
shortest path when ``d(s, u) + w(u, v)`` equals ``d(s, v)`` to a relative
tolerance of ``1e-12`` (NetworkX uses exact float equality; the two differ only
when rounding splits a true tie).  Path counts and dependencies are then two
sparse triangular solves in distance order.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.sparse.linalg import spsolve_triangular

__all__ = [
    "TIE_RTOL",
    "brandes",
    "distance_blocks",
    "distances",
    "distances_to",
    "multi_source",
]

TIE_RTOL = 1e-12
BLOCK = 256


def distances(matrix: sp.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Return the ``len(sources) x n`` matrix of shortest-path distances (inf = unreachable).

    Parameters
    ----------
    matrix
        CSR weights; entry ``(i, j)`` is the edge ``i -> j``.
    sources
        Row indices to start from.

    Returns
    -------
    numpy.ndarray
        Distances, float64.
    """
    if len(sources) == 0:
        return np.empty((0, matrix.shape[0]))
    out = dijkstra(matrix, directed=True, indices=np.asarray(sources, dtype=np.int64))
    return np.atleast_2d(np.asarray(out, dtype=np.float64))


def distances_to(
    matrix: sp.csr_matrix, sources: np.ndarray, cols: np.ndarray, *, max_bytes: int = 2**28
) -> np.ndarray:
    """Return the ``len(sources) x len(cols)`` distances, never holding more than ``max_bytes``.

    Dijkstra runs from blocks of sources; each block's rows to every node are
    cut down to ``cols`` before the next block runs.

    Parameters
    ----------
    matrix
        CSR weights.
    sources
        Row indices to start from.
    cols
        Column indices to keep.
    max_bytes
        Largest float64 block of full rows held at once.

    Returns
    -------
    numpy.ndarray
        Distances, float64 (inf = unreachable).
    """
    sources = np.asarray(sources, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    n = matrix.shape[0]
    out = np.empty((len(sources), len(cols)))
    step = int(max(1, min(256, max_bytes // (8 * max(n, 1)))))
    for start in range(0, len(sources), step):
        stop = min(start + step, len(sources))
        out[start:stop] = distances(matrix, sources[start:stop])[:, cols]
    return out


def distance_blocks(
    matrix: sp.csr_matrix, sources: np.ndarray, block: int = BLOCK
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(source_positions, distances)`` in blocks, to bound memory on large graphs.

    Parameters
    ----------
    matrix
        CSR weights.
    sources
        Row indices.
    block
        Rows per block.

    Yields
    ------
    tuple of numpy.ndarray
        Positions into ``sources`` and the matching distance rows.
    """
    sources = np.asarray(sources, dtype=np.int64)
    for start in range(0, len(sources), block):
        pos = np.arange(start, min(start + block, len(sources)))
        yield pos, distances(matrix, sources[pos])


def multi_source(matrix: sp.csr_matrix, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from the nearest of ``sources`` to every node, and which source it is.

    Parameters
    ----------
    matrix
        CSR weights.
    sources
        Row indices of the sources.

    Returns
    -------
    tuple of numpy.ndarray
        Distances (inf = unreachable) and the nearest source row (-1 = none).
    """
    n = matrix.shape[0]
    if len(sources) == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
    dist, _pred, src = dijkstra(
        matrix,
        directed=True,
        indices=np.asarray(sources, dtype=np.int64),
        min_only=True,
        return_predecessors=True,
    )
    src = np.asarray(src, dtype=np.int64)
    src[~np.isfinite(dist)] = -1
    return np.asarray(dist, dtype=np.float64), src


def brandes(
    matrix: sp.csr_matrix, sources: np.ndarray | None = None, *, cutoff: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Raw Brandes betweenness over ordered pairs, for nodes and for CSR entries.

    Parameters
    ----------
    matrix
        CSR weights (symmetric for an undirected graph).
    sources
        Source rows; all rows when None.
    cutoff
        Only shortest paths of cost at most ``cutoff`` count (None: all).

    Returns
    -------
    tuple of numpy.ndarray
        ``node`` (length n): sum over ordered pairs ``(s, t)``, ``s != v != t``, of
        the share of shortest s-t paths through ``v``; ``entry`` (length nnz): the
        same for every CSR entry (directed edge ``i -> j``).
    """
    n = matrix.shape[0]
    rows = np.repeat(np.arange(n), np.diff(matrix.indptr))
    cols = matrix.indices.astype(np.int64)
    w = matrix.data
    node_bc = np.zeros(n)
    entry_bc = np.zeros(len(w))
    srcs = np.arange(n) if sources is None else np.asarray(sources, dtype=np.int64)
    for s in srcs.tolist():
        if cutoff is None:
            d = dijkstra(matrix, directed=True, indices=s)
        else:
            d = dijkstra(matrix, directed=True, indices=s, limit=cutoff)
        reach = np.flatnonzero(np.isfinite(d))
        r = len(reach)
        if r <= 1:
            continue
        order = reach[np.argsort(d[reach], kind="stable")]
        rank = np.full(n, -1, dtype=np.int64)
        rank[order] = np.arange(r)
        cand = np.flatnonzero(np.isfinite(d[rows]) & np.isfinite(d[cols]))  # cutoff cuts arcs
        du = d[rows[cand]]
        dv = d[cols[cand]]
        tight = (du < dv) & (np.abs(du + w[cand] - dv) <= TIE_RTOL * dv)
        eidx = cand[tight]
        ru = rank[rows[eidx]]
        rv = rank[cols[eidx]]
        ones = np.ones(len(eidx))
        # path counts: sigma[v] = [v == s] + sum over predecessors u of sigma[u]
        lower = sp.csr_matrix((-ones, (rv, ru)), shape=(r, r))
        b = np.zeros(r)
        b[0] = 1.0
        sigma = spsolve_triangular(lower, b, lower=True, unit_diagonal=True)
        # dependencies: delta[u] = sum over successors v of sigma[u]/sigma[v] (1 + delta[v])
        coef = sigma[ru] / sigma[rv]
        upper = sp.csr_matrix((-coef, (ru, rv)), shape=(r, r))
        rhs = np.bincount(ru, weights=coef, minlength=r)
        delta = spsolve_triangular(upper, rhs, lower=False, unit_diagonal=True)
        node_bc[order[1:]] += delta[1:]
        entry_bc[eidx] += coef * (1.0 + delta[rv])
    return node_bc, entry_bc
