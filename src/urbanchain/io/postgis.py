"""PostGIS: read layers from and write layers and result tables to a PostgreSQL/PostGIS database.

Planning offices keep layers in PostGIS, which QGIS dashboards read live.
:func:`read_postgis` reads a table as a layer and checks it like
:func:`urbanchain.io.read_layer` checks a file; :func:`to_postgis` writes a
GeoDataFrame (geometry with its SRID) or a plain table, and records its units
and provenance in a ``urbanchain_metadata`` table beside it.

The connection string comes from the ``dsn`` argument or the environment
variable ``URBANCHAIN_DATABASE_URL``; it is never printed, logged or written to
metadata (error messages say "the connection string (not shown)"). Table and
schema names are passed to SQL only as quoted identifiers and values only as
bound parameters, never formatted into SQL text.

Needs the ``postgis`` extra (GeoAlchemy2, SQLAlchemy, psycopg), imported lazily.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import pandas as pd

from urbanchain._private._compat import import_optional_dependency
from urbanchain.errors import InputFileError, ValidationError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = ["DSN_ENV", "is_dsn", "read_postgis", "to_postgis"]

#: Environment variable read when no connection string is passed.
DSN_ENV = "URBANCHAIN_DATABASE_URL"
_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_META_TABLE = "urbanchain_metadata"


def is_dsn(value: object) -> bool:
    """Return whether ``value`` is a PostgreSQL connection string (``postgresql://…``)."""
    return isinstance(value, str) and value.lower().startswith(_SCHEMES)


def _identifier(value: str, what: str) -> str:
    if not isinstance(value, str) or not _IDENT.match(value):
        msg = (
            f"{what} {value!r} is not a plain SQL identifier. Use letters, digits and "
            "underscores (at most 63, not starting with a digit), e.g. 'delta_nodes'."
        )
        raise ValidationError(msg)
    return value


def _engine(dsn: str | None) -> Engine:
    import_optional_dependency("geoalchemy2", purpose="Reading and writing PostGIS")
    sqlalchemy = import_optional_dependency("sqlalchemy", purpose="Reading and writing PostGIS")
    import_optional_dependency("psycopg", purpose="Reading and writing PostGIS")
    url = dsn if dsn is not None else os.environ.get(DSN_ENV)
    if not url:
        msg = (
            "No PostgreSQL connection string: pass dsn='postgresql://user@host/db' or set "
            f"the environment variable {DSN_ENV}."
        )
        raise InputFileError(msg)
    if not is_dsn(url):
        msg = (
            "The connection string (not shown) must start with postgresql:// "
            f"(from dsn= or {DSN_ENV})."
        )
        raise InputFileError(msg)
    if url.lower().startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        engine: Engine = sqlalchemy.create_engine(url, hide_parameters=True, pool_pre_ping=True)
        with engine.connect():
            pass
    except Exception as exc:  # psycopg/sqlalchemy errors would echo the URL
        msg = (
            "Could not connect to PostgreSQL with the connection string (not shown): "
            f"{type(exc).__name__}. Check host, port, user, password and database, and "
            "that the server is running."
        )
        raise InputFileError(msg) from None
    return engine


def _geometry_column(engine: Engine, schema: str, table: str) -> str | None:
    from sqlalchemy import text

    q = text(
        "SELECT f_geometry_column FROM geometry_columns "
        "WHERE f_table_schema = :s AND f_table_name = :t"
    )
    with engine.connect() as conn:
        rows = conn.execute(q, {"s": schema, "t": table}).fetchall()
    return str(rows[0][0]) if rows else None


def read_postgis(
    dsn: str | None = None,
    *,
    layer: str,
    kind: str,
    schema: str = "public",
    id_col: str | None = None,
    repair: bool = False,
    max_features: int | None = None,
) -> gpd.GeoDataFrame:
    """Read one PostGIS table as a layer and check it like a file.

    Parameters
    ----------
    dsn
        ``postgresql://user:password@host:port/database`` (or ``?host=/socket/dir``);
        defaults to the environment variable ``URBANCHAIN_DATABASE_URL``.
    layer
        The table's name (a plain identifier).
    kind
        Layer kind, as in :func:`urbanchain.io.read_layer`.
    schema
        The table's schema.
    id_col, repair
        As in :func:`urbanchain.io.read_layer`.
    max_features
        Refuse tables with more rows (default: the ``max_features`` setting).

    Returns
    -------
    geopandas.GeoDataFrame
        The checked layer in EPSG:4326, like :func:`~urbanchain.io.read_layer`.
    """
    from sqlalchemy import column, func, select, table

    from urbanchain import settings
    from urbanchain.layers._validate import emit_warnings, run_checks

    _identifier(layer, "layer")
    _identifier(schema, "schema")
    engine = _engine(dsn)
    name = f"postgis:{schema}.{layer}"
    try:
        geom = _geometry_column(engine, schema, layer)
        if geom is None:
            msg = (
                f"{name}: no geometry column is registered for this table (geometry_columns). "
                "Check the schema and table name, or add a geometry column."
            )
            raise InputFileError(msg)
        limit = settings.resolve("max_features", max_features)
        tbl = table(layer, column(geom), schema=schema)
        with engine.connect() as conn:
            n = int(conn.execute(select(func.count()).select_from(tbl)).scalar_one())
        if n > limit:
            msg = (
                f"{name}: {n:,} rows is more than max_features={limit:,}. Pass a larger "
                "max_features= if the table is trusted."
            )
            raise InputFileError(msg)
        from sqlalchemy import literal_column

        stmt: Any = select(literal_column("*")).select_from(table(layer, schema=schema))
        gdf = gpd.read_postgis(stmt, engine, geom_col=geom)
    finally:
        engine.dispose()
    report = run_checks(
        gdf, kind=kind, id_col=id_col, repair=repair, name=name, unreadable=(),
        max_vertices=None, from_read_layer=True, want_data=True,
    )
    report.raise_for_errors()
    emit_warnings(report, stacklevel=2)
    assert report.data is not None
    return report.data


def _write_meta(engine: Engine, schema: str, table: str, meta: Mapping[str, Any]) -> None:
    from sqlalchemy import Column, MetaData, Table, Text, delete, insert

    md = MetaData(schema=schema)
    t = Table(
        _META_TABLE, md,
        Column("table_name", Text, primary_key=True),
        Column("metadata", Text, nullable=False),
    )
    md.create_all(engine, checkfirst=True)
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.table_name == table))
        conn.execute(
            insert(t).values(
                table_name=table,
                metadata=json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str),
            )
        )


def to_postgis(
    df: pd.DataFrame,
    dsn: str | None = None,
    *,
    table: str,
    schema: str = "public",
    if_exists: Literal["fail", "replace", "append"] = "fail",
    metadata: Mapping[str, Any] | None = None,
) -> str:
    """Write a layer or a result table to PostGIS, with its units and provenance.

    Parameters
    ----------
    df
        A GeoDataFrame (written with its geometry and SRID; it must have a CRS) or a
        plain table (written with its index as columns).
    dsn
        As in :func:`read_postgis`.
    table, schema
        Where to write (plain identifiers).
    if_exists
        ``"fail"`` (default), ``"replace"`` or ``"append"``.
    metadata
        Units, provenance and settings to record; stored as JSON in the
        ``urbanchain_metadata`` table of the same schema, keyed by table name,
        together with the frame's ``attrs`` and CRS. The connection string is
        never recorded.

    Returns
    -------
    str
        ``schema.table`` as written.
    """
    _identifier(table, "table")
    _identifier(schema, "schema")
    if if_exists not in {"fail", "replace", "append"}:
        msg = f"if_exists must be 'fail', 'replace' or 'append', not {if_exists!r}."
        raise ValidationError(msg)
    if isinstance(df, gpd.GeoDataFrame) and df.crs is None:
        msg = f"table {table!r}: the GeoDataFrame has no CRS; set one with set_crs() first."
        raise ValidationError(msg)
    engine = _engine(dsn)
    meta: dict[str, Any] = {"attrs": dict(df.attrs), **dict(metadata or {})}
    try:
        from sqlalchemy import inspect

        exists = inspect(engine).has_table(table, schema=schema)
        if exists and if_exists == "fail":
            msg = (
                f"postgis:{schema}.{table} already exists; pass if_exists='replace' (or "
                "'append'), or choose another table name."
            )
            raise InputFileError(msg)
        if isinstance(df, gpd.GeoDataFrame):
            meta["crs"] = df.crs.to_string()
            out = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
            out.to_postgis(table, engine, schema=schema, if_exists=if_exists, index=False)
        else:
            out = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df
            out.columns = [str(c) for c in out.columns]
            out.to_sql(table, engine, schema=schema, if_exists=if_exists, index=False)
        _write_meta(engine, schema, table, meta)
    finally:
        engine.dispose()
    return f"{schema}.{table}"
