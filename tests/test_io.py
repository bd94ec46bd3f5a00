"""Happy paths of urbanchain.io.read_layer for every supported format."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from _layer_builders import HN, good_corridors, good_nodes, good_nodes_gdf, write_fc
from urbanchain.errors import UnknownNameError
from urbanchain.io import read_layer

IDS = ["ha_noi", "hai_phong", "nam_dinh"]


def _check_nodes(gdf: gpd.GeoDataFrame) -> None:
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf["node_id"].tolist() == IDS
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.iloc[0].equals(shapely.Point(105.85, 21.03))
    assert gdf["name"].iloc[0] == "Hà Nội"
    assert gdf["population"].dtype.kind == "f"
    assert gdf["population"].iloc[0] == 8_400_000


def test_geojson(tmp_path: Path) -> None:
    _check_nodes(read_layer(write_fc(tmp_path / "n.geojson", good_nodes()), kind="nodes"))


def test_json_extension_and_corridors(tmp_path: Path) -> None:
    gdf = read_layer(write_fc(tmp_path / "c.json", good_corridors()), kind="corridors")
    assert gdf["corridor_id"].tolist() == ["ct04_ha_noi_hai_phong", "ql21_nam_dinh"]
    assert set(gdf.geom_type) == {"LineString"}


def test_gpkg_with_layer(tmp_path: Path) -> None:
    p = tmp_path / "n.gpkg"
    good_nodes_gdf().to_file(p, layer="cities")
    other = good_nodes_gdf().iloc[:1]
    other.to_file(p, layer="ports")
    _check_nodes(read_layer(p, kind="nodes", layer="cities"))
    assert len(read_layer(p, kind="nodes", layer="ports")) == 1


def test_gpkg_single_layer_needs_no_layer(tmp_path: Path) -> None:
    p = tmp_path / "n.gpkg"
    good_nodes_gdf().to_file(p, layer="cities")
    _check_nodes(read_layer(p, kind="nodes"))


def test_geoparquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    p = tmp_path / "n.parquet"
    good_nodes_gdf().to_parquet(p)
    _check_nodes(read_layer(p, kind="nodes"))


def test_csv(tmp_path: Path) -> None:
    p = tmp_path / "n.csv"
    p.write_text(
        "node_id,name,population,province_2008,lon,lat\n"
        "ha_noi,Hà Nội,8400000,01,105.85,21.03\n"
        "hai_phong,Hải Phòng,2100000,31,106.68,20.86\n"
        "nam_dinh,Nam Định,,36,106.17,20.42\n",
        encoding="utf-8",
    )
    gdf = read_layer(p, kind="nodes", crs="EPSG:4326")
    _check_nodes(gdf)
    assert gdf["province_2008"].tolist() == ["01", "31", "36"]  # codes keep leading zeros
    assert gdf["lon"].iloc[0] == 105.85


def test_csv_custom_columns_and_projected_crs(tmp_path: Path) -> None:
    p = tmp_path / "n.csv"
    p.write_text("id,x,y\n1,588000,2326000\n2,590000,2327000\n")
    gdf = read_layer(p, kind="nodes", id_col="id", lon_col="x", lat_col="y", crs="EPSG:3405")
    assert gdf.crs.to_epsg() == 3405
    assert gdf["id"].tolist() == ["1", "2"]


def test_csv_missing_lon_column(tmp_path: Path) -> None:
    p = tmp_path / "n.csv"
    p.write_text("node_id,longitude,lat\na,105.8,21\n")
    with pytest.raises(UnknownNameError, match=r"n\.csv.*'lon'.*lon_col="):
        read_layer(p, kind="nodes", crs=4326)


def test_zip_geojson(tmp_path: Path) -> None:
    p = tmp_path / "n.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "data/nodes.geojson",
            json.dumps({"type": "FeatureCollection", "features": good_nodes()}),
        )
        zf.writestr("README.txt", "not data")
    _check_nodes(read_layer(p, kind="nodes"))
    assert sorted(x.name for x in tmp_path.iterdir()) == ["n.zip"]  # nothing extracted


def test_zip_gpkg_csv_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    gpkg = tmp_path / "n.gpkg"
    good_nodes_gdf().to_file(gpkg, layer="cities")
    buf = io.BytesIO()
    good_nodes_gdf().to_parquet(buf)
    for name, data in (
        ("n.gpkg", gpkg.read_bytes()),
        ("n.parquet", buf.getvalue()),
        (
            "n.csv",
            "node_id,name,population,lon,lat\nha_noi,Hà Nội,8400000,105.85,21.03\n"
            "hai_phong,Hải Phòng,2100000,106.68,20.86\nnam_dinh,Nam Định,,106.17,20.42\n",
        ),
    ):
        z = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(name, data)
        _check_nodes(read_layer(z, kind="nodes", crs="EPSG:4326" if name.endswith("csv") else None))


def test_gzip_geojson(tmp_path: Path) -> None:
    p = tmp_path / "n.geojson.gz"
    doc = json.dumps({"type": "FeatureCollection", "features": good_nodes()})
    p.write_bytes(gzip.compress(doc.encode()))
    _check_nodes(read_layer(p, kind="nodes"))


def test_latin1_with_encoding(tmp_path: Path) -> None:
    p = tmp_path / "l.geojson"
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Cà Mau"},
                "geometry": {"type": "Point", "coordinates": list(HN)},
            }
        ],
    }
    p.write_bytes(json.dumps(doc, ensure_ascii=False).encode("latin-1"))
    gdf = read_layer(p, kind="points", encoding="latin-1")
    assert gdf["name"].tolist() == ["Cà Mau"]


def test_driver_overrides_extension(tmp_path: Path) -> None:
    p = write_fc(tmp_path / "nodes.txt", good_nodes())
    _check_nodes(read_layer(p, kind="nodes", driver="GeoJSON"))
    with pytest.raises(
        UnknownNameError,
        # "did you mean" compares folded names, so case no longer hides the match
        match=r"Unknown driver 'GeoJson'\. Did you mean 'GeoJSON'\? Valid drivers: 'CSV', 'GPKG'",
    ):
        read_layer(p, kind="nodes", driver="GeoJson")


def test_crs_argument_relabels(tmp_path: Path) -> None:
    feats = [
        {
            "type": "Feature",
            "properties": {"node_id": "a"},
            "geometry": {"type": "Point", "coordinates": [588000.0, 2326000.0]},
        }
    ]
    gdf = read_layer(write_fc(tmp_path / "u.geojson", feats), kind="nodes", crs="EPSG:3405")
    assert gdf.crs.to_epsg() == 3405


def test_lines_kind_without_ids_and_provinces(tmp_path: Path) -> None:
    feats = [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "MultiLineString", "coordinates": [[[105, 21], [106, 21]]]},
        }
    ]
    gdf = read_layer(write_fc(tmp_path / "l.geojson", feats), kind="lines")
    assert len(gdf) == 1


def test_returned_frame_is_new(tmp_path: Path) -> None:
    p = write_fc(tmp_path / "n.geojson", good_nodes())
    a = read_layer(p, kind="nodes")
    b = read_layer(p, kind="nodes")
    assert a is not b
    a.loc[0, "node_id"] = "changed"
    assert b.loc[0, "node_id"] == "ha_noi"


# ----------------------------------------------------------------------------- reader branches
# One test per branch of _readers.py that the catalogue does not reach: odd but real
# archives, corrupt GeoPackages and Parquet files, CSV parse errors, and the GeoJSON
# re-parse that tells null geometries from unreadable ones.

import sqlite3  # noqa: E402
import struct  # noqa: E402
import zlib  # noqa: E402

import pandas as pd  # noqa: E402

from urbanchain.errors import (  # noqa: E402
    CRSError,
    DataNotFoundError,
    InputFileError,
    ResourceLimitError,
    ValidationError,
)

CSV = "node_id,kind,lon,lat\nha_noi,city,105.85,21.03\nhai_phong,city,106.68,20.86\n"


def _nodes_doc() -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": good_nodes()}).encode()


def test_csv_inside_gzip(tmp_path: Path) -> None:
    p = tmp_path / "nodes.csv.gz"
    p.write_bytes(gzip.compress(CSV.encode()))
    gdf = read_layer(p, kind="nodes", crs="EPSG:4326")
    assert gdf["node_id"].tolist() == ["ha_noi", "hai_phong"]


def test_directory_and_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="is not a regular file"):
        read_layer(tmp_path, kind="nodes")
    with pytest.raises(DataNotFoundError, match="no such file"):
        read_layer(tmp_path / "nope.geojson", kind="nodes")
    with pytest.raises(InputFileError, match=r"path must be a file path.*got NoneType"):
        read_layer(None, kind="nodes")  # type: ignore[arg-type]


def test_unknown_encoding_is_refused_before_reading(tmp_path: Path) -> None:
    from urbanchain.errors import UnknownNameError as Unknown

    p = write_fc(tmp_path / "n.geojson", good_nodes())
    for bad in ("not-a-codec", "\x00"):
        with pytest.raises(Unknown, match=r"Unknown text encoding.*'latin-1'"):
            read_layer(p, kind="nodes", encoding=bad)


def test_zip_skips_folders_mac_metadata_and_hidden_files(tmp_path: Path) -> None:
    p = tmp_path / "n.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("data/", b"")
        zf.writestr("__MACOSX/data/._n.geojson", b"junk")
        zf.writestr("data/.hidden.geojson", b"junk")
        zf.writestr("data/readme.txt", b"about")
        zf.writestr("data/n.geojson", _nodes_doc())
    assert read_layer(p, kind="nodes")["node_id"].tolist() == IDS


def test_zip_without_data_file(tmp_path: Path) -> None:
    p = tmp_path / "n.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", b"about")
    with pytest.raises(InputFileError, match=r"holds no data file.*it holds: readme\.txt"):
        read_layer(p, kind="nodes")


def test_stored_zip_is_read(tmp_path: Path) -> None:
    p = tmp_path / "n.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("n.geojson", _nodes_doc())
    assert read_layer(p, kind="nodes")["node_id"].tolist() == IDS


def _patched_zip(tmp_path: Path, patch: str) -> Path:
    buf = io.BytesIO()
    method = zipfile.ZIP_BZIP2 if patch == "bzip2" else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr("n.geojson", _nodes_doc())
    data = bytearray(buf.getvalue())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    if patch == "encrypted":
        struct.pack_into("<H", data, local + 6, 1)
        struct.pack_into("<H", data, central + 8, 1)
    elif patch == "local-header":
        data[local : local + 4] = b"XX\x03\x04"
    elif patch == "corrupt-deflate":
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        start = local + 30 + name_len
        data[start] = 0xFF  # block type 3: invalid
    elif patch == "offset-outside":
        # found by the fuzzer: a central directory whose header offset is negative
        struct.pack_into("<i", data, central + 42, -4)
    elif patch == "stored-ends-early":
        # a stored member whose declared size runs past the end of the file
        name = b"n.geojson"
        body = _nodes_doc()[:30]
        fake = struct.pack(
            "<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 10**6, 10**6, len(name), 0
        )
        fake += name + body
        struct.pack_into("<I", data, central + 42, len(data))
        struct.pack_into("<H", data, central + 10, 0)  # method: stored
        struct.pack_into("<I", data, central + 20, 10**6)  # compressed size
        data[-2:] = struct.pack("<H", len(fake))
        data += fake
    elif patch == "ends-early":
        # The central directory points at a local header hidden in the archive comment,
        # whose deflate stream is cut: decompression runs into the end of the file.
        member = zlib.compressobj(9, zlib.DEFLATED, -15)
        cut = (member.compress(_nodes_doc()) + member.flush(zlib.Z_SYNC_FLUSH))[:40]
        name = b"n.geojson"
        fake = struct.pack(
            "<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, 10**6, 10**6, len(name), 0
        )
        fake += name + cut
        struct.pack_into("<I", data, central + 42, len(data))
        data[-2:] = struct.pack("<H", len(fake))
        data += fake
    p = tmp_path / f"{patch}.zip"
    p.write_bytes(bytes(data))
    return p


@pytest.mark.parametrize(
    ("patch", "pattern"),
    [
        ("encrypted", r"member 'n\.geojson'\): the member is encrypted"),
        ("bzip2", r"compression method 12 is not supported \(only stored and deflate\)"),
        ("local-header", r"corrupt zip \(bad local header\); re-download"),
        ("corrupt-deflate", r"corrupt compressed data \(.*\); re-download or re-create"),
        ("ends-early", r"the compressed data ends early \(truncated archive\?\)"),
        (
            "offset-outside",
            r"corrupt zip \(the member's header offset -?\d+ lies outside the file\)",
        ),
        ("stored-ends-early", r"declares \d[\d,]* uncompressed bytes .* holds 30 bytes"),
    ],
)
def test_odd_zip_archives_are_refused(tmp_path: Path, patch: str, pattern: str) -> None:
    p = _patched_zip(tmp_path, patch)
    with pytest.raises(InputFileError, match=pattern):
        read_layer(p, kind="nodes")


def _gpkg(tmp_path: Path, sql: str | None) -> Path:
    p = tmp_path / "n.gpkg"
    good_nodes_gdf().to_file(p, layer="nodes")
    if sql is not None:
        con = sqlite3.connect(p)
        try:
            for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'"):
                con.execute(f'DROP TRIGGER "{name}"')
            con.execute(sql)
            con.commit()
        finally:
            con.close()
    return p


def test_corrupt_geopackages(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.gpkg"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(InputFileError, match=r"garbage\.gpkg: could not be read as a GeoPackage"):
        read_layer(garbage, kind="nodes")
    renamed = _gpkg(tmp_path, "ALTER TABLE nodes RENAME COLUMN geom TO g2")
    with pytest.raises(InputFileError, match=r"could not be read as a GeoPackage.*no such column"):
        read_layer(renamed, kind="nodes")


def test_geopackage_without_layers(tmp_path: Path) -> None:
    p = _gpkg(tmp_path, "DROP TABLE nodes")
    with pytest.raises(InputFileError, match=r"n\.gpkg: holds no layer"):
        read_layer(p, kind="nodes")


def test_bad_parquet_files(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1" + b"\x00" * 64)
    with pytest.raises(InputFileError, match=r"junk\.parquet: not a readable Parquet file"):
        read_layer(junk, kind="nodes")
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"node_id": ["a"], "lon": [105.8], "lat": [21.0]}).to_parquet(plain)
    with pytest.raises(
        InputFileError, match=r"(?s)is Parquet but not GeoParquet.*CSV with lon/lat"
    ):
        read_layer(plain, kind="nodes")
    many = tmp_path / "many.parquet"
    good_nodes_gdf().to_parquet(many)
    with pytest.raises(ResourceLimitError, match=r"feature count \(3\) is more than the limit 2"):
        read_layer(many, kind="nodes", max_features=2)


def test_bad_csv_files(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("node_id,lon,lat\na,105.8,21.0\nb,106.0,21.0,3\n")
    with pytest.raises(InputFileError, match=r"ragged\.csv: could not be parsed as CSV"):
        read_layer(ragged, kind="nodes", crs="EPSG:4326")
    # every row longer than the header: pandas would make the first fields an index
    shifted = tmp_path / "shifted.csv"
    shifted.write_text("node_id,lon,lat\na,x,105.8,21.0\n")
    with pytest.raises(InputFileError, match=r"shifted\.csv: some rows have more fields than"):
        read_layer(shifted, kind="nodes", crs="EPSG:4326")
    many = tmp_path / "many.csv"
    many.write_text(CSV)
    with pytest.raises(ResourceLimitError, match=r"feature count \(2\) is more than the limit 1"):
        read_layer(many, kind="nodes", crs="EPSG:4326", max_features=1)
    bad = tmp_path / "bad.csv"
    bad.write_text("node_id,kind,lon,lat\na,city,105.8,21\nb,city,x,\n")
    with pytest.raises(ValidationError, match=r"column 'lon' must hold numbers.*row 1: 'x'"):
        read_layer(bad, kind="nodes", crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"crs='EPSG:99999' is not a coordinate reference system"):
        read_layer(many, kind="nodes", crs="EPSG:99999")


def test_null_geometry_in_latin1_geojson_is_still_reported(tmp_path: Path) -> None:
    # Python's json cannot re-read a latin-1 file: the re-parse is skipped, and the
    # missing geometry is reported as null (not unreadable).
    p = tmp_path / "latin.geojson"
    doc = '{"type":"FeatureCollection","features":[{"type":"Feature","properties":' + (
        '{"node_id":"caf\u00e9","kind":"city"},"geometry":null}]}'
    )
    p.write_bytes(doc.encode("latin-1"))
    with pytest.raises(ValidationError, match=r"null geometry: node_id 'caf\u00e9' \(row 0\)"):
        read_layer(p, kind="nodes", encoding="latin-1")


def test_bare_feature_with_null_geometry(tmp_path: Path) -> None:
    p = tmp_path / "one.geojson"
    p.write_text(json.dumps({"type": "Feature", "properties": {"node_id": "a"}, "geometry": None}))
    with pytest.raises(ValidationError, match=r"null geometry: node_id 'a' \(row 0\)"):
        read_layer(p, kind="nodes")


def test_unknown_geometry_type_with_empty_coordinates_is_unreadable(tmp_path: Path) -> None:
    p = write_fc(
        tmp_path / "foo.geojson",
        [*good_nodes(), {"type": "Feature", "properties": {"node_id": "x"},
                         "geometry": {"type": "Foo", "coordinates": []}}],
    )  # fmt: skip
    with pytest.raises(ValidationError, match=r"could not be read.*node_id 'x' \(row 3\)"):
        read_layer(p, kind="nodes")


def test_files_that_are_not_what_their_extension_says(tmp_path: Path) -> None:
    cases = {
        "bad.zip": (b"PK but not really a zip", r"bad\.zip: not a readable zip archive"),
        "bad.geojson.gz": (b"\x1f\x8b\x08garbage", r"not a readable gzip file"),
        "bad.parquet": (b"{not parquet}", r"bad\.parquet: is not a Parquet file \(no 'PAR1'"),
    }
    for name, (data, pattern) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(InputFileError, match=pattern):
            read_layer(p, kind="nodes")


def test_non_utf8_layer_name_asks_for_an_encoding(tmp_path: Path) -> None:
    p = tmp_path / "name.geojson"
    p.write_bytes(
        b'{"type":"FeatureCollection","name":"caf\xe9","features":[{"type":"Feature",'
        b'"properties":{"node_id":"a","kind":"city"},'
        b'"geometry":{"type":"Point","coordinates":[105.8,21]}}]}'
    )
    with pytest.raises(InputFileError, match=r"not valid UTF-8 .*encoding='latin-1'"):
        read_layer(p, kind="nodes")


def test_crs_equal_to_the_files_is_accepted(tmp_path: Path) -> None:
    p = write_fc(tmp_path / "n.geojson", good_nodes())
    assert read_layer(p, kind="nodes", crs="EPSG:4326").crs.to_epsg() == 4326


def _fc_bytes(n: int) -> bytes:
    feats = [
        {"type": "Feature", "properties": {"node_id": f"n{i}", "kind": "city"},
         "geometry": {"type": "Point", "coordinates": [105.0 + i * 1e-4, 21.0]}}
        for i in range(n)
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode()


def test_geojson_feature_count_is_checked_before_parsing(tmp_path: Path) -> None:
    # One '"Feature"' token straddles the 1 MiB read boundary: it must count once.
    doc = _fc_bytes(40)
    token = b'"Feature"'
    at = doc.index(token, doc.index(token) + 1)  # the second feature's token
    chunk = 2**20
    doc = doc[:at] + b" " * (chunk - 4 - at) + doc[at:]
    assert doc.index(token, chunk - 10) == chunk - 4
    plain = tmp_path / "n.geojson"
    plain.write_bytes(doc)
    zipped = tmp_path / "n.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("n.geojson", doc)
    gz = tmp_path / "n.geojson.gz"
    gz.write_bytes(gzip.compress(doc))
    for path in (plain, zipped, gz):
        with pytest.raises(
            ResourceLimitError, match=r"feature count \(counted before parsing\) \(40\) is more than the limit 39"
        ):  # fmt: skip
            read_layer(path, kind="nodes", max_features=39)
        assert len(read_layer(path, kind="nodes", max_features=40)) == 40


def test_feature_count_is_checked_again_after_parsing(tmp_path: Path) -> None:
    # '"type": "\u0046eature"' hid the token from the pre-count; it is now decoded
    # before counting (issue 13), so the file is refused before parsing.
    doc = _fc_bytes(5).replace(b'"Feature"', b'"\\u0046eature"')
    assert b'"Feature"' not in doc
    p = tmp_path / "escaped.geojson"
    p.write_bytes(doc)
    with pytest.raises(
        ResourceLimitError, match=r"escaped\.geojson: the feature count \(counted before parsing\) \(5\)"
    ):
        read_layer(p, kind="nodes", max_features=4)
    assert len(read_layer(p, kind="nodes")) == 5


def test_fuzzer_found_zip_with_negative_header_offset(tmp_path: Path) -> None:
    # The exact file the read_layer fuzzer produced (a zip whose local header magic was
    # overwritten): zipfile computes a negative header offset and seek() raised OSError.
    data = (
        b"null\x00\x00\x00\x08\x00pnv]\xf8\x1a\xb5\xb5Q\x00\x00\x00^\x00\x00\x00\x05\x00\x00\x00n.csv"
        b"5\xca1\x0e\x80 \x10\x05\xd1\xde\xb3\xfc\x90\x05\x85p\x1bB\xc4\xc8F\xb2K\x81\x85\xb7\x17"
        b"\x0b\xa7\x99\xe6\x89\x96#q\xc1\xc5R\xd0T\xd0\xf2@\xd7~\xcf\xb3\xcaRs\x12e\xec<\x1eX\xf2&"
        b"z8khE\xdc\xe8k\x02N\xbd\xaa\x9c\xbf\t&D821`y\x01PK\x01\x02\x14\x03\x14\x00\x00\x00\x08"
        b"\x00pnv]\xf8\x1a\xb5\xb5Q\x00\x00\x00^\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00"
        b"\x00\x00\x00\x80\x01\x00\x00\x00\x00n.csvPK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x003"
        b"\x00\x00\x00t\x00\x00\x00\x00\x00"
    )
    p = tmp_path / "fuzz.zip"
    p.write_bytes(data)
    with pytest.raises(InputFileError, match=r"corrupt zip \(the member's header offset -\d+"):
        read_layer(p, kind="nodes")
