"""Builders of small (bad and good) layer files for the io/layers tests.

Everything is written on the fly into a pytest ``tmp_path``; no bad file is shipped.
Coordinates are in the Red River Delta (about 105-107°E, 20-22°N) so that the
"outside the region" warning is not triggered by accident.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

HN = (105.85, 21.03)
HP = (106.68, 20.86)
ND = (106.17, 20.42)


def feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(x: Any, y: Any, *z: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y, *z]}


def line(*coords: Any) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(c) for c in coords]}


def polygon(*ring: Any) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(c) for c in ring]]}


def write_fc(path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    doc = {"type": "FeatureCollection", **extra, "features": features}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def good_nodes() -> list[dict[str, Any]]:
    return [
        feature({"node_id": "ha_noi", "name": "Hà Nội", "population": 8_400_000}, point(*HN)),
        feature({"node_id": "hai_phong", "name": "Hải Phòng", "population": 2_100_000}, point(*HP)),
        feature({"node_id": "nam_dinh", "name": "Nam Định", "population": None}, point(*ND)),
    ]


def good_nodes_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "node_id": ["ha_noi", "hai_phong", "nam_dinh"],
            "name": ["Hà Nội", "Hải Phòng", "Nam Định"],
            "population": [8_400_000.0, 2_100_000.0, float("nan")],
        },
        geometry=[shapely.Point(*HN), shapely.Point(*HP), shapely.Point(*ND)],
        crs="EPSG:4326",
    )


def good_corridors() -> list[dict[str, Any]]:
    return [
        feature(
            {
                "corridor_id": "ct04_ha_noi_hai_phong",
                "mode": "expressway",
                "status": "operational",
                "lanes": 6,
            },
            line(HN, HP),
        ),
        feature(
            {"corridor_id": "ql21_nam_dinh", "mode": "highway", "status": "operational", "lanes": 4},
            line(HN, ND),
        ),
    ]


#: A bow-tie: two triangles of 0.1° x 0.05° each, meeting at (105.05, 21.05).
BOWTIE = [(105.0, 21.0), (105.1, 21.1), (105.1, 21.0), (105.0, 21.1), (105.0, 21.0)]
SQUARE = [(106.0, 20.5), (106.1, 20.5), (106.1, 20.6), (106.0, 20.6), (106.0, 20.5)]
