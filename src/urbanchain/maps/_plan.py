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
from urbanchain.maps import _i18n as i18n
from urbanchain.maps import _style as st
from urbanchain.maps._html import to_text
from urbanchain.maps._registry import LayerSpec, spec

logger = logging.getLogger(__name__)

__all__ = [
    "Label",
    "LayerPlan",
    "LegendItem",
    "LegendSection",
    "PlanContext",
    "context_plan",
    "corridor_plan",
    "diff_values",
    "extra_plan",
    "node_plan",
    "province_plan",
    "to_lonlat",
]


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
    """A titled group of legend rows (or a diverging colour bar).

    ``gradient`` is ``(colours, limit)``; ``ends`` the words under its two ends
    (e.g. "30 phút tiết kiệm" / "30 phút tăng thêm").
    """

    title: str
    items: list[LegendItem] = field(default_factory=list)
    gradient: tuple[list[str], float] | None = None
    unit: str | None = None
    ends: tuple[str, str] | None = None


@dataclass
class Label:
    """A permanent place-name label (priority 0 is placed first and never hidden by others)."""

    lat: float
    lon: float
    text: str
    priority: int
    min_zoom: int
    css: str
    direction: str = "center"
    candidates: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class PlanContext:
    """What every plan builder needs besides its frame: language, units, lookups."""

    lang: i18n.Lang = "en"
    units: Mapping[str, str] | None = None
    province_names: dict[str, dict[str, str]] = field(default_factory=dict)
    popup: str = "curated"
    labels: bool = True


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
    labels: list[Label] = field(default_factory=list)
    metrics: list[st.MetricValues] = field(default_factory=list)

    @property
    def spec(self) -> LayerSpec:
        """The registry spec of this layer's kind."""
        return spec(self.kind)


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


def _names(frame: pd.DataFrame, layer: str, ids: Sequence[str], lang: i18n.Lang) -> list[str]:
    """Display name of every row: ``name_en`` first on an English map, where present."""
    columns = spec(layer).name_columns
    if lang == "en" and "name_en" in frame.columns:
        english = frame["name_en"].tolist()
        fallback = _names(frame, layer, ids, "vi")
        return [to_text(v) if not _missing(v) else fallback[i] for i, v in enumerate(english)]
    for column in columns:
        if column in frame.columns:
            values = frame[column].tolist()
            return [to_text(v) if not _missing(v) else ids[i] for i, v in enumerate(values)]
    return list(ids)


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _ids(frame: pd.DataFrame, layer: str) -> list[str]:
    column = spec(layer).id_column
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
    return [(metric.label, metric.text(row))]


def _section_title(metric: st.MetricValues) -> str:
    return metric.title()


def _class_legend(
    metric: st.MetricValues, classes: st.Classes, kind: str, heading: str
) -> LegendSection:
    section = LegendSection(title=f"{heading}: {_section_title(metric)}")
    ring = 1.5 if kind == "circle" else 3.0
    for colour, label in zip(classes.colours, classes.labels, strict=True):
        section.items.append(LegendItem(kind=kind, label=label, colour=colour, width=ring))
    if bool((classes.index < 0).any()) or not classes.colours:
        section.items.append(
            LegendItem(
                kind=kind,
                label=i18n.text("no_data", metric.lang),
                colour=st.NO_DATA_COLOUR,
                width=ring,
            )
        )
    return section


def _value(frame: pd.DataFrame, column: str, row: int) -> Any:
    if column not in frame.columns:
        return None
    value = frame[column].iloc[row]
    return None if _missing(value) else value


def _sources(frame: pd.DataFrame, row: int) -> list[str]:
    found = []
    for column in frame.columns:
        name = str(column)
        if name == "source" or name.endswith(("_source", "source_urls")):
            value = _value(frame, name, row)
            if value is not None and str(value).strip():
                found.append(to_text(value))
    return found


def _province_name(ctx: PlanContext, vintage: str, code: Any) -> str | None:
    if code is None:
        return None
    key = to_text(code)
    return ctx.province_names.get(vintage, {}).get(key, key)


def _popup(  # noqa: PLR0917 - a private helper called with its arguments in order
    ctx: PlanContext,
    frame: gpd.GeoDataFrame,
    row: int,
    name: str,
    facts: list[tuple[str, str]],
    metric_lines: list[tuple[str, str]],
    merged_units: Mapping[str, str],
) -> str:
    details = _pairs(frame.iloc[[row]])[0] if ctx.popup == "full" else None
    return st.curated_popup_html(
        name,
        facts=facts,
        metrics=metric_lines,
        sources=_sources(frame, row),
        details=details,
        units=merged_units,
        lang=ctx.lang,
    )


def _fact(ctx: PlanContext, frame: pd.DataFrame, row: int, column: str) -> list[tuple[str, str]]:
    """Return a catalogued column as a popup fact with its unit (years as years)."""
    value = _value(frame, column, row)
    if value is None:
        return []
    unit = st.units_for(frame, ctx.units).get(column)
    year = column.endswith("year")
    return [(i18n.text(column, ctx.lang), i18n.format_value(value, unit, ctx.lang, year=year))]


def _label_point(geom: Any) -> tuple[float, float] | None:
    points = _label_points(geom)
    return points[0] if points else None


def _label_points(geom: Any, count: int = 6) -> list[tuple[float, float]]:
    """Candidate label positions (lat, lon) inside a polygon, most interior first.

    The label pass in the browser tries them in order until one collides with nothing.
    """
    import shapely

    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Point":
        return [(float(geom.y), float(geom.x))]
    if geom.geom_type == "MultiPolygon":
        geom = max(geom.geoms, key=lambda g: g.area)
    if geom.geom_type != "Polygon":
        point = geom.representative_point()
        return [(float(point.y), float(point.x))]
    from shapely.ops import polylabel

    best = polylabel(geom, tolerance=0.005)
    minx, miny, maxx, maxy = geom.bounds
    xs = np.linspace(minx, maxx, 7)[1:-1]
    ys = np.linspace(miny, maxy, 7)[1:-1]
    grid = shapely.points([(x, y) for x in xs for y in ys])
    inside = [p for p in grid if geom.contains(p)]
    boundary = geom.boundary
    inside.sort(key=lambda p: -boundary.distance(p))
    chosen = [best, *inside[: count - 1]]
    return [(round(float(p.y), 5), round(float(p.x), 5)) for p in chosen]


def province_plan(
    frame: gpd.GeoDataFrame,
    *,
    vintage: int,
    metric: Any,
    scheme: str,
    k: int,
    units: Mapping[str, str] | None,
    name: str | None,
    ctx: PlanContext | None = None,
    primary: bool = True,
) -> LayerPlan:
    """Plan a province layer (choropleth when ``metric`` is given).

    ``primary`` marks the vintage whose names are permanent labels; the other
    vintage is labelled from zoom 9 on.
    """
    ctx = ctx or PlanContext(units=units)
    lang = ctx.lang
    merged_units = st.units_for(frame, units)
    ids = _ids(frame, "provinces")
    names = _names(frame, "provinces", ids, ctx.lang)
    resolved = st.resolve_metric(
        metric,
        frame,
        id_column="code",
        layer=f"provinces ({vintage})",
        argument="province_metric",
        units=merged_units,
        explicit=units,
        lang=lang,
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
        fill = classes.colour_of(row) if classes is not None else "#fbfaf6"
        styles.append(
            {
                "color": "#4d4d4d" if vintage != 2008 else "#8c8c8c",
                "weight": 1.4 if vintage != 2008 else 0.9,
                "opacity": 0.9,
                "fillColor": fill,
                "fillOpacity": 0.75 if classes is not None else (0.9 if primary else 0.0),
                "dashArray": "4 3" if vintage == 2008 else None,
                "className": css,
            }
        )
    vintage_text = i18n.text(f"vintage_{vintage}", lang) if vintage in (2008, 2025) else ""
    tooltips = []
    popups = []
    labels = []
    geometry = frame.geometry if len(frame.columns) else None
    for row in range(len(frame)):
        metric_lines = _metric_lines(resolved, row)
        facts = [(i18n.text("kind", lang), vintage_text)] if vintage_text else []
        members = _value(frame, "members_2008", row)
        if members is not None:
            shown = [
                _province_name(ctx, "2008", m.strip()) or m
                for m in str(members).split(",")
                if m.strip()
            ]
            facts.append((i18n.text("members_2008", lang), ", ".join(shown)))
        for column in ("population", "population_year", "area_official_km2"):
            if resolved is None or not (isinstance(metric, str) and column == metric):
                facts.extend(_fact(ctx, frame, row, column))
        tooltips.append(st.tooltip_html(names[row], [*metric_lines, ("", vintage_text)][:2]))
        popups.append(_popup(ctx, frame, row, names[row], facts, metric_lines, merged_units))
        points = _label_points(geometry.iloc[row]) if geometry is not None else []
        if ctx.labels and points:
            labels.append(
                Label(
                    points[0][0],
                    points[0][1],
                    names[row],
                    priority=1 if primary else 4,
                    min_zoom=0 if primary else 9,
                    css="uc-label-province" if primary else "uc-label-province-old",
                    candidates=points[1:],
                )
            )
    legend = []
    if resolved is not None and classes is not None:
        heading = f"{i18n.text('provinces_heading', lang)} {vintage}"
        legend.append(_class_legend(resolved, classes, "fill", heading))
    label = name or (
        i18n.text("layer_provinces", lang, vintage=vintage)
        + (f": {resolved.label}" if resolved is not None else "")
    )
    return LayerPlan(
        "provinces",
        label,
        frame,
        ids,
        styles,
        tooltips,
        popups,
        legend,
        css,
        labels=labels,
        metrics=[resolved] if resolved is not None else [],
    )


def context_plan(
    frame: gpd.GeoDataFrame, *, ctx: PlanContext | None = None, name: str | None = None
) -> LayerPlan:
    """Plan neighbouring provinces: muted, non-interactive context with small grey labels."""
    ctx = ctx or PlanContext()
    ids = _ids(frame, "context")
    names = _names(frame, "context", ids, ctx.lang)
    style = {
        "color": "#b0b0b0",
        "weight": 0.8,
        "opacity": 1.0,
        "fillColor": "#eeeeea",
        "fillOpacity": 1.0,
        "className": "uc-context",
        "interactive": False,
    }
    labels = []
    for row in range(len(frame)):
        point = _label_point(frame.geometry.iloc[row])
        if ctx.labels and point is not None:
            labels.append(Label(point[0], point[1], names[row], 5, 8, "uc-label-context"))
    return LayerPlan(
        "context",
        name or i18n.text("layer_context", ctx.lang),
        frame,
        ids,
        [dict(style) for _ in range(len(frame))],
        ["" for _ in range(len(frame))],
        ["" for _ in range(len(frame))],
        [],
        "uc-context",
        labels=labels,
    )


def corridor_plan(
    frame: gpd.GeoDataFrame,
    *,
    metric: Any,
    units: Mapping[str, str] | None,
    name: str | None,
    diff: st.MetricValues | None = None,
    diff_extra: Sequence[tuple[str, st.MetricValues]] = (),
    ctx: PlanContext | None = None,
    projects: Mapping[str, str] | None = None,
) -> LayerPlan:
    """Plan the corridor layer: colour by mode (or difference), dash by status, width by metric.

    ``projects`` maps corridor ids to ``"new"``, ``"upgraded"`` or ``"closed"`` (diff maps):
    new and upgraded corridors get a wide halo, closed ones a grey crossed-out dash.
    """
    ctx = ctx or PlanContext(units=units)
    lang = ctx.lang
    projects = dict(projects or {})
    merged_units = st.units_for(frame, units)
    ids = _ids(frame, "corridors")
    names = _names(frame, "corridors", ids, ctx.lang)
    resolved = diff or st.resolve_metric(
        metric,
        frame,
        id_column="corridor_id",
        layer="corridors",
        argument="corridor_metric",
        units=merged_units,
        explicit=units,
        lang=lang,
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
        project = projects.get(ids[row])
        css = "uc-corridor"
        if project == "closed":
            colour, dash, opacity, weight = "#555555", "2 6", 0.8, 3.0
            css = "uc-corridor uc-project-closed"
        elif project in ("new", "upgraded"):
            weight = max(weight, 6.0)
            css = f"uc-corridor uc-project-{project}"
        styles.append(
            {
                "color": colour,
                "weight": weight,
                "opacity": opacity,
                "dashArray": dash,
                "lineCap": "butt" if dash else "round",
                "fill": False,
                "className": css,
            }
        )
    tooltips = []
    popups = []
    for row in range(len(frame)):
        facts = [
            (i18n.text("mode", lang), i18n.category(i18n.MODES, modes[row] or None, lang)),
            (i18n.text("status", lang), i18n.category(i18n.STATUSES, statuses[row] or None, lang)),
        ]
        if ids[row] in projects:
            facts.insert(
                0, (i18n.text("project_heading", lang), _project_text(projects[ids[row]], lang))
            )
        metric_lines = _metric_lines(resolved, row)
        for label, values in diff_extra:
            metric_lines.append((label, values.text(row)))
        for column in ("opening_year", "length_official_km", "design_speed_kmh"):
            facts.extend(_fact(ctx, frame, row, column))
        tooltips.append(st.tooltip_html(names[row], [*metric_lines, *facts[:2]]))
        popups.append(_popup(ctx, frame, row, names[row], facts, metric_lines, merged_units))
    legend = _corridor_legend(
        modes,
        statuses,
        resolved=resolved,
        widths=widths,
        diff=diff,
        colormap=colormap,
        limit=limit,
        lang=lang,
        projects=projects,
    )
    label = name or i18n.text("layer_corridors", lang) + (
        f": {resolved.label}" if resolved is not None else ""
    )
    return LayerPlan(
        "corridors",
        label,
        frame,
        ids,
        styles,
        tooltips,
        popups,
        legend,
        "uc-corridor",
        metrics=[resolved] if resolved is not None else [],
    )


def _project_text(project: str, lang: i18n.Lang) -> str:
    key = f"project_{project}"
    return i18n.text(key, lang) if key in i18n.MESSAGES else project


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
    lang: i18n.Lang = "en",
    projects: Mapping[str, str] | None = None,
) -> list[LegendSection]:
    sections = []
    if diff is not None and limit is not None:
        sections.append(
            _diverging_section(
                f"{i18n.text('corridors_heading', lang)}: {_section_title(diff)}", diff, limit
            )
        )
    else:
        mode_section = LegendSection(title=i18n.text("corridor_mode", lang))
        seen = [m for m in st.MODE_COLOURS if m in modes]
        seen += sorted({m for m in modes if m not in st.MODE_COLOURS})
        for mode in seen:
            colour = st.MODE_COLOURS.get(mode, st.OTHER_MODE_COLOUR)
            mode_section.items.append(
                LegendItem(
                    kind="line", label=i18n.category(i18n.MODES, mode or None, lang), colour=colour
                )
            )
        if mode_section.items:
            sections.append(mode_section)
    if projects:
        project_section = LegendSection(title=i18n.text("project_heading", lang))
        for project in ("new", "upgraded", "closed"):
            if project in projects.values():
                closed = project == "closed"
                project_section.items.append(
                    LegendItem(
                        kind="line",
                        label=_project_text(project, lang),
                        colour="#555555" if closed else "#b2182b",
                        dash="2 6" if closed else None,
                        width=3.0 if closed else 6.0,
                    )
                )
        sections.append(project_section)
    status_section = LegendSection(title=i18n.text("corridor_status", lang))
    known = [s for s in st.STATUS_DASHES if s in statuses]
    known += sorted({s for s in statuses if s not in st.STATUS_DASHES})
    for status in known:
        dash, opacity = st.STATUS_DASHES.get(status, (None, 0.9))
        status_section.items.append(
            LegendItem(
                kind="line",
                label=i18n.category(i18n.STATUSES, status or None, lang),
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
        width_section = LegendSection(
            title=i18n.text("corridor_width", lang, label=_section_title(resolved))
        )
        if present.size:
            low, high = float(present.min()), float(present.max())
            fmt = resolved.lang, resolved.scale
            width_section.items.append(
                LegendItem(
                    kind="line",
                    label=i18n.format_value(low, resolved.unit, fmt[0], scale=fmt[1]),
                    colour="#333333",
                    width=2.0,
                )
            )
            if high > low:
                width_section.items.append(
                    LegendItem(
                        kind="line",
                        label=i18n.format_value(high, resolved.unit, fmt[0], scale=fmt[1]),
                        colour="#333333",
                        width=9.0,
                    )
                )
        if np.isnan(values).any() or not present.size:
            width_section.items.append(
                LegendItem(
                    kind="line", label=i18n.text("no_data", lang), colour="#333333", width=1.5
                )
            )
        sections.append(width_section)
    return sections


def _diverging_section(title: str, metric: st.MetricValues, limit: float) -> LegendSection:
    """Build a diverging colour bar whose two ends say what changed, in words."""
    lang = metric.lang
    amount = i18n.format_number(i18n.nice(limit * metric.scale), lang)
    word = i18n.unit_word(metric.unit, lang)
    if metric.lower_is_better and word:
        ends = (
            f"−{amount} ({i18n.text('diff_saved', lang, unit=word)})",
            f"+{amount} ({i18n.text('diff_added', lang, unit=word)})",
        )
    else:
        suffix = f" {word}" if word and word != "%" else word
        ends = (
            f"−{amount}{suffix} ({i18n.text('diff_lower', lang)})",
            f"+{amount}{suffix} ({i18n.text('diff_higher', lang)})",
        )
    section = LegendSection(
        title=title, gradient=(list(st._DIVERGING), limit), unit=metric.unit, ends=ends
    )
    present = metric.values.dropna()
    if len(present):
        # The colour scale is symmetric; say what the data actually span.
        low, high = (
            i18n.format_value(v, metric.unit, lang, scale=metric.scale)
            for v in (present.min(), present.max())
        )
        section.items.append(
            LegendItem(
                kind="fill",
                label=i18n.text("diff_range", lang, low=low, high=high),
                colour="#ffffff",
            )
        )
    if bool(metric.values.isna().any()):
        section.items.append(
            LegendItem(
                kind="circle", label=i18n.text("no_data", lang), colour=st.NO_DATA_COLOUR, width=1.5
            )
        )
    return section


_GATEWAYS = ("seaport", "airport", "border_gate")


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
    ctx: PlanContext | None = None,
) -> LayerPlan:
    """Plan the node layer: circle markers sized and coloured by a score, ringed by kind.

    Labels: capitals first (priority 0), gateways (2), other places from zoom 9 (3).
    """
    ctx = ctx or PlanContext(units=units)
    lang = ctx.lang
    merged_units = st.units_for(frame, units)
    ids = _ids(frame, "nodes")
    names = _names(frame, "nodes", ids, ctx.lang)
    resolved = diff or st.resolve_metric(
        metric,
        frame,
        id_column="node_id",
        layer="nodes",
        argument="node_metric",
        units=merged_units,
        explicit=units,
        lang=lang,
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
    tooltips = []
    popups = []
    labels = []
    geometry = frame.geometry if len(frame.columns) else None
    for row in range(len(frame)):
        metric_lines = _metric_lines(resolved, row)
        for label, values in diff_extra:
            metric_lines.append((label, values.text(row)))
        kind_text = i18n.category(i18n.KINDS, kinds[row] or None, lang)
        if capitals[row]:
            kind_text += f" · {i18n.text('capital_short', lang)}"
        facts = [(i18n.text("kind", lang), kind_text)]
        for vintage in ("2008", "2025"):
            province = _province_name(ctx, vintage, _value(frame, f"province_{vintage}", row))
            if province:
                facts.append((i18n.text(f"province_{vintage}", lang), province))
        facts.extend(_fact(ctx, frame, row, "population"))
        facts.extend(_fact(ctx, frame, row, "population_year"))
        tooltips.append(st.tooltip_html(names[row], [*metric_lines, facts[0]]))
        popups.append(_popup(ctx, frame, row, names[row], facts, metric_lines, merged_units))
        geom = geometry.iloc[row] if geometry is not None else None
        if ctx.labels and geom is not None and not geom.is_empty:
            if capitals[row]:
                priority, zoom, css = 0, 0, "uc-label-capital"
            elif kinds[row] in _GATEWAYS:
                priority, zoom, css = 2, 0, "uc-label-gateway"
            else:
                priority, zoom, css = 3, 9, "uc-label-place"
            labels.append(
                Label(float(geom.y), float(geom.x), names[row], priority, zoom, css, "right")
            )
    legend: list[LegendSection] = []
    if diff is not None and limit is not None:
        legend.append(
            _diverging_section(
                f"{i18n.text('nodes_heading', lang)}: {_section_title(diff)}", diff, limit
            )
        )
    elif resolved is not None and classes is not None:
        legend.append(_class_legend(resolved, classes, "circle", i18n.text("nodes_heading", lang)))
    kind_section = LegendSection(title=i18n.text("node_kind", lang))
    seen = [kd for kd in st.KIND_COLOURS if kd in kinds]
    seen += sorted({kd for kd in kinds if kd not in st.KIND_COLOURS})
    for kind in seen:
        colour = st.KIND_COLOURS.get(kind, st.OTHER_KIND_COLOUR)
        fill = "#ffffff" if resolved is not None else (colour if kind != "city" else "#fdae61")
        kind_section.items.append(
            LegendItem(
                kind="circle",
                label=i18n.category(i18n.KINDS, kind or None, lang),
                colour=fill,
                edge=colour,
                width=1.5,
            )
        )
    if any(capitals):
        kind_section.items.append(
            LegendItem(
                kind="circle",
                label=i18n.text("capital", lang),
                colour="#ffffff",
                edge="#252525",
                width=3.0,
            )
        )
    if kind_section.items:
        legend.append(kind_section)
    label = name or i18n.text("layer_nodes", lang) + (
        f": {resolved.label}" if resolved is not None else ""
    )
    return LayerPlan(
        "nodes",
        label,
        frame,
        ids,
        styles,
        tooltips,
        popups,
        legend,
        "uc-node",
        labels=labels,
        metrics=[resolved] if resolved is not None else [],
    )


_EXTRA_PALETTE = ["#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04"]


def extra_plan(
    frame: gpd.GeoDataFrame,
    *,
    name: str | None,
    style: Mapping[str, Any] | None,
    ctx: PlanContext | None = None,
    tooltip: Sequence[str] | None = None,
) -> LayerPlan:
    """Plan a user layer (hazard zones, service areas, own corridors) with one style.

    A frame with a ``band_min`` column (service areas) is coloured by band, largest
    band first, with a legend in minutes.
    """
    ctx = ctx or PlanContext()
    lang = ctx.lang
    ids = _ids(frame, "extra")
    names = _names(frame, "extra", ids, ctx.lang)
    base = {
        "color": "#7a0177",
        "weight": 2.0,
        "opacity": 0.9,
        "fillColor": "#c51b8a",
        "fillOpacity": 0.25,
        "radius": 6.0,
    }
    base.update(dict(style or {}))
    base["className"] = "uc-extra"
    legend = []
    styles = [dict(base) for _ in range(len(frame))]
    title = name or i18n.text("layer_extra", lang)
    if "band_min" in frame.columns:
        bands = sorted(
            {float(b) for b in pd.to_numeric(frame["band_min"], errors="coerce").dropna()}
        )
        colours = {
            b: _EXTRA_PALETTE[min(i, len(_EXTRA_PALETTE) - 1)]
            for i, b in enumerate(reversed(bands))
        }
        section = LegendSection(title=f"{title} ({i18n.unit_word('min', lang)})")
        for band in bands:
            section.items.append(
                LegendItem(
                    kind="fill",
                    label=f"≤ {i18n.format_value(band, 'min', lang)}",
                    colour=colours[band],
                )
            )
        legend.append(section)
        for row in range(len(frame)):
            value = pd.to_numeric(pd.Series([frame["band_min"].iloc[row]]), errors="coerce").iloc[0]
            if not pd.isna(value):
                styles[row]["fillColor"] = colours[float(value)]
                styles[row]["color"] = colours[float(value)]
    else:
        legend.append(
            LegendSection(
                title=title,
                items=[LegendItem(kind="fill", label=title, colour=str(base["fillColor"]))],
            )
        )
    columns = list(tooltip or [c for c in ("band_min", "origin", "area_km2") if c in frame.columns])
    units = {"band_min": "min", "area_km2": "km²"}
    tooltips = []
    popups = []
    for row in range(len(frame)):
        lines = [
            (to_text(c), i18n.format_value(_value(frame, c, row), units.get(c), lang))
            for c in columns
            if c in frame.columns
        ]
        tooltips.append(st.tooltip_html(names[row], lines))
        popups.append(_popup(ctx, frame, row, names[row], lines, [], {}))
    return LayerPlan("extra", title, frame, ids, styles, tooltips, popups, legend, "uc-extra")


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
