"""A bare road network (no node layer) snaps at 1 cm by default: real junctions never merge."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely import LineString

from urbanchain import settings
from urbanchain.graph import BARE_SNAP_TOLERANCE_M, graph_from_gdfs

pytestmark = pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning")


def streets() -> gpd.GeoDataFrame:
    """Two parallel streets ~55 m apart (0.0005 deg of latitude) and one crossing both."""
    a = LineString([(105.80, 21.0000), (105.805, 21.0000), (105.81, 21.0000)])
    b = LineString([(105.80, 21.0005), (105.805, 21.0005), (105.81, 21.0005)])
    c = LineString([(105.805, 20.999), (105.805, 21.0000), (105.805, 21.0005), (105.805, 21.001)])
    return gpd.GeoDataFrame({"corridor_id": ["a", "b", "c"]}, geometry=[a, b, c], crs="EPSG:4326")


def test_bare_network_keeps_close_streets_apart() -> None:
    assert BARE_SNAP_TOLERANCE_M == 0.01
    G = graph_from_gdfs(None, streets())
    # a: 2 ends; b: 2 ends; c: 2 ends + 2 crossings (shared vertices) = 8 nodes
    assert G.number_of_nodes() == 8
    assert G.number_of_edges() == 2 + 2 + 3
    assert G.graph["provenance"]["parameters"]["snap_tolerance_m"] == BARE_SNAP_TOLERANCE_M


def test_an_explicit_tolerance_or_setting_still_applies() -> None:
    def tol(G: object) -> float:
        return float(G.graph["provenance"]["parameters"]["snap_tolerance_m"])  # type: ignore[attr-defined]

    assert tol(graph_from_gdfs(None, streets(), snap_tolerance_m=100.0)) == 100.0
    with settings.override(snap_tolerance_m=30.0):
        assert tol(graph_from_gdfs(None, streets())) == 30.0
