"""The urbanchain command: help, exit codes, and the main job's outputs."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from urbanchain.cli import main

SUBCOMMANDS = [
    "run",
    "datasets",
    "validate",
    "graph",
    "metrics",
    "map",
    "scenario",
    "network",
    "rerun",
]


def test_help_lists_every_subcommand_with_an_example(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in SUBCOMMANDS:
        assert cmd in out
    for cmd in SUBCOMMANDS:
        assert main([cmd, "--help"]) == 0
        text = capsys.readouterr().out
        assert "Example: urbanchain " + cmd in " ".join(text.split())


def test_usage_error_exits_2(capsys):
    assert main(["map", "--no-such-option"]) == 2
    assert main(["frobnicate"]) == 2


def test_unknown_region_exits_1_and_lists_ids(tmp_path, capsys):
    code = main(["graph", "--region", "red-river-detla", "--out", str(tmp_path / "g.graphml")])
    assert code == 1
    err = capsys.readouterr().err
    assert "red_river_delta" in err
    assert "Traceback" not in err


def test_console_script_version():
    out = subprocess.run(
        [sys.executable, "-m", "urbanchain.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0
    assert out.stdout.strip()


def test_datasets_lists_regions(capsys, tmp_path):
    assert main(["datasets", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "red-river-delta" in out
    data = json.loads((tmp_path / "nodes.geojson").read_text(encoding="utf-8"))
    assert "crs" not in data  # RFC 7946
    assert len(data["features"]) > 11


def test_graph_graphml_and_gpkg(tmp_path):
    import networkx as nx
    import pyogrio

    assert (
        main(
            [
                "graph",
                "--region",
                "red-river-delta",
                "--year",
                "2025",
                "--out",
                str(tmp_path / "g.graphml"),
            ]
        )
        == 0
    )
    G = nx.read_graphml(tmp_path / "g.graphml")
    assert G.number_of_nodes() > 11
    assert main(["graph", "--out", str(tmp_path / "g.gpkg")]) == 0
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "g.gpkg")}
    # the node and edge layers, and the QGIS default styles of both (urbanchain.io.qgis)
    assert layers == {"nodes", "edges", "layer_styles"}


def test_metrics_writes_the_tables(tmp_path):
    assert (
        main(["metrics", "--region", "red-river-delta", "--year", "2025", "--out", str(tmp_path)])
        == 0
    )
    od = pd.read_csv(tmp_path / "od_time_min.csv", index_col=0)
    assert od.shape == (11, 11)
    crit = pd.read_csv(tmp_path / "corridor_criticality.csv", index_col=0)
    assert len(crit) > 10
    for name in (
        "node_metrics",
        "chain_score",
        "accessibility",
        "gateway_access",
        "network_indices",
        "world_access",
    ):
        assert (tmp_path / f"{name}.csv").exists()


def test_bad_format_exits_1(tmp_path):
    assert main(["metrics", "--format", "docx", "--out", str(tmp_path)]) == 1


@pytest.mark.slow
def test_main_job_writes_every_output(tmp_path):
    out = tmp_path / "rrd"
    assert main(["run", "--region", "red-river-delta", "--out", str(out)]) == 0
    for rel in (
        "summary.csv",
        "graph-2025.graphml",
        "graph-2025.gpkg",
        "metrics/od_time_min.csv",
        "metrics/chain_score.csv",
        "metrics/corridor_criticality.csv",
        "red-river-delta.html",
        "red-river-delta.png",
        "red-river-delta.pdf",
        "red-river-delta-en.html",
        "red-river-delta-en.png",
        "red-river-delta-en.pdf",
        "brief-red-river-delta-vi.html",
        "brief-red-river-delta-en.html",
        # world access (issue 20)
        "world-red-river-delta.html",
        "world-red-river-delta.png",
        "world-red-river-delta.pdf",
        "world-red-river-delta-en.html",
        "world-red-river-delta-en.png",
        "world-red-river-delta-en.pdf",
        "layers/provinces_2008.geojson",
        "layers/provinces_2025.geojson",
        "layers/layers.gpkg",
        "analyses/service_areas_gateways.geojson",
        "analyses/population_reached.csv",
        "analyses/chain_score_province_2025.csv",
        "analyses/chain_score_province_2008.csv",
        "analyses/notes.json",
        # readiness (issue 22)
        "readiness-red-river-delta-2008-vi.html",
        "readiness-red-river-delta-2008-en.html",
        "readiness-red-river-delta-2025-vi.html",
        "readiness-red-river-delta-2025-en.html",
        "ready-connected-red-river-delta-vi.html",
        "ready-connected-red-river-delta-en.html",
        "analyses/ready_vs_connected.csv",
    ):
        assert (out / rel).exists(), rel
    manifest = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert "readiness-red-river-delta-2025-en.html" in manifest["files"]
    assert manifest["readiness"]["vintage_2008"]["coverage"] == [11, 11]
    assert "Sẵn sàng số và kết nối" in (out / "brief-red-river-delta-vi.html").read_text(
        encoding="utf-8"
    )
    # the scenario table's base year is the metrics table (same mass, same normalisation)
    base = pd.read_csv(out / "metrics" / "chain_score.csv", index_col="node_id")["score"]
    scen = pd.read_csv(out / "scenario-2025-2030" / "chain_score.csv", index_col="node_id")
    assert len(base) == 11
    pd.testing.assert_series_equal(
        scen["score_base"].reindex(base.index), base, check_names=False, rtol=1e-12
    )
    # unit-level scores: 7 units of 2025, 11 provinces of 2008
    assert len(pd.read_csv(out / "analyses" / "chain_score_province_2025.csv")) == 7
    assert len(pd.read_csv(out / "analyses" / "chain_score_province_2008.csv")) == 11
    reached = pd.read_csv(out / "analyses" / "population_reached.csv")
    for _, g in reached.groupby("origin"):
        assert g["population"].is_monotonic_increasing
    html = (out / "red-river-delta.html").read_text(encoding="utf-8")
    import re

    # no asset is loaded from the network (links in the attribution text are fine)
    assert not re.search(r"""<script[^>]+src\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"""<link[^>]+href\s*=\s*["']?(https?:)?//""", html)
    assert "L.map(" in html
    assert 'lang="vi"' in (out / "brief-red-river-delta-vi.html").read_text(encoding="utf-8")
    assert "Chú giải" in html
    assert "Legend" in (out / "red-river-delta-en.html").read_text(encoding="utf-8")
    assert (out / "red-river-delta.pdf").read_bytes()[:5] == b"%PDF-"
    # the world maps are listed in the run's metadata like every other file (issue 20)
    listed = json.dumps(json.loads((out / "metadata.json").read_text(encoding="utf-8")))
    for name in ("world-red-river-delta.html", "world-red-river-delta-en.pdf"):
        assert name in listed


def test_scenario_file_runs(tmp_path):
    config = tmp_path / "close-ct04.toml"
    config.write_text(
        'base_year = 2025\n[[edits]]\nop = "close"\nids = ["ct04_ha_noi_hai_phong"]\n'
        '[metrics]\npairs = [["ha_noi", "hai_phong"]]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["scenario", str(config), "--out", str(out), "--quiet"]) == 0
    pairs = pd.read_csv(out / "pairs.csv")
    assert list(pairs["pair"]) == ["ha_noi-hai_phong"]
    assert (pairs["change_min"] > 0).all()  # closing CT.04 slows Hà Nội-Hải Phòng
    assert pairs["other_min"].notna().all()  # ... without disconnecting them
    assert (out / "diff_map.html").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('[[edits]]\nop = "demolish"\nids = ["ql5"]\n', encoding="utf-8")
    assert main(["scenario", str(bad), "--out", str(out)]) == 1


def test_validate_names_self_intersection_and_duplicate_id(tmp_path, capsys):
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "01", "name_vi": "Bow tie"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [[105, 20], [106, 21], [106, 20], [105, 21], [105, 20]]
                            ],
                        },
                    },
                    {
                        "type": "Feature",
                        "properties": {"code": "01", "name_vi": "Square"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [
                                [[106, 20], [107, 20], [107, 21], [106, 21], [106, 20]]
                            ],
                        },
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    assert main(["validate", str(bad), "--kind", "provinces"]) == 1
    out = capsys.readouterr().out
    assert "Self-intersection" in out
    assert "duplicate ids in column 'code'" in out
    good = tmp_path / "good.geojson"
    good.write_text(
        bad.read_text(encoding="utf-8")
        .replace('"01", "name_vi": "Square"', '"02", "name_vi": "Square"')
        .replace("[106, 21], [106, 20], [105, 21]", "[106, 20], [106, 21], [105, 21]"),
        encoding="utf-8",
    )
    assert main(["validate", str(good), "--kind", "provinces"]) == 0


def test_config_file_sets_options_and_command_line_wins(tmp_path):
    import networkx as nx

    cfg = tmp_path / "delta.toml"
    cfg.write_text("year = 2030\n[graph]\naccess_radius_m = 15000.0\n", encoding="utf-8")
    assert main(["graph", "--config", str(cfg), "--out", str(tmp_path / "g2030.graphml")]) == 0
    assert nx.read_graphml(tmp_path / "g2030.graphml").graph["as_of"] == 2030
    # an explicit --year beats the file
    assert (
        main(
            [
                "graph",
                "--config",
                str(cfg),
                "--year",
                "2025",
                "--out",
                str(tmp_path / "g2025.graphml"),
            ]
        )
        == 0
    )
    assert nx.read_graphml(tmp_path / "g2025.graphml").graph["as_of"] == 2025


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[graph]\naccess_radius = 1.0\n", "access_radius_m"),
        ("colour = 'red'\n", "region, year"),
        ("[plot]\nx = 1\n", "Valid tables"),
        ("year = \n", "not valid TOML"),
    ],
    ids=["misspelt-graph-key", "unknown-top-key", "unknown-table", "bad-toml"],
)
def test_bad_config_exits_1_with_the_valid_keys(tmp_path, capsys, text, named):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text, encoding="utf-8")
    assert main(["graph", "--config", str(cfg), "--out", str(tmp_path / "g.graphml")]) == 1
    err = capsys.readouterr().err
    assert named in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["geojson", "parquet"])
def test_metrics_other_formats(tmp_path, fmt):
    import geopandas as gpd

    assert main(["metrics", "--format", fmt, "--out", str(tmp_path)]) == 0
    if fmt == "parquet":
        score = pd.read_parquet(tmp_path / "chain_score.parquet")
        assert len(score) == 11
    else:
        crit = gpd.read_file(tmp_path / "corridor_criticality.geojson")
        assert len(crit) > 10
        assert set(crit.geom_type) <= {"LineString", "MultiLineString"}
        nodes = gpd.read_file(tmp_path / "chain_score.geojson")
        assert set(nodes.geom_type) == {"Point"}


def test_engine_option_is_applied_and_recorded(tmp_path):
    from urbanchain import settings

    ref, fast = tmp_path / "networkx", tmp_path / "scipy"
    assert main(["--engine", "networkx", "metrics", "--out", str(ref)]) == 0
    assert settings.get("engine") == "auto"  # the override ends with the command
    assert main(["--engine", "scipy", "metrics", "--out", str(fast)]) == 0
    meta_ref = json.loads((ref / "metadata.json").read_text(encoding="utf-8"))
    meta_fast = json.loads((fast / "metadata.json").read_text(encoding="utf-8"))
    assert meta_ref["settings"]["engine"] == "networkx"
    assert meta_ref["tables"]["od_time_min"]["engine"] == "networkx"
    assert meta_fast["tables"]["od_time_min"]["engine"] == "scipy"
    assert meta_fast["graph"]["crs"] == "EPSG:4326"
    assert meta_fast["tables"]["od_time_min"]["unit"] == "min"
    # the reference and the compiled engine give the same tables
    for name in ("od_time_min", "node_metrics", "accessibility", "corridor_criticality"):
        a = pd.read_csv(ref / f"{name}.csv", index_col=0)
        b = pd.read_csv(fast / f"{name}.csv", index_col=0)
        pd.testing.assert_frame_equal(a, b, rtol=1e-9, check_exact=False)


def test_engine_option_rejects_unknown_engine_as_usage_error(tmp_path):
    assert main(["--engine", "gpu", "metrics", "--out", str(tmp_path)]) == 2


# ------------------------------------------------------------------ the Mekong chain (issue 21)


def test_main_job_on_the_mekong(tmp_path):
    out = tmp_path / "mk"
    assert main(["run", "--region", "mekong-river-delta", "--out", str(out)]) == 0
    for rel in (
        "summary.csv",
        "metrics/chain_score.csv",
        "metrics/corridor_criticality.csv",
        "mekong-river-delta.html",
        "mekong-river-delta-en.html",
        "mekong-river-delta.png",
        "brief-mekong-river-delta-vi.html",
        "brief-mekong-river-delta-en.html",
        "analyses/population_reached.csv",
        "analyses/chain_score_province_2025.csv",
    ):
        assert (out / rel).exists(), rel
    score = pd.read_csv(out / "metrics" / "chain_score.csv", index_col="node_id")
    assert len(score) == 13
    assert score.loc["can_tho", "rank"] == 1
    # every capital has a sourced province population, so accessibility is in the score
    assert score["accessibility"].notna().all()
    assert "accessibility" in score.loc["can_tho", "components_used"]
    assert len(pd.read_csv(out / "analyses" / "chain_score_province_2025.csv")) == 6
    reached = pd.read_csv(out / "analyses" / "population_reached.csv")
    # shares of the Mekong's own people (13 provinces, about 17 million), not of every region's
    total = reached["population"] / reached["share_of_total"]
    assert total.between(1.6e7, 1.8e7).all()
    for _, g in reached.groupby("origin"):
        assert g["population"].is_monotonic_increasing
    assert 'lang="vi"' in (out / "brief-mekong-river-delta-vi.html").read_text(encoding="utf-8")
    assert "Cần Thơ" in (out / "mekong-river-delta.html").read_text(encoding="utf-8")


def _cli(*args: str, lang: str = "en", werror: bool = False) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "URBANCHAIN_LANG": lang}
    env.pop("PYTHONWARNINGS", None)
    flags = ["-W", "error"] if werror else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "urbanchain.cli", *args],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )


def test_warnings_are_shown_once_each_as_messages(tmp_path):
    """A warning on the command line is ``urbanchain: warning: <message> (<category>)``, once."""
    done = _cli("graph", "--year", "2000", "--out", str(tmp_path / "g.graphml"))
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    before = [line for line in lines if "year=2000 is before the bundled layers" in line]
    assert len(before) == 1, done.stderr
    assert before[0].startswith("urbanchain: warning: year=2000")
    assert before[0].endswith("(DataQualityWarning)")
    assert all(line.startswith("urbanchain: warning: ") for line in lines), done.stderr
    assert len(lines) == len(set(lines)), done.stderr  # each once
    assert ".py:" not in done.stderr  # no library file and line (functools.py:1001 before)
    # in Vietnamese the label is Vietnamese
    done = _cli("graph", "--year", "2000", "--out", str(tmp_path / "h.graphml"), lang="vi")
    assert "urbanchain: cảnh báo: year=2000" in done.stderr
    # and -W error turns a warning into an error: exit 1 with the message, no traceback
    done = _cli("graph", "--year", "2000", "--out", str(tmp_path / "i.graphml"), werror=True)
    assert done.returncode == 1
    assert done.stderr.startswith("urbanchain: error: year=2000 is before"), done.stderr
    assert "Traceback" not in done.stderr


def test_a_recorder_still_sees_the_clis_warnings(tmp_path):
    """pytest.warns / catch_warnings(record=True) around main() still record them."""
    import warnings

    from urbanchain.errors import DataQualityWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["graph", "--year", "2000", "--out", str(tmp_path / "g.graphml")]) == 0
    assert any(
        issubclass(w.category, DataQualityWarning) and "year=2000" in str(w.message) for w in caught
    )
    assert warnings.formatwarning.__module__ == "warnings"  # restored after the run
