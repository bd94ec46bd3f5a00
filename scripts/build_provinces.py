"""Build the bundled province layers from geoBoundaries and the curated attribute tables.

Inputs
------
* ``<shared>/data/geoboundaries-vnm-adm1/geoBoundaries-VNM-ADM1.geojson`` (geoBoundaries
  VNM ADM1, boundary year 2008, public domain; Runfola et al. 2020);
* ``data/sources/provinces_attributes.csv`` (63 provinces, sourced values);
* ``data/sources/units_2025.csv`` (the 34 units of 1 July 2025);
* ``data/sources/region_presets.csv`` (the six socio-economic regions and other presets).

Outputs (deterministic: the same inputs give the same bytes)
------------------------------------------------------------
* ``data/provinces.geojson``: 63 provinces (Côn Đảo merged into Bà Rịa - Vũng Tàu),
  coverage-simplified so neighbours keep sharing their borders;
* ``data/crosswalk_2025.csv``: 63 rows, 2008 province -> 2025 unit;
* ``data/regions.csv``: region presets.

Usage::

    .venv/bin/python scripts/build_provinces.py [--shared PATH] [--out DIR] [--tolerance DEG]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely

from urbanchain.datasets import PROVINCE_COLUMNS

REPO = Path(__file__).resolve().parent.parent
SOURCE_FILE = Path("data/geoboundaries-vnm-adm1/geoBoundaries-VNM-ADM1.geojson")

#: Coverage-simplification tolerance in degrees (0.005° is about 0.52 km east-west and
#: 0.55 km north-south at 21°N).
TOLERANCE_DEG = 0.005
#: Decimal places kept in coordinates (1e-6 degree is about 0.1 m).
PRECISION = 6

PROVINCE_KEYS = PROVINCE_COLUMNS  # the layer schema lives in the library
INT_KEYS = {"area_official_year", "population", "population_year"}
FLOAT_KEYS = {"area_official_km2"}
CROSSWALK_KEYS = [
    "code_2008",
    "name_2008",
    "code_2025",
    "name_2025",
    "centre_2025",
    "source",
    "kind_2025",
    "members_2025",
    "area_official_km2_2025",
    "area_official_year_2025",
    "area_source_2025",
    "population_2025",
    "population_year_2025",
    "population_source_2025",
]
REGION_KEYS = ["id", "name", "description", "members", "source"]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: nfc(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def write_csv(path: Path, keys: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(keys), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in keys})
    path.write_bytes(buf.getvalue().encode("utf-8"))


# --------------------------------------------------------------------------- geometry


def load_source(shared: Path) -> tuple[list[str], np.ndarray]:
    """Read the 64 geoBoundaries features and merge Côn Đảo into Bà Rịa - Vũng Tàu (VN-43)."""
    path = shared / SOURCE_FILE
    if not path.is_file():
        msg = f"geoBoundaries source not found at {path}. Pass --shared pointing at the shared folder."
        raise SystemExit(msg)
    gdf = pyogrio.read_dataframe(path)
    if len(gdf) != 64:
        msg = f"expected 64 features in {path}, found {len(gdf)}"
        raise SystemExit(msg)
    by_iso: dict[str, list[Any]] = {}
    for iso, geom in zip(gdf["shapeISO"], gdf.geometry.values, strict=True):
        by_iso.setdefault(str(iso), []).append(geom)
    isos = sorted(by_iso)
    geoms = []
    for iso in isos:
        parts = [p for g in by_iso[iso] for p in shapely.get_parts(g)]
        # sort parts so the result does not depend on feature order in the source
        parts.sort(key=lambda p: (-round(p.area, 12), p.bounds))
        geoms.append(shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0])
    if len(isos) != 63 or len(by_iso["VN-43"]) != 2:
        msg = "expected VN-43 (Bà Rịa - Vũng Tàu and Côn Đảo) to be the only duplicated ISO code"
        raise SystemExit(msg)
    return isos, np.asarray(geoms, dtype=object)


def coverage_report(geoms: np.ndarray) -> dict[str, Any]:
    """Check a polygon coverage: invalid edges, overlaps and gaps (holes of the union)."""
    from urbanchain.crs import geodesic_area

    invalid = shapely.coverage_invalid_edges(geoms)
    n_invalid = int(np.sum(~shapely.is_empty(invalid)))
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    inter = shapely.intersection(geoms[left[keep]], geoms[right[keep]])
    poly = shapely.get_type_id(inter) >= 3
    overl = geodesic_area(inter[poly]) if poly.any() else np.zeros(0)
    union = shapely.coverage_union_all(geoms) if n_invalid == 0 else shapely.union_all(geoms)
    holes = [shapely.Polygon(ring) for part in shapely.get_parts(union) for ring in part.interiors]
    hole_km2 = geodesic_area(np.asarray(holes, dtype=object)) / 1e6 if holes else np.zeros(0)
    return {
        "valid_geometries": bool(shapely.is_valid(geoms).all()),
        "coverage_is_valid": bool(shapely.coverage_is_valid(geoms)),
        "features_with_invalid_edges": n_invalid,
        "overlapping_pairs": int(np.sum(overl > 1e-6)),
        "max_overlap_km2": float(overl.max()) / 1e6 if len(overl) else 0.0,
        "gaps": [
            (
                round(float(a), 3),
                round(h.representative_point().x, 3),
                round(h.representative_point().y, 3),
            )
            for a, h in zip(hole_km2, holes, strict=True)
        ],
        "vertices": int(shapely.get_num_coordinates(geoms).sum()),
    }


def snap_to_grid(geoms: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Rebuild the coverage on a 10**-PRECISION degree grid, keeping it a valid coverage.

    Rounding each vertex independently can make nearly collinear coastline edges of two
    neighbours cross (it does at the Thái Bình / Nam Định river mouth), so the boundaries of
    all provinces are noded together with snap-rounding (``union_all(grid_size=...)``),
    polygonised into faces, and every face is given to the province that covers most of it.
    Faces covered by no province (gaps in the source) stay gaps; their areas are returned.
    """
    grid = 10.0**-PRECISION
    lines = shapely.union_all(shapely.boundary(geoms), grid_size=grid)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(geoms)
    fi, gi = tree.query(faces, predicate="intersects")
    overlap = shapely.area(shapely.intersection(faces[fi], geoms[gi]))
    owner = np.full(len(faces), -1)
    best = np.zeros(len(faces))
    for f, k, a in zip(fi, gi, overlap, strict=True):
        if a > best[f] or (a == best[f] and 0 <= k < owner[f]):
            best[f], owner[f] = a, k
    unassigned = (owner < 0) | (best < 0.5 * shapely.area(faces))
    out = np.asarray(
        [shapely.coverage_union_all(faces[(owner == k) & ~unassigned]) for k in range(len(geoms))],
        dtype=object,
    )
    out = shapely.transform(out, lambda xy: np.round(xy, PRECISION))
    return out, [float(a) for a in shapely.area(faces[unassigned])]


def simplify(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Coverage-simplify, round to PRECISION decimals (shared vertices stay identical), orient CCW."""
    out = shapely.coverage_simplify(geoms, tolerance)
    out = shapely.transform(out, lambda xy: np.round(xy, PRECISION))
    # rounding could create repeated consecutive vertices; remove them the same way on both sides
    out = shapely.remove_repeated_points(out, 0.0)
    out = shapely.orient_polygons(out, exterior_cw=False)
    bad = ~shapely.is_valid(out)
    if bad.any():
        reasons = [shapely.is_valid_reason(g) for g in out[bad]]
        msg = f"simplified geometries are invalid: {reasons}"
        raise SystemExit(msg)
    if not shapely.coverage_is_valid(out):
        msg = "simplified polygons no longer form a valid coverage (overlaps or mismatched edges)"
        raise SystemExit(msg)
    return out


# ----------------------------------------------------------------------------- writing


def fmt_coord(v: float) -> str:
    s = f"{v:.{PRECISION}f}"
    return "0." + "0" * PRECISION if s == "-0." + "0" * PRECISION else s


def ring_json(coords: np.ndarray) -> str:
    return "[" + ",".join(f"[{fmt_coord(x)},{fmt_coord(y)}]" for x, y in coords[:, :2]) + "]"


def polygon_json(poly: shapely.Polygon) -> str:
    rings = [poly.exterior, *poly.interiors]
    return "[" + ",".join(ring_json(np.asarray(r.coords)) for r in rings) + "]"


def geometry_json(geom: Any) -> str:
    if geom.geom_type == "Polygon":
        return '{"type":"Polygon","coordinates":' + polygon_json(geom) + "}"
    parts = ",".join(polygon_json(p) for p in geom.geoms)
    return '{"type":"MultiPolygon","coordinates":[' + parts + "]}"


def value_json(key: str, raw: Any) -> str:
    if raw is None or raw == "":
        return "null"
    if key == "area_polygon_km2":
        return f"{float(raw):.2f}"
    if key in INT_KEYS:
        return str(int(raw))
    if key in FLOAT_KEYS:
        float(raw)  # validate; keep the digits exactly as sourced
        return str(raw)
    return json.dumps(str(raw), ensure_ascii=False)


def feature_collection(rows: list[dict[str, Any]], geoms: Sequence[Any]) -> bytes:
    lines = ['{"type":"FeatureCollection","name":"provinces","features":[']
    feats = []
    for row, geom in zip(rows, geoms, strict=True):
        props = ",".join(f'"{k}":{value_json(k, row[k])}' for k in PROVINCE_KEYS)
        feats.append(
            '{"type":"Feature","properties":{' + props + '},"geometry":' + geometry_json(geom) + "}"
        )
    lines.append(",\n".join(feats))
    lines.append("]}\n")
    return "\n".join(lines).encode("utf-8")


# -------------------------------------------------------------------------------- main


def build(shared: Path, out: Path, tolerance: float, *, quiet: bool = False) -> dict[str, Any]:
    from urbanchain.crs import geodesic_area

    src = REPO / "data" / "sources"
    attrs = read_csv(src / "provinces_attributes.csv")
    units = read_csv(src / "units_2025.csv")
    presets = read_csv(src / "region_presets.csv")
    if len(attrs) != 63 or len(units) != 34:
        msg = f"expected 63 provinces and 34 units, found {len(attrs)} and {len(units)}"
        raise SystemExit(msg)

    isos, geoms = load_source(shared)
    report: dict[str, Any] = {"source": coverage_report(geoms)}
    snapped, dropped = snap_to_grid(geoms)
    report["snapped"] = coverage_report(snapped)
    report["snapped"]["faces_left_as_gaps_deg2"] = dropped
    report["snapped"]["max_relative_area_change"] = float(
        np.max(np.abs(shapely.area(snapped) - shapely.area(geoms)) / shapely.area(geoms))
    )
    simple = simplify(snapped, tolerance)
    report["simplified"] = coverage_report(simple)
    report["tolerance_deg"] = tolerance
    by_iso = dict(zip(isos, simple, strict=True))
    missing = sorted({a["iso_code"] for a in attrs} ^ set(isos))
    if missing:
        msg = f"ISO codes not matched between attributes and polygons: {missing}"
        raise SystemExit(msg)

    attrs.sort(key=lambda a: a["code"])
    ordered = [by_iso[a["iso_code"]] for a in attrs]
    areas = geodesic_area(np.asarray(ordered, dtype=object)) / 1e6
    rows = []
    for a, area in zip(attrs, areas, strict=True):
        row: dict[str, Any] = dict(a)
        row["area_polygon_km2"] = round(float(area), 2)
        rows.append(row)

    out.mkdir(parents=True, exist_ok=True)
    data = feature_collection(rows, ordered)
    (out / "provinces.geojson").write_bytes(data)
    report["bytes"] = len(data)
    report["vertices_per_province"] = {
        a["code"]: int(shapely.get_num_coordinates(g)) for a, g in zip(attrs, ordered, strict=True)
    }
    report["area_polygon_km2"] = {r["code"]: r["area_polygon_km2"] for r in rows}

    # crosswalk
    unit_by_code = {u["code"]: u for u in units}
    name_2008 = {a["code"]: a["name_vi"] for a in attrs}
    cw = []
    for a in attrs:
        u = unit_by_code[a["code_2025"]]
        if a["code"] not in u["members"].split(","):
            msg = (
                f"{a['code']} has code_2025 {u['code']} but is not among its members {u['members']}"
            )
            raise SystemExit(msg)
        cw.append(
            {
                "code_2008": a["code"],
                "name_2008": a["name_vi"],
                "code_2025": u["code"],
                "name_2025": u["name_vi"],
                "centre_2025": u["centre"],
                "source": u["source"],
                "kind_2025": u["kind"],
                "members_2025": u["members"],
                "area_official_km2_2025": u["area_official_km2"],
                "area_official_year_2025": u["area_official_year"],
                "area_source_2025": u["area_source"],
                "population_2025": u["population"],
                "population_year_2025": u["population_year"],
                "population_source_2025": u["population_source"],
            }
        )
    assert set(name_2008) == {c["code_2008"] for c in cw}
    write_csv(out / "crosswalk_2025.csv", CROSSWALK_KEYS, cw)

    # regions
    regions = []
    for p in presets:
        members = p["members"] or ",".join(a["code"] for a in attrs if a["region"] == p["id"])
        if not members:
            msg = f"region preset {p['id']} has no members"
            raise SystemExit(msg)
        regions.append({**p, "members": members})
    write_csv(out / "regions.csv", REGION_KEYS, regions)

    if not quiet:
        print(
            json.dumps(
                {k: v for k, v in report.items() if k != "vertices_per_province"},
                ensure_ascii=False,
                indent=1,
            )
        )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--shared",
        type=Path,
        default=REPO.parent / "shared",
        help="the shared folder (default: <repo>/../shared)",
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "data", help="output folder (default: <repo>/data)"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=TOLERANCE_DEG,
        help="coverage simplification tolerance in degrees",
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    build(args.shared, args.out, args.tolerance, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
