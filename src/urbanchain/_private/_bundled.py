"""Locate and read the data files bundled with urbanchain (cached, always returned as copies)."""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

import geopandas as gpd
import pandas as pd

from urbanchain._private._messages import unknown_name

__all__ = ["BUNDLED", "bundled_path", "read_bundled_csv", "read_bundled_geojson"]

#: Every file shipped in ``urbanchain/_data`` (wheel) or ``data/`` (source tree).
BUNDLED = (
    "corridors.geojson",
    "crosswalk_2025.csv",
    "nodes.geojson",
    "provinces.geojson",
    "readiness.csv",
    "readiness_sources.csv",
    "region_settings.csv",
    "regions.csv",
    "world_hubs.csv",
    "world_land.geojson",
    "world_legs.csv",
)
_REPO_DATA = Path(__file__).resolve().parents[3] / "data"


def bundled_path(name: str) -> Path:
    """Return the path of a bundled file: the installed package first, then the repo's ``data/``.

    Raises
    ------
    UnknownNameError
        If ``name`` is not a bundled file.
    DataNotFoundError
        If the file is missing from both places.
    """
    if name not in BUNDLED:
        err = unknown_name("bundled file", name, BUNDLED)
        raise err
    packaged = importlib.resources.files("urbanchain") / "_data" / name
    if packaged.is_file():
        return Path(str(packaged))
    local = _REPO_DATA / name
    if local.is_file():
        return local
    from urbanchain.errors import DataNotFoundError

    msg = (
        f"Bundled file {name!r} was found neither in the installed package (urbanchain/_data) "
        f"nor in the source tree ({local}). Reinstall urbanchain, or run "
        "scripts/build_provinces.py in a source checkout."
    )
    raise DataNotFoundError(msg)


@functools.lru_cache(maxsize=8)
def _read_geojson(path: str) -> gpd.GeoDataFrame:
    return gpd.read_file(path, engine="pyogrio")


@functools.lru_cache(maxsize=8)
def _read_csv(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def read_bundled_geojson(name: str) -> gpd.GeoDataFrame:
    """Read a bundled GeoJSON (cached); the caller receives a deep copy."""
    return _read_geojson(str(bundled_path(name))).copy(deep=True)


def read_bundled_csv(name: str) -> pd.DataFrame:
    """Read a bundled CSV with every column as str, empty cells as ``""`` (cached; a copy)."""
    return _read_csv(str(bundled_path(name))).copy(deep=True)
