"""Save and load urbanchain graphs: GeoPackage, GeoParquet, GraphML, losslessly.

Formats, by the path's suffix:

* ``.gpkg``: layers ``nodes`` (points at ``x``/``y``) and ``edges`` (the edge
  ``geometry``), plus an attribute layer ``urbanchain_meta``;
* ``.parquet``: a *directory* holding ``nodes.parquet`` and ``edges.parquet``
  (GeoParquet) and ``meta.json``;
* ``.graphml``: networkx's GraphML, every attribute a JSON string.

In the tables, a column whose values are all of one plain type (float, int,
str or bool, present on every row) is stored as that type; any other column
(mixed types, lists, None, an attribute missing on some rows) is stored as
JSON text.  Node ids, edge keys and ``G.graph`` are JSON too, and the metadata
records directedness, multigraph-ness and how each column is encoded, so
:func:`load_graph` gives back the same graph: same node and edge order, ids,
keys, attributes (geometries exact, through WKB) and graph attributes.
Tuples come back as tuples; other containers must be JSON types.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from urbanchain import settings
from urbanchain.errors import InputFileError, ResourceLimitError, ValidationError

__all__ = ["load_graph", "save_graph"]

_VERSION = 1
_RESERVED = {"geometry", "node_id", "u", "v", "key", "_geom"}
Format = Literal["gpkg", "parquet", "graphml"]


def _enc(v: Any) -> Any:
    """Return a JSON-able form of an attribute value (reversible by :func:`_dec`)."""
    if isinstance(v, BaseGeometry):
        return {"$wkb": shapely.to_wkb(v, hex=True)}
    if isinstance(v, tuple):
        return {"$tuple": [_enc(x) for x in v]}
    if isinstance(v, list):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            return {"$dict": [[_enc(k), _enc(x)] for k, x in v.items()]}
        return {k: _enc(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        return v.item()
    if v is None or isinstance(v, bool | int | float | str):
        return v
    msg = f"Cannot save a {type(v).__name__} attribute value ({v!r}); use JSON types."
    raise ValidationError(msg)


def _dec(v: Any) -> Any:
    if isinstance(v, list):
        return [_dec(x) for x in v]
    if isinstance(v, dict):
        if set(v) == {"$wkb"}:
            return shapely.from_wkb(v["$wkb"])
        if set(v) == {"$tuple"}:
            return tuple(_dec(x) for x in v["$tuple"])
        if set(v) == {"$dict"}:
            return {_dec(k): _dec(x) for k, x in v["$dict"]}
        return {k: _dec(x) for k, x in v.items()}
    return v


def _dumps(v: Any) -> str:
    return json.dumps(_enc(v), allow_nan=True)


def _loads(s: str) -> Any:
    return _dec(json.loads(s))


def _plain_type(values: list[Any]) -> str | None:
    """``"float"``, ``"int"``, ``"str"`` or ``"bool"`` when every value is of that type."""
    checks: tuple[tuple[str, Callable[[Any], bool]], ...] = (
        ("bool", lambda x: isinstance(x, bool)),
        ("int", lambda x: isinstance(x, int) and not isinstance(x, bool) and abs(x) < 2**63),
        ("float", lambda x: isinstance(x, float)),
        ("str", lambda x: isinstance(x, str)),
    )
    for name, ok in checks:
        if values and all(ok(x) for x in values):
            return name
    return None


_ABSENT = "$absent"


def _table(rows: list[dict[str, Any]], keys: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Columns (typed or JSON) and their encodings ``{column: [attr, kind]}``."""
    cols: dict[str, Any] = {}
    spec: dict[str, Any] = {}
    for k in keys:
        col = f"attr__{k}" if k in _RESERVED or k.startswith("attr__") else k
        present = all(k in r for r in rows)
        vals = [r.get(k) for r in rows]
        kind = _plain_type(vals) if present else None
        if kind is None:
            cols[col] = [_dumps(r[k]) if k in r else _ABSENT for r in rows]
            spec[col] = [k, "json"]
        else:
            cols[col] = vals
            spec[col] = [k, kind]
    return cols, spec


def _attr_keys(dicts: list[dict[str, Any]], skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    keys: dict[str, None] = {}
    for d in dicts:
        for k in d:
            if not isinstance(k, str):
                msg = f"Attribute names must be str to be saved; got {k!r}."
                raise ValidationError(msg)
            if k not in skip:
                keys.setdefault(k, None)
    return list(keys)


def _format(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix in (".gpkg", ".parquet", ".graphml"):
        return suffix[1:]  # type: ignore[return-value]
    msg = (
        f"Cannot tell the graph format of {str(path)!r}: use a .gpkg (GeoPackage), "
        f".parquet (a GeoParquet directory) or .graphml path."
    )
    raise ValidationError(msg)


def save_graph(G: Any, path: str | os.PathLike[str]) -> Path:
    """Write a graph (networkx or :class:`~urbanchain.graph.Network`) to ``path``.

    Parameters
    ----------
    G
        Any graph urbanchain builds; a Network is saved as its networkx graph.
    path
        ``.gpkg``, ``.parquet`` (a directory, created) or ``.graphml``;
        an existing file is replaced.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValidationError
        Unknown suffix, or attribute values that are not JSON types or geometries.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> G = nx.MultiDiGraph(crs="EPSG:4326")
    >>> _ = G.add_edge("a", "b", time_min=2.0)
    >>> p = save_graph(G, pathlib.Path(tempfile.mkdtemp()) / "g.graphml")
    >>> H = load_graph(p)
    >>> H.is_directed(), list(H.edges(keys=True, data=True))
    (True, [('a', 'b', 0, {'time_min': 2.0})])
    """
    if hasattr(G, "to_networkx") and not isinstance(G, nx.Graph):
        G = G.to_networkx()
    if not isinstance(G, nx.Graph):
        msg = f"save_graph needs a networkx graph or a Network; got {type(G).__name__}."
        raise ValidationError(msg)
    p = Path(path)
    fmt = _format(p)
    meta: dict[str, Any] = {
        "format": "urbanchain-graph",
        "version": _VERSION,
        "directed": G.is_directed(),
        "multigraph": G.is_multigraph(),
        "graph": _dumps(dict(G.graph)),
    }
    if fmt == "graphml":
        _save_graphml(G, p, meta)
        return p
    node_rows = [dict(d) for _, d in G.nodes(data=True)]
    nkeys = _attr_keys(node_rows)
    ncols, nspec = _table(node_rows, nkeys)
    xy = [(d.get("x"), d.get("y")) for d in node_rows]
    npts = [
        shapely.Point(x, y)
        if isinstance(x, int | float) and isinstance(y, int | float) and math.isfinite(x * y)
        else None
        for x, y in xy
    ]
    nodes = gpd.GeoDataFrame(
        {"node_id": [_dumps(v) for v in G.nodes], **ncols}, geometry=npts, crs=_crs(G)
    )
    if G.is_multigraph():
        erows = list(G.edges(keys=True, data=True))
    else:
        erows = [(u, v, None, d) for u, v, d in G.edges(data=True)]
    edge_dicts = [dict(d) for *_, d in erows]
    ekeys = _attr_keys(edge_dicts, {"geometry"})
    ecols, espec = _table(edge_dicts, ekeys)
    egeom = [d.get("geometry") for d in edge_dicts]
    has = [isinstance(g, BaseGeometry) for g in egeom]
    edges = gpd.GeoDataFrame(
        {
            "u": [_dumps(u) for u, *_ in erows],
            "v": [_dumps(v) for _, v, *_ in erows],
            "key": [_dumps(k) for _, _, k, _ in erows],
            "_geom": has,
            **ecols,
        },
        geometry=[g if h else None for g, h in zip(egeom, has, strict=True)],
        crs=_crs(G),
    )
    non_geom = [
        i
        for i, d in enumerate(edge_dicts)
        if "geometry" in d and not isinstance(d["geometry"], BaseGeometry)
    ]
    meta.update(nodes=nspec, edges=espec, edge_geometry_other=[
        [i, _dumps(edge_dicts[i]["geometry"])] for i in non_geom
    ])  # fmt: skip
    if fmt == "gpkg":
        if p.exists():
            p.unlink()
        nodes.to_file(p, layer="nodes", driver="GPKG")
        edges.to_file(p, layer="edges", driver="GPKG")
        gpd.GeoDataFrame({"meta": [json.dumps(meta)]}, geometry=[None], crs=_crs(G)).to_file(
            p, layer="urbanchain_meta", driver="GPKG"
        )
    else:
        p.mkdir(parents=True, exist_ok=True)
        nodes.to_parquet(p / "nodes.parquet")
        edges.to_parquet(p / "edges.parquet")
        (p / "meta.json").write_text(json.dumps(meta))
    return p


def _crs(G: nx.Graph) -> Any:
    """Return the tables' CRS: the graph's, else lon/lat (urbanchain's default)."""
    return G.graph.get("crs") or "EPSG:4326"


def _save_graphml(G: nx.Graph, p: Path, meta: dict[str, Any]) -> None:
    H = nx.MultiDiGraph()
    H.graph["urbanchain_meta"] = json.dumps(meta)
    for i, (v, d) in enumerate(G.nodes(data=True)):
        H.add_node(f"n{i}", _id=_dumps(v), **{f"a_{k}": _dumps(x) for k, x in d.items()})
    index = {v: f"n{i}" for i, v in enumerate(G.nodes)}
    rows = (
        G.edges(keys=True, data=True)
        if G.is_multigraph()
        else ((u, v, None, d) for u, v, d in G.edges(data=True))
    )
    for j, (u, v, k, d) in enumerate(rows):
        H.add_edge(index[u], index[v], key=f"e{j}", _key=_dumps(k),
                   **{f"a_{a}": _dumps(x) for a, x in d.items()})  # fmt: skip
    nx.write_graphml(H, p)


def _new_graph(meta: dict[str, Any]) -> nx.Graph:
    directed, multi = bool(meta["directed"]), bool(meta["multigraph"])
    cls = {(True, True): nx.MultiDiGraph, (False, True): nx.MultiGraph}.get(
        (directed, multi), nx.DiGraph if directed else nx.Graph
    )
    G = cls()
    G.graph.update(_loads(meta["graph"]))
    return G


def _check_meta(meta: Any, path: Path) -> dict[str, Any]:
    if not isinstance(meta, dict) or meta.get("format") != "urbanchain-graph":
        msg = (
            f"{str(path)!r} was not written by urbanchain.io.save_graph (no urbanchain "
            f"metadata). For other road files use urbanchain.io.read_layer and "
            f"urbanchain.graph.graph_from_gdfs."
        )
        raise InputFileError(msg)
    if int(meta.get("version", 0)) > _VERSION:
        msg = (
            f"{str(path)!r} was written by a newer urbanchain (format {meta['version']}); upgrade."
        )
        raise InputFileError(msg)
    return meta


def _row_attrs(df: pd.DataFrame, spec: dict[str, Any], i: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col, (name, kind) in spec.items():
        val: Any = df[col].iat[i]
        if kind == "json":
            if val == _ABSENT:
                continue
            out[name] = _loads(val)
        elif kind == "float":
            out[name] = float(val)
        elif kind == "int":
            out[name] = int(val)
        elif kind == "bool":
            out[name] = bool(val)
        else:
            out[name] = str(val)
    return out


def load_graph(path: str | os.PathLike[str]) -> nx.Graph:
    """Read a graph written by :func:`save_graph` (see the module docstring).

    Raises
    ------
    InputFileError
        The file does not exist or was not written by :func:`save_graph`.
    ResourceLimitError
        The file is larger than the ``max_file_bytes`` setting.
    """
    p = Path(path)
    fmt = _format(p)
    if not p.exists():
        msg = f"No graph at {str(p)!r}: pass the path given to urbanchain.io.save_graph."
        raise InputFileError(msg)
    size = sum(f.stat().st_size for f in p.iterdir()) if p.is_dir() else p.stat().st_size
    limit = int(settings.get("max_file_bytes"))
    if size > limit:
        msg = (
            f"{str(p)!r} holds {size:,} bytes, more than max_file_bytes = {limit:,}; raise it "
            f"with urbanchain.settings.set(max_file_bytes=...) if you trust the file."
        )
        raise ResourceLimitError(msg)
    if fmt == "graphml":
        H = nx.read_graphml(p, force_multigraph=True)
        meta = _check_meta(json.loads(H.graph.get("urbanchain_meta", "null")), p)
        G = _new_graph(meta)
        for _, d in H.nodes(data=True):
            G.add_node(
                _loads(d["_id"]), **{k[2:]: _loads(x) for k, x in d.items() if k.startswith("a_")}
            )
        ids = {n: _loads(d["_id"]) for n, d in H.nodes(data=True)}
        ordered = sorted(H.edges(keys=True, data=True), key=lambda e: int(str(e[2])[1:]))
        for u, v, _k, d in ordered:
            attrs = {k[2:]: _loads(x) for k, x in d.items() if k.startswith("a_")}
            key = _loads(d["_key"])
            if G.is_multigraph():
                G.add_edge(ids[u], ids[v], key=key, **attrs)
            else:
                G.add_edge(ids[u], ids[v], **attrs)
        return G
    if fmt == "gpkg":
        import pyogrio

        layers = {name for name, _ in pyogrio.list_layers(p)}
        if "urbanchain_meta" not in layers:
            _check_meta(None, p)
        meta = _check_meta(json.loads(gpd.read_file(p, layer="urbanchain_meta")["meta"].iat[0]), p)
        nodes = gpd.read_file(p, layer="nodes")
        edges = gpd.read_file(p, layer="edges")
    else:
        if not (p / "meta.json").exists():
            _check_meta(None, p)
        meta = _check_meta(json.loads((p / "meta.json").read_text()), p)
        nodes = gpd.read_parquet(p / "nodes.parquet")
        edges = gpd.read_parquet(p / "edges.parquet")
    G = _new_graph(meta)
    for i, nid in enumerate(nodes["node_id"].tolist()):
        G.add_node(_loads(nid), **_row_attrs(nodes, meta["nodes"], i))
    other = {int(i): _loads(g) for i, g in meta.get("edge_geometry_other", [])}
    geoms = edges.geometry.to_numpy()
    has = edges["_geom"].to_numpy()
    for i in range(len(edges)):
        attrs = _row_attrs(edges, meta["edges"], i)
        if bool(has[i]):
            attrs["geometry"] = geoms[i]
        elif i in other:
            attrs["geometry"] = other[i]
        u, v, k = (_loads(edges[c].iat[i]) for c in ("u", "v", "key"))
        if G.is_multigraph():
            G.add_edge(u, v, key=k, **attrs)
        else:
            G.add_edge(u, v, **attrs)
    return G
