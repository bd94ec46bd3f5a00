"""The chain score: connectivity and readiness components normalised and weighted."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol, TypeAlias, get_args

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.engine._interface import EngineName
from urbanchain.errors import DataQualityWarning, GraphError, ValidationError
from urbanchain.layers._validate import GATEWAY_KINDS
from urbanchain.metrics._accessibility import DEFAULT_BETA, _hansen
from urbanchain.metrics._centrality import _close_harm
from urbanchain.metrics._common import (
    _check_choice,
    _nan_inf,
    default_mass,
    dist_rows,
    is_network,
    masses,
    node_names,
    prepare,
    resolve_engine,
    unit_of,
)

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
Normalization: TypeAlias = Literal["minmax", "rank"]
ScoreMissing: TypeAlias = Literal["renormalize", "error"]
_NORMALIZATIONS: tuple[str, ...] = get_args(Normalization)
_MISSING: tuple[str, ...] = get_args(ScoreMissing)


class ChainLike(Protocol):
    """What the chain-level metrics read: the chain graph and its node layer.

    :class:`urbanchain.UrbanChain` is one; any object with both attributes works.
    """

    @property
    def graph(self) -> nx.Graph:
        """The chain graph (networkx)."""
        ...

    @property
    def nodes(self) -> pd.DataFrame:
        """The node layer, with ``node_id`` and the readiness columns."""
        ...


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
    missing: ScoreMissing = "renormalize",
    need_mass: bool = True,
    unweighted: frozenset[str] = frozenset(),
    stacklevel: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw component values (scored nodes x components) and the display columns.

    With ``need_mass=False`` (the accessibility weight is 0) a chain whose capitals have
    no mass gets an all-missing accessibility column instead of an error; readiness
    components named in ``unweighted`` (weight 0) may lack their node column.
    """
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
    for k, c in cols.items():
        if c not in frame.columns:
            if k in unweighted:
                # a zero-weight readiness component needs no column: a chain outside
                # Vietnam has no DTI/PCI/IOC at all
                frame[c] = np.nan
                continue
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
    eng = prep.engine(resolve_engine(engine), searches=len(scored))
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
        if need_mass and 2 * len(valid) < len(scored):
            msg = (
                f"Only {len(valid)} of {len(scored)} capitals have a usable mass in node "
                f"attribute {mass!r}, so the accessibility component would describe a few "
                "destinations, not the chain. Pass mass= naming a populated attribute (the "
                "bundled chains carry 'province_population'), or set the 'accessibility' "
                "weight to 0 (weights={'accessibility': 0})."
            )
            raise ValidationError(msg)
        if excluded and valid:
            warnings.warn(
                f"chain_score: {len(excluded)} of {len(scored)} capitals have no usable "
                f"{mass!r} ({format_ids(excluded)}); they are scored but left out as "
                "accessibility destinations (never counted as 0).",
                DataQualityWarning,
                stacklevel=stacklevel,
            )
        dest, m = masses(G, mass, valid, missing="error") if valid else ([], np.array([]))
    if len(dest):
        acc, _ = _hansen(
            d_out[:, [prep.csr.index[v] for v in dest]],
            m,
            scored,
            dest,
            decay="exponential",
            beta=DEFAULT_BETA["exponential"],
            include_self=False,
        )
    else:
        acc = np.full(len(scored), np.nan)
    kinds = [k for k in GATEWAY_KINDS if any(kk == k for _, kk in G.nodes(data="kind"))]
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
    bc_all = eng.node_betweenness(None, normalized=True, seed=None)
    bc = bc_all[[prep.csr.index[v] for v in scored]]
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
        index=pd.Index(scored, name="node_id", tupleize_cols=False),
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
        if not _HIGHER_IS_BETTER.get(c, True):  # readiness columns arrive higher-is-better
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
        if not _HIGHER_IS_BETTER.get(c, True):  # readiness columns arrive higher-is-better
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
    chain: ChainLike,
    *,
    weights: Mapping[str, float] | None = None,
    normalization: Normalization = "minmax",
    missing: ScoreMissing = "renormalize",
    weight: str = "time_min",
    columns: Mapping[str, str] | None = None,
    as_of: int | None = None,
    engine: EngineName | None = None,
    mass: str | None = None,
    normalize_to: pd.DataFrame | None = None,
    readiness: Sequence[str] | Mapping[str, float] | None = None,
    readiness_data: pd.DataFrame | None = None,
    readiness_vintage: int = 2008,
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
    readiness
        Readiness indicators from :func:`urbanchain.readiness.load` by name,
        ``"index[:component][@year]"`` (e.g. ``["dti:digital_government", "pci@2024"]``),
        replacing the node-column ``dti``/``pci`` ranks.  A list shares their weight
        equally; a mapping gives each indicator its weight.  The year defaults to the
        one with values for the most capitals (latest on ties); scores are used rather than ranks when every
        capital with a value has a score.  See ``docs/readiness.md``.
    readiness_data
        A user readiness table instead of the bundled one (checked by
        :func:`urbanchain.readiness.validate_table`).
    readiness_vintage
        2008 (nodes linked by ``province_2008``) or 2025 (``province_2025``).

    Returns
    -------
    pandas.DataFrame
        Per capital, best first: raw values, ``z_<component>``, ``score`` (0-1),
        ``rank`` (1 = best), ``n_missing``, ``components_used``; with ``readiness``
        also ``readiness_used`` (indicator@year(measure) per capital) and
        ``attrs["readiness"]`` (year, measure, methodology, sources per indicator).

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
        need_mass=w["accessibility"] > 0,
        unweighted=frozenset(k for k, v in w.items() if v == 0),
    )
    r_used = r_info = None
    if readiness is not None:
        from urbanchain import readiness as _readiness

        attrs = dict(raw.attrs)
        raw, display, w, r_notes, r_used, r_info = _readiness.extend_chain(
            _chain_frame(chain), raw, display, w, readiness,
            data=readiness_data, vintage=readiness_vintage,
        )  # fmt: skip
        raw.attrs.update(attrs)
        notes = [*notes, *r_notes]
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
    if r_used is not None:
        out["readiness_used"] = r_used.reindex(out.index)
    out = out.sort_values("score", ascending=False, kind="stable")
    out.insert(
        list(out.columns).index("n_missing"),
        "rank",
        out["score"].rank(ascending=False, method="min").astype(int),
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
    if r_info is not None:
        out.attrs["readiness"] = r_info
    return out


def score_sensitivity(
    chain: ChainLike,
    *,
    n: int = 200,
    spread: float = 0.2,
    seed: int = 0,
    weights: Mapping[str, float] | None = None,
    normalization: Normalization = "minmax",
    weight: str = "time_min",
    columns: Mapping[str, str] | None = None,
    as_of: int | None = None,
    engine: EngineName | None = None,
    mass: str | None = None,
    readiness: Sequence[str] | Mapping[str, float] | None = None,
    readiness_data: pd.DataFrame | None = None,
    readiness_vintage: int = 2008,
    indicator_sets: Sequence[Sequence[str]] | None = None,
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
    readiness, readiness_data, readiness_vintage
        As in :func:`chain_score`; the readiness weights are perturbed like the others.
    indicator_sets
        Alternative choices of readiness indicators (each a list of names as in
        ``readiness``; equal shares).  Each set re-scores the nodes with the base
        weights; ``attrs["indicator_choice"]`` gives each set's ranks and Spearman
        :math:`\rho` against the base ranking, and ``indicator_min_rank`` /
        ``indicator_max_rank`` the range over base and sets.

    Returns
    -------
    pandas.DataFrame
        Per node: ``base_rank``, ``mean_rank``, ``min_rank``, ``max_rank``,
        ``share_same_rank``, ``share_within_1`` (and the indicator columns above);
        ``attrs`` holds ``spearman_mean``, ``spearman_min``, ``kendall_mean``.

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
    raw0, w0 = raw, dict(w)
    if readiness is not None:
        from urbanchain import readiness as _readiness

        attrs = dict(raw.attrs)
        raw, _display, w, _n, _u, _i = _readiness.extend_chain(
            _chain_frame(chain), raw, _display, w, readiness,
            data=readiness_data, vintage=readiness_vintage,
        )  # fmt: skip
        raw.attrs.update(attrs)
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
    if indicator_sets is not None:
        from urbanchain import readiness as _readiness

        rows, set_ranks = [], [br]
        for k, names in enumerate(indicator_sets):
            rk, _dk, wk_, _n, _u, info = _readiness.extend_chain(
                _chain_frame(chain), raw0, _display, w0, list(names),
                data=readiness_data, vintage=readiness_vintage,
            )  # fmt: skip
            sk, _, _ = _score(_normalise(rk, normalization), wk_)
            rks = (
                pd.Series(sk, index=rk.index)
                .rank(ascending=False, method="min")
                .reindex(z.index)
                .to_numpy(dtype=np.float64)
            )
            set_ranks.append(rks)
            rho_k = stats.spearmanr(br, rks).statistic if len(z) > 1 else 1.0
            label = ", ".join(f"{key}@{d['year']}" for key, d in info.items())
            rows.append({"set": k, "indicators": label, "spearman": float(rho_k),
                         **{str(v): int(r) for v, r in zip(z.index, rks, strict=True)}})  # fmt: skip
        allr = np.vstack(set_ranks)
        pos = [list(z.index).index(v) for v in out.index]
        out["indicator_min_rank"] = allr.min(axis=0)[pos].astype(int)
        out["indicator_max_rank"] = allr.max(axis=0)[pos].astype(int)
        out.attrs["indicator_choice"] = pd.DataFrame(rows)
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
