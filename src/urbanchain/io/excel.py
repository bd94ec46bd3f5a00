"""Excel workbooks for colleagues who read tables in a spreadsheet: :func:`to_excel`.

One workbook per run: one sheet per table, node and corridor names beside their
ids, units in the headers, a ``sources`` sheet and a ``settings`` sheet. Text
cells are made formula-safe (see :mod:`urbanchain._private._safe_cells`), and
the file is written to a temporary file in the same folder and renamed into
place, so a failed write never leaves a half-written workbook.

openpyxl is an optional dependency (``pip install "urbanchain[excel]"``),
imported only when a workbook is written.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from urbanchain._private._atomic import atomic_path
from urbanchain._private._compat import import_optional_dependency
from urbanchain._private._safe_cells import neutralise_formulas
from urbanchain.errors import InputFileError, ValidationError

__all__ = ["to_excel"]

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31


def _sheet_name(name: str, used: set[str]) -> str:
    r"""Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique (case-blind)."""
    base = _SHEET_BAD.sub("_", str(name)).strip("'") or "sheet"
    base = base[:_SHEET_MAX]
    candidate, k = base, 2
    while candidate.lower() in used:
        suffix = f"~{k}"
        candidate = base[: _SHEET_MAX - len(suffix)] + suffix
        k += 1
    used.add(candidate.lower())
    return candidate


def _with_units(label: Any, unit: str | None) -> Any:
    if unit and isinstance(label, str) and not label.endswith(f"({unit})"):
        return f"{label} ({unit})"
    return label


def _sheet_frame(
    df: pd.DataFrame, *, names: Mapping[Any, str], unit: str | None
) -> pd.DataFrame:
    """Lay out a table for a sheet: ids as a column, a name column beside them, units in headers."""
    import geopandas as gpd

    table = pd.DataFrame(df.drop(columns=df.geometry.name)) if isinstance(
        df, gpd.GeoDataFrame
    ) else pd.DataFrame(df)
    matrix = bool(len(table.columns)) and all(c in names for c in table.columns)
    if isinstance(table.index, pd.MultiIndex):
        # pairs (node, hub...): every level becomes a column; names go beside the first
        levels = [n if n is not None else f"level_{i}" for i, n in enumerate(table.index.names)]
        table = table.reset_index(names=levels)
        id_label = levels[0]
    else:
        id_label = table.index.name or "id"
        table = table.reset_index(names=id_label) if not isinstance(
            table.index, pd.RangeIndex
        ) else table.copy()
    if id_label in table.columns and "name" not in table.columns:
        ids = table[id_label]
        if len(ids) and ids.map(lambda v: v in names).any():
            at = [str(c) for c in table.columns].index(str(id_label)) + 1
            table.insert(at, "name", ids.map(names.get))
    if matrix:
        # an OD matrix: destination ids as headers become "Name (unit)"
        table.columns = [
            _with_units(names[c], unit) if c in names and c != id_label else c
            for c in table.columns
        ]
    else:
        numeric = set(table.select_dtypes("number").columns)
        raw = df.attrs.get("units")
        per_column: dict[Any, Any] = raw if isinstance(raw, dict) else {}
        table.columns = [
            _with_units(c, per_column.get(c, unit)) if c in numeric else c
            for c in table.columns
        ]
    return table


def _flat(meta: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key in sorted(meta, key=str):
        value = meta[key]
        label = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows.extend(_flat(value, prefix=f"{label}."))
        else:
            text = value if isinstance(value, str) else json.dumps(
                value, ensure_ascii=False, default=str
            )
            rows.append((label, text))
    return rows


def to_excel(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    names: Mapping[Any, str] | pd.Series | None = None,
    units: Mapping[str, str] | None = None,
    sources: pd.DataFrame | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Path:
    """Write result tables into one Excel workbook, one sheet per table.

    Parameters
    ----------
    tables
        Sheet name -> table (DataFrame or GeoDataFrame; geometries are left out,
        write them to a GeoPackage). The index is written as the first column.
    path
        The ``.xlsx`` file to write. Its folder must exist; an existing file is
        replaced atomically.
    names
        Id -> display name (for example ``chain.nodes.set_index("node_id")["name"]``).
        A ``name`` column is added beside ids found in it, and matrix headers
        (OD tables) show names instead of ids.
    units
        Table name -> unit, shown in the headers of its numeric columns
        (``"minutes to the nearest seaport (min)"``). Defaults to each table's
        ``attrs["unit"]`` where present.
    sources
        A table of sources (key, title, URL, licence), written to a ``sources`` sheet.
    settings
        Settings and provenance of the run (nested mappings are flattened to
        ``a.b`` keys), written to a ``settings`` sheet.

    Returns
    -------
    pathlib.Path
        The path written.

    Notes
    -----
    Text cells that a spreadsheet would evaluate (leading ``=``, ``+``, ``-``,
    ``@``, tab, carriage return) are written with a leading ``'`` (OWASP, *CSV
    Injection*); numbers and the caller's DataFrames are not changed.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from urbanchain.io import to_excel
    >>> od = pd.DataFrame({"hai_phong": [0.0, 95.0]}, index=pd.Index(["hai_phong", "ha_noi"],
    ...                   name="origin"))
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run.xlsx"
    >>> to_excel({"od_time_min": od}, out, names={"ha_noi": "Hà Nội", "hai_phong": "Hải Phòng"},
    ...          units={"od_time_min": "min"}).name
    'run.xlsx'
    """
    import_optional_dependency("openpyxl", purpose="Writing Excel workbooks")
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        msg = f"{target}: an Excel workbook must end in .xlsx; rename the output file."
        raise InputFileError(msg)
    if target.is_dir():
        msg = f"{target} is a folder; give the path of the .xlsx file to write inside it."
        raise InputFileError(msg)
    if not target.parent.is_dir():
        msg = f"{target.parent} does not exist; create the folder first."
        raise InputFileError(msg)
    if not tables:
        msg = "to_excel needs at least one table; got an empty mapping."
        raise ValidationError(msg)
    lookup: dict[Any, str] = {}
    if names is not None:
        lookup = {k: str(v) for k, v in dict(names).items() if isinstance(v, str) and v}
    unit_of = dict(units or {})
    used: set[str] = set()
    sheets: list[tuple[str, pd.DataFrame]] = []
    for name, df in tables.items():
        if not isinstance(df, pd.DataFrame):
            msg = (
                f"table {name!r} is a {type(df).__name__}; to_excel writes DataFrames "
                "(use Series.to_frame() for a Series)."
            )
            raise ValidationError(msg)
        unit = unit_of.get(name, df.attrs.get("unit"))
        frame = _sheet_frame(df, names=lookup, unit=unit if isinstance(unit, str) else None)
        sheets.append((_sheet_name(name, used), neutralise_formulas(frame)))
    if sources is not None:
        sheets.append((_sheet_name("sources", used), neutralise_formulas(pd.DataFrame(sources))))
    if settings is not None:
        rows = pd.DataFrame(_flat(settings), columns=["setting", "value"])
        sheets.append((_sheet_name("settings", used), neutralise_formulas(rows)))

    with atomic_path(target) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for sheet, frame in sheets:
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2"
            for col_cells in ws.columns:
                width = max(
                    len(str(c.value)) if c.value is not None else 0 for c in col_cells[:200]
                )
                ws.column_dimensions[col_cells[0].column_letter].width = min(
                    max(8, width + 2), 60
                )
    return target
