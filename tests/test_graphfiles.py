"""save_graph / load_graph round-trip every graph urbanchain builds, losslessly (GPKG, GeoParquet, GraphML)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import LineString
from shapely.geometry.base import BaseGeometry

from urbanchain import datasets, settings
from urbanchain.errors import InputFileError, ResourceLimitError, ValidationError
from urbanchain.graph import graph_from_gdfs
from urbanchain.io._graphfiles import load_graph, save_graph

pytestmark = pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning")
SUFFIXES = [".gpkg", ".parquet", ".graphml"]


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, BaseGeometry) or isinstance(b, BaseGeometry):
        return isinstance(a, BaseGeometry) and isinstance(b, BaseGeometry) and a.equals_exact(b, 0)
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(same_value, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def assert_same_graph(G: nx.Graph, H: nx.Graph) -> None:
    assert type(H) is type(G)
    assert H.is_directed() == G.is_directed()
    assert same_value(dict(G.graph), dict(H.graph))
    assert list(H.nodes) == list(G.nodes)
    for v in G:
        assert same_value(dict(G.nodes[v]), dict(H.nodes[v])), v
    ge = list(G.edges(keys=True, data=True)) if G.is_multigraph() else list(G.edges(data=True))
    he = list(H.edges(keys=True, data=True)) if H.is_multigraph() else list(H.edges(data=True))
    assert len(ge) == len(he)
    for a, b in zip(ge, he, strict=True):
        assert a[:-1] == b[:-1]
        assert same_value(a[-1], b[-1]), a[:-1]


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("directed", [False, True])
def test_the_delta_graph_round_trips(tmp_path: Path, suffix: str, directed: bool) -> None:
    G = graph_from_gdfs(datasets.nodes(), datasets.corridors(), directed=directed)
    H = load_graph(save_graph(G, tmp_path / f"delta{suffix}"))
    assert_same_graph(G, H)
    net = graph_from_gdfs(
        datasets.nodes(), datasets.corridors(), directed=directed, output="network"
    )
    assert_same_graph(net.to_networkx(), load_graph(save_graph(net, tmp_path / f"net{suffix}")))


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.tuples(scalars, scalars))
attrs = st.dictionaries(
    st.sampled_from(["time_min", "length_km", "name", "osmid", "mode", "geometry"]),
    values,
    max_size=4,
)
node_ids = st.one_of(st.integers(0, 30), st.text(min_size=1, max_size=4))


@st.composite
def graphs(draw: st.DrawFn) -> nx.Graph:
    cls = draw(st.sampled_from([nx.MultiGraph, nx.MultiDiGraph, nx.Graph, nx.DiGraph]))
    G = cls(crs="EPSG:4326", units={"time_min": "min"}, tag=draw(values))
    ids = draw(st.lists(node_ids, min_size=1, max_size=8, unique=True))
    for v in ids:
        d = draw(attrs)
        d.pop("geometry", None)
        if draw(st.booleans()):
            d.update(x=draw(st.floats(100, 110)), y=draw(st.floats(10, 20)))
        G.add_node(v, **d)
    for _ in range(draw(st.integers(0, 10))):
        u, v = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        d = draw(attrs)
        if draw(st.booleans()):
            d["geometry"] = LineString([(105.0, 21.0), (105.0 + draw(st.floats(0, 1)), 21.5)])
        G.add_edge(u, v, **d)
    return G


@pytest.mark.parametrize("suffix", SUFFIXES)
@given(G=graphs())
def test_any_graph_round_trips(
    tmp_path_factory: pytest.TempPathFactory, suffix: str, G: nx.Graph
) -> None:
    path = tmp_path_factory.mktemp("g") / f"g{suffix}"
    assert_same_graph(G, load_graph(save_graph(G, path)))


def test_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"\.gpkg"):
        save_graph(nx.MultiGraph(), tmp_path / "g.shp")
    with pytest.raises(InputFileError, match="save_graph"):
        load_graph(tmp_path / "missing.gpkg")
    G = nx.MultiGraph()
    G.add_edge(1, 2, w=object())
    with pytest.raises(ValidationError, match="JSON types"):
        save_graph(G, tmp_path / "g.graphml")
    big = save_graph(nx.path_graph(50), tmp_path / "big.graphml")
    with (
        settings.override(max_file_bytes=100),
        pytest.raises(ResourceLimitError, match="max_file_bytes"),
    ):
        load_graph(big)
    other = tmp_path / "other.graphml"
    nx.write_graphml(nx.path_graph(3), other)
    with pytest.raises(InputFileError, match="not written by urbanchain"):
        load_graph(other)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_an_osm_graph_round_trips(tmp_path: Path, suffix: str) -> None:
    pyrosm = pytest.importorskip("pyrosm")
    from urbanchain.graph import graph_from_osm

    G = graph_from_osm(pyrosm.get_data("test_pbf"))  # osmid / highway lists, int node ids
    H = load_graph(save_graph(G, tmp_path / f"osm{suffix}"))
    assert_same_graph(G, H)
