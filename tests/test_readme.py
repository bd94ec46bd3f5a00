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
