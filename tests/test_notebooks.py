"""Execute the notebooks in notebooks/; any failing cell fails the test."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        assert not cell.get("outputs"), f"{path.name}: outputs are committed; clear them"
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    expected = {
        "01-planner-quickstart": "delta-2025.html",
        "03-scenarios-2030": "diff-2025-2030.html",
    }
    if path.stem in expected:
        assert (tmp_path / expected[path.stem]).exists()
