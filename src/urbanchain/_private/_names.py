"""Look up nodes, corridors and places by Vietnamese name, with or without diacritics.

Names are compared after :func:`fold`: Unicode NFD decomposition, combining
marks stripped, ``đ``/``Đ`` → ``d``, lower case, and ``_``/``-``/runs of
spaces collapsed to one space.  So ``"Hà Nội"``, ``"ha noi"``, ``"HA NOI"`` and
the id ``"ha_noi"`` all fold to ``"ha noi"``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from urbanchain.errors import UnknownNameError

__all__ = ["fold", "match_names", "resolve_name"]

_SEP = re.compile(r"[\s_\-–—]+")


def fold(text: object) -> str:
    """Fold a name for comparison: no diacritics, ``đ`` → ``d``, lower case, one space.

    Parameters
    ----------
    text
        A name or id (anything ``str()`` accepts).

    Returns
    -------
    str
        The folded name.

    Examples
    --------
    >>> fold("Hà Nội"), fold("ĐỒNG ĐĂNG"), fold("ha_noi")
    ('ha noi', 'dong dang', 'ha noi')
    """
    s = str(text).replace("Đ", "D").replace("đ", "d")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return _SEP.sub(" ", s).strip().lower()


def match_names(name: object, candidates: Mapping[Any, Iterable[object]]) -> list[Any]:
    """Keys of ``candidates`` one of whose names folds to the same text as ``name``.

    Parameters
    ----------
    name
        The name the caller gave.
    candidates
        Key (an id) -> its names (id, Vietnamese name, ASCII name...).

    Returns
    -------
    list
        Matching keys, in the mapping's order (empty: no match).
    """
    key = fold(name)
    return [k for k, names in candidates.items() if any(fold(n) == key for n in names if n)]


def resolve_name(name: object, candidates: Mapping[Any, Iterable[object]], *, kind: str) -> Any:
    """Return the one key whose id or name matches ``name`` (diacritics-insensitive).

    An exact key wins; otherwise folded names are compared.  No match raises
    :class:`~urbanchain.errors.UnknownNameError` with close matches (folded);
    several matches raise it listing them.

    Parameters
    ----------
    name
        An id or a name.
    candidates
        Key -> its names.
    kind
        What is looked up, for the message (``"node"``, ``"corridor"``).

    Returns
    -------
    object
        The matching key.

    Raises
    ------
    UnknownNameError
        No match, or an ambiguous one.

    Examples
    --------
    >>> resolve_name("Ha Noi", {"ha_noi": ["Hà Nội"], "hai_phong": ["Hải Phòng"]}, kind="node")
    'ha_noi'
    """
    import difflib

    if name in candidates:
        return name
    hits = match_names(name, candidates)
    if not hits:
        # a whole-word part of a longer name: "Nội Bài" -> "Sân bay quốc tế Nội Bài"
        key = f" {fold(name)} "
        if key.strip():
            hits = [
                k
                for k, names in candidates.items()
                if any(key in f" {fold(n)} " for n in names if n)
            ]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        shown = ", ".join(f"{k!r} ({_label(k, candidates[k])})" for k in hits[:10])
        msg = (
            f"The {kind} name {name!r} is ambiguous: it matches {shown}. "
            f"Pass the id of the one you mean."
        )
        raise UnknownNameError(msg)
    folded: dict[str, list[Any]] = {}
    for k, names in candidates.items():
        for n in names:
            if n:
                folded.setdefault(fold(n), []).append(k)
    near = difflib.get_close_matches(fold(name), list(folded), n=5, cutoff=0.6)
    close = list(dict.fromkeys(k for f in near for k in folded[f]))[:3]
    hint = (
        " Did you mean " + ", ".join(f"{k!r} ({_label(k, candidates[k])})" for k in close) + "?"
        if close
        else ""
    )
    ids = [str(k) for k in candidates]
    more = f" (and {len(ids) - 40} more)" if len(ids) > 40 else ""
    msg = (
        f"Unknown {kind} {name!r}.{hint} Pass an id or a name (diacritics optional); "
        f"valid ids: {', '.join(repr(i) for i in ids[:40])}{more}."
    )
    raise UnknownNameError(msg)


def _label(key: Any, names: Iterable[object]) -> str:
    shown = [str(n) for n in names if n and str(n) != str(key)]
    return shown[0] if shown else str(key)
