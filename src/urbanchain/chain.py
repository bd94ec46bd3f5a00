"""The planner's facade: one object holding a region's layers and its graph.

:class:`UrbanChain` bundles the provinces (both vintages), the urban nodes and
gateways, the corridors and the multimodal graph of one network year.  It is
immutable in spirit: every method that changes something returns a new chain.

Examples
--------
>>> from urbanchain import UrbanChain
>>> chain = UrbanChain.from_region("red_river_delta", year=2025)
>>> len(chain.provinces_2008), len(chain.provinces)
(11, 7)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from urbanchain.errors import DataNotFoundError, ValidationError

#: Years accepted anywhere (API, CLI, config): the same range as scenario files.
YEAR_RANGE = (1800, 2200)


#: First year the bundled province layers describe: their polygons are the
#: geoBoundaries ADM1 "2008 boundaries" (the 2008-2025 configuration).
FIRST_BUNDLED_YEAR = 2008


def _warn_before_bundled(year: int, region: str, *, stacklevel: int) -> None:
    """Warn that a bundled region's layers do not describe ``year`` (before 2008)."""
    if year >= FIRST_BUNDLED_YEAR:
        return
    import warnings

    from urbanchain.errors import DataQualityWarning

    msg = (
        f"year={year} is before the bundled layers of {region!r}: the provinces are the "
        f"2008-2025 configuration (geoBoundaries' 2008 boundaries) and "
        "every corridor with no sourced opening year is drawn as open. Use a year from "
        f"{FIRST_BUNDLED_YEAR} on, or bring your own layers of that year "
        "(UrbanChain(provinces=..., nodes=..., corridors=..., year=...))."
    )
    warnings.warn(msg, DataQualityWarning, stacklevel=stacklevel + 1)


def check_year(year: Any, what: str = "year") -> int:
    """Return ``year`` as an int, or raise if it is not a whole year in :data:`YEAR_RANGE`.

    ``True``, ``2025.0``, ``"2025"`` and ``20250`` are refused (never coerced).
    """
    import numbers

    lo, hi = YEAR_RANGE
    if isinstance(year, bool) or not isinstance(year, numbers.Integral) or not lo <= int(year) <= hi:
        msg = f"{what} must be a whole year between {lo} and {hi}, e.g. 2025; got {year!r}."
        raise ValidationError(msg)
    return int(year)

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["DELTA_GRAPH_OPTIONS", "UrbanChain", "with_province_population"]

#: Graph options used for the bundled regions (and by default for user layers):
#:
#: * every node that no road corridor passes through is joined by one access link
#:   to the nearest point of the nearest road corridor, at most 10 km long (see
#:   ``access="nearest"`` in :func:`urbanchain.graph.graph_from_gdfs`);
#: * ``detour``: schematic lines without an official length are lengthened by a
#:   detour factor (road length / drawn length).  Highways and other roads: 1.2,
#:   the network-to-straight-line ratio of Newell (1980) for road networks and the
#:   lower end of the regional circuity factors of Kim et al. (2015, South Korea:
#:   1.218 in flat Gyeonggi to 1.435; national 1.26) -- each drawn segment joins
#:   two towns by a straight line.  Expressways: 1.06, the inverse of the median
#:   drawn/official length ratio (0.94) of the bundled expressways that have an
#:   official length (data/CHAIN_LAYERS.md).  Access rows kept as data: 1.3, the
#:   access circuity of :data:`urbanchain.graph.DEFAULT_ACCESS_CIRCUITY`.
#:   Railways, waterways, sea and air: none.
DELTA_GRAPH_OPTIONS: dict[str, Any] = {
    "access": "nearest",
    "access_radius_m": 10_000.0,
    "detour": {"expressway": 1.06, "highway": 1.2, "road": 1.2, "access": 1.3},
}


def with_province_population(
    nodes: gpd.GeoDataFrame, provinces_2008: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Attach each capital's *province* population (with its year and source) to the node.

    City populations are rarely sourced, but every capital stands for its
    province in the chain, so accessibility and the chain score use the
    province population as the capital's mass.  The columns are named
    ``province_population``, ``province_population_year`` and
    ``province_population_source`` so they are never mistaken for a city
    population.  ``province_area_km2`` (the official area, else the polygon's
    geodesic area) sets the intra-zonal time of
    :func:`urbanchain.metrics.accessibility` with ``include_self=True``.  Non-capital nodes and provinces without a sourced population
    stay empty (NaN), never 0.

    Parameters
    ----------
    nodes
        Node layer with ``is_capital`` and ``province_2008``.
    provinces_2008
        Province layer of the 2008 vintage with ``code``, ``population``,
        ``population_year`` and ``population_source``.

    Returns
    -------
    geopandas.GeoDataFrame
        A new node layer with the three columns added.
    """
    out = nodes.copy()
    table = provinces_2008.set_index("code")
    capital = out["is_capital"].fillna(False).astype(bool)
    for src, dst in (
        ("population", "province_population"),
        ("population_year", "province_population_year"),
        ("population_source", "province_population_source"),
    ):
        values = (
            out["province_2008"].map(table[src])
            if src in table
            else pd.Series(pd.NA, index=out.index)
        )
        out[dst] = values.where(capital)
    out["province_population"] = pd.to_numeric(out["province_population"], errors="coerce").astype(
        float
    )
    # zone area for the intra-zonal time of accessibility(include_self=True): the
    # official area where sourced, else the geodesic area of the bundled polygon
    area = pd.Series(np.nan, index=table.index, dtype=float)
    for col in ("area_polygon_km2", "area_official_km2"):
        if col in table:
            vals = pd.to_numeric(table[col], errors="coerce").astype(float)
            area = vals.where(vals.notna(), area)
    out["province_area_km2"] = out["province_2008"].map(area).where(capital).astype(float)
    return out


class UrbanChain:
    """A chain of cities: provinces, nodes, corridors and their graph in one year.

    Parameters
    ----------
    provinces
        Province polygons of the vintage that applies in ``year`` (any schema
        with a ``code`` column works; see :func:`urbanchain.datasets.provinces`).
    nodes
        Urban nodes and gateways (points, with a unique ``node_id``).
    corridors
        Corridor lines (with ``corridor_id``, ``mode`` and ``status``).  All
        statuses may be given: the graph keeps what operates in ``year``.
    year
        Network year.  ``None`` keeps every corridor whatever its status.
    provinces_2008
        The 2008-2025 province vintage, when ``provinces`` is the 2025 one.
    region
        Region id the layers were taken from (informative).
    graph_options
        Keyword arguments passed to :func:`urbanchain.graph.graph_from_gdfs`.
        ``None`` (default) uses :data:`DELTA_GRAPH_OPTIONS`: each node is joined to
        the nearest point of the nearest road corridor by one access link (the
        rule of the bundled regions), so a user chain is connected without
        options.  Pass ``{}`` for no access links at all.
    graph
        A graph already built from these layers (a scenario's, for instance); it is
        used as :attr:`graph` instead of building one.

    Notes
    -----
    The layers are copied on entry, so later changes to the caller's frames do
    not reach the chain, and the chain never changes them.
    """

    def __init__(
        self,
        *,
        provinces: gpd.GeoDataFrame | None = None,
        nodes: gpd.GeoDataFrame | None = None,
        corridors: gpd.GeoDataFrame | None = None,
        year: int | None = None,
        provinces_2008: gpd.GeoDataFrame | None = None,
        region: str | None = None,
        graph_options: Mapping[str, Any] | None = None,
        graph: nx.MultiGraph | None = None,
    ) -> None:
        if nodes is None or corridors is None:
            msg = (
                "UrbanChain needs at least nodes= and corridors= layers. "
                "For a bundled region use UrbanChain.from_region('red_river_delta', year=2025)."
            )
            raise ValidationError(msg)
        if year is not None:
            year = check_year(year)
        self._provinces = None if provinces is None else provinces.copy()
        self._provinces_2008 = None if provinces_2008 is None else provinces_2008.copy()
        self._nodes = nodes.copy()
        self._corridors = corridors.copy()
        from urbanchain.layers._validate_corridors import corridors_far_from_nodes

        far = corridors_far_from_nodes(self._nodes, self._corridors)
        if far is not None:
            raise ValidationError(far[0].upper() + far[1:])
        self.year = year
        self.region = region
        # without options, connect nodes by the same rule as the bundled regions
        # (never an unconnected graph that gives all-NaN results silently)
        self.graph_options: dict[str, Any] = (
            dict(DELTA_GRAPH_OPTIONS) if graph_options is None else dict(graph_options)
        )
        reserved = sorted({"output", "as_of"} & set(self.graph_options))
        if reserved:
            msg = (
                f"graph_options may not set {', '.join(reserved)}: UrbanChain always builds a "
                "NetworkX graph for its year. Pass year= for the time slice, or call "
                "urbanchain.graph.graph_from_gdfs(..., output='network') yourself for an "
                "array-backed network."
            )
            raise ValidationError(msg)
        if graph is not None:
            self.__dict__["graph"] = graph  # pre-fills the cached_property below

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_region(
        cls,
        region: str = "red_river_delta",
        *,
        year: int = 2025,
        include_reach: bool = True,
        graph_options: Mapping[str, Any] | None = None,
    ) -> UrbanChain:
        """Load a bundled region.

        Parameters
        ----------
        region
            Region id (see :func:`urbanchain.datasets.regions`); hyphens are accepted.
        year
            Network year.  The provinces are the 2025 units from 2025 on (the
            merger took effect on 1 July 2025) and the 2008 ones before.
        include_reach
            Keep the corridor towns just outside the region that its corridors reach.
        graph_options
            Overrides of the region's graph options (the access radius of
            :func:`urbanchain.datasets.region_settings`).

        Returns
        -------
        UrbanChain
            The chain.

        Raises
        ------
        UnknownNameError
            For an unknown region id.
        DataNotFoundError
            If the preset has no bundled nodes or corridors (only province polygons);
            the message names the bundled regions and how to bring your own layers.
        """
        from urbanchain import datasets

        year = check_year(year)
        _warn_before_bundled(year, region, stacklevel=2)
        vintage = 2025 if year >= 2025 else 2008
        p2008 = datasets.provinces(region=region, vintage=2008)
        raw_nodes = datasets.nodes(region=region, include_reach=include_reach)
        corridors = datasets.corridors(region=region)
        bundled = datasets.bundled_regions()
        if datasets._normalise_region(region) not in bundled:
            msg = (
                f"Region {region!r} has province polygons but no bundled chain "
                f"({len(raw_nodes)} nodes, {len(corridors)} corridors, no capital of its own), "
                f"so every metric on it would be empty. Bundled chains: {', '.join(bundled) or 'none'}. For another region "
                "bring your own layers: UrbanChain(nodes=read_layer('nodes.geojson', "
                "kind='nodes'), corridors=read_layer('corridors.geojson', kind='corridors'), "
                f"provinces=datasets.provinces(region={region!r}), year={year}) "
                "(read_layer is urbanchain.io.read_layer)."
            )
            raise DataNotFoundError(msg)
        settings = datasets.region_settings(region)
        options = {
            **DELTA_GRAPH_OPTIONS,
            "access_radius_m": settings["access_radius_m"],
            **dict(graph_options or {}),
        }
        nodes = with_province_population(raw_nodes, p2008)
        return cls(
            provinces=datasets.provinces(region=region, vintage=vintage),
            provinces_2008=p2008,
            nodes=nodes,
            corridors=corridors,
            year=year,
            region=region.replace("-", "_"),
            graph_options=options,
        )

    def as_of(self, year: int) -> UrbanChain:
        """Return the same chain with the network of another year (a new object).

        Parameters
        ----------
        year
            Network year.

        Returns
        -------
        UrbanChain
            A new chain; this one is unchanged.
        """
        year = check_year(year)
        if self.region is not None and self._provinces_2008 is not None:
            from urbanchain import datasets

            _warn_before_bundled(year, self.region, stacklevel=2)
            vintage = 2025 if year >= 2025 else 2008
            provinces = datasets.provinces(region=self.region, vintage=vintage)
        else:
            provinces = self._provinces
        return type(self)(
            provinces=provinces,
            provinces_2008=self._provinces_2008,
            nodes=self._nodes,
            corridors=self._corridors,
            year=year,
            region=self.region,
            graph_options=self.graph_options,
        )

    # -- layers (copies, so callers cannot change the chain) --------------------------------
    @property
    def provinces(self) -> gpd.GeoDataFrame | None:
        """Province polygons of the vintage in force in :attr:`year`."""
        return None if self._provinces is None else self._provinces.copy()

    @property
    def provinces_2008(self) -> gpd.GeoDataFrame | None:
        """Province polygons of the 2008-2025 configuration."""
        if self._provinces_2008 is None:
            return self.provinces
        return self._provinces_2008.copy()

    @property
    def nodes(self) -> gpd.GeoDataFrame:
        """Urban nodes and gateways."""
        return self._nodes.copy()

    @property
    def corridors(self) -> gpd.GeoDataFrame:
        """Every corridor, whatever its status."""
        return self._corridors.copy()

    @property
    def network(self) -> gpd.GeoDataFrame:
        """The corridors that operate in :attr:`year` (all of them when ``year`` is None)."""
        if self.year is None:
            return self.corridors
        from urbanchain.graph import corridors_as_of

        return corridors_as_of(self._corridors, self.year)

    @property
    def capitals(self) -> list[str]:
        """Node ids of the provincial capitals."""
        if "is_capital" not in self._nodes.columns:
            return []
        mask = self._nodes["is_capital"].fillna(False).astype(bool)
        return [str(v) for v in self._nodes.loc[mask, "node_id"]]

    @cached_property
    def graph(self) -> nx.MultiGraph:
        """The multimodal graph of :attr:`year`, built on first use and cached.

        Returns a copy each time it is built; treat it as read-only, or call
        ``chain.graph.copy()`` before editing.
        """
        from urbanchain.graph import graph_from_gdfs

        provenance = {"region": self.region, "year": self.year}
        return graph_from_gdfs(
            self._nodes,
            self._corridors,
            as_of=self.year,
            provenance=provenance,
            **self.graph_options,
        )

    # -- summaries ----------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """Count what the chain holds, one row per layer.

        Returns
        -------
        pandas.DataFrame
            Columns ``layer``, ``features`` and ``detail``.
        """
        rows: list[dict[str, Any]] = []
        if self._provinces is not None:
            rows.append(
                {
                    "layer": "provinces",
                    "features": len(self._provinces),
                    "detail": "vintage in force",
                }
            )
        if self._provinces_2008 is not None:
            rows.append(
                {
                    "layer": "provinces_2008",
                    "features": len(self._provinces_2008),
                    "detail": "2008-2025 configuration",
                }
            )
        kinds = (
            self._nodes["kind"].value_counts().sort_index()
            if "kind" in self._nodes
            else pd.Series(dtype=int)
        )
        rows.append(
            {
                "layer": "nodes",
                "features": len(self._nodes),
                "detail": ", ".join(f"{k}: {v}" for k, v in kinds.items()),
            }
        )
        status = (
            self._corridors["status"].value_counts().sort_index()
            if "status" in self._corridors
            else pd.Series(dtype=int)
        )
        rows.append(
            {
                "layer": "corridors",
                "features": len(self._corridors),
                "detail": ", ".join(f"{k}: {v}" for k, v in status.items()),
            }
        )
        rows.append(
            {
                "layer": f"network {self.year}",
                "features": len(self.network),
                "detail": "corridors operating in that year",
            }
        )
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        n_prov = "?" if self._provinces is None else len(self._provinces)
        return (
            f"UrbanChain(region={self.region!r}, year={self.year}, provinces={n_prov}, "
            f"nodes={len(self._nodes)}, corridors={len(self._corridors)})"
        )

    def _repr_html_(self) -> str:
        title = html.escape(repr(self))
        table = self.summary().to_html(index=False, escape=True)
        return f"<div><strong>{title}</strong>{table}</div>"
