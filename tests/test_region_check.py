"""The "far outside the expected region" warning follows the region in use, not Vietnam."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from shapely import LineString, Point

from urbanchain import io, layers
from urbanchain.errors import DataQualityWarning, ValidationError

HELSINKI = (24.90, 60.15, 25.00, 60.20)


def helsinki_lines(tmp_path: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {"corridor_id": ["a", "b"]},
        geometry=[
            LineString([(24.93, 60.17), (24.94, 60.17)]),
            LineString([(24.94, 60.17), (24.95, 60.18)]),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "roads.geojson"
    gdf.to_file(path, driver="GeoJSON")
    return path


def test_a_road_file_outside_vietnam_reads_without_a_warning(tmp_path: Path) -> None:
    path = helsinki_lines(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gdf = io.read_layer(path, kind="lines")
    assert len(gdf) == 2
    # with an explicit region it is checked against that region
    with pytest.warns(DataQualityWarning, match="far outside the expected"):
        io.read_layer(path, kind="lines", expected_region=(100.0, 5.0, 120.0, 25.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        io.read_layer(path, kind="lines", expected_region=HELSINKI)


def test_the_delta_box_is_checked_when_asked() -> None:
    nodes = gpd.GeoDataFrame(
        {"node_id": ["paris"], "name": ["Paris"], "kind": ["city"]},
        geometry=[Point(2.35, 48.85)],
        crs="EPSG:4326",
    )
    rep = layers.validate_layer(nodes, kind="nodes", expected_region="red_river_delta")
    assert any("far outside" in w.message for w in rep.warnings)
    rep_off = layers.validate_layer(nodes, kind="nodes")
    assert not any("far outside" in w.message for w in rep_off.warnings)


def test_a_bad_region_says_what_to_pass() -> None:
    gdf = gpd.GeoDataFrame(geometry=[Point(105, 21)], crs="EPSG:4326")
    for bad in ((1, 2, 3), (10.0, 5.0, 0.0, 6.0)):
        with pytest.raises(ValidationError, match="expected_region"):
            layers.validate_layer(gdf, kind="points", expected_region=bad)
