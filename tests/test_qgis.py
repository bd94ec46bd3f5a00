"""The styled GeoPackages open in QGIS (headless, Debian's python3-qgis) with their styles."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from urbanchain.cli._outputs import write_layers

SYSTEM_PY = shutil.which("python3", path="/usr/bin")


def _qgis_available() -> str | None:
    if SYSTEM_PY is None:
        return "no /usr/bin/python3"
    out = subprocess.run([SYSTEM_PY, "-c", "import qgis.core"], capture_output=True, check=False,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120)
    return None if out.returncode == 0 else "Debian's python3-qgis is not installed"


def test_qgis_renders_the_styled_layers(tmp_path: Path) -> None:
    reason = _qgis_available()
    if reason is not None:
        if os.environ.get("URBANCHAIN_REQUIRE_QGIS"):
            pytest.fail(f"the test command installs QGIS, but: {reason}")
        pytest.skip(reason)
    write_layers(region="red_river_delta", out=tmp_path)
    png = tmp_path / "qgis.png"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["HOME"] = str(tmp_path)  # QGIS writes its profile there
    out = subprocess.run(
        [SYSTEM_PY, str(Path(__file__).parents[1] / "scripts" / "qgis_render.py"),
         str(tmp_path / "layers.gpkg"), str(png)],
        capture_output=True, text=True, check=False, env=env, timeout=300,
    )
    assert out.returncode == 0, (out.returncode, out.stdout[-1000:], out.stderr[-300:])
    loaded = {
        line.split()[0]: line.split()[1:] for line in out.stdout.splitlines()
        if line.split() and line.split()[0] in {"corridors", "nodes", "provinces_2008"}
    }
    assert loaded == {
        "corridors": ["True", "RuleRenderer"],
        "nodes": ["True", "RuleRenderer"],
        "provinces_2008": ["True", "graduatedSymbol"],
    }
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    # expressways are drawn in the maps' red (#d7301f), highways in orange (#f16913)
    red = (np.abs(img - [215, 48, 31]).sum(axis=2) < 40).sum()
    orange = (np.abs(img - [241, 105, 19]).sum(axis=2) < 40).sum()
    assert red > 500
    assert orange > 500
