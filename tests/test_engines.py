"""Engines (scipy, cch, bucket, networkx) agree; engine selection, the missing-package error, sampling.

Every engine is compared with the NetworkX reference on random weighted
multigraphs (directed and undirected, disconnected, with parallel edges and
self-loops).  scipy and bucket (exact floats) must agree to 1e-9.  cch rounds weights to integers
(``round(w * scale)``), so its distances may differ by at most
``hops * 0.5 / scale`` (``hops <= n - 1``); the derived metrics get the
tolerance that bound implies (see :func:`_cch_rel`).
"""

from __future__ import annotations

import importlib
import math
import subprocess
import sys

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely import LineString

from _metric_table import GRAPH_METRICS, MetricCase
from urbanchain import metrics, settings
from urbanchain.engine import _brandes, _bucket, _cch
from urbanchain.engine import _select as _engines
from urbanchain.errors import OptionalDependencyError, ValidationError
from urbanchain.graph import Network, graph_from_gdfs
from urbanchain.metrics import _common as mc
from urbanchain.metrics import _distance

pytestmark = pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning")
HAS_CCH = _cch.available()
needs_cch = pytest.mark.skipif(not HAS_CCH, reason="pyroutingkit (urbanchain[fast]) not installed")
HAS_BUCKET = _bucket.available()
needs_bucket = pytest.mark.skipif(not HAS_BUCKET, reason="numba/pymetis (urbanchain[fast]) missing")
ENGINES = [
    "scipy",
    pytest.param("cch", marks=needs_cch),
    pytest.param("bucket", marks=needs_bucket),
]
#: The hierarchy engine ``auto`` picks above its thresholds.
AUTO_HIERARCHY = "bucket" if HAS_BUCKET else "cch" if HAS_CCH else "scipy"


def random_graph(seed: int, *, directed: bool, n: int = 40, m: int = 90) -> nx.MultiGraph:
    """A random weighted multigraph: two components, an isolated node, parallel edges, loops."""
    rng = np.random.default_rng(seed)
    G: nx.MultiGraph = nx.MultiDiGraph() if directed else nx.MultiGraph()
    G.add_nodes_from(range(n + 1))  # node n stays isolated
    half = n // 2
    for _ in range(m):
        part = int(rng.integers(2))
        lo, hi = (0, half) if part == 0 else (half, n)
        u, v = (int(x) for x in rng.integers(lo, hi, size=2))
        G.add_edge(u, v, time_min=float(rng.uniform(0.5, 10.0)), corridor_id=f"c{u % 6}")
    G.add_edge(1, 2, time_min=0.7, corridor_id="c1")  # parallel edges of both weights
    G.add_edge(1, 2, time_min=9.5, corridor_id="par")
    G.add_edge(3, 3, time_min=1.0, corridor_id="c3")  # self-loop
    for v in G.nodes:
        G.nodes[v]["population"] = float(rng.uniform(1, 100))
    return G


GRAPHS = [
    pytest.param(seed, directed, id=f"{'dir' if directed else 'undir'}-{seed}")
    for seed in (0, 1)
    for directed in (False, True)
]


def _scale(G: nx.Graph, weight: str = "time_min") -> float:
    prep = mc.prepare(G, weight)
    return _cch.choose_scale(prep.csr.matrix.data, prep.csr.n)


def _dist_tol(G: nx.Graph, engine: str) -> float:
    """Absolute tolerance on a distance: 1e-9 for scipy and bucket, (n - 1) * 0.5 / scale for cch."""
    if engine in ("scipy", "bucket"):
        return 1e-9
    return _cch.tolerance(_scale(G), G.number_of_nodes() - 1)


def _cch_rel(G: nx.Graph, engine: str) -> float:
    """Relative tolerance on sums of 1/d or of d: dist tolerance / smallest weight."""
    if engine in ("scipy", "bucket"):
        return 1e-9
    wmin = min(d["time_min"] for _, _, d in G.edges(data=True))
    eps = _dist_tol(G, engine) / wmin
    return eps / (1 - eps)


# ---------------------------------------------------------------------------
# agreement with NetworkX
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("seed", "directed"), GRAPHS)
def test_od_matches_networkx(engine: str, seed: int, directed: bool) -> None:
    G = random_graph(seed, directed=directed)
    nodes = list(G.nodes)
    ref = metrics.od_matrix(G, sources=nodes[:15], targets=nodes, engine="networkx")
    got = metrics.od_matrix(G, sources=nodes[:15], targets=nodes, engine=engine)
    assert got.attrs["engine"] == engine
    assert ref.attrs["engine"] == "networkx"
    assert (got.isna() == ref.isna()).all().all()  # the same pairs unreachable
    assert got.attrs["unreachable"] == ref.attrs["unreachable"] > 0
    np.testing.assert_allclose(
        got.to_numpy(), ref.to_numpy(), rtol=0, atol=_dist_tol(G, engine), equal_nan=True
    )
    # fewer targets than sources (scipy runs from the targets on the reversed graph)
    ref2 = metrics.od_matrix(G, sources=nodes, targets=nodes[:4], engine="networkx")
    got2 = metrics.od_matrix(G, sources=nodes, targets=nodes[:4], engine=engine)
    np.testing.assert_allclose(
        got2.to_numpy(), ref2.to_numpy(), rtol=0, atol=_dist_tol(G, engine), equal_nan=True
    )


@needs_cch
def test_cch_distances_are_within_the_documented_rounding() -> None:
    G = random_graph(3, directed=False)
    prep = mc.prepare(G, "time_min")
    g = prep.cch()
    scale = _scale(G)
    assert g.scale == scale
    assert g.tolerance_per_edge == 0.5 / scale
    exact = mc.dist_rows(prep, list(G.nodes), "scipy")
    approx = g.many_to_many(np.arange(prep.csr.n))
    fin = np.isfinite(exact)
    assert (np.isfinite(approx) == fin).all()
    err = np.abs(approx[fin] - exact[fin])
    assert err.max() <= _cch.tolerance(scale, G.number_of_nodes() - 1)
    # integer weights (a scale-exact graph) come back exactly
    H = nx.MultiGraph()
    H.add_weighted_edges_from([(0, 1, 2.0), (1, 2, 3.0), (0, 2, 7.0)], weight="time_min")
    od = metrics.od_matrix(H, sources=[0], targets=[0, 1, 2], engine="cch")
    assert od.to_numpy().tolist() == [[0.0, 2.0, 5.0]]
    assert od.attrs["cch_tolerance_per_edge"] == 0.5 / od.attrs["cch_scale"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("seed", "directed"), GRAPHS)
@pytest.mark.parametrize("direction", ["out", "in"])
def test_closeness_harmonic_match_networkx(
    engine: str, seed: int, directed: bool, direction: str
) -> None:
    G = random_graph(seed, directed=directed)
    ref = metrics.centrality(G, length=None, direction=direction, engine="networkx")
    got = metrics.centrality(G, length=None, direction=direction, engine=engine)
    rel = _cch_rel(G, engine)
    for col in ("closeness", "harmonic"):
        np.testing.assert_allclose(got[col], ref[col], rtol=rel, atol=1e-12)
    assert got["component"].tolist() == ref["component"].tolist()
    assert got["degree"].tolist() == ref["degree"].tolist()
    assert got.attrs["engine"] == engine
    numba = engine == "cch" and _brandes.available()  # cch's betweenness runs as auto's
    want = "numba" if numba else _engines.for_betweenness(engine)
    assert got.attrs["betweenness_engine"] == want
    # betweenness runs on exact floats (numba or igraph when installed, else scipy's kernel)
    np.testing.assert_allclose(got["betweenness"], ref["betweenness"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("seed", "directed"), GRAPHS)
def test_accessibility_and_efficiency_match_networkx(
    engine: str, seed: int, directed: bool
) -> None:
    G = random_graph(seed, directed=directed)
    nodes = list(G.nodes)
    kw = {"mass": "population", "destinations": nodes, "sources": nodes}
    ref = metrics.accessibility(G, engine="networkx", **kw)
    got = metrics.accessibility(G, engine=engine, **kw)
    # exp(-beta d): relative error <= beta * (distance tolerance)
    rel = 1e-9 if engine == "scipy" else got.attrs["beta"] * _dist_tol(G, engine) * 1.01
    np.testing.assert_allclose(got["accessibility"], ref["accessibility"], rtol=rel)
    assert got["destinations_reached"].tolist() == ref["destinations_reached"].tolist()
    assert got.attrs["engine"] == engine
    e_ref = metrics.efficiency(G, engine="networkx")
    e_got = metrics.efficiency(G, engine=engine)
    assert e_got == pytest.approx(e_ref, rel=_cch_rel(G, engine), abs=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("seed", "directed"), GRAPHS)
@pytest.mark.parametrize("by", ["corridor_id", "edge_id"])
def test_criticality_matches_networkx(engine: str, seed: int, directed: bool, by: str) -> None:
    G = random_graph(seed, directed=directed)
    nodes = list(G.nodes)
    kw = {"mass": "population", "destinations": nodes, "sources": nodes[:25], "by": by}
    ref = metrics.corridor_criticality(G, engine="networkx", **kw)
    got = metrics.corridor_criticality(G, engine=engine, **kw).reindex(ref.index)
    assert got.attrs["engine"] == engine
    assert got["pairs_disconnected"].tolist() == ref["pairs_disconnected"].tolist()
    assert got["n_edges"].tolist() == ref["n_edges"].tolist()
    tol = _dist_tol(G, engine)
    rel = _cch_rel(G, engine)
    pairs = 25 * len(nodes)
    base_eff = ref.attrs["base_efficiency"]
    np.testing.assert_allclose(
        got["efficiency_loss"], ref["efficiency_loss"], rtol=0, atol=2 * rel * base_eff + 1e-15
    )
    np.testing.assert_allclose(
        got["extra_time_sum"], ref["extra_time_sum"], rtol=0, atol=2 * tol * pairs + 1e-9
    )
    base_acc = ref.attrs["base_accessibility"]
    beta = ref.attrs["beta"]
    acc_tol = (2 * beta * tol * 1.01 if engine == "cch" else 1e-9) * base_acc + 1e-9
    np.testing.assert_allclose(
        got["accessibility_loss"], ref["accessibility_loss"], rtol=0, atol=acc_tol
    )


@needs_cch
def test_criticality_restores_the_cch_metric() -> None:
    G = random_graph(5, directed=False)
    nodes = list(G.nodes)
    before = metrics.od_matrix(G, sources=nodes, targets=nodes, engine="cch")
    metrics.corridor_criticality(G, mass="population", destinations=nodes, engine="cch")
    after = metrics.od_matrix(G, sources=nodes, targets=nodes, engine="cch")
    pd.testing.assert_frame_equal(before, after)


def test_removal_keeps_the_remaining_parallel_edge() -> None:
    G = random_graph(0, directed=False)
    prep = mc.prepare(G, "time_min")
    csr = prep.csr
    light = next(
        t for t, (u, v, _k) in enumerate(csr.edge_keys) if {u, v} == {1, 2} and csr.edge_w[t] < 1
    )
    slots, values = csr.removal(np.array([light]))
    assert len(slots) == 2  # both directions of the undirected pair
    others = [d["time_min"] for d in G.get_edge_data(1, 2).values() if d["time_min"] != 0.7]
    assert 9.5 in others
    assert values.tolist() == [min(others)] * 2  # the lightest remaining parallel edge


# ---------------------------------------------------------------------------
# engine selection and the missing package
# ---------------------------------------------------------------------------


def test_auto_rule() -> None:
    big = _engines.AUTO_MIN_ARCS
    bucket = AUTO_HIERARCHY == "bucket"
    many = _engines.AUTO_MIN_SEARCHES_BUCKET if bucket else _engines.AUTO_MIN_SEARCHES
    choose = _engines.choose
    assert choose("scipy", arcs=big, searches=many, topology_cached=True) == "scipy"
    assert choose("networkx", arcs=1, searches=1, topology_cached=False) == "networkx"
    assert choose("auto", arcs=big - 1, searches=many, topology_cached=True) == "scipy"
    assert choose("auto", arcs=big, searches=many - 1, topology_cached=False) == "scipy"
    expected = AUTO_HIERARCHY
    assert choose("auto", arcs=big, searches=many, topology_cached=False) == expected
    assert choose("auto", arcs=big, searches=1, topology_cached=True) == expected
    huge = _engines.AUTO_HUGE_ARCS
    if bucket:  # one threshold at every size (break-even 100-160 searches)
        assert choose("auto", arcs=huge, searches=many, topology_cached=False) == expected
        assert choose("auto", arcs=huge, searches=many - 1, topology_cached=False) == "scipy"
        assert many < _engines.AUTO_MIN_SEARCHES  # bucket's topology is cheaper than cch's
        return
    fewer = _engines.AUTO_MIN_SEARCHES_HUGE
    assert choose("auto", arcs=huge, searches=fewer, topology_cached=False) == expected
    assert choose("auto", arcs=huge, searches=fewer - 1, topology_cached=False) == "scipy"
    assert choose("auto", arcs=huge - 1, searches=fewer, topology_cached=False) == "scipy"


def test_auto_picks_scipy_on_small_graphs() -> None:
    G = random_graph(0, directed=False)
    nodes = list(G.nodes)
    assert metrics.od_matrix(G, sources=nodes, targets=nodes).attrs["engine"] == "scipy"
    with settings.override(engine="networkx"):
        assert metrics.od_matrix(G, sources=nodes[:2]).attrs["engine"] == "networkx"


@needs_bucket
def test_auto_picks_bucket_above_the_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    G = random_graph(7, directed=True)
    nodes = list(G.nodes)
    monkeypatch.setattr(_engines, "AUTO_MIN_ARCS", 10)
    monkeypatch.setattr(_engines, "AUTO_MIN_SEARCHES_BUCKET", 20)
    _bucket.clear()
    assert metrics.od_matrix(G, sources=nodes[:5], targets=nodes).attrs["engine"] == "scipy"
    ref = metrics.od_matrix(G, sources=nodes[:20], targets=nodes, engine="networkx")
    got = metrics.od_matrix(G, sources=nodes[:20], targets=nodes)
    assert got.attrs["engine"] == "bucket"
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-9, equal_nan=True)
    # the topology is now cached: a small call uses it too
    assert metrics.od_matrix(G, sources=nodes[:2], targets=nodes).attrs["engine"] == "bucket"
    crit = metrics.corridor_criticality(G, mass="population", destinations=nodes)
    assert crit.attrs["engine"] == "bucket"


@needs_cch
def test_auto_picks_cch_above_the_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    G = random_graph(7, directed=True)
    nodes = list(G.nodes)
    monkeypatch.setattr(_bucket, "available", lambda: False)  # cch is auto's second choice
    monkeypatch.setattr(_engines, "AUTO_MIN_ARCS", 10)
    monkeypatch.setattr(_engines, "AUTO_MIN_SEARCHES", 20)
    _cch.clear()
    assert metrics.od_matrix(G, sources=nodes[:5], targets=nodes).attrs["engine"] == "scipy"
    assert metrics.od_matrix(G, sources=nodes[:20], targets=nodes).attrs["engine"] == "cch"
    # the topology is now cached: a small call uses it too
    assert metrics.od_matrix(G, sources=nodes[:2], targets=nodes).attrs["engine"] == "cch"
    crit = metrics.corridor_criticality(G, mass="population", destinations=nodes)
    assert crit.attrs["engine"] == "cch"


@needs_cch
def test_topology_is_cached_across_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    G = random_graph(8, directed=False)
    _cch.clear()
    prk = importlib.import_module("pyroutingkit")
    builds = []
    real = prk.CCHTopology

    class Counting(real):  # type: ignore[misc, valid-type]
        def build(self, *args: object) -> None:
            builds.append(1)
            super().build(*args)

    monkeypatch.setattr(prk, "CCHTopology", Counting)
    nodes = list(G.nodes)
    metrics.od_matrix(G, sources=nodes, targets=nodes, engine="cch")
    metrics.centrality(G, length=None, engine="cch")
    G2 = G.copy()
    for _, _, d in G2.edges(data=True):
        d["time_min"] *= 2  # new weights, same topology: re-customised, not rebuilt
    metrics.od_matrix(G2, sources=nodes, targets=nodes, engine="cch")
    metrics.corridor_criticality(G, mass="population", destinations=nodes, engine="cch")
    assert len(builds) == 1


def _hide_pyroutingkit(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = importlib.import_module
    real_spec = importlib.util.find_spec

    def fake_import(name: str, *args: object, **kw: object) -> object:
        if name.split(".", maxsplit=1)[0] == "pyroutingkit":
            msg = "No module named 'pyroutingkit'"
            raise ModuleNotFoundError(msg)
        return real_import(name, *args, **kw)  # type: ignore[arg-type]

    def fake_spec(name: str, *args: object, **kw: object) -> object:
        if name.split(".", maxsplit=1)[0] == "pyroutingkit":
            return None
        return real_spec(name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib, "import_module", fake_import)
    monkeypatch.setattr(importlib.util, "find_spec", fake_spec)


def test_cch_without_pyroutingkit_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide_pyroutingkit(monkeypatch)
    G = random_graph(0, directed=False)
    with pytest.raises(OptionalDependencyError, match=r'pip install "urbanchain\[fast\]"'):
        metrics.od_matrix(G, engine="cch")
    with pytest.raises(ImportError):  # also an ImportError for generic handlers
        metrics.centrality(G, engine="cch", length=None)
    # auto never needs it (it takes the bucket hierarchy when numba and pymetis are there)
    assert not _cch.available()
    monkeypatch.setattr(_engines, "AUTO_MIN_ARCS", 1)
    monkeypatch.setattr(_engines, "AUTO_MIN_SEARCHES_BUCKET", 1)
    expected = "bucket" if HAS_BUCKET else "scipy"
    assert metrics.od_matrix(G, sources=list(G.nodes)).attrs["engine"] == expected


def test_auto_survives_a_broken_pyroutingkit(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = importlib.import_module

    def broken(name: str, *args: object, **kw: object) -> object:
        if name == "pyroutingkit":
            msg = "undefined symbol: _ZN10RoutingKit"
            raise ImportError(msg)
        return real_import(name, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib, "import_module", broken)
    monkeypatch.setattr(_cch, "available", lambda: True)  # installed, but does not load
    monkeypatch.setattr(_bucket, "available", lambda: False)  # so that auto tries cch
    monkeypatch.setattr(_engines, "AUTO_MIN_ARCS", 1)
    monkeypatch.setattr(_engines, "AUTO_MIN_SEARCHES", 1)
    _cch.clear()
    G = random_graph(0, directed=False)
    assert metrics.od_matrix(G, sources=list(G.nodes)).attrs["engine"] == "scipy"
    with pytest.raises(OptionalDependencyError, match="urbanchain"):
        metrics.od_matrix(G, engine="cch")


def test_unknown_engine_lists_the_choices() -> None:
    G = random_graph(0, directed=False)
    with pytest.raises(ValueError, match="cch"):
        metrics.od_matrix(G, engine="fast")
    with pytest.raises(ValidationError):
        settings.set(engine="rustworkx")


def test_import_does_not_load_pyroutingkit() -> None:
    code = "import sys, urbanchain; print('pyroutingkit' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-Werror", "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
    assert out.stderr == ""


def test_cch_refuses_weights_it_cannot_round() -> None:
    w = np.array([1e-7, 1e6, 1e6, 1e6])
    with pytest.raises(ValidationError, match="engine='scipy'"):
        _cch.choose_scale(w, 5)
    # a sensible range gets a power of ten that keeps every path below 2**30
    w = np.array([0.25, 3.0, 12.5])
    scale = _cch.choose_scale(w, 4)
    assert math.log10(scale) == int(math.log10(scale))
    assert w.sum() * scale < _cch.PATH_LIMIT <= w.sum() * scale * 10
    # the bound is the sum of the n - 1 largest arcs (a simple path's most), not of all
    w = np.array([1.0] * 100_000 + [1000.0] * 9)
    scale = _cch.choose_scale(w, 10)
    assert scale == 1e5  # 9 x 1000 = 9,000 per path; all arcs (109,000) would force 1e3
    assert 9 * 1000.0 * scale < _cch.PATH_LIMIT <= 9 * 1000.0 * scale * 10


@needs_cch
def test_auto_falls_back_when_weights_cannot_be_rounded(monkeypatch: pytest.MonkeyPatch) -> None:
    G = nx.MultiGraph()
    G.add_edge(0, 1, time_min=1e-7)
    G.add_edge(1, 2, time_min=1e6)
    G.add_edge(2, 3, time_min=1e6)
    with pytest.raises(ValidationError, match="orders of magnitude"):
        metrics.od_matrix(G, sources=[0], targets=[3], engine="cch")
    monkeypatch.setattr(_engines, "AUTO_MIN_ARCS", 1)
    monkeypatch.setattr(_engines, "AUTO_MIN_SEARCHES", 1)
    monkeypatch.setattr(_engines, "AUTO_MIN_SEARCHES_BUCKET", 1)
    with monkeypatch.context() as m:
        m.setattr(_bucket, "available", lambda: False)  # so that auto tries cch
        od = metrics.od_matrix(G, sources=[0], targets=[3])
    assert od.attrs["engine"] == "scipy"
    assert od.iloc[0, 0] == pytest.approx(2e6 + 1e-7)
    if HAS_BUCKET:  # the bucket engine adds floats: no rounding to refuse
        od = metrics.od_matrix(G, sources=[0], targets=[3])
        assert od.attrs["engine"] == "bucket"
        # the 1e-7 edge is kept (a rounding engine would lose it), up to float addition order
        assert abs(od.iloc[0, 0] - (2e6 + 1e-7)) < 5e-8


# ---------------------------------------------------------------------------
# blocks and memory
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", [*ENGINES, "networkx"])
def test_blockwise_results_are_identical(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    G = random_graph(2, directed=True)
    nodes = list(G.nodes)
    whole = metrics.od_matrix(G, sources=nodes, targets=nodes[:30], engine=engine)
    acc = metrics.accessibility(G, mass="population", destinations=nodes, engine=engine)
    cen = metrics.centrality(G, length=None, engine=engine)
    eff = metrics.efficiency(G, engine=engine)
    few = metrics.accessibility(G, mass="population", destinations=nodes[:12], engine=engine)
    monkeypatch.setattr(mc, "BLOCK_BYTES", 8 * 41 * 3)  # 3 rows of 41 nodes per block
    assert mc.block_rows(41) == 3
    pd.testing.assert_frame_equal(
        metrics.od_matrix(G, sources=nodes, targets=nodes[:30], engine=engine), whole
    )
    pd.testing.assert_frame_equal(
        metrics.accessibility(G, mass="population", destinations=nodes, engine=engine), acc
    )
    pd.testing.assert_frame_equal(metrics.centrality(G, length=None, engine=engine), cen)
    # fewer destinations than sources: destination blocks add up to the same sums
    pd.testing.assert_frame_equal(
        metrics.accessibility(G, mass="population", destinations=nodes[:12], engine=engine),
        few,
        check_exact=False,
        rtol=1e-12,
    )
    assert metrics.efficiency(G, engine=engine) == pytest.approx(eff, rel=1e-12)


def test_od_frame_wraps_the_computed_array(monkeypatch: pytest.MonkeyPatch) -> None:
    G = random_graph(1, directed=False)
    nodes = list(G.nodes)
    made: list[np.ndarray] = []
    real = _distance.od_block

    def spy(*args: object, **kw: object) -> np.ndarray:
        out = real(*args, **kw)  # type: ignore[arg-type]
        made.append(out)
        return out

    monkeypatch.setattr(_distance, "od_block", spy)
    od = metrics.od_matrix(G, sources=nodes, targets=nodes)
    arr = od.to_numpy()
    assert np.shares_memory(arr, made[0])  # the frame wraps the array: no second copy
    assert np.isnan(arr).sum() == od.attrs["unreachable"] > 0  # inf became NaN in place
    assert not np.isinf(made[0]).any()


# ---------------------------------------------------------------------------
# sampled betweenness (Brandes & Pich 2007)
# ---------------------------------------------------------------------------


def test_sampled_betweenness_with_k_n_is_exact() -> None:
    G = random_graph(4, directed=False)
    n = G.number_of_nodes()
    exact = metrics.centrality(G, length=None)["betweenness"]
    full = metrics.centrality(G, length=None, k=n, seed=1)["betweenness"]
    more = metrics.centrality(G, length=None, k=10 * n, seed=1)["betweenness"]
    np.testing.assert_allclose(full, exact, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(more, exact, rtol=1e-12, atol=1e-15)
    eb = metrics.edge_betweenness(G)["betweenness"]
    eb_full = metrics.edge_betweenness(G, k=n, seed=3)["betweenness"]
    np.testing.assert_allclose(eb_full, eb, rtol=1e-12, atol=1e-15)


def test_sampled_betweenness_is_unbiased_within_the_hoeffding_bound() -> None:
    G = nx.MultiGraph(nx.connected_watts_strogatz_graph(80, 4, 0.2, seed=3))
    rng = np.random.default_rng(0)
    for _, _, d in G.edges(data=True):
        d["time_min"] = float(rng.uniform(1, 5))
    n = G.number_of_nodes()
    k = 20
    exact = metrics.centrality(G, length=None)["betweenness"].to_numpy()
    runs = np.array(
        [
            metrics.centrality(G, length=None, k=k, seed=s)["betweenness"].to_numpy()
            for s in range(60)
        ]
    )
    one = metrics.centrality(G, length=None, k=k, seed=0)
    assert one.attrs["betweenness_k"] == k
    assert one.attrs["betweenness_seed"] == 0
    # reproducible on a fixed seed, different across seeds
    np.testing.assert_array_equal(runs[0], one["betweenness"].to_numpy())
    assert not np.array_equal(runs[0], runs[1])
    # the documented bound: |error| <= n/(n-1) sqrt(ln(2/alpha) / (2k)), alpha = 0.001
    eps = n / (n - 1) * math.sqrt(math.log(2 / 0.001) / (2 * k))
    assert np.abs(runs - exact).max() <= eps
    # unbiased: the mean of 60 estimates is much closer than a single one
    single = np.abs(runs - exact).mean()
    mean_err = np.abs(runs.mean(axis=0) - exact).mean()
    assert mean_err < single / 3
    # and the estimates sum (total betweenness) to the exact total on average within 5 %
    assert runs.sum(axis=1).mean() == pytest.approx(exact.sum(), rel=0.05)


def test_sampled_betweenness_rejects_bad_k() -> None:
    G = random_graph(0, directed=False)
    for bad in (0, -3, 2.5, True, "10"):
        with pytest.raises(ValidationError, match="k must be"):
            metrics.centrality(G, length=None, k=bad)  # type: ignore[arg-type]


def test_networkx_engine_samples_with_networkx() -> None:
    G = random_graph(4, directed=True)
    n = G.number_of_nodes()
    got = metrics.centrality(G, length=None, k=n, seed=0, engine="networkx")["betweenness"]
    ref = metrics.centrality(G, length=None, engine="networkx")["betweenness"]
    np.testing.assert_allclose(got, ref, rtol=1e-12)


# ---------------------------------------------------------------------------
# urbanchain.graph.Network input
# ---------------------------------------------------------------------------


def _grid_network(directed: bool = False) -> Network:
    """Six vertical and five horizontal lines sharing a vertex at each crossing, plus a parallel."""
    xs = [105.0 + i * 0.05 for i in range(6)]
    ys = [21.0 + j * 0.04 for j in range(5)]
    lines = [LineString([(x, y) for x in xs]) for y in ys]  # a vertex at every crossing
    lines += [LineString([(x, y) for y in ys]) for x in xs]
    lines.append(LineString([(xs[0], ys[0]), (xs[0] + 0.02, ys[0] + 0.01), (xs[1], ys[0])]))
    ids = [f"h{j}" for j in range(5)] + [f"v{i}" for i in range(6)] + ["p0"]
    gdf = gpd.GeoDataFrame({"corridor_id": ids}, geometry=lines, crs="EPSG:4326")
    return graph_from_gdfs(None, gdf, output="network", directed=directed)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("directed", [False, True])
def test_network_input_matches_networkx_without_converting(
    engine: str, directed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = _grid_network(directed)
    G = net.to_networkx()
    ids = list(net.nodes.index)
    mass = dict.fromkeys(ids, 1.0)
    expect = {
        "od": metrics.od_matrix(G, sources=ids[:6], targets=ids, engine=engine),
        "acc": metrics.accessibility(G, mass=mass, engine=engine),
        "cen": metrics.centrality(G, engine=engine),
        "eff": metrics.efficiency(G, engine=engine),
        "crit": metrics.corridor_criticality(G, mass=mass, sources=ids[:8], engine=engine),
    }

    def refuse(self: Network) -> nx.MultiGraph:
        msg = "converted to networkx"
        raise AssertionError(msg)

    monkeypatch.setattr(Network, "to_networkx", refuse)
    got = {
        "od": metrics.od_matrix(net, sources=ids[:6], targets=ids, engine=engine),
        "acc": metrics.accessibility(net, mass=mass, engine=engine),
        "cen": metrics.centrality(net, engine=engine),
        "eff": metrics.efficiency(net, engine=engine),
        "crit": metrics.corridor_criticality(net, mass=mass, sources=ids[:8], engine=engine),
    }
    for key in ("od", "acc", "cen", "crit"):
        pd.testing.assert_frame_equal(got[key], expect[key], check_exact=False, rtol=1e-12)
        assert got[key].attrs == expect[key].attrs
    assert got["eff"] == pytest.approx(expect["eff"], rel=1e-12)
    assert set(got["crit"].index) == {f"h{j}" for j in range(5)} | {f"v{i}" for i in range(6)} | {
        "p0"
    }
    # split into five edges at the crossings (each way on a directed network)
    assert got["crit"].loc["h2", "n_edges"] == (10 if directed else 5)


def test_network_weight_gate_names_edges() -> None:
    net = _grid_network()
    edges = net.edges.copy()
    edges.loc[edges.index[3], "time_min"] = np.nan
    edges.loc[edges.index[5], "time_min"] = -1.0
    bad = Network(nodes=net.nodes, edges=edges, graph=net.graph, directed=False)
    with pytest.raises(ValueError, match=r"(?s)missing \(NaN\) on 1 edge.*negative on 1 edge"):
        metrics.od_matrix(bad)
    with pytest.raises(ValueError, match="'minutes' is missing on all"):
        metrics.od_matrix(net, weight="minutes")
    assert net.edges["time_min"].notna().all()  # the caller's network is untouched


def test_network_default_nodes_and_networkx_engine() -> None:
    net = _grid_network()
    G = net.to_networkx()
    assert mc.default_nodes(net) == mc.default_nodes(G)
    assert mc.base_nodes(net) == mc.base_nodes(G)
    ids = list(net.nodes.index)
    a = metrics.od_matrix(net, sources=ids[:3], targets=ids, engine="networkx")
    b = metrics.od_matrix(G, sources=ids[:3], targets=ids, engine="scipy")
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12)
    assert a.attrs["engine"] == "networkx"


@needs_cch
def test_cch_on_graphs_without_arcs() -> None:
    G = nx.MultiGraph()
    G.add_nodes_from(["a", "b"])
    od = metrics.od_matrix(G, sources=["a", "b"], targets=["a", "b"], engine="cch")
    assert od.attrs["engine"] == "cch"
    assert od.to_numpy()[0, 0] == 0.0
    assert np.isnan(od.to_numpy()[0, 1])
    assert metrics.efficiency(G, engine="cch") == 0.0
    assert metrics.centrality(G, length=None, engine="cch")["harmonic"].tolist() == [0.0, 0.0]


def test_betweenness_never_claims_cch() -> None:
    G = random_graph(0, directed=False)
    requested = "cch" if HAS_CCH else "scipy"
    expected = "igraph" if HAS_CCH and importlib.util.find_spec("igraph") else "scipy"
    if HAS_CCH and _brandes.available():  # cch's betweenness runs as auto's: numba first
        expected = "numba"
    assert metrics.edge_betweenness(G, engine=requested).attrs["engine"] == expected
    cen = metrics.centrality(G, length=None, engine=requested)
    assert cen.attrs["engine"] == requested
    assert cen.attrs["betweenness_engine"] == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("seed", "directed"), GRAPHS)
@pytest.mark.parametrize("direction", ["out", "in"])
def test_gateway_access_and_gravity_match_networkx(
    engine: str, seed: int, directed: bool, direction: str
) -> None:
    G = random_graph(seed, directed=directed)
    for v in (0, 4, 30):
        G.nodes[v]["kind"] = "seaport"
    for v in (7, 25):
        G.nodes[v]["kind"] = "airport"
    nodes = list(G.nodes)
    kw = {"kinds": ("seaport", "airport"), "sources": nodes, "direction": direction}
    ref = metrics.gateway_access(G, engine="networkx", **kw)
    got = metrics.gateway_access(G, engine=engine, **kw)
    assert got.attrs["engine"] == engine
    tol = _dist_tol(G, engine)
    for kind in ("seaport", "airport"):
        np.testing.assert_allclose(
            got[f"{kind}_min"], ref[f"{kind}_min"], rtol=0, atol=tol, equal_nan=True
        )
        # the nearest gateway is the reference's, or one at (within tolerance) the same cost
        for v, gate in got[f"{kind}_id"].items():
            if gate != ref.at[v, f"{kind}_id"]:
                alt = metrics.od_matrix(G, sources=[v], targets=[gate], engine="networkx")
                if direction == "in":
                    alt = metrics.od_matrix(G, sources=[gate], targets=[v], engine="networkx")
                assert alt.iloc[0, 0] == pytest.approx(ref.at[v, f"{kind}_min"], abs=2 * tol)
    gkw = {"mass": "population", "sources": nodes[:10], "targets": nodes}
    g_ref = metrics.gravity(G, engine="networkx", **gkw)
    g_got = metrics.gravity(G, engine=engine, **gkw)
    # M_i M_j / d^2: relative error <= 2 eps (eps: relative distance error)
    np.testing.assert_allclose(
        g_got.to_numpy(), g_ref.to_numpy(), rtol=2.01 * _cch_rel(G, engine), equal_nan=True
    )


def test_network_input_for_the_other_distance_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _grid_network()
    G = net.to_networkx()
    ids = list(net.nodes.index)
    mass = dict.fromkeys(ids, 2.0)
    expect = [
        metrics.detour_index(G, sources=ids[:5], targets=ids[5:]),
        metrics.gravity(G, mass=mass, sources=ids[:5], targets=ids[5:]),
        metrics.network_indices(G),
    ]

    def refuse(self: Network) -> nx.MultiGraph:
        msg = "converted to networkx"
        raise AssertionError(msg)

    monkeypatch.setattr(Network, "to_networkx", refuse)
    got = [
        metrics.detour_index(net, sources=ids[:5], targets=ids[5:]),
        metrics.gravity(net, mass=mass, sources=ids[:5], targets=ids[5:]),
        metrics.network_indices(net),
    ]
    pd.testing.assert_frame_equal(got[0], expect[0], check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(got[1], expect[1], check_exact=False, rtol=1e-12)
    pd.testing.assert_series_equal(got[2], expect[2], check_exact=False, rtol=1e-12)


def test_cch_coordinates_fall_back_to_a_lattice() -> None:
    x = np.array([105.0, 105.1, 105.2])
    y = np.array([21.0, 21.1, 21.2])
    lat, lon = _cch._coords(3, (x, y))
    assert lat.dtype == np.float32
    np.testing.assert_allclose(lat, y, rtol=1e-6)
    np.testing.assert_allclose(lon, x, rtol=1e-6)
    lat, lon = _cch._coords(5, (np.array([1.0, np.nan, 2, 3, 4]), np.zeros(5)))
    assert lat.tolist() == [0, 0, 0, 1, 1]  # width ceil(sqrt(5)) = 3
    assert lon.tolist() == [0, 1, 2, 0, 1]
    assert _cch._coords(4, None)[0].tolist() == [0, 0, 1, 1]


# ---------------------------------------------------------------------------
# every engine metric of the table equals the reference
# ---------------------------------------------------------------------------


def _frames(result: object) -> list[pd.DataFrame]:
    if isinstance(result, pd.DataFrame):
        return [result]
    if isinstance(result, pd.Series):
        return [result.to_frame()]
    return [pd.DataFrame({"value": [result]})]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "case", [c for c in GRAPH_METRICS if c.engine], ids=[c.name for c in GRAPH_METRICS if c.engine]
)
@pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning")
def test_every_engine_metric_equals_the_reference(
    case: MetricCase, engine: str, random_chain: nx.MultiGraph
) -> None:
    """Driven by tests/_metric_table.py: a new engine metric is checked here with no new test."""
    G = random_chain
    ref = _frames(case.call(G, engine="networkx"))
    got = _frames(case.call(G, engine=engine))
    # cch distances are rounded to 1/scale per edge; sums of them to a relative 1e-4 here
    rtol = 1e-9 if engine in ("scipy", "bucket") else 1e-4
    for a, b in zip(got, ref, strict=True):
        num = a.select_dtypes("number").columns
        pd.testing.assert_frame_equal(a[num], b[num], check_exact=False, rtol=rtol, atol=1e-12)
        other = [c for c in a.columns if c not in num]
        if engine in ("scipy", "bucket"):  # ids of nearest gateways may differ on cch ties
            pd.testing.assert_frame_equal(a[other], b[other])


@needs_cch
@pytest.mark.parametrize("slow", [False, True])
def test_auto_falls_back_to_scipy_when_cch_is_slower(
    monkeypatch: pytest.MonkeyPatch, slow: bool
) -> None:
    """``auto`` times cch's first rows against scipy's and switches when cch is slower."""
    import time

    G = random_graph(9, directed=True, n=120, m=400)
    nodes = list(G.nodes)
    monkeypatch.setattr(_bucket, "available", lambda: False)  # cch is auto's second choice
    monkeypatch.setattr(_engines, "AUTO_MIN_ARCS", 10)
    monkeypatch.setattr(_engines, "AUTO_MIN_SEARCHES", 20)
    ref = metrics.od_matrix(G, sources=nodes, targets=nodes, engine="scipy")
    real = _cch.CCHEngine.distances

    def distances(self: _cch.CCHEngine, *a: object, **k: object) -> np.ndarray:
        if slow:
            time.sleep(0.05)  # a hierarchy whose queries are slow on this graph
        return real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(_cch.CCHEngine, "distances", distances)
    got = metrics.od_matrix(G, sources=nodes, targets=nodes)
    assert got.attrs["engine"] == "cch"
    np.testing.assert_allclose(
        got.to_numpy(), ref.to_numpy(), atol=_dist_tol(G, "cch"), equal_nan=True
    )
    if slow:
        fb = got.attrs["fallback"]
        assert fb["engine"] == "scipy"
        assert fb["rows"] == len(nodes) - 18
        assert fb["probe_s_per_row"]["cch"] > fb["probe_s_per_row"]["scipy"]
    else:
        # on 121 nodes either may win: a fallback is recorded only when cch was slower
        fb = got.attrs.get("fallback")
        if fb is not None:
            assert fb["probe_s_per_row"]["cch"] > fb["probe_s_per_row"]["scipy"]
    # explicit engines never probe
    assert "fallback" not in metrics.od_matrix(G, sources=nodes, targets=nodes, engine="cch").attrs


@needs_cch
def test_accessibility_auto_falls_back_when_cch_is_slower(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    G = random_graph(10, directed=False, n=120, m=400)
    monkeypatch.setattr(_bucket, "available", lambda: False)  # cch is auto's second choice
    monkeypatch.setattr(_engines, "AUTO_MIN_ARCS", 10)
    monkeypatch.setattr(_engines, "AUTO_MIN_SEARCHES", 20)
    ref = metrics.accessibility(G, engine="scipy")
    real = _cch.CCHEngine.distances

    def slow(self: _cch.CCHEngine, *a: object, **k: object) -> np.ndarray:
        time.sleep(0.05)
        return real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(_cch.CCHEngine, "distances", slow)
    got = metrics.accessibility(G)
    assert got.attrs["fallback"]["engine"] == "scipy"
    np.testing.assert_allclose(got["accessibility"], ref["accessibility"], rtol=1e-6)
    assert got["destinations_reached"].tolist() == ref["destinations_reached"].tolist()
