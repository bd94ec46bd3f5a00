"""Errors, settings, CRS checks and import hygiene."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
from shapely import LineString, MultiLineString, Point, box

from urbanchain import crs, errors, settings


def test_errors_subclass_builtins():
    assert issubclass(errors.ValidationError, ValueError)
    assert issubclass(errors.DataNotFoundError, FileNotFoundError)
    assert issubclass(errors.OptionalDependencyError, ImportError)
    assert issubclass(errors.WeightError, errors.GraphError)
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.UrbanchainError | errors.UrbanchainWarning)


def test_import_is_silent_and_light():
    code = (
        "import sys, urbanchain;"
        "bad=[m for m in ('folium','matplotlib','branca','mapclassify','dask','playwright') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-Werror", "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
    assert out.stderr == ""


def test_settings_override_and_validation():
    assert settings.get("snap_tolerance_m") == 250.0
    with settings.override(snap_tolerance_m=10.0):
        assert settings.get("snap_tolerance_m") == 10.0
    assert settings.get("snap_tolerance_m") == 250.0
    with pytest.raises(errors.UnknownNameError, match="snap_tolerance_m"):
        settings.get("snap_tolerence_m")
    with pytest.raises(errors.ValidationError, match="positive number"):
        settings.set(snap_tolerance_m=-1)
    assert "snap_tolerance_m" in settings.describe()


def test_geodesic_length_matches_pyproj_per_geometry():
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    geoms = [
        LineString([(105.8, 21.0), (106.7, 20.8), (107.1, 20.95)]),
        MultiLineString([[(105.0, 21.0), (105.5, 21.2)], [(106.0, 20.0), (106.2, 20.1)]]),
        LineString(),
    ]
    got = crs.geodesic_length(geoms)
    want = [geod.geometry_length(g) for g in geoms]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.isnan(crs.geodesic_length([None])[0])


def test_geodesic_area_is_positive_for_clockwise_rings():
    ccw = box(105.0, 20.0, 106.0, 21.0, ccw=True)
    cw = box(105.0, 20.0, 106.0, 21.0, ccw=False)
    a = crs.geodesic_area([ccw, cw])
    assert a[0] == pytest.approx(a[1])
    assert 1.1e10 < a[0] < 1.2e10  # about 104 km x 111 km


@pytest.mark.parametrize("bad", ["EPSG:4326", "EPSG:3857", "EPSG:2272"])
def test_metric_crs_refuses_degrees_mercator_and_feet(bad):
    with pytest.raises(errors.CRSError, match=r"(?i)reproject|geodesic"):
        crs.check_metric_crs(bad)


def test_length_m_geographic_vs_metric_agree():
    line = gpd.GeoDataFrame(geometry=[LineString([(105.8, 21.0), (106.6, 20.9)])], crs=4326)
    geo = crs.length_m(line)[0]
    metric = crs.length_m(line.to_crs(crs.METRIC_CRS))[0]
    assert metric == pytest.approx(geo, rel=2e-3)
    with pytest.raises(errors.CRSError, match="Web Mercator"):
        crs.length_m(line.to_crs(3857))


def test_missing_crs_is_refused():
    gdf = gpd.GeoDataFrame(geometry=[Point(0, 0)])
    with pytest.raises(errors.CRSError, match="set_crs"):
        crs.ensure_crs(gdf, what="nodes.csv")
