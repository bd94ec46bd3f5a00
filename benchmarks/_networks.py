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

__all__ = ["KINDS", "Network", "delaunay", "make_network", "perturbed_grid"]

KINDS = ("grid", "delaunay")
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
    msg = f"Unknown network kind {kind!r}; choose one of {', '.join(KINDS)}."
    raise ValueError(msg)
