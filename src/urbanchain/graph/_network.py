"""Array-backed graph returned by ``graph_from_gdfs(..., output="network")``.

A :class:`Network` holds the same graph as the networkx output of
:func:`urbanchain.graph.graph_from_gdfs` as two tables and a dict, so that road
networks of 10^5-10^6 edges are built without one Python dict per edge:

* ``nodes``: one row per node, indexed by node id, in the order networkx would
  insert them (layer nodes, mode-layer copies, junctions);
* ``edges``: one row per edge, in the networkx insertion order, with integer
  positions ``u_pos``/``v_pos`` into ``nodes``, the parallel-edge ``key`` and
  the edge attributes;
* ``graph``: the graph attributes (``G.graph``).

:meth:`Network.to_networkx` rebuilds the exact networkx graph (same nodes,
edges, keys, attributes and insertion order); the builder's default
``output="networkx"`` is implemented that way.
"""

from __future__ import annotations

import copy
import functools
import gc
import html
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeAlias

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["EDGE_POSITION_COLUMNS", "GraphLike", "Network", "is_missing", "records"]

#: Columns of :attr:`Network.edges` that are not networkx edge attributes.
EDGE_POSITION_COLUMNS: tuple[str, ...] = ("u_pos", "v_pos", "key")


def is_missing(value: Any) -> bool:
    """Return whether a scalar counts as missing (``None``, NA, NaT or NaN)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, leaving out missing values (so a round trip is exact).

    Values come from ``df[c].to_numpy(dtype=object)``: Python floats for float
    columns, the stored objects for object columns.
    """
    missing = {c: pd.isna(df[c]).to_numpy() for c in df.columns}
    cols = [c for c in df.columns if not missing[c].all()] if len(df) else []
    if not cols:
        return [{} for _ in range(len(df))]
    arrays = [df[c].to_numpy(dtype=object) for c in cols]
    has_missing = [bool(missing[c].any()) for c in cols]
    if not any(has_missing):
        return _dict_maker(len(cols))(cols, zip(*arrays, strict=True))
    out = []
    for row in zip(*arrays, strict=True):
        out.append(
            {
                c: val
                for c, val, m in zip(cols, row, has_missing, strict=True)
                if not (m and is_missing(val))
            }
        )
    return out


@functools.lru_cache(maxsize=32)
def _dict_maker(
    n: int,
) -> Callable[[Sequence[Any], Iterable[tuple[Any, ...]]], list[dict[Any, Any]]]:
    """Return ``f(keys, rows) -> [dict(zip(keys, row)) for row in rows]`` for ``n`` keys.

    The function is compiled with a dict display (``{k0: a0, k1: a1, ...}``),
    which builds each dict about twice as fast as ``dict(zip(...))``.  Only
    generated identifiers enter the source; the keys are passed as values.
    """
    names = [f"a{i}" for i in range(n)]
    keys = [f"k{i}" for i in range(n)]
    src = (
        "def make(keys, rows):\n"
        f"    {', '.join(keys)}{',' if n == 1 else ''} = keys\n"
        f"    return [{{{', '.join(f'{k}: {a}' for k, a in zip(keys, names, strict=True))}}}"
        f" for {', '.join(names)}{',' if n == 1 else ''} in rows]\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(src, "<urbanchain records>", "exec"), namespace)
    make: Callable[[Sequence[Any], Iterable[tuple[Any, ...]]], list[dict[Any, Any]]]
    make = namespace["make"]
    return make


class Network:
    """An array-backed multigraph: the networkx graph of the builder, as tables.

    Built by :func:`urbanchain.graph.graph_from_gdfs` with ``output="network"``
    for road networks of 10^5-10^6 edges, where a networkx graph costs seconds
    and gigabytes of per-edge Python dicts.  It holds exactly the graph that
    ``output="networkx"`` returns; :meth:`to_networkx` gives that graph back.
    Treat the attributes as read-only: urbanchain's metrics never modify them.

    Parameters
    ----------
    nodes, edges, graph, directed
        The tables, graph attributes and direction (see Attributes).  The
        builder makes them; build a Network yourself only from tables of the
        same shape.
    layer_columns
        The columns of ``nodes`` that came from the node layer (their values
        are node attributes of the layer's nodes only).
    node_groups
        Row counts of the three node groups, in order: layer nodes, mode-layer
        copies, junctions.  Default: every row is a layer node.

    Attributes
    ----------
    nodes : pandas.DataFrame
        One row per node, indexed by node id (the ids of the networkx graph:
        the node layer's ids, ``"<id>@<layer>"`` copies, ``"junction:<n>"``),
        in networkx insertion order.  Columns: the node layer's attributes,
        ``x`` and ``y`` (coordinates in ``graph["crs"]``: lon/lat for
        EPSG:4326), ``layer``, and ``kind``, ``name``, ``base_node`` for
        mode-layer copies and junctions.  Missing values are NaN.
    edges : geopandas.GeoDataFrame
        One row per edge, in networkx insertion order.  Columns ``u_pos`` and
        ``v_pos`` (int64 row positions into ``nodes``), ``key`` (the
        parallel-edge key), then the edge attributes of the networkx graph
        (``length_km``, ``speed_kmh``, ``time_min``, ``mode``, ``status``,
        ``corridor_id``, ``edge_id``, ``geometry`` and, when the lines have
        them, ``name``, ``code``, ``opening_year``).  Missing values are NaN.
    graph : dict
        The graph attributes (``G.graph`` of the networkx output): ``crs``,
        ``units``, ``urbanchain_version``, ``provenance``, ``directed``,
        ``as_of``, ``node_id``.
    directed : bool
        Whether edges are directed (the networkx output is then a
        :class:`~networkx.MultiDiGraph`).

    See Also
    --------
    urbanchain.graph.graph_from_gdfs, urbanchain.graph.graph_to_gdfs

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> from urbanchain.graph import graph_from_gdfs
    >>> lines = gpd.GeoDataFrame({"corridor_id": ["a", "b"]},
    ...     geometry=[LineString([(105.0, 21.0), (105.1, 21.0)]),
    ...               LineString([(105.1, 21.0), (105.1, 21.1)])], crs="EPSG:4326")
    >>> net = graph_from_gdfs(None, lines, output="network")
    >>> net
    <Network (undirected): 3 nodes, 2 edges, EPSG:4326>
    >>> net.edges[["u_pos", "v_pos", "key", "edge_id"]]
       u_pos  v_pos  key edge_id
    0      0      1    0     a/0
    1      1      2    0     b/0
    >>> G = net.to_networkx()
    >>> sorted(G.edges(keys=True))
    [('junction:0', 'junction:1', 0), ('junction:1', 'junction:2', 0)]
    """

    def __init__(
        self,
        *,
        nodes: pd.DataFrame,
        edges: gpd.GeoDataFrame,
        graph: dict[str, Any],
        directed: bool,
        layer_columns: Sequence[str] = (),
        node_groups: tuple[int, int, int] | None = None,
    ) -> None:
        self._nodes = nodes
        self._edges = edges
        self._graph = graph
        self._directed = bool(directed)
        # node-layer attribute columns, and the sizes of the three node groups
        # (layer nodes, mode-layer copies, junctions): to_networkx rebuilds each
        # group's attribute dicts in the builder's key order
        self._layer_columns = tuple(layer_columns)
        self._node_groups = node_groups if node_groups is not None else (len(nodes), 0, 0)

    # ------------------------------------------------------------------ data

    @property
    def nodes(self) -> pd.DataFrame:
        """Node table indexed by node id (see the class docstring)."""
        return self._nodes

    @property
    def edges(self) -> gpd.GeoDataFrame:
        """Edge table with ``u_pos``, ``v_pos``, ``key`` and the edge attributes."""
        return self._edges

    @property
    def graph(self) -> dict[str, Any]:
        """Graph attributes, the same as ``G.graph`` of the networkx output."""
        return self._graph

    @property
    def directed(self) -> bool:
        """Whether the edges are directed."""
        return self._directed

    # ------------------------------------------------------- networkx-like API

    def is_directed(self) -> bool:
        """Return whether the edges are directed (as :meth:`networkx.Graph.is_directed`)."""
        return self._directed

    def is_multigraph(self) -> bool:
        """Return ``True``: parallel edges are kept, as in the networkx output."""
        return True

    def number_of_nodes(self) -> int:
        """Return the number of nodes."""
        return len(self._nodes)

    def number_of_edges(self) -> int:
        """Return the number of edges (each direction of a two-way line counts once)."""
        return len(self._edges)

    def __len__(self) -> int:
        """Return the number of nodes, like ``len(G)`` for a networkx graph."""
        return len(self._nodes)

    def __contains__(self, node: object) -> bool:
        """Return whether ``node`` is a node id, like ``node in G``."""
        try:
            return bool(node in self._nodes.index)
        except TypeError:  # unhashable
            return False

    def __iter__(self) -> Iterator[Any]:
        """Iterate over node ids, like ``iter(G)``."""
        return iter(self._nodes.index)

    def edge_endpoints(self) -> tuple[pd.Index, pd.Index]:
        """Return the node ids of the edges' ends (``u``, ``v``), aligned to :attr:`edges`.

        Returns
        -------
        tuple of pandas.Index
            ``(u, v)``, each one id per edge row.
        """
        index = self._nodes.index
        return (
            index.take(self._edges["u_pos"].to_numpy()),
            index.take(self._edges["v_pos"].to_numpy()),
        )

    # ------------------------------------------------------------- conversion

    def _node_items(self) -> list[tuple[Any, dict[str, Any]]]:
        nodes = self._nodes
        ids = nodes.index.tolist()
        n_base, n_copies, n_junctions = self._node_groups
        xs = nodes["x"].tolist()
        ys = nodes["y"].tolist()
        out: list[tuple[Any, dict[str, Any]]] = []
        if n_base:
            base = nodes.iloc[:n_base]
            recs = records(pd.DataFrame(base[list(self._layer_columns)]))
            for i, rec in enumerate(recs):
                rec["x"] = xs[i]
                rec["y"] = ys[i]
                rec["layer"] = "road"
                out.append((ids[i], rec))
        if n_copies:
            sl = slice(n_base, n_base + n_copies)
            kind = nodes["kind"].to_numpy(dtype=object)[sl]
            has_name = "name" in nodes.columns
            name = nodes["name"].to_numpy(dtype=object)[sl] if has_name else None
            layer = nodes["layer"].to_numpy(dtype=object)[sl]
            base_node = nodes["base_node"].to_numpy(dtype=object)[sl]
            for j in range(n_copies):
                i = n_base + j
                d: dict[str, Any] = {"x": xs[i], "y": ys[i], "kind": kind[j]}
                if name is not None and not is_missing(name[j]):
                    d["name"] = name[j]
                d["layer"] = layer[j]
                d["base_node"] = base_node[j]
                out.append((ids[i], d))
        if n_junctions:
            start = n_base + n_copies
            layer = nodes["layer"].to_numpy(dtype=object)[start:]
            out.extend(
                (nid, {"x": x, "y": y, "kind": "junction", "layer": lyr})
                for nid, x, y, lyr in zip(
                    ids[start:], xs[start:], ys[start:], layer.tolist(), strict=True
                )
            )
        return out

    def _edge_dicts(self) -> list[dict[str, Any]]:
        attr_cols = [c for c in self._edges.columns if c not in EDGE_POSITION_COLUMNS]
        df = pd.DataFrame({c: self._edges[c] for c in attr_cols}, copy=False)
        return records(df)

    def to_networkx(self) -> nx.MultiGraph:
        """Return the networkx graph ``graph_from_gdfs(..., output="networkx")`` builds.

        Nodes, edges, keys, attributes, insertion order and ``G.graph`` are those
        of the networkx output (the builder's networkx output is made by this
        method).  The result shares no mutable state with the network: ``G.graph``
        is a deep copy; geometries are shared (shapely geometries are immutable).

        Returns
        -------
        networkx.MultiGraph or networkx.MultiDiGraph
            ``MultiDiGraph`` when :attr:`directed` is true.
        """
        was_enabled = gc.isenabled()
        gc.disable()  # millions of new dicts, none of them garbage
        try:
            G: nx.MultiGraph = nx.MultiDiGraph() if self._directed else nx.MultiGraph()
            G.graph.update(copy.deepcopy(self._graph))
            nodes = self._node_items()
            ids = np.asarray(self._nodes.index, dtype=object)
            u = ids[self._edges["u_pos"].to_numpy()].tolist()
            v = ids[self._edges["v_pos"].to_numpy()].tolist()
            keys = self._edges["key"].tolist()
            edges = zip(u, v, keys, self._edge_dicts(), strict=True)
            if _fast_fill_ok(G):
                _fill(G, nodes, edges, directed=self._directed)
            else:  # pragma: no cover - a networkx without the dict-of-dicts layout
                G.add_nodes_from(nodes)
                G.add_edges_from(edges)
        finally:
            if was_enabled:
                gc.enable()
        return G

    # ---------------------------------------------------------------- display

    def _summary(self) -> list[tuple[str, str]]:
        g = self._graph
        rows = [
            ("nodes", f"{self.number_of_nodes():,}"),
            ("edges", f"{self.number_of_edges():,}"),
            ("directed", str(self._directed)),
            ("crs", str(g.get("crs"))),
            ("as_of", str(g.get("as_of"))),
        ]
        e = self._edges
        if len(e) and "mode" in e.columns:
            counts = e["mode"].value_counts(dropna=False)
            rows.append(("edges by mode", ", ".join(f"{k}: {v:,}" for k, v in counts.items())))
        if len(e) and "length_km" in e.columns:
            rows.append(("total length", f"{float(e['length_km'].sum()):,.1f} km"))
        rows.append(("urbanchain", str(g.get("urbanchain_version"))))
        return rows

    def __repr__(self) -> str:
        kind = "directed" if self._directed else "undirected"
        return (
            f"<Network ({kind}): {self.number_of_nodes():,} nodes, "
            f"{self.number_of_edges():,} edges, {self._graph.get('crs')}>"
        )

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in self._summary()
        )
        return f"<table><caption>urbanchain Network</caption>{body}</table>"


#: A graph every metric accepts: a networkx graph from :mod:`urbanchain.graph`, or
#: its array-backed :class:`Network` (road networks of 10^5-10^6 edges).
GraphLike: TypeAlias = nx.Graph | Network


def _fast_fill_ok(G: nx.MultiGraph) -> bool:
    """Whether ``G`` is a fresh, plain networkx multigraph with the dict-of-dicts layout."""
    return (
        type(G) in (nx.MultiGraph, nx.MultiDiGraph)
        and len(G) == 0
        and isinstance(getattr(G, "_adj", None), dict)
        and isinstance(getattr(G, "_node", None), dict)
        and G.node_dict_factory is dict
        and G.adjlist_outer_dict_factory is dict
        and G.adjlist_inner_dict_factory is dict
        and G.edge_key_dict_factory is dict
        and G.edge_attr_dict_factory is dict
        and G.node_attr_dict_factory is dict
    )


def _fill(
    G: nx.MultiGraph,
    nodes: list[tuple[Any, dict[str, Any]]],
    edges: Iterator[tuple[Any, Any, int, dict[str, Any]]],
    *,
    directed: bool,
) -> None:
    """Fill an empty multigraph as ``add_nodes_from`` + ``add_edges_from`` would.

    ``add_edges_from`` with explicit keys looks every edge up again through three
    view objects to set its attributes; writing the adjacency dicts directly
    gives the same graph (same dicts, same insertion order) several times
    faster.  Nodes are unique and every edge end is a node; keys are unique
    per node pair.
    """
    node_attr = G._node
    for n, d in nodes:
        node_attr[n] = d
    if directed:
        succ: dict[Any, dict[Any, dict[Any, Any]]] = G._succ
        pred: dict[Any, dict[Any, dict[Any, Any]]] = G._pred
        for n in node_attr:
            succ[n] = {}
            pred[n] = {}
        for u, v, k, d in edges:
            nbrs = succ[u]
            keydict = nbrs.get(v)
            if keydict is None:
                nbrs[v] = pred[v][u] = {k: d}
            else:
                keydict[k] = d
    else:
        adj: dict[Any, dict[Any, dict[Any, Any]]] = G._adj
        for n in node_attr:
            adj[n] = {}
        for u, v, k, d in edges:
            nbrs = adj[u]
            keydict = nbrs.get(v)
            if keydict is None:
                nbrs[v] = adj[v][u] = {k: d}
            else:
                keydict[k] = d
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(G)
