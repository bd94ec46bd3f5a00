"""Node and edge centrality: closeness, harmonic closeness, betweenness."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal, get_args

import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from urbanchain.engine import _brandes
from urbanchain.engine import _select as _engines
from urbanchain.engine._interface import EngineName
from urbanchain.engine._weights import edge_label
from urbanchain.errors import GraphError, ValidationError
from urbanchain.metrics._common import (
    _DIRECTIONS,
    _POLICIES,
    Direction,
    GraphLike,
    Policy,
    Prepared,
    _check_choice,
    _frame_attrs,
    block_rows,
    component_ids,
    dist_rows,
    geodesic_km,
    is_network,
    network_label_array,
    prepare,
    resolve_engine,
    unit_of,
)

# ---------------------------------------------------------------------------
# Centrality and efficiency
# ---------------------------------------------------------------------------


def _check_jobs(n_jobs: int) -> int:
    """Threads for the numba kernels: ``n_jobs >= 1``, or -1 for every usable core."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or not (n_jobs >= 1 or n_jobs == -1):
        msg = f"n_jobs must be a whole number >= 1 (threads), or -1 for every core; got {n_jobs!r}."
        raise ValidationError(msg)
    if n_jobs == -1:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not Linux
            return max(1, os.cpu_count() or 1)
    return n_jobs


def _betweenness_engine(prep: Prepared, req: EngineName, searches: int, threads: int = 1) -> Any:
    """Return the betweenness kernel for ``req``: numba Brandes for ``"auto"``/``"cch"``.

    ``"auto"`` (and ``"cch"``, whose hierarchy gives no shortest-path DAG) run the
    numba kernel when numba is installed (faster than igraph's on one thread:
    no epsilon comparisons, no predecessor lists, nodes renumbered for locality
    on large graphs), else igraph, else scipy; ``"igraph"``, ``"scipy"`` and
    ``"networkx"`` run their own.
    """
    fast = _brandes.for_request(req, prep.csr, betweenness=True, threads=threads)
    return fast if fast is not None else prep.engine(_engines.for_betweenness(req), searches)


def _closeness_engine(prep: Prepared, req: EngineName, searches: int, threads: int = 1) -> Any:
    """Return the closeness/harmonic kernel: numba for ``"auto"`` when installed."""
    fast = _brandes.for_request(req, prep.csr, betweenness=False, threads=threads)
    return fast if fast is not None else prep.engine(_engines.for_closeness(req), searches)


def _check_connected(G: nx.Graph, comp: dict[Any, int], prep: Prepared) -> None:
    strongly = (not G.is_directed()) or (
        connected_components(prep.csr.matrix, directed=True, connection="strong")[0] == 1
    )
    if max(comp.values()) > 0 or not strongly:
        sizes = pd.Series(comp).value_counts().sort_index()
        shown = ", ".join(f"component {i}: {n} nodes" for i, n in sizes.items())
        msg = (
            f"policy='error': the graph is not {'strongly ' if G.is_directed() else ''}connected "
            f"({shown}). Closeness of a disconnected graph depends on a convention; pass "
            f"policy='component' (Wasserman-Faust scaling within each component) or use the "
            f"'harmonic' column, which is defined on disconnected graphs."
        )
        raise GraphError(msg)


def centrality(
    G: GraphLike,
    *,
    weight: str = "time_min",
    normalized: bool = True,
    length: str | None = "length_km",
    policy: Policy = "component",
    direction: Direction = "out",
    k: int | None = None,
    seed: int | None = None,
    engine: EngineName | None = None,
    measures: Sequence[Measure] | None = None,
    cutoff: float | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    r"""Node centralities: degree, closeness, harmonic, betweenness and straightness.

    With :math:`d_{ij}` the weighted shortest-path cost, :math:`r_i` the number
    of nodes reachable from :math:`i` (itself included) and :math:`n` the node count:

    .. math::

        C_i &= \frac{r_i - 1}{\sum_{j} d_{ij}} \cdot \frac{r_i - 1}{n - 1}
        \quad\text{(closeness, Wasserman-Faust scaled)}\\
        H_i &= \frac{1}{n - 1}\sum_{j \ne i} \frac{1}{d_{ij}}
        \quad\text{(harmonic; } 1/\infty = 0\text{)}\\
        B_v &= \frac{2}{(n-1)(n-2)} \sum_{s < t,\; s, t \ne v}
        \frac{\sigma_{st}(v)}{\sigma_{st}}
        \quad\text{(betweenness, undirected)}\\
        S_i &= \frac{1}{n - 1}\sum_{j \ne i} \frac{d^{\mathrm{geo}}_{ij}}{d^{\mathrm{len}}_{ij}}
        \quad\text{(straightness; 0 if unreachable)}

    where :math:`d^{\mathrm{len}}` is the shortest path by ``length`` (km) and
    :math:`d^{\mathrm{geo}}` the geodesic between node coordinates.

    Parameters
    ----------
    G
        Chain graph.
    weight
        Edge cost attribute for closeness, harmonic and betweenness.
    normalized
        Normalise harmonic by :math:`n-1` and betweenness by the number of pairs
        (as NetworkX); when False both are raw sums (undirected betweenness counts
        each unordered pair once).
    length
        Edge length attribute (km) for straightness; None skips straightness.
    policy
        Disconnected graphs: ``"component"`` (default) computes closeness within
        each node's component with the Wasserman-Faust factor :math:`(r_i-1)/(n-1)`
        (NetworkX ``wf_improved=True``); ``"error"`` raises unless the graph is
        (strongly) connected.
    direction
        Directed graphs: ``"out"`` (costs from the node, default) or ``"in"``
        (costs to the node, NetworkX's closeness convention).
    k
        Betweenness from ``k`` sampled sources instead of all ``n`` (Brandes &
        Pich 2007), for large networks: see :func:`edge_betweenness` for the
        estimator and its error.  None (default) is exact.
    seed
        Seed of the source sample (:func:`numpy.random.default_rng`; the
        ``"networkx"`` engine passes it to NetworkX's own sampler).
    engine
        ``"auto"``, ``"scipy"``, ``"cch"``, ``"igraph"`` or ``"networkx"``.
        ``"auto"`` computes closeness, harmonic and betweenness with
        urbanchain's numba kernels when numba is installed
        (``urbanchain[kernels]``; faster than igraph on one thread), else
        igraph's C kernels when python-igraph is installed, else scipy;
        straightness runs on the distance engine ``"auto"`` picks.
        Betweenness needs the shortest-path DAG, which cch cannot give: with
        ``"cch"`` it runs as with ``"auto"``, recorded in
        ``attrs["betweenness_engine"]``.
    measures
        The columns to compute (``component`` is always there): any of
        ``"degree"``, ``"closeness"``, ``"harmonic"``, ``"betweenness"``,
        ``"straightness"``; None (default) computes all (straightness only
        with ``length`` set).  ``measures=["betweenness"], k=...`` runs only
        the sampled sources, never a search from every node.
    cutoff
        Only shortest paths of cost at most ``cutoff`` (``weight`` units)
        count, for closeness, harmonic and betweenness: nodes farther away
        are treated as unreachable (local centrality).  None (default): no
        limit.  Not available on the ``"networkx"`` engine for betweenness.
    n_jobs
        Threads for closeness, harmonic and betweenness on urbanchain's numba
        kernels (``engine="auto"``): the sources are split into ``n_jobs``
        groups searched in parallel; -1 uses every core.  Default 1.  The
        values equal the one-thread ones up to float rounding.  Other engines
        are single-threaded: asking them for more raises.

    Returns
    -------
    pandas.DataFrame
        Indexed by node id: ``component`` (0 = largest), ``degree`` (incident
        edges, parallel edges counted, self-loops not), ``closeness`` (1/unit),
        ``harmonic`` (1/unit), ``betweenness`` and ``straightness`` (ratios);
        only the ``measures`` asked for.

    Raises
    ------
    GraphError
        Empty graph, ``policy="error"`` on a disconnected graph, nodes without
        coordinates (with ``length`` set).
    WeightError
        Invalid weights or lengths.

    References
    ----------
    Freeman, L. C. (1979). Centrality in social networks: conceptual clarification.
    *Social Networks* 1, 215-239.
    Freeman, L. C. (1977). A set of measures of centrality based on betweenness.
    *Sociometry* 40, 35-41.
    Brandes, U. (2001). A faster algorithm for betweenness centrality.
    *Journal of Mathematical Sociology* 25(2), 163-177.
    Wasserman, S. & Faust, K. (1994). *Social Network Analysis*. Cambridge UP.
    Marchiori, M. & Latora, V. (2000). Harmony in the small-world. *Physica A* 285, 539-546.
    Boldi, P. & Vigna, S. (2014). Axioms for centrality. *Internet Mathematics* 10, 222-262.
    Vragović, I., Louis, E. & Díaz-Guilera, A. (2005). Efficiency of informational
    transfer in regular and complex networks. *Physical Review E* 71, 036122.
    Porta, S., Crucitti, P. & Latora, V. (2006). The network analysis of urban
    streets: a primal approach. *Environment and Planning B* 33, 705-725.

    Examples
    --------
    >>> c = centrality(diamond(), length=None)
    >>> c[["degree", "closeness", "harmonic", "betweenness"]].round(4)  # doctest: +NORMALIZE_WHITESPACE
             degree  closeness  harmonic  betweenness
    node_id
    a             2     0.0600    0.0667       0.1667
    b             2     0.0600    0.0778       0.3333
    c             2     0.0429    0.0444       0.0000
    d             2     0.0600    0.0667       0.1667
    """
    req = resolve_engine(engine)
    threads = _check_jobs(n_jobs)
    _check_choice("policy", policy, _POLICIES)
    _check_choice("direction", direction, _DIRECTIONS)
    want = _measures(measures, length)
    cutoff = _check_cutoff(cutoff)
    prep = prepare(G, weight)
    lprep = (
        prepare(G, length, what="length", warn=False)
        if length is not None and "straightness" in want
        else None
    )
    nodes = prep.csr.nodes
    n = len(nodes)
    sample = _bc_sample(n, k, seed)
    comp = component_ids(prep)
    if policy == "error" and "closeness" in want:
        _check_connected(G, comp, prep)
    reverse = direction == "in"
    data: dict[str, Any] = {"component": [comp[v] for v in nodes]}
    units: dict[str, str] = {"component": "id"}
    unit = unit_of(G, weight)
    eng: Any = None
    if "degree" in want:
        # incident edges without self-loops (in + out on a directed graph)
        csr = prep.csr
        degree = np.bincount(csr.edge_u, minlength=n) + np.bincount(csr.edge_v, minlength=n)
        data["degree"] = np.asarray(degree, dtype=np.int64)
        units["degree"] = "count"
    if "closeness" in want or "harmonic" in want:
        eng = _closeness_engine(prep, req, n, threads)
        closeness, harmonic = eng.closeness_harmonic(reverse=reverse, cutoff=cutoff)
        if normalized and n > 1:
            harmonic = harmonic / (n - 1)
        if "closeness" in want:
            data["closeness"] = closeness
            units["closeness"] = f"1/{unit}"
        if "harmonic" in want:
            data["harmonic"] = harmonic
            units["harmonic"] = f"1/{unit}"
    beng = None
    if "betweenness" in want:
        nsearch = n if sample is None else len(sample)
        beng = _betweenness_engine(prep, req, nsearch, threads)
        data["betweenness"] = beng.node_betweenness(
            sample, normalized=normalized, seed=seed, cutoff=cutoff
        )
        units["betweenness"] = "share of pairs" if normalized else "pairs"
    if lprep is not None:
        data["straightness"] = _straightness(G, lprep, req, nodes, reverse=reverse)
        units["straightness"] = "ratio"
    if eng is None:
        eng = beng if beng is not None else prep.engine(req, searches=0)
    df = pd.DataFrame(data, index=pd.Index(nodes, name="node_id"))
    _frame_attrs(
        df,
        prep,
        eng,
        units=units,
        policy=policy,
        direction=direction,
        normalized=normalized,
        n_components=max(comp.values(), default=-1) + 1,
        betweenness_engine=None if beng is None else beng.betweenness_name,
        betweenness_k=None if sample is None else len(sample),
        betweenness_seed=seed,
        cutoff=cutoff,
    )
    return df


Measure = Literal["degree", "closeness", "harmonic", "betweenness", "straightness"]
_MEASURES: tuple[Measure, ...] = get_args(Measure)


def _measures(measures: Sequence[Measure] | None, length: str | None) -> set[str]:
    want: set[str]
    if measures is None:
        want = set(_MEASURES)
        if length is None:
            want.discard("straightness")
        return want
    if isinstance(measures, str):
        measures = [measures]  # type: ignore[list-item]
    for m in measures:
        _check_choice("measure", m, _MEASURES)
    want = set(measures)
    if "straightness" in want and length is None:
        msg = "measures includes 'straightness' but length=None; pass length='length_km'."
        raise ValidationError(msg)
    return want


def _check_cutoff(cutoff: float | None) -> float | None:
    if cutoff is None:
        return None
    ok = isinstance(cutoff, int | float | np.number) and not isinstance(cutoff, bool)
    if not ok or not np.isfinite(cutoff) or cutoff <= 0:
        msg = f"cutoff must be None or a positive finite cost (weight units); got {cutoff!r}."
        raise ValidationError(msg)
    return float(cutoff)


def _straightness(
    G: Any, lprep: Prepared, req: Any, nodes: list[Any], *, reverse: bool
) -> np.ndarray:
    n = len(nodes)
    straight = np.zeros(n)
    all_nodes = list(nodes)
    leng = lprep.engine(req, searches=n)
    step = max(1, block_rows(n) // 4)  # geodesics hold a few chunk x n arrays
    for start in range(0, n, step):
        chunk = all_nodes[start : start + step]
        dl = dist_rows(lprep, chunk, leng, reverse=reverse)
        geo = geodesic_km(G, chunk, all_nodes)  # symmetric, so also right for reverse
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(np.isfinite(dl) & (dl > 0), geo / dl, 0.0)
        straight[start : start + len(chunk)] = ratio.sum(axis=1) / max(n - 1, 1)
    return straight


def _bc_sample(n: int, k: int | None, seed: int | None) -> np.ndarray | None:
    """Sorted sample of ``k`` distinct source rows (None = exact, all sources)."""
    if k is None:
        return None
    if not (isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1):
        msg = f"k must be None (exact) or a positive integer number of sampled sources; got {k!r}."
        raise ValidationError(msg)
    if k >= n:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=int(k), replace=False))


def _network_edge_frame(net: Any, prep: Prepared, value: np.ndarray) -> pd.DataFrame:
    """Edge betweenness rows of a :class:`~urbanchain.graph.Network`, from arrays."""
    edges = net.edges
    m = len(edges)
    ids = net.nodes.index
    bet = np.zeros(m)
    rows = prep.csr.edge_rows
    assert rows is not None
    bet[rows] = value
    corr = (
        edges["corridor_id"].to_numpy(dtype=object)
        if "corridor_id" in edges.columns
        else np.full(m, None, dtype=object)
    )
    corr = corr.copy()
    corr[pd.isna(corr)] = None
    return pd.DataFrame(
        {
            "u": ids.take(edges["u_pos"].to_numpy()).to_numpy(dtype=object),
            "v": ids.take(edges["v_pos"].to_numpy()).to_numpy(dtype=object),
            "corridor_id": corr,
            "betweenness": bet,
        },
        index=pd.Index(network_label_array(net, np.arange(m)).tolist(), name="edge_id"),
    )


def _close_harm(d: np.ndarray, pos: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return closeness (Wasserman-Faust) and raw harmonic sums for a block of rows."""
    fin = np.isfinite(d)
    r = fin.sum(axis=1)  # reachable nodes including self
    total = np.where(fin, d, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(fin & (d > 0), 1.0 / d, 0.0)
        cl = np.where(total > 0, (r - 1) / total, 0.0)
    if n > 1:
        cl = cl * (r - 1) / (n - 1)
    return cl, inv.sum(axis=1)


def edge_betweenness(
    G: GraphLike,
    *,
    weight: str = "time_min",
    normalized: bool = True,
    k: int | None = None,
    seed: int | None = None,
    engine: EngineName | None = None,
    cutoff: float | None = None,
    n_jobs: int = 1,
) -> pd.DataFrame:
    r"""Edge betweenness (Brandes 2001), keyed by ``edge_id``.

    .. math:: B_e = \frac{1}{n(n-1)} \sum_{s \ne t} \frac{\sigma_{st}(e)}{\sigma_{st}}

    On a multigraph the value of a node pair is shared equally between its
    parallel edges of minimum weight (others get 0), as in NetworkX; self-loops get 0.

    **Sampled betweenness** (``k`` set, Brandes & Pich 2007): the dependencies
    are accumulated from ``k`` sources drawn uniformly without replacement and
    multiplied by :math:`n/k`,

    .. math:: \hat B = \frac{n}{k} \sum_{s \in S_k} \delta_{s\bullet},
        \qquad \mathbb{E}[\hat B] = B,

    an unbiased estimate of the exact value (``k >= n`` is exact).  Each
    source's term, divided by its largest possible value, lies in [0, 1], so by
    Hoeffding's inequality the normalised estimate of a node (or edge) is within

    .. math:: \varepsilon = \frac{n}{n-1}\sqrt{\frac{\ln(2/\alpha)}{2k}}

    of the exact normalised value with probability at least :math:`1-\alpha`
    (a worst-case bound: about 0.043 for :math:`k = 1000, \alpha = 0.05`; the
    observed error is usually far smaller).  ``betweenness_k`` and
    ``betweenness_seed`` are in ``attrs``.

    Parameters
    ----------
    G
        Chain graph.
    weight
        Edge cost attribute.
    normalized
        Divide by :math:`n(n-1)`; when False, raw counts (undirected: unordered pairs).
    k
        Number of sampled sources (None: exact, every source).
    seed
        Seed of the sample (:func:`numpy.random.default_rng`; NetworkX's own sampler
        with ``engine="networkx"``).
    engine
        ``"auto"``, ``"scipy"``, ``"igraph"`` or ``"networkx"``.  ``"auto"`` runs
        urbanchain's numba Brandes kernel when numba is installed, else
        igraph's C kernel when python-igraph is installed, else the scipy
        Brandes kernel.  Betweenness needs the shortest-path DAG, which the cch
        engine does not expose: ``"cch"`` runs as ``"auto"`` and
        ``attrs["engine"]`` says which ran.
    cutoff
        Only shortest paths of cost at most ``cutoff`` count (None: all); not
        on the ``"networkx"`` engine.
    n_jobs
        Threads for the numba kernel (``engine="auto"``; -1: every core), as
        in :func:`centrality`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``edge_id``: ``u``, ``v``, ``corridor_id`` (if present) and ``betweenness``.

    Raises
    ------
    WeightError
        Invalid weights.

    References
    ----------
    Brandes, U. (2001). A faster algorithm for betweenness centrality.
    *Journal of Mathematical Sociology* 25(2), 163-177.
    Brandes, U. & Pich, C. (2007). Centrality estimation in large networks.
    *International Journal of Bifurcation and Chaos* 17(7), 2303-2318.

    Examples
    --------
    >>> edge_betweenness(diamond(), normalized=False)["betweenness"].tolist()
    [2.5, 1.5, 2.5, 1.5]
    """
    req = resolve_engine(engine)
    threads = _check_jobs(n_jobs)
    prep = prepare(G, weight)
    n = prep.csr.n
    sample = _bc_sample(n, k, seed)
    cutoff = _check_cutoff(cutoff)
    eng = _betweenness_engine(prep, req, n if sample is None else len(sample), threads)
    # one value per non-self-loop edge (csr order); self-loops get 0
    value = eng.edge_betweenness_csr(sample, normalized=normalized, seed=seed, cutoff=cutoff)
    if is_network(G):
        df = _network_edge_frame(G, prep, value)
    else:
        multi = G.is_multigraph()
        rows: list[tuple[Any, Any, Any, Any, float]] = []
        pos = 0
        edges = G.edges(keys=True, data=True) if multi else G.edges(data=True)
        for e in edges:
            u, v, ek, d = e if multi else (e[0], e[1], None, e[2])
            val = 0.0
            if u != v:
                val = float(value[pos])
                pos += 1
            rows.append((edge_label(u, v, ek, d), u, v, d.get("corridor_id"), val))
        df = pd.DataFrame(
            rows, columns=["edge_id", "u", "v", "corridor_id", "betweenness"]
        ).set_index("edge_id")
    _frame_attrs(
        df,
        prep,
        eng,
        units={"betweenness": "share of pairs" if normalized else "pairs"},
        betweenness_k=None if sample is None else len(sample),
        betweenness_seed=seed,
    )
    return df
