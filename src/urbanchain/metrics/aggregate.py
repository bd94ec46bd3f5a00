"""Node metrics aggregated to administrative units of either vintage (2008-2025 or 2025)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.crs import STORAGE_CRS
from urbanchain.errors import DataQualityWarning, ValidationError

__all__ = ["aggregate"]

_BY = ("province_2025", "province_2008")
_HOW = ("mean", "sum")


def _node_units(nodes: pd.DataFrame | None) -> pd.DataFrame:
    """node_id -> province_2008 (the crosswalk gives the 2025 unit)."""
    from urbanchain import datasets

    if nodes is None:
        nodes = datasets.nodes(region=None)
    if "node_id" not in nodes.columns or "province_2008" not in nodes.columns:
        msg = (
            "aggregate needs a node layer with node_id and province_2008 columns (the 2008-2025 "
            "province code of each node); pass nodes= (e.g. chain.nodes)."
        )
        raise ValidationError(msg)
    frame = pd.DataFrame(nodes[["node_id", "province_2008"]]).copy()
    frame["node_id"] = frame["node_id"].astype(str)
    frame["province_2008"] = frame["province_2008"].astype("string").str.zfill(2)
    return frame.drop_duplicates("node_id").set_index("node_id")


def aggregate(
    table: pd.DataFrame | pd.Series,
    *,
    by: str = "province_2025",
    how: str = "mean",
    weights: str | Mapping[Any, float] | pd.Series | None = None,
    columns: Sequence[str] | None = None,
    nodes: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    r"""Aggregate node metrics to provinces, 2008-2025 (11 in the Delta) or 2025 (7 units).

    Each node belongs to the 2008-2025 province of its ``province_2008`` code
    and, through the bundled crosswalk (:func:`urbanchain.datasets.crosswalk_2025`:
    Resolution 202/2025/QH15 merged whole provinces), to one 2025 unit.  For a
    unit :math:`U` and metric :math:`x` with node weights :math:`w`:

    .. math::

        \bar x_U = \frac{\sum_{i \in U} w_i x_i}{\sum_{i \in U} w_i} \;(\text{mean}), \qquad
        X_U = \sum_{i \in U} x_i \;(\text{sum})

    over the nodes whose value (and weight) is known.  A missing value is left
    out of its unit, never counted as 0: ``<column>_missing`` counts them, a
    :class:`~urbanchain.errors.DataQualityWarning` says so, and a unit with no
    known value is NaN.  Sums therefore conserve the total of the known values:
    :math:`\sum_U X_U = \sum_i x_i`.

    Parameters
    ----------
    table
        Node metric table indexed by node id (or with a ``node_id`` column), or
        a Series; e.g. :func:`chain_score`, :func:`accessibility`.
    by
        ``"province_2025"`` (default) or ``"province_2008"``.
    how
        ``"mean"`` (weighted if ``weights``) or ``"sum"`` (extensive values:
        population reached, people).
    weights
        ``how="mean"`` only: a column of ``table``, a mapping/Series node id ->
        weight (>= 0), or ``"province_population"`` (the bundled province
        population of each node's 2008 province).  None: equal weights.
    columns
        Numeric columns to aggregate (default: every numeric, non-boolean column).
    nodes
        Node layer giving each node's ``province_2008`` (default: the bundled
        nodes of every region; pass ``chain.nodes`` for your own layer).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per unit that has nodes, indexed by unit ``code``: ``name``,
        ``n_nodes``, the aggregated columns, ``<column>_missing``, and the unit
        polygon (EPSG:4326), ready for a choropleth.  ``attrs``: ``by``, ``how``,
        ``weights``.

    Raises
    ------
    UnknownNameError
        Bad ``by``/``how``, unknown columns.
    ValidationError
        Nodes missing from the node layer, weights with ``how="sum"``, negative weights.

    References
    ----------
    Quốc hội (2025). Nghị quyết 202/2025/QH15 về việc sắp xếp đơn vị hành chính
    cấp tỉnh (resolution on the arrangement of provincial-level units).

    Examples
    --------
    >>> import pandas as pd
    >>> from urbanchain.metrics import aggregate
    >>> people = pd.Series({"hai_phong": 10.0, "hai_duong": 5.0, "ha_noi": 7.0}, name="people")
    >>> agg = aggregate(people, by="province_2025", how="sum")
    >>> agg[["name", "n_nodes", "people"]].values.tolist()
    [['Hà Nội', 1, 7.0], ['Hải Phòng', 2, 15.0]]
    """
    from urbanchain import datasets

    if by not in _BY:
        err = unknown_name("aggregation unit (by=)", by, _BY)
        raise err
    if how not in _HOW:
        err = unknown_name("aggregation (how=)", how, _HOW)
        raise err
    if isinstance(table, pd.Series):
        frame = table.to_frame(table.name if table.name is not None else "value")
    else:
        frame = pd.DataFrame(table).copy()
    if "node_id" in frame.columns:
        frame = frame.set_index("node_id")
    frame.index = frame.index.astype(str)
    if columns is None:
        cols = [
            c
            for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        ]
    else:
        cols = list(columns)
        for c in cols:
            if c not in frame.columns:
                err = unknown_name("column", c, frame.columns)
                raise err
    if not cols:
        msg = "The table has no numeric column to aggregate; pass columns= with numeric columns."
        raise ValidationError(msg)
    units = _node_units(nodes)
    absent = [v for v in frame.index if v not in units.index]
    if absent:
        msg = (
            f"{len(absent)} node(s) of the table are not in the node layer, so their province "
            f"is unknown: {format_ids(absent)}. Pass nodes= with a layer that has them "
            "(node_id, province_2008)."
        )
        raise ValidationError(msg)
    p2008 = units.loc[frame.index, "province_2008"].astype(str)
    cw = datasets.crosswalk_2025().set_index("code_2008")
    if by == "province_2025":
        bad = sorted({c for c in p2008 if c not in cw.index})
        if bad:
            msg = f"Province codes {format_ids(bad)} are not in the 2008 -> 2025 crosswalk."
            raise ValidationError(msg)
        unit = p2008.map(cw["code_2025"])
    else:
        unit = p2008
    w: pd.Series
    if weights is None:
        w = pd.Series(1.0, index=frame.index)
    else:
        if how == "sum":
            msg = "weights= applies to how='mean'; a sum of extensive values takes no weights."
            raise ValidationError(msg)
        if isinstance(weights, str) and weights == "province_population" and weights not in frame:
            prov = datasets.provinces(region=None, vintage=2008).set_index("code")["population"]
            w = pd.to_numeric(p2008.map(prov), errors="coerce").astype(float)
        elif isinstance(weights, str):
            if weights not in frame.columns:
                err = unknown_name("weight column", weights, frame.columns)
                raise err
            w = pd.to_numeric(frame[weights], errors="coerce").astype(float)
        else:
            w = pd.Series(dict(weights.items()), dtype=float).reindex(frame.index)
        neg = w[w < 0]
        if len(neg):
            msg = f"Weights must be >= 0; negative for {format_ids(neg.index)}."
            raise ValidationError(msg)
    out = pd.DataFrame(index=pd.Index(sorted(set(unit)), name="code"))
    out["n_nodes"] = unit.value_counts().reindex(out.index).astype(int)
    notes = []
    for c in cols:
        x = pd.to_numeric(frame[c], errors="coerce").astype(float)
        known = x.notna() & (w.notna() if how == "mean" else True)
        miss = (~known).groupby(unit).sum().reindex(out.index).fillna(0).astype(int)
        if how == "sum":
            val = x.where(known).groupby(unit).sum(min_count=1)
        else:
            num = (x * w).where(known).groupby(unit).sum(min_count=1)
            den = w.where(known).groupby(unit).sum(min_count=1)
            val = num / den.where(den > 0)
        out[c] = val.reindex(out.index)
        out[f"{c}_missing"] = miss
        if miss.sum():
            notes.append(
                f"{c}: {int(miss.sum())} node value(s) missing"
                + (" or without a weight" if how == "mean" and weights is not None else "")
                + f", left out of units {format_ids(miss[miss > 0].index)}"
            )
    if notes:
        warnings.warn(
            "aggregate: " + "; ".join(notes) + " (never counted as 0; see the *_missing columns).",
            DataQualityWarning,
            stacklevel=2,
        )
    vintage = 2025 if by == "province_2025" else 2008
    polys = datasets.provinces(region=None, vintage=vintage).set_index("code")
    names = polys["name_vi"].reindex(out.index)
    out.insert(0, "name", names)
    gdf = gpd.GeoDataFrame(out, geometry=polys.geometry.reindex(out.index).values, crs=STORAGE_CRS)
    gdf.attrs.update(
        {
            "by": by,
            "how": how,
            "weights": weights if isinstance(weights, str) or weights is None else "mapping",
            "notes": notes,
            "crosswalk": "Res. 202/2025/QH15 (datasets.crosswalk_2025)",
        }
    )
    if hasattr(table, "attrs") and "units" in table.attrs:
        gdf.attrs["source_units"] = table.attrs["units"]
    return gdf
