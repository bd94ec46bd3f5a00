"""Helpers that build error messages: close matches and truncated id lists."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from urbanchain.errors import UnknownNameError


def unknown_name(kind: str, name: object, valid: Iterable[object]) -> UnknownNameError:
    """Build an :class:`UnknownNameError` listing close matches and all valid names.

    Parameters
    ----------
    kind
        What was looked up, e.g. ``"region"`` or ``"corridor id"``.
    name
        The name the caller gave.
    valid
        The names that exist.

    Returns
    -------
    UnknownNameError
        The error, ready to raise.
    """
    from urbanchain._private._names import fold

    options = sorted({str(v) for v in valid})
    # compare folded names (no diacritics, đ -> d, lower case), so "Ha Noi" finds "Hà Nội"
    folded: dict[str, list[str]] = {}
    for o in options:
        folded.setdefault(fold(o), []).append(o)
    near = difflib.get_close_matches(fold(name), list(folded), n=3, cutoff=0.6)
    close = list(dict.fromkeys(o for f in near for o in folded[f]))[:3]
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(repr(o) for o in options[:40])
    more = f" (and {len(options) - 40} more)" if len(options) > 40 else ""
    msg = f"Unknown {kind} {name!r}.{hint} Valid {kind}s: {shown}{more}."
    return UnknownNameError(msg)


def format_ids(ids: Iterable[object], *, limit: int = 10) -> str:
    """Format ids or row numbers for an error message, truncating long lists.

    Parameters
    ----------
    ids
        The ids to show.
    limit
        How many to show before summarising the rest.

    Returns
    -------
    str
        For example ``"3, 7, 9 (and 12 more)"``.
    """
    items = [str(i) for i in ids]
    head = ", ".join(items[:limit])
    if len(items) > limit:
        head += f" (and {len(items) - limit} more)"
    return head
