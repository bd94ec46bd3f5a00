"""Connectivity metrics of a chain graph, on compiled shortest-path kernels.

Every function runs one input gate first (:func:`urbanchain.engine._weights.validate_weights`):
the weight attribute must exist on every edge and be a finite number > 0, the
graph must have nodes.  Self-loops are ignored (with a warning that counts
them); between two nodes joined by parallel edges, shortest paths use the
minimum weight (the count is in ``attrs["parallel_edges"]``).

Results are DataFrames (or a Series/float) keyed by node id, edge id or
corridor id, with ``attrs["units"]`` (or ``attrs["unit"]``) and
``attrs["engine"]``, the engine that ran.  Engines (``engine=`` or the
``engine`` setting; see the Engines page of the docs):

* ``"scipy"`` runs :func:`scipy.sparse.csgraph.dijkstra` over a CSR matrix
  built once per call; exact, equal to the reference to 1e-9 (tests);
* ``"cch"`` runs RoutingKit customizable contraction hierarchies
  (``pyroutingkit``, ``pip install "urbanchain[fast]"``) on weights rounded to
  integers: distances within ``hops * 0.5 / scale`` of the exact ones
  (``attrs["cch_scale"]``); the hierarchy is cached per graph and re-customised
  per closed corridor;
* ``"networkx"`` is the reference implementation;
* ``"auto"`` (default) picks cch on graphs of at least 100,000 arcs for calls
  of at least 1,000 single-source searches (200 from 10^6 arcs, or any call
  once the hierarchy is cached), else scipy.

Graphs are networkx graphs from :mod:`urbanchain.graph` or, for road networks
of 10^5-10^6 edges, its array-backed ``Network`` (``output="network"``), which
the distance metrics read without building a networkx graph.  Betweenness
accepts ``k=`` to sample sources (Brandes & Pich 2007).

Unreachable pairs are ``NaN`` in distance tables, contribute ``0`` to sums of
``1/d`` (harmonic, efficiency) and of decayed masses (accessibility, gravity),
and are counted where it matters.  On directed graphs, ``direction="out"``
measures from a node to the others and ``direction="in"`` from the others to it.

Docstring examples use ``diamond()``, the four-node toy graph with
hand-worked answers drawn in ``urbanchain.metrics._toy`` (the test suite puts
it in the doctest namespace; the Metrics pages show the same calls on the
Delta).
"""

from __future__ import annotations

from urbanchain.metrics._accessibility import (
    DEFAULT_BETA,
    INTRAZONAL_RADIUS_FACTOR,
    INTRAZONAL_SPEED_KMH,
    accessibility,
    gateway_access,
    gravity,
)
from urbanchain.metrics._centrality import centrality, edge_betweenness
from urbanchain.metrics._criticality import corridor_criticality
from urbanchain.metrics._distance import detour_index, od_matrix, route_length
from urbanchain.metrics._indices import efficiency, network_indices
from urbanchain.metrics._ready import ready_vs_connected  # readiness (issue 22)
from urbanchain.metrics._score import (
    DEFAULT_CHAIN_COLUMNS,
    DEFAULT_CHAIN_WEIGHTS,
    chain_score,
    score_sensitivity,
)
from urbanchain.metrics.aggregate import aggregate
from urbanchain.metrics.population import population_within
from urbanchain.metrics.routes import closest_facility, route
from urbanchain.metrics.service_area import service_area
from urbanchain.world import world_access  # the world-access measure (urbanchain.world)

__all__ = [
    "DEFAULT_BETA",
    "DEFAULT_CHAIN_COLUMNS",
    "DEFAULT_CHAIN_WEIGHTS",
    "INTRAZONAL_RADIUS_FACTOR",
    "INTRAZONAL_SPEED_KMH",
    "accessibility",
    "aggregate",
    "centrality",
    "chain_score",
    "closest_facility",
    "corridor_criticality",
    "detour_index",
    "edge_betweenness",
    "efficiency",
    "gateway_access",
    "gravity",
    "network_indices",
    "od_matrix",
    "population_within",
    "ready_vs_connected",
    "route",
    "route_length",
    "score_sensitivity",
    "service_area",
    "world_access",
]
