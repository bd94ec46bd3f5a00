"""Tests of urbanchain.scenarios on the bundled Red River Delta chain."""

from __future__ import annotations

import copy
import logging
import pickle

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon

from urbanchain import UrbanChain, metrics
from urbanchain.errors import CRSError, RepairWarning, ScenarioError, UnknownNameError
from urbanchain.scenarios import (
    Scenario,
    compare,
    failure_sweep,
    load_scenario,
    rank_projects,
    robustness_curve,
    run_scenario_file,
)


@pytest.fixture(scope="module")
def chain(delta_chain: UrbanChain) -> UrbanChain:
    return delta_chain


def _planned_2030(chain: UrbanChain) -> list[str]:
    now = set(chain.network.corridor_id)
    return [c for c in chain.as_of(2030).network.corridor_id if c not in now]


def test_planned_corridors_never_slow_capitals(chain: UrbanChain) -> None:
    ids = _planned_2030(chain)
    assert set(ids) == {
        "ct01_huu_nghi_chi_lang",
        "ct08_ninh_binh_hai_phong",
        "rail_lao_cai_ha_noi_hai_phong",
        "ring_road_4",
    }
    s = Scenario(chain).add(ids)
    before = metrics.od_matrix(chain.graph)
    after = metrics.od_matrix(s.graph)
    assert not after.isna().any().any()
    assert (after.to_numpy() <= before.to_numpy() + 1e-9).all()


def test_close_ct04_slows_but_keeps_connected(chain: UrbanChain) -> None:
    s = Scenario(chain).close("ct04_ha_noi_hai_phong")
    t0 = metrics.od_matrix(chain.graph).at["ha_noi", "hai_phong"]
    t1 = metrics.od_matrix(s.graph).at["ha_noi", "hai_phong"]
    assert np.isfinite(t1)
    assert t1 > t0
    assert not any(
        d.get("corridor_id") == "ct04_ha_noi_hai_phong" for _, _, d in s.graph.edges(data=True)
    )


def test_base_never_mutated(chain: UrbanChain) -> None:
    G0 = chain.graph
    g_before = pickle.dumps(G0)
    corr_before = chain.corridors.copy()
    nodes_before = chain.nodes.copy()
    s = Scenario(chain)
    s1 = s.add(["ct08_ninh_binh_hai_phong"])
    s2 = s1.close(["ct04_ha_noi_hai_phong", "ql5/0"])
    s3 = s2.set(["ql5"], speed_kmh=70).set(["ha_noi"], population=8_000_000)
    s4 = s3.as_of(2030)
    for x in (s, s1, s2, s3, s4):
        _ = x.graph, x.chain, x.corridors
    failure_sweep(chain, progress=False)
    rank_projects(chain, progress=False)
    assert pickle.dumps(chain.graph) == g_before
    pd.testing.assert_frame_equal(chain.corridors, corr_before)
    pd.testing.assert_frame_equal(chain.nodes, nodes_before)
    assert s.edits == []
    assert [e["op"] for e in s4.edits] == ["add", "close", "set", "set", "as_of"]
    assert [e["op"] for e in s1.edits] == ["add"]


def test_scenario_chain_and_set(chain: UrbanChain) -> None:
    s = Scenario(chain).set(["ct04_ha_noi_hai_phong"], speed_kmh=40)
    e = next(
        d for _, _, d in s.graph.edges(data=True) if d["corridor_id"] == "ct04_ha_noi_hai_phong"
    )
    assert e["speed_kmh"] == 40
    assert e["time_min"] == pytest.approx(60 * e["length_km"] / 40)
    c = Scenario(chain).add("ct08_ninh_binh_hai_phong").close("ql5").chain
    assert "ct08_ninh_binh_hai_phong" in set(c.network.corridor_id)
    assert "ql5" not in set(c.network.corridor_id)
    # as_of(2030) on a scenario equals the chain of 2030
    od_s = metrics.od_matrix(Scenario(chain).as_of(2030).graph)
    od_c = metrics.od_matrix(chain.as_of(2030).graph)
    np.testing.assert_allclose(od_s.to_numpy(), od_c.to_numpy())


def test_unknown_names_list_close_matches(chain: UrbanChain) -> None:
    with pytest.raises(UnknownNameError, match="ct04_ha_noi_hai_phong"):
        Scenario(chain).close("ct04_ha_noi_hai_phng")
    with pytest.raises(UnknownNameError, match="ct08_ninh_binh_hai_phong"):
        Scenario(chain).add(["ct08_ninh_binh_haiphong"])
    with pytest.raises(UnknownNameError, match="speed_kmh"):
        Scenario(chain).set("ql5", sped_kmh=60)
    with pytest.raises(ScenarioError, match="already in the 2025 network"):
        Scenario(chain).add("ql5")
    # a corridor's empty code is not a name: never offered, never matched
    with pytest.raises(UnknownNameError) as info:
        Scenario(chain).close("ben rung")
    assert "Cầu Bến Rừng" in str(info.value)
    assert "'', " not in str(info.value)
    with pytest.raises(UnknownNameError):
        Scenario(chain).close("")


def test_sweep_above_max_needs_confirm(chain: UrbanChain) -> None:
    with pytest.raises(ScenarioError, match="confirm=True"):
        failure_sweep(chain, k=2, max_scenarios=10, progress=False)
    with pytest.raises(ScenarioError, match="confirm=True"):
        failure_sweep(chain, n=50, max_scenarios=10, progress=False)
    out = failure_sweep(chain, k=2, max_scenarios=10, confirm=True, progress=False)
    # failure units: the operating corridors, never access links or transfers
    units = {
        d["corridor_id"]
        for _, _, d in chain.graph.edges(data=True)
        if d.get("mode") not in ("access", "transfer") and d.get("corridor_id")
    }
    assert len(units) > 20
    assert len(out) == len(units) * (len(units) - 1) // 2


def _removed(G: nx.Graph, failed: set[str], by: str) -> nx.Graph:
    H = G.copy()
    key = "corridor_id" if by == "corridor" else "edge_id"
    H.remove_edges_from(
        [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if d.get(key) in failed]
    )
    return H


@pytest.mark.parametrize("by", ["corridor", "edge"])
def test_masked_csr_equals_recomputed_metrics(chain: UrbanChain, by: str) -> None:
    G = chain.graph
    sweep = failure_sweep(chain, by=by, progress=False)
    caps = chain.capitals
    assert sweep.attrs["base_efficiency"] == pytest.approx(metrics.efficiency(G), rel=1e-12)
    for row in sweep.itertuples():
        H = _removed(G, set(row.failed.split(" + ")), by)
        assert row.efficiency == pytest.approx(metrics.efficiency(H), rel=1e-12)
        od = metrics.od_matrix(H, sources=caps, targets=caps).to_numpy()
        vals = od[np.triu_indices(len(caps), k=1)]
        assert row.pairs_disconnected == int(np.isnan(vals).sum())
        assert row.mean_capital_od_min == pytest.approx(np.nanmean(vals), rel=1e-12)


def test_monte_carlo_reproducible_and_targeted(chain: UrbanChain) -> None:
    a = failure_sweep(chain, k=3, n=20, seed=7, progress=False)
    b = failure_sweep(chain, k=3, n=20, seed=7, progress=False)
    pd.testing.assert_frame_equal(a, b)
    assert (a["k"] == 3).all()
    t = failure_sweep(chain, k=3, targeted=True, progress=False)
    assert list(t["k"]) == [1, 2, 3]
    assert t["failed"][2].startswith(t["failed"][1])
    curve = robustness_curve(chain, fractions=[0.2, 0.5], n=4, progress=False)
    assert (curve["random_mean"] <= 1).all()


def test_monte_carlo_same_on_local_cluster(chain: UrbanChain) -> None:
    distributed = pytest.importorskip("distributed")
    seq = failure_sweep(chain, k=2, n=20, seed=3, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        par = failure_sweep(chain, k=2, n=20, seed=3, client=client, progress=False)
    pd.testing.assert_frame_equal(seq, par)


def test_hazard_polygon_closes_crossed_corridor(chain: UrbanChain) -> None:
    # a small box around the midpoint of CT.04 (Hà Nội - Hải Phòng expressway)
    line = chain.corridors.set_index("corridor_id").geometry["ct04_ha_noi_hai_phong"]
    mid = line.interpolate(0.5, normalized=True)
    box = Polygon(
        [
            (mid.x - 0.01, mid.y - 0.01),
            (mid.x + 0.01, mid.y - 0.01),
            (mid.x + 0.01, mid.y + 0.01),
            (mid.x - 0.01, mid.y + 0.01),
        ]
    )
    hazard = gpd.GeoDataFrame({"zone": ["flood"]}, geometry=[box], crs="EPSG:4326")
    out = failure_sweep(chain, hazard=hazard, progress=False)
    assert len(out) == 1
    assert "ct04_ha_noi_hai_phong" in out["failed"][0] or out["k"][0] >= 1
    closed = Scenario(chain).close("ct04_ha_noi_hai_phong")
    assert out["efficiency"][0] <= metrics.efficiency(closed.graph) + 1e-12
    with pytest.raises(CRSError, match="no CRS"):
        failure_sweep(chain, hazard=hazard.set_crs(None, allow_override=True), progress=False)
    with pytest.warns(RepairWarning, match="reprojected"):
        again = failure_sweep(chain, hazard=hazard.to_crs(3405), progress=False)
    assert again["efficiency"][0] == pytest.approx(out["efficiency"][0])


def test_compare_tables(chain: UrbanChain) -> None:
    cmp = compare(chain, Scenario(chain).close("ct04_ha_noi_hai_phong"))
    row = cmp.od.set_index(["source", "target"]).loc[("ha_noi", "hai_phong")]
    assert row["change_min"] == pytest.approx(row["other_min"] - row["base_min"])
    assert row["change_min"] > 0
    assert {"base", "other", "change", "rel_change"} <= set(cmp.summary.columns)
    assert "harmonic_rel_change" in cmp.nodes.columns
    assert "<table" in cmp._repr_html_()
    m = cmp.map()
    assert type(m).__name__ == "UrbanchainMap"


def test_rank_projects(chain: UrbanChain) -> None:
    table = rank_projects(chain, combinations=2, progress=False)
    singles = table[table["size"] == 1]
    assert len(singles) == 4
    assert len(table) == 4 + 6
    assert list(table["rank"]) == list(range(1, 11))
    assert (singles["saved_min_total"] >= -1e-9).all()
    with pytest.raises(ScenarioError, match="confirm=True"):
        rank_projects(chain, combinations=4, max_scenarios=5, progress=False)


def test_scenario_file(chain: UrbanChain, tmp_path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text(
        'base_year = 2025\n[[edits]]\nop = "add"\nids = ["ct08_ninh_binh_hai_phong"]\n'
        '[[edits]]\nop = "close"\nids = ["ct04_ha_noi_hai_phong"]\n'
        '[metrics]\npairs = [["ha_noi", "hai_phong"]]\n[sweep]\nk = 1\n',
        encoding="utf-8",
    )
    sf = load_scenario(cfg)
    assert [e["op"] for e in sf.scenario.edits] == ["add", "close"]
    written = run_scenario_file(cfg, tmp_path / "out", progress=False)
    for name in ("summary", "od", "pairs", "sweep", "diff_map"):
        assert written[name].exists()
    pairs = pd.read_csv(written["pairs"])
    assert pairs.loc[0, "change_min"] > 0
    bad = tmp_path / "bad.toml"
    bad.write_text('base_year = 2025\n[[edits]]\nop = "remove"\nids = ["x"]\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"edit 1.*Unknown op 'remove'"):
        load_scenario(bad)
    bad.write_text("base_year = 2025\nbase_yeer = 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="base_yeer"):
        load_scenario(bad)


def test_graph_only_scenario(chain: UrbanChain) -> None:
    G = chain.graph
    before = copy.deepcopy(G.graph)
    s = Scenario(G).close("ql5")
    assert not any(d.get("corridor_id") == "ql5" for _, _, d in s.graph.edges(data=True))
    with pytest.raises(ScenarioError, match="corridor layers"):
        s.add("planned")
    assert G.graph == before


# ---------------------------------------------------------------------------
# failure sweeps through the engine interface
# ---------------------------------------------------------------------------

_HAS_CCH = __import__("urbanchain.engine._cch", fromlist=["available"]).available()
_SWEEP_ENGINES = [
    "scipy",
    pytest.param("cch", marks=pytest.mark.skipif(not _HAS_CCH, reason="needs pyroutingkit")),
    pytest.param(
        "bucket",
        marks=pytest.mark.skipif(
            not __import__("urbanchain.engine._bucket", fromlist=["available"]).available(),
            reason="needs numba and pymetis",
        ),
    ),
    "networkx",
]


@pytest.mark.parametrize("engine", _SWEEP_ENGINES)
def test_single_failures_agree_with_corridor_criticality(chain: UrbanChain, engine: str) -> None:
    """k=1 closes what corridor_criticality closes: same efficiency loss, same cut pairs."""
    G = chain.graph
    sweep = failure_sweep(chain, k=1, progress=False, engine=engine)  # type: ignore[arg-type]
    assert sweep.attrs["engine"] == engine
    every = list(G.nodes)
    crit = metrics.corridor_criticality(
        G, sources=every, targets=every, mass=None, engine=engine
    )  # efficiency over every ordered pair, as the sweep's
    caps = chain.capitals
    cut = metrics.corridor_criticality(G, sources=caps, targets=caps, mass=None, engine=engine)
    base = sweep.attrs["base_efficiency"]
    assert len(sweep) >= 10
    assert (sweep["efficiency"] < base).any()
    for row in sweep.itertuples():
        loss = crit.loc[row.failed, "efficiency_loss"]
        assert base - row.efficiency == pytest.approx(loss, rel=1e-9, abs=1e-15)
        # the sweep counts unordered capital pairs on an undirected graph
        assert 2 * row.pairs_disconnected == cut.loc[row.failed, "pairs_disconnected"]


@pytest.mark.parametrize("engine", _SWEEP_ENGINES)
def test_sweep_engines_agree(chain: UrbanChain, engine: str) -> None:
    ref = failure_sweep(chain, k=2, n=15, seed=3, progress=False, engine="networkx")
    got = failure_sweep(chain, k=2, n=15, seed=3, progress=False, engine=engine)  # type: ignore[arg-type]
    cols = ["efficiency", "relative_efficiency", "pairs_disconnected", "mean_capital_od_min"]
    # cch rounds weights to integers of 1/scale minutes: far below 1e-6 relative here
    tol = 1e-12 if engine != "cch" else 1e-6
    pd.testing.assert_frame_equal(got[cols], ref[cols], rtol=tol, atol=0)
    pd.testing.assert_series_equal(got["failed"], ref["failed"])


@pytest.mark.parametrize("engine", _SWEEP_ENGINES)
def test_sweep_on_a_network_equals_the_sweep_on_its_graph(engine: str) -> None:
    from shapely.geometry import LineString

    from urbanchain.graph import graph_from_gdfs

    xs = [105.0 + i * 0.05 for i in range(5)]
    ys = [21.0 + j * 0.04 for j in range(4)]
    lines = [LineString([(x, y) for x in xs]) for y in ys]
    lines += [LineString([(x, y) for y in ys]) for x in xs]
    ids = [f"h{j}" for j in range(4)] + [f"v{i}" for i in range(5)]
    gdf = gpd.GeoDataFrame({"corridor_id": ids}, geometry=lines, crs="EPSG:4326")
    G = graph_from_gdfs(None, gdf)
    net = graph_from_gdfs(None, gdf, output="network")
    a = failure_sweep(G, k=1, progress=False, engine=engine)  # type: ignore[arg-type]
    b = failure_sweep(net, k=1, progress=False, engine=engine)  # type: ignore[arg-type]
    assert sorted(a["failed"]) == ids
    assert (a["relative_efficiency"] < 1).all()
    # units come in edge order, which differs between the two containers
    a = a.drop(columns="scenario").sort_values("failed").reset_index(drop=True)
    b = b.drop(columns="scenario").sort_values("failed").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def test_evaluator_pickles_without_its_engine(chain: UrbanChain) -> None:
    from urbanchain.scenarios._sweep import build_evaluator

    ev = build_evaluator(chain.graph, weight="time_min", capitals=chain.capitals, engine="scipy")
    ev.resolve(10)
    before = ev.evaluate(np.array([0, 1]))
    back = pickle.loads(pickle.dumps(ev))
    assert back._engine is None  # rebuilt where it runs (cch state is not picklable)
    assert back.evaluate(np.array([0, 1])) == before
