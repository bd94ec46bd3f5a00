"""Service areas (isochrones): the land within a travel-time budget of an origin."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import Any, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from urbanchain.crs import METRIC_CRS, STORAGE_CRS, check_metric_crs, geodesic_area
from urbanchain.errors import CRSError, GraphError, ValidationError
from urbanchain.metrics._common import (
    dist_rows,
    is_network,
    node_names,
    prepare,
    resolve_engine,
    resolve_nodes,
    unit_of,
)

__all__ = ["CONTINUOUS_MODES", "service_area"]

#: Edge modes one can leave anywhere along the edge: their partly reached
#: stretches count, and every point on them gets the off-network allowance.
#: Rail, waterway, sea and air edges are left only at their nodes (stations,
#: ports, airports).  Expressways are left only at interchanges in reality; the
#: corridor graph has fewer interchanges than the real network, so counting
#: them as continuous overstates reach near expressways by at most the distance
#: to the next interchange.
CONTINUOUS_MODES: tuple[str, ...] = ("expressway", "highway", "road", "access")
_ALWAYS_KEPT = ("access", "transfer")


def check_cutoffs(cutoffs: Any, *, unit: str = "min") -> list[float]:
    """Validate travel-time cutoffs: finite, > 0, strictly increasing."""
    if isinstance(cutoffs, int | float) and not isinstance(cutoffs, bool):
        cutoffs = [cutoffs]
    if isinstance(cutoffs, str) or not isinstance(cutoffs, Iterable):
        msg = f"cutoffs must be numbers such as (30, 60, 90) ({unit}); got {cutoffs!r}."
        raise ValidationError(msg)
    vals = list(cutoffs)
    if not vals:
        msg = f"cutoffs is empty; pass at least one travel-time budget, e.g. (30, 60, 90) {unit}."
        raise ValidationError(msg)
    for c in vals:
        if isinstance(c, bool) or not isinstance(c, int | float | np.integer | np.floating):
            msg = f"cutoffs must be numbers ({unit}); got {c!r} in {vals!r}."
            raise ValidationError(msg)
        if not (math.isfinite(float(c)) and float(c) > 0):
            msg = f"Every cutoff must be a finite number > 0 ({unit}); got {c!r} in {vals!r}."
            raise ValidationError(msg)
    out = [float(c) for c in vals]
    if any(b <= a for a, b in itertools.pairwise(out)):
        msg = (
            f"cutoffs must be strictly increasing, e.g. (30, 60, 90); got {vals!r}. "
            f"Sort them and drop repeats: {sorted(set(out))!r}."
        )
        raise ValidationError(msg)
    return out


@functools.lru_cache(maxsize=1)
def _bundled_land_wgs84() -> BaseGeometry:
    from urbanchain import datasets

    prov = datasets.provinces(region=None, vintage=2008)
    return shapely.make_valid(shapely.union_all(prov.geometry.values))


def land_geometry(land: Any, *, crs: pyproj.CRS, what: str = "land") -> BaseGeometry | None:
    """Land polygon in ``crs``: the bundled provinces (None), a user layer, or no clipping (False)."""
    if land is False:
        return None
    if land is None:
        geom = _bundled_land_wgs84()
        return cast(BaseGeometry, gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(crs).iloc[0])
    if isinstance(land, gpd.GeoDataFrame | gpd.GeoSeries):
        if land.crs is None:
            msg = (
                f"The {what} layer has no CRS, so it cannot be matched to the network. Set it, "
                "e.g. land.set_crs('EPSG:4326') for longitude/latitude."
            )
            raise CRSError(msg)
        geoms = land.geometry if isinstance(land, gpd.GeoDataFrame) else land
        poly = geoms.to_crs(crs)
        poly = poly[poly.geom_type.isin(["Polygon", "MultiPolygon"])]
        if poly.empty:
            msg = f"The {what} layer has no polygons; pass land polygons or land=False."
            raise ValidationError(msg)
        return shapely.make_valid(shapely.union_all(poly.values))
    if isinstance(land, BaseGeometry):
        if land.geom_type not in ("Polygon", "MultiPolygon"):
            msg = f"land must be a polygon; got a {land.geom_type}."
            raise ValidationError(msg)
        # a bare geometry is read in the graph's CRS (EPSG:4326 for the bundled chains)
        return cast(BaseGeometry, gpd.GeoSeries([land], crs=STORAGE_CRS).to_crs(crs).iloc[0])
    msg = (
        f"land must be None (the bundled provinces), False (no clipping), a polygon in "
        f"EPSG:4326 or a GeoDataFrame of polygons; got {type(land).__name__}."
    )
    raise ValidationError(msg)


def _filtered(G: nx.Graph, modes: Sequence[str] | None) -> tuple[nx.Graph, list[str] | None]:
    if modes is None:
        return G, None
    if isinstance(modes, str):
        modes = [modes]
    present = sorted({str(m) for *_, m in G.edges(data="mode") if m is not None})
    unknown = [m for m in modes if m not in present]
    if unknown:
        from urbanchain._private._messages import unknown_name

        err = unknown_name("edge mode", unknown[0], present)
        raise err
    keep = set(modes) | set(_ALWAYS_KEPT)
    if G.is_multigraph():
        H = nx.subgraph_view(G, filter_edge=lambda u, v, k: G.edges[u, v, k].get("mode") in keep)
    else:
        H = nx.subgraph_view(G, filter_edge=lambda u, v: G.edges[u, v].get("mode") in keep)
    return H, list(modes)


def default_off_network_speed(G: nx.Graph) -> float:
    """Straight-line off-network speed (km/h): the graph's access speed over its circuity."""
    params = (G.graph.get("provenance") or {}).get("parameters") or {}
    speed = float(params.get("access_speed_kmh") or 30.0)
    circuity = float(params.get("access_circuity") or 1.3)
    return speed / circuity


def _edge_table(
    H: nx.Graph, weight: str, to_m: pyproj.Transformer
) -> tuple[list[Any], list[Any], np.ndarray, np.ndarray, np.ndarray]:
    """Continuous edges: u, v, metric geometry (oriented u -> v), weight, metric length."""
    us: list[Any] = []
    vs: list[Any] = []
    geoms: list[Any] = []
    ws: list[float] = []
    edges = H.edges(keys=True, data=True) if H.is_multigraph() else H.edges(data=True)
    for e in edges:
        u, v, d = e[0], e[1], e[-1]
        g = d.get("geometry")
        if d.get("mode") not in CONTINUOUS_MODES or g is None or g.is_empty:
            continue
        us.append(u)
        vs.append(v)
        geoms.append(g)
        ws.append(float(d[weight]))
    if not geoms:
        empty = np.empty(0)
        return us, vs, np.empty(0, dtype=object), empty, empty
    garr = shapely.transform(
        np.asarray(geoms, dtype=object),
        lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])),
    )
    # orient each line from u to v (the builder may store it either way)
    ux = np.array([(H.nodes[u]["x"], H.nodes[u]["y"]) for u in us], dtype=np.float64)
    uxm = np.column_stack(to_m.transform(ux[:, 0], ux[:, 1]))
    start = shapely.get_point(garr, 0)
    end = shapely.get_point(garr, -1)
    upt = shapely.points(uxm)
    flip = shapely.distance(end, upt) < shapely.distance(start, upt)
    garr = np.where(flip, shapely.reverse(garr), garr)
    return us, vs, garr, np.asarray(ws), shapely.length(garr)


def service_area(
    G: nx.Graph,
    origins: Any,
    *,
    cutoffs: Sequence[float] | float = (30, 60, 90),
    weight: str = "time_min",
    modes: Sequence[str] | None = None,
    off_network_speed_kmh: float | None = None,
    merge: bool = False,
    land: Any = None,
    resolution_m: float = 500.0,
    crs: Any = METRIC_CRS,
    engine: str | None = None,
) -> gpd.GeoDataFrame:
    r"""Service areas (isochrones): the land within each travel-time budget of the origins.

    For an origin :math:`o` and a cutoff :math:`c`, a point :math:`p` is in the
    band when the network time to some point :math:`q` of the network plus
    the off-network time from :math:`q` to :math:`p` is within :math:`c`:

    .. math::

        S_o(c) = \Big(\bigcup_{q:\; t_o(q) \le c} B\big(q,\; (c - t_o(q))\, v_{\mathrm{off}}\big)\Big)
        \cap \mathrm{Land}

    where :math:`t_o(q)` is the shortest time to :math:`q`: at a node, the
    Dijkstra time; at a point a fraction :math:`s` along an edge
    :math:`(u, v)` of cost :math:`w`, :math:`\min(t_o(u) + s w,\, t_o(v) + (1 - s) w)`
    (partly reached edges count, interpolated along the edge's geometry), and
    :math:`B(q, r)` the disc of radius :math:`r`.  The points :math:`q` are every
    node reached and points every ``resolution_m`` metres along the reached
    parts of *continuous* edges (:data:`CONTINUOUS_MODES`: roads, expressways,
    access links); rail, waterway, sea and air edges are left only at their
    nodes.  The allowance :math:`v_{\mathrm{off}}` is the straight-line speed
    off the modelled corridors (local roads the graph does not carry).  Its
    default is the graph builder's own access assumption, ``access_speed_kmh /
    access_circuity`` (30 / 1.3 = 23 km/h on the bundled chains), so the areas
    are consistent with how the graph joins places to the corridors.

    The discs are built with vectorised Shapely 2 buffers in the metric ``crs``
    and unioned; a band then absorbs the smaller ones, so bands nest exactly
    and grow with the cutoff.  Sampling every ``resolution_m`` can only leave
    out a sliver of at most ``resolution_m / 2`` near the tips of the reached
    stretches: the areas never claim land that is not reachable.  This is the
    "network buffer" form of a service area (as in ArcGIS Network Analyst's
    detailed polygons or OSMnx's isochrone examples), with the off-network
    allowance made explicit.

    Parameters
    ----------
    G
        Chain graph (edges with ``geometry``, ``mode`` and ``weight``; node ``x``/``y``).
    origins
        Node ids or names (``"Cảng Hải Phòng"``, ``"Noi Bai"``), one or several.
    cutoffs
        Travel-time budgets in the unit of ``weight`` (minutes), > 0 and
        strictly increasing.
    weight
        Edge cost attribute; must be in minutes (``time_min``).
    modes
        Edge modes to travel on (e.g. ``["expressway", "highway"]``); access
        links and mode transfers are always kept.  None: every mode.
    off_network_speed_kmh
        Straight-line speed off the network (km/h, > 0); None: the graph's
        ``access_speed_kmh / access_circuity``.  0 gives no allowance (the areas
        are then empty: lines have no area).
    merge
        One polygon per band for all origins together (their union) instead of
        one per origin and band.
    land
        Clip polygon: None = the union of the bundled provinces of Vietnam;
        a GeoDataFrame/GeoSeries of polygons (with CRS); a polygon in EPSG:4326;
        ``False`` = no clipping.
    resolution_m
        Spacing of the sampled points along edges (metres, > 0).
    crs
        Metric CRS of the geometric work (checked; default VN-2000 / UTM 48N).
    engine
        Shortest-path engine (see :func:`od_matrix`).

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, one row per origin and band (``merge=False``) or per band:
        ``origin`` (id; ids joined by ``"+"`` when merged), ``name``, ``band_min``,
        ``area_km2`` (geodesic), ``nodes_reached``, ``geometry`` (valid
        (Multi)Polygons).  ``attrs``: ``off_network_speed_kmh``,
        ``resolution_m``, ``modes``, ``land``, ``crs``, ``weight``.

    Raises
    ------
    ValidationError
        Bad cutoffs, speed or resolution; a weight not in minutes.
    UnknownNameError
        Unknown or ambiguous origin names, unknown modes.
    CRSError
        A geographic or Web Mercator ``crs``; a land layer without CRS.

    References
    ----------
    Dijkstra, E. W. (1959). A note on two problems in connexion with graphs.
    *Numerische Mathematik* 1, 269-271.
    O'Sullivan, D., Morrison, A. & Shearer, J. (2000). Using desktop GIS for the
    investigation of accessibility by public transport: an isochrone approach.
    *International Journal of Geographical Information Science* 14(1), 85-104.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.metrics import service_area
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> sa = service_area(chain.graph, "Cảng Hải Phòng", cutoffs=(30, 60))
    >>> sa[["origin", "name", "band_min"]].values.tolist()
    [['hai_phong_port', 'Cảng Hải Phòng', 30.0], ['hai_phong_port', 'Cảng Hải Phòng', 60.0]]
    >>> bool(sa.geometry.iloc[1].contains(sa.geometry.iloc[0].buffer(-1e-6)))
    True
    """
    if is_network(G):
        G = G.to_networkx()
    if unit_of(G, weight) != "min":
        msg = (
            f"service_area needs a travel time in minutes; weight {weight!r} is in "
            f"{unit_of(G, weight)!r}. Pass weight='time_min'."
        )
        raise ValidationError(msg)
    cuts = check_cutoffs(cutoffs)
    if off_network_speed_kmh is None:
        speed = default_off_network_speed(G)
    elif (
        isinstance(off_network_speed_kmh, int | float)
        and not isinstance(off_network_speed_kmh, bool)
        and math.isfinite(off_network_speed_kmh)
        and off_network_speed_kmh >= 0
    ):
        speed = float(off_network_speed_kmh)
    else:
        msg = f"off_network_speed_kmh must be a finite number >= 0 (km/h); got {off_network_speed_kmh!r}."
        raise ValidationError(msg)
    if not (
        isinstance(resolution_m, int | float) and math.isfinite(resolution_m) and resolution_m > 0
    ):
        msg = f"resolution_m must be a finite number > 0 (metres); got {resolution_m!r}."
        raise ValidationError(msg)
    metric = check_metric_crs(crs)
    src = resolve_nodes(G, origins, default=[], what="origin")
    H, mode_list = _filtered(G, modes)
    prep = prepare(H, weight, stacklevel=3)
    eng = prep.engine(resolve_engine(engine), searches=len(src))
    d_all = dist_rows(prep, src, eng)
    nodes = list(prep.csr.nodes)
    to_m = pyproj.Transformer.from_crs(G.graph.get("crs", STORAGE_CRS), metric, always_xy=True)
    missing_xy = [v for v in nodes if "x" not in H.nodes[v] or "y" not in H.nodes[v]]
    if missing_xy:
        msg = f"service_area needs node coordinates x/y; {len(missing_xy)} node(s) have none."
        raise GraphError(msg)
    xy = np.array([(H.nodes[v]["x"], H.nodes[v]["y"]) for v in nodes], dtype=np.float64)
    nxm = np.column_stack(to_m.transform(xy[:, 0], xy[:, 1]))
    us, vs, eg, ew, elen = _edge_table(H, weight, to_m)
    iu = np.array([prep.csr.index[u] for u in us], dtype=np.int64)
    iv = np.array([prep.csr.index[v] for v in vs], dtype=np.int64)
    # sample positions along each continuous edge, as fractions of its length
    n_pts = np.maximum(np.ceil(elen / resolution_m).astype(np.int64), 1) + 1
    owner = np.repeat(np.arange(len(eg)), n_pts)
    start = np.concatenate([[0], np.cumsum(n_pts)[:-1]]) if len(eg) else np.empty(0, dtype=np.int64)
    k = np.arange(owner.size) - np.repeat(start, n_pts)
    frac = k / np.repeat(n_pts - 1, n_pts)
    pts = (
        shapely.line_interpolate_point(eg[owner], frac, normalized=True)
        if owner.size
        else np.empty(0, dtype=object)
    )
    land_geom = land_geometry(land, crs=metric)
    directed = G.is_directed()
    m_per_min = speed * 1000.0 / 60.0
    rows: list[dict[str, Any]] = []
    per_origin: list[list[BaseGeometry]] = []
    reached_masks: list[list[np.ndarray]] = []
    for r in range(len(src)):
        d = d_all[r]
        if owner.size:
            t_pt = d[iu][owner] + frac * ew[owner]
            if not directed:
                t_pt = np.minimum(t_pt, d[iv][owner] + (1 - frac) * ew[owner])
        else:
            t_pt = np.empty(0)
        bands: list[BaseGeometry] = []
        counts: list[np.ndarray] = []
        prev: BaseGeometry | None = None
        for c in cuts:
            node_in = np.isfinite(d) & (d <= c)
            pt_in = np.isfinite(t_pt) & (t_pt <= c)
            centres = np.concatenate([shapely.points(nxm[node_in]), pts[pt_in]])
            radii = np.concatenate([(c - d[node_in]), (c - t_pt[pt_in])]) * m_per_min
            geom = (
                shapely.union_all(shapely.buffer(centres, radii, quad_segs=8))
                if centres.size
                else shapely.Polygon()
            )
            if prev is not None:
                geom = shapely.union(geom, prev)
            prev = geom
            counts.append(node_in)
            bands.append(geom)
        per_origin.append(bands)
        reached_masks.append(counts)
    names = node_names(G, src)
    if merge:
        for b, c in enumerate(cuts):
            geom = shapely.union_all([bands[b] for bands in per_origin])
            rows.append(
                {
                    "origin": "+".join(str(s) for s in src),
                    "name": " + ".join(names),
                    "band_min": c,
                    "nodes_reached": int(np.logical_or.reduce([m[b] for m in reached_masks]).sum()),
                    "geometry": geom,
                }
            )
    else:
        for s, nm, bands, masks in zip(src, names, per_origin, reached_masks, strict=True):
            for geom, c, mask in zip(bands, cuts, masks, strict=True):
                rows.append(
                    {
                        "origin": s,
                        "name": nm,
                        "band_min": c,
                        "nodes_reached": int(mask.sum()),
                        "geometry": geom,
                    }
                )
    geoms = np.asarray([row.pop("geometry") for row in rows], dtype=object)
    if land_geom is not None:
        geoms = shapely.intersection(geoms, land_geom)
    geoms = shapely.make_valid(geoms)
    geoms = np.asarray([_polygonal(g) for g in geoms], dtype=object)
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geoms), crs=metric).to_crs(STORAGE_CRS)
    out.insert(3, "area_km2", geodesic_area(out.geometry.values) / 1e6)
    out.attrs.update(prep.attrs(eng))
    out.attrs.update(
        {
            "off_network_speed_kmh": speed,
            "resolution_m": float(resolution_m),
            "modes": mode_list,
            "land": "bundled provinces" if land is None else ("none" if land is False else "user"),
            "crs": metric.to_string(),
            "units": {"band_min": unit_of(G, weight), "area_km2": "km2 (geodesic)"},
        }
    )
    return out


def _polygonal(g: BaseGeometry) -> BaseGeometry:
    """Keep the polygonal part of a geometry (a clip can leave lines or points on a border)."""
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()
