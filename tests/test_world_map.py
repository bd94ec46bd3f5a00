"""The world-access map, its print version and the brief's world section (issue 20)."""

from __future__ import annotations

import html
import json
import re
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import markupsafe
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import Point
from tests._payloads import template_free_names

from urbanchain import UrbanChain, maps, world
from urbanchain.errors import UnknownNameError, ValidationError
from urbanchain.maps import _i18n as i18n
from urbanchain.maps import _world
from urbanchain.report import _world as report_world


@pytest.fixture(scope="module")
def access(delta_chain):
    return world.world_access(delta_chain)


@pytest.fixture(scope="module")
def page_vi(delta_chain, access):
    return maps.render_html(maps.world_map(delta_chain, access=access, lang="vi"))


def _collections(page: str) -> dict[str, dict[str, Any]]:
    """Feature collections by layer variable, in page order."""
    decoder = json.JSONDecoder()
    script = page[page.index("</body>") :]
    out = {}
    for match in re.finditer(r"(uc_feature_layer_\w+)\.addData\(", script):
        data, _ = decoder.raw_decode(script, match.end())
        out[match.group(1)] = data
    return out


def _labels(page: str) -> list[list[Any]]:
    match = re.search(r"var items = (\[.*?\]);\n", page, flags=re.S)
    assert match is not None
    return json.loads(match.group(1))


def _chain_legs(chain: Any) -> gpd.GeoDataFrame:
    gates = {
        str(v)
        for v, k in chain.graph.nodes(data="kind")
        if k in ("seaport", "airport", "border_gate") and "@" not in str(v)
    }
    legs = world.leg_lines()
    return legs[legs["gateway_id"].isin(gates)].reset_index(drop=True)


# ----------------------------------------------------------------------------- the map


def test_map_draws_every_leg_as_computed(delta_chain, page_vi):
    legs = _chain_legs(delta_chain)
    lines = [
        f
        for c in _collections(page_vi).values()
        for f in c["features"]
        if f["geometry"]["type"] == "LineString"
    ]
    drawn = {html.unescape(f["properties"]["uc_id"]): f for f in lines}
    # legs with a length are drawn; the land leg without a sourced length is drawn too
    assert set(drawn) == {
        f"{g}->{h}" for g, h in zip(legs["gateway_id"], legs["hub_id"], strict=True)
    }
    for _, leg in legs.iterrows():
        feature = drawn[f"{leg['gateway_id']}->{leg['hub_id']}"]
        xy = np.asarray(feature["geometry"]["coordinates"])
        expected = shapely.get_coordinates(leg.geometry)
        # sea: the searoute polyline as computed; air: the great-circle arc (64 points)
        np.testing.assert_allclose(xy, expected, atol=1e-9)
        if leg["mode"] == "air":
            assert len(xy) == 64
        assert feature["properties"]["uc_style"]["color"] == _world.LEG_COLOURS[leg["mode"]]


def test_hubs_are_labelled_readably(delta_chain, page_vi, access):
    labels = {row[2]: row for row in _labels(page_vi)}
    for text in ("Singapore Changi (SIN)", "Singapore (Keppel)", "Kunming", "Incheon (ICN)"):
        assert text in labels
        assert "uc-label-hub" in labels[text][5]
    # capitals are labelled, above every hub in priority, from zoom 6
    assert labels["Hà Nội"][3] == 0
    assert labels["Hà Nội"][4] == 6
    # no hub label says "International Airport" (shortened, with the IATA code)
    assert not any("International Airport" in t for t in labels)
    hubs = set(access.index.get_level_values("hub_id"))
    assert len([r for r in _labels(page_vi) if "uc-label-hub" in r[5]]) == len(hubs)


def test_legend_says_indicative_and_gives_the_assumptions(delta_chain, access):
    slow = world.world_access(delta_chain, assumptions={"ship_speed_kn": 10})
    for lang, word in (("vi", "tham khảo"), ("en", "Indicative")):
        page = maps.render_html(maps.world_map(delta_chain, access=slow, lang=lang))
        legend = json.loads(re.search(r"body\.innerHTML = (\".*?\");", page).group(1))
        text = html.unescape(re.sub(r"<[^>]+>", " ", legend))
        assert word in text
        assert i18n.text("world_legs_heading", lang) in text
        assert ("10 hải lý/giờ" if lang == "vi" else "Ship 10 knots") in text
        assert i18n.text("world_attribution", lang).split(" | ")[0] in html.unescape(page)


def test_cities_coloured_by_hours_to_the_chosen_hub(delta_chain, access):
    pic = _world._picture(
        delta_chain,
        access=access,
        hub="air_sin",
        hubs=None,
        assumptions=None,
        lang="en",
        title=None,
    )
    expected = access.xs("air_sin", level="hub_id")["total_h"]
    got = pic.nodes.set_index("node_id")["value"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.reindex(got.index).sort_index(), check_names=False
    )
    # classes never run backwards: a longer time never gets a lighter class
    order = np.argsort(pic.nodes["value"].to_numpy())
    classes = pic.classes.index[order]
    assert (np.diff(classes) >= 0).all()
    assert "Singapore Changi (SIN)" in pic.value_title
    # the default is the first main hub the chain reaches
    default = _world._picture(
        delta_chain,
        access=access,
        hub=None,
        hubs=None,
        assumptions=None,
        lang="en",
        title=None,
    )
    assert default.hub == _world.MAIN_HUBS[0]


def test_node_tooltip_lists_each_main_route(delta_chain, page_vi, access):
    nodes = next(
        c
        for c in _collections(page_vi).values()
        if any(html.unescape(f["properties"]["uc_id"]) == "ha_noi" for f in c["features"])
    )
    hn = next(f for f in nodes["features"] if html.unescape(f["properties"]["uc_id"]) == "ha_noi")
    tip = html.unescape(hn["properties"]["uc_tooltip"])
    row = access.loc[("ha_noi", "air_sin")]
    assert "Singapore Changi Airport" in tip
    assert i18n.format_value(row["total_h"], "h", "vi") in tip
    assert "Sân bay quốc tế Nội Bài" in tip


def test_bad_arguments_are_refused(delta_chain, access):
    with pytest.raises(UnknownNameError, match="sea_singapore"):
        maps.world_map(delta_chain, access=access, hub="sea_singapur")
    with pytest.raises(ValidationError, match="world_access"):
        maps.world_map(delta_chain, access=access.reset_index())
    with pytest.raises(ValidationError, match="lang"):
        maps.world_map(delta_chain, access=access, lang="fr")


def test_map_is_offline_and_template_free(delta_chain, access):
    from urbanchain.maps import _offline

    m = maps.world_map(delta_chain, access=access)
    assert len(template_free_names(m)) >= 10
    page = maps.render_html(m)
    assert _offline.find_remote_assets(page) == []
    assert "tile" not in page.split("</style>")[-1].lower()


def _with_new_airport(chain: UrbanChain) -> UrbanChain:
    # a hypothetical airport next to Hưng Yên city (test only: not a sourced location)
    nodes = chain.nodes
    hy = nodes.set_index("node_id").geometry["hung_yen"]
    new = nodes.iloc[[0]].copy()
    new["node_id"], new["name"], new["kind"] = "test_airport", "Test airport", "airport"
    new["is_capital"] = False
    new["geometry"] = [Point(hy.x + 0.02, hy.y + 0.02)]
    more = gpd.GeoDataFrame(pd.concat([nodes, new], ignore_index=True), crs=nodes.crs)
    return UrbanChain(
        nodes=more, corridors=chain.corridors, year=2025, graph_options=chain.graph_options
    )


def test_a_new_airport_gets_its_arcs_drawn(delta_chain):
    other = _with_new_airport(delta_chain)
    access = world.world_access(other, hubs=["air_sin", "air_hkg", "sea_singapore"])
    pic = _world._picture(
        other, access=access, hub="air_sin", hubs=None, assumptions=None, lang="en", title=None
    )
    new = pic.legs[pic.legs["gateway_id"] == "test_airport"]
    assert sorted(new["hub_id"]) == ["air_hkg", "air_sin"]
    assert set(new["basis"]) == {"great_circle (computed)"}
    assert new["used"].any()  # Hưng Yên now flies from it
    start = shapely.get_coordinates(new.geometry.iloc[0])[0]
    assert start == pytest.approx(
        [other.graph.nodes["test_airport"]["x"], other.graph.nodes["test_airport"]["y"]]
    )


# ----------------------------------------------------------------------------- print


def test_print_version_has_the_legend_inset_and_title(delta_chain, access, tmp_path):
    fig = maps.world_plot(delta_chain, access=access, lang="vi")
    (main,) = fig.axes
    insets = main.child_axes
    assert len(insets) == 1, "the chain inset"
    assert main.get_title(loc="left").startswith("Đồng bằng sông Hồng")
    legend = main.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert {"đường biển", "sân bay trung chuyển quốc tế"} <= set(texts)
    shown = {t.get_text() for t in main.texts}
    assert "Singapore Changi (SIN)" in shown
    inset_names = {t.get_text() for t in insets[0].texts}
    assert set(delta_chain.nodes.set_index("node_id").loc[delta_chain.capitals, "name"]) <= (
        inset_names
    )
    path = tmp_path / "world.png"
    fig.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # hub labels never overlap one another
    renderer = fig._get_renderer()
    boxes = [t.get_window_extent(renderer) for t in main.texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    # ... nor cover another hub's square (a port and an airport of one city, Tokyo)
    pic = _world._picture(
        delta_chain, access=access, hub=None, hubs=None, assumptions=None, lang="vi", title=None
    )
    hubs = list(pic.hubs["label"])
    points = main.transData.transform([(float(g.x), float(g.y)) for g in pic.hubs.geometry])
    half = 4.5 * fig.dpi / 72
    labelled = {t.get_text(): box for t, box in zip(main.texts, boxes, strict=True)}
    covered = [
        name
        for name, box in labelled.items()
        for px, py in points
        if box.x0 < px - half and px + half < box.x1 and box.y0 < py < box.y1
    ]
    assert covered == [], (covered, hubs)
    # the legend beside the map stays on the page (long labels are wrapped)
    page = fig.bbox
    box = legend.get_window_extent(renderer)
    assert page.x0 <= box.x0
    assert box.x1 <= page.x1 + 0.5
    # the capitals' names in the inset do not overlap one another (adjustText)
    names = [t.get_window_extent(renderer) for t in insets[0].texts]
    clashes = [(i, j) for i, a in enumerate(names) for j in range(i + 1, len(names))
               if a.overlaps(names[j])]  # fmt: skip
    assert clashes == []


# ----------------------------------------------------------------------------- brief


def test_brief_table_matches_world_access(delta_chain, access):
    names = dict(zip(delta_chain.nodes["node_id"], delta_chain.nodes["name"], strict=True))
    for lang in ("vi", "en"):
        table = report_world.world_table(
            access, capitals=list(delta_chain.capitals), names=names, lang=lang
        )
        assert [r[0] for r in table["rows"]] == [names[c] for c in delta_chain.capitals]
        assert table["columns"] == [h for h in _world.MAIN_HUBS if h in table["columns"]]
        assert len(table["head"]) == 1 + len(table["columns"])
        for (capital, hub), (gate, mode, hours, km) in table["cells"].items():
            row = access.loc[(capital, hub)]
            assert (gate, mode) == (row["gateway_id"], row["mode"])
            assert hours == row["total_h"]
            assert km == row["total_km"]
            r = [names[c] for c in delta_chain.capitals].index(names[capital])
            cell = table["rows"][r][1 + table["columns"].index(hub)]
            assert i18n.format_value(hours, "h", lang) in cell
            assert names[gate] in cell
        assert len(table["cells"]) == len(delta_chain.capitals) * len(table["columns"])
        assert ("tham khảo" if lang == "vi" else "Indicative") in table["note"]


def test_brief_table_names_unreached_hubs():
    idx = pd.MultiIndex.from_tuples(
        [("a", "air_sin"), ("a", "land_kunming")], names=["node_id", "hub_id"]
    )
    access = pd.DataFrame(
        {
            "mode": ["air", "land"],
            "gateway_id": ["g", None],
            "total_h": [5.0, np.nan],
            "total_km": [2000.0, np.nan],
        },
        index=idx,
    )
    access.attrs["assumptions"] = world.WorldAssumptions().as_dict()
    table = report_world.world_table(access, capitals=["a"], names={"g": "Gate"}, lang="en")
    assert table["columns"] == ["air_sin"]
    assert "Kunming" in table["note"]
    assert table["rows"] == [["a", "5 h · 2,000 km · via Gate"]]


def test_brief_has_the_world_table_and_map(delta_chain, access):
    from urbanchain import metrics
    from urbanchain.report import brief, key_tables

    tables = key_tables(delta_chain) | {"world_access": access}
    page = brief(delta_chain, lang="en", tables=tables, static_map=False)
    assert str(markupsafe.escape(i18n.text("brief_world", "en"))) in page
    assert str(markupsafe.escape(i18n.text("brief_world_map", "en"))) in page
    assert "Singapore Changi (SIN) (air)" in page
    assert "World hubs and legs: port coordinates" in page
    assert metrics.world_access is world.world_access
    # the world map is inside the page, escaped in the iframe
    assert page.count('<iframe class="uc-map"') == 2


def test_main_job_writer_writes_both_languages(delta_chain, access, tmp_path):
    from urbanchain.cli._outputs import write_world_maps

    written = write_world_maps(
        delta_chain, tmp_path, slug="red-river-delta", tables={"world_access": access}
    )
    names = sorted(p.name for p in written)
    assert names == sorted(
        f"world-red-river-delta{s}{e}" for s in ("", "-en") for e in (".html", ".png", ".pdf")
    )
    vi = (tmp_path / "world-red-river-delta.html").read_text(encoding="utf-8")
    en = (tmp_path / "world-red-river-delta-en.html").read_text(encoding="utf-8")
    assert "Chú giải" in vi
    assert "Legend" in en
    assert (tmp_path / "world-red-river-delta.pdf").read_bytes()[:5] == b"%PDF-"


def test_world_map_accepts_a_graph_like_chain(delta_chain, access):
    view = SimpleNamespace(graph=delta_chain.graph, capitals=delta_chain.capitals, region=None)
    page = maps.render_html(maps.world_map(view, access=access, title="Chain"))
    assert "<title>Chain</title>" in page


# ----------------------------------------------------------------------------- land backdrop


def test_land_backdrop_is_rebuilt_byte_for_byte_and_draws_no_borders(tmp_path):
    import importlib.util
    import tomllib
    from pathlib import Path

    from urbanchain._private._bundled import BUNDLED, read_bundled_geojson

    root = Path(__file__).parents[1]
    spec = importlib.util.spec_from_file_location(
        "build_world_land", root / "scripts" / "build_world_land.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.build(tmp_path / "land.geojson")
    bundled = root / "data" / "world_land.geojson"
    doc = json.loads(bundled.read_text(encoding="utf-8"))
    import pyogrio

    if f"pyogrio=={pyogrio.__version__}" not in doc["source"]:
        pytest.skip(f"the backdrop was built with another pyogrio: {doc['source']}")
    assert out.read_bytes() == bundled.read_bytes()
    assert "public domain" in doc["licence"]
    land = read_bundled_geojson("world_land.geojson")
    assert set(land.geom_type) <= {"Polygon"}
    # dissolved: no two parts touch (a shared border would mean countries were kept)
    parts = list(land.geometry)
    assert not any(a.touches(b) for i, a in enumerate(parts) for b in parts[i + 1 :])
    # every hub of the bundle and both chains lie inside its frame
    x0, y0, x1, y1 = land.total_bounds
    hubs = world.world_hubs()
    assert hubs["lon"].between(x0, x1).all()
    assert hubs["lat"].between(y0, y1).all()
    cfg = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    force = cfg["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert "world_land.geojson" in BUNDLED
    assert force["data/world_land.geojson"] == "urbanchain/_data/world_land.geojson"
