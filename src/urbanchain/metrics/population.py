"""Population reached within travel-time budgets (points, polygons or a raster)."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from urbanchain.crs import STORAGE_CRS, geodesic_area
from urbanchain.errors import CRSError, DataQualityWarning, ValidationError
from urbanchain.metrics.service_area import service_area

__all__ = ["population_in_areas", "population_within"]

#: What the bundled default population surface assumes (``attrs["assumption"]``).
BUNDLED_ASSUMPTION = (
    "official province populations (2008-2025 provinces, each with its own year and source) "
    "spread uniformly over each province polygon; provinces without a sourced population "
    "count as unknown area (area_unknown_km2), never as 0 people"
)


def _check_counts(values: pd.Series, *, what: str, column: str) -> np.ndarray:
    num = pd.to_numeric(values, errors="coerce")
    bad_type = values.notna() & num.isna()
    if bad_type.any():
        rows = [str(i) for i in values.index[bad_type][:10]]
        msg = (
            f"Population column {column!r} of the {what} is not numeric in "
            f"{int(bad_type.sum())} row(s) (rows {', '.join(rows)}; e.g. {values[bad_type].iloc[0]!r}). "
            "Convert it to numbers (people) first."
        )
        raise ValidationError(msg)
    nan = num.isna()
    if nan.any():
        rows = [str(i) for i in values.index[nan][:10]]
        msg = (
            f"Population column {column!r} of the {what} is NaN/empty in {int(nan.sum())} "
            f"row(s) (rows {', '.join(rows)}). A missing count is not 0: fill it, or drop those "
            "rows yourself and say so."
        )
        raise ValidationError(msg)
    arr = num.to_numpy(dtype=np.float64)
    neg = ~np.isfinite(arr) | (arr < 0)
    if neg.any():
        rows = [str(i) for i in values.index[neg][:10]]
        msg = (
            f"Population column {column!r} of the {what} has {int(neg.sum())} negative or "
            f"infinite value(s) (rows {', '.join(rows)}; e.g. {arr[neg][0]!r}). Counts must be >= 0."
        )
        raise ValidationError(msg)
    return arr


def _bundled_population() -> gpd.GeoDataFrame:
    from urbanchain import datasets

    prov = datasets.provinces(region=None, vintage=2008)
    out = prov[
        ["code", "name_vi", "population", "population_year", "population_source", "geometry"]
    ]
    return out.copy()


def _polygon_sums(
    bands: np.ndarray, zones: gpd.GeoDataFrame, counts: np.ndarray, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Areal weighting: people and unknown area (km2) of each band (zones in EPSG:4326).

    Unknown area is the band's land in zones without a count plus the land no zone
    covers (band area minus the zones' share of it; zones are assumed not to overlap).
    """
    zg = np.asarray(zones.geometry.values, dtype=object)
    zarea = geodesic_area(zg)
    tree = shapely.STRtree(zg)
    people = np.zeros(len(bands))
    unknown = np.zeros(len(bands))
    band_area = geodesic_area(np.asarray(bands, dtype=object)) if len(bands) else np.zeros(0)
    for b, geom in enumerate(bands):
        if geom is None or geom.is_empty:
            continue
        idx = tree.query(geom, predicate="intersects")
        if not idx.size:
            unknown[b] = float(band_area[b]) / 1e6
            continue
        inter = shapely.intersection(zg[idx], geom)
        a = geodesic_area(inter)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(zarea[idx] > 0, a / zarea[idx], 0.0)
        k = known[idx]
        people[b] = float((counts[idx][k] * share[k]).sum())
        uncovered = max(0.0, float(band_area[b]) - float(a.sum()))
        unknown[b] = (float(a[~k].sum()) + uncovered) / 1e6
    return people, unknown


def _raster_sums(path: Path, bands: gpd.GeoDataFrame, *, kind: str) -> np.ndarray:
    from urbanchain._private._compat import import_optional_dependency

    rasterio = import_optional_dependency(
        "rasterio", purpose="population_within(population=raster)"
    )
    exactextract = import_optional_dependency(
        "exactextract", purpose="population_within(population=raster)"
    )
    if not path.exists():
        msg = f"Population raster {str(path)!r} does not exist. Pass the path of a GeoTIFF."
        raise ValidationError(msg)
    with rasterio.open(path) as src:
        if src.crs is None:
            msg = (
                f"Population raster {path.name!r} has no CRS, so its cells cannot be placed. "
                "Assign one (e.g. gdal_edit.py -a_srs EPSG:4326 file.tif) and retry."
            )
            raise CRSError(msg)
        crs = src.crs
        if kind == "density" and crs.is_geographic:
            msg = (
                f"Population raster {path.name!r} holds densities (people per km2) in a "
                f"geographic CRS ({crs.to_string()}): its cells are in degrees, so their area "
                "is not uniform. Reproject it to a metric CRS (gdalwarp -t_srs EPSG:3405), or "
                "pass raster_values='count' if the cells hold people per cell (WorldPop 'ppp')."
            )
            raise CRSError(msg)
        nodata = src.nodata
        res = src.res
        vec = bands[["geometry"]].to_crs(crs.to_wkt())
        vec = vec.reset_index(drop=True)
        vec["_row"] = np.arange(len(vec))
        table = exactextract.exact_extract(
            src, vec, ["sum"], include_cols=["_row"], output="pandas"
        )
    _ = nodata
    sums = table.set_index("_row")["sum"].reindex(np.arange(len(vec))).fillna(0.0).to_numpy()
    if kind == "density":
        cell_km2 = abs(res[0] * res[1]) / 1e6
        sums = sums * cell_km2
    return np.asarray(sums, dtype=np.float64)


def population_within(
    G: Any,
    origins: Any,
    *,
    cutoffs: Sequence[float] | float = (30, 60, 90),
    population: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    column: str = "population",
    raster_values: str = "count",
    weight: str = "time_min",
    modes: Sequence[str] | None = None,
    off_network_speed_kmh: float | None = None,
    land: Any = None,
    merge: bool = False,
    engine: str | None = None,
) -> pd.DataFrame:
    r"""People living within each travel-time budget of the origins.

    The service areas :math:`S_o(c)` of :func:`service_area` are overlaid on a
    population surface:

    * **points** (a GeoDataFrame of points with a count ``column``):
      :math:`P_o(c) = \sum_{k:\, x_k \in S_o(c)} p_k`;
    * **polygons** (zones with a count ``column``), by areal interpolation
      under a *uniform-density* assumption (each zone's people are spread
      evenly over its area):

      .. math:: P_o(c) = \sum_z p_z \frac{|z \cap S_o(c)|}{|z|}

      with geodesic areas (the extensive-variable case of Goodchild & Lam
      1980, as ``tobler.area_weighted.area_interpolate`` computes it);
    * a **raster** (path of a GeoTIFF; ``pip install "urbanchain[raster]"``):
      the sum of cell values weighted by the fraction of each cell inside the
      band (``exactextract``), for WorldPop-style people-per-cell grids
      (``raster_values="count"``) or people per km² in a metric CRS
      (``raster_values="density"``).

    **Bundled default** (``population=None``): the official populations of the
    2008-2025 provinces (each with its own year and source), spread uniformly
    over each province polygon.  It is a coarse surface (a province's people
    are not spread evenly: cities are denser), so read it as "the share of
    provinces within reach", and bring a finer surface for anything else.
    Land in a band whose province has no sourced population (Ninh Bình) is
    reported in ``area_unknown_km2`` with a warning, never counted as 0 people.

    Parameters
    ----------
    G
        Chain graph.
    origins
        Node ids or names.
    cutoffs
        Budgets in minutes, > 0 and strictly increasing.
    population
        None (bundled provinces), a GeoDataFrame of points or polygons (with
        CRS), or a raster path.
    column
        Count column of a GeoDataFrame (people, >= 0, no NaN).
    raster_values
        ``"count"`` (people per cell, any CRS) or ``"density"`` (people per
        km², metric CRS only).
    weight, modes, off_network_speed_kmh, land, merge, engine
        As in :func:`service_area`.

    Returns
    -------
    pandas.DataFrame
        One row per origin and band: ``origin``, ``name``, ``band_min``,
        ``population`` (people), ``share_of_total`` (of the whole surface's
        known people), ``area_km2``, ``area_unknown_km2`` (land of the band in
        zones without a count or outside every zone: its people are not
        counted, so ``population`` is a lower bound there; 0 for points and
        rasters, whose coverage cannot be told).  ``attrs``:
        ``source``, ``assumption``, ``total_population``.

    Raises
    ------
    ValidationError
        Bad cutoffs; a count column that is missing, non-numeric, NaN or
        negative; a surface of neither points nor polygons; a missing raster.
    CRSError
        A layer or raster without CRS; a density raster in degrees.
    OptionalDependencyError
        A raster without ``rasterio``/``exactextract`` installed.

    References
    ----------
    Goodchild, M. F. & Lam, N. S.-N. (1980). Areal interpolation: a variant of
    the traditional spatial problem. *Geo-Processing* 1, 297-312.
    Wachs, M. & Kumagai, T. G. (1973). Physical accessibility as a social
    indicator. *Socio-Economic Planning Sciences* 7(5), 437-456.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from urbanchain.metrics._toy import diamond
    >>> people = gpd.GeoDataFrame({"population": [1000, 500]},
    ...     geometry=[Point(105.0, 21.0), Point(105.1, 21.1)], crs="EPSG:4326")
    >>> within = population_within(diamond(), "a", cutoffs=(5, 15), population=people,
    ...     land=False, off_network_speed_kmh=20)
    >>> within[["band_min", "population"]].values.tolist()
    [[5.0, 1000.0], [15.0, 1500.0]]
    """
    if raster_values not in ("count", "density"):
        from urbanchain._private._messages import unknown_name

        err = unknown_name("raster_values option", raster_values, ("count", "density"))
        raise err
    bands = service_area(
        G,
        origins,
        cutoffs=cutoffs,
        weight=weight,
        modes=modes,
        off_network_speed_kmh=off_network_speed_kmh,
        land=land,
        merge=merge,
        engine=engine,
    )
    return population_in_areas(
        bands, population=population, column=column, raster_values=raster_values, stacklevel=3
    )


def population_in_areas(
    bands: gpd.GeoDataFrame,
    *,
    population: gpd.GeoDataFrame | str | os.PathLike[str] | None = None,
    column: str = "population",
    raster_values: str = "count",
    stacklevel: int = 2,
) -> pd.DataFrame:
    """Count the people inside service-area polygons already computed (see :func:`population_within`).

    ``bands`` is a :func:`service_area` result; the other parameters are those
    of :func:`population_within`, whose table (and warnings) this returns.
    """
    if raster_values not in ("count", "density"):
        from urbanchain._private._messages import unknown_name

        err = unknown_name("raster_values option", raster_values, ("count", "density"))
        raise err
    geoms = np.asarray(bands.geometry.values, dtype=object)
    unknown = np.zeros(len(bands))
    total: float
    if population is None:
        zones = _bundled_population()
        known = zones["population"].notna().to_numpy()
        counts = pd.to_numeric(zones["population"]).fillna(0).to_numpy(dtype=np.float64)
        people, unknown = _polygon_sums(geoms, zones, counts, known)
        total = float(counts[known].sum())
        source = "bundled province populations (datasets.provinces, vintage 2008)"
        assumption = BUNDLED_ASSUMPTION
    elif isinstance(population, gpd.GeoDataFrame):
        if population.crs is None:
            msg = (
                "The population layer has no CRS, so it cannot be matched to the service "
                "areas. Set it, e.g. layer.set_crs('EPSG:4326') for longitude/latitude."
            )
            raise CRSError(msg)
        if column not in population.columns:
            from urbanchain._private._messages import unknown_name

            err = unknown_name(
                "population column",
                column,
                [c for c in population.columns if c != population.geometry.name],
            )
            raise err
        layer = population.to_crs(STORAGE_CRS)
        counts = _check_counts(layer[column], what="population layer", column=column)
        kinds = set(layer.geom_type.dropna())
        total = float(counts.sum())
        if kinds <= {"Point", "MultiPoint"}:
            pts = np.asarray(layer.geometry.values, dtype=object)
            tree = shapely.STRtree(pts)
            people = np.array(
                [
                    float(counts[tree.query(g, predicate="intersects")].sum())
                    if not g.is_empty
                    else 0.0
                    for g in geoms
                ]
            )
            source = f"points ({len(layer)} rows, column {column!r})"
            assumption = "each point's people live at the point"
        elif kinds <= {"Polygon", "MultiPolygon"}:
            people, unknown = _polygon_sums(geoms, layer, counts, np.ones(len(layer), dtype=bool))
            source = f"polygons ({len(layer)} zones, column {column!r})"
            assumption = "uniform density within each zone (areal interpolation, geodesic areas)"
        else:
            msg = (
                f"The population layer mixes or holds geometry types {sorted(kinds)}; pass "
                "points (with a count column) or polygons (zones with a count column)."
            )
            raise ValidationError(msg)
    elif isinstance(population, str | os.PathLike):
        path = Path(population)
        people = _raster_sums(path, bands, kind=raster_values)
        total = math.nan
        source = f"raster {path.name} ({raster_values})"
        assumption = (
            "cell values weighted by the fraction of each cell inside the band (exactextract)"
        )
    else:
        msg = (
            "population must be None (bundled provinces), a GeoDataFrame of points or "
            f"polygons, or the path of a raster; got {type(population).__name__}."
        )
        raise ValidationError(msg)
    out = pd.DataFrame(
        {
            "origin": bands["origin"].to_numpy(),
            "name": bands["name"].to_numpy(),
            "band_min": bands["band_min"].to_numpy(),
            "population": people,
            "share_of_total": people / total if total and math.isfinite(total) else np.nan,
            "area_km2": bands["area_km2"].to_numpy(),
            "area_unknown_km2": unknown,
        }
    )
    if (unknown > 0.5).any():
        n = int((unknown > 0.5).sum())
        warnings.warn(
            f"population_within: {n} of {len(out)} band(s) cover land with no population data "
            f"(up to {unknown.max():.0f} km2: zones without a count, or outside every zone); "
            "their population is a lower bound (see area_unknown_km2). Pass population= with a "
            "complete surface to avoid this.",
            DataQualityWarning,
            stacklevel=stacklevel,
        )
    out.attrs.update(bands.attrs)
    out.attrs.update(
        {
            "source": source,
            "assumption": assumption,
            "total_population": total,
            "units": {
                "band_min": "min",
                "population": "people",
                "area_km2": "km2 (geodesic)",
                "area_unknown_km2": "km2 (geodesic)",
            },
        }
    )
    return out
