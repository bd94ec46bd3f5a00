"""Spreadsheet formula injection: text cells that a spreadsheet would run are neutralised.

A CSV or Excel cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read by Excel, LibreOffice and Google Sheets as a formula
(CWE-1236; OWASP "CSV Injection").  A node id such as ``=HYPERLINK(...)`` or
``=1+0`` in a user's layer would then run when a colleague opens the table.
Following OWASP's recommendation, such text is written with a leading single
quote (``'=1+0``), so the spreadsheet shows it as text.  Numbers are never
changed (a negative number is a number, not a formula), and the caller's
DataFrame is not modified: the writers escape a copy on its way to the file.

Reference: OWASP, *CSV Injection*, https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "safe_cells", "safe_text"]

#: The first characters that make a spreadsheet evaluate a cell (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """Return ``value`` with a leading ``'`` if it is text a spreadsheet would evaluate.

    >>> safe_text("=1+0"), safe_text("Hà Nội"), safe_text(-3.5)
    ("'=1+0", 'Hà Nội', -3.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _safe_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.MultiIndex.from_tuples(
            [tuple(safe_text(v) for v in t) for t in index], names=index.names
        )
    if index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        return pd.Index([safe_text(v) for v in index], name=safe_text(index.name))
    return index.rename(safe_text(index.name))


def safe_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells, index and headers cannot run as formulas.

    Only text columns, the index labels and the column names are touched; the
    input is not modified.

    >>> import pandas as pd
    >>> out = safe_cells(pd.DataFrame({"id": ["=1+0", "ok"], "x": [-1.0, 2.0]}))
    >>> out["id"].tolist(), out["x"].tolist()
    (["'=1+0", 'ok'], [-1.0, 2.0])
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(safe_text)
    out.index = _safe_labels(out.index)
    out.columns = _safe_labels(out.columns)
    return out
