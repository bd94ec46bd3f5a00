"""What to draw: per-feature styles, tooltips, popups and legend entries.

A :class:`LayerPlan` is renderer-neutral; :mod:`urbanchain.maps` turns plans into
folium layers (interactive) or matplotlib artists (static). No folium import here.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from urbanchain._private._messages import format_ids
from urbanchain.crs import STORAGE_CRS, ensure_crs
from urbanchain.errors import DataQualityWarning, ValidationError
from urbanchain.maps import _style as st
from urbanchain.maps._html import format_value, to_text

logger = logging.getLogger(__name__)

__all__ = [
    "LayerPlan",
    "LegendItem",
    "LegendSection",
    "corridor_plan",
    "diff_values",
    "node_plan",
    "province_plan",
    "to_lonlat",
]

ID_COLUMNS = {"provinces": "code", "nodes": "node_id", "corridors": "corridor_id"}
NAME_COLUMNS = {
    "provinces": ("name_vi", "name", "name_ascii", "code"),
    "nodes": ("name", "name_ascii", "node_id"),
    "corridors": ("name", "code", "corridor_id"),
}


@dataclass
class LegendItem:
    """One legend row: a swatch (``fill``, ``line`` or ``circle``) and a label."""

    kind: str
    label: str
    colour: str
    dash: str | None = None
    width: float = 3.0
    edge: str = "#555555"
    opacity: float = 1.0


@dataclass
class LegendSection:
    """A titled group of legend rows (or a diverging colour bar)."""

    title: str
    items: list[LegendItem] = field(default_factory=list)
    gradient: tuple[list[str], float] | None = None
    unit: str | None = None


@dataclass
class LayerPlan:
    """A layer ready to draw: lon/lat frame plus one style/tooltip/popup per row."""

    kind: str
    name: str
    frame: gpd.GeoDataFrame
    ids: list[str]
    styles: list[dict[str, Any]]
    tooltips: list[str]
    popups: list[str]
    legend: list[LegendSection]
    css_class: str


def to_lonlat(frame: Any, *, layer: str) -> gpd.GeoDataFrame:
    """Return a copy of ``frame`` in EPSG:4326, checking it is a GeoDataFrame with a CRS.

    Parameters
    ----------
    frame
        The layer.
    layer
        Name used in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in longitude/latitude.

    Raises
    ------
    ValidationError
        If ``frame`` is not a GeoDataFrame.
    CRSError
        If it has no CRS.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = (
            f"The {layer} layer must be a GeoDataFrame; got {type(frame).__name__}. "
            f"Load it with urbanchain.datasets.{layer}() or geopandas.read_file(...)."
        )
        raise ValidationError(msg)
    if len(frame) == 0 and frame.crs is None:
        return frame.copy()
    crs = ensure_crs(frame, what=f"The {layer} layer")
    if crs.to_epsg() == 4326:
        return frame.copy()
    return frame.to_crs(STORAGE_CRS)


def _names(frame: pd.DataFrame, layer: str, ids: Sequence[str]) -> list[str]:
    for column in NAME_COLUMNS[layer]:
        if column in frame.columns:
            values = frame[column].tolist()
            return [to_text(v) if not _missing(v) else ids[i] for i, v in enumerate(values)]
    return list(ids)


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _ids(frame: pd.DataFrame, layer: str) -> list[str]:
    column = ID_COLUMNS[layer]
    if column in frame.columns:
        return [to_text(v) for v in frame[column].tolist()]
    return [to_text(v) for v in frame.index.tolist()]


def _pairs(frame: gpd.GeoDataFrame) -> list[list[tuple[Any, Any]]]:
    geometry_name = frame.geometry.name if len(frame.columns) else None
    positions = [i for i, c in enumerate(frame.columns) if c != geometry_name]
    columns = [frame.columns[i] for i in positions]
    values = frame.iloc[:, positions].to_numpy(dtype=object) if positions else None
    rows: list[list[tuple[Any, Any]]] = []
    for r in range(len(frame)):
        if values is None:
            rows.append([])
        else:
            rows.append(list(zip(columns, values[r], strict=True)))
    return rows


def _metric_lines(metric: st.MetricValues | None, row: int) -> list[tuple[str, str]]:
    if metric is None:
        return []
    return [(metric.label, format_value(metric.values.iloc[row], metric.unit))]


def _section_title(metric: st.MetricValues) -> str:
    return f"{metric.label} ({metric.unit})" if metric.unit else metric.label


def _class_legend(
    metric: st.MetricValues, classes: st.Classes, kind: str, heading: str
) -> LegendSection:
    section = LegendSection(title=f"{heading}: {_section_title(metric)}")
    ring = 1.5 if kind == "circle" else 3.0
    for colour, label in zip(classes.colours, classes.labels, strict=True):
        section.items.append(LegendItem(kind=kind, label=label, colour=colour, width=ring))
    if bool((classes.index < 0).any()) or not classes.colours:
        section.items.append(
            LegendItem(kind=kind, label="no data", colour=st.NO_DATA_COLOUR, width=ring)
        )
    return section


def province_plan(
    frame: gpd.GeoDataFrame,
    *,
    vintage: int,
    metric: Any,
    scheme: str,
    k: int,
    units: Mapping[str, str] | None,
    name: str | None,
) -> LayerPlan:
    """Plan a province layer (choropleth when ``metric`` is given)."""
    merged_units = st.units_for(frame, units)
    ids = _ids(frame, "provinces")
    names = _names(frame, "provinces", ids)
    resolved = st.resolve_metric(
        metric,
        frame,
        id_column="code",
        layer=f"provinces ({vintage})",
        argument="province_metric",
        units=merged_units,
    )
    classes = (
        st.classify(
            resolved,
            scheme=scheme,
            k=k,
            palette=st._SEQUENTIAL["provinces"],
            unit=resolved.unit,
        )
        if resolved is not None
        else None
    )
    css = f"uc-province uc-province-{vintage}"
    styles = []
    for row in range(len(frame)):
        fill = classes.colour_of(row) if classes is not None else "#ffffff"
        styles.append(
            {
                "color": "#4d4d4d" if vintage != 2008 else "#7f7f7f",
                "weight": 1.2,
                "opacity": 0.9,
                "fillColor": fill,
                "fillOpacity": 0.75 if classes is not None else 0.55,
                "dashArray": "4 3" if vintage == 2008 else None,
                "className": css,
            }
        )
    pairs = _pairs(frame)
    vintage_line = [("boundaries", f"{vintage} provinces")]
    tooltips = [
        st.tooltip_html(names[i], [*_metric_lines(resolved, i), *vintage_line])
        for i in range(len(frame))
    ]
    popups = [
        st.popup_html(names[i], _metric_lines(resolved, i), pairs[i], merged_units)
        for i in range(len(frame))
    ]
    legend = []
    if resolved is not None and classes is not None:
        legend.append(_class_legend(resolved, classes, "fill", f"Provinces {vintage}"))
    label = name or (
        f"Provinces ({vintage})" + (f": {resolved.label}" if resolved is not None else "")
    )
    return LayerPlan("provinces", label, frame, ids, styles, tooltips, popups, legend, css)


def corridor_plan(
    frame: gpd.GeoDataFrame,
    *,
    metric: Any,
    units: Mapping[str, str] | None,
    name: str | None,
    diff: st.MetricValues | None = None,
    diff_extra: Sequence[tuple[str, st.MetricValues]] = (),
) -> LayerPlan:
    """Plan the corridor layer: colour by mode (or difference), dash by status, width by metric."""
    merged_units = st.units_for(frame, units)
    ids = _ids(frame, "corridors")
    names = _names(frame, "corridors", ids)
    resolved = diff or st.resolve_metric(
        metric,
        frame,
        id_column="corridor_id",
        layer="corridors",
        argument="corridor_metric",
        units=merged_units,
    )
    modes = [to_text(m) for m in _column(frame, "mode")]
    statuses = [to_text(s) for s in _column(frame, "status")]
    colormap = limit = None
    widths = None
    if diff is not None:
        colormap, limit = st.diverging(diff.values)
    elif resolved is not None:
        widths = st.scale(resolved.values, 2.0, 9.0)
    styles = []
    for row in range(len(frame)):
        dash, opacity = st.STATUS_DASHES.get(statuses[row], (None, 0.9))
        if diff is not None:
            value = float(diff.values.iloc[row])
            colour = st.hex_colour(colormap, value)
            weight = 4.5 if not np.isnan(value) else 2.0
        else:
            colour = st.MODE_COLOURS.get(modes[row], st.OTHER_MODE_COLOUR)
            if widths is None:
                weight = 3.0
            else:
                width = float(widths.iloc[row])
                weight = 1.5 if np.isnan(width) else round(width, 2)
        styles.append(
            {
                "color": colour,
                "weight": weight,
                "opacity": opacity,
                "dashArray": dash,
                "lineCap": "butt" if dash else "round",
                "fill": False,
                "className": "uc-corridor",
            }
        )
    pairs = _pairs(frame)
    tooltips = []
    popups = []
    for row in range(len(frame)):
        lines = [("mode", modes[row] or "no data"), ("status", statuses[row] or "no data")]
        metric_lines = _metric_lines(resolved, row)
        for label, values in diff_extra:
            metric_lines.append((label, format_value(values.values.iloc[row], values.unit)))
        tooltips.append(st.tooltip_html(names[row], [*metric_lines, *lines]))
        popups.append(st.popup_html(names[row], metric_lines, pairs[row], merged_units))
    legend = _corridor_legend(
        modes,
        statuses,
        resolved=resolved,
        widths=widths,
        diff=diff,
        colormap=colormap,
        limit=limit,
    )
    label = name or "Corridors" + (f": {resolved.label}" if resolved is not None else "")
    return LayerPlan(
        "corridors", label, frame, ids, styles, tooltips, popups, legend, "uc-corridor"
    )


def _column(frame: pd.DataFrame, column: str) -> list[Any]:
    if column in frame.columns:
        return ["" if _missing(v) else v for v in frame[column].tolist()]
    return [""] * len(frame)


def _corridor_legend(
    modes: list[str],
    statuses: list[str],
    *,
    resolved: st.MetricValues | None,
    widths: pd.Series | None,
    diff: st.MetricValues | None,
    colormap: Any,
    limit: float | None,
) -> list[LegendSection]:
    sections = []
    if diff is not None and limit is not None:
        sections.append(_diverging_section(f"Corridors: {_section_title(diff)}", diff, limit))
    else:
        mode_section = LegendSection(title="Corridor mode")
        seen = [m for m in st.MODE_COLOURS if m in modes]
        seen += sorted({m for m in modes if m not in st.MODE_COLOURS})
        for mode in seen:
            colour = st.MODE_COLOURS.get(mode, st.OTHER_MODE_COLOUR)
            mode_section.items.append(
                LegendItem(kind="line", label=mode or "no data", colour=colour)
            )
        if mode_section.items:
            sections.append(mode_section)
    status_section = LegendSection(title="Corridor status")
    known = [s for s in st.STATUS_DASHES if s in statuses]
    known += sorted({s for s in statuses if s not in st.STATUS_DASHES})
    for status in known:
        dash, opacity = st.STATUS_DASHES.get(status, (None, 0.9))
        status_section.items.append(
            LegendItem(
                kind="line",
                label=(status or "no data").replace("_", " "),
                colour="#333333",
                dash=dash,
                opacity=opacity,
            )
        )
    if status_section.items:
        sections.append(status_section)
    if diff is None and resolved is not None and widths is not None:
        values = resolved.values.to_numpy(dtype="float64")
        present = values[~np.isnan(values)]
        width_section = LegendSection(title=f"Corridor width: {_section_title(resolved)}")
        if present.size:
            low, high = float(present.min()), float(present.max())
            width_section.items.append(
                LegendItem(
                    kind="line", label=format_value(low, resolved.unit), colour="#333333", width=2.0
                )
            )
            if high > low:
                width_section.items.append(
                    LegendItem(
                        kind="line",
                        label=format_value(high, resolved.unit),
                        colour="#333333",
                        width=9.0,
                    )
                )
        if np.isnan(values).any() or not present.size:
            width_section.items.append(
                LegendItem(kind="line", label="no data", colour="#333333", width=1.5)
            )
        sections.append(width_section)
    return sections


def _diverging_section(title: str, metric: st.MetricValues, limit: float) -> LegendSection:
    section = LegendSection(title=title, gradient=(list(st._DIVERGING), limit), unit=metric.unit)
    if bool(metric.values.isna().any()):
        section.items.append(
            LegendItem(kind="circle", label="no data", colour=st.NO_DATA_COLOUR, width=1.5)
        )
    return section


def node_plan(
    frame: gpd.GeoDataFrame,
    *,
    metric: Any,
    scheme: str,
    k: int,
    units: Mapping[str, str] | None,
    name: str | None,
    diff: st.MetricValues | None = None,
    diff_extra: Sequence[tuple[str, st.MetricValues]] = (),
) -> LayerPlan:
    """Plan the node layer: circle markers sized and coloured by a score, ringed by kind."""
    merged_units = st.units_for(frame, units)
    ids = _ids(frame, "nodes")
    names = _names(frame, "nodes", ids)
    resolved = diff or st.resolve_metric(
        metric,
        frame,
        id_column="node_id",
        layer="nodes",
        argument="node_metric",
        units=merged_units,
    )
    kinds = [to_text(v) for v in _column(frame, "kind")]
    capitals = [
        bool(v) if not isinstance(v, str) else v == "True" for v in _column(frame, "is_capital")
    ]
    classes = colormap = limit = None
    radii = None
    if diff is not None:
        colormap, limit = st.diverging(diff.values)
        radii = st.scale(diff.values.abs(), 5.0, 14.0)
    elif resolved is not None:
        classes = st.classify(
            resolved, scheme=scheme, k=k, palette=st._SEQUENTIAL["nodes"], unit=resolved.unit
        )
        radii = st.scale(np.sqrt(resolved.values.clip(lower=0)), 5.0, 14.0)
    styles = []
    for row in range(len(frame)):
        ring = st.KIND_COLOURS.get(kinds[row], st.OTHER_KIND_COLOUR)
        if diff is not None:
            fill = st.hex_colour(colormap, float(diff.values.iloc[row]))
        elif classes is not None:
            fill = classes.colour_of(row)
        else:
            fill = ring if kinds[row] != "city" else "#fdae61"
        if radii is None:
            radius = 7.0 if capitals[row] else 5.0
        else:
            value = float(radii.iloc[row])
            radius = 5.0 if np.isnan(value) else round(value, 2)
        styles.append(
            {
                "radius": radius,
                "color": ring,
                "weight": 3.0 if capitals[row] else 1.5,
                "opacity": 1.0,
                "fillColor": fill,
                "fillOpacity": 0.9,
                "className": "uc-node",
            }
        )
    pairs = _pairs(frame)
    tooltips = []
    popups = []
    for row in range(len(frame)):
        metric_lines = _metric_lines(resolved, row)
        for label, values in diff_extra:
            metric_lines.append((label, format_value(values.values.iloc[row], values.unit)))
        kind_line = [("kind", (kinds[row] or "no data") + (" (capital)" if capitals[row] else ""))]
        tooltips.append(st.tooltip_html(names[row], [*metric_lines, *kind_line]))
        popups.append(st.popup_html(names[row], metric_lines, pairs[row], merged_units))
    legend: list[LegendSection] = []
    if diff is not None and limit is not None:
        legend.append(_diverging_section(f"Nodes: {_section_title(diff)}", diff, limit))
    elif resolved is not None and classes is not None:
        legend.append(_class_legend(resolved, classes, "circle", "Nodes"))
    kind_section = LegendSection(title="Node kind (ring)")
    seen = [kd for kd in st.KIND_COLOURS if kd in kinds]
    seen += sorted({kd for kd in kinds if kd not in st.KIND_COLOURS})
    for kind in seen:
        colour = st.KIND_COLOURS.get(kind, st.OTHER_KIND_COLOUR)
        fill = "#ffffff" if resolved is not None else (colour if kind != "city" else "#fdae61")
        kind_section.items.append(
            LegendItem(
                kind="circle",
                label=(kind or "no data").replace("_", " "),
                colour=fill,
                edge=colour,
                width=1.5,
            )
        )
    if any(capitals):
        kind_section.items.append(
            LegendItem(
                kind="circle",
                label="capital (thick ring)",
                colour="#ffffff",
                edge="#252525",
                width=3.0,
            )
        )
    if kind_section.items:
        legend.append(kind_section)
    label = name or "Nodes" + (f": {resolved.label}" if resolved is not None else "")
    return LayerPlan("nodes", label, frame, ids, styles, tooltips, popups, legend, "uc-node")


def diff_values(
    metric: Any,
    *,
    base_frame: pd.DataFrame | None,
    other_frame: pd.DataFrame | None,
    id_column: str,
    argument: str,
    labels: tuple[str, str],
    units: Mapping[str, str],
) -> tuple[pd.Series, list[tuple[str, pd.Series]], str, str | None]:
    """Compute ``other - base`` keyed by id from a column name, a pair or a difference.

    Returns
    -------
    tuple
        ``(difference, [(label, base values), (label, other values)], name, unit)``;
        the list is empty when a precomputed difference was given.
    """
    if isinstance(metric, str):
        frames = [("base", base_frame), ("other", other_frame)]
        series = []
        for which, frame in frames:
            if frame is None or metric not in frame.columns or id_column not in frame.columns:
                msg = (
                    f"{argument}={metric!r} names a column, so the {which} network needs a layer "
                    f"with {id_column!r} and {metric!r} columns, and it has none. Pass two Series instead: "
                    f"{argument}=(base_scores, other_scores)."
                )
                raise ValidationError(msg)
            values = frame.set_index(frame[id_column].astype(str))[metric]
            series.append(_numeric_series(values, argument=argument))
        name = metric
        unit = units.get(metric)
        if unit is None:
            unit = st.units_for(base_frame, None).get(metric)
    elif isinstance(metric, tuple | list) and len(metric) == 2:
        series = []
        for position, item in enumerate(metric):
            part = st._as_series(item, id_column=id_column, argument=f"{argument}[{position}]")
            if part.index.has_duplicates:
                msg = f"{argument}[{position}] has duplicate ids {format_ids(pd.unique(part.index[part.index.duplicated()]))}."
                raise ValidationError(msg)
            series.append(_numeric_series(part, argument=f"{argument}[{position}]"))
        first = metric[0]
        name = to_text(first.name) if getattr(first, "name", None) is not None else argument
        if isinstance(first, pd.DataFrame):
            name = to_text(next(c for c in first.columns if c != id_column))
        unit = units.get(name)
    else:
        difference = st._as_series(metric, id_column=id_column, argument=argument)
        name = to_text(difference.name) if difference.name is not None else argument
        attr_unit = difference.attrs.get("unit")
        unit = str(attr_unit) if isinstance(attr_unit, str) else units.get(name)
        difference = _numeric_series(difference, argument=argument)
        return difference.rename(f"Δ {name}"), [], name, unit
    base, other = series
    base.index = base.index.astype(str)
    other.index = other.index.astype(str)
    union = base.index.union(other.index)
    difference = other.reindex(union) - base.reindex(union)
    extras = [(labels[0], base.reindex(union)), (labels[1], other.reindex(union))]
    return difference.rename(f"Δ {name}"), extras, name, unit


def _numeric_series(series: pd.Series, *, argument: str) -> pd.Series:
    converted = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & converted.isna()
    if bad.any():
        msg = f"{argument} has non-numeric values for ids {format_ids(series.index[bad])}; convert them to numbers or NaN."
        raise ValidationError(msg)
    values = converted.astype("float64")
    if np.isinf(values.to_numpy()).any():
        msg = f"{argument} has infinite values for ids {format_ids(values.index[np.isinf(values.to_numpy())])}; use NaN for 'no data'."
        raise ValidationError(msg)
    return values


def drawable(plan: LayerPlan) -> tuple[list[int], list[str]]:
    """Return the rows with a drawable geometry, warning about (and naming) the others."""
    geometry = plan.frame.geometry if len(plan.frame.columns) else None
    if geometry is None or len(plan.frame) == 0:
        return [], []
    missing = (geometry.isna() | geometry.is_empty).to_numpy()
    skipped = [plan.ids[i] for i in np.flatnonzero(missing)]
    if skipped:
        msg = (
            f"{len(skipped)} feature(s) of the {plan.kind} layer have no geometry and are not drawn: "
            f"{format_ids(skipped)}. Give them coordinates or drop them."
        )
        warnings.warn(msg, DataQualityWarning, stacklevel=4)
    return [i for i in range(len(plan.frame)) if not missing[i]], skipped
