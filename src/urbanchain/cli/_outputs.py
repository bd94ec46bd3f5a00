"""Writers behind the CLI and the main job: layers, graph, metric tables, maps."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:
    import networkx as nx

    from urbanchain.chain import UrbanChain

logger = logging.getLogger(__name__)


def _gdf_for_file(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy safe for GeoJSON/GPKG drivers: no NaN/inf floats, no objects."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].where(out[col].abs() != float("inf"))
        elif out[col].dtype == object:
            out[col] = out[col].map(
                lambda v: v if v is None or isinstance(v, str | int | float | bool) else str(v)
            )
    return out


def write_layers(*, region: str, out: Path) -> list[Path]:
    """Write a bundled region's layers as GeoJSON (RFC 7946) and GeoPackage."""
    from urbanchain import datasets

    out.mkdir(parents=True, exist_ok=True)
    layers = {
        "provinces_2008": datasets.provinces(region=region, vintage=2008),
        "provinces_2025": datasets.provinces(region=region, vintage=2025),
        "nodes": datasets.nodes(region=region),
        "corridors": datasets.corridors(region=region),
    }
    written: list[Path] = []
    gpkg = out / "layers.gpkg"
    gpkg.unlink(missing_ok=True)
    for name, gdf in layers.items():
        clean = _gdf_for_file(gdf)
        path = out / f"{name}.geojson"
        clean.to_file(path, driver="GeoJSON", engine="pyogrio", layer_options={"RFC7946": "YES"})
        clean.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
        written.append(path)
    written.append(gpkg)
    return written


def write_graph(G: nx.MultiGraph, out: Path) -> Path:
    """Write a graph as GraphML (geometry as WKT) or as GeoPackage node/edge layers."""
    import networkx as nx

    from urbanchain.graph import graph_to_gdfs

    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".gpkg":
        nodes, edges = graph_to_gdfs(G)
        out.unlink(missing_ok=True)
        _gdf_for_file(nodes.reset_index()).to_file(
            out, layer="nodes", driver="GPKG", engine="pyogrio"
        )
        _gdf_for_file(edges.reset_index()).to_file(
            out, layer="edges", driver="GPKG", engine="pyogrio"
        )
        return out
    if suffix != ".graphml":
        from urbanchain.errors import ValidationError

        msg = f"Cannot write a graph to {out.name}: use a .graphml or .gpkg file name."
        raise ValidationError(msg)
    H = G.__class__()
    H.graph.update(
        {k: _graphml_value(v) for k, v in G.graph.items() if _graphml_value(v) is not None}
    )
    for n, d in G.nodes(data=True):
        H.add_node(
            n, **{k: _graphml_value(v) for k, v in d.items() if _graphml_value(v) is not None}
        )
    for u, v, k, d in G.edges(keys=True, data=True):
        H.add_edge(
            u,
            v,
            key=k,
            **{a: _graphml_value(b) for a, b in d.items() if _graphml_value(b) is not None},
        )
    nx.write_graphml(H, out)
    return out


def _graphml_value(v: Any) -> Any:
    import math

    if v is None:
        return None
    if hasattr(v, "wkt"):
        return v.wkt
    if isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if hasattr(v, "item"):
        return _graphml_value(v.item())
    if pd.isna(v) if not isinstance(v, dict | list | tuple | set) else False:
        return None
    return str(v)


def _write_table(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv":
        df.to_csv(path.with_suffix(".csv"))
        return path.with_suffix(".csv")
    if fmt == "parquet":
        from urbanchain._private._compat import import_optional_dependency

        import_optional_dependency("pyarrow", purpose="Writing Parquet tables")
        df.to_parquet(path.with_suffix(".parquet"))
        return path.with_suffix(".parquet")
    if not isinstance(df, gpd.GeoDataFrame):
        # tables without a geometry (OD matrices, network indices) stay tabular
        df.to_csv(path.with_suffix(".csv"))
        return path.with_suffix(".csv")
    _gdf_for_file(df.reset_index()).to_file(
        path.with_suffix(".geojson"),
        driver="GeoJSON",
        engine="pyogrio",
        layer_options={"RFC7946": "YES"},
    )
    return path.with_suffix(".geojson")


def metric_tables(chain: UrbanChain) -> dict[str, pd.DataFrame]:
    """Compute the standard tables of a chain: node metrics, OD, criticality, chain score."""
    from urbanchain import metrics

    G = chain.graph
    capitals = chain.capitals
    # capitals stand for their provinces: their mass is the province population
    # (Ninh Bình has none sourced and is left out as a destination, see notes)
    mass = "province_population" if "province_population" in chain.nodes.columns else "population"
    with_mass = [
        v for v in capitals if pd.notna(G.nodes[v].get(mass)) and G.nodes[v].get(mass) is not None
    ]
    corridor_ids = {d.get("corridor_id") for _, _, d in G.edges(data=True)}
    return {
        "node_metrics": metrics.centrality(G),
        "accessibility": metrics.accessibility(G, mass=mass, destinations=with_mass),
        "gateway_access": metrics.gateway_access(G),
        "od_time_min": metrics.od_matrix(G, sources=capitals, targets=capitals),
        "od_length_km": metrics.route_length(
            G, sources=capitals, targets=capitals, length="length_km"
        ),
        # rank real corridors only, not the access/transfer links the builder adds
        "corridor_criticality": metrics.corridor_criticality(
            G,
            mass=mass,
            destinations=with_mass,
            groups=[c for c in chain.network["corridor_id"] if c in corridor_ids],
        ),
        "chain_score": metrics.chain_score(chain, mass=mass),
        "network_indices": metrics.network_indices(G).to_frame("value"),
    }


def _jsonable(value: Any) -> Any:
    """Turn attrs values (numpy scalars, tuples, nested dicts) into JSON-safe values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if hasattr(value, "item") and callable(value.item):
        try:
            return value.item()
        except (TypeError, ValueError):
            return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def write_metadata(
    chain: UrbanChain, tables: dict[str, pd.DataFrame], path: Path
) -> Path:
    """Write what a batch run needs to be reproduced: versions, settings, per-table attrs.

    The file records the urbanchain version, the settings in force (engine
    included), the graph's provenance and units, and for every table the
    ``attrs`` the metric attached (engine actually used, weight, unit, counts
    of unreachable pairs...).
    """
    import importlib.metadata as md

    from urbanchain import __version__, settings
    from urbanchain.settings import _OPTIONS

    versions: dict[str, str | None] = {}
    for pkg in ("geopandas", "shapely", "pyproj", "networkx", "scipy", "numpy", "pandas"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:  # pragma: no cover - core dependencies
            versions[pkg] = None
    G = chain.graph
    meta = {
        "urbanchain_version": __version__,
        "region": chain.region,
        "year": chain.year,
        "settings": {name: settings.get(name) for name in sorted(_OPTIONS)},
        "packages": versions,
        "graph": {
            "nodes": G.number_of_nodes(),
            "edges": G.number_of_edges(),
            "crs": G.graph.get("crs"),
            "units": G.graph.get("units"),
            "provenance": G.graph.get("provenance"),
        },
        "tables": {name: dict(df.attrs) for name, df in tables.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(_jsonable(meta), indent=2, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return path


def write_metric_tables(chain: UrbanChain, out: Path, *, fmt: str = "csv") -> list[Path]:
    """Write the standard metric tables of a chain into ``out``, with ``metadata.json``."""
    out.mkdir(parents=True, exist_ok=True)
    tables = metric_tables(chain)
    meta = write_metadata(chain, tables, out / "metadata.json")
    if fmt == "geojson":
        tables = {name: _with_geometry(chain, df) for name, df in tables.items()}
    return [*(_write_table(df, out / name, fmt) for name, df in tables.items()), meta]


def _with_geometry(chain: UrbanChain, df: pd.DataFrame) -> pd.DataFrame:
    """Attach node or corridor geometries to a table keyed by node or corridor id."""
    for layer, key in ((chain.nodes, "node_id"), (chain.corridors, "corridor_id")):
        geom = layer.set_index(key).geometry
        if len(df) and df.index.isin(geom.index).all():
            return gpd.GeoDataFrame(
                df.copy(), geometry=geom.reindex(df.index).values, crs=layer.crs
            )
    return df


def write_map(
    chain: UrbanChain,
    out: Path,
    *,
    offline: bool = True,
    node_metric: str = "chain_score",
    corridor_metric: str = "criticality",
    tables: dict[str, pd.DataFrame] | None = None,
    png: bool = False,
) -> Path:
    """Write the chain map as HTML (and optionally a PNG of the same picture)."""
    from urbanchain import maps

    tables = tables if tables is not None else metric_tables(chain)
    node_values = _node_metric(tables, node_metric)
    corridor_values = None
    if corridor_metric not in {"none", ""}:
        crit = tables["corridor_criticality"]
        col = next(c for c in crit.columns if "efficiency_loss" in c)
        corridor_values = crit[col]
    # both vintages: the 2008 provinces and, from 2025 on, the merged units
    vintages = (
        (2008, 2025) if (chain.year or 0) >= 2025 and chain.provinces is not None else (2008,)
    )
    m = maps.chain_map(
        chain,
        vintages=vintages,
        node_metric=node_values,
        corridor_metric=corridor_values,
        title=f"{(chain.region or 'chain').replace('_', ' ').title()} - network {chain.year}",
        offline=offline,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    maps.save(m, out, offline=offline)
    if png:
        fig = maps.chain_plot(chain, node_metric=node_values, corridor_metric=corridor_values)
        fig.savefig(out.with_suffix(".png"), dpi=150)
    return out


def _node_metric(tables: dict[str, pd.DataFrame], name: str) -> pd.Series:
    from urbanchain.errors import UnknownNameError

    if name == "chain_score":
        score = tables["chain_score"]["score"].rename("chain_score")
        score.attrs["units"] = {"chain_score": "0-1"}
        return score
    for table in ("chain_score", "node_metrics", "accessibility"):
        df = tables[table]
        if name in df.columns:
            return df[name]
    options = sorted(
        {c for t in ("chain_score", "node_metrics", "accessibility") for c in tables[t].columns}
    )
    msg = f"Unknown node metric {name!r}. Choose one of: {', '.join(options)}."
    raise UnknownNameError(msg)


def write_comparison(base: UrbanChain, other: UrbanChain, out: Path) -> list[Path]:
    """Write the difference tables, the project ranking and the diff map of two chains."""
    from urbanchain import maps, scenarios

    out.mkdir(parents=True, exist_ok=True)
    cmp = scenarios.compare(base, other, labels=(str(base.year), str(other.year)))
    written: list[Path] = []
    for name in ("summary", "od", "nodes", "accessibility", "chain_score"):
        table = getattr(cmp, name, None)
        if isinstance(table, pd.DataFrame):
            table.to_csv(out / f"{name}.csv")
            written.append(out / f"{name}.csv")
    ranking = scenarios.rank_projects(base, target_year=other.year or 2030, progress=False)
    ranking.to_csv(out / "project_ranking.csv")
    written.append(out / "project_ranking.csv")
    maps.save(cmp.map(), out / "diff_map.html", offline=True)
    written.append(out / "diff_map.html")
    return written


def write_region_outputs(
    *, region: str, year: int, out: Path, graph_options: dict[str, Any] | None = None
) -> list[Path]:
    """Write every output of a bundled region into one folder (the main job)."""
    from urbanchain.chain import UrbanChain

    out.mkdir(parents=True, exist_ok=True)
    written = write_layers(region=region, out=out / "layers")
    chain = UrbanChain.from_region(region, year=year, graph_options=graph_options)
    summary = chain.summary()
    summary.to_csv(out / "summary.csv", index=False)
    written.append(out / "summary.csv")
    written.append(write_graph(chain.graph, out / f"graph-{year}.graphml"))
    written.append(write_graph(chain.graph, out / f"graph-{year}.gpkg"))
    tables = metric_tables(chain)
    (out / "metrics").mkdir(exist_ok=True)
    written.extend(_write_table(df, out / "metrics" / name, "csv") for name, df in tables.items())
    written.append(write_metadata(chain, tables, out / "metrics" / "metadata.json"))
    written.extend(write_comparison(chain, chain.as_of(2030), out / f"scenario-{year}-2030"))
    slug = region.replace("_", "-")
    written.append(write_map(chain, out / f"{slug}.html", offline=True, tables=tables, png=True))
    written.append(out / f"{slug}.png")
    return written
