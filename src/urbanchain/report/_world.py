"""The brief's world section (issue 20): each capital's best route to the main hubs.

:func:`world_table` turns a :func:`urbanchain.world.world_access` table into the brief's
table (one row per capital, one column per main hub: indicative door-to-hub hours and km
and the gateway used); :func:`world_section` adds the world map (interactive and print).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from urbanchain.maps import _i18n as i18n

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["world_section", "world_table"]


def _hub_heading(hub_id: str, hubs: pd.DataFrame, lang: i18n.Lang) -> str:
    from urbanchain.maps._world import _hub_label

    row = hubs[hubs["hub_id"] == hub_id]
    if row.empty:
        return hub_id
    r = row.iloc[0]
    mode = i18n.category(i18n.WORLD_MODES, _mode_of(str(r["kind"])), lang)
    return f"{_hub_label(r)} ({mode})"


def _mode_of(kind: str) -> str:
    from urbanchain.world import MODE_OF_KIND

    return MODE_OF_KIND.get(kind, kind)


def world_table(
    access: pd.DataFrame,
    *,
    capitals: list[Any],
    names: dict[str, str],
    lang: i18n.Lang,
    hubs: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Build the brief's table of each capital's best route to the main hubs.

    Parameters
    ----------
    access
        A :func:`urbanchain.world.world_access` table.
    capitals
        Node ids of the rows (capitals missing from ``access`` are skipped).
    names
        Display names of nodes (capitals and gateways).
    lang
        ``"vi"`` or ``"en"``.
    hubs
        Hub ids of the columns (default :data:`urbanchain.maps.MAIN_HUBS`); hubs no
        capital reaches are left out and named in the note.

    Returns
    -------
    dict
        ``title``, ``head``, ``rows`` (unescaped text; the template escapes it),
        ``numeric``, ``note`` (the assumptions, the unreached hubs), and ``cells``: the
        raw values behind each cell, ``{(capital, hub): (gateway_id, mode, total_h,
        total_km)}``, for tests and callers.
    """
    from urbanchain import world
    from urbanchain.maps._world import MAIN_HUBS, world_note

    wanted = hubs if hubs is not None else MAIN_HUBS
    table = access.reset_index()
    rows_of = [c for c in capitals if c in set(table["node_id"])]
    present = [h for h in wanted if h in set(table["hub_id"])]
    sub = table[table["node_id"].isin(rows_of) & table["hub_id"].isin(present)]
    reached = set(sub.dropna(subset=["total_h"])["hub_id"])
    columns = [h for h in present if h in reached]
    unreached = [h for h in present if h not in reached]
    hub_table = world.world_hubs()
    head = [i18n.text("col_capital", lang), *[_hub_heading(h, hub_table, lang) for h in columns]]
    lookup = sub.set_index(["node_id", "hub_id"])
    rows: list[list[str]] = []
    cells: dict[tuple[Any, str], tuple[Any, str, float, float]] = {}
    for c in rows_of:
        line = [names.get(str(c), str(c))]
        for h in columns:
            r = lookup.loc[(c, h)]
            if r["gateway_id"] is None or r["total_h"] != r["total_h"]:
                line.append(i18n.text("no_data", lang))
                continue
            gate = str(r["gateway_id"])
            cells[(c, h)] = (gate, str(r["mode"]), float(r["total_h"]), float(r["total_km"]))
            line.append(
                i18n.text(
                    "brief_world_cell",
                    lang,
                    hours=i18n.format_value(float(r["total_h"]), "h", lang),
                    km=i18n.format_value(round(float(r["total_km"])), "km", lang),
                    gateway=names.get(gate, gate),
                )
            )
        rows.append(line)
    note = world_note(dict(access.attrs.get("assumptions", {})), lang)
    if unreached:
        shown = ", ".join(_hub_heading(h, hub_table, lang) for h in unreached)
        note = f"{note} {i18n.text('brief_world_unreached', lang, hubs=shown)}"
    return {
        "title": i18n.text("brief_world", lang),
        "head": head,
        "rows": rows,
        "numeric": False,
        "note": note,
        "cells": cells,
        "columns": columns,
    }


def world_section(
    chain: Any,
    *,
    access: pd.DataFrame | None,
    names: dict[str, str],
    lang: i18n.Lang,
    static_map: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the brief's world table and its world map block.

    The map block holds ``heading``, ``note``, ``map_html`` (the offline world map,
    placed in an ``<iframe srcdoc>`` by the template) and ``map_png`` (its print version
    as a ``data:`` URI, or ``None``).
    """
    from urbanchain import maps, world

    wa = access if access is not None else world.world_access(chain)
    table = world_table(wa, capitals=list(chain.capitals), names=names, lang=lang)
    m = maps.world_map(chain, access=wa, lang=lang)
    png = None
    if static_map:
        from urbanchain.report import _png

        png = _png(maps.world_plot(chain, access=wa, lang=lang))
    block = {
        "heading": i18n.text("brief_world_map", lang),
        "note": i18n.text("brief_world_map_note", lang),
        "map_html": maps.render_html(m),
        "map_png": png,
    }
    return table, block
