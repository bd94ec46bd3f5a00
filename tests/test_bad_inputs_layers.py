"""The bad-input zoo for reading and validating layers (bad-inputs.md rows 1-35, 45).

Each case builds its bad file in ``tmp_path`` and asserts the error class *and*
that the message names the problem, the file or row, and the fix.  Repair
cases assert the RepairWarning text and its count.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

from _layer_builders import (
    BOWTIE,
    HN,
    HP,
    ND,
    SQUARE,
    feature,
    good_corridors,
    good_nodes,
    good_nodes_gdf,
    line,
    point,
    polygon,
    write_fc,
)
from urbanchain import settings
from urbanchain.errors import (
    CRSError,
    DataNotFoundError,
    DataQualityWarning,
    InputFileError,
    RepairWarning,
    ResourceLimitError,
    UnknownNameError,
    ValidationError,
)
from urbanchain.io import read_layer
from urbanchain.layers import align_crs, check_layer

Builder = Callable[[Path], tuple[Path, dict[str, Any]]]


# ----------------------------------------------------------------------------- builders


def _geojson(name: str, feats: list[dict[str, Any]], **kw: Any) -> Builder:
    def build(tmp: Path) -> tuple[Path, dict[str, Any]]:
        return write_fc(tmp / name, feats), kw

    return build


def _text(name: str, content: bytes, **kw: Any) -> Builder:
    def build(tmp: Path) -> tuple[Path, dict[str, Any]]:
        p = tmp / name
        p.write_bytes(content)
        return p, kw

    return build


def _csv(name: str, text: str, **kw: Any) -> Builder:
    return _text(name, text.encode("utf-8"), **kw)


def _nan_gpkg(tmp: Path) -> tuple[Path, dict[str, Any]]:
    gdf = good_nodes_gdf()
    gdf.loc[1, "geometry"] = shapely.Point(np.nan, 20.86)
    p = tmp / "nan.gpkg"
    gdf.to_file(p, layer="nodes")
    return p, {"kind": "nodes"}


def _multilayer_gpkg(tmp: Path) -> tuple[Path, dict[str, Any]]:
    p = tmp / "two.gpkg"
    good_nodes_gdf().to_file(p, layer="cities")
    good_nodes_gdf().to_file(p, layer="ports")
    return p, {"kind": "nodes"}


def _vrt_disguised(tmp: Path) -> tuple[Path, dict[str, Any]]:
    secret = tmp / "secret.csv"
    secret.write_text("id,WKT\nTOP_SECRET_ROW,POINT (105.8 21.0)\n")
    vrt = (
        "<OGRVRTDataSource><OGRVRTLayer name='secret'>"
        f"<SrcDataSource>{secret}</SrcDataSource>"
        "<GeometryField encoding='WKT' field='WKT'/></OGRVRTLayer></OGRVRTDataSource>"
    )
    p = tmp / "evil.geojson"
    p.write_text(vrt)
    return p, {"kind": "points"}


def _zip_bomb(tmp: Path) -> tuple[Path, dict[str, Any]]:
    # ~3 MB of GeoJSON that compresses to a few kB: the zip itself is under max_bytes
    pad = " " * (3 * 2**20)
    text = json.dumps({"type": "FeatureCollection", "features": good_nodes()})
    text = text[:-1] + pad + "}"
    p = tmp / "bomb.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("nodes.geojson", text)
    assert p.stat().st_size < 2**20 // 4
    return p, {"kind": "nodes", "max_bytes": 2**20}


def _lying_zip(declared: int, max_bytes: int) -> Builder:
    """A zip whose local and central headers declare ``declared`` uncompressed bytes."""

    def build(tmp: Path) -> tuple[Path, dict[str, Any]]:
        text = json.dumps({"type": "FeatureCollection", "features": good_nodes()})
        text = text[:-1] + " " * (2 * 2**20) + "}"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("nodes.geojson", text)
        data = bytearray(buf.getvalue())
        local = data.index(b"PK\x03\x04")
        struct.pack_into("<I", data, local + 22, declared)
        central = data.index(b"PK\x01\x02")
        struct.pack_into("<I", data, central + 24, declared)
        p = tmp / "lying.zip"
        p.write_bytes(bytes(data))
        with zipfile.ZipFile(p) as zf:
            assert zf.infolist()[0].file_size == declared
        return p, {"kind": "nodes", "max_bytes": max_bytes}

    return build


def _gz_bomb(tmp: Path) -> tuple[Path, dict[str, Any]]:
    text = json.dumps({"type": "FeatureCollection", "features": good_nodes()})
    text = text[:-1] + " " * (3 * 2**20) + "}"
    p = tmp / "bomb.geojson.gz"
    p.write_bytes(gzip.compress(text.encode()))
    return p, {"kind": "nodes", "max_bytes": 2**20}


def _traversal_zip(tmp: Path) -> tuple[Path, dict[str, Any]]:
    p = tmp / "trav.zip"
    doc = json.dumps({"type": "FeatureCollection", "features": good_nodes()})
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("../../evil.geojson", doc)
    return p, {"kind": "nodes"}


def _two_member_zip(tmp: Path) -> tuple[Path, dict[str, Any]]:
    p = tmp / "two.zip"
    doc = json.dumps({"type": "FeatureCollection", "features": good_nodes()})
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("a.geojson", doc)
        zf.writestr("b.geojson", doc)
    return p, {"kind": "nodes"}


def _big_file(tmp: Path) -> tuple[Path, dict[str, Any]]:
    p = write_fc(tmp / "big.geojson", good_nodes() * 50)
    return p, {"kind": "points", "max_bytes": 1000}


def _many_features(tmp: Path) -> tuple[Path, dict[str, Any]]:
    p = tmp / "many.gpkg"
    gdf = good_nodes_gdf()
    gdf = gpd.GeoDataFrame(
        {"node_id": [f"n{i}" for i in range(30)]},
        geometry=[shapely.Point(105 + i / 100, 21) for i in range(30)],
        crs=4326,
    )
    gdf.to_file(p)
    return p, {"kind": "nodes", "max_features": 10}


def _many_features_geojson(tmp: Path) -> tuple[Path, dict[str, Any]]:
    feats = [feature({"i": i}, point(105 + i / 100, 21)) for i in range(30)]
    return write_fc(tmp / "many.geojson", feats), {"kind": "points", "max_features": 10}


def _big_polygon_gpkg(tmp: Path) -> tuple[Path, dict[str, Any]]:
    n = 5000
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = np.column_stack([106 + 0.1 * np.cos(t), 21 + 0.1 * np.sin(t)])
    poly = shapely.polygons(np.vstack([ring, ring[:1]]))
    gdf = gpd.GeoDataFrame({"code": ["01"]}, geometry=[poly], crs=4326)
    p = tmp / "big.gpkg"
    gdf.to_file(p)
    return p, {"kind": "provinces", "max_vertices": 1000}


LATIN1 = json.dumps(
    {"type": "FeatureCollection", "features": [feature({"name": "Hà Nội"}, point(*HN))]},
    ensure_ascii=False,
).encode("latin-1", errors="replace")
LATIN1 = LATIN1.replace(b"Ha", b"H\xe0")  # make sure a Latin-1 byte is present
LATIN1 = (
    json.dumps({"type": "FeatureCollection", "features": [feature({"name": "Ca Mau"}, point(*HN))]})
    .encode("ascii")
    .replace(b"Ca Mau", b"C\xe0 Mau")
)


ERROR_CASES = [
    pytest.param(
        _geojson("bowtie.geojson", [feature({"code": "01"}, polygon(*BOWTIE))], kind="provinces"),
        ValidationError,
        [r"bowtie\.geojson", r"code '01' \(row 0\)", "Self-intersection", "repair=True"],
        id="row01-bowtie-polygon",
    ),
    pytest.param(
        _geojson(
            "empty.geojson",
            [*good_nodes(), feature({"node_id": "x"}, {"type": "Point", "coordinates": []})],
            kind="nodes",
        ),
        ValidationError,
        [r"empty\.geojson", "empty geometry", r"node_id 'x' \(row 3\)", "add its coordinates"],
        id="row04-empty-node",
    ),
    pytest.param(
        _geojson("null.geojson", [*good_nodes(), feature({"node_id": "x"}, None)], kind="nodes"),
        ValidationError,
        [r"null\.geojson", "null geometry", r"node_id 'x' \(row 3\)", "repair=True"],
        id="row05-null-geometry",
    ),
    pytest.param(
        _geojson(
            "nonnum.geojson",
            [feature({"node_id": "a"}, point(*HN)), feature({"node_id": "b"}, point("8.5", "x"))],
            kind="nodes",
            repair=True,
        ),
        ValidationError,
        [
            r"nonnum\.geojson",
            "could not be read",
            "non-numeric coordinate",
            r"node_id 'b' \(row 1\)",
        ],
        id="row06-non-numeric-coordinate-even-with-repair",
    ),
    pytest.param(
        _nan_gpkg,
        ValidationError,
        [r"nan\.gpkg", "NaN or infinite", r"node_id 'hai_phong' \(row 1\)", r"\(nan, 20\.86\)"],
        id="row07-nan-coords-gpkg",
    ),
    pytest.param(
        _csv("inf.csv", "node_id,lon,lat\na,105.8,21\nb,inf,21\n", kind="nodes", crs="EPSG:4326"),
        ValidationError,
        [r"inf\.csv", "NaN or infinite", r"node_id 'b' \(row 1\)"],
        id="row07-inf-coords-csv",
    ),
    pytest.param(
        _geojson(
            "mixed.geojson",
            [*good_corridors(), feature({"corridor_id": "pt"}, point(*ND))],
            kind="corridors",
        ),
        ValidationError,
        [
            r"mixed\.geojson",
            "types found: LineString, Point",
            "allows only LineString",
            r"corridor_id 'pt' \(row 2\)",
        ],
        id="row08-mixed-types",
    ),
    pytest.param(
        _geojson(
            "z.geojson",
            [feature({"corridor_id": "z"}, line((*HN, 10.0), (*HP, 20.0)))],
            kind="corridors",
        ),
        ValidationError,
        [r"z\.geojson", "3-D", r"corridor_id 'z' \(row 0\)", "repair=True", "force_2d"],
        id="row09-3d-lines",
    ),
    pytest.param(
        _csv(
            "swapped.csv",
            "node_id,lon,lat\nha_noi,21.03,105.85\nhai_phong,20.86,106.68\n",
            kind="nodes",
            crs="EPSG:4326",
        ),
        ValidationError,
        [r"swapped\.csv", "look swapped", r"node_id 'ha_noi' \(row 0\)", "lon_col="],
        id="row10-lat-lon-swapped-csv",
    ),
    pytest.param(
        _geojson("range.geojson", [feature({"node_id": "a"}, point(200.0, 21.0))], kind="nodes"),
        ValidationError,
        [r"range\.geojson", "outside the valid range", r"node_id 'a' \(row 0\)", "crs="],
        id="row11-longitude-out-of-range",
    ),
    pytest.param(
        _geojson(
            "utm.geojson",
            [feature({"node_id": "a"}, point(588_000.0, 2_326_000.0))],
            kind="nodes",
        ),
        CRSError,
        [r"utm\.geojson", "look projected", "EPSG:4326", r"crs='EPSG:3405'"],
        id="row12-projected-labelled-4326",
    ),
    pytest.param(
        _csv("nocrs.csv", "node_id,lon,lat\na,105.8,21\n", kind="nodes"),
        CRSError,
        [r"nocrs\.csv", "crs= is required", "crs='EPSG:4326'"],
        id="row13-csv-without-crs",
    ),
    pytest.param(
        _csv("badcrs.csv", "node_id,lon,lat\na,105.8,21\n", kind="nodes", crs="EPSG:999999"),
        CRSError,
        [r"badcrs\.csv", "not a coordinate reference system", "EPSG:4326"],
        id="row13-unknown-crs",
    ),
    pytest.param(
        _text(
            "trunc.geojson",
            json.dumps({"type": "FeatureCollection", "features": good_nodes()}).encode()[:120],
            kind="nodes",
        ),
        InputFileError,
        [r"trunc\.geojson", r"truncated\?", "re-download"],
        id="row23-truncated-geojson",
    ),
    pytest.param(
        _text("empty.geojson", b"", kind="nodes"),
        InputFileError,
        [r"empty\.geojson", "empty", "re-download"],
        id="row24-empty-file",
    ),
    pytest.param(
        _text(
            "page.geojson",
            b"<!DOCTYPE html><html><body>404 Not Found</body></html>",
            kind="nodes",
        ),
        InputFileError,
        [r"page\.geojson", "HTML page", "Download the data file"],
        id="row24-html-error-page",
    ),
    pytest.param(
        _text("page.gpkg", b"\n  <html><head></head></html>", kind="nodes"),
        InputFileError,
        [r"page\.gpkg", "HTML page"],
        id="row24-html-as-gpkg",
    ),
    pytest.param(
        _text("latin.geojson", LATIN1, kind="points"),
        InputFileError,
        [r"latin\.geojson", "not valid UTF-8", "encoding='latin-1'"],
        id="row25-latin1-geojson",
    ),
    pytest.param(
        _text("latin.csv", b"name,lon,lat\nC\xe0 Mau,105.1,21.0\n", kind="points", crs=4326),
        InputFileError,
        [r"latin\.csv", "not valid UTF-8", "encoding='latin-1'"],
        id="row25-latin1-csv",
    ),
    pytest.param(
        _geojson(
            "na.geojson",
            [
                feature({"node_id": "a", "population": 1000}, point(*HN)),
                feature({"node_id": "b", "population": "n/a"}, point(*HP)),
            ],
            kind="nodes",
        ),
        ValidationError,
        [
            r"na\.geojson",
            "'population' must be numeric",
            r"node_id 'b' \(row 1\): 'n/a'",
            "repair=True",
        ],
        id="row26-na-in-numeric-column",
    ),
    pytest.param(
        _multilayer_gpkg,
        InputFileError,
        [r"two\.gpkg", "2 layers", "cities", "ports", "layer="],
        id="row30-multilayer-gpkg-without-layer",
    ),
    pytest.param(
        _vrt_disguised,
        InputFileError,
        [r"evil\.geojson", "does not look like GeoJSON", "VRT"],
        id="row31-vrt-disguised-as-geojson",
    ),
    pytest.param(
        _zip_bomb,
        ResourceLimitError,
        [r"bomb\.zip", "uncompressed size", "max_bytes=", "max_file_bytes="],
        id="row32-zip-bomb",
    ),
    pytest.param(
        _lying_zip(declared=100, max_bytes=2**20),
        ResourceLimitError,
        [r"lying\.zip", "uncompressed size", "max_bytes="],
        id="row32-zip-declared-size-lies-limit",
    ),
    pytest.param(
        _lying_zip(declared=100, max_bytes=2**30),
        InputFileError,
        [r"lying\.zip", "declares 100 uncompressed bytes", "crafted", "refused"],
        id="row32-zip-declared-size-lies-mismatch",
    ),
    pytest.param(
        _gz_bomb,
        ResourceLimitError,
        [r"bomb\.geojson\.gz", "uncompressed size", "max_bytes="],
        id="row32-gzip-bomb",
    ),
    pytest.param(
        _traversal_zip,
        InputFileError,
        [r"trav\.zip", "path traversal", r"\.\./\.\./evil\.geojson"],
        id="row33-zip-path-traversal",
    ),
    pytest.param(
        _two_member_zip,
        InputFileError,
        [r"two\.zip", "several data files", "a.geojson", "b.geojson"],
        id="row33-zip-with-two-layers",
    ),
    pytest.param(
        _big_file,
        ResourceLimitError,
        [r"big\.geojson", "file size", "max_bytes=", "max_file_bytes="],
        id="row35-file-larger-than-max-bytes",
    ),
    pytest.param(
        _many_features,
        ResourceLimitError,
        [r"many\.gpkg", "feature count \\(30\\)", "max_features="],
        id="row32-too-many-features-gpkg",
    ),
    pytest.param(
        _many_features_geojson,
        ResourceLimitError,
        [r"many\.geojson", r"feature count \(counted before parsing\) \(30\)", "max_features="],
        id="row32-too-many-features-geojson",
    ),
    pytest.param(
        _big_polygon_gpkg,
        ResourceLimitError,
        [r"big\.gpkg", "5,001 vertices", "max_vertices=1,000", r"read_layer\(\.\.\., max_vertices"],
        id="row20-too-many-vertices-per-layer",
    ),
    pytest.param(
        _geojson(
            "dup.geojson",
            [*good_nodes(), feature({"node_id": "ha_noi"}, point(106.0, 21.0))],
            kind="nodes",
        ),
        ValidationError,
        [r"dup\.geojson", "duplicate ids", r"'ha_noi'", r"\(row 0\)", r"\(row 3\)", "unique"],
        id="row45-duplicate-ids",
    ),
    pytest.param(
        _geojson(
            "nullid.geojson",
            [*good_nodes(), feature({"node_id": None}, point(106.0, 21.0))],
            kind="nodes",
        ),
        ValidationError,
        [r"nullid\.geojson", "missing id", r"row 3", "fill them in"],
        id="row45-null-ids",
    ),
    pytest.param(
        _geojson("noid.geojson", [feature({"name": "x"}, point(*HN))], kind="nodes"),
        ValidationError,
        [r"noid\.geojson", "no id column 'node_id'", "id_col="],
        id="row45-missing-id-column",
    ),
    pytest.param(
        _geojson(
            "mode.geojson",
            [feature({"corridor_id": "a", "mode": "hyperloop"}, line(HN, HP))],
            kind="corridors",
        ),
        ValidationError,
        [r"mode\.geojson", "'mode' holds unknown values", "'hyperloop'", "expressway"],
        id="schema-unknown-corridor-mode",
    ),
    pytest.param(
        _text("nodes.txt", b"{}", kind="nodes"),
        InputFileError,
        [r"nodes\.txt", "extension '.txt'", "driver="],
        id="format-unknown-extension",
    ),
    pytest.param(
        _text("fake.gpkg", b"not a database at all", kind="nodes"),
        InputFileError,
        [r"fake\.gpkg", "not a GeoPackage"],
        id="format-gpkg-without-sqlite-header",
    ),
]


@pytest.mark.parametrize(("build", "exc", "patterns"), ERROR_CASES)
def test_bad_input_is_refused(
    tmp_path: Path, build: Builder, exc: type[Exception], patterns: list[str]
) -> None:
    path, kwargs = build(tmp_path)
    with pytest.raises(exc) as info:
        read_layer(path, **kwargs)
    message = str(info.value)
    for pat in patterns:
        assert re.search(pat, message), f"{pat!r} not in: {message}"


def test_row31_vrt_target_is_never_read(tmp_path: Path) -> None:
    path, kwargs = _vrt_disguised(tmp_path)
    with pytest.raises(InputFileError) as info:
        read_layer(path, **kwargs)
    assert "TOP_SECRET_ROW" not in str(info.value)
    # and the driver is pinned even if the sniffing were bypassed: driver=GeoJSON refuses it
    from urbanchain.io import _readers

    src = _readers.Source(path, str(path), "geojson", head=b"{", size=path.stat().st_size)
    with pytest.raises(InputFileError, match=r"truncated\?"):
        _readers.read_gdal(src, layer=None, encoding=None, max_features=10)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("https://example.com/nodes.geojson", id="row31-remote-https-refused"),
        pytest.param("/vsicurl/https://example.com/n.geojson", id="row31-remote-vsicurl-refused"),
        pytest.param("s3://bucket/nodes.geojson", id="row31-remote-s3-refused"),
    ],
)
def test_remote_paths_refused(path: str) -> None:
    with pytest.raises(InputFileError, match="remote paths are refused") as info:
        read_layer(path, kind="nodes")
    assert "allow_remote=True" in str(info.value)
    assert path in str(info.value)


def test_vsi_paths_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="GDAL virtual paths are not accepted"):
        read_layer(f"/vsizip/{tmp_path}/a.zip/a.geojson", kind="nodes")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match=r"nope\.geojson: no such file"):
        read_layer(tmp_path / "nope.geojson", kind="nodes")


def test_unknown_kind(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "n.geojson", good_nodes())
    with pytest.raises(UnknownNameError, match="Did you mean 'nodes'"):
        read_layer(path, kind="node")


def test_row30_unknown_gpkg_layer_lists_layers(tmp_path: Path) -> None:
    path, kwargs = _multilayer_gpkg(tmp_path)
    with pytest.raises(UnknownNameError, match=r"two\.gpkg.*'citys'.*Did you mean 'cities'"):
        read_layer(path, layer="citys", **kwargs)


def test_row34_gpkg_opened_read_only(tmp_path: Path) -> None:
    p = tmp_path / "nodes.gpkg"
    good_nodes_gdf().to_file(p, layer="nodes")
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    mtime = p.stat().st_mtime_ns
    p.chmod(0o444)
    try:
        gdf = read_layer(p, kind="nodes")
    finally:
        p.chmod(0o644)
    assert gdf["node_id"].tolist() == ["ha_noi", "hai_phong", "nam_dinh"]
    assert hashlib.sha256(p.read_bytes()).hexdigest() == digest
    assert p.stat().st_mtime_ns == mtime
    assert not (tmp_path / "nodes.gpkg-wal").exists()


def test_row20_million_vertex_polygon_against_per_feature_limit() -> None:
    n = 1_000_000
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = np.column_stack([106 + 0.1 * np.cos(t), 21 + 0.1 * np.sin(t)])
    poly = shapely.polygons(np.vstack([ring, ring[:1]]))
    gdf = gpd.GeoDataFrame({"code": ["01"]}, geometry=[poly], crs=4326)
    with pytest.raises(ResourceLimitError) as info:
        check_layer(gdf, kind="provinces", name="huge")
    msg = str(info.value)
    assert "huge" in msg
    assert "code '01' (row 0): 1,000,001 vertices" in msg
    assert "max_vertices_per_feature=1,000,000" in msg
    assert "settings.set(max_vertices_per_feature=...)" in msg


def test_row20_per_feature_limit_when_reading(tmp_path: Path) -> None:
    path, _ = _big_polygon_gpkg(tmp_path)
    with (
        settings.override(max_vertices_per_feature=1000),
        pytest.raises(
            ResourceLimitError, match=r"big\.gpkg: 1 feature with more vertices.*5,001 vertices"
        ),
    ):
        read_layer(path, kind="provinces")


def test_row13_missing_crs_in_memory() -> None:
    gdf = good_nodes_gdf().set_crs(None, allow_override=True)
    with pytest.raises(CRSError) as info:
        check_layer(gdf, kind="nodes", name="my nodes")
    assert "my nodes" in str(info.value)
    assert "no coordinate reference system" in str(info.value)
    assert "set_crs('EPSG:4326')" in str(info.value)


def test_row14_crs_mismatch_between_layers() -> None:
    a = good_nodes_gdf()
    b = good_nodes_gdf().to_crs("EPSG:3405")
    with pytest.raises(CRSError) as info:
        align_crs(a, b)
    msg = str(info.value)
    assert "layer 0: EPSG:4326" in msg
    assert "layer 1: EPSG:3405" in msg
    assert "to_crs='first'" in msg


def test_row14_align_crs_reprojects_with_warning() -> None:
    a = good_nodes_gdf()
    b = good_nodes_gdf().to_crs("EPSG:3405")
    with pytest.warns(RepairWarning, match=r"reprojected 1 layer\(s\) to EPSG:4326: layer 1"):
        out = align_crs(a, b, to_crs="first")
    assert out[0] is a
    assert out[1].crs.to_epsg() == 4326
    assert b.crs.to_epsg() == 3405
    np.testing.assert_allclose(out[1].geometry.x, a.geometry.x, atol=1e-6)


def test_row10_points_outside_region_warn(tmp_path: Path) -> None:
    feats = [*good_nodes(), feature({"node_id": "paris"}, point(2.35, 48.85))]
    path = write_fc(tmp_path / "far.geojson", feats)
    with pytest.warns(DataQualityWarning) as rec:
        gdf = read_layer(path, kind="nodes")
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "far.geojson: 1 of 4 features lie far outside" in msg
    assert "node_id 'paris' (row 3)" in msg
    assert "swapped" in msg
    assert len(gdf) == 4  # nothing dropped


# ----------------------------------------------------------------------------- repairs


def _area_km2(msg: str, which: str) -> float:
    m = re.search(rf"([\d,.]+) km² {which}", msg)
    assert m, msg
    return float(m.group(1).replace(",", ""))


def test_row01_row02_bowtie_repaired_with_make_valid_not_buffer0(tmp_path: Path) -> None:
    path = write_fc(
        tmp_path / "bowtie.geojson",
        [feature({"code": "01"}, polygon(*BOWTIE)), feature({"code": "02"}, polygon(*SQUARE))],
    )
    with pytest.warns(RepairWarning) as rec:
        gdf = read_layer(path, kind="provinces", repair=True)
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert "repaired 1 invalid polygon" in msg
    assert "code '01' (row 0): Self-intersection[105.05 21.05]" in msg
    assert "method='structure'" in msg
    # hand-worked: two triangles of 0.1° x 0.05° / 2 each = 0.005 deg²; at 21.05°N one degree
    # is 103.9 km (lon) x 110.7 km (lat), so about 0.005 * 103.9 * 110.7 = 57.5 km².
    assert _area_km2(msg, "after") == pytest.approx(57.5, rel=0.01)
    geom = gdf.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon"
    assert shapely.is_valid(geom)
    # both lobes kept: buffer(0) would keep only one (half the area)
    assert geom.area == pytest.approx(0.005)
    assert shapely.buffer(shapely.Polygon(BOWTIE), 0).area == pytest.approx(0.0025)


def test_row03_make_valid_keeps_only_polygonal_parts() -> None:
    spike = shapely.Polygon(
        [
            (106.0, 20.5),
            (106.2, 20.5),
            (106.2, 20.6),
            (106.3, 20.6),
            (106.2, 20.6),
            (106.2, 20.7),
            (106.0, 20.7),
            (106.0, 20.5),
        ]
    )
    gdf = gpd.GeoDataFrame({"code": ["01"]}, geometry=[spike], crs=4326)
    assert not spike.is_valid
    with pytest.warns(RepairWarning, match=r"repaired 1 invalid polygon.*code '01' \(row 0\)"):
        out = check_layer(gdf, kind="provinces", repair=True)
    assert out.geometry.iloc[0].geom_type == "Polygon"
    assert out.geometry.iloc[0].area == pytest.approx(0.2 * 0.2)


REPAIR_CASES = [
    pytest.param(
        _geojson("null.geojson", [*good_nodes(), feature({"node_id": "x"}, None)], kind="nodes"),
        [r"null\.geojson: dropped 1 feature with a null geometry: node_id 'x' \(row 3\)"],
        3,
        id="row05-null-geometry-dropped",
    ),
    pytest.param(
        _geojson(
            "empty.geojson",
            [
                feature({"code": "01"}, polygon(*SQUARE)),
                feature({"code": "02"}, {"type": "Polygon", "coordinates": []}),
            ],
            kind="provinces",
        ),
        [r"dropped 1 feature with an empty geometry: code '02' \(row 1\)"],
        1,
        id="row04-empty-province-dropped",
    ),
    pytest.param(
        _geojson(
            "z.geojson",
            [
                feature({"corridor_id": "a"}, line((*HN, 1.0), (*HP, 2.0))),
                feature({"corridor_id": "b"}, line((*HN, 1.0), (*ND, 2.0))),
            ],
            kind="corridors",
        ),
        [
            r"dropped the Z coordinate of 2 features \(force_2d\): corridor_id 'a' \(row 0\), "
            r"corridor_id 'b' \(row 1\)"
        ],
        2,
        id="row09-3d-lines-force-2d",
    ),
    pytest.param(
        _geojson(
            "multi.geojson",
            [
                feature(
                    {"corridor_id": "a"},
                    {"type": "MultiLineString", "coordinates": [[list(HN), list(HP)]]},
                )
            ],
            kind="corridors",
        ),
        [r"converted 1 multi-part feature to single parts.*corridor_id 'a' \(row 0\)"],
        1,
        id="row08-single-part-multilinestring",
    ),
    pytest.param(
        _geojson(
            "mp.geojson",
            [
                feature(
                    {"name": "two"}, {"type": "MultiPoint", "coordinates": [list(HN), list(HP)]}
                ),
                feature({"name": "one"}, point(*ND)),
            ],
            kind="points",
        ),
        [r"exploded 1 multi-part feature into single parts \(1 row added, attributes copied\)"],
        3,
        id="row08-multipoint-exploded",
    ),
    pytest.param(
        _geojson(
            "na.geojson",
            [
                feature({"node_id": "a", "population": 1000}, point(*HN)),
                feature({"node_id": "b", "population": "n/a"}, point(*HP)),
                feature({"node_id": "c", "population": "unknown"}, point(*ND)),
            ],
            kind="nodes",
        ),
        [
            r"coerced 2 non-numeric cells in column 'population' to NaN",
            r"node_id 'b' \(row 1\): 'n/a'",
            r"node_id 'c' \(row 2\): 'unknown'",
        ],
        3,
        id="row26-na-coerced",
    ),
]


@pytest.mark.parametrize(("build", "patterns", "n_rows"), REPAIR_CASES)
def test_repair_warns_with_counts(
    tmp_path: Path, build: Builder, patterns: list[str], n_rows: int
) -> None:
    path, kwargs = build(tmp_path)
    with pytest.warns(RepairWarning) as rec:
        gdf = read_layer(path, repair=True, **kwargs)
    assert len(rec) == 1
    msg = str(rec[0].message)
    for pat in patterns:
        assert re.search(pat, msg), f"{pat!r} not in: {msg}"
    assert len(gdf) == n_rows
    assert not gdf.geometry.has_z.any()
    assert rec[0].filename == __file__  # stacklevel points at the caller


def test_row26_coerced_column_is_numeric(tmp_path: Path) -> None:
    path, kwargs = REPAIR_CASES[-1].values[0](tmp_path)
    with pytest.warns(RepairWarning):
        gdf = read_layer(path, repair=True, **kwargs)
    assert gdf["population"].dtype.kind == "f"
    assert gdf["population"].iloc[0] == 1000
    assert gdf["population"].iloc[1:].isna().all()


def test_row04_empty_node_not_dropped_even_with_repair(tmp_path: Path) -> None:
    feats = [*good_nodes(), feature({"node_id": "x"}, {"type": "Point", "coordinates": []})]
    path = write_fc(tmp_path / "e.geojson", feats)
    with pytest.raises(ValidationError, match=r"empty geometry: node_id 'x' \(row 3\)"):
        read_layer(path, kind="nodes", repair=True)


def test_input_file_never_modified(tmp_path: Path) -> None:
    path = write_fc(tmp_path / "bowtie.geojson", [feature({"code": "01"}, polygon(*BOWTIE))])
    before = path.read_bytes()
    with pytest.warns(RepairWarning):
        read_layer(path, kind="provinces", repair=True)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["bowtie.geojson"]


# ----------------------------------------------------------------------------- resource limits
# The files of benchmarks/bench_limits.py, built by the same builders (smaller where a
# limit can be lowered).  These tests assert the refusal; the benchmark reports the time
# and memory each refusal takes with the default limits.


def _bench_limits() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_limits.py"
    spec = importlib.util.spec_from_file_location("_bench_limits", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def no_extraction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fail on any archive extraction; temporary files go to an empty directory we watch."""
    import tarfile
    import tempfile

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        msg = "an archive was extracted"
        raise AssertionError(msg)

    for cls, names in ((zipfile.ZipFile, ("extract", "extractall")), (tarfile.TarFile, ("extract", "extractall"))):  # fmt: skip
        for name in names:
            monkeypatch.setattr(cls, name, refuse)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setenv("CPL_TMPDIR", str(scratch))
    return scratch


@pytest.mark.parametrize("kind", ["zip", "gzip"])
def test_limits_bomb_refused_while_streaming_without_extraction(
    kind: str, tmp_path: Path, no_extraction: Path
) -> None:
    bench = _bench_limits()
    if kind == "zip":
        path = bench.build_zip_bomb(tmp_path / "bomb.zip", mib=6)
    else:
        path = bench.build_gzip_bomb(tmp_path / "bomb.geojson.gz", mib=6)
    assert path.stat().st_size < 64 * 2**10  # a few kB on disk
    listing = sorted(os.listdir(tmp_path))
    with pytest.raises(ResourceLimitError) as info:
        read_layer(path, kind="nodes", max_bytes=4 * 2**20)
    msg = str(info.value)
    assert f"{path.name}" in msg
    assert f"the uncompressed size in bytes (counted while decompressing; a {kind} bomb?)" in msg
    assert "is more than the limit 4,194,304" in msg
    assert "read_layer(..., max_bytes=...)" in msg
    assert "urbanchain.settings.set(max_file_bytes=...)" in msg
    assert sorted(os.listdir(tmp_path)) == listing  # nothing extracted next to the archive
    assert os.listdir(no_extraction) == []  # nor into the temporary directory


def test_limits_default_max_file_bytes_applies_to_archives(tmp_path: Path) -> None:
    bench = _bench_limits()
    path = bench.build_zip_bomb(tmp_path / "bomb.zip", mib=3)
    with settings.override(max_file_bytes=2 * 2**20), pytest.raises(
        ResourceLimitError, match=r"more than the limit 2,097,152"
    ):  # fmt: skip
        read_layer(path, kind="nodes")
    # raised on request, the same archive is read (and is just an empty collection)
    with pytest.raises(ValidationError, match="the file has no features"):
        read_layer(path, kind="nodes", max_bytes=4 * 2**20)


def test_limits_good_archives_are_read_without_extraction(
    tmp_path: Path, no_extraction: Path
) -> None:
    doc = json.dumps({"type": "FeatureCollection", "features": good_nodes()})
    zpath = tmp_path / "nodes.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("nodes.geojson", doc)
    gpath = tmp_path / "nodes.geojson.gz"
    gpath.write_bytes(gzip.compress(doc.encode()))
    for path in (zpath, gpath):
        gdf = read_layer(path, kind="nodes")
        assert gdf["node_id"].tolist() == ["ha_noi", "hai_phong", "nam_dinh"]
    assert sorted(os.listdir(tmp_path)) == ["nodes.geojson.gz", "nodes.zip", "scratch"]
    assert os.listdir(no_extraction) == []


def test_limits_disguised_vrt_is_refused_and_never_opened(tmp_path: Path) -> None:
    bench = _bench_limits()
    secret = tmp_path / "secret.csv"
    path = bench.build_disguised_vrt(tmp_path / "evil.geojson", secret=secret)
    before = secret.stat().st_atime_ns
    for kind in ("points", "nodes"):
        with pytest.raises(InputFileError) as info:
            read_layer(path, kind=kind)
        msg = str(info.value)
        assert "does not look like GeoJSON" in msg
        assert "never lets GDAL guess it from the content" in msg
        assert "top secret" not in msg
    # the driver= escape hatch pins GeoJSON too: still refused
    with pytest.raises(InputFileError, match="does not look like GeoJSON"):
        read_layer(path, kind="points", driver="GeoJSON")
    assert secret.stat().st_atime_ns == before


def test_limits_million_vertex_polygon_file_with_default_limits(tmp_path: Path) -> None:
    bench = _bench_limits()
    path = bench.build_big_polygon_gpkg(tmp_path / "huge.gpkg")
    with pytest.raises(ResourceLimitError) as info:
        read_layer(path, kind="provinces")
    msg = str(info.value)
    assert "huge.gpkg: 1 feature with more vertices than the limit" in msg
    assert "max_vertices_per_feature=1,000,000: code '01' (row 0): 1,000,001 vertices" in msg
    assert "settings.set(max_vertices_per_feature=...)" in msg
    # and the per-layer limit, when lowered for one call
    with settings.override(max_vertices_per_feature=2_000_000), pytest.raises(
        ResourceLimitError, match=r"the layer has 1,000,001 vertices, more than the limit max_vertices=500,000"
    ):  # fmt: skip
        read_layer(path, kind="provinces", max_vertices=500_000)


def test_limits_remote_refused_even_when_allowed() -> None:
    with pytest.raises(InputFileError, match=r"not supported yet even with allow_remote.*download"):
        read_layer("https://example.com/nodes.geojson", kind="nodes", allow_remote=True)
    with settings.override(allow_remote=True), pytest.raises(
        InputFileError, match="not supported yet"
    ):  # fmt: skip
        read_layer("/vsicurl/https://example.com/n.geojson", kind="nodes")


@pytest.mark.parametrize(
    ("setting", "value"),
    [("max_file_bytes", 0), ("max_features", -1), ("max_vertices", 1.5),
     ("max_vertices_per_feature", True), ("allow_remote", "yes")],
)  # fmt: skip
def test_limits_settings_are_validated(setting: str, value: Any) -> None:
    with pytest.raises(ValidationError, match=rf"Setting '{setting}' must be"):
        settings.set(**{setting: value})
    assert settings.get(setting) not in (value,) or isinstance(value, bool)


def _row32_bomb(tmp: Path, n: int = 60_000) -> Path:
    """The catalogue's row-32 shape: many small identical features, deflated ~300x or more.

    It stays under the default byte (1 GiB) and feature (2 M) limits, so only the
    expansion ratio can stop it before GDAL parses it.
    """
    one = json.dumps(
        {
            "type": "Feature",
            "properties": {"node_id": "x", "name": "x", "population": 1},
            "geometry": {"type": "Point", "coordinates": [105.85, 21.03]},
        }
    )
    text = '{"type": "FeatureCollection", "features": [' + ",".join([one] * n) + "]}"
    p = tmp / "row32.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("nodes.geojson", text)
    return p


def test_row32_bomb_refused_by_expansion_ratio_under_default_limits(tmp_path):
    p = _row32_bomb(tmp_path)
    unpacked = sum(i.file_size for i in zipfile.ZipFile(p).infolist())
    assert unpacked > 8 * 2**20  # past the floor below which the ratio is not checked
    assert unpacked / p.stat().st_size > 100
    with pytest.raises(ResourceLimitError) as err:
        read_layer(p, kind="nodes")
    msg = str(err.value)
    assert "row32.zip" in msg
    assert "expands more than 100x" in msg
    assert "max_compression_ratio" in msg


def test_row32_gzip_refused_by_expansion_ratio(tmp_path):
    src = _row32_bomb(tmp_path)
    data = zipfile.ZipFile(src).read("nodes.geojson")
    p = tmp_path / "row32.geojson.gz"
    p.write_bytes(gzip.compress(data))
    with pytest.raises(ResourceLimitError, match=r"gzip file expands more than 100x"):
        read_layer(p, kind="nodes")


def test_expansion_ratio_can_be_raised_for_a_trusted_file(tmp_path):
    p = _row32_bomb(tmp_path)
    # raised, the ratio no longer stops it: duplicate ids are the next (real) problem
    with settings.override(max_compression_ratio=100_000), pytest.raises(
        ValidationError, match="node_id"
    ):
        read_layer(p, kind="nodes")
