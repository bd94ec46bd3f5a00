"""Build the chain layers ``data/nodes.geojson`` and ``data/corridors.geojson``.

Inputs (all in ``data/sources/``, UTF-8 CSV):

* ``places.csv`` -- the gazetteer: one sourced coordinate per named place;
* ``nodes_attributes.csv`` -- the nodes (capitals, gateways, reach towns), each
  pointing at a place, with sourced population and indicator values;
* ``corridors.csv`` -- the corridors, each an ordered list of place ids;
* ``corridor_sources.csv`` -- source keys used by corridors, with their URLs.

Outputs: the two GeoJSON layers (EPSG:4326, RFC 7946) and ``data/CHAIN_LAYERS.md``
(provenance, source list and the length-ratio table).

The build is deterministic: running it twice gives the same bytes. Nothing is
invented: every coordinate comes from a gazetteer row with a source, empty
cells stay empty (JSON ``null``), and every corridor with an official length must
have a geodesic-to-official length ratio in [0.8, 1.1] or the build fails.

Usage::

    .venv/bin/python scripts/build_chain_layers.py [--out-dir DIR] [--sources-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import shapely

from urbanchain.crs import geodesic_length
from urbanchain.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCES = ROOT / "data" / "sources"
DEFAULT_OUT = ROOT / "data"

RATIO_MIN = 0.8
RATIO_MAX = 1.1
COORD_DIGITS = 7

PLACE_KINDS = {"city", "interchange", "bridge", "port", "airport", "border_gate", "station", "town"}
NODE_KINDS = {"city", "seaport", "airport", "border_gate", "station"}
SCOPES = {"core", "reach"}
STATUSES = {"operational", "under_construction", "planned", "paused"}
MODES = {"expressway", "highway", "railway", "waterway", "sea", "air"}
ID_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
PROVINCE_RE = re.compile(r"^\d{2}$")

NODE_INT_FIELDS = (
    "opening_year",
    "population",
    "population_year",
    "dti_rank_2022",
    "dti_rank_2023",
    "pci_rank_2022",
    "pci_rank_2023",
    "pci_rank_2024",
    "ioc_since",
)
NODE_FLOAT_FIELDS = ("pci_score_2024",)
CORRIDOR_INT_FIELDS = ("opening_year", "design_speed_kmh", "lanes", "gauge_mm")
CORRIDOR_FLOAT_FIELDS = ("length_official_km", "length_official_whole_km")

NODE_ORDER = (
    "node_id",
    "name",
    "name_ascii",
    "kind",
    "is_capital",
    "province_2008",
    "province_2025",
    "scope",
    "status",
    "opening_year",
    "population",
    "population_year",
    "population_source",
    "dti_rank_2022",
    "dti_rank_2023",
    "pci_rank_2022",
    "pci_rank_2023",
    "pci_rank_2024",
    "pci_score_2024",
    "ioc_since",
    "indicators_source",
    "coord_source",
    "place_id",
    "note",
)
CORRIDOR_ORDER = (
    "corridor_id",
    "name",
    "code",
    "mode",
    "status",
    "opening_year",
    "design_speed_kmh",
    "length_official_km",
    "length_official_whole_km",
    "length_source",
    "lanes",
    "gauge_mm",
    "geometry_quality",
    "waypoints",
    "waypoint_ids",
    "source",
    "source_urls",
    "note",
)


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


def read_table(path: Path) -> list[dict[str, str]]:
    """Read a UTF-8 CSV into a list of dicts with NFC-normalised, stripped cells."""
    if not path.is_file():
        msg = f"{path} is missing. Restore it from git; the chain layers are built from it."
        raise ValidationError(msg)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = []
        for lineno, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                msg = f"{path.name} line {lineno}: wrong number of cells; quote cells that contain commas."
                raise ValidationError(msg)
            rows.append({k: _nfc(v) for k, v in row.items()})
    return rows


def _to_int(value: str, where: str) -> int | None:
    if value == "":
        return None
    try:
        return int(value)
    except ValueError as exc:
        msg = f"{where}: {value!r} is not an integer; leave the cell empty if unknown."
        raise ValidationError(msg) from exc


def _to_float(value: str, where: str) -> float | None:
    if value == "":
        return None
    try:
        return float(value)
    except ValueError as exc:
        msg = f"{where}: {value!r} is not a number; leave the cell empty if unknown."
        raise ValidationError(msg) from exc


def _blank(value: str) -> str | None:
    return value if value != "" else None


def _check_ids(rows: list[dict[str, str]], key: str, table: str, problems: list[str]) -> None:
    counts = Counter(r[key] for r in rows)
    for ident, n in sorted(counts.items()):
        if n > 1:
            problems.append(f"{table}: {key} {ident!r} appears {n} times; ids must be unique.")
        if not ID_RE.match(ident):
            problems.append(f"{table}: {key} {ident!r} is not snake_case ([a-z0-9_]).")


def _check_enum(value: str, valid: set[str], where: str, problems: list[str]) -> None:
    if value not in valid:
        problems.append(f"{where}: {value!r} is not one of {sorted(valid)}.")


def load_and_validate(sources: Path) -> dict[str, Any]:
    """Read the four source tables and check them; raise ValidationError listing every problem."""
    places = read_table(sources / "places.csv")
    nodes = read_table(sources / "nodes_attributes.csv")
    corridors = read_table(sources / "corridors.csv")
    keys = read_table(sources / "corridor_sources.csv")
    problems: list[str] = []

    _check_ids(places, "place_id", "places.csv", problems)
    _check_ids(nodes, "node_id", "nodes_attributes.csv", problems)
    _check_ids(corridors, "corridor_id", "corridors.csv", problems)
    place_by_id = {p["place_id"]: p for p in places}
    key_by_id = {k["key"]: k for k in keys}
    if len(key_by_id) != len(keys):
        problems.append("corridor_sources.csv: duplicate key.")

    for p in places:
        where = f"places.csv {p['place_id']}"
        if not p["source"]:
            problems.append(f"{where}: no source; every coordinate must cite one.")
        if not p["name_vi"]:
            problems.append(f"{where}: empty name_vi.")
        _check_enum(p["kind"], PLACE_KINDS, f"{where} kind", problems)
        lat = _to_float(p["lat"], f"{where} lat")
        lon = _to_float(p["lon"], f"{where} lon")
        if lat is None or lon is None:
            problems.append(
                f"{where}: lat/lon missing; a place without a sourced coordinate must not be listed."
            )
        elif not (8.0 <= lat <= 24.0 and 102.0 <= lon <= 110.0):
            problems.append(
                f"{where}: ({lat}, {lon}) is outside Vietnam's bounding box; check lat/lon order and sign."
            )

    for n in nodes:
        where = f"nodes_attributes.csv {n['node_id']}"
        if n["place_id"] not in place_by_id:
            problems.append(f"{where}: place_id {n['place_id']!r} is not in places.csv.")
        _check_enum(n["kind"], NODE_KINDS, f"{where} kind", problems)
        _check_enum(n["scope"], SCOPES, f"{where} scope", problems)
        _check_enum(n["status"], STATUSES, f"{where} status", problems)
        _check_enum(n["is_capital"], {"true", "false"}, f"{where} is_capital", problems)
        for col in ("province_2008", "province_2025"):
            if not PROVINCE_RE.match(n[col]):
                problems.append(f"{where}: {col} {n[col]!r} is not a two-digit GSO code.")
        for col in NODE_INT_FIELDS:
            value = _to_int(n[col], f"{where} {col}")
            if value == 0:
                problems.append(f"{where}: {col} is 0; unknown values stay empty, never 0.")
        _to_float(n["pci_score_2024"], f"{where} pci_score_2024")
        if n["population"] and not (n["population_year"] and n["population_source"]):
            problems.append(f"{where}: population needs population_year and population_source.")
        has_indicator = any(n[c] for c in NODE_INT_FIELDS[3:] + NODE_FLOAT_FIELDS)
        if has_indicator and not n["indicators_source"]:
            problems.append(f"{where}: indicators need indicators_source.")

    for c in corridors:
        where = f"corridors.csv {c['corridor_id']}"
        _check_enum(c["mode"], MODES, f"{where} mode", problems)
        _check_enum(c["status"], STATUSES, f"{where} status", problems)
        for col in CORRIDOR_INT_FIELDS:
            _to_int(c[col], f"{where} {col}")
        for col in CORRIDOR_FLOAT_FIELDS:
            _to_float(c[col], f"{where} {col}")
        if (c["length_official_km"] or c["length_official_whole_km"]) and not c["length_source"]:
            problems.append(f"{where}: an official length needs length_source.")
        if c["length_official_km"] and c["length_official_whole_km"]:
            problems.append(
                f"{where}: set length_official_km OR length_official_whole_km, not both."
            )
        wps = _split(c["waypoint_ids"])
        if len(wps) < 2:
            problems.append(f"{where}: needs at least two waypoints.")
        for w in wps:
            if w not in place_by_id:
                problems.append(
                    f"{where}: waypoint {w!r} is not in places.csv; source the place first."
                )
        src = _split(c["source"], sep=";")
        if not src:
            problems.append(f"{where}: no source.")
        for s in src + ([c["length_source"]] if c["length_source"] else []):
            if s not in key_by_id:
                problems.append(f"{where}: source key {s!r} is not in corridor_sources.csv.")

    if problems:
        msg = "Chain-layer sources are invalid:\n  - " + "\n  - ".join(problems)
        raise ValidationError(msg)
    return {"places": place_by_id, "nodes": nodes, "corridors": corridors, "keys": key_by_id}


def _split(value: str, sep: str = "|") -> list[str]:
    return [part.strip() for part in value.split(sep) if part.strip()]


def _coord(value: str) -> float:
    return round(float(value), COORD_DIGITS)


def build_nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return GeoJSON features for the nodes, in the order of the source table."""
    features = []
    for n in data["nodes"]:
        where = f"nodes_attributes.csv {n['node_id']}"
        place = data["places"][n["place_id"]]
        props: dict[str, Any] = {}
        for col in NODE_ORDER:
            if col == "is_capital":
                props[col] = n[col] == "true"
            elif col in NODE_INT_FIELDS:
                props[col] = _to_int(n[col], f"{where} {col}")
            elif col in NODE_FLOAT_FIELDS:
                props[col] = _to_float(n[col], f"{where} {col}")
            elif col == "coord_source":
                props[col] = place["source"]
            else:
                props[col] = _blank(n[col])
        geometry = {"type": "Point", "coordinates": [_coord(place["lon"]), _coord(place["lat"])]}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return features


def build_corridors(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Return GeoJSON features for the corridors; vertices are exactly the gazetteer points."""
    features = []
    for c in data["corridors"]:
        where = f"corridors.csv {c['corridor_id']}"
        wps = _split(c["waypoint_ids"])
        places = [data["places"][w] for w in wps]
        keys = _split(c["source"], sep=";")
        props: dict[str, Any] = {}
        for col in CORRIDOR_ORDER:
            if col in CORRIDOR_INT_FIELDS:
                props[col] = _to_int(c[col], f"{where} {col}")
            elif col in CORRIDOR_FLOAT_FIELDS:
                props[col] = _to_float(c[col], f"{where} {col}")
            elif col == "geometry_quality":
                props[col] = "schematic"
            elif col == "waypoints":
                props[col] = " | ".join(p["name_vi"] for p in places)
            elif col == "waypoint_ids":
                props[col] = " | ".join(wps)
            elif col == "source":
                props[col] = "; ".join(keys)
            elif col == "source_urls":
                props[col] = " | ".join(data["keys"][k]["url"] for k in keys)
            else:
                props[col] = _blank(c[col])
        coords = [[_coord(p["lon"]), _coord(p["lat"])] for p in places]
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
    return features


def ratio_rows(corridors: list[dict[str, Any]]) -> list[tuple[str, str, float, float, float]]:
    """Geodesic vs official length for every corridor with ``length_official_km``."""
    rows = []
    for f in corridors:
        official = f["properties"]["length_official_km"]
        if official is None:
            continue
        line = shapely.LineString(f["geometry"]["coordinates"])
        km = float(geodesic_length([line])[0]) / 1000.0
        rows.append(
            (
                f["properties"]["corridor_id"],
                f["properties"]["name"],
                km,
                float(official),
                km / float(official),
            )
        )
    return rows


def check_ratios(rows: list[tuple[str, str, float, float, float]]) -> None:
    """Fail if any corridor's geodesic/official length ratio is outside [0.8, 1.1]."""
    bad = [r for r in rows if not RATIO_MIN <= r[4] <= RATIO_MAX]
    if bad:
        lines = [
            f"{cid}: geodesic {km:.1f} km / official {off:g} km = {ratio:.3f}"
            for cid, _, km, off, ratio in bad
        ]
        msg = (
            f"Length ratio outside [{RATIO_MIN}, {RATIO_MAX}]:\n  - "
            + "\n  - ".join(lines)
            + "\nAdd sourced intermediate waypoints along the real route, or (for a partial geometry) "
            "move the official length to length_official_whole_km and explain in note."
        )
        raise ValidationError(msg)


def dumps_collection(features: list[dict[str, Any]], name: str) -> str:
    """Serialise a FeatureCollection deterministically: one feature per line, UTF-8, fixed key order."""
    head = '{"type": "FeatureCollection", "name": ' + json.dumps(name) + ', "features": [\n'
    body = ",\n".join(json.dumps(f, ensure_ascii=False, allow_nan=False) for f in features)
    return head + body + "\n]}\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def render_report(
    data: dict[str, Any],
    nodes: list[dict[str, Any]],
    corridors: list[dict[str, Any]],
    rows: list[tuple[str, str, float, float, float]],
) -> str:
    """Return the Markdown provenance report (data/CHAIN_LAYERS.md)."""
    out: list[str] = []
    add = out.append
    add("# Chain layers: nodes and corridors")
    add("")
    add("Generated by `scripts/build_chain_layers.py` from `data/sources/`; do not edit by hand.")
    add("Both layers are GeoJSON (RFC 7946, EPSG:4326). Every geometry is **schematic**: nodes are")
    add(
        "the sourced point of a named place, and corridors are straight polylines through the sourced"
    )
    add(
        "points of the places they pass, in order. Unknown values are `null` (NaN in pandas), never 0."
    )
    add("")
    add("## Counts")
    add("")
    add(f"- places in the gazetteer: {len(data['places'])}")
    kinds = Counter(f["properties"]["kind"] for f in nodes)
    scopes = Counter(f["properties"]["scope"] for f in nodes)
    add(
        f"- nodes: {len(nodes)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}; "
        f"{', '.join(f'{k} {v}' for k, v in sorted(scopes.items()))})"
    )
    modes = Counter((f["properties"]["mode"], f["properties"]["status"]) for f in corridors)
    add(
        f"- corridors: {len(corridors)} ({', '.join(f'{m}/{s} {v}' for (m, s), v in sorted(modes.items()))})"
    )
    add("")
    add("## Provenance per table")
    add("")
    add("| table | what it holds | where its values come from |")
    add("|---|---|---|")
    add(
        "| `data/sources/places.csv` | one point per named place (`place_id`, `name_vi`, `lat`, `lon`, `kind`) | the `source` column of each row: Natural Earth via `shared/reference/facts.md` §1/§5 for the capitals and the Hải Phòng port, Wikipedia pages (or mirrors/proxies of them, named as such) for the others; `accessed` is the date the stored copy was read |"
    )
    add(
        "| `data/sources/nodes_attributes.csv` | nodes and their attributes | GSO codes: facts.md §1, §2, §2b; indicators: facts.md §4 (keys D1–D4, P4–P6, I1–I7); populations: the URL in `population_source` |"
    )
    add(
        "| `data/sources/corridors.csv` | corridors as ordered `waypoint_ids` | facts.md §3 (keys T*, R*, S12b) and pages read for this build (keys W_*), see the source list |"
    )
    add(
        "| `data/sources/corridor_sources.csv` | source keys → URLs | facts.md source list and this build |"
    )
    add("")
    add("## Length check")
    add("")
    add(
        f"Every corridor with `length_official_km` must have geodesic length / official length in [{RATIO_MIN}, {RATIO_MAX}]."
    )
    add("Geodesic length is `urbanchain.crs.geodesic_length` of the schematic polyline (WGS 84).")
    add("")
    add("| corridor_id | name | geodesic km | official km | ratio |")
    add("|---|---|---:|---:|---:|")
    for cid, name, km, off, ratio in rows:
        add(f"| `{cid}` | {_md_escape(name)} | {km:.1f} | {off:g} | {ratio:.3f} |")
    add("")
    add(
        "Corridors whose official length is **not** compared (the figure is kept in `length_official_whole_km`, the reason in `note`):"
    )
    add("")
    for f in corridors:
        p = f["properties"]
        if p["length_official_whole_km"] is not None:
            add(
                f"- `{p['corridor_id']}` ({p['length_official_whole_km']:g} km): {_md_escape(p['note'] or '')}"
            )
    add("")
    add("## Source list (corridor keys)")
    add("")
    add("| key | URL | used for |")
    add("|---|---|---|")
    for key in sorted(data["keys"]):
        k = data["keys"][key]
        add(f"| {key} | {_md_escape(k['url'])} | {_md_escape(k['description'])} |")
    add("")
    add("## Gazetteer sources")
    add("")
    add("| place_id | name | lat | lon | source |")
    add("|---|---|---:|---:|---|")
    for pid in sorted(data["places"]):
        p = data["places"][pid]
        add(f"| `{pid}` | {p['name_vi']} | {p['lat']} | {p['lon']} | {_md_escape(p['source'])} |")
    add("")
    add("## Left empty or left out (not verifiable from the sources available)")
    add("")
    for line in UNVERIFIED:
        add(f"- {line}")
    add("")
    return "\n".join(out)


UNVERIFIED = (
    "Gateways without a citable coordinate and therefore **not** in the layers (searched again for this build: stored Wikipedia/Wikivoyage copies and mirrors, Natural Earth 10m ports and airports, the UN/LOCODE list in datasets/un-locode, public repositories; only uncited seed data of applications was found, which is not used): Lạch Huyện port (TC-HICT, Cát Hải), Đình Vũ port (the single Natural Earth 'Hai Phong' port point stands for the Hải Phòng port area; CT.04 ends at the Hải An district point, the district that holds Đình Vũ), Cái Lân port (the operator's page gives only the Hòn Cam pilot boarding point, which is not the port), the planned Gia Bình airport (sources place it in Xuân Lai / Gia Bình communes and give initial operation by end-2026, A10, but no coordinate), and separate points for the Lào Cai and Móng Cái border gates (the city points are used, kind `border_gate`). Tests in tests/test_data_chain.py check that each of the four gateways is either present with a coordinate source or listed here.",
    "Places without a citable coordinate, so not used as vertices: Cổ Linh, Pháp Vân and Cao Bồ interchanges, Cầu Giẽ (the Phú Xuyên district point is used), Ngọc Hồi (the Thanh Trì district point is used), Mai Dịch, Nam Thăng Long, Kép, Phả Lại, Tiên Yên, Yên Viên (the Gia Lâm district point is used), Bắc Hồng, Lương Tài, Hải Dương Nam, Nam Hải Phòng, Đại Yên.",
    "Kép–Hạ Long railway (106 km, R1): no citable point for Kép (station at Km 68+700 of the Hà Nội – Đồng Đăng line, Lạng Giang district) was found, so the corridor is not drawn and its ratio cannot be checked; its current service (freight only, per 2020–24 press) is not verified.",
    "Yên Viên – Phả Lại – Hạ Long – Cái Lân railway: drawn Gia Lâm – Hạ Long only; its 131 km (W_TPO_CAILAN) is kept in length_official_whole_km because Phả Lại and Cái Lân have no point.",
    "Nội Bài – Bắc Ninh – Hạ Long expressway and QL18: Phả Lại (Chí Linh) has no citable point, so neither line passes it.",
    "Sea, inland-waterway and air links: no source naming a route between two gazetteer places was found, so none is drawn (the one named sea service found, Hong Kong – Cái Lân – Tân Vũ, joins places without points).",
    "Expressway codes CT.06, CT.09, CT.38, CT.39 (unconfirmed against Decision 1454/QĐ-TTg): `code` left empty.",
    "Design speed of CT.05, Ring Roads 4 and 5, Hạ Long–Vân Đồn; lanes of CT.05 (4 then 2); Hà Nội–Hải Phòng railway length; national-highway lengths: left empty.",
    "Hà Nội–Bắc Giang expressway opening year and length: left empty.",
    "Indicator gaps (facts.md §4): DTI 2023 for 8 provinces (Quảng Ninh's '≈12' is not a rank), PCI 2022/2023/2024 for most provinces ('top 30' for Hải Dương and Ninh Bình is not a rank), IOC year for Hà Nội (scheme approved 2025), Vĩnh Phúc, Bắc Ninh, Hải Dương, Thái Bình, Hà Nam, Ninh Bình.",
    "City populations of the capitals: only Thái Bình's is sourced (facts.md gives province populations, which are not attached to city nodes).",
    "Dates with conflicting sources: Vân Đồn–Móng Cái 1 Sep 2022 (T5) used, 30 Apr 2022 (T4) noted; Cầu Giẽ–Ninh Bình 2012 (T7) used, end-2011 (T8) noted.",
    "Hưng Yên's capital point (facts.md §1, 20°39′N 106°2′E, minute precision) lies 6.6 km outside the coarse geoBoundaries Hưng Yên polygon, inside Hà Nam's: the city sits on the Red River, which is the border; no finer citable coordinate was found.",
    "Việt Trì's coordinate comes from a travel site (secondary); Hải An's page prints a west longitude (sign slip, used as east); Thái Thụy's is given to the nearest 30 minutes.",
)


def build(out_dir: Path, sources: Path) -> dict[str, Path]:
    """Validate the sources and write the two layers and the report into ``out_dir``."""
    data = load_and_validate(sources)
    nodes = build_nodes(data)
    corridors = build_corridors(data)
    rows = ratio_rows(corridors)
    check_ratios(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "nodes": out_dir / "nodes.geojson",
        "corridors": out_dir / "corridors.geojson",
        "report": out_dir / "CHAIN_LAYERS.md",
    }
    for key, text in (
        ("nodes", dumps_collection(nodes, "nodes")),
        ("corridors", dumps_collection(corridors, "corridors")),
        ("report", render_report(data, nodes, corridors, rows)),
    ):
        with paths[key].open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sources-dir", type=Path, default=DEFAULT_SOURCES)
    args = parser.parse_args(argv)
    try:
        paths = build(args.out_dir, args.sources_dir)
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
