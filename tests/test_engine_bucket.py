"""The ``"bucket"`` engine (own CCH, numba kernels) against NetworkX and scipy.

Every query kind -- ``K x L`` tables (buckets), distances to all nodes (PHAST
sweep), reversed queries, multi-source ``nearest`` -- is compared with
NetworkX's Dijkstra on random directed and undirected multigraphs drawn by
Hypothesis (disconnected ones, parallel arcs of different weights, weights
down to 1e-9), and with scipy on the bundled Delta chain.  The engine adds
float64 weights exactly as Dijkstra does, only in another order, so the
tolerance is float rounding (``1e-9`` relative).  Closed edges
(:meth:`~BucketEngine.without`) must equal a recomputation on the graph
without them, and the topology must survive a save / load round trip.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from urbanchain import metrics
from urbanchain.engine import _bucket
from urbanchain.engine._scipy import ScipyEngine
from urbanchain.errors import OptionalDependencyError, ValidationError
from urbanchain.metrics import _common as mc

pytestmark = [
    pytest.mark.skipif(not _bucket.available(), reason="numba/pymetis (urbanchain[fast]) missing"),
    pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning"),
]

RTOL = 1e-9
ATOL = 1e-12


@st.composite
def multigraphs(draw: st.DrawFn) -> nx.MultiGraph:
    """A weighted multigraph, directed or not, often disconnected, with parallel arcs."""
    directed = draw(st.booleans())
    n = draw(st.integers(1, 28))
    G: nx.MultiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    G.add_nodes_from(range(n))
    if n > 1:
        m = draw(st.integers(0, 3 * n))
        for _ in range(m):
            u = draw(st.integers(0, n - 1))
            v = draw(st.integers(0, n - 1))
            if u == v:
                continue
            w = draw(
                st.one_of(
                    st.floats(1e-9, 1e-6),
                    st.floats(0.01, 100.0),
                    st.sampled_from([1.0, 2.0, 3.0]),  # ties
                )
            )
            G.add_edge(u, v, time_min=w)
    return G


def _nx_table(G: nx.Graph, src: list[int], tgt: list[int], *, reverse: bool = False) -> np.ndarray:
    H = G.reverse(copy=False) if reverse and G.is_directed() else G
    out = np.full((len(src), len(tgt)), np.inf)
    for i, s in enumerate(src):
        d = nx.single_source_dijkstra_path_length(H, s, weight="time_min")
        for j, t in enumerate(tgt):
            out[i, j] = d.get(t, np.inf)
    return out


def _engine(G: nx.Graph) -> tuple[mc.Prepared, _bucket.BucketEngine]:
    prep = mc.prepare(G, "time_min")
    return prep, _bucket.BucketEngine(prep)


def _close(got: np.ndarray, ref: np.ndarray) -> None:
    assert got.shape == ref.shape
    assert (np.isinf(got) == np.isinf(ref)).all()  # the same pairs unreachable
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("share", [None, 0.0, float("inf")], ids=["default", "phast", "buckets"])
@settings(max_examples=40)
@given(G=multigraphs(), data=st.data())
def test_tables_match_networkx(share: float | None, G: nx.MultiGraph, data: st.DataObject) -> None:
    # a target set is answered by buckets or, from PHAST_TARGET_SHARE of the nodes, by
    # sweeps to every node (in blocks of PHAST_BLOCK_BYTES): each path gives the reference
    prep, eng = _engine(G)
    nodes = list(G.nodes)
    src = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=10))
    tgt = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=12))
    si = np.array([prep.csr.index[v] for v in src], dtype=np.int64)
    ti = np.array([prep.csr.index[v] for v in tgt], dtype=np.int64)
    old = (_bucket.PHAST_TARGET_SHARE, _bucket.PHAST_BLOCK_BYTES)
    if share is not None:  # one row per sweep block, to test the blocks too
        _bucket.PHAST_TARGET_SHARE, _bucket.PHAST_BLOCK_BYTES = share, 8
    try:
        _close(eng.distances(si, ti), _nx_table(G, src, tgt))
        _close(eng.distances(si, ti, reverse=True), _nx_table(G, src, tgt, reverse=True))
        _close(eng.distances(si), _nx_table(G, src, nodes))
        _close(eng.distances(si, reverse=True), _nx_table(G, src, nodes, reverse=True))
        # the same engine answers a second target set (its bucket cache is per set)
        _close(eng.distances(ti, si), _nx_table(G, tgt, src))
    finally:
        _bucket.PHAST_TARGET_SHARE, _bucket.PHAST_BLOCK_BYTES = old


@settings(max_examples=30)
@given(G=multigraphs(), data=st.data())
def test_nearest_matches_scipy(G: nx.MultiGraph, data: st.DataObject) -> None:
    prep, eng = _engine(G)
    n = prep.csr.n
    origins = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5)))
    among = np.arange(n)
    ref = ScipyEngine(prep)
    for reverse in (False, True):
        d, near = eng.nearest(origins, among, reverse=reverse)
        d_ref, _ = ref.nearest(origins, among, reverse=reverse)
        _close(d, d_ref)
        ok = near >= 0
        assert (ok == np.isfinite(d)).all()
        # the named origin is at the reported distance
        table = eng.distances(origins, among, reverse=reverse)
        pos = {int(o): i for i, o in enumerate(origins)}
        rows = np.array([pos[int(x)] for x in near[ok]], dtype=np.int64)
        np.testing.assert_allclose(table[rows, among[ok]], d[ok], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("partial_max", [0, 10**9])  # full, then partial re-customisation
@settings(max_examples=30)
@given(G=multigraphs(), data=st.data())
def test_without_equals_recomputation(
    G: nx.MultiGraph, data: st.DataObject, partial_max: int
) -> None:
    saved = _bucket.PARTIAL_MAX_EDGES
    _bucket.PARTIAL_MAX_EDGES = partial_max
    try:
        _check_without(G, data)
    finally:
        _bucket.PARTIAL_MAX_EDGES = saved


def _check_without(G: nx.MultiGraph, data: st.DataObject) -> None:
    prep, eng = _engine(G)
    m = len(prep.csr.edge_w)
    if m == 0:
        return
    before = eng.distances(np.arange(prep.csr.n))
    for _ in range(2):  # a second closure on the same engine reuses its basic weights
        drawn = data.draw(st.lists(st.integers(0, m - 1), max_size=4))
        closed = np.array(sorted(set(drawn)), dtype=np.int64)
        H = G.copy()
        H.remove_edges_from([prep.csr.edge_keys[i] for i in closed])
        ref = dijkstra(mc.prepare(H, "time_min").csr.matrix)
        with eng.without(closed) as e2:
            _close(e2.distances(np.arange(prep.csr.n)), ref)
            _close(e2.distances(np.arange(prep.csr.n), np.arange(prep.csr.n)), ref)
            d, _ = e2.nearest(np.array([0]), np.arange(prep.csr.n))
            _close(d, ref[0])
        # the engine itself is unchanged
        _close(eng.distances(np.arange(prep.csr.n)), before)


def test_delta_chain_matches_scipy(delta_chain: object) -> None:
    G = delta_chain.graph  # type: ignore[attr-defined]
    nodes = list(G.nodes)
    got = metrics.od_matrix(G, sources=nodes, targets=nodes, engine="bucket")
    ref = metrics.od_matrix(G, sources=nodes, targets=nodes, engine="scipy")
    assert got.attrs["engine"] == "bucket"
    assert (got.isna() == ref.isna()).all().all()
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=RTOL, equal_nan=True)
    prep = mc.prepare(G, "time_min")
    eng = _bucket.BucketEngine(prep)
    all_rows = eng.distances(np.arange(prep.csr.n))
    np.testing.assert_allclose(all_rows, dijkstra(prep.csr.matrix), rtol=RTOL)


def test_delta_criticality_matches_scipy(delta_chain: object) -> None:
    G = delta_chain.graph  # type: ignore[attr-defined]
    got = metrics.corridor_criticality(G, engine="bucket", by="corridor_id")
    ref = metrics.corridor_criticality(G, engine="scipy", by="corridor_id")
    assert got.attrs["engine"] == "bucket"
    assert list(got.index) == list(ref.index)
    num = ref.select_dtypes("number").columns
    np.testing.assert_allclose(
        got[num].to_numpy(float), ref[num].to_numpy(float), rtol=1e-9, atol=1e-9, equal_nan=True
    )


def _grid(k: int) -> nx.Graph:
    G = nx.grid_2d_graph(k, k)
    rng = np.random.default_rng(3)
    for u, v in G.edges:
        G.edges[u, v]["time_min"] = float(rng.uniform(0.5, 2.0))
    return nx.convert_node_labels_to_integers(G)


def test_perfect_weights_are_distances() -> None:
    """After perfect customisation every kept arc weighs the distance between its ends."""
    G = _grid(9)
    prep, eng = _engine(G)
    t = eng.metric.topology
    full = dijkstra(prep.csr.matrix)
    order = np.argsort(t.rank)  # rank -> node
    for ptr, head, w in (eng.metric.up, eng.metric.down):
        tail = np.repeat(np.arange(t.n), np.diff(ptr))
        d = full[order[tail], order[head]]
        np.testing.assert_allclose(w, d, rtol=1e-12)
    assert len(eng.metric.up[1]) < t.shortcuts  # redundant arcs were pruned


def test_topology_is_cached_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    G = _grid(7)
    _bucket.clear()
    calls: list[int] = []
    real = _bucket.build_topology

    def counting(*args: object) -> _bucket.BucketTopology:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_bucket, "build_topology", counting)
    prep, eng = _engine(G)
    H = G.copy()
    for _, _, d in H.edges(data=True):
        d["time_min"] *= 3.0  # new weights, same structure: re-customised, not rebuilt
    _prep2, eng2 = _engine(H)
    assert len(calls) == 1
    np.testing.assert_allclose(
        eng2.distances(np.arange(5)), 3.0 * eng.distances(np.arange(5)), rtol=1e-12
    )
    assert _bucket.cached(prep.csr.matrix.indptr, prep.csr.matrix.indices)


def test_save_load_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    G = _grid(8)
    prep, eng = _engine(G)
    m = prep.csr.matrix
    path = _bucket.save(tmp_path / "topo.npz", m.indptr, m.indices)
    before = eng.distances(np.arange(10), np.arange(20, 40))
    _bucket.clear()
    assert not _bucket.cached(m.indptr, m.indices)

    def refuse(*args: object) -> None:
        msg = "preprocessing ran although the topology was loaded"
        raise AssertionError(msg)

    monkeypatch.setattr(_bucket, "build_topology", refuse)
    topo = _bucket.load(path)
    assert _bucket.cached(m.indptr, m.indices)
    old = eng.metric.topology
    for name in ("rank", "up_ptr", "up_head", "parent", "arc_edge", "arc_up"):
        np.testing.assert_array_equal(getattr(topo, name), getattr(old, name))
    assert topo.height == old.height
    again = _bucket.BucketEngine(mc.prepare(G, "time_min"))
    np.testing.assert_array_equal(again.distances(np.arange(10), np.arange(20, 40)), before)


def test_load_refuses_another_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.npz"
    np.savez(bad, a=np.arange(3))
    with pytest.raises(ValidationError, match="save"):
        _bucket.load(bad)


def test_metrics_run_on_bucket() -> None:
    G = _grid(6)
    nodes = list(G.nodes)
    got = metrics.od_matrix(G, sources=nodes[:7], targets=nodes, engine="bucket")
    ref = metrics.od_matrix(G, sources=nodes[:7], targets=nodes, engine="networkx")
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=RTOL)
    assert got.attrs["engine"] == "bucket"


def test_missing_packages_say_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def fake(name: str, *args: object, **kw: object) -> object:
        if name == "pymetis":
            msg = "No module named 'pymetis'"
            raise ModuleNotFoundError(msg, name="pymetis")
        return real(name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(OptionalDependencyError, match=r'pip install "urbanchain\[fast\]"'):
        metrics.od_matrix(_grid(3), engine="bucket")


def test_import_does_not_load_numba() -> None:
    code = "import sys, urbanchain; print('numba' in sys.modules, 'pymetis' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-Werror", "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False False"
    assert out.stderr == ""


@pytest.mark.parametrize("directed", [False, True])
def test_many_ties_on_a_grid_with_chords(directed: bool) -> None:
    """Integer weights in {1, 2, 3} make many equal paths: arc pruning must keep one of each."""
    rng = np.random.default_rng(11)
    k = 14
    base = nx.convert_node_labels_to_integers(nx.grid_2d_graph(k, k))
    G: nx.MultiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    G.add_nodes_from(base.nodes)
    pairs = list(base.edges) + [tuple(rng.integers(0, k * k, 2)) for _ in range(k * k // 2)]
    for a, b in pairs:
        if a == b:
            continue
        G.add_edge(int(a), int(b), time_min=float(rng.integers(1, 4)))
        if directed and rng.random() < 0.5:
            G.add_edge(int(b), int(a), time_min=float(rng.integers(1, 4)))
    prep, eng = _engine(G)
    every = np.arange(prep.csr.n)
    ref = dijkstra(prep.csr.matrix)
    _close(eng.distances(every, every), ref)
    _close(eng.distances(every), ref)
    _close(eng.distances(every, every, reverse=True), ref.T)


@settings(max_examples=40)
@given(G=multigraphs(), data=st.data())
def test_sources_among_targets_reuse_the_target_searches(
    G: nx.MultiGraph, data: st.DataObject
) -> None:
    # on a symmetric metric (every undirected graph) a source that is also a target
    # skips its own search and reads the target search's labels (scan_labels); a
    # table whose sources are all targets never runs the forward scan
    prep, eng = _engine(G)
    if not G.is_directed():
        assert eng.metric.symmetric
    nodes = list(G.nodes)
    tgt = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=12, unique=True))
    inside = data.draw(st.lists(st.sampled_from(tgt), min_size=1, max_size=len(tgt)))
    outside = data.draw(st.lists(st.sampled_from(nodes), max_size=6))
    ti = np.array([prep.csr.index[v] for v in tgt], dtype=np.int64)
    kern, _ = _bucket.require()
    for src in (inside, outside + inside + outside):
        si = np.array([prep.csr.index[v] for v in src], dtype=np.int64)
        _close(eng.metric.table(si, ti), _nx_table(G, src, tgt))
    if eng.metric.symmetric:
        si = np.array([prep.csr.index[v] for v in inside], dtype=np.int64)
        b = eng.metric.buckets(ti)
        calls: list[int] = []
        real = kern.scan

        def spy(*args: object) -> None:
            calls.append(1)
            real(*args)

        try:
            kern.scan = spy
            _close(eng.metric.table(si, b), _nx_table(G, inside, tgt))
        finally:
            kern.scan = real
        assert not calls


def test_a_directed_metric_is_not_symmetric() -> None:
    G = nx.MultiDiGraph()
    G.add_edge(0, 1, time_min=1.0)
    G.add_edge(1, 0, time_min=5.0)
    G.add_edge(1, 2, time_min=2.0)
    prep, eng = _engine(G)
    assert not eng.metric.symmetric
    si = np.array([prep.csr.index[v] for v in (0, 1, 2)], dtype=np.int64)
    _close(eng.distances(si, si), _nx_table(G, [0, 1, 2], [0, 1, 2]))
