"""Metric helpers shared by :mod:`urbanchain.scenarios`: masses, city pairs, project metrics."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from urbanchain._private._messages import unknown_name
from urbanchain.graph._network import Network

__all__ = [
    "DEFAULT_PAIRS",
    "capital_masses",
    "capitals_of",
    "pair_label",
    "project_metrics",
    "resolve_pairs",
]

#: City pairs whose travel time :func:`urbanchain.scenarios.rank_projects` reports by default
#: for a graph whose region has no ``pairs`` in ``data/region_settings.csv`` (the Delta's).
DEFAULT_PAIRS: tuple[tuple[str, str], ...] = (
    ("ha_noi", "hai_phong"),
    ("ha_noi", "ninh_binh"),
    ("hai_phong", "ninh_binh"),
    ("ha_noi", "ha_long"),
)


def _fold(text: str) -> str:
    """Lower-case, accent-free, underscore-joined form of a place name ("Hà Nội" -> "ha_noi")."""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "_".join(text.lower().replace("-", " ").split())


def capitals_of(G: nx.Graph, nodes: gpd.GeoDataFrame | None) -> list[str]:
    """Capital node ids present in ``G`` (from the node layer, else from node attributes)."""
    if nodes is not None and "is_capital" in nodes.columns:
        mask = nodes["is_capital"].fillna(False).astype(bool)
        caps = [str(v) for v in nodes.loc[mask, "node_id"]]
    elif isinstance(G, Network):
        col = (
            G.nodes["is_capital"] if "is_capital" in G.nodes.columns else pd.Series([], dtype=bool)
        )
        caps = [str(v) for v, c in col.items() if c is True or c is np.True_]
    else:
        caps = [str(v) for v, c in G.nodes(data="is_capital") if bool(c) is True]
    return [c for c in caps if c in G]


def resolve_pairs(G: nx.Graph, pairs: Sequence[Sequence[Any]] | None) -> list[tuple[str, str]]:
    """Resolve city pairs given as node ids or names (any accents) to node ids."""
    if pairs is None:
        # the region's own default pairs (data/region_settings.csv), else the Delta's
        region = G.graph.get("provenance", {}).get("region")
        default: Sequence[tuple[str, str]] = DEFAULT_PAIRS
        if region:
            from urbanchain.datasets import region_settings
            from urbanchain.errors import UnknownNameError

            try:
                default = region_settings(str(region))["pairs"] or DEFAULT_PAIRS  # type: ignore[assignment]
            except UnknownNameError:  # a user's own region id: no settings
                default = DEFAULT_PAIRS
        return [(str(a), str(b)) for a, b in default if a in G and b in G]
    lookup: dict[str, str] = {}
    for v, d in G.nodes(data=True):
        for key in (v, d.get("name"), d.get("name_ascii")):
            if key is not None and isinstance(key, str):
                lookup.setdefault(_fold(key), str(v))
    out: list[tuple[str, str]] = []
    for pair in pairs:
        if isinstance(pair, str) or len(pair) != 2:
            msg = f"Each city pair must be two node ids or names, e.g. ['ha_noi', 'hai_phong']; got {pair!r}."
            from urbanchain.errors import ScenarioError

            raise ScenarioError(msg)
        ids = []
        for name in pair:
            if name in G:
                ids.append(str(name))
                continue
            hit = lookup.get(_fold(str(name)))
            if hit is None:
                err = unknown_name("city (node id or name)", name, [str(v) for v in G.nodes])
                raise err
            ids.append(hit)
        out.append((ids[0], ids[1]))
    return out


def pair_label(pair: tuple[str, str]) -> str:
    """Column label of a city pair."""
    return f"{pair[0]}-{pair[1]}"


def capital_masses(
    nodes: gpd.GeoDataFrame | None,
    provinces_2008: pd.DataFrame | None,
    G: nx.Graph,
    capitals: Sequence[str],
) -> tuple[pd.Series, list[str]]:
    """Return the accessibility mass of each capital: its province population.

    The mass is the one :func:`urbanchain.chain.with_province_population`
    attaches (``province_population``), so scenarios and the main job's tables
    weigh capitals alike.  Without node or province layers (a bare graph) the
    node attribute ``population`` is used instead.  Capitals without a mass are
    left out (listed in the returned notes), never set to 0.
    """
    from urbanchain.chain import with_province_population

    column, values = "population", {}
    if nodes is not None and "node_id" in nodes.columns:
        layer = nodes
        if (
            "province_population" not in layer.columns
            and provinces_2008 is not None
            and {"is_capital", "province_2008"} <= set(layer.columns)
        ):
            layer = with_province_population(layer, gpd.GeoDataFrame(provinces_2008))
        if "province_population" in layer.columns:
            column = "province_population"
        if column in layer.columns:
            values = dict(zip(layer["node_id"].astype(str), layer[column], strict=True))
    pop: dict[str, float] = {}
    missing: list[str] = []
    for c in capitals:
        raw = values.get(c, G.nodes[c].get(column) if c in G else None)
        val = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
        if pd.notna(val) and val > 0:
            pop[c] = float(val)
        else:
            missing.append(c)
    notes = [f"accessibility mass: {column} of each capital"]
    if missing:
        notes.append(
            f"accessibility mass: no {column} for {', '.join(missing)}; left out as "
            "destinations (never counted as 0)"
        )
    return pd.Series(pop, dtype=float, name="population"), notes


def project_metrics(
    G: nx.Graph,
    *,
    capitals: Sequence[str],
    mass: pd.Series,
    pairs: Sequence[tuple[str, str]],
    weight: str = "time_min",
) -> dict[str, float]:
    """Total capital accessibility, global efficiency and the time of each city pair."""
    from urbanchain import metrics

    out: dict[str, float] = {}
    if len(mass):
        acc = metrics.accessibility(
            G, mass=mass, sources=list(capitals), destinations=list(mass.index), weight=weight
        )
        out["accessibility"] = float(acc["accessibility"].sum())
    else:
        out["accessibility"] = math.nan
    out["efficiency"] = float(metrics.efficiency(G, weight=weight))
    if pairs:
        src = sorted({p[0] for p in pairs})
        tgt = sorted({p[1] for p in pairs})
        od = metrics.od_matrix(G, sources=src, targets=tgt, weight=weight)
        for p in pairs:
            out[pair_label(p)] = float(od.to_numpy()[src.index(p[0]), tgt.index(p[1])])
    caps = list(capitals)
    if len(caps) >= 2:
        full = metrics.od_matrix(G, sources=caps, targets=caps, weight=weight).to_numpy()
        vals = full[np.triu_indices(len(caps), k=1)]
        out["mean_capital_od_min"] = (
            float(np.nanmean(vals)) if np.isfinite(vals).any() else math.nan
        )
    return out
