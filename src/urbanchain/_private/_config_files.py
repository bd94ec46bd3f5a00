"""Read config and scenario TOML files as untrusted input (docs/security.md).

The same rules as data files: a regular file only (a FIFO, device or folder is
refused before it is opened, so reading never blocks), a size limit, strict UTF-8 (the
error names the line and byte), and bounded nesting (deeply nested arrays would
otherwise end tomllib in a ``RecursionError``).
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

from urbanchain.errors import UrbanchainError

__all__ = ["MAX_CONFIG_BYTES", "MAX_DEPTH", "read_toml"]

#: Largest config or scenario file read (bytes).
MAX_CONFIG_BYTES = 1_000_000
#: Deepest nesting of tables and arrays accepted.
MAX_DEPTH = 16


def _depth(value: Any, level: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def read_toml(
    path: str | Path,
    *,
    what: str,
    error: type[UrbanchainError],
    max_bytes: int = MAX_CONFIG_BYTES,
    max_depth: int = MAX_DEPTH,
) -> dict[str, Any]:
    """Read a TOML file under the limits above.

    Parameters
    ----------
    path
        The file.
    what
        How the file is named in messages, e.g. ``"Scenario file"``.
    error
        The urbanchain error class raised.
    max_bytes, max_depth
        Limits.

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    UrbanchainError
        Of class ``error``, naming the file and the fix.
    """
    p = Path(path)
    try:
        info = p.stat()
    except FileNotFoundError as exc:
        msg = f"{what} {p} does not exist. Check the path."
        raise error(msg) from exc
    except OSError as exc:
        msg = f"{what} {p} cannot be read ({exc.strerror or exc}). Pass a readable .toml file."
        raise error(msg) from exc
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe or device?)"
        msg = f"{what} {p} cannot be read: it is {kind}. Pass the path of a .toml file."
        raise error(msg)
    if info.st_size > max_bytes:
        msg = (
            f"{what} {p} is {info.st_size:,} bytes; the limit is {max_bytes:,}. A settings "
            "file is a few kilobytes: check that this is the right file."
        )
        raise error(msg)
    try:
        with p.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        msg = f"{what} {p} cannot be read ({exc.strerror or exc}). Pass a readable .toml file."
        raise error(msg) from exc
    if len(raw) > max_bytes:
        msg = f"{what} {p} is larger than {max_bytes:,} bytes. Check that this is the right file."
        raise error(msg)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = (
            f"{what} {p} is not UTF-8 text ({exc.reason} at byte {exc.start}, line {line}). "
            "Save it as UTF-8."
        )
        raise error(msg) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{what} {p} is not valid TOML: {exc}. Fix the syntax at that line."
        raise error(msg) from exc
    except RecursionError as exc:
        msg = f"{what} {p} nests arrays or tables too deeply (limit {max_depth} levels)."
        raise error(msg) from exc
    depth = _depth(data)
    if depth > max_depth:
        msg = f"{what} {p} nests arrays or tables {depth} levels deep; the limit is {max_depth}."
        raise error(msg)
    return data
