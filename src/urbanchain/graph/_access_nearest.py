"""Access links as planners draw them: one short link to the nearest corridor point.

:func:`nearest_access_lines` is the ``access="nearest"`` rule of
:func:`urbanchain.graph.graph_from_gdfs`.  For every node that no road line
passes through (within the snapping tolerance), it finds the nearest point of
the nearest road line (a point on a segment, not only a vertex), inserts that
point as a vertex of the line -- so the graph builder splits the corridor
there -- and adds one straight ``mode="access"`` line from the node to it.

Nothing fans out: a node gets at most one generated link, and a node farther
than ``max_m`` from every road line gets none (it is reported, never joined
across a river or bay by a long artificial link; a long access link must be a
data row with its own source).  Lines with ``mode == "access"`` in the input
(data rows) are never targets.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["nearest_access_lines"]

_M_PER_DEG = 111_195.0  # mean metres per degree of latitude (sphere of radius 6371.0088 km)


def _local_xy(xy: np.ndarray, lat0: float, geographic: bool) -> np.ndarray:
    if not geographic:
        return np.asarray(xy, dtype=float)
    out = np.array(xy, dtype=float)
    out[..., 0] *= np.cos(np.radians(lat0)) * _M_PER_DEG
    out[..., 1] *= _M_PER_DEG
    return out


def nearest_access_lines(
    node_ids: np.ndarray,
    node_xy: np.ndarray,
    lines: gpd.GeoDataFrame,
    *,
    line_id: str,
    road_modes: tuple[str, ...],
    geographic: bool,
    snap_tolerance_m: float,
    max_m: float,
    speed_kmh: float,
    length_factor: float = 1.0,
) -> tuple[gpd.GeoDataFrame, list[Any]]:
    """Return ``(lines with inserted vertices and access rows appended, nodes left unlinked)``.

    The caller's frame is not changed.  Access rows get ``line_id``
    ``"access:<node>"``, ``mode="access"``, ``status="operational"``,
    ``is_access=True``, ``speed_kmh=speed_kmh`` and ``_length_factor`` (the
    circuity the builder multiplies their length by); other rows get
    ``is_access`` True when their mode is ``"access"``.
    """
    out = lines.copy()
    mode = (
        out["mode"].to_numpy(dtype=object)
        if "mode" in out.columns
        else np.full(len(out), "road", dtype=object)
    )
    data_access = mode == "access"
    out["is_access"] = data_access
    geom_col = out.geometry.name
    n_nodes = len(node_ids)
    if n_nodes == 0 or len(out) == 0:
        return out, []
    road_rows = np.flatnonzero(pd.Series(mode).isin(road_modes).to_numpy() & ~data_access)
    lat0 = float(np.nanmean(node_xy[:, 1])) if geographic else 0.0
    geoms = out.geometry.to_numpy()
    # every road line, as local metric LineStrings (MultiLineStrings exploded)
    parts: list[Any] = []
    part_row: list[int] = []
    for r in road_rows.tolist():
        g = geoms[r]
        for p in shapely.get_parts(g):
            parts.append(p)
            part_row.append(r)
    # nodes that any line passes through (rail, access data rows ... count too)
    all_xy = _local_xy(shapely.get_coordinates(np.asarray(geoms)), lat0, geographic)
    nxy = _local_xy(node_xy[:, :2], lat0, geographic)
    from scipy.spatial import cKDTree

    on_line = np.zeros(n_nodes, dtype=bool)
    if len(all_xy):
        d, _ = cKDTree(all_xy).query(nxy, k=1)
        on_line = d <= snap_tolerance_m
    unlinked: list[Any] = []
    if not parts:
        return out, [node_ids[i] for i in np.flatnonzero(~on_line).tolist()]
    metric_parts: list[Any] = [
        shapely.LineString(_local_xy(shapely.get_coordinates(p), lat0, geographic)) for p in parts
    ]
    tree = shapely.STRtree(np.asarray(metric_parts, dtype=object))
    todo = np.flatnonzero(~on_line)
    pts: np.ndarray = (
        np.asarray(shapely.points(nxy[todo]), dtype=object)
        if len(todo)
        else np.zeros(0, dtype=object)
    )
    inserts: dict[int, list[tuple[float, np.ndarray]]] = {}
    new_rows: list[dict[str, Any]] = []
    if len(todo):
        (pi, li), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        for k in range(len(pi)):
            i = int(todo[pi[k]])
            j = int(li[k])
            if dist[k] > max_m:
                unlinked.append(node_ids[i])
                continue
            line_m = metric_parts[j]
            s = float(shapely.line_locate_point(line_m, pts[pi[k]]))
            if dist[k] <= snap_tolerance_m:
                # the line passes within the tolerance: put the node on it, no link
                inserts.setdefault(j, []).append((s, np.asarray(node_xy[i, :2], dtype=float)))
                continue
            # the same point in the line's own coordinates: interpolate by fraction
            src = parts[j]
            src_xy = shapely.get_coordinates(src)
            met_xy = shapely.get_coordinates(line_m)
            seg = np.hypot(*np.diff(met_xy, axis=0).T)
            cum = np.concatenate(([0.0], np.cumsum(seg)))
            idx = min(int(np.searchsorted(cum, s, side="right")) - 1, len(seg) - 1)
            frac = 0.0 if seg[idx] == 0 else (s - cum[idx]) / seg[idx]
            target = src_xy[idx] + frac * (src_xy[idx + 1] - src_xy[idx])
            # a target within the tolerance of a vertex uses that vertex
            near_v = np.hypot(*(met_xy - (met_xy[idx] + frac * (met_xy[idx + 1] - met_xy[idx]))).T)
            v = int(np.argmin(near_v))
            if near_v[v] <= snap_tolerance_m:
                target = src_xy[v]
            else:
                inserts.setdefault(j, []).append((s, target))
            new_rows.append(
                {
                    line_id: f"access:{node_ids[i]}",
                    "name": f"access to {node_ids[i]}",
                    "mode": "access",
                    "status": "operational",
                    "is_access": True,
                    "speed_kmh": float(speed_kmh),
                    "_length_factor": float(length_factor),
                    geom_col: shapely.LineString([tuple(node_xy[i, :2]), tuple(target)]),
                }
            )
    # rebuild the lines that receive new vertices (parts of one row are re-joined)
    if inserts:
        by_row: dict[int, list[int]] = {}
        for j in range(len(parts)):
            by_row.setdefault(part_row[j], []).append(j)
        geo = out.geometry.to_numpy().copy()
        for r, js in by_row.items():
            if not any(j in inserts for j in js):
                continue
            rebuilt = []
            for j in js:
                src_xy = shapely.get_coordinates(parts[j])
                met_xy = shapely.get_coordinates(metric_parts[j])
                if j not in inserts:
                    rebuilt.append(parts[j])
                    continue
                seg = np.hypot(*np.diff(met_xy, axis=0).T)
                cum = np.concatenate(([0.0], np.cumsum(seg)))
                pos = list(cum)
                xy = [tuple(c) for c in src_xy]
                for s, tgt in sorted(inserts[j], key=lambda t: t[0]):
                    at = int(np.searchsorted(pos, s, side="right"))
                    pos.insert(at, s)
                    xy.insert(at, tuple(tgt))
                rebuilt.append(shapely.LineString(xy))
            geo[r] = rebuilt[0] if len(rebuilt) == 1 else shapely.MultiLineString(rebuilt)
        out = out.set_geometry(gpd.GeoSeries(geo, index=out.index, crs=out.crs))
    if new_rows:
        extra = gpd.GeoDataFrame(new_rows, geometry=geom_col, crs=out.crs)
        if line_id not in out.columns:
            msg = f"access='nearest' needs a {line_id!r} column on the lines to name access links."
            from urbanchain.errors import GraphError

            raise GraphError(msg)
        out = pd.concat([out, extra], ignore_index=True)
        out = gpd.GeoDataFrame(out, geometry=geom_col, crs=lines.crs)
    return out, unlinked
