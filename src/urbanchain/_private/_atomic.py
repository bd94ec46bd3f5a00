"""Atomic, complete outputs: no file or folder is ever left looking finished after a failure.

* :func:`atomic_path` - a temporary file in the target's folder, renamed into place
  with :func:`os.replace` only when writing succeeded (removed otherwise).
* :func:`atomic_write_text` - the same for a text file.
* :func:`check_output_file` - a clear error when an output path is a folder, or its
  parent is a file.
* :class:`OutputFolder` - a run's output folder: it refuses a non-empty folder unless
  ``overwrite=True`` (and even then only replaces what an earlier urbanchain run
  listed in its ``metadata.json``), deletes that manifest before writing anything, and
  writes a new one - the list of files and ``"complete": true`` - last.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from urbanchain.errors import InputFileError

__all__ = ["MANIFEST", "OutputFolder", "atomic_path", "atomic_write_text", "check_output_file"]

#: The file a complete run writes last.
MANIFEST = "metadata.json"


def check_output_file(path: Path) -> Path:
    """Refuse an output path that is a folder or lies under a file.

    Parameters
    ----------
    path
        The file to be written.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputFileError
        If ``path`` is an existing folder, or a parent of it is an existing file.
    """
    path = Path(path)
    if path.is_dir():
        msg = (
            f"The output {path} is a folder; give a file name inside it, e.g. {path / 'out.html'}."
        )
        raise InputFileError(msg)
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            msg = f"Cannot write {path}: {parent} is a file, not a folder. Choose another output path."
            raise InputFileError(msg)
    return path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it to ``target`` on success.

    The temporary file has the same suffix (GDAL picks drivers by it) and lives in
    the same folder (so :func:`os.replace` is atomic). If the block raises, the
    temporary file is removed and ``target`` is left as it was.
    """
    target = check_output_file(Path(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # writers (GDAL) want to create the file themselves
    try:
        yield tmp
        if not tmp.exists():
            msg = f"Nothing was written for {target}."
            raise InputFileError(msg)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_text(target: Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically and return ``target``."""
    with atomic_path(Path(target)) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(target)


class OutputFolder:
    """The output folder of one run (see the module docstring).

    Parameters
    ----------
    path
        The folder.
    overwrite
        Replace the outputs of an earlier urbanchain run in the folder.
    """

    def __init__(self, path: Path, *, overwrite: bool = False) -> None:
        self.path = Path(path)
        self.files: list[Path] = []
        if self.path.exists() and not self.path.is_dir():
            msg = f"The output folder {self.path} is a file; give a folder path (it is created)."
            raise InputFileError(msg)
        check_output_file(self.path / MANIFEST)
        self.path.mkdir(parents=True, exist_ok=True)
        present = sorted(p for p in self.path.iterdir())
        if present:
            previous = self._previous_files()
            if not overwrite:
                msg = (
                    f"The output folder {self.path} is not empty ({len(present)} entries, e.g. "
                    f"{present[0].name}). Choose a new or empty folder, or pass --overwrite "
                    "(overwrite=True) to replace the outputs of the earlier run."
                )
                raise InputFileError(msg)
            if previous is None:
                msg = (
                    f"The output folder {self.path} holds files that no urbanchain run listed "
                    f"(no readable {MANIFEST}), e.g. {present[0].name}; urbanchain will not "
                    "delete them. Choose a new or empty folder."
                )
                raise InputFileError(msg)
            # The folder stops looking complete first, then the old outputs go.
            (self.path / MANIFEST).unlink(missing_ok=True)
            for rel in previous:
                target = (self.path / rel).resolve()
                if self.path.resolve() in target.parents and target.is_file():
                    target.unlink()
            for folder in sorted(
                (p for p in self.path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)
            ):
                with contextlib.suppress(OSError):
                    folder.rmdir()

    def _previous_files(self) -> list[str] | None:
        manifest = self.path / MANIFEST
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            return None
        return list(files)

    def add(self, *paths: Path) -> None:
        """Record files written into the folder."""
        self.files.extend(Path(p) for p in paths)

    def finish(self, extra: dict[str, Any] | None = None) -> Path:
        """Write the manifest (file list, ``complete: true``) last and return its path."""
        root = self.path.resolve()
        rel = sorted({str(Path(p).resolve().relative_to(root)) for p in self.files})
        data = {**(extra or {}), "files": rel, "complete": True}
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        return atomic_write_text(self.path / MANIFEST, text)
