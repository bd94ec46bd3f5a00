"""The "ready vs connected" block of the decision brief (issue 22).

One section: the quadrant chart of :func:`urbanchain.metrics.ready_vs_connected` (PNG
embedded as a ``data:`` URI), the rule with its thresholds, a table of every capital
(connectivity, readiness, class) and the readiness source.  When the chain has no
readiness values the section says why instead of showing a chart.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

from urbanchain.errors import ValidationError
from urbanchain.maps import _i18n as i18n

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["readiness_section"]


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def readiness_section(
    chain: Any,
    *,
    lang: i18n.Lang,
    score: pd.DataFrame | None = None,
    index: str = "pci",
    component: str = "overall",
    year: int | None = None,
) -> dict[str, Any]:
    """Build the brief's "ready vs connected" section (chart, rule, table, source).

    Parameters
    ----------
    chain
        An :class:`urbanchain.UrbanChain`.
    lang
        ``"vi"`` or ``"en"``.
    score
        A precomputed chain score table (the main job's), else computed.
    index, component, year
        The readiness indicator (defaults of :func:`urbanchain.maps.readiness_map`).

    Returns
    -------
    dict
        ``title``, ``note`` (the rule), ``chart`` (data URI or None), ``alt``, ``head``,
        ``rows``, ``source`` and ``unavailable`` (the reason, or None), for the template.
    """
    from urbanchain import metrics
    from urbanchain.maps import _readiness as rd

    title = i18n.text("rd_section", lang)
    try:
        table = metrics.ready_vs_connected(
            chain, index=index, component=component, year=year, score=score
        )
    except ValidationError as exc:
        return {
            "title": title,
            "note": "",
            "chart": None,
            "alt": "",
            "head": [],
            "rows": [],
            "source": "",
            "unavailable": i18n.text("rd_unavailable", lang, reason=str(exc)),
        }
    a = table.attrs
    indicator = i18n.text(
        "rd_legend",
        lang,
        index=index.upper(),
        component=rd._component_name(component, lang),
        year=a["year"],
    )
    head = [
        i18n.text("rd_city", lang),
        i18n.text("rd_province", lang),
        i18n.text("rd_connectivity_short", lang) + " (0–1)",
        indicator,
        i18n.text("rd_class", lang),
    ]
    provinces = getattr(chain, "provinces_2008", None)
    names = (
        dict(zip(provinces["code"].astype(str), provinces["name_vi"].astype(str), strict=True))
        if provinces is not None and "name_vi" in provinces.columns
        else {}
    )
    rows = []
    for _, r in table.iterrows():
        q = r["quadrant"]
        rows.append(
            [
                str(r["name"]),
                names.get(str(r["province_code"]), str(r["province_code"])),
                rd._two(r["connectivity"], lang),
                rd._two(r["readiness"], lang),
                i18n.text(f"rd_q_{q}", lang),
            ]
        )
    chart = _png(rd.ready_connected_plot(table, lang=lang))
    return {
        "title": title,
        "note": rd._rule_text(table, lang),
        "chart": chart,
        "alt": i18n.text("rd_chart", lang),
        "head": head,
        "rows": rows,
        "source": rd._source_line(index, a["sources"], user=False, lang=lang),
        "unavailable": None,
    }
