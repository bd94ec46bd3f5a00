"""Validated, documented settings with temporary overrides.

Every setting has a type, a default and a validator.  Functions that take a
parameter defaulting to ``None`` use the setting of the same name.

============================  ==============  =====================================================
Setting                       Default         Meaning
============================  ==============  =====================================================
``snap_tolerance_m``          ``250.0``       Line ends and vertices within this many metres of a
                                              node are snapped to it when a graph is built.
``transfer_penalty_min``      ``None``        Minutes added at a change of mode; ``None`` uses the
                                              per-mode defaults of :mod:`urbanchain.graph`.
``progress``                  ``True``        Show ``tqdm`` progress bars on long operations.
``max_file_bytes``            ``2**30``       Largest file (or uncompressed archive member) read.
``max_features``              ``2_000_000``   Largest number of features read from one layer.
``max_vertices``              ``50_000_000``  Largest number of vertices read from one layer.
``max_vertices_per_feature``  ``1_000_000``   Largest number of vertices in one feature.
``max_compression_ratio``     ``100``         Largest uncompressed/compressed ratio of a zip or
                                              gzip member (checked past 8 MiB while streaming).
``allow_remote``              ``False``       Allow ``http(s)://`` and ``/vsicurl/`` paths.
``engine``                    ``"auto"``      Shortest-path engine: ``"auto"``, ``"scipy"``,
                                              ``"cch"`` (RoutingKit, ``urbanchain[fast]``)
                                              or ``"networkx"`` (the reference).  ``"auto"``
                                              picks cch on graphs of >= 100,000 arcs for
                                              calls of >= 1,000 searches (200 from 10^6
                                              arcs, or once its hierarchy is cached),
                                              else scipy; see ``docs/engines.md``.
                                              ``"igraph"``: scipy distances, igraph
                                              centralities (``urbanchain[igraph]``).
                                              ``"bucket"``: own CCH, bucket many-to-many
                                              (``urbanchain[fast]``); auto prefers it to cch.
``memory_budget_bytes``       ``2**31``       Largest array a metric allocates for its result
                                              (an OD table): a larger call raises
                                              :class:`~urbanchain.errors.ResourceLimitError`
                                              naming the size and the fixes (``targets=``,
                                              ``dtype="float32"``, ``out=`` a ``.npy`` file).
                                              Working blocks use at most a quarter of it.
============================  ==============  =====================================================

Examples
--------
>>> from urbanchain import settings
>>> settings.get("snap_tolerance_m")
250.0
>>> with settings.override(snap_tolerance_m=50.0):
...     settings.get("snap_tolerance_m")
50.0
>>> settings.get("snap_tolerance_m")
250.0
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from urbanchain._private._messages import unknown_name
from urbanchain.errors import ValidationError

__all__ = ["describe", "get", "is_default", "override", "set"]


@dataclass(frozen=True)
class _Option:
    default: Any
    doc: str
    check: Callable[[Any], bool]
    expect: str


def _positive(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def _positive_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


_OPTIONS: dict[str, _Option] = {
    "snap_tolerance_m": _Option(
        250.0, "snapping tolerance in metres", _positive, "a positive number of metres"
    ),
    "transfer_penalty_min": _Option(
        None,
        "minutes added at a change of mode",
        lambda v: v is None or _positive(v) or v == 0,
        "None or a number of minutes >= 0",
    ),
    "progress": _Option(True, "show progress bars", lambda v: isinstance(v, bool), "True or False"),
    "max_file_bytes": _Option(
        2**30, "largest file read, bytes", _positive_int, "a positive integer"
    ),
    "max_features": _Option(
        2_000_000, "largest feature count per layer", _positive_int, "a positive integer"
    ),
    "max_vertices": _Option(
        50_000_000, "largest vertex count per layer", _positive_int, "a positive integer"
    ),
    "max_vertices_per_feature": _Option(
        1_000_000, "largest vertex count per feature", _positive_int, "a positive integer"
    ),
    "max_compression_ratio": _Option(
        100,
        "largest expansion ratio of a zip/gzip member",
        _positive_int,
        "a positive integer",
    ),
    "allow_remote": _Option(
        False, "allow remote paths", lambda v: isinstance(v, bool), "True or False"
    ),
    "engine": _Option(
        "auto",
        "shortest-path engine",
        lambda v: v in {"auto", "scipy", "cch", "networkx", "igraph", "bucket"},
        "'auto', 'scipy', 'cch', 'bucket', 'networkx' or 'igraph'",
    ),
    "memory_budget_bytes": _Option(
        2**31,
        "largest result array a metric allocates in memory, bytes",
        _positive_int,
        "a positive integer number of bytes",
    ),
}

_values: dict[str, Any] = {k: o.default for k, o in _OPTIONS.items()}


def _check(name: str, value: Any) -> None:
    if name not in _OPTIONS:
        err = unknown_name("setting", name, _OPTIONS)
        raise err
    opt = _OPTIONS[name]
    if not opt.check(value):
        msg = f"Setting {name!r} must be {opt.expect}; got {value!r}."
        raise ValidationError(msg)


def get(name: str) -> Any:
    """Return the current value of a setting.

    Parameters
    ----------
    name
        Setting name (see the module docstring).

    Returns
    -------
    Any
        The value.
    """
    if name not in _OPTIONS:
        err = unknown_name("setting", name, _OPTIONS)
        raise err
    return _values[name]


def set(**values: Any) -> None:
    """Change settings for the rest of the session.

    Parameters
    ----------
    **values
        ``name=value`` pairs; unknown names and invalid values raise before anything changes.
    """
    for k, v in values.items():
        _check(k, v)
    _values.update(values)


@contextlib.contextmanager
def override(**values: Any) -> Iterator[None]:
    """Change settings inside a ``with`` block only.

    Parameters
    ----------
    **values
        ``name=value`` pairs, validated as in :func:`set`.

    Yields
    ------
    None
    """
    for k, v in values.items():
        _check(k, v)
    old = {k: _values[k] for k in values}
    _values.update(values)
    try:
        yield
    finally:
        _values.update(old)


def is_default(name: str) -> bool:
    """Whether setting ``name`` still holds its default (never set nor overridden).

    Examples
    --------
    >>> from urbanchain import settings
    >>> settings.is_default("snap_tolerance_m")
    True
    >>> with settings.override(snap_tolerance_m=50.0):
    ...     settings.is_default("snap_tolerance_m")
    False
    """
    _check(name, _values.get(name))
    return bool(_values[name] == _OPTIONS[name].default)


def resolve(name: str, value: Any) -> Any:
    """Return ``value`` unless it is ``None``, in which case return the setting ``name``.

    Parameters
    ----------
    name
        Setting name.
    value
        The caller's explicit value, or ``None``.

    Returns
    -------
    Any
        The value to use.
    """
    if value is None:
        return get(name)
    _check(name, value)
    return value


def describe() -> str:
    """Return a table of every setting with its value, default and meaning.

    Returns
    -------
    str
        One line per setting.
    """
    lines = [
        f"{k:<26} {_values[k]!r:<14} default={o.default!r:<14} {o.doc}" for k, o in _OPTIONS.items()
    ]
    return "\n".join(lines)
