"""Geodesic metrics (detour index, straightness) work on graphs in a projected CRS."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer

from urbanchain import metrics


def lonlat_graph() -> nx.MultiGraph:
    G = nx.MultiGraph(crs="EPSG:4326", units={"time_min": "min", "length_km": "km"})
    pts = {"a": (105.80, 21.00), "b": (105.85, 21.00), "c": (105.85, 21.05), "d": (105.80, 21.05)}
    for k, (x, y) in pts.items():
        G.add_node(k, x=x, y=y)
    for u, v, km in (
        ("a", "b", 6.0),
        ("b", "c", 6.5),
        ("c", "d", 6.0),
        ("d", "a", 6.5),
        ("a", "c", 9.0),
    ):
        G.add_edge(u, v, length_km=km, time_min=km)
    return G


def projected(G: nx.MultiGraph, epsg: str) -> nx.MultiGraph:
    H = G.copy()
    tr = Transformer.from_crs("EPSG:4326", epsg, always_xy=True)
    for _, d in H.nodes(data=True):
        d["x"], d["y"] = tr.transform(d["x"], d["y"])
    H.graph["crs"] = epsg
    return H


@pytest.mark.parametrize("epsg", ["EPSG:32648", "EPSG:3405"])  # UTM 48N, VN-2000 / UTM 48N
def test_detour_and_straightness_equal_the_lonlat_values(epsg: str) -> None:
    G = lonlat_graph()
    H = projected(G, epsg)
    ref = metrics.detour_index(G, sources=list(G), targets=list(G))
    got = metrics.detour_index(H, sources=list(G), targets=list(G))
    assert np.isfinite(got.to_numpy()[~np.eye(4, dtype=bool)]).all()
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-6, equal_nan=True)  # datum round trip
    c_ref = metrics.centrality(G)["straightness"]
    c_got = metrics.centrality(H)["straightness"]
    assert (c_got > 0).all()
    np.testing.assert_allclose(c_got, c_ref, rtol=1e-6)
