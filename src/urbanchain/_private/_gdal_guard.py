"""GDAL options pinned for every read, and GeoPackage checks made before GDAL opens a file.

**Pinned options.** GDAL reads configuration from the environment, so a hostile or
careless environment could let a layer file reach the network, load SQLite extensions
or run Python from a VRT. :data:`PINNED_OPTIONS` are set for the duration of every
urbanchain read (and restored afterwards), whatever the environment says.

**GeoPackages** are SQLite databases. A *view* runs SQL when it is read (a recursive
view never ends: CPU pinned, no limit applies), so :func:`inspect_gpkg` opens the
file read-only with Python's sqlite3 (no view is evaluated: only ``sqlite_master`` is
queried) and refuses any view. It also counts the rows of the layer that will be read,
because the count stored in ``gpkg_ogr_contents`` can be stale, and GDAL trusts it:
pyogrio then returns only that many rows, silently.
"""

from __future__ import annotations

import contextlib
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyogrio

from urbanchain.errors import InputFileError

__all__ = ["PINNED_OPTIONS", "GpkgLayerInfo", "inspect_gpkg", "pinned_gdal", "unstale_gpkg"]

#: GDAL configuration options urbanchain sets for every read.
PINNED_OPTIONS: dict[str, str] = {
    # no ATTACH / external files / virtual tables from a GeoPackage or SQLite file
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    # SQLite: functions with side effects are not allowed in views/triggers
    "OGR_SQLITE_PRAGMA": "trusted_schema=OFF",
    # never load SQLite extensions named by the environment
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
    # no Python in VRT pixel functions
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    # remote files: no extension is allowed, no retries, no unsafe TLS
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".urbanchain-no-remote-access",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_UNSAFESSL": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    # reading never writes next to the user's file
    "CPL_VSIL_GZIP_WRITE_PROPERTIES": "NO",
    "GDAL_PAM_ENABLED": "NO",
    # GeoJSON: no single object larger than 200 MB (GDAL's default, pinned)
    "OGR_GEOJSON_MAX_OBJ_SIZE": "200MB",
}


@contextlib.contextmanager
def pinned_gdal(**extra: str) -> Iterator[None]:
    """Set :data:`PINNED_OPTIONS` (and ``extra``) for a read, then restore the old values."""
    options = {**PINNED_OPTIONS, **extra}
    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


@dataclass
class GpkgLayerInfo:
    """What :func:`inspect_gpkg` found for one layer."""

    rows: int | None  # real row count (None if the layer is not a table)
    stored: int | None  # feature_count in gpkg_ogr_contents (None if absent)

    @property
    def stale(self) -> bool:
        return self.rows is not None and self.stored is not None and self.rows != self.stored


def _connect(path: Path, archive: str | None, member: str | None) -> sqlite3.Connection:
    if archive == "zip":
        assert member is not None
        with zipfile.ZipFile(path) as zf:
            data = zf.read(member)
        con = sqlite3.connect(":memory:")
        con.deserialize(data)
        return con
    if archive == "gz":
        import gzip

        with gzip.open(path, "rb") as fh:
            data = fh.read()
        con = sqlite3.connect(":memory:")
        con.deserialize(data)
        return con
    # read-only and immutable: no journal, no WAL file, no lock is written
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def inspect_gpkg(
    path: Path,
    display: str,
    *,
    layer: str | None,
    archive: str | None = None,
    member: str | None = None,
) -> dict[str, GpkgLayerInfo]:
    """Refuse views; return real and stored row counts per feature table.

    Parameters
    ----------
    path, display
        The file and how to name it in messages.
    layer
        Only this layer is counted (all feature tables when None).
    archive, member
        For a GeoPackage inside a ``.zip`` / ``.gz`` (read into memory; its size was
        bounded before).

    Returns
    -------
    dict
        Table name -> :class:`GpkgLayerInfo`.

    Raises
    ------
    InputFileError
        If the file holds a view. (A file that is not a SQLite database is left to
        GDAL, whose message names the problem.)
    """
    try:
        con = _connect(path, archive, member)
    except (sqlite3.Error, OSError, zipfile.BadZipFile):
        return {}  # not a database: GDAL's own message names the problem
    try:
        try:
            con.execute("PRAGMA trusted_schema=OFF")
            views = [
                str(r[0])
                for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name"
                )
            ]
        except sqlite3.Error:
            return {}  # not a database: GDAL's own message names the problem
        if views:
            shown = ", ".join(repr(v) for v in views[:10])
            msg = (
                f"{display}: holds {len(views)} SQL view(s) ({shown}). A view runs SQL when it "
                "is read, so urbanchain does not read GeoPackages with views. Export the layers "
                "you need as tables (e.g. ogr2ogr out.gpkg in.gpkg <layer>) and read that file."
            )
            raise InputFileError(msg)
        tables: list[str] = []
        with contextlib.suppress(sqlite3.Error):
            tables = [
                str(r[0])
                for r in con.execute(
                    "SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"
                )
            ]
        stored: dict[str, Any] = {}
        with contextlib.suppress(sqlite3.Error):
            stored = {
                str(r[0]).lower(): r[1]
                for r in con.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents")
            }
        out: dict[str, GpkgLayerInfo] = {}
        for name in tables:
            if layer is not None and name != layer:
                continue
            try:
                rows = int(con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0])
            except sqlite3.Error:
                continue  # a registered table that is missing: GDAL reports it
            count = stored.get(name.lower())
            out[name] = GpkgLayerInfo(
                rows=rows, stored=int(count) if isinstance(count, int) else None
            )
        return out
    finally:
        con.close()


def unstale_gpkg(path: Path, *, archive: str | None = None, member: str | None = None) -> bytes:
    """Return an in-memory copy of the GeoPackage with its stored feature counts cleared.

    GDAL then counts the rows itself; the user's file is not modified.
    """
    con = _connect(path, archive, member)
    try:
        if archive is None:  # a read-only file connection cannot be modified: copy it
            memory = sqlite3.connect(":memory:")
            con.backup(memory)
            con.close()
            con = memory
        con.execute("UPDATE gpkg_ogr_contents SET feature_count = NULL")
        con.commit()
        return bytes(con.serialize())
    finally:
        con.close()
