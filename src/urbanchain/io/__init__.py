"""Reading user layers safely: :func:`read_layer`.

Files are treated as untrusted input.  The reader is chosen from the extension
(never guessed from the content), sizes, feature counts and vertex counts are
capped (see :mod:`urbanchain.settings`), archives are read without extracting
them, and every layer is validated (:func:`urbanchain.layers.validate_layer`)
before it is returned.  The input file is never modified.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import geopandas as gpd

from urbanchain import settings
from urbanchain.crs import parse_crs
from urbanchain.errors import InputFileError
from urbanchain.io import _readers
from urbanchain.io.excel import to_excel
from urbanchain.io.postgis import is_dsn, read_postgis, to_postgis
from urbanchain.layers._validate import emit_warnings, get_schema, run_checks

__all__ = ["load_graph", "read_layer", "read_postgis", "save_graph", "to_excel", "to_postgis"]

logger = logging.getLogger(__name__)


def _map_vietnamese(
    gdf: gpd.GeoDataFrame, *, kind: str, id_col: str | None, name: str
) -> gpd.GeoDataFrame:
    """Map Vietnamese column names and values to the schema, warning with every mapping."""
    import warnings

    from urbanchain.errors import RepairWarning
    from urbanchain.layers._vietnamese import map_vietnamese

    keep = gdf[[id_col]] if id_col is not None and id_col in gdf.columns else None
    mapped, notes = map_vietnamese(
        gdf.drop(columns=[id_col]) if keep is not None else gdf, kind=kind
    )
    if not notes:
        return gdf
    if keep is not None:
        mapped.insert(0, id_col, keep[id_col])
    msg = (
        f"{name}: mapped {len(notes)} Vietnamese attribute name(s)/value(s) to urbanchain's "
        f"{kind} schema: " + "; ".join(notes) + ". Rename them in the file to silence this."
    )
    warnings.warn(RepairWarning(msg), stacklevel=3)
    return gpd.GeoDataFrame(mapped, geometry=gdf.geometry.name, crs=gdf.crs)


def read_layer(
    path: str | os.PathLike[str],
    *,
    kind: str,
    layer: str | None = None,
    crs: Any = None,
    id_col: str | None = None,
    lon_col: str = "lon",
    lat_col: str = "lat",
    encoding: str | None = None,
    repair: bool = False,
    driver: str | None = None,
    max_bytes: int | None = None,
    max_features: int | None = None,
    max_vertices: int | None = None,
    allow_remote: bool | None = None,
    expected_region: Any = None,
) -> gpd.GeoDataFrame:
    """Read and validate one layer from a file.

    Supported formats, chosen from the extension (or ``driver=``): GeoJSON
    (``.geojson``, ``.json``), GeoPackage (``.gpkg``), GeoParquet
    (``.parquet``; needs the ``parquet`` extra), CSV with longitude/latitude
    columns (``.csv``), and any of these inside a ``.zip`` (one data file per
    archive) or compressed with gzip (``.geojson.gz``...).

    Parameters
    ----------
    path
        Local file path, or a PostGIS connection string ``postgresql://…`` with
        the table as ``layer=`` (see :func:`urbanchain.io.read_postgis`).
        Remote paths (``http(s)://``, ``/vsicurl/``...) are refused unless
        ``allow_remote`` is true.
    kind
        Layer kind: ``"provinces"``, ``"nodes"``, ``"corridors"``, ``"lines"``,
        ``"polygons"`` or ``"points"`` (see :data:`urbanchain.layers.LAYER_SCHEMAS`).
        It decides the allowed geometry types and the required columns.
    layer
        Layer name inside a GeoPackage; required when it holds several layers.
    crs
        The CRS the coordinates are in.  Required for CSV.  For other formats
        it overrides the file's CRS label (use it when projected coordinates
        are labelled EPSG:4326, or the file has none).
    id_col
        Id column; defaults to the kind's (``"node_id"``, ``"corridor_id"``,
        ``"code"`` for provinces).  A given id column must be unique and complete.
    lon_col, lat_col
        Coordinate columns of a CSV file.
    encoding
        Text encoding of GeoJSON properties or CSV (default UTF-8), e.g. ``"latin-1"``.
    repair
        Repair what can be repaired safely, with a :class:`~urbanchain.errors.RepairWarning`
        counting each change: drop null (and, for polygon layers, empty)
        geometries, drop Z, fix invalid polygons with ``make_valid(method="structure")``,
        convert single-part multi-geometries, coerce non-numeric cells of numeric
        columns to NaN.  Nothing is ever dropped silently.
    driver
        Force the format: ``"GeoJSON"``, ``"GPKG"``, ``"Parquet"`` or ``"CSV"``.
    max_bytes
        Largest file (or uncompressed archive member) in bytes; default the
        ``max_file_bytes`` setting.
    max_features
        Largest feature count; default the ``max_features`` setting.
    max_vertices
        Largest vertex count of the layer; default the ``max_vertices`` setting.
        The per-feature cap is the ``max_vertices_per_feature`` setting.
    allow_remote
        Allow remote paths; default the ``allow_remote`` setting (``False``).
    expected_region
        Where the features are expected: ``None`` (default) follows the layer's own
        extent and warns only about features far from all the others (swapped
        coordinates, a stray point); a box ``(lon_min, lat_min, lon_max, lat_max)`` in
        degrees, or a region id with a box in
        :func:`urbanchain.datasets.region_settings` (``"red_river_delta"``), warns about
        features entirely outside it.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame, validated (and repaired if asked).

    Raises
    ------
    DataNotFoundError
        If the file does not exist.
    InputFileError
        If the file is empty, an HTML page, truncated, not UTF-8, not the format
        its extension says, an ambiguous multi-layer GeoPackage or zip, a
        GeoPackage with no layer, a corrupt or crafted archive, a CSV whose rows
        have more fields than its header, remote, or ``path`` is not a path.
    ResourceLimitError
        If a size, feature or vertex limit is exceeded (the message names the
        parameter and setting that raise it).
    CRSError
        If the CRS is missing (CSV without ``crs=``), unknown, or implausible
        (projected coordinates labelled EPSG:4326).
    ValidationError
        If geometries, ids or attributes are unusable (the message lists every
        problem with its rows and the fix).
    UnknownNameError
        If ``kind``, ``driver``, ``layer``, ``encoding`` or a column name is unknown.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from urbanchain.io import read_layer
    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature",
    ...       "properties": {"node_id": "ha_noi"},
    ...       "geometry": {"type": "Point", "coordinates": [105.85, 21.03]}}]}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nodes.geojson"
    >>> _ = path.write_text(json.dumps(fc))
    >>> nodes = read_layer(path, kind="nodes")
    >>> nodes["node_id"].tolist(), nodes.crs.to_string()
    (['ha_noi'], 'EPSG:4326')
    """
    schema = get_schema(kind)
    _readers.check_encoding(encoding)
    if not isinstance(path, str | os.PathLike):
        msg = (
            f"path must be a file path (str or pathlib.Path); got {type(path).__name__}. "
            "To check a GeoDataFrame already in memory, use urbanchain.layers.check_layer."
        )
        raise InputFileError(msg)
    display = str(path)
    if is_dsn(display):
        if layer is None:
            msg = (
                "Reading from PostGIS needs the table name: read_layer('postgresql://...', "
                "layer='table_name', kind=...)."
            )
            raise InputFileError(msg)
        return read_postgis(
            display, layer=layer, kind=kind, id_col=id_col, repair=repair,
            max_features=max_features,
        )
    if _readers.is_remote(display):
        if not settings.resolve("allow_remote", allow_remote):
            msg = (
                f"{display}: remote paths are refused by default (a remote file is untrusted "
                "and its size cannot be checked first). Download it and read the local copy, or "
                "pass allow_remote=True / urbanchain.settings.set(allow_remote=True)."
            )
            raise InputFileError(msg)
        msg = (
            f"{display}: reading remote files is not supported yet even with allow_remote; "
            "download the file and read the local copy."
        )
        raise InputFileError(msg)
    if display.lower().startswith("/vsi"):
        msg = (
            f"{display}: GDAL virtual paths are not accepted; pass the local file path "
            "(urbanchain reads .zip and .gz archives itself, without extracting them)."
        )
        raise InputFileError(msg)
    limit_bytes = settings.resolve("max_file_bytes", max_bytes)
    limit_features = settings.resolve("max_features", max_features)
    src = _readers.resolve_source(path, driver=driver, max_bytes=limit_bytes)
    logger.debug("reading %s as %s (%d bytes)", src.display, src.fmt, src.size)
    if src.fmt == "csv":
        keep_text = tuple({*schema.string_columns, *([id_col] if id_col else [])})
        gdf = _readers.read_csv(
            src,
            crs=crs,
            lon_col=lon_col,
            lat_col=lat_col,
            encoding=encoding,
            max_features=limit_features,
            keep_text=keep_text,
        )
    else:
        if src.fmt == "parquet":
            gdf = _readers.read_parquet(src, max_features=limit_features)
        else:
            gdf = _readers.read_gdal(
                src, layer=layer, encoding=encoding, max_features=limit_features
            )
        if crs is not None:
            parsed = parse_crs(crs, src.display)
            if gdf.crs is not None and not gdf.crs.equals(parsed):
                logger.info("%s: labelled %s; using crs=%s as given", src.display, gdf.crs, parsed)
            gdf = gdf.set_crs(parsed, allow_override=True)
    gdf = _map_vietnamese(gdf, kind=kind, id_col=id_col, name=src.display)
    gdf, unreadable = _readers.recover_null_geometries(src, gdf)
    report = run_checks(
        gdf,
        kind=kind,
        id_col=id_col,
        repair=repair,
        name=src.display,
        unreadable=unreadable,
        max_vertices=max_vertices,
        from_read_layer=True,
        want_data=True,
        expected_region=expected_region,
    )
    report.raise_for_errors()
    emit_warnings(report, stacklevel=2)
    assert report.data is not None
    return report.data


# graphs to and from files (GeoPackage, GeoParquet, GraphML): see urbanchain.io._graphfiles
from urbanchain.io._graphfiles import load_graph, save_graph  # noqa: E402
