"""Tests of the public urbanchain.datasets API."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import shapely

from urbanchain import datasets
from urbanchain._private import _bundled
from urbanchain.errors import UnknownNameError


def test_vintage_2025_delta():
    units = datasets.provinces(vintage=2025)
    assert set(units["code"]) == {"01", "22", "24", "25", "31", "33", "37"}
    by = units.set_index("code")
    assert by.loc["24", "members_outside_region"] == "24"  # Bắc Giang
    assert set(by.loc["25", "members_outside_region"].split(",")) == {
        "25",
        "17",
    }  # Phú Thọ, Hòa Bình
    assert by.loc["37", "members_outside_region"] == ""
    assert set(by.loc["37", "members_2008"].split(",")) == {"35", "36", "37"}
    assert by.loc["24", "centre"] == "Bắc Giang"
    assert by.loc["31", "kind"] == "city"
    assert by.loc["24", "area_official_km2"] == pytest.approx(4718.60)
    assert units.crs.to_epsg() == 4326


def test_vintage_2025_country():
    units = datasets.provinces(region=None, vintage=2025)
    assert len(units) == 34
    assert (units["kind"] == "city").sum() == 6
    assert shapely.is_valid(units.geometry.values).all()
    # the union of whole provinces has no slivers: each merged unit of two neighbours is one piece
    ninh_binh = units.set_index("code").loc["37"].geometry
    assert ninh_binh.geom_type == "Polygon"
    assert set(units["members_outside_region"]) == {""}


def test_unit_area_is_sum_of_members():
    old = datasets.provinces(region=None).set_index("code")["area_polygon_km2"]
    new = datasets.provinces(region=None, vintage=2025).set_index("code")["area_polygon_km2"]
    assert new["37"] == pytest.approx(old["35"] + old["36"] + old["37"], abs=0.1)


def test_unknown_vintage():
    with pytest.raises(UnknownNameError, match="2008") as err:
        datasets.provinces(vintage=2020)
    assert "2025" in str(err.value)


def test_unknown_region_lists_ids():
    with pytest.raises(UnknownNameError) as err:
        datasets.provinces(region="red river")
    msg = str(err.value)
    assert "red_river_delta" in msg
    assert "mekong_river_delta" in msg


def test_region_presets():
    table = datasets.regions()
    assert {"id", "name", "description", "members", "source"} <= set(table.columns)
    six = [
        "northern_midlands_and_mountains",
        "red_river_delta",
        "north_central_and_central_coast",
        "central_highlands",
        "southeast",
        "mekong_river_delta",
    ]
    members = [datasets.region_codes(r) for r in six]
    assert sum(len(m) for m in members) == 63
    assert len({c for m in members for c in m}) == 63
    assert datasets.region_codes("red-river-delta") == sorted(
        ["01", "31", "22", "26", "27", "30", "33", "34", "35", "36", "37"]
    )
    assert datasets.region_codes("hanoi_haiphong_quangninh") == ["01", "22", "31"]
    assert len(datasets.provinces(region="hanoi-haiphong-quangninh")) == 3


def test_crosswalk():
    cw = datasets.crosswalk_2025()
    assert len(cw) == 63
    assert cw["code_2008"].is_unique
    assert cw["code_2025"].nunique() == 34
    assert {"code_2008", "name_2008", "code_2025", "name_2025", "centre_2025", "source"} <= set(
        cw.columns
    )
    row = cw.set_index("code_2008").loc["34"]  # Thái Bình
    assert (row["code_2025"], row["name_2025"]) == ("33", "Hưng Yên")


def test_frames_are_copies():
    first = datasets.provinces()
    first.loc[0, "name_vi"] = "changed"
    first["extra"] = 1
    second = datasets.provinces()
    assert "changed" not in set(second["name_vi"])
    assert "extra" not in second.columns
    assert first is not second
    table = datasets.regions()
    table.loc[0, "id"] = "x"
    assert datasets.regions().loc[0, "id"] != "x"
    cw = datasets.crosswalk_2025()
    cw.loc[:, "code_2025"] = "00"
    assert set(datasets.crosswalk_2025()["code_2025"]) != {"00"}


def test_get_path():
    assert datasets.get_path("regions.csv").is_file()
    with pytest.raises(UnknownNameError, match=r"provinces\.geojson"):
        datasets.get_path("provinces.shp")


def test_import_is_light():
    code = "import sys, urbanchain.datasets; print(sorted(m for m in ('folium', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------- nodes / corridors (fixture)

# The real data/nodes.geojson and data/corridors.geojson are produced by another helper and
# were still empty placeholders when these tests were written, so the loaders are tested
# against a small fixture written to tmp_path.

NODES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "node_id": "ha_noi",
                "name": "Hà Nội",
                "name_ascii": "Ha Noi",
                "kind": "city",
                "is_capital": True,
                "province_2008": "01",
                "province_2025": "01",
                "scope": "core",
                "status": "operational",
                "opening_year": None,
                "population": 8587100,
                "population_year": 2023,
                "population_source": "S9",
                "dti_rank_2022": 24,
                "dti_rank_2023": 6,
                "pci_rank_2022": None,
                "pci_rank_2023": 28,
                "pci_rank_2024": 24,
                "pci_score_2024": 68.38,
                "ioc_since": None,
                "indicators_source": "D1",
                "coord_source": "S4",
            },
            "geometry": {"type": "Point", "coordinates": [105.8481, 21.0353]},
        },
        {
            "type": "Feature",
            "properties": {
                "node_id": "lao_cai",
                "name": "Lào Cai",
                "kind": "city",
                "is_capital": True,
                "province_2008": "10",
                "province_2025": "15",
                "scope": "reach",
                "status": "operational",
            },
            "geometry": {"type": "Point", "coordinates": [103.97, 22.48]},
        },
        {
            "type": "Feature",
            "properties": {
                "node_id": "buon_ma_thuot",
                "name": "Buôn Ma Thuột",
                "kind": "city",
                "is_capital": True,
                "province_2008": "66",
                "province_2025": "66",
                "scope": "core",
                "status": "operational",
            },
            "geometry": {"type": "Point", "coordinates": [108.05, 12.67]},
        },
    ],
}
CORRIDORS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "corridor_id": "ct04_ha_noi_hai_phong",
                "name": "Hà Nội–Hải Phòng",
                "code": "CT.04",
                "mode": "expressway",
                "status": "operational",
                "opening_year": 2015,
                "design_speed_kmh": 120,
                "length_official_km": 105.5,
                "lanes": 6,
                "gauge_mm": None,
                "geometry_quality": "schematic",
                "waypoints": "Cổ Linh | Đình Vũ",
                "source": "T1",
            },
            "geometry": {"type": "LineString", "coordinates": [[105.90, 21.02], [106.78, 20.84]]},
        },
        {
            "type": "Feature",
            "properties": {
                "corridor_id": "south_line",
                "name": "South",
                "code": "",
                "mode": "highway",
                "status": "planned",
                "opening_year": None,
                "geometry_quality": "schematic",
            },
            "geometry": {"type": "LineString", "coordinates": [[106.6, 10.8], [106.7, 10.9]]},
        },
    ],
}


@pytest.fixture
def fixture_layers(tmp_path, monkeypatch):
    (tmp_path / "nodes.geojson").write_text(json.dumps(NODES), encoding="utf-8")
    (tmp_path / "corridors.geojson").write_text(json.dumps(CORRIDORS), encoding="utf-8")
    real = _bundled.bundled_path

    def fake(name):
        if name in {"nodes.geojson", "corridors.geojson"}:
            return tmp_path / name
        return real(name)

    monkeypatch.setattr(_bundled, "bundled_path", fake)
    monkeypatch.setattr(
        datasets,
        "read_bundled_geojson",
        lambda n: _bundled._read_geojson(str(fake(n))).copy(deep=True),
    )
    return tmp_path


def test_nodes_region_and_reach(fixture_layers):
    delta = datasets.nodes()
    assert list(delta["node_id"]) == ["ha_noi", "lao_cai"]
    assert list(datasets.nodes(include_reach=False)["node_id"]) == ["ha_noi"]
    assert list(datasets.nodes(region="central_highlands")["node_id"]) == ["buon_ma_thuot"]
    assert len(datasets.nodes(region=None)) == 3


def test_nodes_dtypes(fixture_layers):
    gdf = datasets.nodes(region=None)
    assert gdf.crs.to_epsg() == 4326
    assert gdf["province_2008"].tolist() == ["01", "10", "66"]
    assert str(gdf["population_year"].dtype) == "Int64"
    assert str(gdf["dti_rank_2022"].dtype) == "Int64"
    assert pd.isna(gdf.loc[1, "dti_rank_2022"])  # unknown stays missing, never 0
    assert gdf["pci_score_2024"].dtype == "float64"
    assert gdf["is_capital"].dtype == bool


def test_corridors_region(fixture_layers):
    gdf = datasets.corridors()
    assert list(gdf["corridor_id"]) == ["ct04_ha_noi_hai_phong"]
    assert str(gdf["opening_year"].dtype) == "Int64"
    assert gdf["length_official_km"].dtype == "float64"
    assert len(datasets.corridors(region=None)) == 2
    assert list(datasets.corridors(region="southeast")["corridor_id"]) == ["south_line"]


def test_empty_layers_load():
    assert datasets.nodes().crs.to_epsg() == 4326
    assert datasets.corridors(region=None).crs.to_epsg() == 4326
