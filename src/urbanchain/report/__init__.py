"""Decision briefs: one self-contained, offline HTML page per chain (and scenario).

:func:`brief` assembles the map, the key tables (travel times, gateway access, the
most critical corridors, each capital's best route to the main world hubs with the world
map -- :mod:`urbanchain.report._world` --, scenario gains) with names and units, a few charts
(matplotlib PNGs embedded as ``data:`` URIs), the methods in plain words, the
caveats and the sources, in Vietnamese or English.

Safety: the page is rendered by Jinja2 with autoescaping from a static template
shipped in the package (``report/templates/brief.html``); data enters only as
context values, never as template source. The interactive map sits in an
``<iframe srcdoc>`` whose attribute value is escaped the same way.
"""

from __future__ import annotations

import base64
import io
import logging
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from urbanchain.errors import ValidationError
from urbanchain.maps import _i18n as i18n

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

__all__ = ["brief", "key_tables"]

_TEMPLATE = "brief.html"


def key_tables(chain: Any) -> dict[str, pd.DataFrame]:
    """Compute the tables a brief shows: OD times, gateway access, corridor criticality.

    Parameters
    ----------
    chain
        An :class:`urbanchain.UrbanChain`.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``od_time_min`` (capitals x capitals), ``gateway_access`` and
        ``corridor_criticality`` (real corridors only, not access links).
    """
    import pandas as pd

    from urbanchain import metrics

    G = chain.graph
    capitals = chain.capitals
    mass = "province_population" if "province_population" in chain.nodes.columns else "population"
    with_mass = [v for v in capitals if pd.notna(G.nodes[v].get(mass))]
    return {
        "od_time_min": metrics.od_matrix(G, sources=capitals, targets=capitals),
        "gateway_access": metrics.gateway_access(G),
        # every corridor of the year's graph; access links and transfers are never ranked
        "corridor_criticality": metrics.corridor_criticality(
            G, mass=mass, destinations=with_mass
        ),
    }


def _other_chain(scenario: Any, lang: i18n.Lang) -> tuple[Any, str] | None:
    """Return the scenario as (chain, name): a TOML file, a Scenario or a chain."""
    if scenario is None:
        return None
    from urbanchain.chain import UrbanChain
    from urbanchain.scenarios import Scenario, load_scenario

    if isinstance(scenario, str | Path):
        loaded = load_scenario(scenario)
        return loaded.scenario.chain, loaded.title or i18n.text("scenario_default", lang)
    if isinstance(scenario, Scenario):
        return scenario.chain, i18n.text("scenario_default", lang)
    if isinstance(scenario, UrbanChain):
        name = i18n.text("other", lang)
        return scenario, f"{name} {scenario.year}" if scenario.year else name
    msg = (
        "scenario must be a scenario TOML file, a urbanchain.scenarios.Scenario or an "
        f"UrbanChain; got {type(scenario).__name__}."
    )
    raise ValidationError(msg)


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _bar_chart(
    labels: list[str], values: list[float], *, title: str, lang: i18n.Lang, colour: str
) -> str:
    from matplotlib.figure import Figure

    from urbanchain.maps._html import mpl_text

    fig = Figure(figsize=(6.2, 0.42 * max(len(labels), 3) + 0.9), layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, values, color=colour)
    ax.set_yticks(positions, [mpl_text(x) for x in labels], fontsize=9)
    # a missing value (NaN, e.g. criticality without sourced masses) reads "no data"
    finite = [v for v in values if math.isfinite(v)]
    for y, value in zip(positions, values, strict=True):
        if value in finite:
            ax.text(value, y, " " + i18n.format_number(value, lang), va="center", fontsize=8)
        else:
            ax.text(0, y, " " + i18n.text("no_data", lang), va="center", fontsize=8)
    ax.set_title(mpl_text(title), fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(finite, default=1.0) * 1.18 or 1.0)
    ax.tick_params(axis="x", labelsize=8)
    return _png(fig)


def _minutes(value: Any, lang: i18n.Lang) -> str:
    return i18n.format_value(value, "min", lang)


def brief(
    chain: Any,
    *,
    scenario: Any = None,
    lang: i18n.Lang = "vi",
    path: str | Path | None = None,
    title: str | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    static_map: bool = True,
    readiness: bool = True,
) -> str:
    """Write a decision brief: map, key tables, charts, methods, caveats, sources.

    Parameters
    ----------
    chain
        An :class:`urbanchain.UrbanChain` (e.g. ``UrbanChain.from_region(...)``).
    scenario
        Optional scenario: a TOML file (see :func:`urbanchain.scenarios.load_scenario`),
        a :class:`~urbanchain.scenarios.Scenario` or another chain. Adds the
        scenario's gains (capital-to-capital minutes saved) and a before/after diff.
    lang
        ``"vi"`` (default) or ``"en"``.
    path
        When given, the page is written there (atomically, UTF-8).
    title
        Heading; by default "<region>: transport connections in <year>".
    tables
        Precomputed :func:`key_tables` (saves recomputing them).
    static_map
        Embed a print version of the map (shown when the page is printed).
    readiness
        Add the "ready vs connected" section (issue 22): each capital's connectivity
        against its province's readiness (PCI, most recent year covering the region),
        as a quadrant chart and a table (:func:`urbanchain.maps.ready_vs_connected`).

    Returns
    -------
    str
        The HTML page; it loads nothing over the network.

    Raises
    ------
    ValidationError
        For an unknown ``lang`` or ``scenario`` type.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.report import brief
    >>> page = brief(UrbanChain.from_region("red_river_delta", year=2025), static_map=False)
    >>> "Thời gian đi giữa các tỉnh lỵ" in page and "https://cdn" not in page
    True
    """
    import jinja2

    from urbanchain import __version__, maps
    from urbanchain._private._atomic import atomic_write_text
    from urbanchain.maps._offline import find_remote_assets

    lang = i18n.check_lang(lang)
    found = dict(tables) if tables is not None else key_tables(chain)
    names = _node_names(chain, lang)
    region = _region_name(chain, lang)
    heading = title or i18n.text("brief_title", lang, region=region, year=chain.year)
    other = _other_chain(scenario, lang)
    gateway = found["gateway_access"]
    critical = found["corridor_criticality"].sort_values("efficiency_loss_rel", ascending=False)
    findings = _findings(gateway, critical, names, chain, lang)
    sections = [
        _travel_table(found["od_time_min"], names, lang),
        _gateway_table(gateway, names, lang),
        _critical_table(critical.head(6), chain, lang),
    ]
    charts = [
        {
            "alt": i18n.text("chart_seaport", lang),
            "src": _bar_chart(
                [names.get(str(v), str(v)) for v in gateway.sort_values("seaport_min").index],
                [float(v) for v in gateway["seaport_min"].sort_values()],
                title=i18n.text("chart_seaport", lang),
                lang=lang,
                colour="#1f78b4",
            ),
        },
        {
            "alt": i18n.text("chart_critical", lang),
            "src": _bar_chart(
                [_corridor_name(chain, c, lang) for c in critical.head(6).index],
                [float(v) * 100 for v in critical.head(6)["efficiency_loss_rel"]],
                title=i18n.text("chart_critical", lang),
                lang=lang,
                colour="#d7301f",
            ),
        },
    ]
    node_metric = gateway["seaport_min"]
    m = maps.chain_map(
        chain,
        vintages=(2008, 2025) if (chain.year or 0) >= 2025 else (2008,),
        node_metric=node_metric,
        title=heading,
        lang=lang,
    )
    # --- world access (issue 20): each capital's best route to the main hubs, world map
    from urbanchain.report import _world

    world_rows, world_map = _world.world_section(
        chain, access=found.get("world_access"), names=names, lang=lang, static_map=static_map
    )
    world_rows.pop("cells")
    world_rows.pop("columns")
    sections.append(world_rows)
    # --- end world access
    if other is not None:
        gains, chart, line = _gains(chain, other, names, lang)
        sections.append(gains)
        if chart is not None:
            charts.append(chart)
        findings.append(line)
    map_png = None
    if static_map:
        fig = maps.chain_plot(
            chain,
            vintages=(2008, 2025) if (chain.year or 0) >= 2025 else (2008,),
            node_metric=node_metric,
            title=heading,
            lang=lang,
            paper="A4",
        )
        map_png = _png(fig)
    # --- readiness (issue 22): the "ready vs connected" section
    ready_block = None
    if readiness:
        from urbanchain.report._readiness import readiness_section

        ready_block = readiness_section(chain, lang=lang, score=found.get("chain_score"))
    # --- end readiness
    t = {
        key: i18n.text(f"brief_{key}", lang)
        for key in (
            "findings",
            "map",
            "map_note",
            "methods",
            "methods_text",
            "caveats",
            "sources",
            "print",
        )
    }
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("urbanchain.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    page = environment.get_template(_TEMPLATE).render(
        lang=lang,
        title=heading,
        subtitle=i18n.text("brief_subtitle", lang, version=__version__),
        findings=findings,
        map_html=maps.render_html(m),
        map_png=map_png,
        tables=sections,
        charts=charts,
        readiness=ready_block,
        caveats=[
            i18n.text(f"brief_caveat_{key}", lang) for key in ("schematic", "polygons", "missing")
        ],
        sources=[
            i18n.text("brief_source_boundaries", lang),
            i18n.text("brief_source_data", lang),
            i18n.text("brief_world_sources", lang),
        ],
        world=world_map,
        t=t,
    )
    remote = find_remote_assets(page)
    if remote:  # pragma: no cover - the template and the map are offline
        msg = f"The brief would load {len(remote)} asset(s) over the network: {remote[:3]}."
        raise ValidationError(msg)
    if path is not None:
        atomic_write_text(Path(path), page)
        logger.info("Wrote the %s brief to %s", lang, path)
    return page


def _display_name(row: Any, lang: i18n.Lang) -> str | None:
    """``name_en`` on an English brief when the layer has one, else ``name``."""
    if lang == "en":
        english = row.get("name_en")
        if isinstance(english, str) and english:
            return english
    name = row.get("name")
    return name if isinstance(name, str) and name else None


def _node_names(chain: Any, lang: i18n.Lang) -> dict[str, str]:
    nodes = chain.nodes
    out: dict[str, str] = {}
    for _, row in nodes.iterrows():
        out[str(row["node_id"])] = _display_name(row, lang) or str(row["node_id"])
    return out


def _region_name(chain: Any, lang: i18n.Lang) -> str:
    return i18n.region_name(getattr(chain, "region", None), lang)


def _corridor_name(chain: Any, corridor_id: Any, lang: i18n.Lang) -> str:
    corridors = chain.corridors
    match = corridors[corridors["corridor_id"].astype(str) == str(corridor_id)]
    name = _display_name(match.iloc[0], lang) if len(match) else None
    return name or str(corridor_id)


def _findings(
    gateway: pd.DataFrame,
    critical: pd.DataFrame,
    names: dict[str, str],
    chain: Any,
    lang: i18n.Lang,
) -> list[str]:
    found = []
    seaport = gateway["seaport_min"].dropna()
    capitals = [c for c in chain.capitals if c in seaport.index]
    seaport = seaport.loc[capitals] if capitals else seaport
    if len(seaport):
        near, far = str(seaport.idxmin()), str(seaport.idxmax())
        found.append(
            i18n.text(
                "brief_finding_seaport",
                lang,
                near=names.get(near, near),
                near_min=_minutes(seaport.loc[near], lang),
                far=names.get(far, far),
                far_min=_minutes(seaport.loc[far], lang),
            )
        )
    if len(critical):
        top = critical.index[0]
        loss = i18n.format_value(critical["efficiency_loss_rel"].iloc[0], "%", lang, scale=100)
        found.append(
            i18n.text("brief_finding_corridor", lang, name=_corridor_name(chain, top, lang), loss=loss)
        )
    return found


def _travel_table(od: pd.DataFrame, names: dict[str, str], lang: i18n.Lang) -> dict[str, Any]:
    columns = [str(c) for c in od.columns]
    head = [i18n.text("col_capital", lang), *[names.get(c, c) for c in columns]]
    rows = []
    for source, values in od.iterrows():
        rows.append(
            [names.get(str(source), str(source))]
            + [
                "–" if str(source) == c else i18n.format_value(v, None, lang)
                for c, v in zip(columns, values, strict=True)
            ]
        )
    return {
        "title": i18n.text("brief_travel", lang),
        "head": head,
        "rows": rows,
        "numeric": True,
        "note": "",
    }


def _gateway_table(gateway: pd.DataFrame, names: dict[str, str], lang: i18n.Lang) -> dict[str, Any]:
    head = [i18n.text("col_capital", lang)]
    kinds = [k for k in ("seaport", "airport", "border_gate") if f"{k}_min" in gateway.columns]
    for kind in kinds:
        head.append(f"{i18n.text(f'col_{kind}', lang)} ({i18n.text('col_minutes', lang)})")
    rows = []
    for node, row in gateway.sort_values(
        kinds[0] + "_min" if kinds else gateway.columns[0]
    ).iterrows():
        cells = [names.get(str(node), str(node))]
        for kind in kinds:
            target = row.get(f"{kind}_id")
            where = names.get(str(target), str(target)) if isinstance(target, str) else ""
            value = i18n.format_value(row[f"{kind}_min"], "min", lang)
            cells.append(f"{value} ({where})" if where else value)
        rows.append(cells)
    return {
        "title": i18n.text("brief_gateways", lang),
        "head": head,
        "rows": rows,
        "numeric": False,
        "note": "",
    }


def _critical_table(critical: pd.DataFrame, chain: Any, lang: i18n.Lang) -> dict[str, Any]:
    corridors = chain.corridors.set_index(chain.corridors["corridor_id"].astype(str))
    head = [
        i18n.text("col_corridor", lang),
        i18n.text("col_mode", lang),
        i18n.text("col_efficiency", lang),
        f"{i18n.text('col_extra_time', lang)} ({i18n.text('col_minutes', lang)})",
    ]
    rows = []
    for cid, row in critical.iterrows():
        mode = corridors["mode"].get(str(cid)) if "mode" in corridors.columns else None
        rows.append(
            [
                _corridor_name(chain, cid, lang),
                i18n.category(i18n.MODES, mode, lang),
                i18n.format_value(row["efficiency_loss_rel"], "%", lang, scale=100),
                i18n.format_value(row.get("extra_time_max"), "min", lang),
            ]
        )
    return {
        "title": i18n.text("brief_critical", lang),
        "head": head,
        "rows": rows,
        "numeric": False,
        "note": i18n.METRICS["efficiency_loss_rel"].vi
        if lang == "vi"
        else i18n.METRICS["efficiency_loss_rel"].en,
    }


def _gains(
    chain: Any, other: tuple[Any, str], names: dict[str, str], lang: i18n.Lang
) -> tuple[dict[str, Any], dict[str, str] | None, str]:
    from urbanchain.scenarios import compare

    other_chain, label = other
    comparison = compare(chain, other_chain, labels=(str(chain.year), label))
    od = comparison.od.copy()
    od["saved"] = od["base_min"] - od["other_min"]
    od = od.sort_values("saved", ascending=False)
    head = [
        i18n.text("col_pair", lang),
        f"{i18n.text('col_before', lang)} ({i18n.text('col_minutes', lang)})",
        f"{i18n.text('col_after', lang)} ({i18n.text('col_minutes', lang)})",
        f"{i18n.text('col_saved', lang)} ({i18n.text('col_minutes', lang)})",
    ]
    rows = []
    pairs = []
    for _, row in od.head(8).iterrows():
        pair = f"{names.get(str(row['source']), row['source'])} – {names.get(str(row['target']), row['target'])}"
        pairs.append(pair)
        rows.append(
            [
                pair,
                i18n.format_value(row["base_min"], None, lang),
                i18n.format_value(row["other_min"], None, lang),
                i18n.format_value(row["saved"], None, lang),
            ]
        )
    table = {
        "title": f"{i18n.text('brief_gains', lang)}: {label}",
        "head": head,
        "rows": rows,
        "numeric": True,
        "note": "",
    }
    best = od.head(8)
    chart = None
    if len(best) and float(best["saved"].iloc[0]) > 0:
        positive = best[best["saved"] > 0]
        chart = {
            "alt": i18n.text("chart_gains", lang),
            "src": _bar_chart(
                pairs[: len(positive)],
                [float(v) for v in positive["saved"]],
                title=i18n.text("chart_gains", lang),
                lang=lang,
                colour="#2166ac",
            ),
        }
        line = i18n.text(
            "brief_finding_gain",
            lang,
            scenario=label,
            pair=pairs[0],
            saved=_minutes(best["saved"].iloc[0], lang),
        )
    else:
        line = i18n.text("brief_finding_no_gain", lang, scenario=label)
    return table, chart, line
