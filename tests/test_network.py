"""Tests of the array-backed builder output, ``graph_from_gdfs(..., output="network")``.

The default output (a networkx multigraph) is the reference: a
:class:`urbanchain.graph.Network` must hold exactly the same graph, and
``Network.to_networkx()`` must give it back (nodes, edges, keys, attribute
values and types, insertion order, ``G.graph``).  The tables are also checked
against the networkx graph directly, row by row, without ``to_networkx``.
"""

from __future__ import annotations

import copy
import pickle
import warnings
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, MultiLineString, Point

from urbanchain import datasets, metrics
from urbanchain.errors import DataQualityWarning, GraphError, WeightError
from urbanchain.graph import (
    Network,
    graph_from_edges_gdf,
    graph_from_gdfs,
    graph_to_gdfs,
    topology_report,
)

# --------------------------------------------------------------------------- helpers


def assert_same_graph(G: nx.MultiGraph, H: nx.MultiGraph) -> None:
    """Same class, nodes, edges, keys, attribute values *and types*, order and G.graph."""
    assert type(G) is type(H)
    assert list(G.nodes) == list(H.nodes)
    for n in G.nodes:
        a, b = G.nodes[n], H.nodes[n]
        assert list(a) == list(b), n
        assert a == b, n
        assert [type(x) for x in a.values()] == [type(x) for x in b.values()], n
    ea = list(G.edges(keys=True, data=True))
    eb = list(H.edges(keys=True, data=True))
    assert [e[:3] for e in ea] == [e[:3] for e in eb]
    for x, y in zip(ea, eb, strict=True):
        assert list(x[3]) == list(y[3]), x[:3]
        assert x[3] == y[3], x[:3]
        assert [type(v) for v in x[3].values()] == [type(v) for v in y[3].values()], x[:3]
    assert G.graph == H.graph
    assert nx.utils.graphs_equal(G, H)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def assert_tables_match(net: Network, G: nx.MultiGraph) -> None:
    """The Network's tables hold G, checked row by row (independently of to_networkx)."""
    assert net.directed is G.is_directed()
    assert net.number_of_nodes() == G.number_of_nodes() == len(net)
    assert net.number_of_edges() == G.number_of_edges()
    assert list(net.nodes.index) == list(G.nodes)
    for node_id, row in zip(net.nodes.index, net.nodes.to_dict("records"), strict=True):
        want = G.nodes[node_id]
        have = {k: v for k, v in row.items() if not _missing(v)}
        assert have == want, node_id
    ids = list(net.nodes.index)
    e = net.edges
    assert e["u_pos"].dtype == np.int64
    assert e["v_pos"].dtype == np.int64
    attrs = [c for c in e.columns if c not in ("u_pos", "v_pos", "key")]
    u_ids, v_ids = net.edge_endpoints()
    for i, (u, v, k) in enumerate(
        zip(e["u_pos"].tolist(), e["v_pos"].tolist(), e["key"].tolist(), strict=True)
    ):
        assert (u_ids[i], v_ids[i]) == (ids[u], ids[v])
        want = G.edges[ids[u], ids[v], k]
        have = {c: e[c].iat[i] for c in attrs if not _missing(e[c].iat[i])}
        assert have == want, (ids[u], ids[v], k)
    assert net.graph == G.graph


def _both(*args: Any, **kwargs: Any) -> tuple[nx.MultiGraph, Network]:
    G = graph_from_gdfs(*args, **kwargs)
    net = graph_from_gdfs(*args, output="network", **kwargs)
    return G, net


def _grid(n: int, *, seed: int = 0, mid: bool = True) -> gpd.GeoDataFrame:
    """A jittered n x n street grid, ~100 m blocks around Hà Nội, one line per block side."""
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = 105.8 + (jj.ravel() + rng.uniform(-0.3, 0.3, n * n)) * 0.00096
    y = 21.0 + (ii.ravel() + rng.uniform(-0.3, 0.3, n * n)) * 0.0009
    ids = np.arange(n * n).reshape(n, n)
    u = np.concatenate((ids[:, :-1].ravel(), ids[:-1, :].ravel()))
    v = np.concatenate((ids[:, 1:].ravel(), ids[1:, :].ravel()))
    geoms = []
    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        pa, pb = (x[a], y[a]), (x[b], y[b])
        pts = [pa, ((pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2), pb] if mid else [pa, pb]
        geoms.append(LineString(pts))
    return gpd.GeoDataFrame(
        {"segment_id": np.arange(len(u), dtype=np.int64), "oneway": rng.random(len(u)) < 0.2},
        geometry=geoms,
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def delta() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return datasets.nodes(), datasets.corridors()


# --------------------------------------------------------------------------- equality


@pytest.mark.parametrize("as_of", [None, 2025, 2030])
@pytest.mark.parametrize("directed", [False, True])
def test_delta_network_equals_networkx_output(
    delta: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], as_of: int | None, directed: bool
) -> None:
    nodes, corridors = delta
    G, net = _both(nodes, corridors, as_of=as_of, directed=directed, access_radius_m=15_000)
    assert isinstance(net, Network)
    assert_same_graph(G, net.to_networkx())
    assert_tables_match(net, G)
    # the Delta graph has every kind of node and edge
    assert {"junction", "city"} <= set(net.nodes["kind"].dropna())
    assert net.nodes["base_node"].notna().any()  # mode-layer copies
    assert {"transfer", "access", "expressway"} <= set(net.edges["mode"])


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("mid", [False, True])
def test_grid_network_equals_networkx_output(directed: bool, mid: bool) -> None:
    lines = _grid(12, seed=3, mid=mid)
    G, net = _both(None, lines, line_id="segment_id", directed=directed)
    assert_same_graph(G, net.to_networkx())
    assert_tables_match(net, G)
    # a bare network: every node is a junction; ids as in the networkx output
    assert (net.nodes["kind"] == "junction").all()
    assert net.nodes.index[0] == "junction:0"
    n_lines = len(lines)
    n_oneway = int(lines["oneway"].sum())
    assert net.number_of_edges() == (2 * n_lines - n_oneway if directed else n_lines)


def test_grid_with_nodes_snapping_and_access_links() -> None:
    lines = _grid(10, seed=4)
    corners = [lines.geometry.iloc[i].coords[0] for i in (0, 15, 40, 77)]
    nodes = gpd.GeoDataFrame(
        {
            "node_id": ["a", "b", "c", 7],
            "kind": ["city", "port", None, "station"],
            "population": [1000, 2000, 3000, 4000],
        },
        geometry=[Point(x + 2e-5, y) for x, y in corners[:3]] + [Point(105.8041, 21.0042)],
        crs="EPSG:4326",
    )
    for directed in (False, True):
        G, net = _both(
            nodes,
            lines,
            line_id="segment_id",
            directed=directed,
            snap_tolerance_m=10.0,
            access_radius_m=80.0,
        )
        assert_same_graph(G, net.to_networkx())
        assert_tables_match(net, G)
        assert "a" in net
        assert 7 in net
        assert "nowhere" not in net
        assert [] not in net  # unhashable: not a node, no error


def _messy_lines() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(5)
    pts = [(105 + 0.01 * i, 21 + 0.01 * j) for i in range(5) for j in range(5)]
    geoms: list[Any] = [
        LineString([pts[i] for i in rng.choice(len(pts), rng.integers(2, 5), replace=False)])
        for _ in range(60)
    ]
    geoms += [
        MultiLineString([[pts[0], pts[6]], [pts[6], pts[12], pts[18]]]),
        LineString([pts[0], pts[6]]),  # duplicate of the first part above
        LineString([pts[6], pts[0]]),  # the same, drawn backwards
        LineString([(105.0, 21.0, 5.0), (105.04, 21.04, 7.0)]),  # 3-D
        LineString([pts[3], pts[8], pts[3]]),  # closed: a self-loop when not split
        LineString([(105.0, 21.0), (105.0001, 21.0)]),  # within the tolerance of node a
    ]
    n = len(geoms)
    return gpd.GeoDataFrame(
        {
            "corridor_id": [f"L{i}" for i in range(n)],
            "mode": rng.choice(["road", "highway", "railway", "expressway", "waterway"], n),
            "oneway": rng.random(n) < 0.3,
            "name": [f"n{i}" if i % 3 else None for i in range(n)],
            "opening_year": [2000 + i % 30 for i in range(n)],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("split", [False, True])
def test_messy_layer_network_equals_networkx_output(directed: bool, split: bool) -> None:
    lines = _messy_lines()
    nodes = gpd.GeoDataFrame(
        {"node_id": ["a", "b"], "kind": ["city", "station"], "name": ["A", None]},
        geometry=[Point(105.0, 21.0), Point(105.02001, 21.02)],
        crs="EPSG:4326",
    )
    kwargs = {"directed": directed, "split_at_junctions": split, "access_radius_m": 900.0}
    with pytest.warns(DataQualityWarning, match="self-loop") as w_nx:
        G = graph_from_gdfs(nodes, lines, **kwargs)
    with pytest.warns(DataQualityWarning, match="self-loop") as w_net:
        net = graph_from_gdfs(nodes, lines, output="network", **kwargs)
    assert [str(w.message) for w in w_nx] == [str(w.message) for w in w_net]
    assert w_net[0].filename == __file__  # the warning points at the caller's line
    assert_same_graph(G, net.to_networkx())
    assert_tables_match(net, G)
    assert G.graph["provenance"]["topology"]["duplicate_segments"]


def test_projected_layers() -> None:
    lines = _messy_lines().iloc[:60].to_crs(32648)
    G, net = _both(None, lines)
    assert net.graph["crs"] == "EPSG:32648"
    assert_same_graph(G, net.to_networkx())


line_rows = st.lists(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=2, max_size=4, unique=True),
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=line_rows, directed=st.booleans())
def test_random_layers_tables_match_networkx(
    rows: list[list[tuple[int, int]]], directed: bool
) -> None:
    geoms = [LineString([(105 + 0.001 * i, 21 + 0.001 * j) for i, j in r]) for r in rows]
    lines = gpd.GeoDataFrame({"corridor_id": range(len(geoms))}, geometry=geoms, crs="EPSG:4326")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        G, net = _both(None, lines, directed=directed)
    assert_same_graph(G, net.to_networkx())
    assert_tables_match(net, G)


# --------------------------------------------------------------------------- the API


def test_network_api_and_display() -> None:
    lines = _grid(6, seed=1)
    net = graph_from_gdfs(None, lines, line_id="segment_id", output="network")
    assert net.is_multigraph() is True
    assert net.is_directed() is False
    assert len(net) == net.number_of_nodes() == 36
    assert net.number_of_edges() == len(lines) == 60
    assert list(iter(net)) == list(net.nodes.index)
    assert {"x", "y", "layer", "kind"} <= set(net.nodes.columns)
    assert list(net.edges.columns[:3]) == ["u_pos", "v_pos", "key"]
    for col in ("length_km", "speed_kmh", "time_min", "mode", "status", "corridor_id", "edge_id"):
        assert col in net.edges.columns
    assert net.edges.crs.to_epsg() == 4326
    assert net.edges["length_km"].between(0.05, 0.2).all()  # ~100 m blocks
    assert repr(net) == "<Network (undirected): 36 nodes, 60 edges, EPSG:4326>"
    html = net._repr_html_()
    assert "<table>" in html
    assert "road: 60" in html
    assert pickle.loads(pickle.dumps(net)).number_of_edges() == 60
    assert type(net).__module__ == "urbanchain.graph"


def test_output_is_validated() -> None:
    with pytest.raises(GraphError, match="output must be 'networkx'"):
        graph_from_gdfs(None, _grid(3), output="dict")  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("edit", "error", "match"),
    [
        (lambda df: df.assign(segment_id=0), GraphError, "occur more than once"),
        (lambda df: df.assign(speed_kmh=-5.0), WeightError, "speed"),
        (lambda df: df.assign(mode="hovercraft"), GraphError, "hovercraft"),
        (
            lambda df: df.set_geometry([LineString([(105.8, 21.0), (105.8, 21.0)])] * len(df)),
            GraphError,
            "zero, NaN",
        ),
    ],
)
def test_bad_input_errors_are_the_same_for_both_outputs(
    edit: Any, error: type[Exception], match: str
) -> None:
    bad = edit(_grid(3))
    messages = []
    for output in ("networkx", "network"):
        with pytest.raises(error, match=match) as exc:
            graph_from_gdfs(None, bad, line_id="segment_id", output=output)  # type: ignore[call-overload]
        messages.append(str(exc.value))
    assert messages[0] == messages[1]


def test_inputs_are_not_mutated(delta: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    nodes, corridors = delta
    lines = _grid(5)
    before = [copy.deepcopy(x) for x in (nodes, corridors, lines)]
    graph_from_gdfs(nodes, corridors, as_of=2030, access_radius_m=15_000, output="network")
    graph_from_gdfs(None, lines, line_id="segment_id", directed=True, output="network")
    for b, a in zip(before, (nodes, corridors, lines), strict=True):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
        assert a.attrs == b.attrs


def test_to_networkx_shares_no_mutable_state() -> None:
    net = graph_from_gdfs(None, _grid(4), line_id="segment_id", output="network")
    G = net.to_networkx()
    u, v, k = next(iter(G.edges(keys=True)))
    G.edges[u, v, k]["time_min"] = -1.0
    G.nodes[u]["x"] = 0.0
    G.graph["provenance"]["counts"]["line_edges"] = -1
    assert (net.edges["time_min"] > 0).all()
    assert (net.nodes["x"] > 100).all()
    assert net.graph["provenance"]["counts"]["line_edges"] == 24
    assert_same_graph(net.to_networkx(), graph_from_gdfs(None, _grid(4), line_id="segment_id"))


# --------------------------------------------------------------------------- conversion


def _normalised_edges(edges: gpd.GeoDataFrame, *, directed: bool) -> pd.DataFrame:
    df = pd.DataFrame(edges).copy()
    if not directed:  # networkx may report an undirected edge from either end
        ends = [sorted((a, b), key=str) for a, b in zip(df["u"], df["v"], strict=True)]
        df["u"] = [e[0] for e in ends]
        df["v"] = [e[1] for e in ends]
    return df.sort_values("edge_id").reset_index(drop=True)


@pytest.mark.parametrize("directed", [False, True])
def test_graph_to_gdfs_round_trip(
    delta: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], directed: bool
) -> None:
    nodes, corridors = delta
    G, net = _both(nodes, corridors, as_of=2030, directed=directed, access_radius_m=15_000)
    n_net, e_net = graph_to_gdfs(net)
    n_nx, e_nx = graph_to_gdfs(G)
    # same layers as for the networkx graph (edges in insertion order, not adjacency order)
    pd.testing.assert_frame_equal(pd.DataFrame(n_net)[list(n_nx.columns)], pd.DataFrame(n_nx))
    pd.testing.assert_frame_equal(
        _normalised_edges(e_net, directed=directed), _normalised_edges(e_nx, directed=directed)
    )
    assert n_net.attrs["graph"] == e_net.attrs["graph"] == G.graph
    # and back to the same graph
    assert nx.utils.graphs_equal(graph_from_edges_gdf(n_net, e_net), G)
    assert graph_to_gdfs(net, edges=False).index.name == "node_id"
    assert list(graph_to_gdfs(net, nodes=False).columns[:3]) == ["u", "v", "key"]


@pytest.mark.parametrize("directed", [False, True])
def test_topology_report_of_a_network_equals_the_networkx_one(
    delta: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], directed: bool
) -> None:
    cases: list[tuple[Any, ...]] = [
        (None, _messy_lines()),
        (None, _grid(7, seed=2).iloc[5:]),  # a grid with a few streets missing: dangling ends
        (*delta,),
    ]
    for nodes, lines in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            kwargs = {"line_id": "segment_id"} if "segment_id" in lines else {}
            G, net = _both(nodes, lines, directed=directed, **kwargs)
        report = topology_report(net)
        assert report.as_dict() == topology_report(G).as_dict()
    assert report.components[0] > 10  # the Delta: one large component


# --------------------------------------------------------------------------- metrics


def test_metrics_do_not_mutate_a_network(delta: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]) -> None:
    nodes, corridors = delta
    net = graph_from_gdfs(nodes, corridors, as_of=2025, access_radius_m=15_000, output="network")
    G = net.to_networkx()
    nodes_before = net.nodes.copy(deep=True)
    edges_before = net.edges.copy(deep=True)
    graph_before = copy.deepcopy(net.graph)
    capitals = nodes.loc[nodes["is_capital"].astype(bool), "node_id"].tolist()

    od_net = metrics.od_matrix(net, sources=capitals, targets=capitals)
    od_nx = metrics.od_matrix(G, sources=capitals, targets=capitals)
    pd.testing.assert_frame_equal(od_net, od_nx, check_exact=False, rtol=1e-9)
    metrics.centrality(net)
    metrics.efficiency(net)
    mass = pd.Series(np.arange(1.0, len(capitals) + 1), index=capitals)
    acc_net = metrics.accessibility(net, mass=mass, sources=capitals)
    acc_nx = metrics.accessibility(G, mass=mass, sources=capitals)
    pd.testing.assert_frame_equal(acc_net, acc_nx, check_exact=False, rtol=1e-9)
    metrics.corridor_criticality(net, mass=mass, sources=capitals, targets=capitals)

    pd.testing.assert_frame_equal(net.nodes, nodes_before)
    pd.testing.assert_frame_equal(net.edges, edges_before)
    assert net.graph == graph_before
    assert_same_graph(net.to_networkx(), G)


# --------------------------------------------------------------------------- fallbacks


def test_fallback_paths_build_the_same_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without arrow strings, with networkx's own add_edges_from, with threaded geodesics."""
    import urbanchain.graph as graph_mod
    from urbanchain.graph import _build, _network

    lines = _grid(8, seed=7)
    for directed in (False, True):
        reference = graph_from_gdfs(None, lines, line_id="segment_id", directed=directed)
        with monkeypatch.context() as m:
            m.setattr(graph_mod, "_arrow_strings", lambda: False)
            m.setattr(_network, "_fast_fill_ok", lambda G: False)
            plain = graph_from_gdfs(None, lines, line_id="segment_id", directed=directed)
            net = graph_from_gdfs(
                None, lines, line_id="segment_id", directed=directed, output="network"
            )
            assert net.edges["edge_id"].dtype == object
        assert_same_graph(reference, plain)
        assert_same_graph(reference, net.to_networkx())
        with monkeypatch.context() as m:
            m.setattr(_build, "_GEODESIC_CHUNK_MIN", 10)  # several threads even here
            m.setattr(_build, "GEODESIC_THREADS", 3)
            m.setattr(_build.os, "cpu_count", lambda: 3)
            threaded = graph_from_gdfs(None, lines, line_id="segment_id", directed=directed)
        assert_same_graph(reference, threaded)  # bit-identical lengths


# --------------------------------------------------------------------------- gate cache


def test_gated_csr_is_kept_and_gated_again_after_an_edit() -> None:
    # the weight gate and CSR of a Network are kept under a digest of its edge ends
    # and weights: a second call reuses them, an in-place edit of the table is seen
    from urbanchain.metrics import _common as mc

    net = graph_from_gdfs(None, _grid(6), output="network")
    first = mc.prepare(net, "time_min")
    again = mc.prepare(net, "time_min")
    assert again.csr.matrix is first.csr.matrix
    assert again.csr.edge_ids == first.csr.edge_ids
    assert not again.csr.matrix.data.flags.writeable  # shared, so never written in place
    ids = list(net.nodes.index)[:6]
    before = metrics.od_matrix(net, sources=ids, targets=ids)

    net.edges.loc[net.edges.index[:20], "time_min"] = 1e-3  # edited in place
    edited = mc.prepare(net, "time_min")
    assert edited.csr.matrix is not first.csr.matrix
    after = metrics.od_matrix(net, sources=ids, targets=ids)
    ref = metrics.od_matrix(net.to_networkx(), sources=ids, targets=ids)
    pd.testing.assert_frame_equal(after, ref, check_exact=False, rtol=1e-9)
    assert (after.to_numpy() <= before.to_numpy() + 1e-12).all()
    assert (after.to_numpy() < before.to_numpy() - 1e-9).any()

    net.edges.loc[net.edges.index[0], "time_min"] = np.nan
    with pytest.raises(WeightError, match="missing"):
        mc.prepare(net, "time_min")


def test_self_loop_warning_repeats_when_the_gate_is_reused() -> None:
    # the builder drops self-loops; a Network made from tables may hold one
    base = graph_from_gdfs(None, _grid(3), output="network")
    loop = base.edges.iloc[[0]].copy()
    loop["v_pos"] = loop["u_pos"]
    loop["key"] = 1
    loop["edge_id"] = "loop/0"
    edges = gpd.GeoDataFrame(pd.concat([base.edges, loop], ignore_index=True), crs=base.edges.crs)
    net = Network(nodes=base.nodes, edges=edges, graph=dict(base.graph), directed=False)
    for _ in range(2):  # the first call gates the Network, the second reuses the gate
        with pytest.warns(
            DataQualityWarning, match=r"1 self-loop edge\(s\) \(edge ids: loop/0\)"
        ) as rec:
            metrics.centrality(net, measures=["closeness"])
        assert rec[0].filename == __file__  # both point at the caller's line
