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
