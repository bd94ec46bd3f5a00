"""Property-based tests (Hypothesis) over generated graphs and layers.

The complete list of urbanchain's invariants:

1. metrics are invariant to node relabelling;
2. graphs and metrics are invariant to the row order of the input layers;
3. a projection round trip (EPSG:4326 -> metric CRS -> EPSG:4326) keeps the graph
   topology, and building in the metric CRS gives the same topology;
4. scaling every weight by k scales distances (and 1/closeness) by k and leaves
   betweenness unchanged;
5. adding an isolated node leaves the other nodes' unnormalised harmonic
   closeness, betweenness and distances unchanged, and changing one component
   leaves the other components' metrics unchanged;
6. ``graph_to_gdfs`` followed by ``graph_from_edges_gdf`` is the identity, and
   ``graph_from_gdfs`` refuses such an edge layer (it would split it again);
7. no public function mutates its inputs (deep copies compared before/after).

The Hypothesis profile ("ci": 40 examples, derandomized, no deadline) is
registered and loaded in ``tests/conftest.py``, so CI time stays bounded; set
``URBANCHAIN_HYPOTHESIS_PROFILE=dev`` for a longer local run.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import LineString, Point, Polygon

from _metric_table import GRAPH_METRICS
from urbanchain import layers, metrics
from urbanchain.graph import (
    graph_from_edges_gdf,
    graph_from_gdfs,
    graph_to_gdfs,
    topology_report,
)

# --------------------------------------------------------------------------- strategies


@st.composite
def weighted_graphs(draw: st.DrawFn, *, min_nodes: int = 2, max_nodes: int = 8) -> nx.MultiGraph:
    """A MultiGraph with node coordinates, populations and positive integer-valued times.

    Integer weights keep sums exact, so equalities after relabelling are exact too.
    """
    n = draw(st.integers(min_nodes, max_nodes))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=2 * n))
    G = nx.MultiGraph(crs="EPSG:4326", units={"time_min": "min", "length_km": "km"})
    for i in range(n):
        G.add_node(
            f"n{i}",
            x=105.0 + 0.1 * i,
            y=21.0 + 0.05 * (i % 3),
            kind="city" if i % 4 else "seaport",
            is_capital=i % 2 == 0,
            population=float(draw(st.integers(1, 1000))),
        )
    for k, (i, j) in enumerate(chosen):
        t = float(draw(st.integers(1, 60)))
        G.add_edge(
            f"n{i}", f"n{j}", time_min=t, length_km=t, edge_id=f"e{k}", corridor_id=f"c{k % 3}"
        )
    return G


def _all(G: nx.Graph) -> list[Any]:
    return list(G.nodes)


def _od(G: nx.Graph, **kw: Any) -> pd.DataFrame:
    return metrics.od_matrix(G, sources=_all(G), targets=_all(G), **kw)


def _centrality(G: nx.Graph, **kw: Any) -> pd.DataFrame:
    return metrics.centrality(G, length=None, **kw)


# --------------------------------------------------------------------------- 1. relabelling


@given(weighted_graphs(), st.randoms(use_true_random=False))
def test_metrics_invariant_to_node_relabelling(G: nx.MultiGraph, rnd: Any) -> None:
    old = list(G.nodes)
    new = [f"v{k}" for k in range(len(old))]
    rnd.shuffle(new)
    mapping = dict(zip(old, new, strict=True))
    H = nx.relabel_nodes(G, mapping, copy=True)

    c_g, c_h = _centrality(G), _centrality(H)
    c_h = c_h.rename(index={v: k for k, v in mapping.items()}).loc[c_g.index]
    for col in ("closeness", "harmonic", "betweenness", "degree"):
        np.testing.assert_allclose(c_g[col], c_h[col], rtol=1e-12, atol=1e-15, err_msg=col)
    # components: the same partition (numbering may follow node order)
    part_g = {frozenset(c_g.index[c_g["component"] == k]) for k in c_g["component"].unique()}
    part_h = {frozenset(c_h.index[c_h["component"] == k]) for k in c_h["component"].unique()}
    assert part_g == part_h

    od_g = _od(G)
    od_h = _od(H).rename(
        index=dict(zip(new, old, strict=True)), columns=dict(zip(new, old, strict=True))
    )
    pd.testing.assert_frame_equal(od_g, od_h.loc[od_g.index, od_g.columns], check_exact=True)

    eb_g = metrics.edge_betweenness(G)["betweenness"]
    eb_h = metrics.edge_betweenness(H)["betweenness"]
    pd.testing.assert_series_equal(eb_g.sort_index(), eb_h.sort_index(), rtol=1e-12)
    assert metrics.efficiency(G) == pytest.approx(metrics.efficiency(H), rel=1e-12)


# --------------------------------------------------------------------------- layers

_SITES = [(105.0 + 0.2 * i, 21.0 + 0.1 * (i % 3)) for i in range(6)]


@st.composite
def layer_pairs(draw: st.DrawFn) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A node layer (3-6 cities) and 1-8 straight corridors between them."""
    n = draw(st.integers(3, 6))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=8, unique=True))
    modes = draw(
        st.lists(
            st.sampled_from(["road", "expressway", "railway"]),
            min_size=len(chosen),
            max_size=len(chosen),
        )
    )
    nodes = gpd.GeoDataFrame(
        {"node_id": [f"n{i}" for i in range(n)], "kind": "city",
         "population": [float(10 * (i + 1)) for i in range(n)]},
        geometry=[Point(_SITES[i]) for i in range(n)],
        crs="EPSG:4326",
    )  # fmt: skip
    lines = gpd.GeoDataFrame(
        {"corridor_id": [f"l{k}" for k in range(len(chosen))], "mode": modes},
        geometry=[LineString([_SITES[i], _SITES[j]]) for i, j in chosen],
        crs="EPSG:4326",
    )
    return nodes, lines


def _topology(G: nx.Graph) -> list[tuple[Any, ...]]:
    return sorted(
        (*sorted((str(u), str(v))), d.get("corridor_id"), d.get("mode"))
        for u, v, d in G.edges(data=True)
    )


# --------------------------------------------------------------------------- 2. row order


@given(layer_pairs(), st.randoms(use_true_random=False))
def test_graph_and_metrics_invariant_to_layer_row_order(
    case: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], rnd: Any
) -> None:
    nodes, lines = case
    n_perm = list(range(len(nodes)))
    l_perm = list(range(len(lines)))
    rnd.shuffle(n_perm)
    rnd.shuffle(l_perm)
    G = graph_from_gdfs(nodes, lines)
    P = graph_from_gdfs(nodes.iloc[n_perm], lines.iloc[l_perm])
    assert set(G.nodes) == set(P.nodes)
    assert _topology(G) == _topology(P)
    c_g, c_p = _centrality(G), _centrality(P).loc[_centrality(G).index]
    for col in ("closeness", "harmonic", "betweenness"):
        np.testing.assert_allclose(c_g[col], c_p[col], rtol=1e-9, err_msg=col)
    report = layers.validate_layer(nodes.iloc[n_perm], kind="nodes")
    assert report.ok


# --------------------------------------------------------------------------- 3. projection


@given(layer_pairs())
def test_projection_round_trip_keeps_topology(
    case: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    nodes, lines = case
    G = graph_from_gdfs(nodes, lines)
    back_n = nodes.to_crs("EPSG:3405").to_crs("EPSG:4326")
    back_l = lines.to_crs("EPSG:3405").to_crs("EPSG:4326")
    R = graph_from_gdfs(back_n, back_l)
    assert set(R.nodes) == set(G.nodes)
    assert _topology(R) == _topology(G)
    lengths = {d["edge_id"]: d["length_km"] for *_e, d in G.edges(data=True)}
    for *_e, d in R.edges(data=True):
        assert d["length_km"] == pytest.approx(lengths[d["edge_id"]], rel=1e-6)
    # built directly in the metric CRS: the same topology, lengths within 0.1 % (planar)
    M = graph_from_gdfs(nodes.to_crs("EPSG:3405"), lines.to_crs("EPSG:3405"))
    assert _topology(M) == _topology(G)
    for *_e, d in M.edges(data=True):
        assert d["length_km"] == pytest.approx(lengths[d["edge_id"]], rel=1e-3)


# --------------------------------------------------------------------------- 4. scaling


@given(weighted_graphs(), st.sampled_from([0.5, 2.0, 3.0, 60.0]))
def test_scaling_weights_scales_distances_not_betweenness(G: nx.MultiGraph, k: float) -> None:
    H = G.copy()
    for *_e, d in H.edges(data=True):
        d["time_min"] *= k
    od_g, od_h = _od(G), _od(H)
    np.testing.assert_allclose(od_h.to_numpy(), k * od_g.to_numpy(), rtol=1e-12)
    c_g, c_h = _centrality(G), _centrality(H)
    np.testing.assert_allclose(c_h["betweenness"], c_g["betweenness"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(c_h["closeness"], c_g["closeness"] / k, rtol=1e-12)
    np.testing.assert_allclose(c_h["harmonic"], c_g["harmonic"] / k, rtol=1e-12)
    eb_g = metrics.edge_betweenness(G)["betweenness"]
    eb_h = metrics.edge_betweenness(H)["betweenness"]
    np.testing.assert_allclose(eb_h.sort_index(), eb_g.sort_index(), rtol=1e-9, atol=1e-12)
    assert metrics.efficiency(H) == pytest.approx(metrics.efficiency(G) / k, rel=1e-12)


# --------------------------------------------------------------------------- 5. components


@given(weighted_graphs())
def test_isolated_node_leaves_other_nodes_unchanged(G: nx.MultiGraph) -> None:
    H = G.copy()
    H.add_node("isolated", x=106.5, y=20.5, kind="city", is_capital=True, population=1.0)
    c_g = _centrality(G, normalized=False)
    c_h = _centrality(H, normalized=False)
    assert c_h.loc["isolated", "harmonic"] == 0.0
    assert c_h.loc["isolated", "closeness"] == 0.0
    others = c_g.index
    np.testing.assert_allclose(c_h.loc[others, "harmonic"], c_g["harmonic"], rtol=1e-12)
    np.testing.assert_allclose(
        c_h.loc[others, "betweenness"], c_g["betweenness"], rtol=1e-12, atol=1e-12
    )
    od_g, od_h = _od(G), _od(H)
    pd.testing.assert_frame_equal(od_h.loc[od_g.index, od_g.columns], od_g, check_exact=True)
    assert od_h.loc["isolated"].drop("isolated").isna().all()
    assert c_h.loc["isolated", "component"] not in set(c_h.loc[others, "component"])


@given(weighted_graphs(min_nodes=2, max_nodes=5), weighted_graphs(min_nodes=2, max_nodes=5),
       st.integers(1, 30))  # fmt: skip
def test_editing_one_component_leaves_the_other_unchanged(
    A: nx.MultiGraph, B: nx.MultiGraph, t: int
) -> None:
    B = nx.relabel_nodes(B, {n: f"b_{n}" for n in B}, copy=True)
    for *_e, d in B.edges(data=True):
        d["edge_id"] = f"b_{d['edge_id']}"
    U = nx.union(A, B)
    V = U.copy()
    u0, v0 = list(A.nodes)[:2]
    V.add_edge(u0, v0, time_min=float(t), length_km=float(t), edge_id="new", corridor_id="new")
    c_u = _centrality(U, normalized=False)
    c_v = _centrality(V, normalized=False)
    side_b = list(B.nodes)
    for col in ("harmonic", "betweenness", "degree"):
        np.testing.assert_allclose(
            c_v.loc[side_b, col], c_u.loc[side_b, col], rtol=1e-12, atol=1e-12
        )
    od_u = metrics.od_matrix(U, sources=side_b, targets=side_b)
    od_v = metrics.od_matrix(V, sources=side_b, targets=side_b)
    pd.testing.assert_frame_equal(od_u, od_v, check_exact=True)
    eb_u = metrics.edge_betweenness(U, normalized=False)["betweenness"]
    eb_v = metrics.edge_betweenness(V, normalized=False)["betweenness"]
    b_edges = [e for e in eb_u.index if str(e).startswith("b_")]
    np.testing.assert_allclose(eb_v.loc[b_edges], eb_u.loc[b_edges], rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- 6. round trip


@given(layer_pairs(), st.booleans())
def test_graph_to_gdfs_round_trip_is_identity(
    case: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame], directed: bool
) -> None:
    nodes, lines = case
    G = graph_from_gdfs(nodes, lines, directed=directed)
    n, e = graph_to_gdfs(G)
    H = graph_from_edges_gdf(n, e)
    assert type(H) is type(G)
    assert nx.utils.graphs_equal(G, H)
    assert sorted(G.edges(keys=True)) == sorted(H.edges(keys=True))
    for u, v, key, d in G.edges(keys=True, data=True):
        h = H.edges[u, v, key]
        assert set(h) == set(d)
        for attr, value in d.items():
            if attr == "geometry":
                assert h[attr].equals_exact(value, 0.0)
            else:
                same_nan = pd.isna(value) and pd.isna(h[attr])
                assert h[attr] == value or same_nan, attr
    with pytest.raises(Exception, match="graph_from_edges_gdf"):
        graph_from_gdfs(n, e)


@given(weighted_graphs())
def test_round_trip_of_a_hand_built_graph(G: nx.MultiGraph) -> None:
    # A graph not built by graph_from_gdfs has no edge geometry: graph_to_gdfs draws a
    # straight segment (documented), and G.graph gains "directed". Nothing else changes.
    n, e = graph_to_gdfs(G)
    H = graph_from_edges_gdf(n, e)
    assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
    assert sorted(H.edges(keys=True)) == sorted(G.edges(keys=True))
    for u, v, key, d in G.edges(keys=True, data=True):
        h = dict(H.edges[u, v, key])
        geom = h.pop("geometry")
        assert h == d
        assert list(geom.coords) == [
            (G.nodes[u]["x"], G.nodes[u]["y"]),
            (G.nodes[v]["x"], G.nodes[v]["y"]),
        ]
    assert H.graph == {**G.graph, "directed": False}
    assert _od(G).equals(_od(H))


# --------------------------------------------------------------------------- 7. no mutation


def _snapshot(obj: Any) -> Any:
    return copy.deepcopy(obj)


def _assert_same(before: Any, after: Any) -> None:
    if isinstance(before, nx.Graph):
        assert type(before) is type(after)
        assert nx.utils.graphs_equal(before, after)
        assert list(before.nodes) == list(after.nodes)
        assert list(before.edges(keys=True)) == list(after.edges(keys=True))
        assert before.graph == after.graph
    elif isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(pd.DataFrame(after), pd.DataFrame(before), check_exact=True)
        assert before.attrs == after.attrs
        if isinstance(before, gpd.GeoDataFrame):
            assert before.crs == after.crs
            assert before.geometry.name == after.geometry.name
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(after, before, check_exact=True)
    elif isinstance(before, dict | list | tuple):
        assert before == after
    else:  # pragma: no cover - every input above is one of these
        raise AssertionError(type(before))


def _graph_calls() -> list[tuple[str, Callable[[nx.MultiGraph], Any]]]:
    calls: list[tuple[str, Callable[[nx.MultiGraph], Any]]] = [
        (case.name, case.call) for case in GRAPH_METRICS
    ]
    calls += [("topology_report", topology_report), ("graph_to_gdfs", graph_to_gdfs)]
    return calls


@given(weighted_graphs(min_nodes=3))
def test_no_metric_mutates_its_graph(G: nx.MultiGraph) -> None:
    # make the graph connected and give every node a distinct position (detour index)
    nodes = list(G.nodes)
    for a, b in itertools.pairwise(nodes):
        if not G.has_edge(a, b):
            G.add_edge(a, b, time_min=30.0, length_km=30.0, edge_id=f"p_{a}_{b}", corridor_id="p")
    for name, call in _graph_calls():
        before = _snapshot(G)
        call(G)
        try:
            _assert_same(before, G)
        except AssertionError as exc:  # pragma: no cover - the message names the function
            msg = f"{name} mutated its input graph: {exc}"
            raise AssertionError(msg) from exc


@given(layer_pairs())
def test_no_layer_or_graph_function_mutates_its_inputs(
    case: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame],
) -> None:
    nodes, lines = case
    nodes = nodes.assign(population=nodes["population"].astype(object))
    nodes.loc[nodes.index[0], "population"] = "n/a"  # coerced (row 26) on the copy only
    nodes.attrs["source"] = "test"
    bowtie = Polygon([(105, 21), (106, 22), (106, 21), (105, 22)])
    provinces = gpd.GeoDataFrame(
        {"code": ["01"], "name": ["x"]}, geometry=[bowtie], crs="EPSG:4326"
    )
    clean_nodes = nodes.assign(population=1.0)
    G = graph_from_gdfs(clean_nodes, lines)
    n_gdf, e_gdf = graph_to_gdfs(G)
    calls: list[tuple[str, Callable[[], Any], list[Any]]] = [
        ("validate_layer", lambda: layers.validate_layer(nodes, kind="nodes", repair=True), [nodes]),
        ("check_layer", lambda: _quiet(lambda: layers.check_layer(nodes, kind="nodes", repair=True)), [nodes]),
        ("check_layer(provinces)", lambda: _quiet(lambda: layers.check_layer(provinces, kind="provinces", repair=True)), [provinces]),
        ("align_crs", lambda: _quiet(lambda: layers.align_crs(clean_nodes, lines.to_crs(3405), to_crs="first")), [clean_nodes, lines]),
        ("graph_from_gdfs", lambda: graph_from_gdfs(clean_nodes, lines, directed=True, access_radius_m=5_000), [clean_nodes, lines]),
        ("graph_from_edges_gdf", lambda: graph_from_edges_gdf(n_gdf, e_gdf), [n_gdf, e_gdf]),
        ("topology_report", lambda: topology_report((clean_nodes, lines)), [clean_nodes, lines]),
    ]  # fmt: skip
    for name, call, inputs in calls:
        before = [_snapshot(x) for x in inputs]
        call()
        for b, a in zip(before, inputs, strict=True):
            try:
                _assert_same(b, a)
            except AssertionError as exc:  # pragma: no cover - the message names the function
                msg = f"{name} mutated an input: {exc}"
                raise AssertionError(msg) from exc


def _quiet(call: Callable[[], Any]) -> Any:
    import warnings

    from urbanchain.errors import UrbanchainWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UrbanchainWarning)
        return call()


def test_read_layer_outputs_and_maps_and_compare_do_not_mutate(tmp_path: Any) -> None:
    """read_layer's output fed to the next stages, scenarios.compare and maps.chain_map."""
    from urbanchain import io, scenarios

    nodes = gpd.GeoDataFrame(
        {"node_id": ["a", "b", "c"], "kind": ["city", "city", "seaport"],
         "is_capital": [True, True, False], "population": [10.0, 20.0, np.nan]},
        geometry=[Point(105.0, 21.0), Point(105.5, 21.1), Point(106.0, 20.9)],
        crs="EPSG:4326",
    )  # fmt: skip
    lines = gpd.GeoDataFrame(
        {"corridor_id": ["ab", "bc"], "mode": ["expressway", "highway"], "status": "operational"},
        geometry=[LineString([(105.0, 21.0), (105.5, 21.1)]), LineString([(105.5, 21.1), (106.0, 20.9)])],
        crs="EPSG:4326",
    )  # fmt: skip
    nodes.to_file(tmp_path / "nodes.geojson", driver="GeoJSON", engine="pyogrio")
    lines.to_file(tmp_path / "lines.geojson", driver="GeoJSON", engine="pyogrio")
    read_n = io.read_layer(tmp_path / "nodes.geojson", kind="nodes")
    read_l = io.read_layer(tmp_path / "lines.geojson", kind="corridors")
    snap_n, snap_l = _snapshot(read_n), _snapshot(read_l)
    layers.validate_layer(read_n, kind="nodes", repair=True)
    G = graph_from_gdfs(read_n, read_l)
    H = G.copy()
    for *_e, d in H.edges(data=True):
        d["time_min"] *= 0.5
    snap_g, snap_h = _snapshot(G), _snapshot(H)
    scenarios.compare(G, H)
    _assert_same(snap_g, G)
    _assert_same(snap_h, H)
    maps = pytest.importorskip("urbanchain.maps")
    score = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"], name="score")
    snap_s = _snapshot(score)
    maps.render_html(maps.chain_map(nodes=read_n, corridors=read_l, node_metric=score))
    _assert_same(snap_n, read_n)
    _assert_same(snap_l, read_l)
    _assert_same(snap_s, score)


@pytest.mark.parametrize("bad", [math.nan, -1.0, 0.0])
def test_refused_weights_leave_the_graph_untouched(bad: float) -> None:
    G = nx.MultiGraph()
    G.add_edge("a", "b", time_min=bad, edge_id="e")
    before = _snapshot(G)
    with pytest.raises(Exception, match="edge ids: e"):
        metrics.od_matrix(G)
    assert repr(list(G.edges(keys=True, data=True))) == repr(
        list(before.edges(keys=True, data=True))
    )
    assert G.graph == before.graph


@given(weighted_graphs(min_nodes=3, max_nodes=6))
def test_failure_sweeps_do_not_mutate_the_graph(G: nx.MultiGraph) -> None:
    from urbanchain import scenarios

    for *_e, d in G.edges(data=True):
        d["corridor_id"] = d["edge_id"]
    before = _snapshot(G)
    scenarios.failure_sweep(G, k=1, progress=False)
    _assert_same(before, G)
    scenarios.robustness_curve(G, fractions=(0.2, 0.5), n=3, progress=False)
    _assert_same(before, G)
