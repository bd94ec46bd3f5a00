"""The one table of public metrics that drives the engine, property and immutability tests.

Every public function of :mod:`urbanchain.metrics` is either a graph metric
(one :class:`MetricCase` below) or a chain-level one (:data:`CHAIN_METRICS`);
``test_metric_table_covers_metrics_all`` fails when a metric is added to
``metrics.__all__`` without a row here, so no test list goes stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from urbanchain import metrics

__all__ = ["CHAIN_METRICS", "GRAPH_METRICS", "MetricCase", "every"]


def every(G: Any) -> list[Any]:
    """Every node of ``G`` (sources and targets of the all-pairs calls)."""
    return list(G.nodes) if isinstance(G, nx.Graph) else list(G.nodes.index)


@dataclass(frozen=True)
class MetricCase:
    """One public graph metric and how the shared tests call it.

    Attributes
    ----------
    name
        Its name in ``metrics.__all__``.
    call
        ``call(G, **kw)`` runs it on a small graph over every node (``kw``: e.g. ``engine=``).
    engine
        Whether it takes ``engine=`` (then it must equal the reference on every engine).
    weight_gate
        Whether a bad ``time_min`` raises the gate's WeightError naming the edge and the fix.
    """

    name: str
    call: Callable[..., Any]
    engine: bool = True
    weight_gate: bool = True


GRAPH_METRICS: tuple[MetricCase, ...] = (
    MetricCase("od_matrix", lambda G, **kw: metrics.od_matrix(G, sources=every(G), targets=every(G), **kw)),
    MetricCase("route_length", lambda G, **kw: metrics.route_length(G, sources=every(G), targets=every(G), **kw), engine=False, weight_gate=False),
    MetricCase("detour_index", lambda G, **kw: metrics.detour_index(G, sources=every(G), targets=every(G), **kw), weight_gate=False),
    MetricCase("gravity", lambda G, **kw: metrics.gravity(G, sources=every(G), targets=every(G), **kw)),
    MetricCase("centrality", metrics.centrality),
    MetricCase("edge_betweenness", metrics.edge_betweenness),
    MetricCase("accessibility", lambda G, **kw: metrics.accessibility(G, sources=every(G), destinations=every(G), **kw)),
    MetricCase("gateway_access", lambda G, **kw: metrics.gateway_access(G, kinds=("seaport",), **kw)),
    MetricCase("efficiency", metrics.efficiency),
    MetricCase("network_indices", metrics.network_indices, engine=False, weight_gate=False),
    MetricCase("corridor_criticality", lambda G, **kw: metrics.corridor_criticality(G, sources=every(G), destinations=every(G), **kw)),
)  # fmt: skip

#: Public metrics that take a chain (graph + node layer), not a graph.
#: Chain-level functions and those with their own tests (tests/test_analyses.py).
CHAIN_METRICS: tuple[str, ...] = (
    "chain_score", "score_sensitivity", "world_access", "service_area", "population_within",
    "route", "closest_facility", "aggregate", "ready_vs_connected",
)
