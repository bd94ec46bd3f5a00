"""OSMnx graphs and OSM extracts in, OSMnx graphs out (offline: pyrosm's bundled test extract)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from urbanchain import metrics
from urbanchain.errors import GraphError
from urbanchain.graph import osm


def tiny(*, length_factor: float = 1.0, crs: str = "EPSG:4326") -> nx.MultiDiGraph:
    """Three nodes ~1 km apart: a two-way street, a one-way street, maxspeed strings."""
    OG = nx.MultiDiGraph(crs=crs)
    OG.add_node(10, x=105.80, y=21.00)
    OG.add_node(20, x=105.81, y=21.00)
    OG.add_node(30, x=105.81, y=21.01)
    m12 = 1039.0 * length_factor
    m23 = 1107.0 * length_factor
    OG.add_edge(10, 20, length=m12, highway="residential", oneway=False, reversed=False, osmid=1)
    OG.add_edge(20, 10, length=m12, highway="residential", oneway=False, reversed=True, osmid=1)
    OG.add_edge(30, 20, length=m23, highway="primary", maxspeed="30 mph", oneway=True, osmid=2)
    OG.add_edge(
        10, 30, length=1600.0 * length_factor, highway=["secondary", "tertiary"],
        maxspeed=["50", "70"], oneway=True, osmid=[3, 4],
    )  # fmt: skip
    return OG


def test_osmnx_graph_keeps_ids_directions_and_tag_speeds() -> None:
    H = osm.graph_from_osmnx(tiny())
    assert isinstance(H, nx.MultiDiGraph)
    assert set(H.nodes) == {10, 20, 30}
    assert H.number_of_edges() == 4
    assert H.has_edge(30, 20)
    assert not H.has_edge(20, 30)  # one-way kept
    d = H.edges[10, 20, 0]
    assert d["length_km"] == pytest.approx(1.039)  # metres detected and converted
    assert d["speed_kmh"] == osm.HIGHWAY_SPEEDS_KMH["residential"]
    assert H.edges[30, 20, 0]["speed_kmh"] == pytest.approx(30 * 1.609344)
    assert H.edges[10, 30, 0]["speed_kmh"] == pytest.approx(60.0)  # mean of a list
    assert H.edges[10, 30, 0]["corridor_id"] == "3"
    for _, _, e in H.edges(data=True):
        assert e["time_min"] == pytest.approx(60 * e["length_km"] / e["speed_kmh"])
    # one-way: 20 -> 30 must go round through 10
    od = metrics.od_matrix(H, sources=[20], targets=[30])
    expect = H.edges[20, 10, 0]["time_min"] + H.edges[10, 30, 0]["time_min"]
    assert od.loc[20, 30] == pytest.approx(expect)
    U = osm.graph_from_osmnx(tiny(), directed=False)
    assert isinstance(U, nx.MultiGraph)
    assert not U.is_directed()
    assert U.number_of_edges() == 3  # the two-way street once


def test_length_units_are_checked_never_assumed() -> None:
    km = osm.graph_from_osmnx(tiny(length_factor=1e-3))
    assert km.edges[10, 20, 0]["length_km"] == pytest.approx(1.039)
    assert km.graph["provenance"]["length_unit"] == "km"
    with pytest.raises(GraphError, match="neither metres"):
        osm.graph_from_osmnx(tiny(length_factor=0.05))
    forced = osm.graph_from_osmnx(tiny(length_factor=0.05), length_unit="m")
    assert forced.edges[10, 20, 0]["length_km"] == pytest.approx(1.039 * 0.05 / 1000 * 1000)


def test_unknown_class_without_maxspeed_names_the_fix() -> None:
    OG = tiny()
    OG.add_edge(20, 30, length=1107.0, highway="raceway", maxspeed="signals", osmid=9)
    with pytest.raises(GraphError, match=r"'raceway': 1.*speeds="):
        osm.graph_from_osmnx(OG)
    H = osm.graph_from_osmnx(OG, speeds={"raceway": 90.0})
    assert H.edges[20, 30, 0]["speed_kmh"] == 90.0


@pytest.mark.parametrize(
    ("tag", "kmh"),
    [("50", 50.0), ("50 mph", 80.4672), ("30;50", 40.0), (["30", "50 mph"], 55.2336),
     ("walk", math.nan), ("none", math.nan), (None, math.nan), (0, math.nan), ("RU:urban", math.nan)],
)  # fmt: skip
def test_parse_maxspeed(tag: object, kmh: float) -> None:
    got = osm.parse_maxspeed(tag)
    if math.isnan(kmh):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(kmh)


@pytest.mark.parametrize("directed", [False, True])
def test_to_osmnx_round_trip(directed: bool) -> None:
    H = osm.graph_from_osmnx(tiny(), directed=directed)
    OG = osm.to_osmnx(H)
    assert isinstance(OG, nx.MultiDiGraph)
    back = osm.graph_from_osmnx(OG, directed=directed)
    assert set(back.nodes) == set(H.nodes)
    assert back.number_of_edges() == H.number_of_edges()
    ref = metrics.od_matrix(H, sources=list(H), targets=list(H))
    got = metrics.od_matrix(back, sources=list(H), targets=list(H))
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-12)
    for _, _, d in OG.edges(data=True):
        assert d["travel_time"] == pytest.approx(60 * d["length"] / 1000 / d["speed_kph"] * 60)


def test_projected_osmnx_graph_is_converted_to_lonlat() -> None:
    from pyproj import Transformer

    OG = tiny()
    tr = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    for _, d in OG.nodes(data=True):
        d["x"], d["y"] = tr.transform(d["x"], d["y"])
    OG.graph["crs"] = "EPSG:32648"
    with pytest.warns(Warning, match="converted to lon/lat"):
        H = osm.graph_from_osmnx(OG)
    assert H.nodes[10]["x"] == pytest.approx(105.80)
    assert H.edges[10, 20, 0]["length_km"] == pytest.approx(1.039)


pyrosm = pytest.importorskip("pyrosm")


@pytest.fixture(scope="module")
def pbf() -> str:
    path = pyrosm.get_data("test_pbf")  # bundled in the wheel: offline
    return str(path)


def test_graph_from_osm_equals_the_osmnx_path(pbf: str) -> None:
    H = osm.graph_from_osm(pbf, network_type="driving")
    o = pyrosm.OSM(pbf)
    nodes, edges = o.get_network(network_type="driving", nodes=True)
    OG = o.to_graph(
        nodes, edges, graph_type="networkx", network_type="driving",
        osmnx_compatible=True, retain_all=True,
    )  # fmt: skip
    ref = osm.graph_from_osmnx(OG)
    assert set(H.nodes) == set(ref.nodes) == set(OG.nodes)  # OSM node ids kept
    assert sorted(H.edges(keys=True)) == sorted(ref.edges(keys=True)) == sorted(OG.edges(keys=True))
    for u, v, k, d in H.edges(keys=True, data=True):
        assert d["time_min"] == ref.edges[u, v, k]["time_min"]
    # one-way streets exist and stay one-way
    oneway = [(u, v) for u, v, d in H.edges(data=True) if d["oneway"]]
    assert oneway
    assert any(not H.has_edge(v, u) for u, v in oneway)
    # every speed came from a tag or the table
    assert all(d["speed_kmh"] > 0 for _, _, d in H.edges(data=True))
    c = metrics.centrality(H, length=None, k=20, seed=0, measures=["betweenness"])
    assert c["betweenness"].sum() > 0


def test_graph_from_osm_refuses_a_missing_file(tmp_path: object) -> None:
    with pytest.raises(GraphError, match=r"\.osm\.pbf"):
        osm.graph_from_osm("/nonexistent/x.osm.pbf")
