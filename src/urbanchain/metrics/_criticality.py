"""Corridor criticality: the loss of efficiency and reach when a corridor closes."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.engine._interface import Engine, EngineName
from urbanchain.errors import DataQualityWarning, GraphError
from urbanchain.metrics._accessibility import _hansen, _resolve_beta
from urbanchain.metrics._common import (
    Decay,
    GraphLike,
    Mass,
    MissingMass,
    NodeSelection,
    Prepared,
    _bad_mass,
    _frame_attrs,
    access_link_mask,
    default_mass,
    default_nodes,
    edge_labels,
    masses,
    node_attr,
    prepare,
    resolve_engine,
    resolve_nodes,
    unit_of,
)

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
        eng: Engine,
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
        # d(s, end), and d(end, t) as a search from the columns on the reversed graph
        d_s_end = eng.distances(sidx, ends)
        d_end_c = eng.distances(cpos, ends, reverse=True).T
        self.atol = eng.slack
        self.slot_pos = {int(s_): i for i, s_ in enumerate(slots.tolist())}
        self.tail = np.array([where[int(v)] for v in tails.tolist()], dtype=np.int64)
        self.head = np.array([where[int(v)] for v in heads.tolist()], dtype=np.int64)
        self.w = eng.arc_weights(slots)
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


def _groups(
    labels: list[Any], by: str, groups: NodeSelection
) -> tuple[dict[Any, list[int]], int, list[Any]]:
    """Group edges by label: ``(group -> edge positions, edges without a label, groups to run)``."""
    members: dict[Any, list[int]] = {}
    ungrouped = 0
    for t, key in enumerate(labels):
        if key is None or (isinstance(key, float) and math.isnan(key)) or key == "":
            ungrouped += 1
            continue
        members.setdefault(key, []).append(t)
    if not members:
        msg = f"No edge carries the attribute {by!r}; pass by='edge_id' or another edge attribute."
        raise GraphError(msg)
    if groups is None:
        return members, ungrouped, list(members)
    glist = (
        list(groups) if isinstance(groups, Iterable) and not isinstance(groups, str) else [groups]
    )
    for g in glist:
        if g not in members:
            err = unknown_name(by, g, members)
            raise err
    return members, ungrouped, glist


def corridor_criticality(
    G: GraphLike,
    *,
    weight: str = "time_min",
    by: str = "corridor_id",
    mass: Mass | None = "auto",
    sources: NodeSelection = None,
    targets: NodeSelection = None,
    destinations: NodeSelection = None,
    groups: NodeSelection = None,
    decay: Decay = "exponential",
    beta: float | None = None,
    missing: MissingMass = "warn",
    engine: EngineName | None = None,
    include_access: bool = False,
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
    include_access
        ``False`` (default): access links and transfers (edges with ``mode``
        ``"access"`` or ``"transfer"``, or ``is_access`` true) are not ranked
        and never removed, so the ranking holds real corridors only.  ``True``
        ranks them too (their groups are named by their ``corridor_id``, e.g.
        ``"access:<node>"``).

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
    src = resolve_nodes(G, sources, default=lambda: default_nodes(G), what="source")
    tgt = resolve_nodes(G, targets, default=src, what="target")
    dest: list[Any] = []
    m = np.empty(0)
    if isinstance(mass, str) and mass == "auto":
        mass = default_mass(G)
        if mass == "population" and all(_bad_mass(v) for v in node_attr(G, "population")):
            mass = None  # no masses at all: efficiency and times only
    if mass is not None:
        dest, m = masses(G, mass, destinations, missing=missing)
    labels = edge_labels(G, prep, by)
    if not include_access:
        # access links and transfers are not corridors: never ranked, never removed
        link = access_link_mask(G, prep)
        kept = {lab for lab, is_link in zip(labels, link, strict=True) if not is_link}
        asked = (
            []
            if groups is None
            else list(groups)
            if isinstance(groups, Iterable) and not isinstance(groups, str)
            else [groups]
        )
        linked = {lab for lab, is_link in zip(labels, link, strict=True) if is_link}
        refused = [g for g in asked if g not in kept and g in linked]
        if refused and len(refused) == len(asked):
            msg = (
                f"{by} {format_ids(refused)} {'is' if len(refused) == 1 else 'are'} access "
                "link(s) or transfer(s), not corridors; pass include_access=True to rank them."
            )
            raise GraphError(msg)
        if refused:
            warnings.warn(
                f"corridor_criticality: left out {len(refused)} of the {len(asked)} groups "
                f"asked for, access links or transfers that are not corridors "
                f"({format_ids(refused)}); pass include_access=True to rank them.",
                DataQualityWarning,
                stacklevel=2,
            )
            groups = [g for g in asked if g not in set(refused)]
        labels = [None if is_link else lab for lab, is_link in zip(labels, link, strict=True)]
    n_links = 0
    if not include_access:
        n_links = len(
            {
                lab
                for lab, is_link in zip(edge_labels(G, prep, by), link, strict=True)
                if is_link and lab is not None
            }
        )
    members, ungrouped, glist = _groups(labels, by, groups)
    skipped = n_links if groups is None else 0
    cols = list(dict.fromkeys([*tgt, *dest]))
    cpos = np.array([csr.index[v] for v in cols], dtype=np.int64)
    col_pos = {v: i for i, v in enumerate(cols)}  # a dict: targets may be every node
    tsel = np.array([col_pos[v] for v in tgt], dtype=np.int64)
    dsel = np.array([col_pos[v] for v in dest], dtype=np.int64)
    sidx = np.array([csr.index[v] for v in src], dtype=np.int64)
    eng = prep.engine(req, searches=(len(glist) + 1) * len(src))

    def run(e: Engine, rows: np.ndarray | None = None) -> np.ndarray:
        return e.distances(sidx if rows is None else sidx[rows], cpos)

    def summarise(d: np.ndarray) -> tuple[float, float, np.ndarray]:
        od = d[:, tsel]
        eff, _ = _od_summary(od, src, tgt)
        if mass is None:
            return eff, math.nan, od
        a, _ = _hansen(d[:, dsel], m, src, dest, decay=decay, beta=b, include_self=False)
        return eff, float(a.sum()), od

    base_d = run(eng)
    base_eff, base_acc, base_od = summarise(base_d)
    _, offdiag = _od_summary(base_od, src, tgt)
    removals = {g: csr.removal(np.asarray(members[g], dtype=np.int64)) for g in glist}
    # only sources with a shortest path through a removed arc can change (engines that
    # prune); the reference recomputes every row
    touched = (
        _OnPath(prep, eng=eng, sidx=sidx, cpos=cpos, base=base_d, removals=removals)
        if eng.prunes
        else None
    )
    records = []
    for g in glist:
        pos = np.asarray(members[g], dtype=np.int64)
        rows = touched.rows(removals[g][0]) if touched is not None else None
        if rows is not None and not len(rows):
            d = base_d
        else:
            with eng.without(pos) as closed:
                if rows is None:
                    d = run(closed)
                else:
                    d = base_d.copy()
                    d[rows] = run(closed, rows)
        eff, acc, od = summarise(d)
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
