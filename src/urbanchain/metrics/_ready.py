"""Ready vs connected: each capital's connectivity against its province's readiness.

Issue 22, item 4.  The connectivity of a capital is the connectivity part of the chain
score (:func:`urbanchain.metrics.chain_score`); its readiness is the published score of
its province (:mod:`urbanchain.readiness`); the classes follow
:func:`urbanchain.readiness.classify_ready_connected` (chain medians by default).  Maps
and the brief draw the result (:func:`urbanchain.maps.ready_connected_map`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CONNECTIVITY_COMPONENTS", "ready_vs_connected"]

#: Chain-score components that make up "connectivity" (the rest is readiness).
CONNECTIVITY_COMPONENTS = ("harmonic", "accessibility", "gateway", "betweenness")


def _connectivity(score: pd.DataFrame) -> pd.Series:
    """Weighted mean of the connectivity z-scores of a chain score table (renormalised)."""
    import numpy as np
    import pandas as pd

    weights = dict(score.attrs.get("weights") or {})
    num = pd.Series(0.0, index=score.index)
    den = pd.Series(0.0, index=score.index)
    for comp in CONNECTIVITY_COMPONENTS:
        col = f"z_{comp}"
        w = float(weights.get(comp, 0.0))
        if col not in score.columns or w <= 0:
            continue
        z = pd.to_numeric(score[col], errors="coerce")
        num = num + (z.fillna(0.0) * w)
        den = den + z.notna().astype(float) * w
    out = num / den.replace(0.0, np.nan)
    return out.rename("connectivity")


def ready_vs_connected(
    chain: Any,
    *,
    index: str = "pci",
    component: str = "overall",
    year: int | None = None,
    score: pd.DataFrame | None = None,
    connected_at: float | None = None,
    ready_at: float | None = None,
    data: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Class each capital as connected and/or ready ("ready vs connected").

    Connectivity of capital :math:`i` is the connectivity part of the chain score
    (:func:`urbanchain.metrics.chain_score`): the weighted mean of its normalised
    components :math:`K` = closeness, accessibility, gateway time, betweenness,

    .. math:: c_i = \frac{\sum_{k \in K_i} w_k z_{ik}}{\sum_{k \in K_i} w_k}

    over the components it has (weights of the chain score).  Readiness :math:`r_i`
    is the published score of its 2008 province for ``index:component`` in ``year``
    (:func:`urbanchain.readiness.chain_values`).  Classes follow
    :func:`urbanchain.readiness.classify_ready_connected`: connected when
    :math:`c_i \ge t_c`, ready when :math:`r_i \ge t_r`, each threshold the median of
    the capitals with both values unless given.

    Parameters
    ----------
    chain
        An :class:`urbanchain.UrbanChain`.
    index, component, year, data
        The readiness indicator (defaults as :func:`urbanchain.maps.readiness_map`:
        PCI overall score, most recent year with every province of the region).
    score
        A precomputed chain score table (default: ``chain_score`` with the province
        population as mass, or without accessibility when too few masses are sourced).
    connected_at, ready_at
        Fixed thresholds instead of the medians.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``node_id``: ``name``, ``province_code``, ``connectivity``,
        ``readiness``, ``connected``, ``ready``, ``quadrant``; ``attrs`` holds the
        thresholds, the rule and the indicator (index, component, year, sources).

    Raises
    ------
    ValidationError
        Fewer than two capitals with both values (median rule), or no readiness data.

    Examples
    --------
    >>> from urbanchain import UrbanChain
    >>> from urbanchain.metrics import ready_vs_connected
    >>> t = ready_vs_connected(UrbanChain.from_region("red_river_delta", year=2025))
    >>> t.attrs["year"], t.attrs["n_compared"]
    (2016, 11)
    >>> bool((t["connected"] == (t["connectivity"] >= t.attrs["connected_at"])).all())
    True
    """
    import pandas as pd

    from urbanchain import readiness
    from urbanchain.metrics._score import chain_score

    if score is None:
        import warnings

        from urbanchain.errors import DataQualityWarning

        nodes = chain.nodes.set_index("node_id")
        mass = "province_population" if "province_population" in nodes.columns else "population"
        capitals = list(chain.capitals)
        have = int(pd.to_numeric(nodes.reindex(capitals)[mass], errors="coerce").notna().sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            score = chain_score(
                chain,
                mass=mass,
                weights=None if 2 * have >= len(capitals) else {"accessibility": 0.0},
            )
    connectivity = _connectivity(score)
    values = readiness.chain_values(
        chain, index=index, component=component, year=year, vintage=2008, data=data
    )
    nodes = chain.nodes.set_index("node_id")
    codes = nodes["province_2008"].reindex(connectivity.index).astype(str).str.zfill(2)
    ready = pd.Series(
        values["score"].reindex(codes.to_numpy()).to_numpy(), index=connectivity.index
    )
    table = readiness.classify_ready_connected(
        connectivity, ready, connected_at=connected_at, ready_at=ready_at
    )
    names = nodes["name"].reindex(table.index).astype(str)
    table.insert(0, "province_code", codes.reindex(table.index))
    table.insert(0, "name", names)
    table.index.name = "node_id"
    table.attrs.update(
        index=index,
        component=component,
        year=values.attrs["year"],
        sources=values.attrs["sources"],
        unit=values.attrs["unit"],
        connectivity="weighted mean of z_" + ", z_".join(CONNECTIVITY_COMPONENTS),
    )
    order = {q: i for i, q in enumerate(readiness.QUADRANTS)}
    return table.sort_values(
        ["quadrant", "connectivity"], key=lambda s: s.map(order) if s.name == "quadrant" else -s
    )
