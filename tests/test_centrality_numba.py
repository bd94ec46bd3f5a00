"""urbanchain's numba Brandes kernel (``engine="auto"`` betweenness) equals NetworkX.

Compared with :func:`networkx.betweenness_centrality`,
:func:`~networkx.edge_betweenness_centrality` (through the ``"networkx"``
engine, which calls it), :func:`~networkx.betweenness_centrality_subset` for a
fixed source sample, and a brute-force count of shortest paths within a
cutoff, on random weighted multigraphs (directed and undirected, two
components and an isolated node, parallel edges of two weights, a
self-loop) and on the bundled Delta; every case also runs with the
reverse Cuthill-McKee renumbering forced on, which large graphs use.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from _graphs import SEED_CASES, brute_cutoff_bc, random_graph, simple
from urbanchain import datasets, metrics
from urbanchain.engine import _brandes
from urbanchain.errors import ValidationError
from urbanchain.graph import graph_from_gdfs
from urbanchain.metrics import _centrality

pytestmark = [
    pytest.mark.skipif(not _brandes.available(), reason="numba not installed"),
    pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning"),
]


@pytest.fixture(params=[False, True], ids=["plain", "renumbered"])
def renumber(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param:
        monkeypatch.setattr(_brandes, "REORDER_MIN_NODES", 1)
    return bool(request.param)


@pytest.mark.parametrize(("seed", "directed"), SEED_CASES)
@pytest.mark.parametrize("normalized", [True, False])
def test_node_and_edge_betweenness_equal_networkx(
    seed: int, directed: bool, normalized: bool, renumber: bool
) -> None:
    G = random_graph(seed, directed=directed)
    got = metrics.centrality(G, length=None, measures=["betweenness"], normalized=normalized)
    assert got.attrs["betweenness_engine"] == "numba"
    bc = nx.betweenness_centrality(G, weight="time_min", normalized=normalized)
    np.testing.assert_allclose(
        got["betweenness"], [bc[v] for v in got.index], rtol=1e-9, atol=1e-12
    )
    eb = metrics.edge_betweenness(G, normalized=normalized)
    ref = metrics.edge_betweenness(G, engine="networkx", normalized=normalized)
    assert eb.attrs["engine"] == "numba"
    assert list(eb.index) == list(ref.index)
    np.testing.assert_allclose(eb["betweenness"], ref["betweenness"], rtol=1e-9, atol=1e-12)
    par = eb[(eb["u"] == 1) & (eb["v"] == 2)]["betweenness"].to_numpy()
    assert par.min() == 0.0  # the parallel edge of larger weight carries no path
    assert par.max() > 0.0


@pytest.mark.parametrize(("seed", "directed"), SEED_CASES)
def test_sampled_betweenness_equals_networkx_subset(
    seed: int, directed: bool, renumber: bool
) -> None:
    """Brandes-Pich: the subset betweenness of the same sample, times n / k."""
    G = random_graph(seed, directed=directed)
    n, k = G.number_of_nodes(), 9
    got = metrics.centrality(G, length=None, k=k, seed=seed, measures=["betweenness"])
    nodes = list(got.index)
    sample = [nodes[i] for i in _centrality._bc_sample(n, k, seed).tolist()]
    sub = nx.betweenness_centrality_subset(
        simple(G), sample, nodes, weight="time_min", normalized=False
    )
    factor = (n / k) * (1 if directed else 2) / ((n - 1) * (n - 2))
    np.testing.assert_allclose(
        got["betweenness"], [sub[v] * factor for v in nodes], rtol=1e-9, atol=1e-12
    )
    # edges: the scipy Brandes kernel on the same sample (itself checked against NetworkX)
    eb = metrics.edge_betweenness(G, k=k, seed=seed)
    es = metrics.edge_betweenness(G, k=k, seed=seed, engine="scipy")
    assert eb.attrs["engine"] == "numba"
    np.testing.assert_allclose(eb["betweenness"], es["betweenness"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("directed", [False, True])
def test_cutoff_matches_a_brute_force_reference(directed: bool, renumber: bool) -> None:
    G = random_graph(5, directed=directed, n=24, m=50)
    got = metrics.centrality(G, length=None, measures=["betweenness"], cutoff=8.0, normalized=False)
    ref = brute_cutoff_bc(simple(G), 8.0)
    scale = 1.0 if directed else 0.5
    np.testing.assert_allclose(
        got["betweenness"], [ref[v] * scale for v in got.index], rtol=1e-9, atol=1e-12
    )
    eb = metrics.edge_betweenness(G, cutoff=8.0)
    eb_s = metrics.edge_betweenness(G, engine="scipy", cutoff=8.0)
    np.testing.assert_allclose(eb["betweenness"], eb_s["betweenness"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("directed", [False, True])
def test_delta_and_its_network_equal_networkx(directed: bool, renumber: bool) -> None:
    net = graph_from_gdfs(
        datasets.nodes(), datasets.corridors(), directed=directed, output="network"
    )
    G = net.to_networkx()
    ref = metrics.centrality(G, length=None, engine="networkx", measures=["betweenness"])
    for graph in (G, net):
        got = metrics.centrality(graph, length=None, measures=["betweenness"])
        np.testing.assert_allclose(got["betweenness"], ref["betweenness"], rtol=1e-9, atol=1e-12)
    er = metrics.edge_betweenness(G, engine="networkx")
    for graph in (G, net):
        eg = metrics.edge_betweenness(graph)
        assert sorted(eg.index) == sorted(er.index)  # a Network lists edges in its own order
        np.testing.assert_allclose(
            eg.loc[er.index, "betweenness"], er["betweenness"], rtol=1e-9, atol=1e-12
        )


def test_explicit_engines_keep_their_own_kernels() -> None:
    G = random_graph(0, directed=False)
    assert metrics.edge_betweenness(G, engine="igraph").attrs["engine"] == "igraph"
    assert metrics.edge_betweenness(G, engine="scipy").attrs["engine"] == "scipy"
    assert metrics.edge_betweenness(G, engine="cch").attrs["engine"] == "numba"
    c = metrics.centrality(G, length=None)
    assert c.attrs["betweenness_engine"] == "numba"
    assert c.attrs["engine"] == "numba"
    assert metrics.centrality(G, length=None, engine="igraph").attrs["engine"] == "igraph"


@pytest.mark.parametrize(("seed", "directed"), SEED_CASES)
def test_closeness_and_harmonic_equal_networkx(seed: int, directed: bool) -> None:
    G = random_graph(seed, directed=directed)
    n = G.number_of_nodes()
    # NetworkX's closeness and harmonic use distances *to* the node: direction="in"
    got = metrics.centrality(G, length=None, direction="in", measures=["closeness", "harmonic"])
    assert got.attrs["engine"] == "numba"
    cl = nx.closeness_centrality(G, distance="time_min", wf_improved=True)
    hc = nx.harmonic_centrality(G, distance="time_min")
    np.testing.assert_allclose(got["closeness"], [cl[v] for v in got.index], rtol=1e-9)
    np.testing.assert_allclose(
        got["harmonic"], [hc[v] / (n - 1) for v in got.index], rtol=1e-9, atol=1e-12
    )
    R = G.reverse() if directed else G
    out = metrics.centrality(G, length=None, measures=["closeness"], normalized=False)
    cl_out = nx.closeness_centrality(R, distance="time_min", wf_improved=True)
    np.testing.assert_allclose(out["closeness"], [cl_out[v] for v in out.index], rtol=1e-9)
    assert list(out.columns) == ["component", "closeness"]


@pytest.mark.parametrize("directed", [False, True])
def test_closeness_within_a_cutoff_equals_igraph(directed: bool) -> None:
    G = random_graph(5, directed=directed, n=24, m=50)
    for direction in ("out", "in"):
        got = metrics.centrality(G, length=None, cutoff=8.0, direction=direction)
        ref = metrics.centrality(G, length=None, cutoff=8.0, direction=direction, engine="igraph")
        for col in ("closeness", "harmonic", "betweenness"):
            np.testing.assert_allclose(got[col], ref[col], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("seed", "directed"), SEED_CASES)
@pytest.mark.parametrize("n_jobs", [2, 3, -1])
def test_threads_give_the_one_thread_values(
    seed: int, directed: bool, n_jobs: int, renumber: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # n_jobs splits the sources among threads: the values equal NetworkX's, as on one
    G = random_graph(seed, directed=directed)
    groups: list[int] = []
    real = _brandes._threaded

    def spy(fn: object, chunks: list[object], threads: int) -> list[object]:
        groups.append(len(chunks))
        return real(fn, chunks, threads)

    monkeypatch.setattr(_brandes, "_threaded", spy)
    got = metrics.centrality(G, length=None, direction="in", n_jobs=n_jobs)
    assert max(groups) > 1
    one = metrics.centrality(G, length=None, direction="in")
    for col in ("closeness", "harmonic", "betweenness"):
        np.testing.assert_allclose(got[col], one[col], rtol=1e-12, atol=1e-15)
    bc = nx.betweenness_centrality(G, weight="time_min")
    np.testing.assert_allclose(
        got["betweenness"], [bc[v] for v in got.index], rtol=1e-9, atol=1e-12
    )
    cl = nx.closeness_centrality(G, distance="time_min", wf_improved=True)
    np.testing.assert_allclose(got["closeness"], [cl[v] for v in got.index], rtol=1e-9)
    sampled = metrics.centrality(
        G, length=None, measures=["betweenness"], k=9, seed=seed, n_jobs=n_jobs
    )
    ref = metrics.centrality(G, length=None, measures=["betweenness"], k=9, seed=seed)
    np.testing.assert_allclose(sampled["betweenness"], ref["betweenness"], rtol=1e-12, atol=1e-15)
    eb = metrics.edge_betweenness(G, n_jobs=n_jobs, cutoff=2.0)
    eb1 = metrics.edge_betweenness(G, cutoff=2.0)
    assert list(eb.index) == list(eb1.index)
    np.testing.assert_allclose(eb["betweenness"], eb1["betweenness"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_n_jobs_says_what_is_allowed(bad: object) -> None:
    G = random_graph(0, directed=False)
    with pytest.raises(ValidationError, match="n_jobs must be a whole number >= 1"):
        metrics.centrality(G, length=None, n_jobs=bad)  # type: ignore[arg-type]


def test_threads_on_a_single_threaded_engine_raise() -> None:
    G = random_graph(0, directed=False)
    with pytest.raises(ValidationError, match="engine='auto'"):
        metrics.edge_betweenness(G, engine="scipy", n_jobs=2)
    assert len(metrics.edge_betweenness(G, engine="scipy", n_jobs=1)) == G.number_of_edges()
