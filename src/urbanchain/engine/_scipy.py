"""The ``"scipy"`` engine: :func:`scipy.sparse.csgraph.dijkstra` over the CSR view.

Exact float distances; always installed.  A search costs the same whatever
the number of targets, so callers search from the smaller side
(``many_to_many = False``).  Closed edges are masked out of a copy of the CSR
(:meth:`~urbanchain.engine._csr.GraphCSR.without_edges`), never rebuilt.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

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

__all__ = ["ScipyEngine"]


class ScipyEngine(CSREngine):
    """Dijkstra on the CSR matrix (see the module docstring)."""

    name: ResolvedEngine = "scipy"

    def __init__(self, source: GraphSource, matrix: sp.csr_matrix | None = None) -> None:
        super().__init__(source)
        self.matrix = self.csr.matrix if matrix is None else matrix
        self._reversed: sp.csr_matrix | None = None

    def _mat(self, reverse: bool) -> sp.csr_matrix:
        if not (reverse and self.csr.directed):
            return self.matrix
        if self._reversed is None:
            self._reversed = (
                self.csr.transposed() if self.matrix is self.csr.matrix else self.matrix.T.tocsr()
            )
        return self._reversed

    def distances(
        self, origins: IntArray, targets: IntArray | None = None, *, reverse: bool = False
    ) -> FloatArray:
        mat = self._mat(reverse)
        if targets is None:
            return _kernels.distances(mat, origins)
        out = _kernels.distances_to(mat, origins, np.asarray(targets, dtype=np.int64))
        return np.asarray(out, dtype=np.float64)

    def nearest(
        self, origins: IntArray, among: IntArray, *, reverse: bool = False
    ) -> tuple[FloatArray, IntArray]:
        dist, near = _kernels.multi_source(self._mat(reverse), origins)
        return dist[among], near[among]

    def without(self, edges: IntArray) -> AbstractContextManager[Engine]:
        @contextmanager
        def closed() -> Iterator[Engine]:
            yield ScipyEngine(self.source, self.csr.without_edges(edges))

        return closed()
