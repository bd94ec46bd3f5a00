"""Issue 16: the planner's questions (names, defaults, service areas, population, routes,
barriers, units), on the bundled Delta and on small hand-made inputs."""

from __future__ import annotations

import math
import warnings
from types import SimpleNamespace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from urbanchain import UrbanChain, metrics
from urbanchain._private._names import fold
from urbanchain.errors import (
    CRSError,
    DataQualityWarning,
    GraphError,
    ScenarioError,
    UnknownNameError,
    ValidationError,
)
from urbanchain.metrics._toy import diamond
from urbanchain.scenarios import Scenario, compare, failure_sweep


@pytest.fixture(scope="module")
def chain() -> UrbanChain:
    return UrbanChain.from_region("red_river_delta", year=2025)


def line_graph() -> nx.MultiGraph:
    """a --10 min, 10 km-- b --20 min, 20 km-- c along latitude 21 (lines with geometry)."""
    G = nx.MultiGraph(crs="EPSG:4326", units={"time_min": "min", "length_km": "km"})
    xs = {"a": 105.0, "b": 105.1, "c": 105.3}
    for v, x in xs.items():
        G.add_node(v, x=x, y=21.0, kind="city", name=v.upper())
    for eid, u, v, t in (("e1", "a", "b", 10.0), ("e2", "b", "c", 20.0)):
        G.add_edge(
            u,
            v,
            time_min=t,
            length_km=t,
            mode="highway",
            corridor_id=f"c_{eid}",
            edge_id=eid,
            geometry=LineString([(xs[u], 21.0), (xs[v], 21.0)]),
        )
    return G


# --------------------------------------------------------------------------- names


def test_fold_strips_diacritics_and_d_bar():
    assert fold("Đồng Đăng") == fold("dong dang") == fold("DONG_DANG") == "dong dang"


def test_names_with_or_without_diacritics_give_the_same_od(chain):
    by_id = metrics.od_matrix(chain.graph, sources=["ha_noi"], targets=["hai_phong_port"])
    for a, b in (
        ("Hà Nội", "Cảng Hải Phòng"),
        ("ha noi", "cang hai phong"),
        ("HA NOI", "Hai Phong port"),
    ):
        by_name = metrics.od_matrix(chain.graph, sources=[a], targets=[b])
        assert by_name.to_numpy() == pytest.approx(by_id.to_numpy())
        assert list(by_name.index) == ["ha_noi"]


def test_ambiguous_and_unknown_names_are_reported(chain):
    with pytest.raises(UnknownNameError, match=r"ambiguous.*noi_bai_airport.*cat_bi_airport"):
        metrics.od_matrix(chain.graph, sources=["sân bay"])
    # "did you mean" compares folded names: a typo without diacritics finds Hải Phòng
    with pytest.raises(UnknownNameError, match=r"Did you mean 'hai_phong' \(Hải Phòng\)"):
        metrics.od_matrix(chain.graph, sources=["Hai Phon"])


def test_mass_mappings_accept_names(chain):
    by_name = metrics.accessibility(
        chain.graph, mass={"Hải Phòng": 2.0, "Ha Long": 1.0}, sources=["ha_noi"]
    )
    by_id = metrics.accessibility(
        chain.graph, mass={"hai_phong": 2.0, "ha_long": 1.0}, sources=["ha_noi"]
    )
    assert by_name["accessibility"].iloc[0] == pytest.approx(by_id["accessibility"].iloc[0])


def test_result_tables_carry_names(chain):
    acc = metrics.accessibility(chain.graph, sources=["Hà Nội"], destinations=["hai_phong"])
    assert acc.loc["ha_noi", "name"] == "Hà Nội"
    ga = metrics.gateway_access(chain.graph, kinds=("airport",))
    assert ga.loc["ha_noi", "airport_name"] == "Sân bay quốc tế Nội Bài"


# --------------------------------------------------------------------------- defaults


def test_chain_score_defaults_to_the_province_population(chain):
    # every capital of the bundled Delta now carries a sourced province population
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = metrics.chain_score(chain)
        explicit = metrics.chain_score(chain, mass="province_population")
    assert s.attrs["mass"] == "province_population"
    assert not s.attrs.get("mass_missing")
    pd.testing.assert_series_equal(s["score"], explicit["score"])


def test_most_masses_missing_is_an_error(chain):
    with pytest.raises(ValidationError, match=r"Only \d of 11 capitals.*province_population"):
        metrics.chain_score(chain, mass="population")


def _toy_chain(dti_c: float) -> SimpleNamespace:
    nodes = pd.DataFrame(
        {
            "node_id": ["a", "b", "c", "d"],
            "is_capital": [True, True, True, False],
            "dti_rank_2022": [24, 14, dti_c, None],
            "pci_rank_2024": [24, 1, 5, None],
            "ioc_since": [2020, 2021, 2019, None],
        }
    )
    return SimpleNamespace(graph=diamond(), nodes=nodes)


def test_normalize_to_keeps_untouched_cities_scores():
    base = metrics.chain_score(_toy_chain(3))
    # c improves its DTI rank beyond the base's best: a and b are untouched
    other_own = metrics.chain_score(_toy_chain(1))
    other_fixed = metrics.chain_score(_toy_chain(1), normalize_to=base)
    for v in ("a", "b"):
        assert other_fixed.loc[v, "score"] == pytest.approx(base.loc[v, "score"], abs=1e-12)
    # with its own min-max the untouched cities move (the reason for normalize_to)
    assert other_own.loc["b", "score"] != pytest.approx(base.loc["b", "score"])
    assert other_fixed.loc["c", "score"] > base.loc["c", "score"]


def test_compare_scores_the_base_like_metrics(chain):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        s = metrics.chain_score(chain)
    cmp = compare(chain, Scenario(chain).close("ct04_ha_noi_hai_phong"))
    pd.testing.assert_series_equal(
        cmp.chain_score["score_base"].reindex(s.index), s["score"], check_names=False
    )


def test_accessibility_include_self_uses_the_intrazonal_time(chain):
    caps = [c for c in chain.capitals if c != "ninh_binh"]
    acc = metrics.accessibility(chain.graph, sources=caps, destinations=caps, include_self=True)
    area = chain.nodes.set_index("node_id").loc["ha_noi", "province_area_km2"]
    expected = 0.5 * math.sqrt(area / math.pi) / (30.0 / 60.0)  # 30 km/h access speed
    assert acc.loc["ha_noi", "self_time"] == pytest.approx(expected)
    without = metrics.accessibility(chain.graph, sources=caps, destinations=caps)
    assert without["accessibility"].idxmin() == "ha_noi"  # the bias include_self fixes
    assert acc["accessibility"].idxmin() != "ha_noi"
    own = 8587100.0 * math.exp(-metrics.DEFAULT_BETA["exponential"] * expected)
    assert acc.loc["ha_noi", "accessibility"] - without.loc[
        "ha_noi", "accessibility"
    ] == pytest.approx(own)


def test_cumulative_accessibility_counts_mass_within_the_cutoff(chain):
    caps = [c for c in chain.capitals if c != "ninh_binh"]
    acc = metrics.accessibility(
        chain.graph, sources=caps, destinations=caps, decay="cumulative", cutoff=90
    )
    od = metrics.od_matrix(chain.graph, sources=caps, targets=caps)
    pop = chain.nodes.set_index("node_id").loc[caps, "province_population"]
    for c in caps:
        within = [t for t in caps if t != c and od.loc[c, t] <= 90]
        assert acc.loc[c, "accessibility"] == pytest.approx(pop[within].sum())
    with pytest.raises(ValidationError, match="cutoff"):
        metrics.accessibility(chain.graph, decay="cumulative")
    with pytest.raises(ValidationError, match="cutoff= applies"):
        metrics.accessibility(chain.graph, cutoff=30)


def test_gravity_defaults_to_the_province_population_and_warns(chain):
    G = chain.graph.copy()
    G.nodes["ninh_binh"]["province_population"] = float("nan")  # a capital without a mass
    with pytest.warns(DataQualityWarning, match=r"Left out 1 of 11 destination.*ninh_binh"):
        g = metrics.gravity(G)
    assert "ninh_binh" not in g.index
    assert len(g) == 10


def test_corridor_criticality_runs_with_defaults(chain):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        crit = metrics.corridor_criticality(chain.graph)
    assert not any(str(c).startswith(("access:", "transfer:")) for c in crit.index)
    assert crit.attrs["skipped_groups"] > 0
    assert crit["accessibility_loss"].notna().all()


# --------------------------------------------------------------------------- service areas


def test_service_area_on_a_line_matches_the_hand_computed_reach():
    G = line_graph()
    sa = metrics.service_area(
        G, "a", cutoffs=(5, 15), off_network_speed_kmh=6, land=False, resolution_m=100
    )
    assert list(sa["band_min"]) == [5.0, 15.0]
    assert sa.is_valid.all()
    # 15 min: a-b (10 min) plus 5 of the 20 min of b-c: the band reaches 1/4 of the way to c
    far = sa.geometry.iloc[1]
    bx, cx = 105.1, 105.3
    assert far.contains(Point(bx + 0.24 * (cx - bx), 21.0))
    assert not far.intersects(Point(bx + 0.3 * (cx - bx), 21.0))
    assert far.covers(sa.geometry.iloc[0])
    assert sa["area_km2"].iloc[1] > sa["area_km2"].iloc[0] > 0


def test_service_area_delta_bands_nest_and_merge(chain):
    sa = metrics.service_area(chain.graph, ["Cảng Hải Phòng", "Nội Bài"], cutoffs=(30, 60))
    assert set(sa["origin"]) == {"hai_phong_port", "noi_bai_airport"}
    assert sa.is_valid.all()
    assert sa.crs.to_epsg() == 4326
    for _, g in sa.groupby("origin"):
        assert g["area_km2"].is_monotonic_increasing
        assert g.geometry.iloc[0].difference(g.geometry.iloc[1]).area < 1e-12
    merged = metrics.service_area(
        chain.graph, ["Cảng Hải Phòng", "Nội Bài"], cutoffs=(30, 60), merge=True
    )
    assert len(merged) == 2
    assert merged["area_km2"].iloc[1] <= sa.loc[sa.band_min == 60, "area_km2"].sum() + 1e-6
    highways = metrics.service_area(chain.graph, "Cảng Hải Phòng", cutoffs=(60,), modes=["highway"])
    assert (
        highways["area_km2"].iloc[0]
        <= sa.loc[(sa.origin == "hai_phong_port") & (sa.band_min == 60), "area_km2"].iloc[0] + 1e-6
    )


@pytest.mark.parametrize(
    ("cutoffs", "match"),
    [
        ((60, 30), "strictly increasing"),
        ((0, 30), "> 0"),
        ((), "empty"),
        (("30",), "numbers"),
        ((30, float("nan")), "> 0"),
    ],
)
def test_service_area_bad_cutoffs(cutoffs, match):
    with pytest.raises(ValidationError, match=match):
        metrics.service_area(line_graph(), "a", cutoffs=cutoffs, land=False)


def test_service_area_bad_inputs():
    G = line_graph()
    with pytest.raises(CRSError, match="degrees"):
        metrics.service_area(G, "a", crs="EPSG:4326", land=False)
    with pytest.raises(UnknownNameError, match="edge mode"):
        metrics.service_area(G, "a", modes=["railway"], land=False)
    with pytest.raises(UnknownNameError, match="origin"):
        metrics.service_area(G, "zz", land=False)
    with pytest.raises(ValidationError, match="minutes"):
        metrics.service_area(G, "a", weight="length_km", land=False)


# --------------------------------------------------------------------------- population


def test_population_from_polygons_uses_uniform_density():
    G = line_graph()
    # a zone of 1000 people; the 5-minute band is a disc of radius 0.5 km around a
    zone = gpd.GeoDataFrame(
        {"population": [1000.0]}, geometry=[box(104.9, 20.9, 105.1, 21.1)], crs="EPSG:4326"
    )
    out = metrics.population_within(
        G, "a", cutoffs=(5,), population=zone, land=False, off_network_speed_kmh=6
    )
    from urbanchain.crs import geodesic_area

    band = metrics.service_area(
        G, "a", cutoffs=(5,), land=False, off_network_speed_kmh=6
    ).geometry.iloc[0]
    share = (
        geodesic_area(np.array([band.intersection(zone.geometry[0])]))[0]
        / geodesic_area(zone.geometry.values)[0]
    )
    assert out["population"].iloc[0] == pytest.approx(1000 * share)
    assert "uniform density" in out.attrs["assumption"]


@pytest.mark.parametrize(
    ("values", "match"),
    [([1.0, -2.0], "negative"), ([1.0, float("nan")], "NaN"), (["10", "many"], "not numeric")],
)
def test_population_bad_counts(values, match):
    pts = gpd.GeoDataFrame(
        {"population": values}, geometry=[Point(105.0, 21.0), Point(105.1, 21.0)], crs="EPSG:4326"
    )
    with pytest.raises(ValidationError, match=match):
        metrics.population_within(line_graph(), "a", population=pts, land=False)


def test_population_layer_without_crs_or_column():
    pts = gpd.GeoDataFrame({"people": [1.0]}, geometry=[Point(105.0, 21.0)])
    with pytest.raises(CRSError, match="no CRS"):
        metrics.population_within(line_graph(), "a", population=pts, land=False)
    with pytest.raises(UnknownNameError, match="population column"):
        metrics.population_within(line_graph(), "a", population=pts.set_crs(4326), land=False)


def _raster(path, *, crs, values):
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    arr = np.asarray(values, dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=arr.shape[0],
        width=arr.shape[1],
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(0.1, 0.0, 104.95, 0.0, -0.1, 21.05),
    ) as dst:
        dst.write(arr, 1)
    return path


def test_population_from_a_raster(tmp_path):
    pytest.importorskip("exactextract")
    # one cell of 0.1 degree around a holds 400 people; the band covers a known fraction
    path = _raster(tmp_path / "pop.tif", crs="EPSG:4326", values=[[400.0]])
    out = metrics.population_within(
        line_graph(), "a", cutoffs=(5, 15), population=path, land=False, off_network_speed_kmh=6
    )
    assert 0 < out["population"].iloc[0] <= out["population"].iloc[1] <= 400.0 + 1e-6
    with pytest.raises(CRSError, match="no CRS"):
        metrics.population_within(
            line_graph(),
            "a",
            population=_raster(tmp_path / "nocrs.tif", crs=None, values=[[1.0]]),
            land=False,
        )
    with pytest.raises(CRSError, match="degrees"):
        metrics.population_within(
            line_graph(), "a", population=path, raster_values="density", land=False
        )


def test_bundled_population_is_the_provinces_under_uniform_density(chain):
    out = metrics.population_within(chain.graph, "Cảng Hải Phòng", cutoffs=(30, 60))
    assert out["population"].is_monotonic_increasing
    assert (out["population"] <= out.attrs["total_population"]).all()
    assert "uniform" in out.attrs["assumption"]


# --------------------------------------------------------------------------- routes


def test_route_matches_the_od_matrix(chain):
    r = metrics.route(chain.graph, "Hà Nội", "Cảng Hải Phòng")
    od = metrics.od_matrix(chain.graph, sources=["ha_noi"], targets=["hai_phong_port"])
    assert r["cum_minutes"].iloc[-1] == pytest.approx(od.iloc[0, 0])
    assert r.attrs["total_minutes"] == pytest.approx(od.iloc[0, 0])
    assert r["u"].iloc[0] == "ha_noi"
    assert r["v"].iloc[-1] == "hai_phong_port"
    assert (r["v"].iloc[:-1].to_numpy() == r["u"].iloc[1:].to_numpy()).all()
    assert "ct04_ha_noi_hai_phong" in r.attrs["corridors"]
    # every segment's line starts at its u
    for _, row in r.iterrows():
        x, y = chain.graph.nodes[row["u"]]["x"], chain.graph.nodes[row["u"]]["y"]
        assert Point(row.geometry.coords[0]).distance(Point(x, y)) < 0.01


def test_route_without_a_path_raises():
    G = line_graph()
    G.add_node("z", x=106.0, y=21.0)
    with pytest.raises(GraphError, match="No route"):
        metrics.route(G, "a", "z")


def test_closest_facility_orders_and_routes(chain):
    cf = metrics.closest_facility(chain.graph, ["Hà Nội", "Hạ Long"], "airport", k=2)
    assert list(cf["origin"]) == ["ha_noi", "ha_noi", "ha_long", "ha_long"]
    assert cf.loc[cf.origin == "ha_noi", "facility"].iloc[0] == "noi_bai_airport"
    for _, g in cf.groupby("origin"):
        assert g["minutes"].is_monotonic_increasing
    od = metrics.od_matrix(chain.graph, sources=["ha_long"], targets=["van_don_airport"])
    row = cf[(cf.origin == "ha_long") & (cf.facility == "van_don_airport")]
    assert row["minutes"].iloc[0] == pytest.approx(od.iloc[0, 0])
    with pytest.raises(ValidationError, match="k must"):
        metrics.closest_facility(chain.graph, ["ha_noi"], "airport", k=0)


# --------------------------------------------------------------------------- barriers


def test_close_by_names_and_geometry(chain):
    s = Scenario(chain)
    assert s.close("Cao tốc Hà Nội – Hải Phòng").edits[-1]["ids"] == ["ct04_ha_noi_hai_phong"]
    assert s.close("ql5").edits[-1]["ids"] == ["ql5"]
    mid = (
        chain.corridors.set_index("corridor_id")
        .geometry["ct04_ha_noi_hai_phong"]
        .interpolate(0.5, normalized=True)
    )
    by_point = s.close(mid, radius_m=500)
    assert any(e.startswith("ct04_ha_noi_hai_phong/") for e in by_point.edits[-1]["ids"])
    flood = gpd.GeoDataFrame(
        {"zone": ["flood"], "depth_m": [1.2]}, geometry=[mid.buffer(0.01)], crs="EPSG:4326"
    )
    by_poly = s.close(flood, by="corridor")
    assert "ct04_ha_noi_hai_phong" in by_poly.edits[-1]["ids"]
    assert "zone" not in by_poly.edits[-1]["ids"]
    assert "depth_m" not in by_poly.edits[-1]["ids"]
    od0 = metrics.od_matrix(chain.graph, sources=["ha_noi"], targets=["hai_phong"]).iloc[0, 0]
    od1 = metrics.od_matrix(by_poly.graph, sources=["ha_noi"], targets=["hai_phong"]).iloc[0, 0]
    assert od1 > od0


def test_close_nothing_is_an_error_unless_allowed(chain):
    s = Scenario(chain)
    with pytest.raises(ScenarioError, match="allow_empty"):
        s.close([])
    with pytest.warns(DataQualityWarning, match="equal its base"):
        same = s.close([], allow_empty=True)
    assert same.graph.number_of_edges() == chain.graph.number_of_edges()
    with pytest.raises(ScenarioError, match="outside the network's extent"):
        s.close(Point(2.35, 48.85), radius_m=1000)
    with pytest.raises(ScenarioError, match="radius_m"):
        s.close(Point(106.3, 20.9))
    with pytest.raises(UnknownNameError, match="corridor, edge or place"):
        s.close("Cầu Rồng")  # a bridge in Đà Nẵng, not in the Delta


def test_failure_sweep_labels_hazards_by_id_and_warns_for_misses(chain):
    line = chain.corridors.set_index("corridor_id").geometry["ct04_ha_noi_hai_phong"]
    mid = line.interpolate(0.5, normalized=True)
    hz = gpd.GeoDataFrame(
        {"hazard_id": ["flood_ct04", "dry_field"]},
        geometry=[mid.buffer(0.01), box(104.3, 22.2, 104.31, 22.21)],
        crs="EPSG:4326",
        index=[7, 9],
    )
    with pytest.warns(DataQualityWarning, match="1 of 2 hazard.*dry_field"):
        out = failure_sweep(chain, hazard=hz, progress=False)
    assert list(out["failed"]) == ["flood_ct04", "dry_field"]
    assert out["relative_efficiency"].iloc[1] == pytest.approx(1.0)
    edge = failure_sweep(chain, hazard=hz.iloc[:1], by="edge", progress=False)
    corr = failure_sweep(chain, hazard=hz.iloc[:1], by="corridor", progress=False)
    assert corr["efficiency"].iloc[0] <= edge["efficiency"].iloc[0] + 1e-12
    bare = failure_sweep(
        chain, hazard=hz[["geometry"]].reset_index(drop=True).iloc[:1], progress=False
    )
    assert list(bare["failed"]) == ["row 0"]


# --------------------------------------------------------------------------- units


def test_aggregate_sums_conserve_and_missing_is_counted(chain):
    values = pd.Series(1.0, index=chain.capitals, name="people")
    values["ninh_binh"] = np.nan
    with pytest.warns(DataQualityWarning, match="1 node value"):
        units = metrics.aggregate(values, by="province_2025", how="sum", nodes=chain.nodes)
    assert len(units) == 7
    assert units["people"].sum() == pytest.approx(10.0)
    assert units.loc["37", "people_missing"] == 1
    assert units.loc["37", "people"] == 2.0  # Hà Nam + Nam Định; Ninh Bình unknown, not 0
    old = metrics.aggregate(values.dropna(), by="province_2008", how="sum", nodes=chain.nodes)
    assert len(old) == 10
    assert old["people"].sum() == pytest.approx(10.0)
    assert units.geometry.notna().all()


def test_aggregate_bad_inputs(chain):
    s = pd.Series({"atlantis": 1.0}, name="x")
    with pytest.raises(ValidationError, match="atlantis"):
        metrics.aggregate(s)
    with pytest.raises(UnknownNameError, match="by="):
        metrics.aggregate(pd.Series({"ha_noi": 1.0}), by="district")
    with pytest.raises(ValidationError, match="weights= applies"):
        metrics.aggregate(pd.Series({"ha_noi": 1.0}), how="sum", weights="province_population")


def test_population_zones_that_do_not_cover_the_band_are_a_lower_bound():
    G = line_graph()
    # the zone covers everything east of a: the western half of a's 3-km disc is uncovered
    zone = gpd.GeoDataFrame(
        {"population": [100.0]}, geometry=[box(105.0, 20.9, 105.5, 21.1)], crs="EPSG:4326"
    )
    with pytest.warns(DataQualityWarning, match="lower bound"):
        out = metrics.population_within(
            G, "a", cutoffs=(30,), population=zone, land=False, off_network_speed_kmh=6
        )
    assert out["area_unknown_km2"].iloc[0] == pytest.approx(math.pi * 3.0**2 / 2, rel=0.05)
