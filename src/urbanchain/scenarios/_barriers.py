"""Resolve what a closure names: ids, Vietnamese names, or geometries (barriers)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from urbanchain._private._names import match_names
from urbanchain.crs import METRIC_CRS, STORAGE_CRS
from urbanchain.errors import CRSError, ScenarioError, UnknownNameError

__all__ = ["edge_geometries", "resolve_barrier", "resolve_closure_names"]

_LINKS = ("access:", "transfer:")


def edge_geometries(G: nx.Graph) -> tuple[list[str], list[str], np.ndarray]:
    """Edge ids, corridor ids and line geometries of the edges that have all three."""
    eids: list[str] = []
    cids: list[str] = []
    geoms: list[Any] = []
    for *_, d in G.edges(data=True):
        g = d.get("geometry")
        if g is None or "edge_id" not in d:
            continue
        eids.append(str(d["edge_id"]))
        cids.append(str(d.get("corridor_id")))
        geoms.append(g)
    return eids, cids, np.asarray(geoms, dtype=object)


def resolve_closure_names(
    G: nx.Graph, corridors: pd.DataFrame | None, wanted: list[str]
) -> tuple[list[str], dict[str, list[str]]]:
    """Turn each id or name into corridor/edge ids; places close their incident edges.

    Returns the ids to close and, per given name, what it resolved to.
    """
    corr_names: dict[str, list[Any]] = {}
    for *_, d in G.edges(data=True):
        c = d.get("corridor_id")
        if c is None:
            continue
        corr_names.setdefault(str(c), [str(c)])
        for key in ("name", "code"):
            if isinstance(d.get(key), str) and d[key].strip() and d[key] not in corr_names[str(c)]:
                corr_names[str(c)].append(d[key])
    if corridors is not None and "corridor_id" in corridors.columns:
        for _, row in corridors.iterrows():
            c = str(row["corridor_id"])
            corr_names.setdefault(c, [c])
            for key in ("name", "code"):
                val = row.get(key)
                if isinstance(val, str) and val.strip() and val not in corr_names[c]:
                    corr_names[c].append(val)
    edges = {str(e) for *_, e in G.edges(data="edge_id") if e is not None}
    places: dict[Any, list[Any]] = {
        v: [v, d.get("name"), d.get("name_ascii")]
        for v, d in G.nodes(data=True)
        if "@" not in str(v) and not str(v).startswith("junction:")
    }
    out: list[str] = []
    resolved: dict[str, list[str]] = {}
    for w in wanted:
        if w in corr_names or w in edges:
            out.append(w)
            resolved[w] = [w]
            continue
        hits_c = match_names(w, corr_names)
        hits_p = match_names(w, places) if not hits_c else []
        if len(hits_c) == 1:
            out.append(hits_c[0])
            resolved[w] = [hits_c[0]]
            continue
        if len(hits_c) > 1:
            msg = (
                f"The name {w!r} matches several corridors: {', '.join(map(repr, hits_c))}. "
                "Pass the corridor id of the one to close."
            )
            raise UnknownNameError(msg)
        if len(hits_p) > 1:
            msg = (
                f"The name {w!r} matches several places: {', '.join(map(repr, hits_p))}. "
                "Pass the node id of the one to cut off."
            )
            raise UnknownNameError(msg)
        if len(hits_p) == 1:
            node = hits_p[0]
            # every edge at the place and at its mode-layer copies (node@rail, ...)
            at = [
                str(d["edge_id"])
                for u, v, d in G.edges(data=True)
                if "edge_id" in d
                and (
                    node in {u, v} or str(u).startswith(f"{node}@") or str(v).startswith(f"{node}@")
                )
            ]
            out.extend(at)
            resolved[w] = at
            continue
        from urbanchain._private._messages import unknown_name

        labels = sorted(set(corr_names) | {str(n) for ns in corr_names.values() for n in ns})
        err = unknown_name("corridor, edge or place", w, labels + [str(p) for p in places])
        raise err
    return list(dict.fromkeys(out)), resolved


def _metric_buffer(geom: BaseGeometry, radius_m: float, crs: Any) -> BaseGeometry:
    s = gpd.GeoSeries([geom], crs=crs).to_crs(METRIC_CRS).buffer(radius_m, quad_segs=16)
    return cast(BaseGeometry, s.to_crs(crs).iloc[0])


def resolve_barrier(
    G: nx.Graph,
    barrier: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    radius_m: float | None,
    by: str,
) -> tuple[list[str], dict[str, Any]]:
    """Edge (or corridor) ids a barrier geometry touches, and a record of the barrier.

    Points need ``radius_m`` (a disc drawn in the metric CRS); lines close the
    edges they cross or touch; polygons the edges they intersect.  Access
    links and transfers are closed as edges even with ``by="corridor"``.
    """
    crs = G.graph.get("crs", STORAGE_CRS)
    if isinstance(barrier, gpd.GeoDataFrame | gpd.GeoSeries):
        if barrier.crs is None:
            msg = (
                "The barrier layer has no CRS, so it cannot be matched to the network. Set it, "
                "e.g. layer.set_crs('EPSG:4326') for longitude/latitude."
            )
            raise CRSError(msg)
        geoms = list(barrier.to_crs(crs).geometry.values)
    elif isinstance(barrier, BaseGeometry):
        geoms = [barrier]  # a bare geometry is read in the graph's CRS
    else:
        msg = (
            f"A barrier must be a shapely geometry or a GeoDataFrame; got {type(barrier).__name__}."
        )
        raise ScenarioError(msg)
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        msg = "The barrier has no geometry (empty or None); pass points, lines or polygons."
        raise ScenarioError(msg)
    shapes = []
    for g in geoms:
        if g.geom_type in ("Point", "MultiPoint"):
            if radius_m is None or not (
                isinstance(radius_m, int | float) and math.isfinite(radius_m) and radius_m > 0
            ):
                msg = (
                    f"A point barrier needs radius_m= (metres, > 0) to say what it covers; got "
                    f"{radius_m!r}. For example close(point, radius_m=500) for a bridge."
                )
                raise ScenarioError(msg)
            shapes.append(_metric_buffer(g, float(radius_m), crs))
        else:
            shapes.append(g)
    eids, cids, lines = edge_geometries(G)
    if not len(lines):
        msg = "The graph's edges have no geometry, so a barrier cannot be matched to them."
        raise ScenarioError(msg)
    extent = shapely.box(*shapely.total_bounds(lines))
    outside = [i for i, s in enumerate(shapes) if not s.intersects(extent)]
    if outside:
        b = [round(float(x), 4) for x in shapely.total_bounds(lines)]
        msg = (
            f"{len(outside)} of {len(shapes)} barrier geometries lie outside the network's extent "
            f"(lon/lat bounds {b}): they cannot close anything. Check their CRS (longitude first) "
            "and coordinates."
        )
        raise ScenarioError(msg)
    tree = shapely.STRtree(lines)
    hit: set[int] = set()
    for s in shapes:
        hit |= set(tree.query(s, predicate="intersects").tolist())
    touched = sorted(eids[i] for i in hit)
    if by == "corridor":
        corr = {cids[i] for i in hit if not cids[i].startswith(_LINKS)}
        ids = sorted(corr) + sorted(eids[i] for i in hit if cids[i].startswith(_LINKS))
    else:
        ids = touched
    record = {
        "barrier": [shapely.to_wkt(s, rounding_precision=5) for s in geoms][:20],
        "radius_m": radius_m,
        "by": by,
        "edges_touched": touched,
    }
    return ids, record


def as_name_list(ids: Any) -> list[str] | None:
    """Return ``ids`` as a list of ids/names, or None when it is a geometry (a barrier)."""
    if isinstance(ids, BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries):
        return None
    if isinstance(ids, str):
        return [ids]
    if isinstance(ids, pd.DataFrame):
        msg = (
            "close() got a DataFrame without geometry; pass ids/names, or a GeoDataFrame of "
            "barrier geometries."
        )
        raise ScenarioError(msg)
    if not isinstance(ids, Iterable):
        msg = f"close() takes ids, names or geometries; got {type(ids).__name__}."
        raise ScenarioError(msg)
    out = list(ids)
    bad = [i for i in out if not isinstance(i, str)]
    if bad:
        msg = f"close() ids and names must be strings; got {bad[0]!r}."
        raise ScenarioError(msg)
    return out
