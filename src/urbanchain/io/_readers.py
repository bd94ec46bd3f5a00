"""Low-level readers for :func:`urbanchain.io.read_layer`.

Everything here treats the file as untrusted:

* the format (and so the GDAL driver) comes from the extension or ``driver=``,
  never from the content (``GeoJSON:`` / ``GPKG:`` prefixes pin the driver; a
  VRT disguised as ``.geojson`` is refused);
* sizes are checked before reading; archive members are streamed once to count
  their real uncompressed bytes (declared sizes can lie) and are read through
  ``/vsizip/`` / ``/vsigzip/`` or in memory, never extracted to disk;
* the first bytes are sniffed to give clear errors for empty files, HTML error
  pages and files that are not what their extension says;
* GeoPackages are opened read-only and no SQL is run; a GeoPackage holding a view
  is refused and a stale stored feature count never truncates the read
  (:mod:`urbanchain._private._gdal_guard`);
* GDAL's options that allow network access, SQLite extensions or VRT Python are
  pinned to safe values for every read, whatever the environment says.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import json
import logging
import os
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyproj
import shapely
import shapely.errors

from urbanchain._private._compat import import_optional_dependency
from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.crs import parse_crs
from urbanchain.errors import (
    CRSError,
    DataNotFoundError,
    InputFileError,
    ResourceLimitError,
    UnknownNameError,
    ValidationError,
)

logger = logging.getLogger(__name__)

#: Extension -> format.
EXTENSIONS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".csv": "csv",
}
#: ``driver=`` value -> format.
DRIVERS = {"GeoJSON": "geojson", "GPKG": "gpkg", "Parquet": "parquet", "CSV": "csv"}
_GDAL_PREFIX = {"geojson": "GeoJSON:", "gpkg": "GPKG:"}
_REMOTE_PREFIXES = ("http://", "https://", "ftp://", "s3://", "gs://", "az://", "/vsicurl")
_CHUNK = 1 << 20
_SNIFF = 512
#: Largest GeoJSON re-parsed in Python to tell unreadable geometries from null ones.
_RAW_JSON_LIMIT = 64 * 2**20
#: GeoJSON files up to this size are always re-counted in Python, so entries GDAL
#: skips (null, no or wrong "type") are reported even when no token hints at them.
_EXACT_COUNT_LIMIT = 8 * 2**20


@dataclass
class Source:
    """A resolved input: where it is, what format, and how to open it."""

    path: Path
    display: str
    fmt: str
    archive: str | None = None  # "zip" or "gz"
    member: str | None = None  # zip member name
    head: bytes = b""
    size: int = 0  # uncompressed bytes
    features: int = 0  # GeoJSON: '"Feature"' tokens counted before parsing (an upper bound)

    @property
    def gdal_path(self) -> str:
        """The path GDAL opens, with the driver prefix pinned."""
        base = str(self.path.resolve())
        if self.archive == "zip":
            base = f"/vsizip/{{{base}}}/{self.member}"
        elif self.archive == "gz":
            base = f"/vsigzip/{base}"
        return _GDAL_PREFIX[self.fmt] + base

    @contextlib.contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """Open the (decompressed) content as a binary stream; closes everything on exit."""
        if self.archive == "zip":
            assert self.member is not None
            with zipfile.ZipFile(self.path) as zf, zf.open(self.member) as fh:
                yield fh
        elif self.archive == "gz":
            with gzip.open(self.path, "rb") as gz:
                yield cast("IO[bytes]", gz)
        else:
            with open(self.path, "rb") as fh:
                yield fh


def is_remote(path: str) -> bool:
    """Whether ``path`` names a remote resource."""
    low = path.strip().lower()
    return low.startswith(_REMOTE_PREFIXES) or "://" in low


def _format_of(name: str, driver: str | None, display: str) -> str:
    if driver is not None:
        if driver not in DRIVERS:
            err = unknown_name("driver", driver, DRIVERS)
            raise err
        return DRIVERS[driver]
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        msg = (
            f"{display}: cannot tell the format from the extension {ext or '(none)'!r}. "
            f"Supported: {', '.join(sorted(EXTENSIONS))}, and .zip/.gz holding one of them. "
            f"Rename the file or pass driver= (one of {', '.join(DRIVERS)})."
        )
        raise InputFileError(msg)
    return EXTENSIONS[ext]


def _limit(
    display: str, what: str, value: int, limit: int, *, param: str, setting: str
) -> ResourceLimitError:
    msg = (
        f"{display}: {what} ({value:,}) is more than the limit {limit:,}. If you trust this "
        f"file, raise it with read_layer(..., {param}=...) or "
        f"urbanchain.settings.set({setting}=...). For large layers prefer GeoPackage and read "
        "only what you need."
    )
    return ResourceLimitError(msg)


#: Below this many uncompressed bytes the expansion ratio is not checked: small, very
#: regular files (a few identical features) compress far better than real layers.
_RATIO_FLOOR = 8 * 2**20


def _check_ratio(display: str, total: int, compressed: int, kind: str) -> None:
    """Refuse an archive member that expands more than ``max_compression_ratio`` times.

    Counted while decompressing, against the compressed bytes actually consumed
    (not the sizes the archive declares).  This stops the catalogue's row-32 bomb
    (0.55 MB zip -> 163 MB GeoJSON -> 1.5 M features, ~300x) long before it is
    parsed, although it is under the byte and feature limits.
    """
    from urbanchain import settings

    ratio = settings.get("max_compression_ratio")
    if total > _RATIO_FLOOR and total > ratio * max(compressed, 1):
        msg = (
            f"{display}: the {kind} expands more than {ratio:,}x ({total:,} bytes so far from "
            f"{compressed:,} compressed bytes): a decompression bomb? Real GeoJSON/CSV layers "
            "compress 5-30x. If you trust this file, raise the limit with "
            "urbanchain.settings.set(max_compression_ratio=...) or, for one call, "
            "with urbanchain.settings.override(max_compression_ratio=...)."
        )
        raise ResourceLimitError(msg)


class _FeatureTokens:
    """Count ``"Feature"`` tokens in a byte stream fed in chunks (GeoJSON feature count).

    Every GeoJSON feature holds ``"type": "Feature"``, so the count is an upper bound of
    the feature count (a property whose value is exactly ``"Feature"`` adds one); it
    lets ``max_features`` refuse a huge file before GDAL parses it into memory.
    """

    TOKEN = b'"Feature"'

    def __init__(self) -> None:
        self.count = 0
        self.braces = 0  # every JSON object starts with a literal "{": an upper bound
        self.escapes = False  # a backslash escape could spell "Feature" unseen
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        keep = len(self.TOKEN) - 1
        self.count += chunk.count(self.TOKEN)
        self.braces += chunk.count(b"{")
        # tokens that straddle the previous chunk and this one: neither part holds a
        # whole token (both are shorter than it), so none is counted twice
        window = self._tail + chunk[:keep]
        self.count += window.count(self.TOKEN)
        if not self.escapes and (b"\\" in chunk or b"\\" in window):
            self.escapes = True
        self._tail = window[-keep:] if len(chunk) < keep else chunk[-keep:]

    def bound(self, path: Path | None) -> int:
        r"""Return the feature count bound, after JSON decoding.

        Without backslashes the token count is exact up to properties equal to
        ``"Feature"``. With them, ``"Fe\u0061ture"`` would hide a feature from the
        token count, so strings are decoded: exactly for a plain file (memory-mapped,
        nothing loaded), and by the count of ``{`` (one per JSON object) for an archive.
        """
        if not self.escapes:
            return self.count
        if path is None:
            return max(self.count, self.braces)
        return _decoded_feature_strings(path)


_JSON_STRING_BYTES = re.compile(rb'"(?:[^"\\]|\\.)*"')


def _decoded_feature_strings(path: Path) -> int:
    """Count JSON strings that decode to ``Feature`` (escapes included) in a file."""
    import mmap

    count = 0
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return 0
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            for match in _JSON_STRING_BYTES.finditer(mm):
                token = match.group(0)
                if token == b'"Feature"':
                    count += 1
                elif b"\\" in token and len(token) <= 64:
                    with contextlib.suppress(ValueError):
                        if json.loads(token) == "Feature":
                            count += 1
    return count


def resolve_source(path: str | os.PathLike[str], *, driver: str | None, max_bytes: int) -> Source:
    """Find the file, pick the format, check sizes and sniff the content."""
    p = Path(path)
    display = str(path)
    if not p.exists():
        msg = f"{display}: no such file. Check the path (relative paths start at {Path.cwd()})."
        raise DataNotFoundError(msg)
    if not p.is_file():
        msg = f"{display}: is not a regular file (a directory?). Pass the path of one data file."
        raise InputFileError(msg)
    size = p.stat().st_size
    if size > max_bytes:
        raise _limit(
            display,
            "the file size in bytes",
            size,
            max_bytes,
            param="max_bytes",
            setting="max_file_bytes",
        )
    ext = p.suffix.lower()
    if ext == ".zip":
        return _resolve_zip(p, display, driver=driver, max_bytes=max_bytes)
    if ext == ".gz":
        fmt = _format_of(p.name[: -len(ext)], driver, display)
        src = Source(p, display, fmt, archive="gz")
        src.head, src.size, src.features = _stream_gzip(p, display, max_bytes)
    else:
        fmt = _format_of(p.name, driver, display)
        src = Source(p, display, fmt, size=size)
        with open(p, "rb") as fh:
            src.head = fh.read(_SNIFF)
        if fmt == "geojson":
            tokens = _FeatureTokens()
            with open(p, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    tokens.feed(chunk)
            src.features = tokens.bound(p)
    sniff(src)
    return src


def _data_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    out = []
    for info in zf.infolist():
        name = info.filename
        base = name.rsplit("/", 1)[-1]
        if info.is_dir() or name.startswith("__MACOSX/") or base.startswith("."):
            continue
        if Path(base).suffix.lower() in EXTENSIONS:
            out.append(info)
    return out


def _check_member_name(info: zipfile.ZipInfo, display: str) -> None:
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0] or "{" in name:
        msg = (
            f"{display}: the member name {name!r} is absolute or climbs out of the archive "
            "('..'); such archives are refused (path traversal). Re-create the zip with plain "
            "relative names."
        )
        raise InputFileError(msg)


def _resolve_zip(p: Path, display: str, *, driver: str | None, max_bytes: int) -> Source:
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{display}: not a readable zip archive ({exc}); truncated download? Re-download or re-create it."
        raise InputFileError(msg) from exc
    with zf:
        members = _data_members(zf)
        names = [m.filename for m in zf.infolist()]
        if not members:
            msg = (
                f"{display}: the zip holds no data file with a supported extension "
                f"({', '.join(sorted(EXTENSIONS))}); it holds: {format_ids(names)}."
            )
            raise InputFileError(msg)
        if len(members) > 1:
            msg = (
                f"{display}: the zip holds several data files: "
                f"{format_ids(m.filename for m in members)}. Zip one layer per archive, or "
                "unzip it and read the file you want."
            )
            raise InputFileError(msg)
        info = members[0]
    _check_member_name(info, display)
    fmt = _format_of(info.filename, driver, display)
    where = f"{display} (member {info.filename!r})"
    src = Source(p, where, fmt, archive="zip", member=info.filename)
    src.head, src.size, src.features = _stream_zip_member(p, info, where, max_bytes)
    return src


def _stream_zip_member(
    p: Path, info: zipfile.ZipInfo, display: str, limit: int
) -> tuple[bytes, int, int]:
    """Decompress a member once, counting real bytes; stop at ``limit``.

    The compressed stream is decoded directly from the local header, so the
    sizes declared in the archive (which can lie) are neither trusted nor used
    to stop early; a mismatch is refused.
    """
    if info.flag_bits & 0x1:
        msg = f"{display}: the member is encrypted; urbanchain does not read encrypted archives."
        raise InputFileError(msg)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        msg = (
            f"{display}: compression method {info.compress_type} is not supported "
            "(only stored and deflate); re-create the zip with standard compression."
        )
        raise InputFileError(msg)
    head = b""
    total = 0
    crc = 0
    tokens = _FeatureTokens()
    with open(p, "rb") as fh:
        if not 0 <= info.header_offset < p.stat().st_size:
            msg = (
                f"{display}: corrupt zip (the member's header offset {info.header_offset} lies "
                "outside the file); re-download or re-create it."
            )
            raise InputFileError(msg)
        fh.seek(info.header_offset)
        local = fh.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            msg = f"{display}: corrupt zip (bad local header); re-download or re-create it."
            raise InputFileError(msg)
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)

        consumed = 0
        read = 0

        def chunks() -> Iterator[bytes]:
            nonlocal consumed, read
            if info.compress_type == zipfile.ZIP_STORED:
                left = info.compress_size
                while left > 0:
                    data = fh.read(min(_CHUNK, left))
                    if not data:
                        return
                    left -= len(data)
                    consumed += len(data)
                    yield data
                return
            d = zlib.decompressobj(-15)
            pending = b""
            while not d.eof:
                if pending:
                    data = pending
                else:
                    data = fh.read(_CHUNK)
                    read += len(data)
                if not data:
                    msg = f"{display}: the compressed data ends early (truncated archive?); re-download it."
                    raise InputFileError(msg)
                try:
                    out = d.decompress(data, _CHUNK)
                except zlib.error as exc:
                    msg = f"{display}: corrupt compressed data ({exc}); re-download or re-create the zip."
                    raise InputFileError(msg) from exc
                pending = d.unconsumed_tail
                # compressed bytes the decompressor has really used so far
                consumed = read - len(pending) - len(d.unused_data)
                yield out

        for out in chunks():
            total += len(out)
            if total > limit:
                raise _limit(
                    display,
                    "the uncompressed size in bytes (counted while decompressing; a zip bomb?)",
                    total,
                    limit,
                    param="max_bytes",
                    setting="max_file_bytes",
                )
            _check_ratio(display, total, consumed, "zip member")
            crc = zlib.crc32(out, crc)
            tokens.feed(out)
            if len(head) < _SNIFF:
                head += out[: _SNIFF - len(head)]
    if total != info.file_size or crc != info.CRC:
        msg = (
            f"{display}: the archive declares {info.file_size:,} uncompressed bytes "
            f"(CRC {info.CRC:08x}) but the member holds {total:,} bytes (CRC {crc:08x}). The zip "
            "is corrupt or crafted; refused. Re-create it with a standard zip tool."
        )
        raise InputFileError(msg)
    return head, total, tokens.bound(None)


def _stream_gzip(p: Path, display: str, limit: int) -> tuple[bytes, int, int]:
    head = b""
    total = 0
    tokens = _FeatureTokens()
    compressed = p.stat().st_size
    try:
        with gzip.open(p, "rb") as fh:
            while True:
                data = fh.read(_CHUNK)
                if not data:
                    break
                total += len(data)
                if total > limit:
                    raise _limit(
                        display,
                        "the uncompressed size in bytes (counted while decompressing; a gzip bomb?)",
                        total,
                        limit,
                        param="max_bytes",
                        setting="max_file_bytes",
                    )
                _check_ratio(display, total, compressed, "gzip file")
                tokens.feed(data)
                if len(head) < _SNIFF:
                    head += data[: _SNIFF - len(head)]
    except (OSError, EOFError, zlib.error) as exc:
        msg = f"{display}: not a readable gzip file ({exc}); truncated download? Re-download it."
        raise InputFileError(msg) from exc
    return head, total, tokens.bound(None)


def sniff(src: Source) -> None:
    """Refuse empty files, HTML pages and content that does not match the format."""
    head = src.head
    if src.size == 0 or not head.strip():
        msg = (
            f"{src.display}: the file is empty (no data). The download or export probably "
            "failed; re-download or re-export it."
        )
        raise InputFileError(msg)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:_SNIFF]:
        msg = (
            f"{src.display}: this is an HTML page, not {src.fmt} data (an error or login page "
            "saved instead of the file?). Download the data file itself."
        )
        raise InputFileError(msg)
    if src.fmt == "geojson" and not text.startswith(b"{"):
        shown = head[:40].decode("utf-8", "replace")
        msg = (
            f"{src.display}: does not look like GeoJSON (a GeoJSON file starts with '{{'; this "
            f"one starts with {shown!r}). urbanchain picks the reader from the extension and "
            "never lets GDAL guess it from the content (an OGR VRT disguised as .geojson could "
            "read other local files). Pass the real file, or driver= if the extension is wrong."
        )
        raise InputFileError(msg)
    if src.fmt == "gpkg" and not head.startswith(b"SQLite format 3\x00"):
        msg = f"{src.display}: is not a GeoPackage (no SQLite header). Check the file or pass driver=."
        raise InputFileError(msg)
    if src.fmt == "parquet" and not head.startswith(b"PAR1"):
        msg = f"{src.display}: is not a Parquet file (no 'PAR1' header). Check the file or pass driver=."
        raise InputFileError(msg)


# ----------------------------------------------------------------------------- formats


def check_encoding(encoding: str | None) -> None:
    """Refuse an ``encoding=`` that Python does not know (before any file is opened)."""
    if encoding is None:
        return
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError, ValueError) as exc:
        msg = (
            f"Unknown text encoding {encoding!r}. Pass a Python codec name such as 'utf-8', "
            "'latin-1' or 'cp1258' (Vietnamese Windows)."
        )
        raise UnknownNameError(msg) from exc


def _gdal_error(src: Source, exc: Exception) -> InputFileError:
    text = str(exc)
    if src.fmt == "geojson":
        msg = (
            f"{src.display}: could not be parsed as GeoJSON (GDAL says: {text}). The file may be "
            "truncated? (an interrupted download or copy); check that it ends with '}' and "
            "re-download or re-export it."
        )
    else:
        msg = (
            f"{src.display}: could not be read as a GeoPackage (GDAL says: {text}); truncated "
            "or corrupt? Re-download or re-export it."
        )
    return InputFileError(msg)


def _encoding_error(src: Source, exc: UnicodeDecodeError) -> InputFileError:
    msg = (
        f"{src.display}: text is not valid UTF-8 (byte {exc.object[exc.start : exc.start + 1]!r} "
        f"at position {exc.start}). Pass the file's encoding, e.g. encoding='latin-1' or "
        "encoding='cp1258' (Vietnamese Windows), or re-save the file as UTF-8."
    )
    return InputFileError(msg)


@contextlib.contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    """Set GDAL configuration options for the duration of a read, then restore them."""
    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


def read_gdal(
    src: Source, *, layer: str | None, encoding: str | None, max_features: int
) -> gpd.GeoDataFrame:
    """Read GeoJSON or GeoPackage through pyogrio with the driver pinned (read-only, no SQL).

    GDAL's ``/vsigzip/`` would write a ``<file>.gz.properties`` index next to the
    archive; that is switched off, so reading never writes to the user's folder.
    """
    from urbanchain._private._gdal_guard import pinned_gdal

    with (
        warnings.catch_warnings(record=True) as caught,
        pinned_gdal(),
    ):
        warnings.simplefilter("always")
        gdf = _read_gdal(src, layer=layer, encoding=encoding, max_features=max_features)
    from urbanchain.errors import UrbanchainWarning

    for w in caught:
        if issubclass(w.category, UrbanchainWarning):
            # urbanchain's own findings (stale counts, skipped features) reach the
            # caller of read_layer; GDAL's chatter goes to the log
            warnings.warn(w.message, w.category, stacklevel=3)
        else:
            logger.info("%s: GDAL: %s", src.display, w.message)
    return gdf


def _read_gdal(
    src: Source, *, layer: str | None, encoding: str | None, max_features: int
) -> gpd.GeoDataFrame:
    if src.fmt == "geojson" and src.features > max_features:
        # refuse before GDAL parses the whole file into memory
        raise _limit(
            src.display,
            "the feature count (counted before parsing)",
            src.features,
            max_features,
            param="max_features",
            setting="max_features",
        )
    path: Any = src.gdal_path
    gpkg_info: dict[str, Any] = {}
    if src.fmt == "gpkg":
        from urbanchain._private._gdal_guard import inspect_gpkg

        # before GDAL opens it: refuse views, count the real rows
        gpkg_info = inspect_gpkg(
            src.path, src.display, layer=layer, archive=src.archive, member=src.member
        )
    try:
        layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as exc:
        raise _gdal_error(src, exc) from exc
    except UnicodeDecodeError as exc:
        raise _encoding_error(src, exc) from exc
    names = [str(n) for n in layers[:, 0]] if len(layers) else []
    if not names:
        msg = (
            f"{src.display}: holds no layer (no feature table is registered in the file). "
            "Check that this is the right file, or re-export the data."
        )
        raise InputFileError(msg)
    if layer is not None and layer not in names:
        err = unknown_name("layer", layer, names)
        msg = f"{src.display}: {err}"
        raise UnknownNameError(msg)
    if layer is None and len(names) > 1:
        msg = (
            f"{src.display}: holds {len(names)} layers: {format_ids(names, limit=30)}. "
            f"Pass layer= to choose one, e.g. read_layer(..., layer={names[0]!r})."
        )
        raise InputFileError(msg)
    expected: int | None = None
    if src.fmt == "gpkg":
        # the real row count (the stored one can be stale): refuse before reading anything
        found = gpkg_info.get(layer if layer is not None else names[0])
        if found is not None and found.rows is not None:
            n = expected = found.rows
            if found.stale:
                from urbanchain._private._gdal_guard import unstale_gpkg
                from urbanchain.errors import DataQualityWarning

                warnings.warn(
                    f"{src.display}: the stored feature count of layer "
                    f"{layer or names[0]!r} is {found.stored}, but the table holds "
                    f"{found.rows} rows; all {found.rows} are read (the file's "
                    "gpkg_ogr_contents is stale; re-save it to fix).",
                    DataQualityWarning,
                    stacklevel=2,
                )
                if n <= max_features:
                    path = io.BytesIO(
                        unstale_gpkg(src.path, archive=src.archive, member=src.member)
                    )
        else:
            info = pyogrio.read_info(path, layer=layer)
            n = int(info.get("features", -1))
        if n > max_features:
            raise _limit(
                src.display,
                "the feature count",
                n,
                max_features,
                param="max_features",
                setting="max_features",
            )
    try:
        # no max_features here: with it, pyogrio raises on the first unreadable coordinate
        # instead of returning None, and the row could no longer be named (row 6)
        gdf = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise _encoding_error(src, exc) from exc
    except shapely.errors.GEOSException as exc:
        raise _geometry_build_error(src, exc) from exc
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FeatureError,
    ) as exc:
        raise _gdal_error(src, exc) from exc
    if src.fmt == "geojson" and (len(gdf) < src.features or src.size <= _EXACT_COUNT_LIMIT):
        _report_skipped_features(src, len(gdf))
    if expected is not None and len(gdf) != expected:
        msg = (
            f"{src.display}: GDAL returned {len(gdf)} of the {expected} rows of layer "
            f"{layer or names[0]!r}. Re-export the file (ogr2ogr) and read it again."
        )
        raise InputFileError(msg)
    if len(gdf) > max_features:
        raise _limit(
            src.display,
            "the feature count",
            len(gdf),
            max_features,
            param="max_features",
            setting="max_features",
        )
    return gdf


def _geometry_build_error(src: Source, exc: Exception) -> InputFileError:
    """Name the features whose geometry GEOS cannot build (one-point lines, open rings)."""
    rows: list[int] = []
    if src.fmt == "geojson" and src.size <= _RAW_JSON_LIMIT:
        with contextlib.suppress(ValueError, OSError):
            with src.open() as fh:
                data = json.loads(fh.read().decode("utf-8-sig"))
            entries = data.get("features", []) if isinstance(data, dict) else []
            for i, entry in enumerate(entries):
                geom = entry.get("geometry") if isinstance(entry, dict) else None
                if geom is None:
                    continue
                try:
                    shapely.from_geojson(json.dumps(geom))
                except (shapely.errors.GEOSException, ValueError, TypeError):
                    rows.append(i)
    where = f" (feature(s) {format_ids(rows)}, counted from 0)" if rows else ""
    msg = (
        f"{src.display}: a geometry cannot be built{where}: {exc}. A LineString needs at "
        "least 2 points; a polygon ring needs at least 4 points and must be closed (its "
        "last point equal to its first). Fix or drop those features."
    )
    return InputFileError(msg)


def _report_skipped_features(src: Source, n_read: int) -> None:
    """Warn, with a count and the entry numbers, about GeoJSON features GDAL skipped.

    GDAL drops entries of ``features`` that are ``null``, not objects, or whose
    ``type`` is missing or not ``"Feature"``. The token count is an upper bound, so the
    file is parsed again (up to 64 MB) to count exactly.
    """
    from urbanchain.errors import DataQualityWarning

    if src.size > _RAW_JSON_LIMIT:
        return
    try:
        with src.open() as fh:
            data = json.loads(fh.read().decode("utf-8-sig"))
    except (ValueError, OSError):
        return
    entries = data.get("features") if isinstance(data, dict) else None
    if not isinstance(entries, list) or len(entries) <= n_read:
        return
    bad = [
        i for i, e in enumerate(entries) if not isinstance(e, dict) or e.get("type") != "Feature"
    ]
    shown = ", ".join(str(i) for i in bad[:10]) + (" ..." if len(bad) > 10 else "")
    warnings.warn(
        f"{src.display}: {len(entries) - n_read} of the {len(entries)} entries of 'features' "
        f'were skipped: not a Feature object (null, or a missing or wrong "type"; entries '
        f'{shown or "?"}, counted from 0). Give each one "type": "Feature" to keep it.',
        DataQualityWarning,
        stacklevel=2,
    )


def read_parquet(src: Source, *, max_features: int) -> gpd.GeoDataFrame:
    """Read GeoParquet (needs pyarrow: the ``parquet`` extra)."""
    pq = import_optional_dependency("pyarrow.parquet", purpose="Reading GeoParquet")
    with src.open() as raw:
        fh: IO[bytes] = raw if src.archive is None else io.BytesIO(raw.read())
        try:
            n = int(pq.read_metadata(fh).num_rows)
        except Exception as exc:
            msg = f"{src.display}: not a readable Parquet file ({exc}); truncated? Re-download it."
            raise InputFileError(msg) from exc
        if n > max_features:
            raise _limit(
                src.display,
                "the feature count",
                n,
                max_features,
                param="max_features",
                setting="max_features",
            )
        fh.seek(0)
        try:
            return gpd.read_parquet(fh)
        except pyproj.exceptions.CRSError as exc:
            msg = (
                f"{src.display}: the CRS in its GeoParquet 'geo' metadata cannot be read "
                f"({exc}). Rewrite the file with GeoDataFrame.to_parquet from a frame with a "
                "valid CRS (e.g. gdf.set_crs('EPSG:4326'))."
            )
            raise InputFileError(msg) from exc
        except shapely.errors.GEOSException as exc:
            raise _geometry_build_error(src, exc) from exc
        except ValueError as exc:
            msg = (
                f"{src.display}: is Parquet but not GeoParquet ({exc}). Write it with "
                "GeoDataFrame.to_parquet, or save the table as CSV with lon/lat columns."
            )
            raise InputFileError(msg) from exc


def _looks_code(values: pd.Series) -> bool:
    s = values.dropna().astype(str)
    return bool(s.str.match(r"^[+-]?0\d").any())


def read_csv(
    src: Source,
    *,
    crs: Any,
    lon_col: str,
    lat_col: str,
    encoding: str | None,
    max_features: int,
    keep_text: tuple[str, ...],
) -> gpd.GeoDataFrame:
    """Read a CSV of points with lon/lat columns (pandas, not GDAL)."""
    if crs is None:
        msg = (
            f"{src.display}: a CSV file carries no coordinate reference system, so crs= is "
            "required. Pass crs='EPSG:4326' if the columns are longitude/latitude in degrees, or "
            "the CRS they are in (e.g. crs='EPSG:3405' for VN-2000 / UTM 48N)."
        )
        raise CRSError(msg)
    parsed_crs = parse_crs(crs, src.display)
    try:
        # index_col=False: rows with more fields than the header must not silently turn
        # their first fields into an index (shifting every column); pandas warns instead,
        # and that warning is an error here.
        with src.open() as fh, warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(
                fh,
                encoding=encoding or "utf-8",
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                nrows=max_features + 1,
                index_col=False,
            )
    except pd.errors.ParserWarning as exc:
        msg = (
            f"{src.display}: some rows have more fields than the header line ({exc}). "
            "Quote values that contain commas, or fix the header."
        )
        raise InputFileError(msg) from exc
    except UnicodeDecodeError as exc:
        raise _encoding_error(src, exc) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"{src.display}: could not be parsed as CSV ({exc}); truncated? Re-download it."
        raise InputFileError(msg) from exc
    if len(df) > max_features:
        raise _limit(
            src.display,
            "the feature count",
            len(df),
            max_features,
            param="max_features",
            setting="max_features",
        )
    for col, param in ((lon_col, "lon_col"), (lat_col, "lat_col")):
        if col not in df.columns:
            err = unknown_name("column", col, df.columns)
            msg = f"{src.display}: {err} Pass {param}='<your {param[:3]} column>'."
            raise UnknownNameError(msg)
    coords = {}
    for col in (lon_col, lat_col):
        raw = df[col]
        num = pd.to_numeric(raw, errors="coerce")
        bad = np.flatnonzero(num.isna().to_numpy())
        if len(bad):
            shown = [f"row {i}: {raw.iloc[i]!r}" for i in bad]
            msg = (
                f"{src.display}: column {col!r} must hold numbers (coordinates) but is missing or "
                f"non-numeric in {format_ids(shown)}. Fix or remove these rows."
            )
            raise ValidationError(msg)
        coords[col] = num.to_numpy(dtype=float)
    for col in df.columns:
        if col in (lon_col, lat_col):
            df[col] = coords[col]
            continue
        if col in keep_text or _looks_code(df[col]):
            continue
        num = pd.to_numeric(df[col], errors="coerce")
        if not (num.isna() & df[col].notna()).any():
            df[col] = num
    geometry = gpd.points_from_xy(coords[lon_col], coords[lat_col], crs=parsed_crs)
    return gpd.GeoDataFrame(df, geometry=geometry, crs=parsed_crs)


def recover_null_geometries(
    src: Source, gdf: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[int]]:
    """Row 6: tell null geometries from ones GDAL could not read.

    GDAL reads a GeoJSON geometry it cannot parse (``["8.5", "x"]``) as None,
    exactly like ``null``.  The raw file is parsed again (when small enough) to
    find features that *have* a geometry member: an empty one (``"coordinates":
    []``) becomes an empty geometry, anything else is reported as unreadable.
    Returns the (possibly new) frame and the unreadable row positions.
    """
    if src.fmt != "geojson" or not gdf.geometry.isna().any() or src.size > _RAW_JSON_LIMIT:
        return gdf, []
    try:
        with src.open() as fh:
            doc = json.load(fh)
    except (ValueError, OSError):
        return gdf, []
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list) or len(feats) != len(gdf):
        return gdf, []
    missing = gdf.geometry.isna().to_numpy()
    unreadable: list[int] = []
    empty: dict[int, Any] = {}
    for i, f in enumerate(feats):
        if not (missing[i] and isinstance(f, dict) and f.get("geometry") is not None):
            continue
        geom = f["geometry"]
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if isinstance(geom, dict) and coords == [] and isinstance(geom.get("type"), str):
            try:
                empty[i] = shapely.from_geojson(json.dumps(geom))
            except shapely.errors.GEOSException:
                unreadable.append(i)
            continue
        unreadable.append(i)
    if empty:
        gdf = gdf.copy()
        name = gdf.geometry.name
        for i, g in empty.items():
            gdf.iloc[i, gdf.columns.get_loc(name)] = g
    return gdf, unreadable
