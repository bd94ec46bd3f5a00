"""Injection corpus and a small synthetic chain for the map tests (bad-inputs.md §1).

Payloads that would run set ``window.__pwned`` (or call ``alert``), which the browser
tests trap. :func:`synthetic_chain` builds 3 provinces, 3 corridors of mixed status
and 4 nodes; with ``text=`` it puts that text into every text field: names,
attribute values, an extra column's name, kinds/modes/statuses, ids and metric names.
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, Polygon

PAYLOADS: dict[str, str] = {
    "img_onerror": '<img src=x onerror="window.__pwned=1">',
    "script_close": "</script><script>window.__pwned=2</script>",
    "template_substitution": "${window.__pwned=3}",
    "lone_backtick": "O`Brien",
    "double_quote": '" onmouseover="window.__pwned=4" x="',
    "single_quote": "' onmouseover='window.__pwned=5' x='",
    "svg_onload": "'><svg onload=window.__pwned=6>",
    "backslash_digit": "\\1\\0\\x3cscript\\u003e",
    "line_separators": "a\u2028b\u2029c",
    "html_comment": "<!--<script>window.__pwned=7</script>-->",
    "ten_kb": ("<b>x</b>${window.__pwned=8}`" * 400)[:10_240],
    "vietnamese": "Thành phố Hạ Long – Quảng Ninh (Vịnh Bắc Bộ)",
}

#: Fragments that must never appear verbatim in the rendered page when they come
#: from data: they would close the script or create live markup.
DANGEROUS_FRAGMENTS = (
    "</script><script>window.__pwned",
    "<img src=x onerror",
    "<svg onload",
    "<!--<script>",
    "<b>x</b>",
)


def synthetic_chain(text: str | None = None) -> SimpleNamespace:
    """Return 3 provinces, 3 corridors (operational, under construction, planned), 4 nodes.

    Parameters
    ----------
    text
        When given, injected into every text field.
    """
    t = text
    prov_names = [t or "Hà Nội", t or "Hải Phòng", t or "Quảng Ninh"]
    extra_col = t if t is not None else "note"
    provinces = gpd.GeoDataFrame(
        {
            "code": ["01", "31", t or "22"],
            "name_vi": prov_names,
            "kind": ["city", "city", t or "province"],
            "members_2008": ["01,28", "31,30", t or "22"],
            "population": [8_400_000.0, np.nan, 1_400_000.0],
            extra_col: [t or "capital region", t or "port", t or "bay"],
        },
        geometry=[
            Polygon([(105.3, 20.6), (106.0, 20.6), (106.0, 21.4), (105.3, 21.4)]),
            Polygon([(106.0, 20.6), (106.8, 20.6), (106.8, 21.0), (106.0, 21.0)]),
            Polygon([(106.8, 20.8), (107.8, 20.8), (107.8, 21.6), (106.8, 21.6)]),
        ],
        crs="EPSG:4326",
    )
    provinces.attrs["units"] = {"population": t or "people"}
    corridors = gpd.GeoDataFrame(
        {
            "corridor_id": ["ct04_ha_noi_hai_phong", "rail_ha_noi_ha_long", t or "ql18_planned"],
            "name": [t or "CT.04 Hà Nội – Hải Phòng", t or "Rail Hà Nội – Hạ Long", t or "QL18"],
            "code": ["CT.04", "", t or "QL18"],
            "mode": ["expressway", "railway", t or "highway"],
            "status": ["operational", "under_construction", t or "planned"],
            "criticality": [0.8, np.nan, 0.3],
            extra_col: [t or "a", t or "b", t or "c"],
        },
        geometry=[
            LineString([(105.85, 21.03), (106.68, 20.86)]),
            LineString([(105.85, 21.03), (106.4, 21.2), (107.08, 20.95)]),
            LineString([(106.68, 20.86), (107.08, 20.95)]),
        ],
        crs="EPSG:4326",
    )
    nodes = gpd.GeoDataFrame(
        {
            "node_id": ["ha_noi", "hai_phong", "ha_long", t or "noi_bai_airport"],
            "name": [t or "Hà Nội", t or "Hải Phòng", t or "Hạ Long", t or "Sân bay Nội Bài"],
            "kind": ["city", "city", "city", t or "airport"],
            "is_capital": [True, True, False, False],
            "score": [0.9, 0.5, np.nan, 0.2],
            extra_col: [t or "x", t or "y", t or "z", t or "w"],
        },
        geometry=[
            Point(105.85, 21.03),
            Point(106.68, 20.86),
            Point(107.08, 20.95),
            Point(105.8, 21.22),
        ],
        crs="EPSG:4326",
    )
    return SimpleNamespace(provinces=provinces, corridors=corridors, nodes=nodes)


def node_scores(chain: SimpleNamespace, name: str = "chain score") -> pd.Series:
    """A score table keyed by node_id, as urbanchain.metrics would return."""
    series = pd.Series(
        [0.9, 0.5, np.nan, 0.2], index=chain.nodes["node_id"].to_list(), name=name, dtype="float64"
    )
    return series


def template_free_names(m: object) -> list[str]:
    """Walk a folium map's element tree; assert every macro element is TemplateFree.

    Returns the names of the macro elements seen, so a test can also check that the
    walk reached the map's layers (docs/security.md: no user text reaches a Jinja
    template).
    """
    from branca.element import MacroElement

    from urbanchain.maps import _template_free as tf

    stack: list[object] = [m]
    names: list[str] = []
    while stack:
        element = stack.pop()
        if isinstance(element, MacroElement):
            assert isinstance(element, tf.TemplateFree), type(element)
            names.append(element._name)
        stack.extend(element._children.values())  # type: ignore[attr-defined]
    return names
