"""The command line in Vietnamese: every help text has a Vietnamese form (URBANCHAIN_LANG=vi)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from urbanchain.cli import _texts, app, main

CLI = Path(__file__).resolve().parents[1] / "src" / "urbanchain" / "cli"


def _help_texts(cmd: Any) -> list[str]:
    found = [cmd.help] if cmd.help else []
    found += [p.help for p in cmd.params if isinstance(getattr(p, "help", None), str)]
    for sub in (getattr(cmd, "commands", None) or {}).values():
        found += _help_texts(sub)
    return found


def test_every_help_text_has_a_vietnamese_form() -> None:
    texts = _help_texts(typer.main.get_command(app))
    assert len(texts) > 50
    missing = [x for x in texts if x not in _texts.VI]
    assert not missing, missing
    for english, vietnamese in _texts.VI.items():
        assert vietnamese.strip(), english
        assert vietnamese != english, english
    # the messages the commands print through t(...) too
    used = set()
    for path in CLI.glob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([^"']+)["']""", path.read_text(encoding="utf-8")))
    assert used
    assert used <= set(_texts.VI), used - set(_texts.VI)


def test_help_is_vietnamese_when_asked(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv(_texts.LANG_ENV, "vi")
    assert main(["network", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Tính chỉ số mạng lưới trên tệp đường của riêng bạn" in out
    assert "Thư mục kết quả (được tạo mới)." in out
    assert "Output folder (created)." not in out
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "Các vùng (dùng với --region" in out
    assert "Đồng bằng sông Hồng" in out
    monkeypatch.setenv(_texts.LANG_ENV, "en")
    assert main(["network", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Output folder (created)." in out
    assert "Red River Delta" not in out


def test_an_unknown_language_is_refused(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv(_texts.LANG_ENV, "fr")
    assert main(["datasets"]) == 2
    err = capsys.readouterr().err
    assert "URBANCHAIN_LANG='fr'" in err
    assert "vi or en" in err


def _all_helps(monkeypatch: pytest.MonkeyPatch, capsys: Any, lang: str) -> str:
    monkeypatch.setenv(_texts.LANG_ENV, lang)
    command = typer.main.get_command(app)
    pages = []
    for args in [["--help"]] + [[name, "--help"] for name in command.commands]:  # type: ignore[attr-defined]
        assert main(args) == 0, args
        pages.append(capsys.readouterr().out)
    return "\n".join(pages)


def test_clicks_own_words_are_vietnamese_too(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    vi = _all_helps(monkeypatch, capsys, "vi")
    for english in (
        "Usage:",
        "Options:",
        "Commands:",
        "Arguments:",
        "Show this message",
        "[default:",
        "[required]",
        "[OPTIONS]",
        "COMMAND [ARGS]",
    ):
        assert english not in vi, english
    assert vi.count("Cách dùng: urbanchain") == 1 + len(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    for vietnamese in (
        "Tùy chọn:",
        "Lệnh:",
        "Đối số:",
        "Hiện hướng dẫn này rồi thoát.",
        "[mặc định: 2025]",
        "[bắt buộc]",
        "[TÙY_CHỌN]",
        "LỆNH [ĐỐI_SỐ]...",
    ):
        assert vietnamese in vi, vietnamese
    # English stays Click's own
    en = _all_helps(monkeypatch, capsys, "en")
    for english in ("Usage: urbanchain", "Options:", "[default: 2025]"):
        assert english in en, english
    for vietnamese in ("Cách dùng", "Tùy chọn:"):
        assert vietnamese not in en, vietnamese


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--bogus"], "Lỗi: Không có tùy chọn --bogus"),
        (["run"], "Lỗi: Thiếu tùy chọn '--out' / '-o'."),
        (["nosuchcommand"], "Lỗi: Không có lệnh 'nosuchcommand'."),
        (
            ["network", "roads.gpkg", "--out", "x", "--sample", "many"],
            "Lỗi: Giá trị không hợp lệ cho '--sample' / '-k': giá trị phải là số nguyên hợp lệ.",
        ),
        (
            ["map", "--out", "x", "--lang", "fr"],
            "Lỗi: Giá trị không hợp lệ cho '--lang' / '-l': 'fr' không phải là một trong 'vi', 'en'.",
        ),
        (
            ["run", "--out", "x", "--year", "2025", "extra"],
            "Lỗi: Thừa đối số không mong đợi (extra).",
        ),
    ],
)
def test_usage_errors_are_vietnamese(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, args: list[str], expected: str
) -> None:
    monkeypatch.setenv(_texts.LANG_ENV, "vi")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Cách dùng: urbanchain" in err
    assert "để xem hướng dẫn." in err
    for english in ("Error:", "Try '", "Usage:"):
        assert english not in err, english
    # the same call in English keeps Click's words
    monkeypatch.setenv(_texts.LANG_ENV, "en")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Error:" in err
    assert "Usage: urbanchain" in err
    assert "Lỗi" not in err


def test_an_unknown_click_message_keeps_its_text() -> None:
    from urbanchain.cli import _vi

    assert _vi.translate_message("Something Click never said.") == "Something Click never said."
    assert _vi.translate_message("Invalid value for '-r': no such thing") == (
        "Giá trị không hợp lệ cho '-r': no such thing"
    )
    assert _vi.translate_message(
        "Invalid value for '--format': 'xls' is not one of 'csv', 'parquet'."
    ) == ("Giá trị không hợp lệ cho '--format': 'xls' không phải là một trong 'csv', 'parquet'.")
    assert (
        _vi.translate_message(
            "Invalid value for '--cutoff': Input should be a valid number, unable to parse string as a number"
        )
        == "Giá trị không hợp lệ cho '--cutoff': giá trị phải là số hợp lệ."
    )
    assert _vi.translate_message("Invalid value for '-k': Input should be greater than 0") == (
        "Giá trị không hợp lệ cho '-k': giá trị phải lớn hơn 0."
    )


def test_a_library_error_still_exits_1_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path
) -> None:
    monkeypatch.setenv(_texts.LANG_ENV, "vi")
    assert main(["run", "--out", str(tmp_path / "o"), "--region", "nowhere"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("urbanchain: lỗi: ")
    assert "nowhere" in err


def test_validate_gives_its_verdict_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"node_id": "a"}, "geometry": {"type": "Point", "coordinates": [105.8, 21.0]}}]}',
        encoding="utf-8",
    )
    monkeypatch.setenv(_texts.LANG_ENV, "vi")
    assert main(["validate", str(bad)]) == 1
    assert f"{bad}: KHÔNG ĐẠT" in capsys.readouterr().out
    assert main(["validate", str(bad), "--kind", "nodes"]) == 0
    assert f"{bad}: đạt" in capsys.readouterr().out
    monkeypatch.setenv(_texts.LANG_ENV, "en")
    assert main(["validate", str(bad)]) == 1
    assert f"{bad}: FAILED" in capsys.readouterr().out
