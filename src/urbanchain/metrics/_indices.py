"""Whole-network indices: global efficiency, alpha/beta/gamma, eta, diameter."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components
from scipy.sparse.csgraph import dijkstra as _dij

from urbanchain.engine import _kernels
from urbanchain.engine._interface import EngineName
from urbanchain.metrics._common import (
    GraphLike,
    global_efficiency,
    prepare,
    resolve_engine,
)


def efficiency(
    G: GraphLike, *, weight: str = "time_min", engine: EngineName | None = None
) -> float:
    r"""Weighted global efficiency (Latora & Marchiori 2001).

    .. math:: E = \frac{1}{n(n-1)} \sum_{i \ne j} \frac{1}{d_{ij}}, \qquad \frac{1}{\infty} = 0

    Unlike :func:`networkx.global_efficiency`, which ignores weights, :math:`d_{ij}`
    is the weighted shortest-path cost (the unit of the result is 1/unit of
    ``weight``).  A single-node graph has efficiency 0.

    Parameters
    ----------
    G
        Chain graph.
    weight
        Edge cost attribute.
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``; recorded in ``attrs["engine"]``.

    Returns
    -------
    float
        Efficiency in 1/unit (per minute for ``time_min``).

    Raises
    ------
    GraphError
        Empty graph.
    WeightError
        Invalid weights.

    References
    ----------
    Latora, V. & Marchiori, M. (2001). Efficient behavior of small-world networks.
    *Physical Review Letters* 87, 198701.

    Examples
    --------
    >>> round(efficiency(diamond()), 6)
    0.063889
    """
    req = resolve_engine(engine)
    prep = prepare(G, weight)
    n = prep.csr.n
    if n < 2:
        return 0.0
    return global_efficiency(prep, prep.engine(req, searches=n))


# ---------------------------------------------------------------------------
# Network indices
# ---------------------------------------------------------------------------


def network_indices(G: GraphLike, *, planar: bool = False, length: str = "length_km") -> pd.Series:
    r"""Kansky's graph-theoretic indices of the network.

    With :math:`v` nodes, :math:`e` links (distinct adjacent node pairs;
    parallel edges and self-loops are not links), :math:`p` connected components
    and :math:`L` the total link length (each link at its shortest parallel edge):

    .. math::

        \mu = e - v + p, \quad \beta = \frac{e}{v}, \quad \eta = \frac{L}{e}, \quad
        \pi = \frac{L}{D_{\mathrm{len}}}

    and, for ``planar=False`` (default),

    .. math:: \alpha = \frac{\mu}{\frac{v(v-1)}{2} - (v-1)}, \qquad \gamma = \frac{e}{v(v-1)/2}

    or, for ``planar=True``, :math:`\alpha = \mu/(2v-5)` and :math:`\gamma = e/(3(v-2))`.

    The planar bounds hold only when every crossing of two links is a node.  A
    chain graph is **not planar**: expressways cross roads and railways on
    overpasses without junctions, and air and sea links cross everything, so the
    non-planar maxima are the default.  Use ``planar=True`` only for a road-only
    network split at every crossing.

    Parameters
    ----------
    G
        Chain graph (direction is ignored for these indices).
    planar
        Use the planar maxima (see above).
    length
        Edge length attribute in km.

    Returns
    -------
    pandas.Series
        ``v``, ``e``, ``p``, ``mu``, ``alpha``, ``beta``, ``gamma``, ``eta`` (km per
        link), ``pi`` (total length / diameter length), ``diameter_links``
        (topological: most links on a shortest path between two connected nodes),
        ``diameter_km`` (longest shortest path by length within a component),
        ``total_length_km``, ``parallel_edges``, ``self_loops``.  Undefined ratios are NaN.

    Raises
    ------
    GraphError
        Empty graph.
    WeightError
        Invalid lengths.

    References
    ----------
    Kansky, K. J. (1963). *Structure of Transportation Networks*. University of
    Chicago, Department of Geography, Research Paper 84.
    Rodrigue, J.-P. (2020). *The Geography of Transport Systems*, 5th ed., Routledge.

    Examples
    --------
    >>> s = network_indices(diamond())
    >>> s[["v", "e", "p", "mu", "alpha", "gamma", "eta", "pi"]].round(3).tolist()
    [4.0, 4.0, 1.0, 1.0, 0.333, 0.667, 15.0, 2.0]
    """
    prep = prepare(G, length, what="length")
    m = prep.csr.matrix
    und = m.maximum(m.T) if prep.csr.directed else m
    v = prep.csr.n
    und_upper = np.asarray(und.nnz) // 2
    e = int(und_upper)
    p, _labels = connected_components(und, directed=False)
    total = float(und.sum()) / 2.0
    mu = e - v + p
    if planar:
        a_den, g_den = float(2 * v - 5), float(3 * (v - 2))
    else:
        a_den, g_den = v * (v - 1) / 2 - (v - 1), v * (v - 1) / 2
    diam_links = 0.0
    diam_km = 0.0
    for _pos, d in _kernels.distance_blocks(und, np.arange(v)):
        fin = d[np.isfinite(d)]
        if fin.size:
            diam_km = max(diam_km, float(fin.max()))
    for start in range(0, v, _kernels.BLOCK):
        idx = np.arange(start, min(start + _kernels.BLOCK, v))
        h = np.atleast_2d(_dij(und, directed=False, unweighted=True, indices=idx))
        fin = h[np.isfinite(h)]
        if fin.size:
            diam_links = max(diam_links, float(fin.max()))

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else math.nan

    s = pd.Series(
        {
            "v": float(v),
            "e": float(e),
            "p": float(p),
            "mu": float(mu),
            "alpha": ratio(mu, a_den),
            "beta": ratio(e, v),
            "gamma": ratio(e, g_den),
            "eta": ratio(total, e),
            "pi": ratio(total, diam_km),
            "diameter_links": diam_links,
            "diameter_km": diam_km,
            "total_length_km": total,
            "parallel_edges": float(prep.report.parallel_edges),
            "self_loops": float(prep.report.self_loops),
        },
        name="network_indices",
    )
    s.attrs.update(prep.attrs(prep.engine("scipy", 0)))
    s.attrs["planar"] = planar
    s.attrs["units"] = {"eta": "km", "diameter_km": "km", "total_length_km": "km"}
    return s
