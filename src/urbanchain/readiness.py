"""Smart-city readiness as a sourced dataset: DTI, PCI and PAPI by province and year.

The bundled table ``readiness.csv`` (built by ``scripts/build_readiness.py`` from the
curated tables in ``data/sources/readiness/``) holds every value a stored source
publishes: the Digital Transformation Index (DTI, Ministry of Information and
Communications, yearly since 2020), the Provincial Competitiveness Index (PCI, VCCI)
and the Provincial Governance and Public Administration Performance Index (PAPI,
CECODES/VFF-CRT/UNDP).  A value no source gives is absent, never filled in.

Across the 1 July 2025 merger, :func:`aggregate_to_2025` turns old-province scores into
weighted means for the 34 units (population weights by default) and marks them
``derived``; ranks are never aggregated, because a rank among 63 provinces is not a rank
among 34 units.  Scores are only compared within one methodology edition
(:func:`compare`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from urbanchain._private._bundled import read_bundled_csv
from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.errors import ValidationError

__all__ = [
    "COLUMNS",
    "INDICES",
    "QUADRANTS",
    "aggregate_to_2025",
    "chain_values",
    "classify_ready_connected",
    "compare",
    "load",
    "parse_indicator",
    "select_values",
    "sources",
    "validate_table",
]

#: Columns of the table returned by :func:`load`, in order.
COLUMNS = [
    "province_code",
    "province_name",
    "vintage",
    "year",
    "index",
    "component",
    "score",
    "rank",
    "rank_of",
    "unit",
    "methodology",
    "derived",
    "weight_basis",
    "source",
    "note",
]

#: Components of each index.  ``overall`` is the published total (DTI: PDTI; PCI: the
#: weighted PCI score; PAPI: the published total).  DTI pillars are
#: ``digital_government``, ``digital_economy`` and ``digital_society``; its eight main
#: indices (2022) end in ``_activity`` or name the foundations.  PAPI's e-governance
#: dimension (``e_governance``, from 2018) has one stored value so far (Quảng Ninh 2024).
INDICES: dict[str, tuple[str, ...]] = {
    "dti": (
        "overall",
        "digital_government",
        "digital_economy",
        "digital_society",
        "digital_awareness",
        "digital_institutions",
        "digital_infrastructure",
        "digital_workforce",
        "cyber_security",
        "digital_government_activity",
        "digital_economy_activity",
        "digital_society_activity",
    ),
    "pci": (
        "overall",
        "unweighted_total",
        "entry_costs",
        "land_access",
        "transparency",
        "time_costs",
        "informal_charges",
        "policy_implementation",
        "policy_bias",
        "proactivity",
        "business_support",
        "labor_training",
        "legal_institutions",
    ),
    "papi": (
        "overall",
        "unweighted_total",
        "participation",
        "transparency",
        "vertical_accountability",
        "control_of_corruption",
        "public_administrative_procedures",
        "public_service_delivery",
        "environmental_governance",
        "e_governance",
    ),
}
VINTAGES = (2008, 2025)
_KEY = ["province_code", "year", "index", "component"]


def _table() -> pd.DataFrame:
    raw = read_bundled_csv("readiness.csv")
    df = pd.DataFrame(
        {
            "province_code": raw["province_code"].astype(str),
            "province_name": raw["province_name"].astype(str),
            "vintage": pd.to_numeric(raw["vintage"]).astype("int64"),
            "year": pd.to_numeric(raw["year"]).astype("int64"),
            "index": raw["index"].astype(str),
            "component": raw["component"].astype(str),
            "score": pd.to_numeric(raw["score"].replace("", np.nan)).astype("float64"),
            "rank": pd.to_numeric(raw["rank"].replace("", np.nan)).astype("Int64"),
            "rank_of": pd.to_numeric(raw["rank_of"]).astype("Int64"),
            "unit": raw["unit"].astype(str),
            "methodology": raw["methodology"].astype(str),
            "derived": False,
            "weight_basis": "",
            "source": raw["source"].astype(str),
            "note": raw["note"].fillna("").astype(str),
        }
    )
    return df[COLUMNS]


def sources() -> pd.DataFrame:
    """Return the readiness sources: key, title, URL, publisher, licence, what each gave.

    Returns
    -------
    pandas.DataFrame
        One row per source key used in the ``source`` column of :func:`load`.

    Examples
    --------
    >>> from urbanchain.readiness import sources
    >>> sources().set_index("key").loc["R1", "url"]
    'https://dti.gov.vn/xep-hang-2022'
    """
    return read_bundled_csv("readiness_sources.csv")


def _check(kind: str, value: Any, valid: Sequence[Any]) -> None:
    if value not in valid:
        err = unknown_name(kind, value, valid)
        raise err


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, str | int):
        return [value]
    return list(value)


def load(
    *,
    vintage: int = 2008,
    index: str | Sequence[str] | None = None,
    component: str | Sequence[str] | None = None,
    province: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    weights: str | Mapping[str, float] = "population",
) -> pd.DataFrame:
    """Return the readiness table: one row per province x year x index x component.

    Parameters
    ----------
    vintage
        ``2008`` (63 provinces, 2008 - June 2025) or ``2025`` (34 units).  For 2025 the
        table holds the values published for the 34 units (DTI 2024) plus old-province
        scores aggregated by :func:`aggregate_to_2025` (``derived`` True).
    index, component, province, year
        Filters (a value or a list).  Unknown names raise.
    weights
        Aggregation weights for ``vintage=2025`` (see :func:`aggregate_to_2025`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`.  ``score`` in the owner's unit (``unit``), ``rank`` 1 =
        best among ``rank_of`` units, ``methodology`` the edition (scores compare only
        within one), ``source`` the keys of :func:`sources`.

    Raises
    ------
    UnknownNameError
        Unknown vintage, index, component, province code or year.

    Examples
    --------
    >>> from urbanchain.readiness import load
    >>> t = load(index="dti", year=2022, component="overall")
    >>> len(t), t.set_index("province_code").loc["31", "rank"]
    (63, np.int64(14))
    """
    _check("vintage", vintage, VINTAGES)
    df = _table()
    if vintage == 2025:
        published = df[df["vintage"] == 2025]
        derived = aggregate_to_2025(df[df["vintage"] == 2008], weights=weights)
        df = pd.concat([published, derived], ignore_index=True)
    else:
        df = df[df["vintage"] == 2008]
    for col, value, kind, valid in (
        ("index", index, "readiness index", list(INDICES)),
        (
            "component",
            component,
            "readiness component",
            sorted({c for v in INDICES.values() for c in v}),
        ),
        ("province_code", province, f"province code ({vintage})", sorted(_codes(vintage))),
        ("year", year, "readiness year", sorted(set(df["year"]))),
    ):
        wanted = _as_list(value)
        if wanted is None:
            continue
        wanted = [str(w) if col == "province_code" else w for w in wanted]
        for w in wanted:
            _check(kind, w, valid)
        df = df[df[col].isin(wanted)]
    return df.sort_values(
        ["index", "year", "component", "province_code"], kind="stable"
    ).reset_index(drop=True)[COLUMNS]


def _codes(vintage: int) -> set[str]:
    cw = read_bundled_csv("crosswalk_2025.csv")
    return set(cw["code_2008" if vintage == 2008 else "code_2025"])


def _population() -> tuple[dict[str, float], dict[str, str]]:
    from urbanchain.datasets import provinces

    p = provinces(region=None, vintage=2008)
    w: dict[str, float] = {}
    basis: dict[str, str] = {}
    for _, r in p.iterrows():
        if pd.notna(r["population"]):
            w[r["code"]] = float(r["population"])
            basis[r["code"]] = (
                f"{int(r['population'])} ({r['population_year']}, {r['population_source']})"
            )
    return w, basis


def aggregate_to_2025(
    table: pd.DataFrame, *, weights: str | Mapping[str, float] = "population"
) -> pd.DataFrame:
    r"""Aggregate old-province scores to the 34 units of 1 July 2025 (weighted mean).

    For a unit :math:`U` with members :math:`i` (crosswalk), each index x component x
    year x methodology:

    .. math:: s_U = \frac{\sum_{i \in U} w_i s_i}{\sum_{i \in U} w_i}

    so that :math:`s_U \sum w_i = \sum w_i s_i` (the weighted total is conserved).
    A unit is aggregated only when every member has a score and a weight; otherwise
    its row keeps ``score`` empty and says in ``note`` which member lacks what.
    Ranks are never aggregated (a rank among 63 is not a rank among 34).

    Parameters
    ----------
    table
        Rows of vintage 2008 in the :data:`COLUMNS` layout (e.g. ``load()``); not modified.
    weights
        ``"population"`` (default; the official population of each 2008 province in
        ``provinces.geojson``, year and source recorded in ``weight_basis``),
        ``"equal"``, or a mapping of 2008 code to weight (> 0).

    Returns
    -------
    pandas.DataFrame
        Rows of vintage 2025, ``derived`` True, ``rank`` empty.

    Raises
    ------
    ValidationError
        Non-positive or non-finite weights, rows of mixed methodology in one group.
    UnknownNameError
        An unknown weights option.

    Examples
    --------
    >>> from urbanchain.readiness import load, aggregate_to_2025
    >>> t = load(index="pci", year=2016, component="overall")
    >>> u = aggregate_to_2025(t).set_index("province_code")
    >>> bool(u.loc["31", "derived"]), u.loc["31", "weight_basis"][:11]
    (True, 'population:')
    """
    if isinstance(weights, str):
        _check("weights option", weights, ("population", "equal"))
        if weights == "population":
            w, wbasis = _population()
        else:
            w, wbasis = {}, {}
    else:
        w, wbasis = {}, {}
        for code, val in weights.items():
            if not (
                isinstance(val, int | float)
                and not isinstance(val, bool)
                and math.isfinite(val)
                and val > 0
            ):
                msg = f"Weight of province {code!r} must be a finite number > 0; got {val!r}."
                raise ValidationError(msg)
            w[str(code)] = float(val)
            wbasis[str(code)] = f"{val:g} (user weight)"
    equal = isinstance(weights, str) and weights == "equal"
    cw = read_bundled_csv("crosswalk_2025.csv")
    members: dict[str, list[str]] = {}
    name25: dict[str, str] = {}
    for _, r in cw.iterrows():
        members.setdefault(r["code_2025"], []).append(r["code_2008"])
        name25[r["code_2025"]] = r["name_2025"]
    out: list[dict[str, Any]] = []
    t = table[table["vintage"] == 2008] if "vintage" in table.columns else table
    for (idx, comp, year), g in t.groupby(["index", "component", "year"], sort=True):
        if g["methodology"].nunique() > 1:
            msg = (
                f"{idx}:{comp} {year} mixes methodologies {sorted(g['methodology'].unique())}; "
                "aggregate one methodology at a time."
            )
            raise ValidationError(msg)
        scores = dict(zip(g["province_code"], g["score"], strict=True))
        srcs = dict(zip(g["province_code"], g["source"], strict=True))
        meth, unit_ = g["methodology"].iloc[0], g["unit"].iloc[0]
        for code25, mem in sorted(members.items()):
            have = [m for m in mem if m in scores and pd.notna(scores[m])]
            if not have:
                continue
            no_score = [m for m in mem if m not in have]
            no_weight = [] if equal or len(mem) == 1 else [m for m in mem if m not in w]
            row: dict[str, Any] = {
                "province_code": code25,
                "province_name": name25[code25],
                "vintage": 2025,
                "year": year,
                "index": idx,
                "component": comp,
                "rank": pd.NA,
                "rank_of": pd.NA,
                "unit": unit_,
                "methodology": meth,
                "derived": True,
                "source": "; ".join(sorted({s for m in have for s in srcs[m].split("; ")})),
            }
            if no_score or no_weight:
                why = []
                if no_score:
                    why.append(f"no score for member(s) {', '.join(no_score)}")
                if no_weight:
                    why.append(
                        f"no {weights if isinstance(weights, str) else 'user'} weight for member(s) {', '.join(no_weight)}"
                    )
                row.update(score=np.nan, weight_basis="", note="not aggregated: " + "; ".join(why))
            elif len(mem) == 1:
                row.update(
                    score=float(scores[mem[0]]),
                    weight_basis="single member (unchanged unit)",
                    note="unchanged unit; rank among 63 not carried over",
                )
            else:
                ws = np.array([1.0 if equal else w[m] for m in mem])
                ss = np.array([float(scores[m]) for m in mem])
                row.update(
                    score=float(ws @ ss / ws.sum()),
                    weight_basis=("equal: " + ", ".join(mem))
                    if equal
                    else "population: " + "; ".join(f"{m}={wbasis[m]}" for m in mem),
                    note=f"weighted mean of {', '.join(mem)}",
                )
            out.append(row)
    res = pd.DataFrame(out, columns=COLUMNS)
    res["score"] = res["score"].astype("float64")
    res["rank"] = res["rank"].astype("Int64")
    res["rank_of"] = res["rank_of"].astype("Int64")
    res["year"] = res["year"].astype("int64")
    res["vintage"] = res["vintage"].astype("int64")
    res["derived"] = res["derived"].astype(bool)
    return res


def compare(
    table: pd.DataFrame, *, index: str, component: str = "overall", years: Sequence[int]
) -> pd.DataFrame:
    """Score of each province in several years, refusing to mix methodology editions.

    Parameters
    ----------
    table
        A readiness table (:func:`load`).
    index, component
        What to compare.
    years
        Two or more years.

    Returns
    -------
    pandas.DataFrame
        Provinces x years of scores, plus ``change`` (last minus first year).

    Raises
    ------
    ValidationError
        The years belong to different methodology editions (e.g. DTI 2023 aggregated
        from 63 provinces and DTI 2024 published for 34 units), or a year has no score.

    Examples
    --------
    >>> from urbanchain.readiness import load, compare
    >>> c = compare(load(index="papi"), index="papi", component="unweighted_total", years=[2011, 2016])
    >>> round(float(c.loc["01", "change"]), 2) == round(float(c.loc["01", 2016] - c.loc["01", 2011]), 2)
    True
    """
    _check("readiness index", index, list(INDICES))
    _check(f"{index} component", component, INDICES[index])
    t = table[
        (table["index"] == index)
        & (table["component"] == component)
        & table["year"].isin(list(years))
    ]
    t = t[t["score"].notna()]
    missing = [y for y in years if y not in set(t["year"])]
    if missing:
        msg = f"No {index}:{component} scores for year(s) {missing}; available: {sorted(set(table.loc[table['index'] == index, 'year']))}."
        raise ValidationError(msg)
    meths = t.groupby("year")["methodology"].unique()
    editions = sorted({m for v in meths for m in v})
    if len(editions) > 1:
        detail = "; ".join(f"{y}: {', '.join(v)}" for y, v in meths.items())
        msg = (
            f"Cannot compare {index}:{component} scores across methodologies ({detail}). "
            "Scores are comparable only within one methodology edition; compare ranks "
            "within each year instead, or choose years of one edition (see docs/readiness.md)."
        )
        raise ValidationError(msg)
    wide = t.pivot_table(index="province_code", columns="year", values="score", aggfunc="first")
    wide["change"] = wide[max(years)] - wide[min(years)]
    return wide


_SPEC = re.compile(r"^(?P<index>[a-z]+)(?::(?P<component>[a-z_]+))?(?:@(?P<year>\d{4}))?$")


def parse_indicator(spec: str) -> tuple[str, str, int | None]:
    """Parse ``"index[:component][@year]"``, e.g. ``"dti:digital_government@2022"``.

    Parameters
    ----------
    spec
        The indicator name.

    Returns
    -------
    tuple
        ``(index, component, year or None)``.

    Raises
    ------
    UnknownNameError
        Unknown index or component.
    ValidationError
        A name not of the form ``index[:component][@year]``.

    Examples
    --------
    >>> parse_indicator("pci@2024")
    ('pci', 'overall', 2024)
    """
    m = _SPEC.match(str(spec).strip().lower())
    if not m:
        msg = f"Readiness indicator {spec!r} is not of the form 'index[:component][@year]', e.g. 'dti:digital_government@2022'."
        raise ValidationError(msg)
    idx, comp = m["index"], m["component"] or "overall"
    _check("readiness index", idx, list(INDICES))
    _check(f"{idx} component", comp, INDICES[idx])
    return idx, comp, int(m["year"]) if m["year"] else None


def validate_table(table: pd.DataFrame, *, vintage: int = 2008) -> pd.DataFrame:
    """Check a user readiness table and return a clean copy in the :data:`COLUMNS` layout.

    Required columns: ``province_code``, ``year``, ``index``, ``component``, ``score``;
    optional ``rank``, ``methodology`` (default ``"<index>-<year>"``), ``source``.

    Parameters
    ----------
    table
        The user's table; not modified.
    vintage
        Province configuration of the codes (2008: 63 provinces; 2025: 34 units).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValidationError
        Missing columns, non-numeric scores or ranks, duplicate province-years, unknown
        province codes, unknown index or component names; the message names the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"province_code": ["01"], "year": [2022], "index": ["dti"],
    ...                   "component": ["overall"], "score": [0.61]})
    >>> validate_table(t)["derived"].tolist()
    [False]
    """
    _check("vintage", vintage, VINTAGES)
    need = ["province_code", "year", "index", "component", "score"]
    absent = [c for c in need if c not in table.columns]
    if absent:
        msg = f"Readiness table lacks column(s) {absent}; it needs {need} (rank, methodology, source optional)."
        raise ValidationError(msg)
    df = table.copy()
    df["province_code"] = df["province_code"].astype(str).str.strip().str.zfill(2)
    for col in ("score", "rank", "year"):
        if col not in df.columns:
            continue
        num = pd.to_numeric(df[col], errors="coerce")
        bad = df.index[num.isna() & df[col].notna() & (df[col].astype(str).str.strip() != "")]
        if len(bad):
            shown = ", ".join(f"row {i}: {df.at[i, col]!r}" for i in list(bad)[:10])
            msg = f"Non-numeric {col} in the readiness table ({shown}). Use numbers; leave a missing value empty (NaN), never 0."
            raise ValidationError(msg)
        df[col] = num
    for col in ("score", "rank"):
        if col in df.columns:
            inf = df.index[np.isinf(df[col].to_numpy(dtype=np.float64))]
            if len(inf):
                msg = (
                    f"Infinite {col} in the readiness table (rows {format_ids(list(inf))}). "
                    "Use finite numbers; leave a missing value empty (NaN)."
                )
                raise ValidationError(msg)
    frac = df.index[df["year"].notna() & (df["year"] % 1 != 0)]
    if len(frac):
        msg = f"Rows {format_ids(list(frac))} have a non-integer year ({df.at[frac[0], 'year']!r}); give the edition year, e.g. 2022."
        raise ValidationError(msg)
    if df["year"].isna().any():
        msg = f"Rows {format_ids(list(df.index[df['year'].isna()]))} have no year; every value needs its year."
        raise ValidationError(msg)
    for i, r in df.iterrows():
        if r["index"] not in INDICES:
            err = unknown_name(f"readiness index (row {i})", r["index"], list(INDICES))
            raise err
        if r["component"] not in INDICES[r["index"]]:
            err = unknown_name(
                f"{r['index']} component (row {i})", r["component"], INDICES[r["index"]]
            )
            raise err
    valid = _codes(vintage)
    unknown = df.index[~df["province_code"].isin(valid)]
    if len(unknown):
        shown = ", ".join(f"row {i}: {df.at[i, 'province_code']!r}" for i in list(unknown)[:10])
        msg = (
            f"Unknown province codes for vintage {vintage} ({shown}). Use the two-digit GSO "
            f"codes of datasets.provinces(region=None, vintage={vintage})['code']."
        )
        raise ValidationError(msg)
    dup = df.duplicated(_KEY, keep=False)
    if dup.any():
        shown = ", ".join(
            f"{r.province_code}/{r.year:.0f}/{r.index}:{r.component} (rows {format_ids(list(g.index))})"
            for (_, g), r in zip(
                df[dup].groupby(_KEY), df[dup].drop_duplicates(_KEY).itertuples(), strict=False
            )
        )
        msg = f"Duplicate province-years in the readiness table: {shown}. Keep one row per province, year, index and component."
        raise ValidationError(msg)
    out = pd.DataFrame(
        {
            "province_code": df["province_code"],
            "province_name": df.get("province_name", pd.Series("", index=df.index)).astype(str),
            "vintage": vintage,
            "year": df["year"].astype("int64"),
            "index": df["index"].astype(str),
            "component": df["component"].astype(str),
            "score": df["score"].astype("float64"),
            "rank": (
                df["rank"] if "rank" in df.columns else pd.Series(pd.NA, index=df.index)
            ).astype("Int64"),
            "rank_of": pd.Series(pd.NA, index=df.index, dtype="Int64"),
            "unit": "",
            "methodology": df["methodology"].astype(str)
            if "methodology" in df.columns
            else df["index"].astype(str) + "-" + df["year"].astype("int64").astype(str),
            "derived": False,
            "weight_basis": "",
            "source": df["source"].astype(str) if "source" in df.columns else "user table",
            "note": "",
        }
    )
    return out.reset_index(drop=True)[COLUMNS]


# ---------------------------------------------------------------------------
# chain score support (called by urbanchain.metrics.chain_score)
# ---------------------------------------------------------------------------


def chain_components(
    nodes: pd.DataFrame,
    scored: Sequence[Any],
    indicators: Sequence[str],
    *,
    data: pd.DataFrame | None = None,
    vintage: int = 2008,
) -> tuple[pd.DataFrame, pd.Series, dict[str, dict[str, Any]]]:
    """Readiness columns of the chain score, oriented so that higher is better.

    For each indicator the year is the one named (``@year``) or else the year in which
    the most scored capitals (at least two) have a value, the latest on ties.  Scores are used when every capital
    with a value for that indicator-year has a score; otherwise ranks (negated, so that
    higher is better) and ``attrs`` say so.

    Parameters
    ----------
    nodes
        Node table indexed by node id with a ``province_2008`` / ``province_2025`` column.
    scored
        Node ids being scored.
    indicators
        Names accepted by :func:`parse_indicator`.
    data
        A readiness table (default :func:`load` for ``vintage``); user tables are checked
        with :func:`validate_table`.
    vintage
        Which province column links nodes to the table.

    Returns
    -------
    tuple
        Raw values (nodes x indicators), the per-node ``readiness_used`` strings and the
        per-indicator details (year, measure, methodology, sources).

    Raises
    ------
    ValidationError
        No year with two capitals, or a requested year without values.
    """
    col = f"province_{vintage}"
    if col not in nodes.columns:
        err = unknown_name("node column", col, nodes.columns)
        raise err
    table = load(vintage=vintage) if data is None else validate_table(data, vintage=vintage)
    prov = nodes[col].reindex(list(scored)).astype(str).str.zfill(2)
    raw: dict[str, np.ndarray] = {}
    info: dict[str, dict[str, Any]] = {}
    used: dict[Any, list[str]] = {v: [] for v in scored}
    for spec in indicators:
        idx, comp, year = parse_indicator(spec)
        key = f"{idx}:{comp}"
        if key in info:
            msg = f"Readiness indicator {key!r} is given twice; give each index:component once."
            raise ValidationError(msg)
        t = table[(table["index"] == idx) & (table["component"] == comp)]
        t = t[t["score"].notna() | t["rank"].notna()]
        cover = t[t["province_code"].isin(set(prov))].groupby("year")["province_code"].nunique()
        if year is None:
            ok = cover[cover >= 2]
            if ok.empty:
                msg = (
                    f"No year in which two scored capitals have {key} (coverage by year: "
                    f"{cover.to_dict() or 'none'}). Choose another indicator or pass data= with values."
                )
                raise ValidationError(msg)
            # the year covering the most scored capitals; ties go to the latest year
            best = ok[ok == ok.max()]
            year = int(pd.to_numeric(pd.Series(best.index)).max())
        elif year not in cover.index:
            msg = f"No {key} values for the scored capitals in {year}; years with values: {sorted(int(y) for y in cover.index)}."
            raise ValidationError(msg)
        ty = t[t["year"] == year].drop_duplicates("province_code").set_index("province_code")
        have = ty.reindex(prov.to_numpy())
        with_value = have["score"].notna() | have["rank"].notna()
        use_score = bool(with_value.any()) and bool(
            have.loc[with_value.to_numpy(), "score"].notna().all()
        )
        values = have["score"] if use_score else -have["rank"].astype("float64")
        raw[key] = values.to_numpy(dtype=np.float64)
        measure = "score" if use_score else "rank"
        info[key] = {
            "year": year,
            "measure": measure,
            "methodology": sorted(set(ty["methodology"])),
            "sources": sorted({s for v in ty["source"] for s in str(v).split("; ")}),
            "derived": bool(ty["derived"].any()),
        }
        if not use_score:
            info[key]["note"] = (
                "ranks used: scores are not published for every capital with a value"
            )
        for v, ok_ in zip(scored, np.isfinite(raw[key]), strict=True):
            if ok_:
                used[v].append(f"{key}@{year}({measure})")
    frame = pd.DataFrame(raw, index=pd.Index(list(scored), name="node_id"))
    return frame, pd.Series({v: "; ".join(u) for v, u in used.items()}, name="readiness_used"), info


def extend_chain(
    nodes: pd.DataFrame,
    raw: pd.DataFrame,
    display: pd.DataFrame,
    weights: Mapping[str, float],
    indicators: Sequence[str] | Mapping[str, float],
    *,
    data: pd.DataFrame | None = None,
    vintage: int = 2008,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float], list[str], pd.Series, dict[str, Any]]:
    """Replace the node-column DTI/PCI ranks of the chain score by readiness indicators.

    ``indicators`` as a list shares the default DTI + PCI weight equally among the named
    indicators; as a mapping it gives each its own weight (same scale as the other chain
    weights).  The node-column ``dti`` and ``pci`` components get weight 0, then all
    weights are rescaled to sum to 1.  Called by :func:`urbanchain.metrics.chain_score`.

    Parameters
    ----------
    nodes, raw, display, weights
        The chain score's node table, raw components, display columns and weights.
    indicators
        Readiness indicator names (:func:`parse_indicator`), a list or a name -> weight map.
    data, vintage
        As in :func:`chain_components`.

    Returns
    -------
    tuple
        New raw, display, weights, notes, per-node ``readiness_used`` and details.

    Raises
    ------
    ValidationError
        Empty indicator list, negative or non-finite weights.
    """
    if isinstance(indicators, str):
        indicators = [indicators]
    names = list(indicators)
    if not names:
        msg = "readiness= names no indicator; give e.g. ['dti', 'pci:overall@2024']."
        raise ValidationError(msg)
    share = (weights.get("dti", 0.0) + weights.get("pci", 0.0)) / len(names)
    if isinstance(indicators, Mapping):
        iw = {}
        for k, v in indicators.items():
            if not (
                isinstance(v, int | float)
                and not isinstance(v, bool)
                and math.isfinite(v)
                and v >= 0
            ):
                msg = (
                    f"Weight of readiness indicator {k!r} must be a finite number >= 0; got {v!r}."
                )
                raise ValidationError(msg)
            iw[k] = float(v)
    else:
        iw = dict.fromkeys(names, share)
    cols, used, info = chain_components(nodes, list(raw.index), names, data=data, vintage=vintage)
    keys = list(cols.columns)
    w = {k: (0.0 if k in ("dti", "pci") else float(v)) for k, v in weights.items()}
    for spec, key in zip(names, keys, strict=True):
        w[key] = iw[spec]
    total = sum(w.values())
    if total <= 0:
        msg = "All chain score weights are 0 after adding readiness; give one a positive weight."
        raise ValidationError(msg)
    w = {k: v / total for k, v in w.items()}
    new_raw = pd.concat([raw, cols], axis=1)
    disp = display.copy()
    for key in keys:
        d = info[key]
        name = f"{key.replace(':', '_')}_{d['year']}_{d['measure']}"
        disp[name] = -cols[key] if d["measure"] == "rank" else cols[key]
    notes = [
        "node-column dti/pci replaced by readiness indicators "
        + ", ".join(f"{k}@{info[k]['year']} ({info[k]['measure']})" for k in keys)
    ]
    notes += [f"{k}: {info[k]['note']}" for k in keys if "note" in info[k]]
    return new_raw, disp, w, notes, used, info


# ---------------------------------------------------------------------------
# map and "ready vs connected" support (issue 22, item 4; used by urbanchain.maps)
# ---------------------------------------------------------------------------

#: Quadrant classes of :func:`classify_ready_connected`, in legend order.
QUADRANTS = ("connected_ready", "connected_not_ready", "ready_not_connected", "neither", "no_data")


def select_values(
    *,
    codes: Sequence[str],
    vintage: int = 2008,
    index: str = "pci",
    component: str = "overall",
    year: int | None = None,
    weights: str | Mapping[str, float] = "population",
    data: pd.DataFrame | None = None,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """One readiness score per province of ``codes`` for one index, component and year.

    Default year rule: the most recent year in which **every** province of ``codes``
    has a score; if no year covers them all, the year covering the most of them (the
    latest on ties), and ``attrs["year_rule"]`` says so.  Only scores are used (ranks
    are not scores: a rank moves when another province improves).

    Parameters
    ----------
    codes
        Province codes of ``vintage`` (e.g. the region's provinces).
    vintage
        ``2008`` or ``2025`` (2025: published values plus the aggregates of
        :func:`aggregate_to_2025`, ``derived`` True).
    index, component
        See :data:`INDICES`.
    year
        The edition year; ``None`` applies the default rule.
    weights
        Aggregation weights for ``vintage=2025`` (:func:`aggregate_to_2025`).
    data
        A user readiness table (checked by :func:`validate_table`) instead of the
        bundled one.
    allow_empty
        With ``year`` given, return the rows (all ``score`` NaN, ``note`` saying why)
        instead of raising when no province has a score, e.g. 2025 units whose members
        have no sourced population weight.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``province_code`` (every code of ``codes``, in order), columns
        ``score`` (NaN where no source gives one), ``rank``, ``rank_of``, ``unit``,
        ``methodology``, ``derived``, ``weight_basis``, ``source``, ``note``.
        ``attrs``: ``index``, ``component``, ``year``, ``vintage``, ``unit``,
        ``coverage`` (provinces with a score / all), ``sources``, ``derived``,
        ``year_rule``.

    Raises
    ------
    UnknownNameError
        Unknown vintage, index or component.
    ValidationError
        No province of ``codes`` has a score in any year, or the year has none.

    Examples
    --------
    >>> v = select_values(codes=["01", "34"], index="pci")
    >>> v.attrs["year"], v.attrs["coverage"]
    (2016, (2, 2))
    """
    _check("vintage", vintage, VINTAGES)
    _check("readiness index", index, list(INDICES))
    _check(f"{index} component", component, INDICES[index])
    wanted = [str(c) for c in codes]
    if data is None:
        table = load(vintage=vintage, index=index, component=component, weights=weights)
    else:
        table = validate_table(data, vintage=vintage)
        table = table[(table["index"] == index) & (table["component"] == component)]
    scored = table[table["score"].notna() & table["province_code"].isin(wanted)]
    cover = scored.groupby("year")["province_code"].nunique()
    if cover.empty and not (allow_empty and year is not None):
        msg = (
            f"No {index}:{component} score for any of the provinces {format_ids(wanted)} "
            f"(vintage {vintage}) in any year. Choose another index or component "
            "(readiness.INDICES) or pass data= with your own values."
        )
        raise ValidationError(msg)
    if year is None:
        full = cover[cover == len(set(wanted))]
        if len(full):
            year = int(max(full.index))
            rule = "most recent year with a score for every province"
        else:
            best = cover[cover == cover.max()]
            year = int(max(best.index))
            rule = (
                f"no year has a score for every province; the year with the most "
                f"({int(cover.max())} of {len(set(wanted))}), latest on ties"
            )
    else:
        if int(year) not in cover.index and not allow_empty:
            msg = (
                f"No {index}:{component} scores for these provinces in {year}; years with "
                f"scores: {sorted(int(y) for y in cover.index)}."
            )
            raise ValidationError(msg)
        year = int(year)
        rule = "year given"
    ty = table[table["year"] == year].drop_duplicates("province_code").set_index("province_code")
    value_columns = COLUMNS[COLUMNS.index("score") :]  # the value and its provenance
    out = ty.reindex(pd.Index(wanted, name="province_code"))[value_columns].copy()
    out["note"] = out["note"].where(out["note"].notna(), "no source gives a value")
    out["derived"] = out["derived"].fillna(False).astype(bool)
    for col in ("unit", "methodology", "weight_basis", "source", "note"):
        out[col] = out[col].fillna("").astype(str)
    have = out["score"].notna()
    out.attrs.update(
        index=index,
        component=component,
        year=year,
        vintage=vintage,
        unit=next((u for u in out.loc[have, "unit"] if u), ""),
        coverage=(int(have.sum()), len(out)),
        sources=sorted({s for v in out.loc[have, "source"] for s in v.split("; ") if s}),
        methodology=sorted({m for m in out.loc[have, "methodology"] if m}),
        derived=bool(out.loc[have, "derived"].any()),
        year_rule=rule,
    )
    return out


def classify_ready_connected(
    connectivity: pd.Series,
    readiness: pd.Series,
    *,
    connected_at: float | None = None,
    ready_at: float | None = None,
) -> pd.DataFrame:
    r"""Class each place as connected and/or ready against two thresholds.

    Rule: a place is *connected* when :math:`c_i \ge t_c` and *ready* when
    :math:`r_i \ge t_r`.  By default each threshold is the **median** over the places
    that have both values (so half of them, or a little more on ties, are at or above
    it); pass ``connected_at`` / ``ready_at`` to fix them.  The four classes are
    ``connected_ready``, ``connected_not_ready``, ``ready_not_connected`` and
    ``neither``; a place lacking either value is ``no_data`` (never "not ready").

    Parameters
    ----------
    connectivity, readiness
        Values by place (same index; higher is better on both).  Not modified.
    connected_at, ready_at
        Thresholds; ``None`` = the median rule above.

    Returns
    -------
    pandas.DataFrame
        Columns ``connectivity``, ``readiness``, ``connected`` and ``ready`` (boolean,
        ``<NA>`` without data) and ``quadrant`` (one of :data:`QUADRANTS`); ``attrs``
        ``connected_at``, ``ready_at``, ``rule`` and ``n_compared``.

    Raises
    ------
    ValidationError
        Non-numeric values, a non-finite threshold, or fewer than two places with both
        values when a median is needed.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0})
    >>> r = pd.Series({"a": 4.0, "b": 1.0, "c": 2.0, "d": 3.0})
    >>> classify_ready_connected(c, r)["quadrant"].tolist()
    ['ready_not_connected', 'neither', 'connected_not_ready', 'connected_ready']
    """
    places = connectivity.index.union(readiness.index, sort=False)
    values = {}
    for name, series in (("connectivity", connectivity), ("readiness", readiness)):
        num = pd.to_numeric(series, errors="coerce")
        bad = series.index[num.isna() & series.notna()]
        if len(bad):
            msg = f"Non-numeric {name} values for {format_ids(list(bad))}; give numbers (NaN = no data)."
            raise ValidationError(msg)
        values[name] = num.astype("float64").reindex(places)
    df = pd.DataFrame(values)
    both = df["connectivity"].notna() & df["readiness"].notna()
    thresholds: dict[str, float] = {}
    for name, given, col in (
        ("connected_at", connected_at, "connectivity"),
        ("ready_at", ready_at, "readiness"),
    ):
        if given is None:
            if int(both.sum()) < 2:
                msg = (
                    f"Only {int(both.sum())} place(s) have both connectivity and readiness; the "
                    f"median rule needs two. Pass {name}= or choose an indicator with more values."
                )
                raise ValidationError(msg)
            thresholds[name] = float(df.loc[both, col].median())
        else:
            if not (isinstance(given, int | float) and math.isfinite(given)):
                msg = f"{name} must be a finite number; got {given!r}."
                raise ValidationError(msg)
            thresholds[name] = float(given)
    connected = (df["connectivity"] >= thresholds["connected_at"]).astype("boolean")
    ready = (df["readiness"] >= thresholds["ready_at"]).astype("boolean")
    connected = connected.mask(df["connectivity"].isna())
    ready = ready.mask(df["readiness"].isna())
    quadrant = np.where(
        ~both.to_numpy(),
        "no_data",
        np.where(
            connected.fillna(False).to_numpy(),
            np.where(ready.fillna(False).to_numpy(), "connected_ready", "connected_not_ready"),
            np.where(ready.fillna(False).to_numpy(), "ready_not_connected", "neither"),
        ),
    )
    df["connected"] = connected
    df["ready"] = ready
    df["quadrant"] = pd.Series(quadrant, index=df.index, dtype=object)
    df.attrs.update(
        connected_at=thresholds["connected_at"],
        ready_at=thresholds["ready_at"],
        rule=(
            "connected: connectivity >= threshold; ready: readiness >= threshold; "
            + (
                "thresholds given"
                if connected_at is not None and ready_at is not None
                else "median of the places with both values (unless given)"
            )
        ),
        n_compared=int(both.sum()),
    )
    return df


def chain_values(
    chain: Any,
    *,
    index: str = "pci",
    component: str = "overall",
    year: int | None = None,
    vintage: int = 2008,
    weights: str | Mapping[str, float] = "population",
    data: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the readiness scores a choropleth of ``chain`` shows, one row per province.

    Wraps :func:`select_values` on the chain's provinces of
    ``vintage``.  When no 2025 unit of the region has a score (e.g. members without a
    sourced population weight) and ``year`` is not given, the year the 2008 provinces
    would show is used and every unit reads "no data" with its reason in ``note``.

    Parameters
    ----------
    chain
        A chain with ``provinces_2008`` (vintage 2008) or ``provinces`` (2025).
    index, component, year, vintage, weights, data
        As in :func:`select_values` (default year: the most recent year with a
        score for every province of the region).

    Returns
    -------
    pandas.DataFrame
        Indexed by province code, see :func:`select_values`.

    Raises
    ------
    ValidationError
        No layer of that vintage, or no value in any year (2008 vintage).
    UnknownNameError
        Unknown index, component or vintage.
    """
    attr = "provinces_2008" if vintage == 2008 else "provinces"
    frame = getattr(chain, attr, None)
    if frame is None or "code" not in getattr(frame, "columns", ()):
        msg = (
            f"Readiness of vintage {vintage} needs the chain's {attr} layer with a 'code' "
            "column (a chain from UrbanChain.from_region has both vintages)."
        )
        raise ValidationError(msg)
    codes = [str(c) for c in frame["code"]]
    try:
        return select_values(
            codes=codes,
            vintage=vintage,
            index=index,
            component=component,
            year=year,
            weights=weights,
            data=data,
        )
    except ValidationError:
        if vintage != 2025 or year is not None or data is not None:
            raise
    old = getattr(chain, "provinces_2008", None)
    old_codes = [str(c) for c in old["code"]] if old is not None else codes
    fallback = select_values(codes=old_codes, vintage=2008, index=index, component=component)
    values = select_values(
        codes=codes,
        vintage=2025,
        index=index,
        component=component,
        year=int(fallback.attrs["year"]),
        weights=weights,
        allow_empty=True,
    )
    values.attrs["year_rule"] = "no 2025 unit has a score: the year of the 2008 provinces"
    return values
