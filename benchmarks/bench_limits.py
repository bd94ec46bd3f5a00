"""Time and memory to refuse hostile inputs with the *default* limits (bad-inputs rows 20, 31, 32).

Builds on the fly, in a temporary directory:

* ``zip_bomb``: a ~1 MB zip whose one GeoJSON member inflates to 1.1 GiB (more
  than ``max_file_bytes`` = 1 GiB); its declared sizes are honest, so only the
  streamed byte count stops it (the lying-header variant is refused earlier, by
  the same count, in ``tests/test_bad_inputs_layers.py``);
* ``gzip_bomb``: the same as ``.geojson.gz``;
* ``feature_bomb``: the catalogue's row 32 file, a ~1 MB zip holding 1.5 million
  point features (~160 MB of GeoJSON).  It is *under* the default byte and
  feature limits (``max_file_bytes`` 1 GiB, ``max_features`` 2,000,000); with
  the defaults it is refused by ``max_compression_ratio`` (100), checked while
  decompressing;
* ``feature_bomb_unique_ids``: the same with numbered ids, so it expands only
  ~40x, like a large legitimate layer: the defaults (sized for road networks of
  10^6 edges) accept it, and the row shows what that costs;
  ``feature_bomb_unique_ids_capped`` reads it with ``max_features=100_000``,
  refused by the count of ``"Feature"`` tokens taken while streaming, before
  GDAL parses anything (the setting to lower for untrusted input);
* ``disguised_vrt``: ``evil.geojson`` holding OGR VRT XML that points at a local
  CSV (GDAL would open it with the VRT driver and return the CSV's rows);
* ``million_vertex_gpkg``: a GeoPackage province whose polygon has 10^6 + 1
  vertices (more than ``max_vertices_per_feature`` = 10^6);
* ``million_vertex_memory``: the same polygon passed to ``layers.check_layer``.

Each case runs ``urbanchain.io.read_layer`` (or ``check_layer``) in a fresh
subprocess that reports the time to the refusal, the error class, the peak
resident memory above the post-import baseline (``/proc/self/status`` VmRSS
sampled every 5 ms, plus the kernel's VmHWM) and the peak of Python allocations
(``tracemalloc``; GDAL's C allocations are not seen by it).  The result is a
markdown table on stdout.

Run::

    .venv/bin/python benchmarks/bench_limits.py            # every case
    .venv/bin/python benchmarks/bench_limits.py --case disguised_vrt

The tests build the same files with the builders below (smaller where the limit
can be lowered) and assert the refusal, never the time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

CHUNK = b" " * (1 << 20)
HEADER = b'{"type": "FeatureCollection", "features": ['
FOOTER = b"]}"


# --------------------------------------------------------------------------- builders


def build_zip_bomb(path: Path, *, mib: int = 1100) -> Path:
    """Write a zip with one GeoJSON member of ``mib`` MiB (mostly spaces); return ``path``."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("nodes.geojson", "w", force_zip64=True) as fh,
    ):
        fh.write(HEADER)
        for _ in range(mib):
            fh.write(CHUNK)
        fh.write(FOOTER)
    return path


def build_feature_bomb(path: Path, *, n: int = 1_500_000, unique_ids: bool = False) -> Path:
    """Write a zip of one GeoJSON with ``n`` point features (~110 bytes each; row 32's bomb).

    With ``unique_ids=False`` every feature is the same, as in the catalogue's
    file (0.55 MB zip, ~300x); ``unique_ids=True`` numbers them, which makes
    the zip ~8x larger (~40x expansion), like a large legitimate layer.
    """
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("nodes.geojson", "w", force_zip64=True) as fh,
    ):
        fh.write(HEADER)
        for i in range(n):
            sep = b"," if i else b""
            fh.write(
                sep + b'{"type": "Feature", "properties": {"node_id": "n%d", "kind": "city"}, '
                b'"geometry": {"type": "Point", "coordinates": [105.0, 21.0]}}'
                % (i if unique_ids else 0)
            )
        fh.write(FOOTER)
    return path


def build_gzip_bomb(path: Path, *, mib: int = 1100) -> Path:
    """Write a ``.geojson.gz`` of ``mib`` MiB uncompressed; return ``path``."""
    import gzip

    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(HEADER)
        for _ in range(mib):
            fh.write(CHUNK)
        fh.write(FOOTER)
    return path


def build_disguised_vrt(path: Path, *, secret: Path) -> Path:
    """Write ``path`` (a ``.geojson`` name) holding OGR VRT XML that reads ``secret`` (a CSV)."""
    secret.write_text("WKT,name\n" + '"POINT (105.8 21.0)",top secret\n')
    vrt = (
        "<OGRVRTDataSource><OGRVRTLayer name='secret'>"
        f"<SrcDataSource>{secret}</SrcDataSource>"
        "<GeometryField encoding='WKT' field='WKT'/></OGRVRTLayer></OGRVRTDataSource>"
    )
    path.write_text(vrt)
    return path


def million_vertex_polygon(n: int = 1_000_000) -> Any:
    """A circle around Hà Nội with ``n`` distinct vertices (``n + 1`` with the closing one)."""
    import numpy as np
    import shapely

    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = np.column_stack([106 + 0.1 * np.cos(t), 21 + 0.1 * np.sin(t)])
    return shapely.polygons(np.vstack([ring, ring[:1]]))


def build_big_polygon_gpkg(path: Path, *, n: int = 1_000_000) -> Path:
    """Write a one-province GeoPackage whose polygon has ``n + 1`` vertices."""
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(
        {"code": ["01"], "name": ["huge"]}, geometry=[million_vertex_polygon(n)], crs="EPSG:4326"
    )
    gdf.to_file(path, layer="provinces", driver="GPKG", engine="pyogrio")
    return path


# --------------------------------------------------------------------------- measuring


def _rss_kib() -> tuple[int, int]:
    """Current and peak (VmHWM) resident set size of this process, KiB."""
    rss = hwm = 0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


def _child(case: str, path: str) -> dict[str, Any]:
    """Run one refusal in this process and measure it."""
    import geopandas as gpd

    from urbanchain import io, layers
    from urbanchain.errors import UrbanchainError

    poly = None
    if case == "million_vertex_memory":
        poly = gpd.GeoDataFrame({"code": ["01"]}, geometry=[million_vertex_polygon()], crs=4326)
    kinds = {"disguised_vrt": "points", "million_vertex_gpkg": "provinces"}
    base, _ = _rss_kib()
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_kib()[0])
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tracemalloc.start()
    t0 = time.perf_counter()
    error, message = "none (accepted!)", ""
    try:
        if poly is not None:
            layers.check_layer(poly, kind="provinces", name="huge")
        elif case == "feature_bomb_unique_ids_capped":
            io.read_layer(path, kind="nodes", max_features=100_000)
        else:
            gdf = io.read_layer(path, kind=kinds.get(case, "nodes"))
            message = f"read {len(gdf):,} features"
    except UrbanchainError as exc:
        error, message = type(exc).__name__, str(exc)
    seconds = time.perf_counter() - t0
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stop.set()
    sampler.join()
    rss, hwm = _rss_kib()
    return {
        "case": case,
        "seconds": seconds,
        "error": error,
        "message": message[:160],
        "rss_peak_mib": (max(peak[0], rss) - base) / 1024,
        "hwm_mib": (hwm - base) / 1024,
        "py_peak_mib": py_peak / 2**20,
    }


CASES = [
    "zip_bomb",
    "gzip_bomb",
    "feature_bomb",
    "feature_bomb_unique_ids",
    "feature_bomb_unique_ids_capped",
    "disguised_vrt",
    "million_vertex_gpkg",
    "million_vertex_memory",
]


def _build(case: str, tmp: Path) -> tuple[Path, str]:
    t0 = time.perf_counter()
    if case == "zip_bomb":
        p = build_zip_bomb(tmp / "bomb.zip")
        what = "1.1 GiB GeoJSON in a zip"
    elif case == "gzip_bomb":
        p = build_gzip_bomb(tmp / "bomb.geojson.gz")
        what = "1.1 GiB GeoJSON, gzip"
    elif case.startswith("feature_bomb"):
        unique = "unique_ids" in case
        p = build_feature_bomb(tmp / "features.zip", unique_ids=unique)
        what = "1.5 M point features (~160 MB GeoJSON) in a zip" + (
            ", numbered ids" if unique else ", identical"
        )
    elif case == "disguised_vrt":
        p = build_disguised_vrt(tmp / "evil.geojson", secret=tmp / "secret.csv")
        what = "OGR VRT XML named .geojson"
    elif case == "million_vertex_gpkg":
        p = build_big_polygon_gpkg(tmp / "huge.gpkg")
        what = "1 polygon, 1,000,001 vertices"
    else:
        p = tmp / "unused"
        what = "the same polygon, in memory"
    size = p.stat().st_size if p.exists() else 0
    built = time.perf_counter() - t0
    print(f"built {case} ({size / 2**20:.2f} MiB) in {built:.1f} s", file=sys.stderr)
    return p, f"{what}; file {size / 2**20:.2f} MiB" if size else what


def main(argv: list[str] | None = None) -> int:
    """Build each hostile file, refuse it in a subprocess, print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=CASES, action="append")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for case in args.case or CASES:
            path, what = _build(case, tmp)
            out = subprocess.run(
                [sys.executable, __file__, "--child", case, str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            result["input"] = what
            rows.append(result)
            if path.exists():
                path.unlink()
    print("| case | input | refused with | time to refusal (s) | peak RSS above baseline (MiB) "
          "| Python allocations peak (MiB) |")  # fmt: skip
    print("|---|---|---|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['case']} | {r['input']} | {r['error']} | {r['seconds']:.2f} "
            f"| {max(r['rss_peak_mib'], 0):.0f} | {r['py_peak_mib']:.1f} |"
        )
    print()
    for r in rows:
        print(f"- {r['case']}: {r['message']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
