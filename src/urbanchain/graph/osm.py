r"""Real road networks in and out: OSMnx graphs and OpenStreetMap PBF extracts.

* :func:`graph_from_osmnx` turns an OSMnx ``MultiDiGraph`` (from
  ``osmnx.graph_from_place``, ``graph_from_xml``, pyrosm's
  ``to_graph(..., osmnx_compatible=True)``...) into an urbanchain graph:
  node ids, coordinates and every edge (one-way streets stay one-way) are
  kept; lengths are checked for their unit; speeds come from the tags.
* :func:`to_osmnx` gives an urbanchain graph back in OSMnx's conventions
  (``length`` in metres, ``speed_kph``, ``travel_time`` in seconds).
* :func:`graph_from_osm` reads a ``.osm.pbf`` extract through pyrosm (the
  ``urbanchain[osm]`` extra) and goes through :func:`graph_from_osmnx`, so the
  two paths give the same graph for the same data.

**Travel time.**  :math:`t_e = 60\, L_e / v_e` minutes, :math:`L_e` in km.  The
speed :math:`v_e` (km/h) is, in order: OSMnx's ``speed_kph`` when the graph
went through ``osmnx.add_edge_speeds``, the edge's ``maxspeed`` tag when it
parses (``"50"``, ``"50 mph"``, ``"30;50"`` and lists: the mean of the values,
as OSMnx's ``add_edge_speeds``; mph converted by 1.609344), else the table
:data:`HIGHWAY_SPEEDS_KMH` by ``highway`` class (a list of classes: the mean of
their speeds), overridable with ``speeds=``.  An edge with neither raises
:class:`~urbanchain.errors.GraphError` naming the classes and the fix; no
speed is ever invented silently.

**Lengths.**  OSMnx's ``length`` is in metres.  The unit is *checked*, never
assumed: the median ratio of ``length`` to the geodesic distance between the
edge's end nodes must be about 1 for metres (0.001 for km); any other ratio
raises.  Edges of zero geodesic length (loops) are left out of the check.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Mapping
from typing import Any, Literal

import networkx as nx
import numpy as np

from urbanchain.errors import DataQualityWarning, GraphError, OptionalDependencyError

__all__ = [
    "HIGHWAY_SPEEDS_KMH",
    "graph_from_osm",
    "graph_from_osmnx",
    "parse_maxspeed",
    "to_osmnx",
]

#: Speed (km/h) by OSM ``highway`` class when an edge has no usable ``maxspeed``.
#: Typical urban/rural free-flow values in the spirit of OSRM's car profile and of
#: OSMnx's fallback; change them with ``speeds={...}``.
HIGHWAY_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 45.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 35.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 20.0,
    "road": 30.0,
    "busway": 30.0,
    "track": 15.0,
    "pedestrian": 5.0,
    "footway": 5.0,
    "path": 5.0,
    "steps": 3.0,
    "cycleway": 15.0,
    "bridleway": 5.0,
    "corridor": 5.0,
    "elevator": 1.0,
    "platform": 5.0,
    "construction": 10.0,
    "proposed": 10.0,
}

_MPH = 1.609344
_NUM = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: Any) -> float:
    """Return a ``maxspeed`` tag in km/h, or NaN when it gives no number.

    ``"50"`` and ``"50 km/h"`` are km/h, ``"30 mph"`` is converted; several
    values (``"30;50"``, or a list from a simplified OSMnx edge) give their
    mean.  Words (``"walk"``, ``"none"``, ``"signals"``, ``"RU:urban"``) give NaN.

    Examples
    --------
    >>> parse_maxspeed("50"), parse_maxspeed("30 mph"), parse_maxspeed("30;50")
    (50.0, 48.28032, 40.0)
    >>> parse_maxspeed(["50", "70"]), parse_maxspeed("walk")
    (60.0, nan)
    """
    if value is None:
        return math.nan
    if isinstance(value, list | tuple | set | np.ndarray):
        vals = [parse_maxspeed(v) for v in value]
        good = [v for v in vals if not math.isnan(v)]
        return float(np.mean(good)) if good else math.nan
    if isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float | np.number):
        v = float(value)
        return v if math.isfinite(v) and v > 0 else math.nan
    text = str(value)
    if ";" in text or "|" in text:
        return parse_maxspeed(re.split(r"[;|]", text))
    m = _NUM.match(text)
    if not m:
        return math.nan
    v = float(m.group(1))
    if m.group(2) and m.group(2).lower() == "mph":
        v *= _MPH
    return v if v > 0 else math.nan


def _class_speed(hwy: Any, table: Mapping[str, float]) -> float:
    if isinstance(hwy, list | tuple | set | np.ndarray):
        vals = [_class_speed(h, table) for h in hwy]
        good = [v for v in vals if not math.isnan(v)]
        return float(np.mean(good)) if good else math.nan
    if hwy is None or (isinstance(hwy, float) and math.isnan(hwy)):
        return math.nan
    return float(table.get(str(hwy), math.nan))


def _geodesic_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> Any:
    from pyproj import Geod

    _, _, dist = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist, dtype=np.float64)


def _lonlat(G: nx.MultiDiGraph) -> tuple[dict[Any, float], dict[Any, float]]:
    """Node lon/lat, reprojected from ``G.graph["crs"]`` when it is projected."""
    xs = {v: float(d["x"]) for v, d in G.nodes(data=True)}
    ys = {v: float(d["y"]) for v, d in G.nodes(data=True)}
    crs = G.graph.get("crs")
    if crs is not None:
        from pyproj import CRS, Transformer

        src = CRS.from_user_input(crs)
        if not src.is_geographic:
            tr = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
            keys = list(xs)
            lon, lat = tr.transform([xs[k] for k in keys], [ys[k] for k in keys])
            xs = dict(zip(keys, map(float, lon), strict=True))
            ys = dict(zip(keys, map(float, lat), strict=True))
    return xs, ys


def _length_factor(
    G: nx.MultiDiGraph, lon: dict[Any, float], lat: dict[Any, float], unit: str
) -> float:
    """Factor turning the ``length`` attribute into km (checked against geodesics)."""
    if unit == "m":
        return 1e-3
    if unit == "km":
        return 1.0
    rows = [(u, v, d["length"]) for u, v, d in G.edges(data=True) if u != v and "length" in d]
    if not rows:
        msg = "The OSMnx graph has no edge 'length'; pass length_unit='m' or 'km' explicitly."
        raise GraphError(msg)
    u = [r[0] for r in rows]
    v = [r[1] for r in rows]
    geo = _geodesic_m(
        np.array([lon[a] for a in u]),
        np.array([lat[a] for a in u]),
        np.array([lon[b] for b in v]),
        np.array([lat[b] for b in v]),
    )
    length = np.array([float(r[2]) for r in rows])
    ok = geo > 0.5  # leave out near-zero chords (a way returning to its start)
    if not ok.any():
        msg = "Cannot check the unit of 'length' (every edge is a loop); pass length_unit='m'."
        raise GraphError(msg)
    ratio = float(np.median(length[ok] / geo[ok]))
    if 0.9 <= ratio <= 10.0:
        return 1e-3  # metres: a road is at least as long as its chord
    if 0.0009 <= ratio <= 0.01:
        return 1.0
    msg = (
        f"Edge 'length' is {ratio:.4g} times the geodesic distance between the edge's "
        f"nodes (median): neither metres (about 1) nor km (about 0.001). Check the "
        f"graph's crs and lengths, or pass length_unit='m' or 'km' explicitly."
    )
    raise GraphError(msg)


def graph_from_osmnx(
    G: nx.MultiDiGraph,
    *,
    directed: bool = True,
    speeds: Mapping[str, float] | None = None,
    length_unit: Literal["auto", "m", "km"] = "auto",
) -> nx.MultiGraph | nx.MultiDiGraph:
    r"""Convert an OSMnx ``MultiDiGraph`` to an urbanchain graph.

    Every node keeps its id (the OSM id) and its coordinates (converted to
    lon/lat when ``G.graph["crs"]`` is projected); every edge keeps its
    direction: OSMnx already stores a two-way street as two edges and a
    one-way street (``oneway=yes``, or ``-1`` reversed by OSMnx/pyrosm) as
    one.  Edges get ``length_km`` (checked unit, see the module docstring),
    ``speed_kmh``, ``time_min`` :math:`= 60 L / v`, ``mode="road"``,
    ``highway``, ``corridor_id`` (the way's ``osmid``, or the first of a
    merged list), a unique ``edge_id`` ``"u-v-key"`` and ``geometry`` when present.

    Parameters
    ----------
    G
        An OSMnx-style ``MultiDiGraph`` (nodes with ``x``/``y``, edges with ``length``).
    directed
        True (default): a ``MultiDiGraph`` with OSMnx's edges.  False: a
        ``MultiGraph`` with one edge per way segment (the two directions of a
        two-way street merged, as :func:`osmnx.convert.to_undirected`).
    speeds
        km/h by ``highway`` class, merged over :data:`HIGHWAY_SPEEDS_KMH`.
    length_unit
        ``"auto"`` (default) checks the unit of ``length``; ``"m"`` or ``"km"`` force it.

    Returns
    -------
    networkx.MultiDiGraph or networkx.MultiGraph
        With ``graph["crs"] = "EPSG:4326"`` and ``graph["units"]``.

    Raises
    ------
    GraphError
        Edges with neither a parsable ``maxspeed`` nor a known ``highway``
        class (their classes and the ``speeds=`` fix are named), or lengths in
        an unknown unit.

    References
    ----------
    Boeing, G. (2017). OSMnx: New methods for acquiring, constructing, analyzing,
    and visualizing complex street networks. *Computers, Environment and Urban
    Systems* 65, 126-139.

    Examples
    --------
    >>> import networkx as nx
    >>> O = nx.MultiDiGraph(crs="EPSG:4326")
    >>> O.add_node(1, x=105.80, y=21.00); O.add_node(2, x=105.81, y=21.00)
    >>> _ = O.add_edge(1, 2, length=1040.0, highway="residential", oneway=True, osmid=7)
    >>> H = graph_from_osmnx(O)
    >>> d = H.edges[1, 2, 0]
    >>> round(d["length_km"], 3), d["speed_kmh"], round(d["time_min"], 2)
    (1.04, 30.0, 2.08)
    """
    if not isinstance(G, nx.MultiDiGraph):
        msg = (
            f"graph_from_osmnx needs an OSMnx MultiDiGraph; got {type(G).__name__}. "
            f"For a GeoDataFrame of lines use urbanchain.graph.graph_from_gdfs."
        )
        raise GraphError(msg)
    table = {**HIGHWAY_SPEEDS_KMH, **dict(speeds or {})}
    lon, lat = _lonlat(G)
    factor = _length_factor(G, lon, lat, length_unit) if G.number_of_edges() else 1e-3
    H: nx.MultiGraph | nx.MultiDiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    for v, d in G.nodes(data=True):
        nattrs: dict[str, Any] = {"kind": "junction", "layer": "road"}
        nattrs.update({k: val for k, val in d.items() if k not in ("x", "y", "geometry")})
        H.add_node(v, **nattrs, x=lon[v], y=lat[v])
    unknown: dict[str, int] = {}
    seen: set[tuple[Any, Any, Any, float]] = set()
    from_tag = 0
    for u, v, k, d in G.edges(keys=True, data=True):
        length_km = float(d.get("length", math.nan)) * factor
        if not directed:
            osmid = d.get("osmid")
            oid = tuple(osmid) if isinstance(osmid, list) else osmid
            key = (min(u, v, key=str), max(u, v, key=str), oid, round(length_km, 9))
            if key in seen:
                continue  # the other direction of a two-way street
            seen.add(key)
        speed = parse_maxspeed(d.get("speed_kph"))  # OSMnx's add_edge_speeds, when run
        if math.isnan(speed):
            speed = parse_maxspeed(d.get("maxspeed"))
        if math.isnan(speed):
            speed = _class_speed(d.get("highway"), table)
        else:
            from_tag += 1
        if math.isnan(speed):
            cls = str(d.get("highway"))
            unknown[cls] = unknown.get(cls, 0) + 1
            continue
        osmid = d.get("osmid")
        corridor = osmid[0] if isinstance(osmid, list) and osmid else osmid
        attrs: dict[str, Any] = {
            "length_km": length_km,
            "speed_kmh": speed,
            "time_min": 60.0 * length_km / speed,
            "mode": "road",
            "status": "operational",
            "highway": d.get("highway"),
            "corridor_id": None if corridor is None else str(corridor),
            "edge_id": f"{u}-{v}-{k}",
            "oneway": bool(d.get("oneway", False)),
            "osmid": osmid,
        }
        for tag in ("name", "maxspeed"):
            if d.get(tag) is not None:
                attrs[tag] = d[tag]
        if d.get("geometry") is not None:
            attrs["geometry"] = d["geometry"]
        H.add_edge(u, v, key=k, **attrs)
    if unknown:
        shown = ", ".join(f"{c!r}: {n}" for c, n in sorted(unknown.items()))
        msg = (
            f"{sum(unknown.values())} edge(s) have no parsable 'maxspeed' and a 'highway' "
            f"class without a speed ({shown}). Pass speeds={{class: km/h, ...}} for them "
            f"(the table is urbanchain.graph.osm.HIGHWAY_SPEEDS_KMH)."
        )
        raise GraphError(msg)
    crs = G.graph.get("crs")
    if crs is not None and str(crs) != "EPSG:4326" and _is_projected(crs):
        for _, _, d in H.edges(data=True):
            d.pop("geometry", None)  # geometries stay in the source CRS otherwise
        warnings.warn(
            f"The OSMnx graph is in {crs}: node coordinates were converted to lon/lat and "
            f"edge geometries dropped (re-project with osmnx.project_graph(G, 'EPSG:4326') "
            f"to keep them).",
            DataQualityWarning,
            stacklevel=2,
        )
    H.graph.update(
        crs="EPSG:4326",
        units={"length_km": "km", "time_min": "min", "speed_kmh": "km/h"},
        directed=directed,
        node_id="osmid",
        provenance={
            "source": "osmnx",
            "length_unit": "m" if factor == 1e-3 else "km",
            "speeds_from_maxspeed": from_tag,
            "speed_table": table,
        },
    )
    return H


def _is_projected(crs: Any) -> bool:
    from pyproj import CRS

    return not CRS.from_user_input(crs).is_geographic


def to_osmnx(G: nx.MultiGraph | nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Return an urbanchain graph in OSMnx's conventions (a new graph; ``G`` is unchanged).

    Nodes keep their ids and ``x``/``y``; edges get ``length`` (metres, from
    ``length_km``), ``speed_kph``, ``travel_time`` (seconds, from ``time_min``)
    and ``oneway``; an undirected graph gets both directions of every edge
    (``reversed`` marks the copy), as OSMnx stores two-way streets.
    ``graph["crs"]`` is kept.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiGraph(crs="EPSG:4326")
    >>> _ = G.add_edge("a", "b", length_km=1.5, time_min=2.0, speed_kmh=45.0)
    >>> O = to_osmnx(G)
    >>> sorted((u, v, d["length"], d["travel_time"]) for u, v, d in O.edges(data=True))
    [('a', 'b', 1500.0, 120.0), ('b', 'a', 1500.0, 120.0)]
    """
    OG = nx.MultiDiGraph()
    OG.graph["crs"] = G.graph.get("crs", "EPSG:4326")
    for v, d in G.nodes(data=True):
        OG.add_node(v, **dict(d))
    directed = G.is_directed()
    for u, v, k, d in G.edges(keys=True, data=True):
        drop = ("length_km", "time_min", "speed_kmh", "oneway", "reversed")
        base = {key: val for key, val in d.items() if key not in drop}
        if "length_km" in d:
            base["length"] = float(d["length_km"]) * 1000.0
        if "time_min" in d:
            base["travel_time"] = float(d["time_min"]) * 60.0
        if "speed_kmh" in d:
            base["speed_kph"] = float(d["speed_kmh"])
        base["oneway"] = bool(d.get("oneway", False)) if directed else False
        OG.add_edge(u, v, key=k, **base, reversed=False)
        if not directed and u != v:
            OG.add_edge(v, u, key=k, **base | {"reversed": True})
    return OG


def graph_from_osm(
    path: str | os.PathLike[str],
    *,
    network_type: Literal[
        "driving", "driving+service", "walking", "cycling", "all", "all_public"
    ] = "driving",
    directed: bool = True,
    speeds: Mapping[str, float] | None = None,
    simplify: bool = True,
) -> nx.MultiGraph | nx.MultiDiGraph:
    """Read the road network of an OpenStreetMap ``.osm.pbf`` extract (through pyrosm).

    ``pyrosm.OSM(path).get_network(network_type, nodes=True)`` and
    ``OSM.to_graph(..., osmnx_compatible=True)`` build the OSMnx-style graph
    (one-way streets by pyrosm's rules for the network type, ``oneway=-1``
    reversed, degree-2 nodes merged when ``simplify``), then
    :func:`graph_from_osmnx` gives the urbanchain graph: the same graph as
    calling :func:`graph_from_osmnx` on pyrosm's OSMnx graph yourself.

    Parameters
    ----------
    path
        A local ``.osm.pbf`` file (never downloaded).
    network_type
        pyrosm's network type (``"driving"`` = OSMnx ``"drive"``).
    directed, speeds
        As :func:`graph_from_osmnx`.
    simplify
        Merge chains of degree-2 nodes into one edge (OSMnx's simplification).

    Raises
    ------
    OptionalDependencyError
        Without pyrosm (``pip install "urbanchain[osm]"``).
    GraphError
        The extract has no ways of this network type.
    """
    try:
        import pyrosm
    except ImportError as exc:  # pragma: no cover - installed in the test env
        msg = 'graph_from_osm needs pyrosm: pip install "urbanchain[osm]".'
        raise OptionalDependencyError(msg) from exc
    p = os.fspath(path)
    if not os.path.isfile(p):
        msg = f"No OSM extract at {p!r}: pass the path of a local .osm.pbf file."
        raise GraphError(msg)
    osm = pyrosm.OSM(p)
    nodes, edges = osm.get_network(network_type=network_type, nodes=True)
    if edges is None or len(edges) == 0:
        msg = f"{p!r} has no ways of network_type={network_type!r}; try network_type='all'."
        raise GraphError(msg)
    OG = osm.to_graph(
        nodes,
        edges,
        graph_type="networkx",
        network_type=network_type,
        osmnx_compatible=True,
        simplify=simplify,
        retain_all=True,
    )
    return graph_from_osmnx(OG, directed=directed, speeds=speeds)
