"""What-if scenarios: planned corridors, closures, project ranking and failure sweeps.

A :class:`Scenario` starts from a chain (or a bare graph) and records edits,
each of which returns a *new* scenario; the base is never changed.
:func:`compare` tabulates the metric changes between two networks,
:func:`rank_projects` ranks the corridors due by 2030, :func:`failure_sweep`
and :func:`robustness_curve` measure what failures cost, and
:func:`run_scenario_file` runs a scenario described in a TOML file.

Sweeps evaluate every failure on one CSR view built once, closing the failed
edges through the engine interface (any ``engine=``; a networkx graph or a
:class:`~urbanchain.graph.Network`); results equal the metrics of
:mod:`urbanchain.metrics` recomputed on the graph with those edges removed.
With a :class:`dask.distributed.Client` (``client=``) or ``parallel=True`` the
scenarios are spread over workers; the results are identical to the sequential
run (every random failure set is drawn up front from ``seed``).

Examples
--------
>>> from urbanchain import UrbanChain
>>> from urbanchain.scenarios import Scenario
>>> chain = UrbanChain.from_region("red_river_delta", year=2025)
>>> s = Scenario(chain).close(["ct04_ha_noi_hai_phong"])
>>> [e["op"] for e in s.edits]
['close']
"""

from __future__ import annotations

import copy
import html
import itertools
import logging
import math
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from urbanchain import settings
from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.engine._interface import EngineName
from urbanchain.errors import (
    CRSError,
    DataQualityWarning,
    RepairWarning,
    ScenarioError,
    UnknownNameError,
)
from urbanchain.graph._network import Network
from urbanchain.scenarios._metrics import (
    DEFAULT_PAIRS,
    capital_masses,
    capitals_of,
    pair_label,
    project_metrics,
    resolve_pairs,
)
from urbanchain.scenarios._sweep import build_evaluator, evaluate_chunk, run_sets

if TYPE_CHECKING:
    from urbanchain.chain import UrbanChain

__all__ = [
    "DEFAULT_PAIRS",
    "Comparison",
    "Scenario",
    "ScenarioFile",
    "build_scenario",
    "compare",
    "failure_sweep",
    "load_scenario",
    "rank_projects",
    "robustness_curve",
    "run_scenario_file",
    "write_scenario_outputs",
]

logger = logging.getLogger(__name__)

_PLANNED_STATUSES = ("planned", "under_construction")
_EDGE_ATTRS = ("speed_kmh", "time_min", "status", "opening_year", "mode", "name", "code")
_PROGRESS_MIN = 200  # sweeps with fewer scenarios never show a bar


#: Attributes whose new value must be a positive finite number.
_POSITIVE_ATTRS = frozenset(
    {"speed_kmh", "time_min", "design_speed_kmh", "length_official_km", "population"}
)
#: Plausible network years for ``opening_year``, ``base_year`` and ``as_of``.
_YEARS = (1800, 2200)


def _check_year(value: Any, what: str) -> int:
    """Return ``value`` as a year, or raise naming ``what`` and the valid range."""
    lo, hi = _YEARS
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        msg = f"{what} must be a whole year between {lo} and {hi}, e.g. 2030; got {value!r}."
        raise ScenarioError(msg)
    return int(value)


def _check_set_values(attrs: Mapping[str, Any]) -> None:
    """Refuse values Scenario.set would otherwise carry into the graph build."""
    from urbanchain.graph import STATUSES

    for name, value in attrs.items():
        if name in _POSITIVE_ATTRS:
            ok = (
                isinstance(value, numbers.Real)
                and not isinstance(value, bool)
                and math.isfinite(float(value))
                and float(value) > 0
            )
            if not ok:
                msg = f"{name} must be a positive finite number, e.g. {name}=80; got {value!r}."
                raise ScenarioError(msg)
        elif name == "opening_year":
            _check_year(value, "opening_year")
        elif name == "status" and value not in STATUSES:
            msg = f"status must be one of {', '.join(STATUSES)}; got {value!r}."
            raise ScenarioError(msg)


# --------------------------------------------------------------------------- Scenario


def _as_list(ids: Any) -> list[str]:
    if isinstance(ids, str):
        return [ids]
    if not isinstance(ids, Iterable):
        msg = f"ids must be a corridor id or a list of ids; got {type(ids).__name__}."
        raise ScenarioError(msg)
    return [str(i) for i in ids]


class Scenario:
    """A chain (or graph) with edits: added, closed or changed corridors, another year.

    Every edit method returns a new :class:`Scenario`; the base chain, its
    layers and its graph are never modified.  The edits are logged in
    :attr:`edits` so that a scenario can be written down and replayed.

    Parameters
    ----------
    chain_or_graph
        An :class:`urbanchain.UrbanChain`, a :class:`Scenario`, or a chain
        graph (``networkx`` graph following the graph conventions).  With a bare
        graph only :meth:`close` and :meth:`set` on edge attributes are available.

    Attributes
    ----------
    edits
        The edits applied to the base, in order (a list of dicts with ``op``).

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.scenarios import Scenario
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> s2030 = Scenario(chain).add(["ct08_ninh_binh_hai_phong"])
    >>> "ct08_ninh_binh_hai_phong" in set(s2030.corridors.corridor_id)
    True
    >>> "ct08_ninh_binh_hai_phong" in set(chain.network.corridor_id)
    False
    """

    def __init__(self, chain_or_graph: Any) -> None:
        from urbanchain.chain import UrbanChain

        self.edits: list[dict[str, Any]] = []
        self._corridors: gpd.GeoDataFrame | None
        self._nodes: gpd.GeoDataFrame | None
        self.year: int | None
        self._added: list[str] = []
        self._closed: list[str] = []
        self._edge_sets: list[tuple[str, dict[str, Any]]] = []
        self._layers_changed = False
        if isinstance(chain_or_graph, Scenario):
            src = chain_or_graph
            self._base_chain: UrbanChain | None = src._base_chain
            self._base_graph: nx.Graph | None = src._base_graph
            self._corridors = src._corridors
            self._nodes = src._nodes
            self.year = src.year
            self.edits = copy.deepcopy(src.edits)
            self._added = list(src._added)
            self._closed = list(src._closed)
            self._edge_sets = copy.deepcopy(src._edge_sets)
            self._layers_changed = src._layers_changed
        elif isinstance(chain_or_graph, UrbanChain):
            self._base_chain = chain_or_graph
            self._base_graph = None
            self._corridors = chain_or_graph.corridors
            self._nodes = chain_or_graph.nodes
            self.year = chain_or_graph.year
        elif isinstance(chain_or_graph, nx.Graph):
            self._base_chain = None
            self._base_graph = chain_or_graph
            self._corridors = None
            self._nodes = None
            self.year = chain_or_graph.graph.get("as_of")
        else:
            msg = (
                "Scenario needs an UrbanChain, a Scenario or a networkx graph; got "
                f"{type(chain_or_graph).__name__}."
            )
            raise ScenarioError(msg)

    # -- helpers ---------------------------------------------------------------------
    def _copy(self) -> Scenario:
        return Scenario(self)

    def _need_layers(self, op: str) -> gpd.GeoDataFrame:
        if self._corridors is None:
            msg = (
                f"Scenario.{op} needs corridor layers, but this scenario was built from a bare "
                "graph. Start from an UrbanChain (e.g. UrbanChain.from_region(...)) instead."
            )
            raise ScenarioError(msg)
        return self._corridors

    def _network_ids(self) -> list[str]:
        layer = self._need_layers("network")
        if self.year is None:
            ids = [str(v) for v in layer["corridor_id"]]
        else:
            from urbanchain.graph import corridors_as_of

            ids = [str(v) for v in corridors_as_of(layer, self.year)["corridor_id"]]
        return ids + [a for a in self._added if a not in ids]

    def _base_graph_now(self) -> nx.Graph:
        if self._base_graph is not None:
            return self._base_graph
        assert self._base_chain is not None
        return self._base_chain.graph

    # -- edits -----------------------------------------------------------------------
    def add(self, corridors: Any, *, nodes: gpd.GeoDataFrame | None = None) -> Scenario:
        """Add corridors to the network.

        Parameters
        ----------
        corridors
            A GeoDataFrame of new corridors (corridor layer schema, unique
            ``corridor_id`` not already in the chain); or corridor ids of the
            chain's corridor layer that are not in the current network; or
            ``"planned"`` for every corridor of status ``planned`` or
            ``under_construction`` not in the network (``paused`` ones excluded).
        nodes
            New urban nodes or gateways that the new corridors serve (node layer
            schema, ``node_id`` values not already in the chain), e.g. a new
            port; only with a GeoDataFrame of corridors.

        Returns
        -------
        Scenario
            A new scenario; added corridors are in its network whatever their
            status and opening year.

        Raises
        ------
        ScenarioError
            Bare-graph base, ids already in the network, duplicate ids, or a
            GeoDataFrame without ``corridor_id``.
        UnknownNameError
            Unknown corridor ids (close matches are listed).
        """
        layer = self._need_layers("add")
        new = self._copy()
        current = set(self._network_ids())
        if isinstance(corridors, gpd.GeoDataFrame):
            if "corridor_id" not in corridors.columns:
                msg = "The corridors to add need a corridor_id column (unique snake_case ids)."
                raise ScenarioError(msg)
            new._corridors, ids = _appended(
                layer,
                corridors,
                key="corridor_id",
                what="corridors",
                fix="Give each new corridor a new id, or pass existing ids to add them by id.",
            )
            new.edits.append({"op": "add", "ids": ids, "source": "GeoDataFrame"})
            if nodes is not None:
                new._nodes = self._with_nodes(nodes)
                new.edits[-1]["nodes"] = [str(v) for v in nodes["node_id"]]
        else:
            if nodes is not None:
                msg = (
                    "nodes= goes with a GeoDataFrame of new corridors; to add nodes, pass "
                    "the corridors that serve them as a GeoDataFrame too."
                )
                raise ScenarioError(msg)
            valid = [str(v) for v in layer["corridor_id"]]
            if isinstance(corridors, str) and corridors == "planned":
                status = (
                    layer["status"].astype(str) if "status" in layer else pd.Series([], dtype=str)
                )
                ids = [
                    c
                    for c, s in zip(valid, status, strict=True)
                    if s in _PLANNED_STATUSES and c not in current
                ]
            else:
                ids = _as_list(corridors)
                for c in ids:
                    if c not in valid:
                        err = unknown_name("corridor id", c, valid)
                        raise err
                already = [c for c in ids if c in current]
                if already:
                    msg = (
                        f"Corridors {format_ids(already)} are already in the {self.year} network; "
                        "add only corridors that are not (see Scenario.corridors)."
                    )
                    raise ScenarioError(msg)
            new.edits.append({"op": "add", "ids": ids})
        new._added = new._added + [c for c in ids if c not in new._added]
        new._closed = [c for c in new._closed if c not in ids]
        new._layers_changed = True
        new.__dict__.pop("graph", None)
        return new

    def _with_nodes(self, nodes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Return the node layer with ``nodes`` appended (ids checked, CRS aligned)."""
        base = self._nodes
        if base is None:
            msg = "This scenario has no node layer to add nodes to; start from an UrbanChain."
            raise ScenarioError(msg)
        if not isinstance(nodes, gpd.GeoDataFrame) or "node_id" not in nodes.columns:
            msg = "nodes= must be a GeoDataFrame with a node_id column (node layer schema)."
            raise ScenarioError(msg)
        layer, _ids = _appended(
            base, nodes, key="node_id", what="nodes", fix="Give each new node a new id."
        )
        return layer

    def close(
        self,
        ids: Any,
        *,
        radius_m: float | None = None,
        by: str = "edge",
        allow_empty: bool = False,
    ) -> Scenario:
        """Close corridors, edges or places by id or name, or whatever a barrier geometry touches.

        Parameters
        ----------
        ids
            One or several of: corridor ids, edge ids (``"ql5/0"``), corridor
            names (``"Cao tốc Hà Nội – Hải Phòng"``, ``"QL5"``), place names
            (``"Hạ Long"``: every edge at that place is closed), diacritics
            optional; **or** a barrier geometry in the graph's CRS (a point with
            ``radius_m``, a line, a polygon) or a GeoDataFrame/GeoSeries of them
            (with a CRS; reprojected).
        radius_m
            Radius of point barriers (metres, drawn in the metric CRS), e.g. a
            bridge's location with ``radius_m=300``.
        by
            Geometry barriers: ``"edge"`` (default) closes the edges touched,
            ``"corridor"`` the whole corridors they belong to (access links
            touched are closed as edges).
        allow_empty
            A closure that closes nothing raises unless this is True, in which
            case it warns (:class:`~urbanchain.errors.DataQualityWarning`).

        Returns
        -------
        Scenario
            A new scenario whose graph lacks those edges (nodes are kept).  The
            edit (``edits[-1]``) records the given ``ids`` or barrier, what each
            name resolved to and the ids closed.

        Raises
        ------
        UnknownNameError
            An id or name that matches nothing (close matches are listed), or
            an ambiguous name.
        ScenarioError
            Nothing to close (without ``allow_empty``), a point barrier without
            ``radius_m``, a barrier outside the network's extent.
        """
        from urbanchain.scenarios._barriers import (
            as_name_list,
            resolve_barrier,
            resolve_closure_names,
        )

        if by not in ("edge", "corridor"):
            err = unknown_name("barrier closure unit (by=)", by, ("edge", "corridor"))
            raise err
        G = self.graph
        wanted = as_name_list(ids)
        edit: dict[str, Any] = {"op": "close"}
        if wanted is None:
            closed, record = resolve_barrier(G, ids, radius_m=radius_m, by=by)
            edit.update(record)
        else:
            closed, resolved = resolve_closure_names(G, self._corridors, wanted)
            if any(resolved[w] != [w] for w in wanted):
                edit["resolved"] = resolved
        if not closed:
            what = "The barrier touches no edge" if wanted is None else "close() got no ids"
            msg = (
                f"{what}, so the scenario would equal its base. Check the ids or the barrier's "
                "location, or pass allow_empty=True to accept an empty closure."
            )
            if not allow_empty:
                raise ScenarioError(msg)
            warnings.warn(msg, DataQualityWarning, stacklevel=2)
        new = self._copy()
        new._closed = new._closed + [i for i in closed if i not in new._closed]
        edit["ids"] = list(closed)
        new.edits.append(edit)
        return new

    def set(self, ids: Any, **attrs: Any) -> Scenario:
        """Change attributes of corridors (or nodes).

        Parameters
        ----------
        ids
            Corridor ids (or node ids, for node-layer columns such as ``population``).
        **attrs
            New values, e.g. ``speed_kmh=100`` (an operating-speed override),
            ``status="operational"``, ``opening_year=2026``, ``design_speed_kmh=120``.

        Returns
        -------
        Scenario
            A new scenario; the graph is rebuilt from the changed layers.

        Raises
        ------
        UnknownNameError
            Unknown ids or attribute names (close matches are listed).
        ScenarioError
            No attributes given.
        """
        if not attrs:
            msg = "Scenario.set needs attributes to change, e.g. .set(['ql5'], speed_kmh=60)."
            raise ScenarioError(msg)
        _check_set_values(attrs)
        wanted = _as_list(ids)
        new = self._copy()
        log = {"op": "set", "ids": wanted, "attrs": dict(attrs)}
        if self._corridors is None:
            G = self.graph
            corr = {str(c) for _, _, c in G.edges(data="corridor_id") if c is not None}
            for i in wanted:
                if i not in corr:
                    err = unknown_name("corridor id", i, corr)
                    raise err
            for a in attrs:
                if a not in _EDGE_ATTRS:
                    err = unknown_name("edge attribute", a, _EDGE_ATTRS)
                    raise err
            new._edge_sets = new._edge_sets + [(i, dict(attrs)) for i in wanted]
            new.edits.append(log)
            new.__dict__.pop("graph", None)
            return new
        layer = self._corridors.copy()
        nodes = self._nodes.copy() if self._nodes is not None else None
        cids = [str(v) for v in layer["corridor_id"]]
        nids = [] if nodes is None else [str(v) for v in nodes["node_id"]]
        for i in wanted:
            if i not in cids and i not in nids:
                err = unknown_name("corridor or node id", i, cids + nids)
                raise err
        corr_cols = (set(layer.columns) | {"speed_kmh"}) - {"corridor_id", layer.geometry.name}
        node_cols = (
            set() if nodes is None else set(nodes.columns) - {"node_id", nodes.geometry.name}
        )
        for i in wanted:
            valid = corr_cols if i in cids else node_cols
            for a in attrs:
                if a not in valid:
                    err = unknown_name(
                        "corridor attribute" if i in cids else "node attribute", a, valid
                    )
                    raise err
        for a, v in attrs.items():
            cmask = layer["corridor_id"].astype(str).isin(wanted)
            if cmask.any():
                if a not in layer.columns:
                    layer[a] = np.nan
                layer[a] = layer[a].astype(object)
                layer.loc[cmask, a] = v
            if nodes is not None:
                nmask = nodes["node_id"].astype(str).isin(wanted)
                if nmask.any():
                    nodes[a] = nodes[a].astype(object)
                    nodes.loc[nmask, a] = v
        new._corridors = layer
        new._nodes = nodes
        new._layers_changed = True
        new.edits.append(log)
        new.__dict__.pop("graph", None)
        return new

    def as_of(self, year: int) -> Scenario:
        """Move the scenario to another network year (added corridors stay added).

        Parameters
        ----------
        year
            Network year.

        Returns
        -------
        Scenario
            A new scenario.

        Raises
        ------
        ScenarioError
            Bare-graph base, or a year that is not a whole number.
        """
        self._need_layers("as_of")
        _check_year(year, "as_of")
        new = self._copy()
        new.year = int(year)
        new._layers_changed = True
        new.edits.append({"op": "as_of", "year": int(year)})
        new.__dict__.pop("graph", None)
        return new

    # -- results ---------------------------------------------------------------------
    @property
    def base(self) -> Any:
        """The chain or graph this scenario started from (never modified)."""
        return self._base_chain if self._base_chain is not None else self._base_graph

    @property
    def nodes(self) -> gpd.GeoDataFrame | None:
        """The node layer (with any :meth:`set` changes)."""
        return None if self._nodes is None else self._nodes.copy()

    @property
    def corridors(self) -> gpd.GeoDataFrame | None:
        """The corridors in the scenario's network (closed corridors left out)."""
        if self._corridors is None:
            return None
        ids = [i for i in self._network_ids() if i not in set(self._closed)]
        layer = self._corridors
        return layer.loc[layer["corridor_id"].astype(str).isin(ids)].copy()

    @property
    def provinces(self) -> gpd.GeoDataFrame | None:
        """Province polygons of the base chain (of the scenario's year)."""
        if self._base_chain is None:
            return None
        if self.year is not None and self.year != self._base_chain.year:
            return self._base_chain.as_of(self.year).provinces
        return self._base_chain.provinces

    @property
    def provinces_2008(self) -> gpd.GeoDataFrame | None:
        """Province polygons of the 2008-2025 configuration."""
        return None if self._base_chain is None else self._base_chain.provinces_2008

    @cached_property
    def graph(self) -> nx.Graph:
        """The scenario's graph (a new object; the base graph is untouched).

        Rebuilt with :func:`urbanchain.graph.graph_from_gdfs` and the chain's
        ``graph_options`` when layers changed, else copied from the base;
        closures remove edges from that copy.
        """
        if self._layers_changed:
            from urbanchain.graph import graph_from_gdfs

            assert self._base_chain is not None
            assert self._corridors is not None
            ids = set(self._network_ids())
            lines = self._corridors.loc[self._corridors["corridor_id"].astype(str).isin(ids)]
            G = graph_from_gdfs(
                self._nodes,
                lines,
                provenance={"region": self._base_chain.region, "year": self.year, "scenario": True},
                **self._base_chain.graph_options,
            )
            G.graph["as_of"] = self.year
        else:
            G = self._base_graph_now().copy()
        G.graph = copy.deepcopy(G.graph)
        for cid, attrs in self._edge_sets:
            for u, v, k, d in list(G.edges(keys=True, data=True)):
                if str(d.get("corridor_id")) == cid:
                    d2 = dict(d)
                    d2.update(attrs)
                    if "speed_kmh" in attrs and "time_min" not in attrs:
                        d2["time_min"] = 60.0 * float(d2["length_km"]) / float(attrs["speed_kmh"])
                    G.edges[u, v, k].update(d2)
        if self._closed:
            closed = set(self._closed)
            drop = [
                (u, v, k)
                for u, v, k, d in G.edges(keys=True, data=True)
                if str(d.get("corridor_id")) in closed or str(d.get("edge_id")) in closed
            ]
            G.remove_edges_from(drop)
            G.graph["closed"] = sorted(closed)
        G.graph["scenario_edits"] = copy.deepcopy(self.edits)
        return G

    @property
    def chain(self) -> UrbanChain:
        """The scenario as an :class:`~urbanchain.UrbanChain` whose ``graph`` is :attr:`graph`.

        In its corridor layer, added corridors have ``status`` ``"operational"``
        (the original status is kept in ``status_before``) and closed corridors
        ``"paused"``, so ``chain.network`` lists the scenario's network.
        """
        from urbanchain.chain import UrbanChain

        if self._base_chain is None:
            msg = "Scenario.chain needs a chain base; this scenario was built from a bare graph."
            raise ScenarioError(msg)
        layer = self._need_layers("chain").copy()
        layer["status_before"] = layer.get("status", pd.Series("operational", index=layer.index))
        ids = layer["corridor_id"].astype(str)
        added = ids.isin(self._added)
        layer.loc[added, "status"] = "operational"
        if "opening_year" in layer.columns:
            opening = pd.to_numeric(layer["opening_year"], errors="coerce")
            late = added & opening.notna() & (self.year is not None) & (opening > (self.year or 0))
            layer["opening_year"] = layer["opening_year"].astype(object)
            layer.loc[late, "opening_year"] = self.year
        layer.loc[ids.isin(self._closed), "status"] = "paused"
        out = UrbanChain(
            provinces=self.provinces,
            provinces_2008=self._base_chain.provinces_2008,
            nodes=self._nodes,
            corridors=layer,
            year=self.year,
            region=self._base_chain.region,
            graph_options=self._base_chain.graph_options,
            graph=self.graph.copy(),
        )
        return out

    def __repr__(self) -> str:
        ops = ", ".join(e["op"] for e in self.edits) or "no edits"
        return f"Scenario(year={self.year}, edits=[{ops}])"


# --------------------------------------------------------------------------- compare


def _appended(
    base: gpd.GeoDataFrame, extra: gpd.GeoDataFrame, *, key: str, what: str, fix: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return ``base`` with ``extra`` appended (CRS aligned, ``key`` ids new and unique), ids."""
    if extra.crs is None:
        msg = f"The {what} to add have no CRS; set it, e.g. gdf.set_crs('EPSG:4326')."
        raise CRSError(msg)
    moved = extra.to_crs(base.crs) if extra.crs != base.crs else extra.copy()
    ids = [str(v) for v in moved[key]]
    clash = sorted(set(ids) & {str(v) for v in base[key]})
    if clash or len(set(ids)) != len(ids):
        msg = f"{key} values already used or repeated: {format_ids(clash or ids)}. {fix}"
        raise ScenarioError(msg)
    layer = gpd.GeoDataFrame(
        pd.concat([base, moved], ignore_index=True), geometry=base.geometry.name
    ).set_crs(base.crs, allow_override=True)
    return layer, ids


def _parts(obj: Any) -> tuple[nx.Graph, gpd.GeoDataFrame | None, pd.DataFrame | None]:
    if isinstance(obj, nx.Graph | Network):
        return obj, None, None
    return obj.graph, getattr(obj, "nodes", None), getattr(obj, "provinces_2008", None)


def _delta(base: pd.Series, other: pd.Series, name: str) -> pd.DataFrame:
    df = pd.concat([base.rename(f"{name}_base"), other.rename(f"{name}_other")], axis=1)
    df[f"{name}_change"] = df[f"{name}_other"] - df[f"{name}_base"]
    with np.errstate(divide="ignore", invalid="ignore"):
        df[f"{name}_rel_change"] = df[f"{name}_change"] / df[f"{name}_base"].abs()
    return df


class Comparison:
    """Metric tables of two networks side by side (see :func:`compare`).

    Attributes
    ----------
    summary
        One row per network-wide metric: ``base``, ``other``, ``change``, ``rel_change``.
    nodes
        Centrality per node (``<metric>_base/_other/_change/_rel_change``).
    od
        Capital pairs: ``source``, ``source_name``, ``target``, ``target_name``,
        ``base_min``, ``other_min``, ``change_min``, ``rel_change``.
    efficiency
        Global efficiency (one row).
    accessibility
        Hansen accessibility per capital.
    chain_score
        Chain score per capital (empty with a note when it cannot be computed).
    world
        Indicative door-to-hub hours per (node, world hub), base and other
        (:func:`urbanchain.world.world_access_change`; empty with a note when the
        graphs have no gateways).
    notes
        Caveats (masses used, metrics left out).
    """

    def __init__(
        self, base: Any, other: Any, *, labels: tuple[str, str] = ("base", "other")
    ) -> None:
        from urbanchain import metrics

        self.base, self.other, self.labels = base, other, labels
        Gb, nb, pb = _parts(base)
        Go = _parts(other)[0]
        self.notes: list[str] = []
        caps = [c for c in capitals_of(Gb, nb) if c in Go]
        cols = ["degree", "closeness", "harmonic", "betweenness"]
        cb = metrics.centrality(Gb, length=None)
        co = metrics.centrality(Go, length=None)
        common = [
            v
            for v in cb.index
            if v in co.index and "@" not in str(v) and not str(v).startswith("junction:")
        ]
        self.nodes = pd.concat(
            [_delta(cb.loc[common, c], co.loc[common, c], c) for c in cols], axis=1
        )
        self.nodes.index.name = "node_id"
        rows = []
        if len(caps) >= 2:
            ob = metrics.od_matrix(Gb, sources=caps, targets=caps)
            oo = metrics.od_matrix(Go, sources=caps, targets=caps)
            for i, a in enumerate(caps):
                for b in caps[i + 1 :]:
                    x, y = (
                        float(ob.to_numpy()[i, caps.index(b)]),
                        float(oo.to_numpy()[i, caps.index(b)]),
                    )
                    rows.append(
                        {
                            "source": a,
                            "target": b,
                            "base_min": x,
                            "other_min": y,
                            "change_min": y - x,
                            "rel_change": (y - x) / x if x > 0 else math.nan,
                        }
                    )
        self.od = pd.DataFrame(
            rows, columns=["source", "target", "base_min", "other_min", "change_min", "rel_change"]
        )
        label = {v: (d.get("name") or str(v)) for v, d in Gb.nodes(data=True)}
        self.od.insert(2, "target_name", self.od["target"].map(label))
        self.od.insert(1, "source_name", self.od["source"].map(label))
        eb, eo = metrics.efficiency(Gb), metrics.efficiency(Go)
        self.efficiency = pd.DataFrame(
            [
                {
                    "base": eb,
                    "other": eo,
                    "change": eo - eb,
                    "rel_change": (eo - eb) / eb if eb else math.nan,
                }
            ],
            index=pd.Index(["efficiency"], name="metric"),
        )
        mass, notes = capital_masses(nb, pb, Gb, caps)
        self.notes += notes
        if len(mass):
            dest = list(mass.index)
            ab = metrics.accessibility(Gb, mass=mass, sources=caps, destinations=dest)
            ao = metrics.accessibility(Go, mass=mass, sources=caps, destinations=dest)
            self.accessibility = _delta(ab["accessibility"], ao["accessibility"], "accessibility")
        else:
            self.accessibility = pd.DataFrame()
        self.chain_score = self._chain_score(base, other)
        self.world = self._world(base, other)
        summary = [self.efficiency.iloc[0].to_dict() | {"metric": "efficiency"}]
        if len(self.accessibility):
            tb = float(self.accessibility["accessibility_base"].sum())
            to = float(self.accessibility["accessibility_other"].sum())
            summary.append(
                {
                    "metric": "total_accessibility",
                    "base": tb,
                    "other": to,
                    "change": to - tb,
                    "rel_change": (to - tb) / tb if tb else math.nan,
                }
            )
        if len(self.od):
            mb, mo = self.od["base_min"].mean(), self.od["other_min"].mean()
            summary.append(
                {
                    "metric": "mean_capital_od_min",
                    "base": mb,
                    "other": mo,
                    "change": mo - mb,
                    "rel_change": (mo - mb) / mb if mb else math.nan,
                }
            )
            db = int(self.od["base_min"].isna().sum())
            do = int(self.od["other_min"].isna().sum())
            summary.append(
                {
                    "metric": "capital_pairs_disconnected",
                    "base": db,
                    "other": do,
                    "change": do - db,
                    "rel_change": math.nan,
                }
            )
        self.summary = pd.DataFrame(summary).set_index("metric")[
            ["base", "other", "change", "rel_change"]
        ]

    def _world(self, base: Any, other: Any) -> pd.DataFrame:
        from urbanchain.world import world_access_change

        try:
            return world_access_change(base, other, labels=self.labels)
        except (ValueError, ImportError) as exc:
            self.notes.append(f"world access: not computed ({exc})")
            return pd.DataFrame()

    def _chain_score(self, base: Any, other: Any) -> pd.DataFrame:
        from urbanchain import metrics

        if isinstance(base, nx.Graph) or isinstance(other, nx.Graph):
            self.notes.append("chain score: needs node layers (chains or scenarios), left out")
            return pd.DataFrame()
        try:
            # both sides on the base's min-max ranges, so a city whose components a
            # project does not change keeps its score (and the base side equals
            # metrics.chain_score(base), the main job's metrics/chain_score.csv)
            # a capital without a mass is reported here, in notes (the same warning
            # twice per comparison would say nothing new)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DataQualityWarning)
                full_b = metrics.chain_score(base)
                full_o = metrics.chain_score(other, normalize_to=full_b)
            self.notes.extend(
                dict.fromkeys(
                    str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)
                )
            )
            for w in caught:
                if not issubclass(w.category, DataQualityWarning):
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        except (ValueError, TypeError) as exc:
            self.notes.append(f"chain score: not computed ({exc})")
            return pd.DataFrame()
        self.notes.append("chain score: both sides normalised on the base's component ranges")
        out = _delta(full_b["score"], full_o["score"], "score")
        names = full_b["name"].combine_first(full_o["name"]) if "name" in full_b else None
        if names is not None:
            out.insert(0, "name", names.reindex(out.index))
        return out

    def map(self, *, metric: str = "harmonic", **kwargs: Any) -> Any:
        """Map the per-node change of a centrality with :func:`urbanchain.maps.diff_map`.

        Parameters
        ----------
        metric
            One of ``degree``, ``closeness``, ``harmonic``, ``betweenness``.
        **kwargs
            Passed to :func:`urbanchain.maps.diff_map` (``title``, ``tiles``...).

        Returns
        -------
        folium.Map
            The map.
        """
        from urbanchain.maps import diff_map

        valid = ("degree", "closeness", "harmonic", "betweenness")
        if metric not in valid:
            err = unknown_name("node metric", metric, valid)
            raise err
        b = self.nodes[f"{metric}_base"].rename(metric)
        o = self.nodes[f"{metric}_other"].rename(metric)
        base = None if isinstance(self.base, nx.Graph) else self.base
        other = None if isinstance(self.other, nx.Graph) else self.other
        kwargs.setdefault("labels", self.labels)
        return diff_map(base, other, node_metric=(b, o), **kwargs)

    def __repr__(self) -> str:
        return f"Comparison({self.labels[0]} vs {self.labels[1]})\n{self.summary.to_string()}"

    def _repr_html_(self) -> str:
        title = html.escape(f"Comparison: {self.labels[0]} vs {self.labels[1]}")
        od = self.od.reindex(self.od["change_min"].abs().sort_values(ascending=False).index).head(
            10
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<div><strong>{title}</strong>{self.summary.to_html(escape=True)}"
            f"<p>Largest OD changes (minutes)</p>{od.to_html(index=False, escape=True)}"
            f"<ul>{notes}</ul></div>"
        )


def compare(base: Any, other: Any, *, labels: tuple[str, str] = ("base", "other")) -> Comparison:
    """Compare two networks: centrality, capital OD times, efficiency, accessibility, chain score.

    Each table has the base value, the other value, the absolute change
    (``other - base``) and the relative change (``change / |base|``).

    Parameters
    ----------
    base, other
        Scenarios, chains or chain graphs.
    labels
        Names of the two networks.

    Returns
    -------
    Comparison
        The tables (``summary``, ``nodes``, ``od``, ``efficiency``,
        ``accessibility``, ``chain_score``) and ``notes``.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.scenarios import Scenario, compare
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> cmp = compare(chain, Scenario(chain).close("ct04_ha_noi_hai_phong"))
    >>> row = cmp.od.set_index(["source", "target"]).loc[("ha_noi", "hai_phong")]
    >>> bool(row["change_min"] > 0)
    True
    """
    return Comparison(base, other, labels=labels)


# --------------------------------------------------------------------------- ranking


def _project_job(shared: dict[str, Any], specs: list[list[str]]) -> list[dict[str, float]]:
    out = []
    for extra in specs:
        s = shared["scenario"]
        if extra:
            s = s.add(extra)
        out.append(
            project_metrics(
                s.graph, capitals=shared["caps"], mass=shared["mass"], pairs=shared["pairs"]
            )
        )
    return out


def _resolve_progress(progress: bool | None, n: int) -> bool:
    return bool(settings.resolve("progress", progress)) and n >= _PROGRESS_MIN


def _check_size(n: int, max_scenarios: int, confirm: bool, what: str) -> None:
    if n > max_scenarios and not confirm:
        msg = (
            f"This {what} has {n:,} scenarios, more than max_scenarios={max_scenarios:,}. "
            "Pass confirm=True to run it anyway (it may take long), or reduce it "
            "(smaller k/combinations, a Monte Carlo sample with n=, fewer candidates)."
        )
        raise ScenarioError(msg)


def rank_projects(
    chain: Any,
    *,
    candidates: Sequence[str] | None = None,
    pairs: Sequence[Sequence[str]] | None = None,
    combinations: int = 0,
    target_year: int = 2030,
    by: str = "accessibility",
    max_scenarios: int = 1_000,
    confirm: bool = False,
    client: Any = None,
    parallel: bool = False,
    progress: bool | None = None,
) -> pd.DataFrame:
    r"""Rank planned corridors by what each adds alone and what each contributes to the full set.

    For each candidate :math:`c`, with :math:`B` the base network and :math:`F`
    the base plus every candidate, and metric :math:`M` (total Hansen
    accessibility of the capitals, global efficiency) or pair time :math:`t`:

    .. math::

        \text{gain}_c = M(B + c) - M(B), \qquad
        \text{marginal}_c = M(F) - M(F - c), \qquad
        \text{saved}_{c,p} = t_p(B) - t_p(B + c)

    Parameters
    ----------
    chain
        An :class:`urbanchain.UrbanChain` (or a :class:`Scenario`) of the base year.
    candidates
        Corridor ids; default: those in ``chain.as_of(target_year).network`` and
        not in ``chain.network``.
    pairs
        City pairs (node ids or names) whose minutes saved are reported; default
        :data:`DEFAULT_PAIRS` (Hà Nội-Hải Phòng, Hà Nội-Ninh Bình,
        Hải Phòng-Ninh Bình, Hà Nội-Hạ Long).
    combinations
        Also evaluate every combination of 2..``combinations`` candidates (against the base).
    target_year
        Year of the default candidate set.
    by
        Ranking key: ``"accessibility"`` (gain alone), ``"efficiency"`` or
        ``"minutes"`` (total minutes saved over ``pairs``).
    max_scenarios, confirm
        Refuse more than ``max_scenarios`` scenarios unless ``confirm=True``.
    client, parallel
        Dask client, or ``parallel=True`` for a two-worker local cluster.
    progress
        Progress bar (default: the ``progress`` setting, long runs only).

    Returns
    -------
    pandas.DataFrame
        One row per candidate (and combination), best first: ``rank``,
        ``corridor_id``, ``size``, ``name``, ``code``, ``mode``, ``status``,
        ``opening_year``, ``access_gain`` (population, decayed),
        ``access_gain_pct``, ``efficiency_gain`` (1/min), ``efficiency_gain_pct``,
        ``saved_min_<a>-<b>`` per pair, ``saved_min_total``, and for single
        corridors ``marginal_access``, ``marginal_efficiency``,
        ``marginal_saved_min_total``.  ``attrs`` hold the base values and notes.

    Raises
    ------
    ScenarioError
        No candidates, too many scenarios without ``confirm``, a bad ``by``.
    UnknownNameError
        Unknown candidate ids or cities.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.scenarios import rank_projects
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> table = rank_projects(chain, progress=False)
    >>> len(table)
    4
    """
    from urbanchain.chain import UrbanChain

    if by not in ("accessibility", "efficiency", "minutes"):
        err = unknown_name("ranking key", by, ("accessibility", "efficiency", "minutes"))
        raise err
    base = chain if isinstance(chain, Scenario) else Scenario(chain)
    if not isinstance(base.base, UrbanChain):
        msg = "rank_projects needs an UrbanChain (corridor layers), not a bare graph."
        raise ScenarioError(msg)
    layer = base._need_layers("rank_projects")
    current = set(base._network_ids())
    if candidates is None:
        future = set(base.as_of(target_year)._network_ids())
        cands = [str(c) for c in layer["corridor_id"] if str(c) in future and str(c) not in current]
    else:
        cands = _as_list(candidates)
        valid = [str(c) for c in layer["corridor_id"]]
        for c in cands:
            if c not in valid:
                err = unknown_name("corridor id", c, valid)
                raise err
        cands = [c for c in cands if c not in current]
    if not cands:
        msg = (
            f"No candidate corridors: nothing due by {target_year} is missing from the "
            f"{base.year} network. Pass candidates= explicitly."
        )
        raise ScenarioError(msg)
    combos: list[list[str]] = []
    for size in range(2, int(combinations) + 1):
        combos += [list(c) for c in itertools.combinations(cands, size)]
    G0 = base.graph
    caps = capitals_of(G0, base._nodes)
    pr = resolve_pairs(G0, pairs)
    mass, notes = capital_masses(base._nodes, base.provinces_2008, G0, caps)
    full = base.add(cands)
    specs: list[tuple[Scenario, list[str]]] = [(base, [])]
    specs += [(base, [c]) for c in cands]
    specs += [(full, [])]
    loo = [(base, [x for x in cands if x != c]) for c in cands]
    specs += loo
    specs += [(base, c) for c in combos]
    _check_size(len(specs), max_scenarios, confirm, "project ranking")
    shared = {"scenario": base, "caps": caps, "mass": mass, "pairs": pr}
    items = [extra if s is base else list(cands) for s, extra in specs]
    res = run_sets(
        _project_job,
        shared,
        items,
        client=client,
        parallel=parallel,
        progress=_resolve_progress(progress, len(items)),
        desc="projects",
        chunk_size=None,
    )
    b = res[0]
    alone = res[1 : 1 + len(cands)]
    f = res[1 + len(cands)]
    loo_res = res[2 + len(cands) : 2 + 2 * len(cands)]
    combo_res = res[2 + 2 * len(cands) :]
    labels = [pair_label(p) for p in pr]
    info = layer.set_index(layer["corridor_id"].astype(str))
    rows = []

    def row(ids: list[str], m: dict[str, float]) -> dict[str, Any]:
        r: dict[str, Any] = {"corridor_id": " + ".join(ids), "size": len(ids)}
        for col in ("name", "code", "mode", "status", "opening_year"):
            vals = [info.at[i, col] for i in ids] if col in info.columns else []
            r[col] = vals[0] if len(vals) == 1 else " + ".join(str(v) for v in vals)
        r["access_gain"] = m["accessibility"] - b["accessibility"]
        r["access_gain_pct"] = 100 * r["access_gain"] / b["accessibility"]
        r["efficiency_gain"] = m["efficiency"] - b["efficiency"]
        r["efficiency_gain_pct"] = 100 * r["efficiency_gain"] / b["efficiency"]
        for lab in labels:
            r[f"saved_min_{lab}"] = b[lab] - m[lab]
        r["saved_min_total"] = float(sum(b[lab] - m[lab] for lab in labels))
        return r

    for c, m, lm in zip(cands, alone, loo_res, strict=True):
        r = row([c], m)
        r["marginal_access"] = f["accessibility"] - lm["accessibility"]
        r["marginal_efficiency"] = f["efficiency"] - lm["efficiency"]
        r["marginal_saved_min_total"] = float(sum(lm[lab] - f[lab] for lab in labels))
        rows.append(r)
    for combo, m in zip(combos, combo_res, strict=True):
        rows.append(row(combo, m))
    df = pd.DataFrame(rows)
    key = {
        "accessibility": "access_gain",
        "efficiency": "efficiency_gain",
        "minutes": "saved_min_total",
    }[by]
    df = df.sort_values([key, "efficiency_gain"], ascending=False, kind="stable").reset_index(
        drop=True
    )
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    df.attrs.update(
        {
            "base": b,
            "full": f,
            "pairs": pr,
            "notes": notes,
            "units": {
                "access_gain": "population (decayed, exp half-life 120 min)",
                "efficiency_gain": "1/min",
                "saved_min_total": "min",
            },
        }
    )
    return df


# --------------------------------------------------------------------------- failures


def _hazard_labels(hazard: gpd.GeoDataFrame, hazard_id: str | None) -> list[str]:
    """Return the row labels of a hazard layer: the values of its id column."""
    col: str | None
    if hazard_id is not None:
        if hazard_id not in hazard.columns:
            err = unknown_name(
                "hazard id column", hazard_id, [c for c in hazard.columns if c != "geometry"]
            )
            raise err
        col = hazard_id
    else:
        col = next((c for c in ("hazard_id", "id", "name") if c in hazard.columns), None)
        if col is None:  # else the first text column whose values are unique
            col = next(
                (
                    c
                    for c in hazard.columns
                    if c != hazard.geometry.name
                    and hazard[c].map(lambda x: isinstance(x, str)).all()
                    and hazard[c].is_unique
                ),
                None,
            )
    if col is None:
        # no id at all: a named index, else "row 0", "row 1"... (said as such, not a bare 0)
        if isinstance(hazard.index, pd.RangeIndex):
            return [f"row {i}" for i in range(len(hazard))]
        labels = [str(v) for v in hazard.index]
    else:
        labels = [str(v) for v in hazard[col].astype(str)]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        msg = (
            f"Hazard ids in column {col!r} repeat: {format_ids(dup)}. Give each polygon its own id."
        )
        raise ScenarioError(msg)
    return labels


def _hazard_sets(  # noqa: PLR0917
    G: nx.Graph,
    hazard: gpd.GeoDataFrame,
    by: str,
    ev_ids: list[str],
    ev_corr: list[str],
    hazard_id: str | None = None,
) -> tuple[list[str], list[np.ndarray]]:
    if not isinstance(hazard, gpd.GeoDataFrame):
        msg = f"hazard must be a GeoDataFrame of polygons; got {type(hazard).__name__}."
        raise ScenarioError(msg)
    if hazard.crs is None:
        msg = (
            "The hazard layer has no CRS, so it cannot be matched to the network. Set it, "
            "e.g. hazard.set_crs('EPSG:4326') for longitude/latitude."
        )
        raise CRSError(msg)
    target = G.graph.get("crs", "EPSG:4326")
    if not hazard.crs.equals(target):
        msg = f"hazard layer reprojected from {hazard.crs.to_string()} to {target} to match the graph."
        warnings.warn(msg, RepairWarning, stacklevel=3)
        hazard = hazard.to_crs(target)
    import shapely

    geoms = {}
    if isinstance(G, Network):
        edges = G.edges
        if "edge_id" in edges.columns and "geometry" in edges.columns:
            for eid, geom in zip(edges["edge_id"], edges.geometry, strict=True):
                if geom is not None and not pd.isna(eid):
                    geoms[str(eid)] = geom
    else:
        for _, _, d in G.edges(data=True):
            if d.get("geometry") is not None and "edge_id" in d:
                geoms[str(d["edge_id"])] = d["geometry"]
    pos_of = {e: i for i, e in enumerate(ev_ids)}
    names: list[str] = []
    sets: list[np.ndarray] = []
    labels = _hazard_labels(hazard, hazard_id)
    for lab, poly in zip(labels, hazard.geometry, strict=True):
        hit = [e for e, g in geoms.items() if poly is not None and shapely.intersects(poly, g)]
        if by == "corridor":
            corr = {ev_corr[pos_of[e]] for e in hit if e in pos_of}
            pos = [i for i, c in enumerate(ev_corr) if c in corr and not c.startswith("access:")]
            pos += [
                pos_of[e] for e in hit if e in pos_of and ev_corr[pos_of[e]].startswith("access:")
            ]
        else:
            pos = [pos_of[e] for e in hit if e in pos_of]
        names.append(str(lab))
        sets.append(np.asarray(sorted(set(pos)), dtype=np.int64))
    empty = [n for n, st in zip(names, sets, strict=True) if not len(st)]
    if empty:
        warnings.warn(
            f"{len(empty)} of {len(names)} hazard polygon(s) touch no failure unit "
            f"({format_ids(empty)}); their rows equal the intact network.",
            DataQualityWarning,
            stacklevel=3,
        )
    return names, sets


def _unit_betweenness(G: nx.Graph, by: str, units: list[str]) -> np.ndarray:
    from urbanchain import metrics

    eb = metrics.edge_betweenness(G)
    if by == "edge":
        s = eb["betweenness"]
        return np.asarray([float(s.get(u, 0.0)) for u in units])
    best = eb.groupby("corridor_id")["betweenness"].max()
    return np.asarray([float(best.get(u, 0.0)) for u in units])


def failure_sweep(
    chain: Any,
    *,
    k: int = 1,
    n: int | None = None,
    seed: int = 0,
    targeted: bool = False,
    by: str = "corridor",
    hazard: gpd.GeoDataFrame | None = None,
    hazard_id: str | None = None,
    weight: str = "time_min",
    client: Any = None,
    parallel: bool = False,
    max_scenarios: int = 10_000,
    confirm: bool = False,
    progress: bool | None = None,
    engine: EngineName | None = None,
) -> pd.DataFrame:
    r"""Simulate corridor (or edge) failures and measure what is left.

    Modes:

    * ``n=None`` (default): every set of ``k`` failure units (``C(U, k)`` scenarios);
    * ``n`` given: Monte Carlo, ``n`` sets of ``k`` distinct units drawn up front
      from ``numpy.random.default_rng(seed)`` (reproducible, independent of scheduling);
    * ``targeted=True``: units removed cumulatively in descending order of
      their *initial* betweenness (computed once on the intact graph, the
      "ID" attack of Holme et al. 2002; a corridor scores the maximum
      betweenness of its edges); rows for 1..k removals;
    * ``hazard`` given: one scenario per polygon, closing every edge it
      intersects (``by="edge"``) or every corridor with an edge in it
      (``by="corridor"``; access links in it are closed too).

    Failure units are corridors (``corridor_id``) or their edges (``edge_id``);
    access links and transfers are never units.  After removing the set
    :math:`F` (nodes stay):

    .. math::

        E^{(-F)} = \frac{1}{n(n-1)} \sum_{i \ne j} \frac{1}{d^{(-F)}_{ij}}, \qquad
        E_{\mathrm{rel}} = E^{(-F)} / E

    Parameters
    ----------
    chain
        A chain, scenario or chain graph.
    k
        Failures per scenario.
    n
        Monte Carlo sample size (None: exhaustive).
    seed
        Random seed of the Monte Carlo draws.
    targeted
        Betweenness-targeted removal (see above).
    by
        ``"corridor"`` or ``"edge"``.
    hazard
        Polygons (e.g. flood zones); CRS required, reprojected to the graph's
        with a :class:`~urbanchain.errors.RepairWarning` if different.  Rows
        are labelled (``failed``) by the hazard's id column; polygons that
        touch no unit warn.
    hazard_id
        Id column of ``hazard`` (default: ``hazard_id``, ``id`` or ``name``,
        the first present, else the first text column with unique values,
        else the index, or ``"row <i>"`` for a default index).
    weight
        Edge cost attribute (minutes).
    client, parallel
        Dask client, or ``parallel=True`` for a two-worker local cluster.
    max_scenarios, confirm
        Refuse more than ``max_scenarios`` scenarios unless ``confirm=True``.
    progress
        Progress bar (default: the ``progress`` setting, sweeps of 200+ only).
    engine
        Shortest-path engine (``"auto"``, ``"scipy"``, ``"cch"``, ``"networkx"``;
        None: the ``engine`` setting), resolved once for the whole sweep and
        recorded in ``attrs["engine"]``.  A single failure (``k=1``) closes the
        same edges as :func:`urbanchain.metrics.corridor_criticality` with
        ``sources`` and ``targets`` set to every node.

    Returns
    -------
    pandas.DataFrame
        One row per scenario, in scenario order: ``scenario``, ``k``,
        ``failed`` (ids joined by ``" + "``), ``efficiency`` (1/min),
        ``relative_efficiency``, ``pairs_disconnected`` (capital pairs),
        ``pairs_connected``, ``mean_capital_od_min``.  ``attrs``: ``base_efficiency``,
        ``base_mean_capital_od_min``, ``by``, ``seed``, ``mode``.

    Raises
    ------
    ScenarioError
        Bad ``by``/``k``/``n``, more scenarios than ``max_scenarios`` without
        ``confirm``, or invalid weights.
    CRSError
        A hazard layer without a CRS.

    References
    ----------
    Latora, V. & Marchiori, M. (2001). Efficient behavior of small-world networks.
    *Physical Review Letters* 87, 198701.
    Holme, P., Kim, B. J., Yoon, C. N. & Han, S. K. (2002). Attack vulnerability
    of complex networks. *Physical Review E* 65, 056109.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.scenarios import failure_sweep
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> sweep = failure_sweep(chain, progress=False)
    >>> bool((sweep["relative_efficiency"] <= 1 + 1e-12).all())
    True
    """
    if by not in ("corridor", "edge"):
        err = unknown_name("failure unit (by=)", by, ("corridor", "edge"))
        raise err
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        msg = f"k must be a whole number >= 1 (failures per scenario); got {k!r}."
        raise ScenarioError(msg)
    G, nodes, _ = _parts(chain)
    caps = capitals_of(G, nodes)
    ev = build_evaluator(G, weight=weight, capitals=caps, engine=engine)
    unit_ids, unit_edges = ev.units(by)
    mode: str
    names: list[str]
    sets: list[np.ndarray]
    sizes: list[int]
    if hazard is not None:
        mode = "hazard"
        names, sets = _hazard_sets(G, hazard, by, ev.edge_ids, ev.corridor_ids, hazard_id)
        sizes = [len(s) for s in sets]
    else:
        if k > len(unit_ids):
            msg = f"k={k} is more than the {len(unit_ids)} failure units ({by}s) of the graph."
            raise ScenarioError(msg)
        if targeted:
            mode = "targeted"
            score = _unit_betweenness(G, by, unit_ids)
            order = np.argsort(-score, kind="stable")
            combos = [tuple(order[: j + 1].tolist()) for j in range(k)]
        elif n is not None:
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                msg = f"n must be a whole number >= 1 (Monte Carlo draws); got {n!r}."
                raise ScenarioError(msg)
            mode = "monte_carlo"
            _check_size(n, max_scenarios, confirm, "failure sweep")
            rng = np.random.default_rng(seed)
            combos = [
                tuple(sorted(rng.choice(len(unit_ids), size=k, replace=False).tolist()))
                for _ in range(n)
            ]
        else:
            mode = "exhaustive"
            total = math.comb(len(unit_ids), k)
            _check_size(total, max_scenarios, confirm, "failure sweep")
            combos = list(itertools.combinations(range(len(unit_ids)), k))
        names = [" + ".join(unit_ids[i] for i in c) for c in combos]
        sets = [np.concatenate([unit_edges[i] for i in c]) for c in combos]
        sizes = [len(c) for c in combos]
    _check_size(len(sets), max_scenarios, confirm, "failure sweep")
    ran = ev.resolve((len(sets) + 1) * ev.n)
    base = ev.evaluate(np.empty(0, dtype=np.int64))
    res = run_sets(
        evaluate_chunk,
        ev,
        sets,
        client=client,
        parallel=parallel,
        progress=_resolve_progress(progress, len(sets)),
        desc="failures",
    )
    df = pd.DataFrame(
        {
            "scenario": np.arange(len(sets)),
            "k": sizes,
            "failed": names,
            "efficiency": [r[0] for r in res],
            "pairs_disconnected": [r[1] for r in res],
            "pairs_connected": [r[3] for r in res],
            "mean_capital_od_min": [r[2] for r in res],
        }
    )
    df.insert(4, "relative_efficiency", df["efficiency"] / base[0] if base[0] else np.nan)
    df.attrs.update(
        {
            "base_efficiency": base[0],
            "base_mean_capital_od_min": base[2],
            "base_pairs_disconnected": base[1],
            "by": by,
            "seed": seed,
            "mode": mode,
            "engine": ran,
            "units": {"efficiency": "1/min", "mean_capital_od_min": "min"},
        }
    )
    return df


def robustness_curve(
    chain: Any,
    *,
    fractions: Sequence[float] = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5),
    n: int = 50,
    seed: int = 0,
    by: str = "corridor",
    client: Any = None,
    parallel: bool = False,
    progress: bool | None = None,
    engine: EngineName | None = None,
) -> pd.DataFrame:
    r"""Efficiency against the fraction of failure units removed, random vs targeted.

    For each fraction :math:`f`, :math:`m = \\mathrm{round}(f U)` units
    (at least 1) are removed: ``n`` random sets (mean and 5-95 % band) and the
    ``m`` units of highest initial betweenness (see :func:`failure_sweep`).

    Parameters
    ----------
    chain
        A chain, scenario or chain graph.
    fractions
        Fractions of the units to remove, in (0, 1].
    n
        Random draws per fraction.
    seed
        Random seed (one generator for the whole curve, drawn up front).
    by
        ``"corridor"`` or ``"edge"``.
    client, parallel, progress, engine
        As in :func:`failure_sweep`.

    Returns
    -------
    pandas.DataFrame
        Per fraction: ``fraction``, ``removed``, ``random_mean``, ``random_p05``,
        ``random_p95`` and ``targeted`` (relative efficiency, 1 = intact).

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.scenarios import robustness_curve
    >>> chain = UrbanChain.from_region("red_river_delta", year=2025)
    >>> curve = robustness_curve(chain, fractions=[0.1, 0.5], n=5, progress=False)
    >>> list(curve.columns)
    ['fraction', 'removed', 'random_mean', 'random_p05', 'random_p95', 'targeted']
    """
    G, nodes, _ = _parts(chain)
    caps = capitals_of(G, nodes)
    ev = build_evaluator(G, weight="time_min", capitals=caps, engine=engine)
    unit_ids, unit_edges = ev.units(by)
    u = len(unit_ids)
    order = np.argsort(-_unit_betweenness(G, by, unit_ids), kind="stable")
    rng = np.random.default_rng(seed)
    sets: list[np.ndarray] = []
    counts: list[int] = []
    for f in fractions:
        if not 0 < float(f) <= 1:
            msg = f"fractions must be in (0, 1]; got {f!r}."
            raise ScenarioError(msg)
        m = max(1, round(float(f) * u))
        counts.append(m)
        for _ in range(n):
            pick = rng.choice(u, size=m, replace=False)
            sets.append(np.concatenate([unit_edges[i] for i in pick]))
        sets.append(np.concatenate([unit_edges[i] for i in order[:m]]))
    ran = ev.resolve((len(sets) + 1) * ev.n)
    base = ev.evaluate(np.empty(0, dtype=np.int64))[0]
    res = run_sets(
        evaluate_chunk,
        ev,
        sets,
        client=client,
        parallel=parallel,
        progress=_resolve_progress(progress, len(sets)),
        desc="robustness",
    )
    rel = np.asarray([r[0] for r in res]) / base
    rows = []
    for j, (f, m) in enumerate(zip(fractions, counts, strict=True)):
        block = rel[j * (n + 1) : (j + 1) * (n + 1)]
        rnd, tgt = block[:n], block[n]
        rows.append(
            {
                "fraction": float(f),
                "removed": m,
                "random_mean": float(rnd.mean()),
                "random_p05": float(np.percentile(rnd, 5)),
                "random_p95": float(np.percentile(rnd, 95)),
                "targeted": float(tgt),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(
        {"base_efficiency": base, "units_total": u, "by": by, "seed": seed, "engine": ran}
    )
    return out


# --------------------------------------------------------------------------- TOML

_TOP_KEYS = ("region", "base_year", "title", "edits", "metrics", "sweep", "rank")
_EDIT_KEYS = {
    "add": ("op", "ids", "path", "nodes", "layer", "id_col"),
    "close": ("op", "ids"),
    "set": ("op", "ids", "attrs"),
    "as_of": ("op", "year"),
}
_METRIC_KEYS = ("pairs",)
_SWEEP_KEYS = ("k", "n", "seed", "targeted", "by", "max_scenarios", "confirm")
_RANK_KEYS = ("candidates", "combinations", "target_year", "by")


class ScenarioFile:
    """A scenario read from TOML (see :func:`load_scenario`).

    Attributes
    ----------
    path, base, scenario, pairs, sweep, rank, title
        The file, base chain, edited scenario, city pairs, ``[sweep]`` and
        ``[rank]`` options (None when absent) and the title.
    """

    def __init__(
        self,
        *,
        path: Path,
        base: UrbanChain,
        scenario: Scenario,
        pairs: list[list[str]] | None,
        sweep: dict[str, Any] | None,
        rank: dict[str, Any] | None,
        title: str,
    ) -> None:
        self.path, self.base, self.scenario = path, base, scenario
        self.pairs, self.sweep, self.rank, self.title = pairs, sweep, rank, title

    def __repr__(self) -> str:
        return f"ScenarioFile({str(self.path)!r}, {self.scenario!r})"


#: Keys an edit must have (``add`` takes ``ids`` or ``path``).
_EDIT_REQUIRED = {
    "add": ("op",),
    "close": ("op", "ids"),
    "set": ("op", "ids", "attrs"),
    "as_of": ("op", "year"),
}


def _check_keys(found: Iterable[str], valid: Sequence[str], where: str, path: Path) -> None:
    import difflib

    for key in found:
        if key not in valid:
            close = difflib.get_close_matches(str(key), list(valid), n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            msg = (
                f"{path}: unknown key {key!r} in {where}.{hint} "
                f"Valid keys there: {', '.join(valid)}."
            )
            raise ScenarioError(msg)


def _read_edit_layers(
    e: dict[str, Any], where: str, p: Path
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Read the corridor (and node) files of an ``add`` edit, relative to the TOML file."""
    from urbanchain.io import read_layer

    def one(key: str, kind: str) -> gpd.GeoDataFrame:
        value = e[key]
        if not isinstance(value, str) or not value:
            msg = f"{p}: {where}: {key} must be a file path (a string), not {value!r}."
            raise ScenarioError(msg)
        target = Path(value)
        target = target if target.is_absolute() else p.parent / target
        id_col = e.get("id_col") if kind == "corridors" else None
        return read_layer(target, kind=kind, layer=e.get("layer") if kind == "corridors" else
                          None, id_col=id_col)

    corridors = one("path", "corridors")
    id_col = e.get("id_col")
    if isinstance(id_col, str) and id_col != "corridor_id" and id_col in corridors.columns:
        if "corridor_id" in corridors.columns:
            msg = (
                f"{p}: {where}: the file has both corridor_id and id_col = {id_col!r}; "
                "drop one of them or remove id_col."
            )
            raise ScenarioError(msg)
        corridors = corridors.rename(columns={id_col: "corridor_id"})
    nodes = one("nodes", "nodes") if "nodes" in e else None
    return corridors, nodes


def _table(value: Any, where: str, path: Path) -> dict[str, Any]:
    """Return ``value`` if it is a TOML table, else refuse it naming where it is."""
    if not isinstance(value, dict):
        msg = (
            f"{path}: {where} must be a table (e.g. [{where.strip('[]')}] with key = value "
            f"lines, or attrs = {{ speed_kmh = 80 }}), not {type(value).__name__} {value!r}."
        )
        raise ScenarioError(msg)
    return value


def load_scenario(path: str | Path) -> ScenarioFile:
    """Read a scenario TOML file and apply its edits.

    The file has ``base_year`` (required), optional ``region`` (default
    ``"red_river_delta"``) and ``title``, an array ``[[edits]]`` of
    ``{op = "add"|"close"|"set"|"as_of", ids = [...], attrs = {...}, year = ...}``,
    and optional ``[metrics]`` (``pairs``), ``[sweep]`` (arguments of
    :func:`failure_sweep`) and ``[rank]`` (arguments of :func:`rank_projects`).

    Parameters
    ----------
    path
        The TOML file.

    Returns
    -------
    ScenarioFile
        Base chain, edited scenario and options.

    Raises
    ------
    ScenarioError
        Unreadable TOML, unknown keys or ops, missing fields (file and edit number named).
    """
    from urbanchain._private._config_files import read_toml
    from urbanchain.chain import UrbanChain

    p = Path(path)
    # a regular file, at most 1 MB, UTF-8, nesting bounded (docs/security.md)
    cfg = read_toml(p, what="Scenario file", error=ScenarioError)
    _check_keys(cfg, _TOP_KEYS, "the scenario file", p)
    if "base_year" not in cfg:
        msg = f"{p}: base_year is required and must be a whole year, e.g. base_year = 2025."
        raise ScenarioError(msg)
    try:
        _check_year(cfg["base_year"], "base_year")
    except ScenarioError as exc:
        msg = f"{p}: {exc}"
        raise ScenarioError(msg) from exc
    base = UrbanChain.from_region(str(cfg.get("region", "red_river_delta")), year=cfg["base_year"])
    s = Scenario(base)
    edits = cfg.get("edits", [])
    if not isinstance(edits, list):
        msg = f"{p}: edits must be an array of tables ([[edits]])."
        raise ScenarioError(msg)
    for i, e in enumerate(edits, start=1):
        where = f"edit {i}"
        if not isinstance(e, dict) or "op" not in e:
            msg = f"{p}: {where} needs an op (add, close, set or as_of)."
            raise ScenarioError(msg)
        op = e["op"]
        if not isinstance(op, str) or op not in _EDIT_KEYS:
            err = unknown_name("op", op if isinstance(op, str) else repr(op), _EDIT_KEYS)
            msg = f"{p}: {where}: {err}"
            raise ScenarioError(msg)
        _check_keys(e, _EDIT_KEYS[op], f"{where} (op = {op!r})", p)
        missing = [k for k in _EDIT_REQUIRED[op] if k not in e]
        if op == "add" and ("ids" in e) == ("path" in e):
            msg = (
                f"{p}: {where} (op = 'add') needs either ids = [...] (corridors of the region) "
                'or path = "my_corridors.geojson" (a file of new corridors), not '
                f"{'both' if 'ids' in e else 'neither'}."
            )
            raise ScenarioError(msg)
        if missing:
            msg = f"{p}: {where} (op = {op!r}) is missing {', '.join(missing)}."
            raise ScenarioError(msg)
        try:
            if op == "add" and "path" in e:
                extra, extra_nodes = _read_edit_layers(e, where, p)
                s = s.add(extra, nodes=extra_nodes)
            elif op == "add":
                if "nodes" in e:
                    msg = f"{p}: {where}: nodes = ... goes with path = ..., not with ids."
                    raise ScenarioError(msg)
                s = s.add(e["ids"])
            elif op == "close":
                s = s.close(e["ids"])
            elif op == "set":
                s = s.set(e["ids"], **_table(e["attrs"], f"{where}: attrs", p))
            else:
                s = s.as_of(e["year"])
        except (ScenarioError, UnknownNameError) as exc:
            if str(exc).startswith(str(p)):
                raise
            msg = f"{p}: {where} (op = {op!r}): {exc}"
            raise ScenarioError(msg) from exc
    metrics_cfg = _table(cfg.get("metrics", {}), "[metrics]", p)
    _check_keys(metrics_cfg, _METRIC_KEYS, "[metrics]", p)
    sweep = cfg.get("sweep")
    if sweep is not None:
        _check_keys(_table(sweep, "[sweep]", p), _SWEEP_KEYS, "[sweep]", p)
    rank = cfg.get("rank")
    if rank is not None:
        _check_keys(_table(rank, "[rank]", p), _RANK_KEYS, "[rank]", p)
    return ScenarioFile(
        path=p,
        base=base,
        scenario=s,
        pairs=metrics_cfg.get("pairs"),
        sweep=sweep,
        rank=rank,
        title=str(cfg.get("title", p.stem)),
    )


def build_scenario(
    *,
    region: str = "red_river_delta",
    year: int = 2025,
    add: Sequence[gpd.GeoDataFrame] = (),
    close: Sequence[str] = (),
    candidates: Sequence[str] | None = None,
    title: str | None = None,
) -> ScenarioFile:
    """Build a quick scenario on a bundled region (what ``urbanchain scenario --add/--close`` runs).

    Parameters
    ----------
    region, year
        The base chain.
    add
        Layers of new corridors (read with :func:`urbanchain.io.read_layer`).
    close
        Corridor ids (or names) to close.
    candidates
        Corridor ids to rank as projects (``[rank]`` of a scenario file).
    title
        Title of the diff map.

    Returns
    -------
    ScenarioFile
        As :func:`load_scenario` returns it, with ``path`` ``"<command line>"``.
    """
    from urbanchain.chain import UrbanChain

    _check_year(year, "year")
    base = UrbanChain.from_region(region, year=year)
    s = Scenario(base)
    for layer in add:
        s = s.add(layer)
    if close:
        s = s.close(list(close))
    rank = None if not candidates else {"candidates": list(candidates)}
    return ScenarioFile(
        path=Path("<command line>"), base=base, scenario=s, pairs=None, sweep=None, rank=rank,
        title=title or f"{region.replace('_', ' ').title()} {year}: scenario",
    )


def run_scenario_file(
    path: str | Path, out: str | Path, *, progress: bool | None = None, overwrite: bool = False
) -> dict[str, Path]:
    """Run a scenario TOML file and write its tables and diff map into ``out``.

    Writes ``summary.csv``, ``od.csv``, ``nodes.csv``, ``accessibility.csv``,
    ``pairs.csv`` (the ``[metrics]`` pairs), ``edits.csv``, ``sweep.csv`` (if
    ``[sweep]``), ``ranking.csv`` (if ``[rank]``), ``diff_map.html``, ``notes.txt``
    and, last, ``metadata.json`` (the list of files and ``"complete": true``). Each
    file is written to a temporary file and renamed into place; text cells a
    spreadsheet would run as formulas get a leading ``'`` (docs/security.md).

    Parameters
    ----------
    path
        The TOML file (see :func:`load_scenario`).
    out
        Output directory (created if needed; must be empty unless ``overwrite``).
    progress
        Progress bars for the sweep.
    overwrite
        Replace the outputs of an earlier run in ``out`` (only files its
        ``metadata.json`` lists are removed).

    Returns
    -------
    dict of str to pathlib.Path
        Table name -> written file.

    Raises
    ------
    ScenarioError
        Invalid file (see :func:`load_scenario`).
    InputFileError
        If ``out`` is a file, or a non-empty folder without ``overwrite``.
    """
    return write_scenario_outputs(
        load_scenario(path), out, progress=progress, overwrite=overwrite
    )


def write_scenario_outputs(
    sf: ScenarioFile, out: str | Path, *, progress: bool | None = None, overwrite: bool = False
) -> dict[str, Path]:
    """Write the tables and diff map of a scenario (see :func:`run_scenario_file`)."""
    from urbanchain import maps
    from urbanchain._private._atomic import OutputFolder, atomic_write_text
    from urbanchain._private._safe_cells import write_csv

    outdir = Path(out)
    folder = OutputFolder(outdir, overwrite=overwrite)
    cmp = compare(sf.base, sf.scenario, labels=(f"{sf.base.year}", "scenario"))
    written: dict[str, Path] = {}

    def put(name: str, df: pd.DataFrame, index: bool = True) -> None:
        written[name] = write_csv(df, outdir / f"{name}.csv", index=index)

    put("summary", cmp.summary)
    put("od", cmp.od, index=False)
    put("nodes", cmp.nodes)
    if len(cmp.accessibility):
        put("accessibility", cmp.accessibility)
    pr = resolve_pairs(sf.base.graph, sf.pairs)
    od = cmp.od.set_index(["source", "target"])
    prow = []
    for a, b in pr:
        key = (a, b) if (a, b) in od.index else (b, a)
        if key in od.index:
            prow.append({"pair": pair_label((a, b)), **dict(od.loc[[key]].iloc[0])})
        else:
            from urbanchain import metrics

            x = float(metrics.od_matrix(sf.base.graph, sources=[a], targets=[b]).to_numpy()[0, 0])
            y = float(
                metrics.od_matrix(sf.scenario.graph, sources=[a], targets=[b]).to_numpy()[0, 0]
            )
            prow.append(
                {
                    "pair": pair_label((a, b)),
                    "base_min": x,
                    "other_min": y,
                    "change_min": y - x,
                    "rel_change": (y - x) / x if x else math.nan,
                }
            )
    put("pairs", pd.DataFrame(prow), index=False)
    put(
        "edits",
        pd.DataFrame(
            [
                {"step": i + 1, **{k: str(v) for k, v in e.items()}}
                for i, e in enumerate(sf.scenario.edits)
            ]
        ),
        index=False,
    )
    if sf.sweep is not None:
        put("sweep", failure_sweep(sf.scenario, progress=progress, **sf.sweep), index=False)
    if sf.rank is not None:
        put(
            "ranking",
            rank_projects(sf.base, pairs=sf.pairs, progress=progress, **sf.rank),
            index=False,
        )
    m = cmp.map(title=sf.title)
    written["diff_map"] = maps.save(m, outdir / "diff_map.html")
    written["notes"] = atomic_write_text(outdir / "notes.txt", "\n".join(cmp.notes) + "\n")
    folder.add(*written.values())
    written["metadata"] = folder.finish({"scenario": sf.path.name, "title": sf.title})
    return written


# keep names referenced for linters (DEFAULT_PAIRS re-exported)
_ = (DEFAULT_PAIRS, Mapping)


def _names_to_ids(wanted: list[Any], G: Any, corridors: Any, *, known: set[str]) -> list[Any]:
    """Replace names (``element_name`` or corridor ``name``) by the corridor ids carrying them."""
    import unicodedata

    def key(text: Any) -> str:
        return unicodedata.normalize("NFC", str(text)).strip().casefold()

    by_name: dict[str, list[str]] = {}
    for _, _, d in G.edges(data=True):
        cid = d.get("corridor_id")
        if cid is None or d.get("mode") in ("access", "transfer"):
            continue
        for col in ("element_name", "name"):
            v = d.get(col)
            if isinstance(v, str) and v:
                by_name.setdefault(key(v), []).append(str(cid))
    if corridors is not None:
        for col in ("element_name", "name"):
            if col in corridors.columns:
                for v, cid in zip(corridors[col], corridors["corridor_id"], strict=True):
                    if isinstance(v, str) and v:
                        by_name.setdefault(key(v), []).append(str(cid))
    out: list[Any] = []
    for i in wanted:
        if str(i) in known or key(i) not in by_name:
            out.append(i)
        else:
            out.extend(dict.fromkeys(by_name[key(i)]))
    return list(dict.fromkeys(out))
