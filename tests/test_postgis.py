"""PostGIS round trips against a real, throwaway PostgreSQL/PostGIS server (tests/_pg.py)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from tests._pg import pg_dsn  # noqa: F401 (fixture)

from urbanchain import datasets, io
from urbanchain.errors import InputFileError, ValidationError


@pytest.fixture(scope="module")
def dsn(pg_dsn: str) -> str:  # noqa: F811 (the imported fixture)
    return pg_dsn


@pytest.mark.parametrize("kind", ["nodes", "corridors", "provinces"])
def test_delta_layers_round_trip(dsn: str, kind: str) -> None:
    layer = {
        "nodes": datasets.nodes,
        "corridors": datasets.corridors,
        "provinces": lambda: datasets.provinces(region="red_river_delta"),
    }[kind]()
    before = layer.copy()
    written = io.to_postgis(layer, dsn, table=f"delta_{kind}", if_exists="replace",
                            metadata={"source": "urbanchain bundled layers"})
    assert written == f"public.delta_{kind}"
    pd.testing.assert_frame_equal(layer, before)  # the caller's frame is untouched
    back = io.read_layer(dsn, layer=f"delta_{kind}", kind=kind)
    assert back.crs.equals(layer.crs)
    assert len(back) == len(layer)
    key = {"nodes": "node_id", "corridors": "corridor_id", "provinces": "code"}[kind]
    a = layer.set_index(key).sort_index()
    b = back.set_index(key).sort_index()
    assert list(a.index) == list(b.index)
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-9).all()
    for col in ("name",) if "name" in a.columns else ():
        assert a[col].tolist() == b[col].tolist()


def test_result_table_round_trip_with_metadata(dsn: str) -> None:
    from sqlalchemy import create_engine, text

    od = pd.DataFrame(
        [[0.0, 95.5], [96.0, 0.0]],
        index=pd.Index(["ha_noi", "hai_phong"], name="origin"),
        columns=["ha_noi", "hai_phong"],
    )
    od.attrs = {"unit": "min", "engine": "scipy"}
    io.to_postgis(od, dsn, table="od_time_min", if_exists="replace",
                  metadata={"region": "red_river_delta", "year": 2025})
    eng = create_engine("postgresql+psycopg://" + dsn.split("://", 1)[1])
    with eng.connect() as conn:
        back = pd.read_sql(text("SELECT * FROM od_time_min ORDER BY origin"), conn)
        meta = conn.execute(
            text("SELECT metadata FROM urbanchain_metadata WHERE table_name = :t"),
            {"t": "od_time_min"},
        ).scalar_one()
    eng.dispose()
    np.testing.assert_allclose(back[["ha_noi", "hai_phong"]].to_numpy(), od.to_numpy())
    assert back["origin"].tolist() == ["ha_noi", "hai_phong"]
    assert '"unit": "min"' in meta
    assert '"year": 2025' in meta
    assert "postgresql" not in meta
    assert "host=" not in meta


def test_existing_table_is_not_overwritten_by_default(dsn: str) -> None:
    nodes = datasets.nodes()
    io.to_postgis(nodes, dsn, table="once", if_exists="replace")
    with pytest.raises(InputFileError, match="already exists; pass if_exists='replace'"):
        io.to_postgis(nodes, dsn, table="once")


@pytest.mark.parametrize(
    "name", ["nodes; DROP TABLE once", 'x"y', "1abc", "a" * 64, "tên_bảng", ""]
)
def test_table_names_are_identifiers_only(dsn: str, name: str) -> None:
    with pytest.raises(ValidationError, match="not a plain SQL identifier"):
        io.to_postgis(datasets.nodes(), dsn, table=name)
    with pytest.raises(ValidationError, match="not a plain SQL identifier"):
        io.read_postgis(dsn, layer=name, kind="nodes")


def test_hostile_values_are_stored_as_data(dsn: str) -> None:
    nodes = datasets.nodes().head(2).copy()
    nodes["name"] = ["'); DROP TABLE once; --", "Hà Nội {{ 7*7 }}"]
    io.to_postgis(nodes, dsn, table="hostile", if_exists="replace")
    back = io.read_postgis(dsn, layer="hostile", kind="nodes")
    assert sorted(back["name"]) == sorted(nodes["name"])
    # the table the payload names still exists
    assert len(io.read_postgis(dsn, layer="once", kind="nodes")) == len(datasets.nodes())


def test_connection_string_is_never_shown(dsn: str) -> None:
    secret = dsn.replace("postgresql://postgres@", "postgresql://postgres:s3cr3t@") + "&port=1"
    with pytest.raises(InputFileError) as info:
        io.to_postgis(datasets.nodes(), secret, table="x")
    assert "s3cr3t" not in str(info.value)
    assert "not shown" in str(info.value)


def test_dsn_from_environment(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(io.postgis.DSN_ENV, dsn)
    io.to_postgis(datasets.nodes(), table="from_env", if_exists="replace")
    assert len(io.read_postgis(layer="from_env", kind="nodes")) == len(datasets.nodes())


def test_missing_table_and_missing_dsn(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputFileError, match="no geometry column is registered"):
        io.read_postgis(dsn, layer="no_such_table", kind="nodes")
    monkeypatch.delenv(io.postgis.DSN_ENV, raising=False)
    with pytest.raises(InputFileError, match="URBANCHAIN_DATABASE_URL"):
        io.read_postgis(layer="x", kind="nodes")
    with pytest.raises(InputFileError, match="needs the table name"):
        io.read_layer(dsn, kind="nodes")


def test_feature_limit_applies(dsn: str) -> None:
    io.to_postgis(datasets.nodes(), dsn, table="limited", if_exists="replace")
    with pytest.raises(InputFileError, match="more than max_features=2"):
        io.read_postgis(dsn, layer="limited", kind="nodes", max_features=2)


def test_geodataframe_without_crs_is_refused(dsn: str) -> None:
    nodes = gpd.GeoDataFrame(datasets.nodes().drop(columns="geometry"),
                             geometry=list(datasets.nodes().geometry), crs=None)
    with pytest.raises(ValidationError, match="has no CRS"):
        io.to_postgis(nodes, dsn, table="nocrs")
