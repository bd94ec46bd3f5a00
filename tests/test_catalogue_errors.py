"""The error hierarchy, warning stack levels and docs/errors.md.

* every class of :mod:`urbanchain.errors` derives from ``UrbanchainError`` (or
  ``UrbanchainWarning``) and, for errors, from the matching built-in;
* every warning urbanchain issues points at the *caller's* line (this file),
  not at a line inside urbanchain;
* ``docs/errors.md`` lists every class of :mod:`urbanchain.errors`.
"""

from __future__ import annotations

import inspect
import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, Point, Polygon

from urbanchain import errors, io, layers, metrics
from urbanchain.graph import graph_from_gdfs

THIS_FILE = str(Path(__file__).resolve())
DOCS = Path(__file__).resolve().parent.parent / "docs" / "errors.md"

BUILTIN_OF = {
    "ValidationError": ValueError,
    "CRSError": ValueError,
    "InputFileError": ValueError,
    "DataNotFoundError": FileNotFoundError,
    "ResourceLimitError": ValueError,
    "GraphError": ValueError,
    "WeightError": ValueError,
    "UnknownNameError": ValueError,
    "ScenarioError": ValueError,
    "OptionalDependencyError": ImportError,
}


def _public_classes() -> dict[str, type]:
    return {
        name: obj
        for name, obj in vars(errors).items()
        if inspect.isclass(obj) and obj.__module__ == errors.__name__
    }


def test_all_lists_every_class():
    assert sorted(errors.__all__) == sorted(_public_classes())


@pytest.mark.parametrize("name", sorted(BUILTIN_OF))
def test_error_class_subclasses_base_and_builtin(name):
    cls = getattr(errors, name)
    assert issubclass(cls, errors.UrbanchainError)
    assert issubclass(cls, BUILTIN_OF[name])
    assert isinstance(cls("x"), BUILTIN_OF[name])


def test_every_error_class_has_a_builtin():
    classes = _public_classes()
    error_classes = {n for n, c in classes.items() if issubclass(c, errors.UrbanchainError)}
    assert error_classes - {"UrbanchainError"} == set(BUILTIN_OF)
    warning_classes = {n for n, c in classes.items() if issubclass(c, Warning)}
    assert error_classes | warning_classes == set(classes)
    for n in warning_classes:
        assert issubclass(classes[n], errors.UrbanchainWarning)
        assert issubclass(classes[n], UserWarning)


def test_docs_list_every_error_and_warning_class():
    text = DOCS.read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+ `(\w+)`", text, flags=re.M))
    assert headings == set(_public_classes()), (
        f"docs/errors.md headings differ: missing {set(_public_classes()) - headings}, "
        f"extra {headings - set(_public_classes())}"
    )


def test_docs_state_a_fix_for_every_class():
    text = DOCS.read_text(encoding="utf-8")
    sections = re.split(r"^#+ `", text, flags=re.M)[1:]
    assert len(sections) == len(_public_classes())
    for section in sections:
        assert "**Fix" in section, section.splitlines()[0]


# --------------------------------------------------------------------------- stack levels


def _warned_here(call: Callable[[], Any], category: type[Warning]) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    ours = [w for w in caught if issubclass(w.category, category)]
    assert ours, f"no {category.__name__} was issued"
    return ours


def _nodes_geojson(tmp_path: Path, coords: list[tuple[float, ...]]) -> Path:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"node_id": f"n{i}", "kind": "city"},
                "geometry": {"type": "Point", "coordinates": list(c)},
            }
            for i, c in enumerate(coords)
        ],
    }
    path = tmp_path / "nodes.geojson"
    path.write_text(json.dumps(fc))
    return path


def _diamond_with_loop() -> nx.MultiGraph:
    G = nx.MultiGraph()
    for eid, u, v in (("e1", "a", "b"), ("e2", "b", "c"), ("loop", "a", "a")):
        G.add_edge(u, v, time_min=1.0, length_km=1.0, edge_id=eid)
    return G


def _poly_layer() -> gpd.GeoDataFrame:
    bowtie = Polygon([(105, 21), (106, 22), (106, 21), (105, 22)])
    return gpd.GeoDataFrame({"code": ["01"]}, geometry=[bowtie], crs="EPSG:4326")


def _lines_with_loop() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    nodes = gpd.GeoDataFrame(
        {"node_id": ["a", "b"], "kind": "city"},
        geometry=[Point(105, 21), Point(106, 21)],
        crs="EPSG:4326",
    )
    lines = gpd.GeoDataFrame(
        {"corridor_id": ["l", "loop"], "mode": "expressway"},
        geometry=[
            LineString([(105, 21), (106, 21)]),
            LineString([(105, 21), (105.1, 21.1), (105, 21)]),
        ],
        crs="EPSG:4326",
    )
    return nodes, lines


def case_read_layer_repair(tmp: Path) -> None:
    io.read_layer(_nodes_geojson(tmp, [(105, 21, 5)]), kind="nodes", repair=True)


def case_read_layer_outside_region(tmp: Path) -> None:
    # the check follows the layer's own extent: a stray point among Delta points warns
    io.read_layer(
        _nodes_geojson(tmp, [(105.85, 21.03), (106.68, 20.86), (106.17, 20.42), (2.35, 48.85)]),
        kind="nodes",
    )


def case_check_layer_repair(tmp: Path) -> None:
    layers.check_layer(_poly_layer(), kind="provinces", repair=True)


def case_align_crs(tmp: Path) -> None:
    layers.align_crs(_poly_layer(), _poly_layer().to_crs(3405), to_crs="first")


def case_centrality_self_loop(tmp: Path) -> None:
    metrics.centrality(_diamond_with_loop(), length=None)


def case_od_matrix_self_loop(tmp: Path) -> None:
    metrics.od_matrix(_diamond_with_loop(), sources=["a"], targets=["c"])


def case_edge_betweenness_self_loop(tmp: Path) -> None:
    metrics.edge_betweenness(_diamond_with_loop())


def case_accessibility_drop(tmp: Path) -> None:
    G = nx.MultiGraph()
    G.add_node("a", kind="city", population=10.0)
    G.add_node("b", kind="city", population=np.nan)
    G.add_node("c", kind="city", population=5.0)
    G.add_edge("a", "b", time_min=5.0, edge_id="e1")
    G.add_edge("b", "c", time_min=5.0, edge_id="e2")
    metrics.accessibility(G, mass="population", missing="drop")


def case_graph_self_loop(tmp: Path) -> None:
    graph_from_gdfs(*_lines_with_loop())


def case_chain_map_unknown_ids(tmp: Path) -> None:
    maps = pytest.importorskip("urbanchain.maps")
    from tests._payloads import synthetic_chain

    chain = synthetic_chain()
    score = pd.Series([1.0, 2.0], index=["ha_noi", "atlantis"], name="score")
    maps.chain_map(chain, node_metric=score)


def case_chain_map_missing_geometry(tmp: Path) -> None:
    maps = pytest.importorskip("urbanchain.maps")
    from tests._payloads import synthetic_chain

    chain = synthetic_chain()
    chain.nodes.loc[0, "geometry"] = None
    maps.chain_map(chain)


def case_failure_sweep_hazard_crs(tmp: Path) -> None:
    from urbanchain import scenarios

    G = _diamond_with_loop()
    for n, (x, y) in zip(G.nodes, [(105.0, 21.0), (105.1, 21.0), (105.2, 21.0)], strict=True):
        G.nodes[n].update(x=x, y=y, kind="city", is_capital=True, population=1.0)
    G.remove_edge("a", "a")
    for u, v, d in G.edges(data=True):
        d["corridor_id"] = d["edge_id"]
        d["geometry"] = LineString([(G.nodes[u]["x"], 21.0), (G.nodes[v]["x"], 21.0)])
    hazard = gpd.GeoDataFrame(geometry=[Point(105.05, 21.0).buffer(0.01)], crs="EPSG:4326")
    scenarios.failure_sweep(G, hazard=hazard.to_crs(3405), progress=False)


CASES = [
    pytest.param(case_read_layer_repair, errors.RepairWarning, id="io.read_layer-repair"),
    pytest.param(
        case_read_layer_outside_region, errors.DataQualityWarning, id="io.read_layer-region"
    ),
    pytest.param(case_check_layer_repair, errors.RepairWarning, id="layers.check_layer-repair"),
    pytest.param(case_align_crs, errors.RepairWarning, id="layers.align_crs"),
    pytest.param(
        case_centrality_self_loop,
        errors.DataQualityWarning,
        id="metrics.centrality",
    ),
    pytest.param(
        case_od_matrix_self_loop,
        errors.DataQualityWarning,
        id="metrics.od_matrix",
    ),
    pytest.param(
        case_edge_betweenness_self_loop,
        errors.DataQualityWarning,
        id="metrics.edge_betweenness",
    ),
    pytest.param(
        case_accessibility_drop,
        errors.DataQualityWarning,
        id="metrics.accessibility",
    ),
    pytest.param(case_graph_self_loop, errors.DataQualityWarning, id="graph.graph_from_gdfs"),
    pytest.param(case_chain_map_unknown_ids, errors.DataQualityWarning, id="maps.chain_map"),
    pytest.param(
        case_chain_map_missing_geometry, errors.DataQualityWarning, id="maps.chain_map-geometry"
    ),
    pytest.param(
        case_failure_sweep_hazard_crs, errors.RepairWarning, id="scenarios.failure_sweep-hazard"
    ),
]


@pytest.mark.parametrize(("case", "category"), CASES)
def test_warning_points_at_the_callers_line(case, category, tmp_path):
    lines, first = inspect.getsourcelines(case)
    body = range(first + 1, first + len(lines))
    for w in _warned_here(lambda: case(tmp_path), category):
        where = f"{w.filename}:{w.lineno}"
        assert str(Path(w.filename).resolve()) == THIS_FILE, f"{str(w.message)[:60]!r} at {where}"
        assert w.lineno in body, f"{str(w.message)[:60]!r} at {where}, not in {case.__name__}"


# --------------------------------------------------------------------------- align_crs


def test_align_crs_refuses_an_unknown_target_crs():
    with pytest.raises(errors.CRSError, match=r"crs='EPSG:99999' is not a coordinate.*EPSG:4326"):
        layers.align_crs(_poly_layer(), to_crs="EPSG:99999")


def test_align_crs_refuses_non_geodataframes():
    with pytest.raises(errors.ValidationError, match=r"layer\(s\) 1 \(DataFrame\).*read_layer"):
        layers.align_crs(_poly_layer(), pd.DataFrame({"a": [1]}))
