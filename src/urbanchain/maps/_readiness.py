"""Readiness on the map: a choropleth per vintage and the "ready vs connected" view.

* :func:`readiness_map` - provinces coloured by one readiness score (DTI, PCI or PAPI,
  one component, one year) for the 2008-2025 provinces or the 2025 units, with a
  legend naming the index, component, year and source; "no data" is hatched grey,
  never a low class; 2025 values aggregated from the old provinces are marked derived.
* :func:`ready_connected_map` / :func:`ready_connected_plot` - the "ready vs connected"
  table of :func:`urbanchain.metrics.ready_vs_connected` (each capital's connectivity
  against its province's readiness, classed by chain medians) as a map layer coloured
  by class and as a quadrant chart (matplotlib, labels placed by adjustText).

Every visible string is in :mod:`urbanchain.maps._i18n` (keys ``rd_*``), Vietnamese
and English; user text (titles, names, sources of a user table) is escaped like
every other map string.  folium and matplotlib are imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from urbanchain.errors import ValidationError
from urbanchain.maps import _i18n as i18n
from urbanchain.maps import _plan as plan_mod

if TYPE_CHECKING:
    import folium
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "HATCH",
    "QUADRANT_COLOURS",
    "readiness_map",
    "ready_connected_map",
    "ready_connected_plot",
]

#: Class colours (Okabe-Ito, colour-blind safe); "no data" is the maps' grey.
QUADRANT_COLOURS = {
    "connected_ready": "#009e73",
    "connected_not_ready": "#e69f00",
    "ready_not_connected": "#0072b2",
    "neither": "#d55e00",
    "no_data": "#bdbdbd",
}

#: Fill of "no data" provinces (an SVG pattern defined on the page) and its legend swatch.
HATCH = "url(#uc-hatch)"
_HATCH_SWATCH = "repeating-linear-gradient(45deg,#9a9a9a 0 2px,#ececec 2px 6px)"


_HATCH_SVG = (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>'
    '<pattern id="uc-hatch" patternUnits="userSpaceOnUse" width="7" height="7" '
    'patternTransform="rotate(45)"><rect width="7" height="7" fill="#ececec"/>'
    '<line x1="0" y1="0" x2="0" y2="7" stroke="#9a9a9a" stroke-width="2.5"/></pattern>'
    "</defs></svg>"
)


def _hatch_pattern() -> Any:
    """Return an element defining the ``uc-hatch`` SVG pattern (static, no data in it)."""
    from folium.template import Template

    from urbanchain.maps import _template_free as tf

    class HatchPattern(tf.TemplateFree):
        _template = Template("{% macro html(this, kwargs) %}" + _HATCH_SVG + "{% endmacro %}")

        def __init__(self) -> None:
            super().__init__()
            self._name = "UcHatch"

    return HatchPattern()


def _index_name(index: str, lang: i18n.Lang) -> str:
    return i18n.text(f"rd_index_{index}", lang)


def _component_name(component: str, lang: i18n.Lang) -> str:
    key = f"rd_component_{component}"
    if key in i18n.MESSAGES:
        return i18n.text(key, lang)
    return i18n.text("rd_component", lang, name=component.replace("_", " "))


def _unit_text(unit: str, lang: i18n.Lang) -> str:
    key = f"rd_unit_{unit}"
    return i18n.text(key, lang) if key in i18n.MESSAGES else unit


def _source_line(index: str, keys: Sequence[str], *, user: bool, lang: i18n.Lang) -> str:
    """'Source: <index owner>; values from <publisher (key)>' in ``lang``."""
    found = _source_text(keys, user=user, lang=lang) or i18n.text("no_data", lang)
    if user:
        return i18n.text("rd_source", lang, sources=found)
    owner = i18n.text(f"rd_owner_{index}", lang)
    if not keys:
        return i18n.text("rd_source_none", lang, owner=owner)
    return i18n.text("rd_source_owner", lang, owner=owner, sources=found)


def _source_text(keys: Sequence[str], *, user: bool, lang: i18n.Lang = "en") -> str:
    """Return publisher and key of each source (``readiness.sources()``), e.g. 'VCCI (R10)'.

    The registry's publisher notes in brackets are English; the Vietnamese text drops
    them, or uses the bracket instead when it holds the Vietnamese name.
    """
    if user:
        return "; ".join(keys)
    from urbanchain import readiness

    table = readiness.sources().set_index("key")
    parts = []
    for key in keys:
        if key in table.index:
            publisher = str(table.loc[key, "publisher"])
            if lang == "vi" and " (" in publisher:
                name, note = publisher.split(" (", maxsplit=1)
                # a Vietnamese name in brackets ("... (Bộ TT&TT)") replaces the English one
                publisher = note.rstrip(")") if not note.isascii() else name
            parts.append(f"{publisher} ({key})")
        else:
            parts.append(key)
    return "; ".join(parts)


def _province_frame(chain: Any, vintage: int) -> Any:
    attr = "provinces_2008" if vintage == 2008 else "provinces"
    frame = getattr(chain, attr, None)
    if frame is None or "code" not in getattr(frame, "columns", ()):
        msg = (
            f"readiness_map(vintage={vintage}) needs the chain's {attr} layer with a 'code' "
            "column (a chain from UrbanChain.from_region has both vintages)."
        )
        raise ValidationError(msg)
    return frame


def _year_rule_text(rule: str, lang: i18n.Lang) -> str:
    if rule.startswith("most recent"):
        return i18n.text("rd_year_full", lang)
    if rule == "year given":
        return i18n.text("rd_year_given", lang)
    if rule.startswith("no 2025 unit"):
        return i18n.text("rd_year_fallback", lang)
    return i18n.text("rd_year_partial", lang)


def readiness_map(
    chain: Any,
    *,
    index: str = "pci",
    component: str = "overall",
    year: int | None = None,
    vintage: int = 2008,
    lang: i18n.Lang = "en",
    weights: str | Mapping[str, float] = "population",
    data: pd.DataFrame | None = None,
    title: str | None = None,
    scheme: str = "quantiles",
    k: int = 5,
    offline: bool = True,
    width: str | int = "100%",
    height: str | int = "100%",
) -> folium.Map:
    """Draw a readiness choropleth of a chain's provinces (offline Folium map).

    Provinces are coloured by the published score of one index component in one
    year (darker = higher; classes by ``scheme``); a province without a score is
    hatched grey and reads "no data", never a low class.  The legend names the index,
    component, year, coverage and source; on the 2025 units, values aggregated from
    the old provinces are marked derived (population-weighted means by default).
    Capitals are drawn for orientation.

    Parameters
    ----------
    chain
        A chain (e.g. ``UrbanChain.from_region(...)``) with ``provinces_2008`` and/or
        ``provinces`` and ``nodes``.
    index
        ``"pci"`` (default: the only index with every province scored over many
        years), ``"papi"`` or ``"dti"`` (:data:`urbanchain.readiness.INDICES`).
    component
        ``"overall"`` or a pillar / sub-index (PAPI's published total is
        ``"unweighted_total"`` for 2011-2016).
    year
        Edition year; default the most recent year with a score for every province of
        the region, else the year covering the most (latest on ties).
    vintage
        ``2008`` (63 provinces, 2008 - June 2025) or ``2025`` (34 units).
    lang
        ``"vi"`` or ``"en"``.
    weights, data
        As in :func:`urbanchain.readiness.select_values`.
    title
        Title over the map (default: region, index, year and vintage).
    scheme, k
        mapclassify scheme and number of classes (as :func:`chain_map`).
    offline
        Inline Leaflet and draw no tiles (default); required for briefs.
    width, height
        Size of the map element.

    Returns
    -------
    folium.Map
        Save it with :func:`urbanchain.maps.save`.

    Raises
    ------
    ValidationError
        Missing province layer, no scores, or bad map options.
    UnknownNameError
        Unknown index, component, vintage or scheme.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.maps import readiness_map, render_html
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> html = render_html(readiness_map(chain, lang="vi"))
    >>> "PCI" in html and "uc-hatch" in html
    True
    """
    import pandas as pd

    from urbanchain import readiness
    from urbanchain.maps import _build_map, _plans
    from urbanchain.maps._html import escape_html

    lang = i18n.check_lang(lang)
    values = readiness.chain_values(
        chain,
        index=index,
        component=component,
        year=year,
        vintage=vintage,
        weights=weights,
        data=data,
    )
    a = values.attrs
    frame = _province_frame(chain, vintage)
    legend_name = i18n.text(
        "rd_legend",
        lang,
        index=_index_name(index, lang),
        component=_component_name(component, lang),
        year=a["year"],
    )
    if a["unit"]:
        legend_name += f" ({_unit_text(a['unit'], lang)})"
    series = pd.Series(values["score"].to_numpy(), index=values.index, name=legend_name)
    region = (
        i18n.region_name(getattr(chain, "region", None), lang)
        if getattr(chain, "region", None)
        else ""
    )
    heading = title or i18n.text(
        "rd_title",
        lang,
        region=region or "urbanchain",
        index=index.upper(),
        year=a["year"],
        vintage=i18n.text(f"vintage_{vintage}", lang),
    )
    nodes = getattr(chain, "nodes", None)
    capitals = getattr(chain, "capitals", None)
    if nodes is not None and capitals is not None and "node_id" in nodes.columns:
        nodes = nodes[nodes["node_id"].isin(list(capitals))]
    layers = {
        "provinces": frame if vintage == 2025 else None,
        "provinces_2008": frame if vintage == 2008 else None,
        "nodes": nodes,
        "corridors": None,
    }
    ctx = plan_mod.PlanContext(lang=lang, labels=True)
    plans = _plans(
        layers,
        vintages=(vintage,),
        province_metric=series,
        scheme=scheme,
        k=k,
        node_metric=None,
        corridor_metric=None,
        units=None,
        layer_names=None,
        ctx=ctx,
        context=bool(getattr(chain, "region", None)),
    )
    province = next(p for p in plans if p.kind == "provinces")
    score_of = dict(zip(values.index, values["score"], strict=True))
    notes = dict(zip(values.index, values["note"], strict=True))
    no_data = i18n.text("no_data", lang)
    for row, code in enumerate(province.ids):
        value = score_of.get(str(code))
        if value is None or (isinstance(value, float) and math.isnan(value)):
            province.styles[row]["fillColor"] = HATCH
            province.styles[row]["fillOpacity"] = 0.9
            why = str(notes.get(str(code)) or "")
            province.tooltips[row] = province.tooltips[row].replace(
                escape_html(no_data),
                escape_html(f"{no_data}: {why}" if why else no_data),
                1,
            )
    for section in province.legend:
        for item in section.items:
            if item.label == no_data:
                item.colour = _HATCH_SWATCH
    have, total = a["coverage"]
    source = _source_line(index, a["sources"], user=data is not None, lang=lang)
    extra = [
        i18n.text("rd_coverage", lang, have=have, total=total)
        + f" · {a['year']}: {_year_rule_text(a['year_rule'], lang)}",
        source,
    ]
    if vintage == 2025 and a["derived"]:
        extra.append(i18n.text("rd_derived", lang))
    if vintage == 2025 and have == 0:
        extra.append(i18n.text("rd_no_weights", lang))
    province.legend.append(
        plan_mod.LegendSection(
            title=extra[0],
            items=[plan_mod.LegendItem(kind="note", label=x, colour="") for x in extra[1:]],
        )
    )
    province.name = legend_name
    m = _build_map(
        plans,
        title=heading,
        tiles=None,
        offline=offline,
        attribution=None,  # the legend names the source (a long attribution hides the scale)
        width=width,
        height=height,
        lang=lang,
    )
    m.add_child(_hatch_pattern())
    return m


def _two(value: Any, lang: i18n.Lang) -> str:
    """Exactly two decimals by locale (a value at the median must read as such)."""
    from babel.numbers import format_decimal

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return i18n.text("no_data", lang)
    return str(format_decimal(float(value), format="#,##0.00", locale=i18n._LOCALES[lang]))


def _indicator_text(a: Mapping[Any, Any], lang: i18n.Lang) -> str:
    """Return the indicator a readiness table holds (index, component, year), in ``lang``."""
    return i18n.text(
        "rd_legend",
        lang,
        index=str(a.get("index", "")).upper(),
        component=_component_name(str(a.get("component", "overall")), lang),
        year=a.get("year", ""),
    )


def _rule_text(table: pd.DataFrame, lang: i18n.Lang) -> str:
    a = table.attrs
    indicator = _indicator_text(a, lang)
    return i18n.text(
        "rd_rule",
        lang,
        connected=_two(a["connected_at"], lang),
        readiness=indicator,
        ready=_two(a["ready_at"], lang),
    )


def ready_connected_map(
    chain: Any,
    *,
    table: pd.DataFrame | None = None,
    lang: i18n.Lang = "en",
    title: str | None = None,
    offline: bool = True,
    width: str | int = "100%",
    height: str | int = "100%",
    **options: Any,
) -> folium.Map:
    """Map the capitals coloured by their "ready vs connected" class.

    Parameters
    ----------
    chain
        A chain with ``nodes`` (and province layers drawn as the base).
    table
        The output of :func:`urbanchain.metrics.ready_vs_connected` (computed with
        ``options`` if None).
    lang, title, offline, width, height
        As in :func:`readiness_map`.
    **options
        Passed to :func:`urbanchain.metrics.ready_vs_connected` when ``table`` is None.

    Returns
    -------
    folium.Map

    Raises
    ------
    ValidationError
        A table without the ``quadrant`` column, or nodes without geometry.
    """
    import geopandas as gpd

    from urbanchain.maps import _build_map, _plans
    from urbanchain.maps import _style as st

    lang = i18n.check_lang(lang)
    if table is None:
        from urbanchain import metrics

        table = metrics.ready_vs_connected(chain, **options)
    if "quadrant" not in table.columns:
        msg = (
            "table must be the output of metrics.ready_vs_connected (it has no 'quadrant' column)."
        )
        raise ValidationError(msg)
    nodes = plan_mod.to_lonlat(chain.nodes, layer="nodes").set_index("node_id", drop=False)
    ids = [v for v in table.index if v in nodes.index]
    frame = gpd.GeoDataFrame(nodes.loc[ids], geometry=nodes.geometry.name, crs=nodes.crs)
    region = getattr(chain, "region", None)
    heading = title or i18n.text(
        "rd_quadrant_title", lang, region=i18n.region_name(region, lang) if region else ""
    )
    provinces_2008 = getattr(chain, "provinces_2008", None)
    layers = {
        "provinces": None if provinces_2008 is not None else getattr(chain, "provinces", None),
        "provinces_2008": provinces_2008,
        "nodes": None,
        "corridors": None,
    }
    ctx = plan_mod.PlanContext(lang=lang, labels=True)
    plans = _plans(
        layers,
        vintages=(2008,) if provinces_2008 is not None else (2025,),
        province_metric=None,
        scheme="quantiles",
        k=5,
        node_metric=None,
        corridor_metric=None,
        units=None,
        layer_names=None,
        ctx=ctx,
        context=bool(region),
    )
    conn_label = i18n.text("rd_connectivity_short", lang)
    ready_label = i18n.text("rd_readiness_short", lang)
    styles, tooltips, popups, labels = [], [], [], []
    for node_id in ids:
        row = table.loc[node_id]
        q = str(row["quadrant"])
        styles.append(
            {
                "color": "#252525",
                "weight": 1.5,
                "opacity": 1.0,
                "fillColor": QUADRANT_COLOURS[q],
                "fillOpacity": 0.95,
                "radius": 9.0,
                "className": f"uc-extra uc-quadrant uc-quadrant-{q}",
            }
        )
        lines = [
            (i18n.text("rd_class", lang), i18n.text(f"rd_q_{q}", lang)),
            (conn_label, _two(row["connectivity"], lang)),
            (ready_label, _two(row["readiness"], lang)),
        ]
        name = str(row["name"])
        tooltips.append(st.tooltip_html(name, lines))
        popups.append(
            st.curated_popup_html(
                name, facts=lines, metrics=[], sources=[], details=None, units={}, lang=lang
            )
        )
        geom = frame.geometry.loc[node_id]
        labels.append(
            plan_mod.Label(float(geom.y), float(geom.x), name, 0, 0, "uc-label-capital", "right")
        )
    section = plan_mod.LegendSection(title=i18n.text("rd_quadrant_legend", lang))
    for q, colour in QUADRANT_COLOURS.items():
        if q == "no_data" and "no_data" not in set(table["quadrant"]):
            continue
        section.items.append(
            plan_mod.LegendItem(kind="circle", label=i18n.text(f"rd_q_{q}", lang), colour=colour)
        )
    sources = table.attrs.get("sources") or []
    source = _source_line(str(table.attrs.get("index", "pci")), sources, user=False, lang=lang)
    rule = plan_mod.LegendSection(
        title="",
        items=[
            plan_mod.LegendItem(kind="note", label=_rule_text(table, lang), colour=""),
            plan_mod.LegendItem(kind="note", label=source, colour=""),
        ],
    )
    plans.append(
        plan_mod.LayerPlan(
            "extra",
            i18n.text("rd_quadrant_legend", lang),
            frame,
            [str(v) for v in ids],
            styles,
            tooltips,
            popups,
            [section, rule],
            "uc-extra",
            labels=labels,
        )
    )
    return _build_map(
        plans,
        title=heading,
        tiles=None,
        offline=offline,
        attribution=None,
        width=width,
        height=height,
        lang=lang,
    )


def ready_connected_plot(
    table: pd.DataFrame, *, lang: i18n.Lang = "en", title: str | None = None
) -> Figure:
    """Draw the quadrant chart of a "ready vs connected" table (connectivity across).

    The table is the output of :func:`urbanchain.metrics.ready_vs_connected`;
    readiness goes up the chart.

    The dashed lines are the thresholds (``table.attrs``); each capital is a dot
    coloured by class with its name placed clear of the others (adjustText).  Capitals
    without data are listed under the chart, not plotted.

    Parameters
    ----------
    table
        The output of :func:`urbanchain.metrics.ready_vs_connected`.
    lang
        ``"vi"`` or ``"en"``.
    title
        Chart title (default: the rule's indicator).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from adjustText import adjust_text
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from urbanchain.maps._html import mpl_text

    lang = i18n.check_lang(lang)
    a = table.attrs
    fig = Figure(figsize=(7.4, 5.6), layout="constrained")
    ax = fig.add_subplot()
    shown = table[table["quadrant"] != "no_data"]
    ax.axvline(float(a["connected_at"]), color="#777777", lw=1, ls="--", zorder=1)
    ax.axhline(float(a["ready_at"]), color="#777777", lw=1, ls="--", zorder=1)
    ax.scatter(
        shown["connectivity"],
        shown["readiness"],
        c=[QUADRANT_COLOURS[str(q)] for q in shown["quadrant"]],
        s=70,
        edgecolors="#252525",
        linewidths=0.8,
        zorder=3,
    )
    texts = [
        ax.text(float(x), float(y), mpl_text(str(n)), fontsize=9, zorder=4)
        for x, y, n in zip(shown["connectivity"], shown["readiness"], shown["name"], strict=True)
    ]
    indicator = _indicator_text(a, lang)
    ax.set_xlabel(mpl_text(i18n.text("rd_connectivity", lang)), fontsize=10)
    unit = f" ({_unit_text(str(a['unit']), lang)})" if a.get("unit") else ""
    ax.set_ylabel(mpl_text(indicator + unit), fontsize=10)
    ax.set_title(mpl_text(title or i18n.text("rd_chart", lang)), fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    if len(shown):
        xs, ys = shown["connectivity"].astype(float), shown["readiness"].astype(float)
        dx = (xs.max() - xs.min()) or 1.0
        dy = (ys.max() - ys.min()) or 1.0
        ax.set_xlim(xs.min() - 0.08 * dx, xs.max() + 0.2 * dx)
        ax.set_ylim(ys.min() - 0.1 * dy, ys.max() + 0.12 * dy)
    corners = (
        ("connected_ready", 0.99, 0.99, "right", "top"),
        ("ready_not_connected", 0.01, 0.99, "left", "top"),
        ("connected_not_ready", 0.99, 0.01, "right", "bottom"),
        ("neither", 0.01, 0.01, "left", "bottom"),
    )
    for q, x, y, ha, va in corners:
        ax.text(
            x,
            y,
            mpl_text(i18n.text(f"rd_q_{q}", lang)),
            transform=ax.transAxes,
            ha=ha,
            va=va,
            fontsize=8,
            color=QUADRANT_COLOURS[q],
            fontweight="bold",
            alpha=0.85,
            zorder=2,
        )
    if texts:
        adjust_text(
            texts,
            ax=ax,
            expand=(1.3, 1.5),
            arrowprops={"arrowstyle": "-", "color": "#888888", "lw": 0.6},
        )
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markersize=8,
            markerfacecolor=QUADRANT_COLOURS[q],
            markeredgecolor="#252525",
            label=mpl_text(i18n.text(f"rd_q_{q}", lang)),
        )
        for q in QUADRANT_COLOURS
        if q != "no_data"
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8.5, frameon=False)
    missing = table[table["quadrant"] == "no_data"]
    if len(missing):
        fig.text(
            0.01,
            0.005,
            mpl_text(i18n.text("rd_q_no_data", lang) + ": " + ", ".join(map(str, missing["name"]))),
            fontsize=8,
            color="#555555",
        )
    return fig
