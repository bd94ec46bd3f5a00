"""Excel workbooks: one sheet per table, names and units in headers, formula-safe cells."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from urbanchain import io
from urbanchain.errors import InputFileError, ValidationError

openpyxl = pytest.importorskip("openpyxl")


def _od() -> pd.DataFrame:
    od = pd.DataFrame(
        [[0.0, 95.5], [96.0, 0.0]],
        index=pd.Index(["ha_noi", "hai_phong"], name="origin"),
        columns=["ha_noi", "hai_phong"],
    )
    od.attrs["unit"] = "min"
    return od


NAMES = {"ha_noi": "Hà Nội", "hai_phong": "Hải Phòng"}


def test_sheets_names_units_and_settings(tmp_path: Path) -> None:
    gateway = pd.DataFrame({"seaport_min": [95.0, 12.0]}, index=pd.Index(
        ["ha_noi", "hai_phong"], name="node_id"))
    out = io.to_excel(
        {"od_time_min": _od(), "gateway_access": gateway},
        tmp_path / "run.xlsx",
        names=NAMES,
        units={"gateway_access": "min"},
        sources=pd.DataFrame({"key": ["T1"], "url": ["https://example.org"]}),
        settings={"engine": "scipy", "graph": {"crs": "EPSG:4326"}},
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["od_time_min", "gateway_access", "sources", "settings"]
    od = list(wb["od_time_min"].iter_rows(values_only=True))
    assert od[0] == ("origin", "name", "Hà Nội (min)", "Hải Phòng (min)")
    assert od[1] == ("ha_noi", "Hà Nội", 0, 95.5)
    ga = list(wb["gateway_access"].iter_rows(values_only=True))
    assert ga[0] == ("node_id", "name", "seaport_min (min)")
    settings = dict(list(wb["settings"].iter_rows(values_only=True))[1:])
    assert settings == {"engine": "scipy", "graph.crs": "EPSG:4326"}
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


@pytest.mark.parametrize("payload", ["=1+0", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
                                     "\t=1", "\r=1", "=HYPERLINK(\"http://x\")"])
def test_formula_cells_are_text(tmp_path: Path, payload: str) -> None:
    df = pd.DataFrame({"name": [payload], "value": [-1.5]},
                      index=pd.Index([payload], name="node_id"))
    before = df.copy()
    out = io.to_excel({"t": df}, tmp_path / "x.xlsx")
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is unchanged
    ws = openpyxl.load_workbook(out)["t"]
    row = list(ws[2])
    expected = "'" + payload.replace("\r", "\n")  # XML stores CR as LF
    assert [c.value for c in row] == [expected, expected, -1.5]
    assert all(c.data_type != "f" for c in row)


def test_bad_paths_and_tables(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"must end in \.xlsx"):
        io.to_excel({"t": _od()}, tmp_path / "x.csv")
    (tmp_path / "d.xlsx").mkdir()
    with pytest.raises(InputFileError, match="is a folder"):
        io.to_excel({"t": _od()}, tmp_path / "d.xlsx")
    with pytest.raises(InputFileError, match="does not exist"):
        io.to_excel({"t": _od()}, tmp_path / "nope" / "x.xlsx")
    with pytest.raises(ValidationError, match="at least one table"):
        io.to_excel({}, tmp_path / "x.xlsx")
    with pytest.raises(ValidationError, match=r"Series\.to_frame"):
        io.to_excel({"t": _od()["ha_noi"]}, tmp_path / "x.xlsx")  # type: ignore[dict-item]


def test_sheet_names_are_made_valid_and_unique(tmp_path: Path) -> None:
    long = "a/b:c*" + "x" * 40
    out = io.to_excel({long: _od(), long + "2": _od(), "Sources": _od()}, tmp_path / "x.xlsx",
                      sources=pd.DataFrame({"k": [1]}))
    names = openpyxl.load_workbook(out).sheetnames
    assert len(names) == 4
    assert len({n.lower() for n in names}) == 4
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"previous")

    import urbanchain.io.excel as excel_mod

    def boom(*a: object, **k: object) -> None:
        msg = "disk full"
        raise OSError(msg)

    monkeypatch.setattr(excel_mod.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        io.to_excel({"t": _od()}, target)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.xlsx"]


def test_pair_tables_keep_every_level(tmp_path: Path) -> None:
    idx = pd.MultiIndex.from_tuples([("ha_noi", "SIN"), ("hai_phong", "HKG")],
                                    names=["node_id", "hub_id"])
    df = pd.DataFrame({"hours": [6.7, 20.0]}, index=idx)
    out = io.to_excel({"world_access": df}, tmp_path / "w.xlsx", names=NAMES,
                      units={"world_access": "h"})
    rows = list(openpyxl.load_workbook(out)["world_access"].iter_rows(values_only=True))
    assert rows[0] == ("node_id", "name", "hub_id", "hours (h)")
    assert rows[1] == ("ha_noi", "Hà Nội", "SIN", 6.7)
