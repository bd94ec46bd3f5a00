"""Maps and briefs a decision maker can read (issue 17): catalogue, labels, legends,
popups, extension, static figure, brief. Browser checks are in test_maps_readable_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon
from tests._payloads import node_scores, synthetic_chain
from tests.test_maps import _collections, _our_script

from urbanchain import maps
from urbanchain.errors import ValidationError
from urbanchain.maps import _i18n as i18n
from urbanchain.maps import _registry as reg
from urbanchain.readiness import INDICES, QUADRANTS

SRC = Path(__file__).resolve().parents[1] / "src" / "urbanchain"


# --------------------------------------------------------------------------- catalogue


def test_every_catalogue_entry_has_both_languages():
    tables = {
        "MESSAGES": i18n.MESSAGES,
        "KINDS": i18n.KINDS,
        "MODES": i18n.MODES,
        "STATUSES": i18n.STATUSES,
        "UNITS": i18n.UNITS,
        "REGIONS": i18n.REGIONS,
    }
    for table_name, table in tables.items():
        for key, entry in table.items():
            assert set(entry) == set(i18n.LANGS), f"{table_name}[{key!r}]"
            if table_name != "UNITS":  # unit-less values ("0-1") show no word
                assert all(entry[lang].strip() for lang in i18n.LANGS), f"{table_name}[{key!r}]"
    for name, label in i18n.METRICS.items():
        assert label.vi.strip(), name
        assert label.en.strip(), name
        assert label.vi != label.en or name in ("straightness",), name
        assert label.unit is None or label.unit in i18n.UNITS, name


def test_every_message_key_used_in_the_code_exists():
    """A visible string used by maps/report with no catalogue entry fails here."""
    pattern = re.compile(r"""i18n\.text\(\s*(f?)["']([^"']+)["']""")
    used = set()
    dynamic = []
    for folder in ("maps", "report", "cli"):
        for path in (SRC / folder).rglob("*.py"):
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                if match.group(1):
                    dynamic.append(match.group(2))
                else:
                    used.add(match.group(2))
    assert len(used) > 40
    missing = sorted(key for key in used if key not in i18n.MESSAGES)
    assert missing == []
    # f-string keys: every expansion that the code can produce exists.
    expansions = {
        "vintage_{vintage}": ["vintage_2008", "vintage_2025"],
        "province_{vintage}": ["province_2008", "province_2025"],
        "brief_{key}": [
            f"brief_{k}"
            for k in (
                "findings",
                "map",
                "map_note",
                "methods",
                "methods_text",
                "caveats",
                "sources",
                "print",
            )
        ],
        "brief_caveat_{key}": [f"brief_caveat_{k}" for k in ("schematic", "polygons", "missing")],
        "col_{kind}": ["col_seaport", "col_airport", "col_border_gate"],
        "rd_index_{index}": [f"rd_index_{k}" for k in INDICES],
        "rd_owner_{index}": [f"rd_owner_{k}" for k in INDICES],
        "rd_q_{q}": [f"rd_q_{k}" for k in QUADRANTS],
    }
    for template in dynamic:
        assert template in expansions, f"add the expansions of {template!r} to this test"
        for key in expansions[template]:
            assert key in i18n.MESSAGES, key


def test_text_raises_for_an_unknown_key_and_lang_is_checked():
    with pytest.raises(KeyError):
        i18n.text("no_such_message", "vi")
    with pytest.raises(ValidationError, match='"vi"'):
        maps.chain_map(lang="fr")


def test_numbers_follow_the_locale_and_years_stay_years():
    assert i18n.format_number(1234567.4, "vi") == "1.234.567"
    assert i18n.format_number(1234567.4, "en") == "1,234,567"
    assert i18n.format_value(0.1643, "0-1", "vi") == "0,16"
    assert i18n.format_value(62.95, "min", "vi") == "63 phút"
    assert i18n.format_value(62.95, "min", "en") == "63 min"
    assert i18n.format_value(8400000, "people", "vi") == "8.400.000 người"
    assert i18n.format_value(0.1224, "%", "en", scale=100) == "12%"
    assert i18n.format_value(2015.0, None, "en", year=True) == "2015"
    assert i18n.format_value(float("nan"), "min", "vi") == "không có dữ liệu"


# --------------------------------------------------------------------------- map content


@pytest.fixture
def chain():
    return synthetic_chain()


def _labels(page: str) -> list[list]:
    script = _our_script(page)
    match = re.search(r"var items = (\[.*?\]);\n", script)
    assert match is not None
    return json.loads(match.group(1))


def test_vietnamese_map_has_vietnamese_legend_units_and_labels(chain):
    page = maps.render_html(
        maps.chain_map(chain, province_metric="population", node_metric="score", lang="vi")
    )
    provinces, corridors, nodes = _collections(page)
    assert "Chú giải" in page
    assert "Loại tuyến" in page
    assert "đường cao tốc" in page
    assert "không có dữ liệu" in page
    assert "Corridor type" not in page
    assert "no data" not in _our_script(page)
    tooltip = provinces["features"][0]["properties"]["uc_tooltip"]
    assert "Dân số: 8.400.000 người" in tooltip
    labels = _labels(page)
    texts = {row[2] for row in labels}
    assert {"Hà Nội", "Hải Phòng", "Quảng Ninh"} <= texts
    # capitals first (priority 0); a province label carries candidate positions.
    capital_rows = [row for row in labels if row[5] == "uc-label-capital"]
    assert capital_rows
    assert all(row[3] == 0 for row in capital_rows)
    assert any(row[5] == "uc-label-province" and len(row[7]) >= 1 for row in labels)
    del corridors, nodes


def test_labels_can_be_turned_off(chain):
    page = maps.render_html(maps.chain_map(chain, labels=False))
    assert "UcLabels" not in page
    assert "uc_labels_" not in page


def test_class_bounds_are_rounded_and_readable():
    nodes = gpd.GeoDataFrame(
        {
            "node_id": list("abcde"),
            "name": list("ABCDE"),
            "kind": ["city"] * 5,
            "seaport_min": [10.165, 52.81, 113.63, 146.2, 207.4],
        },
        geometry=[Point(105 + i * 0.2, 21) for i in range(5)],
        crs="EPSG:4326",
    )
    page = maps.render_html(maps.chain_map(nodes=nodes, node_metric="seaport_min", k=3, lang="vi"))
    legend = json.loads(re.search(r"body.innerHTML = (\".*?\");", page).group(1))
    assert "Thời gian đến cảng biển gần nhất (phút)" in legend
    labels = re.findall(r"<span>([^<]*–[^<]*)</span>", legend)
    assert len(labels) == 3
    for label in labels:
        for number in re.findall(r"[\d.,]+", label):
            assert len(number.replace(".", "").replace(",", "")) <= 3, label
    assert labels[-1].endswith("phút")


def test_units_argument_wins_for_any_series_name(chain):
    score = node_scores(chain, name="score")
    score.attrs["units"] = {"score": "0-1"}
    page = maps.render_html(maps.chain_map(chain, node_metric=score, units={"score": "điểm"}))
    tooltip = _collections(page)[-1]["features"][0]["properties"]["uc_tooltip"]
    assert "0.9 điểm" in tooltip


def test_popups_are_curated_and_details_only_on_request():
    from urbanchain import datasets

    nodes = datasets.nodes()
    corridors = datasets.corridors()
    page = maps.render_html(maps.chain_map(nodes=nodes, corridors=corridors, lang="en"))
    corridor_layer, node_layer = _collections(page)
    ha_noi = next(f for f in node_layer["features"] if f["properties"]["uc_id"] == "ha_noi")
    popup = ha_noi["properties"]["uc_popup"]
    assert "<h4>Hà Nội</h4>" in popup
    assert "city · provincial capital" in popup
    assert "<th>Province (2008–2025)</th><td>Hà Nội</td>" in popup
    assert "Sources" in popup
    for internal in ("place_id", "coord_source", "IOC scheme", "ha_noi"):
        assert internal not in popup
    assert popup.count("<tr") < 10
    years = [
        f["properties"]["uc_popup"]
        for f in corridor_layer["features"]
        if "Opening year" in f["properties"]["uc_popup"]
    ]
    assert years
    assert all(not re.search(r"Opening year</th><td>\d,\d{3}", p) for p in years)
    assert any(re.search(r"Opening year</th><td>(19|20)\d\d<", p) for p in years)
    links = re.findall(
        r'<a href="([^"]+)"',
        "".join(f["properties"]["uc_popup"] for f in corridor_layer["features"]),
    )
    assert links
    assert all(link.startswith(("http://", "https://")) for link in links)
    full = maps.render_html(maps.chain_map(nodes=nodes, popup="full"))
    assert "place_id" in full
    with pytest.raises(ValidationError, match="curated"):
        maps.chain_map(nodes=nodes, popup="everything")


def test_region_map_frames_the_provinces_and_draws_neighbours():
    from urbanchain import UrbanChain

    chain = UrbanChain.from_region("red_river_delta", year=2025)
    m = maps.chain_map(chain, vintages=(2008, 2025))
    page = maps.render_html(m)
    bounds = m.urbanchain_fit[0]
    both = pd.concat([chain.provinces_2008.to_crs(4326), chain.provinces.to_crs(4326)])
    assert bounds == pytest.approx(list(both.total_bounds), abs=0.01)
    nodes = chain.nodes.to_crs(4326).total_bounds
    assert nodes[1] < bounds[1] or nodes[3] > bounds[3]  # reach nodes lie outside the frame
    context = next(c for c in _collections(page) if "uc-context" in json.dumps(c)[:4000])
    names = {f["properties"]["uc_id"] for f in context["features"]}
    assert len(names) >= 5
    assert "interactive: false" in page


# --------------------------------------------------------------------------- extension


def _zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": ["30 phút từ Hà Nội", "60 phút từ Hà Nội"],
            "band_min": [30, 60],
            "origin": ["ha_noi", "ha_noi"],
            "area_km2": [900.0, 3100.0],
        },
        geometry=[
            Polygon([(105.6, 20.9), (106.0, 20.9), (106.0, 21.2), (105.6, 21.2)]),
            Polygon([(105.4, 20.7), (106.3, 20.7), (106.3, 21.4), (105.4, 21.4)]),
        ],
        crs="EPSG:4326",
    )


def test_extra_layers_service_areas_are_coloured_by_band(chain):
    page = maps.render_html(
        maps.chain_map(chain, extra_layers=[{"frame": _zones(), "name": "Vùng phục vụ"}], lang="vi")
    )
    extra = next(c for c in _collections(page) if "uc-extra" in json.dumps(c))
    fills = [f["properties"]["uc_style"]["fillColor"] for f in extra["features"]]
    assert fills[0] != fills[1]
    assert "≤ 30 phút" in page
    assert '"ucExtra"' in page
    assert "60 phút từ Hà Nội" in extra["features"][1]["properties"]["uc_tooltip"]


def test_extra_layers_accept_a_frame_and_a_style_pair_and_refuse_junk(chain):
    zones = _zones().drop(columns="band_min")
    page = maps.render_html(maps.chain_map(chain, extra_layers=[(zones, {"fillColor": "#00ff00"})]))
    assert '"fillColor":"#00ff00"' in page
    with pytest.raises(ValidationError, match="extra_layers\\[0\\]"):
        maps.chain_map(chain, extra_layers=["zones.geojson"])
    with pytest.raises(ValidationError, match="unknown keys"):
        maps.chain_map(chain, extra_layers=[{"frame": zones, "colour": "red"}])


def test_layers_added_after_chain_map_enter_the_layer_control(chain):
    import folium

    m = maps.chain_map(chain)
    later = folium.GeoJson(_zones().__geo_interface__, name="__proto__")
    later.add_to(m)
    page = maps.render_html(m)
    script = _our_script(page)
    definition = script.index(f"var {later.get_name()} =")
    control = script.index("L.control.layers(")
    assert definition < control
    assert f'.addOverlay({later.get_name()}, "__proto__");' in script
    # rendering twice keeps a single control, still last
    again = _our_script(maps.render_html(m))
    assert again.count("L.control.layers(") == 1


def test_registry_has_one_spec_per_kind_in_z_order():
    kinds = ["context", "provinces", "extra", "corridors", "nodes"]
    assert all(kind in reg.REGISTRY for kind in kinds)
    z = [reg.spec(kind).z_index for kind in kinds]
    assert z == sorted(z)
    assert reg.spec("provinces").z_index < 400 < reg.spec("extra").z_index
    with pytest.raises(KeyError, match="registered kinds"):
        reg.spec("hazards")
    for kind in kinds:
        assert callable(reg.spec(kind).plan())


def test_labels_cannot_open_a_template_block(chain):
    payload = "{{ 7*6 }}{% if 1 %}x{% endif %}{# c #}"
    nodes = chain.nodes.assign(name=[payload] * len(chain.nodes), is_capital=True)
    page = maps.render_html(maps.chain_map(nodes=nodes))
    labels_json = re.search(r"var items = (\[.*?\]);\n", _our_script(page)).group(1)
    assert "{" not in labels_json
    assert json.loads(labels_json)[0][2] == payload


# --------------------------------------------------------------------------- diff maps


def test_diff_map_says_minutes_saved_and_marks_projects(chain):
    base = chain.nodes.set_index("node_id").assign(seaport_min=[100.0, 50.0, 80.0, 30.0])
    other = base.assign(seaport_min=[70.0, 50.0, 90.0, 30.0])
    after = synthetic_chain()
    after.corridors = after.corridors.copy()
    after.corridors.loc[1, "status"] = "operational"  # under construction -> opened
    after.corridors = after.corridors.drop(index=2)  # closed
    m = maps.diff_map(
        chain,
        after,
        node_metric=(base["seaport_min"], other["seaport_min"]),
        labels=("2025", "2030"),
        lang="vi",
    )
    page = maps.render_html(m)
    assert "−30 (phút tiết kiệm)" in page
    assert "+30 (phút tăng thêm)" in page
    assert "trong dữ liệu: từ -30 phút đến 10 phút" in page
    corridors = next(c for c in _collections(page) if "uc-corridor" in json.dumps(c))
    classes = {
        f["properties"]["uc_id"]: f["properties"]["uc_style"]["className"]
        for f in corridors["features"]
    }
    ids = chain.corridors["corridor_id"].tolist()
    assert "uc-project-new" in classes[ids[1]]
    assert "uc-project-closed" in classes[ids[2]]
    assert "tuyến mới" in page
    assert "tuyến đóng" in page


def test_side_by_side_page_has_two_escaped_maps(chain, tmp_path):
    page = maps.side_by_side(
        maps.chain_map(chain, title="</iframe><script>window.__pwned=1</script>"),
        maps.chain_map(chain),
        tmp_path / "pair.html",
        lang="vi",
    )
    assert page.count("<iframe") == 2
    assert page.count("<script") == 1  # the parent's sync script; the maps are escaped
    assert "Trước" in page
    assert "Sau" in page
    assert (tmp_path / "pair.html").read_text(encoding="utf-8") == page
    assert not list(tmp_path.glob(".*.tmp"))


# --------------------------------------------------------------------------- static figure


def test_chain_plot_print_furniture_a4_pdf(tmp_path):
    from urbanchain import UrbanChain

    chain = UrbanChain.from_region("red_river_delta", year=2025)
    fig = maps.chain_plot(
        chain,
        vintages=(2008, 2025),
        title="Đồng bằng sông Hồng",
        subtitle="Mạng lưới năm 2025",
        paper="A4",
        lang="vi",
    )
    assert tuple(round(v, 2) for v in fig.get_size_inches()) == (11.69, 8.27)
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert {"Hà Nội", "Hải Phòng", "Ninh Bình"} <= texts
    assert any(t == "QUẢNG NINH" for t in texts)
    assert any("geoBoundaries" in t for t in texts)
    assert any("Lưu ý" in t for t in texts)
    assert any(type(a).__name__ == "ScaleBar" for a in ax.artists)
    assert any(getattr(a, "get_text", lambda: "")() == "B" for a in ax.texts)  # north arrow
    (inset,) = ax.child_axes  # the locator
    assert inset.get_title() == "Việt Nam"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "đường cao tốc" in labels
    fig.savefig(tmp_path / "map.pdf")
    fig.savefig(tmp_path / "map.svg")
    assert (tmp_path / "map.pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ValidationError, match="A4"):
        maps.chain_plot(chain, paper="letter")


# --------------------------------------------------------------------------- brief


@pytest.mark.slow
def test_brief_in_both_languages_with_a_scenario(tmp_path):
    from urbanchain import UrbanChain
    from urbanchain.maps._offline import find_remote_assets
    from urbanchain.report import brief

    chain = UrbanChain.from_region("red_river_delta", year=2025)
    scenario = Path(__file__).resolve().parents[1] / "examples" / "delta-2030.toml"
    vi = brief(chain, scenario=scenario, lang="vi", path=tmp_path / "vi.html", static_map=False)
    assert (tmp_path / "vi.html").read_text(encoding="utf-8") == vi
    assert '<html lang="vi">' in vi
    for heading in (
        "Điểm chính",
        "Thời gian đi giữa các tỉnh lỵ (phút)",
        "Tiếp cận cửa ngõ",
        "Các tuyến xung yếu nhất",
        "Lợi ích của phương án",
        "Phương pháp",
        "Lưu ý khi sử dụng",
        "Nguồn dữ liệu",
    ):
        assert heading in vi, heading
    assert "Cảng Hải Phòng" in vi
    assert vi.count('src="data:image/png;base64,') >= 3
    assert find_remote_assets(vi) == []
    payload = "</script><script>window.__pwned=1</script>{{ 7*6 }}"
    en = brief(chain, lang="en", static_map=True, title=payload)
    assert "Key findings" in en
    # names in the English brief's tables are English (the bundled name_en column)
    assert "Hải Phòng Port" in en
    assert "Cảng Hải Phòng" not in en
    assert "Tân Đệ Bridge" in en
    # the title is data: escaped, never compiled as a template, and the map inside the
    # iframe is escaped as an attribute value
    assert "<script>window.__pwned" not in en
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;{{ 7*6 }}" in en
    assert en.count("<script") == 0
    assert "Printable map" in en
    assert "What the scenario gains" not in en  # no scenario given
    with pytest.raises(ValidationError, match="scenario"):
        brief(chain, scenario=42)


def test_names_follow_the_language_of_the_map():
    # the bundled layers carry name_en: an English map says "Nội Bài International Airport"
    # and "Bạch Đằng Bridge", a Vietnamese one "Sân bay quốc tế Nội Bài" and "Cầu Bạch Đằng"
    from urbanchain import datasets

    nodes, corridors = datasets.nodes(), datasets.corridors()
    for lang, airport, bridge, other in (
        ("en", "Nội Bài International Airport", "Bạch Đằng Bridge", "Sân bay quốc tế Nội Bài"),
        ("vi", "Sân bay quốc tế Nội Bài", "Cầu Bạch Đằng", "Nội Bài International Airport"),
    ):
        page = maps.render_html(maps.chain_map(nodes=nodes, corridors=corridors, lang=lang))
        corridor_layer, node_layer = _collections(page)
        tip = {
            f["properties"]["uc_id"]: f["properties"]["uc_tooltip"] for f in node_layer["features"]
        }
        assert airport in tip["noi_bai_airport"]
        assert "Hà Nội" in tip["ha_noi"]
        ctip = {
            f["properties"]["uc_id"]: f["properties"]["uc_tooltip"]
            for f in corridor_layer["features"]
        }
        assert bridge in ctip["bach_dang_bridge"]
        assert other not in page
        assert airport in _our_script(page).split("uc_labels_", 1)[-1]  # the permanent label
