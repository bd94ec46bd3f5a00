"""Tests of urbanchain.graph on hand-drawn layers with known answers.

Reference distances (WGS 84 geodesics, pyproj.Geod):

* 1 degree of longitude at 21 N: 103,970 m (also the urbanchain.crs doctest);
* 0.5 degree of longitude at 21 N: 51,985.18 m;
* 0.00096 degree of longitude at 21 N: 99.8 m; 0.00385 degree: 400.3 m;
* 0.01 degree of latitude at 21 N: 1,107.17 m.
"""

from __future__ import annotations

import copy
import itertools
import math
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import LineString, Point

from urbanchain import settings
from urbanchain.errors import CRSError, DataQualityWarning, GraphError, WeightError
from urbanchain.graph import (
    DEFAULT_SPEEDS_KMH,
    DEFAULT_TRANSFER_PENALTY_MIN,
    TopologyReport,
    corridors_as_of,
    graph_from_edges_gdf,
    graph_from_gdfs,
    graph_to_gdfs,
    topology_report,
)

DEG_LON_M = 103_970.0  # 1 degree of longitude at 21 N, metres (rounded to 1 m)
HALF_DEG_LON_M = 51_985.18


def _nodes(rows: list[tuple[str, float, float]], **cols: list[object]) -> gpd.GeoDataFrame:
    data: dict[str, list[object]] = {"node_id": [r[0] for r in rows], "kind": ["city"] * len(rows)}
    data.update(cols)
    return gpd.GeoDataFrame(data, geometry=[Point(r[1], r[2]) for r in rows], crs="EPSG:4326")


def _lines(
    rows: list[tuple[str, str, list[tuple[float, float]]]], **cols: list[object]
) -> gpd.GeoDataFrame:
    data: dict[str, list[object]] = {
        "corridor_id": [r[0] for r in rows],
        "mode": [r[1] for r in rows],
    }
    data.update(cols)
    return gpd.GeoDataFrame(data, geometry=[LineString(r[2]) for r in rows], crs="EPSG:4326")


AB = _nodes([("a", 105.0, 21.0), ("b", 105.5, 21.0)])


def _edge_multiset(G: nx.MultiGraph) -> list[tuple[object, ...]]:
    out = []
    for u, v, d in G.edges(data=True):
        ends = (u, v) if G.is_directed() else tuple(sorted((u, v), key=str))
        attrs = tuple(sorted((k, str(val) if k == "geometry" else val) for k, val in d.items()))
        out.append((ends, attrs))
    return sorted(out, key=repr)


# --------------------------------------------------------------------------- snapping


def test_end_100m_off_snaps_but_400m_off_does_not() -> None:
    near = _lines([("l", "highway", [(105.00096, 21.0), (105.5, 21.0)])])
    G = graph_from_gdfs(AB, near)
    assert G.has_edge("a", "b")
    # the snapped end takes the node's coordinates
    assert G.edges["a", "b", 0]["geometry"].coords[0] == (105.0, 21.0)

    far = _lines([("l", "highway", [(105.00385, 21.0), (105.5, 21.0)])])
    G = graph_from_gdfs(AB, far)
    assert not G.has_edge("a", "b")
    assert G.has_edge("junction:0", "b")
    report = topology_report(G)
    assert report.unsnapped_endpoints == ["l"]
    assert report.dangling_ends == ["junction:0"]
    assert report.components == [2, 1]
    # with a 500 m tolerance the 400 m end snaps
    assert graph_from_gdfs(AB, far, snap_tolerance_m=500).has_edge("a", "b")
    with settings.override(snap_tolerance_m=500.0):
        assert graph_from_gdfs(AB, far).has_edge("a", "b")


def test_end_1e9_degree_off_a_node_still_snaps() -> None:
    # bad-inputs row 22: exact matching would give two components
    lines = _lines([("l", "highway", [(105.0 + 1e-9, 21.0 - 1e-9), (105.5, 21.0)])])
    G = graph_from_gdfs(AB, lines)
    assert sorted(G.nodes) == ["a", "b"]
    assert nx.is_connected(G)


def test_interior_vertex_near_a_node_snaps_and_splits() -> None:
    nodes = _nodes([("a", 105.0, 21.0), ("m", 105.25, 21.0), ("b", 105.5, 21.0)])
    # the middle vertex is 50 m north of m (0.00045 degree of latitude)
    lines = _lines([("l", "highway", [(105.0, 21.0), (105.25, 21.00045), (105.5, 21.0)])])
    G = graph_from_gdfs(nodes, lines)
    assert sorted((min(u, v), max(u, v)) for u, v in G.edges()) == [("a", "m"), ("b", "m")]
    ids = sorted(d["edge_id"] for *_, d in G.edges(data=True))
    assert ids == ["l/0", "l/1"]
    # the two pieces are each about a quarter degree of longitude
    total = sum(d["length_km"] for *_, d in G.edges(data=True))
    assert total == pytest.approx(HALF_DEG_LON_M / 1000, rel=1e-4)


def test_split_at_junction_of_two_lines() -> None:
    lines = _lines(
        [
            ("we", "highway", [(105.0, 21.0), (105.1, 21.0), (105.2, 21.0)]),
            ("sn", "highway", [(105.1, 20.9), (105.1, 21.0), (105.1, 21.1)]),
        ]
    )
    G = graph_from_gdfs(None, lines)
    assert G.number_of_edges() == 4
    centre = [n for n, d in G.nodes(data=True) if (d["x"], d["y"]) == (105.1, 21.0)]
    assert len(centre) == 1
    assert G.degree(centre[0]) == 4
    H = graph_from_gdfs(None, lines, split_at_junctions=False)
    assert H.number_of_edges() == 2
    assert nx.number_connected_components(H) == 2


def test_line_ends_meeting_are_joined_without_nodes() -> None:
    lines = _lines(
        [
            ("p", "road", [(105.0, 21.0), (105.1, 21.0)]),
            ("q", "road", [(105.1, 21.0), (105.2, 21.0)]),
        ]
    )
    G = graph_from_gdfs(None, lines)
    assert nx.is_connected(G)
    assert sorted(G.nodes) == ["junction:0", "junction:1", "junction:2"]


# --------------------------------------------------------------------------- lengths and speeds


def test_geodesic_length_and_time_of_a_known_line() -> None:
    nodes = _nodes([("a", 105.0, 21.0), ("b", 106.0, 21.0)])
    lines = _lines([("ab", "expressway", [(105.0, 21.0), (106.0, 21.0)])])
    e = graph_from_gdfs(nodes, lines).edges["a", "b", 0]
    assert e["length_km"] == pytest.approx(DEG_LON_M / 1000, abs=1e-3)
    assert e["speed_kmh"] == 80.0
    assert e["time_min"] == pytest.approx(60 * 103.970 / 80, abs=1e-3)  # 77.98 min
    assert e["mode"] == "expressway"
    assert e["corridor_id"] == "ab"
    assert e["edge_id"] == "ab/0"


def test_projected_layer_is_measured_in_the_plane() -> None:
    nodes = gpd.GeoDataFrame(
        {"node_id": ["a", "b"]},
        geometry=[Point(500_000, 2_300_000), Point(510_000, 2_300_000)],
        crs="EPSG:3405",
    )
    lines = gpd.GeoDataFrame(
        {"corridor_id": ["ab"], "mode": ["highway"]},
        geometry=[LineString([(500_000, 2_300_000), (505_000, 2_300_000), (510_000, 2_300_000)])],
        crs="EPSG:3405",
    )
    G = graph_from_gdfs(nodes, lines)
    assert G.graph["crs"] == "EPSG:3405"
    assert G.edges["a", "b", 0]["length_km"] == pytest.approx(10.0)
    web = lines.set_crs("EPSG:3857", allow_override=True)
    with pytest.raises(CRSError, match="Web Mercator"):
        graph_from_gdfs(None, web)


def test_speed_rules_design_override_and_line_column() -> None:
    lines = _lines(
        [
            ("ex", "expressway", [(105.0, 21.0), (105.1, 21.0)]),
            ("slow", "expressway", [(105.0, 21.1), (105.1, 21.1)]),
            ("own", "highway", [(105.0, 21.2), (105.1, 21.2)]),
            ("new_rail", "railway", [(105.0, 21.3), (105.1, 21.3)]),
            ("old_rail", "railway", [(105.0, 21.4), (105.1, 21.4)]),
        ],
        design_speed_kmh=[120, 60, np.nan, 160, np.nan],
        speed_kmh=[np.nan, np.nan, 35.0, np.nan, np.nan],
    )
    G = graph_from_gdfs(None, lines)
    speed = {d["corridor_id"]: d["speed_kmh"] for *_, d in G.edges(data=True)}
    assert speed == {"ex": 80.0, "slow": 60.0, "own": 35.0, "new_rail": 100.0, "old_rail": 45.0}
    G = graph_from_gdfs(None, lines, speeds={"expressway": 100, "railway": 50})
    speed = {d["corridor_id"]: d["speed_kmh"] for *_, d in G.edges(data=True)}
    # an override replaces the rule min(design, default); the line's own value still wins
    assert speed == {"ex": 100.0, "slow": 100.0, "own": 35.0, "new_rail": 100.0, "old_rail": 50.0}
    assert set(DEFAULT_SPEEDS_KMH) >= {"expressway", "highway", "railway", "waterway", "sea", "air"}


# --------------------------------------------------------------------------- transfers


def _multimodal() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    nodes = _nodes([("h", 105.0, 21.0), ("p", 105.5, 21.0), ("q", 105.5, 21.5)])
    lines = _lines(
        [
            ("road_hp", "highway", [(105.0, 21.0), (105.5, 21.0)]),
            ("road_pq", "highway", [(105.5, 21.0), (105.5, 21.5)]),
            ("rail_hp", "railway", [(105.0, 21.0), (105.25, 20.9), (105.5, 21.0)]),
        ]
    )
    return nodes, lines


def test_transfer_only_at_nodes_serving_both_modes() -> None:
    G = graph_from_gdfs(*_multimodal())
    assert {"h@rail", "p@rail"} <= set(G.nodes)
    assert "q@rail" not in G.nodes
    transfers = sorted((u, v) for u, v, d in G.edges(data=True) if d["mode"] == "transfer")
    assert transfers == [("h", "h@rail"), ("p", "p@rail")]
    rail = [(u, v) for u, v, d in G.edges(data=True) if d["mode"] == "railway"]
    assert rail == [("h@rail", "p@rail")]
    assert G.nodes["h@rail"]["base_node"] == "h"
    assert G.edges["h", "h@rail", 0]["time_min"] == DEFAULT_TRANSFER_PENALTY_MIN["rail"] == 20.0


def test_transfer_penalty_parameter_and_setting() -> None:
    G = graph_from_gdfs(*_multimodal(), transfer_penalty_min=5)
    assert G.edges["h", "h@rail", 0]["time_min"] == 5.0
    G = graph_from_gdfs(*_multimodal(), transfer_penalty_min={"rail": 7.5})
    assert G.edges["p", "p@rail", 0]["time_min"] == 7.5
    with settings.override(transfer_penalty_min=3.0):
        G = graph_from_gdfs(*_multimodal())
    assert G.edges["p", "p@rail", 0]["time_min"] == 3.0
    # a rail trip pays the penalty at both ends: 2 x 5 + rail time
    G = graph_from_gdfs(*_multimodal(), transfer_penalty_min=5, speeds={"highway": 1.0})
    rail_min = G.edges["h@rail", "p@rail", 0]["time_min"]
    assert nx.shortest_path_length(G, "h", "p", weight="time_min") == pytest.approx(rail_min + 10)
    with pytest.raises(GraphError, match="unknown layers"):
        graph_from_gdfs(*_multimodal(), transfer_penalty_min={"bus": 3})


def test_rail_and_road_crossing_at_a_shared_vertex_do_not_connect() -> None:
    lines = _lines(
        [
            ("road", "highway", [(105.0, 21.0), (105.1, 21.0), (105.2, 21.0)]),
            ("rail", "railway", [(105.1, 20.9), (105.1, 21.0), (105.1, 21.1)]),
        ]
    )
    G = graph_from_gdfs(None, lines)
    assert nx.number_connected_components(G) == 2
    assert G.number_of_edges() == 2


# --------------------------------------------------------------------------- access links


def test_access_links_and_nodes_beyond_radius() -> None:
    nodes = _nodes(
        [("a", 105.0, 21.0), ("b", 105.5, 21.0), ("port", 105.25, 21.01), ("far", 105.25, 21.2)]
    )
    lines = _lines([("ab", "expressway", [(105.0, 21.0), (105.25, 21.0), (105.5, 21.0)])])
    G = graph_from_gdfs(nodes, lines)
    assert G.degree("port") == 0  # off by default
    G = graph_from_gdfs(nodes, lines, access_radius_m=5_000)
    access = [(u, v, d) for u, v, d in G.edges(data=True) if d["mode"] == "access"]
    assert len(access) == 1
    u, v, d = access[0]
    assert {u, v} == {"port", "junction:0"}
    # 1,107.17 m straight line x 1.3 circuity at 30 km/h
    assert d["length_km"] == pytest.approx(1.10717 * 1.3, abs=1e-4)
    assert d["time_min"] == pytest.approx(60 * 1.10717 * 1.3 / 30, abs=1e-3)
    assert G.degree("junction:0") == 3  # the expressway was split at the access vertex
    report = topology_report(G)
    assert report.nodes_beyond_access_radius == ["far"]
    assert nx.has_path(G, "port", "b")


# --------------------------------------------------------------------------- directedness


def test_directed_graph_has_both_directions_unless_oneway() -> None:
    nodes, lines = _multimodal()
    U = graph_from_gdfs(nodes, lines)
    D = graph_from_gdfs(nodes, lines, directed=True)
    assert isinstance(U, nx.MultiGraph)
    assert not U.is_directed()
    assert isinstance(D, nx.MultiDiGraph)
    assert D.number_of_edges() == 2 * U.number_of_edges()
    assert D.graph["directed"] is True
    assert U.graph["directed"] is False
    back = D.edges["p", "h", 0]
    assert back["edge_id"] == "road_hp/0/rev"
    assert back["geometry"].coords[0] == (105.5, 21.0)
    oneway = lines.assign(oneway=[True, False, False])
    one = graph_from_gdfs(nodes, oneway, directed=True)
    assert one.has_edge("h", "p")
    assert not one.has_edge("p", "h")
    text = graph_from_gdfs(nodes, lines.assign(oneway=["yes", "no", None]), directed=True)
    assert _edge_multiset(text) == _edge_multiset(one)
    with pytest.raises(GraphError, match="road_pq have oneway values maybe"):
        graph_from_gdfs(nodes, lines.assign(oneway=["yes", "maybe", "no"]), directed=True)


# --------------------------------------------------------------------------- time slices


def _slices() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    nodes = _nodes([("a", 105.0, 21.0), ("b", 105.5, 21.0), ("c", 105.5, 21.5)])
    lines = _lines(
        [
            ("old_road", "highway", [(105.0, 21.0), (105.5, 21.0)]),
            ("bc_road", "highway", [(105.5, 21.0), (105.5, 21.5)]),
            ("new_expressway", "expressway", [(105.0, 21.0), (105.5, 21.0)]),
            ("future", "expressway", [(105.0, 21.0), (105.5, 21.5)]),
            ("paused", "expressway", [(105.0, 21.0), (105.25, 21.3), (105.5, 21.5)]),
            ("unknown_year", "highway", [(105.0, 21.0), (105.0, 21.2), (105.5, 21.5)]),
        ],
        status=["operational", "operational", "under_construction", "planned", "paused", "planned"],
        opening_year=[1990, np.nan, 2027, 2030, 2020, np.nan],
    )
    return nodes, lines


def test_corridors_as_of_rules() -> None:
    _, lines = _slices()
    assert list(corridors_as_of(lines, 2025).corridor_id) == ["old_road", "bc_road"]
    assert list(corridors_as_of(lines, 2027).corridor_id) == [
        "old_road",
        "bc_road",
        "new_expressway",
    ]
    assert list(corridors_as_of(lines, 2030).corridor_id) == [
        "old_road",
        "bc_road",
        "new_expressway",
        "future",
    ]
    assert list(corridors_as_of(lines, 1980).corridor_id) == ["bc_road"]
    bad = lines.assign(status=["operational", "open", "planned", "planned", "paused", "planned"])
    with pytest.raises(GraphError, match="bc_road"):
        corridors_as_of(bad, 2025)


def test_2030_slice_is_never_slower_than_2025() -> None:
    nodes, lines = _slices()
    g25 = graph_from_gdfs(nodes, lines, as_of=2025)
    g30 = graph_from_gdfs(nodes, lines, as_of=2030)
    assert g25.graph["as_of"] == 2025
    d25 = dict(nx.all_pairs_dijkstra_path_length(g25, weight="time_min"))
    d30 = dict(nx.all_pairs_dijkstra_path_length(g30, weight="time_min"))
    for s, t in itertools.permutations(["a", "b", "c"], 2):
        assert d30[s][t] <= d25[s][t] + 1e-9
    assert d30["a"]["c"] < d25["a"]["c"]


# --------------------------------------------------------------------------- conversion


def test_round_trip_is_the_identity() -> None:
    nodes, lines = _multimodal()
    nodes = nodes.assign(population=[8_000_000, np.nan, 10], name=["Hà Nội", "P", "Q"])
    for directed in (False, True):
        G = graph_from_gdfs(nodes, lines, directed=directed, access_radius_m=30_000)
        n, e = graph_to_gdfs(G)
        assert list(e.columns[:3]) == ["u", "v", "key"]
        assert n.crs == e.crs == "EPSG:4326"
        H = graph_from_edges_gdf(n, e)
        assert nx.utils.graphs_equal(G, H)
        assert _edge_multiset(G) == _edge_multiset(H)
        assert type(G) is type(H)
    only_nodes = graph_to_gdfs(G, edges=False)
    only_edges = graph_to_gdfs(G, nodes=False)
    assert len(only_nodes) == G.number_of_nodes()
    assert len(only_edges) == G.number_of_edges()
    with pytest.raises(GraphError, match="needs"):
        graph_to_gdfs(G, nodes=False, edges=False)
    with pytest.raises(GraphError, match="graph_from_edges_gdf"):
        graph_from_gdfs(n, e)


def test_graph_attributes() -> None:
    G = graph_from_gdfs(*_multimodal(), provenance={"nodes": "toy"})
    assert G.graph["crs"] == "EPSG:4326"
    assert G.graph["units"] == {"length_km": "km", "time_min": "min", "speed_kmh": "km/h"}
    assert isinstance(G.graph["urbanchain_version"], str)
    assert G.graph["as_of"] is None
    prov = G.graph["provenance"]
    assert prov["nodes"] == "toy"
    assert prov["counts"]["line_edges"] == 3
    assert prov["counts"]["transfer_edges"] == 2
    assert prov["parameters"]["snap_tolerance_m"] == 250.0
    assert G.nodes["h"]["x"] == 105.0
    assert G.nodes["h"]["kind"] == "city"
    # every edge has a status; lines without a status column are operational
    assert {d["status"] for *_, d in G.edges(data=True)} == {"operational"}


# --------------------------------------------------------------------------- report


def test_report_self_loops_duplicates_and_str() -> None:
    lines = _lines(
        [
            ("ring", "road", [(105.0, 21.0), (105.1, 21.0), (105.1, 21.1), (105.0, 21.0)]),
            ("d1", "road", [(105.5, 21.0), (105.6, 21.0)]),
            ("d2", "road", [(105.6, 21.0), (105.5, 21.0)]),
        ]
    )
    with pytest.warns(DataQualityWarning, match=r"Dropped 1 self-loop.*ring"):
        G = graph_from_gdfs(None, lines)
    assert G.number_of_edges() == 2  # the duplicates are kept as parallel edges
    report = topology_report(G)
    assert isinstance(report, TopologyReport)
    assert report.self_loops == ["ring"]
    assert report.duplicate_segments == [["d1/0", "d2/0"]]
    text = str(report)
    assert "self-loops (dropped)" in text
    assert "ring" in text
    assert "<table>" in report._repr_html_()
    # from layers directly (the warning is recorded in the report instead)
    assert topology_report(lines).self_loops == ["ring"]
    assert topology_report((None, lines)).duplicate_segments == [["d1/0", "d2/0"]]


def test_line_wholly_within_tolerance_of_a_node_is_a_self_loop() -> None:
    lines = _lines(
        [
            ("stub", "road", [(105.0, 21.0), (105.0005, 21.0)]),
            ("ab", "road", [(105.0, 21.0), (105.5, 21.0)]),
        ]
    )
    with pytest.warns(DataQualityWarning, match="stub"):
        G = graph_from_gdfs(AB, lines)
    assert G.number_of_edges() == 1


# --------------------------------------------------------------------------- refusals


def test_refuses_duplicate_node_ids_with_the_ids() -> None:
    nodes = _nodes([("a", 105.0, 21.0), ("a", 105.5, 21.0), ("b", 106, 21)])
    lines = _lines([("l", "road", [(105.0, 21.0), (105.5, 21.0)])])
    with pytest.raises(GraphError, match=r"Node ids a occur more than once"):
        graph_from_gdfs(nodes, lines)
    nan_id = _nodes([("a", 105.0, 21.0), ("b", 105.5, 21.0)]).assign(node_id=["a", None])
    with pytest.raises(GraphError, match="no node_id"):
        graph_from_gdfs(nan_id, lines)


def test_refuses_missing_and_mismatched_crs() -> None:
    lines = _lines([("l", "road", [(105.0, 21.0), (105.5, 21.0)])])
    with pytest.raises(CRSError, match="set_crs"):
        graph_from_gdfs(None, lines.set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match=r"nodes.to_crs\(lines.crs\)"):
        graph_from_gdfs(AB.to_crs("EPSG:3405"), lines)


def test_refuses_bad_lines_with_their_ids() -> None:
    zero = _lines(
        [
            ("ok", "road", [(105.0, 21.0), (105.5, 21.0)]),
            ("zero", "road", [(105.2, 21.0), (105.2, 21.0)]),
        ]
    )
    with pytest.raises(GraphError, match="zero"):
        graph_from_gdfs(None, zero)
    for bad_speed in (-5.0, 0.0, "fast"):
        lines = _lines(
            [
                ("ok", "road", [(105.0, 21.0), (105.5, 21.0)]),
                ("bad", "road", [(105.0, 21.1), (105.5, 21.1)]),
            ],
            speed_kmh=[50.0, bad_speed],
        )
        with pytest.raises(WeightError, match="Lines bad have"):
            graph_from_gdfs(None, lines)
    with pytest.raises(WeightError, match="speeds"):
        graph_from_gdfs(None, zero.iloc[:1], speeds={"road": float("nan")})
    with pytest.raises(GraphError, match="valid modes"):
        graph_from_gdfs(None, _lines([("t", "tram", [(105.0, 21.0), (105.5, 21.0)])]))
    dup = _lines(
        [
            ("x", "road", [(105.0, 21.0), (105.5, 21.0)]),
            ("x", "road", [(105.0, 21.1), (105.5, 21.1)]),
        ]
    )
    with pytest.raises(GraphError, match="Line ids x occur more than once"):
        graph_from_gdfs(None, dup)
    pts = gpd.GeoDataFrame({"corridor_id": ["p"]}, geometry=[Point(105, 21)], crs="EPSG:4326")
    with pytest.raises(GraphError, match="non-line geometry"):
        graph_from_gdfs(None, pts)
    empty = _lines([("l", "road", [(105.0, 21.0), (105.5, 21.0)])]).iloc[:0]
    with pytest.raises(GraphError, match="nothing to build"):
        graph_from_gdfs(None, empty)
    with pytest.raises(GraphError, match="access_radius_m"):
        graph_from_gdfs(None, zero.iloc[:1], access_radius_m=-1)


def test_inputs_are_not_mutated() -> None:
    nodes, lines = _multimodal()
    lines = lines.assign(status="operational", opening_year=2000)
    before_n, before_l = copy.deepcopy(nodes), copy.deepcopy(lines)
    graph_from_gdfs(nodes, lines, directed=True, access_radius_m=10_000, as_of=2025)
    pd.testing.assert_frame_equal(pd.DataFrame(nodes), pd.DataFrame(before_n))
    pd.testing.assert_frame_equal(pd.DataFrame(lines), pd.DataFrame(before_l))
    assert nodes.crs == before_n.crs
    assert lines.crs == before_l.crs


def test_no_warning_on_a_clean_build() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        graph_from_gdfs(*_multimodal())


# --------------------------------------------------------------------------- properties

_GRID_SEGMENTS = [((i, j), (i + 1, j)) for i in range(3) for j in range(4)] + [
    ((i, j), (i, j + 1)) for i in range(4) for j in range(3)
]


def _segment_layer(choice: list[int], modes: list[str]) -> gpd.GeoDataFrame:
    geoms = []
    for k in choice:
        (i0, j0), (i1, j1) = _GRID_SEGMENTS[k]
        geoms.append(
            LineString(
                [(105.0 + 0.01 * i0, 21.0 + 0.01 * j0), (105.0 + 0.01 * i1, 21.0 + 0.01 * j1)]
            )
        )
    return gpd.GeoDataFrame(
        {"corridor_id": [f"s{k}" for k in choice], "mode": modes}, geometry=geoms, crs="EPSG:4326"
    )


_layers = st.lists(
    st.integers(0, len(_GRID_SEGMENTS) - 1), min_size=1, max_size=12, unique=True
).flatmap(
    lambda ch: st.tuples(
        st.just(ch),
        st.lists(
            st.sampled_from(["road", "expressway", "railway"]), min_size=len(ch), max_size=len(ch)
        ),
        st.permutations(list(range(len(ch)))),
        st.booleans(),
    )
)

_PROP_NODES = _nodes([("n0", 105.0, 21.0), ("n1", 105.02, 21.01), ("n2", 105.03, 21.03)])


@given(_layers)
def test_property_round_trip_and_row_order(
    case: tuple[list[int], list[str], list[int], bool],
) -> None:
    choice, modes, perm, directed = case
    lines = _segment_layer(choice, modes)
    G = graph_from_gdfs(_PROP_NODES, lines, directed=directed)
    n, e = graph_to_gdfs(G)
    H = graph_from_edges_gdf(n, e)
    assert nx.utils.graphs_equal(G, H)
    shuffled = lines.iloc[perm]
    P = graph_from_gdfs(_PROP_NODES, shuffled, directed=directed)
    # junction ids follow coordinates, so even the node ids agree
    assert sorted(G.nodes, key=str) == sorted(P.nodes, key=str)
    assert dict(G.nodes(data=True)) == dict(P.nodes(data=True))
    assert _edge_multiset(G) == _edge_multiset(P)
    matcher = nx.isomorphism.MultiDiGraphMatcher if directed else nx.isomorphism.MultiGraphMatcher
    assert matcher(G, P).is_isomorphic()
    assert all(math.isfinite(d["time_min"]) and d["time_min"] > 0 for *_, d in G.edges(data=True))


def test_node_ids_that_differ_only_in_type_are_refused():
    import geopandas as gpd
    from shapely import LineString, Point

    from urbanchain.errors import GraphError
    from urbanchain.graph import graph_from_gdfs

    nodes = gpd.GeoDataFrame(
        {"node_id": [1, "1", "b"]},
        geometry=[Point(105.8, 21.0), Point(105.9, 21.0), Point(106.0, 21.0)],
        crs="EPSG:4326",
    )
    lines = gpd.GeoDataFrame(
        {"corridor_id": ["c"], "mode": ["road"], "status": ["operational"]},
        geometry=[LineString([(105.8, 21.0), (106.0, 21.0)])],
        crs="EPSG:4326",
    )
    with pytest.raises(GraphError, match=r"'1', 1 differ only in type.*astype\(str\)"):
        graph_from_gdfs(nodes, lines)
