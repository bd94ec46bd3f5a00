"""Layer schemas and validation of user layers.

:func:`validate_layer` inspects a GeoDataFrame and returns a
:class:`ValidationReport`; :func:`check_layer` is the gate that raises on
errors and warns about repairs; :func:`align_crs` checks that several layers
share one CRS.  :func:`urbanchain.io.read_layer` runs the same checks on every
file it reads.  The caller's frames are never modified.

Each kind of layer has a :class:`LayerSchema` in :data:`LAYER_SCHEMAS`:

=============  ==============================  ===============  =====================
kind           geometry types                  id column        empty geometries
=============  ==============================  ===============  =====================
``provinces``  Polygon, MultiPolygon           ``code`` (opt.)  dropped if repair
``nodes``      Point                           ``node_id``      error
``corridors``  LineString                      ``corridor_id``  error
``lines``      LineString, MultiLineString     none             dropped if repair
``polygons``   Polygon, MultiPolygon           none             dropped if repair
``points``     Point                           none             dropped if repair
=============  ==============================  ===============  =====================
"""

from __future__ import annotations

import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from urbanchain.errors import CRSError, RepairWarning, ValidationError
from urbanchain.io import _readers
from urbanchain.layers._validate import (
    EXPECTED_REGION,
    LAYER_SCHEMAS,
    Issue,
    LayerSchema,
    Region,
    ValidationReport,
    emit_warnings,
    run_checks,
)

__all__ = [
    "EXPECTED_REGION",
    "LAYER_SCHEMAS",
    "Issue",
    "LayerSchema",
    "ValidationReport",
    "align_crs",
    "check_layer",
    "validate_layer",
]


def validate_layer(
    gdf: gpd.GeoDataFrame,
    *,
    kind: str,
    id_col: str | None = None,
    repair: bool = False,
    name: str | None = None,
    region: Region = "default",
) -> ValidationReport:
    """Check a layer against the schema of its kind and report every problem.

    Checks, in order: vertex limits (raising at once), id column present,
    unique and complete; null, unreadable and empty geometries; NaN/infinite
    and 3-D coordinates; geometry types; CRS present and plausible (projected
    coordinates labelled EPSG:4326, swapped latitude/longitude, out-of-range
    coordinates); geometry validity; numeric columns; categorical values; and
    features outside the expected region (a warning).

    This function only reports: it issues no warnings.  Use :func:`check_layer`
    to raise on errors and warn about repairs.

    Parameters
    ----------
    gdf
        The layer.  It is never modified.
    kind
        One of the keys of :data:`LAYER_SCHEMAS`.
    id_col
        Id column; defaults to the kind's.  A given id column must be unique and complete.
    repair
        Apply safe repairs to a copy (``report.data``) and list them in ``report.repairs``.
    name
        How to name the layer in messages (default ``"layer"``).
    region
        The lon/lat bbox ``(min_lon, min_lat, max_lon, max_lat)`` that features
        far outside of draw a warning; ``"default"``: the Delta's region
        (Vietnam and its seas) for the ``provinces``, ``nodes`` and
        ``corridors`` kinds, no check for the generic ``lines``, ``polygons``
        and ``points`` (a road network of one's own can be anywhere); None: no check.

    Returns
    -------
    ValidationReport
        ``errors``, ``repairs`` and ``warnings`` with row positions and ids; ``ok``;
        ``data`` (the repaired copy when ``repair=True`` and there are no errors).

    Raises
    ------
    ResourceLimitError
        If a feature or the layer has more vertices than the settings allow.
    UnknownNameError
        If ``kind`` or ``id_col`` is unknown.
    ValidationError
        If ``gdf`` is not a GeoDataFrame.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> from urbanchain.layers import validate_layer
    >>> gdf = gpd.GeoDataFrame({"node_id": ["a", "a"]},
    ...                        geometry=[Point(105.8, 21.0), Point(106.7, 20.9)], crs=4326)
    >>> report = validate_layer(gdf, kind="nodes", name="nodes")
    >>> report.ok, [issue.code for issue in report.errors]
    (False, ['duplicate_id'])
    """
    return run_checks(gdf, kind=kind, id_col=id_col, repair=repair, name=name, region=region)


def check_layer(
    gdf: gpd.GeoDataFrame,
    *,
    kind: str,
    id_col: str | None = None,
    repair: bool = False,
    name: str | None = None,
    region: Region = "default",
) -> gpd.GeoDataFrame:
    """Validate a layer, raise on errors, warn about repairs, and return a checked copy.

    Parameters
    ----------
    gdf
        The layer.  It is never modified.
    kind
        One of the keys of :data:`LAYER_SCHEMAS`.
    id_col
        Id column; defaults to the kind's.
    repair
        Apply safe repairs (each announced by a :class:`~urbanchain.errors.RepairWarning`
        that counts what changed).
    name
        How to name the layer in messages.
    region
        The lon/lat bbox ``(min_lon, min_lat, max_lon, max_lat)`` that features
        far outside of draw a warning; ``"default"``: the Delta's region
        (Vietnam and its seas) for the ``provinces``, ``nodes`` and
        ``corridors`` kinds, no check for the generic ``lines``, ``polygons``
        and ``points`` (a road network of one's own can be anywhere); None: no check.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame (repaired if asked); the input is untouched.

    Raises
    ------
    ValidationError
        With the full report text, if any error was found (``CRSError`` when
        every error is about the CRS).
    ResourceLimitError
        If a vertex limit is exceeded.

    Warns
    -----
    RepairWarning
        One per repair, counting the rows changed.
    DataQualityWarning
        For features far outside the expected region.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> from urbanchain.layers import check_layer
    >>> gdf = gpd.GeoDataFrame({"node_id": ["ha_noi"]}, geometry=[Point(105.85, 21.03)], crs=4326)
    >>> check_layer(gdf, kind="nodes")["node_id"].tolist()
    ['ha_noi']
    """
    report = run_checks(
        gdf, kind=kind, id_col=id_col, repair=repair, name=name, want_data=True, region=region
    )
    report.raise_for_errors()
    emit_warnings(report, stacklevel=2)
    assert report.data is not None
    return report.data


def align_crs(*layers: gpd.GeoDataFrame, to_crs: Any = None) -> list[gpd.GeoDataFrame]:
    """Check that layers share one CRS, or reproject them to one on request.

    Parameters
    ----------
    *layers
        GeoDataFrames.  None is modified.
    to_crs
        ``None`` (default): layers in different CRSs raise :class:`CRSError`.
        ``"first"``: reproject every layer to the first layer's CRS.  Any other
        value: a CRS to reproject every layer to.  Each reprojection is
        announced by a :class:`~urbanchain.errors.RepairWarning`.

    Returns
    -------
    list of geopandas.GeoDataFrame
        The layers in one CRS: unchanged layers are returned as given,
        reprojected ones are new frames.

    Raises
    ------
    CRSError
        If a layer has no CRS, the CRSs differ and ``to_crs`` is ``None``, or a
        reprojection gives infinite coordinates (points outside the target CRS).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import Point
    >>> from urbanchain.layers import align_crs
    >>> a = gpd.GeoDataFrame(geometry=[Point(105.8, 21.0)], crs=4326)
    >>> b = gpd.GeoDataFrame(geometry=[Point(106.7, 20.9)], crs=4326)
    >>> [lyr.crs.to_string() for lyr in align_crs(a, b)]
    ['EPSG:4326', 'EPSG:4326']
    """
    if not layers:
        return []
    wrong = [
        f"{i} ({type(lyr).__name__})"
        for i, lyr in enumerate(layers)
        if not isinstance(lyr, gpd.GeoDataFrame)
    ]
    if wrong:
        msg = (
            f"align_crs takes GeoDataFrames; layer(s) {', '.join(wrong)} (0-based) are not. "
            "Pass the layers as GeoDataFrames, e.g. read them with urbanchain.io.read_layer."
        )
        raise ValidationError(msg)
    missing = [i for i, lyr in enumerate(layers) if lyr.crs is None]
    if missing:
        msg = (
            f"layer(s) {', '.join(map(str, missing))} (0-based, in the order given) have no CRS. "
            "Set it with gdf.set_crs('EPSG:4326') (longitude/latitude) or the CRS the "
            "coordinates are in."
        )
        raise CRSError(msg)
    crss = [pyproj.CRS.from_user_input(lyr.crs) for lyr in layers]
    if to_crs is None:
        first = crss[0]
        differ = [i for i, c in enumerate(crss) if not c.equals(first, ignore_axis_order=True)]
        if not differ:
            return list(layers)
        listing = "; ".join(f"layer {i}: {c.to_string()} ({c.name})" for i, c in enumerate(crss))
        msg = (
            f"Layers are in different CRSs ({listing}), so joins and distances between them "
            f"would be wrong. Reproject, e.g. layer.to_crs({first.to_string()!r}), or call "
            "align_crs(..., to_crs='first') to reproject every layer to the first one's CRS."
        )
        raise CRSError(msg)
    target = (
        crss[0]
        if isinstance(to_crs, str) and to_crs == "first"
        else _readers.parse_crs(to_crs, "align_crs(to_crs=...)")
    )
    out: list[gpd.GeoDataFrame] = []
    moved: list[str] = []
    for i, (lyr, c) in enumerate(zip(layers, crss, strict=True)):
        if c.equals(target, ignore_axis_order=True):
            out.append(lyr)
            continue
        new = lyr.to_crs(target)
        coords = shapely.get_coordinates(np.asarray(new.geometry.array, dtype=object))
        if not np.isfinite(coords).all():
            msg = (
                f"layer {i}: reprojecting from {c.to_string()} to {target.to_string()} gave "
                "infinite coordinates (points outside the target CRS, or a wrong source CRS). "
                "Check the layer's CRS and coordinates."
            )
            raise CRSError(msg)
        out.append(new)
        moved.append(f"layer {i} ({c.to_string()})")
    if moved:
        msg = f"reprojected {len(moved)} layer(s) to {target.to_string()}: {', '.join(moved)}."
        warnings.warn(msg, RepairWarning, stacklevel=2)
    return out
