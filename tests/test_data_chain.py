"""Checks on the sourced chain layers data/nodes.geojson and data/corridors.geojson."""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from urbanchain.crs import METRIC_CRS, geodesic_length

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SOURCES = DATA / "sources"
DELTA_SOURCES = SOURCES / "red_river_delta"
ID_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")

NODE_COLUMNS = [
    "node_id", "name", "name_en", "name_ascii", "kind", "is_capital", "province_2008", "province_2025",
    "scope", "status", "opening_year", "population", "population_year", "population_source",
    "dti_rank_2022", "dti_rank_2023", "pci_rank_2022", "pci_rank_2023", "pci_rank_2024",
    "pci_score_2024", "ioc_since", "indicators_source", "coord_source", "geometry",
]  # fmt: skip
CORRIDOR_COLUMNS = [
    "corridor_id", "name", "name_en", "code", "mode", "status", "opening_year", "design_speed_kmh",
    "length_official_km", "length_source", "lanes", "gauge_mm", "geometry_quality",
    "waypoints", "source", "geometry",
]  # fmt: skip

# Hand-listed from facts.md §1 (capital, GSO 2008 code, GSO 2025 code).
CAPITALS = {
    "ha_noi": ("01", "01"),
    "hai_phong": ("31", "31"),
    "ha_long": ("22", "22"),
    "vinh_yen": ("26", "25"),
    "bac_ninh": ("27", "24"),
    "hai_duong": ("30", "31"),
    "hung_yen": ("33", "33"),
    "thai_binh": ("34", "33"),
    "phu_ly": ("35", "37"),
    "nam_dinh": ("36", "37"),
    "ninh_binh": ("37", "37"),
}
GATEWAYS = {
    "noi_bai_airport": "airport",
    "cat_bi_airport": "airport",
    "van_don_airport": "airport",
    "hai_phong_port": "seaport",
    "lao_cai": "border_gate",
    "huu_nghi_gate": "border_gate",
    "dong_dang": "border_gate",
    "mong_cai": "border_gate",
}
REACH = {"lao_cai", "yen_bai", "viet_tri", "bac_giang", "lang_son", "thanh_hoa"}
# Gateways the issue asks for. None has a citable coordinate yet, so each must either be a
# node with a coordinate source or be named in the "left out" section of CHAIN_LAYERS.md.
REQUIRED_GATEWAYS = {
    "lach_huyen_port": ("seaport", "Lạch Huyện"),
    "dinh_vu_port": ("seaport", "Đình Vũ"),
    "cai_lan_port": ("seaport", "Cái Lân"),
    "gia_binh_airport": ("airport", "Gia Bình"),
}


def _delta(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The Red River Delta's rows of a layer built for every region (``region`` column)."""
    if "region" not in gdf.columns:
        return gdf
    return gdf[gdf["region"] == "red_river_delta"].reset_index(drop=True)


@pytest.fixture(scope="module")
def nodes() -> gpd.GeoDataFrame:
    return _delta(gpd.read_file(DATA / "nodes.geojson"))


@pytest.fixture(scope="module")
def corridors() -> gpd.GeoDataFrame:
    return _delta(gpd.read_file(DATA / "corridors.geojson"))


@pytest.fixture(scope="module")
def places() -> dict[str, dict[str, str]]:
    builder = _load_builder()
    rows = builder.read_table(DELTA_SOURCES / "places.csv") + builder.geonames_places(
        DELTA_SOURCES / "places_geonames.csv"
    )
    return {row["place_id"]: row for row in rows}


def _load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_chain_layers", ROOT / "scripts" / "build_chain_layers.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_schema_columns(nodes: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame) -> None:
    assert set(NODE_COLUMNS) <= set(nodes.columns), set(NODE_COLUMNS) - set(nodes.columns)
    assert set(CORRIDOR_COLUMNS) <= set(corridors.columns), set(CORRIDOR_COLUMNS) - set(
        corridors.columns
    )


def test_crs_is_wgs84(nodes: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame) -> None:
    assert nodes.crs is not None
    assert nodes.crs.to_epsg() == 4326
    assert corridors.crs is not None
    assert corridors.crs.to_epsg() == 4326
    assert set(nodes.geom_type) == {"Point"}
    assert set(corridors.geom_type) == {"LineString"}


def test_ids_unique_and_snake_case(nodes: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame) -> None:
    for frame, col in ((nodes, "node_id"), (corridors, "corridor_id")):
        assert frame[col].is_unique
        bad = [v for v in frame[col] if not ID_RE.match(v)]
        assert not bad, bad


def test_enums(nodes: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame) -> None:
    assert set(nodes["kind"]) <= {"city", "seaport", "airport", "border_gate", "station"}
    assert set(nodes["scope"]) <= {"core", "reach"}
    assert set(nodes["status"]) <= {"operational", "under_construction", "planned", "paused"}
    assert set(corridors["mode"]) <= {
        "expressway", "highway", "road", "access", "railway", "waterway", "sea", "air",
    }  # fmt: skip
    named = corridors[corridors["element"].notna()]
    assert set(named["element"]) <= {"bridge", "tunnel", "ferry"}
    assert named["element_name"].notna().all()
    assert set(corridors["status"]) <= {"operational", "under_construction", "planned", "paused"}
    assert set(corridors["geometry_quality"]) == {"schematic"}


def test_every_feature_has_a_source(nodes: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame) -> None:
    assert nodes["coord_source"].notna().all()
    assert (nodes["coord_source"].str.len() > 0).all()
    assert corridors["source"].notna().all()
    assert (corridors["source"].str.len() > 0).all()
    has_pop = nodes["population"].notna()
    assert nodes.loc[has_pop, "population_year"].notna().all()
    assert nodes.loc[has_pop, "population_source"].notna().all()


def test_names_are_nfc(nodes: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame) -> None:
    for text in [*nodes["name"], *corridors["name"], *corridors["waypoints"]]:
        assert unicodedata.normalize("NFC", text) == text


def test_all_capitals_present(nodes: gpd.GeoDataFrame) -> None:
    by_id = nodes.set_index("node_id")
    for node_id, (code08, code25) in CAPITALS.items():
        row = by_id.loc[node_id]
        assert bool(row["is_capital"]) is True
        assert row["kind"] == "city"
        assert row["scope"] == "core"
        assert (row["province_2008"], row["province_2025"]) == (code08, code25)
    assert int(nodes["is_capital"].sum()) == 11


def test_gateways_and_reach_towns(nodes: gpd.GeoDataFrame) -> None:
    by_id = nodes.set_index("node_id")
    for node_id, kind in GATEWAYS.items():
        assert by_id.loc[node_id, "kind"] == kind, node_id
    for node_id in REACH:
        assert by_id.loc[node_id, "scope"] == "reach", node_id
    # Móng Cái lies in Quảng Ninh, one of the 11 provinces.
    assert by_id.loc["mong_cai", "scope"] == "core"


def test_required_gateways_present_or_reported(nodes: gpd.GeoDataFrame) -> None:
    by_id = nodes.set_index("node_id")
    report = (DATA / "CHAIN_LAYERS.md").read_text(encoding="utf-8")
    left_out = report.split("## Left empty or left out", 1)[1]
    for node_id, (kind, name) in REQUIRED_GATEWAYS.items():
        if node_id in by_id.index:
            assert by_id.loc[node_id, "kind"] == kind, node_id
            assert by_id.loc[node_id, "coord_source"], node_id
        else:
            assert name in left_out, f"{node_id} is neither a node nor reported as unsourced"


def test_missing_indicators_are_nan_not_zero(nodes: gpd.GeoDataFrame) -> None:
    cols = [
        "dti_rank_2022",
        "dti_rank_2023",
        "pci_rank_2022",
        "pci_rank_2023",
        "pci_rank_2024",
        "pci_score_2024",
        "ioc_since",
        "population",
    ]
    for col in cols:
        values = pd.to_numeric(nodes[col])
        assert not (values == 0).any(), col
    by_id = nodes.set_index("node_id")
    # Hand-checked against facts.md §4: Quảng Ninh's DTI 2023 is "≈12", not a rank.
    assert np.isnan(by_id.loc["ha_long", "dti_rank_2023"])
    assert np.isnan(by_id.loc["hai_duong", "pci_rank_2023"])  # "top 30" is not a rank
    assert by_id.loc["hai_phong", "pci_rank_2024"] == 1
    assert by_id.loc["hai_phong", "pci_score_2024"] == pytest.approx(74.84)
    assert by_id.loc["ha_long", "dti_rank_2022"] == 3
    # Indicators sit on capitals only.
    non_capital = nodes[~nodes["is_capital"].astype(bool)]
    assert non_capital["dti_rank_2022"].isna().all()


def test_length_ratio_within_bounds(corridors: gpd.GeoDataFrame) -> None:
    with_len = corridors[corridors["length_official_km"].notna()]
    assert len(with_len) >= 5
    km = geodesic_length(with_len.geometry.values) / 1000.0
    ratio = km / with_len["length_official_km"].to_numpy(dtype=float)
    bad = dict(zip(with_len["corridor_id"], np.round(ratio, 3), strict=True))
    assert ((ratio >= 0.8) & (ratio <= 1.1)).all(), bad


def test_partial_lines_not_compared(corridors: gpd.GeoDataFrame) -> None:
    both = corridors["length_official_km"].notna() & corridors["length_official_whole_km"].notna()
    assert not both.any()
    by_id = corridors.set_index("corridor_id")
    assert np.isnan(by_id.loc["rail_north_south", "length_official_km"])
    assert by_id.loc["rail_north_south", "length_official_whole_km"] == 1726
    # Tiền Phong (2 Feb 2026): Yên Viên – Phả Lại – Hạ Long – Cái Lân is 131 km; drawn only
    # Gia Lâm – Hạ Long, so the figure is not compared.
    assert np.isnan(by_id.loc["rail_yen_vien_cai_lan", "length_official_km"])
    assert by_id.loc["rail_yen_vien_cai_lan", "length_official_whole_km"] == 131


def test_waypoints_in_gazetteer(
    corridors: gpd.GeoDataFrame, places: dict[str, dict[str, str]]
) -> None:
    for _, row in corridors.iterrows():
        ids = [w.strip() for w in row["waypoint_ids"].split("|")]
        assert all(w in places for w in ids), row["corridor_id"]
        assert len(ids) == len(row.geometry.coords)
        for w, (x, y) in zip(ids, row.geometry.coords, strict=True):
            assert (x, y) == pytest.approx(
                (float(places[w]["lon"]), float(places[w]["lat"])), abs=1e-9
            )


def test_gazetteer_rows_are_sourced(places: dict[str, dict[str, str]]) -> None:
    for pid, row in places.items():
        assert ID_RE.match(pid)
        assert row["source"].strip(), pid
        assert row["lat"], pid
        assert row["lon"], pid


def test_nodes_sit_on_their_places(
    nodes: gpd.GeoDataFrame, places: dict[str, dict[str, str]]
) -> None:
    for _, row in nodes.iterrows():
        place = places[row["place_id"]]
        assert (row.geometry.x, row.geometry.y) == pytest.approx(
            (float(place["lon"]), float(place["lat"])), abs=1e-9
        )


def _delta_sources_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the Delta's source tables to edit: the sources root and the region folder."""
    root = tmp_path / "src"
    src = root / "red_river_delta"
    src.mkdir(parents=True)
    for path in DELTA_SOURCES.iterdir():
        (src / path.name).write_bytes(path.read_bytes())
    return root, src


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    builder = _load_builder()
    builder.build(tmp_path, SOURCES)
    for name in ("nodes.geojson", "corridors.geojson", "CHAIN_LAYERS.md"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_builder_rejects_unknown_waypoint(tmp_path: Path) -> None:
    builder = _load_builder()
    root, src = _delta_sources_copy(tmp_path)
    text = (
        (src / "corridors.csv")
        .read_text(encoding="utf-8")
        .replace("hai_duong | hai_an", "hai_duong | nowhere_town", 1)
    )
    (src / "corridors.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="nowhere_town"):
        builder.build(tmp_path / "out", root)


def test_geojson_is_plain_rfc7946() -> None:
    for name in ("nodes.geojson", "corridors.geojson"):
        doc = json.loads((DATA / name).read_text(encoding="utf-8"))
        assert doc["type"] == "FeatureCollection"
        assert "crs" not in doc


def test_capitals_inside_their_province() -> None:
    path = DATA / "provinces.geojson"
    provinces = gpd.read_file(path) if path.stat().st_size > 100 else gpd.GeoDataFrame()
    if provinces.empty or "code" not in provinces.columns:
        pytest.skip(
            "data/provinces.geojson has no features yet (built by another helper); capital-in-province check skipped"
        )
    nodes = gpd.read_file(DATA / "nodes.geojson")  # every region: each capital in its province
    caps = nodes[nodes["is_capital"].astype(bool)].to_crs(METRIC_CRS)
    prov = provinces.set_index("code").to_crs(METRIC_CRS)
    for _, row in caps.iterrows():
        poly = prov.loc[row["province_2008"], "geometry"]
        # Hưng Yên city sits on the Red River, the provincial border; its cited point has
        # minute precision (about 1.8 km) and the geoBoundaries polygon is coarse, so the
        # point falls just outside (on the Hà Nam side). Documented in data/CHAIN_LAYERS.md.
        limit = 10_000.0 if row["node_id"] == "hung_yen" else 5_000.0
        assert row.geometry.distance(poly) <= limit, row["node_id"]


def test_every_name_has_an_english_form(
    nodes: gpd.GeoDataFrame, corridors: gpd.GeoDataFrame
) -> None:
    # English maps and briefs show name_en; a city's is its Vietnamese name (diacritics kept)
    for frame in (nodes, corridors):
        assert frame["name_en"].notna().all()
        assert (frame["name_en"].str.strip() != "").all()
        assert all(unicodedata.is_normalized("NFC", x) for x in frame["name_en"])
    cities = nodes[nodes["kind"] == "city"]
    assert (cities["name_en"] == cities["name"]).all()
    by_id = dict(zip(nodes["node_id"], nodes["name_en"], strict=True))
    assert by_id["noi_bai_airport"] == "Nội Bài International Airport"
    bridges = corridors[corridors["element"] == "bridge"]
    assert bridges["name_en"].str.contains("Bridge").all()
    # no Vietnamese road-type words left (place names such as Cầu Giẽ stay as they are)
    assert not corridors["name_en"].str.contains("Cao tốc|Quốc lộ|Đường sắt|Vành đai").any()


def test_builder_asks_for_a_missing_english_name(tmp_path: Path) -> None:
    builder = _load_builder()
    root, src = _delta_sources_copy(tmp_path)
    lines = (src / "names_en.csv").read_text(encoding="utf-8").splitlines()
    kept = [x for x in lines if not x.startswith("corridors,ql5,")]
    kept.append("nodes,no_such_node,Nowhere")
    (src / "names_en.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"corridors 'ql5' \(Quốc lộ 5 \(Gia Lâm – Hải Phòng\)\) has no English name"
    ) as info:
        builder.build(tmp_path / "out", root)
    assert "no nodes row has id 'no_such_node'" in str(info.value)
