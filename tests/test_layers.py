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
        "road",
        "access",
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


# ----------------------------------------------------------------------------- branches
# Each test below exercises one branch of _validate.py / layers.py / _weights.py that the
# catalogue does not reach, through the public API.


def _nodes(ids: list[object], **cols: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"node_id": ids, "kind": "city", **cols},
        geometry=[shapely.Point(105.0 + 0.1 * i, 21.0) for i in range(len(ids))],
        crs="EPSG:4326",
    )


def test_unhashable_multi_element_ids_are_named() -> None:
    report = validate_layer(_nodes([["a", "b"], ["c"]]), kind="nodes")
    [issue] = report.errors
    assert issue.code == "unhashable_id"
    assert "node_id ['a', 'b'] (row 0)" in issue.message
    assert issue.rows == (0, 1)


@pytest.mark.parametrize(
    ("ids", "families"),
    [([True, "a"], "bool, text"), ([(1, 2), "a"], "text, tuple"), ([1, 2.5, np.int64(3)], None)],
)
def test_id_type_families(ids: list[object], families: str | None) -> None:
    report = validate_layer(_nodes(ids), kind="nodes")
    if families is None:  # int, float and numpy ints are all numbers: one family
        assert report.ok
        return
    [issue] = report.errors
    assert issue.code == "mixed_id_types"
    assert f"mix types ({families})" in issue.message


def test_lines_layer_without_id_column_is_fine() -> None:
    lines = gpd.GeoDataFrame(
        {"mode": ["road"]}, geometry=[shapely.LineString([HN, HP])], crs="EPSG:4326"
    )
    assert validate_layer(lines, kind="lines").ok


def test_nan_in_3d_coordinates_is_shown_with_z() -> None:
    gdf = _nodes(["a"])
    gdf = gdf.set_geometry([shapely.Point(105.0, np.nan, 5.0)], crs="EPSG:4326")
    errors = {i.code: i.message for i in validate_layer(gdf, kind="nodes").errors}
    assert "node_id 'a' (row 0): (105, nan, 5)" in errors["nonfinite_coordinates"]


def test_touching_multilinestring_is_merged_into_one_line() -> None:
    mls = shapely.MultiLineString([[HN, (106.0, 21.0)], [(106.0, 21.0), HP]])
    gdf = gpd.GeoDataFrame(
        {"corridor_id": ["c"], "mode": ["highway"], "status": ["operational"]},
        geometry=[mls],
        crs="EPSG:4326",
    )
    with pytest.warns(RepairWarning) as rec:
        out = check_layer(gdf, kind="corridors", repair=True)
    assert [str(w.message) for w in rec] == [
        "layer: converted 1 multi-part feature to single parts (one part, or lines that merge "
        "into one): corridor_id 'c' (row 0)."
    ]
    assert out.geometry.iloc[0].geom_type == "LineString"
    assert len(out) == 1


def test_geocentric_crs_is_refused() -> None:
    gdf = _nodes(["a"]).set_crs("EPSG:4978", allow_override=True)
    report = validate_layer(gdf, kind="nodes")
    [issue] = report.errors
    assert issue.code == "unknown_crs"
    assert "neither geographic nor projected" in issue.message
    assert "crs='EPSG:4326'" in issue.message
    with pytest.raises(CRSError):
        report.raise_for_errors()


def test_polygon_collapsing_to_nothing_is_an_error_even_with_repair() -> None:
    # back and forth along one line: invalid (self-intersection), and nothing is left
    flat = shapely.Polygon([(105, 21), (105.2, 21.2), (105.1, 21.1), (105.3, 21.3), (105, 21)])
    gdf = gpd.GeoDataFrame({"code": ["01"]}, geometry=[flat], crs="EPSG:4326")
    report = validate_layer(gdf, kind="provinces", repair=True)
    [issue] = report.errors
    assert issue.code == "invalid_geometry_collapsed"
    assert "1 polygon collapsed to nothing when repaired with make_valid" in issue.message
    assert "code '01' (row 0)" in issue.message
    assert "Fix or remove these geometries by hand" in issue.message
    assert report.data is None


@pytest.mark.parametrize(
    ("crs", "scale", "unit"),
    [("EPSG:3405", 1e6, "km²"), (None, 1.0, "units²"), ("EPSG:2249", 1e6 / 0.3048**2, "km²")],
)
def test_repair_reports_area_in_projected_and_unknown_units(
    crs: str | None, scale: float, unit: str
) -> None:
    # a 1000 x 1000 bow-tie in metres (or unknown units): area 0 before, 2 x 250,000 after
    bowtie = shapely.Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000), (0, 0)])
    gdf = gpd.GeoDataFrame({"code": ["01"]}, geometry=[bowtie], crs=crs)
    report = validate_layer(gdf, kind="provinces", repair=True)
    [repair] = report.repairs
    after = 500_000 / scale
    assert f"total area 0.000 {unit} before, {after:,.3f} {unit} after" in repair.message
    assert [i.code for i in report.errors] == ([] if crs else ["missing_crs"])


def test_numeric_text_column_is_converted_silently() -> None:
    gdf = _nodes(["a", "b"], population=["10", "20.5"])
    report = validate_layer(gdf, kind="nodes", repair=True)
    assert report.ok
    assert not report.repairs
    assert report.data is not None
    assert report.data["population"].tolist() == [10.0, 20.5]
    assert gdf["population"].tolist() == ["10", "20.5"]  # the caller's frame is untouched


def test_frame_without_active_geometry_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"no active geometry column.*set_geometry"):
        validate_layer(gpd.GeoDataFrame({"node_id": ["a"]}), kind="nodes")


def test_align_crs_edge_cases() -> None:
    assert align_crs() == []
    a = good_nodes_gdf()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = align_crs(a, a.copy(), to_crs="EPSG:4326")  # nothing to move: no warning
    assert out[0] is a
    far = gpd.GeoDataFrame(geometry=[shapely.Point(0.0, 95.0)], crs="EPSG:4326")
    with pytest.raises(
        CRSError, match=r"layer 1: reprojecting from EPSG:4326 to EPSG:3857 gave infinite"
    ):
        align_crs(a.to_crs(3857), far, to_crs="first")


def test_weight_gate_on_a_simple_graph() -> None:
    import networkx as nx

    from urbanchain import metrics
    from urbanchain.errors import WeightError

    G = nx.Graph()
    G.add_edge("a", "b", time_min=2.0)
    G.add_edge("b", "c", time_min=-1.0)
    with pytest.raises(WeightError, match=r"negative on 1 edge\(s\) \(edge ids: b-c\)"):
        metrics.od_matrix(G, sources=["a"], targets=["c"])
    G.edges["b", "c"]["time_min"] = 3.0
    assert metrics.od_matrix(G, sources=["a"], targets=["c"]).loc["a", "c"] == 5.0


def test_zero_area_polygon_is_an_error() -> None:
    # collinear vertices: GEOS calls it valid, yet it has area 0 and contains nothing
    flat = shapely.Polygon([(105.0, 21.0), (105.1, 21.1), (105.2, 21.2), (105.0, 21.0)])
    assert flat.is_valid
    gdf = gpd.GeoDataFrame(
        {"code": ["01", "02"]}, geometry=[shapely.box(105, 21, 106, 22), flat], crs="EPSG:4326"
    )
    for repair in (False, True):
        report = validate_layer(gdf, kind="provinces", repair=repair)
        [issue] = report.errors
        assert issue.code == "zero_area_polygon"
        assert "1 polygon with zero area" in issue.message
        assert "code '02' (row 1)" in issue.message
        assert "Fix the geometry in your GIS or remove the feature" in issue.message


def test_provinces_without_code_column_are_fine() -> None:
    gdf = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.box(105, 21, 106, 22)], crs=4326)
    assert validate_layer(gdf, kind="provinces").ok


def test_multi_geometries_that_cannot_be_made_single() -> None:
    two = shapely.MultiLineString([[HN, (106.0, 21.0)], [(106.2, 21.0), HP]])  # disjoint
    pts = shapely.MultiPoint([HN, HP])
    corridors = gpd.GeoDataFrame(
        {"corridor_id": ["two"], "mode": ["highway"], "status": ["operational"]},
        geometry=[two],
        crs=4326,
    )
    report = validate_layer(corridors, kind="corridors", repair=True)
    assert [i.code for i in report.errors] == ["geometry_type"]
    assert "corridor_id 'two' (row 0)" in report.errors[0].message
    # a MultiPoint in a corridor layer: not a multi-line, so never converted
    corridors = corridors.set_geometry([pts], crs=4326)
    assert [i.code for i in validate_layer(corridors, kind="corridors", repair=True).errors] == [
        "geometry_type"
    ]
    # a polygon in an id-less lines layer: explodable layer, but nothing multi to explode
    lines = gpd.GeoDataFrame(geometry=[shapely.box(105, 21, 106, 22)], crs=4326)
    assert [i.code for i in validate_layer(lines, kind="lines", repair=True).errors] == [
        "geometry_type"
    ]


def test_many_duplicates_are_summarised() -> None:
    gdf = _nodes(["same"] * 14)
    [issue] = validate_layer(gdf, kind="nodes").errors
    assert "(and 4 more)" in issue.message
    assert issue.count == 14


def test_zero_length_is_allowed_for_lengths_only() -> None:
    import networkx as nx

    from urbanchain import metrics
    from urbanchain.errors import WeightError

    G = nx.MultiGraph()
    G.add_node("a", x=105.0, y=21.0)
    G.add_node("a@rail", x=105.0, y=21.0)
    G.add_node("b", x=105.1, y=21.0)
    G.add_edge("a", "a@rail", length_km=0.0, time_min=5.0, edge_id="transfer")
    G.add_edge("a@rail", "b", length_km=10.0, time_min=10.0, edge_id="rail")
    indices = metrics.network_indices(G)
    assert indices["e"] == 2
    G.edges["a", "a@rail", 0]["time_min"] = 0.0
    with pytest.raises(WeightError, match=r"zero on 1 edge\(s\) \(edge ids: transfer\)"):
        metrics.od_matrix(G, sources=["a"], targets=["b"])


def test_several_repairs_share_one_copy() -> None:
    gdf = _nodes(["a", "b", "c"], population=["10", "n/a", "30"])
    gdf.loc[2, "geometry"] = None
    report = validate_layer(gdf, kind="nodes", repair=True)
    assert [i.code for i in report.repairs] == ["null_geometry_dropped", "numeric_coerced"]
    assert report.data is not None
    assert report.data["node_id"].tolist() == ["a", "b"]
    assert report.data["population"].isna().tolist() == [False, True]
    assert gdf["population"].tolist() == ["10", "n/a", "30"]  # the caller's frame is untouched
    assert gdf.geometry.isna().sum() == 1


def test_align_crs_refuses_non_geodataframes_and_unknown_targets() -> None:
    with pytest.raises(ValidationError, match=r"layer\(s\) 1 \(DataFrame\) \(0-based\) are not"):
        align_crs(good_nodes_gdf(), pd.DataFrame({"a": [1]}))
    with pytest.raises(CRSError, match=r"crs='EPSG:99999' is not a coordinate reference system"):
        align_crs(good_nodes_gdf(), to_crs="EPSG:99999")
