"""urbanchain.layers: schemas, the validation report, check_layer and align_crs."""

from __future__ import annotations

import copy
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from _layer_builders import BOWTIE, HN, HP, good_nodes_gdf
from urbanchain.errors import (
    CRSError,
    RepairWarning,
    UnknownNameError,
    ValidationError,
)
from urbanchain.layers import (
    LAYER_SCHEMAS,
    ValidationReport,
    align_crs,
    check_layer,
    validate_layer,
)


def test_schemas_cover_every_kind() -> None:
    assert set(LAYER_SCHEMAS) == {"provinces", "nodes", "corridors", "lines", "polygons", "points"}
    assert LAYER_SCHEMAS["nodes"].id_col == "node_id"
    assert LAYER_SCHEMAS["corridors"].id_col == "corridor_id"
    assert LAYER_SCHEMAS["nodes"].geometry_types == ("Point",)
    assert "population" in LAYER_SCHEMAS["nodes"].numeric_columns
    assert "length_official_km" in LAYER_SCHEMAS["corridors"].numeric_columns
    assert LAYER_SCHEMAS["corridors"].categories["mode"] == {
        "expressway",
        "highway",
        "railway",
        "waterway",
        "sea",
        "air",
    }


def test_clean_layer_report() -> None:
    report = validate_layer(good_nodes_gdf(), kind="nodes", name="nodes")
    assert report.ok
    assert report.errors == report.repairs == report.warnings == []
    assert report.data is None
    assert str(report).startswith("nodes (kind 'nodes', 3 features): OK")


def test_report_rows_ids_and_text() -> None:
    gdf = good_nodes_gdf()
    gdf.loc[2, "node_id"] = "ha_noi"
    gdf["population"] = gdf["population"].astype(object)
    gdf.loc[1, "population"] = "n/a"
    report = validate_layer(gdf, kind="nodes", name="mine")
    assert not report.ok
    codes = {i.code: i for i in report.errors}
    assert set(codes) == {"duplicate_id", "non_numeric"}
    assert codes["duplicate_id"].rows == (0, 2)
    assert codes["duplicate_id"].ids == ("ha_noi", "ha_noi")
    assert codes["non_numeric"].rows == (1,)
    assert codes["non_numeric"].count == 1
    text = str(report)
    assert "2 error(s)" in text
    assert "ERROR: mine: duplicate ids in column 'node_id'" in text
    assert isinstance(report, ValidationReport)


def test_repr_html_escapes() -> None:
    gdf = good_nodes_gdf()
    gdf.loc[0, "node_id"] = "<script>x</script>"
    gdf.loc[1, "node_id"] = "<script>x</script>"
    html = validate_layer(gdf, kind="nodes", name="<b>n</b>")._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;n&lt;/b&gt;" in html


def test_check_layer_raises_report_text() -> None:
    gdf = good_nodes_gdf()
    gdf.loc[1, "node_id"] = None
    with pytest.raises(ValidationError, match=r"nodes \(kind 'nodes', 3 features\): 1 error"):
        check_layer(gdf, kind="nodes", name="nodes")


def test_crs_only_errors_raise_crserror() -> None:
    gdf = gpd.GeoDataFrame({"node_id": ["a"]}, geometry=[shapely.Point(588000, 2326000)], crs=4326)
    with pytest.raises(CRSError, match="look projected"):
        check_layer(gdf, kind="nodes")


def test_unknown_kind_and_id_col() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'corridors'"):
        validate_layer(good_nodes_gdf(), kind="corridor")
    with pytest.raises(UnknownNameError, match="Did you mean 'node_id'"):
        validate_layer(good_nodes_gdf(), kind="nodes", id_col="nodeid")


def test_not_a_geodataframe() -> None:
    with pytest.raises(ValidationError, match="expected a GeoDataFrame"):
        validate_layer(pd.DataFrame({"a": [1]}), kind="points")  # type: ignore[arg-type]


def test_lines_given_id_col_must_be_unique() -> None:
    gdf = gpd.GeoDataFrame(
        {"seg": ["s1", "s1"]},
        geometry=[shapely.LineString([HN, HP]), shapely.LineString([HP, HN])],
        crs=4326,
    )
    assert validate_layer(gdf, kind="lines").ok
    report = validate_layer(gdf, kind="lines", id_col="seg")
    assert [i.code for i in report.errors] == ["duplicate_id"]


def test_row07_nan_in_memory() -> None:
    gdf = good_nodes_gdf()
    gdf.loc[0, "geometry"] = shapely.Point(np.inf, 21.0)
    report = validate_layer(gdf, kind="nodes")
    assert [i.code for i in report.errors] == ["nonfinite_coordinates"]
    assert "node_id 'ha_noi' (row 0): (inf, 21)" in report.errors[0].message


def test_validate_and_check_never_mutate_inputs() -> None:
    gdf = gpd.GeoDataFrame(
        {"code": ["01", "02"], "population": ["n/a", "5"]},
        geometry=[
            shapely.Polygon(BOWTIE),
            shapely.Polygon([(106, 20, 1), (106.1, 20, 1), (106.1, 20.1, 1), (106, 20, 1)]),
        ],
        crs=4326,
    )
    before = copy.deepcopy(gdf)
    validate_layer(gdf, kind="provinces", repair=True)
    validate_layer(gdf, kind="provinces")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = check_layer(gdf, kind="provinces", repair=True)
    assert {type(w.message) for w in rec} == {RepairWarning}
    assert len(rec) == 3, [str(w.message) for w in rec]  # Z dropped, polygon repaired, cell coerced
    assert_geodataframe_equal(gdf, before)
    assert gdf.geometry.iloc[0].equals(shapely.Polygon(BOWTIE))
    assert gdf.geometry.has_z.iloc[1]
    assert gdf["population"].tolist() == ["n/a", "5"]
    assert out is not gdf
    assert out["population"].iloc[1] == 5
    assert not out.geometry.has_z.any()


def test_validate_report_holds_repaired_copy() -> None:
    gdf = good_nodes_gdf()
    gdf.loc[1, "geometry"] = None
    report = validate_layer(gdf, kind="nodes", repair=True)
    assert report.ok
    assert [i.code for i in report.repairs] == ["null_geometry_dropped"]
    assert report.data is not None
    assert report.data["node_id"].tolist() == ["ha_noi", "nam_dinh"]
    assert report.data.index.tolist() == [0, 2]  # index points back to the input
    assert len(gdf) == 3


def test_align_crs_missing_crs() -> None:
    a = good_nodes_gdf()
    b = good_nodes_gdf().set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match=r"layer\(s\) 1 .* have no CRS"):
        align_crs(a, b)


def test_align_crs_same_crs_returns_inputs() -> None:
    a, b = good_nodes_gdf(), good_nodes_gdf()
    out = align_crs(a, b)
    assert out[0] is a
    assert out[1] is b


def test_align_crs_explicit_target() -> None:
    a = good_nodes_gdf()
    with pytest.warns(RepairWarning, match="reprojected 1 layer"):
        (out,) = align_crs(a, to_crs="EPSG:3405")
    assert out.crs.to_epsg() == 3405
    assert a.crs.to_epsg() == 4326
