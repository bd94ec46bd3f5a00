"""The README is the first page a user reads: its Python example must run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from urbanchain.errors import DataQualityWarning

README = Path(__file__).parents[1] / "README.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = _blocks("python")[0]
    namespace: dict[str, object] = {}
    with pytest.warns(DataQualityWarning, match="ninh_binh"):
        exec(compile(code, "README.md", "exec"), namespace)
    assert len(namespace["od"]) == 11
    assert (tmp_path / "delta.html").exists()


def _road_grid(side: int):
    """A small road layer in EPSG:4326: a lattice of ~1 km segments with speeds."""
    import geopandas as gpd
    from shapely import LineString

    rows = []
    for i in range(side):
        for j in range(side):
            x, y = 105.8 + 0.01 * i, 21.0 + 0.01 * j
            if i + 1 < side:
                rows.append(((x, y), (x + 0.01, y)))
            if j + 1 < side:
                rows.append(((x, y), (x, y + 0.01)))
    return gpd.GeoDataFrame(
        {
            "road_id": [f"r{k}" for k in range(len(rows))],
            "mode": "road",
            "status": "operational",
            "speed_kmh": [30.0 + (k % 5) * 10 for k in range(len(rows))],
        },
        geometry=[LineString(r) for r in rows],
        crs="EPSG:4326",
    )


def test_readme_road_network_example_runs(tmp_path, monkeypatch):
    import networkx as nx

    from urbanchain.graph import Network

    monkeypatch.chdir(tmp_path)
    _road_grid(12).to_file(tmp_path / "roads.gpkg", driver="GPKG", engine="pyogrio")
    (code,) = [b for b in _blocks("python") if "output=\"network\"" in b]
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    net, od, crit, G = (namespace[k] for k in ("net", "od", "crit", "G"))
    assert isinstance(net, Network)
    assert isinstance(G, nx.MultiGraph)
    assert G.number_of_edges() == net.number_of_edges() == 2 * 12 * 11
    assert od.shape == (144, 144)
    assert od.attrs["engine"] in {"scipy", "cch"}
    assert od.notna().all().all()
    assert len(crit) == 2 * 12 * 11


def test_every_readme_command_runs(tmp_path, monkeypatch, capsys):
    """Run the README's command block line by line, in order, from a scratch folder."""
    import shlex
    import shutil

    from urbanchain.cli import main

    shutil.copytree(README.parent / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    lines = [
        line
        for block in _blocks("bash")
        for line in block.splitlines()
        if line.startswith("urbanchain ")
    ]
    assert len(lines) >= 8
    for line in lines:
        argv = shlex.split(line)[1:]
        assert main(argv) == 0, line
    capsys.readouterr()
    for made in (
        "outputs/red-river-delta/red-river-delta.html",
        "layers/provinces_2008.geojson",
        "delta-2030.gpkg",
        "metrics/chain_score.csv",
        "map.html",
        "scenario-2030/od.csv",
    ):
        assert (tmp_path / made).exists(), made
