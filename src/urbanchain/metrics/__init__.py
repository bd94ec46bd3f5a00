"""Connectivity metrics of a chain graph, on compiled shortest-path kernels.

Every function runs one input gate first (:func:`urbanchain.engine._weights.validate_weights`):
the weight attribute must exist on every edge and be a finite number > 0, the
graph must have nodes.  Self-loops are ignored (with a warning that counts
them); between two nodes joined by parallel edges, shortest paths use the
minimum weight (the count is in ``attrs["parallel_edges"]``).

Results are DataFrames (or a Series/float) keyed by node id, edge id or
corridor id, with ``attrs["units"]`` (or ``attrs["unit"]``) and
``attrs["engine"]``, the engine that ran.  Engines (``engine=`` or the
``engine`` setting; see the Engines page of the docs):

* ``"scipy"`` runs :func:`scipy.sparse.csgraph.dijkstra` over a CSR matrix
  built once per call; exact, equal to the reference to 1e-9 (tests);
* ``"cch"`` runs RoutingKit customizable contraction hierarchies
  (``pyroutingkit``, ``pip install "urbanchain[fast]"``) on weights rounded to
  integers: distances within ``hops * 0.5 / scale`` of the exact ones
  (``attrs["cch_scale"]``); the hierarchy is cached per graph and re-customised
  per closed corridor;
* ``"networkx"`` is the reference implementation;
* ``"auto"`` (default) picks cch on graphs of at least 100,000 arcs for calls
  of at least 1,000 single-source searches (200 from 10^6 arcs, or any call
  once the hierarchy is cached), else scipy.

Graphs are networkx graphs from :mod:`urbanchain.graph` or, for road networks
of 10^5-10^6 edges, its array-backed ``Network`` (``output="network"``), which
the distance metrics read without building a networkx graph.  Betweenness
accepts ``k=`` to sample sources (Brandes & Pich 2007).

Unreachable pairs are ``NaN`` in distance tables, contribute ``0`` to sums of
``1/d`` (harmonic, efficiency) and of decayed masses (accessibility, gravity),
and are counted where it matters.  On directed graphs, ``direction="out"``
measures from a node to the others and ``direction="in"`` from the others to it.
"""

from __future__ import annotations

import itertools
import logging
import math
import warnings
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats
from scipy.sparse.csgraph import connected_components
from scipy.sparse.csgraph import dijkstra as _dij

from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.engine import _kernels
from urbanchain.engine._weights import edge_label
from urbanchain.errors import DataQualityWarning, GraphError, ValidationError
from urbanchain.metrics._common import (
    Prepared,
    _bad_mass,
    base_nodes,
    block_rows,
    component_ids,
    default_mass,
    default_nodes,
    dist_rows,
    geodesic_km,
    is_network,
    masses,
    node_attr,
    node_ids,
    node_names,
    node_values,
    od_block,
    od_rows,
    prepare,
    resolve_engine,
    resolve_nodes,
    row_blocks,
    unit_of,
)
from urbanchain.metrics.aggregate import aggregate
from urbanchain.metrics.population import population_within
from urbanchain.metrics.routes import closest_facility, route
from urbanchain.metrics.service_area import service_area

__all__ = [
    "DEFAULT_BETA",
    "DEFAULT_CHAIN_COLUMNS",
    "DEFAULT_CHAIN_WEIGHTS",
    "INTRAZONAL_RADIUS_FACTOR",
    "INTRAZONAL_SPEED_KMH",
    "accessibility",
    "aggregate",
    "centrality",
    "chain_score",
    "closest_facility",
    "corridor_criticality",
    "detour_index",
    "edge_betweenness",
    "efficiency",
    "gateway_access",
    "gravity",
    "network_indices",
    "od_matrix",
    "population_within",
    "route",
    "route_length",
    "score_sensitivity",
    "service_area",
]

logger = logging.getLogger(__name__)

#: Default decay parameters of :func:`accessibility`, per decay function.
#: ``exponential``: ``ln 2 / 120`` per minute, a half-life of 120 minutes: the
#: value used for inter-regional (national-scale) potential accessibility by
#: travel time in Poland (Rosik, Stępniak & Komornicki 2015), close to the
#: 0.005 per minute of the ESPON road potential-accessibility indicator
#: (Spiekermann & Wegener 2006).  A 30-minute half-life (0.0231 per minute) is
#: the usual choice for commuting-scale studies.  ``power``: an exponent of 1 on
#: travel time, as in Gutiérrez's (2001) potential accessibility.
DEFAULT_BETA: dict[str, float] = {"exponential": math.log(2) / 120.0, "power": 1.0}

_DECAYS = ("exponential", "power", "cumulative")
_LINK_PREFIXES = ("access:", "transfer:")
_POLICIES = ("component", "error")
_DIRECTIONS = ("out", "in")


def _check_choice(kind: str, value: Any, valid: tuple[str, ...]) -> None:
    if value not in valid:
        err = unknown_name(kind, value, valid)
        raise err


def _frame_attrs(df: pd.DataFrame | pd.Series, prep: Prepared, engine: str, **extra: Any) -> None:
    df.attrs.update(prep.attrs(engine))
    df.attrs.update(extra)


def _nan_inf(a: np.ndarray) -> np.ndarray:
    out = np.asarray(a, dtype=np.float64).copy()
    out[~np.isfinite(out)] = np.nan
    return out


# ---------------------------------------------------------------------------
# OD tables
# ---------------------------------------------------------------------------


def od_matrix(
    G: nx.Graph,
    *,
    sources: Any = None,
    targets: Any = None,
    weight: str = "time_min",
    engine: str | None = None,
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
        records the engine used.

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

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik* 1, 269-271.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> od_matrix(diamond(), targets=["a", "b", "c", "d"])  # doctest: +NORMALIZE_WHITESPACE
    target     a     b     c     d
    source
    a        0.0  10.0  20.0  20.0
    b       10.0   0.0  30.0  10.0
    c       20.0  30.0   0.0  20.0
    """
    req = resolve_engine(engine)
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=default_nodes(G), what="target")
    eng = prep.engine_for(req, searches=min(len(src), len(tgt)))
    d = od_block(prep, src, tgt, eng, nan_unreachable=True)
    unreachable = sum(int(np.isnan(d[i : i + 256]).sum()) for i in range(0, len(src), 256))
    df = pd.DataFrame(
        d, index=pd.Index(src, name="source"), columns=pd.Index(tgt, name="target"), copy=False
    )
    _frame_attrs(df, prep, eng, unit=unit_of(G, weight), unreachable=unreachable)
    return df


def route_length(
    G: nx.Graph,
    *,
    sources: Any = None,
    targets: Any = None,
    weight: str = "time_min",
    length: str = "length_km",
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
    >>> from urbanchain.metrics._toy import diamond
    >>> route_length(diamond(), sources=["a"], targets=["b", "c"], length="time_min")
    ... # doctest: +NORMALIZE_WHITESPACE
    target     b     c
    source
    a       10.0  20.0
    """
    if is_network(G):
        G = G.to_networkx()  # path reconstruction runs on networkx
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=default_nodes(G), what="target")
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
    df = pd.DataFrame(out, index=pd.Index(src, name="source"), columns=pd.Index(tgt, name="target"))
    _frame_attrs(df, prep, "networkx", unit=unit_of(G, length), route_weight=weight)
    return df


def detour_index(
    G: nx.Graph,
    *,
    sources: Any = None,
    targets: Any = None,
    length: str = "length_km",
    engine: str | None = None,
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
    >>> from urbanchain.metrics._toy import diamond
    >>> detour_index(diamond(), sources=["a"], targets=["b", "d"]).round(2)  # doctest: +NORMALIZE_WHITESPACE
    target     b     d
    source
    a       0.66  0.96
    """
    req = resolve_engine(engine)
    prep = prepare(G, length, what="length")
    src = resolve_nodes(G, sources, default=default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=default_nodes(G), what="target")
    eng = prep.engine_for(req, searches=min(len(src), len(tgt)))
    net = od_block(prep, src, tgt, eng, nan_unreachable=True)
    geo = geodesic_km(G, src, tgt)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(geo > 0, net / geo, np.nan)
    df = pd.DataFrame(
        ratio, index=pd.Index(src, name="source"), columns=pd.Index(tgt, name="target")
    )
    _frame_attrs(df, prep, eng, unit="ratio (network km / geodesic km)")
    return df


def gravity(
    G: nx.Graph,
    *,
    mass: str | Mapping[Any, float] | pd.Series | None = None,
    beta: float = 2.0,
    sources: Any = None,
    targets: Any = None,
    weight: str = "time_min",
    missing: str = "warn",
    engine: str | None = None,
) -> pd.DataFrame:
    r"""Gravity-model interaction potential between node pairs.

    .. math:: T_{ij} = \frac{M_i M_j}{d_{ij}^{\beta}}, \qquad i \ne j

    with :math:`d_{ij}` the shortest-path cost (minutes for ``time_min``).

    Parameters
    ----------
    G
        Chain graph.
    mass
        Node attribute name, or a mapping/Series node id -> mass.  Default
        (None): ``province_population`` when nodes carry it, else ``population``.
    beta
        Distance exponent; default 2, the Newtonian form of the gravity model
        (Rodrigue 2020); empirical values on travel time are often 1-2.
    sources, targets
        Node ids (default: capitals, else base nodes).
    weight
        Edge cost attribute.
    missing
        ``"warn"`` (default) leaves nodes without a usable mass out with a
        :class:`~urbanchain.errors.DataQualityWarning` that counts them, and
        raises when most lack one; ``"error"`` raises listing them; ``"drop"``
        leaves them out with the warning.  A missing mass is never 0.
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``; recorded in ``attrs["engine"]``.

    Returns
    -------
    pandas.DataFrame
        Interaction in ``mass**2 / unit**beta``; NaN on the diagonal, 0 for
        unreachable pairs (the limit :math:`d \to \infty`).

    Raises
    ------
    ValidationError
        Missing masses with ``missing="error"``, or ``beta < 0``.

    References
    ----------
    Rodrigue, J.-P. (2020). *The Geography of Transport Systems*, 5th ed., Routledge.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> gravity(diamond(), sources=["a"], targets=["b", "c"])  # doctest: +NORMALIZE_WHITESPACE
    target     b    c
    source
    a       50.0  5.0
    """
    if not (isinstance(beta, int | float) and math.isfinite(beta) and beta >= 0):
        msg = f"beta must be a finite number >= 0; got {beta!r}."
        raise ValidationError(msg)
    req = resolve_engine(engine)
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=default_nodes(G), what="target")
    src_kept, m_src = masses(G, mass, src, missing=missing)
    tgt_kept, m_tgt = masses(G, mass, tgt, missing=missing)
    eng = prep.engine_for(req, searches=min(len(src_kept), len(tgt_kept)))
    d = od_block(prep, src_kept, tgt_kept, eng)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.outer(m_src, m_tgt) / d**beta
    t[~np.isfinite(d)] = 0.0
    t[d == 0] = np.nan
    df = pd.DataFrame(
        t, index=pd.Index(src_kept, name="source"), columns=pd.Index(tgt_kept, name="target")
    )
    _frame_attrs(df, prep, eng, unit=f"mass^2 / {unit_of(G, weight)}^{beta:g}", beta=beta)
    return df


# ---------------------------------------------------------------------------
# Accessibility and gateways
# ---------------------------------------------------------------------------


def _decay(d: np.ndarray, decay: str, beta: float) -> np.ndarray:
    """Decay ``f(d)``; for ``"cumulative"`` ``beta`` is the cutoff: ``f = 1 if d <= cutoff``."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if decay == "cumulative":
            f = (np.asarray(d) <= beta).astype(np.float64)
        elif decay == "exponential":
            f = np.exp(-beta * d)
        else:
            f = d ** (-beta)
    f = np.asarray(f, dtype=np.float64)
    f[~np.isfinite(d)] = 0.0
    return f


def _resolve_beta(G: nx.Graph, decay: str, beta: float | None, weight: str) -> float:
    _check_choice("decay", decay, _DECAYS)
    if decay == "cumulative":
        msg = (
            "decay='cumulative' counts opportunities within a cutoff and is available in "
            "accessibility(..., decay='cumulative', cutoff=...); use decay='exponential' or "
            "'power' here."
        )
        raise ValidationError(msg)
    if beta is None:
        if decay == "exponential" and unit_of(G, weight) != "min":
            msg = (
                f"The default exponential beta is per minute, but weight {weight!r} is in "
                f"{unit_of(G, weight)!r}. Pass beta= in the unit of the weight."
            )
            raise ValidationError(msg)
        return DEFAULT_BETA[decay]
    if not (isinstance(beta, int | float) and math.isfinite(beta) and beta > 0):
        msg = f"beta must be a finite number > 0; got {beta!r}."
        raise ValidationError(msg)
    return float(beta)


def _hansen(
    d: np.ndarray,
    m: np.ndarray,
    src: list[Any],
    dest: list[Any],
    *,
    decay: str,
    beta: float,
    include_self: bool,
) -> tuple[np.ndarray, np.ndarray]:
    f = _decay(d, decay, beta)
    pos = {v: j for j, v in enumerate(dest)}
    for i, v in enumerate(src):
        if v in pos and not include_self:
            f[i, pos[v]] = 0.0
    reached = (np.isfinite(d) & (f > 0)).sum(axis=1)
    return f @ m, reached


def _hansen_sums(
    prep: Prepared,
    src: list[Any],
    dest: list[Any],
    m: np.ndarray,
    eng: str,
    *,
    decay: str,
    beta: float,
    include_self: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Hansen sums per source, never holding the sources x destinations table whole.

    With fewer destinations than sources, distances run from blocks of
    destinations (on the reversed graph; on cch only when undirected, where
    d(s, t) = d(t, s)) and each block adds its share to every source's sum;
    otherwise from blocks of sources (:func:`od_rows`).
    """
    csr = prep.csr
    if len(dest) < len(src) and (eng != "cch" or not csr.directed):
        sidx = np.array([csr.index[v] for v in src], dtype=np.int64)
        tidx = np.array([csr.index[v] for v in dest], dtype=np.int64)
        a = np.zeros(len(src))
        reached = np.zeros(len(src), dtype=np.int64)
        where = {v: i for i, v in enumerate(src)}
        step = block_rows(csr.n)
        for start in range(0, len(dest), step):
            stop = min(start + step, len(dest))
            if eng == "cch":
                d = prep.cch().many_to_many(tidx[start:stop], sidx)
            else:
                d = dist_rows(prep, dest[start:stop], eng, reverse=True)[:, sidx]
            f = _decay(d, decay, beta)  # f[j, i]: destination j, source i
            if not include_self:
                for j, v in enumerate(dest[start:stop]):
                    if v in where:
                        f[j, where[v]] = 0.0
            a += m[start:stop] @ f
            reached += (np.isfinite(d) & (f > 0)).sum(axis=0)
        return a, reached
    a = np.empty(len(src))
    reached = np.empty(len(src), dtype=np.int64)
    for pos, d in od_rows(prep, src, dest, eng):
        a[pos], reached[pos] = _hansen(
            d,
            m,
            [src[i] for i in pos.tolist()],
            dest,
            decay=decay,
            beta=beta,
            include_self=include_self,
        )
    return a, reached


def _intrazonal_time(
    G: nx.Graph, src: list[Any], self_time: float | Mapping[Any, float] | None, weight: str
) -> tuple[np.ndarray, str]:
    """Intra-zonal cost of each source (see :func:`accessibility`) and how it was set."""
    if self_time is not None and not isinstance(self_time, Mapping | pd.Series):
        if not (
            isinstance(self_time, int | float)
            and not isinstance(self_time, bool)
            and math.isfinite(self_time)
            and self_time >= 0
        ):
            msg = (
                f"self_time must be a finite number >= 0 (in the unit of {weight!r}); "
                f"got {self_time!r}."
            )
            raise ValidationError(msg)
        return np.full(len(src), float(self_time)), "given"
    if self_time is not None:
        table = dict(self_time.items())
        bad = [v for v in src if _bad_mass(table.get(v))]
        if bad:
            msg = (
                f"self_time has no finite value >= 0 for {len(bad)} source node(s): "
                f"{format_ids(bad)}. Give every source a value, or a single number."
            )
            raise ValidationError(msg)
        return np.array([float(table[v]) for v in src]), "given"
    if unit_of(G, weight) != "min":
        msg = (
            f"The default intra-zonal time is in minutes, but weight {weight!r} is in "
            f"{unit_of(G, weight)!r}. Pass self_time= in the unit of the weight."
        )
        raise ValidationError(msg)
    params = (G.graph.get("provenance") or {}).get("parameters") or {}
    speed = float(params.get("access_speed_kmh") or INTRAZONAL_SPEED_KMH)
    area = pd.to_numeric(pd.Series(node_values(G, src, "province_area_km2")), errors="coerce")
    bad = [v for v, a in zip(src, area, strict=True) if not (pd.notna(a) and a > 0)]
    if bad:
        msg = (
            f"include_self=True needs each source's zone area (node attribute "
            f"'province_area_km2') to set its intra-zonal time, and {len(bad)} source(s) have "
            f"none: {format_ids(bad)}. Pass sources= with capitals of the bundled chain, or "
            f"self_time= (minutes, a number or a mapping node id -> minutes)."
        )
        raise ValidationError(msg)
    radius = np.sqrt(area.to_numpy(dtype=np.float64) / math.pi)
    k = INTRAZONAL_RADIUS_FACTOR
    return k * radius / speed * 60.0, f"{k:g} * sqrt(area / pi) at {speed:g} km/h"


#: Share of the equal-area circle's radius taken as the intra-zonal distance
#: of :func:`accessibility` (``include_self=True``); see Frost & Spence (1995).
INTRAZONAL_RADIUS_FACTOR = 0.5

#: Speed (km/h) of the default intra-zonal trip of :func:`accessibility` when
#: the graph does not record its access-link speed (``access_speed_kmh``).
INTRAZONAL_SPEED_KMH = 30.0


def accessibility(
    G: nx.Graph,
    *,
    mass: str | Mapping[Any, float] | pd.Series | None = None,
    decay: str = "exponential",
    beta: float | None = None,
    cutoff: float | None = None,
    weight: str = "time_min",
    sources: Any = None,
    destinations: Any = None,
    include_self: bool = False,
    self_time: float | Mapping[Any, float] | None = None,
    missing: str = "warn",
    engine: str | None = None,
) -> pd.DataFrame:
    r"""Hansen (1959) potential accessibility, or cumulative opportunities within a cutoff.

    .. math::

        A_i = \sum_{j \in D,\, j \ne i} M_j\, f(d_{ij}) \;+\; [\text{include\_self}]\, M_i\, f(t_{ii}),

    .. math::

        f(d) = e^{-\beta d} \;(\text{exponential}), \quad d^{-\beta} \;(\text{power}), \quad
        \mathbf{1}[d \le c] \;(\text{cumulative, cutoff } c)

    The cumulative form counts the mass reachable within ``cutoff`` (the
    "cumulative opportunities" measure, Wachs & Kumagai 1973).

    **Own mass.**  A capital stands for its province; leaving its own
    population out (the default) makes the largest province look the least
    accessible.  ``include_self=True`` adds :math:`M_i f(t_{ii})` with the
    *intra-zonal* time :math:`t_{ii}` of a trip inside the zone, by default
    half the radius of a circle of the zone's area travelled at the access
    speed :math:`v` (the graph's ``access_speed_kmh``, 30 km/h by default):

    .. math:: t_{ii} = \frac{1}{v} \cdot \frac{1}{2}\sqrt{A_i / \pi}

    the usual approximation of the internal impedance in potential models: a
    weighting (here :data:`INTRAZONAL_RADIUS_FACTOR` = 1/2) of the radius of
    the circle with the zone's area (Frost & Spence 1995, who show that the
    weighting matters; Condeço-Melhorado et al. 2016 compare it with measured
    internal travel times).  The zone area is the node attribute
    ``province_area_km2`` (the bundled chains carry the official province
    area); ``self_time=`` overrides the rule, e.g. to test another weighting.

    Parameters
    ----------
    G
        Chain graph.
    mass
        Node attribute name or a mapping/Series node id -> mass.  Default
        (None): ``province_population`` when the nodes carry it (the bundled
        chains: each capital's official province population), else ``population``.
    decay
        ``"exponential"`` (default), ``"power"`` or ``"cumulative"``.
    beta
        Decay parameter in the unit of ``weight``.  Default
        :data:`DEFAULT_BETA`: exponential ``ln 2 / 120`` per minute (half-life
        120 min, the inter-regional value of Rosik et al. 2015; ESPON uses 0.005),
        power 1.  Not used by ``"cumulative"``.
    cutoff
        ``decay="cumulative"`` only (required): the largest cost counted, in the
        unit of ``weight`` (minutes for ``time_min``), > 0.
    weight
        Edge cost attribute (minutes for ``time_min``).
    sources
        Nodes to score (ids or names; default: every base node).
    destinations
        Nodes carrying mass (default: the mapping's keys; the capitals for
        ``province_population``; else nodes of kind ``"city"``).
    include_self
        Add the node's own mass at the intra-zonal time (see above).
    self_time
        Intra-zonal cost in the unit of ``weight``: a number, or a mapping node
        id -> cost.  None: the circle-radius rule above.
    missing
        ``"warn"`` (default): destinations without a usable mass are left out
        with a :class:`~urbanchain.errors.DataQualityWarning` that counts them,
        and more than half missing raises; ``"error"`` raises on any;
        ``"drop"`` leaves them out with the warning.  Never treated as 0.
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``; recorded in ``attrs["engine"]``.

    Returns
    -------
    pandas.DataFrame
        ``name``, ``accessibility`` (mass units, decayed; for cumulative, mass
        within the cutoff) and ``destinations_reached`` per source;
        ``self_time`` when ``include_self``.  ``attrs`` records the mass,
        decay, beta or cutoff and the intra-zonal rule.

    Raises
    ------
    ValidationError
        Missing masses (``missing="error"``, or most missing), a bad ``beta``
        or ``cutoff``, or ``include_self`` without a zone area.

    References
    ----------
    Hansen, W. G. (1959). How accessibility shapes land use. *Journal of the
    American Institute of Planners* 25(2), 73-76.
    Wachs, M. & Kumagai, T. G. (1973). Physical accessibility as a social
    indicator. *Socio-Economic Planning Sciences* 7(5), 437-456.
    Frost, M. E. & Spence, N. A. (1995). The rediscovery of accessibility and
    economic potential: the critical issue of self-potential. *Environment and
    Planning A* 27(11), 1833-1848.
    Condeço-Melhorado, A., Demirel, H., Kompil, M., Navajas, E. & Christidis, P.
    (2016). The impact of measuring internal travel distances on selfpotentials
    and accessibility. *European Journal of Transport and Infrastructure
    Research* 16(2), 300-318.
    Rosik, P., Stępniak, M. & Komornicki, T. (2015). The decade of the big push to
    roads in Poland. *Transport Policy* 37, 134-146.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> acc = accessibility(diamond(), decay="power", beta=1.0, sources=["a", "d"])
    >>> acc["accessibility"].round(3).tolist()
    [6.0, 11.0]
    >>> within = accessibility(diamond(), decay="cumulative", cutoff=15, sources=["a", "d"])
    >>> within["accessibility"].tolist()
    [50.0, 50.0]
    """
    req = resolve_engine(engine)
    if decay == "cumulative":
        if not (
            isinstance(cutoff, int | float)
            and not isinstance(cutoff, bool)
            and math.isfinite(cutoff)
            and cutoff > 0
        ):
            msg = (
                f"decay='cumulative' needs cutoff= a finite number > 0 in the unit of "
                f"{weight!r} (e.g. cutoff=60 for one hour); got {cutoff!r}."
            )
            raise ValidationError(msg)
        b = float(cutoff)
    else:
        if cutoff is not None:
            msg = f"cutoff= applies to decay='cumulative' only; got decay={decay!r}. Drop cutoff=."
            raise ValidationError(msg)
        b = _resolve_beta(G, decay, beta, weight)
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=base_nodes(G) or node_ids(G), what="source")
    mass_name = default_mass(G) if mass is None else mass
    dest, m = masses(G, mass_name, destinations, missing=missing)
    eng = prep.engine_for(req, searches=min(len(src), len(dest)))
    a, reached = _hansen_sums(prep, src, dest, m, eng, decay=decay, beta=b, include_self=False)
    cols: dict[str, Any] = {"name": node_names(G, src)}
    rule = None
    if include_self:
        t_self, rule = _intrazonal_time(G, src, self_time, weight)
        pos = {v: j for j, v in enumerate(dest)}
        own = np.array([m[pos[v]] if v in pos else 0.0 for v in src])
        if decay == "power" and (t_self <= 0).any():
            msg = (
                "include_self=True with decay='power' needs an intra-zonal time > 0 "
                "(f(0) is infinite); pass self_time= > 0 or use decay='exponential'."
            )
            raise ValidationError(msg)
        f_self = _decay(t_self, decay, b)
        a = a + own * f_self
        reached = reached + ((own > 0) & (f_self > 0)).astype(np.int64)
        cols["self_time"] = t_self
    cols["accessibility"] = a
    cols["destinations_reached"] = reached
    df = pd.DataFrame(cols, index=pd.Index(src, name="node_id"))
    unit = unit_of(G, weight)
    extra: dict[str, Any] = {
        "decay": decay,
        "mass": mass_name if isinstance(mass_name, str) else "mapping",
        "include_self": include_self,
        "intrazonal": rule,
    }
    if decay == "cumulative":
        extra["cutoff"] = b
        extra["cutoff_unit"] = unit
    else:
        extra["beta"] = b
        extra["beta_unit"] = f"1/{unit}" if decay == "exponential" else "exponent"
    _frame_attrs(
        df,
        prep,
        eng,
        units={
            "accessibility": "mass within cutoff" if decay == "cumulative" else "mass (decayed)",
            "destinations_reached": "count",
            "self_time": unit,
        },
        **extra,
    )
    return df


def gateway_access(
    G: nx.Graph,
    *,
    kinds: tuple[str, ...] = ("seaport", "airport", "border_gate"),
    weight: str = "time_min",
    sources: Any = None,
    direction: str = "out",
    engine: str | None = None,
) -> pd.DataFrame:
    r"""Cost from each node to the nearest gateway of each kind.

    .. math:: g_i^{(k)} = \min_{j : \mathrm{kind}(j) = k} d_{ij}

    Parameters
    ----------
    G
        Chain graph with a ``kind`` node attribute.
    kinds
        Gateway kinds; each must occur in the graph.
    weight
        Edge cost attribute (minutes for ``time_min``).
    sources
        Nodes to report (default: capitals, else base nodes).
    direction
        Directed graphs: ``"out"`` (node to gateway, default) or ``"in"`` (gateway to node).
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``; recorded in ``attrs["engine"]``.

    Returns
    -------
    pandas.DataFrame
        ``name``, then per kind ``<kind>_min`` (cost, NaN if none reachable),
        ``<kind>_id`` and ``<kind>_name`` (the nearest gateway, None if none
        reachable) per node.

    Raises
    ------
    GraphError
        A kind with no node in the graph.

    References
    ----------
    Rodrigue, J.-P. (2020). *The Geography of Transport Systems*, 5th ed.,
    Routledge (gateways and accessibility).

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> gateway_access(diamond(), kinds=("seaport",))  # doctest: +NORMALIZE_WHITESPACE
            name  seaport_min seaport_id seaport_name
    node_id
    a          a         20.0          d            d
    b          b         10.0          d            d
    c          c         20.0          d            d
    """
    req = resolve_engine(engine)
    _check_choice("direction", direction, _DIRECTIONS)
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=default_nodes(G), what="source")
    # scipy runs one multi-source search per kind; cch answers a sources x gateways table
    eng = prep.engine_for(req, searches=len(kinds))
    all_ids = node_ids(G)
    all_kinds = node_attr(G, "kind")
    present = sorted({str(k) for k in all_kinds if k is not None})
    cols: dict[str, Any] = {}
    sidx = np.array([prep.csr.index[v] for v in src], dtype=np.int64)
    # distances node -> gateway are distances from the gateways on the reversed graph
    reverse = direction == "out"
    for kind in kinds:
        gates = [v for v, k in zip(all_ids, all_kinds, strict=True) if k == kind]
        if not gates:
            msg = (
                f"No node of kind {kind!r} in the graph (kinds present: "
                f"{', '.join(present) or 'none'}). Pass kinds= with kinds that exist."
            )
            raise GraphError(msg)
        if eng == "scipy":
            mat = prep.csr.transposed() if reverse else prep.csr.matrix
            gidx = np.array([prep.csr.index[v] for v in gates], dtype=np.int64)
            dist, near = _kernels.multi_source(mat, gidx)
            dsel = dist[sidx]
            ids = [prep.csr.nodes[j] if j >= 0 else None for j in near[sidx].tolist()]
        elif eng == "cch":
            gidx = np.array([prep.csr.index[v] for v in gates], dtype=np.int64)
            g = prep.cch()
            tab = g.many_to_many(sidx, gidx) if reverse else g.many_to_many(gidx, sidx).T
            dsel = tab.min(axis=1)
            best = tab.argmin(axis=1)
            ids = [
                gates[j] if np.isfinite(x) else None
                for j, x in zip(best.tolist(), dsel.tolist(), strict=True)
            ]
        else:
            GX = prep.nx_graph()
            H = GX.reverse(copy=False) if (reverse and GX.is_directed()) else GX
            dd, paths = nx.multi_source_dijkstra(H, set(gates), weight=weight)
            dsel = np.array([dd.get(v, np.inf) for v in src], dtype=np.float64)
            ids = [paths[v][0] if v in paths else None for v in src]
        cols[f"{kind}_min"] = _nan_inf(dsel)
        cols[f"{kind}_id"] = pd.Series(ids, dtype=object).to_numpy()
        found = [v for v in ids if v is not None]
        label = dict(zip(found, node_names(G, found), strict=True))
        cols[f"{kind}_name"] = pd.Series([label.get(v) for v in ids], dtype=object).to_numpy()
    df = pd.DataFrame(cols, index=pd.Index(src, name="node_id"))
    df.insert(0, "name", node_names(G, src))
    unit = unit_of(G, weight)
    _frame_attrs(df, prep, eng, units={f"{k}_min": unit for k in kinds}, direction=direction)
    return df


# ---------------------------------------------------------------------------
# Centrality and efficiency
# ---------------------------------------------------------------------------


def _check_connected(G: nx.Graph, comp: dict[Any, int], prep: Prepared) -> None:
    strongly = (not G.is_directed()) or (
        connected_components(prep.csr.matrix, directed=True, connection="strong")[0] == 1
    )
    if max(comp.values()) > 0 or not strongly:
        sizes = pd.Series(comp).value_counts().sort_index()
        shown = ", ".join(f"component {i}: {n} nodes" for i, n in sizes.items())
        msg = (
            f"policy='error': the graph is not {'strongly ' if G.is_directed() else ''}connected "
            f"({shown}). Closeness of a disconnected graph depends on a convention; pass "
            f"policy='component' (Wasserman-Faust scaling within each component) or use the "
            f"'harmonic' column, which is defined on disconnected graphs."
        )
        raise GraphError(msg)


def centrality(
    G: nx.Graph,
    *,
    weight: str = "time_min",
    normalized: bool = True,
    length: str | None = "length_km",
    policy: str = "component",
    direction: str = "out",
    k: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    r"""Node centralities: degree, closeness, harmonic, betweenness and straightness.

    With :math:`d_{ij}` the weighted shortest-path cost, :math:`r_i` the number
    of nodes reachable from :math:`i` (itself included) and :math:`n` the node count:

    .. math::

        C_i &= \frac{r_i - 1}{\sum_{j} d_{ij}} \cdot \frac{r_i - 1}{n - 1}
        \quad\text{(closeness, Wasserman-Faust scaled)}\\
        H_i &= \frac{1}{n - 1}\sum_{j \ne i} \frac{1}{d_{ij}}
        \quad\text{(harmonic; } 1/\infty = 0\text{)}\\
        B_v &= \frac{2}{(n-1)(n-2)} \sum_{s < t,\; s, t \ne v}
        \frac{\sigma_{st}(v)}{\sigma_{st}}
        \quad\text{(betweenness, undirected)}\\
        S_i &= \frac{1}{n - 1}\sum_{j \ne i} \frac{d^{\mathrm{geo}}_{ij}}{d^{\mathrm{len}}_{ij}}
        \quad\text{(straightness; 0 if unreachable)}

    where :math:`d^{\mathrm{len}}` is the shortest path by ``length`` (km) and
    :math:`d^{\mathrm{geo}}` the geodesic between node coordinates.

    Parameters
    ----------
    G
        Chain graph.
    weight
        Edge cost attribute for closeness, harmonic and betweenness.
    normalized
        Normalise harmonic by :math:`n-1` and betweenness by the number of pairs
        (as NetworkX); when False both are raw sums (undirected betweenness counts
        each unordered pair once).
    length
        Edge length attribute (km) for straightness; None skips straightness.
    policy
        Disconnected graphs: ``"component"`` (default) computes closeness within
        each node's component with the Wasserman-Faust factor :math:`(r_i-1)/(n-1)`
        (NetworkX ``wf_improved=True``); ``"error"`` raises unless the graph is
        (strongly) connected.
    direction
        Directed graphs: ``"out"`` (costs from the node, default) or ``"in"``
        (costs to the node, NetworkX's closeness convention).
    k
        Betweenness from ``k`` sampled sources instead of all ``n`` (Brandes &
        Pich 2007), for large networks: see :func:`edge_betweenness` for the
        estimator and its error.  None (default) is exact.
    seed
        Seed of the source sample (:func:`numpy.random.default_rng`; the
        ``"networkx"`` engine passes it to NetworkX's own sampler).
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``.  The distances
        (closeness, harmonic, straightness) run on the chosen engine;
        betweenness needs the shortest-path DAG and always runs Brandes'
        accumulation on scipy (``"networkx"``: NetworkX), recorded in
        ``attrs["betweenness_engine"]``.

    Returns
    -------
    pandas.DataFrame
        Indexed by node id: ``component`` (0 = largest), ``degree`` (incident
        edges, parallel edges counted, self-loops not), ``closeness`` (1/unit),
        ``harmonic`` (1/unit), ``betweenness`` and ``straightness`` (ratios).

    Raises
    ------
    GraphError
        Empty graph, ``policy="error"`` on a disconnected graph, nodes without
        coordinates (with ``length`` set).
    WeightError
        Invalid weights or lengths.

    References
    ----------
    Freeman, L. C. (1979). Centrality in social networks: conceptual clarification.
    *Social Networks* 1, 215-239.
    Freeman, L. C. (1977). A set of measures of centrality based on betweenness.
    *Sociometry* 40, 35-41.
    Brandes, U. (2001). A faster algorithm for betweenness centrality.
    *Journal of Mathematical Sociology* 25(2), 163-177.
    Wasserman, S. & Faust, K. (1994). *Social Network Analysis*. Cambridge UP.
    Marchiori, M. & Latora, V. (2000). Harmony in the small-world. *Physica A* 285, 539-546.
    Boldi, P. & Vigna, S. (2014). Axioms for centrality. *Internet Mathematics* 10, 222-262.
    Vragović, I., Louis, E. & Díaz-Guilera, A. (2005). Efficiency of informational
    transfer in regular and complex networks. *Physical Review E* 71, 036122.
    Porta, S., Crucitti, P. & Latora, V. (2006). The network analysis of urban
    streets: a primal approach. *Environment and Planning B* 33, 705-725.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> c = centrality(diamond(), length=None)
    >>> c[["degree", "closeness", "harmonic", "betweenness"]].round(4)  # doctest: +NORMALIZE_WHITESPACE
             degree  closeness  harmonic  betweenness
    node_id
    a             2     0.0600    0.0667       0.1667
    b             2     0.0600    0.0778       0.3333
    c             2     0.0429    0.0444       0.0000
    d             2     0.0600    0.0667       0.1667
    """
    req = resolve_engine(engine)
    _check_choice("policy", policy, _POLICIES)
    _check_choice("direction", direction, _DIRECTIONS)
    prep = prepare(G, weight)
    lprep = prepare(G, length, what="length", warn=False) if length is not None else None
    nodes = prep.csr.nodes
    n = len(nodes)
    sample = _bc_sample(n, k, seed)
    eng = prep.engine_for(req, searches=n)
    bc_eng = "networkx" if eng == "networkx" else "scipy"
    comp = component_ids(prep)
    if policy == "error":
        _check_connected(G, comp, prep)
    reverse = direction == "in"
    closeness = np.zeros(n)
    harmonic = np.zeros(n)
    straight = np.zeros(n) if lprep is not None else None
    if eng != "networkx":
        for pos, d in row_blocks(prep, np.arange(n), eng, reverse=reverse):
            closeness[pos], harmonic[pos] = _close_harm(d, pos, n)
        node_bc, _ = _kernels.brandes(prep.csr.matrix, sample)
        if sample is not None:
            node_bc = node_bc * (n / len(sample))
        node_bc = _scale_node_bc(node_bc, n, normalized, G.is_directed())
    else:
        GX = prep.nx_graph()
        H = GX.reverse(copy=False) if (GX.is_directed() and not reverse) else GX
        cl = nx.closeness_centrality(H, distance=weight)
        hm = nx.harmonic_centrality(H, distance=weight)
        closeness = np.array([cl[v] for v in nodes], dtype=np.float64)
        harmonic = np.array([hm[v] for v in nodes], dtype=np.float64)
        if normalized and n > 1:
            harmonic = harmonic / (n - 1)
        bc = nx.betweenness_centrality(
            GX,
            weight=weight,
            normalized=normalized,
            k=None if sample is None else len(sample),
            seed=seed,
        )
        node_bc = np.array([bc[v] for v in nodes], dtype=np.float64)
    if not normalized:
        pass
    elif eng != "networkx" and n > 1:
        harmonic = harmonic / (n - 1)
    if lprep is not None and straight is not None:
        all_nodes = list(nodes)
        leng = lprep.engine_for(req, searches=n)
        step = max(1, block_rows(n) // 4)  # geodesics hold a few chunk x n arrays
        for start in range(0, n, step):
            chunk = all_nodes[start : start + step]
            dl = dist_rows(lprep, chunk, leng, reverse=reverse)
            geo = geodesic_km(G, chunk, all_nodes)
            if reverse:
                pass  # geodesic distance is symmetric
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(np.isfinite(dl) & (dl > 0), geo / dl, 0.0)
            straight[start : start + len(chunk)] = ratio.sum(axis=1) / max(n - 1, 1)
    # incident edges without self-loops (in + out on a directed graph)
    csr = prep.csr
    degree = np.bincount(csr.edge_u, minlength=n) + np.bincount(csr.edge_v, minlength=n)
    data: dict[str, Any] = {
        "component": [comp[v] for v in nodes],
        "degree": np.asarray(degree, dtype=np.int64),
        "closeness": closeness,
        "harmonic": harmonic,
        "betweenness": node_bc,
    }
    if straight is not None:
        data["straightness"] = straight
    df = pd.DataFrame(data, index=pd.Index(nodes, name="node_id"))
    unit = unit_of(G, weight)
    _frame_attrs(
        df,
        prep,
        eng,
        units={
            "component": "id",
            "degree": "count",
            "closeness": f"1/{unit}",
            "harmonic": f"1/{unit}",
            "betweenness": "share of pairs" if normalized else "pairs",
            "straightness": "ratio",
        },
        policy=policy,
        direction=direction,
        normalized=normalized,
        n_components=max(comp.values()) + 1,
        betweenness_engine=bc_eng,
        betweenness_k=None if sample is None else len(sample),
        betweenness_seed=seed,
    )
    return df


def _bc_sample(n: int, k: int | None, seed: int | None) -> np.ndarray | None:
    """Sorted sample of ``k`` distinct source rows (None = exact, all sources)."""
    if k is None:
        return None
    if not (isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1):
        msg = f"k must be None (exact) or a positive integer number of sampled sources; got {k!r}."
        raise ValidationError(msg)
    if k >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=int(k), replace=False))


def _close_harm(d: np.ndarray, pos: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return closeness (Wasserman-Faust) and raw harmonic sums for a block of rows."""
    fin = np.isfinite(d)
    r = fin.sum(axis=1)  # reachable nodes including self
    total = np.where(fin, d, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(fin & (d > 0), 1.0 / d, 0.0)
        cl = np.where(total > 0, (r - 1) / total, 0.0)
    if n > 1:
        cl = cl * (r - 1) / (n - 1)
    return cl, inv.sum(axis=1)


def _scale_node_bc(bc: np.ndarray, n: int, normalized: bool, directed: bool) -> np.ndarray:
    if normalized:
        return bc / ((n - 1) * (n - 2)) if n > 2 else bc
    return bc if directed else bc / 2.0


def edge_betweenness(
    G: nx.Graph,
    *,
    weight: str = "time_min",
    normalized: bool = True,
    k: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
) -> pd.DataFrame:
    r"""Edge betweenness (Brandes 2001), keyed by ``edge_id``.

    .. math:: B_e = \frac{1}{n(n-1)} \sum_{s \ne t} \frac{\sigma_{st}(e)}{\sigma_{st}}

    On a multigraph the value of a node pair is shared equally between its
    parallel edges of minimum weight (others get 0), as in NetworkX; self-loops get 0.

    **Sampled betweenness** (``k`` set, Brandes & Pich 2007): the dependencies
    are accumulated from ``k`` sources drawn uniformly without replacement and
    multiplied by :math:`n/k`,

    .. math:: \hat B = \frac{n}{k} \sum_{s \in S_k} \delta_{s\bullet},
        \qquad \mathbb{E}[\hat B] = B,

    an unbiased estimate of the exact value (``k >= n`` is exact).  Each
    source's term, divided by its largest possible value, lies in [0, 1], so by
    Hoeffding's inequality the normalised estimate of a node (or edge) is within

    .. math:: \varepsilon = \frac{n}{n-1}\sqrt{\frac{\ln(2/\alpha)}{2k}}

    of the exact normalised value with probability at least :math:`1-\alpha`
    (a worst-case bound: about 0.043 for :math:`k = 1000, \alpha = 0.05`; the
    observed error is usually far smaller).  ``betweenness_k`` and
    ``betweenness_seed`` are in ``attrs``.

    Parameters
    ----------
    G
        Chain graph.
    weight
        Edge cost attribute.
    normalized
        Divide by :math:`n(n-1)`; when False, raw counts (undirected: unordered pairs).
    k
        Number of sampled sources (None: exact, every source).
    seed
        Seed of the sample (:func:`numpy.random.default_rng`; NetworkX's own sampler
        with ``engine="networkx"``).
    engine
        ``"auto"``, ``"scipy"`` or ``"networkx"``.  Betweenness needs the
        shortest-path DAG, which the cch engine does not expose: ``"cch"`` runs on
        scipy and ``attrs["engine"]`` says ``"scipy"``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``edge_id``: ``u``, ``v``, ``corridor_id`` (if present) and ``betweenness``.

    Raises
    ------
    WeightError
        Invalid weights.

    References
    ----------
    Brandes, U. (2001). A faster algorithm for betweenness centrality.
    *Journal of Mathematical Sociology* 25(2), 163-177.
    Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
    *International Journal of Bifurcation and Chaos* 17(7), 2303-2318.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> edge_betweenness(diamond(), normalized=False)["betweenness"].tolist()
    [2.5, 1.5, 2.5, 1.5]
    """
    req = resolve_engine(engine)
    eng = "networkx" if req == "networkx" else "scipy"
    if is_network(G):
        G = G.to_networkx()  # per-edge rows with their keys come from networkx
    prep = prepare(G, weight)
    csr = prep.csr
    n = csr.n
    sample = _bc_sample(n, k, seed)
    multi = G.is_multigraph()
    rows: list[tuple[Any, Any, Any, Any, float]] = []
    all_edges = (
        list(G.edges(keys=True, data=True))
        if multi
        else [(u, v, None, d) for u, v, d in G.edges(data=True)]
    )
    if eng == "scipy":
        _, entry = _kernels.brandes(csr.matrix, sample)
        if sample is not None:
            entry = entry * (n / len(sample))
        m = csr.matrix
        pair_val: dict[tuple[int, int], float] = {}
        rows_idx = np.repeat(np.arange(n), np.diff(m.indptr))
        for i, j, val in zip(rows_idx.tolist(), m.indices.tolist(), entry.tolist(), strict=True):
            key = (i, j) if G.is_directed() else (min(i, j), max(i, j))
            pair_val[key] = pair_val.get(key, 0.0) + val
        if normalized:
            scale = 1.0 / (n * (n - 1)) if n > 1 else 1.0
        else:
            scale = 1.0 if G.is_directed() else 0.5
        # share among parallel edges of minimum weight
        minw: dict[tuple[int, int], list[int]] = {}
        for t, (u, v, _key, _d) in enumerate(all_edges):
            if u == v:
                continue
            i, j = csr.index[u], csr.index[v]
            key = (i, j) if G.is_directed() else (min(i, j), max(i, j))
            minw.setdefault(key, []).append(t)
        value = [0.0] * len(all_edges)
        for key, ts in minw.items():
            wmin = min(float(all_edges[t][3][weight]) for t in ts)
            ties = [t for t in ts if float(all_edges[t][3][weight]) == wmin]
            for t in ties:
                value[t] = pair_val.get(key, 0.0) * scale / len(ties)
    else:
        bc = nx.edge_betweenness_centrality(
            G,
            weight=weight,
            normalized=normalized,
            k=None if sample is None else len(sample),
            seed=seed,
        )
        value = [
            float(
                bc.get(
                    (u, v, ek) if multi else (u, v),
                    bc.get((v, u, ek) if multi else (v, u), 0.0),
                )
            )
            for u, v, ek, _d in all_edges
        ]
    for t, (u, v, ek, d) in enumerate(all_edges):
        rows.append((edge_label(u, v, ek, d), u, v, d.get("corridor_id"), value[t]))
    df = pd.DataFrame(rows, columns=["edge_id", "u", "v", "corridor_id", "betweenness"]).set_index(
        "edge_id"
    )
    _frame_attrs(
        df,
        prep,
        eng,
        units={"betweenness": "share of pairs" if normalized else "pairs"},
        betweenness_k=None if sample is None else len(sample),
        betweenness_seed=seed,
    )
    return df


def efficiency(G: nx.Graph, *, weight: str = "time_min", engine: str | None = None) -> float:
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
    >>> from urbanchain.metrics._toy import diamond
    >>> round(efficiency(diamond()), 6)
    0.063889
    """
    req = resolve_engine(engine)
    prep = prepare(G, weight)
    n = prep.csr.n
    if n < 2:
        return 0.0
    total = 0.0
    eng = prep.engine_for(req, searches=n)
    if eng != "networkx":
        for _pos, d in row_blocks(prep, np.arange(n), eng):
            with np.errstate(divide="ignore"):
                total += float(np.where(np.isfinite(d) & (d > 0), 1.0 / d, 0.0).sum())
    else:
        for _s, lengths in nx.all_pairs_dijkstra_path_length(prep.nx_graph(), weight=weight):
            total += sum(1.0 / x for x in lengths.values() if x > 0)
    return total / (n * (n - 1))


# ---------------------------------------------------------------------------
# Network indices
# ---------------------------------------------------------------------------


def network_indices(G: nx.Graph, *, planar: bool = False, length: str = "length_km") -> pd.Series:
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
    >>> from urbanchain.metrics._toy import diamond
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
    s.attrs.update(prep.attrs("scipy"))
    s.attrs["planar"] = planar
    s.attrs["units"] = {"eta": "km", "diameter_km": "km", "total_length_km": "km"}
    return s


# ---------------------------------------------------------------------------
# Corridor criticality
# ---------------------------------------------------------------------------


def _od_summary(d: np.ndarray, src: list[Any], tgt: list[Any]) -> tuple[float, np.ndarray]:
    """Efficiency over the OD set (ordered pairs s != t) and the off-diagonal mask."""
    mask = np.ones(d.shape, dtype=bool)
    tpos = {v: j for j, v in enumerate(tgt)}
    for i, v in enumerate(src):
        if v in tpos:
            mask[i, tpos[v]] = False
    with np.errstate(divide="ignore"):
        inv = np.where(np.isfinite(d) & mask, 1.0 / d, 0.0)
    pairs = int(mask.sum())
    return (float(inv.sum()) / pairs if pairs else 0.0), mask


class _OnPath:
    """Which sources have a shortest path (to an OD column) through given CSR arcs.

    Arc ``a -> b`` of weight ``w`` lies on a shortest ``s -> t`` path iff
    ``d(s, a) + w + d(b, t) = d(s, t)``.  Removing arcs (or raising their
    weight) can only change the distances of pairs with such a path, so the
    criticality loop recomputes only those sources' rows; the test is
    conservative (a relative slack of 1e-9, plus half a unit on cch), so a row
    is never skipped wrongly.  ``d(s, a)`` and ``d(b, t)`` come from one
    query each for all arcs of all groups.
    """

    def __init__(
        self,
        prep: Prepared,
        *,
        eng: str,
        sidx: np.ndarray,
        cpos: np.ndarray,
        base: np.ndarray,
        removals: Mapping[Any, tuple[np.ndarray, np.ndarray]],
    ) -> None:
        csr = prep.csr
        m = csr.matrix
        slots = np.unique(np.concatenate([r[0] for r in removals.values()] or [np.empty(0)]))
        slots = slots.astype(np.int64)
        rows_of = np.repeat(np.arange(csr.n), np.diff(m.indptr))
        tails = rows_of[slots]
        heads = m.indices[slots].astype(np.int64)
        ends = np.unique(np.concatenate([tails, heads]))
        where = {int(v): i for i, v in enumerate(ends.tolist())}
        if eng == "cch":
            g = prep.cch()
            w = g.weights[slots] / g.scale
            d_s_end = g.many_to_many(sidx, ends)
            # d(end, t): from the ends on a directed graph, else from the columns
            d_end_c = g.many_to_many(ends, cpos) if csr.directed else g.many_to_many(cpos, ends).T
            self.atol = 0.5 / g.scale
        else:
            w = m.data[slots]
            d_s_end = _kernels.distances_to(m, sidx, ends)
            d_end_c = _kernels.distances_to(csr.transposed(), cpos, ends).T
            self.atol = 0.0
        self.slot_pos = {int(s_): i for i, s_ in enumerate(slots.tolist())}
        self.tail = np.array([where[int(v)] for v in tails.tolist()], dtype=np.int64)
        self.head = np.array([where[int(v)] for v in heads.tolist()], dtype=np.int64)
        self.w = w
        self.d_s_end = d_s_end
        self.d_end_c = d_end_c
        self.thr = np.where(np.isfinite(base), base * (1 + 1e-9) + self.atol, -np.inf)

    def rows(self, slots: np.ndarray) -> np.ndarray:
        """Source rows whose shortest path to some column may use one of ``slots``."""
        hit = np.zeros(self.thr.shape[0], dtype=bool)
        for s_ in slots.tolist():
            j = self.slot_pos[int(s_)]
            via = self.d_s_end[:, self.tail[j], None] + self.w[j] + self.d_end_c[None, self.head[j]]
            hit |= (via <= self.thr).any(axis=1)
        return np.flatnonzero(hit)


def corridor_criticality(
    G: nx.Graph,
    *,
    weight: str = "time_min",
    by: str = "corridor_id",
    mass: str | Mapping[Any, float] | pd.Series | None = "auto",
    sources: Any = None,
    targets: Any = None,
    destinations: Any = None,
    groups: Any = None,
    decay: str = "exponential",
    beta: float | None = None,
    missing: str = "warn",
    engine: str | None = None,
) -> pd.DataFrame:
    r"""Loss when each corridor (all its edges at once) or each edge is removed.

    For every group :math:`c` (corridor, or edge with ``by="edge_id"``), the
    shortest paths are recomputed without its edges.  Over the OD set
    :math:`P = \{(s, t): s \in S, t \in T, s \ne t\}`:

    .. math::

        E_P = \frac{1}{|P|}\sum_{(s,t) \in P} \frac{1}{d_{st}}, \quad
        \Delta E = E_P - E_P^{(-c)}, \quad
        \Delta A = \sum_{s \in S} A_s - A_s^{(-c)}, \quad
        X = \sum_{(s,t) \in P'} d^{(-c)}_{st} - d_{st}

    where :math:`A_s` is Hansen accessibility (:func:`accessibility`) and
    :math:`P'` the pairs connected before and after removal.  The CSR is built
    once; on scipy each group only masks its entries in the data array; on cch
    the hierarchy is built once and each group is a partial re-customisation
    (its arcs set to infinity, then restored), so a ranking costs a small
    multiple of one OD table.

    Parameters
    ----------
    G
        Chain graph.
    weight
        Edge cost attribute.
    by
        Edge attribute grouping edges (default ``corridor_id``), or ``"edge_id"``
        for one row per edge.  Edges without the attribute (e.g. transfer edges)
        are never removed; their count is in ``attrs["ungrouped_edges"]``.
    mass, destinations, decay, beta, missing
        Accessibility settings (see :func:`accessibility`).  ``mass="auto"``
        (default) uses ``province_population`` when nodes carry it (the
        bundled chains), else ``population``, and skips the accessibility
        loss (NaN columns, noted in ``attrs["mass"]``) when no node has
        either.  ``mass=None`` always skips it, for networks without masses
        such as bare road networks.
    sources, targets
        OD set (default: capitals, else base nodes; targets default to sources).
    groups
        Only evaluate these group ids.  Default: every group except, with
        ``by="corridor_id"``, the builder's access links and mode transfers
        (``access:*``, ``transfer:*``; their count is in ``attrs["skipped_groups"]``).
    engine
        ``"auto"``, ``"scipy"`` (masked CSR), ``"cch"`` (re-customised hierarchy)
        or ``"networkx"`` (reference, edge-hiding views).

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by criticality: ``rank``, ``n_edges``,
        ``efficiency_loss`` (1/unit), ``efficiency_loss_rel``, ``accessibility_loss``,
        ``accessibility_loss_rel``, ``pairs_disconnected``, ``extra_time_sum`` and
        ``extra_time_max`` (unit of ``weight``; over pairs that stay connected).

    Raises
    ------
    UnknownNameError
        Unknown group ids.
    GraphError
        No edge carries ``by``.

    References
    ----------
    Latora, V. & Marchiori, M. (2005). Vulnerability and protection of
    infrastructure networks. *Physical Review E* 71, 015103.
    Hansen, W. G. (1959). How accessibility shapes land use. *Journal of the
    American Institute of Planners* 25(2), 73-76.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> crit = corridor_criticality(diamond(), sources=["a", "b", "c"])
    >>> crit[["rank", "pairs_disconnected", "extra_time_sum"]]  # doctest: +NORMALIZE_WHITESPACE
                 rank  pairs_disconnected  extra_time_sum
    corridor_id
    c1              1                   4             0.0
    c2              2                   0            40.0
    c3              3                   0             0.0
    """
    req = resolve_engine(engine)
    b = _resolve_beta(G, decay, beta, weight)
    prep = prepare(G, weight)
    csr = prep.csr
    src = resolve_nodes(G, sources, default=default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=src, what="target")
    dest: list[Any] = []
    m = np.empty(0)
    if isinstance(mass, str) and mass == "auto":
        mass = default_mass(G)
        if mass == "population" and all(_bad_mass(v) for v in node_attr(G, "population")):
            mass = None  # no masses at all: efficiency and times only
    if mass is not None:
        dest, m = masses(G, mass, destinations, missing=missing)
    # group -> positions into csr.edge_* arrays
    members: dict[Any, list[int]] = {}
    ungrouped = 0
    if by == "edge_id":
        labels: list[Any] = list(csr.edge_ids)
    elif is_network(G):
        col = G.edges[by] if by in G.edges.columns else pd.Series([None] * len(G.edges))
        labels = col.to_numpy(dtype=object)[csr.edge_rows].tolist()
    else:
        labels = [
            (G.edges[u, v, k] if G.is_multigraph() else G.edges[u, v]).get(by)
            for u, v, k in csr.edge_keys
        ]
    for t, key in enumerate(labels):
        if key is None or (isinstance(key, float) and math.isnan(key)) or key == "":
            ungrouped += 1
            continue
        members.setdefault(key, []).append(t)
    if not members:
        msg = f"No edge carries the attribute {by!r}; pass by='edge_id' or another edge attribute."
        raise GraphError(msg)
    if groups is not None:
        glist = [groups] if isinstance(groups, str) else list(groups)
        for g in glist:
            if g not in members:
                err = unknown_name(by, g, members)
                raise err
    else:
        # the builder's access links and mode transfers are not corridors a planner can
        # close; by default they are not ranked (attrs["skipped_groups"] counts them)
        glist = [
            g for g in members if not (by == "corridor_id" and str(g).startswith(_LINK_PREFIXES))
        ] or list(members)
    skipped = len(members) - len(glist) if groups is None else 0
    cols = list(dict.fromkeys([*tgt, *dest]))
    cpos = np.array([csr.index[v] for v in cols], dtype=np.int64)
    col_pos = {v: i for i, v in enumerate(cols)}  # a dict: targets may be every node
    tsel = np.array([col_pos[v] for v in tgt], dtype=np.int64)
    dsel = np.array([col_pos[v] for v in dest], dtype=np.int64)
    sidx = np.array([csr.index[v] for v in src], dtype=np.int64)
    eng = prep.engine_for(req, searches=(len(glist) + 1) * len(src))

    def run(
        mat: Any, hidden: list[tuple[Any, Any, Any]] | None, rows: np.ndarray | None = None
    ) -> np.ndarray:
        rs = sidx if rows is None else sidx[rows]
        if eng == "cch":
            return prep.cch().many_to_many(rs, cpos)
        if eng == "scipy":
            return _kernels.distances_to(mat, rs, cpos)
        H = GX = prep.nx_graph()
        if hidden:
            H = nx.restricted_view(
                GX, [], hidden if GX.is_multigraph() else [e[:2] for e in hidden]
            )
        out = np.full((len(src), len(cols)), np.inf)
        for r, s in enumerate(src):
            dd = nx.single_source_dijkstra_path_length(H, s, weight=weight)
            out[r] = [dd.get(v, np.inf) for v in cols]
        return out

    def summarise(d: np.ndarray) -> tuple[float, float, np.ndarray]:
        od = d[:, tsel]
        eff, _ = _od_summary(od, src, tgt)
        if mass is None:
            return eff, math.nan, od
        a, _ = _hansen(d[:, dsel], m, src, dest, decay=decay, beta=b, include_self=False)
        return eff, float(a.sum()), od

    base_d = run(csr.matrix, None)
    base_eff, base_acc, base_od = summarise(base_d)
    _, offdiag = _od_summary(base_od, src, tgt)
    removals = {g: csr.removal(np.asarray(members[g], dtype=np.int64)) for g in glist}
    touched = (
        _OnPath(prep, eng=eng, sidx=sidx, cpos=cpos, base=base_d, removals=removals)
        if eng != "networkx"
        else None
    )
    records = []
    for g in glist:
        pos = np.asarray(members[g], dtype=np.int64)
        if touched is not None:
            # only sources with a shortest path through a removed arc can change
            rows = touched.rows(removals[g][0])
            d = base_d.copy()
            if len(rows) and eng == "cch":
                # partial re-customisation: the removed arcs get INF_WEIGHT (or the
                # weight of a remaining parallel edge), then are restored
                with prep.cch().removed(*removals[g]):
                    d[rows] = run(None, None, rows)
            elif len(rows):
                d[rows] = run(csr.without_edges(pos), None, rows)
            eff, acc, od = summarise(d)
        else:
            hidden = [csr.edge_keys[t] for t in pos.tolist()]
            eff, acc, od = summarise(run(None, hidden))
        before = np.isfinite(base_od) & offdiag
        after = np.isfinite(od) & offdiag
        both = before & after
        with np.errstate(invalid="ignore"):
            extra = np.where(both, od - base_od, 0.0)
        records.append(
            {
                by: g,
                "n_edges": len(pos),
                "efficiency_loss": base_eff - eff,
                "efficiency_loss_rel": (base_eff - eff) / base_eff if base_eff > 0 else math.nan,
                "accessibility_loss": base_acc - acc,
                "accessibility_loss_rel": (base_acc - acc) / base_acc if base_acc > 0 else math.nan,
                "pairs_disconnected": int((before & ~after).sum()),
                "extra_time_sum": float(extra.sum()),
                "extra_time_max": float(extra.max()) if extra.size else 0.0,
            }
        )
    df = pd.DataFrame.from_records(records).set_index(by)
    df = df.sort_values(
        ["efficiency_loss", "pairs_disconnected", "accessibility_loss", "extra_time_sum"],
        ascending=False,
        kind="stable",
    )
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    unit = unit_of(G, weight)
    _frame_attrs(
        df,
        prep,
        eng,
        units={
            "efficiency_loss": f"1/{unit}",
            "accessibility_loss": "mass (decayed)",
            "extra_time_sum": unit,
            "extra_time_max": unit,
            "pairs_disconnected": "ordered pairs",
        },
        base_efficiency=base_eff,
        base_accessibility=base_acc,
        ungrouped_edges=ungrouped,
        skipped_groups=skipped,
        mass=mass if isinstance(mass, str) or mass is None else "mapping",
        by=by,
        beta=b,
        decay=decay,
    )
    return df


# ---------------------------------------------------------------------------
# Chain score
# ---------------------------------------------------------------------------

#: Default weights of :func:`chain_score` (they sum to 1).  Connectivity and
#: readiness get half each, the equal-weights default recommended when there is
#: no consensus on relative importance (OECD/JRC *Handbook on Constructing
#: Composite Indicators*, 2008).  Within connectivity, the two "reach" measures
#: (harmonic closeness: how close the rest of the network is; accessibility:
#: how much population is within reach) get 0.15 each, gateway access 0.10 (the
#: chain's export logic runs through ports, airports and border gates) and
#: betweenness 0.10 (through-traffic is a mixed blessing for a city).  Within
#: readiness, DTI (the official digital-transformation index) 0.20, PCI (the
#: governance quality that delivers projects) 0.15 and IOC age (years of running
#: an intelligent operation centre) 0.15.
DEFAULT_CHAIN_WEIGHTS: dict[str, float] = {
    "harmonic": 0.15,
    "accessibility": 0.15,
    "gateway": 0.10,
    "betweenness": 0.10,
    "dti": 0.20,
    "pci": 0.15,
    "ioc": 0.15,
}

#: Node-layer columns read by the readiness components of :func:`chain_score`.
#: DTI 2022 is the latest year with ranks for all 11 Delta provinces; PCI 2024
#: the latest published ranking (4 of 11 known; others missing, not 0).
DEFAULT_CHAIN_COLUMNS: dict[str, str] = {
    "dti": "dti_rank_2022",
    "pci": "pci_rank_2024",
    "ioc": "ioc_since",
}

# True when higher raw values are better.
_HIGHER_IS_BETTER = {
    "harmonic": True,
    "accessibility": True,
    "gateway": False,
    "betweenness": True,
    "dti": False,
    "pci": False,
    "ioc": True,
}
_NORMALIZATIONS = ("minmax", "rank")
_MISSING = ("renormalize", "error")


def _chain_weights(weights: Mapping[str, float] | None) -> tuple[dict[str, float], list[str]]:
    notes: list[str] = []
    w = dict(DEFAULT_CHAIN_WEIGHTS)
    if weights is not None:
        for k, val in weights.items():
            if k not in DEFAULT_CHAIN_WEIGHTS:
                err = unknown_name("chain score component", k, DEFAULT_CHAIN_WEIGHTS)
                raise err
            if not (
                isinstance(val, int | float)
                and not isinstance(val, bool)
                and math.isfinite(val)
                and val >= 0
            ):
                msg = f"Weight of component {k!r} must be a finite number >= 0; got {val!r}."
                raise ValidationError(msg)
            w[k] = float(val)
    total = sum(w.values())
    if total <= 0:
        msg = "All chain score weights are 0; give at least one component a positive weight."
        raise ValidationError(msg)
    if not math.isclose(total, 1.0):
        notes.append(f"weights summed to {total:g} and were rescaled to sum to 1")
        w = {k: val / total for k, val in w.items()}
    return w, notes


def _chain_frame(chain: Any) -> pd.DataFrame:
    nodes = getattr(chain, "nodes", None)
    if not isinstance(nodes, pd.DataFrame) or not hasattr(chain, "graph"):
        msg = (
            "chain must have .graph (the chain graph) and .nodes (the node GeoDataFrame); got "
            f"{type(chain).__name__}. Use urbanchain.chain.Chain or any object with both."
        )
        raise ValidationError(msg)
    df = nodes.set_index("node_id", drop=False) if "node_id" in nodes.columns else nodes
    return pd.DataFrame(df.drop(columns="geometry", errors="ignore"))


def _chain_components(
    chain: Any,
    *,
    weight: str,
    columns: Mapping[str, str] | None,
    as_of: int | None,
    engine: str | None,
    mass: str | None = None,
    missing: str = "renormalize",
    stacklevel: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw component values (scored nodes x components) and the display columns."""
    frame = _chain_frame(chain)
    G = chain.graph.to_networkx() if is_network(chain.graph) else chain.graph
    if mass is None:
        has = "province_population" in frame.columns and bool(
            pd.to_numeric(frame["province_population"], errors="coerce").notna().any()
        )
        mass = "province_population" if has else default_mass(G)
    cols = dict(DEFAULT_CHAIN_COLUMNS)
    if columns is not None:
        for k, c in columns.items():
            if k not in DEFAULT_CHAIN_COLUMNS:
                err = unknown_name("readiness component", k, DEFAULT_CHAIN_COLUMNS)
                raise err
            cols[k] = c
    for c in cols.values():
        if c not in frame.columns:
            err = unknown_name("node column", c, frame.columns)
            raise err
    if "is_capital" in frame.columns:
        scored = [v for v, c in frame["is_capital"].items() if c is True or c is np.True_]
    else:
        scored = list(frame.index)
    if not scored:
        msg = "No capital nodes (is_capital true) in chain.nodes; nothing to score."
        raise ValidationError(msg)
    absent = [v for v in scored if v not in G]
    if absent:
        msg = (
            f"Capital nodes {format_ids(absent)} are in chain.nodes but not in chain.graph. "
            f"Rebuild the graph from the same node layer."
        )
        raise GraphError(msg)
    prep = prepare(G, weight, stacklevel=5)
    eng = prep.engine_for(resolve_engine(engine), searches=len(scored))
    n = prep.csr.n
    d_out = dist_rows(prep, scored, eng)
    _cl, harm = _close_harm(d_out, np.arange(len(scored)), n)
    harm = harm / max(n - 1, 1)
    excluded: list[Any] = []
    if missing == "error":
        dest, m = masses(G, mass, scored, missing="error")
    else:
        # capitals without a mass are left out as *destinations* (never counted as 0);
        # they are still scored, and the note says which were left out
        valid: list[Any] = []
        for v in scored:
            value = pd.to_numeric(pd.Series([G.nodes[v].get(mass)]), errors="coerce").iloc[0]
            (valid if pd.notna(value) and value >= 0 else excluded).append(v)
        if 2 * len(valid) < len(scored):
            msg = (
                f"Only {len(valid)} of {len(scored)} capitals have a usable mass in node "
                f"attribute {mass!r}, so the accessibility component would describe a few "
                "destinations, not the chain. Pass mass= naming a populated attribute (the "
                "bundled chains carry 'province_population'), or set the 'accessibility' "
                "weight to 0."
            )
            raise ValidationError(msg)
        if excluded:
            warnings.warn(
                f"chain_score: {len(excluded)} of {len(scored)} capitals have no usable "
                f"{mass!r} ({format_ids(excluded)}); they are scored but left out as "
                "accessibility destinations (never counted as 0).",
                DataQualityWarning,
                stacklevel=stacklevel,
            )
        dest, m = masses(G, mass, valid, missing="error")
    acc, _ = _hansen(
        d_out[:, [prep.csr.index[v] for v in dest]],
        m,
        scored,
        dest,
        decay="exponential",
        beta=DEFAULT_BETA["exponential"],
        include_self=False,
    )
    kinds = [
        k
        for k in ("seaport", "airport", "border_gate")
        if any(kk == k for _, kk in G.nodes(data="kind"))
    ]
    gate = np.full(len(scored), np.nan)
    if kinds:
        per_kind = []
        for kind in kinds:
            gidx = [prep.csr.index[v] for v, kk in G.nodes(data="kind") if kk == kind]
            per_kind.append(
                _nan_inf(
                    d_out[:, gidx].min(axis=1)
                    if not G.is_directed()
                    else dist_rows(prep, [prep.csr.nodes[j] for j in gidx], eng, reverse=True)[
                        :, [prep.csr.index[v] for v in scored]
                    ].min(axis=0)
                )
            )
        gate = np.mean(np.vstack(per_kind), axis=0)  # NaN if any kind unreachable
    if eng != "networkx":
        node_bc, _ = _kernels.brandes(prep.csr.matrix)
        bc_all = _scale_node_bc(node_bc, n, True, G.is_directed())
        bc = bc_all[[prep.csr.index[v] for v in scored]]
    else:
        bcd = nx.betweenness_centrality(G, weight=weight, normalized=True)
        bc = np.array([bcd[v] for v in scored])
    year = as_of if as_of is not None else G.graph.get("as_of")
    if year is None:
        import datetime

        year = datetime.date.today().year

    def col(name: str) -> np.ndarray:
        return pd.to_numeric(frame[name].reindex(scored), errors="coerce").to_numpy(
            dtype=np.float64
        )

    raw = pd.DataFrame(
        {
            "harmonic": harm,
            "accessibility": acc,
            "gateway": gate,
            "betweenness": bc,
            "dti": col(cols["dti"]),
            "pci": col(cols["pci"]),
            "ioc": float(year) - col(cols["ioc"]),
        },
        index=pd.Index(scored, name="node_id"),
    )
    display = raw.rename(
        columns={
            "harmonic": "harmonic_per_" + unit_of(G, weight),
            "gateway": "gateway_" + unit_of(G, weight),
            "dti": cols["dti"],
            "pci": cols["pci"],
            "ioc": "ioc_age_years",
        }
    )
    raw.attrs.update(prep.attrs(eng))
    raw.attrs["as_of"] = year
    raw.attrs["mass"] = mass
    raw.attrs["mass_missing"] = [str(v) for v in excluded]
    return raw, display


def _normalise(
    raw: pd.DataFrame,
    normalization: str,
    bounds: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Normalise the components to [0, 1] (min-max or rank).

    ``bounds`` (component -> (lo, hi) of the oriented values) fixes min-max to
    another table's ranges (see ``chain_score(..., normalize_to=)``).
    """
    out = {}
    for c in raw.columns:
        x = raw[c].astype(float)
        if not _HIGHER_IS_BETTER[c]:
            x = -x
        if normalization == "rank":
            r = x.rank(method="average")
            k = r.notna().sum()
            z = (r - 1) / (k - 1) if k > 1 else r * 0 + 0.5
        else:
            lo, hi = (x.min(), x.max()) if bounds is None else bounds[c]
            z = (x - lo) / (hi - lo) if hi > lo else x * 0 + 0.5
        out[c] = z
    return pd.DataFrame(out, index=raw.index)


def _bounds(raw: pd.DataFrame) -> dict[str, tuple[float, float]]:
    out = {}
    for c in raw.columns:
        x = raw[c].astype(float)
        if not _HIGHER_IS_BETTER[c]:
            x = -x
        out[c] = (float(x.min()), float(x.max()))
    return out


def _score(z: pd.DataFrame, w: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    wv = np.array([w[c] for c in z.columns])
    vals = z.to_numpy(dtype=np.float64)
    avail = np.isfinite(vals) & (wv > 0)
    wsum = (avail * wv).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(avail, vals, 0.0) @ wv / wsum
    used = [",".join(c for c, a in zip(z.columns, row, strict=True) if a) for row in avail]
    n_missing = ((~np.isfinite(vals)) & (wv > 0)).sum(axis=1)
    return score, n_missing, used


def chain_score(
    chain: Any,
    *,
    weights: Mapping[str, float] | None = None,
    normalization: str = "minmax",
    missing: str = "renormalize",
    weight: str = "time_min",
    columns: Mapping[str, str] | None = None,
    as_of: int | None = None,
    engine: str | None = None,
    mass: str | None = None,
    normalize_to: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Composite smart-city chain score of each capital: connectivity plus readiness.

    Each component :math:`c` is normalised across the scored nodes that have it,

    .. math::

        z_{ic} = \frac{x_{ic} - \min_j x_{jc}}{\max_j x_{jc} - \min_j x_{jc}}
        \quad\text{(or } \frac{\max - x}{\max - \min}\text{ when lower is better)}, \qquad
        S_i = \frac{\sum_{c \in K_i} w_c z_{ic}}{\sum_{c \in K_i} w_c}

    where :math:`K_i` are the components available for node :math:`i`.  A
    component that is constant across nodes scores 0.5 for everyone.

    Components: ``harmonic`` (harmonic closeness over the whole graph, per
    minute), ``accessibility`` (Hansen accessibility to the other capitals'
    population, default exponential decay), ``gateway`` (mean minutes to the
    nearest seaport, airport and border gate present in the graph; lower is
    better), ``betweenness`` (normalised), ``dti`` and ``pci`` (ranks: lower is
    better, inverted), ``ioc`` (years since the IOC opened, ``as_of - ioc_since``).

    Parameters
    ----------
    chain
        Any object with ``.graph`` (chain graph) and ``.nodes`` (node GeoDataFrame,
        CONTRACT schema); capitals (``is_capital``) are scored.
    weights
        Overrides of :data:`DEFAULT_CHAIN_WEIGHTS` (>= 0; 0 drops a component); the
        result is rescaled to sum to 1, noted in ``attrs["notes"]``.
    normalization
        ``"minmax"`` (default) or ``"rank"`` (average ranks scaled to [0, 1]).
    missing
        ``"renormalize"`` (default): a node missing a component is scored on the
        others, their weights rescaled (see ``n_missing``/``components_used``);
        ``"error"``: raise listing the nodes and components.  Never 0.
    weight
        Edge cost attribute for the connectivity components.
    columns
        Overrides of :data:`DEFAULT_CHAIN_COLUMNS` (e.g. ``{"dti": "dti_rank_2023"}``).
    as_of
        Year for IOC age; default ``chain.graph.graph["as_of"]``, else this year.
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``; recorded in ``attrs["engine"]``.
    mass
        Node attribute holding the destinations' mass for the accessibility
        component.  Default (None): ``province_population`` when the node layer
        carries it (the bundled chains: each capital's official province
        population), else ``population``.  With ``missing="renormalize"``
        capitals without a mass are left out as destinations with a
        :class:`~urbanchain.errors.DataQualityWarning` that counts them (listed
        in ``attrs["mass_missing"]`` and ``attrs["notes"]``), and fewer than
        half with a mass raises; with ``missing="error"`` any raises.
    normalize_to
        A previous :func:`chain_score` result (min-max only): normalise on *its*
        component ranges (``attrs["bounds"]``) instead of this chain's, so two
        scenarios are scored on one scale and a city whose components do not
        change keeps its score.  Scores may then leave [0, 1] where a scenario
        beats the base's best (or falls below its worst).

    Returns
    -------
    pandas.DataFrame
        Per capital, best first: raw values, ``z_<component>``, ``score`` (0-1),
        ``rank`` (1 = best), ``n_missing``, ``components_used``.

    Raises
    ------
    UnknownNameError
        Unknown weight keys, columns or options.
    ValidationError
        Negative weights, missing indicators with ``missing="error"``, a capital without population.

    References
    ----------
    OECD & JRC (2008). *Handbook on Constructing Composite Indicators:
    Methodology and User Guide*. OECD Publishing.
    Hansen, W. G. (1959). How accessibility shapes land use. *Journal of the
    American Institute of Planners* 25(2), 73-76.
    Marchiori, M. & Latora, V. (2000). Harmony in the small-world. *Physica A* 285, 539-546.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> from urbanchain.metrics._toy import diamond
    >>> G = diamond()
    >>> nodes = pd.DataFrame({"node_id": ["a", "b", "c", "d"],
    ...     "is_capital": [True, True, True, False],
    ...     "dti_rank_2022": [24, 14, 3, None], "pci_rank_2024": [24, 1, None, None],
    ...     "ioc_since": [None, 2021, 2019, None]})
    >>> s = chain_score(SimpleNamespace(graph=G, nodes=nodes))
    >>> s[["score", "rank", "n_missing"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
             score  rank  n_missing
    node_id
    b        0.700     1          0
    c        0.588     2          1
    a        0.176     3          1
    """
    _check_choice("normalization", normalization, _NORMALIZATIONS)
    _check_choice("missing policy", missing, _MISSING)
    w, notes = _chain_weights(weights)
    raw, display = _chain_components(
        chain,
        weight=weight,
        columns=columns,
        as_of=as_of,
        engine=engine,
        mass=mass,
        missing=missing,
    )
    if raw.attrs.get("mass_missing"):
        notes = [
            *notes,
            f"accessibility destinations without {raw.attrs['mass']!r} left out: "
            + ", ".join(raw.attrs["mass_missing"]),
        ]
    bounds = None
    if normalize_to is not None:
        bounds = (
            normalize_to.attrs.get("bounds") if isinstance(normalize_to, pd.DataFrame) else None
        )
        if normalization != "minmax" or normalize_to.attrs.get("normalization") != "minmax":
            msg = "normalize_to= fixes min-max ranges; both scores must use normalization='minmax'."
            raise ValidationError(msg)
        if not bounds or set(bounds) != set(raw.columns):
            msg = (
                "normalize_to= must be a chain_score() result (its attrs['bounds'] holds the "
                "component ranges); got a table without them."
            )
            raise ValidationError(msg)
    active = [c for c in raw.columns if w[c] > 0]
    gaps = {c: list(raw.index[raw[c].isna()]) for c in active}
    gaps = {c: v for c, v in gaps.items() if v}
    if gaps and missing == "error":
        shown = "; ".join(f"{c}: {format_ids(v)}" for c, v in gaps.items())
        msg = (
            f"Missing indicator values ({shown}). Fill them, set the component's weight to 0, "
            f"or pass missing='renormalize' to score those nodes on the other components."
        )
        raise ValidationError(msg)
    z = _normalise(raw, normalization, bounds)
    score, n_missing, used = _score(z, w)
    out = display.copy()
    out.insert(0, "name", node_names(chain.graph, list(out.index)))
    for c in raw.columns:
        out[f"z_{c}"] = z[c]
    out["score"] = score
    out["n_missing"] = n_missing
    out["components_used"] = used
    out = out.sort_values("score", ascending=False, kind="stable")
    out.insert(
        len(out.columns) - 2, "rank", out["score"].rank(ascending=False, method="min").astype(int)
    )
    out.attrs.update(raw.attrs)
    out.attrs.update(
        {
            "weights": w,
            "normalization": normalization,
            "bounds": bounds if bounds is not None else _bounds(raw),
            "normalized_to": "reference" if bounds is not None else "self",
            "missing": missing,
            "notes": notes,
            "units": {"score": "0-1 (weighted mean of normalised components)"},
        }
    )
    return out


def score_sensitivity(
    chain: Any,
    *,
    n: int = 200,
    spread: float = 0.2,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    normalization: str = "minmax",
    weight: str = "time_min",
    columns: Mapping[str, str] | None = None,
    as_of: int | None = None,
    engine: str | None = None,
    mass: str | None = None,
) -> pd.DataFrame:
    r"""Rank stability of :func:`chain_score` under random weight perturbations.

    Each run multiplies every weight by an independent draw from
    :math:`U(1 - \mathrm{spread}, 1 + \mathrm{spread})`, rescales them to sum to
    1 and re-ranks the nodes (missing components renormalised as in
    :func:`chain_score`).  Agreement with the base ranking is measured by
    Spearman's :math:`\rho` and Kendall's :math:`\tau`:

    .. math:: \rho = 1 - \frac{6 \sum_i (r_i - r_i^{(k)})^2}{m(m^2 - 1)}

    Parameters
    ----------
    chain
        Object with ``.graph`` and ``.nodes`` (see :func:`chain_score`).
    n
        Number of perturbed runs.
    spread
        Relative half-width of the multiplicative perturbation (0 <= spread < 1).
    seed
        Seed of :func:`numpy.random.default_rng`.
    weights, normalization, weight, columns, as_of, engine, mass
        As in :func:`chain_score`.

    Returns
    -------
    pandas.DataFrame
        Per node: ``base_rank``, ``mean_rank``, ``min_rank``, ``max_rank``,
        ``share_same_rank``, ``share_within_1``; ``attrs`` holds
        ``spearman_mean``, ``spearman_min``, ``kendall_mean``.

    Raises
    ------
    ValidationError
        ``n < 1`` or ``spread`` outside [0, 1).

    References
    ----------
    Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and
    sensitivity analysis techniques as tools for the quality assessment of
    composite indicators. *J. Royal Statistical Society A* 168(2), 307-323.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> from urbanchain.metrics._toy import diamond
    >>> nodes = pd.DataFrame({"node_id": ["a", "b", "c", "d"],
    ...     "is_capital": [True, True, True, False],
    ...     "dti_rank_2022": [24, 14, 3, None], "pci_rank_2024": [24, 1, None, None],
    ...     "ioc_since": [None, 2021, 2019, None]})
    >>> sens = score_sensitivity(SimpleNamespace(graph=diamond(), nodes=nodes), n=50)
    >>> sens["base_rank"].tolist()
    [1, 2, 3]
    """
    if not (isinstance(n, int) and n >= 1):
        msg = f"n must be a positive integer; got {n!r}."
        raise ValidationError(msg)
    if not (isinstance(spread, int | float) and 0 <= spread < 1):
        msg = f"spread must be in [0, 1); got {spread!r}."
        raise ValidationError(msg)
    _check_choice("normalization", normalization, _NORMALIZATIONS)
    w, _notes = _chain_weights(weights)
    raw, _display = _chain_components(
        chain, weight=weight, columns=columns, as_of=as_of, engine=engine, mass=mass
    )
    z = _normalise(raw, normalization)
    base, _, _ = _score(z, w)
    base_rank = pd.Series(base, index=z.index).rank(ascending=False, method="min")
    rng = np.random.default_rng(seed)
    ranks = np.empty((n, len(z)))
    rho = np.empty(n)
    tau = np.empty(n)
    keys = list(w)
    for k in range(n):
        factors = rng.uniform(1 - spread, 1 + spread, size=len(keys))
        wk = {c: w[c] * f for c, f in zip(keys, factors, strict=True)}
        total = sum(wk.values())
        wk = {c: val / total for c, val in wk.items()}
        s, _, _ = _score(z, wk)
        r = pd.Series(s, index=z.index).rank(ascending=False, method="min").to_numpy()
        ranks[k] = r
        if len(z) > 1:
            rho[k] = stats.spearmanr(base_rank.to_numpy(), r).statistic
            tau[k] = stats.kendalltau(base_rank.to_numpy(), r).statistic
        else:
            rho[k] = tau[k] = 1.0
    br = base_rank.to_numpy()
    out = pd.DataFrame(
        {
            "base_rank": br.astype(int),
            "mean_rank": ranks.mean(axis=0),
            "min_rank": ranks.min(axis=0).astype(int),
            "max_rank": ranks.max(axis=0).astype(int),
            "share_same_rank": (ranks == br).mean(axis=0),
            "share_within_1": (np.abs(ranks - br) <= 1).mean(axis=0),
        },
        index=z.index,
    ).sort_values("base_rank", kind="stable")
    out.attrs.update(raw.attrs)
    out.attrs.update(
        {
            "n": n,
            "spread": spread,
            "seed": seed,
            "spearman_mean": float(np.nanmean(rho)),
            "spearman_min": float(np.nanmin(rho)),
            "kendall_mean": float(np.nanmean(tau)),
        }
    )
    return out
