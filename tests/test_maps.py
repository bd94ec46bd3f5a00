"""Tests of urbanchain.maps without a browser: rendered HTML structure and escaping."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point
from tests._payloads import DANGEROUS_FRAGMENTS, PAYLOADS, node_scores, synthetic_chain

from urbanchain import maps
from urbanchain.errors import (
    CRSError,
    DataQualityWarning,
    UnknownNameError,
    ValidationError,
)
from urbanchain.maps import _offline
from urbanchain.maps._html import escape_js_template, format_value, json_for_script

GREY = "#bdbdbd"


def _collections(page: str) -> list[dict]:
    """Decode every FeatureCollection passed to ``addData(...)``."""
    decoder = json.JSONDecoder()
    out = []
    script = _our_script(page)
    for match in re.finditer(r"uc_feature_layer_\w+\.addData\(", script):
        data, _ = decoder.raw_decode(script, match.end())
        out.append(data)
    return out


def _our_script(page: str) -> str:
    """The map's own script (after </body>), not the inlined Leaflet library."""
    return page[page.index("</body>") :]


def _strip_json_strings(script: str) -> str:
    return re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', script)


@pytest.fixture
def chain():
    return synthetic_chain()


# --------------------------------------------------------------------------- imports


def test_import_urbanchain_loads_no_heavy_packages():
    code = (
        "import sys, urbanchain, urbanchain.maps\n"
        "heavy = [m for m in ('folium', 'branca', 'mapclassify', 'matplotlib', 'playwright') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# --------------------------------------------------------------------------- structure


def test_chain_map_draws_every_layer_with_furniture(chain):
    m = maps.chain_map(
        chain,
        province_metric="population",
        node_metric="score",
        corridor_metric="criticality",
        title="Red River Delta chain",
    )
    page = maps.render_html(m)
    collections = _collections(page)
    assert [len(c["features"]) for c in collections] == [3, 3, 4]
    assert "L.control.scale()" in page
    assert "L.control.layers(" in page
    for name in (
        "Provinces (2025): Population",
        "Transport corridors: Corridor criticality",
        "Cities and gateways: Chain score (0–1)",
    ):
        assert json.dumps(name, ensure_ascii=False) in page
    assert "geoBoundaries (Runfola et al. 2020, PLoS ONE 15(4): e0231866), CC BY 4.0" in page
    assert "schematic corridors" in page
    assert '<div class="uc-title" title="Red River Delta chain">Red River Delta chain</div>' in page
    assert "<title>Red River Delta chain</title>" in page
    assert "L.tileLayer" not in page
    # Legend sections, escaped inside a JSON string.
    for text in ("Corridor type", "Corridor status", "Place type (ring)", "no data"):
        assert text in page


def test_offline_html_has_no_remote_assets(chain, tmp_path):
    m = maps.chain_map(chain, province_metric="population")
    out = maps.save(m, tmp_path / "map.html")
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)\b[^>]*\b(src|href)\s*=\s*['\"]?(https?:)?//", page, re.I)
    assert _offline.find_remote_assets(page) == []
    assert "jquery" not in page.lower()
    assert "bootstrap" not in page.lower()
    assert "font-awesome" not in page.lower()
    assert "fontawesome" not in page.lower()
    # Leaflet is inlined from XStatic-Leaflet, images as data URIs.
    assert (
        f"Leaflet {_offline.leaflet_version()}" in page or "L.version" in page or "leaflet" in page
    )
    assert "data:image/png;base64," in page
    assert "url(images/" not in page
    assert "sourceMappingURL" not in page


def test_find_remote_assets_flags_cdn_tags():
    page = '<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn/x.css"/>'
    assert len(_offline.find_remote_assets(page)) == 2
    inlined = _offline.inline_known_assets(
        f'<script src="{_offline.LEAFLET_JS_URL}"></script><link rel="stylesheet" href="{_offline.LEAFLET_CSS_URL}"/>'
    )
    assert _offline.find_remote_assets(inlined) == []


def test_online_map_uses_xyzservices_tiles_and_cannot_be_saved_offline(chain, tmp_path):
    m = maps.chain_map(chain, offline=False, tiles="OpenStreetMap.Mapnik")
    page = maps.render_html(m, offline=False)
    assert "L.tileLayer" in page
    assert "tile.openstreetmap.org" in page
    assert _offline.LEAFLET_JS_URL in page
    assert "jquery" not in page.lower()
    with pytest.raises(ValidationError, match="tile layer"):
        maps.save(m, tmp_path / "x.html")
    assert maps.save(m, tmp_path / "online.html", offline=False).exists()


def test_tiles_with_offline_true_is_an_error(chain):
    with pytest.raises(ValidationError, match="offline=False"):
        maps.chain_map(chain, tiles="OpenStreetMap.Mapnik")


def test_unknown_tiles_name(chain):
    with pytest.raises(ValidationError, match="Unknown basemap"):
        maps.chain_map(chain, offline=False, tiles="No.Such.Provider")


# --------------------------------------------------------------------------- values


def test_nan_metrics_are_grey_no_data_never_zero(chain):
    m = maps.chain_map(chain, province_metric="population", node_metric="score")
    provinces, _corridors, nodes = _collections(maps.render_html(m))
    # Province "31" (Hải Phòng) has NaN population.
    hai_phong = provinces["features"][1]["properties"]
    assert hai_phong["uc_style"]["fillColor"] == GREY
    assert "Population: no data" in hai_phong["uc_tooltip"]
    # Two distinct populations -> two classes, the lightest and darkest of YlOrRd-3.
    assert provinces["features"][0]["properties"]["uc_style"]["fillColor"] == "#f03b20"
    assert provinces["features"][2]["properties"]["uc_style"]["fillColor"] == "#ffeda0"
    ha_long = nodes["features"][2]["properties"]
    assert ha_long["uc_style"]["fillColor"] == GREY
    assert ha_long["uc_style"]["radius"] == 5.0
    assert "Chain score (0–1): no data" in ha_long["uc_tooltip"]
    assert ": 0<" not in ha_long["uc_tooltip"]


def test_metric_series_keyed_by_id_and_width_scaling(chain):
    criticality = pd.Series({"ct04_ha_noi_hai_phong": 0.8, "ql18_planned": 0.3}, name="criticality")
    criticality.attrs["unit"] = "share of trips"
    m = maps.chain_map(chain, corridor_metric=criticality, node_metric=node_scores(chain))
    _corridors, _nodes = _collections(maps.render_html(m))[-2:]
    styles = [f["properties"]["uc_style"] for f in _corridors["features"]]
    # Hand-worked: 0.8 is the maximum -> 9 px, 0.3 the minimum -> 2 px, missing -> 1.5 px.
    assert [s["weight"] for s in styles] == [9.0, 1.5, 2.0]
    assert [s.get("dashArray") for s in styles] == [None, "10 6", "3 7"]
    assert [s["color"] for s in styles] == ["#d7301f", "#6a3d9a", "#f16913"]
    tooltip = _corridors["features"][0]["properties"]["uc_tooltip"]
    assert "Corridor criticality: 0.8 share of trips" in tooltip
    assert "Corridor criticality: no data" in _corridors["features"][1]["properties"]["uc_tooltip"]
    # Node scores: 0.9 is the largest -> radius 14, 0.2 the smallest -> radius 5.
    radii = [f["properties"]["uc_style"]["radius"] for f in _nodes["features"]]
    assert radii[0] == 14.0
    assert radii[3] == 5.0


def test_paused_corridors_are_styled_distinctly(chain):
    corridors = chain.corridors.copy()
    corridors.loc[2, "status"] = "paused"
    m = maps.chain_map(corridors=corridors)
    (layer,) = _collections(maps.render_html(m))
    style = layer["features"][2]["properties"]["uc_style"]
    assert style["dashArray"] == "1 9"
    assert style["opacity"] == 0.45


def test_units_from_attrs_and_argument(chain):
    m = maps.chain_map(
        chain, province_metric="population", units={"criticality": "index"}, popup="full"
    )
    page = maps.render_html(m)
    assert "8,400,000 people" in page
    assert "0.8 index" in page


def test_unknown_ids_in_metric_warn(chain):
    scores = pd.Series({"ha_noi": 1.0, "atlantis": 2.0}, name="score2")
    with pytest.warns(DataQualityWarning, match="atlantis"):
        maps.chain_map(chain, node_metric=scores)


def test_metric_errors(chain):
    with pytest.raises(UnknownNameError, match="populaton"):
        maps.chain_map(chain, province_metric="populaton")
    with pytest.raises(UnknownNameError, match="classification scheme"):
        maps.chain_map(chain, province_metric="population", scheme="kmeans")
    with pytest.raises(ValidationError, match="duplicate ids"):
        maps.chain_map(chain, node_metric=pd.Series([1.0, 2.0], index=["ha_noi", "ha_noi"]))
    with pytest.raises(ValidationError, match="infinite"):
        maps.chain_map(chain, node_metric=pd.Series({"ha_noi": np.inf}))
    with pytest.raises(ValidationError, match="non-numeric"):
        maps.chain_map(chain, node_metric="name")
    with pytest.raises(ValidationError, match="one column"):
        maps.chain_map(chain, node_metric=pd.DataFrame({"a": [1.0], "b": [2.0]}, index=["ha_noi"]))
    with pytest.raises(ValidationError, match="positive integer"):
        maps.chain_map(chain, province_metric="population", k=0)


def test_layer_without_crs_is_refused(chain):
    nodes = gpd.GeoDataFrame(
        chain.nodes.drop(columns="geometry"), geometry=list(chain.nodes.geometry)
    )
    assert nodes.crs is None
    with pytest.raises(CRSError, match="set_crs"):
        maps.chain_map(nodes=nodes)


def test_projected_layer_is_shown_in_lonlat(chain):
    m = maps.chain_map(nodes=chain.nodes.to_crs("EPSG:3405"))
    (layer,) = _collections(maps.render_html(m))
    lon, lat = layer["features"][0]["geometry"]["coordinates"]
    assert lon == pytest.approx(105.85, abs=1e-6)
    assert lat == pytest.approx(21.03, abs=1e-6)


def test_missing_geometry_is_reported_not_silently_dropped(chain):
    nodes = chain.nodes.copy()
    nodes.loc[1, "geometry"] = None
    with pytest.warns(DataQualityWarning, match="hai_phong"):
        m = maps.chain_map(nodes=nodes)
    (layer,) = _collections(maps.render_html(m))
    assert len(layer["features"]) == 3


# --------------------------------------------------------------------------- edge cases


def test_empty_and_absent_layers_render(chain):
    empty_nodes = chain.nodes.iloc[0:0]
    m = maps.chain_map(provinces=chain.provinces.iloc[0:0], nodes=empty_nodes)
    page = maps.render_html(m)
    assert [len(c["features"]) for c in _collections(page)] == [0, 0]
    assert "fitBounds" not in _our_script(page)
    assert maps.render_html(maps.chain_map()).count("L.map(") == 1


def test_all_nan_metric_renders_no_data(chain):
    nodes = chain.nodes.assign(score=np.nan)
    m = maps.chain_map(nodes=nodes, node_metric="score")
    (layer,) = _collections(maps.render_html(m))
    assert {f["properties"]["uc_style"]["fillColor"] for f in layer["features"]} == {GREY}


def test_caller_frames_are_not_mutated(chain):
    before = {k: getattr(chain, k).copy(deep=True) for k in ("provinces", "corridors", "nodes")}
    attrs_before = dict(chain.provinces.attrs)
    scores = node_scores(chain)
    scores_before = scores.copy()
    maps.chain_map(
        chain, province_metric="population", node_metric=scores, corridor_metric="criticality"
    )
    maps.chain_plot(chain, province_metric="population", node_metric=scores)
    maps.diff_map(chain, chain, node_metric="score", corridor_metric="criticality")
    for key, frame in before.items():
        pd.testing.assert_frame_equal(getattr(chain, key), frame)
    assert chain.provinces.attrs == attrs_before
    pd.testing.assert_series_equal(scores, scores_before)


def test_vintages_2008_and_2025_are_separate_layers(chain):
    old = chain.provinces.drop(columns=["members_2008"]).assign(code_2025=["01", "31", "22"])
    m = maps.chain_map(provinces=chain.provinces, provinces_2008=old, vintages=(2008, 2025))
    page = maps.render_html(m)
    assert json.dumps("Provinces (2008)") in page
    assert json.dumps("Provinces (2025)") in page
    assert "uc-province-2008" in page
    assert "uc-province-2025" in page
    with pytest.raises(ValidationError, match="2008"):
        maps.chain_map(provinces=chain.provinces, vintages=(2008, 2025))
    # A lone 2008 layer is drawn even with the default vintages.
    only_old = maps.render_html(maps.chain_map(provinces_2008=old))
    assert [len(c["features"]) for c in _collections(only_old)] == [3]


def test_the_same_2008_layer_twice_is_drawn_once_but_two_different_ones_are_refused(chain):
    old = chain.provinces.drop(columns=["members_2008"]).assign(code_2025=["01", "31", "22"])
    # a chain of a year before the 2025 merger carries its 2008 layer as both
    # provinces and provinces_2008 (equal copies): one layer, no error
    page = maps.render_html(maps.chain_map(provinces=old.copy(), provinces_2008=old))
    assert [len(c["features"]) for c in _collections(page)] == [3]
    moved = old.copy()
    moved["geometry"] = moved.geometry.translate(0.5, 0.0)
    with pytest.raises(ValidationError, match="Two province layers of the 2008 vintage"):
        maps.chain_map(provinces=moved, provinces_2008=old)
    other = old.iloc[:2].copy()
    with pytest.raises(ValidationError, match="Two province layers of the 2008 vintage"):
        maps.chain_map(provinces=other, provinces_2008=old)


def test_duplicate_layer_names_are_disambiguated(chain):
    m = maps.chain_map(
        chain, layer_names={"provinces": "Layer", "corridors": "Layer", "nodes": "Layer"}
    )
    page = maps.render_html(m)
    assert '.addOverlay(' in page
    assert ', "Layer");' in page
    assert ', "Layer (2)");' in page
    assert ', "Layer (3)");' in page


# --------------------------------------------------------------------------- diff map


def test_diff_map_from_two_series_is_centred_at_zero(chain):
    base = pd.Series({"ha_noi": 1.0, "hai_phong": 2.0, "ha_long": 3.0}, name="closeness")
    other = pd.Series({"ha_noi": 1.5, "hai_phong": 2.0, "ha_long": 1.0}, name="closeness")
    m = maps.diff_map(chain, node_metric=(base, other), labels=("2025", "2030"))
    page = maps.render_html(m)
    nodes = _collections(page)[-1]["features"]
    fills = [f["properties"]["uc_style"]["fillColor"] for f in nodes]
    # Hand-worked: differences +0.5, 0, -2, missing; the scale is -2..+2 centred at 0.
    assert fills[1] == "#f7f7f7"
    assert fills[2] == "#2166ac"
    assert fills[3] == GREY
    tooltip = nodes[0]["properties"]["uc_tooltip"]
    assert "Change: Closeness (inverse mean travel time) (2030 vs 2025): 0.5 1/min" in tooltip
    assert "Closeness (inverse mean travel time) (2025): 1 1/min" in tooltip
    assert "no data" in nodes[3]["properties"]["uc_tooltip"]
    assert "+2 1/min (higher)" in page  # legend end, in words


def test_diff_map_columns_of_two_networks_and_precomputed(chain):
    other_nodes = chain.nodes.assign(score=[1.0, 0.5, 0.1, 0.1])
    other_corridors = chain.corridors.assign(criticality=[0.2, 0.4, 0.3])
    other = type(chain)(provinces=chain.provinces, nodes=other_nodes, corridors=other_corridors)
    m = maps.diff_map(chain, other, node_metric="score", corridor_metric="criticality")
    _provinces, corridors, nodes = _collections(maps.render_html(m))
    assert (
        "Change: Chain score (0–1) (scenario vs base): 0.1"
        in nodes["features"][0]["properties"]["uc_tooltip"]
    )
    assert "no data" in nodes["features"][2]["properties"]["uc_tooltip"]  # base NaN
    assert corridors["features"][1]["properties"]["uc_style"]["color"] == GREY
    assert corridors["features"][2]["properties"]["uc_style"]["color"] == "#f7f7f7"
    precomputed = pd.Series({"ha_noi": -1.0, "ha_long": 1.0}, name="Δ time")
    m2 = maps.diff_map(chain, node_metric=precomputed)
    fills = [
        f["properties"]["uc_style"]["fillColor"]
        for f in _collections(maps.render_html(m2))[-1]["features"]
    ]
    assert fills == ["#2166ac", GREY, "#b2182b", GREY]


def test_diff_map_needs_nodes():
    with pytest.raises(ValidationError, match="node geometry"):
        maps.diff_map(None, node_metric=pd.Series({"a": 1.0}))


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("key", sorted(PAYLOADS))
def test_payloads_never_reach_executable_context(key):
    payload = PAYLOADS[key]
    chain = synthetic_chain(payload)
    scores = node_scores(chain, name=payload)
    criticality = chain.corridors.set_index("corridor_id")["criticality"].rename(payload)
    m = maps.chain_map(
        chain,
        province_metric="population",
        node_metric=scores,
        corridor_metric=criticality,
        title=payload,
        layer_names={"provinces": payload, "corridors": payload, "nodes": payload},
        attribution=payload,
        units={payload: payload},
        popup="full",
    )
    page = maps.render_html(m)
    for fragment in DANGEROUS_FRAGMENTS:
        if fragment in payload:
            assert fragment not in page
    if any(ch in payload for ch in "<>&\"'"):
        assert payload not in page
    script = _our_script(page)
    # Every piece of data lives in a JSON string: outside them there is no template
    # literal and no substitution.
    skeleton = _strip_json_strings(script)
    assert "`" not in skeleton
    assert "${" not in skeleton
    assert "\u2028" not in script
    assert "\u2029" not in script
    assert page.count("<script") == page.count("</script>")
    # The data decodes back to escaped text: the payload shows as text.
    collections = _collections(page)
    assert [len(c["features"]) for c in collections] == [3, 3, 4]
    escaped = html.escape(payload, quote=True).replace("{", "&#123;").replace("}", "&#125;")
    tooltip = collections[2]["features"][0]["properties"]["uc_tooltip"]
    assert f"<b>{escaped}</b>" in tooltip
    popup = collections[0]["features"][0]["properties"]["uc_popup"]
    assert f"<th>{escaped}</th>" in popup  # the column name
    assert escaped in page.split("<body>")[1].split("</body>")[0]  # title


def test_payload_in_diff_map_and_static_plot(tmp_path):
    payload = PAYLOADS["script_close"] + PAYLOADS["template_substitution"]
    chain = synthetic_chain(payload)
    scores = node_scores(chain, name=payload)
    m = maps.diff_map(
        chain, node_metric=(scores, scores * 2), labels=(payload, payload), title=payload
    )
    page = maps.render_html(m)
    assert "</script><script>window.__pwned" not in page
    assert "${" not in _strip_json_strings(_our_script(page))
    fig = maps.chain_plot(chain, node_metric=scores, title=PAYLOADS["ten_kb"])
    fig.savefig(tmp_path / "payload.svg")
    fig.savefig(tmp_path / "payload.png", dpi=50)


def test_escape_helpers():
    assert escape_js_template("${a}`\\1") == "\\$&#123;a&#125;\\`\\\\1"
    assert json_for_script("</script>\u2028") == '"\\u003c/script\\u003e\\u2028"'
    assert format_value(np.nan, "km") == "no data"
    assert format_value(pd.NA) == "no data"
    assert format_value(0.0, "km") == "0 km"
    assert format_value(True) == "yes"


# --------------------------------------------------------------------------- static figure


def test_chain_plot_png_and_svg(chain, tmp_path, caplog):
    import matplotlib

    caplog.set_level("WARNING", logger="matplotlib")
    backend = matplotlib.get_backend()
    fig = maps.chain_plot(
        chain,
        province_metric="population",
        node_metric="score",
        corridor_metric="criticality",
        title="Delta $x$",
    )
    fig.savefig(tmp_path / "chain.png", dpi=60)
    fig.savefig(tmp_path / "chain.svg")
    assert (tmp_path / "chain.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the frame widening to the page is intended: matplotlib's notice about it is dropped
    assert not [r for r in caplog.records if "fixed x limits" in r.getMessage()]
    svg = (tmp_path / "chain.svg").read_text(encoding="utf-8")
    assert "geoBoundaries" in svg
    assert matplotlib.get_backend() == backend
    ax = fig.axes[0]
    assert ax.get_title() == "Delta \\$x\\$"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "no data" in labels
    assert "expressway" in labels
    assert "under construction" in labels


def test_chain_plot_on_given_axes(chain):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert maps.chain_plot(nodes=chain.nodes, ax=ax) is fig


# --------------------------------------------------------------------------- real data


def _real_layers():
    datasets = pytest.importorskip("urbanchain.datasets")
    try:
        provinces_2008 = datasets.provinces()
        provinces_2025 = datasets.provinces(vintage=2025)
        nodes = datasets.nodes()
        corridors = datasets.corridors()
    except Exception as exc:  # the data helper's layers may not exist yet
        pytest.skip(f"bundled layers not available: {exc}")
    if len(provinces_2008) == 0 or len(nodes) == 0:
        pytest.skip("bundled layers are still empty")
    return provinces_2008, provinces_2025, nodes, corridors


def test_real_delta_layers_map(tmp_path):
    provinces_2008, provinces_2025, nodes, corridors = _real_layers()
    m = maps.chain_map(
        provinces=provinces_2025,
        provinces_2008=provinces_2008,
        nodes=nodes,
        corridors=corridors,
        province_metric="population",
        vintages=(2008, 2025),
        title="Red River Delta",
    )
    page = maps.save(m, tmp_path / "delta.html").read_text(encoding="utf-8")
    collections = _collections(page)
    assert len(collections[0]["features"]) == 11  # the 2008 vintage
    assert len(collections[1]["features"]) == len(provinces_2025)
    assert len(collections[3]["features"]) == int(nodes.geometry.notna().sum())
    assert _offline.find_remote_assets(page) == []


def test_doc_example_point():
    nodes = gpd.GeoDataFrame(
        {"node_id": ["a"], "name": ["A"]}, geometry=[Point(105.8, 21.0)], crs="EPSG:4326"
    )
    page = maps.render_html(maps.chain_map(nodes=nodes))
    assert "fitBounds" in _our_script(page)
