"""Build ``data/world_land.geojson``: the land backdrop of the world-access map.

Input, read offline from an installed PyPI package: Natural Earth's 1:110m "Admin 0 -
Countries" layer (public domain, naturalearthdata.com) as shipped in ``pyogrio``
(``pyogrio/tests/fixtures/naturalearth_lowres``; the pinned version is recorded in the
output).  The countries are clipped to East and Southeast Asia (``BBOX``) and dissolved
into land only: no national boundaries are drawn, so the backdrop takes no position on
any border or claim.  Coordinates are rounded to 3 decimals (about 100 m, far below the
1:110m generalisation).  The build is deterministic.

Usage::

    .venv/bin/python scripts/build_world_land.py [--out PATH]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
from pathlib import Path

import geopandas as gpd
import shapely

#: lon_min, lat_min, lon_max, lat_max: every bundled world hub and both chains fit inside.
BBOX = (85.0, -15.0, 150.0, 46.0)
SOURCE = "Natural Earth 1:110m Admin 0 - Countries (public domain), naturalearth_lowres"


def build(out: Path) -> Path:
    """Write the clipped, dissolved land polygons to ``out`` (GeoJSON, EPSG:4326)."""
    import pyogrio

    fixture = (
        Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres"
    ) / "naturalearth_lowres.shp"
    countries = gpd.read_file(fixture)
    land = shapely.union_all(countries.clip(BBOX).geometry.to_numpy())
    land = shapely.set_precision(land, 0.001)
    parts = sorted(shapely.get_parts(land), key=lambda p: -p.area)
    version = importlib.metadata.version("pyogrio")
    features = [
        {
            "type": "Feature",
            "properties": {"part": i},
            "geometry": json.loads(shapely.to_geojson(p)),
        }
        for i, p in enumerate(parts)
    ]
    doc = {
        "type": "FeatureCollection",
        "name": "world_land",
        "source": f"{SOURCE} (pyogrio=={version} tests/fixtures)",
        "licence": "public domain (Natural Earth)",
        "bbox": list(BBOX),
        "features": features,
    }
    out.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    return out


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "data" / "world_land.geojson",
    )
    print(build(parser.parse_args().out))


if __name__ == "__main__":
    main()
