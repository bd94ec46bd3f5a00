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
    (code,) = _blocks("python")
    namespace: dict[str, object] = {}
    with pytest.warns(DataQualityWarning, match="ninh_binh"):
        exec(compile(code, "README.md", "exec"), namespace)
    assert len(namespace["od"]) == 11
    assert (tmp_path / "delta.html").exists()


def test_readme_cli_lines_name_real_subcommands():
    from urbanchain.cli import app

    names = {c.name for c in app.registered_commands}
    shown = [
        line.split()[1]
        for block in _blocks("bash")
        for line in block.splitlines()
        if line.startswith("urbanchain ") and not line.startswith("urbanchain --")
    ]
    assert shown
    assert set(shown) <= names
