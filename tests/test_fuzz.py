"""Fuzzing the readers: ``io.read_layer`` and the TOML scenario loader.

Hypothesis mutates valid seed files (GeoJSON, GeoPackage, zip, gzip, CSV) -
bit flips, truncation, inserted and overwritten byte runs, "interesting" tokens
(``NaN``, ``1e999``, ``null``, VRT XML, HTML) - writes them to ``tmp_path`` under
a random extension and reads them back.  It also writes generated and mutated
TOML scenario files.  The only acceptable failures are errors of the
:class:`~urbanchain.errors.UrbanchainError` hierarchy; any other exception (or a
warning that is not an urbanchain warning) is a bug.

Bounded in the suite (``URBANCHAIN_FUZZ_EXAMPLES``, default 120 per target,
derandomized).  For a long run::

    python scripts/fuzz.py --minutes 10

which sets ``URBANCHAIN_FUZZ_MINUTES`` and runs this module with fresh random
seeds until the time is up, printing the number of examples run.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import os
import re
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Point

from urbanchain import io as uc_io
from urbanchain.errors import UrbanchainError, UrbanchainWarning

EXAMPLES = int(os.environ.get("URBANCHAIN_FUZZ_EXAMPLES", "120"))
MINUTES = float(os.environ.get("URBANCHAIN_FUZZ_MINUTES", "0"))
#: Examples run by each target in this process (printed by scripts/fuzz.py).
COUNTS: dict[str, int] = {"read_layer": 0, "load_scenario": 0}

_FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=MINUTES == 0,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)

# --------------------------------------------------------------------------- seeds

NODES_FC: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"node_id": nid, "kind": "city", "population": pop, "name": name},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for nid, lon, lat, pop, name in (
            ("ha_noi", 105.85, 21.03, 8.4e6, "Hà Nội"),
            ("hai_phong", 106.68, 20.86, 2.0e6, "Hải Phòng"),
            ("ha_long", 107.08, 20.95, None, "Hạ Long"),
        )
    ],
}
LINES_FC: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"corridor_id": "ct04", "mode": "expressway", "status": "operational"},
            "geometry": {"type": "LineString", "coordinates": [[105.85, 21.03], [106.68, 20.86]]},
        },
        {
            "type": "Feature",
            "properties": {"corridor_id": "p1", "mode": "railway", "status": "planned"},
            "geometry": {"type": "LineString", "coordinates": [[106.68, 20.86], [107.08, 20.95]]},
        },
    ],
}
CSV_TEXT = "node_id,kind,lon,lat,population\nha_noi,city,105.85,21.03,8400000\nhai_phong,city,106.68,20.86,\n"
VRT = (
    b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>'
    b"</OGRVRTLayer></OGRVRTDataSource>"
)


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def _gpkg_bytes() -> bytes:
    gdf = gpd.GeoDataFrame(
        {"node_id": ["a", "b"], "kind": ["city", "city"]},
        geometry=[Point(105.85, 21.03), Point(106.68, 20.86)],
        crs="EPSG:4326",
    )
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "seed.gpkg"
        gdf.to_file(path, layer="nodes", driver="GPKG", engine="pyogrio")
        return path.read_bytes()


_NODES_JSON = json.dumps(NODES_FC, ensure_ascii=False).encode()
_LINES_JSON = json.dumps(LINES_FC).encode()
SEEDS: dict[str, bytes] = {
    "nodes.geojson": _NODES_JSON,
    "lines.geojson": _LINES_JSON,
    "nodes.csv": CSV_TEXT.encode(),
    "nodes.gpkg": _gpkg_bytes(),
    "nodes.zip": _zip("nodes.geojson", _NODES_JSON),
    "nodes.csv.zip": _zip("n.csv", CSV_TEXT.encode()),
    "nodes.geojson.gz": gzip.compress(_NODES_JSON),
    "vrt.geojson": VRT,
}
EXTENSIONS = [
    ".geojson", ".json", ".gpkg", ".csv", ".zip", ".gz", ".geojson.gz", ".csv.gz",
    ".parquet", ".txt", "", ".GEOJSON", ".vrt", ".shp",
]  # fmt: skip
TOKENS = [
    b"null", b"NaN", b"Infinity", b"-1e999", b"1e309", b'"x"', b"[]", b"{}", b"[[[[[[[[",
    b'{"type":"Point","coordinates":["8.5","x"]}', b'"coordinates":[]', b"\x00", b"\xff\xfe",
    b"<html>", b"<OGRVRTDataSource>", b"PK\x03\x04", b"SQLite format 3\x00", b"\xef\xbb\xbf",
    b"GeometryCollection", b"MultiPolygon", b"true", b"-0", b"9" * 40, b"\\u0000", b'"',
]  # fmt: skip
KINDS = ["nodes", "corridors", "lines", "provinces", "points", "polygons"]


@st.composite
def mutated(draw: st.DrawFn, seeds: dict[str, bytes], tokens: list[bytes]) -> bytes:
    """A seed with a few random mutations."""
    data = bytearray(seeds[draw(st.sampled_from(sorted(seeds)))])
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "overwrite", "token", "dup"]))
        n = len(data)
        pos = draw(st.integers(0, max(n - 1, 0)))
        if op == "flip" and n:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "overwrite" and n:
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[pos : pos + len(chunk)] = chunk
        elif op == "token":
            tok = draw(st.sampled_from(tokens))
            end = pos + draw(st.integers(0, 12))
            data[pos:end] = tok
        elif op == "dup" and n:
            end = min(n, pos + draw(st.integers(1, 64)))
            data[pos:pos] = data[pos:end]
    return bytes(data)


def _call_expecting_urbanchain_errors(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``func``; urbanchain errors and warnings are fine, anything else is re-raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", UrbanchainWarning)
        try:
            return func(*args, **kwargs)
        except UrbanchainError:
            return None


# --------------------------------------------------------------------------- read_layer


def _fuzz_read_layer(data: bytes, ext: str, kind: str, csv_crs: bool, repair: bool) -> None:
    COUNTS["read_layer"] += 1
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"fuzz{ext}"
        path.write_bytes(data)
        kwargs: dict[str, Any] = {"kind": kind, "repair": repair}
        if csv_crs:
            kwargs["crs"] = "EPSG:4326"
        _call_expecting_urbanchain_errors(
            uc_io.read_layer, path, max_bytes=1 << 20, max_features=1000, **kwargs
        )
        assert path.read_bytes() == data  # never modified


@_FUZZ_SETTINGS
@given(
    data=mutated(SEEDS, TOKENS),
    ext=st.sampled_from(EXTENSIONS),
    kind=st.sampled_from(KINDS),
    csv_crs=st.booleans(),
    repair=st.booleans(),
)
def test_fuzz_read_layer(data: bytes, ext: str, kind: str, csv_crs: bool, repair: bool) -> None:
    _fuzz_read_layer(data, ext, kind, csv_crs, repair)


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["EPSG:4326", "EPSG:3405", "latin-1", "utf-8", "GeoJSON", "GPKG", "CSV",
                     "nodes", "lon", "lat", "node_id", "kind", "EPSG:99999", "x"]),
)  # fmt: skip
_ARGUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.one_of(st.sampled_from(KINDS), _ANY),
        "layer": _ANY,
        "crs": _ANY,
        "id_col": _ANY,
        "lon_col": _ANY,
        "lat_col": _ANY,
        "encoding": _ANY,
        "repair": _ANY,
        "driver": _ANY,
        "max_bytes": _ANY,
        "max_features": _ANY,
        "max_vertices": _ANY,
        "allow_remote": _ANY,
    },
)


@_FUZZ_SETTINGS
@given(
    name=st.sampled_from(sorted(SEEDS)),
    kwargs=_ARGUMENTS,
    path_kind=st.sampled_from(["path", "str", "none", "int", "bytes", "dir", "missing"]),
)
def test_fuzz_read_layer_arguments(name: str, kwargs: dict[str, Any], path_kind: str) -> None:
    """Valid files, arbitrary arguments: only urbanchain errors (or a frame) may come out."""
    COUNTS["read_layer"] += 1
    kwargs.setdefault("kind", "nodes")
    with tempfile.TemporaryDirectory() as d:
        path: Any = Path(d) / name
        path.write_bytes(SEEDS[name])
        path = {
            "path": path,
            "str": str(path),
            "none": None,
            "int": 3,
            "bytes": str(path).encode(),
            "dir": Path(d),
            "missing": Path(d) / "missing.geojson",
        }[path_kind]
        _call_expecting_urbanchain_errors(uc_io.read_layer, path, **kwargs)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seeds_are_read_or_refused_cleanly(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(SEEDS[name])
    kind = "corridors" if name.startswith("lines") else "nodes"
    crs = "EPSG:4326" if ".csv" in name else None
    if name.startswith("vrt"):
        with pytest.raises(UrbanchainError, match="does not look like GeoJSON"):
            uc_io.read_layer(path, kind=kind)
        return
    gdf = uc_io.read_layer(path, kind=kind, crs=crs)
    assert len(gdf) >= 2  # the seeds themselves are valid


# --------------------------------------------------------------------------- TOML loader


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return (
            "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"
        )
    raise TypeError(type(v))


def to_toml(doc: dict[str, Any]) -> str:
    """Serialise a dict as TOML using only ``key = value`` lines (inline tables)."""
    return "".join(f"{json.dumps(str(k))} = {_toml_value(v)}\n" for k, v in doc.items())


CORRIDOR_IDS = ["ct04_ha_noi_hai_phong", "nope", "", "ha_noi"]
_scalars = st.one_of(
    st.none().map(lambda _: "x"),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, 2025, 2030, 1900, 10**6, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(CORRIDOR_IDS),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["k", "n", "seed", "by", "x", "op", "ids"]), inner, max_size=3
        ),
    ),
    max_leaves=8,
)
_edit = st.fixed_dictionaries(
    {"op": st.one_of(st.sampled_from(["add", "close", "set", "as_of", "delete", 1]), _values)},
    optional={  # "extra" is an unknown key: rare on purpose
        "ids": st.one_of(st.lists(st.sampled_from(CORRIDOR_IDS), max_size=3), _values),
        "attrs": st.one_of(
            st.dictionaries(
                st.sampled_from(["speed_kmh", "status", "mode", "bogus"]), _values, max_size=2
            ),
            _values,
        ),
        "year": st.one_of(st.sampled_from([2020, 2025, 2030, 2050]), _values),
    },
)
_scenario = st.fixed_dictionaries(
    {"base_year": st.one_of(st.just(2025), st.just(2025), st.just(2030), _values)},
    optional={
        "region": st.one_of(st.just("red_river_delta"), st.sampled_from(["delta", "x"]), _values),
        "title": _values,
        "edits": st.one_of(st.lists(_edit, max_size=3), st.lists(_edit, max_size=3), _values),
        "metrics": st.one_of(
            st.fixed_dictionaries({}, optional={"pairs": _values}),
            st.fixed_dictionaries({}, optional={"pairs": _values, "bogus": _values}),
            _values,
        ),
        "sweep": st.one_of(
            st.dictionaries(st.sampled_from(["k", "n", "seed", "by", "confirm"]), _values),
            _values,
        ),
        "rank": st.one_of(
            st.dictionaries(st.sampled_from(["candidates", "by", "target_year"]), _values),
            _values,
        ),
    },
)
_EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "delta-2030.toml"
TOML_SEEDS = {
    "example": _EXAMPLE.read_bytes() if _EXAMPLE.exists() else b"base_year = 2025\n",
    "minimal": b'base_year = 2025\n[[edits]]\nop = "close"\nids = ["ct04_ha_noi_hai_phong"]\n',
}
TOML_TOKENS = [
    b"[[edits]]", b"[sweep]", b"op = ", b'"', b"'''", b"\xff", b"\x00", b"=", b"nan", b"[",
    b"1979-05-27T07:32:00Z", b"0x10", b"1e999", b"base_year = true\n", b"\n[metrics]\npairs = 1\n",
]  # fmt: skip


#: Bugs of scenarios.load_scenario this harness found, now fixed: each input must give a
#: ScenarioError whose message names the problem (regression cases, run on every CI run).
SCENARIO_LOADER_REGRESSIONS: dict[str, tuple[str, bytes]] = {
    "invalid-utf8": ("not UTF-8 text", b"\xa3 = 1\nbase_year = 2025\n"),
    "section-not-a-table": ("[sweep] must be a table", b"base_year = 2025\nsweep = false\n"),
    "metrics-is-an-array": ("[metrics] must be a table", b"base_year = 2025\nmetrics = []\n"),
    "attrs-not-a-table": (
        "attrs must be a table",
        b'base_year = 2025\n[[edits]]\nop = "set"\nids = ["ct04_ha_noi_hai_phong"]\nattrs = 5\n',
    ),
    "op-not-a-string": ("Unknown op", b'base_year = 2025\n[[edits]]\nop = ["close"]\n'),
}


def test_scenario_loader_refuses_a_directory(tmp_path: Path) -> None:
    from urbanchain.errors import ScenarioError
    from urbanchain.scenarios import load_scenario

    with pytest.raises(ScenarioError, match="cannot be read"):
        load_scenario(tmp_path)


@pytest.mark.parametrize("case", sorted(SCENARIO_LOADER_REGRESSIONS))
def test_scenario_loader_regression(case: str, tmp_path: Path) -> None:
    from urbanchain.errors import ScenarioError
    from urbanchain.scenarios import load_scenario

    pattern, text = SCENARIO_LOADER_REGRESSIONS[case]
    path = tmp_path / "scenario.toml"
    path.write_bytes(text)
    with pytest.raises(ScenarioError, match=re.escape(pattern)):
        load_scenario(path)


def _fuzz_scenario(text: bytes) -> None:
    from urbanchain.scenarios import load_scenario

    COUNTS["load_scenario"] += 1
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "scenario.toml"
        path.write_bytes(text)
        _call_expecting_urbanchain_errors(load_scenario, path)


@_FUZZ_SETTINGS
@given(doc=_scenario)
def test_fuzz_load_scenario_generated(doc: dict[str, Any]) -> None:
    _fuzz_scenario(to_toml(doc).encode("utf-8", "surrogatepass"))


@_FUZZ_SETTINGS
@given(data=mutated(TOML_SEEDS, TOML_TOKENS))
def test_fuzz_load_scenario_mutated(data: bytes) -> None:
    _fuzz_scenario(data)


def test_toml_writer_round_trips() -> None:
    import tomllib

    doc = {"base_year": 2025, "edits": [{"op": "add", "ids": ["a"]}], "x": {"y": [1.5, True]}}
    assert tomllib.loads(to_toml(doc)) == doc


# --------------------------------------------------------------------------- long runs


@pytest.mark.skipif(MINUTES <= 0, reason="set URBANCHAIN_FUZZ_MINUTES (scripts/fuzz.py)")
def test_fuzz_for_minutes() -> None:
    """Repeat every fuzz target with fresh seeds until the time is up."""
    end = time.monotonic() + 60 * MINUTES
    targets = [
        test_fuzz_read_layer,
        test_fuzz_read_layer_arguments,
        test_fuzz_load_scenario_generated,
        test_fuzz_load_scenario_mutated,
    ]
    while time.monotonic() < end:
        for target in targets:
            target()
    print(f"fuzz examples: {COUNTS}")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (b"base_year = true\n", "base_year must be a whole year"),
        (b"base_year = 99999999999\n", "between 1800 and 2200"),
        (
            b'base_year = 2025\n[[edits]]\nop = "set"\nids = ["ct04_ha_noi_hai_phong"]\n'
            b'attrs = { speed_kmh = "fast" }\n',
            "speed_kmh must be a positive finite number",
        ),
        (
            b'base_year = 2025\n[[edits]]\nop = "set"\nids = ["ct04_ha_noi_hai_phong"]\n'
            b'attrs = { status = "open" }\n',
            "status must be one of operational",
        ),
        (
            b'base_year = 2025\n[[edits]]\nop = "as_of"\nyear = 30000\n',
            "as_of must be a whole year",
        ),
    ],
    ids=["bool-year", "huge-year", "speed-not-number", "unknown-status", "huge-as-of"],
)
def test_scenario_loader_refuses_bad_values(text: bytes, pattern: str, tmp_path: Path) -> None:
    from urbanchain.errors import ScenarioError
    from urbanchain.scenarios import load_scenario

    path = tmp_path / "scenario.toml"
    path.write_bytes(text)
    with pytest.raises(ScenarioError, match=re.escape(pattern)):
        load_scenario(path)
