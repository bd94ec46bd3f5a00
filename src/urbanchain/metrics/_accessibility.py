"""Reach of people and gateways: gravity interaction, Hansen accessibility, gateway access."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from urbanchain._private._messages import format_ids
from urbanchain.engine._interface import Engine, EngineName
from urbanchain.errors import GraphError, ValidationError
from urbanchain.graph._modes import with_modes
from urbanchain.layers._validate import GATEWAY_KINDS
from urbanchain.metrics._common import (
    _DECAYS,
    _DIRECTIONS,
    Decay,
    Direction,
    GraphLike,
    Mass,
    MissingMass,
    NodeSelection,
    Prepared,
    _bad_mass,
    _check_choice,
    _frame_attrs,
    _nan_inf,
    base_nodes,
    block_rows,
    default_mass,
    default_nodes,
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
    unit_of,
)

#: Default decay parameters of :func:`accessibility`, per decay function.
#: ``exponential``: ``ln 2 / 120`` per minute, a half-life of 120 minutes: the
#: value used for inter-regional (national-scale) potential accessibility by
#: travel time in Poland (Rosik, Stępniak & Komornicki 2015), close to the
#: 0.005 per minute of the ESPON road potential-accessibility indicator
#: (Spiekermann & Wegener 2006).  A 30-minute half-life (0.0231 per minute) is
#: the usual choice for commuting-scale studies.  ``power``: an exponent of 1 on
#: travel time, as in Gutiérrez's (2001) potential accessibility.
DEFAULT_BETA: dict[str, float] = {"exponential": math.log(2) / 120.0, "power": 1.0}


def gravity(
    G: GraphLike,
    *,
    mass: Mass | None = None,
    beta: float = 2.0,
    sources: NodeSelection = None,
    targets: NodeSelection = None,
    weight: str = "time_min",
    missing: MissingMass = "warn",
    engine: EngineName | None = None,
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
    src = resolve_nodes(G, sources, default=lambda: default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=lambda: default_nodes(G), what="target")
    src_kept, m_src = masses(G, mass, src, missing=missing)
    tgt_kept, m_tgt = masses(G, mass, tgt, missing=missing)
    eng = prep.engine(req, searches=min(len(src_kept), len(tgt_kept)))
    d = od_block(prep, src_kept, tgt_kept, eng)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.outer(m_src, m_tgt) / d**beta
    t[~np.isfinite(d)] = 0.0
    t[d == 0] = np.nan
    df = pd.DataFrame(
        t,
        index=pd.Index(src_kept, name="source", tupleize_cols=False),
        columns=pd.Index(tgt_kept, name="target", tupleize_cols=False),
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
    eng: Engine,
    *,
    decay: str,
    beta: float,
    include_self: bool,
    fallback: Engine | None = None,
    report: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hansen sums per source, never holding the sources x destinations table whole.

    With fewer destinations than sources, distances run from blocks of
    destinations (on the reversed graph) and each block adds its share to
    every source's sum; otherwise from blocks of sources (:func:`od_rows`).
    """
    csr = prep.csr
    if len(dest) < len(src):
        sidx = np.array([csr.index[v] for v in src], dtype=np.int64)
        tidx = np.array([csr.index[v] for v in dest], dtype=np.int64)
        a = np.zeros(len(src))
        reached = np.zeros(len(src), dtype=np.int64)
        where = {v: i for i, v in enumerate(src)}
        step = block_rows(csr.n)
        for start in range(0, len(dest), step):
            stop = min(start + step, len(dest))
            d = eng.distances(tidx[start:stop], sidx, reverse=True)
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
    for pos, d in od_rows(prep, src, dest, eng, fallback=fallback, report=report):
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
    G: GraphLike,
    *,
    mass: Mass | None = None,
    decay: Decay = "exponential",
    beta: float | None = None,
    cutoff: float | None = None,
    weight: str = "time_min",
    sources: NodeSelection = None,
    destinations: NodeSelection = None,
    include_self: bool = False,
    self_time: float | Mapping[Any, float] | None = None,
    missing: MissingMass = "warn",
    engine: EngineName | None = None,
    modes: str | Sequence[str] | None = None,
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
    modes
        Keep only the edges of these modes (``("road",)``, ``("rail",)``,
        ``("road", "rail")`` or edge modes such as ``"expressway"``; see
        :mod:`urbanchain.graph._modes`); None (default) keeps every mode.

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
    G = with_modes(G, modes)
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
    src = resolve_nodes(G, sources, default=lambda: base_nodes(G) or node_ids(G), what="source")
    mass_name = default_mass(G) if mass is None else mass
    dest, m = masses(G, mass_name, destinations, missing=missing)
    eng = prep.engine(req, searches=min(len(src), len(dest)))
    # auto with a many-to-many engine: probe it against scipy (see od_rows)
    fallback = prep.engine("scipy", 0) if req == "auto" and eng.many_to_many else None
    report: dict[str, Any] = {}
    a, reached = _hansen_sums(
        prep,
        src,
        dest,
        m,
        eng,
        decay=decay,
        beta=b,
        include_self=False,
        fallback=fallback,
        report=report,
    )
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
    df = pd.DataFrame(cols, index=pd.Index(src, name="node_id", tupleize_cols=False))
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
        **report,
    )
    return df


def gateway_access(
    G: GraphLike,
    *,
    kinds: tuple[str, ...] = GATEWAY_KINDS,
    weight: str = "time_min",
    sources: NodeSelection = None,
    direction: Direction = "out",
    engine: EngineName | None = None,
    modes: str | Sequence[str] | None = None,
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
    modes
        Keep only the edges of these modes (``("road",)``, ``("rail",)``,
        ``("road", "rail")`` or edge modes such as ``"expressway"``; see
        :mod:`urbanchain.graph._modes`); None (default) keeps every mode.

    Returns
    -------
    pandas.DataFrame
        ``name``, then per kind ``<kind>_min`` (cost, NaN if none reachable),
        ``<kind>_id`` and ``<kind>_name`` (the nearest gateway, None if none
        reachable) per node.  A gateway reached on its rail, sea or air copy
        (``"lao_cai@rail"``, arriving at the station) is reported as the place
        itself (``base_node``, ``"lao_cai"``).

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
    >>> gateway_access(diamond(), kinds=("seaport",))  # doctest: +NORMALIZE_WHITESPACE
            name  seaport_min seaport_id seaport_name
    node_id
    a          a         20.0          d            d
    b          b         10.0          d            d
    c          c         20.0          d            d
    """
    G = with_modes(G, modes)
    req = resolve_engine(engine)
    _check_choice("direction", direction, _DIRECTIONS)
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=lambda: default_nodes(G), what="source")
    # scipy runs one multi-source search per kind; cch answers a sources x gateways table
    eng = prep.engine(req, searches=len(kinds))
    all_ids = node_ids(G)
    all_kinds = node_attr(G, "kind")
    present = sorted({str(k) for k in all_kinds if k is not None})
    # a gateway reached on its rail (or sea, air) copy, e.g. "lao_cai@rail", is the
    # gateway itself: report the place (its base node), never the copy's id
    base_of = {
        v: b for v, b in zip(all_ids, node_attr(G, "base_node"), strict=True) if b is not None
    }
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
        gidx = np.array([prep.csr.index[v] for v in gates], dtype=np.int64)
        dsel, near = eng.nearest(gidx, sidx, reverse=reverse)
        ids = [
            base_of.get(prep.csr.nodes[j], prep.csr.nodes[j]) if j >= 0 else None
            for j in near.tolist()
        ]
        cols[f"{kind}_min"] = _nan_inf(dsel)
        cols[f"{kind}_id"] = pd.Series(ids, dtype=object).to_numpy()
        found = [v for v in ids if v is not None]
        label = dict(zip(found, node_names(G, found), strict=True))
        cols[f"{kind}_name"] = pd.Series([label.get(v) for v in ids], dtype=object).to_numpy()
    df = pd.DataFrame(cols, index=pd.Index(src, name="node_id", tupleize_cols=False))
    df.insert(0, "name", node_names(G, src))
    unit = unit_of(G, weight)
    _frame_attrs(df, prep, eng, units={f"{k}_min": unit for k in kinds}, direction=direction)
    return df
