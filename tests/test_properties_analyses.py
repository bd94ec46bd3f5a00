"""Properties of the planner's analyses (issue 16), checked on random inputs.

* service-area bands nest and grow with the cutoff;
* population within a band grows with the cutoff and never exceeds the total;
* closing a barrier never makes a trip faster;
* aggregating to administrative units conserves totals.
"""

from __future__ import annotations

import itertools
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from urbanchain import metrics
from urbanchain.errors import DataQualityWarning
from urbanchain.scenarios import Scenario

X0, Y0, STEP = 105.5, 21.0, 0.05


def grid(times: list[float], n: int = 3) -> nx.MultiGraph:
    """An n x n grid of roads 0.05 degrees apart with the given edge times (minutes)."""
    G = nx.MultiGraph(crs="EPSG:4326", units={"time_min": "min", "length_km": "km"})
    for i in range(n):
        for j in range(n):
            G.add_node(f"n{i}{j}", x=X0 + i * STEP, y=Y0 + j * STEP, kind="city")
    pairs = [((i, j), (i + 1, j)) for i in range(n - 1) for j in range(n)]
    pairs += [((i, j), (i, j + 1)) for i in range(n) for j in range(n - 1)]
    for k, ((a, b), (c, d)) in enumerate(pairs):
        u, v = f"n{a}{b}", f"n{c}{d}"
        G.add_edge(
            u,
            v,
            time_min=float(times[k % len(times)]),
            length_km=5.0,
            mode="highway",
            corridor_id=f"c{k}",
            edge_id=f"e{k}",
            geometry=LineString([(X0 + a * STEP, Y0 + b * STEP), (X0 + c * STEP, Y0 + d * STEP)]),
        )
    return G


times_st = st.lists(st.floats(min_value=1.0, max_value=30.0), min_size=12, max_size=12)
cutoffs_st = st.lists(
    st.floats(min_value=1.0, max_value=90.0), min_size=2, max_size=4, unique=True
).map(sorted)


@settings(max_examples=20)
@given(times=times_st, cutoffs=cutoffs_st, speed=st.floats(min_value=2.0, max_value=40.0))
def test_service_area_bands_nest_and_grow(times, cutoffs, speed):
    G = grid(times)
    sa = metrics.service_area(
        G, "n00", cutoffs=cutoffs, off_network_speed_kmh=speed, land=False, resolution_m=1000
    )
    assert sa.is_valid.all()
    assert sa["area_km2"].is_monotonic_increasing
    assert sa["nodes_reached"].is_monotonic_increasing
    geoms = list(sa.geometry)
    for small, big in itertools.pairwise(geoms):
        # the smaller band lies inside the larger one (up to floating-point slivers)
        assert small.difference(big).area <= 1e-9 * max(small.area, 1e-12)


@settings(max_examples=20)
@given(
    times=times_st,
    cutoffs=cutoffs_st,
    people=st.lists(st.floats(min_value=0.0, max_value=1e5), min_size=6, max_size=6),
    offsets=st.lists(
        st.tuples(st.floats(-0.05, 0.15), st.floats(-0.05, 0.15)), min_size=6, max_size=6
    ),
)
def test_population_within_grows_and_is_bounded(times, cutoffs, people, offsets):
    G = grid(times)
    pts = gpd.GeoDataFrame(
        {"population": people},
        geometry=[Point(X0 + dx, Y0 + dy) for dx, dy in offsets],
        crs="EPSG:4326",
    )
    out = metrics.population_within(
        G, "n00", cutoffs=cutoffs, population=pts, land=False, off_network_speed_kmh=10
    )
    pop = out["population"].to_numpy()
    assert (np.diff(pop) >= -1e-9).all()
    assert (pop <= sum(people) + 1e-6).all()
    assert (pop >= 0).all()


@settings(max_examples=25)
@given(
    times=times_st,
    where=st.tuples(st.floats(0.0, 0.1), st.floats(0.0, 0.1)),
    radius=st.floats(min_value=100.0, max_value=4000.0),
)
def test_closing_a_barrier_never_makes_a_trip_faster(times, where, radius):
    G = grid(times)
    barrier = Point(X0 + where[0], Y0 + where[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # a barrier between roads
        closed = Scenario(G).close(barrier, radius_m=radius, allow_empty=True)
    nodes = [f"n{i}{j}" for i in range(3) for j in range(3)]
    before = metrics.od_matrix(G, sources=nodes, targets=nodes).to_numpy()
    after = metrics.od_matrix(closed.graph, sources=nodes, targets=nodes).to_numpy()
    after = np.where(np.isnan(after), np.inf, after)
    assert (after >= before - 1e-9).all()


_NODES = [
    "ha_noi",
    "hai_phong",
    "ha_long",
    "vinh_yen",
    "bac_ninh",
    "hai_duong",
    "hung_yen",
    "thai_binh",
    "phu_ly",
    "nam_dinh",
    "ninh_binh",
    "noi_bai_airport",
    "hai_phong_port",
    "lang_son",
]


@given(
    values=st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        min_size=len(_NODES),
        max_size=len(_NODES),
    ),
    by=st.sampled_from(["province_2025", "province_2008"]),
)
def test_aggregation_conserves_totals(values, by):
    s = pd.Series(values, index=_NODES, name="x")
    units = metrics.aggregate(s, by=by, how="sum")
    assert units["x"].sum() == pytest.approx(s.sum(), rel=1e-9, abs=1e-6)
    assert units["n_nodes"].sum() == len(_NODES)
