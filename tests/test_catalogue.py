"""The bad-input catalogue, by row number (``docs/bad-inputs.md``).

Rows 1-35 (geometry and files) are tested by row number in
``test_bad_inputs_layers.py``; this module adds one case per graph/metric row
(36-47), the geometry rows that concern graph building, measurement and export
(15-19, 21, 22, 27-29), one case per Folium sink of §1, and "extra" cases that
users will meet although the catalogue does not list them.

Every case goes through the public API and asserts one of two outcomes: an
error of the :class:`~urbanchain.errors.UrbanchainError` hierarchy whose message
names the problem *and* the fix, or a repaired result with the exact warning
text and the count of what changed.

:func:`test_every_catalogue_row_has_a_test` parses ``bad-inputs.md`` and fails
if some row number has no test id (``row36-...``, ``row01_...``) anywhere in
``tests/``.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely import LineString, Point, Polygon

from urbanchain import crs as uc_crs
from urbanchain import io, layers, metrics
from urbanchain.chain import with_province_population
from urbanchain.errors import (
    CRSError,
    DataQualityWarning,
    GraphError,
    UrbanchainError,
    ValidationError,
    WeightError,
)
from urbanchain.graph import graph_from_gdfs, topology_report

TESTS = Path(__file__).resolve().parent
CATALOGUE = TESTS.parent / "docs" / "bad-inputs.md"
GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------- builders


def diamond() -> nx.MultiGraph:
    """The four-node diamond: a-b 10, a-c 20, b-d 10, c-d 20 minutes (edges e1-e4)."""
    G = nx.MultiGraph(crs="EPSG:4326", units={"time_min": "min", "length_km": "km"})
    G.add_node("a", x=105.0, y=21.0, kind="city", is_capital=True, population=100.0)
    G.add_node("b", x=105.1, y=21.1, kind="city", is_capital=True, population=50.0)
    G.add_node("c", x=105.1, y=20.9, kind="city", is_capital=True, population=20.0)
    G.add_node("d", x=105.2, y=21.0, kind="seaport", is_capital=False)
    for eid, u, v, t in (
        ("e1", "a", "b", 10.0),
        ("e2", "a", "c", 20.0),
        ("e3", "b", "d", 10.0),
        ("e4", "c", "d", 20.0),
    ):
        G.add_edge(u, v, time_min=t, length_km=t, edge_id=eid, corridor_id=f"c{eid}")
    return G


def with_weight(value: Any, edge: str = "e2", attr: str = "time_min") -> nx.MultiGraph:
    G = diamond()
    for _u, _v, d in G.edges(data=True):
        if d["edge_id"] == edge:
            d[attr] = value
    return G


def node_layer(ids: list[Any], points: list[tuple[float, float]], **cols: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"node_id": ids, "kind": "city", **cols},
        geometry=[Point(p) for p in points],
        crs="EPSG:4326",
    )


def line_layer(ids: list[Any], coords: list[list[tuple[float, float]]], crs: Any = "EPSG:4326"):
    return gpd.GeoDataFrame(
        {"corridor_id": ids, "mode": "expressway"},
        geometry=[LineString(c) for c in coords],
        crs=crs,
    )


AB_NODES = node_layer(["a", "b"], [(105.0, 21.0), (106.0, 21.0)])
AB_LINE = [(105.0, 21.0), (106.0, 21.0)]


def expect_error(
    func: Callable[[], Any], error: type[UrbanchainError], *patterns: str
) -> UrbanchainError:
    """Call ``func``; assert it raises ``error`` whose message matches every pattern."""
    with pytest.raises(error) as info:
        func()
    msg = str(info.value)
    assert isinstance(info.value, UrbanchainError)
    for pat in patterns:
        assert re.search(pat, msg, flags=re.S), f"{pat!r} not in {msg!r}"
    return info.value


# --------------------------------------------------------------------------- rows 36-47

# Each case: (call, error class, message patterns: problem, where, fix).
GRAPH_ERRORS = [
    pytest.param(
        lambda: metrics.centrality(
            nx.disjoint_union(diamond(), nx.MultiGraph([(0, 1, {"time_min": 5.0})])),
            length=None,
            policy="error",
        ),
        GraphError,
        [r"not connected", r"component 1: 2 nodes", r"harmonic"],
        id="row36-disconnected-policy-error",
    ),
    pytest.param(
        lambda: metrics.od_matrix(with_weight(-5.0)),
        WeightError,
        [r"negative on 1 edge\(s\) \(edge ids: e2\)", r"fix: check the sign and unit"],
        id="row37-negative-weight",
    ),
    pytest.param(
        lambda: metrics.centrality(with_weight(0.0), length=None),
        WeightError,
        [r"zero on 1 edge\(s\) \(edge ids: e2\)", r"fix: give the edge a small positive value"],
        id="row38-zero-weight",
    ),
    pytest.param(
        lambda: metrics.centrality(with_weight(float("nan")), length=None),
        WeightError,
        [r"NaN on 1 edge\(s\) \(edge ids: e2\)", r"fix: fill the value"],
        id="row39-nan-weight",
    ),
    pytest.param(
        lambda: metrics.od_matrix(with_weight(None)),
        WeightError,
        [r"None on 1 edge\(s\) \(edge ids: e2\)", r"silently hides edges"],
        id="row40-none-weight",
    ),
    pytest.param(
        lambda: metrics.efficiency(with_weight("20")),
        WeightError,
        [r"string on 1 edge\(s\) \(edge ids: e2\)", r"pd\.to_numeric"],
        id="row41-string-weight",
    ),
    pytest.param(
        lambda: metrics.od_matrix(diamond(), weight="travel_time"),
        WeightError,
        [
            r"'travel_time' is missing on 4 of 4 edges",
            r"'length_km'",
            r"'time_min'",
            r"treat a missing weight as 1",
        ],
        id="row42-absent-weight-key",
    ),
    pytest.param(
        lambda: graph_from_gdfs(
            node_layer(["a", "a"], [(105, 21), (106, 21)]), line_layer(["l"], [AB_LINE])
        ),
        GraphError,
        [r"Node ids a occur more than once", r"Make the ids unique"],
        id="row45-duplicate-node-ids-graph",
    ),
    pytest.param(
        lambda: graph_from_gdfs(
            node_layer(["a", float("nan")], [(105, 21), (106, 21)]), line_layer(["l"], [AB_LINE])
        ),
        GraphError,
        [r"Node rows 1 have no node_id", r"unique, non-empty id"],
        id="row45-nan-node-id-graph",
    ),
    pytest.param(
        lambda: layers.check_layer(node_layer([1, "1"], [(105, 21), (106, 21)]), kind="nodes"),
        ValidationError,
        [r"mix types \(number, text\)", r"node_id 1 \(row 0\): number", r"astype\(str\)"],
        id="row45-ids-1-and-str-1",
    ),
    pytest.param(
        lambda: metrics.centrality(nx.MultiDiGraph([(1, 2, {"time_min": 1.0})]), direction="both"),
        UrbanchainError,
        [r"direction", r"'in'", r"'out'"],
        id="row46-unknown-direction",
    ),
    pytest.param(
        lambda: metrics.centrality(nx.MultiGraph()),
        GraphError,
        [r"empty: no nodes loaded", r"Check the node layer"],
        id="row47-empty-graph",
    ),
    pytest.param(
        lambda: graph_from_gdfs(AB_NODES.iloc[:0], line_layer([], [])),
        GraphError,
        [r"nothing to build: no lines and no nodes", r"Load a corridor layer"],
        id="row47-empty-layers",
    ),
]


@pytest.mark.parametrize(("call", "error", "patterns"), GRAPH_ERRORS)
def test_graph_row_is_refused(call, error, patterns):
    expect_error(call, error, *patterns)


def test_row36_disconnected_components_are_reported_per_node():
    G = diamond()
    G.add_edge("y", "z", time_min=5.0, length_km=5.0, edge_id="e9")
    c = metrics.centrality(G, length=None)
    assert c.attrs["n_components"] == 2
    assert c.loc[["y", "z"], "component"].tolist() == [1, 1]
    # y reaches 1 of the 5 others at 5 min: Wasserman-Faust (1/5) * (1/5), never 1.0
    assert c.loc["y", "closeness"] == pytest.approx(1 / 25)
    assert c.loc["y", "harmonic"] == pytest.approx((1 / 5) / 5)


def test_row43_self_loops_dropped_on_build_with_count():
    lines = line_layer(["l", "loop"], [AB_LINE, [(105, 21), (105.1, 21.1), (105, 21)]])
    with pytest.warns(DataQualityWarning) as rec:
        G = graph_from_gdfs(AB_NODES, lines)
    assert [str(w.message) for w in rec] == [
        "Dropped 1 self-loop piece(s) of lines loop: they start and end at the same node "
        "(a closed line, or a line wholly within the snapping tolerance of one node). "
        "See topology_report(G)."
    ]
    assert nx.number_of_selfloops(G) == 0
    assert G.number_of_edges() == 1


def test_row43_self_loops_in_a_graph_are_ignored_with_count():
    G = diamond()
    G.add_edge("a", "a", time_min=1.0, length_km=1.0, edge_id="loop1")
    with pytest.warns(DataQualityWarning) as rec:
        c = metrics.centrality(G, length=None)
    assert [str(w.message) for w in rec] == [
        "Ignoring 1 self-loop edge(s) (edge ids: loop1): a self-loop never lies on a shortest "
        "path. Remove them from the graph to silence this warning."
    ]
    assert c.attrs["self_loops_ignored"] == 1
    assert c.loc["a", "degree"] == 2  # not 4: the loop is not counted twice


def test_row44_duplicate_edges_use_the_minimum_and_are_counted():
    G = diamond()
    G.add_edge("a", "b", time_min=4.0, length_km=4.0, edge_id="fast")
    G.add_edge("a", "b", time_min=40.0, length_km=40.0, edge_id="slow")
    od = metrics.od_matrix(G, sources=["a"], targets=["b"])
    assert od.loc["a", "b"] == 4.0  # neither the last edge (40) nor the first (10)
    assert od.attrs["parallel_edges"] == 2


def test_row44_duplicate_lines_stay_distinct_edges():
    G = graph_from_gdfs(AB_NODES, line_layer(["l1", "l2"], [AB_LINE, AB_LINE]))
    assert sorted(d["corridor_id"] for *_e, d in G.edges(data=True)) == ["l1", "l2"]
    assert topology_report(G).duplicate_segments == [["l1/0", "l2/0"]]  # reported, not merged


def test_row46_direction_is_explicit():
    G = nx.MultiDiGraph()
    G.add_edge(1, 2, time_min=1.0, edge_id="a")
    G.add_edge(2, 3, time_min=1.0, edge_id="b")
    out = metrics.centrality(G, length=None, direction="out")
    inn = metrics.centrality(G, length=None, direction="in")
    assert out.loc[1, "closeness"] == pytest.approx(2 / 3)
    assert inn.loc[1, "closeness"] == 0.0


# --------------------------------------------------------------------------- rows 15-22


def test_row15_geographic_crs_lengths_are_geodesic():
    G = graph_from_gdfs(
        node_layer(["a", "b"], [(0, 0), (1, 0)]), line_layer(["l"], [[(0, 0), (1, 0)]])
    )
    assert G.edges["a", "b", 0]["length_km"] == pytest.approx(111.319, abs=1e-3)  # not 1.0
    expect_error(
        lambda: uc_crs.check_metric_crs("EPSG:4326"),
        CRSError,
        r"geographic: its units are degrees",
        r"geodesic_length",
        r"to_crs\('EPSG:3405'\)",
    )


def test_row16_web_mercator_is_refused_for_weights():
    expect_error(
        lambda: graph_from_gdfs(AB_NODES.to_crs(3857), line_layer(["l"], [AB_LINE]).to_crs(3857)),
        CRSError,
        r"Web Mercator",
        r"stretches lengths",
        r"Reproject with gdf\.to_crs\('EPSG:3405'\)",
    )


def test_row17_wide_extent_is_measured_geodesically():
    # 30 degrees of longitude at 60 N: five UTM zones; one zone's CRS would distort it.
    coords = [(float(lon), 60.0) for lon in range(100, 131, 5)]
    nodes = node_layer(["w", "e"], [coords[0], coords[-1]])
    G = graph_from_gdfs(nodes, line_layer(["l"], [coords]))
    expected = GEOD.geometry_length(LineString(coords)) / 1000
    assert G.edges["w", "e", 0]["length_km"] == pytest.approx(expected, rel=1e-9)


def test_row18_antimeridian_line_is_the_short_geodesic():
    nodes = node_layer(["a", "b"], [(179.0, 0.0), (-179.0, 0.0)])
    G = graph_from_gdfs(nodes, line_layer(["l"], [[(179.0, 0.0), (-179.0, 0.0)]]))
    assert G.edges["a", "b", 0]["length_km"] == pytest.approx(222.639, abs=1e-3)  # not 358 deg


def test_row19_winding_order_does_not_change_the_area_sign():
    ccw = Polygon([(105, 21), (106, 21), (106, 22), (105, 22)])
    cw = Polygon(list(ccw.exterior.coords)[::-1])
    a = uc_crs.geodesic_area([ccw, cw])
    assert a[0] > 0
    assert a[0] == pytest.approx(a[1], rel=1e-12)


def test_row21_border_city_takes_its_declared_province_not_a_spatial_guess():
    # The city lies exactly on the border of provinces 01 and 02; urbanchain never
    # assigns provinces by a spatial join: the node's province_2008 column decides,
    # and a node without one stays unassigned (NaN), never 0.
    provinces = gpd.GeoDataFrame(
        {
            "code": ["01", "02"],
            "population": [100.0, 200.0],
            "population_year": [2019, 2019],
            "population_source": ["GSO", "GSO"],
        },
        geometry=[
            Polygon([(105, 21), (106, 21), (106, 22), (105, 22)]),
            Polygon([(106, 21), (107, 21), (107, 22), (106, 22)]),
        ],
        crs="EPSG:4326",
    )
    nodes = node_layer(
        ["border", "lost"],
        [(106.0, 21.5), (106.0, 21.2)],
        is_capital=[True, True],
        province_2008=["02", None],
    )
    out = with_province_population(nodes, provinces)
    assert out.loc[0, "province_population"] == 200.0
    assert math.isnan(out.loc[1, "province_population"])
    assert "province_population" not in nodes.columns  # input untouched


def test_row22_endpoint_a_nanodegree_off_is_snapped():
    lines = line_layer(["l"], [[(105.0 + 1e-9, 21.0), (106.0, 21.0 - 1e-9)]])
    G = graph_from_gdfs(AB_NODES, lines)
    assert list(G.edges(keys=True)) == [("a", "b", 0)]
    assert nx.number_connected_components(G) == 1


# --------------------------------------------------------------------------- rows 27-29


def test_row27_geojson_crs_member_is_honoured_on_read(tmp_path):
    fc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3405"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"node_id": "a", "kind": "city"},
                "geometry": {"type": "Point", "coordinates": [588000.0, 2325000.0]},
            }
        ],
    }
    path = tmp_path / "crs_member.geojson"
    path.write_text(json.dumps(fc))
    gdf = io.read_layer(path, kind="nodes")
    assert gdf.crs.to_epsg() == 3405


def _strict_json(text: str) -> Any:
    def refuse(token: str) -> Any:
        msg = f"invalid JSON constant {token}"
        raise AssertionError(msg)

    return json.loads(text, parse_constant=refuse)


def test_row28_inf_metric_is_refused_and_nan_is_no_data_on_the_map():
    maps = pytest.importorskip("urbanchain.maps")
    from tests._payloads import synthetic_chain

    chain = synthetic_chain()
    ids = chain.nodes["node_id"]
    score = pd.Series([np.inf, -np.inf, np.nan, 0.2], index=ids, name="score")
    expect_error(
        lambda: maps.chain_map(chain, node_metric=score),
        ValidationError,
        r"node_metric \('score'\) is infinite for ha_noi, hai_phong",
        r"Replace infinite values with NaN",
    )
    page = maps.render_html(
        maps.chain_map(chain, node_metric=score.replace([np.inf, -np.inf], 0.5))
    )
    script = page[page.index("</body>") :]
    found = 0
    for match in re.finditer(r"uc_feature_layer_\w+\.addData\(", script):
        end = _strict_raw_decode(script, match.end())
        found += 1
        assert end > match.end()
    assert found == 3
    assert "no data" in script  # the NaN score of ha_long


def _strict_raw_decode(text: str, start: int) -> int:
    def refuse(token: str) -> Any:
        msg = f"invalid JSON constant {token}"
        raise AssertionError(msg)

    _data, end = json.JSONDecoder(parse_constant=refuse).raw_decode(text, start)
    return end


def test_row28_nan_and_inf_properties_become_null_on_write(tmp_path):
    # The GeoJSON writer behind `urbanchain run` / `metrics` (no public function of its own).
    from urbanchain.cli._outputs import _write_table

    gdf = gpd.GeoDataFrame(
        {"v": [1.0, np.inf, -np.inf, np.nan]},
        geometry=[Point(105 + i / 10, 21) for i in range(4)],
        crs="EPSG:4326",
    )
    path = _write_table(gdf, tmp_path / "m", "geojson")
    data = _strict_json(path.read_text())
    assert [f["properties"]["v"] for f in data["features"]] == [1.0, None, None, None]
    assert "crs" not in data  # RFC 7946: no crs member on write (row 27)
    assert np.isinf(gdf["v"]).sum() == 2  # the caller's frame is untouched


def test_row29_datetime_column_reaches_the_map_as_text():
    maps = pytest.importorskip("urbanchain.maps")
    from tests._payloads import synthetic_chain

    chain = synthetic_chain()
    chain.nodes["opened"] = pd.to_datetime(["2020-01-02", "2021-03-04", None, "2024-05-06"])
    # arbitrary columns are shown in the popup on request (the curated popup omits them)
    page = maps.render_html(maps.chain_map(chain, popup="full"))
    assert "2020-01-02" in page


# --------------------------------------------------------------------------- Folium sinks (§1)

PAYLOAD = "</script><script>window.__pwned=1</script>${window.__pwned=2}`<img src=x onerror=3>"


def _collections(page: str) -> list[dict[str, Any]]:
    script = page[page.index("</body>") :]
    decoder = json.JSONDecoder()
    out = []
    for match in re.finditer(r"uc_feature_layer_\w+\.addData\(", script):
        data, _ = decoder.raw_decode(script, match.end())
        out.append(data)
    return out


def _skeleton(page: str) -> str:
    """The map's own script with every JSON string blanked."""
    script = page[page.index("</body>") :]
    return re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', script)


def _render(**kwargs: Any) -> str:
    maps = pytest.importorskip("urbanchain.maps")
    from tests._payloads import synthetic_chain

    chain = synthetic_chain()
    edit = kwargs.pop("edit", None)
    if edit is not None:
        edit(chain)
    # popup="full": every attribute (the sinks under test) reaches the popup
    return maps.render_html(maps.chain_map(chain, popup="full", **kwargs))


def _set(layer: str, column: str, row: int = 0) -> Callable[[Any], None]:
    def edit(chain: Any) -> None:
        frame = getattr(chain, layer)
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = PAYLOAD

    return edit


def _rename(layer: str, old: str) -> Callable[[Any], None]:
    def edit(chain: Any) -> None:
        setattr(chain, layer, getattr(chain, layer).rename(columns={old: PAYLOAD}))

    return edit


# urbanchain's escaping: HTML entities, and { } as &#123; &#125; (issue 13)
ESC = html.escape(PAYLOAD, quote=True).replace("{", "&#123;").replace("}", "&#125;")

SINKS = [
    # Marker(tooltip=str) / CircleMarker / folium.Tooltip: the node name in the tooltip.
    pytest.param(
        {"edit": _set("nodes", "name")},
        (2, "uc_tooltip", f"<b>{ESC}</b>"),
        id="sink-marker-tooltip",
    ),
    # Marker(popup=str): an attribute value shown in the node popup.
    pytest.param(
        {"edit": _set("nodes", "note")}, (2, "uc_popup", f"<td>{ESC}</td>"), id="sink-marker-popup"
    ),
    # Popup(parse_html=True) still runs ${...}: a corridor name in its popup.
    pytest.param(
        {"edit": _set("corridors", "name")}, (1, "uc_popup", ESC), id="sink-popup-parse-html"
    ),
    # GeoJson data: province property values.
    pytest.param(
        {"edit": _set("provinces", "name_vi")}, (0, "uc_tooltip", ESC), id="sink-geojson-data"
    ),
    # GeoJsonTooltip / GeoJsonPopup: column names become aliases.
    pytest.param(
        {"edit": _rename("provinces", "note")},
        (0, "uc_popup", f"<th>{ESC}</th>"),
        id="sink-geojson-tooltip-popup-fields",
    ),
    # Layer names + LayerControl (innerHTML in Leaflet's control).
    pytest.param({"layer_names": {"provinces": PAYLOAD}}, None, id="sink-layer-control-names"),
]


@pytest.mark.parametrize(("kwargs", "where"), SINKS)
def test_folium_sink_never_executes_user_text(kwargs, where):
    page = _render(**kwargs)
    # nothing closes the script or creates live markup...
    assert "</script><script>window.__pwned" not in page
    assert "<img src=x onerror" not in page
    assert page.count("<script") == page.count("</script>")
    # ...and outside JSON strings there is no template literal to substitute into
    skeleton = _skeleton(page)
    assert "${" not in skeleton
    assert "`" not in skeleton
    if where is None:
        # the layer name travels as a JSON string of escaped HTML (braces as \u007b/\u007d)
        expected = json.dumps(ESC).replace("&", "\\u0026")
        assert expected.replace("{", "\\u007b").replace("}", "\\u007d") in page
        return
    layer, prop, expected = where
    values = [f["properties"].get(prop, "") for f in _collections(page)[layer]["features"]]
    assert any(expected in v for v in values), values


# --------------------------------------------------------------------------- extra cases

EXTRA_ERRORS = [
    pytest.param(
        lambda: metrics.od_matrix(diamond(), weight="Time_min"),
        WeightError,
        [r"'Time_min' is missing on 4 of 4 edges", r"Did you mean 'time_min'"],
        id="extra-weight-key-misspelt-case",
    ),
    pytest.param(
        lambda: metrics.centrality(with_weight(True), length=None),
        WeightError,
        [r"boolean on 1 edge\(s\) \(edge ids: e2\)", r"fix: set a positive number"],
        id="extra-bool-weight",
    ),
    pytest.param(
        lambda: metrics.od_matrix(with_weight(float("inf"))),
        WeightError,
        [r"infinite on 1 edge\(s\) \(edge ids: e2\)", r"remove the edge"],
        id="extra-inf-weight",
    ),
    pytest.param(
        lambda: metrics.od_matrix(with_weight(np.float32("nan"))),
        WeightError,
        [r"NaN on 1 edge\(s\) \(edge ids: e2\)"],
        id="extra-numpy-nan-weight",
    ),
    pytest.param(
        lambda: metrics.od_matrix(with_weight(complex(1, 1))),
        WeightError,
        [r"non-numeric \(complex\) on 1 edge\(s\)"],
        id="extra-complex-weight",
    ),
    pytest.param(
        lambda: metrics.od_matrix(
            with_weight(-1.0, edge="e1", attr="length_km"), weight="length_km"
        ),
        WeightError,
        [r"'length_km'", r"negative on 1 edge\(s\) \(edge ids: e1\)"],
        id="extra-bad-weight-in-second-attribute",
    ),
    pytest.param(
        lambda: metrics.od_matrix(diamond(), weight=""),
        WeightError,
        [r"must be the name of an edge attribute", r"got ''"],
        id="extra-weight-empty-name",
    ),
    pytest.param(
        lambda: metrics.od_matrix(diamond(), weight=None),
        WeightError,
        [r"must be the name of an edge attribute", r"got None"],
        id="extra-weight-none-name",
    ),
    pytest.param(
        lambda: metrics.efficiency({"a": "b"}),
        GraphError,
        [r"Expected a networkx graph", r"graph_from_gdfs"],
        id="extra-not-a-graph",
    ),
    pytest.param(
        lambda: layers.check_layer(
            node_layer([["a"], ["b"]], [(105, 21), (106, 21)]), kind="nodes"
        ),
        ValidationError,
        [r"2 ids in column 'node_id' are not hashable \(list\)", r"astype\(str\)"],
        id="extra-unhashable-node-ids",
    ),
    pytest.param(
        lambda: layers.check_layer(
            node_layer(["a", "b"], [(105, 21), (106, 21)], name=["x", "y"]).set_axis(
                ["node_id", "kind", "node_id", "geometry"], axis=1
            ),
            kind="nodes",
        ),
        ValidationError,
        [r"duplicate column names 'node_id'", r"Rename or drop the duplicates"],
        id="extra-duplicate-column-names",
    ),
]


@pytest.mark.parametrize(("call", "error", "patterns"), EXTRA_ERRORS)
def test_extra_case_is_refused(call, error, patterns):
    expect_error(call, error, *patterns)


def test_extra_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    expect_error(
        lambda: io.read_layer(path, kind="nodes"),
        ValidationError,
        r"empty\.geojson: the file has no features",
        r"Check that this is the right file",
    )


def test_extra_empty_layer_in_memory_is_valid_but_empty_graph_is_not():
    report = layers.validate_layer(AB_NODES.iloc[:0], kind="nodes")
    assert report.ok
    assert report.n_features == 0
    expect_error(lambda: metrics.od_matrix(nx.MultiGraph()), GraphError, r"no nodes loaded")


def test_extra_numpy_and_int_weights_are_accepted():
    G = diamond()
    for _u, _v, d in G.edges(data=True):
        d["time_min"] = np.int64(d["time_min"])
    od = metrics.od_matrix(G, sources=["a"], targets=["d"])
    assert od.loc["a", "d"] == 20.0


def test_extra_mixed_ids_in_file_are_one_type(tmp_path):
    # GeoJSON with node_id 1 and "1": GDAL reads one column type, so the two ids collide
    # and the duplicate is reported instead of silently making two nodes.
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"node_id": 1, "kind": "city"},
                "geometry": {"type": "Point", "coordinates": [105, 21]},
            },
            {
                "type": "Feature",
                "properties": {"node_id": "1", "kind": "city"},
                "geometry": {"type": "Point", "coordinates": [106, 21]},
            },
        ],
    }
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps(fc))
    expect_error(
        lambda: io.read_layer(path, kind="nodes"),
        ValidationError,
        r"duplicate ids in column 'node_id'",
        r"rename or remove",
    )


# --------------------------------------------------------------------------- meta-test

_ROW_RE = re.compile(r"^\|\s*(\d+)\s*\|", re.M)
_ID_RE = re.compile(r"row-?0*(\d+)(?=[-_a-z]|\b)")


def catalogue_rows(text: str) -> set[int]:
    """Row numbers of the fault table of bad-inputs.md."""
    return {int(m) for m in _ROW_RE.findall(text)}


def rows_with_tests() -> set[int]:
    """Row numbers that occur in a test id or test name anywhere in tests/."""
    found: set[int] = set()
    for path in TESTS.glob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        names = re.findall(r"def (test_\w+)", text) + re.findall(r'id="([^"]+)"', text)
        for name in names:
            found.update(int(n) for n in _ID_RE.findall(name))
    return found


def test_every_catalogue_row_has_a_test():
    assert CATALOGUE.exists(), f"{CATALOGUE} is missing: the catalogue is vendored in docs/"
    rows = catalogue_rows(CATALOGUE.read_text(encoding="utf-8"))
    assert rows == set(range(1, 48)), "the catalogue changed: update this test and add cases"
    missing = sorted(rows - rows_with_tests())
    assert not missing, f"bad-inputs.md rows without a test id: {missing}"


def test_row_id_parser():
    assert catalogue_rows("| 7 | NaN |\n| **Graph** | |\n| 36 | x |") == {7, 36}
    ids = "row01_row02_bowtie row39b-inf row47 row-36-x"
    assert {int(n) for n in _ID_RE.findall(ids)} == {1, 2, 36, 39, 47}
