"""Distance tables on the network: OD matrices, route lengths, detour indices."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from urbanchain._private._messages import format_ids
from urbanchain.engine._interface import EngineName
from urbanchain.errors import GraphError, ValidationError
from urbanchain.graph._modes import with_modes
from urbanchain.graph._network import Network
from urbanchain.metrics._common import (
    GraphLike,
    NodeSelection,
    _frame_attrs,
    check_budget,
    default_nodes,
    geodesic_km,
    od_block,
    prepare,
    resolve_engine,
    resolve_nodes,
    unit_of,
)

# ---------------------------------------------------------------------------
# OD tables
# ---------------------------------------------------------------------------


def od_matrix(
    G: GraphLike,
    *,
    sources: NodeSelection = None,
    targets: NodeSelection = None,
    weight: str = "time_min",
    engine: EngineName | None = None,
    modes: str | Sequence[str] | None = None,
    dtype: Literal["float64", "float32"] = "float64",
    out: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    r"""Shortest-path origin-destination matrix.

    .. math:: d_{ij} = \min_{P: i \leadsto j} \sum_{e \in P} w_e

    with parallel edges reduced to their minimum weight (Dijkstra 1959).

    Parameters
    ----------
    G
        Chain graph (``MultiGraph``/``MultiDiGraph`` following the graph conventions).
    sources, targets
        Node ids.  Default: nodes with ``is_capital`` true, else every base node
        (not ``junction:*`` nor ``*@layer`` copies).
    weight
        Edge attribute to minimise (unit from ``G.graph["units"]``; ``time_min`` is minutes).
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``; None uses the
        setting (see the Engines page of the docs).  ``attrs["engine"]``
        records the engine used.  When ``"auto"`` picks cch, its first rows
        are timed against scipy's; if cch is slower per row on this graph the
        remaining rows run on scipy and ``attrs["fallback"]`` records it.
    dtype
        ``"float64"`` (default) or ``"float32"`` (half the memory; distances
        rounded to about 7 significant digits).
    out
        A ``.npy`` path: the table is written block by block to a NumPy
        memory-mapped file (:func:`numpy.lib.format.open_memmap`, readable with
        ``numpy.load(path, mmap_mode="r")``) and the returned DataFrame wraps
        that file, so the table is never held in memory whatever its size.
        None (default): in memory, refused above the ``memory_budget_bytes``
        setting.
    modes
        Keep only the edges of these modes (``("road",)``, ``("rail",)``,
        ``("road", "rail")`` or edge modes such as ``"expressway"``; see
        :mod:`urbanchain.graph._modes`); None (default) keeps every mode.

    Returns
    -------
    pandas.DataFrame
        Sources as rows, targets as columns, in the unit of ``weight``
        (``attrs["unit"]``).  **Unreachable pairs are NaN**; the diagonal is 0.
        The distances are computed in source blocks written straight into one
        float64 array that the DataFrame wraps without copying, so the peak
        memory is that array plus one block.

    Raises
    ------
    GraphError
        Empty graph.
    WeightError
        Missing or invalid weights (edge ids are listed).
    UnknownNameError
        Unknown node ids or engine.
    ResourceLimitError
        The in-memory table would exceed ``memory_budget_bytes`` (the message
        gives its size and the fixes: ``targets=``, ``dtype="float32"``, ``out=``).

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik* 1, 269-271.

    Examples
    --------
    >>> od_matrix(diamond(), targets=["a", "b", "c", "d"])  # doctest: +NORMALIZE_WHITESPACE
    target     a     b     c     d
    source
    a        0.0  10.0  20.0  20.0
    b       10.0   0.0  30.0  10.0
    c       20.0  30.0   0.0  20.0
    """
    G = with_modes(G, modes)
    req = resolve_engine(engine)
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=lambda: default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=lambda: default_nodes(G), what="target")
    if dtype not in ("float64", "float32"):
        msg = f"dtype must be 'float64' or 'float32'; got {dtype!r}."
        raise ValidationError(msg)
    itemsize = np.dtype(dtype).itemsize
    buf: np.ndarray | None = None
    extra: dict[str, Any] = {}
    if out is not None:
        path = Path(out)
        if path.suffix != ".npy":
            msg = (
                f"out must be a path ending in .npy (a NumPy memory-mapped file); got {str(out)!r}."
            )
            raise ValidationError(msg)
        buf = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(len(src), len(tgt)))
        extra["out"] = str(path)
    else:
        check_budget("od_matrix", len(src), len(tgt), itemsize)
        if dtype == "float32":
            buf = np.empty((len(src), len(tgt)), dtype=np.float32)
    eng = prep.engine(req, searches=min(len(src), len(tgt)))
    # auto with a many-to-many engine: probe it against scipy, switch if it is slower
    fallback = prep.engine("scipy", 0) if req == "auto" and eng.many_to_many else None
    report: dict[str, Any] = {}
    d = od_block(
        prep, src, tgt, eng, nan_unreachable=True, out=buf, fallback=fallback, report=report
    )
    extra.update(report)
    if isinstance(d, np.memmap):
        d.flush()
    unreachable = sum(int(np.isnan(d[i : i + 256]).sum()) for i in range(0, len(src), 256))
    df = pd.DataFrame(
        d,
        index=pd.Index(src, name="source", tupleize_cols=False),
        columns=pd.Index(tgt, name="target", tupleize_cols=False),
        copy=False,
    )
    _frame_attrs(
        df, prep, eng, unit=unit_of(G, weight), unreachable=unreachable, dtype=dtype, **extra
    )
    return df


def route_length(
    G: GraphLike,
    *,
    sources: NodeSelection = None,
    targets: NodeSelection = None,
    weight: str = "time_min",
    length: str = "length_km",
    modes: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Length of the fastest route between each pair: the distance half of an OD table.

    .. math:: L_{ij} = \sum_{e \in P^*_{ij}} \ell_e, \qquad
        P^*_{ij} = \arg\min_{P: i \leadsto j} \sum_{e \in P} w_e

    The route minimises ``weight`` (travel time by default); between parallel
    edges the one with the smallest weight is taken, and its ``length`` counted.
    Transfer edges (length 0) are allowed in ``length``; ``weight`` must pass the
    usual gate (present, finite, > 0).

    Parameters
    ----------
    G
        Chain graph.
    sources, targets
        Node ids (default: the capitals, as in :func:`od_matrix`).
    weight
        Edge attribute the route minimises.
    length
        Edge attribute summed along the route (``length_km``: kilometres).
    modes
        Keep only the edges of these modes (``("road",)``, ``("rail",)``,
        ``("road", "rail")`` or edge modes such as ``"expressway"``; see
        :mod:`urbanchain.graph._modes`); None (default) keeps every mode.

    Returns
    -------
    pandas.DataFrame
        Sources as rows, targets as columns, in the unit of ``length``; NaN where
        unreachable.  Computed with NetworkX's Dijkstra (one run per source).

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik* 1, 269-271.

    Examples
    --------
    >>> route_length(diamond(), sources=["a"], targets=["b", "c"], length="time_min")
    ... # doctest: +NORMALIZE_WHITESPACE
    target     b     c
    source
    a       10.0  20.0
    """
    G = with_modes(G, modes)
    if isinstance(G, Network):
        G = G.to_networkx()  # path reconstruction runs on networkx
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=lambda: default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=lambda: default_nodes(G), what="target")
    missing_len = [
        d.get("edge_id", (u, v)) for u, v, d in G.edges(data=True) if d.get(length) is None
    ]
    if missing_len:
        msg = (
            f"Edge attribute {length!r} is missing on edges {format_ids(missing_len)}. "
            "Rebuild the graph with urbanchain.graph.graph_from_gdfs, which sets length_km."
        )
        raise GraphError(msg)

    def hop(u: Any, v: Any) -> float:
        data = G.get_edge_data(u, v)
        best = min(data.values(), key=lambda d: float(d[weight])) if G.is_multigraph() else data
        return float(best[length])

    out = np.full((len(src), len(tgt)), np.nan)
    for i, s_ in enumerate(src):
        _dist, paths = nx.single_source_dijkstra(
            G,
            s_,
            weight=lambda u, v, d: (
                min(float(x[weight]) for x in d.values()) if G.is_multigraph() else float(d[weight])
            ),
        )
        for j, t_ in enumerate(tgt):
            path = paths.get(t_)
            if path is not None:
                out[i, j] = sum(hop(a, b) for a, b in itertools.pairwise(path))
    df = pd.DataFrame(
        out,
        index=pd.Index(src, name="source", tupleize_cols=False),
        columns=pd.Index(tgt, name="target", tupleize_cols=False),
    )
    _frame_attrs(df, prep, prep.engine("networkx", 0), unit=unit_of(G, length), route_weight=weight)
    return df


def detour_index(
    G: GraphLike,
    *,
    sources: NodeSelection = None,
    targets: NodeSelection = None,
    length: str = "length_km",
    engine: EngineName | None = None,
) -> pd.DataFrame:
    r"""Detour index: shortest network length divided by geodesic distance.

    .. math:: D_{ij} = \frac{d^{\mathrm{net}}_{ij}}{d^{\mathrm{geo}}_{ij}} \ge 1

    where :math:`d^{\mathrm{net}}` is the shortest path by ``length`` (km) and
    :math:`d^{\mathrm{geo}}` the WGS84 geodesic between the nodes' ``x``/``y``.
    Rodrigue (2020) defines the detour index as the *inverse*
    (:math:`d^{\mathrm{geo}}/d^{\mathrm{net}} \le 1`); this function returns the
    ratio ``>= 1`` (1 = straight line) used in circuity studies.

    Parameters
    ----------
    G
        Chain graph with node ``x``/``y`` (lon/lat).
    sources, targets
        Node ids (default: capitals, else base nodes).
    length
        Edge length attribute in km.
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``; recorded in ``attrs["engine"]``.

    Returns
    -------
    pandas.DataFrame
        Dimensionless ratios; NaN on the diagonal, for unreachable pairs and for
        pairs at the same coordinates.

    Raises
    ------
    GraphError
        Empty graph or nodes without coordinates.
    WeightError
        Invalid lengths.

    References
    ----------
    Rodrigue, J.-P. (2020). *The Geography of Transport Systems*, 5th ed.,
    Routledge (detour index: Euclidean over transport distance).

    Examples
    --------
    >>> detour_index(diamond(), sources=["a"], targets=["b", "d"]).round(2)  # doctest: +NORMALIZE_WHITESPACE
    target     b     d
    source
    a       0.66  0.96
    """
    req = resolve_engine(engine)
    prep = prepare(G, length, what="length")
    src = resolve_nodes(G, sources, default=lambda: default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=lambda: default_nodes(G), what="target")
    eng = prep.engine(req, searches=min(len(src), len(tgt)))
    net = od_block(prep, src, tgt, eng, nan_unreachable=True)
    geo = geodesic_km(G, src, tgt)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(geo > 0, net / geo, np.nan)
    df = pd.DataFrame(
        ratio,
        index=pd.Index(src, name="source", tupleize_cols=False),
        columns=pd.Index(tgt, name="target", tupleize_cols=False),
    )
    _frame_attrs(df, prep, eng, unit="ratio (network km / geodesic km)")
    return df
