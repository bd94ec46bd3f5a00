"""The compiled (scipy) engine equals the NetworkX reference to 1e-9, plus Hypothesis properties."""

from __future__ import annotations

import copy

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _graphs import random_chain_graph
from urbanchain import metrics

TOL = 1e-9


SEEDS = [0, 1, 2]


@pytest.mark.parametrize("seed", SEEDS)
def test_od_matches_networkx(seed):
    G = random_chain_graph(seed)
    nodes = list(G.nodes)
    od = metrics.od_matrix(G, sources=nodes[:10], targets=nodes)
    for s in nodes[:10]:
        ref = nx.single_source_dijkstra_path_length(G, s, weight="time_min")
        row = od.loc[s]
        for t in nodes:
            if t in ref:
                assert row[t] == pytest.approx(ref[t], abs=TOL, rel=TOL)
            else:
                assert np.isnan(row[t])
    od_nx = metrics.od_matrix(G, sources=nodes[:10], targets=nodes, engine="networkx")
    pd.testing.assert_frame_equal(od, od_nx, rtol=TOL, atol=TOL, check_like=False)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("normalized", [True, False])
def test_centrality_matches_networkx(seed, normalized):
    G = random_chain_graph(seed)
    n = G.number_of_nodes()
    c = metrics.centrality(G, normalized=normalized)
    cl = nx.closeness_centrality(G, distance="time_min")
    hm = nx.harmonic_centrality(G, distance="time_min")
    bc = nx.betweenness_centrality(G, weight="time_min", normalized=normalized)
    for v in G:
        assert c.loc[v, "closeness"] == pytest.approx(cl[v], abs=TOL, rel=TOL)
        expect_h = hm[v] / (n - 1) if normalized else hm[v]
        assert c.loc[v, "harmonic"] == pytest.approx(expect_h, abs=TOL, rel=TOL)
        assert c.loc[v, "betweenness"] == pytest.approx(bc[v], abs=TOL, rel=TOL)
    c_nx = metrics.centrality(G, normalized=normalized, engine="networkx")
    pd.testing.assert_frame_equal(c, c_nx, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_edge_betweenness_matches_networkx(seed):
    G = random_chain_graph(seed)
    for normalized in (True, False):
        eb = metrics.edge_betweenness(G, normalized=normalized)
        ref = nx.edge_betweenness_centrality(G, weight="time_min", normalized=normalized)
        for u, v, k, d in G.edges(keys=True, data=True):
            want = ref.get((u, v, k), ref.get((v, u, k)))
            assert eb.loc[d["edge_id"], "betweenness"] == pytest.approx(want, abs=TOL, rel=TOL)


def _reference_efficiency(G, weight):
    """Hand-written weighted Latora-Marchiori efficiency with NetworkX all-pairs Dijkstra."""
    n = G.number_of_nodes()
    total = 0.0
    for _s, lengths in nx.all_pairs_dijkstra_path_length(G, weight=weight):
        total += sum(1.0 / d for d in lengths.values() if d > 0)
    return total / (n * (n - 1))


@pytest.mark.parametrize("seed", SEEDS)
def test_efficiency_matches_reference(seed):
    G = random_chain_graph(seed)
    assert metrics.efficiency(G) == pytest.approx(_reference_efficiency(G, "time_min"), rel=TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_accessibility_gateway_criticality_match_networkx(seed):
    G = random_chain_graph(seed)
    for decay, beta in (("exponential", None), ("power", 1.5)):
        a = metrics.accessibility(G, decay=decay, beta=beta)
        b = metrics.accessibility(G, decay=decay, beta=beta, engine="networkx")
        pd.testing.assert_frame_equal(a, b, rtol=TOL, atol=TOL)
    kinds = ("seaport", "airport", "border_gate")
    ga = metrics.gateway_access(G, kinds=kinds)
    gb = metrics.gateway_access(G, kinds=kinds, engine="networkx")
    for k in kinds:
        np.testing.assert_allclose(ga[f"{k}_min"], gb[f"{k}_min"], rtol=TOL, atol=TOL)
    ca = metrics.corridor_criticality(G)
    cb = metrics.corridor_criticality(G, engine="networkx")
    pd.testing.assert_frame_equal(ca.sort_index(), cb.sort_index(), rtol=TOL, atol=TOL)


def test_criticality_equals_rebuilding_the_graph():
    G = random_chain_graph(5)
    crit = metrics.corridor_criticality(G, decay="power", beta=1.0)
    src = [v for v, c in G.nodes(data="is_capital") if c]
    for cid in list(crit.index)[:5]:
        H = G.copy()
        H.remove_edges_from(
            [(u, v, k) for u, v, k, c in G.edges(keys=True, data="corridor_id") if c == cid]
        )
        before = metrics.od_matrix(G, sources=src, targets=src)
        after = metrics.od_matrix(H, sources=src, targets=src)
        both = before.notna() & after.notna()
        extra = (after - before).where(both, 0.0).to_numpy().sum()
        assert crit.loc[cid, "extra_time_sum"] == pytest.approx(extra, abs=1e-6)
        lost = (before.notna() & after.isna()).to_numpy().sum()
        assert crit.loc[cid, "pairs_disconnected"] == lost


@pytest.mark.parametrize("seed", SEEDS)
def test_directed_matches_networkx(seed):
    G = random_chain_graph(seed, directed=True)
    out = metrics.centrality(G, length=None, direction="out")
    inn = metrics.centrality(G, length=None, direction="in")
    ref_in = nx.closeness_centrality(G, distance="time_min")
    ref_out = nx.closeness_centrality(G.reverse(), distance="time_min")
    bc = nx.betweenness_centrality(G, weight="time_min")
    for v in G:
        assert inn.loc[v, "closeness"] == pytest.approx(ref_in[v], abs=TOL)
        assert out.loc[v, "closeness"] == pytest.approx(ref_out[v], abs=TOL)
        assert out.loc[v, "betweenness"] == pytest.approx(bc[v], abs=TOL)
    assert metrics.efficiency(G) == pytest.approx(_reference_efficiency(G, "time_min"), rel=TOL)
    ga = metrics.gateway_access(G, kinds=("seaport",))
    gb = metrics.gateway_access(G, kinds=("seaport",), engine="networkx")
    np.testing.assert_allclose(ga["seaport_min"], gb["seaport_min"], rtol=TOL)


# --------------------------------------------------------------------- Hypothesis properties


@st.composite
def small_graphs(draw):
    n = draw(st.integers(min_value=2, max_value=8))
    edges = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1), st.integers(0, n - 1), st.integers(min_value=1, max_value=20)
            ),
            min_size=1,
            max_size=16,
        )
    )
    G = nx.MultiGraph()
    for i in range(n):
        G.add_node(i, x=105.0 + 0.1 * i, y=21.0 + 0.05 * (i % 3), population=float(10 + i))
    for j, (u, v, w) in enumerate(edges):
        if u != v:
            G.add_edge(
                u,
                v,
                time_min=float(w),
                length_km=float(w),
                edge_id=f"e{j}",
                corridor_id=f"c{j % 3}",
            )
    return G


@given(small_graphs())
def test_relabelling_changes_nothing(G):
    mapping = {v: f"city_{7 * v + 3}" for v in G}
    H = nx.relabel_nodes(G, mapping)
    a = metrics.centrality(G, length=None)
    b = metrics.centrality(H, length=None)
    b.index = [next(k for k, v in mapping.items() if v == x) for x in b.index]
    for col in ("closeness", "harmonic", "betweenness", "component"):
        np.testing.assert_allclose(a[col].to_numpy(), b.loc[a.index, col].to_numpy(), atol=1e-12)
    assert metrics.efficiency(G) == pytest.approx(metrics.efficiency(H), rel=1e-12)


@given(small_graphs(), st.sampled_from([0.5, 2.0, 3.0, 10.0]))
def test_scaling_weights(G, k):
    H = G.copy()
    for _u, _v, d in H.edges(data=True):
        d["time_min"] *= k
    nodes = list(G)
    a = metrics.od_matrix(G, sources=nodes, targets=nodes)
    b = metrics.od_matrix(H, sources=nodes, targets=nodes)
    np.testing.assert_allclose(b.to_numpy(), k * a.to_numpy(), rtol=1e-12)
    ca = metrics.centrality(G, length=None)
    cb = metrics.centrality(H, length=None)
    np.testing.assert_allclose(cb["betweenness"], ca["betweenness"], atol=1e-12)
    np.testing.assert_allclose(cb["closeness"], ca["closeness"] / k, rtol=1e-12)


@given(small_graphs())
def test_isolated_node_leaves_harmonic_unchanged(G):
    H = G.copy()
    H.add_node("isolated", x=106.0, y=21.0)
    a = metrics.centrality(G, length=None, normalized=False)
    b = metrics.centrality(H, length=None, normalized=False)
    np.testing.assert_allclose(b.loc[a.index, "harmonic"], a["harmonic"], rtol=1e-12)
    assert b.loc["isolated", "harmonic"] == 0.0


def _snapshot(G):
    return (
        copy.deepcopy(dict(G.graph)),
        [(v, copy.deepcopy(d)) for v, d in G.nodes(data=True)],
        [(u, v, k, copy.deepcopy(d)) for u, v, k, d in G.edges(keys=True, data=True)],
    )


@given(small_graphs())
def test_no_function_mutates_its_input(G):
    before = _snapshot(G)
    metrics.od_matrix(G)
    metrics.centrality(G)
    metrics.edge_betweenness(G)
    metrics.efficiency(G)
    metrics.accessibility(G, destinations=list(G))
    metrics.network_indices(G)
    if G.number_of_edges():
        metrics.corridor_criticality(G, destinations=list(G))
    metrics.detour_index(G)
    assert _snapshot(G) == before
