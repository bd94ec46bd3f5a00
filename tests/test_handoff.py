"""Hand-off to planners' tools: Excel, styled GeoPackages, scenarios and overlays from files,
Vietnamese attribute tables, reproducible reruns, and PostGIS from the command line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from tests._pg import pg_dsn  # noqa: F401 (fixture)

from urbanchain import datasets, io
from urbanchain.cli import main
from urbanchain.errors import RepairWarning, ScenarioError
from urbanchain.io.qgis import layer_style, read_styles

openpyxl = pytest.importorskip("openpyxl")

VN_CORRIDOR = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {
                "ma_tuyen": "ct_moi_tb_nd",
                "Tên": "Cao tốc mới Thái Bình – Nam Định",
                "loại": "Cao tốc",
                "trạng thái": "quy hoạch",
                "toc_do": 100,
            },
            "geometry": {"type": "LineString",
                         "coordinates": [[106.333, 20.4503], [106.2, 20.42]]},
        }
    ],
}


@pytest.fixture
def vn_file(tmp_path: Path) -> Path:
    path = tmp_path / "tuyen_moi.geojson"
    path.write_text(json.dumps(VN_CORRIDOR, ensure_ascii=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- Vietnamese tables


def test_vietnamese_keys_and_values_are_mapped_with_a_warning(vn_file: Path) -> None:
    with pytest.warns(RepairWarning) as rec:
        gdf = io.read_layer(vn_file, kind="corridors", id_col="ma_tuyen")
    msg = str(rec[0].message)
    for mapping in ("'Tên' -> 'name'", "'loại' -> 'mode'", "'trạng thái' -> 'status'",
                    "'Cao tốc' -> 'expressway' (1 row)", "'quy hoạch' -> 'planned' (1 row)",
                    "'toc_do' -> 'design_speed_kmh'"):
        assert mapping in msg
    row = gdf.iloc[0]
    assert (row["ma_tuyen"], row["mode"], row["status"]) == ("ct_moi_tb_nd", "expressway",
                                                             "planned")
    assert row["design_speed_kmh"] == 100


def test_vietnamese_node_kinds(tmp_path: Path) -> None:
    path = tmp_path / "nut.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma_nut": "cang_moi", "ten": "Cảng mới",
                                           "loai": "cảng biển", "dan_so": None},
         "geometry": {"type": "Point", "coordinates": [106.7, 20.8]}}]}), encoding="utf-8")
    with pytest.warns(RepairWarning, match="kind: 'cảng biển' -> 'seaport'"):
        gdf = io.read_layer(path, kind="nodes")
    assert gdf.loc[0, "node_id"] == "cang_moi"
    assert gdf.loc[0, "kind"] == "seaport"


def test_an_existing_schema_column_is_never_overwritten(tmp_path: Path) -> None:
    data = json.loads(json.dumps(VN_CORRIDOR))
    data["features"][0]["properties"]["name"] = "Own name"
    data["features"][0]["properties"]["corridor_id"] = "own"
    path = tmp_path / "both.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.warns(RepairWarning, match="'Tên' not renamed to 'name': that column exists"):
        gdf = io.read_layer(path, kind="corridors")
    assert gdf.loc[0, "name"] == "Own name"


# --------------------------------------------------------------------------- QGIS styles


def _qml(text: str) -> ET.Element:
    return ET.fromstring(text.split("\n", 1)[1])


def test_styles_follow_modes_statuses_and_kinds() -> None:
    corridors = datasets.corridors()
    qml, sld = layer_style(corridors, kind="corridors", name="corridors")
    root = _qml(qml)
    rules = root.findall(".//rules/rule")
    combos = corridors[["mode", "status"]].drop_duplicates()
    assert len(rules) == len(combos) + 1  # one rule per mode x status present, and ELSE
    assert rules[-1].get("filter") == "ELSE"
    assert root.find(".//labeling/settings/text-style").get("fieldName") == "name"
    assert ET.fromstring(sld).tag.endswith("StyledLayerDescriptor")
    nodes_qml, _ = layer_style(datasets.nodes(), kind="nodes", name="nodes")
    labels = [r.get("label") for r in _qml(nodes_qml).findall(".//rules/rule")]
    assert "Tỉnh lỵ / Provincial capital" in labels
    assert "Cảng biển / Seaport" in labels


def test_hostile_values_never_reach_a_style_expression() -> None:
    corridors = datasets.corridors().head(3).copy()
    corridors["mode"] = ["expressway", "' OR 1=1 --", "highway"]
    qml, _ = layer_style(corridors, kind="corridors", name="c")
    assert "OR 1=1" not in qml


def test_main_job_geopackages_carry_styles(tmp_path: Path) -> None:
    from urbanchain.cli._outputs import write_layers

    write_layers(region="red_river_delta", out=tmp_path)
    styles = read_styles(tmp_path / "layers.gpkg")
    assert set(styles) == {"provinces_2008", "provinces_2025", "nodes", "corridors"}
    for qml, sld in styles.values():
        _qml(qml)
        ET.fromstring(sld)
    ranges = _qml(styles["provinces_2008"][0]).findall(".//ranges/range")
    assert len(ranges) >= 3  # graduated by population


# --------------------------------------------------------------------------- CLI


def test_metrics_to_excel_with_names_units_and_kinds(tmp_path: Path, capsys) -> None:
    code = main(["metrics", "--region", "red-river-delta", "--format", "xlsx",
                 "--kinds", "seaport,airport", "--out", str(tmp_path)])
    assert code == 0
    wb = openpyxl.load_workbook(tmp_path / "metrics.xlsx")
    for sheet in ("od_time_min", "gateway_access", "corridor_criticality", "chain_score",
                  "sources", "settings"):
        assert sheet in wb.sheetnames
    header = [c.value for c in wb["od_time_min"][1]]
    assert "Hà Nội (min)" in header
    assert header[1] == "name"
    ga = [c.value for c in wb["gateway_access"][1]]
    assert any("seaport" in str(h) for h in ga)
    assert not any("border_gate" in str(h) for h in ga)


def test_scenario_toml_adds_a_users_geojson(tmp_path: Path, vn_file: Path) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text(
        'base_year = 2025\ntitle = "Tuyến mới"\n[[edits]]\nop = "add"\n'
        f'path = "{vn_file.name}"\nid_col = "ma_tuyen"\n', encoding="utf-8")
    out = tmp_path / "out"
    with pytest.warns(RepairWarning):
        code = main(["scenario", str(toml), "--out", str(out), "--quiet"])
    assert code == 0
    edits = pd.read_csv(out / "edits.csv")
    assert "ct_moi_tb_nd" in edits.loc[0, "ids"]
    assert "ct_moi_tb_nd" in (out / "diff_map.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ('op = "add"\nids = ["x"]\npath = "a.geojson"', "needs either ids"),
        ('op = "add"', "not neither"),
        ('op = "add"\npaht = "a.geojson"', "unknown key 'paht' in edit 1 (op = 'add'). "
                                           "Did you mean 'path'?"),
        ('op = "add"\npath = "missing.geojson"', "missing.geojson"),
    ],
)
def test_scenario_add_edit_errors(tmp_path: Path, edit: str, message: str) -> None:
    from urbanchain.scenarios import load_scenario

    toml = tmp_path / "s.toml"
    toml.write_text(f"base_year = 2025\n[[edits]]\n{edit}\n", encoding="utf-8")
    with pytest.raises((ScenarioError, Exception)) as info:
        load_scenario(toml)
    assert message in str(info.value)
    assert "Valid key in" not in str(info.value)


def test_quick_scenario_from_the_command_line(tmp_path: Path, vn_file: Path) -> None:
    out = tmp_path / "q"
    with pytest.warns(RepairWarning):
        code = main(["scenario", "--region", "red-river-delta", "--add", str(vn_file),
                     "--id-col", "ma_tuyen", "--close", "ql10", "--out", str(out), "--quiet"])
    assert code == 0
    edits = pd.read_csv(out / "edits.csv")
    assert edits["op"].tolist() == ["add", "close"]


def test_map_overlays_own_corridors_on_the_region(tmp_path: Path, vn_file: Path) -> None:
    out = tmp_path / "m.html"
    with pytest.warns(RepairWarning):
        code = main(["map", "--region", "red-river-delta", "--corridors", str(vn_file),
                     "--id-col", "ma_tuyen", "--out", str(out)])
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "ct_moi_tb_nd" in html
    assert "ql10" in html  # the region's own corridors are still there


def test_validate_takes_an_id_column(vn_file: Path, capsys) -> None:
    with pytest.warns(RepairWarning):
        assert main(["validate", str(vn_file), "--kind", "corridors",
                     "--id-col", "ma_tuyen"]) == 0
    assert "ok" in capsys.readouterr().out


def test_run_2030_completes(tmp_path: Path) -> None:
    assert main(["run", "--region", "red-river-delta", "--year", "2030",
                 "--out", str(tmp_path)]) == 0
    assert (tmp_path / "scenario-2025-2030" / "project_ranking.csv").is_file()
    assert (tmp_path / "red-river-delta.xlsx").is_file()
    styles = read_styles(tmp_path / "graph-2030.gpkg")
    assert set(styles) == {"nodes", "edges"}


def test_rerun_repeats_the_command_and_checks_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.toml"
    cfg.write_text('[metrics]\nformat = "csv"\n', encoding="utf-8")
    out = tmp_path / "m"
    assert main(["metrics", "--config", str(cfg), "--out", str(out)]) == 0
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["command"]["argv"][:3] == ["metrics", "--config", str(cfg)]
    assert len(meta["command"]["config"]["sha256"]) == 64
    (out / "od_time_min.csv").unlink()
    assert main(["rerun", str(out / "metadata.json")]) == 0
    assert (out / "od_time_min.csv").is_file()
    cfg.write_text('[metrics]\nformat = "geojson"\n', encoding="utf-8")
    assert main(["rerun", str(out / "metadata.json")]) == 1


def test_rerun_refuses_files_without_a_command(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "metadata.json"
    bad.write_text("{}", encoding="utf-8")
    assert main(["rerun", str(bad)]) == 1
    assert "records no command" in capsys.readouterr().err


# --------------------------------------------------------------------------- PostGIS CLI


@pytest.fixture(scope="module")
def dsn(pg_dsn: str) -> str:  # noqa: F811 (the imported fixture)
    return pg_dsn


def test_run_into_postgis_never_prints_the_connection_string(dsn: str, capsys) -> None:
    assert main(["run", "--region", "red-river-delta", "--out", dsn, "--schema", "public"]) == 0
    captured = capsys.readouterr()
    assert dsn not in captured.out + captured.err
    assert "postgis:public.nodes" in captured.out
    assert "postgis:public.od_time_min" in captured.out
    nodes = io.read_layer(dsn, layer="nodes", kind="nodes")
    assert len(nodes) == len(datasets.nodes())


def test_metrics_into_postgis_from_the_environment(dsn: str, monkeypatch, capsys) -> None:
    from sqlalchemy import create_engine, text

    monkeypatch.setenv("URBANCHAIN_DATABASE_URL", dsn)
    assert main(["metrics", "--region", "red-river-delta", "--out", "postgis:"]) == 0
    assert "postgis:public.chain_score" in capsys.readouterr().out
    eng = create_engine("postgresql+psycopg://" + dsn.split("://", 1)[1])
    with eng.connect() as conn:
        meta = conn.execute(text(
            "SELECT metadata FROM urbanchain_metadata WHERE table_name = 'chain_score'"
        )).scalar_one()
        n = conn.execute(text("SELECT count(*) FROM chain_score")).scalar_one()
    eng.dispose()
    assert n == 11
    assert '"argv": ["metrics", "--region", "red-river-delta", "--out", "postgis:"]' in meta
    assert "host=" not in meta


def test_scenario_into_postgis(dsn: str, tmp_path: Path, vn_file: Path, capsys) -> None:
    with pytest.warns(RepairWarning):
        code = main(["scenario", "--region", "red-river-delta", "--add", str(vn_file),
                     "--id-col", "ma_tuyen", "--out", dsn, "--quiet"])
    assert code == 0
    assert "postgis:public.scenario_summary" in capsys.readouterr().out
