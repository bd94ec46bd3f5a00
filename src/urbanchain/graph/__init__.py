"""The multimodal chain graph: build it from layers, turn it back into layers.

:func:`graph_from_gdfs` turns a node layer (cities, ports, airports...) and a
line layer (corridors, or a road network of millions of segments) into a
:class:`networkx.MultiGraph` (or :class:`~networkx.MultiDiGraph`) following the
graph conventions of urbanchain:

* node ids are the layer's ids; nodes created where lines meet away from any
  node are ``"junction:<n>"`` (numbered in coordinate order, so the numbering
  does not depend on the order of the rows);
* road modes (``expressway``, ``highway``, ``road``, ``access``) share the
  base node; rail, waterway, sea and air lines attach to mode-layer copies
  ``"<node_id>@<layer>"`` made only at nodes that serve that mode, linked to the
  base node by a ``"transfer"`` edge that costs a penalty in minutes
  (:data:`DEFAULT_TRANSFER_PENALTY_MIN`); a change of mode therefore happens only
  at a node that serves both modes;
* every edge carries ``length_km`` (geodesic), ``speed_kmh``, ``time_min``,
  ``mode``, ``status``, ``corridor_id``, ``edge_id`` and ``geometry``.

The build is vectorised (numpy, shapely, :class:`scipy.spatial.cKDTree`, one
:class:`pyproj.Geod` call over all segments); no Python loop runs per line or
per vertex.  With ``output="network"`` it returns a :class:`Network`: the same
graph as node and edge tables, for road networks of 10^5-10^6 edges (a layer
of 10^6 LineStrings builds in about 2 s on two cores, see
``benchmarks/README.md``).  The default networkx output is that network
converted by :meth:`Network.to_networkx`, one dict per node and per edge.

Speeds
------
:data:`DEFAULT_SPEEDS_KMH` holds *operating* (door-to-door average) speeds, not
design speeds or limits:

============================  =====  =============================================================
mode (line type)              km/h   basis
============================  =====  =============================================================
``expressway``                80     Circular 38/2024/TT-BGTVT (speed and safe distance of motor
                                     vehicles, in force 1 January 2025) sets 120 km/h as the
                                     maximum and 60 km/h as the minimum on expressways, each
                                     posted by sign; the Delta's expressways are designed for
                                     100-120 km/h, trucks are capped lower, and toll plazas,
                                     interchanges and 2-lane sections bring average car/coach
                                     speeds to about 80 km/h.
``highway``                   50     National highways (QL): the same circular allows at most
                                     90 km/h outside residential areas and 60 km/h inside them
                                     (motorcycles 40 km/h off expressways), and QL5, QL10, QL18
                                     cross town after town.
``road``                      40     Generic road of a researcher's network with no mode column.
``access``                    30     Local and urban streets from a node to a corridor
                                     (also the default ``access_speed_kmh``).
``railway``                   45     Metre-gauge lines: timetabled averages of 37-52 km/h
                                     (Hà Nội-Lào Cai, Hà Nội-Hải Phòng, Thống Nhất express).
``railway_fast``              100    Railway with design speed 120-249 km/h (new standard-gauge
                                     electrified lines, e.g. Lào Cai-Hà Nội-Hải Phòng at
                                     160/120/80 km/h by section): average with stops.
``railway_high_speed``        250    Railway with design speed >= 250 km/h (North-South high-speed,
                                     350 km/h design): average with stops.
``waterway``                  12     Inland barges and river boats (6-7 knots).
``sea``                       25     Coastal ferries and feeders (about 13.5 knots).
``air``                       500    Block speed (great-circle distance / scheduled block time) of
                                     domestic jet routes such as HAN-SGN, 1,140 km in about 2 h 15.
============================  =====  =============================================================

Lengths
-------
Edge lengths are geodesic lengths of the pieces.  When a line has an official
length (column ``length_official_km``), its pieces are scaled by
``length_official_km / drawn length``, so the line's edges add up to the
official length while keeping its schematic shape (a factor below 0.5 or
above 2 is refused: the figure then belongs to another geometry).

The circular's figures were checked against two press summaries of its text (Lao Động,
https://news.laodong.vn/xe/luu-y-quy-dinh-moi-ve-toc-do-xe-may-oto-tu-2025-1427265.ldo;
Báo Mới, https://lite.baomoi.com/tu-nam-2025-lai-xe-voi-toc-do-bao-nhieu-la-dung-quy-dinh-c50866331.epi),
not against the gazette; the operating speeds above are averages, not limits, and are the
library's assumptions (the limits only bound them).  A corridor's own ``speed_kmh`` (a
sourced operating speed) wins; ``design_speed_kmh`` caps the mode default (a 60 km/h
design gives 60 km/h, a 120 km/h design keeps the 80 km/h average).

The speed of a line is, in this order: its own ``speed_kmh`` value if present;
``speeds[line type]`` if the caller overrides it (the line type is the mode,
except for railways, see below); otherwise
``min(design_speed_kmh, default)`` when the line has a design speed, else the
default.  Railway lines take their line type from ``design_speed_kmh``
(``railway_high_speed`` from 250, ``railway_fast`` from 120, else ``railway``).

Transfer penalties
------------------
:data:`DEFAULT_TRANSFER_PENALTY_MIN` is the time spent at the terminal for *one*
change between the road layer and another layer (so a rail trip between two
stations pays it twice, once at each end).  These are schedule-free minimums:
no waiting for a departure is modelled.

* ``rail`` 20 min (walk to the platform, board; the same on arrival);
* ``waterway`` 20 min and ``sea`` 30 min (boarding and mooring);
* ``air`` 60 min (domestic check-in closes 40 min before departure and airlines
  advise arriving 90-120 min early; about 20 min to leave on arrival; 60 min is
  the mean of the two ends).

Transfer edges have ``length_km = 0`` and ``speed_kmh = 0``: weight them by
``time_min``.
"""

from __future__ import annotations

import copy
import functools
import logging
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely

from urbanchain import settings
from urbanchain._private._messages import format_ids
from urbanchain._private._version import VERSION
from urbanchain.crs import STORAGE_CRS, check_metric_crs, ensure_crs
from urbanchain.errors import CRSError, DataQualityWarning, GraphError, WeightError
from urbanchain.graph._build import build_pieces, gc_paused
from urbanchain.graph._network import Network, is_missing, records

__all__ = [
    "BARE_SNAP_TOLERANCE_M",
    "DEFAULT_ACCESS_CIRCUITY",
    "DEFAULT_NEAREST_ACCESS_MAX_M",
    "DEFAULT_SPEEDS_KMH",
    "DEFAULT_TRANSFER_PENALTY_MIN",
    "LAYER_OF_MODE",
    "MODES",
    "ROAD_MODES",
    "STATUSES",
    "Network",
    "TopologyReport",
    "attach",
    "corridors_as_of",
    "graph_from_edges_gdf",
    "graph_from_gdfs",
    "graph_from_osm",
    "graph_from_osmnx",
    "graph_to_gdfs",
    "to_osmnx",
    "topology_report",
]

logger = logging.getLogger(__name__)

# documented and pickled under its public home
Network.__module__ = __name__

#: Snapping tolerance (metres) of a bare road network (``nodes=None``) by default.
BARE_SNAP_TOLERANCE_M = 0.01

#: Operating speeds in km/h by mode or railway line type (see the module docstring).
DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "expressway": 80.0,
    "highway": 50.0,
    "road": 40.0,
    "access": 30.0,
    "railway": 45.0,
    "railway_fast": 100.0,
    "railway_high_speed": 250.0,
    "waterway": 12.0,
    "sea": 25.0,
    "air": 500.0,
}
#: Modes whose lines share the base node (the road layer).
ROAD_MODES: tuple[str, ...] = ("expressway", "highway", "road", "access")
#: Layer of each non-road mode; its lines attach to ``"<node_id>@<layer>"`` copies.
LAYER_OF_MODE: Mapping[str, str] = {
    "railway": "rail",
    "waterway": "waterway",
    "sea": "sea",
    "air": "air",
}
#: Every mode a line may have.
MODES: tuple[str, ...] = (*ROAD_MODES, *LAYER_OF_MODE)
#: Minutes per change between the road layer and another layer (see the module docstring).
DEFAULT_TRANSFER_PENALTY_MIN: Mapping[str, float] = {
    "rail": 20.0,
    "waterway": 20.0,
    "sea": 30.0,
    "air": 60.0,
}
#: Road distance / straight-line distance for access links.  Network circuity
#: factors measured for road networks are about 1.2-1.4 (Ballou, Rahardja &
#: Sakai 2002, *Transportation Research A* 36(9); Boeing 2019, *Urban Science*
#: 3(2)); 1.3 is the middle of that range.
DEFAULT_ACCESS_CIRCUITY = 1.3
#: Longest generated access link of the ``access="nearest"`` rule (metres) when
#: ``access_radius_m`` is not given: a node farther than this from every road
#: line needs its corridor, or a sourced access row, in the data.
DEFAULT_NEAREST_ACCESS_MAX_M = 10_000.0
#: Statuses a line may have.
STATUSES: tuple[str, ...] = ("operational", "under_construction", "planned", "paused")

_LAYERS: tuple[str, ...] = ("road", *dict.fromkeys(LAYER_OF_MODE.values()))
_UNITS = {"length_km": "km", "time_min": "min", "speed_kmh": "km/h"}
_CARRIED_LINE_COLUMNS = ("name", "code", "opening_year", "element", "element_name", "is_access")


def _version() -> str:
    return VERSION


# --------------------------------------------------------------------------- time slices


def corridors_as_of(lines: gpd.GeoDataFrame, year: int) -> gpd.GeoDataFrame:
    """Keep the lines that are operational in ``year``.

    A line is kept when its ``status`` is ``operational`` and its
    ``opening_year`` is at most ``year`` or unknown, or when it is
    ``under_construction`` or ``planned`` with a target ``opening_year`` at most
    ``year``.  ``paused`` lines are never kept.  A layer without a ``status``
    column is treated as operational; one without ``opening_year`` as opened.

    Parameters
    ----------
    lines
        A corridor layer (see the layer schema in ``CONTRACT``).
    year
        The year of the slice.

    Returns
    -------
    geopandas.GeoDataFrame
        A filtered copy (same index and columns).

    Raises
    ------
    GraphError
        If a status is not one of :data:`STATUSES`, or ``year`` is not a whole year.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> from urbanchain.graph import corridors_as_of
    >>> lines = gpd.GeoDataFrame(
    ...     {"corridor_id": ["a", "b", "c"], "status": ["operational", "planned", "paused"],
    ...      "opening_year": [2015, 2027, 2020]},
    ...     geometry=[LineString([(0, 0), (1, 0)])] * 3, crs="EPSG:4326")
    >>> list(corridors_as_of(lines, 2025).corridor_id)
    ['a']
    >>> list(corridors_as_of(lines, 2030).corridor_id)
    ['a', 'b']
    """
    if isinstance(year, bool) or not isinstance(year, int | np.integer):
        msg = f"as_of must be a whole year such as 2025; got {year!r}."
        raise GraphError(msg)
    n = len(lines)
    if "status" in lines.columns:
        status = lines["status"].astype(object).to_numpy()
    else:
        status = np.full(n, "operational", dtype=object)
    bad = ~pd.Series(status).isin(STATUSES).to_numpy()
    if bad.any():
        ids = _ids_for_message(lines, np.flatnonzero(bad))
        vals = sorted({str(s) for s in status[bad]})
        msg = (
            f"Lines {ids} have status {', '.join(vals)}, which is not one of {', '.join(STATUSES)}. "
            "Fix the status column before taking a time slice."
        )
        raise GraphError(msg)
    if "opening_year" in lines.columns:
        opening = pd.to_numeric(lines["opening_year"], errors="coerce").to_numpy(dtype=float)
    else:
        opening = np.full(n, np.nan)
    known = np.isfinite(opening)
    due = known & (opening <= year)
    keep = ((status == "operational") & (~known | due)) | (
        np.isin(status, ["under_construction", "planned"]) & due
    )
    return lines.loc[keep].copy()


# --------------------------------------------------------------------------- helpers


def _ids_for_message(lines: pd.DataFrame, rows: Any, line_id: str = "corridor_id") -> str:
    rows = np.asarray(rows, dtype=np.int64)
    if line_id in lines.columns:
        ids = lines[line_id].to_numpy()[rows]
        return format_ids(ids)
    return format_ids(f"row {r}" for r in rows)


_is_missing = is_missing
_records = records


def _check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        msg = f"{name} must be a finite number {bound}; got {value!r}."
        raise GraphError(msg)
    return float(value)


def _prepare_crs(
    nodes: gpd.GeoDataFrame | None, lines: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame, pyproj.CRS, bool]:
    lcrs = ensure_crs(lines, what="lines")
    if nodes is not None:
        ncrs = ensure_crs(nodes, what="nodes")
        if not ncrs.equals(lcrs, ignore_axis_order=True):
            msg = (
                f"nodes are in {ncrs.name} ({ncrs.to_string()}) but lines are in "
                f"{lcrs.name} ({lcrs.to_string()}); coordinates in two systems cannot be snapped. "
                "Reproject one layer first, e.g. nodes = nodes.to_crs(lines.crs)."
            )
            raise CRSError(msg)
    if lcrs.is_geographic:
        storage = pyproj.CRS.from_user_input(STORAGE_CRS)
        if not lcrs.equals(storage, ignore_axis_order=True):
            lines = lines.to_crs(STORAGE_CRS)
            if nodes is not None:
                nodes = nodes.to_crs(STORAGE_CRS)
            lcrs = storage
        return nodes, lines, lcrs, True
    check_metric_crs(lcrs)
    return nodes, lines, lcrs, False


def _crs_label(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else crs.to_string()


def _node_table(
    nodes: gpd.GeoDataFrame, node_id: str
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    if node_id not in nodes.columns:
        msg = (
            f"The nodes layer has no {node_id!r} column (columns: {', '.join(map(str, nodes.columns))}). "
            "Pass node_id='<the id column>', or nodes.reset_index() if the ids are the index. "
            "Layers from graph_to_gdfs(G) are rebuilt with graph_from_edges_gdf(nodes, edges)."
        )
        raise GraphError(msg)
    ids = nodes[node_id].to_numpy(dtype=object)
    null = pd.isna(nodes[node_id]).to_numpy()
    if null.any():
        msg = (
            f"Node rows {format_ids(np.flatnonzero(null))} have no {node_id}; every node needs a "
            "unique, non-empty id (missing ids would each become a separate node)."
        )
        raise GraphError(msg)
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        msg = (
            f"Node ids {format_ids(sorted({str(i) for i in ids[dup]}))} occur more than once in "
            f"column {node_id!r}; networkx would merge them and keep one row's attributes. "
            "Make the ids unique."
        )
        raise GraphError(msg)
    # 1 and "1" are distinct ids but the same text, and mode-layer copies and outputs
    # (GraphML, CSV) name nodes by their text: refuse the clash instead of merging
    as_text = pd.Series([str(i) for i in ids])
    clash = as_text.duplicated(keep=False).to_numpy()
    if clash.any():
        shown = sorted({f"{i!r}" for i in ids[clash]})
        msg = (
            f"Node ids {', '.join(shown[:10])} differ only in type (they read the same as "
            f"text) in column {node_id!r}. Use one type for every id, e.g. "
            f"nodes[{node_id!r}] = nodes[{node_id!r}].astype(str)."
        )
        raise GraphError(msg)
    # the builder names mode-layer copies "<id>@<layer>" and junctions "junction:<n>",
    # and the metrics leave such nodes out as not being places: a user id that looks
    # like one would silently vanish from every table (issue 13), so it is refused
    reserved = np.array(
        [("@" in t) or t.startswith("junction:") for t in as_text.tolist()], dtype=bool
    )
    if reserved.any():
        shown = sorted({f"{i!r}" for i in ids[reserved]})
        msg = (
            f"Node ids {', '.join(shown[:10])} in column {node_id!r} use urbanchain's reserved "
            "forms ('@' marks a mode-layer copy such as 'ha_noi@rail'; 'junction:' a junction). "
            "Rename them, e.g. nodes[col] = nodes[col].str.replace('@', '_at_')."
        )
        raise GraphError(msg)
    geom = nodes.geometry.values
    bad = shapely.is_missing(geom) | shapely.is_empty(geom)
    bad |= shapely.get_type_id(geom) != 0
    if bad.any():
        msg = (
            f"Nodes {format_ids(ids[bad])} have a missing, empty or non-Point geometry. "
            "Give each node a Point (use a centroid or a representative point for areas)."
        )
        raise GraphError(msg)
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        rows = np.flatnonzero(~np.isfinite(xy).all(axis=1))
        msg = f"Nodes {format_ids(ids[rows])} have non-finite coordinates."
        raise GraphError(msg)
    attrs = pd.DataFrame(nodes.drop(columns=[node_id, nodes.geometry.name]))
    return ids, xy, attrs


@dataclass
class _LineTable:
    geoms: np.ndarray  # exploded parts
    part_row: np.ndarray  # row of each part
    mode: np.ndarray  # per row
    speed: np.ndarray  # per row
    layer: np.ndarray  # per part (int)
    status: np.ndarray  # per row (object, may hold NaN)
    oneway: np.ndarray  # per row
    native_ids: np.ndarray  # ids in the column's own dtype (int64 stays int64)
    coords: np.ndarray  # vertices of the parts
    vline: np.ndarray  # part of each vertex
    seg_m: np.ndarray  # length of the segment from each vertex to the next (same part)
    carried: dict[str, np.ndarray] = field(default_factory=dict)
    length_factor: np.ndarray | None = None  # per row: official / drawn length, or None

    @functools.cached_property
    def ids(self) -> np.ndarray:
        """Line ids as Python objects (what edge attributes and reports hold)."""
        if self.native_ids.dtype == object:
            return self.native_ids
        return np.asarray(self.native_ids.astype(object), dtype=object)


def _fill(n: int, value: Any) -> np.ndarray:
    """Return an object array of ``n`` references to one ``value``."""
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def _line_table(
    lines: gpd.GeoDataFrame,
    line_id: str,
    speeds: Mapping[str, float] | None,
    *,
    geographic: bool,
    detour: Mapping[str, float] | None = None,
) -> _LineTable:
    n = len(lines)
    if line_id in lines.columns:
        native = lines[line_id].to_numpy()
        null = pd.isna(lines[line_id]).to_numpy()
        if null.any():
            msg = f"Line rows {format_ids(np.flatnonzero(null))} have no {line_id}; give every line a unique id."
            raise GraphError(msg)
        if native.dtype.kind not in "iu":
            native = lines[line_id].to_numpy(dtype=object)
    else:
        native = lines.index.to_numpy()
        if native.dtype.kind not in "iu":
            native = lines.index.to_numpy(dtype=object)
    # ids for messages: int64 ids print as Python ints do
    ids = native
    dup = pd.Series(native, dtype=native.dtype).duplicated(keep=False).to_numpy()
    if dup.any():
        msg = (
            f"Line ids {format_ids(sorted({str(i) for i in ids[dup]}))} occur more than once "
            f"(column {line_id!r}, or the index when there is no such column); "
            "edge ids are built from them, so make them unique."
        )
        raise GraphError(msg)

    geom = lines.geometry.values
    tid = shapely.get_type_id(geom)
    bad = shapely.is_missing(geom) | shapely.is_empty(geom) | ~np.isin(tid, (1, 5))
    if bad.any():
        msg = (
            f"Lines {format_ids(ids[bad])} have a missing, empty or non-line geometry "
            "(only LineString and MultiLineString are graph edges). Drop or fix those rows."
        )
        raise GraphError(msg)
    if (tid == 1).all():
        # LineStrings only: the parts are the geometries themselves (get_parts
        # would clone every one of them)
        parts = np.asarray(geom, dtype=object)
        part_row = np.arange(n, dtype=np.int64)
    else:
        parts, part_row = shapely.get_parts(geom, return_index=True)
        part_row = part_row.astype(np.int64)
    # lengths of each part, to refuse degenerate lines before building
    coords, vidx = shapely.get_coordinates(parts, return_index=True)
    from urbanchain.graph._build import segment_lengths_m

    vidx = vidx.astype(np.int64)
    same = vidx[1:] == vidx[:-1]
    seg = segment_lengths_m(coords, same, geographic=geographic)
    plen = np.bincount(vidx[:-1][same], weights=seg, minlength=len(parts))
    seg_full = np.zeros(len(coords), dtype=np.float64)
    seg_full[:-1][same] = seg
    del seg, same
    nonfinite = ~np.isfinite(coords).all(axis=1)
    plen[np.unique(vidx[nonfinite])] = np.nan
    badlen = ~(plen > 0)
    if badlen.any():
        rows = np.unique(part_row[badlen])
        msg = (
            f"Lines {format_ids(ids[rows])} have a zero, NaN or non-finite length (all their points "
            "coincide, or a coordinate is missing). A zero-length edge breaks path metrics; "
            "drop those rows or fix their geometry."
        )
        raise GraphError(msg)

    has_mode = "mode" in lines.columns
    if has_mode:
        mode = lines["mode"].to_numpy(dtype=object)
        badmode = ~pd.Series(mode, dtype=object).isin(MODES).to_numpy()
    else:
        mode = _fill(n, "road")
        badmode = np.zeros(n, dtype=bool)
    if badmode.any():
        vals = sorted({str(m) for m in mode[badmode]})
        msg = (
            f"Lines {format_ids(ids[badmode])} have mode {', '.join(vals)}; "
            f"valid modes are {', '.join(MODES)}. Fix the mode column."
        )
        raise GraphError(msg)

    speeds = dict(speeds or {})
    unknown = set(speeds) - set(DEFAULT_SPEEDS_KMH)
    if unknown:
        msg = (
            f"speeds has unknown keys {', '.join(sorted(unknown))}; valid keys are "
            f"{', '.join(DEFAULT_SPEEDS_KMH)}."
        )
        raise GraphError(msg)
    for k, s in speeds.items():
        try:
            _check_positive(s, f"speeds[{k!r}]")
        except GraphError as exc:
            raise WeightError(str(exc)) from None
    design = (
        pd.to_numeric(lines["design_speed_kmh"], errors="coerce").to_numpy(dtype=float)
        if "design_speed_kmh" in lines.columns
        else np.full(n, np.nan)
    )
    if has_mode:
        linetype = mode.copy()
        rail = mode == "railway"
        with np.errstate(invalid="ignore"):
            linetype[rail & (design >= 120)] = "railway_fast"
            linetype[rail & (design >= 250)] = "railway_high_speed"
        # per distinct line type, not per row
        lt_codes, lt_index = pd.factorize(pd.Series(linetype, dtype=object))
        lt_names = list(lt_index)
    else:
        lt_codes, lt_names = np.zeros(n, dtype=np.intp), ["road"]
    default = np.array([DEFAULT_SPEEDS_KMH[t] for t in lt_names], dtype=float)[lt_codes]
    over = np.array([speeds.get(t, np.nan) for t in lt_names], dtype=float)[lt_codes]
    with np.errstate(invalid="ignore"):
        base = np.where(np.isfinite(design), np.fmin(design, default), default)
    speed = np.where(np.isnan(over), base, over)
    if "speed_kmh" in lines.columns:
        own = pd.to_numeric(lines["speed_kmh"], errors="coerce").to_numpy(dtype=float)
        raw_missing = pd.isna(lines["speed_kmh"]).to_numpy()
        # a value that is present but not a number is an error, not "missing"
        speed = np.where(raw_missing, speed, own)
    badspeed = ~(np.isfinite(speed) & (speed > 0))
    with np.errstate(invalid="ignore"):
        badspeed |= np.isfinite(design) & ~(design > 0)
    if badspeed.any():
        msg = (
            f"Lines {format_ids(ids[badspeed])} have a NaN, zero, negative or non-numeric speed "
            "(speed_kmh or design_speed_kmh). Fix the value or remove the column so the mode "
            "default applies."
        )
        raise WeightError(msg)
    layer_of = dict.fromkeys(ROAD_MODES, 0) | {
        m: _LAYERS.index(lyr) for m, lyr in LAYER_OF_MODE.items()
    }
    if has_mode:
        m_codes, m_names = pd.factorize(pd.Series(mode, dtype=object))
        row_layer = np.array([layer_of[m] for m in m_names], dtype=np.int64)[m_codes]
    else:
        row_layer = np.zeros(n, dtype=np.int64)
    status = (
        lines["status"].to_numpy(dtype=object)
        if "status" in lines.columns
        else _fill(n, "operational")
    )
    oneway = _oneway(lines, ids)
    carried = {c: lines[c].to_numpy(dtype=object) for c in _CARRIED_LINE_COLUMNS if c in lines}
    # a line's official length (``length_official_km``) replaces its drawn length:
    # a schematic polyline through a few sourced waypoints is shorter than the road
    length_factor = None
    if detour or "_length_factor" in lines.columns:
        per_mode = np.array([float((detour or {}).get(str(m), 1.0)) for m in mode], dtype=float)
        if "_length_factor" in lines.columns:  # generated access links: their circuity
            own_f = pd.to_numeric(lines["_length_factor"], errors="coerce").to_numpy(dtype=float)
            per_mode = np.where(np.isfinite(own_f), own_f, per_mode)
        length_factor = per_mode
    if "length_official_km" in lines.columns:
        official = pd.to_numeric(lines["length_official_km"], errors="coerce").to_numpy(dtype=float)
        drawn = np.bincount(part_row, weights=plen, minlength=n) / 1000.0
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = official / drawn
        use = np.isfinite(ratio) & (official > 0)
        if use.any():
            far = use & ((ratio < 0.5) | (ratio > 2.0))
            if far.any():
                msg = (
                    f"Lines {format_ids(ids[far])} have a length_official_km that is less than half "
                    "or more than twice their drawn length; the geometry and the official length "
                    "do not describe the same road. Fix the geometry, or move the figure to a "
                    "column the builder does not read (e.g. length_official_whole_km)."
                )
                raise GraphError(msg)
            length_factor = np.where(use, ratio, 1.0 if length_factor is None else length_factor)
    return _LineTable(
        geoms=parts,
        part_row=part_row,
        mode=mode,
        speed=speed,
        layer=row_layer[part_row],
        status=status,
        oneway=oneway,
        native_ids=native,
        coords=coords,
        vline=vidx,
        seg_m=seg_full,
        carried=carried,
        length_factor=length_factor,
    )


_TRUE = {"true", "yes", "1", "t", "y"}
_FALSE = {"false", "no", "0", "f", "n", ""}


def _oneway(lines: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Parse a ``oneway`` column: booleans, 0/1 or yes/no/true/false strings."""
    if "oneway" not in lines.columns:
        return np.zeros(len(lines), dtype=bool)
    raw = lines["oneway"].to_numpy(dtype=object)
    text = np.array(["" if _is_missing(v) else str(v).strip().lower() for v in raw], dtype=object)
    text = np.where(text == "1.0", "1", np.where(text == "0.0", "0", text))
    bad = ~(np.isin(text, list(_TRUE)) | np.isin(text, list(_FALSE)))
    if bad.any():
        vals = sorted({str(v) for v in raw[bad]})
        msg = (
            f"Lines {format_ids(ids[bad])} have oneway values {', '.join(vals)}; use True/False, "
            "1/0 or yes/no (True keeps only the drawn direction)."
        )
        raise GraphError(msg)
    return np.isin(text, list(_TRUE))


def _penalties(transfer_penalty_min: float | Mapping[str, float] | None) -> dict[str, float]:
    if transfer_penalty_min is None:
        transfer_penalty_min = settings.get("transfer_penalty_min")
    if transfer_penalty_min is None:
        return dict(DEFAULT_TRANSFER_PENALTY_MIN)
    if isinstance(transfer_penalty_min, Mapping):
        unknown = set(transfer_penalty_min) - set(DEFAULT_TRANSFER_PENALTY_MIN)
        if unknown:
            msg = (
                f"transfer_penalty_min has unknown layers {', '.join(sorted(unknown))}; "
                f"valid layers are {', '.join(DEFAULT_TRANSFER_PENALTY_MIN)}."
            )
            raise GraphError(msg)
        out = dict(DEFAULT_TRANSFER_PENALTY_MIN)
        for k, val in transfer_penalty_min.items():
            out[k] = _check_positive(val, f"transfer_penalty_min[{k!r}]", allow_zero=True)
        return out
    value = _check_positive(transfer_penalty_min, "transfer_penalty_min", allow_zero=True)
    return dict.fromkeys(DEFAULT_TRANSFER_PENALTY_MIN, value)


# --------------------------------------------------------------------------- report


@dataclass
class TopologyReport:
    """What the graph builder found in the layers' topology.

    Attributes
    ----------
    n_nodes, n_edges
        Node and edge counts of the graph.
    components
        Sizes of the (weakly) connected components, largest first.
    dangling_ends
        Junction nodes of degree 1: line ends that reach no node and no other line.
    unsnapped_endpoints
        Ids of the lines with such an end.
    duplicate_segments
        Groups of edge ids whose geometries are identical (kept as parallel edges).
    self_loops
        Ids of lines whose pieces started and ended at the same node (dropped).
    nodes_beyond_access_radius
        Nodes that no road line passes through and that have no road vertex within
        ``access_radius_m`` (empty when access links were not requested).
    snap_tolerance_m, access_radius_m
        The parameters of the build.
    """

    n_nodes: int
    n_edges: int
    components: list[int]
    dangling_ends: list[Any]
    unsnapped_endpoints: list[Any]
    duplicate_segments: list[list[str]]
    self_loops: list[Any]
    nodes_beyond_access_radius: list[Any]
    snap_tolerance_m: float | None = None
    access_radius_m: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a plain, JSON-friendly dict.

        Returns
        -------
        dict
            One key per attribute.
        """
        return {k: copy.deepcopy(getattr(self, k)) for k in self.__dataclass_fields__}

    def _rows(self) -> list[tuple[str, str]]:
        comp = self.components
        comp_txt = f"{len(comp)} (sizes {format_ids(comp)})" if comp else "0"
        dup = [" = ".join(g) for g in self.duplicate_segments]
        return [
            ("nodes / edges", f"{self.n_nodes} / {self.n_edges}"),
            ("connected components", comp_txt),
            ("dangling ends", f"{len(self.dangling_ends)}: {format_ids(self.dangling_ends)}"),
            (
                "lines with an unsnapped end",
                f"{len(self.unsnapped_endpoints)}: {format_ids(self.unsnapped_endpoints)}",
            ),
            ("duplicate segments (kept)", f"{len(dup)}: {format_ids(dup, limit=5)}"),
            ("self-loops (dropped)", f"{len(self.self_loops)}: {format_ids(self.self_loops)}"),
            (
                "nodes beyond access radius",
                f"{len(self.nodes_beyond_access_radius)}: "
                f"{format_ids(self.nodes_beyond_access_radius)}",
            ),
            (
                "snap tolerance / access radius (m)",
                f"{self.snap_tolerance_m} / {self.access_radius_m}",
            ),
        ]

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self._rows())
        lines = ["Topology report"] + [f"  {k:<{width}}  {v}" for k, v in self._rows()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._rows()
        )
        return f"<table><caption>Topology report</caption>{rows}</table>"


def _components(G: nx.Graph) -> list[int]:
    comps = nx.weakly_connected_components(G) if G.is_directed() else nx.connected_components(G)
    return sorted((len(c) for c in comps), reverse=True)


def topology_report(
    G_or_layers: nx.MultiGraph
    | Network
    | gpd.GeoDataFrame
    | tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame],
    **build_kwargs: Any,
) -> TopologyReport:
    """Report components, dangling ends, unsnapped ends, duplicates and self-loops.

    Parameters
    ----------
    G_or_layers
        A graph built by :func:`graph_from_gdfs` (networkx or :class:`Network`,
        whose report is computed from its arrays), a line layer, or a
        ``(nodes, lines)`` pair (``nodes`` may be ``None``).
    **build_kwargs
        Passed to :func:`graph_from_gdfs` when layers are given.

    Returns
    -------
    TopologyReport
        Printable (``str``) and displayable in notebooks (``_repr_html_``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> from urbanchain.graph import topology_report
    >>> lines = gpd.GeoDataFrame({"corridor_id": ["a", "b"], "mode": "highway"},
    ...     geometry=[LineString([(105.0, 21.0), (105.1, 21.0)]),
    ...               LineString([(105.3, 21.0), (105.4, 21.0)])], crs="EPSG:4326")
    >>> report = topology_report(lines)
    >>> report.components
    [2, 2]
    >>> report.unsnapped_endpoints
    ['a', 'b']
    """
    if isinstance(G_or_layers, Network):
        return _network_topology_report(G_or_layers)
    if isinstance(G_or_layers, nx.Graph):
        G = G_or_layers
    else:
        if isinstance(G_or_layers, tuple):
            nodes, lines = G_or_layers
        else:
            nodes, lines = None, G_or_layers
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            G = graph_from_gdfs(nodes, lines, **build_kwargs)
    built = G.graph.get("provenance", {}).get("topology", {})
    deg = G.degree()
    dangling = sorted(
        (n for n, d in deg if d == 1 and G.nodes[n].get("kind") == "junction"), key=str
    )
    dangling_set = set(dangling)
    unsnapped: set[Any] = set()
    for u, v, data in G.edges(data=True):
        if data.get("mode") in ("transfer", "access"):
            continue
        if u in dangling_set or v in dangling_set:
            unsnapped.add(data.get("corridor_id"))
    loops_now = [d.get("corridor_id") for u, v, d in G.edges(data=True) if u == v]
    return TopologyReport(
        n_nodes=G.number_of_nodes(),
        n_edges=G.number_of_edges(),
        components=_components(G),
        dangling_ends=dangling,
        unsnapped_endpoints=sorted(unsnapped, key=str),
        duplicate_segments=[list(g) for g in built.get("duplicate_segments", [])],
        self_loops=sorted({*built.get("self_loops", []), *loops_now}, key=str),
        nodes_beyond_access_radius=list(built.get("nodes_beyond_access_radius", [])),
        snap_tolerance_m=G.graph.get("provenance", {})
        .get("parameters", {})
        .get("snap_tolerance_m"),
        access_radius_m=G.graph.get("provenance", {}).get("parameters", {}).get("access_radius_m"),
    )


def _network_topology_report(net: Network) -> TopologyReport:
    """:func:`topology_report` of a :class:`Network`, from its arrays (no networkx)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = net.number_of_nodes()
    e = net.edges
    u = e["u_pos"].to_numpy()
    v = e["v_pos"].to_numpy()
    if n:
        adj = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n)).tocsr()
        _, labels = connected_components(adj, directed=net.directed, connection="weak")
        components = sorted(np.bincount(labels).tolist(), reverse=True)
    else:
        components = []
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)  # a loop counts twice
    kind = net.nodes["kind"].to_numpy(dtype=object) if "kind" in net.nodes else np.full(n, None)
    ids = np.asarray(net.nodes.index, dtype=object)
    is_dangling = (degree == 1) & (kind == "junction")
    dangling = sorted(ids[is_dangling].tolist(), key=str)
    mode = e["mode"].to_numpy(dtype=object) if "mode" in e else np.full(len(e), None)
    corridor = (
        e["corridor_id"].to_numpy(dtype=object) if "corridor_id" in e else np.full(len(e), None)
    )
    line_edge = ~np.isin(mode, ["transfer", "access"])
    touches = line_edge & (is_dangling[u] | is_dangling[v])
    unsnapped = sorted(set(corridor[touches].tolist()), key=str)
    loops_now = corridor[u == v].tolist()
    prov = net.graph.get("provenance", {})
    built = prov.get("topology", {})
    params = prov.get("parameters", {})
    return TopologyReport(
        n_nodes=n,
        n_edges=len(e),
        components=components,
        dangling_ends=dangling,
        unsnapped_endpoints=unsnapped,
        duplicate_segments=[list(g) for g in built.get("duplicate_segments", [])],
        self_loops=sorted({*built.get("self_loops", []), *loops_now}, key=str),
        nodes_beyond_access_radius=list(built.get("nodes_beyond_access_radius", [])),
        snap_tolerance_m=params.get("snap_tolerance_m"),
        access_radius_m=params.get("access_radius_m"),
    )


def _duplicates(
    u: np.ndarray, v: np.ndarray, length: np.ndarray, geoms: np.ndarray
) -> list[list[int]]:
    """Return groups of piece indices with the same end pair, length and geometry."""
    if len(u) < 2:
        return []
    a = np.minimum(u, v)
    b = np.maximum(u, v)
    # only pieces whose end pair occurs more than once can be duplicates
    pair = a * np.int64(int(b.max()) + 1) + b
    order = np.argsort(pair, kind="stable")
    ps = pair[order]
    eq = ps[1:] == ps[:-1]
    multi = np.zeros(len(ps), dtype=bool)
    multi[1:] |= eq
    multi[:-1] |= eq
    rows = np.sort(order[multi])
    if len(rows) == 0:
        return []
    q = np.rint(length[rows] * 1000).astype(np.int64)  # millimetres
    table = np.column_stack((a[rows], b[rows], q))
    _, inv, counts = np.unique(table, axis=0, return_inverse=True, return_counts=True)
    inv = np.asarray(inv).reshape(-1)
    sel = counts[inv] > 1
    cand, cand_inv = rows[sel], inv[sel]
    if len(cand) == 0:
        return []
    groups: dict[int, list[int]] = {}
    for i, g in zip(cand.tolist(), cand_inv.tolist(), strict=True):
        groups.setdefault(g, []).append(i)
    out: list[list[int]] = []
    for members in groups.values():
        norm = shapely.normalize(geoms[members])
        seen: list[list[int]] = []
        for m, g in zip(members, norm, strict=True):
            for grp in seen:
                if shapely.equals_exact(norm[members.index(grp[0])], g, tolerance=0.0):
                    grp.append(m)
                    break
            else:
                seen.append([m])
        out.extend(sorted(grp) for grp in seen if len(grp) > 1)
    return out


# --------------------------------------------------------------------------- build


@overload
def graph_from_gdfs(
    nodes: gpd.GeoDataFrame | None,
    lines: gpd.GeoDataFrame,
    *,
    node_id: str = ...,
    line_id: str = ...,
    snap_tolerance_m: float | None = ...,
    split_at_junctions: bool = ...,
    speeds: Mapping[str, float] | None = ...,
    detour: Mapping[str, float] | None = ...,
    transfer_penalty_min: float | Mapping[str, float] | None = ...,
    access_radius_m: float | None = ...,
    access: Literal["radius", "nearest"] | None = ...,
    access_speed_kmh: float = ...,
    access_circuity: float = ...,
    directed: bool = ...,
    as_of: int | None = ...,
    provenance: Mapping[str, Any] | None = ...,
    output: Literal["networkx"] = ...,
) -> nx.MultiGraph: ...


@overload
def graph_from_gdfs(
    nodes: gpd.GeoDataFrame | None,
    lines: gpd.GeoDataFrame,
    *,
    node_id: str = ...,
    line_id: str = ...,
    snap_tolerance_m: float | None = ...,
    split_at_junctions: bool = ...,
    speeds: Mapping[str, float] | None = ...,
    detour: Mapping[str, float] | None = ...,
    transfer_penalty_min: float | Mapping[str, float] | None = ...,
    access_radius_m: float | None = ...,
    access: Literal["radius", "nearest"] | None = ...,
    access_speed_kmh: float = ...,
    access_circuity: float = ...,
    directed: bool = ...,
    as_of: int | None = ...,
    provenance: Mapping[str, Any] | None = ...,
    output: Literal["network"],
) -> Network: ...


def graph_from_gdfs(
    nodes: gpd.GeoDataFrame | None,
    lines: gpd.GeoDataFrame,
    *,
    node_id: str = "node_id",
    line_id: str = "corridor_id",
    snap_tolerance_m: float | None = None,
    split_at_junctions: bool = True,
    speeds: Mapping[str, float] | None = None,
    detour: Mapping[str, float] | None = None,
    transfer_penalty_min: float | Mapping[str, float] | None = None,
    access_radius_m: float | None = None,
    access: Literal["radius", "nearest"] | None = None,
    access_speed_kmh: float = DEFAULT_SPEEDS_KMH["access"],
    access_circuity: float = DEFAULT_ACCESS_CIRCUITY,
    directed: bool = False,
    as_of: int | None = None,
    provenance: Mapping[str, Any] | None = None,
    output: Literal["networkx", "network"] = "networkx",
) -> nx.MultiGraph | Network:
    r"""Build the multimodal chain graph from a node layer and a line layer.

    Lines are snapped to nodes, split at nodes and junctions, measured
    geodesically and timed:

    .. math:: t_e = 60 \, \frac{L_e}{v_e}

    with :math:`L_e` the edge length in km and :math:`v_e` its speed in km/h
    (see the module docstring for the speeds, their basis and the rule
    ``min(design speed, mode default)``).

    Parameters
    ----------
    nodes
        Point layer of cities, ports, airports... with a unique ``node_id``
        column, or ``None`` for a bare network (nodes are then created at line
        ends and junctions only).
    lines
        LineString (or MultiLineString: each part is split and numbered along
        the line) layer.  Columns used when present: ``line_id``, ``mode``
        (default ``"road"``), ``status`` (default ``"operational"``),
        ``opening_year``, ``design_speed_kmh``, ``speed_kmh`` (per-line
        override), ``oneway`` (directed graphs only; booleans, 1/0 or yes/no),
        ``name`` and ``code`` (copied to the edges with ``opening_year``).
        Without a ``line_id`` column, the index is used.
    node_id
        Name of the node id column.
    line_id
        Name of the line id column; its values become the edges' ``corridor_id``.
    snap_tolerance_m
        Line ends *and* interior vertices within this many metres of a node are
        moved onto the nearest node and the line is split there.  ``None`` uses
        the setting ``snap_tolerance_m`` (250 m), except for a bare road network
        (``nodes=None``) while that setting is at its default: then
        :data:`BARE_SNAP_TOLERANCE_M` (1 cm), which joins only line ends that
        coincide and never merges real junctions.
    split_at_junctions
        Split lines of the same layer where they share a vertex (rounded to about
        1 cm).  Ends are always joined when they coincide.
    detour
        Detour factors by mode (road length / drawn length, between 1 and 2) for
        lines **without** an official length: a schematic polyline through a few
        sourced towns is shorter than the road it stands for.  ``None``
        (default): no factor.  The bundled regions use
        :data:`urbanchain.chain.DELTA_GRAPH_OPTIONS`.  Lines with
        ``length_official_km`` are scaled to it instead.
    speeds
        Speed overrides in km/h by line type, keys from :data:`DEFAULT_SPEEDS_KMH`
        (the mode, or ``railway_fast`` / ``railway_high_speed`` for fast railways:
        ``speeds={"railway": 50}`` changes metre-gauge lines only).  An override
        replaces the rule ``min(design speed, default)``.
    transfer_penalty_min
        Minutes per change of layer: a number for all layers or a mapping by
        layer (``rail``, ``waterway``, ``sea``, ``air``).  ``None`` uses the
        setting ``transfer_penalty_min`` when it is set, otherwise
        :data:`DEFAULT_TRANSFER_PENALTY_MIN`.
    access_radius_m
        ``None`` (default): no access links.  Otherwise every node gets an
        ``"access"`` edge to the nearest vertex of every road line within this
        radius that does not already pass through the node (splitting that line
        there).  Linking to each nearby line, not only to the nearest one, keeps
        access links stable when lines are added, so a later time slice is never
        slower.  Nodes with no road line through them and none within the radius
        are reported.
    access
        How nodes join the road network.  ``None`` (default): ``"radius"`` when
        ``access_radius_m`` is given, else no access links.  ``"radius"``: the
        older rule above (a link to every road line within the radius).
        ``"nearest"``: the planners' rule -- every node that no road line passes
        through gets **one** straight ``"access"`` link to the nearest point of
        the nearest road line (the line is split there), at most
        ``access_radius_m`` long (default :data:`DEFAULT_NEAREST_ACCESS_MAX_M`);
        nodes farther away stay unlinked and are listed in
        ``provenance["topology"]["nodes_beyond_access_radius"]`` with a
        :class:`~urbanchain.errors.DataQualityWarning`.  Lines whose mode is
        ``"access"`` (long access links kept as data rows) are never targets.
        Every edge then carries ``is_access`` (True for generated and data
        access links).
    access_speed_kmh
        Speed of access links (default 30 km/h, local streets).  With
        ``access="nearest"`` a link's ``length_km`` is its straight-line length
        times ``access_circuity`` (the road it stands for), and its time
        ``60 * length_km / access_speed_kmh``.
    access_circuity
        Access length = straight-line geodesic length x this factor (default
        :data:`DEFAULT_ACCESS_CIRCUITY`, 1.3).
    directed
        ``False``: :class:`networkx.MultiGraph`.  ``True``:
        :class:`networkx.MultiDiGraph` with both directions of each line, except
        lines whose ``oneway`` is true (drawn direction only).
    as_of
        Keep only the lines operational in this year (:func:`corridors_as_of`).
        Nodes are all kept, with their own ``status`` attribute.
    provenance
        Extra provenance (e.g. ``{"nodes": "data/nodes.geojson"}``) merged into
        ``G.graph["provenance"]``.
    output
        ``"networkx"`` (default): a networkx multigraph.  ``"network"``: an
        array-backed :class:`Network` holding the same graph as node and edge
        tables, several times faster and smaller for 10^5-10^6 edges;
        :meth:`Network.to_networkx` gives the networkx graph back exactly.

    Returns
    -------
    networkx.MultiGraph or networkx.MultiDiGraph or Network
        The graph; ``G.graph`` holds ``crs``, ``units``, ``urbanchain_version``,
        ``provenance`` (layers, counts, parameters, topology findings),
        ``directed``, ``as_of`` and ``node_id``.  Coordinates stay in the layer's CRS:
        EPSG:4326 for geographic layers (other geographic CRSs are converted),
        or the projected CRS, which must pass
        :func:`urbanchain.crs.check_metric_crs` and is then measured in the plane.

    Raises
    ------
    CRSError
        A layer without a CRS, nodes and lines in different CRSs, or a projected
        CRS that does not measure in metres (Web Mercator, feet).
    GraphError
        Duplicate or missing node/line ids, non-point nodes, missing or non-line
        geometries, zero-length lines, unknown modes or statuses, bad parameters
        (``output`` included), or nothing to build (no lines and no nodes).
    WeightError
        NaN, zero or negative speeds (the ids are listed).

    Warns
    -----
    DataQualityWarning
        When self-loops (a piece that starts and ends at the same node) are
        dropped; the warning counts them and the report lists their line ids.

    See Also
    --------
    Network, graph_to_gdfs, graph_from_edges_gdf, topology_report

    Examples
    --------
    >>> import geopandas as gpd, networkx as nx
    >>> from shapely import LineString, Point
    >>> from urbanchain.graph import graph_from_gdfs
    >>> nodes = gpd.GeoDataFrame({"node_id": ["a", "b"], "kind": "city"},
    ...     geometry=[Point(105.0, 21.0), Point(106.0, 21.0)], crs="EPSG:4326")
    >>> lines = gpd.GeoDataFrame({"corridor_id": ["ab"], "mode": ["expressway"]},
    ...     geometry=[LineString([(105.0, 21.0), (106.0, 21.0)])], crs="EPSG:4326")
    >>> G = graph_from_gdfs(nodes, lines)
    >>> e = G.edges["a", "b", 0]
    >>> round(e["length_km"], 2), e["speed_kmh"], round(e["time_min"], 1)
    (103.97, 80.0, 78.0)

    The same graph as tables, for large networks:

    >>> net = graph_from_gdfs(nodes, lines, output="network")
    >>> net.edges[["u_pos", "v_pos", "key", "edge_id", "mode"]]
       u_pos  v_pos  key edge_id        mode
    0      0      1    0    ab/0  expressway
    >>> nx.utils.graphs_equal(net.to_networkx(), G)
    True
    """
    if not isinstance(lines, gpd.GeoDataFrame):
        msg = f"lines must be a GeoDataFrame; got {type(lines).__name__}."
        raise GraphError(msg)
    if nodes is not None and not isinstance(nodes, gpd.GeoDataFrame):
        msg = f"nodes must be a GeoDataFrame or None; got {type(nodes).__name__}."
        raise GraphError(msg)
    if {"u", "v", "key"} <= set(lines.columns):
        msg = (
            "lines has u, v and key columns: it is an edge layer that already encodes a graph "
            "(from graph_to_gdfs). Rebuild it with graph_from_edges_gdf(nodes, edges); "
            "graph_from_gdfs builds a graph from raw lines."
        )
        raise GraphError(msg)
    if output not in ("networkx", "network"):
        msg = (
            f"output must be 'networkx' (a networkx MultiGraph) or 'network' (an array-backed "
            f"urbanchain.graph.Network, for 10^5-10^6 edges); got {output!r}."
        )
        raise GraphError(msg)
    if snap_tolerance_m is None and nodes is None and settings.is_default("snap_tolerance_m"):
        # a bare road network: nothing to snap to but its own line ends, and 250 m
        # would merge real junctions (issue 19: 1,500 edges collapsed to 210)
        snap_tolerance_m = BARE_SNAP_TOLERANCE_M
    tol = _check_positive(
        settings.resolve("snap_tolerance_m", snap_tolerance_m), "snap_tolerance_m"
    )
    radius = (
        None if access_radius_m is None else _check_positive(access_radius_m, "access_radius_m")
    )
    if access not in (None, "radius", "nearest"):
        msg = f"access must be None, 'radius' or 'nearest'; got {access!r}."
        raise GraphError(msg)
    if access == "radius" and radius is None:
        msg = "access='radius' needs access_radius_m (metres), e.g. access_radius_m=15_000."
        raise GraphError(msg)
    nearest_max = None
    if access == "nearest":
        nearest_max = DEFAULT_NEAREST_ACCESS_MAX_M if radius is None else radius
        radius = None
    acc_speed = _check_positive(access_speed_kmh, "access_speed_kmh")
    circuity = _check_positive(access_circuity, "access_circuity")
    if circuity < 1:
        msg = f"access_circuity must be >= 1 (a road is never shorter than a straight line); got {circuity}."
        raise GraphError(msg)
    penalties = _penalties(transfer_penalty_min)
    for flag, flag_value in (("split_at_junctions", split_at_junctions), ("directed", directed)):
        # "false" (a string, e.g. from a config file) would otherwise count as true
        if not isinstance(flag_value, bool | np.bool_):
            msg = f"{flag} must be True or False (a boolean, not text); got {flag_value!r}."
            raise GraphError(msg)

    with gc_paused():
        net = _build_network(
            nodes,
            lines,
            node_id=node_id,
            line_id=line_id,
            tol=tol,
            split_at_junctions=split_at_junctions,
            speeds=speeds,
            detour=_check_detour(detour),
            penalties=penalties,
            radius=radius,
            nearest_max=nearest_max,
            acc_speed=acc_speed,
            circuity=circuity,
            directed=directed,
            as_of=as_of,
            provenance=provenance,
        )
        return net if output == "network" else net.to_networkx()


def _check_detour(detour: Mapping[str, float] | None) -> dict[str, float] | None:
    if detour is None:
        return None
    out = {}
    for k, v in dict(detour).items():
        if k not in MODES:
            msg = f"detour has unknown mode {k!r}; valid modes are {', '.join(MODES)}."
            raise GraphError(msg)
        f = _check_positive(v, f"detour[{k!r}]")
        if not 1.0 <= f <= 2.0:
            msg = (
                f"detour[{k!r}] = {f:g}: a detour factor is road length / drawn length, "
                "between 1 (no detour) and 2."
            )
            raise GraphError(msg)
        out[k] = f
    return out


def _build_network(
    nodes: gpd.GeoDataFrame | None,
    lines: gpd.GeoDataFrame,
    *,
    node_id: str,
    line_id: str,
    tol: float,
    split_at_junctions: bool,
    speeds: Mapping[str, float] | None,
    penalties: dict[str, float],
    radius: float | None,
    acc_speed: float,
    circuity: float,
    directed: bool,
    as_of: int | None,
    provenance: Mapping[str, Any] | None,
    nearest_max: float | None = None,
    detour: Mapping[str, float] | None = None,
) -> Network:
    nodes_in, lines_in = nodes, lines
    nodes, lines, crs, geographic = _prepare_crs(nodes, lines)
    n_lines_input = len(lines)
    if as_of is not None:
        lines = corridors_as_of(lines, as_of)
    if len(lines) == 0 and (nodes is None or len(nodes) == 0):
        msg = (
            "There is nothing to build: no lines"
            + (f" operational in {as_of}" if as_of is not None else "")
            + " and no nodes. Load a corridor layer (and nodes) first."
        )
        raise GraphError(msg)

    if nodes is not None:
        node_ids, node_xy, node_attr = _node_table(nodes, node_id)
    else:
        node_ids = np.zeros(0, dtype=object)
        node_xy = np.zeros((0, 2))
        node_attr = pd.DataFrame(index=pd.RangeIndex(0))
    unlinked: list[Any] | None = None
    if nearest_max is not None:
        from urbanchain.graph._access_nearest import nearest_access_lines

        lines, unlinked = nearest_access_lines(
            node_ids,
            node_xy,
            lines,
            line_id=line_id,
            road_modes=ROAD_MODES,
            geographic=geographic,
            snap_tolerance_m=tol,
            max_m=nearest_max,
            speed_kmh=acc_speed,
            length_factor=circuity,
        )
        if unlinked:
            msg = (
                f"Nodes {format_ids(sorted(map(str, unlinked), key=str))} are more than "
                f"{nearest_max:g} m from every road line and get no access link (access='nearest'); "
                "add the corridor that serves them, or a sourced access row (mode 'access'), "
                "or raise access_radius_m."
            )
            warnings.warn(msg, DataQualityWarning, stacklevel=4)
    lt = _line_table(lines, line_id, speeds, geographic=geographic, detour=detour)

    pieces = build_pieces(
        lt.geoms,
        lt.layer,
        len(_LAYERS),
        node_xy,
        geographic=geographic,
        snap_tolerance_m=tol,
        split_at_junctions=split_at_junctions,
        access_radius_m=radius,
        coords=lt.coords,
        vline=lt.vline,
        seg_m=lt.seg_m,
    )
    lt.coords = lt.vline = lt.seg_m = np.zeros(0)  # free the vertex arrays

    # self-loops
    self_loop_rows = set(lt.part_row[pieces.collapsed_lines].tolist())
    loop = pieces.u == pieces.v
    self_loop_rows |= set(lt.part_row[pieces.line[loop]].tolist())
    self_loop_ids = sorted({lt.ids[r] for r in self_loop_rows}, key=str)
    n_loops = int(loop.sum()) + len(pieces.collapsed_lines)
    if n_loops:
        msg = (
            f"Dropped {n_loops} self-loop piece(s) of lines {format_ids(self_loop_ids)}: they start "
            "and end at the same node (a closed line, or a line wholly within the snapping "
            "tolerance of one node). See topology_report(G)."
        )
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
    if loop.any():
        keepp = ~loop
        p_line = pieces.line[keepp]
        p_u, p_v = pieces.u[keepp], pieces.v[keepp]
        p_len = pieces.length_m[keepp]
        p_geom = pieces.geoms[keepp]
        p_ord = pieces.ordinal[keepp]
    else:
        p_line, p_u, p_v = pieces.line, pieces.u, pieces.v
        p_len, p_geom, p_ord = pieces.length_m, pieces.geoms, pieces.ordinal
    p_row = lt.part_row[p_line]
    n_p = len(p_u)

    # ---- nodes: layer nodes, then mode-layer copies, then junctions (networkx order)
    nkeys = len(pieces.key_xy)
    n_base = len(node_ids)
    is_node = pieces.key_node >= 0
    used = np.zeros(nkeys, dtype=bool)
    used[p_u] = True
    used[p_v] = True
    if pieces.access is not None:
        used[pieces.access.target_key] = True
    copy_like = np.flatnonzero(is_node & (pieces.key_layer > 0))
    copy_names_all = [
        str(node_ids[pieces.key_node[k]]) + "@" + _LAYERS[pieces.key_layer[k]]
        for k in copy_like.tolist()
    ]
    copy_used = used[copy_like]
    copies = copy_like[copy_used]
    copy_names = [n for n, u_ in zip(copy_names_all, copy_used.tolist(), strict=True) if u_]
    jk = np.flatnonzero(used & ~is_node)
    n_copies, n_junc = len(copies), len(jk)
    junction_names = _numbered("junction:", n_junc)
    if n_base:
        created = set(copy_names_all) | set(np.asarray(junction_names, dtype=object).tolist())
        clash = created & set(node_ids.tolist())
        if clash:
            msg = (
                f"Node ids {format_ids(sorted(map(str, clash)))} collide with ids the builder "
                "creates ('junction:<n>', '<node_id>@<layer>'). Rename those nodes."
            )
            raise GraphError(msg)
    del used
    pos_of_key = np.full(nkeys, -1, dtype=np.int64)
    base_keys = np.flatnonzero(is_node & (pieces.key_layer == 0))
    pos_of_key[base_keys] = pieces.key_node[base_keys]
    pos_of_key[copies] = n_base + np.arange(n_copies)
    pos_of_key[jk] = n_base + n_copies + np.arange(n_junc)
    n_all = n_base + n_copies + n_junc
    layer_names = np.asarray(_LAYERS, dtype=object)
    copy_base = pieces.key_node[copies]
    node_frame = _node_frame(
        node_ids=node_ids,
        node_xy=node_xy,
        node_attr=node_attr,
        ids=(
            pd.Index(junction_names, name=node_id)
            if n_base + n_copies == 0
            else pd.Index(
                np.concatenate(
                    (
                        node_ids.astype(object),
                        np.asarray(copy_names, dtype=object),
                        np.asarray(junction_names, dtype=object),
                    )
                ),
                dtype=object,
                name=node_id,
            )
        ),
        xy=np.concatenate((node_xy[:, :2], pieces.key_xy[copies], pieces.key_xy[jk])),
        copy_base=copy_base,
        copy_layer=layer_names[pieces.key_layer[copies]],
        junction_layer=layer_names[pieces.key_layer[jk]],
    )

    # ---- line edges (and their reverse in a directed graph)
    speed = lt.speed[p_row]
    length_km = p_len / 1000.0
    if lt.length_factor is not None:
        length_km = length_km * lt.length_factor[p_row]
    time_min = 60.0 * length_km / speed
    edge_id = _edge_ids(lt.native_ids[p_row], p_ord)
    u_pos = pos_of_key[p_u]
    v_pos = pos_of_key[p_v]
    parts: list[dict[str, np.ndarray]] = []
    line_cols: dict[str, np.ndarray] = {
        "u_pos": u_pos,
        "v_pos": v_pos,
        "length_km": length_km,
        "speed_kmh": speed,
        "time_min": time_min,
        "mode": lt.mode[p_row],
        "status": lt.status[p_row],
        "corridor_id": lt.native_ids[p_row],
        "edge_id": edge_id,
        "geometry": p_geom,
    }
    for c, arr in lt.carried.items():
        line_cols[c] = arr[p_row]
    parts.append(line_cols)
    if directed:
        back = np.flatnonzero(~lt.oneway[p_row])
        if len(back):
            rev = {c: arr[back] for c, arr in line_cols.items()}
            rev["u_pos"], rev["v_pos"] = v_pos[back], u_pos[back]
            rev["geometry"] = np.asarray(shapely.reverse(p_geom[back]), dtype=object)
            rev["edge_id"] = _suffixed(edge_id[back], "/rev")
            parts.append(rev)

    # ---- transfer edges
    n_transfer = n_copies
    if n_copies:
        t_layer = [_LAYERS[lyr] for lyr in pieces.key_layer[copies].tolist()]
        t_xy = pieces.key_xy[copies]
        fwd = {
            "u_pos": copy_base.astype(np.int64),
            "v_pos": pos_of_key[copies],
            "length_km": np.zeros(n_copies),
            "speed_kmh": np.zeros(n_copies),
            "time_min": np.array([penalties[lyr] for lyr in t_layer], dtype=float),
            "mode": np.full(n_copies, "transfer", dtype=object),
            "status": np.full(n_copies, "operational", dtype=object),
            "corridor_id": np.array([f"transfer:{lyr}" for lyr in t_layer], dtype=object),
            "edge_id": np.array([f"transfer/{n}" for n in copy_names], dtype=object),
            "geometry": _objects(
                shapely.LineString([(float(x), float(y)), (float(x), float(y))])
                for x, y in t_xy.tolist()
            ),
        }
        if directed:
            bwd = dict(fwd)
            bwd["u_pos"], bwd["v_pos"] = fwd["v_pos"], fwd["u_pos"]
            bwd["edge_id"] = np.array([e + "/rev" for e in fwd["edge_id"]], dtype=object)
            parts.append(_interleave(fwd, bwd))
        else:
            parts.append(fwd)

    # ---- access edges
    beyond: list[Any] = sorted(unlinked, key=str) if unlinked else []
    n_access = 0 if unlinked is None else int(np.sum(lt.mode == "access"))
    if pieces.access is not None:
        acc = pieces.access
        beyond = sorted(node_ids[acc.beyond].tolist(), key=str)
        alen = acc.dist_m * circuity / 1000.0
        src_names = node_ids[acc.node]
        tgt_pos = pos_of_key[acc.target_key]
        ordinal = pd.Series(acc.node).groupby(acc.node).cumcount().to_numpy()
        seen_pairs: set[tuple[Any, ...]] = set()
        rows: list[tuple[int, int, float, str, str, Any]] = []
        for s_, n_i, tp, length, o, txy in zip(
            src_names.tolist(),
            acc.node.tolist(),
            tgt_pos.tolist(),
            alen.tolist(),
            ordinal.tolist(),
            acc.target_xy.tolist(),
            strict=True,
        ):
            if tp < n_base:
                # node-to-node link: keep one per pair (a's link to a line through b
                # and b's link to a line through a are the same street)
                pair = tuple(sorted((s_, node_ids[tp]), key=str))
                if pair in seen_pairs:
                    continue
                seen_pairs.add(pair)
            geom = shapely.LineString([tuple(node_xy[n_i]), tuple(txy)])
            rows.append((n_i, tp, length, f"access:{s_}", f"access/{s_}/{o}", geom))
        n_access = len(rows)
        if rows:
            lengths = np.array([r[2] for r in rows], dtype=float)
            fwd = {
                "u_pos": np.array([r[0] for r in rows], dtype=np.int64),
                "v_pos": np.array([r[1] for r in rows], dtype=np.int64),
                "length_km": lengths,
                "speed_kmh": np.full(n_access, acc_speed),
                "time_min": np.array([60.0 * r[2] / acc_speed for r in rows], dtype=float),
                "mode": np.full(n_access, "access", dtype=object),
                "status": np.full(n_access, "operational", dtype=object),
                "corridor_id": np.array([r[3] for r in rows], dtype=object),
                "edge_id": np.array([r[4] for r in rows], dtype=object),
                "geometry": _objects(r[5] for r in rows),
            }
            if directed:
                bwd = dict(fwd)
                bwd["u_pos"], bwd["v_pos"] = fwd["v_pos"], fwd["u_pos"]
                bwd["edge_id"] = np.array([e + "/rev" for e in fwd["edge_id"]], dtype=object)
                bwd["geometry"] = np.asarray(shapely.reverse(fwd["geometry"]), dtype=object)
                parts.append(_interleave(fwd, bwd))
            else:
                parts.append(fwd)

    edges = _edge_frame(parts, n_nodes=n_all, directed=directed, crs=_crs_label(crs))

    # ---- report findings kept in provenance
    keys = edges["key"].to_numpy()
    if not directed and (len(keys) == 0 or int(keys.max()) == 0):
        dup_groups = []  # no two edges share an end pair, so no piece is duplicated
    else:
        dup_groups = _duplicates(p_u, p_v, p_len, p_geom)
    if dup_groups:
        edge_id_obj = np.asarray(edge_id, dtype=object)
        dup_ids = [[str(edge_id_obj[i]) for i in g] for g in dup_groups]
        logger.info("%d groups of duplicate segments kept as parallel edges", len(dup_ids))
    else:
        dup_ids = []

    prov: dict[str, Any] = {
        "layers": {
            "nodes": _layer_info(nodes_in, "nodes"),
            "lines": _layer_info(lines_in, "lines"),
        },
        "parameters": {
            "node_id": node_id,
            "line_id": line_id,
            "snap_tolerance_m": tol,
            "split_at_junctions": split_at_junctions,
            "speeds_kmh": {**DEFAULT_SPEEDS_KMH, **dict(speeds or {})},
            "transfer_penalty_min": penalties,
            "access_radius_m": radius if nearest_max is None else nearest_max,
            "access": "nearest" if nearest_max is not None else ("radius" if radius else None),
            "access_speed_kmh": acc_speed,
            "access_circuity": circuity,
            "detour": dict(detour or {}),
        },
        "counts": {
            "lines_input": n_lines_input,
            "lines_used": len(lines),
            "nodes_input": len(node_ids),
            "vertices_snapped": pieces.snapped_vertices,
            "vertices_merged": pieces.merged_vertices,
            "line_edges": n_p,
            "transfer_edges": n_transfer,
            "access_edges": n_access,
            "junctions": n_junc,
            "self_loops_dropped": n_loops,
        },
        "topology": {
            "self_loops": self_loop_ids,
            "duplicate_segments": dup_ids,
            "nodes_beyond_access_radius": beyond,
        },
    }
    if provenance:
        prov.update(copy.deepcopy(dict(provenance)))
    gattrs = {
        "crs": _crs_label(crs),
        "units": dict(_UNITS),
        "urbanchain_version": _version(),
        "provenance": prov,
        "directed": bool(directed),
        "as_of": as_of,
        "node_id": node_id,
    }
    logger.info(
        "built graph: %d nodes, %d line pieces, %d transfers, %d access links",
        n_all,
        n_p,
        n_transfer,
        n_access,
    )
    return Network(
        nodes=node_frame,
        edges=edges,
        graph=gattrs,
        directed=directed,
        layer_columns=list(node_attr.columns),
        node_groups=(n_base, n_copies, n_junc),
    )


def _objects(items: Any) -> np.ndarray:
    """Return a 1-D object array of ``items`` (no numpy broadcasting of sequences)."""
    seq = list(items)
    out = np.empty(len(seq), dtype=object)
    out[:] = seq
    return out


def _interleave(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rows a0, b0, a1, b1, ... (an edge followed by its reverse)."""
    out = {}
    for c, arr in a.items():
        both = np.empty(2 * len(arr), dtype=arr.dtype)
        both[0::2] = arr
        both[1::2] = b[c]
        out[c] = both
    return out


def _arrow_strings() -> bool:
    """Whether pandas' default ``str`` dtype is backed by pyarrow (pandas >= 3 with pyarrow)."""
    if int(pd.__version__.split(".")[0]) < 3:
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _numbered(prefix: str, n: int) -> Any:
    """``prefix + str(i)`` for ``i`` in ``range(n)``: a pandas ``str`` array or a list."""
    if n and _arrow_strings():
        import pyarrow as pa
        import pyarrow.compute as pc

        joined = pc.binary_join_element_wise(prefix, pa.array(np.arange(n)).cast(pa.string()), "")
        return pd.array(joined, dtype="str")
    return [f"{prefix}{i}" for i in range(n)]


def _edge_ids(line_ids: np.ndarray, ordinal: np.ndarray) -> Any:
    """``"<line id>/<ordinal>"`` for each piece (a pandas ``str`` array or an object array)."""
    if line_ids.dtype.kind in "iu":
        if _arrow_strings():
            import pyarrow as pa
            import pyarrow.compute as pc

            joined = pc.binary_join_element_wise(
                pa.array(line_ids).cast(pa.string()), pa.array(ordinal).cast(pa.string()), "/"
            )
            return pd.array(joined, dtype="str")
        out = [f"{i}/{o}" for i, o in zip(line_ids.tolist(), ordinal.tolist(), strict=True)]
        return np.asarray(out, dtype=object)
    ids_str = pd.Series(line_ids, dtype=object).astype(str)
    return (ids_str + "/" + pd.Series(ordinal).astype(str)).to_numpy(dtype=object)


def _suffixed(values: Any, suffix: str) -> Any:
    """``values`` (str array) with ``suffix`` appended, in the same kind of array."""
    if isinstance(values, np.ndarray):
        return np.asarray([v + suffix for v in values.tolist()], dtype=object)
    return pd.array(pd.Series(values, copy=False) + suffix, dtype=values.dtype)


def _node_frame(
    *,
    node_ids: np.ndarray,
    node_xy: np.ndarray,
    node_attr: pd.DataFrame,
    ids: pd.Index,
    xy: np.ndarray,
    copy_base: np.ndarray,
    copy_layer: np.ndarray,
    junction_layer: np.ndarray,
) -> pd.DataFrame:
    """Build the node table of a :class:`Network` (see its docstring)."""
    n_base, n_copies = len(node_ids), len(copy_base)
    n_all = len(ids)
    cols: dict[str, Any] = {}

    def full(values: np.ndarray, *, numeric: bool) -> np.ndarray:
        arr: np.ndarray = np.full(n_all, np.nan, dtype=float if numeric else object)
        arr[: len(values)] = values
        return arr

    layer_vals: dict[str, np.ndarray] = {}
    for c in node_attr.columns:
        col = node_attr[c]
        if col.dtype == np.float64:
            cols[c] = full(col.to_numpy(), numeric=True)
        else:
            layer_vals[c] = col.to_numpy(dtype=object)
            cols[c] = full(layer_vals[c], numeric=False)
    cols["x"] = np.ascontiguousarray(xy[:, 0], dtype=np.float64)
    cols["y"] = np.ascontiguousarray(xy[:, 1], dtype=np.float64)
    layer = np.empty(n_all, dtype=object)
    layer[:n_base] = "road"
    layer[n_base : n_base + n_copies] = copy_layer
    layer[n_base + n_copies :] = junction_layer
    cols["layer"] = layer
    kind = cols["kind"].astype(object) if "kind" in cols else np.full(n_all, np.nan, dtype=object)
    base_kind = layer_vals.get("kind")
    if base_kind is None and "kind" in node_attr.columns:
        base_kind = node_attr["kind"].to_numpy(dtype=object)
    if n_copies:
        if base_kind is None:
            kind[n_base : n_base + n_copies] = "node"
        else:
            bk = base_kind[copy_base]
            kind[n_base : n_base + n_copies] = ["node" if is_missing(k) else k for k in bk.tolist()]
    kind[n_base + n_copies :] = "junction"
    cols["kind"] = kind
    if n_copies and "name" in node_attr.columns:
        name = cols["name"].astype(object)
        name[n_base : n_base + n_copies] = node_attr["name"].to_numpy(dtype=object)[copy_base]
        cols["name"] = name
    if n_copies or "base_node" in cols:
        base_node = cols["base_node"] if "base_node" in cols else np.full(n_all, np.nan, object)
        base_node = np.asarray(base_node, dtype=object)
        base_node[n_base : n_base + n_copies] = node_ids[copy_base]
        cols["base_node"] = base_node
    index = ids
    data = {
        c: pd.Series(v, index=index, dtype=v.dtype if v.dtype != object else object)
        for c, v in cols.items()
    }
    return pd.DataFrame(data, index=index)


def _pair_keys(u: np.ndarray, v: np.ndarray, n_nodes: int, *, directed: bool) -> np.ndarray:
    """Parallel-edge keys 0, 1, ... per (ordered or unordered) node pair, in row order.

    The same keys networkx gives when the edges are added one by one without a key.
    """
    m = len(u)
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    a, b = (u, v) if directed else (np.minimum(u, v), np.maximum(u, v))
    code = a * np.int64(max(n_nodes, 1)) + b
    # a hash pass first: road networks rarely have parallel edges, and then every key is 0
    if len(pd.unique(code)) == m:
        return np.zeros(m, dtype=np.int64)
    order = np.argsort(code, kind="stable")
    cs = code[order]
    new = np.empty(m, dtype=bool)
    new[0] = True
    np.not_equal(cs[1:], cs[:-1], out=new[1:])
    idx = np.arange(m, dtype=np.int64)
    run_start = np.maximum.accumulate(np.where(new, idx, 0))
    keys = np.empty(m, dtype=np.int64)
    keys[order] = idx - run_start
    return keys


def _edge_frame(
    parts: list[dict[str, np.ndarray]], *, n_nodes: int, directed: bool, crs: str
) -> gpd.GeoDataFrame:
    """Stack the edge blocks into the edge table of a :class:`Network`."""
    names: list[str] = []
    for p in parts:
        names.extend(c for c in p if c not in names)
    attrs = [c for c in names if c not in ("u_pos", "v_pos", "geometry")]
    # networkx attribute order: the core attributes, geometry, then carried columns
    core = [c for c in attrs if c not in _CARRIED_LINE_COLUMNS]
    carried = [c for c in attrs if c in _CARRIED_LINE_COLUMNS]
    total = sum(len(p["u_pos"]) for p in parts)

    def column(c: str) -> Any:
        blocks = []
        for p in parts:
            n = len(p["u_pos"])
            blocks.append(p[c] if c in p else np.full(n, np.nan, dtype=object))
        if len(blocks) == 1:
            return blocks[0]
        dtypes = {b.dtype for b in blocks}
        if len(dtypes) == 1:
            if all(isinstance(b, np.ndarray) for b in blocks):
                return np.concatenate(blocks)
            return pd.concat([pd.Series(b) for b in blocks], ignore_index=True).array
        return np.concatenate([np.asarray(b, dtype=object) for b in blocks])

    u = column("u_pos").astype(np.int64, copy=False)
    v = column("v_pos").astype(np.int64, copy=False)
    index = pd.RangeIndex(total)
    data: dict[str, Any] = {
        "u_pos": u,
        "v_pos": v,
        "key": _pair_keys(u, v, n_nodes, directed=directed),
    }
    for c in core:
        arr = column(c)
        data[c] = pd.Series(arr, index=index, dtype=object) if arr.dtype == object else arr
    geom = column("geometry")
    data["geometry"] = gpd.GeoSeries(geom, index=index, crs=crs)
    for c in carried:
        data[c] = pd.Series(column(c), index=index, dtype=object)
    return gpd.GeoDataFrame(data, index=index, geometry="geometry", crs=crs)


def _layer_info(gdf: gpd.GeoDataFrame | None, default: str) -> dict[str, Any] | None:
    if gdf is None:
        return None
    info: dict[str, Any] = {"name": str(gdf.attrs.get("name", default)), "count": len(gdf)}
    if "source" in gdf.columns:
        src = pd.Series(gdf["source"]).dropna().astype(str).unique().tolist()
        info["sources"] = src[:20] + ([f"... {len(src) - 20} more"] if len(src) > 20 else [])
    return info


# --------------------------------------------------------------------------- conversion


@overload
def graph_to_gdfs(
    G: nx.MultiGraph | Network, *, nodes: Literal[True] = ..., edges: Literal[True] = ...
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]: ...


@overload
def graph_to_gdfs(
    G: nx.MultiGraph | Network, *, nodes: Literal[True] = ..., edges: Literal[False]
) -> gpd.GeoDataFrame: ...


@overload
def graph_to_gdfs(
    G: nx.MultiGraph | Network, *, nodes: Literal[False], edges: Literal[True] = ...
) -> gpd.GeoDataFrame: ...


def graph_to_gdfs(
    G: nx.MultiGraph | Network, *, nodes: bool = True, edges: bool = True
) -> gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Convert a graph to a node layer and/or an edge layer.

    The node layer is indexed by node id (index name ``G.graph["node_id"]``,
    default ``"node_id"``) with one column per node attribute and a Point
    geometry built from ``x``/``y``.  The edge layer has columns ``u``, ``v``,
    ``key`` plus one per edge attribute, with the edge ``geometry`` (a straight
    segment from ``u`` to ``v`` where an edge has none).  Both carry a copy of
    ``G.graph`` in ``gdf.attrs["graph"]``, so :func:`graph_from_edges_gdf` can
    rebuild the same graph.  Missing attributes become NaN.

    Parameters
    ----------
    G
        A graph built by :func:`graph_from_gdfs` (any networkx multigraph whose
        nodes have ``x`` and ``y``), or a :class:`Network`: its tables are
        converted directly, with the same columns and values as for
        ``G.to_networkx()``.
    nodes, edges
        Which layers to return.

    Returns
    -------
    geopandas.GeoDataFrame or tuple of two
        ``(nodes, edges)``, or the one layer asked for.

    Raises
    ------
    GraphError
        If both flags are false, or a node has no ``x``/``y``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> from urbanchain.graph import graph_from_gdfs, graph_to_gdfs
    >>> lines = gpd.GeoDataFrame({"corridor_id": ["ab"], "mode": ["highway"]},
    ...     geometry=[LineString([(105.0, 21.0), (106.0, 21.0)])], crs="EPSG:4326")
    >>> n, e = graph_to_gdfs(graph_from_gdfs(None, lines))
    >>> list(n.index), list(e[["u", "v", "key"]].itertuples(index=False, name=None))
    (['junction:0', 'junction:1'], [('junction:0', 'junction:1', 0)])
    """
    if not (nodes or edges):
        msg = "graph_to_gdfs needs nodes=True, edges=True or both."
        raise GraphError(msg)
    if isinstance(G, Network):
        return _network_to_gdfs(G, nodes=nodes, edges=edges)
    crs = G.graph.get("crs", STORAGE_CRS)
    gattrs = copy.deepcopy(dict(G.graph))
    out: list[gpd.GeoDataFrame] = []
    if nodes:
        ids = list(G.nodes)
        data = [G.nodes[n] for n in ids]
        missing = [n for n, d in zip(ids, data, strict=True) if "x" not in d or "y" not in d]
        if missing:
            msg = f"Nodes {format_ids(missing)} have no x/y attributes, so they cannot be placed on a map."
            raise GraphError(msg)
        df = pd.DataFrame.from_records(
            data, index=pd.Index(ids, name=G.graph.get("node_id", "node_id"), dtype=object)
        )
        xs = df["x"].to_numpy(dtype=float) if len(df) else np.zeros(0)
        ys = df["y"].to_numpy(dtype=float) if len(df) else np.zeros(0)
        geom = np.asarray(shapely.points(xs, ys), dtype=object)
        ngdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geom, index=df.index, crs=crs), crs=crs)
        ngdf.attrs["graph"] = gattrs
        out.append(ngdf)
    if edges:
        rows = list(G.edges(keys=True, data=True))
        df = pd.DataFrame.from_records([d for *_, d in rows])
        # attributes absent from the first edges (carried line columns such as
        # ``element``) come last in record order: put carried columns in their
        # builder order, as the array-backed Network lists them
        carried = [c for c in _CARRIED_LINE_COLUMNS if c in df.columns]
        if carried:
            first = [c for c in df.columns if c not in carried]
            pos = max((first.index(c) for c in ("geometry", "edge_id") if c in first), default=-1)
            df = df[[*first[: pos + 1], *carried, *first[pos + 1 :]]]
        df.insert(0, "u", pd.Series([r[0] for r in rows], dtype=object))
        df.insert(1, "v", pd.Series([r[1] for r in rows], dtype=object))
        df.insert(2, "key", [r[2] for r in rows])
        if "geometry" not in df.columns:
            df["geometry"] = None
        missing_geom = df["geometry"].isna().to_numpy()
        if missing_geom.any():
            fill = []
            for u, v in zip(
                df["u"].to_numpy()[missing_geom], df["v"].to_numpy()[missing_geom], strict=True
            ):
                a, b = G.nodes[u], G.nodes[v]
                fill.append(shapely.LineString([(a["x"], a["y"]), (b["x"], b["y"])]))
            df.loc[missing_geom, "geometry"] = pd.Series(
                fill, index=df.index[missing_geom], dtype=object
            )
            df.attrs["filled_geometry"] = int(missing_geom.sum())
        egdf = gpd.GeoDataFrame(df, geometry="geometry", crs=crs)
        egdf.attrs["graph"] = gattrs
        out.append(egdf)
    return out[0] if len(out) == 1 else (out[0], out[1])


def _without_empty_columns(df: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Drop the columns that hold no value (networkx dicts would not have them)."""
    empty = [c for c in df.columns if c not in keep and len(df) and bool(df[c].isna().all())]
    return df.drop(columns=empty) if empty else df


def _inferred(df: pd.DataFrame, skip: tuple[str, ...] = ()) -> pd.DataFrame:
    """Let pandas infer the dtype of object columns, as ``DataFrame.from_records`` does."""
    out = df.copy(deep=False)
    for c in df.columns:
        if c not in skip and df[c].dtype == object:
            values = df[c].to_numpy(dtype=object)
            missing = pd.isna(values)
            if missing.any():  # None / pd.NA / NaN: networkx dicts leave them out
                values = values.copy()
                values[missing] = np.nan
            col = pd.Series(values, index=df.index)
            out[c] = col.infer_objects() if col.dtype == object else col
    return out


def _network_to_gdfs(
    net: Network, *, nodes: bool, edges: bool
) -> gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """:func:`graph_to_gdfs` for a :class:`Network`, straight from its tables."""
    crs = net.graph.get("crs", STORAGE_CRS)
    gattrs = copy.deepcopy(dict(net.graph))
    out: list[gpd.GeoDataFrame] = []
    if nodes:
        ndf = _inferred(_without_empty_columns(pd.DataFrame(net.nodes), keep=("x", "y")))
        ndf.index = ndf.index.rename(net.graph.get("node_id", "node_id"))
        xs = ndf["x"].to_numpy(dtype=float)
        ys = ndf["y"].to_numpy(dtype=float)
        geom = gpd.GeoSeries(shapely.points(xs, ys), index=ndf.index, crs=crs)
        ngdf = gpd.GeoDataFrame(ndf, geometry=geom, crs=crs)
        ngdf.attrs["graph"] = gattrs
        out.append(ngdf)
    if edges:
        e = net.edges
        u, v = net.edge_endpoints()
        attr_cols = [c for c in e.columns if c not in ("u_pos", "v_pos", "key")]
        data: dict[str, Any] = {
            "u": pd.Series(np.asarray(u, dtype=object), index=e.index, dtype=object),
            "v": pd.Series(np.asarray(v, dtype=object), index=e.index, dtype=object),
            "key": e["key"].to_numpy(),
        }
        for c in attr_cols:
            data[c] = e[c].array if c != e.geometry.name else e.geometry.values
        edf = _without_empty_columns(pd.DataFrame(data, index=e.index), keep=("geometry",))
        edf = _inferred(edf, skip=("u", "v", "geometry"))
        egdf = gpd.GeoDataFrame(edf, geometry=e.geometry.name, crs=crs)
        egdf.attrs["graph"] = gattrs
        out.append(egdf)
    return out[0] if len(out) == 1 else (out[0], out[1])


def graph_from_edges_gdf(
    nodes: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    *,
    graph_attrs: Mapping[str, Any] | None = None,
    directed: bool | None = None,
) -> nx.MultiGraph:
    """Rebuild a graph from the layers of :func:`graph_to_gdfs` (no snapping or splitting).

    This is the inverse of :func:`graph_to_gdfs`: nodes come from the index of
    ``nodes`` and their non-missing columns (``geometry`` is dropped: ``x``/``y``
    hold the position); edges from the ``u``, ``v`` and ``key`` columns of
    ``edges`` and their non-missing columns, ``geometry`` included.  Use
    :func:`graph_from_gdfs` for raw layers and this function for layers that
    already encode a graph.

    Parameters
    ----------
    nodes
        Node layer indexed by node id.
    edges
        Edge layer with ``u``, ``v`` and ``key`` columns.
    graph_attrs
        Graph attributes; defaults to ``edges.attrs["graph"]`` (set by
        :func:`graph_to_gdfs`), else a minimal set built from the layers.
    directed
        Build a :class:`~networkx.MultiDiGraph`; defaults to
        ``graph_attrs["directed"]``, else ``False``.

    Returns
    -------
    networkx.MultiGraph or networkx.MultiDiGraph
        The graph.

    Raises
    ------
    GraphError
        If ``u``/``v``/``key`` are missing, ids repeat, or an edge names a node
        that is not in ``nodes``.

    Examples
    --------
    >>> import geopandas as gpd, networkx as nx
    >>> from shapely import LineString
    >>> from urbanchain.graph import graph_from_gdfs, graph_to_gdfs, graph_from_edges_gdf
    >>> lines = gpd.GeoDataFrame({"corridor_id": ["ab"], "mode": ["highway"]},
    ...     geometry=[LineString([(105.0, 21.0), (106.0, 21.0)])], crs="EPSG:4326")
    >>> G = graph_from_gdfs(None, lines)
    >>> H = graph_from_edges_gdf(*graph_to_gdfs(G))
    >>> nx.utils.graphs_equal(G, H)
    True
    """
    missing = [c for c in ("u", "v", "key") if c not in edges.columns]
    if missing:
        msg = (
            f"The edge layer has no {', '.join(missing)} column(s); it does not encode a graph. "
            "Use graph_from_gdfs(nodes, lines) to build one from raw lines."
        )
        raise GraphError(msg)
    if nodes.index.has_duplicates:
        dups = nodes.index[nodes.index.duplicated()].unique().tolist()
        msg = f"Node ids {format_ids(dups)} occur more than once in the node layer's index."
        raise GraphError(msg)
    gattrs = dict(graph_attrs) if graph_attrs is not None else edges.attrs.get("graph")
    if gattrs is None:
        gattrs = {
            "crs": _crs_label(ensure_crs(edges, what="edges")),
            "units": dict(_UNITS),
            "urbanchain_version": _version(),
            "provenance": {"rebuilt_from": "edges GeoDataFrame"},
            "directed": bool(directed),
            "as_of": None,
        }
    gattrs = copy.deepcopy(dict(gattrs))
    if directed is None:
        directed = bool(gattrs.get("directed", False))
    gattrs["directed"] = bool(directed)
    known = set(nodes.index.tolist())
    ends = pd.concat([edges["u"], edges["v"]], ignore_index=True)
    unknown = ends[~ends.isin(known)].unique().tolist()
    if unknown:
        msg = f"Edges refer to nodes {format_ids(unknown)} that are not in the node layer. Add them or drop those edges."
        raise GraphError(msg)
    key_dup = edges.duplicated(subset=["u", "v", "key"], keep=False)
    if key_dup.any():
        msg = f"Edge rows {format_ids(np.flatnonzero(key_dup.to_numpy()))} repeat the same (u, v, key)."
        raise GraphError(msg)
    G: nx.MultiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    G.graph.update(gattrs)
    ndf = pd.DataFrame(nodes.drop(columns=[nodes.geometry.name]))
    G.add_nodes_from(zip(nodes.index.tolist(), _records(ndf), strict=True))
    attr = pd.DataFrame(edges.drop(columns=["u", "v", "key"]))
    keys = edges["key"].to_numpy(dtype=object)
    keys = np.array(
        [int(k) if isinstance(k, float | np.floating | np.integer) else k for k in keys],
        dtype=object,
    )
    G.add_edges_from(
        zip(
            edges["u"].tolist(),
            edges["v"].tolist(),
            keys.tolist(),
            _records(attr),
            strict=True,
        )
    )
    return G


# real road networks (OSMnx graphs, OSM extracts): see urbanchain.graph.osm
from urbanchain.graph._attach import attach  # noqa: E402
from urbanchain.graph.osm import graph_from_osm, graph_from_osmnx, to_osmnx  # noqa: E402
