"""The world-access map: the chain's links to the world hubs (issue 20).

:func:`world_map` draws, on an offline land backdrop (Natural Earth 1:110m, public
domain, dissolved: no national boundaries), the legs from the chain's gateways to the
world hubs as computed (:func:`urbanchain.world.leg_lines`): ``searoute`` lines for sea,
great-circle arcs for air, straight segments for the land crossings to the Chinese
towns), the hubs with labels, and the chain's cities coloured by their indicative
door-to-hub time (:func:`urbanchain.world.world_access`).  :func:`world_plot` draws the
same picture with matplotlib for print (PNG/PDF).

Every user string (hub and node names, the title) is HTML-escaped and travels as JSON;
every element is :class:`~urbanchain.maps._template_free.TemplateFree`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from urbanchain.errors import ValidationError
from urbanchain.maps import _i18n as i18n
from urbanchain.maps import _style as st
from urbanchain.maps._html import escape_html, mpl_text

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["MAIN_HUBS", "WORLD_ATTRIBUTION", "world_map", "world_plot"]

#: The hubs the brief's table and the map's summary colour use: two container ports, two
#: hub airports and the two inland Chinese cities the border crossings lead to.
MAIN_HUBS: tuple[str, ...] = (
    "sea_singapore",
    "sea_hong_kong",
    "air_sin",
    "air_icn",
    "land_kunming",
    "land_nanning",
)
#: Attribution of everything on the world map (English; the map shows its language's).
WORLD_ATTRIBUTION = (
    "Land: Natural Earth 1:110m (public domain) | Hubs: NGA World Port Index, OurAirports "
    "(public domain), GeoNames (CC BY 4.0) | Sea lanes: searoute 1.6.0 (Apache-2.0), after "
    "Eurostat SeaRoute (EUPL), after ORNL CTA Global Shipping Lane Network (2000)"
)

LEG_COLOURS = {"sea": st.MODE_COLOURS["sea"], "air": st.MODE_COLOURS["air"], "land": "#8c510a"}
HUB_COLOURS = {"seaport": "#01665e", "airport": "#e7298a", "land": "#8c510a"}
#: Door-to-hub hours, short (light) to long (dark).
_TIME_PALETTE = "YlGnBu"
_BACKGROUND = "#dfe7ec"
_GATEWAY_COLOUR = "#08306b"
_LAND = {"fillColor": "#f4f1e8", "color": "#b9b3a3", "weight": 0.6, "fillOpacity": 1.0}
_PANES = (("ucWorldLand", 250), ("ucWorldLegs", 420), ("ucWorldHubs", 600), ("ucWorldNodes", 620))
_LABEL_PANE = ("ucLabels", 640)
_AIRPORT_WORDS = (" International Airport", " Airport")


# --------------------------------------------------------------------------- the data


@dataclass
class WorldPicture:
    """Everything both renderings draw, in lon/lat, with texts in one language."""

    lang: i18n.Lang
    title: str
    land: gpd.GeoDataFrame
    legs: gpd.GeoDataFrame  # + columns used (bool), tooltip (escaped)
    hubs: gpd.GeoDataFrame  # + columns label, tooltip (escaped)
    nodes: gpd.GeoDataFrame  # + columns value (h), tooltip (escaped), capital (bool)
    gateways: gpd.GeoDataFrame  # node_id, name, kind, tooltip (escaped)
    value_title: str
    classes: st.Classes
    note: str
    attribution: str
    used_hubs: list[str] = field(default_factory=list)
    hub: str = ""


def _hour_classes(values: pd.Series, lang: i18n.Lang, count: int = 5) -> st.Classes:
    """Equal-interval classes of door-to-hub hours, bounds rounded to 0.1 h.

    The chain's own share of a door-to-hub time is small next to the handling time and
    the leg, so the hours of a chain's cities often differ by an hour or two only:
    equal intervals with one decimal keep the legend readable where quantiles of nearly
    equal values would not.
    """
    import numpy as np

    v = values.to_numpy(dtype=float)
    present = np.isfinite(v)
    index = np.full(len(v), -1, dtype=int)
    if not present.any():
        return st.Classes(index=index, colours=[], labels=[])
    lo = math.floor(float(v[present].min()) * 10) / 10
    hi = math.ceil(float(v[present].max()) * 10) / 10
    word = i18n.unit_word("h", lang)
    if hi - lo < 0.1:
        index[present] = 0
        label = f"{i18n.format_number(lo, lang, decimals=1)} {word}"
        return st.Classes(index=index, colours=st._palette(_TIME_PALETTE, 1), labels=[label])
    n = max(1, min(count, round((hi - lo) / 0.1)))
    edges = np.linspace(lo, hi, n + 1)
    index[present] = np.clip(np.searchsorted(edges, v[present], side="right") - 1, 0, n - 1)
    texts = [i18n.format_number(e, lang, decimals=1) for e in edges]
    labels = [f"{texts[i]} – {texts[i + 1]}" for i in range(n)]
    labels[-1] = f"{labels[-1]} {word}"
    return st.Classes(index=index, colours=st._palette(_TIME_PALETTE, n), labels=labels)


def _hub_label(row: Any) -> str:
    name = str(row["name"])
    if row["kind"] == "airport":
        for word in _AIRPORT_WORDS:
            if name.endswith(word):
                name = name[: -len(word)]
                break
        code = row.get("code")
        if isinstance(code, str) and code and code not in name:
            name = f"{name} ({code})"
    return name


def _hours(value: Any, lang: i18n.Lang) -> str:
    return i18n.format_value(value, "h", lang)


def _hours1(value: Any, lang: i18n.Lang) -> str:
    """Hours with one decimal, as the legend's classes are written."""
    if value is None or not math.isfinite(float(value)):
        return i18n.text("no_data", lang)
    number = i18n.format_number(float(value), lang, decimals=1)
    return f"{number} {i18n.unit_word('h', lang)}"


def _km(value: Any, lang: i18n.Lang) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return i18n.text("no_data", lang)
    return i18n.format_value(round(float(value)), "km", lang)


def world_note(assumptions: dict[str, float], lang: i18n.Lang) -> str:
    """Return the legend's "indicative, with these assumptions" sentence (unescaped)."""

    def num(key: str) -> str:
        return i18n.format_number(assumptions[key], lang)

    return i18n.text(
        "world_note",
        lang,
        ship=num("ship_speed_kn"),
        dwell=num("port_dwell_h"),
        flight=num("flight_speed_kmh"),
        check_in=num("check_in_h"),
        border=num("border_crossing_h"),
        land=num("land_speed_kmh"),
    )


def _resolve_access(chain: Any, access: Any, hubs: Any, assumptions: Any) -> pd.DataFrame:
    from urbanchain import world

    if access is None:
        return world.world_access(chain, hubs=hubs, assumptions=assumptions)
    import pandas as pd

    if not isinstance(access, pd.DataFrame) or access.index.names != ["node_id", "hub_id"]:
        msg = (
            "access must be the table returned by urbanchain.world.world_access (index "
            f"node_id, hub_id); got {type(access).__name__}. Pass access=None to compute it."
        )
        raise ValidationError(msg)
    return access


def _picture(
    chain: Any,
    *,
    access: Any,
    hub: str | None,
    hubs: Any,
    assumptions: Any,
    lang: i18n.Lang,
    title: str | None,
) -> WorldPicture:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from urbanchain import world
    from urbanchain._private._bundled import read_bundled_geojson
    from urbanchain._private._messages import unknown_name

    wa = _resolve_access(chain, access, hubs, assumptions)
    G = world._graph_of(chain)
    table = wa.reset_index()
    hub_ids = list(dict.fromkeys(table["hub_id"].astype(str)))
    all_hubs = world.world_hubs()
    if isinstance(hubs, pd.DataFrame):
        all_hubs = world._resolve_hubs(hubs)
    hub_frame = all_hubs[all_hubs["hub_id"].isin(hub_ids)].copy()
    if hub is not None and hub not in hub_ids:
        err = unknown_name("hub id", hub, hub_ids)
        raise err
    # --- node values: the door-to-hub hours to one hub (default: the first main hub)
    reached = table.dropna(subset=["total_h"])
    reached_ids = list(dict.fromkeys(reached["hub_id"].astype(str)))
    if hub is None:
        hub = next((h for h in MAIN_HUBS if h in reached_ids), None)
        if hub is None:
            hub = reached_ids[0] if reached_ids else hub_ids[0]
    chosen = [h for h in MAIN_HUBS if h in hub_ids] or hub_ids[:6]
    if hub not in chosen:
        chosen = [hub, *chosen]
    name = _hub_label(hub_frame[hub_frame["hub_id"] == hub].iloc[0])
    value_title = i18n.text("world_value_hub", lang, hub=name)
    per_node = reached[reached["hub_id"] == hub].set_index("node_id")["total_h"]
    names = {
        str(v): str((d.get("name_en") if lang == "en" else None) or d.get("name") or v)
        for v, d in G.nodes(data=True)
    }
    capitals = set(map(str, getattr(chain, "capitals", []) or []))
    node_ids = list(dict.fromkeys(table["node_id"]))
    xs = [float(G.nodes[v].get("x", np.nan)) for v in node_ids]
    ys = [float(G.nodes[v].get("y", np.nan)) for v in node_ids]
    values = pd.Series([float(per_node.get(v, np.nan)) for v in node_ids], dtype=float)
    metric = st.MetricValues(values=values, label=value_title, unit="h", lang=lang)
    classes = _hour_classes(values, lang)
    hub_names = dict(zip(all_hubs["hub_id"], all_hubs["name"], strict=True))
    tooltips = []
    for v in node_ids:
        rows = table[(table["node_id"] == v) & table["hub_id"].isin(chosen)]
        lines = []
        for _, r in rows.iterrows():
            if pd.isna(r["total_h"]):
                lines.append((str(r["hub_name"]), i18n.text("no_data", lang)))
                continue
            lines.append(
                (
                    str(r["hub_name"]),
                    i18n.text(
                        "world_route",
                        lang,
                        hours=_hours(r["total_h"], lang),
                        km=_km(r["total_km"], lang),
                        gateway=names.get(str(r["gateway_id"]), str(r["gateway_id"])),
                        mode=i18n.category(i18n.WORLD_MODES, r["mode"], lang),
                    ),
                )
            )
        tooltips.append(st.tooltip_html(names.get(str(v), str(v)), lines))
    nodes = gpd.GeoDataFrame(
        {
            "node_id": [str(v) for v in node_ids],
            "name": [names.get(str(v), str(v)) for v in node_ids],
            "value": values.to_numpy(),
            "tooltip": tooltips,
            "capital": [str(v) in capitals for v in node_ids],
        },
        geometry=gpd.points_from_xy(xs, ys),
        crs="EPSG:4326",
    )
    # --- legs from the chain's gateways to the hubs in the table
    used = set(zip(reached["gateway_id"].astype(str), reached["hub_id"].astype(str), strict=True))
    gates = {str(g) for g in table["gateway_id"].dropna()}
    gates |= {
        str(v)
        for v, d in G.nodes(data=True)
        if d.get("kind") in world.GATEWAY_OF_MODE.values() and world._is_base(v)
    }
    legs = world.leg_lines()
    legs = legs[legs["gateway_id"].isin(gates) & legs["hub_id"].isin(hub_ids)].copy()
    valid = np.array(
        [
            _leg_still_valid(G, g, h, geom, hub_frame)
            for g, h, geom in zip(legs["gateway_id"], legs["hub_id"], legs.geometry, strict=True)
        ],
        dtype=bool,
    )
    legs = legs.loc[valid]  # a boolean mask also when no leg is left (user hubs only)
    legs = _add_computed_air(legs, G, gates, hub_frame, used)
    legs["used"] = [
        (str(g), str(h)) in used for g, h in zip(legs["gateway_id"], legs["hub_id"], strict=True)
    ]
    legs["tooltip"] = [
        _leg_tooltip(r, names, hub_names, wa.attrs.get("assumptions", {}), lang)
        for _, r in legs.iterrows()
    ]
    legs = legs.sort_values(["used", "mode"], kind="mergesort").reset_index(drop=True)
    # --- hubs: those a leg reaches or a city reaches (Chinese towns need a border gate)
    drawn = set(legs["hub_id"].astype(str)) | set(reached["hub_id"].astype(str))
    hub_frame = hub_frame[hub_frame["hub_id"].isin(drawn)].copy()
    hub_frame["label"] = [_hub_label(r) for _, r in hub_frame.iterrows()]
    best = reached.groupby("hub_id")["total_h"].min()
    hub_frame["tooltip"] = [
        st.tooltip_html(
            r["label"],
            [
                ("", i18n.category(i18n.WORLD_HUB_KINDS, r["kind"], lang)),
                (
                    i18n.text("world_fastest", lang),
                    _hours(best.get(r["hub_id"], np.nan), lang),
                ),
                (i18n.text("world_source", lang), str(r.get("source", ""))),
            ],
        )
        for _, r in hub_frame.iterrows()
    ]
    # --- the chain's own gateways, where the legs start
    gate_rows = [
        (str(v), names.get(str(v), str(v)), str(d["kind"]), float(d["x"]), float(d["y"]))
        for v, d in G.nodes(data=True)
        if d.get("kind") in world.GATEWAY_OF_MODE.values()
        and world._is_base(v)
        and math.isfinite(float(d.get("x", np.nan)))
        and math.isfinite(float(d.get("y", np.nan)))
    ]
    n_legs = legs.groupby("gateway_id").size()
    gateways = gpd.GeoDataFrame(
        {
            "node_id": [r[0] for r in gate_rows],
            "name": [r[1] for r in gate_rows],
            "kind": [r[2] for r in gate_rows],
            "tooltip": [
                st.tooltip_html(
                    r[1],
                    [
                        ("", i18n.category(i18n.KINDS, r[2], lang)),
                        (
                            i18n.text("world_gateway_legs", lang),
                            i18n.format_value(int(n_legs.get(r[0], 0)), None, lang),
                        ),
                    ],
                )
                for r in gate_rows
            ],
        },
        geometry=gpd.points_from_xy([r[3] for r in gate_rows], [r[4] for r in gate_rows]),
        crs="EPSG:4326",
    )
    land = read_bundled_geojson("world_land.geojson")
    region = i18n.region_name(getattr(chain, "region", None), lang)
    heading = title or i18n.text("world_title", lang, region=region)
    return WorldPicture(
        lang=lang,
        title=heading,
        land=land,
        legs=legs,
        hubs=hub_frame.reset_index(drop=True),
        nodes=nodes,
        gateways=gateways,
        value_title=metric.title(),
        classes=classes,
        note=world_note(dict(wa.attrs.get("assumptions", {})), lang),
        attribution=i18n.text("world_attribution", lang),
        used_hubs=chosen,
        hub=hub,
    )


def _leg_still_valid(G: Any, gate: str, hub: str, geom: Any, hubs: gpd.GeoDataFrame) -> bool:
    """Return whether a bundled leg still joins the gateway and the hub (else not drawn)."""
    import shapely

    from urbanchain import world

    if gate not in G:
        return False
    row = hubs[hubs["hub_id"] == hub]
    if row.empty:
        return False
    start = (
        float(G.nodes[gate].get("x", float("nan"))),
        float(G.nodes[gate].get("y", float("nan"))),
    )
    end = (float(row["lon"].iloc[0]), float(row["lat"].iloc[0]))
    return world._same_ends(shapely.to_wkt(geom), start, end)


def _add_computed_air(
    legs: gpd.GeoDataFrame,
    G: Any,
    gates: set[str],
    hubs: gpd.GeoDataFrame,
    used: set[tuple[str, str]],
) -> gpd.GeoDataFrame:
    """Great-circle arcs for airports that are not bundled (a scenario's new airport)."""
    import geopandas as gpd
    import pandas as pd
    import shapely
    from pyproj import Geod

    have = set(zip(legs["gateway_id"].astype(str), legs["hub_id"].astype(str), strict=True))
    geod = Geod(ellps="WGS84")
    rows = []
    for g in sorted(gates):
        if g not in G or G.nodes[g].get("kind") != "airport":
            continue
        gx, gy = float(G.nodes[g]["x"]), float(G.nodes[g]["y"])
        for _, h in hubs[hubs["kind"] == "airport"].iterrows():
            key = (g, str(h["hub_id"]))
            if key in have:
                continue
            hx, hy = float(h["lon"]), float(h["lat"])
            pts = geod.npts(gx, gy, hx, hy, 62)
            line = shapely.LineString([(gx, gy), *pts, (hx, hy)])
            km = geod.inv(gx, gy, hx, hy)[2] / 1000.0
            rows.append(
                {
                    "gateway_id": g,
                    "hub_id": key[1],
                    "mode": "air",
                    "leg_km": km,
                    "basis": "great_circle (computed)",
                    "status": "computed",
                    "geometry": line,
                }
            )
    if not rows:
        return legs
    extra = gpd.GeoDataFrame(rows, geometry="geometry", crs=legs.crs)
    return gpd.GeoDataFrame(pd.concat([legs, extra], ignore_index=True), crs=legs.crs)


def _leg_tooltip(
    row: Any,
    names: dict[str, str],
    hub_names: dict[str, str],
    assumptions: dict[str, float],
    lang: i18n.Lang,
) -> str:
    from urbanchain.world import KNOT_KMH

    gate = names.get(str(row["gateway_id"]), str(row["gateway_id"]))
    hub = hub_names.get(str(row["hub_id"]), str(row["hub_id"]))
    km = row["leg_km"]
    speed = {
        "sea": assumptions.get("ship_speed_kn", float("nan")) * KNOT_KMH,
        "air": assumptions.get("flight_speed_kmh", float("nan")),
        "land": assumptions.get("land_speed_kmh", float("nan")),
    }.get(str(row["mode"]), float("nan"))
    hours = float(km) / speed if km is not None and math.isfinite(float(km)) else float("nan")
    basis = str(row.get("basis") or "")
    lines = [
        ("", i18n.category(i18n.WORLD_MODES, row["mode"], lang)),
        (i18n.text("world_length", lang), _km(km, lang)),
        (i18n.text("world_leg_hours", lang), _hours(hours, lang)),
        (i18n.text("world_basis", lang), i18n.category(i18n.WORLD_BASES, basis, lang)),
    ]
    status = str(row.get("status") or "")
    if status and status != "computed":
        lines.append((i18n.text("world_status", lang), status.replace("_", " ")))
    return st.tooltip_html(f"{gate} → {hub}", lines)


# --------------------------------------------------------------------------- interactive


def _legend(picture: WorldPicture) -> str:
    lang = picture.lang
    parts = [f"<h5>{escape_html(picture.value_title)}</h5>"]
    for colour, label in zip(picture.classes.colours, picture.classes.labels, strict=True):
        parts.append(
            f'<div class="uc-row"><svg width="16" height="16"><circle cx="8" cy="8" r="6" '
            f'fill="{escape_html(colour)}" stroke="#252525" stroke-width="1"/></svg>'
            f"<span>{escape_html(label)}</span></div>"
        )
    if (picture.classes.index < 0).any():
        parts.append(
            f'<div class="uc-row"><svg width="16" height="16"><circle cx="8" cy="8" r="6" '
            f'fill="{st.NO_DATA_COLOUR}" stroke="#252525" stroke-width="1"/></svg>'
            f"<span>{escape_html(i18n.text('no_data', lang))}</span></div>"
        )
    capitals = picture.nodes[picture.nodes["capital"]].sort_values("value", na_position="last")
    if len(capitals):
        parts.append(f"<h5>{escape_html(i18n.text('world_capitals', lang))}</h5>")
        for i, r in capitals.iterrows():
            colour = picture.classes.colour_of(int(i))
            parts.append(
                f'<div class="uc-row"><svg width="12" height="12"><circle cx="6" cy="6" r="5" '
                f'fill="{escape_html(colour)}" stroke="#252525" stroke-width="1"/></svg>'
                f"<span>{escape_html(r['name'])}: {escape_html(_hours1(r['value'], lang))}"
                "</span></div>"
            )
    parts.append(f"<h5>{escape_html(i18n.text('world_legs_heading', lang))}</h5>")
    for mode in ("sea", "air", "land"):
        if not (picture.legs["mode"] == mode).any():
            continue
        colour = LEG_COLOURS[mode]
        parts.append(
            f'<div class="uc-row"><svg width="34" height="12"><line x1="1" y1="6" x2="33" '
            f'y2="6" stroke="{colour}" stroke-width="3"/></svg>'
            f"<span>{escape_html(i18n.category(i18n.WORLD_MODES, mode, lang))}</span></div>"
        )
    parts.append(
        '<div class="uc-row"><svg width="34" height="12"><line x1="1" y1="6" x2="33" y2="6" '
        'stroke="#666" stroke-width="1.5" stroke-opacity="0.6"/></svg>'
        f"<span>{escape_html(i18n.text('world_unused', lang))}</span></div>"
    )
    if len(picture.gateways):
        parts.append(
            '<div class="uc-row"><svg width="16" height="16"><circle cx="8" cy="8" r="5" '
            f'fill="{_GATEWAY_COLOUR}" stroke="#ffffff" stroke-width="1.5"/></svg>'
            f"<span>{escape_html(i18n.text('world_gateways', lang))}</span></div>"
        )
    parts.append(f"<h5>{escape_html(i18n.text('world_hubs_heading', lang))}</h5>")
    for kind in ("seaport", "airport", "land"):
        if not (picture.hubs["kind"] == kind).any():
            continue
        parts.append(
            f'<div class="uc-row"><svg width="16" height="16"><circle cx="8" cy="8" r="5.5" '
            f'fill="#ffffff" stroke="{HUB_COLOURS[kind]}" stroke-width="3"/></svg>'
            f"<span>{escape_html(i18n.category(i18n.WORLD_HUB_KINDS, kind, lang))}</span></div>"
        )
    parts.append(f'<p class="uc-world-note">{escape_html(picture.note)}</p>')
    return "".join(parts)


def _line_features(picture: WorldPicture) -> dict[str, list[dict[str, Any]]]:
    import shapely

    out: dict[str, list[dict[str, Any]]] = {"sea": [], "air": [], "land": []}
    for _, r in picture.legs.iterrows():
        used = bool(r["used"])
        style = {
            "color": LEG_COLOURS.get(str(r["mode"]), "#525252"),
            "weight": 2.6 if used else 1.0,
            "opacity": 0.9 if used else 0.35,
        }
        if str(r["mode"]) == "land":
            style["dashArray"] = "6 4"
        out.setdefault(str(r["mode"]), []).append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(r.geometry),
                "properties": {
                    "uc_id": escape_html(f"{r['gateway_id']}->{r['hub_id']}"),
                    "uc_style": style,
                    "uc_tooltip": r["tooltip"],
                    "uc_popup": "",
                },
            }
        )
    return out


def world_map(
    chain: Any,
    *,
    access: pd.DataFrame | None = None,
    hub: str | None = None,
    hubs: Any = None,
    assumptions: Any = None,
    lang: i18n.Lang = "en",
    title: str | None = None,
    width: str | int = "100%",
    height: str | int = "100%",
    offline: bool = True,
) -> folium.Map:
    """Map the chain's links to the world hubs and its cities' indicative world access.

    Draws, with no basemap (an offline land backdrop from Natural Earth 1:110m, public
    domain, with no national boundaries):

    * the legs from the chain's gateways to the hubs (:func:`urbanchain.world.leg_lines`):
      ``searoute`` lines for sea as computed, great-circle arcs for air, straight
      segments for the land crossings (schematic); legs that carry at least one city's
      fastest route are drawn thick, the others thin;
    * the hubs, labelled (a ring coloured by kind; squares in print), and the chain's
      gateways where the legs start (navy dots, labelled from zoom 7);
    * the chain's cities coloured (quantile classes) by their best door-to-hub hours to
      ``hub``, or by default by the median of their best hours to the main hubs
      (:data:`MAIN_HUBS` that the chain reaches), with every route in the tooltip.

    The legend states that the times are indicative and the assumptions used.

    Parameters
    ----------
    chain
        An :class:`~urbanchain.UrbanChain`, a :class:`~urbanchain.scenarios.Scenario` or a
        chain graph (see :func:`urbanchain.world.world_access`).
    access
        A precomputed :func:`urbanchain.world.world_access` of ``chain`` (else computed
        with ``hubs`` and ``assumptions``).
    hub
        Colour cities by the door-to-hub hours to this hub id only.
    hubs, assumptions
        Passed to :func:`urbanchain.world.world_access` when ``access`` is None.
    lang
        ``"vi"`` or ``"en"``.
    title
        Title banner (default "<region>: links to the world's hubs").
    width, height
        Map size (CSS).
    offline
        Inline Leaflet (default True). The world map never has tiles.

    Returns
    -------
    folium.Map
        Save it with :func:`urbanchain.maps.save`.

    Raises
    ------
    UnknownNameError
        ``hub`` is not among the hubs of ``access``.
    ValidationError
        ``access`` is not a world-access table, or bad ``lang``.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.maps import render_html, world_map
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> html = render_html(world_map(chain, lang="vi"))
    >>> "Singapore Changi (SIN)" in html and "tham khảo" in html
    True
    """
    from urbanchain.maps import _elements as el
    from urbanchain.maps import _template_free as tf

    checked = i18n.check_lang(lang)
    pic = _picture(
        chain,
        access=access,
        hub=hub,
        hubs=hubs,
        assumptions=assumptions,
        lang=checked,
        title=title,
    )
    m = el.UrbanchainMap(
        offline=offline,
        layer_control=True,
        location=[20.0, 115.0],
        zoom_start=4,
        tiles=None,
        control_scale=True,
        width=width,
        height=height,
        zoom_snap=0.25,
        zoom_delta=0.5,
        world_copy_jump=False,
    )
    m.add_child(el.MapStyle(_BACKGROUND), name="urbanchain_style")
    m.add_child(WorldStyle(), name="urbanchain_world_style")
    for pane, z in (*_PANES, _LABEL_PANE):
        m.add_child(tf.CustomPane(pane, z_index=z, pointer_events=pane != _LABEL_PANE[0]))
    import shapely

    land = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(g),
            "properties": {
                "uc_id": f"land-{i}",
                "uc_style": _LAND,
                "uc_tooltip": "",
                "uc_popup": "",
            },
        }
        for i, g in enumerate(pic.land.geometry)
    ]
    m.add_child(
        el.FeatureLayer(
            land,
            name=i18n.text("world_layer_land", checked),
            pane="ucWorldLand",
            interactive=False,
        )
    )
    lines = _line_features(pic)
    for mode in ("sea", "air", "land"):
        if lines.get(mode):
            m.add_child(
                el.FeatureLayer(
                    lines[mode],
                    name=i18n.category(i18n.WORLD_MODES, mode, checked),
                    pane="ucWorldLegs",
                )
            )
    hub_features = []
    for _, r in pic.hubs.iterrows():
        hub_features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(r.geometry),
                "properties": {
                    "uc_id": escape_html(r["hub_id"]),
                    "uc_style": {
                        "radius": 6,
                        "color": HUB_COLOURS.get(str(r["kind"]), "#525252"),
                        "weight": 3,
                        "fillColor": "#ffffff",
                        "fillOpacity": 1.0,
                    },
                    "uc_tooltip": r["tooltip"],
                    "uc_popup": "",
                },
            }
        )
    m.add_child(
        el.FeatureLayer(
            hub_features, name=i18n.text("world_hubs_heading", checked), pane="ucWorldHubs"
        )
    )
    node_features = []
    for i, r in pic.nodes.iterrows():
        if not (math.isfinite(r.geometry.x) and math.isfinite(r.geometry.y)):
            continue
        node_features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(r.geometry),
                "properties": {
                    "uc_id": escape_html(r["node_id"]),
                    "uc_style": {
                        "radius": 6 if r["capital"] else 4,
                        "color": "#252525",
                        "weight": 2 if r["capital"] else 1,
                        "fillColor": pic.classes.colour_of(int(i)),
                        "fillOpacity": 0.95,
                    },
                    "uc_tooltip": r["tooltip"],
                    "uc_popup": "",
                },
            }
        )
    m.add_child(
        el.FeatureLayer(
            node_features, name=i18n.text("world_layer_nodes", checked), pane="ucWorldNodes"
        )
    )
    gate_features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(r.geometry),
            "properties": {
                "uc_id": escape_html(r["node_id"]),
                "uc_style": {
                    "radius": 5,
                    "color": "#ffffff",
                    "weight": 1.5,
                    "fillColor": _GATEWAY_COLOUR,
                    "fillOpacity": 1.0,
                },
                "uc_tooltip": r["tooltip"],
                "uc_popup": "",
            },
        }
        for _, r in pic.gateways.iterrows()
    ]
    if gate_features:
        m.add_child(
            el.FeatureLayer(
                gate_features, name=i18n.text("world_gateways", checked), pane="ucWorldNodes"
            )
        )
    label_rows: list[list[Any]] = []
    for _, r in pic.hubs.iterrows():
        label_rows.append(
            [
                round(r.geometry.y, 5),
                round(r.geometry.x, 5),
                r["label"],
                1,
                0,
                f"uc-label-hub uc-label-hub-{r['kind']}",
                "right",
                [],
            ]
        )
    for _, r in pic.nodes[pic.nodes["capital"]].iterrows():
        if math.isfinite(r.geometry.x) and math.isfinite(r.geometry.y):
            label_rows.append(
                [
                    round(r.geometry.y, 5),
                    round(r.geometry.x, 5),
                    r["name"],
                    0,
                    6,
                    "uc-label-capital",
                    "right",
                    [],
                ]
            )
    for _, r in pic.gateways.iterrows():
        label_rows.append(
            [
                round(r.geometry.y, 5),
                round(r.geometry.x, 5),
                r["name"],
                2,
                7,
                "uc-label-gateway",
                "right",
                [],
            ]
        )
    m.add_child(el.LabelLayer(label_rows, name=i18n.text("labels", checked), pane=_LABEL_PANE[0]))
    bounds = _bounds(pic)
    m.urbanchain_fit = (bounds, checked)
    m.location = [(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2]
    m.add_child(el.LegendControl(_legend(pic), summary=i18n.text("legend", checked)))
    chain_box = _chain_bounds(pic)
    if chain_box is not None:
        m.add_child(
            ZoomButtons(
                chain_box,
                chain_text=i18n.text("world_zoom_chain", checked),
                world_text=i18n.text("world_zoom_world", checked),
            ),
            name="urbanchain_world_zoom",
        )
    m.add_child(el.TitleBox(pic.title))
    root: Any = m.get_root()
    root.title = escape_html(pic.title)
    m.add_child(el.AttributionNote(escape_html(pic.attribution)))
    return m


def _bounds(pic: WorldPicture) -> list[float]:
    import numpy as np
    import shapely

    pts = [pic.hubs.geometry, pic.nodes.geometry]
    xy = np.vstack([shapely.get_coordinates(g.to_numpy()) for g in pts if len(g)])
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy):
        return [95.0, -10.0, 145.0, 42.0]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return [float(lo[0]) - 1, float(lo[1]) - 1, float(hi[0]) + 1, float(hi[1]) + 1]


def _chain_bounds(pic: WorldPicture) -> list[float] | None:
    import numpy as np
    import shapely

    xy = shapely.get_coordinates(pic.nodes.geometry.to_numpy())
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy):
        return None
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = 0.15
    return [float(lo[0]) - pad, float(lo[1]) - pad, float(hi[0]) + pad, float(hi[1]) + pad]


def _zoom_class() -> type:
    from folium.template import Template

    from urbanchain.maps import _template_free as tf
    from urbanchain.maps._elements import json_no_braces

    class _ZoomButtons(tf.TemplateFree):
        """Two buttons: zoom to the chain's cities, or back to the whole view.

        Button texts are set with ``textContent`` from script-safe JSON; the bounds are
        numbers.
        """

        _template = Template(
            """
            {% macro script(this, kwargs) %}
                (function () {
                    var map = {{ this._parent.get_name() }};
                    var box = {{ this.bounds_json }};
                    var texts = {{ this.texts_json }};
                    var control = L.control({position: "topleft"});
                    control.onAdd = function () {
                        var div = L.DomUtil.create("div", "leaflet-bar uc-world-zoom");
                        [0, 1].forEach(function (i) {
                            var a = L.DomUtil.create("a", "", div);
                            a.href = "#";
                            a.setAttribute("role", "button");
                            a.textContent = texts[i];
                            L.DomEvent.on(a, "click", function (event) {
                                L.DomEvent.preventDefault(event);
                                if (i === 0) {
                                    map.fitBounds([[box[1], box[0]], [box[3], box[2]]],
                                        {animate: false});
                                } else if (map.ucFit) {
                                    map.ucFit();
                                }
                            });
                        });
                        L.DomEvent.disableClickPropagation(div);
                        return div;
                    };
                    control.addTo(map);
                })();
            {% endmacro %}
            """
        )

        def __init__(self, bounds: list[float], *, chain_text: str, world_text: str) -> None:
            super().__init__()
            self._name = "UcWorldZoom"
            self.bounds_json = json_no_braces([round(float(b), 5) for b in bounds])
            self.texts_json = json_no_braces([str(chain_text), str(world_text)])

    return _ZoomButtons


def ZoomButtons(bounds: list[float], *, chain_text: str, world_text: str) -> Any:  # noqa: N802
    """Return the "zoom to the chain / whole view" control (folium imported lazily)."""
    return _zoom_class()(bounds, chain_text=chain_text, world_text=world_text)


def _world_style_class() -> type:
    from folium.template import Template

    from urbanchain.maps import _template_free as tf

    class _WorldStyle(tf.TemplateFree):
        """Constant CSS of the world map's hub labels and legend note."""

        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <style>
                .leaflet-tooltip.uc-label-hub { font-size: 11px; font-weight: 600; }
                .leaflet-tooltip.uc-label-hub-seaport { color: #01463f; }
                .leaflet-tooltip.uc-label-hub-airport { color: #8e1257; }
                .leaflet-tooltip.uc-label-hub-land { color: #5b3606; }
                .uc-world-zoom a { width: auto !important; padding: 0 8px;
                    font: 600 12px/26px system-ui, sans-serif; white-space: nowrap; }
                .uc-legend .uc-world-note { margin: 6px 0 0; max-width: 240px;
                    font-size: 11px; color: #333; }
            </style>
            {% endmacro %}
            """
        )

        def __init__(self) -> None:
            super().__init__()
            self._name = "UcWorldStyle"

    return _WorldStyle


def WorldStyle() -> Any:  # noqa: N802 - a factory standing in for a lazily defined class
    """Return the world map's CSS element (folium is imported lazily)."""
    return _world_style_class()()


# --------------------------------------------------------------------------- print


def world_plot(
    chain: Any,
    *,
    access: pd.DataFrame | None = None,
    hub: str | None = None,
    hubs: Any = None,
    assumptions: Any = None,
    lang: i18n.Lang = "en",
    title: str | None = None,
    figsize: tuple[float, float] = (11.69, 8.27),
) -> Figure:
    """Draw the world-access map as a matplotlib Figure, for print (PNG/PDF).

    Same picture and parameters as :func:`world_map` (A4 landscape by default); labels
    of the hubs are placed by the figure's own collision pass (adjustText when installed).

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``fig.savefig("world.png", dpi=150)``.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.maps import world_plot
    >>> fig = world_plot(UrbanChain.from_region("red_river_delta", year=2025))
    >>> len(fig.axes) >= 1
    True
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    checked = i18n.check_lang(lang)
    pic = _picture(
        chain,
        access=access,
        hub=hub,
        hubs=hubs,
        assumptions=assumptions,
        lang=checked,
        title=title,
    )
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.set_facecolor(_BACKGROUND)
    bounds = _bounds(pic)
    mid = math.cos(math.radians((bounds[1] + bounds[3]) / 2))
    pic.land.plot(
        ax=ax, color=_LAND["fillColor"], edgecolor=_LAND["color"], linewidth=0.5, zorder=1
    )
    for _, r in pic.legs.iterrows():
        x, y = r.geometry.xy
        used = bool(r["used"])
        ax.plot(
            x,
            y,
            color=LEG_COLOURS.get(str(r["mode"]), "#525252"),
            linewidth=1.8 if used else 0.6,
            alpha=0.9 if used else 0.3,
            linestyle=(0, (4, 3)) if str(r["mode"]) == "land" else "-",
            zorder=3 if used else 2,
        )
    for kind, grp in pic.hubs.groupby("kind"):
        ax.scatter(
            grp.geometry.x,
            grp.geometry.y,
            s=40,
            marker="s",
            facecolor="white",
            edgecolor=HUB_COLOURS.get(str(kind), "#525252"),
            linewidth=1.8,
            zorder=5,
        )
    ax.set_xlim(bounds[0] - 6, bounds[2] + 4)
    ax.set_ylim(bounds[1] - 1, bounds[3] + 1)
    ax.set_aspect(1 / mid)
    nodes = pic.nodes
    colours = [pic.classes.colour_of(i) for i in range(len(nodes))]
    ax.scatter(
        nodes.geometry.x,
        nodes.geometry.y,
        s=[30 if c else 12 for c in nodes["capital"]],
        c=colours,
        edgecolors="#252525",
        linewidths=0.6,
        zorder=6,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_ylabel("")
    _inset(ax, pic)
    handles: list[Any] = []
    labels: list[str] = []
    for colour, label in zip(pic.classes.colours, pic.classes.labels, strict=True):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=colour,
                markeredgecolor="#252525",
                markersize=7,
            )
        )
        labels.append(mpl_text(label))
    for mode in ("sea", "air", "land"):
        if (pic.legs["mode"] == mode).any():
            handles.append(
                Line2D(
                    [],
                    [],
                    color=LEG_COLOURS[mode],
                    linewidth=2,
                    linestyle="--" if mode == "land" else "-",
                )
            )
            labels.append(mpl_text(i18n.category(i18n.WORLD_MODES, mode, checked)))
    for kind in ("seaport", "airport", "land"):
        if (pic.hubs["kind"] == kind).any():
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="s",
                    linestyle="",
                    markerfacecolor="white",
                    markeredgecolor=HUB_COLOURS[kind],
                    markersize=7,
                )
            )
            labels.append(mpl_text(i18n.category(i18n.WORLD_HUB_KINDS, kind, checked)))
    if len(pic.gateways):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=_GATEWAY_COLOUR,
                markeredgecolor="white",
                markersize=6,
            )
        )
        labels.append(mpl_text(i18n.text("world_gateways", checked)))
    # wrapped like the title, so the legend beside the map stays inside the page
    labels = [_wrap(label, 40) for label in labels]
    ax.legend(
        handles,
        labels,
        title=mpl_text(_wrap(pic.value_title, 40)),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),  # beside the map: no hub label hides under it
        fontsize=7.5,
        title_fontsize=8,
        framealpha=0.92,
    )
    ax.set_title(mpl_text(pic.title), fontsize=13, loc="left")
    ax.set_xlabel(
        mpl_text(_wrap(pic.note + " " + pic.attribution, 170)),
        fontsize=6.5,
        loc="left",
        color="#333333",
    )
    _label_hubs(fig, ax, pic)
    return fig


def _label_hubs(fig: Any, ax: Any, pic: WorldPicture) -> None:
    """Label the hubs once the page layout is fixed, dropping a label that finds no room.

    Labels go in priority order (the main hubs first).  Each tries its preferred
    side first (airports left of their square, ports and towns to the right, so a
    city's port and airport do not compete for one spot), then the other side, then
    above and below; a position is taken when its box overlaps neither a label
    already placed, another hub's square nor a city or gateway of the chain, else the
    label is left out.  The boxes
    are measured after the constrained layout and the map's aspect are applied, and
    the labels are kept out of the layout, so the boxes compared are the ones the
    saved page shows.
    """
    from matplotlib.transforms import Bbox

    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    ax.apply_aspect()
    order = sorted(
        range(len(pic.hubs)),
        key=lambda i: (pic.hubs["hub_id"].iloc[i] not in MAIN_HUBS, i),
    )
    figure: Any = fig
    canvas: Any = fig.canvas
    renderer = canvas.get_renderer() if hasattr(canvas, "get_renderer") else figure._get_renderer()
    half = 4.5 * fig.dpi / 72.0  # half the side of a hub square (markersize 7 + edge), pixels
    centres = ax.transData.transform([(float(g.x), float(g.y)) for g in pic.hubs.geometry])
    squares = [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in centres]
    # the chain's cities and gateways are obstacles too (a label there is unreadable)
    dots = [(float(g.x), float(g.y)) for g in [*pic.nodes.geometry, *pic.gateways.geometry]]
    dot = 3.0 * fig.dpi / 72.0
    obstacles = [
        Bbox.from_extents(x - dot, y - dot, x + dot, y + dot)
        for x, y in (ax.transData.transform(dots) if dots else [])
    ]
    placed: list[Any] = []
    for i in order:
        r = pic.hubs.iloc[i]
        left = str(r["kind"]) == "airport"
        sides = [(-6, 0, "right", "center"), (6, 0, "left", "center")]
        candidates = [*(sides if left else sides[::-1]), (0, 7, "center", "bottom"),
                      (0, -7, "center", "top")]  # fmt: skip
        for dx, dy, ha, va in candidates:
            text = ax.annotate(
                mpl_text(r["label"]),
                (r.geometry.x, r.geometry.y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=7,
                zorder=7,
                color=_LABEL_COLOURS.get(str(r["kind"]), "#333333"),
            )
            text.set_in_layout(False)
            box = text.get_window_extent(renderer).expanded(1.04, 1.15)
            clash = (
                any(box.overlaps(other) for other in placed)
                or any(box.overlaps(sq) for j, sq in enumerate(squares) if j != i)
                or any(box.overlaps(ob) for ob in obstacles)
            )
            if not clash:
                placed.append(box)
                break
            text.remove()


_LABEL_COLOURS = {"seaport": "#01463f", "airport": "#8e1257", "land": "#5b3606"}


def _inset(ax: Any, pic: WorldPicture) -> None:
    """Add a zoomed inset of the chain: its cities by colour, the capitals labelled."""
    box = _chain_bounds(pic)
    if box is None:
        return
    inset = ax.inset_axes((0.60, 0.02, 0.38, 0.36))
    inset.set_facecolor(_BACKGROUND)
    pic.land.plot(ax=inset, color=_LAND["fillColor"], edgecolor=_LAND["color"], linewidth=0.5)
    nodes = pic.nodes
    colours = [pic.classes.colour_of(i) for i in range(len(nodes))]
    inset.scatter(
        nodes.geometry.x,
        nodes.geometry.y,
        s=[50 if c else 18 for c in nodes["capital"]],
        c=colours,
        edgecolors="#252525",
        linewidths=0.7,
        zorder=5,
    )
    gates = pic.gateways
    if len(gates):
        inset.scatter(
            gates.geometry.x,
            gates.geometry.y,
            s=26,
            facecolor=_GATEWAY_COLOUR,
            edgecolors="white",
            linewidths=1.0,
            zorder=4,
        )
    mid = math.cos(math.radians((box[1] + box[3]) / 2))
    inset.set_xlim(box[0] - 0.1, box[2] + 0.4)
    inset.set_ylim(box[1] - 0.05, box[3] + 0.05)
    inset.set_aspect(1 / mid)
    from adjustText import adjust_text

    capitals = nodes[nodes["capital"]]
    texts = [
        inset.text(r.geometry.x, r.geometry.y, mpl_text(r["name"]), fontsize=6.5, zorder=6)
        for _, r in capitals.iterrows()
    ]
    if texts:  # capitals close together (Nam Định, Thái Bình) are pushed apart, with a leader
        adjust_text(
            texts,
            x=capitals.geometry.x.to_numpy(),
            y=capitals.geometry.y.to_numpy(),
            ax=inset,
            expand=(1.2, 1.4),
            arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.5},
        )
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    ax.indicate_inset_zoom(inset, edgecolor="#444444", linewidth=0.8)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
