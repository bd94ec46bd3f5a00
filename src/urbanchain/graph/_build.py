"""Vectorised topology for :func:`urbanchain.graph.graph_from_gdfs`.

Everything here works on flat numpy arrays: one row per line vertex, with the
index of the line it belongs to.  No Python loop runs per line or per vertex.

Steps (see :func:`build_pieces`):

1. vertices within the snapping tolerance of a node take the node's
   coordinates and the node's key (nearest node, :class:`scipy.spatial.cKDTree`
   in a metric space);
2. every other vertex is keyed by its coordinates rounded to a grid
   (:data:`GRID_DEG` or :data:`GRID_M`); keys are made per *layer* (road, rail,
   ...), so a railway crossing a road at a shared vertex is not a junction;
3. consecutive vertices of one line with the same key are merged;
4. a vertex splits its line when it is a line end, snapped to a node, shared by
   another line of the same layer (a junction), or the target of an access link;
5. pieces are cut with one :func:`numpy.repeat` and rebuilt with
   :func:`shapely.linestrings`, and measured segment by segment.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree

__all__ = [
    "EARTH_RADIUS_M",
    "GRID_DEG",
    "GRID_M",
    "AccessLinks",
    "Pieces",
    "build_pieces",
    "gc_paused",
    "geodesic_distances",
    "grid_keys",
    "metric_coords",
    "segment_lengths_m",
]

#: Mean Earth radius (IUGG), metres: chord distances on this sphere stand for metres.
EARTH_RADIUS_M = 6_371_008.8
#: Grid on which unsnapped vertices of a geographic layer are compared (degrees, about 1 cm).
GRID_DEG = 1e-7
#: Grid on which unsnapped vertices of a projected layer are compared (metres).
GRID_M = 1e-2

_GEOD = pyproj.Geod(ellps="WGS84")
#: Most threads :func:`geodesic_distances` uses (never more than the CPUs).
GEODESIC_THREADS = 4
_GEODESIC_CHUNK_MIN = 100_000  # pairs per thread below which threads do not pay

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def metric_coords(xy: FloatArray, *, geographic: bool) -> FloatArray:
    """Coordinates in a space where Euclidean distance is metres.

    Geographic coordinates go to 3-D points on a sphere of radius
    :data:`EARTH_RADIUS_M`; the chord between two points within a few km differs
    from the great-circle distance by less than 1e-9 relative, and from the WGS 84
    geodesic by less than 0.5 %, which is ample for a snapping tolerance.
    Projected coordinates (already checked to be metric) are used as they are.
    """
    if not geographic:
        return np.ascontiguousarray(xy[:, :2], dtype=np.float64)
    lon = np.radians(xy[:, 0])
    lat = np.radians(xy[:, 1])
    c = np.cos(lat)
    return np.column_stack((c * np.cos(lon), c * np.sin(lon), np.sin(lat))) * EARTH_RADIUS_M


def grid_keys(xy: FloatArray, grid: float) -> tuple[IntArray, IntArray]:
    """Dense ids of coordinates rounded to ``grid``; ids follow (x, y) order.

    Returns ``(ids, first)``: ``ids[i]`` is the id of row ``i`` and ``first[k]``
    the first row with id ``k``.  Sorting by coordinates (not by row) makes the
    ids independent of the order of the input rows.  The two rounded
    coordinates are packed into one int64 when their ranges allow it (one
    argsort instead of a two-key lexsort, several times faster).
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    qx = _grid_column(xy[:, 0], grid)
    qy = _grid_column(xy[:, 1], grid)
    span_y = int(qy.max()) + 1
    if (int(qx.max()) + 1) * span_y < 2**62:
        packed = qx * np.int64(span_y) + qy
        del qx, qy
        order = np.argsort(packed)
        ps = packed[order]
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(ps[1:], ps[:-1], out=new[1:])
        del ps, packed
        starts = np.flatnonzero(new)
        # argsort is not stable: the first row of a run is its smallest row index
        first = np.minimum.reduceat(order, starts)
    else:
        q = np.column_stack((qx, qy))
        order = np.lexsort((q[:, 1], q[:, 0]))
        qs = q[order]
        new = np.empty(n, dtype=bool)
        new[0] = True
        new[1:] = (qs[1:] != qs[:-1]).any(axis=1)
        first = order[new]
    sorted_ids = np.cumsum(new) - 1
    ids = np.empty(n, dtype=np.int64)
    ids[order] = sorted_ids
    return ids, first.astype(np.int64, copy=False)


def _grid_column(values: FloatArray, grid: float) -> IntArray:
    """``rint(values / grid)`` as int64, shifted to start at 0 (order is kept)."""
    scaled = values / grid
    np.rint(scaled, out=scaled)
    q = scaled.astype(np.int64)
    del scaled
    q -= q.min()
    return q


def geodesic_distances(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> FloatArray:
    """WGS 84 geodesic distances in metres, pair by pair (:meth:`pyproj.Geod.inv`).

    The four arrays must be fresh, contiguous float64 arrays: the computation
    writes into them (``inplace=True``) and the distances are returned in
    ``lon2``'s buffer.  Large inputs are split across threads: pyproj releases
    the GIL while it measures, and each distance depends on its own pair only,
    so the result is the same, bit for bit, as one call.
    """
    n = len(lon1)
    workers = min(GEODESIC_THREADS, os.cpu_count() or 1, n // _GEODESIC_CHUNK_MIN)
    if workers <= 1:
        _GEOD.inv(lon1, lat1, lon2, lat2, inplace=True)
        return lon2
    bounds = np.linspace(0, n, workers + 1).astype(np.int64)

    def run(i: int) -> None:
        s = slice(int(bounds[i]), int(bounds[i + 1]))
        _GEOD.inv(lon1[s], lat1[s], lon2[s], lat2[s], inplace=True)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, range(workers)))
    return lon2


def segment_lengths_m(xy: FloatArray, same: BoolArray, *, geographic: bool) -> FloatArray:
    """Length in metres of the segments ``xy[i] -> xy[i + 1]`` where ``same[i]``.

    Geographic coordinates are measured on the WGS 84 ellipsoid (the same
    :class:`pyproj.Geod` computation as :func:`urbanchain.crs.geodesic_length`),
    projected ones in the plane.
    """
    if geographic:
        return geodesic_distances(
            xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same]
        )
    a = xy[:-1][same]
    b = xy[1:][same]
    return np.asarray(np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]), dtype=np.float64)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of attribute dicts are made.

    Building a networkx graph allocates several objects per edge and none of
    them are garbage; without the pause the collector rescans the growing heap
    over and over (about 25 % of the CPU time of a 10^5-edge build).  The
    previous state is restored on exit, even on error.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class AccessLinks:
    """Access links found by :func:`build_pieces` (one row per link)."""

    node: IntArray  # node index
    target_key: IntArray  # key of the road vertex reached
    target_xy: FloatArray
    dist_m: FloatArray  # straight-line geodesic (or planar) distance
    beyond: IntArray  # node indices with no road line through them and none within the radius


@dataclass
class Pieces:
    """Line pieces between split points, ready to become edges."""

    geoms: NDArray[np.object_]
    line: IntArray  # index of the (exploded) line each piece comes from
    ordinal: IntArray  # position of the piece along its line, from 0
    u: IntArray  # key of the first vertex
    v: IntArray  # key of the last vertex
    length_m: FloatArray
    key_xy: FloatArray  # coordinates of each key (rows indexed by key)
    key_layer: IntArray  # layer code of each key
    key_node: IntArray  # node index of each key, -1 for junctions
    collapsed_lines: IntArray  # lines that shrank to one point after snapping
    merged_vertices: int  # consecutive vertices merged by snapping / rounding
    snapped_vertices: int
    access: AccessLinks | None


def build_pieces(
    geoms: NDArray[np.object_],
    line_layer: IntArray,
    n_layers: int,
    node_xy: FloatArray,
    *,
    geographic: bool,
    snap_tolerance_m: float,
    split_at_junctions: bool,
    access_radius_m: float | None,
    coords: FloatArray | None = None,
    vline: IntArray | None = None,
    seg_m: FloatArray | None = None,
) -> Pieces:
    """Snap, split and measure ``geoms`` (LineStrings with at least two distinct points).

    Keys: node ``i`` of layer ``l`` has key ``i * n_layers + l``; an unsnapped
    vertex with grid id ``g`` has key ``(n_nodes + g) * n_layers + l``.
    ``key_xy``, ``key_layer`` and ``key_node`` are indexed by the compacted key
    (the rank of the raw key among the raw keys present), and
    ``u``/``v``/``access.target_key`` are compacted keys.

    ``coords``/``vline`` (``shapely.get_coordinates(geoms, return_index=True)``)
    and ``seg_m`` (the length of each segment ``coords[i] -> coords[i + 1]``,
    as :func:`segment_lengths_m` measures it) may be passed when the caller has
    them already: segments that survive unchanged are then not measured again.
    A piece that is a whole, unchanged line reuses the line's geometry object
    (shapely geometries are immutable) instead of building a copy.
    """
    n_nodes = len(node_xy)
    if coords is None or vline is None:
        coords, vline = shapely.get_coordinates(geoms, return_index=True)
        seg_m = None
    vline = np.asarray(vline, dtype=np.int64)
    coords = np.asarray(coords, dtype=np.float64)
    vlayer = line_layer[vline]
    n_vertices = len(coords)

    # 1. snapping to nodes
    snapped_to = np.full(n_vertices if n_nodes else 0, -1, dtype=np.int64)
    if n_nodes and n_vertices:
        tree = cKDTree(metric_coords(node_xy, geographic=geographic))
        pts = metric_coords(coords, geographic=geographic)
        dist, idx = tree.query(pts, k=1, distance_upper_bound=snap_tolerance_m * (1 + 1e-12))
        del pts
        hit = np.isfinite(dist)
        if hit.any():
            snapped_to[hit] = idx[hit]
            coords = coords.copy()  # never write into the caller's array
            coords[hit] = node_xy[idx[hit]]
    snapped = snapped_to >= 0 if n_nodes else np.zeros(n_vertices, dtype=bool)

    # 2. per-layer keys, on the layers in use only (dense ranks without a sort)
    gid, _ = grid_keys(coords, GRID_DEG if geographic else GRID_M)
    used_layers = np.flatnonzero(np.bincount(line_layer, minlength=n_layers))
    n_used = max(len(used_layers), 1)
    layer_code = np.zeros(n_layers, dtype=np.int64)
    layer_code[used_layers] = np.arange(len(used_layers))
    if n_nodes:
        key = np.where(snapped, snapped_to, n_nodes + gid)
        del gid
    else:
        key = gid
    key *= n_used
    key += layer_code[vlayer]

    # 3. merge consecutive repeats within a line
    dup = np.zeros(len(key), dtype=bool)
    if len(key) > 1:
        dup[1:] = (vline[1:] == vline[:-1]) & (key[1:] == key[:-1])
    merged = int(dup.sum())
    keep = ~dup
    # lines left with a single vertex (all their points snapped to one node)
    per_line = np.bincount(vline[keep], minlength=len(geoms))
    collapsed = np.flatnonzero(per_line == 1)
    if len(collapsed):
        keep &= ~np.isin(vline, collapsed)
    # lines whose vertices all survive unmoved (candidates for geometry reuse)
    changed = snapped | dup
    line_changed = (
        np.bincount(vline[changed], minlength=len(geoms)) > 0
        if changed.any()
        else np.zeros(len(geoms), dtype=bool)
    )
    del changed
    if keep.all():
        vorig = np.arange(n_vertices, dtype=np.int64)
    else:
        vorig = np.flatnonzero(keep)
        coords, vline, key, snapped, vlayer = (
            coords[keep],
            vline[keep],
            key[keep],
            snapped[keep],
            vlayer[keep],
        )
        if n_nodes:
            snapped_to = snapped_to[keep]
    del keep, dup
    nv = len(key)
    first = np.ones(nv, dtype=bool)
    last = np.ones(nv, dtype=bool)
    if nv > 1:
        np.not_equal(vline[1:], vline[:-1], out=first[1:])
        last[:-1] = first[1:]

    # 4. access links (road layer = 0): nearest vertex of every road line within
    #    the radius that does not already pass through the node
    extra_split = np.zeros(nv, dtype=bool)
    access: AccessLinks | None = None
    if access_radius_m is not None and n_nodes:
        access = _access_links(
            node_xy,
            coords,
            vline=vline,
            key=key,
            snapped_to=snapped_to,
            vlayer=vlayer,
            geographic=geographic,
            radius_m=access_radius_m,
        )
        extra_split[access.target_key] = True  # vertex rows for now

    # 5. compact keys: rank of each raw key among those present
    space = int(key.max()) + 1 if nv else 0
    present = np.zeros(max(space, 1), dtype=bool)
    present[key] = True
    if nv and present.all():
        # already dense (a bare one-layer network: keys are the grid ids)
        uniq = np.arange(space, dtype=np.int64)
        inv = key
    else:
        uniq = np.flatnonzero(present)
        rank = np.cumsum(present, dtype=np.int32 if space < 2**31 else np.int64)
        inv = rank[key].astype(np.int64)
        inv -= 1
        del rank
    del present
    if access is not None:
        access.target_key = inv[access.target_key]

    # 6. split points
    split = first | last | snapped | extra_split
    if split_at_junctions:
        shared = np.bincount(inv, minlength=len(uniq)) >= 2  # a small table: cheap lookups
        split |= shared[inv]
        del shared
    interior = split & ~first & ~last
    del split
    # an interior split vertex ends one piece and starts the next: it appears twice
    inner = np.flatnonzero(interior)
    n_src = nv + len(inner)
    if len(inner):
        # output row of each vertex's first copy: its row plus the interior vertices before it
        pos = np.arange(nv) + (np.cumsum(interior) - interior)
        src = np.empty(n_src, dtype=np.int64)
        src[pos] = np.arange(nv)
        src[pos[inner] + 1] = inner
    else:
        src = np.arange(nv)
        pos = src
    del interior
    start = np.zeros(n_src, dtype=bool)
    start[pos[first]] = True
    if len(inner):
        start[pos[inner] + 1] = True
    del pos, inner
    piece_of = np.cumsum(start) - 1
    starts = np.flatnonzero(start)
    same = ~start[1:]  # src rows i, i + 1 in one piece: a segment
    del start
    n_pieces = len(starts)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:] - 1
    if n_pieces:
        ends[-1] = len(src) - 1
    pline = vline[src[starts]]
    first_piece = np.searchsorted(pline, pline, side="left")
    ordinal = np.arange(n_pieces, dtype=np.int64) - first_piece

    # 7. lengths: sum of segment lengths per piece, reusing measured segments.
    #    A segment joins kept vertex rows sa -> sa + 1 (a split vertex is repeated,
    #    but its two copies belong to different pieces).
    sa = src[:-1][same] if len(src) != nv else np.flatnonzero(same)
    if seg_m is not None and len(vorig) == n_vertices and not snapped.any():
        seg = seg_m[sa]  # nothing moved or removed: every segment was measured already
    else:
        seg = np.empty(len(sa), dtype=np.float64)
        if seg_m is not None:
            oa = vorig[sa]
            reuse = (vorig[sa + 1] == oa + 1) & ~snapped[sa] & ~snapped[sa + 1]
            seg[reuse] = seg_m[oa[reuse]]
            todo = ~reuse
            del oa, reuse
        else:
            todo = np.ones(len(sa), dtype=bool)
        if todo.any():
            a = sa[todo]
            seg[todo] = _pair_lengths_m(coords[a], coords[a + 1], geographic=geographic)
        del todo
    length = np.bincount(piece_of[:-1][same], weights=seg, minlength=n_pieces).astype(np.float64)
    del seg, sa

    # 8. geometries: whole unchanged 2-D lines keep their object, others are rebuilt
    pieces_per_line = np.bincount(pline, minlength=len(geoms))
    whole = (pieces_per_line == 1) & ~line_changed & ~shapely.has_z(geoms)
    reuse_geom = whole[pline]
    geoms_out = np.empty(n_pieces, dtype=object)
    geoms_out[reuse_geom] = geoms[pline[reuse_geom]]
    if not reuse_geom.all():
        rebuild = ~reuse_geom[piece_of]
        sub_piece = piece_of[rebuild]
        # renumber the rebuilt pieces 0..k-1 for shapely.linestrings
        renum = np.cumsum(~reuse_geom) - 1
        geoms_out[~reuse_geom] = shapely.linestrings(coords[src[rebuild]], indices=renum[sub_piece])
        del rebuild, sub_piece, renum

    u = inv[src[starts]]
    v = inv[src[ends]]
    # the coordinates of a key are those of its last vertex row
    last_row = np.empty(len(uniq), dtype=np.int64)
    last_row[inv] = np.arange(nv)
    key_xy = np.ascontiguousarray(coords[last_row, :2])
    del last_row
    key_layer = used_layers[uniq % n_used] if len(used_layers) else uniq % n_used
    raw_u = uniq // n_used
    key_node = np.where(raw_u < n_nodes, raw_u, -1)
    return Pieces(
        geoms=geoms_out,
        line=pline,
        ordinal=ordinal,
        u=u,
        v=v,
        length_m=length,
        key_xy=key_xy,
        key_layer=key_layer.astype(np.int64),
        key_node=key_node,
        collapsed_lines=collapsed,
        merged_vertices=merged,
        snapped_vertices=int(snapped.sum()),
        access=access,
    )


def _pair_lengths_m(a: FloatArray, b: FloatArray, *, geographic: bool) -> FloatArray:
    if geographic:
        return geodesic_distances(
            np.array(a[:, 0]), np.array(a[:, 1]), np.array(b[:, 0]), np.array(b[:, 1])
        )
    return np.asarray(np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]), dtype=np.float64)


def _access_links(
    node_xy: FloatArray,
    coords: FloatArray,
    *,
    vline: IntArray,
    key: IntArray,
    snapped_to: IntArray,
    vlayer: IntArray,
    geographic: bool,
    radius_m: float,
) -> AccessLinks:
    n_nodes = len(node_xy)
    road = np.flatnonzero(vlayer == 0)
    # (node, line) pairs where the line passes through the node
    on = road[snapped_to[road] >= 0]
    n_lines = int(vline.max()) + 1 if len(vline) else 1
    through = np.unique(snapped_to[on] * n_lines + vline[on])
    empty_i = np.zeros(0, dtype=np.int64)
    if len(road) == 0:
        return AccessLinks(
            node=empty_i,
            target_key=empty_i,
            target_xy=np.zeros((0, 2)),
            dist_m=np.zeros(0),
            beyond=np.arange(n_nodes, dtype=np.int64),
        )
    ntree = cKDTree(metric_coords(node_xy, geographic=geographic))
    vtree = cKDTree(metric_coords(coords[road], geographic=geographic))
    sdm = ntree.sparse_distance_matrix(vtree, radius_m * (1 + 1e-12), output_type="ndarray")
    ni = sdm["i"].astype(np.int64)
    vi = road[sdm["j"].astype(np.int64)]
    d = sdm["v"].astype(np.float64)
    # sparse_distance_matrix omits exact zero distances: vertices sitting on a
    # node are snapped to it, so they are covered by ``through`` anyway
    pair = ni * n_lines + vline[vi]
    ok = ~np.isin(pair, through) & (snapped_to[vi] != ni)
    ni, vi, d, pair = ni[ok], vi[ok], d[ok], pair[ok]
    # nearest vertex per (node, line); ties broken by vertex key (order-free)
    order = np.lexsort((key[vi], d, pair))
    ni, vi, d, pair = ni[order], vi[order], d[order], pair[order]
    firsts = np.ones(len(pair), dtype=bool)
    firsts[1:] = pair[1:] != pair[:-1]
    ni, vi = ni[firsts], vi[firsts]
    # one link per (node, target vertex key)
    nk = np.unique(np.column_stack((ni, key[vi])), axis=0, return_index=True)[1]
    ni, vi = ni[nk], vi[nk]
    if geographic:
        dist = np.asarray(
            _GEOD.inv(node_xy[ni, 0], node_xy[ni, 1], coords[vi, 0], coords[vi, 1])[2],
            dtype=np.float64,
        )
    else:
        dist = np.hypot(coords[vi, 0] - node_xy[ni, 0], coords[vi, 1] - node_xy[ni, 1])
    linked = np.zeros(n_nodes, dtype=bool)
    linked[ni] = True
    linked[snapped_to[on]] = True
    return AccessLinks(
        node=ni,
        target_key=vi,
        target_xy=coords[vi, :2].copy(),
        dist_m=dist,
        beyond=np.flatnonzero(~linked).astype(np.int64),
    )
