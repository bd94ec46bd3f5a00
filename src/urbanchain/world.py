"""Connecting the chain to the world: world hubs, gateway-to-hub legs and world access.

The chain's gateways (seaports, airports, border gates) lead somewhere: to the container
ports and hub airports of East and Southeast Asia and to the Chinese towns facing the
border gates.  This module holds

* :func:`world_hubs` -- the bundled world hubs (``data/world_hubs.csv``), each with a
  sourced coordinate: NGA World Port Index (public domain), OurAirports (public domain),
  GeoNames (CC BY 4.0);
* :func:`world_legs` / :func:`leg_lines` -- the precomputed gateway-to-hub legs
  (``data/world_legs.csv``): ``searoute`` sea routes, great-circle air legs and land legs
  whose lengths are sourced or flagged as lower bounds; :func:`leg_lines` returns them
  as a GeoDataFrame for a map inset;
* :class:`WorldAssumptions` -- ship speed, port dwell, flight speed, check-in and
  border-crossing times, with sourced defaults where a source was found;
* :func:`world_access` -- for every urban node, the best *indicative* door-to-hub time and
  distance to every hub, combining the chain's own fastest route to each gateway with the
  gateway-to-hub leg; :func:`gateway_catchment` -- which cities reach the world fastest
  through each gateway; :func:`world_access_change` -- the change between two networks
  (a scenario with a new or closed gateway, for instance).

Everything here is indicative: no schedules, frequencies, freight rates or capacities are
modelled.  Provenance of every value is in ``data/README.md`` ("World hubs and legs").

Examples
--------
>>> from urbanchain import world
>>> hubs = world.world_hubs()
>>> sorted(set(hubs["kind"]))
['airport', 'land', 'seaport']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from urbanchain._private._bundled import read_bundled_csv
from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.crs import STORAGE_CRS
from urbanchain.datasets import (
    WORLD_GATEWAY_OF_MODE,
    WORLD_HUB_MODES,
    _numeric_legs,
    world_hubs,
    world_legs,
)
from urbanchain.engine._interface import EngineName
from urbanchain.errors import CRSError, OptionalDependencyError, ValidationError

__all__ = [
    "HUB_KINDS",
    "MODE_OF_KIND",
    "WorldAssumptions",
    "gateway_catchment",
    "leg_lines",
    "world_access",
    "world_access_change",
    "world_hubs",
    "world_legs",
]

#: Hub kinds and the travel mode that reaches each.
MODE_OF_KIND: dict[str, str] = WORLD_HUB_MODES
HUB_KINDS = tuple(MODE_OF_KIND)
#: The chain gateway kind that serves each mode.
GATEWAY_OF_MODE: dict[str, str] = WORLD_GATEWAY_OF_MODE

KNOT_KMH = 1.852  # one international nautical mile per hour, exactly
_COORD_TOL_DEG = 1e-4  # a gateway moved further than this gets its legs recomputed

INDICATIVE_NOTE = (
    "Indicative door-to-hub times: the chain's fastest route to a gateway, plus a handling "
    "time, plus the gateway-to-hub leg at an assumed average speed. No schedules, "
    "frequencies, waiting for departures, customs beyond the stated allowance, or capacity "
    "are modelled. Air legs are great circles (a lower bound of the flown distance); land "
    "crossings are great circles (lower bounds); sea legs follow searoute's lane network."
)


# --------------------------------------------------------------------------- assumptions


@dataclass(frozen=True, kw_only=True)
class WorldAssumptions:
    """Speeds and handling times that turn distances into indicative times.

    Every value must be a positive, finite number inside a plausible range; anything
    else raises :class:`~urbanchain.errors.ValidationError` naming the field, the value
    and the range.

    Parameters
    ----------
    ship_speed_kn
        Average sea speed, knots (default 14). Sourced: Clarkson Research reported an
        average container-ship operating speed of 13.72 knots in February 2023, the
        slowest on record (TradeWinds, March 2023, key WA1); slow-steaming commercial
        speeds are 18 knots or less (Notteboom, Pallis & Rodrigue, *Port Economics,
        Management and Policy*, key WA2). Plausible range 3-30 knots.
    port_dwell_h
        Hours between reaching the gateway seaport and sailing (default 24).
        **Assumption, not sourced**: one day; container yard dwell times are often
        several days, so sea times are optimistic. Range (0, 720].
    flight_speed_kmh
        Average speed over the great-circle distance, km/h (default 840). Sourced: the
        A320's economical cruising speed of 840 km/h (AirAsia X flight profile, key WA3);
        climb, descent and airway detours are not modelled, so air times are optimistic.
        Range 200-1000 km/h.
    check_in_h
        Hours from arriving at the gateway airport to departure (default 3). Sourced:
        airlines' usual advice to arrive three hours before an international departure
        (secondary travel guides, key WA4). Range (0, 24].
    border_crossing_h
        Hours to clear a land border gate (default 24). Sourced as an upper bound for
        normal operation: Hữu Nghị border-gate customs state that goods declared there
        are cleared within one day (VOV, key WA5); queues of several days to weeks have
        been reported at harvest peaks (SGGP, Feb 2022, key WA6). Range (0, 720].
    land_speed_kmh
        Average speed on the Chinese side of a land crossing (crossing and onward rail
        legs), km/h (default 60). **Assumption, not sourced**: half the 120 km/h freight
        operating speed of the Kunming-Hekou railway (key W5). Range 5-200 km/h.

    Examples
    --------
    >>> from urbanchain.world import WorldAssumptions
    >>> WorldAssumptions().ship_speed_kn
    14.0
    >>> WorldAssumptions(ship_speed_kn=200)
    Traceback (most recent call last):
    ...
    urbanchain.errors.ValidationError: WorldAssumptions.ship_speed_kn=200 is implausible: ...
    """

    ship_speed_kn: float = 14.0
    port_dwell_h: float = 24.0
    flight_speed_kmh: float = 840.0
    check_in_h: float = 3.0
    border_crossing_h: float = 24.0
    land_speed_kmh: float = 60.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            lo, hi, lo_open = _RANGES[f.name]
            ok_type = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
                value, bool
            )
            if not ok_type or not math.isfinite(float(value)):
                msg = (
                    f"WorldAssumptions.{f.name} must be a finite number, got {value!r}. "
                    f"Pass a number such as {f.name}={f.default}."
                )
                raise ValidationError(msg)
            v = float(value)
            if v <= 0:
                msg = (
                    f"WorldAssumptions.{f.name}={value!r} must be positive (> 0). "
                    f"Pass a value in {_range_text(f.name)}, e.g. {f.name}={f.default}."
                )
                raise ValidationError(msg)
            if (v <= lo if lo_open else v < lo) or v > hi:
                msg = (
                    f"WorldAssumptions.{f.name}={value!r} is implausible: expected "
                    f"{_range_text(f.name)}. Check the unit ({_UNITS[f.name]}), e.g. "
                    f"{f.name}={f.default}."
                )
                raise ValidationError(msg)
            object.__setattr__(self, f.name, v)

    def as_dict(self) -> dict[str, float]:
        """Return the assumptions as a plain dict (for ``attrs`` and metadata files)."""
        return {k: float(v) for k, v in asdict(self).items()}


_RANGES: dict[str, tuple[float, float, bool]] = {
    "ship_speed_kn": (3.0, 30.0, False),
    "port_dwell_h": (0.0, 720.0, True),
    "flight_speed_kmh": (200.0, 1000.0, False),
    "check_in_h": (0.0, 24.0, True),
    "border_crossing_h": (0.0, 720.0, True),
    "land_speed_kmh": (5.0, 200.0, False),
}
_UNITS = {
    "ship_speed_kn": "knots",
    "port_dwell_h": "hours",
    "flight_speed_kmh": "km/h",
    "check_in_h": "hours",
    "border_crossing_h": "hours",
    "land_speed_kmh": "km/h",
}


def _range_text(name: str) -> str:
    lo, hi, lo_open = _RANGES[name]
    return f"{'(' if lo_open else '['}{lo:g}, {hi:g}] {_UNITS[name]}"


# --------------------------------------------------------------------------- hubs and legs


def leg_lines(
    *,
    gateways: Iterable[str] | None = None,
    hubs: Iterable[str] | None = None,
    modes: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Return the gateway-to-hub legs as lines, for a map inset.

    Sea legs are the ``searoute`` lines as computed (with the snap gaps bridged by
    straight geodesic segments), air legs 64-point great-circle arcs, land legs straight
    segments gate -> facing town (-> inland hub): schematic, not the road or rail.

    Parameters
    ----------
    gateways, hubs
        Keep only legs from these gateway node ids / to these hub ids.
    modes
        Keep only these modes (``"sea"``, ``"air"``, ``"land"``).

    Returns
    -------
    geopandas.GeoDataFrame
        The columns of :func:`world_legs` and a LineString geometry, EPSG:4326.

    Raises
    ------
    UnknownNameError
        Unknown gateway ids, hub ids or modes.

    Examples
    --------
    >>> from urbanchain.world import leg_lines
    >>> lines = leg_lines(modes=["sea"], hubs=["sea_singapore"])
    >>> sorted(lines["gateway_id"]), lines.geometry.iloc[0].geom_type  # both chains' ports
    (['can_tho_port', 'hai_phong_port'], 'LineString')
    """
    raw = read_bundled_csv("world_legs.csv")
    geom = shapely.from_wkt(raw["geometry_wkt"].to_numpy())
    table = _numeric_legs(raw.drop(columns=["geometry_wkt"]))
    keep = np.ones(len(table), dtype=bool)
    for values, col, what in (
        (gateways, "gateway_id", "gateway id"),
        (hubs, "hub_id", "hub id"),
        (modes, "mode", "mode"),
    ):
        if values is None:
            continue
        wanted = [values] if isinstance(values, str) else [str(v) for v in values]
        valid = set(table[col])
        for v in wanted:
            if v not in valid:
                err = unknown_name(what, v, valid)
                raise err
        keep &= table[col].isin(wanted).to_numpy()
    out = gpd.GeoDataFrame(table[keep], geometry=list(geom[keep]), crs=STORAGE_CRS)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- input checks


def _resolve_hubs(hubs: Any) -> gpd.GeoDataFrame:
    """Bundled hubs (None), a subset of them (ids) or the caller's own hub layer."""
    bundled = world_hubs()
    if hubs is None:
        return bundled
    if isinstance(hubs, pd.DataFrame):
        if hubs.empty:
            msg = (
                "The hubs table is empty, so there is nothing to reach. Pass hubs=None for "
                "every bundled hub (world_hubs()), or a table with at least one hub."
            )
            raise ValidationError(msg)
        return _check_user_hubs(hubs)
    wanted = [hubs] if isinstance(hubs, str) else list(hubs)
    if not wanted:
        msg = (
            "hubs= is an empty list, so there is nothing to reach. Pass hubs=None for every "
            "bundled hub, or hub ids such as hubs=['air_sin', 'sea_singapore']."
        )
        raise ValidationError(msg)
    valid = bundled["hub_id"].tolist()
    for h in wanted:
        if h not in valid:
            err = unknown_name("hub id", h, valid)
            raise err
    if len(set(wanted)) != len(wanted):
        dup = sorted({h for h in wanted if wanted.count(h) > 1})
        msg = f"hubs= repeats hub ids {format_ids(dup)}. Pass each hub once."
        raise ValidationError(msg)
    return bundled.set_index("hub_id").loc[wanted].reset_index()


def _check_user_hubs(hubs: pd.DataFrame) -> gpd.GeoDataFrame:
    """Check a caller's hub table: ids, kinds and coordinates, every bad row named."""
    frame = hubs.copy()
    problems: list[str] = []
    if "hub_id" not in frame.columns:
        msg = (
            "The hubs table has no 'hub_id' column. Give every hub a unique id, e.g. "
            "hubs['hub_id'] = ['sea_my_port', ...]."
        )
        raise ValidationError(msg)
    ids = frame["hub_id"].astype(str)
    dup = sorted({i for i in ids if (ids == i).sum() > 1})
    if dup:
        problems.append(f"repeated hub_id values {format_ids(dup)}: make them unique")
    if "kind" not in frame.columns:
        problems.append(f"no 'kind' column: add one with values {', '.join(HUB_KINDS)}")
    else:
        bad = [
            f"{i} ({k!r})"
            for i, k in zip(ids, frame["kind"], strict=True)
            if not isinstance(k, str) or k not in HUB_KINDS
        ]
        if bad:
            problems.append(
                f"hubs with a missing or unknown kind: {format_ids(bad)}; use one of "
                f"{', '.join(HUB_KINDS)}"
            )
    lon, lat = _hub_coords(frame)
    bad_xy = [
        i
        for i, x, y in zip(ids, lon, lat, strict=True)
        if not (np.isfinite(x) and np.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90)
    ]
    if bad_xy:
        problems.append(
            f"hubs without valid coordinates: {format_ids(bad_xy)}; give point geometries in "
            "EPSG:4326 or 'lon'/'lat' columns in degrees"
        )
    if problems:
        msg = "The hubs table cannot be used: " + "; ".join(problems) + "."
        raise ValidationError(msg)
    frame["hub_id"] = ids
    frame["lon"], frame["lat"] = lon, lat
    if "name" not in frame.columns:
        frame["name"] = frame["hub_id"]
    frame = frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=STORAGE_CRS)


def _hub_coords(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        g = frame.geometry
        if g.crs is None:
            msg = (
                "The hubs GeoDataFrame has no CRS, so its coordinates cannot be read safely. "
                "Set it, e.g. hubs.set_crs('EPSG:4326'), or pass plain lon/lat columns."
            )
            raise CRSError(msg)
        if not g.crs.equals(STORAGE_CRS):
            g = g.to_crs(STORAGE_CRS)
        pts = [
            p if (p is not None and not p.is_empty and p.geom_type == "Point") else None for p in g
        ]
        lon = np.array([p.x if p is not None else np.nan for p in pts], dtype=float)
        lat = np.array([p.y if p is not None else np.nan for p in pts], dtype=float)
        return lon, lat
    if {"lon", "lat"} <= set(frame.columns):
        lon = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
        return lon, lat
    nan = np.full(len(frame), np.nan)
    return nan, nan.copy()


def _graph_of(chain: Any) -> nx.Graph:
    if isinstance(chain, nx.Graph):
        return chain
    G = getattr(chain, "graph", None)
    if isinstance(G, nx.Graph):
        return G
    msg = (
        f"world_access needs an UrbanChain, a Scenario or a chain graph; got "
        f"{type(chain).__name__}. Build one with UrbanChain.from_region('red_river_delta')."
    )
    raise ValidationError(msg)


# --------------------------------------------------------------------------- legs on demand


def _geod_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    from pyproj import Geod

    return float(Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def _sea_km(gateway: str, hub: str, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Sea length with searoute (lazily imported), snap gaps bridged geodesically."""
    try:
        import searoute
    except ImportError as exc:
        msg = (
            f"The sea leg {gateway} -> {hub} is not bundled and needs the optional package "
            "searoute: pip install 'urbanchain[world]'. Or pass hubs= ids of bundled hubs "
            "(see world_hubs())."
        )
        raise OptionalDependencyError(msg) from exc
    import warnings

    from pyproj import Geod

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            feature = searoute.searoute(list(a), list(b), units="km")
        coords = [(float(x), float(y)) for x, y in feature["geometry"]["coordinates"]]
    except Exception as exc:  # searoute raises bare Exceptions and warns on no path
        msg = (
            f"searoute could not compute a sea route {gateway} {a} -> {hub} {b} ({exc}). "
            "Check that both points are near the sea, or drop the hub from hubs=."
        )
        raise ValidationError(msg) from exc
    if len(coords) < 2:
        msg = (
            f"searoute found no sea route {gateway} {a} -> {hub} {b}. Check that both points "
            "are near the sea and not cut off by restricted passages, or drop the hub."
        )
        raise ValidationError(msg)
    line = [a, *coords, b]
    return float(Geod(ellps="WGS84").line_length([p[0] for p in line], [p[1] for p in line])) / 1e3


def _legs_for(
    G: nx.Graph, hubs: gpd.GeoDataFrame, gates: dict[str, list[Any]]
) -> tuple[pd.DataFrame, list[str]]:
    """One row per (gateway in G, hub): bundled where valid, else computed (air, sea)."""
    raw = read_bundled_csv("world_legs.csv")
    table = _numeric_legs(raw)
    bundled: dict[tuple[str, str], dict[Any, Any]] = {
        (str(r["gateway_id"]), str(r["hub_id"])): r for r in table.to_dict("records")
    }
    land_gates = set(table.loc[table["mode"] == "land", "gateway_id"])
    bundled_hubs = set(table["hub_id"])
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for mode, kind in GATEWAY_OF_MODE.items():
        mode_hubs = hubs[hubs["kind"].map(MODE_OF_KIND) == mode]
        for g in gates.get(kind, []):
            gx, gy = float(G.nodes[g].get("x", np.nan)), float(G.nodes[g].get("y", np.nan))
            for _, h in mode_hubs.iterrows():
                key = (str(g), str(h["hub_id"]))
                r = bundled.get(key)
                hx, hy = float(h["lon"]), float(h["lat"])
                if r is not None and _same_ends(str(r["geometry_wkt"]), (gx, gy), (hx, hy)):
                    rows.append(
                        {
                            "gateway_id": g,
                            "hub_id": key[1],
                            "mode": mode,
                            "leg_km": float(r["leg_km"]),
                            "leg_basis": str(r["basis"]) or "not_sourced",
                            "leg_status": str(r["status"]),
                        }
                    )
                    continue
                if not (np.isfinite(gx) and np.isfinite(gy)):
                    skipped.append(f"{g}->{key[1]} (gateway has no x/y)")
                    continue
                a, b = (gx, gy), (float(h["lon"]), float(h["lat"]))
                if mode == "air":
                    km, basis = _geod_km(*a, *b), "great_circle (computed)"
                elif mode == "sea":
                    km, basis = _sea_km(str(g), key[1], a, b), "searoute (computed)"
                else:
                    if key[1] not in bundled_hubs:
                        skipped.append(f"{g}->{key[1]} (land hub without a sourced land leg)")
                    elif str(g) not in land_gates:
                        skipped.append(f"{g}->{key[1]} (border gate without a sourced land leg)")
                    continue
                rows.append(
                    {
                        "gateway_id": g,
                        "hub_id": key[1],
                        "mode": mode,
                        "leg_km": km,
                        "leg_basis": basis,
                        "leg_status": "computed",
                    }
                )
    cols = ["gateway_id", "hub_id", "mode", "leg_km", "leg_basis", "leg_status"]
    return pd.DataFrame(rows, columns=cols), skipped


def _same_ends(wkt: str, start: tuple[float, float], end: tuple[float, float]) -> bool:
    """Whether a bundled leg still joins these two points (else it is recomputed)."""
    if not wkt:
        return False
    xy = shapely.get_coordinates(shapely.from_wkt(wkt))
    return bool(
        np.all(np.abs(xy[0] - np.asarray(start)) <= _COORD_TOL_DEG)
        and np.all(np.abs(xy[-1] - np.asarray(end)) <= _COORD_TOL_DEG)
    )


# --------------------------------------------------------------------------- world access


def _leg_hours(mode: str, km: np.ndarray, a: WorldAssumptions) -> tuple[float, np.ndarray]:
    if mode == "sea":
        return a.port_dwell_h, km / (a.ship_speed_kn * KNOT_KMH)
    if mode == "air":
        return a.check_in_h, km / a.flight_speed_kmh
    return a.border_crossing_h, km / a.land_speed_kmh


def _is_base(v: Any) -> bool:
    """Not a junction nor a layer copy (``*@rail``) of a node."""
    return not str(v).startswith("junction:") and "@" not in str(v)


def _default_sources(G: nx.Graph) -> list[Any]:
    cities = [v for v, d in G.nodes(data=True) if d.get("kind") == "city" and _is_base(v)]
    if cities:
        return cities
    from urbanchain.metrics._common import default_nodes

    return default_nodes(G)


def world_access(
    chain: Any,
    *,
    hubs: Any = None,
    assumptions: WorldAssumptions | Mapping[str, float] | None = None,
    sources: Any = None,
    weight: str = "time_min",
    engine: EngineName | None = None,
) -> pd.DataFrame:
    r"""Best indicative door-to-hub time and distance from every urban node to every world hub.

    For an urban node :math:`i`, a hub :math:`h` reached by mode :math:`m` (sea for
    seaports, air for airports, land for the Chinese towns) and the chain's gateways
    :math:`g` of the matching kind (seaport, airport, border gate):

    .. math::

        T_{ih} = \min_{g} \Big( \frac{t_{ig}}{60} + H_m + \frac{L_{gh}}{v_m} \Big),
        \qquad D_{ih} = \ell_{ig^*} + L_{g^*h}

    where :math:`t_{ig}` is the chain's fastest travel time to the gateway (minutes,
    :func:`urbanchain.metrics.od_matrix`), :math:`\ell_{ig^*}` the length of that route
    (km, :func:`urbanchain.metrics.route_length`), :math:`H_m` the handling time (port
    dwell, check-in or border crossing, hours), :math:`L_{gh}` the gateway-to-hub leg (km)
    and :math:`v_m` the mode's average speed (:class:`WorldAssumptions`).  This is the
    gateway-based access of Rodrigue (2020), extended past the gateway with the leg.

    Parameters
    ----------
    chain
        An :class:`~urbanchain.UrbanChain`, a :class:`~urbanchain.scenarios.Scenario` or a
        chain graph whose nodes carry ``kind`` and ``x``/``y`` (EPSG:4326).
    hubs
        ``None`` for every bundled hub (:func:`world_hubs`), a list of bundled hub ids, or
        a (Geo)DataFrame of your own hubs with ``hub_id``, ``kind`` (``seaport``,
        ``airport``, ``land``) and point geometries or ``lon``/``lat``.  Legs to hubs that
        are not bundled are computed: air as great circles, sea with ``searoute`` (needs
        ``pip install "urbanchain[world]"``); land legs need a sourced length and are
        only available for the bundled crossings.
    assumptions
        A :class:`WorldAssumptions`, or a dict of its fields (the others keep their
        defaults). Default: ``WorldAssumptions()``.
    sources
        Urban nodes to report. Default: every node of kind ``city``.
    weight
        Edge attribute the chain's routes minimise: a time in minutes (``time_min``; the
        unit is read from ``G.graph["units"]``).
    engine
        Engine of the OD computation (see :func:`urbanchain.metrics.od_matrix`).

    Returns
    -------
    pandas.DataFrame
        Indexed by (``node_id``, ``hub_id``), sorted by node then total time: ``hub_name``,
        ``mode``, ``gateway_id`` (the gateway of the fastest route; None if none
        reachable), ``chain_min`` and ``chain_km`` (node to gateway), ``leg_km``,
        ``leg_basis`` (how the leg length was obtained), ``leg_status`` (``computed``, or
        the status of a sourced rail leg, e.g. ``partly_operational`` for
        Pingxiang-Nanning), ``handling_h``, ``leg_h``, ``total_h`` and ``total_km``.  NaN where
        no gateway of the right kind is reachable or no leg length is known.
        ``attrs["indicative"]`` is True and ``attrs["note"]`` says why;
        ``attrs["assumptions"]`` records the values used, ``attrs["units"]`` the units,
        ``attrs["skipped_legs"]`` any leg that could not be formed.

    Raises
    ------
    ValidationError
        Bad hubs (no coordinates or kinds, repeated ids), bad assumptions, a ``weight``
        that is not a time, or a sea route searoute cannot compute.
    UnknownNameError
        Unknown hub ids or source nodes.
    OptionalDependencyError
        A sea leg that is not bundled when searoute is not installed.

    References
    ----------
    Rodrigue, J.-P. (2020). *The Geography of Transport Systems*, 5th ed., Routledge
    (gateways, and transport time as the sum of terminal and line-haul times).

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.world import world_access
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> wa = world_access(chain, hubs=["air_sin", "sea_singapore"], sources=["ha_noi"])
    >>> wa.loc[("ha_noi", "air_sin"), "gateway_id"]
    'noi_bai_airport'
    >>> wa.attrs["indicative"]
    True
    """
    from urbanchain import metrics

    if assumptions is None:
        assume = WorldAssumptions()
    elif isinstance(assumptions, WorldAssumptions):
        assume = assumptions
    elif isinstance(assumptions, Mapping):
        valid = [f.name for f in fields(WorldAssumptions)]
        for k in assumptions:
            if k not in valid:
                err = unknown_name("assumption", k, valid)
                raise err
        assume = WorldAssumptions(**dict(assumptions))
    else:
        msg = (
            f"assumptions must be a WorldAssumptions or a dict of its fields, got "
            f"{type(assumptions).__name__}."
        )
        raise ValidationError(msg)
    G = _graph_of(chain)
    from urbanchain.metrics._common import unit_of

    if unit_of(G, weight) != "min":
        msg = (
            f"weight={weight!r} is in {unit_of(G, weight)!r}, but world_access adds the chain's "
            "travel time (minutes) to the handling and leg hours: pass a time attribute in "
            "minutes, e.g. weight='time_min'."
        )
        raise ValidationError(msg)
    hub_table = _resolve_hubs(hubs)
    if sources is None:
        src = _default_sources(G)
    else:
        src = [sources] if isinstance(sources, str) else list(sources)
        for v in src:
            if v not in G:
                err = unknown_name("source node", v, list(G.nodes))
                raise err
    gates: dict[str, list[Any]] = {}
    for v, d in G.nodes(data=True):
        if d.get("kind") in GATEWAY_OF_MODE.values() and _is_base(v):
            gates.setdefault(str(d["kind"]), []).append(v)
    legs, skipped = _legs_for(G, hub_table, gates)
    gate_ids = sorted(set(legs["gateway_id"]), key=str)
    if gate_ids:
        t = metrics.od_matrix(G, sources=src, targets=gate_ids, weight=weight, engine=engine)
        km = metrics.route_length(G, sources=src, targets=gate_ids, weight=weight)
    else:
        t = pd.DataFrame(index=pd.Index(src), columns=pd.Index([]), dtype=float)
        km = t.copy()
    names = dict(zip(hub_table["hub_id"], hub_table["name"], strict=True))
    rows = []
    for _, h in hub_table.iterrows():
        hub_id = str(h["hub_id"])
        mode = MODE_OF_KIND[str(h["kind"])]
        hl = legs[(legs["hub_id"] == hub_id) & legs["leg_km"].notna()]
        glist = list(hl["gateway_id"])
        leg_km = hl["leg_km"].to_numpy(dtype=float)
        handling, leg_h = _leg_hours(mode, leg_km, assume)
        for i in src:
            base = {"node_id": i, "hub_id": hub_id, "hub_name": names[hub_id], "mode": mode}
            if glist:
                chain_min = t.loc[i, glist].to_numpy(dtype=float)
                total = chain_min / 60.0 + handling + leg_h
            else:
                total = np.array([np.nan])
            if not np.isfinite(total).any():
                rows.append(base | _empty_row())
                continue
            j = int(np.nanargmin(total))
            g = glist[j]
            c_km = float(km.loc[i, g])
            rows.append(
                base
                | {
                    "gateway_id": g,
                    "chain_min": float(chain_min[j]),
                    "chain_km": c_km,
                    "leg_km": float(leg_km[j]),
                    "leg_basis": hl["leg_basis"].iloc[j],
                    "leg_status": hl["leg_status"].iloc[j],
                    "handling_h": float(handling),
                    "leg_h": float(leg_h[j]),
                    "total_h": float(total[j]),
                    "total_km": c_km + float(leg_km[j]),
                }
            )
    df = pd.DataFrame(rows, columns=["node_id", "hub_id", "hub_name", "mode", *_empty_row()])
    df = df.sort_values(["node_id", "total_h", "hub_id"], kind="mergesort", na_position="last")
    df = df.set_index(["node_id", "hub_id"])
    df.attrs.update(
        {
            "indicative": True,
            "note": INDICATIVE_NOTE,
            "assumptions": assume.as_dict(),
            "units": {
                "chain_min": "min",
                "chain_km": "km",
                "leg_km": "km",
                "handling_h": "h",
                "leg_h": "h",
                "total_h": "h",
                "total_km": "km",
            },
            "skipped_legs": skipped,
            "weight": weight,
            "engine": t.attrs.get("engine"),
            "sources": "data/README.md, section 'World hubs and legs'",
        }
    )
    return df


def _empty_row() -> dict[str, Any]:
    return {
        "gateway_id": None,
        "chain_min": np.nan,
        "chain_km": np.nan,
        "leg_km": np.nan,
        "leg_basis": None,
        "leg_status": None,
        "handling_h": np.nan,
        "leg_h": np.nan,
        "total_h": np.nan,
        "total_km": np.nan,
    }


def gateway_catchment(access: pd.DataFrame) -> pd.DataFrame:
    r"""Which cities reach the world fastest through each gateway.

    A node belongs to the catchment of gateway :math:`g` for mode :math:`m` when
    :math:`g` carries the largest number of the node's fastest routes of that mode in
    ``access`` (ties go to the gateway with the smaller mean total time):

    .. math:: c_m(i) = \arg\max_g \big|\{h : \mathrm{mode}(h) = m,\ g^*_{ih} = g\}\big|

    Parameters
    ----------
    access
        The result of :func:`world_access`.

    Returns
    -------
    pandas.DataFrame
        One row per (``mode``, ``gateway_id``) that carries at least one fastest route:
        ``nodes`` (comma-separated node ids of its catchment), ``n_nodes``, ``routes``
        (node-hub fastest routes through it), ``route_share`` (of the mode's routes) and
        ``median_total_h`` of those routes.  ``attrs["indicative"]`` is True.

    Raises
    ------
    ValidationError
        ``access`` is not a :func:`world_access` result.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.world import gateway_catchment, world_access
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> c = gateway_catchment(world_access(chain, hubs=["air_sin", "air_hkg"]))
    >>> "noi_bai_airport" in set(c.loc["air"].index)
    True
    """
    need = {"mode", "gateway_id", "total_h"}
    if not need <= set(access.columns) or access.index.names != ["node_id", "hub_id"]:
        msg = (
            "gateway_catchment needs the table returned by world_access (index node_id, "
            f"hub_id; columns {', '.join(sorted(need))}). Call world_access(chain) first."
        )
        raise ValidationError(msg)
    df = access.reset_index()
    df = df[df["gateway_id"].notna()]
    owner: dict[tuple[str, Any], Any] = {}
    for (mode, node), grp in df.groupby(["mode", "node_id"], sort=True):
        stats = grp.groupby("gateway_id")["total_h"].agg(["size", "mean"])
        stats = stats.sort_values(["size", "mean"], ascending=[False, True], kind="mergesort")
        owner[(str(mode), node)] = stats.index[0]
    rows = []
    for (mode, gate), grp in df.groupby(["mode", "gateway_id"], sort=True):
        members = sorted(str(n) for (m, n), g in owner.items() if m == mode and g == gate)
        rows.append(
            {
                "mode": mode,
                "gateway_id": gate,
                "nodes": ", ".join(members),
                "n_nodes": len(members),
                "routes": len(grp),
                "route_share": len(grp) / int((df["mode"] == mode).sum()),
                "median_total_h": float(grp["total_h"].median()),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "mode",
            "gateway_id",
            "nodes",
            "n_nodes",
            "routes",
            "route_share",
            "median_total_h",
        ],
    ).set_index(["mode", "gateway_id"])
    out.attrs.update({"indicative": True, "note": INDICATIVE_NOTE})
    return out


def world_access_change(
    base: Any,
    other: Any,
    *,
    hubs: Any = None,
    assumptions: WorldAssumptions | Mapping[str, float] | None = None,
    sources: Any = None,
    labels: tuple[str, str] = ("base", "other"),
) -> pd.DataFrame:
    """World access of two networks side by side (a scenario against its base, say).

    Parameters
    ----------
    base, other
        Chains, scenarios or chain graphs (see :func:`world_access`).
    hubs, assumptions
        As in :func:`world_access`; the same for both networks.
    sources
        Urban nodes to compare (default: the ``city`` nodes of ``base`` that are also in
        ``other``).
    labels
        Names of the two networks, recorded in ``attrs["labels"]``.

    Returns
    -------
    pandas.DataFrame
        Indexed by (``node_id``, ``hub_id``): ``mode``, ``gateway_base``,
        ``gateway_other``, ``total_h_base``, ``total_h_other``, ``change_h``
        (``other - base``; negative is faster) and ``rel_change``.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.scenarios import Scenario
    >>> from urbanchain.world import world_access_change
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> closed = Scenario(chain).close(["ct04_ha_noi_hai_phong"])
    >>> ch = world_access_change(chain, closed, hubs=["sea_singapore"], sources=["ha_noi"])
    >>> bool(ch.loc[("ha_noi", "sea_singapore"), "change_h"] > 0)
    True
    """
    if sources is None:
        other_nodes = set(_graph_of(other).nodes)
        sources = [v for v in _default_sources(_graph_of(base)) if v in other_nodes]
    a = world_access(base, hubs=hubs, assumptions=assumptions, sources=sources)
    b = world_access(other, hubs=hubs, assumptions=assumptions, sources=sources)
    out = pd.DataFrame(
        {
            "mode": a["mode"],
            "gateway_base": a["gateway_id"],
            "gateway_other": b["gateway_id"].reindex(a.index),
            "total_h_base": a["total_h"],
            "total_h_other": b["total_h"].reindex(a.index),
        }
    )
    out["change_h"] = out["total_h_other"] - out["total_h_base"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rel_change"] = out["change_h"] / out["total_h_base"].abs()
    out.attrs.update(
        {"indicative": True, "note": INDICATIVE_NOTE, "labels": labels, "units": {"change_h": "h"}}
    )
    return out
