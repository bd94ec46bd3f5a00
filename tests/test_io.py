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
        match=r"Unknown driver 'GeoJson'\. Valid drivers: 'CSV', 'GPKG', 'GeoJSON'",
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
