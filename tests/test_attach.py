"""attach(): points join the nearest edge by splitting it, and never create shortcuts."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely import LineString, Point

from urbanchain import metrics
from urbanchain.errors import GraphError
from urbanchain.graph._attach import attach


def grid(directed: bool) -> nx.MultiGraph:
    """A 6 x 6 street grid (~1.1 km blocks) in lon/lat with geometries and random speeds."""
    rng = np.random.default_rng(0)
    G: nx.MultiGraph = (
        nx.MultiDiGraph(crs="EPSG:4326") if directed else nx.MultiGraph(crs="EPSG:4326")
    )
    step = 0.01
    for i in range(6):
        for j in range(6):
            G.add_node(f"{i}_{j}", x=105.8 + i * step, y=21.0 + j * step)
    for i in range(6):
        for j in range(6):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < 6 and j + dj < 6:
                    a, b = f"{i}_{j}", f"{i + di}_{j + dj}"
                    line = LineString(
                        [(G.nodes[a]["x"], G.nodes[a]["y"]), (G.nodes[b]["x"], G.nodes[b]["y"])]
                    )
                    km = 1.04 if di else 1.11
                    kmh = float(rng.uniform(20, 60))
                    d = {
                        "length_km": km,
                        "speed_kmh": kmh,
                        "time_min": 60 * km / kmh,
                        "mode": "road",
                        "geometry": line,
                    }
                    G.add_edge(a, b, **d)
                    if directed:
                        G.add_edge(b, a, **d)
    return G


def pois(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xy = rng.uniform([105.8, 21.0], [105.85, 21.05], size=(n, 2))
    return gpd.GeoDataFrame(
        {"poi": [f"p{i}" for i in range(n)]}, geometry=[Point(x, y) for x, y in xy], crs="EPSG:4326"
    )


@pytest.mark.parametrize("directed", [False, True])
def test_road_to_road_times_are_unchanged(directed: bool) -> None:
    G = grid(directed)
    roads = list(G.nodes)
    before = metrics.od_matrix(G, sources=roads, targets=roads)
    H = attach(G, pois(25), id_column="poi")
    assert G.number_of_nodes() == 36  # the input is not modified
    after = metrics.od_matrix(H, sources=roads, targets=roads)
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), rtol=1e-12, atol=1e-12)
    # every point is reachable and has exactly one connector (each way)
    for i in range(25):
        pid = f"p{i}"
        assert H.nodes[pid]["kind"] == "point"
        assert H.degree(pid) == (2 if directed else 1)
    od = metrics.od_matrix(H, sources=["p0"], targets=roads)
    assert np.isfinite(od.to_numpy()).all()


def test_a_point_splits_its_nearest_edge_at_the_projection() -> None:
    G = grid(False)
    # 100 m north of the middle of the edge (0,0)-(1,0)
    pt = gpd.GeoDataFrame(geometry=[Point(105.805, 21.0009)], index=["shop"], crs="EPSG:4326")
    H = attach(G, pt, speed_kmh=6.0)
    hub = "split:shop"
    assert set(H.neighbors(hub)) == {"0_0", "1_0", "shop"}
    orig = G.edges["0_0", "1_0", 0]
    halves = [d for _, _, d in H.edges(hub, data=True) if d["mode"] == "road"]
    assert sum(d["time_min"] for d in halves) == pytest.approx(orig["time_min"], rel=1e-12)
    assert [d["length_km"] for d in halves] == pytest.approx([0.52, 0.52], rel=1e-3)
    conn = H.edges["shop", hub, 0]
    assert conn["length_km"] == pytest.approx(0.0996, rel=0.01)
    assert conn["time_min"] == pytest.approx(60 * conn["length_km"] / 6.0)


def test_bad_points_are_refused_with_the_fix() -> None:
    G = grid(False)
    far = gpd.GeoDataFrame(geometry=[Point(106.5, 21.0)], index=["x"], crs="EPSG:4326")
    with pytest.raises(GraphError, match="max_distance_m"):
        attach(G, far, max_distance_m=500.0)
    clash = gpd.GeoDataFrame(geometry=[Point(105.8, 21.0)], index=["0_0"], crs="EPSG:4326")
    with pytest.raises(GraphError, match="id_column"):
        attach(G, clash)
    poly = gpd.GeoDataFrame(geometry=[Point(105.8, 21.0).buffer(0.001)], crs="EPSG:4326")
    with pytest.raises(GraphError, match="centroid"):
        attach(G, poly)
