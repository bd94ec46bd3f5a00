"""Checks of the bundled province layer (data/provinces.geojson) and its build script."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

from urbanchain import datasets
from urbanchain.crs import geodesic_length

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DELTA = {"01", "31", "22", "26", "27", "30", "33", "34", "35", "36", "37"}

# neighbour pairs that must share a border after simplification (codes, minimum km);
# minimums are about half the length measured on the built layer
NEIGHBOURS = [
    ("01", "26", 20.0),  # Hà Nội - Vĩnh Phúc
    ("01", "27", 10.0),  # Hà Nội - Bắc Ninh
    ("01", "33", 10.0),  # Hà Nội - Hưng Yên
    ("01", "35", 10.0),  # Hà Nội - Hà Nam
    ("37", "35", 5.0),  # Ninh Bình - Hà Nam
    ("37", "36", 10.0),  # Ninh Bình - Nam Định
    ("31", "22", 10.0),  # Hải Phòng - Quảng Ninh
]
MAX_OVERLAP_KM2 = 0.01


@pytest.fixture(scope="module")
def country():
    return datasets.provinces(region=None)


def test_delta_has_eleven_provinces():
    gdf = datasets.provinces()
    assert set(gdf["code"]) == DELTA
    assert len(gdf) == 11


def test_country_has_63_provinces(country):
    assert len(country) == 63
    assert country["code"].is_unique
    assert list(country["code"]) == sorted(country["code"])


def test_crs_validity_orientation(country):
    assert country.crs.to_epsg() == 4326
    assert shapely.is_valid(country.geometry.values).all()
    for poly in shapely.get_parts(country.geometry.values):
        assert poly.exterior.is_ccw, "exteriors must be counter-clockwise (RFC 7946)"
        assert all(not r.is_ccw for r in poly.interiors)


def test_codes_and_names(country):
    assert all(isinstance(c, str) and len(c) == 2 and c.isdigit() for c in country["code"])
    for name in country["name_vi"]:
        assert unicodedata.is_normalized("NFC", name)
    assert all(n.isascii() for n in country["name_ascii"])
    row = country.set_index("code").loc["36"]
    assert row["name_vi"] == "Nam Định"
    assert row["iso_code"] == "VN-67"
    assert row["code_2025"] == "37"


def test_official_and_polygon_area_are_separate(country):
    hn = country.set_index("code").loc["01"]
    assert hn["area_official_km2"] == pytest.approx(3359.8)
    assert hn["area_official_year"] == 2023
    assert hn["area_polygon_km2"] != hn["area_official_km2"]
    # Ninh Bình: no sourced area, left empty rather than filled from the polygon
    nb = country.set_index("code").loc["37"]
    assert np.isnan(nb["area_official_km2"])
    assert nb["area_polygon_km2"] > 0


def test_polygon_area_is_geodesic(country):
    row = country.set_index("code").loc["27"]
    area, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(row.geometry)
    assert row["area_polygon_km2"] == pytest.approx(abs(area) / 1e6, abs=0.01)
    # planar degrees or a metric projection would give a clearly different number
    assert row["area_polygon_km2"] == pytest.approx(1015, rel=0.05)  # facts.md §5: 1,015 km²


def test_bvt_includes_con_dao(country):
    bvt = country.set_index("code").loc["77"].geometry
    assert bvt.geom_type == "MultiPolygon"
    assert bvt.intersects(shapely.Point(106.6, 8.69))  # Côn Đảo


@pytest.mark.parametrize(("a", "b", "min_km"), NEIGHBOURS)
def test_neighbours_share_border(country, a, b, min_km):
    geoms = country.set_index("code").geometry
    shared = shapely.line_merge(shapely.intersection(geoms[a].boundary, geoms[b].boundary))
    km = float(geodesic_length([shared])[0]) / 1000
    assert km > min_km, f"{a}-{b} share only {km:.2f} km of border"


def test_no_overlaps(country):
    from urbanchain.crs import geodesic_area

    geoms = country.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    inter = shapely.intersection(geoms[left[keep]], geoms[right[keep]])
    poly = inter[shapely.get_type_id(inter) >= 3]
    areas = geodesic_area(poly) / 1e6 if len(poly) else np.zeros(0)
    assert (areas <= MAX_OVERLAP_KM2).all()


def test_coverage_is_valid(country):
    assert shapely.coverage_is_valid(country.geometry.values)


@pytest.mark.skipif(
    not (SHARED / "data" / "geoboundaries-vnm-adm1").is_dir(),
    reason="../shared/data/geoboundaries-vnm-adm1 is absent, so the layer cannot be rebuilt",
)
def test_build_is_reproducible(tmp_path):
    cmd = [
        sys.executable,
        str(REPO / "scripts" / "build_provinces.py"),
        "--shared",
        str(SHARED),
        "--out",
        str(tmp_path),
        "--quiet",
    ]
    subprocess.run(cmd, check=True, cwd=REPO)
    for name in ("provinces.geojson", "crosswalk_2025.csv", "regions.csv"):
        assert (tmp_path / name).read_bytes() == (REPO / "data" / name).read_bytes(), name
