r"""A hand-worked toy graph for the metric doctests and tests.

The diamond (times in minutes; lengths in km equal the times, i.e. 60 km/h)::

          b (city, capital, pop 50)
     e1 10/  \ e3 10
         /    \
   a (city,   d (seaport)
   capital,    \
   pop 100)\   / e4 20
      e2 20 \ /
          c (city, capital, pop 20)

Corridors: ``c1`` = e1 + e3 (a-b-d), ``c2`` = e2 (a-c), ``c3`` = e4 (c-d).
Shortest times: a-b 10, a-c 20, a-d 20 (via b), b-c 30 (two tied paths, via a
and via d), b-d 10, c-d 20.
"""

from __future__ import annotations

import networkx as nx

__all__ = ["diamond"]


def diamond() -> nx.MultiGraph:
    """Return the four-node diamond described in the module docstring.

    Returns
    -------
    networkx.MultiGraph
        Nodes ``a``, ``b``, ``c``, ``d`` with the graph conventions' attributes.
    """
    G = nx.MultiGraph(
        crs="EPSG:4326",
        units={"length_km": "km", "time_min": "min", "speed_kmh": "km/h"},
        directed=False,
        as_of=2025,
    )
    G.add_node("a", x=105.0, y=21.0, kind="city", is_capital=True, population=100.0)
    G.add_node("b", x=105.1, y=21.1, kind="city", is_capital=True, population=50.0)
    G.add_node("c", x=105.1, y=20.9, kind="city", is_capital=True, population=20.0)
    G.add_node("d", x=105.2, y=21.0, kind="seaport", is_capital=False)
    for eid, u, v, t, corridor in (
        ("e1", "a", "b", 10.0, "c1"),
        ("e2", "a", "c", 20.0, "c2"),
        ("e3", "b", "d", 10.0, "c1"),
        ("e4", "c", "d", 20.0, "c3"),
    ):
        G.add_edge(
            u,
            v,
            time_min=t,
            length_km=t,
            speed_kmh=60.0,
            corridor_id=corridor,
            edge_id=eid,
            mode="expressway",
            status="operational",
        )
    return G
