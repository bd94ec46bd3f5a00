"""The igraph centrality engine equals NetworkX's own functions.

Compared directly with :func:`networkx.betweenness_centrality`,
:func:`~networkx.edge_betweenness_centrality`, the subset variant for a fixed
source sample, :func:`~networkx.closeness_centrality` (``wf_improved``) and
:func:`~networkx.harmonic_centrality` on random weighted multigraphs
(directed and undirected, disconnected, parallel edges, self-loops), and on the
bundled Delta graph.  Random float weights have no ties, so 1e-9 is the
floating-point tolerance.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from _graphs import SEED_CASES, brute_cutoff_bc, random_graph, simple
from urbanchain import datasets, metrics
from urbanchain.engine import _brandes, _igraph
from urbanchain.engine import _select as _engines
from urbanchain.errors import UnknownNameError, ValidationError
from urbanchain.graph import graph_from_gdfs
from urbanchain.metrics import _centrality

pytestmark = [
    pytest.mark.skipif(not _igraph.available(), reason="python-igraph not installed"),
    pytest.mark.filterwarnings("ignore::urbanchain.errors.DataQualityWarning"),
]


@pytest.mark.parametrize(("seed", "directed"), SEED_CASES)
@pytest.mark.parametrize("normalized", [True, False])
def test_node_betweenness_closeness_harmonic_equal_networkx(
    seed: int, directed: bool, normalized: bool
) -> None:
    G = random_graph(seed, directed=directed)
    got = metrics.centrality(G, length=None, engine="igraph", normalized=normalized)
    assert got.attrs["engine"] == "igraph"
    assert got.attrs["betweenness_engine"] == "igraph"
    nodes = list(got.index)
    bc = nx.betweenness_centrality(G, weight="time_min", normalized=normalized)
    np.testing.assert_allclose(got["betweenness"], [bc[v] for v in nodes], rtol=1e-9, atol=1e-12)
    # NetworkX's closeness uses distances *to* the node: direction="in"
    got_in = metrics.centrality(G, length=None, engine="igraph", direction="in")
    cl = nx.closeness_centrality(G, distance="time_min", wf_improved=True)
    np.testing.assert_allclose(got_in["closeness"], [cl[v] for v in nodes], rtol=1e-9, atol=1e-12)
    hc = nx.harmonic_centrality(G, distance="time_min")  # also distances to the node
    n = len(nodes)
    np.testing.assert_allclose(
        got_in["harmonic"], [hc[v] / (n - 1) for v in nodes], rtol=1e-9, atol=1e-12
    )
    # direction="out" is NetworkX on the reversed graph
    R = G.reverse() if directed else G
    cl_out = nx.closeness_centrality(R, distance="time_min", wf_improved=True)
    got_out = metrics.centrality(G, length=None, engine="igraph", measures=["closeness"])
    np.testing.assert_allclose(got_out["closeness"], [cl_out[v] for v in nodes], rtol=1e-9)


@pytest.mark.parametrize(("seed", "directed"), SEED_CASES)
@pytest.mark.parametrize("normalized", [True, False])
def test_edge_betweenness_equals_networkx(seed: int, directed: bool, normalized: bool) -> None:
    G = random_graph(seed, directed=directed)
    got = metrics.edge_betweenness(G, engine="igraph", normalized=normalized)
    ref = metrics.edge_betweenness(G, engine="networkx", normalized=normalized)
    assert got.attrs["engine"] == "igraph"
    np.testing.assert_allclose(got["betweenness"], ref["betweenness"], rtol=1e-9, atol=1e-12)
    # the parallel edge of larger weight gets nothing, the self-loop nothing
    par = got[(got["u"] == 1) & (got["v"] == 2)]["betweenness"].to_numpy()
    assert par.min() == 0.0
    assert par.max() > 0.0


@pytest.mark.parametrize(("seed", "directed"), SEED_CASES)
def test_sampled_betweenness_equals_networkx_subset(seed: int, directed: bool) -> None:
    """Brandes-Pich: the subset betweenness of the same sample, times n / k."""
    G = random_graph(seed, directed=directed)
    n, k = G.number_of_nodes(), 9
    got = metrics.centrality(G, length=None, k=k, seed=seed, engine="igraph")
    scipy = metrics.centrality(G, length=None, k=k, seed=seed, engine="scipy")
    np.testing.assert_allclose(got["betweenness"], scipy["betweenness"], rtol=1e-9, atol=1e-12)
    nodes = list(got.index)
    sample = [nodes[i] for i in _centrality._bc_sample(n, k, seed).tolist()]
    sub = nx.betweenness_centrality_subset(
        simple(G), sample, nodes, weight="time_min", normalized=False
    )
    factor = (n / k) * (1 if directed else 2) / ((n - 1) * (n - 2))
    np.testing.assert_allclose(
        got["betweenness"], [sub[v] * factor for v in nodes], rtol=1e-9, atol=1e-12
    )
    eg = metrics.edge_betweenness(G, k=k, seed=seed, engine="igraph")
    es = metrics.edge_betweenness(G, k=k, seed=seed, engine="scipy")
    np.testing.assert_allclose(eg["betweenness"], es["betweenness"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("directed", [False, True])
def test_cutoff_matches_a_brute_force_reference(directed: bool) -> None:
    G = random_graph(5, directed=directed, n=24, m=50)
    cutoff = 8.0
    got = metrics.centrality(G, length=None, engine="igraph", cutoff=cutoff, normalized=False)
    via_scipy = metrics.centrality(G, length=None, engine="scipy", cutoff=cutoff, normalized=False)
    ref = brute_cutoff_bc(simple(G), cutoff)
    scale = 1.0 if directed else 0.5
    nodes = list(got.index)
    np.testing.assert_allclose(
        got["betweenness"], [ref[v] * scale for v in nodes], rtol=1e-9, atol=1e-12
    )
    for col in ("betweenness", "closeness", "harmonic"):
        np.testing.assert_allclose(got[col], via_scipy[col], rtol=1e-9, atol=1e-12)
    # closeness within the cutoff: nodes farther away count as unreachable
    R = simple(G).reverse() if directed else simple(G)
    n = len(nodes)
    for v in nodes[:10]:
        d = nx.single_source_dijkstra_path_length(
            R.reverse() if directed else R, v, cutoff=cutoff, weight="time_min"
        )
        r = len(d)
        total = sum(d.values())
        want = 0.0 if total == 0 else (r - 1) / total * (r - 1) / (n - 1)
        assert got.loc[v, "closeness"] == pytest.approx(want, rel=1e-9, abs=1e-12)
        assert got.loc[v, "harmonic"] == pytest.approx(
            sum(1 / x for x in d.values() if x > 0), rel=1e-9
        )
    assert got.attrs["cutoff"] == cutoff
    eb = metrics.edge_betweenness(G, engine="igraph", cutoff=cutoff)
    eb_s = metrics.edge_betweenness(G, engine="scipy", cutoff=cutoff)
    np.testing.assert_allclose(eb["betweenness"], eb_s["betweenness"], rtol=1e-9, atol=1e-12)


def test_bad_cutoff_and_measures_say_what_to_pass() -> None:
    G = random_graph(0, directed=False)
    for bad in (0, -1.0, float("nan"), True, "5"):
        with pytest.raises(ValidationError, match="cutoff must be"):
            metrics.centrality(G, length=None, cutoff=bad)  # type: ignore[arg-type]
    with pytest.raises(UnknownNameError, match="measure"):
        metrics.centrality(G, length=None, measures=["pagerank"])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="length="):
        metrics.centrality(G, length=None, measures=["straightness"])
    with pytest.raises(ValidationError, match="engine="):
        metrics.centrality(G, length=None, engine="networkx", cutoff=3.0)


def test_sampled_betweenness_never_searches_from_every_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``measures=["betweenness"], k=...`` runs no closeness sweep at all."""
    G = random_graph(1, directed=True)

    def boom(*_a: object, **_k: object) -> None:
        msg = "closeness ran"
        raise AssertionError(msg)

    monkeypatch.setattr(_igraph.IGraphEngine, "closeness_harmonic", boom)
    got = metrics.centrality(G, length=None, k=5, seed=0, measures=["betweenness"])
    assert list(got.columns) == ["component", "betweenness"]
    assert got.attrs["betweenness_k"] == 5


def test_auto_uses_igraph_for_centralities() -> None:
    assert _engines.for_betweenness("auto") == "igraph"
    assert _engines.for_betweenness("scipy") == "scipy"
    assert _engines.for_closeness("auto") == "igraph"
    G = random_graph(0, directed=False)
    # auto prefers urbanchain's numba kernels when numba is installed (test_centrality_numba)
    want = "numba" if _brandes.available() else "igraph"
    assert metrics.centrality(G, length=None).attrs["engine"] == want


@pytest.mark.parametrize("directed", [False, True])
def test_delta_centralities_equal_networkx(directed: bool) -> None:
    G = graph_from_gdfs(datasets.nodes(), datasets.corridors(), directed=directed)
    got = metrics.centrality(G, length=None, engine="igraph")
    ref = metrics.centrality(G, length=None, engine="networkx")
    for col in ("closeness", "harmonic", "betweenness"):
        np.testing.assert_allclose(got[col], ref[col], rtol=1e-9, atol=1e-12)
    eg = metrics.edge_betweenness(G, engine="igraph")
    er = metrics.edge_betweenness(G, engine="networkx")
    np.testing.assert_allclose(eg["betweenness"], er["betweenness"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("engine", ["igraph", "scipy", "networkx"])
@pytest.mark.parametrize("directed", [False, True])
def test_network_edge_betweenness_equals_networkx_input(engine: str, directed: bool) -> None:
    """The array path for a Network gives the frame the networkx path gives."""
    net = graph_from_gdfs(
        datasets.nodes(), datasets.corridors(), directed=directed, output="network"
    )
    G = net.to_networkx()
    got = metrics.edge_betweenness(net, engine=engine, k=30, seed=2)
    ref = metrics.edge_betweenness(G, engine=engine, k=30, seed=2)
    if engine == "networkx":  # NetworkX samples by node order of its own graph
        got = metrics.edge_betweenness(net, engine=engine)
        ref = metrics.edge_betweenness(G, engine=engine)
    assert got.index.is_unique
    # rows follow Network.edges order (networkx orders them by adjacency)
    ref = ref.loc[got.index]
    pd.testing.assert_frame_equal(
        got[["corridor_id", "betweenness"]],
        ref[["corridor_id", "betweenness"]],
        check_exact=False,
        rtol=1e-12,
    )
    ends = zip(got["u"], got["v"], ref["u"], ref["v"], strict=True)
    if directed:
        assert all((a, b) == (c, d) for a, b, c, d in ends)
    else:  # networkx reports an undirected edge's ends in adjacency order
        assert all({a, b} == {c, d} for a, b, c, d in ends)
    assert got.attrs == ref.attrs
