"""Reach of people and gateways: gravity interaction, Hansen accessibility, gateway access."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from urbanchain.engine._interface import Engine
from urbanchain.errors import GraphError, ValidationError
from urbanchain.metrics._common import (
    _DECAYS,
    _DIRECTIONS,
    Prepared,
    _check_choice,
    _frame_attrs,
    _nan_inf,
    base_nodes,
    block_rows,
    default_nodes,
    masses,
    node_attr,
    node_ids,
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
    G: nx.Graph,
    *,
    mass: str | Mapping[Any, float] | pd.Series = "population",
    beta: float = 2.0,
    sources: Any = None,
    targets: Any = None,
    weight: str = "time_min",
    missing: str = "error",
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
        Node attribute name, or a mapping/Series node id -> mass (e.g. population).
    beta
        Distance exponent; default 2, the Newtonian form of the gravity model
        (Rodrigue 2020); empirical values on travel time are often 1-2.
    sources, targets
        Node ids (default: capitals, else base nodes).
    weight
        Edge cost attribute.
    missing
        ``"error"`` (default) raises listing nodes without a usable mass;
        ``"drop"`` leaves them out with a warning.  A missing mass is never 0.
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
    eng = prep.engine(req, searches=min(len(src_kept), len(tgt_kept)))
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
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        f = np.exp(-beta * d) if decay == "exponential" else d ** (-beta)
    f[~np.isfinite(d)] = 0.0
    return f


def _resolve_beta(G: nx.Graph, decay: str, beta: float | None, weight: str) -> float:
    _check_choice("decay", decay, _DECAYS)
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


def accessibility(
    G: nx.Graph,
    *,
    mass: str | Mapping[Any, float] | pd.Series = "population",
    decay: str = "exponential",
    beta: float | None = None,
    weight: str = "time_min",
    sources: Any = None,
    destinations: Any = None,
    include_self: bool = False,
    missing: str = "error",
    engine: str | None = None,
) -> pd.DataFrame:
    r"""Hansen (1959) potential accessibility.

    .. math::

        A_i = \sum_{j \in D,\, j \ne i} M_j\, f(d_{ij}), \qquad
        f(d) = e^{-\beta d} \;(\text{exponential}) \quad\text{or}\quad d^{-\beta} \;(\text{power})

    Parameters
    ----------
    G
        Chain graph.
    mass
        Node attribute name or a mapping/Series node id -> mass (default ``population``).
    decay
        ``"exponential"`` (default) or ``"power"``.
    beta
        Decay parameter in the unit of ``weight``.  Default
        :data:`DEFAULT_BETA`: exponential ``ln 2 / 120`` per minute (half-life
        120 min, the inter-regional value of Rosik et al. 2015; ESPON uses 0.005),
        power 1.
    weight
        Edge cost attribute (minutes for ``time_min``).
    sources
        Nodes to score (default: every base node).
    destinations
        Nodes carrying mass (default: the mapping's keys, else nodes of kind ``"city"``).
    include_self
        Add the node's own mass (:math:`f(0) = 1` for exponential; not allowed for power).
    missing
        ``"error"`` (default) raises listing destinations without a usable mass;
        ``"drop"`` leaves them out with a warning.  Never treated as 0.
    engine
        ``"auto"``, ``"scipy"``, ``"cch"`` or ``"networkx"``; recorded in ``attrs["engine"]``.

    Returns
    -------
    pandas.DataFrame
        ``accessibility`` (mass units, decayed) and ``destinations_reached`` per source.

    Raises
    ------
    ValidationError
        Missing masses (``missing="error"``), a bad ``beta``, or ``include_self`` with power decay.

    References
    ----------
    Hansen, W. G. (1959). How accessibility shapes land use. *Journal of the
    American Institute of Planners* 25(2), 73-76.
    Rosik, P., Stępniak, M. & Komornicki, T. (2015). The decade of the big push to
    roads in Poland. *Transport Policy* 37, 134-146.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> acc = accessibility(diamond(), decay="power", beta=1.0, sources=["a", "d"])
    >>> acc["accessibility"].round(3).tolist()
    [6.0, 11.0]
    """
    req = resolve_engine(engine)
    b = _resolve_beta(G, decay, beta, weight)
    if include_self and decay == "power":
        msg = (
            "include_self=True needs a finite f(0); use decay='exponential' or include_self=False."
        )
        raise ValidationError(msg)
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=base_nodes(G) or node_ids(G), what="source")
    dest, m = masses(G, mass, destinations, missing=missing)
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
        include_self=include_self,
        fallback=fallback,
        report=report,
    )
    df = pd.DataFrame(
        {"accessibility": a, "destinations_reached": reached},
        index=pd.Index(src, name="node_id"),
    )
    _frame_attrs(
        df,
        prep,
        eng,
        units={"accessibility": "mass (decayed)", "destinations_reached": "count"},
        decay=decay,
        beta=b,
        beta_unit=f"1/{unit_of(G, weight)}" if decay == "exponential" else "exponent",
        **report,
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
        ``<kind>_min`` (cost, NaN if none reachable) and ``<kind>_id`` (the nearest
        gateway, None if none reachable) per node.

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
             seaport_min seaport_id
    node_id
    a               20.0          d
    b               10.0          d
    c               20.0          d
    """
    req = resolve_engine(engine)
    _check_choice("direction", direction, _DIRECTIONS)
    prep = prepare(G, weight)
    src = resolve_nodes(G, sources, default=default_nodes(G), what="source")
    # scipy runs one multi-source search per kind; cch answers a sources x gateways table
    eng = prep.engine(req, searches=len(kinds))
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
        gidx = np.array([prep.csr.index[v] for v in gates], dtype=np.int64)
        dsel, near = eng.nearest(gidx, sidx, reverse=reverse)
        ids = [prep.csr.nodes[j] if j >= 0 else None for j in near.tolist()]
        cols[f"{kind}_min"] = _nan_inf(dsel)
        cols[f"{kind}_id"] = pd.Series(ids, dtype=object).to_numpy()
    df = pd.DataFrame(cols, index=pd.Index(src, name="node_id"))
    unit = unit_of(G, weight)
    _frame_attrs(df, prep, eng, units={f"{k}_min": unit for k in kinds}, direction=direction)
    return df
