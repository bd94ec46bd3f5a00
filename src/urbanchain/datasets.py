"""Bundled, sourced layers: provinces (2008 and 2025), region presets, nodes and corridors.

Every loader returns a new object in EPSG:4326, so callers may modify the result freely.
Provenance of each file and each value is in ``data/README.md`` of the source tree.

Polygons come from geoBoundaries (Runfola et al. 2020, https://www.geoboundaries.org) and
are **coarse**: ``area_polygon_km2`` is the geodesic area of the polygon, never an official
area (official values are in ``area_official_km2`` with their year and source).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from urbanchain._private._bundled import (
    bundled_path,
    read_bundled_csv,
    read_bundled_geojson,
)
from urbanchain._private._messages import unknown_name
from urbanchain.crs import STORAGE_CRS, geodesic_area
from urbanchain.layers._validate import node_columns

__all__ = [
    "PROVINCE_COLUMNS",
    "bundled_regions",
    "corridors",
    "crosswalk_2025",
    "get_path",
    "nodes",
    "provinces",
    "readiness",
    "region_codes",
    "region_settings",
    "regions",
    "world_hubs",
    "world_legs",
]

logger = logging.getLogger(__name__)

VINTAGES = (2008, 2025)
DELTA = "red_river_delta"

#: Attribute columns of the bundled province layer, in file order (the build script
#: ``scripts/build_provinces.py`` writes exactly these).
PROVINCE_COLUMNS = [
    "code",
    "iso_code",
    "name_vi",
    "name_ascii",
    "region",
    "capital",
    "area_official_km2",
    "area_official_year",
    "area_source",
    "population",
    "population_year",
    "population_source",
    "area_polygon_km2",
    "code_2025",
    "capital_source",
    "region_source",
    "code_source",
    "name_source",
]
_NUMERIC_PROVINCE_COLUMNS = {
    "area_official_km2",
    "area_official_year",
    "population",
    "population_year",
    "area_polygon_km2",
}
_UNIT_COLUMNS = [
    "code",
    "name_vi",
    "name_ascii",
    "kind",
    "centre",
    "members_2008",
    "members_outside_region",
    "area_official_km2",
    "area_official_year",
    "area_source",
    "population",
    "population_year",
    "population_source",
    "area_polygon_km2",
    "source",
]
_NODE_TYPES = {t: list(node_columns(t)) for t in ("str", "Int64", "float", "bool")}
_CORRIDOR_TYPES = {
    "str": [
        "region",
        "corridor_id",
        "region",
        "element",
        "element_name",
        "speed_source",
        "name",
        "code",
        "mode",
        "status",
        "length_source",
        "geometry_quality",
        "waypoints",
        "source",
    ],
    "Int64": ["opening_year", "lanes", "gauge_mm"],
    "float": ["design_speed_kmh", "speed_kmh", "length_official_km"],
}


# ------------------------------------------------------------------------------ helpers


def get_path(name: str) -> Path:
    """Return the path of a bundled data file.

    Parameters
    ----------
    name
        One of ``"provinces.geojson"``, ``"crosswalk_2025.csv"``, ``"regions.csv"``,
        ``"region_settings.csv"``, ``"nodes.geojson"``, ``"corridors.geojson"``.

    Returns
    -------
    pathlib.Path
        The file inside the installed package (``urbanchain/_data``) or, in a source
        checkout, in the repository's ``data/`` folder.

    Raises
    ------
    UnknownNameError
        If ``name`` is not a bundled file; the message lists the valid names.

    Examples
    --------
    >>> from urbanchain.datasets import get_path
    >>> get_path("provinces.geojson").name
    'provinces.geojson'
    """
    return bundled_path(name)


def _normalise_region(region: str) -> str:
    return str(region).strip().lower().replace("-", "_").replace(" ", "_")


def regions() -> pd.DataFrame:
    """Region presets: the six socio-economic regions and named groups of provinces.

    Returns
    -------
    pandas.DataFrame
        Columns ``id``, ``name``, ``description``, ``members`` (comma-separated 2008 GSO
        codes) and ``source`` (keys listed in ``data/README.md``).

    Examples
    --------
    >>> from urbanchain.datasets import regions
    >>> "red_river_delta" in set(regions()["id"])
    True
    """
    return read_bundled_csv("regions.csv")


def region_codes(region: str) -> list[str]:
    """GSO codes (2008 vintage) of the provinces in a region preset.

    Parameters
    ----------
    region
        A preset id from :func:`regions`, e.g. ``"red_river_delta"``; hyphens are
        accepted (``"red-river-delta"``).

    Returns
    -------
    list of str
        Zero-padded codes, sorted.

    Raises
    ------
    UnknownNameError
        If the region is unknown; the message lists the valid ids.

    Examples
    --------
    >>> from urbanchain.datasets import region_codes
    >>> region_codes("hanoi-haiphong-quangninh")
    ['01', '22', '31']
    """
    table = regions()
    key = _normalise_region(region)
    match = table.loc[table["id"] == key, "members"]
    if match.empty:
        err = unknown_name("region", region, table["id"])
        raise err
    return sorted(c.strip() for c in str(match.iloc[0]).split(",") if c.strip())


#: Settings a region falls back to when ``region_settings.csv`` has no row for it.
_SETTING_DEFAULTS: dict[str, object] = {
    "centre_node": None,
    "access_radius_m": 15_000.0,
    "expected_region": None,
    "expected_name": None,
    "pairs": (),
}


def region_settings(region: str) -> dict[str, object]:
    """Per-region settings of the bundled chains: centre, graph access radius, expected box.

    The values live in the bundled table ``region_settings.csv`` (one row per region, curated
    by hand), so a new region needs a row of data, not code.  A preset without a row gets
    the defaults: no centre, a 15 km access radius and no expected-region box (the location
    check then follows the layers' own extent).

    Parameters
    ----------
    region
        A preset id from :func:`regions`; hyphens are accepted.

    Returns
    -------
    dict
        ``centre_node`` (node id or None), ``access_radius_m`` (float),
        ``expected_region`` (``(lon_min, lat_min, lon_max, lat_max)`` or None),
        ``expected_name`` (str or None) and ``pairs`` (the city pairs whose travel time
        the scenario tables report by default, a tuple of ``(node_id, node_id)``).

    Raises
    ------
    UnknownNameError
        If the region is unknown; the message lists the valid ids.

    Examples
    --------
    >>> from urbanchain.datasets import region_settings
    >>> region_settings("mekong-river-delta")["centre_node"]
    'can_tho'
    """
    region_codes(region)  # validates the id
    key = _normalise_region(region)
    table = read_bundled_csv("region_settings.csv")
    out = dict(_SETTING_DEFAULTS)
    match = table[table["id"] == key]
    if match.empty:
        return out
    row = match.iloc[0]
    out["centre_node"] = row["centre_node"] or None
    if row["access_radius_m"]:
        out["access_radius_m"] = float(row["access_radius_m"])
    box = [row[f"expected_{k}"] for k in ("lon_min", "lat_min", "lon_max", "lat_max")]
    if all(box):
        out["expected_region"] = tuple(float(v) for v in box)
        out["expected_name"] = row["expected_name"] or key
    if row.get("pairs"):
        out["pairs"] = tuple(
            (a.strip(), b.strip())
            for a, b in (p.split("-", 1) for p in row["pairs"].split(";") if "-" in p)
        )
    return out


def bundled_regions() -> list[str]:
    """Region presets with a bundled chain: capitals of their own and corridors, sorted.

    A preset counts when at least one provincial capital (``is_capital``) lies in its
    provinces and at least one corridor crosses them; corridor towns that only reach into
    a region (Lào Cai, Thanh Hóa...) do not make a chain.  Other presets (the remaining socio-economic regions) have province polygons only; build
    a chain for them from your own layers with ``UrbanChain(nodes=..., corridors=...)``.

    Returns
    -------
    list of str
        Preset ids, e.g. ``['hanoi_haiphong_quangninh', 'red_river_delta']``.

    Examples
    --------
    >>> from urbanchain.datasets import bundled_regions
    >>> "red_river_delta" in bundled_regions()
    True
    """
    table = regions()
    out = []
    for rid in table["id"]:
        own = nodes(region=rid, include_reach=False)
        has_capital = "is_capital" in own.columns and bool(own["is_capital"].any())
        if has_capital and len(corridors(region=rid)):
            out.append(str(rid))
    return sorted(out)


def crosswalk_2025() -> pd.DataFrame:
    """Return the 2008 → 2025 crosswalk: one row per 2008-2025 province (63 rows).

    Resolution 202/2025/QH15 merged whole provinces, so each 2008 province belongs to
    exactly one of the 34 units in operation since 1 July 2025.

    Returns
    -------
    pandas.DataFrame
        Columns ``code_2008``, ``name_2008``, ``code_2025``, ``name_2025``,
        ``centre_2025`` (the 2008 province in which the unit's political-administrative
        centre is placed, per the annex of Resolution 60-NQ/TW), ``source``, then
        ``kind_2025``, ``members_2025`` and the unit's official area/population with
        year and source where known (empty otherwise). All values are strings.

    Examples
    --------
    >>> from urbanchain.datasets import crosswalk_2025
    >>> cw = crosswalk_2025()
    >>> len(cw), cw.loc[cw["code_2008"] == "26", "code_2025"].item()
    (63, '25')
    """
    return read_bundled_csv("crosswalk_2025.csv")


def _province_frame() -> gpd.GeoDataFrame:
    gdf = read_bundled_geojson("provinces.geojson")
    for col in ("area_official_year", "population", "population_year"):
        gdf[col] = pd.to_numeric(gdf[col]).astype("Int64")
    for col in ("area_official_km2", "area_polygon_km2"):
        gdf[col] = gdf[col].astype("float64")
    for col in PROVINCE_COLUMNS:
        if col not in gdf.columns:
            gdf[col] = pd.NA
    gdf = gdf[[*PROVINCE_COLUMNS, "geometry"]]
    for col in PROVINCE_COLUMNS:
        if col not in _NUMERIC_PROVINCE_COLUMNS:
            gdf[col] = gdf[col].fillna("").astype(str)
    return gdf.set_crs(STORAGE_CRS, allow_override=True)


def _check_vintage(vintage: int) -> None:
    if vintage not in VINTAGES:
        err = unknown_name("vintage", vintage, VINTAGES)
        raise err


def _units_2025(base: gpd.GeoDataFrame, keep: set[str] | None) -> gpd.GeoDataFrame:
    cw = crosswalk_2025()
    region_members = keep if keep is not None else set(base["code"])
    rows = []
    geoms = []
    geom_by_code = dict(zip(base["code"], base.geometry.values, strict=True))
    for code, group in cw.groupby("code_2025", sort=True):
        members = [m for m in group["members_2025"].iloc[0].split(",") if m]
        if keep is not None and not set(members) & keep:
            continue
        first = group.iloc[0]
        rows.append(
            {
                "code": code,
                "name_vi": first["name_2025"],
                "name_ascii": "",
                "kind": first["kind_2025"],
                "centre": first["centre_2025"],
                "members_2008": ",".join(members),
                "members_outside_region": ",".join(m for m in members if m not in region_members),
                "area_official_km2": first["area_official_km2_2025"],
                "area_official_year": first["area_official_year_2025"],
                "area_source": first["area_source_2025"],
                "population": first["population_2025"],
                "population_year": first["population_year_2025"],
                "population_source": first["population_source_2025"],
                "source": first["source"],
            }
        )
        # whole-province merges: the unit is the union of its members; coverage union
        # keeps the shared (identical) borders from leaving slivers
        geoms.append(shapely.coverage_union_all([geom_by_code[m] for m in members]))
    frame = pd.DataFrame(rows, columns=[c for c in _UNIT_COLUMNS if c != "area_polygon_km2"])
    frame["name_ascii"] = [_ascii(n) for n in frame["name_vi"]]
    frame["area_official_km2"] = pd.to_numeric(
        frame["area_official_km2"].replace("", np.nan)
    ).astype("float64")
    for col in ("area_official_year", "population", "population_year"):
        frame[col] = pd.to_numeric(frame[col].replace("", np.nan)).astype("Int64")
    garr = np.asarray(geoms, dtype=object)
    frame["area_polygon_km2"] = np.round(geodesic_area(garr) / 1e6, 2) if len(garr) else []
    out = gpd.GeoDataFrame(frame[_UNIT_COLUMNS], geometry=list(garr), crs=STORAGE_CRS)
    return out.reset_index(drop=True)


def _ascii(text: str) -> str:
    import unicodedata

    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def provinces(*, region: str | None = DELTA, vintage: int = 2008) -> gpd.GeoDataFrame:
    """Province polygons with sourced attributes, in EPSG:4326.

    Parameters
    ----------
    region
        A region preset id (see :func:`regions`); ``None`` for the whole country.
        Hyphenated ids are accepted.
    vintage
        ``2008`` for the 63 provinces of 2008-June 2025, or ``2025`` for the 34 units in
        operation since 1 July 2025 (Resolution 202/2025/QH15), built as the union of their
        2008 members. With a region, a 2025 unit is included when any of its members lies
        in the region; ``members_outside_region`` names the members that do not.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per province or unit, sorted by ``code``. ``area_official_km2`` is the
        official area (with year and source; NaN where none was found);
        ``area_polygon_km2`` is the geodesic area of the coarse polygon and is **not** an
        official figure.

    Raises
    ------
    UnknownNameError
        For an unknown region or vintage; the message lists the valid values.

    Examples
    --------
    >>> from urbanchain.datasets import provinces
    >>> len(provinces())
    11
    >>> len(provinces(region=None))
    63
    >>> sorted(provinces(vintage=2025)["code"])
    ['01', '22', '24', '25', '31', '33', '37']
    """
    _check_vintage(vintage)
    base = _province_frame()
    keep = set(region_codes(region)) if region is not None else None
    if vintage == 2025:
        return _units_2025(base, keep)
    if keep is not None:
        base = base[base["code"].isin(keep)]
    return base.sort_values("code").reset_index(drop=True)


def _cast(gdf: gpd.GeoDataFrame, types: dict[str, list[str]]) -> gpd.GeoDataFrame:
    for col in types["str"]:
        if col in gdf.columns:
            gdf[col] = gdf[col].astype("string").fillna("").astype(str)
    for col in types["Int64"]:
        if col in gdf.columns:
            gdf[col] = pd.to_numeric(gdf[col], errors="coerce").astype("Int64")
    for col in types.get("float", []):
        if col in gdf.columns:
            gdf[col] = pd.to_numeric(gdf[col], errors="coerce").astype("float64")
    for col in types.get("bool", []):
        if col in gdf.columns:
            gdf[col] = (
                gdf[col].map(lambda v: str(v).strip().lower() in {"true", "1", "yes"}).astype(bool)
            )
    return gdf


def _codes_for(region: str | None) -> set[str] | None:
    return set(region_codes(region)) if region is not None else None


def nodes(*, region: str | None = DELTA, include_reach: bool = True) -> gpd.GeoDataFrame:
    """Urban nodes and gateways (cities, seaports, airports, border gates...) in EPSG:4326.

    Parameters
    ----------
    region
        A region preset id; rows whose ``province_2008`` is in the region are kept.
        ``None`` keeps every row.
    include_reach
        Also keep ``scope == "reach"`` rows (corridor towns just outside a bundled
        chain's provinces, such as Lào Cai for the Delta or Hồ Chí Minh City for the
        Mekong) when the region shares provinces with the chain they belong to.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns as in the nodes schema (``data/CHAIN_LAYERS.md``); codes are strings,
        years and ranks nullable ``Int64``, scores float. Empty when the bundled layer has
        no features yet.

    Raises
    ------
    UnknownNameError
        For an unknown region.

    Examples
    --------
    >>> from urbanchain.datasets import nodes
    >>> str(nodes().crs)
    'EPSG:4326'
    """
    keep = _codes_for(region)
    gdf = _cast(read_bundled_geojson("nodes.geojson"), _NODE_TYPES)
    gdf = gdf.set_crs(STORAGE_CRS, allow_override=True)
    if keep is None or "province_2008" not in gdf.columns:
        return gdf.reset_index(drop=True)
    mask = gdf["province_2008"].isin(keep)
    if include_reach and "scope" in gdf.columns:
        # a reach row belongs to the chain of its own region (the ``region`` column of the
        # per-region build; a layer without it holds the Delta's rows only): keep it when
        # that region shares provinces with the one asked for
        owner = gdf["region"].astype(str) if "region" in gdf.columns else None
        owners = {DELTA} if owner is None else set(owner[gdf["scope"] == "reach"])
        linked = {r for r in owners if r and set(region_codes(r)) & keep}
        mine = gdf["scope"] == "reach"
        if owner is not None:
            mine &= owner.isin(linked)
        elif not linked:
            mine &= False
        mask |= mine
    if not include_reach and "scope" in gdf.columns:
        mask &= gdf["scope"] != "reach"
    return gdf[mask].reset_index(drop=True)


def corridors(*, region: str | None = DELTA, include_reach: bool = True) -> gpd.GeoDataFrame:
    """Transport corridors (schematic lines) that intersect a region, in EPSG:4326.

    Parameters
    ----------
    region
        A region preset id; corridors intersecting any of its provinces (2008 polygons)
        are kept. ``None`` keeps every corridor.
    include_reach
        Also keep corridors that pass through the region's reach nodes (the corridor
        towns just outside it, see :func:`nodes`), such as the Bắc Giang–Lạng Sơn
        expressway, so that those towns stay connected to the chain.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns as in the corridors schema (``data/CHAIN_LAYERS.md``); ``opening_year``,
        ``lanes`` and ``gauge_mm`` are nullable ``Int64``, speeds and lengths float.

    Raises
    ------
    UnknownNameError
        For an unknown region.

    Examples
    --------
    >>> from urbanchain.datasets import corridors
    >>> str(corridors().crs)
    'EPSG:4326'
    """
    keep = _codes_for(region)
    gdf = _cast(read_bundled_geojson("corridors.geojson"), _CORRIDOR_TYPES)
    gdf = gdf.set_crs(STORAGE_CRS, allow_override=True)
    if keep is None or gdf.empty:
        return gdf.reset_index(drop=True)
    area = shapely.union_all(_province_frame().loc[lambda d: d["code"].isin(keep)].geometry.values)
    mask = shapely.intersects(gdf.geometry.values, area)
    if include_reach:
        reach = nodes(region=region, include_reach=True)
        reach = reach[reach["scope"] == "reach"]
        if len(reach):
            # corridors carry the exact gazetteer coordinates of the places they pass
            points = shapely.union_all(reach.geometry.values)
            mask |= shapely.dwithin(gdf.geometry.values, points, 1e-7)
    return gdf[mask].reset_index(drop=True)


def readiness(
    *,
    vintage: int = 2008,
    index: str | list[str] | None = None,
    province: str | list[str] | None = None,
    year: int | list[int] | None = None,
    component: str | list[str] | None = None,
) -> pd.DataFrame:
    """Return smart-city readiness (DTI, PCI, PAPI) by province x year x index x component.

    A thin wrapper of :func:`urbanchain.readiness.load`; see ``docs/readiness.md``.
    Every row carries its ``source`` (keys of :func:`urbanchain.readiness.sources`) and
    ``year``; ``vintage=2025`` adds old-province scores aggregated to the 34 units by
    population (``derived`` True, ranks empty).

    Parameters
    ----------
    vintage
        ``2008`` (63 provinces) or ``2025`` (34 units).
    index, province, year, component
        Filters; unknown values raise :class:`~urbanchain.errors.UnknownNameError`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`urbanchain.readiness.COLUMNS`.

    Examples
    --------
    >>> from urbanchain.datasets import readiness
    >>> r = readiness(index="pci", year=2024)
    >>> row = r.set_index("province_code").loc["31"]
    >>> float(row["score"]), int(row["rank"])
    (74.84, 1)
    """
    from urbanchain.readiness import load

    return load(vintage=vintage, index=index, province=province, year=year, component=component)


#: World hub kinds and the mode that reaches each (see :func:`world_hubs`).
WORLD_HUB_MODES: dict[str, str] = {"seaport": "sea", "airport": "air", "land": "land"}
#: The chain gateway kind that serves each world-leg mode.
WORLD_GATEWAY_OF_MODE: dict[str, str] = {"sea": "seaport", "air": "airport", "land": "border_gate"}
_NUMERIC_LEG = ("leg_km", "gc_km", "network_km", "snap_origin_km", "snap_dest_km", "onward_km")


def world_hubs(*, kinds: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """World hubs the Delta's gateways connect to: seaports, hub airports, facing towns.

    Parameters
    ----------
    kinds
        Keep only these kinds (``"seaport"``, ``"airport"``, ``"land"``); default all.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per hub in EPSG:4326: ``hub_id``, ``name``, ``kind``, ``country`` (ISO
        3166-1 alpha-2), ``lon``, ``lat``, ``code`` (UN/LOCODE, IATA code or GeoNames
        id), ``source``, ``source_licence``, ``source_package`` (the PyPI package and
        version the build read) and ``note``.  Seaports come from the NGA World Port Index
        (public domain), airports from OurAirports (public domain), towns from GeoNames
        (CC BY 4.0); built by ``scripts/build_world_hubs.py``.

    Raises
    ------
    UnknownNameError
        An unknown kind.

    Examples
    --------
    >>> from urbanchain.datasets import world_hubs
    >>> world_hubs(kinds=["land"])["name"].tolist()
    ['Hekou', 'Pingxiang', 'Dongxing', 'Kunming', 'Nanning']
    """
    table = read_bundled_csv("world_hubs.csv")
    if kinds is not None:
        wanted = [kinds] if isinstance(kinds, str) else list(kinds)
        for k in wanted:
            if k not in tuple(WORLD_HUB_MODES):
                err = unknown_name("hub kind", k, tuple(WORLD_HUB_MODES))
                raise err
        table = table[table["kind"].isin(wanted)]
    lon = table["lon"].astype(float)
    lat = table["lat"].astype(float)
    out = table.assign(lon=lon, lat=lat)
    return gpd.GeoDataFrame(
        out, geometry=gpd.points_from_xy(lon, lat), crs=STORAGE_CRS
    ).reset_index(drop=True)


def world_legs(*, modes: Iterable[str] | None = None) -> pd.DataFrame:
    """Return the precomputed gateway-to-hub legs (``data/world_legs.csv``), no geometry.

    Parameters
    ----------
    modes
        Keep only these modes (``"sea"``, ``"air"``, ``"land"``); default all.

    Returns
    -------
    pandas.DataFrame
        One row per (gateway node, hub): ``gateway_id``, ``hub_id``, ``mode``, ``leg_km``
        (NaN where no length is sourced), ``gc_km`` (great-circle distance),
        ``basis`` (``searoute``, ``great_circle``, ``great_circle_lower_bound``,
        ``great_circle_lower_bound+sourced_rail_km``), searoute's ``network_km`` and the
        two snap gaps bridged by geodesic segments (``snap_origin_km``, ``snap_dest_km``),
        ``onward_km`` and ``onward_source`` for sourced rail lengths, ``status``, ``tool``
        (package and version) and ``note``.

    Raises
    ------
    UnknownNameError
        An unknown mode.
    """
    table = read_bundled_csv("world_legs.csv").drop(columns=["geometry_wkt"])
    table = _numeric_legs(table)
    if modes is not None:
        wanted = [modes] if isinstance(modes, str) else list(modes)
        for m in wanted:
            if m not in WORLD_GATEWAY_OF_MODE:
                err = unknown_name("mode", m, WORLD_GATEWAY_OF_MODE)
                raise err
        table = table[table["mode"].isin(wanted)]
    return table.reset_index(drop=True)


def _numeric_legs(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for col in _NUMERIC_LEG:
        if col in out.columns:
            out[col] = pd.to_numeric(out[col].replace("", np.nan), errors="coerce").astype(float)
    return out
