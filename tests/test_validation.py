"""Validation of the bundled Delta network (issue 15): published distances, bridges, access.

The published road distances and travel times are in
``data/sources/red_river_delta/validation_pairs.csv`` (one source per row);
``scripts/build_validation.py`` computes the model's values and writes
``docs/validation.md``.  These tests recompute the table and fail when a pair
leaves its band, when the page is stale, when closing a bridge changes nothing
(an access link would then bypass it), or when criticality ranks access links.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from urbanchain import UrbanChain, metrics
from urbanchain.errors import DataQualityWarning, GraphError
from urbanchain.scenarios import Scenario

ROOT = Path(__file__).resolve().parents[1]


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_validation", ROOT / "scripts" / "build_validation.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_validation", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return list(_builder().compute("red_river_delta"))


@pytest.fixture(scope="module")
def chain() -> UrbanChain:
    return UrbanChain.from_region("red_river_delta", year=2025)


def test_at_least_forty_sourced_pairs(rows: list[dict[str, Any]]) -> None:
    pairs = {frozenset((r["origin"], r["destination"])) for r in rows}
    assert len(pairs) >= 40
    for r in rows:
        assert r["km_source"].startswith("http"), r["pair_id"]
        assert r["published_km_f"] > 0
        if r["published_min"]:
            assert r["min_source"].startswith("http"), r["pair_id"]


def test_every_pair_stays_in_its_band(rows: list[dict[str, Any]]) -> None:
    left = [
        f"{r['pair_id']}: ratio {r['ratio']:.3f} outside {r['band_lo']}-{r['band_hi']}"
        for r in rows
        if not r["in_own_band"]
    ]
    assert not left, "\n".join(left)


def test_pairs_outside_fifteen_percent_are_explained(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        if r["in_band"]:
            assert not r["band"], f"{r['pair_id']} is in band now: drop its band/explanation"
        else:
            assert r["band"], r["pair_id"]
            assert len(r["explanation"]) > 40, r["pair_id"]
    share = sum(r["in_band"] for r in rows) / len(rows)
    by_pair: dict[tuple[str, ...], bool] = {}
    for r in rows:
        key = tuple(sorted((r["origin"], r["destination"])))
        by_pair[key] = by_pair.get(key, False) or bool(r["in_band"])
    pair_share = sum(by_pair.values()) / len(by_pair)
    # The 90 % target is not met yet (docs/validation.md says so). Floors: never below
    # today's 52 of 68 rows and 52 of 63 pairs (a pair counts through its best-sourced row).
    # Both fell from 36/46 and 36/43 when session 5 added every pair of chain nodes with a
    # stated figure from its sourcing pass (23 rows), whatever the model gave; of the earlier
    # 43 pairs none left the band and one (hungyen_thaibinh) entered it. A second pass that day
    # added two more by the same rule (haiphong_halong, haiphong_ninhbinh), both in band.
    assert share >= 0.76
    assert pair_share >= 0.82


def test_validation_page_is_up_to_date(tmp_path: Path) -> None:
    out = _builder().build(tmp_path / "validation.md")
    assert out.read_bytes() == (ROOT / "docs" / "validation.md").read_bytes()


@pytest.mark.parametrize(
    ("a", "b", "lo", "hi"),
    [
        ("ha_noi", "noi_bai_airport", 30.0, 45.0),
        # 120 min since the 8 km of inner-city streets to Long Biên run at the observed
        # 20 km/h (W_HN_STREET_SPEED_VNE) instead of the 50 km/h highway default; the
        # CT.04 part alone is 79 min
        ("ha_noi", "hai_phong", 90.0, 130.0),
        ("ha_noi", "ha_long", 120.0, 150.0),
    ],
)
def test_headline_road_times_are_plausible(
    chain: UrbanChain, a: str, b: str, lo: float, hi: float
) -> None:
    t = metrics.od_matrix(chain.graph, sources=[a], targets=[b], modes=("road",)).loc[a, b]
    assert lo <= t <= hi, (a, b, t)


def test_rows_with_a_sourced_speed_keep_it_in_the_graph(chain: UrbanChain) -> None:
    # A corridor row's own speed_kmh (with its speed_source) overrides the mode default;
    # the Hà Nội inner-city rows carry the observed street speed (W_HN_STREET_SPEED_VNE).
    rows = chain.corridors
    own = rows[rows["speed_kmh"].notna()].set_index("corridor_id")
    assert {"ql1_giai_phong", "chuong_duong_bridge", "ql5_nguyen_van_linh"} <= set(own.index)
    assert own["speed_source"].notna().all()
    seen: set[str] = set()
    for _, _, d in chain.graph.edges(data=True):
        cid = d.get("corridor_id")
        if cid in own.index:
            seen.add(cid)
            assert d["speed_kmh"] == float(own.at[cid, "speed_kmh"]), cid
            assert d["time_min"] == pytest.approx(60 * d["length_km"] / d["speed_kmh"]), cid
    assert seen == set(own.index)  # every such row is operational in 2025


def _bridges(chain: UrbanChain) -> dict[str, str]:
    """Bridge corridor id -> the mode group it carries ("road" or "rail")."""
    G = chain.graph
    return {
        d["corridor_id"]: ("rail" if d["mode"] == "railway" else "road")
        for _, _, d in G.edges(data=True)
        if d.get("element") == "bridge"
    }


def test_bundled_network_has_named_bridges(chain: UrbanChain) -> None:
    names = {
        d["element_name"]
        for _, _, d in chain.graph.edges(data=True)
        if d.get("element") == "bridge"
    }
    assert {
        "Cầu Nhật Tân",
        "Cầu Thăng Long",
        "Cầu Bạch Đằng",
        "Cầu Thanh Trì",
        "Cầu Bãi Cháy",
        "Cầu Tân Đệ",
        "Cầu Đuống",
        "Cầu Bến Rừng",
    } <= names


def test_closing_each_bridge_slows_a_pair_of_urban_nodes(chain: UrbanChain) -> None:
    G = chain.graph
    nodes = [n for n in chain.nodes["node_id"] if n in G]
    bridges = _bridges(chain)
    assert len(bridges) >= 5
    for bridge, group in sorted(bridges.items()):
        # a rail bridge is judged on rail trips (a road trip is faster anyway)
        base = metrics.od_matrix(G, sources=nodes, targets=nodes, modes=group).to_numpy()
        closed = Scenario(chain).close(bridge).graph
        other = metrics.od_matrix(closed, sources=nodes, targets=nodes, modes=group).to_numpy()
        with np.errstate(invalid="ignore"):
            slower = np.nan_to_num(other, nan=np.inf) > base + 0.5
        assert slower.any(), f"closing {bridge} changes no travel time: something bypasses it"
        # the slowed pairs are on either side: their base route used the bridge
        i, j = (int(x[0]) for x in np.nonzero(slower))
        from urbanchain.graph._modes import with_modes

        H = with_modes(G, group)
        path = nx.shortest_path(H, nodes[i], nodes[j], weight="time_min")
        used = {
            d.get("corridor_id")
            for u, v in itertools.pairwise(path)
            for d in H.get_edge_data(u, v).values()
        }
        assert bridge in used


def test_close_a_bridge_by_name(chain: UrbanChain) -> None:
    sc = Scenario(chain).close("cầu bạch đằng")
    assert sc._closed == ["bach_dang_bridge"]
    t0 = metrics.od_matrix(chain.graph, sources=["hai_phong"], targets=["ha_long"])
    t1 = metrics.od_matrix(sc.graph, sources=["hai_phong"], targets=["ha_long"])
    # since the Bến Rừng bridge (2024) the way round is Thủy Nguyên – Bến Rừng – Quảng Yên
    # (about 9 minutes longer in the model), no longer QL10 – Uông Bí – QL18
    assert t1.iloc[0, 0] > t0.iloc[0, 0] + 5
    path = nx.shortest_path(sc.graph, "hai_phong", "ha_long", weight="time_min")
    used = {
        d.get("corridor_id")
        for u, v in itertools.pairwise(path)
        for d in sc.graph.get_edge_data(u, v).values()
    }
    assert "ben_rung_bridge" in used
    assert "bach_dang_bridge" not in used


@pytest.mark.parametrize(
    ("name", "corridor", "a", "b"),
    [
        ("Cầu Bãi Cháy", "bai_chay_bridge", "hai_phong", "ha_long"),
        ("cầu tân đệ", "tan_de_bridge", "thai_binh", "nam_dinh"),
    ],
)
def test_close_a_river_bridge_by_name_sends_traffic_round(
    chain: UrbanChain, name: str, corridor: str, a: str, b: str
) -> None:
    sc = Scenario(chain).close(name)
    assert sc._closed == [corridor]
    road = ("road",)
    t0 = float(
        metrics.od_matrix(chain.graph, sources=[a], targets=[b], modes=road).to_numpy()[0, 0]
    )
    t1 = float(metrics.od_matrix(sc.graph, sources=[a], targets=[b], modes=road).to_numpy()[0, 0])
    # the only other road is a long way round (the bay for Hòn Gai, Hưng Hà bridge for Tân Đệ)
    assert t1 > t0 + 30


def test_son_tay_is_reached_by_its_own_road(chain: UrbanChain) -> None:
    G = chain.graph
    assert "son_tay" in G
    od = metrics.od_matrix(G, sources=["ha_noi"], targets=["son_tay"], modes=("road",))
    assert 40 <= float(od.to_numpy()[0, 0]) <= 90
    # QL32 ends on Sơn Tây itself: no generated access link, so nothing jumps the Red River
    assert not any(
        d.get("corridor_id") == "access:son_tay" for _, _, d in G.edges("son_tay", data=True)
    )


def test_criticality_ranks_real_corridors_only(chain: UrbanChain) -> None:
    G = chain.graph
    crit = metrics.corridor_criticality(G, mass=None)
    access_ids = {
        d["corridor_id"]
        for _, _, d in G.edges(data=True)
        if d.get("mode") in ("access", "transfer") or d.get("is_access") is True
    }
    assert access_ids
    assert not set(crit.index) & access_ids
    assert "thang_long_bridge" in set(crit.index)
    with_access = metrics.corridor_criticality(G, mass=None, include_access=True)
    assert set(with_access.index) & access_ids


def test_access_links_are_single_and_short(chain: UrbanChain) -> None:
    G = chain.graph
    gen = [
        (u, v, d)
        for u, v, d in G.edges(data=True)
        if str(d.get("corridor_id", "")).startswith("access:")
    ]
    per_node: dict[str, int] = {}
    for _, _, d in gen:
        node = str(d["corridor_id"]).split(":", 1)[1]
        per_node[node] = per_node.get(node, 0) + 1
        # 10 km straight line at most, times the 1.3 circuity of the road it stands for
        assert d["length_km"] <= 10.0 * 1.3 + 1e-9
    assert per_node
    assert max(per_node.values()) == 1
    # Hải Phòng city has no link of its own (QL5 and QL10 pass through it): no link
    # can join it to either end of Bạch Đằng bridge
    assert "hai_phong" not in per_node


def _toy() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    nodes = gpd.GeoDataFrame(
        {"node_id": ["a", "b", "c"], "is_capital": [True, True, True]},
        geometry=[
            shapely.Point(105.0, 21.02),
            shapely.Point(105.5, 21.0),
            shapely.Point(105.2, 20.95),
        ],
        crs=4326,
    )
    lines = gpd.GeoDataFrame(
        {"corridor_id": ["x"], "mode": ["highway"], "status": ["operational"]},
        geometry=[shapely.LineString([(105.0, 21.0), (105.5, 21.0)])],
        crs=4326,
    )
    return nodes, lines


def test_user_chain_without_options_is_connected_by_the_nearest_rule() -> None:
    nodes, lines = _toy()
    G = UrbanChain(nodes=nodes, corridors=lines).graph
    od = metrics.od_matrix(G)
    assert np.isfinite(od.to_numpy()).all()
    links = [d for _, _, d in G.edges(data=True) if d.get("mode") == "access"]
    # a (2.2 km off the line) and c (5.5 km off) get one link each; b lies on the line
    assert sorted(d["corridor_id"] for d in links) == ["access:a", "access:c"]
    c_link = next(d for d in links if d["corridor_id"] == "access:c")
    # the link ends on the nearest point of the line (105.2, 21.0), which splits it
    assert c_link["length_km"] == pytest.approx(1.3 * 5.53, rel=0.01)
    assert G.has_node("junction:0") or any(str(n).startswith("junction:") for n in G)


def test_far_node_is_reported_not_linked() -> None:
    nodes, lines = _toy()
    far = gpd.GeoDataFrame(
        {"node_id": ["z"], "is_capital": [True]}, geometry=[shapely.Point(105.2, 20.7)], crs=4326
    )
    both = gpd.GeoDataFrame(
        gpd.pd.concat([nodes, far], ignore_index=True), geometry="geometry", crs=4326
    )
    with pytest.warns(DataQualityWarning, match=r"z are more than 10000 m"):
        G = UrbanChain(nodes=both, corridors=lines).graph
    assert G.graph["provenance"]["topology"]["nodes_beyond_access_radius"] == ["z"]
    assert math.isnan(metrics.od_matrix(G).loc["a", "z"])


def test_modes_filter(chain: UrbanChain) -> None:
    G = chain.graph
    road = metrics.od_matrix(G, sources=["ha_noi"], targets=["vinh_yen"], modes=("road",))
    rail = metrics.od_matrix(G, sources=["ha_noi"], targets=["vinh_yen"], modes="rail")
    every = metrics.od_matrix(G, sources=["ha_noi"], targets=["vinh_yen"])
    assert every.iloc[0, 0] <= min(road.iloc[0, 0], rail.iloc[0, 0])
    assert road.iloc[0, 0] != rail.iloc[0, 0]
    by_road = metrics.gateway_access(G, kinds=("airport",), modes=("road",))
    assert by_road.loc["ha_noi", "airport_id"] == "noi_bai_airport"
    assert 30 <= by_road.loc["ha_noi", "airport_min"] <= 45
    with pytest.raises(GraphError, match="Unknown mode"):
        metrics.od_matrix(G, modes=("hovercraft",))


# ------------------------------------------------------------------ the Mekong pairs (issue 21)

MEKONG = "mekong_river_delta"


@pytest.fixture(scope="module")
def mekong_rows() -> list[dict[str, Any]]:
    return list(_builder().compute(MEKONG))


def test_every_region_with_pairs_gets_a_section() -> None:
    builder = _builder()
    assert builder.regions()[:1] == ["red_river_delta"]
    assert MEKONG in builder.regions()
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    delta = text.index("\n## Red River Delta (`red_river_delta`)\n")
    mekong = text.index("\n## Mekong Delta (`mekong_river_delta`)\n")
    assert delta < mekong


def test_mekong_pairs_are_sourced(mekong_rows: list[dict[str, Any]]) -> None:
    assert len(mekong_rows) >= 20
    for r in mekong_rows:
        assert r["km_source"].startswith("http"), r["pair_id"]
        assert r["note"], r["pair_id"]
        if r["published_min"]:
            assert r["min_source"].startswith("http"), r["pair_id"]
    # Cần Thơ, the airport and the national centre are all validated
    named = {r["origin"] for r in mekong_rows} | {r["destination"] for r in mekong_rows}
    assert {"can_tho", "can_tho_airport", "ho_chi_minh", "ca_mau", "rach_gia"} <= named


def test_mekong_pairs_stay_in_their_bands(mekong_rows: list[dict[str, Any]]) -> None:
    left = [
        f"{r['pair_id']}: ratio {r['ratio']:.3f} outside {r['band_lo']}-{r['band_hi']}"
        for r in mekong_rows
        if not r["in_own_band"]
    ]
    assert not left, "\n".join(left)
    for r in mekong_rows:
        if r["in_band"]:
            assert not r["band"], f"{r['pair_id']} is in band now: drop its band/explanation"
        else:
            assert r["band"], r["pair_id"]
            assert len(r["explanation"]) > 40, r["pair_id"]
    share = sum(r["in_band"] for r in mekong_rows) / len(mekong_rows)
    # the 90 % target is not met yet (docs/validation.md says so); never fall below today's:
    # 28 of 34 figures (82 %) since the 13 rows of the issue 21 leftovers, chosen before the
    # model was run (three of them are pre-expressway or straight-line figures, kept), and
    # the Thân Cửu Nghĩa interchange moved off the Mỹ Tho point (ct_hcmc left the band)
    assert share >= 0.82
    pairs: dict[frozenset[str], bool] = {}
    for r in mekong_rows:
        key = frozenset((r["origin"], r["destination"]))
        pairs[key] = pairs.get(key, False) or bool(r["in_band"])
    # by place pair, 22 of 24 (92 %): the target is met that way
    assert sum(pairs.values()) / len(pairs) >= 0.91


@pytest.mark.parametrize(
    ("a", "b", "lo", "hi"),
    [
        ("can_tho", "ho_chi_minh", 120.0, 150.0),
        ("can_tho", "ca_mau", 180.0, 230.0),
        ("can_tho", "long_xuyen", 60.0, 100.0),
        ("can_tho", "my_tho", 60.0, 120.0),
    ],
)
def test_mekong_headline_road_times_are_plausible(a: str, b: str, lo: float, hi: float) -> None:
    G = UrbanChain.from_region(MEKONG, year=2025).graph
    t = float(metrics.od_matrix(G, sources=[a], targets=[b], modes=("road",)).loc[a, b])
    assert lo <= t <= hi, (a, b, t)
