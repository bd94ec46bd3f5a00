"""Hand-worked metric values and the bad-input zoo (bad-inputs.md rows 36-47).

The toy graph is the diamond of ``urbanchain.metrics._toy`` (times in
minutes, lengths in km equal to the times):

          b (capital, pop 50)
      e1 10 /   \\ e3 10
    a (capital,  d (seaport)
      pop 100) \\ / e4 20
      e2 20     c (capital, pop 20)

Shortest times: a-b 10, a-c 20, a-d 20 (via b), b-c 30 (tied: via a and via d),
b-d 10, c-d 20.  Every expected value below is worked out by hand from these.
"""

from __future__ import annotations

import inspect
import math
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from _metric_table import CHAIN_METRICS, GRAPH_METRICS
from urbanchain import metrics
from urbanchain.errors import (
    DataQualityWarning,
    GraphError,
    UnknownNameError,
    ValidationError,
    WeightError,
)
from urbanchain.metrics._toy import diamond

ALL = ["a", "b", "c", "d"]


# --------------------------------------------------------------------- hand-worked values


def test_od_matrix_diamond():
    od = metrics.od_matrix(diamond(), sources=ALL, targets=ALL)
    expected = [
        [0, 10, 20, 20],
        [10, 0, 30, 10],
        [20, 30, 0, 20],
        [20, 10, 20, 0],
    ]
    np.testing.assert_allclose(od.to_numpy(), expected)
    assert od.attrs["unit"] == "min"
    assert od.attrs["engine"] == "scipy"


def test_od_matrix_default_sources_are_capitals():
    od = metrics.od_matrix(diamond())
    assert list(od.index) == ["a", "b", "c"]
    assert list(od.columns) == ["a", "b", "c"]


def test_od_unreachable_is_nan():
    G = diamond()
    G.add_node("z", x=106.0, y=21.0, kind="city", is_capital=True, population=5.0)
    od = metrics.od_matrix(G, sources=["a"], targets=["z", "b"])
    assert math.isnan(od.loc["a", "z"])
    assert od.loc["a", "b"] == 10.0
    assert od.attrs["unreachable"] == 1


def test_centrality_diamond():
    c = metrics.centrality(diamond(), length=None)
    # closeness = 3 / sum of times: a 3/50, b 3/50, c 3/70, d 3/50
    np.testing.assert_allclose(c["closeness"], [0.06, 0.06, 3 / 70, 0.06])
    # harmonic / (n-1): a (1/10+1/20+1/20)/3, b (1/10+1/30+1/10)/3, ...
    np.testing.assert_allclose(
        c["harmonic"],
        [0.2 / 3, (0.2 + 1 / 30) / 3, (0.1 + 1 / 30) / 3, 0.2 / 3],
    )
    # betweenness: b carries a-d (1), a and d each half of b-c; / 3 pairs
    np.testing.assert_allclose(c["betweenness"], [0.5 / 3, 1 / 3, 0.0, 0.5 / 3])
    assert c["degree"].tolist() == [2, 2, 2, 2]
    assert c["component"].tolist() == [0, 0, 0, 0]
    assert c.attrs["units"]["closeness"] == "1/min"


def test_centrality_unnormalized_betweenness():
    c = metrics.centrality(diamond(), length=None, normalized=False)
    np.testing.assert_allclose(c["betweenness"], [0.5, 1.0, 0.0, 0.5])
    np.testing.assert_allclose(c["harmonic"], [0.2, 0.2 + 1 / 30, 0.1 + 1 / 30, 0.2])


def test_straightness_diamond():
    G = diamond()
    c = metrics.centrality(G)
    geod = Geod(ellps="WGS84")

    def geo(u, v):
        return (
            geod.inv(G.nodes[u]["x"], G.nodes[u]["y"], G.nodes[v]["x"], G.nodes[v]["y"])[2] / 1000
        )

    # network lengths from a: b 10, c 20, d 20 (km)
    expected_a = (geo("a", "b") / 10 + geo("a", "c") / 20 + geo("a", "d") / 20) / 3
    assert c.loc["a", "straightness"] == pytest.approx(expected_a, rel=1e-9)


def test_edge_betweenness_diamond():
    eb = metrics.edge_betweenness(diamond(), normalized=False)
    # e1 a-b: {a,b} + {a,d} + half {b,c} = 2.5 ; e2 a-c: {a,c} + half {b,c} = 1.5
    assert eb["betweenness"].to_dict() == {"e1": 2.5, "e2": 1.5, "e3": 2.5, "e4": 1.5}
    assert eb.loc["e1", "corridor_id"] == "c1"
    ebn = metrics.edge_betweenness(diamond())
    assert ebn.loc["e1", "betweenness"] == pytest.approx(2 * 2.5 / 12)


def test_efficiency_diamond():
    # unordered 1/d: .1 + .05 + .05 + 1/30 + .1 + .05 ; x2 over 12 ordered pairs
    expected = 2 * (0.1 + 0.05 + 0.05 + 1 / 30 + 0.1 + 0.05) / 12
    assert metrics.efficiency(diamond()) == pytest.approx(expected, rel=1e-12)
    assert metrics.efficiency(diamond(), engine="networkx") == pytest.approx(expected, rel=1e-12)


def test_efficiency_single_node_is_zero():
    G = nx.MultiGraph()
    G.add_node("a")
    assert metrics.efficiency(G) == 0.0


def test_accessibility_power_and_exponential():
    acc = metrics.accessibility(diamond(), decay="power", beta=1.0, sources=["a", "d"])
    # a: 50/10 + 20/20 = 6 ; d: 100/20 + 50/10 + 20/20 = 11
    assert acc["accessibility"].tolist() == [6.0, 11.0]
    assert acc["destinations_reached"].tolist() == [2, 3]
    exp = metrics.accessibility(diamond(), beta=0.1, sources=["a"])
    assert exp.loc["a", "accessibility"] == pytest.approx(50 * math.exp(-1) + 20 * math.exp(-2))
    selfacc = metrics.accessibility(
        diamond(), beta=0.1, sources=["a"], include_self=True, self_time=0
    )
    assert selfacc.loc["a", "accessibility"] == pytest.approx(
        100 + 50 * math.exp(-1) + 20 * math.exp(-2)
    )
    # an intra-zonal time of 5 min: the own mass decays like any other
    five = metrics.accessibility(diamond(), beta=0.1, sources=["a"], include_self=True, self_time=5)
    assert five.loc["a", "accessibility"] == pytest.approx(
        100 * math.exp(-0.5) + 50 * math.exp(-1) + 20 * math.exp(-2)
    )


def test_accessibility_default_beta_is_120_min_half_life():
    assert metrics.DEFAULT_BETA["exponential"] == pytest.approx(math.log(2) / 120)
    acc = metrics.accessibility(diamond(), mass={"b": 80.0}, sources=["d"])
    # b is 10 min from d: 80 * 2**(-10/120)
    assert acc.loc["d", "accessibility"] == pytest.approx(80 * 2 ** (-10 / 120))


def test_accessibility_mass_series_and_missing_policy():
    G = diamond()
    with pytest.raises(ValidationError, match=r"missing, NaN.*node\(s\): d\..*missing='drop'"):
        metrics.accessibility(G, destinations=["a", "d"], sources=["b"], missing="error")
    # the default warns with the count and never counts the missing mass as 0 ...
    with pytest.warns(
        DataQualityWarning, match=r"Left out 1 of 2 destination.*d.*not counted as 0"
    ):
        warned = metrics.accessibility(
            G, destinations=["a", "d"], sources=["b"], decay="power", beta=1
        )
    assert warned.loc["b", "accessibility"] == pytest.approx(100 / 10)
    # ... and refuses when most destinations have none
    with pytest.raises(ValidationError, match=r"2 of 3 destination.*most of them"):
        metrics.accessibility(
            G,
            destinations=["a", "c", "d"],
            mass={"a": 1.0, "c": float("nan"), "d": float("nan")},
            sources=["b"],
        )
    with pytest.warns(DataQualityWarning, match=r"Left out 1 of 2 destination.*d"):
        acc = metrics.accessibility(
            G, destinations=["a", "d"], sources=["b"], missing="drop", decay="power", beta=1
        )
    assert acc.loc["b", "accessibility"] == pytest.approx(100 / 10)
    s = pd.Series({"a": 10.0, "c": float("nan")})
    with pytest.raises(ValidationError, match=r"node\(s\): c\."):
        metrics.accessibility(G, mass=s, sources=["b"], missing="error")
    with pytest.raises(UnknownNameError, match="zz"):
        metrics.accessibility(G, mass={"zz": 1.0})


def test_accessibility_bad_options():
    with pytest.raises(ValidationError, match="include_self"):
        metrics.accessibility(diamond(), decay="power", include_self=True)
    with pytest.raises(UnknownNameError, match="decay"):
        metrics.accessibility(diamond(), decay="gaussian")
    with pytest.raises(ValidationError, match="beta"):
        metrics.accessibility(diamond(), beta=-1.0)
    with pytest.raises(ValidationError, match="per minute"):
        metrics.accessibility(diamond(), weight="length_km")


def test_gravity_diamond():
    g = metrics.gravity(diamond(), sources=["a"], targets=["a", "b", "c"])
    # 100*50/10^2 = 50 ; 100*20/20^2 = 5 ; diagonal NaN
    assert g.loc["a", "b"] == 50.0
    assert g.loc["a", "c"] == 5.0
    assert math.isnan(g.loc["a", "a"])


def test_gateway_access_diamond():
    G = diamond()
    G.add_node("p", x=105.0, y=20.9, kind="airport")
    G.add_edge("p", "c", time_min=5.0, length_km=5.0, edge_id="e5", corridor_id="c4")
    ga = metrics.gateway_access(G, kinds=("seaport", "airport"))
    assert ga["seaport_min"].tolist() == [20.0, 10.0, 20.0]
    assert ga["seaport_id"].tolist() == ["d", "d", "d"]
    # airport p hangs off c (5 min): a-c-p 25; b-a-c-p = b-d-c-p = 35; c-p 5
    assert ga["airport_min"].tolist() == [25.0, 35.0, 5.0]
    nx_ga = metrics.gateway_access(G, kinds=("seaport", "airport"), engine="networkx")
    pd.testing.assert_frame_equal(ga, nx_ga, check_like=True)
    with pytest.raises(
        GraphError, match=r"No node of kind 'airport'.*kinds present: city, seaport"
    ):
        metrics.gateway_access(diamond())


def test_detour_index_is_network_over_geodesic():
    G = diamond()
    det = metrics.detour_index(G, sources=["a"], targets=["b", "d"])
    geod = Geod(ellps="WGS84")
    ab = geod.inv(105.0, 21.0, 105.1, 21.1)[2] / 1000
    ad = geod.inv(105.0, 21.0, 105.2, 21.0)[2] / 1000
    assert det.loc["a", "b"] == pytest.approx(10 / ab, rel=1e-9)
    assert det.loc["a", "d"] == pytest.approx(20 / ad, rel=1e-9)


def test_network_indices_diamond():
    s = metrics.network_indices(diamond())
    # v=4, e=4, p=1, mu=1; alpha = 1/(6-3); gamma = 4/6; eta = 60/4; pi = 60/30
    assert s["v"] == 4
    assert s["e"] == 4
    assert s["p"] == 1
    assert s["mu"] == 1
    assert s["alpha"] == pytest.approx(1 / 3)
    assert s["beta"] == pytest.approx(1.0)
    assert s["gamma"] == pytest.approx(4 / 6)
    assert s["eta"] == pytest.approx(15.0)
    assert s["diameter_km"] == pytest.approx(30.0)
    assert s["diameter_links"] == 2
    assert s["pi"] == pytest.approx(2.0)


def test_network_indices_planar_vs_nonplanar():
    G = nx.MultiGraph(nx.complete_graph(5))
    for u, v, d in G.edges(data=True):
        d["length_km"] = 1.0
        d["edge_id"] = f"{u}-{v}"
    non = metrics.network_indices(G)
    pla = metrics.network_indices(G, planar=True)
    # K5: v=5, e=10, mu=6; non-planar alpha = 6/(10-4) = 1, gamma = 10/10 = 1
    assert non["alpha"] == pytest.approx(1.0)
    assert non["gamma"] == pytest.approx(1.0)
    # planar: alpha = 6/(2*5-5) = 1.2, gamma = 10/(3*3) = 1.11 (> 1: K5 is not planar)
    assert pla["alpha"] == pytest.approx(1.2)
    assert pla["gamma"] == pytest.approx(10 / 9)


def test_network_indices_counts_parallel_and_components():
    G = diamond()
    G.add_edge("a", "b", time_min=12.0, length_km=8.0, edge_id="e1b", corridor_id="c9")
    G.add_node("z")
    s = metrics.network_indices(G)
    assert s["e"] == 4  # the parallel edge is not a new link
    assert s["parallel_edges"] == 1
    assert s["p"] == 2
    assert s["v"] == 5
    # shortest parallel a-b (8 km) counts: total = 8 + 20 + 10 + 20
    assert s["total_length_km"] == pytest.approx(58.0)


def test_corridor_criticality_diamond():
    crit = metrics.corridor_criticality(diamond(), sources=["a", "b", "c"])
    assert list(crit.index) == ["c1", "c2", "c3"]
    assert crit["rank"].tolist() == [1, 2, 3]
    # c1 isolates b: pairs a-b, b-a, b-c, c-b lost
    assert crit.loc["c1", "pairs_disconnected"] == 4
    # c2 (a-c) removed: a-c becomes a-b-d-c = 40 (+20 each way); b-c stays 30 via d
    assert crit.loc["c2", "extra_time_sum"] == 40.0
    assert crit.loc["c2", "extra_time_max"] == 20.0
    assert crit.loc["c3", "extra_time_sum"] == 0.0
    base = 2 * (0.1 + 0.05 + 1 / 30) / 6
    assert crit.attrs["base_efficiency"] == pytest.approx(base)
    assert crit.loc["c1", "efficiency_loss"] == pytest.approx(base - 2 * 0.05 / 6)
    assert crit.loc["c2", "efficiency_loss"] == pytest.approx(
        base - 2 * (0.1 + 1 / 40 + 1 / 30) / 6
    )
    assert crit.loc["c1", "n_edges"] == 2


def test_corridor_criticality_by_edge_and_groups():
    crit = metrics.corridor_criticality(diamond(), by="edge_id", sources=["a", "b", "c"])
    assert set(crit.index) == {"e1", "e2", "e3", "e4"}
    # e1 alone: b still reachable via d: a-b = a-c-d-b = 50 (+40 each way), b-c stays 30
    assert crit.loc["e1", "extra_time_sum"] == 80.0
    one = metrics.corridor_criticality(diamond(), groups=["c2"], sources=["a", "b", "c"])
    assert list(one.index) == ["c2"]
    with pytest.raises(UnknownNameError, match="c22"):
        metrics.corridor_criticality(diamond(), groups=["c22"])


def test_corridor_criticality_matches_rebuilt_graph():
    G = diamond()
    crit = metrics.corridor_criticality(G, sources=["a", "b", "c"], decay="power", beta=1.0)
    H = G.copy()
    H.remove_edges_from(
        [(u, v, k) for u, v, k, c in G.edges(keys=True, data="corridor_id") if c == "c2"]
    )
    before = metrics.accessibility(G, sources=["a", "b", "c"], decay="power", beta=1.0)
    after = metrics.accessibility(H, sources=["a", "b", "c"], decay="power", beta=1.0)
    loss = before["accessibility"].sum() - after["accessibility"].sum()
    assert crit.loc["c2", "accessibility_loss"] == pytest.approx(loss)


# --------------------------------------------------------------------- chain score


def _nodes_frame():
    return pd.DataFrame(
        {
            "node_id": ["a", "b", "c", "d"],
            "is_capital": [True, True, True, False],
            "dti_rank_2022": [24, 14, 3, None],
            "pci_rank_2024": [24, 1, None, None],
            "ioc_since": [None, 2021, 2019, None],
        }
    )


def _chain():
    return SimpleNamespace(graph=diamond(), nodes=_nodes_frame())


def test_chain_score_hand_worked():
    s = metrics.chain_score(_chain())
    w = metrics.DEFAULT_CHAIN_WEIGHTS
    h = 2 ** (-1 / 120)  # decay factor per minute
    acc = {
        "a": 50 * h**10 + 20 * h**20,
        "b": 100 * h**10 + 20 * h**30,
        "c": 100 * h**20 + 50 * h**30,
    }
    lo, hi = min(acc.values()), max(acc.values())
    z_acc = {k: (v - lo) / (hi - lo) for k, v in acc.items()}
    # harmonic z: a 2/3, b 1, c 0 ; gateway (seaport 20,10,20, lower better): a 0, b 1, c 0
    # betweenness (1/6, 1/3, 0): a .5, b 1, c 0 ; dti (24,14,3 inverted): a 0, b 10/21, c 1
    # pci (24, 1, NaN): a 0, b 1 ; ioc age (NaN, 4, 6): b 0, c 1
    score_b = (
        w["harmonic"] * 1
        + w["accessibility"] * z_acc["b"]
        + w["gateway"] * 1
        + w["betweenness"] * 1
        + w["dti"] * 10 / 21
        + w["pci"] * 1
        + w["ioc"] * 0
    )
    num_a = (
        w["harmonic"] * 2 / 3
        + w["accessibility"] * z_acc["a"]
        + w["gateway"] * 0
        + w["betweenness"] * 0.5
        + w["dti"] * 0
        + w["pci"] * 0
    )
    score_a = num_a / (1 - w["ioc"])
    num_c = w["accessibility"] * z_acc["c"] + w["dti"] * 1 + w["ioc"] * 1
    score_c = num_c / (1 - w["pci"])
    assert s.loc["b", "score"] == pytest.approx(score_b)
    assert s.loc["a", "score"] == pytest.approx(score_a)
    assert s.loc["c", "score"] == pytest.approx(score_c)
    assert s.loc["a", "n_missing"] == 1
    assert "ioc" not in s.loc["a", "components_used"]
    assert s.loc["b", "ioc_age_years"] == 4
    assert list(s.index) == ["b", "c", "a"]
    assert s["rank"].tolist() == [1, 2, 3]


def test_chain_score_weights_and_missing_error():
    with pytest.raises(UnknownNameError, match=r"harmonik.*harmonic"):
        metrics.chain_score(_chain(), weights={"harmonik": 1.0})
    with pytest.raises(ValidationError, match=">= 0"):
        metrics.chain_score(_chain(), weights={"dti": -1.0})
    with pytest.raises(ValidationError, match=r"pci: c.*ioc: a"):
        metrics.chain_score(_chain(), missing="error")
    s = metrics.chain_score(_chain(), weights={"dti": 1.0, "pci": 0.0, "ioc": 0.0})
    assert s.attrs["notes"]
    assert sum(s.attrs["weights"].values()) == pytest.approx(1.0)
    only_dti = metrics.chain_score(
        _chain(),
        weights={k: (1.0 if k == "dti" else 0.0) for k in metrics.DEFAULT_CHAIN_WEIGHTS},
    )
    # DTI ranks 24, 14, 3 -> z = 0, 10/21, 1
    assert only_dti.loc["b", "score"] == pytest.approx(10 / 21)
    assert only_dti["n_missing"].tolist() == [0, 0, 0]


def test_chain_score_rejects_non_chain():
    with pytest.raises(ValidationError, match=r"\.graph"):
        metrics.chain_score(object())


def test_score_sensitivity():
    sens = metrics.score_sensitivity(_chain(), n=30, spread=0.2, seed=1)
    assert sens["base_rank"].tolist() == [1, 2, 3]
    assert ((sens["share_within_1"] >= 0) & (sens["share_within_1"] <= 1)).all()
    assert -1 <= sens.attrs["spearman_min"] <= sens.attrs["spearman_mean"] <= 1
    again = metrics.score_sensitivity(_chain(), n=30, spread=0.2, seed=1)
    pd.testing.assert_frame_equal(sens, again)
    zero = metrics.score_sensitivity(_chain(), n=5, spread=0.0)
    assert (zero["share_same_rank"] == 1.0).all()
    with pytest.raises(ValidationError, match="spread"):
        metrics.score_sensitivity(_chain(), spread=1.5)


# --------------------------------------------------------------------- bad inputs (rows 36-47)


def _with(attr_value, edge="e2", attr="time_min"):
    G = diamond()
    for _u, _v, _k, d in G.edges(keys=True, data=True):
        if d["edge_id"] == edge:
            d[attr] = attr_value
    return G


BAD_WEIGHTS = [
    pytest.param(-5.0, "negative", id="row37-negative"),
    pytest.param(0.0, "zero", id="row38-zero"),
    pytest.param(float("nan"), "NaN", id="row39-nan"),
    pytest.param(None, "None", id="row40-none"),
    pytest.param("12", "string", id="row41-string"),
    pytest.param(float("inf"), "infinite", id="row39b-inf"),
    pytest.param(True, "boolean", id="bool"),
]

FUNCS = [pytest.param(case.call, id=case.name) for case in GRAPH_METRICS if case.weight_gate]


@pytest.mark.parametrize(("value", "label"), BAD_WEIGHTS)
@pytest.mark.parametrize("func", FUNCS)
def test_bad_weight_raises_with_edge_id_and_fix(func, value, label):
    G = _with(value)
    with pytest.raises(WeightError, match=rf"{label} on 1 edge\(s\) \(edge ids: e2\); fix: \w+"):
        func(G)


@pytest.mark.parametrize("func", FUNCS)
def test_missing_weight_key_row42(func):
    G = diamond()
    for _u, _v, d in G.edges(data=True):
        d["time_mn"] = d.pop("time_min")
    with pytest.raises(
        WeightError, match=r"'time_min' is missing on 4 of 4.*e1.*Did you mean 'time_mn'"
    ):
        func(G)


def test_missing_weight_on_one_edge_lists_it():
    G = diamond()
    del G.edges["a", "c", 0]["time_min"]
    with pytest.raises(WeightError, match=r"missing on 1 of 4 edges \(edge ids: e2\)"):
        metrics.od_matrix(G)


def test_bad_length_in_detour_and_indices():
    G = _with(-1.0, attr="length_km")
    with pytest.raises(WeightError, match=r"length attribute 'length_km'.*negative.*e2"):
        metrics.detour_index(G)
    with pytest.raises(WeightError, match="e2"):
        metrics.network_indices(G)
    with pytest.raises(WeightError, match="e2"):
        metrics.centrality(G)
    metrics.centrality(G, length=None)  # straightness skipped: time weights are fine


def test_empty_graph_row47():
    for f in (metrics.od_matrix, metrics.centrality, metrics.efficiency, metrics.network_indices):
        with pytest.raises(GraphError, match="no nodes loaded"):
            f(nx.MultiGraph())


def test_not_a_graph():
    with pytest.raises(GraphError, match="networkx graph"):
        metrics.efficiency({"a": "b"})


def test_self_loops_row43_warn_and_are_ignored():
    G = diamond()
    G.add_edge("a", "a", time_min=1.0, length_km=1.0, edge_id="loop1", corridor_id="c1")
    with pytest.warns(DataQualityWarning, match=r"Ignoring 1 self-loop.*loop1"):
        c = metrics.centrality(G, length=None)
    np.testing.assert_allclose(c["closeness"], [0.06, 0.06, 3 / 70, 0.06])
    assert c["degree"].tolist() == [2, 2, 2, 2]
    assert c.attrs["self_loops_ignored"] == 1
    with pytest.warns(DataQualityWarning):
        eb = metrics.edge_betweenness(G, normalized=False)
    assert eb.loc["loop1", "betweenness"] == 0.0


def test_parallel_edges_row44_use_minimum():
    G = diamond()
    G.add_edge("a", "b", time_min=4.0, length_km=4.0, edge_id="e1fast", corridor_id="c5")
    G.add_edge("a", "b", time_min=40.0, length_km=40.0, edge_id="e1slow", corridor_id="c6")
    od = metrics.od_matrix(G, sources=["a"], targets=["b"])
    assert od.loc["a", "b"] == 4.0
    assert od.attrs["parallel_edges"] == 2
    eb = metrics.edge_betweenness(G, normalized=False)
    ref = nx.edge_betweenness_centrality(G, weight="time_min", normalized=False)
    assert eb.loc["e1slow", "betweenness"] == 0.0
    assert eb.loc["e1fast", "betweenness"] == pytest.approx(ref[("a", "b", 1)])
    # removing the fast corridor falls back to the 10-minute edge, not to "no edge"
    crit = metrics.corridor_criticality(G, sources=["a", "b"], groups=["c5"])
    assert crit.loc["c5", "extra_time_sum"] == 2 * (10.0 - 4.0)
    assert crit.loc["c5", "pairs_disconnected"] == 0


def test_disconnected_row36_component_policy():
    G = diamond()
    G.add_node("y", x=106.0, y=21.0)
    G.add_node("z", x=106.1, y=21.0)
    G.add_edge("y", "z", time_min=5.0, length_km=5.0, edge_id="e9", corridor_id="c9")
    c = metrics.centrality(G, length=None)
    assert c.loc["y", "component"] == 1
    assert c.loc["a", "component"] == 0
    # y reaches 1 of 5 others: (1/5) * (1/5) Wasserman-Faust, not 1.0 like a hub
    assert c.loc["y", "closeness"] == pytest.approx((1 / 5) * (1 / 5))
    ref = nx.closeness_centrality(G, distance="time_min")
    assert c.loc["y", "closeness"] == pytest.approx(ref["y"])
    assert c.attrs["n_components"] == 2
    with pytest.raises(GraphError, match=r"not connected.*component 1: 2 nodes.*harmonic"):
        metrics.centrality(G, length=None, policy="error")


def test_direction_row46():
    G = nx.MultiDiGraph()
    for n in (1, 2, 3):
        G.add_node(n)
    G.add_edge(1, 2, time_min=1.0, edge_id="a")
    G.add_edge(2, 3, time_min=1.0, edge_id="b")
    out = metrics.centrality(G, length=None, direction="out")
    inn = metrics.centrality(G, length=None, direction="in")
    # node 1 reaches 2 (1 min) and 3 (2 min): (2/3) * (2/2)
    assert out.loc[1, "closeness"] == pytest.approx(2 / 3)
    assert inn.loc[1, "closeness"] == 0.0
    ref = nx.closeness_centrality(G, distance="time_min")
    assert inn["closeness"].to_dict() == pytest.approx(ref)
    with pytest.raises(UnknownNameError, match="direction"):
        metrics.centrality(G, direction="both")


def test_unknown_names():
    with pytest.raises(UnknownNameError, match="ha_nol"):
        metrics.od_matrix(diamond(), sources=["ha_nol"])
    with pytest.raises(UnknownNameError, match="engine"):
        metrics.od_matrix(diamond(), engine="graphtool")
    with pytest.raises(UnknownNameError, match="policy"):
        metrics.centrality(diamond(), policy="ignore")
    with pytest.raises(ValidationError, match="repeats"):
        metrics.od_matrix(diamond(), sources=["a", "a"])


def test_node_without_coordinates_for_straightness():
    G = diamond()
    del G.nodes["c"]["x"]
    with pytest.raises(GraphError, match=r"c have no finite 'x'/'y'.*length=None"):
        metrics.centrality(G)


def test_zero_length_transfer_edges_are_accepted_for_lengths_only():
    G = diamond()
    G.add_node("a@rail", x=105.0, y=21.0, kind="city")
    G.add_edge("a", "a@rail", time_min=5.0, length_km=0.0, edge_id="t1", mode="transfer")
    s = metrics.network_indices(G)
    assert s["total_length_km"] == pytest.approx(60.0)
    c = metrics.centrality(G)
    assert c.loc["a@rail", "straightness"] >= 0
    assert math.isnan(metrics.detour_index(G, sources=["a"], targets=["a@rail"]).iloc[0, 0])
    with pytest.raises(WeightError, match="zero"):
        metrics.od_matrix(_with(0.0))


def test_criticality_without_mass_skips_accessibility_only():
    G = diamond()
    with_mass = metrics.corridor_criticality(G, sources=["a", "b", "c"])
    bare = metrics.corridor_criticality(G, sources=["a", "b", "c"], mass=None)
    assert bare["accessibility_loss"].isna().all()
    assert bare["accessibility_loss_rel"].isna().all()
    cols = ["rank", "efficiency_loss", "pairs_disconnected", "extra_time_sum", "extra_time_max"]
    pd.testing.assert_frame_equal(bare[cols], with_mass[cols])
    assert list(bare.index) == ["c1", "c2", "c3"]


# --------------------------------------------------------------------- the metric table


def test_metric_table_covers_metrics_all():
    """Every public metric has one row in tests/_metric_table.py (or is chain-level)."""
    public = {n for n in metrics.__all__ if not n.isupper()}
    rows = [case.name for case in GRAPH_METRICS]
    assert len(rows) == len(set(rows))
    assert set(rows) | set(CHAIN_METRICS) == public
    assert not set(rows) & set(CHAIN_METRICS)
    for case in GRAPH_METRICS:
        params = inspect.signature(getattr(metrics, case.name)).parameters
        assert ("engine" in params) == case.engine, case.name


@pytest.mark.parametrize("year", [2025, 2030])
def test_gateway_access_names_the_place_not_its_rail_copy(year):
    """A gateway reached at its station ("lao_cai@rail") is reported as the place."""
    from urbanchain import UrbanChain

    chain = UrbanChain.from_region("red_river_delta", year=year)
    table = metrics.gateway_access(chain.graph)
    nodes = set(chain.nodes["node_id"])
    for kind in ("seaport", "airport", "border_gate"):
        ids = table[f"{kind}_id"].dropna()
        assert not ids.str.contains("@").any(), ids[ids.str.contains("@")]
        assert set(ids) <= nodes
        names = dict(zip(chain.nodes["node_id"], chain.nodes["name"], strict=True))
        assert (table.loc[ids.index, f"{kind}_name"] == ids.map(names)).all()
    if year == 2030:  # the 2030 standard-gauge railway brings Lào Cai within reach by rail
        assert table.loc["vinh_yen", "border_gate_id"] == "lao_cai"
