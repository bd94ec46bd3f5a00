"""Planner-ready maps of a chain of cities: interactive (Folium) and static (matplotlib).

* :func:`chain_map` - provinces choropleth, corridors by mode/status/metric, nodes by
  score, with legend, layer control, scale bar, title and attribution.
* :func:`diff_map` - differences of a metric between two networks or scenarios, on a
  diverging scale centred at 0.
* :func:`save` / :func:`render_html` - self-contained HTML: Leaflet's JS and CSS are
  inlined from the XStatic-Leaflet package, so the file opens with no network.
* :func:`chain_plot` - the same picture as a matplotlib Figure (PNG/SVG).

Safety: every user string (names, attribute values, column names, layer names,
legend titles, the title) is HTML-escaped before it reaches folium or Leaflet, and
travels in the page only as JSON with ``<``, ``>``, ``&``, ``'``, U+2028 and U+2029
escaped; no data is written into a JavaScript template literal. See
``bad-inputs.md`` §1.

Palettes
--------
Corridor colour by mode: expressway ``#d7301f``, highway ``#f16913``, railway
``#6a3d9a``, waterway ``#1f78b4``, sea ``#01665e``, air ``#e7298a`` (other ``#525252``).
Corridor status: operational solid; under construction dashed ``10 6``; planned
dotted ``3 7``; paused sparse dots ``1 9`` at 45 % opacity. Node ring by kind: city
``#252525``, seaport ``#1f78b4``, airport ``#e7298a``, border gate ``#8c510a``,
station ``#6a3d9a``; capitals have a thick ring. Missing values are grey
(``#bdbdbd``) and labelled "no data", never 0.

folium, branca, mapclassify and matplotlib are imported inside the functions.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from urbanchain.errors import ValidationError
from urbanchain.maps import _i18n as i18n
from urbanchain.maps import _plan as plan_mod
from urbanchain.maps import _registry as reg
from urbanchain.maps import _style as st
from urbanchain.maps._html import escape_html, mpl_text

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)


class _DatalimNotice(logging.Filter):
    """Drop matplotlib's notice that a print map's frame widened to fill the page.

    Print maps set both limits to the region, then ``adjustable="datalim"`` so the
    frame grows (east-west or north-south) to fill the page instead of leaving it
    empty: intended, but matplotlib logs "Ignoring fixed x limits ..." each time the
    figure is drawn. Only that message is dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "fixed data aspect with adjustable data limits" not in record.getMessage()


def _quiet_datalim() -> None:
    target = logging.getLogger("matplotlib.axes._base")
    if not any(isinstance(f, _DatalimNotice) for f in target.filters):
        target.addFilter(_DatalimNotice())


__all__ = [
    "ATTRIBUTION",
    "CORRIDOR_NOTE",
    "KIND_COLOURS",
    "MODE_COLOURS",
    "NO_DATA_COLOUR",
    "STATUS_DASHES",
    "chain_map",
    "chain_plot",
    "diff_map",
    "readiness_map",  # readiness (issue 22): maps/_readiness.py
    "ready_connected_map",  # readiness (issue 22)
    "ready_connected_plot",  # readiness (issue 22)
    "render_html",
    "save",
    "side_by_side",
]

#: Citation of the province boundaries (shown on every map).
ATTRIBUTION = "Boundaries: geoBoundaries (Runfola et al. 2020, PLoS ONE 15(4): e0231866), CC BY 4.0"
#: Note on corridor geometry (shown on every map).
CORRIDOR_NOTE = "Corridors: schematic corridors through their waypoints, not surveyed alignments"

MODE_COLOURS = st.MODE_COLOURS
STATUS_DASHES = st.STATUS_DASHES
KIND_COLOURS = st.KIND_COLOURS
NO_DATA_COLOUR = st.NO_DATA_COLOUR

#: Initial centre of a map with no features at all (a map with layers is centred on them).
_DEFAULT_CENTRE = (21.0, 106.0)
_BACKGROUND = "#dfe7ec"


@contextlib.contextmanager
def _warnings_at_caller(stacklevel: int = 4) -> Iterator[None]:
    """Re-issue warnings raised while building so they point at the caller's line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for item in caught:
        warnings.warn(item.message, item.category, stacklevel=stacklevel)


# --------------------------------------------------------------------------- layers


def _layers(
    chain: Any,
    *,
    provinces: Any,
    nodes: Any,
    corridors: Any,
    provinces_2008: Any,
) -> dict[str, Any]:
    found = {
        "provinces": provinces,
        "nodes": nodes,
        "corridors": corridors,
        "provinces_2008": provinces_2008,
    }
    if chain is not None:
        for key, value in found.items():
            if value is None:
                found[key] = getattr(chain, key, None)
    return found


def _vintage_of(frame: Any, default: int) -> int:
    columns = getattr(frame, "columns", ())
    if "members_2008" in columns:
        return 2025
    if "code_2025" in columns:
        return 2008
    return default


def _same_layer(a: Any, b: Any) -> bool:
    """Whether two province frames hold the same provinces (same codes and geometries)."""
    if a is b:
        return True
    try:
        if len(a) != len(b) or "code" not in a.columns or "code" not in b.columns:
            return False
        left = a.set_index("code").sort_index()
        right = b.set_index("code").sort_index()
        return bool(
            left.index.equals(right.index) and left.geometry.geom_equals(right.geometry).all()
        )
    except (AttributeError, TypeError, ValueError):
        return False


def _province_frames(
    provinces: Any, provinces_2008: Any, vintages: Sequence[int]
) -> list[tuple[int, gpd.GeoDataFrame]]:
    available: dict[int, Any] = {}
    for frame, default in ((provinces_2008, 2008), (provinces, 2025)):
        if frame is None:
            continue
        vintage = _vintage_of(frame, default)
        if vintage in available and _same_layer(frame, available[vintage]):
            # a chain of a year before the 2025 merger carries its (2008) layer as both
            continue
        if vintage in available:
            msg = (
                f"Two province layers of the {vintage} vintage were given (provinces and "
                "provinces_2008). Pass the 2008 layer as provinces_2008 and the 2025 layer as provinces."
            )
            raise ValidationError(msg)
        available[vintage] = frame
    wanted = [int(v) for v in vintages]
    unknown = [v for v in wanted if v not in (2008, 2025)]
    if unknown:
        msg = f"vintages must contain 2008 and/or 2025; got {unknown}."
        raise ValidationError(msg)
    if not available:
        return []
    chosen = [v for v in wanted if v in available]
    if not chosen:
        # None of the requested vintages was given: draw the layers that were given.
        chosen = sorted(available)
    elif len(chosen) < len(wanted):
        missing = [v for v in wanted if v not in available]
        msg = (
            f"vintages={tuple(wanted)} asks for the {missing} province layer, which was not given. "
            "Pass it (provinces_2008=urbanchain.datasets.provinces(), "
            "provinces=urbanchain.datasets.provinces(vintage=2025)) or drop it from vintages."
        )
        raise ValidationError(msg)
    return [(v, plan_mod.to_lonlat(available[v], layer="provinces")) for v in sorted(chosen)]


def _province_lookup(
    frames: Sequence[tuple[int, gpd.GeoDataFrame]], nodes: Any
) -> dict[str, dict[str, str]]:
    """Province names by vintage and code, for the popups of nodes (both vintages)."""
    names: dict[str, dict[str, str]] = {}
    for number, frame in frames:
        if "code" in frame.columns and "name_vi" in frame.columns:
            names[str(number)] = {
                str(c): str(n) for c, n in zip(frame["code"], frame["name_vi"], strict=True)
            }
    columns = getattr(nodes, "columns", ())
    for vintage in ("2008", "2025"):
        if f"province_{vintage}" not in columns and vintage != "2008":
            continue
        known = names.setdefault(vintage, {})
        wanted = set()
        if f"province_{vintage}" in columns:
            wanted = {str(v) for v in nodes[f"province_{vintage}"].dropna()}
        if vintage == "2008" and "members_2008" not in columns:
            for frame_vintage, frame in frames:
                if frame_vintage == 2025 and "members_2008" in frame.columns:
                    wanted |= {
                        m.strip() for v in frame["members_2008"].dropna() for m in str(v).split(",")
                    }
        if wanted - set(known):
            try:
                from urbanchain import datasets

                bundled = datasets.provinces(region=None, vintage=int(vintage))
            except Exception:
                continue
            for code, name in zip(bundled["code"], bundled["name_vi"], strict=True):
                known.setdefault(str(code), str(name))
    return names


def _context_frame(context: Any, frames: Sequence[tuple[int, gpd.GeoDataFrame]]) -> Any:
    """Neighbouring provinces around the drawn ones (bundled, whole country, 2008 vintage)."""
    import shapely

    if context is None or context is False or not frames:
        return None
    if context is True:
        from urbanchain import datasets

        country = datasets.provinces(region=None, vintage=2008)
    else:
        country = plan_mod.to_lonlat(context, layer="context")
    union = shapely.union_all([g for _, f in frames for g in f.geometry if g is not None])
    if union.is_empty:
        return None
    minx, miny, maxx, maxy = union.bounds
    pad_x, pad_y = (maxx - minx) * 0.6 + 0.3, (maxy - miny) * 0.6 + 0.3
    window = shapely.box(minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)
    geometry = country.geometry
    keep = geometry.intersects(window) & ~geometry.representative_point().within(union.buffer(0.01))
    chosen = country.loc[keep].copy()
    chosen["geometry"] = chosen.geometry.intersection(window).simplify(0.003)
    return chosen[~chosen.geometry.is_empty]


def _extra_frames(extra_layers: Any) -> list[tuple[gpd.GeoDataFrame, dict[str, Any]]]:
    """Normalise ``extra_layers=``: GeoDataFrames, ``(gdf, style)`` pairs or dicts."""
    import geopandas as gpd

    found = []
    for number, item in enumerate(extra_layers or ()):
        options: dict[str, Any] = {}
        if isinstance(item, gpd.GeoDataFrame):
            frame = item
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Mapping):
            frame, options = item[0], {"style": dict(item[1])}
        elif isinstance(item, Mapping) and "frame" in item:
            frame = item["frame"]
            options = {k: v for k, v in item.items() if k != "frame"}
            unknown = set(options) - {"name", "style", "tooltip"}
            if unknown:
                msg = (
                    f"extra_layers[{number}] has unknown keys {sorted(unknown)}; "
                    "use 'frame', 'name', 'style' and 'tooltip'."
                )
                raise ValidationError(msg)
        else:
            msg = (
                f"extra_layers[{number}] must be a GeoDataFrame, a (GeoDataFrame, style) pair or "
                f"a dict with 'frame' (and 'name', 'style', 'tooltip'); got {type(item).__name__}."
            )
            raise ValidationError(msg)
        style = options.get("style")
        if style is not None and not isinstance(style, Mapping):
            msg = f"extra_layers[{number}] style must be a dict of Leaflet path options such as {{'color': '#c51b8a'}}."
            raise ValidationError(msg)
        found.append((plan_mod.to_lonlat(frame, layer=f"extra_layers[{number}]"), options))
    return found


def _plans(
    layers: dict[str, Any],
    *,
    vintages: Sequence[int],
    province_metric: Any,
    scheme: str,
    k: int,
    node_metric: Any,
    corridor_metric: Any,
    units: Mapping[str, str] | None,
    layer_names: Mapping[str, str] | None,
    ctx: plan_mod.PlanContext | None = None,
    extra_layers: Any = None,
    context: Any = None,
) -> list[plan_mod.LayerPlan]:
    ctx = ctx or plan_mod.PlanContext(units=units)
    names = dict(layer_names or {})
    plans = []
    frames = _province_frames(layers["provinces"], layers["provinces_2008"], vintages)
    ctx.province_names = _province_lookup(frames, layers["nodes"])
    context_frame = _context_frame(context, frames)
    if context_frame is not None and len(context_frame):
        plans.append(reg.spec("context").plan()(context_frame, ctx=ctx, name=names.get("context")))
    newest = max((v for v, _ in frames), default=None)
    for vintage, frame in frames:
        metric = province_metric
        if (
            not isinstance(province_metric, str)
            and province_metric is not None
            and vintage != newest
        ):
            # A table keyed by province code belongs to one vintage (codes were reused in
            # 2025): it colours the newest layer; older layers are drawn as outlines.
            metric = None
        plans.append(
            reg.spec("provinces").plan()(
                frame,
                vintage=vintage,
                metric=metric,
                scheme=scheme,
                k=k,
                units=units,
                name=names.get(f"provinces_{vintage}", names.get("provinces")),
                ctx=ctx,
                primary=vintage == newest,
            )
        )
    for frame, options in _extra_frames(extra_layers):
        plans.append(
            reg.spec("extra").plan()(
                frame,
                name=options.get("name"),
                style=options.get("style"),
                tooltip=options.get("tooltip"),
                ctx=ctx,
            )
        )
    if layers["corridors"] is not None:
        frame = plan_mod.to_lonlat(layers["corridors"], layer="corridors")
        plans.append(
            reg.spec("corridors").plan()(
                frame, metric=corridor_metric, units=units, name=names.get("corridors"), ctx=ctx
            )
        )
    elif corridor_metric is not None:
        msg = (
            "corridor_metric was given but there is no corridors layer; pass corridors= or a chain."
        )
        raise ValidationError(msg)
    if layers["nodes"] is not None:
        frame = plan_mod.to_lonlat(layers["nodes"], layer="nodes")
        plans.append(
            reg.spec("nodes").plan()(
                frame,
                metric=node_metric,
                scheme=scheme,
                k=k,
                units=units,
                name=names.get("nodes"),
                ctx=ctx,
            )
        )
    elif node_metric is not None:
        msg = "node_metric was given but there is no nodes layer; pass nodes= or a chain."
        raise ValidationError(msg)
    if province_metric is not None and not frames:
        msg = (
            "province_metric was given but there is no provinces layer; pass provinces= or a chain."
        )
        raise ValidationError(msg)
    return plans


# --------------------------------------------------------------------------- folium


def _features(plan: plan_mod.LayerPlan) -> tuple[list[dict[str, Any]], list[float] | None]:
    import numpy as np
    import shapely

    rows, _ = plan_mod.drawable(plan)
    features = []
    bounds: list[float] | None = None
    geometry = plan.frame.geometry if rows else None
    for row in rows:
        assert geometry is not None
        geom = geometry.iloc[row]
        coords = shapely.get_coordinates(geom)
        if not np.isfinite(coords).all():
            msg = (
                f"The {plan.kind} feature {plan.ids[row]!r} has NaN or infinite coordinates; "
                "fix or drop it before mapping."
            )
            raise ValidationError(msg)
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "uc_id": escape_html(plan.ids[row]),
                    "uc_style": {k: v for k, v in plan.styles[row].items() if v is not None},
                    "uc_tooltip": plan.tooltips[row],
                    "uc_popup": plan.popups[row],
                },
            }
        )
        bounds = _union_bounds(bounds, [float(v) for v in geom.bounds])
    return features, bounds


def _union_bounds(first: list[float] | None, second: list[float] | None) -> list[float] | None:
    if first is None:
        return second
    if second is None:
        return first
    return [
        min(first[0], second[0]),
        min(first[1], second[1]),
        max(first[2], second[2]),
        max(first[3], second[3]),
    ]


def _legend_html(sections: Sequence[plan_mod.LegendSection]) -> str:
    parts = []
    for section in sections:
        parts.append(f"<h5>{escape_html(section.title)}</h5>")
        if section.gradient is not None:
            colours, _limit = section.gradient
            stops = ",".join(colours)
            low, high = section.ends or ("−", "+")
            parts.append(
                f'<div class="uc-row"><span class="uc-swatch" style="width:200px;'
                f'background:linear-gradient(to right,{stops})"></span></div>'
                f'<div class="uc-ends"><span>{escape_html(low)}</span>'
                f"<span>{escape_html(high)}</span></div>"
            )
        for item in section.items:
            parts.append(
                f'<div class="uc-row">{_swatch(item)}<span>{escape_html(item.label)}</span></div>'
            )
    return "".join(parts)


def _swatch(item: plan_mod.LegendItem) -> str:
    if item.kind == "note":  # a line of text under a section (readiness maps: source, rule)
        return ""
    colour = escape_html(item.colour)
    if item.kind == "fill":
        return f'<span class="uc-swatch" style="background:{colour}"></span>'
    if item.kind == "circle":
        edge = escape_html(item.edge)
        return (
            f'<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="{colour}" '
            f'stroke="{edge}" stroke-width="{item.width}"/></svg>'
        )
    dash = f' stroke-dasharray="{escape_html(item.dash)}"' if item.dash else ""
    return (
        f'<svg width="34" height="12"><line x1="1" y1="6" x2="33" y2="6" stroke="{colour}" '
        f'stroke-width="{item.width}" stroke-opacity="{item.opacity}"{dash}/></svg>'
    )


def _attribution_html(extra: str | None, lang: i18n.Lang = "en") -> str:
    parts = [
        escape_html(i18n.text("attribution", lang)),
        escape_html(i18n.text("corridor_note", lang)),
    ]
    if extra:
        parts.append(escape_html(extra))
    return " | ".join(parts)


def _unique_name(name: str, used: set[str]) -> str:
    candidate = name
    number = 2
    while escape_html(candidate) in used:
        candidate = f"{name} ({number})"
        number += 1
    used.add(escape_html(candidate))
    return candidate


def _tile_layer(tiles: Any) -> Any:
    import xyzservices

    from urbanchain.maps import _template_free as tf

    provider = tiles
    if tiles is None:
        provider = xyzservices.providers.OpenStreetMap.Mapnik
    elif isinstance(tiles, str):
        try:
            provider = xyzservices.providers.query_name(tiles)
        except ValueError as exc:
            msg = (
                f"Unknown basemap {tiles!r}. Use an xyzservices provider name such as "
                "'OpenStreetMap.Mapnik' or 'Esri.WorldGrayCanvas', or an xyzservices.TileProvider."
            )
            raise ValidationError(msg) from exc
    if not isinstance(provider, xyzservices.TileProvider):
        msg = f"tiles must be an xyzservices provider name or TileProvider; got {type(tiles).__name__}."
        raise ValidationError(msg)
    url = provider.build_url(fill_subdomain=False, scale_factor="{r}")
    if not isinstance(url, str) or not _is_web_url(url):
        msg = (
            f"The tile provider {str(provider.get('name', '?'))[:80]!r} has the URL {str(url)[:120]!r}; "
            "a basemap URL must start with https:// or http:// (javascript:, data: and "
            "file: URLs are refused)."
        )
        raise ValidationError(msg)
    # The attribution is shown as plain text: the provider's HTML (links, markup) is
    # never passed to Leaflet, which would insert it with innerHTML.
    attribution = provider.get("attribution") or provider.get("html_attribution") or ""
    if not str(attribution).strip():
        msg = (
            f"The tile provider {str(provider.get('name', '?'))[:80]!r} has no attribution; "
            "give it one (xyzservices.TileProvider(..., attribution='(C) ...')), as tile "
            "licences require."
        )
        raise ValidationError(msg)
    name = str(provider.get("name", "basemap"))
    return tf.TileLayer(
        tiles=url,
        attr=escape_html(attribution),
        name=escape_html(name),
        overlay=False,
        control=True,
        min_zoom=provider.get("min_zoom", 0),
        max_zoom=provider.get("max_zoom", 18),
        subdomains=provider.get("subdomains", "abc"),
    )


def _is_web_url(url: str) -> bool:
    import re

    # No control characters or spaces (browsers strip them, which is how
    # "java\nscript:" slips past naive checks); scheme http(s) only.
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return False
    return re.match(r"https?://[^/?#]", url, flags=re.IGNORECASE) is not None


def _build_map(
    plans: Sequence[plan_mod.LayerPlan],
    *,
    title: str | None,
    tiles: Any,
    offline: bool,
    attribution: str | None,
    width: str | int,
    height: str | int,
    lang: i18n.Lang = "en",
) -> folium.Map:
    from urbanchain.maps import _elements as el
    from urbanchain.maps import _template_free as tf

    m = el.UrbanchainMap(
        offline=offline,
        layer_control=True,
        location=list(_DEFAULT_CENTRE),
        zoom_start=8,
        tiles=None,
        control_scale=True,
        width=width,
        height=height,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    m.add_child(el.MapStyle(_BACKGROUND), name="urbanchain_style")
    if not offline:
        m.add_child(_tile_layer(tiles))
    elif tiles is not None:
        msg = (
            "tiles were given with offline=True, but an offline map has no tile layers "
            "(tiles need the network). Pass offline=False to use a basemap."
        )
        raise ValidationError(msg)
    used_panes = {p.spec.pane for p in plans}
    labels = [label for p in plans for label in p.labels]
    if labels:
        used_panes.add(reg.LABEL_PANE[0])
    for pane, z_index in reg.panes():
        if pane in used_panes:
            m.add_child(
                tf.CustomPane(pane, z_index=z_index, pointer_events=pane != reg.LABEL_PANE[0])
            )
    used: set[str] = set()
    region: list[float] | None = None
    everything: list[float] | None = None
    legend: list[plan_mod.LegendSection] = []
    for plan in plans:
        features, layer_bounds = _features(plan)
        name = _unique_name(plan.name, used)
        layer = el.FeatureLayer(
            features, name=name, pane=plan.spec.pane, interactive=plan.spec.interactive
        )
        m.add_child(layer)
        legend.extend(plan.legend)
        everything = _union_bounds(everything, layer_bounds)
        if plan.kind == "provinces":
            region = _union_bounds(region, layer_bounds)
    if labels:
        # An older-vintage province named like a current one is not labelled twice.
        primary = {x.text for x in labels if x.css == "uc-label-province"}
        rows = [
            [
                round(x.lat, 5),
                round(x.lon, 5),
                x.text,
                x.priority,
                x.min_zoom,
                x.css,
                x.direction,
                [list(c) for c in x.candidates],
            ]
            for x in labels
            if not (x.css == "uc-label-province-old" and x.text in primary)
        ]
        m.add_child(
            el.LabelLayer(
                rows, name=_unique_name(i18n.text("labels", lang), used), pane=reg.LABEL_PANE[0]
            )
        )
    # The region (provinces) frames the view; reach nodes may lie outside it.
    fit = region if region is not None else everything
    if fit is not None:
        m.urbanchain_fit = (fit, lang)
        # centre on the layers themselves (any region in the world), not on a fixed place
        m.location = [(fit[1] + fit[3]) / 2, (fit[0] + fit[2]) / 2]
    if legend:
        m.add_child(el.LegendControl(_legend_html(legend), summary=i18n.text("legend", lang)))
    if title:
        m.add_child(el.TitleBox(title))
        root: Any = m.get_root()
        root.title = escape_html(title)
    m.add_child(el.AttributionNote(_attribution_html(attribution, lang)))
    return m


def _check_options(lang: Any, popup: Any) -> i18n.Lang:
    checked = i18n.check_lang(lang)
    if popup not in ("curated", "full"):
        msg = f'popup must be "curated" (name, type, provinces, mapped metrics, sources) or "full" (also every attribute); got {popup!r}.'
        raise ValidationError(msg)
    return checked


def _auto_context(chain: Any, context: Any) -> Any:
    """``context=None``: neighbouring provinces for a bundled region chain only."""
    if context is not None:
        return context
    return bool(getattr(chain, "region", None)) and hasattr(chain, "provinces_2008")


def chain_map(
    chain: Any = None,
    *,
    provinces: gpd.GeoDataFrame | None = None,
    nodes: gpd.GeoDataFrame | None = None,
    corridors: gpd.GeoDataFrame | None = None,
    province_metric: Any = None,
    scheme: str = "quantiles",
    k: int = 5,
    node_metric: Any = None,
    corridor_metric: Any = None,
    title: str | None = None,
    vintages: Sequence[int] = (2025,),
    provinces_2008: gpd.GeoDataFrame | None = None,
    tiles: Any = None,
    offline: bool = True,
    units: Mapping[str, str] | None = None,
    layer_names: Mapping[str, str] | None = None,
    attribution: str | None = None,
    width: str | int = "100%",
    height: str | int = "100%",
    show_access: bool = False,
    lang: i18n.Lang = "en",
    extra_layers: Sequence[Any] | None = None,
    context: bool | gpd.GeoDataFrame | None = None,
    labels: bool = True,
    popup: Literal["curated", "full"] = "curated",
) -> folium.Map:
    """Draw a chain of cities as an interactive, offline-capable Folium map.

    Provinces are a choropleth of ``province_metric`` (classes from mapclassify);
    corridors are coloured by mode, dashed by status and as wide as
    ``corridor_metric``; nodes are circle markers sized and coloured by
    ``node_metric`` and ringed by kind. Every feature has an escaped tooltip and popup
    with units; missing values are grey and read "no data". The map has a layer
    control, a scale bar, a legend, a title and an attribution citing geoBoundaries.

    Parameters
    ----------
    chain
        Optional object with ``provinces``, ``nodes`` and ``corridors`` GeoDataFrames
        (and optionally ``provinces_2008``). Explicit layer arguments take precedence.
    provinces, nodes, corridors
        Layers with the urbanchain schemas (any CRS; reprojected to EPSG:4326 for
        display). ``provinces`` is normally the 2025 vintage; a layer with a
        ``code_2025`` column is recognised as the 2008 vintage.
    province_metric, node_metric, corridor_metric
        A column name of the layer, or a pandas Series (or one-column DataFrame) keyed
        by ``code`` / ``node_id`` / ``corridor_id``, such as a chain score table or a
        corridor criticality table. Ids absent from the layer are reported with a
        :class:`~urbanchain.errors.DataQualityWarning`. A Series for provinces colours
        the newest vintage drawn only (codes changed meaning in 2025).
    scheme
        mapclassify scheme for provinces and nodes: ``"quantiles"``,
        ``"equal_interval"``, ``"natural_breaks"``, ``"fisher_jenks"``...
    k
        Number of classes (fewer when there are fewer distinct values).
    title
        Title shown over the map and as the page title.
    vintages
        Province vintages to draw (2008 and/or 2025), each a separate toggleable layer.
        If none of them was given, the province layers that were given are drawn.
    provinces_2008
        The 2008-vintage province layer (``urbanchain.datasets.provinces()``).
    tiles
        Basemap for ``offline=False``: an xyzservices provider name or
        TileProvider (default OpenStreetMap.Mapnik; xyzservices warns that CartoDB
        tiles now need an API key).
    offline
        When True (default), no tile layer is added (provinces on a neutral
        background are the base) and Leaflet is inlined, so the map needs no network.
    units
        Units by column or metric name, overriding ``df.attrs["units"]``.
    layer_names
        Names for the layer control: keys ``"provinces"``, ``"provinces_2008"``,
        ``"provinces_2025"``, ``"corridors"``, ``"nodes"``.
    attribution
        Extra attribution text (escaped), appended to the geoBoundaries citation.
    width, height
        Size of the map element (CSS length or pixels).
    show_access
        Also draw corridor rows whose ``mode`` is ``"access"`` (default False).
    lang
        ``"vi"`` (Vietnamese) or ``"en"`` (English): every legend, layer name, popup
        field, unit and number format. Place names keep their diacritics in both.
    extra_layers
        More layers drawn above the provinces and below corridors and nodes: each a
        GeoDataFrame, a ``(GeoDataFrame, style)`` pair, or a dict with ``frame`` and
        optionally ``name``, ``style`` (Leaflet path options such as
        ``{"color": "#c51b8a", "fillOpacity": 0.3}``) and ``tooltip`` (columns). A
        frame with a ``band_min`` column (service areas) is coloured by band.
    context
        Neighbouring provinces drawn as muted context: ``True`` (bundled provinces of
        Viet Nam around the region), a GeoDataFrame, or ``False``. ``None`` (default)
        means ``True`` for a chain of a bundled region.
    labels
        Permanent place-name labels (capitals, provinces, gateways; other places from
        zoom 9), decluttered by priority after each zoom.
    popup
        ``"curated"`` (name, type, provinces in both vintages, the mapped metrics with
        units, sources as links) or ``"full"`` (also every attribute, folded).

    Returns
    -------
    folium.Map
        The map; save it with :func:`save`. Layers added to it afterwards with plain
        folium appear in the layer control (it is rendered last) and draw above the
        provinces (which sit in a pane below Leaflet's overlay pane).

    Raises
    ------
    ValidationError
        If a layer or metric is malformed, a requested vintage is missing, tiles are
        requested offline, or ``lang``/``popup``/``extra_layers`` are invalid.
    UnknownNameError
        If a metric column or scheme does not exist.
    CRSError
        If a layer has no CRS.

    Notes
    -----
    Corridor rows with ``mode == "access"`` (long access links kept as data, such
    as the Hà Nội centre's links to the Red River bridges) are not drawn unless
    ``show_access=True``: they are connectors, not corridors.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbanchain.maps import chain_map, render_html
    >>> nodes = gpd.GeoDataFrame(
    ...     {"node_id": ["ha_noi", "hai_phong"], "name": ["Hà Nội", "Hải Phòng"],
    ...      "kind": ["city", "city"], "score": [0.9, float("nan")]},
    ...     geometry=[Point(105.85, 21.03), Point(106.68, 20.86)], crs="EPSG:4326")
    >>> m = chain_map(nodes=nodes, node_metric="score", title="Delta")
    >>> html = render_html(m)
    >>> "no data" in html and "https://cdn" not in html
    True
    """
    lang = _check_options(lang, popup)
    layers = _layers(
        chain,
        provinces=provinces,
        nodes=nodes,
        corridors=corridors,
        provinces_2008=provinces_2008,
    )
    cor = layers.get("corridors")
    if not show_access and cor is not None and "mode" in getattr(cor, "columns", ()):
        layers["corridors"] = cor[cor["mode"] != "access"]
    ctx = plan_mod.PlanContext(lang=lang, units=units, popup=popup, labels=labels)
    with _warnings_at_caller():
        plans = _plans(
            layers,
            vintages=vintages,
            province_metric=province_metric,
            scheme=scheme,
            k=k,
            node_metric=node_metric,
            corridor_metric=corridor_metric,
            units=units,
            layer_names=layer_names,
            ctx=ctx,
            extra_layers=extra_layers,
            context=_auto_context(chain, context),
        )
        return _build_map(
            plans,
            title=title,
            tiles=tiles,
            offline=offline,
            attribution=attribution,
            width=width,
            height=height,
            lang=lang,
        )


def diff_map(
    base: Any,
    other: Any = None,
    *,
    node_metric: Any,
    corridor_metric: Any = None,
    provinces: gpd.GeoDataFrame | None = None,
    nodes: gpd.GeoDataFrame | None = None,
    corridors: gpd.GeoDataFrame | None = None,
    labels: tuple[str, str] = ("base", "other"),
    title: str | None = None,
    tiles: Any = None,
    offline: bool = True,
    units: Mapping[str, str] | None = None,
    layer_names: Mapping[str, str] | None = None,
    attribution: str | None = None,
    width: str | int = "100%",
    height: str | int = "100%",
    lang: i18n.Lang = "en",
    projects: Mapping[str, str] | None = None,
    context: bool | gpd.GeoDataFrame | None = None,
    labels_on: bool = True,
    popup: Literal["curated", "full"] = "curated",
) -> folium.Map:
    """Map the per-node and per-corridor difference of a metric between two networks.

    The difference is ``other - base``. Nodes are coloured on a diverging scale
    centred at 0 (blue = lower in ``other``, red = higher) and sized by the absolute
    difference; corridors are coloured the same way and keep their status dashes.
    A missing value on either side gives "no data" (grey), never 0.

    Parameters
    ----------
    base, other
        Objects with ``nodes``/``corridors`` (and optionally ``provinces``)
        GeoDataFrames, e.g. two chains or scenarios. ``other`` may be None when the
        metrics are given as Series. Geometry comes from ``nodes=``/``corridors=`` if
        given, else from ``base`` completed by ``other`` (features only in ``other``,
        such as new corridors, are drawn too).
    node_metric, corridor_metric
        Either a column name present in both networks' layers; a pair
        ``(base_values, other_values)`` of Series (or one-column DataFrames) keyed by
        ``node_id`` / ``corridor_id``; or one Series of precomputed differences.
    provinces, nodes, corridors
        Layers overriding those of ``base``/``other``.
    labels
        Names of the two networks in tooltips and popups.
    title, tiles, offline, units, layer_names, attribution, width, height, lang, context, popup
        As in :func:`chain_map`. A metric whose lower values are better (minutes)
        reads "minutes saved" / "phút tiết kiệm" at the blue end of the legend.
    projects
        Corridor id -> ``"new"``, ``"upgraded"`` or ``"closed"``: new and upgraded
        corridors are drawn wide, closed ones grey and sparsely dotted, with a legend
        section. ``None`` detects them from the two corridor layers (only in
        ``other``, or opened by ``other``: new; faster design speed: upgraded; only in
        ``base``, or status ``closed`` in ``other``: closed).
    labels_on
        Permanent place-name labels, as ``labels`` of :func:`chain_map`.

    Returns
    -------
    folium.Map
        The map; save it with :func:`save`.

    Raises
    ------
    ValidationError
        If a metric cannot be computed or a layer is missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> from shapely.geometry import Point
    >>> from urbanchain.maps import diff_map
    >>> nodes = gpd.GeoDataFrame({"node_id": ["a", "b"], "name": ["A", "B"]},
    ...     geometry=[Point(105.8, 21.0), Point(106.7, 20.9)], crs="EPSG:4326")
    >>> before = pd.Series({"a": 1.0, "b": 2.0}, name="closeness")
    >>> after = pd.Series({"a": 1.5, "b": 1.0}, name="closeness")
    >>> m = diff_map(None, nodes=nodes, node_metric=(before, after))
    >>> type(m).__name__
    'UrbanchainMap'
    """
    import pandas as pd

    lang = _check_options(lang, popup)
    if tuple(labels) == ("base", "other"):
        labels = (i18n.text("base", lang), i18n.text("other", lang))
    ctx = plan_mod.PlanContext(lang=lang, units=units, popup=popup, labels=labels_on)
    layer_sets = [
        _layers(base, provinces=None, nodes=None, corridors=None, provinces_2008=None),
        _layers(other, provinces=None, nodes=None, corridors=None, provinces_2008=None),
    ]
    names = dict(layer_names or {})
    merged_units = dict(units or {})

    def _geometry(kind: str, explicit: Any, id_column: str) -> Any:
        if explicit is not None:
            return plan_mod.to_lonlat(explicit, layer=kind)
        frames = [
            plan_mod.to_lonlat(s[kind], layer=kind) for s in layer_sets if s[kind] is not None
        ]
        if not frames:
            return None
        if len(frames) == 1 or id_column not in frames[0].columns:
            return frames[0]
        import geopandas as gpd

        combined = pd.concat(frames, ignore_index=True)
        combined = combined[~combined[id_column].astype(str).duplicated()]
        return gpd.GeoDataFrame(combined, geometry=frames[0].geometry.name, crs=frames[0].crs)

    with _warnings_at_caller():
        plans = []
        province_frame = provinces if provinces is not None else layer_sets[0]["provinces"]
        if province_frame is not None:
            frame = plan_mod.to_lonlat(province_frame, layer="provinces")
            vintage = _vintage_of(frame, 2025)
            ctx.province_names = _province_lookup([(vintage, frame)], layer_sets[0]["nodes"])
            context_frame = _context_frame(_auto_context(base, context), [(vintage, frame)])
            if context_frame is not None and len(context_frame):
                plans.append(reg.spec("context").plan()(context_frame, ctx=ctx))
            plans.append(
                reg.spec("provinces").plan()(
                    frame,
                    vintage=vintage,
                    metric=None,
                    scheme="quantiles",
                    k=5,
                    units=units,
                    name=names.get("provinces"),
                    ctx=ctx,
                )
            )
        corridor_frame = _geometry("corridors", corridors, "corridor_id")
        if corridor_frame is not None:
            diff = extras = None
            if corridor_metric is not None:
                diff, extras = _diff_metric(
                    corridor_metric,
                    corridor_frame,
                    layer_sets,
                    kind="corridors",
                    id_column="corridor_id",
                    argument="corridor_metric",
                    labels=labels,
                    units=merged_units,
                    lang=lang,
                )
            found = projects if projects is not None else _detect_projects(layer_sets, base, other)
            plans.append(
                reg.spec("corridors").plan()(
                    corridor_frame,
                    metric=None,
                    units=units,
                    name=names.get("corridors"),
                    diff=diff,
                    diff_extra=extras or (),
                    ctx=ctx,
                    projects=found,
                )
            )
        elif corridor_metric is not None:
            msg = "corridor_metric was given but no corridors layer was found; pass corridors=."
            raise ValidationError(msg)
        node_frame = _geometry("nodes", nodes, "node_id")
        if node_frame is None:
            msg = "diff_map needs node geometry: pass two networks with a nodes layer, or nodes=."
            raise ValidationError(msg)
        node_diff, node_extras = _diff_metric(
            node_metric,
            node_frame,
            layer_sets,
            kind="nodes",
            id_column="node_id",
            argument="node_metric",
            labels=labels,
            units=merged_units,
            lang=lang,
        )
        plans.append(
            reg.spec("nodes").plan()(
                node_frame,
                metric=None,
                scheme="quantiles",
                k=5,
                units=units,
                name=names.get("nodes"),
                diff=node_diff,
                diff_extra=node_extras,
                ctx=ctx,
            )
        )
        return _build_map(
            plans,
            title=title,
            tiles=tiles,
            offline=offline,
            attribution=attribution,
            width=width,
            height=height,
            lang=lang,
        )


def _detect_projects(
    layer_sets: list[dict[str, Any]], base_obj: Any = None, other_obj: Any = None
) -> dict[str, str]:
    """Find the new, upgraded and closed corridors between the two networks.

    A chain's ``network`` (the corridors in its graph that year) is preferred to its
    ``corridors`` layer, which also lists corridors not open yet.
    """
    import pandas as pd

    base, other = layer_sets[0]["corridors"], layer_sets[1]["corridors"]
    base_net, other_net = getattr(base_obj, "network", None), getattr(other_obj, "network", None)
    if isinstance(base_net, pd.DataFrame) and isinstance(other_net, pd.DataFrame):
        base, other = base_net, other_net
    if base is None or other is None:
        return {}
    if "corridor_id" not in base.columns or "corridor_id" not in other.columns:
        return {}
    before = base.set_index(base["corridor_id"].astype(str))
    after = other.set_index(other["corridor_id"].astype(str))
    found: dict[str, str] = {}
    for cid in after.index.difference(before.index):
        found[cid] = "new"
    for cid in before.index.difference(after.index):
        found[cid] = "closed"
    both = before.index.intersection(after.index)
    for cid in both:
        old, new = before.loc[cid], after.loc[cid]
        if isinstance(old, pd.DataFrame) or isinstance(new, pd.DataFrame):
            continue
        old_status, new_status = str(old.get("status", "")), str(new.get("status", ""))
        if new_status == "closed" and old_status != "closed":
            found[cid] = "closed"
        elif new_status == "operational" and old_status not in ("operational", ""):
            found[cid] = "new"
        else:
            old_speed = pd.to_numeric(pd.Series([old.get("design_speed_kmh")]), errors="coerce")[0]
            new_speed = pd.to_numeric(pd.Series([new.get("design_speed_kmh")]), errors="coerce")[0]
            if pd.notna(old_speed) and pd.notna(new_speed) and new_speed > old_speed:
                found[cid] = "upgraded"
    return found


def _diff_metric(
    metric: Any,
    frame: Any,
    layer_sets: list[dict[str, Any]],
    *,
    kind: str,
    id_column: str,
    argument: str,
    labels: tuple[str, str],
    units: Mapping[str, str],
    lang: i18n.Lang = "en",
) -> tuple[st.MetricValues, list[tuple[str, st.MetricValues]]]:
    difference, extras, name, unit = plan_mod.diff_values(
        metric,
        base_frame=layer_sets[0][kind],
        other_frame=layer_sets[1][kind],
        id_column=id_column,
        argument=argument,
        labels=labels,
        units=units,
    )
    aligned = st.resolve_metric(
        difference,
        frame,
        id_column=id_column,
        layer=kind,
        argument=argument,
        units=units,
    )
    assert aligned is not None
    described = st.describe(
        aligned.values,
        name,
        unit,
        attrs=getattr(metric, "attrs", {}) if not isinstance(metric, str | tuple | list) else {},
        explicit=units if name in units else {},
        lang=lang,
        attr_unit=unit,
    )
    shown = described.label
    described.label = i18n.text("diff_title", lang, label=shown, other=labels[1], base=labels[0])
    extra_values = []
    for label, series in extras:
        values = st.resolve_metric(
            series.rename(label),
            frame,
            id_column=id_column,
            layer=kind,
            argument=argument,
            units={},
        )
        assert values is not None
        values.unit, values.scale, values.lang = described.unit, described.scale, lang
        extra_values.append((f"{shown} ({label})", values))
    return described, extra_values


# --------------------------------------------------------------------------- HTML


def render_html(m: Any, *, offline: bool = True) -> str:
    """Render a Folium map (or figure) to an HTML string.

    Parameters
    ----------
    m
        A map from :func:`chain_map` / :func:`diff_map` (or any folium element).
    offline
        When True, Leaflet is inlined and the page is checked to load nothing over
        the network.

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    ValidationError
        With ``offline=True``, if the map has online tile layers or loads an asset
        (script, stylesheet, image) from ``http(s)://`` that urbanchain cannot inline.

    Examples
    --------
    >>> from urbanchain.maps import chain_map, render_html
    >>> "<script src=" in render_html(chain_map())
    False
    """
    from urbanchain.maps import _offline

    if offline:
        _check_no_tiles(m)
    html = str(m.get_root().render())
    if not offline:
        return html
    html = _offline.inline_known_assets(html)
    remote = _offline.find_remote_assets(html)
    if remote:
        shown = "; ".join(tag[:120] for tag in remote[:5])
        msg = (
            f"The map loads {len(remote)} asset(s) over the network, so it would not work "
            f"offline: {shown}. Remove the plugin or element that needs them, or save with offline=False."
        )
        raise ValidationError(msg)
    return html


def _check_no_tiles(m: Any) -> None:
    import folium

    root = m.get_root()
    stack = [root]
    while stack:
        element = stack.pop()
        if isinstance(element, folium.TileLayer):
            msg = (
                "The map has an online tile layer (basemap), which needs the network. "
                "Build it with chain_map(..., offline=True) or save it with offline=False."
            )
            raise ValidationError(msg)
        stack.extend(getattr(element, "_children", {}).values())


def save(m: Any, path: str | Path, *, offline: bool = True) -> Path:
    """Write a map to a self-contained HTML file.

    With ``offline=True`` (default) Leaflet's JavaScript and CSS (from the installed
    XStatic-Leaflet package, images as ``data:`` URIs) are embedded inline and the
    written page is checked to reference no ``http://``/``https://`` script or
    stylesheet, so it renders with no network.

    Parameters
    ----------
    m
        A map from :func:`chain_map` / :func:`diff_map`.
    path
        Output file (``.html``).
    offline
        Embed assets and forbid network references (default True).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValidationError
        See :func:`render_html`.
    InputFileError
        If ``path`` is a folder or lies under a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from urbanchain.maps import chain_map, save
    >>> out = save(chain_map(title="Empty"), pathlib.Path(tempfile.mkdtemp()) / "map.html")
    >>> out.stat().st_size > 100_000  # Leaflet is inside
    True
    """
    from urbanchain._private._atomic import atomic_write_text, check_output_file

    target = check_output_file(Path(path))
    html = render_html(m, offline=offline)
    # through a temporary file in the same folder, renamed into place: a failed
    # write never leaves a truncated map
    atomic_write_text(target, html)
    logger.info("Wrote %s (%d bytes, offline=%s)", target, len(html.encode("utf-8")), offline)
    return target


def side_by_side(
    before: Any,
    after: Any,
    path: str | Path | None = None,
    *,
    titles: tuple[str, str] | None = None,
    title: str | None = None,
    lang: i18n.Lang = "en",
) -> str:
    """Put two maps side by side in one offline page whose views move together.

    Parameters
    ----------
    before, after
        Maps from :func:`chain_map` or :func:`diff_map` (e.g. the network today and
        with a project).
    path
        When given, the page is also written there (atomically).
    titles
        Captions of the two maps; default "Before"/"After" in ``lang``.
    title
        Page heading.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    str
        The page (HTML).

    Examples
    --------
    >>> from urbanchain.maps import chain_map, side_by_side
    >>> page = side_by_side(chain_map(), chain_map(), lang="vi")
    >>> page.count("<iframe")
    2
    """
    from urbanchain._private._atomic import atomic_write_text
    from urbanchain.maps._compare import side_by_side_html

    lang = i18n.check_lang(lang)
    captions = titles or (i18n.text("before", lang), i18n.text("after", lang))
    page = side_by_side_html(
        render_html(before, offline=True),
        render_html(after, offline=True),
        titles=captions,
        heading=title or " / ".join(captions),
        lang=lang,
    )
    if path is not None:
        atomic_write_text(Path(path), page)
    return page


# --------------------------------------------------------------------------- matplotlib

#: Paper sizes in inches, landscape.
PAPER_SIZES: dict[str, tuple[float, float]] = {"A4": (11.69, 8.27), "A3": (16.54, 11.69)}


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mpl_dash(dash: str | None) -> Any:
    if not dash:
        return "-"
    numbers = [float(v) / 2.0 for v in dash.split()]
    return (0, tuple(numbers))


def _draw_area(ax: Axes, geom: Any, style: Mapping[str, Any], zorder: float) -> None:
    import numpy as np
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    for polygon in getattr(geom, "geoms", [geom]):
        if polygon.geom_type != "Polygon":
            continue
        rings = [polygon.exterior, *polygon.interiors]
        path = MplPath.make_compound_path(
            *[MplPath(np.asarray(ring.coords)[:, :2], closed=True) for ring in rings]
        )
        fill_opacity = float(style.get("fillOpacity", 0.75))
        ax.add_patch(
            PathPatch(
                path,
                facecolor=style.get("fillColor", "#ffffff") if fill_opacity > 0 else "none",
                alpha=None,
                edgecolor=style.get("color", "#555555"),
                linewidth=float(style.get("weight", 1.0)) * 0.6,
                linestyle="--" if style.get("dashArray") else "-",
                zorder=zorder,
            )
        )


def _draw_line(ax: Axes, geom: Any, style: Mapping[str, Any], zorder: float) -> None:
    import numpy as np

    for line in getattr(geom, "geoms", [geom]):
        xy = np.asarray(line.coords)
        if xy.size == 0:
            continue
        ax.plot(
            xy[:, 0],
            xy[:, 1],
            color=style.get("color", "#333333"),
            linewidth=float(style.get("weight", 2.0)) * 0.6,
            linestyle=_mpl_dash(style.get("dashArray")),
            alpha=float(style.get("opacity", 0.9)),
            solid_capstyle="round",
            zorder=zorder,
        )


def _draw_point(ax: Axes, geom: Any, style: Mapping[str, Any], zorder: float) -> None:
    ax.scatter(
        [geom.x],
        [geom.y],
        s=(float(style.get("radius", 5.0)) * 1.2) ** 2,
        c=[style.get("fillColor", "#fdae61")],
        edgecolors=[style.get("color", "#252525")],
        linewidths=float(style.get("weight", 1.5)) * 0.7,
        zorder=zorder,
    )


def _draw(ax: Axes, kind: str, geom: Any, style: Mapping[str, Any], zorder: float) -> None:
    """Draw one feature by the geometry its registry spec declares (``any``: by its type)."""
    if kind == "any":
        kind = {"Point": "point", "MultiPoint": "point", "LineString": "line"}.get(
            geom.geom_type, "line" if "Line" in geom.geom_type else "area"
        )
    if kind == "point" and geom.geom_type == "MultiPoint":
        for part in geom.geoms:
            _draw_point(ax, part, style, zorder)
        return
    {"area": _draw_area, "line": _draw_line, "point": _draw_point}[kind](ax, geom, style, zorder)


def _legend_handles(plans: Sequence[plan_mod.LegendSection]) -> tuple[list[Any], set[int]]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    headers: set[int] = set()
    for section in plans:
        headers.add(len(handles))
        title = _short(section.title, 110)
        if len(title) > 40 and ": " in title:
            title = title.replace(": ", ":\n", 1)
        handles.append(Patch(facecolor="none", edgecolor="none", label=mpl_text(title)))
        if section.gradient is not None and section.ends is not None:
            colours = section.gradient[0]
            for colour, end in ((colours[0], section.ends[0]), (colours[-1], section.ends[1])):
                handles.append(Patch(facecolor=colour, edgecolor="#555555", label=mpl_text(end)))
        for item in section.items:
            label = mpl_text(_short(item.label, 60))
            if item.kind == "fill":
                handles.append(Patch(facecolor=item.colour, edgecolor="#555555", label=label))
            elif item.kind == "circle":
                handles.append(
                    Line2D(
                        [],
                        [],
                        marker="o",
                        linestyle="none",
                        markerfacecolor=item.colour,
                        markeredgecolor=item.edge,
                        markeredgewidth=item.width * 0.7,
                        markersize=8,
                        label=label,
                    )
                )
            else:
                handles.append(
                    Line2D(
                        [],
                        [],
                        color=item.colour,
                        linewidth=item.width * 0.6,
                        linestyle=_mpl_dash(item.dash),
                        alpha=item.opacity,
                        label=label,
                    )
                )
    return handles, headers


def _plot_labels(ax: Axes, plans: Sequence[plan_mod.LayerPlan], frame_box: list[float]) -> None:
    """Province names (muted capitals) and capital/gateway names, moved apart by adjustText."""
    minx, miny, maxx, maxy = frame_box
    texts = []
    xs, ys = [], []
    points = [
        (x.lon, x.lat)
        for p in plans
        for x in p.labels
        if x.direction == "right" and x.min_zoom == 0
    ]

    def _room(spot: tuple[float, float]) -> float:
        lat, lon = spot
        return min(((lon - px) ** 2 + (lat - py) ** 2 for px, py in points), default=1.0)

    fixed = []
    province_spots: list[tuple[Any, list[tuple[float, float]]]] = []
    for plan in plans:
        for label in plan.labels:
            if label.min_zoom > 0 or not (minx <= label.lon <= maxx and miny <= label.lat <= maxy):
                continue
            if label.css == "uc-label-province":
                # The candidate farthest from the city markers and their labels.
                spots = [(label.lat, label.lon), *label.candidates]
                lat, lon = max(spots, key=lambda spot: (min(_room(spot), 0.04), -spots.index(spot)))
                province_text = ax.text(
                    lon,
                    lat,
                    mpl_text(label.text.upper()),
                    fontsize=8,
                    color="#6b5a48",
                    ha="center",
                    va="center",
                    alpha=0.85,
                    zorder=4,
                )
                fixed.append(province_text)
                province_spots.append((province_text, spots))
                continue
            capital = label.css == "uc-label-capital"
            texts.append(
                ax.text(
                    label.lon + 0.04,
                    label.lat,
                    mpl_text(label.text),
                    fontsize=9 if capital else 7.5,
                    fontweight="bold" if capital else "normal",
                    color="#1a1a1a" if capital else "#08306b",
                    ha="left",
                    va="center",
                    zorder=6,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
                )
            )
            xs.append(label.lon)
            ys.append(label.lat)
    if texts:
        from adjustText import adjust_text

        adjust_text(
            texts,
            x=xs,
            y=ys,
            objects=fixed or None,  # province names stay put; city labels move off them
            ax=ax,
            expand=(1.15, 1.3),
            arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.5},
            ensure_inside_axes=True,
        )
    _move_province_labels(ax, province_spots, texts)


def _move_province_labels(
    ax: Axes, province_spots: Sequence[tuple[Any, list[tuple[float, float]]]], texts: list[Any]
) -> None:
    """Move each province name to its first candidate position clear of the city labels."""
    if not province_spots or not texts:
        return
    figure: Any = ax.figure
    canvas = figure.canvas
    renderer = canvas.get_renderer() if hasattr(canvas, "get_renderer") else figure._get_renderer()
    taken = [t.get_window_extent(renderer).expanded(1.05, 1.15) for t in texts]
    for text, spots in province_spots:
        chosen = text.get_position()
        for lat, lon in spots:
            text.set_position((lon, lat))
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in taken):
                taken.append(box)
                break
        else:
            text.set_position(chosen)  # none is clear: keep the position farthest from cities


def _north_arrow(ax: Axes, lang: i18n.Lang) -> None:
    ax.annotate(
        i18n.text("north", lang),
        xy=(0.035, 0.96),
        xytext=(0.035, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"facecolor": "#222222", "edgecolor": "#222222", "width": 4, "headwidth": 11},
        zorder=8,
    )


def _scale_bar(ax: Axes, mid_lat: float) -> None:
    import math

    from matplotlib_scalebar.scalebar import ScaleBar

    # One data unit is a degree of longitude: 111.32 km x cos(latitude).
    metres = 111_320.0 * math.cos(math.radians(mid_lat))
    ax.add_artist(
        ScaleBar(
            metres,
            units="m",
            location="lower left",
            length_fraction=0.2,
            box_alpha=0.8,
            font_properties={"size": 8},
            rotation="horizontal-only",
        )
    )


def _locator(ax: Axes, frame_box: list[float], lang: i18n.Lang) -> None:
    """Inset map of Viet Nam (bundled provinces) with the region's frame in red."""
    from matplotlib.patches import Rectangle

    try:
        from urbanchain import datasets

        country = datasets.provinces(region=None, vintage=2008)
    except Exception:
        return
    inset = ax.inset_axes((0.78, 0.02, 0.2, 0.38))
    for geom in country.geometry:
        if geom is not None:
            _draw_area(
                inset,
                geom,
                {"fillColor": "#e6e6e0", "color": "#9a9a9a", "weight": 0.4, "fillOpacity": 1},
                1,
            )
    minx, miny, maxx, maxy = frame_box
    inset.add_patch(
        Rectangle(
            (minx, miny), maxx - minx, maxy - miny, fill=False, ec="#b2182b", lw=1.2, zorder=3
        )
    )
    inset.set_xlim(102.0, 110.0)
    inset.set_ylim(8.2, 23.6)
    inset.set_aspect(1.05)
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("#dfe7ec")
    inset.set_title(i18n.text("locator", lang), fontsize=7, pad=2)


def chain_plot(
    chain: Any = None,
    *,
    provinces: gpd.GeoDataFrame | None = None,
    nodes: gpd.GeoDataFrame | None = None,
    corridors: gpd.GeoDataFrame | None = None,
    province_metric: Any = None,
    scheme: str = "quantiles",
    k: int = 5,
    node_metric: Any = None,
    corridor_metric: Any = None,
    title: str | None = None,
    vintages: Sequence[int] = (2025,),
    provinces_2008: gpd.GeoDataFrame | None = None,
    units: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 8.0),
    lang: i18n.Lang = "en",
    subtitle: str | None = None,
    paper: Literal["A4", "A3"] | None = None,
    labels: bool = True,
    context: bool | gpd.GeoDataFrame | None = None,
    extra_layers: Sequence[Any] | None = None,
    locator: bool = True,
    footer: bool = True,
) -> Figure:
    """Draw the same picture as :func:`chain_map` as a print-quality matplotlib figure.

    The figure carries a title and subtitle, province and capital/gateway labels
    moved apart with adjustText, a legend, a scale bar (matplotlib-scalebar), a north
    arrow, a locator inset of Viet Nam (from the bundled provinces) and a footer with
    the sources and caveats. It is created with :class:`matplotlib.figure.Figure`
    directly (no pyplot, no change to the global backend), so it is safe on servers;
    save it with ``fig.savefig("map.png", dpi=200)``, ``"map.svg"`` or ``"map.pdf"``.

    Parameters
    ----------
    chain, provinces, nodes, corridors, province_metric, scheme, k, node_metric, corridor_metric, title, vintages, provinces_2008, units, lang, labels, context, extra_layers
        As in :func:`chain_map`.
    ax
        Axes to draw on; a new figure is created when None (then ``paper`` or
        ``figsize`` sets its size).
    figsize
        Size in inches of a new figure when ``paper`` is None.
    subtitle
        Second line under the title.
    paper
        ``"A4"`` or ``"A3"``: landscape page size for printing.
    locator, footer
        Draw the locator inset and the source/caveat footer.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (that of ``ax`` when given).

    Raises
    ------
    ValidationError
        As in :func:`chain_map`, or for an unknown ``paper``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbanchain.maps import chain_plot
    >>> nodes = gpd.GeoDataFrame({"node_id": ["a"], "name": ["A"], "kind": ["city"]},
    ...     geometry=[Point(105.8, 21.0)], crs="EPSG:4326")
    >>> fig = chain_plot(nodes=nodes, title="Delta", locator=False)
    >>> fig.axes[0].get_title()
    'Delta'
    """
    import math

    from matplotlib.figure import Figure

    lang = _check_options(lang, "curated")
    if paper is not None and paper not in PAPER_SIZES:
        msg = f'paper must be "A4" or "A3" (landscape); got {paper!r}.'
        raise ValidationError(msg)
    layers = _layers(
        chain,
        provinces=provinces,
        nodes=nodes,
        corridors=corridors,
        provinces_2008=provinces_2008,
    )
    ctx = plan_mod.PlanContext(lang=lang, units=units, labels=labels)
    with _warnings_at_caller():
        plans = _plans(
            layers,
            vintages=vintages,
            province_metric=province_metric,
            scheme=scheme,
            k=k,
            node_metric=node_metric,
            corridor_metric=corridor_metric,
            units=units,
            layer_names=None,
            ctx=ctx,
            extra_layers=extra_layers,
            context=_auto_context(chain, context),
        )
        if ax is None:
            size = PAPER_SIZES[paper] if paper is not None else figsize
            fig: Any = Figure(figsize=size, layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        ax.set_facecolor(_BACKGROUND)
        region: list[float] | None = None
        everything: list[float] | None = None
        for plan in plans:
            rows, _ = plan_mod.drawable(plan)
            geometry = plan.frame.geometry if rows else None
            layer_spec = plan.spec
            for row in rows:
                assert geometry is not None
                geom = geometry.iloc[row]
                bounds = [float(v) for v in geom.bounds]
                if plan.kind == "provinces":
                    region = _union_bounds(region, bounds)
                if plan.kind != "context":
                    everything = _union_bounds(everything, bounds)
                _draw(ax, layer_spec.geometry, geom, plan.styles[row], layer_spec.z_index / 100)
        box = region or everything
        if box is not None:
            pad_x = max((box[2] - box[0]) * 0.04, 0.05)
            pad_y = max((box[3] - box[1]) * 0.04, 0.05)
            box = [box[0] - pad_x, box[1] - pad_y, box[2] + pad_x, box[3] + pad_y]
            mid = (box[1] + box[3]) / 2
            ax.set_xlim(box[0], box[2])
            ax.set_ylim(box[1], box[3])
            ax.set_autoscaley_on(True)  # the page aspect may widen the frame north-south
            # datalim: the frame grows to fill the page instead of leaving it empty.
            ax.set_aspect(1 / max(math.cos(math.radians(mid)), 0.1), adjustable="datalim")
            _quiet_datalim()
            if labels:
                _plot_labels(ax, plans, box)
            _scale_bar(ax, mid)
            _north_arrow(ax, lang)
            if locator:
                _locator(ax, box, lang)
        sections = [section for plan in plans for section in plan.legend]
        handles, headers = _legend_handles(sections)
        if handles:
            legend = ax.legend(
                handles=handles,
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                fontsize=7.5,
                frameon=False,
            )
            for number, text in enumerate(legend.get_texts()):
                if number in headers:
                    text.set_fontweight("bold")
        ax.set_xticks([])
        ax.set_yticks([])
        if title:
            ax.set_title(mpl_text(_short(title, 120)), fontsize=15, fontweight="bold", pad=18)
        if subtitle:
            ax.annotate(
                mpl_text(_short(subtitle, 160)),
                xy=(0.5, 1.0),
                xycoords="axes fraction",
                xytext=(0, 5),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9.5,
                color="#444444",
            )
        if footer:
            from urbanchain import __version__

            source = i18n.text(
                "footer_source",
                lang,
                version=__version__,
                attribution=i18n.text("attribution", lang),
            )
            notes = " ".join(
                [
                    i18n.text("corridor_note", lang) + ".",
                    i18n.text("polygon_note", lang) + ".",
                    i18n.text("footer_caveat", lang),
                ]
            )
            ax.text(
                0.0,
                -0.015,
                mpl_text(f"{source}\n{notes}"),
                transform=ax.transAxes,
                fontsize=6.5,
                va="top",
                ha="left",
                color="#444444",
                wrap=True,
            )
    return fig


# --------------------------------------------------------------------------- world access
# The chain's links to the world hubs (issue 20): the implementation is in maps/_world.py.
from urbanchain.maps._world import MAIN_HUBS, WORLD_ATTRIBUTION, world_map, world_plot  # noqa: E402

__all__ += ["MAIN_HUBS", "WORLD_ATTRIBUTION", "world_map", "world_plot"]

# --- readiness (issue 22): the choropleth and "ready vs connected" live in _readiness.py
from urbanchain.maps._readiness import (  # noqa: E402 - after the helpers it uses lazily
    readiness_map,
    ready_connected_map,
    ready_connected_plot,
)
