"""Corridor-specific checks of :func:`urbanchain.layers.validate_layer` (kind ``"corridors"``).

A corridor layer feeds the graph builder, which needs a ``mode`` and a
``status`` on every row and a plausible speed.  These checks make the reader
fail at read time, naming the row and the fix, instead of a scenario failing
later:

* the ``mode`` and ``status`` columns must exist and be filled on every row
  (unknown values are reported by the category check);
* ``design_speed_kmh`` and ``speed_kmh`` must be > 0 and at most
  :data:`MAX_SPEED_KMH` for the row's mode.

Geometries far from every node are checked where the nodes are known, by
:func:`corridors_far_from_nodes` (called by :class:`urbanchain.UrbanChain`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from urbanchain._private._messages import format_ids

__all__ = ["MAX_SPEED_KMH", "check_corridor_values", "corridors_far_from_nodes"]

#: Highest plausible design/operating speed per mode (km/h).  Expressways: the
#: 120 km/h maximum of Circular 38/2024/TT-BGTVT; railways: 350 km/h, the design
#: speed of the planned North-South high-speed line; air: jet cruise speed.
MAX_SPEED_KMH: dict[str, float] = {
    "expressway": 120.0,
    "highway": 100.0,
    "road": 100.0,
    "access": 60.0,
    "railway": 350.0,
    "waterway": 60.0,
    "sea": 80.0,
    "air": 950.0,
}
#: A corridor whose every point is farther than this from every node is refused.
FAR_FROM_NODES_KM = 50.0


def check_corridor_values(st: Any) -> None:
    """Append errors to ``st.report`` for missing mode/status and implausible speeds."""
    gdf = st.gdf
    for col, example in (
        ("mode", "'expressway', 'highway', 'railway'"),
        ("status", "'operational', 'under_construction', 'planned'"),
    ):
        if col not in gdf.columns:
            msg = (
                f"{st.name}: the corridors layer has no {col!r} column; the graph needs it on "
                f"every row. Add a {col!r} column (values such as {example})."
            )
            st.report.errors.append(_issue(st, f"missing_{col}_column", msg, np.zeros(0, int)))
            continue
        missing = np.flatnonzero(pd.isna(gdf[col]).to_numpy() | (gdf[col].astype(str) == ""))
        if len(missing):
            msg = (
                f"{st.name}: {st.rows.describe(missing)} have no {col}. Fill the {col!r} cell "
                f"of each (values such as {example})."
            )
            st.report.errors.append(st.rows.issue(f"missing_{col}", msg, missing))
    mode = gdf["mode"].to_numpy(dtype=object) if "mode" in gdf.columns else None
    for col in ("design_speed_kmh", "speed_kmh"):
        if col not in gdf.columns:
            continue
        v = pd.to_numeric(gdf[col], errors="coerce").to_numpy(dtype=float)
        top = (
            np.array([MAX_SPEED_KMH.get(str(m), np.inf) for m in mode], dtype=float)
            if mode is not None
            else np.full(len(v), max(MAX_SPEED_KMH.values()))
        )
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(np.isfinite(v) & ((v <= 0) | (v > top)))
        if len(bad):
            vals = [f"{v[i]:g} km/h" + (f" ({mode[i]})" if mode is not None else "") for i in bad]
            msg = (
                f"{st.name}: column {col!r} holds implausible speeds in "
                f"{st.rows.describe(bad, vals)}. A speed must be > 0 and at most the mode's "
                f"maximum ({', '.join(f'{k} {w:g}' for k, w in MAX_SPEED_KMH.items())} km/h); "
                "fix the value (km/h, not m/s or mph) or leave the cell empty."
            )
            st.report.errors.append(st.rows.issue("implausible_speed", msg, bad))


def _issue(st: Any, code: str, msg: str, idx: np.ndarray) -> Any:
    return st.rows.issue(code, msg, idx)


def corridors_far_from_nodes(
    nodes: Any, corridors: Any, *, id_col: str = "corridor_id", max_km: float = FAR_FROM_NODES_KM
) -> str | None:
    """Name the corridors farther than ``max_km`` from every node (None when there are none)."""
    import geopandas as gpd

    from urbanchain.crs import METRIC_CRS

    if len(nodes) == 0 or len(corridors) == 0 or nodes.crs is None or corridors.crs is None:
        return None
    n = gpd.GeoSeries(nodes.geometry.values, crs=nodes.crs).to_crs(METRIC_CRS)
    c = gpd.GeoSeries(corridors.geometry.values, crs=corridors.crs).to_crs(METRIC_CRS)
    tree_hits = n.sindex.nearest(c.values, return_distance=True, return_all=False)
    (ci, _), dist = tree_hits
    far = np.zeros(len(c), dtype=bool)
    far[ci] = dist > max_km * 1000.0
    if not far.any():
        return None
    ids = (
        corridors[id_col].to_numpy(dtype=object)
        if id_col in corridors.columns
        else np.arange(len(corridors))
    )
    labels = [f"{id_col} {ids[i]!r} (row {i})" for i in np.flatnonzero(far)]
    return (
        f"corridors {format_ids(labels)} lie more than {max_km:g} km from every node: they "
        "cannot serve the chain. Check their coordinates (CRS, swapped lat/lon) or add the "
        "nodes they serve."
    )
