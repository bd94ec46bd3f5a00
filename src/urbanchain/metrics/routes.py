"""Fastest routes as geometry, and the closest facilities of each origin."""

from __future__ import annotations

import itertools
import math
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from urbanchain.crs import STORAGE_CRS
from urbanchain.errors import GraphError, ValidationError
from urbanchain.metrics._common import (
    is_network,
    node_attr,
    node_ids,
    node_names,
    prepare,
    resolve_node,
    resolve_nodes,
    unit_of,
)

__all__ = ["closest_facility", "route"]

_SEGMENT_COLUMNS = [
    "seq",
    "u",
    "v",
    "u_name",
    "v_name",
    "edge_id",
    "corridor_id",
    "corridor_name",
    "mode",
    "length_km",
    "minutes",
    "cum_minutes",
]


def _best(G: nx.Graph, u: Any, v: Any, weight: str) -> dict[str, Any]:
    data = G.get_edge_data(u, v)
    if G.is_multigraph():
        return dict(min(data.values(), key=lambda d: float(d[weight])))
    return dict(data)


def _wfun(G: nx.Graph, weight: str) -> Any:
    if G.is_multigraph():
        return lambda u, v, d: min(float(x[weight]) for x in d.values())
    return lambda u, v, d: float(d[weight])


def _oriented(G: nx.Graph, u: Any, v: Any, geom: Any) -> Any:
    """Return the edge's line drawn from u to v (from the node points when it has none)."""
    pu = (G.nodes[u].get("x"), G.nodes[u].get("y"))
    pv = (G.nodes[v].get("x"), G.nodes[v].get("y"))
    if geom is None or geom.is_empty:
        if None in pu or None in pv:
            return None
        return LineString([pu, pv])
    if None in pu:
        return geom
    start = shapely.Point(geom.coords[0])
    end = shapely.Point(geom.coords[-1])
    pt = shapely.Point(pu)
    return shapely.reverse(geom) if pt.distance(end) < pt.distance(start) else geom


def _segments(G: nx.Graph, path: list[Any], weight: str) -> gpd.GeoDataFrame:
    rows = []
    geoms = []
    cum = 0.0
    names = node_names(G, path)
    for i, (u, v) in enumerate(itertools.pairwise(path)):
        d = _best(G, u, v, weight)
        w = float(d[weight])
        cum += w
        length = d.get("length_km")
        rows.append(
            {
                "seq": i,
                "u": u,
                "v": v,
                "u_name": names[i],
                "v_name": names[i + 1],
                "edge_id": d.get("edge_id"),
                "corridor_id": d.get("corridor_id"),
                "corridor_name": d.get("name") if isinstance(d.get("name"), str) else None,
                "mode": d.get("mode"),
                "length_km": float(length) if length is not None else math.nan,
                "minutes": w,
                "cum_minutes": cum,
            }
        )
        geoms.append(_oriented(G, u, v, d.get("geometry")))
    frame = pd.DataFrame(rows, columns=_SEGMENT_COLUMNS)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=G.graph.get("crs", STORAGE_CRS))


def _join(lines: list[Any]) -> Any:
    coords: list[tuple[float, ...]] = []
    for g in lines:
        if g is None:
            continue
        pts = list(g.coords)
        if coords and pts and coords[-1] == pts[0]:
            pts = pts[1:]
        coords.extend(pts)
    return LineString(coords) if len(coords) >= 2 else None


def route(
    G: nx.Graph,
    origin: Any,
    destination: Any,
    *,
    weight: str = "time_min",
) -> gpd.GeoDataFrame:
    r"""Return the fastest route between two places, one row per edge (OSMnx ``route_to_gdf``).

    .. math:: P^* = \arg\min_{P: o \leadsto t} \sum_{e \in P} w_e

    Between parallel edges the one with the smallest ``weight`` is taken
    (Dijkstra 1959, NetworkX's implementation).  ``cum_minutes`` is the
    running sum of the weight, so its last value is the travel time that
    :func:`od_matrix` reports for the pair.

    Parameters
    ----------
    G
        Chain graph.
    origin, destination
        Node ids or names (diacritics optional).
    weight
        Edge cost attribute (minutes for ``time_min``).

    Returns
    -------
    geopandas.GeoDataFrame
        In order along the route: ``seq``, ``u``, ``v``, ``u_name``, ``v_name``,
        ``edge_id``, ``corridor_id``, ``corridor_name``, ``mode``,
        ``length_km``, ``minutes`` (the edge's weight), ``cum_minutes``, and
        each edge's line drawn from ``u`` to ``v``.  ``attrs``:
        ``total_minutes``, ``total_km``, ``origin``, ``destination``,
        ``corridors`` (distinct corridor ids in order).  Empty when origin and
        destination are the same node.

    Raises
    ------
    GraphError
        No path between the two places.
    UnknownNameError
        Unknown or ambiguous names.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik* 1, 269-271.
    Boeing, G. (2017). OSMnx: new methods for acquiring, constructing,
    analyzing, and visualizing complex street networks. *Computers,
    Environment and Urban Systems* 65, 126-139.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> r = route(diamond(), "a", "d")
    >>> r[["u", "v", "corridor_id", "minutes", "cum_minutes"]].values.tolist()
    [['a', 'b', 'c1', 10.0, 10.0], ['b', 'd', 'c1', 10.0, 20.0]]
    """
    if is_network(G):
        G = G.to_networkx()
    prepare(G, weight, stacklevel=3)
    o = resolve_node(G, origin, what="origin")
    t = resolve_node(G, destination, what="destination")
    try:
        path = nx.dijkstra_path(G, o, t, weight=_wfun(G, weight))
    except nx.NetworkXNoPath:
        msg = (
            f"No route from {o!r} to {t!r}: they are in different parts of the network. "
            "Check the closures of the scenario, or add the missing link."
        )
        raise GraphError(msg) from None
    seg = _segments(G, path, weight)
    seg.attrs.update(
        {
            "origin": o,
            "destination": t,
            "weight": weight,
            "total_minutes": float(seg["minutes"].sum()),
            "total_km": float(seg["length_km"].sum()),
            "corridors": list(dict.fromkeys(c for c in seg["corridor_id"] if c is not None)),
            "units": {"minutes": unit_of(G, weight), "length_km": "km"},
        }
    )
    return seg


def closest_facility(
    G: nx.Graph,
    origins: Any,
    facilities: Any,
    *,
    k: int = 1,
    weight: str = "time_min",
) -> gpd.GeoDataFrame:
    r"""Return the ``k`` fastest-to-reach facilities of each origin, with each route.

    .. math:: F_k(o) = \{\, f \in F : \text{the } k \text{ smallest } d_{of} \,\}

    as ArcGIS Network Analyst's *closest facility* solver; ties are broken by
    facility order.  One Dijkstra search per origin (NetworkX).

    Parameters
    ----------
    G
        Chain graph.
    origins
        Node ids or names.
    facilities
        Node ids or names, or a node ``kind`` present in the graph
        (``"seaport"``, ``"airport"``, ``"border_gate"``) for all nodes of that kind.
    k
        Facilities per origin (>= 1; fewer when fewer are reachable).
    weight
        Edge cost attribute (minutes for ``time_min``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per origin and facility: ``origin``, ``origin_name``, ``rank``
        (1 = closest), ``facility``, ``facility_name``, ``minutes``,
        ``length_km``, ``corridors`` (ids along the route, joined by ``" > "``)
        and the route line.  An origin that reaches no facility gets one row
        with ``rank`` 0, NaN minutes and no geometry (``attrs["unreachable"]``
        counts them).

    Raises
    ------
    ValidationError
        ``k`` not a positive integer; no facilities.
    UnknownNameError
        Unknown or ambiguous names.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik* 1, 269-271.

    Examples
    --------
    >>> from urbanchain.metrics._toy import diamond
    >>> cf = closest_facility(diamond(), ["a", "c"], "seaport")
    >>> cf[["origin", "facility", "minutes", "corridors"]].values.tolist()
    [['a', 'd', 20.0, 'c1'], ['c', 'd', 20.0, 'c3']]
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        msg = f"k must be a positive integer (facilities per origin); got {k!r}."
        raise ValidationError(msg)
    if is_network(G):
        G = G.to_networkx()
    prepare(G, weight, stacklevel=3)
    src = resolve_nodes(G, origins, default=[], what="origin")
    kinds = {str(x) for x in node_attr(G, "kind") if x is not None}
    if isinstance(facilities, str) and facilities in kinds and facilities not in G:
        fac = [
            v for v, kk in zip(node_ids(G), node_attr(G, "kind"), strict=True) if kk == facilities
        ]
    else:
        fac = resolve_nodes(G, facilities, default=[], what="facility")
    names = dict(zip(list(G.nodes), node_names(G, list(G.nodes)), strict=True))
    rows = []
    geoms: list[Any] = []
    unreachable = 0
    for o in src:
        dist, paths = nx.single_source_dijkstra(G, o, weight=_wfun(G, weight))
        reached = sorted((f for f in fac if f in dist), key=lambda f: (dist[f], fac.index(f)))[:k]
        if not reached:
            unreachable += 1
            rows.append(
                {
                    "origin": o,
                    "origin_name": names[o],
                    "rank": 0,
                    "facility": None,
                    "facility_name": None,
                    "minutes": math.nan,
                    "length_km": math.nan,
                    "corridors": "",
                }
            )
            geoms.append(None)
            continue
        for rank, f in enumerate(reached, start=1):
            seg = _segments(G, paths[f], weight)
            corr = list(dict.fromkeys(c for c in seg["corridor_id"] if c is not None))
            rows.append(
                {
                    "origin": o,
                    "origin_name": names[o],
                    "rank": rank,
                    "facility": f,
                    "facility_name": names[f],
                    "minutes": float(dist[f]),
                    "length_km": float(seg["length_km"].sum()),
                    "corridors": " > ".join(str(c) for c in corr),
                }
            )
            geoms.append(_join(list(seg.geometry)))
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs=G.graph.get("crs", STORAGE_CRS))
    out.attrs.update(
        {
            "weight": weight,
            "k": int(k),
            "facilities": [str(f) for f in fac],
            "unreachable": unreachable,
            "units": {"minutes": unit_of(G, weight), "length_km": "km"},
        }
    )
    return out
