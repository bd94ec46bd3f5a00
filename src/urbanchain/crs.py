"""Coordinate reference systems and measurement.

This module owns every decision about coordinates in urbanchain:

* layers are **stored** in :data:`STORAGE_CRS` (EPSG:4326, longitude/latitude,
  as RFC 7946 GeoJSON requires);
* lengths and areas are **geodesic** on the WGS 84 ellipsoid
  (:class:`pyproj.Geod`), or planar in a **checked metric CRS** such as
  :data:`METRIC_CRS` (VN-2000 / UTM zone 48N, EPSG:3405);
* measuring in degrees or in Web Mercator (whose scale error is about 7 % at
  the Delta's latitude and grows towards the poles) is refused with a message
  that says what to do.

Nothing here reprojects silently.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from urbanchain.errors import CRSError

__all__ = [
    "METRIC_CRS",
    "STORAGE_CRS",
    "check_metric_crs",
    "ensure_crs",
    "geodesic_area",
    "geodesic_length",
    "geodesic_point_distance",
    "length_m",
    "parse_crs",
    "to_metric",
]

#: CRS in which every layer is stored and exchanged (WGS 84 longitude/latitude).
STORAGE_CRS = "EPSG:4326"
#: Default metric CRS for planar work in northern Vietnam: VN-2000 / UTM zone 48N.
METRIC_CRS = "EPSG:3405"

_GEOD = pyproj.Geod(ellps="WGS84")
_WEB_MERCATOR_CODES = {3857, 900913, 3785, 102100, 102113, 3395, 54004}


def parse_crs(crs: Any, display: str | None = None) -> pyproj.CRS:
    """Parse a user CRS or raise :class:`~urbanchain.errors.CRSError` naming where it came from.

    ``display`` (a file name, or the argument it came from) prefixes the
    message (bad-inputs row 13: unknown CRS).
    """
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError as exc:
        if display is None:
            msg = (
                f"{crs!r} is not a coordinate reference system pyproj understands. Pass an "
                "EPSG code such as 'EPSG:4326' or 'EPSG:3405'."
            )
        else:
            msg = (
                f"{display}: crs={crs!r} is not a coordinate reference system pyproj "
                "understands. Pass an EPSG code such as 'EPSG:4326' (longitude/latitude) or "
                "'EPSG:3405' (VN-2000 / UTM 48N)."
            )
        raise CRSError(msg) from exc


def _as_crs(crs: Any) -> pyproj.CRS:
    return parse_crs(crs)


def ensure_crs(gdf: gpd.GeoDataFrame, *, what: str = "layer") -> pyproj.CRS:
    """Return the CRS of ``gdf``, refusing a layer without one.

    Parameters
    ----------
    gdf
        A GeoDataFrame.
    what
        How to name the layer in the message (a file name, ``"nodes"``...).

    Returns
    -------
    pyproj.CRS
        The layer's CRS.

    Raises
    ------
    CRSError
        If the layer has no CRS.
    """
    if gdf.crs is None:
        msg = (
            f"{what} has no coordinate reference system, so its coordinates cannot be measured. "
            "If the coordinates are longitude/latitude, call gdf.set_crs('EPSG:4326'); "
            "otherwise pass the CRS they are in (for example crs='EPSG:3405' for VN-2000 / UTM 48N)."
        )
        raise CRSError(msg)
    return _as_crs(gdf.crs)


def check_metric_crs(crs: Any) -> pyproj.CRS:
    """Check that ``crs`` measures in metres without a large scale error.

    Parameters
    ----------
    crs
        Anything :meth:`pyproj.CRS.from_user_input` accepts.

    Returns
    -------
    pyproj.CRS
        The parsed CRS.

    Raises
    ------
    CRSError
        If the CRS is geographic (degrees), Web Mercator, or not in metres.

    Examples
    --------
    >>> from urbanchain.crs import check_metric_crs
    >>> check_metric_crs("EPSG:3405").name
    'VN-2000 / UTM zone 48N'
    """
    parsed = _as_crs(crs)
    if parsed.is_geographic:
        msg = (
            f"{parsed.name} is geographic: its units are degrees, which are not a length. "
            "Use urbanchain.crs.geodesic_length / geodesic_area, or reproject to a metric CRS "
            f"such as {METRIC_CRS} (VN-2000 / UTM 48N) with gdf.to_crs('{METRIC_CRS}')."
        )
        raise CRSError(msg)
    code = parsed.to_epsg()
    if code in _WEB_MERCATOR_CODES or (
        "mercator" in parsed.name.lower() and "pseudo" in parsed.name.lower()
    ):
        msg = (
            f"{parsed.name} (Web Mercator) stretches lengths by 1/cos(latitude) "
            "(about 7 % at 21°N, x2 at 60°N), so it is refused for measurement. "
            f"Reproject with gdf.to_crs('{METRIC_CRS}') or measure geodesically."
        )
        raise CRSError(msg)
    units = {ax.unit_name for ax in parsed.axis_info}
    if not units <= {"metre", "meter"}:
        msg = f"{parsed.name} measures in {', '.join(sorted(units))}, not metres. Reproject to a metric CRS such as {METRIC_CRS}."
        raise CRSError(msg)
    return parsed


def geodesic_length(geoms: Any) -> NDArray[np.float64]:
    r"""Geodesic length in metres of each (multi)line in longitude/latitude.

    Vectorised: every segment of every geometry goes to one call of
    :meth:`pyproj.Geod.inv`, and segment lengths are summed per geometry.

    .. math:: L_g = \sum_{i} s(p_i, p_{i+1})

    where :math:`s` is the WGS 84 geodesic distance (Karney 2013) between
    consecutive vertices of the same part.

    Parameters
    ----------
    geoms
        Array-like of shapely geometries (a GeoSeries, list or ndarray) with
        coordinates in longitude/latitude degrees.  Polygons measure their
        boundary.

    Returns
    -------
    numpy.ndarray
        Lengths in metres; 0 for empty geometries, NaN for missing ones.

    References
    ----------
    Karney, C. F. F. (2013). Algorithms for geodesics. *Journal of Geodesy*,
    87(1), 43-55. https://doi.org/10.1007/s00190-012-0578-z

    Examples
    --------
    >>> from shapely import LineString
    >>> from urbanchain.crs import geodesic_length
    >>> round(float(geodesic_length([LineString([(105.0, 21.0), (106.0, 21.0)])])[0]))
    103970
    """
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    out = np.zeros(len(arr), dtype=np.float64)
    missing = shapely.is_missing(arr)
    out[missing] = np.nan
    polygonal = np.isin(shapely.get_type_id(arr), (3, 6))
    work = np.where(polygonal, shapely.boundary(arr), arr)
    # explode multi-part geometries so that segments never join two parts
    parts, owner = shapely.get_parts(work, return_index=True)
    if len(parts) == 0:
        return out
    coords, vidx = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        return out
    same = vidx[1:] == vidx[:-1]
    if not same.any():
        return out
    lon0, lat0 = coords[:-1, 0][same], coords[:-1, 1][same]
    lon1, lat1 = coords[1:, 0][same], coords[1:, 1][same]
    _, _, dist = _GEOD.inv(lon0, lat0, lon1, lat1)
    per_part = np.bincount(vidx[:-1][same], weights=dist, minlength=len(parts))
    out += np.bincount(owner, weights=per_part, minlength=len(arr))
    return out


def geodesic_point_distance(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> NDArray[np.float64]:
    """Geodesic distance in metres between pairs of lon/lat points (vectorised).

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Arrays (or scalars) of coordinates in degrees.

    Returns
    -------
    numpy.ndarray
        Distances in metres.

    Examples
    --------
    >>> from urbanchain.crs import geodesic_point_distance
    >>> round(float(geodesic_point_distance(105.0, 21.0, 105.0, 22.0)[0]) / 1000, 1)
    110.7
    """
    a = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2)]
    _, _, dist = _GEOD.inv(a[0], a[1], a[2], a[3])
    return np.asarray(dist, dtype=np.float64)


def geodesic_area(geoms: Any) -> NDArray[np.float64]:
    """Geodesic area in square metres of each polygon in longitude/latitude.

    The absolute value is taken, so the winding order of rings does not change
    the sign.  These are areas *of the polygons*: for the coarse geoBoundaries
    polygons they can differ from official areas by about 20 %.

    Parameters
    ----------
    geoms
        Array-like of shapely (multi)polygons in degrees.

    Returns
    -------
    numpy.ndarray
        Areas in square metres (NaN for missing geometries).

    References
    ----------
    Karney, C. F. F. (2013). Algorithms for geodesics. *Journal of Geodesy*, 87(1), 43-55.
    """
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    out = np.full(len(arr), np.nan)
    for i, g in enumerate(arr):
        if g is None:
            continue
        area, _ = _GEOD.geometry_area_perimeter(g)
        out[i] = abs(area)
    return out


def length_m(gdf: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """Length in metres of each line of a layer, in whatever CRS it is.

    Geographic layers are measured geodesically; projected layers must pass
    :func:`check_metric_crs` and are measured in the plane.

    Parameters
    ----------
    gdf
        A line layer with a CRS.

    Returns
    -------
    numpy.ndarray
        Lengths in metres.

    Raises
    ------
    CRSError
        If the layer has no CRS or a CRS that measures badly (Web Mercator, feet...).
    """
    crs = ensure_crs(gdf)
    if crs.is_geographic:
        if not crs.equals(pyproj.CRS.from_user_input(STORAGE_CRS), ignore_axis_order=True):
            gdf = gdf.to_crs(STORAGE_CRS)
        return geodesic_length(gdf.geometry)
    check_metric_crs(crs)
    return np.asarray(shapely.length(gdf.geometry.values), dtype=np.float64)


def to_metric(gdf: gpd.GeoDataFrame, crs: Any = METRIC_CRS) -> gpd.GeoDataFrame:
    """Reproject a layer to a checked metric CRS (a new object; the input is untouched).

    Parameters
    ----------
    gdf
        A layer with a CRS.
    crs
        Target CRS, checked by :func:`check_metric_crs`. Defaults to VN-2000 / UTM 48N.

    Returns
    -------
    geopandas.GeoDataFrame
        The reprojected copy.
    """
    ensure_crs(gdf)
    target = check_metric_crs(crs)
    return gdf.to_crs(target)
