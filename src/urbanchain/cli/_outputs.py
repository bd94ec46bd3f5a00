"""Writers behind the CLI and the main job: layers, graph, metric tables, maps.

Every file goes through a temporary file in its folder and is renamed into place
(:mod:`urbanchain._private._atomic`); CSV cells that a spreadsheet would run as
formulas are neutralised (:mod:`urbanchain._private._safe_cells`); a folder of outputs
gets its ``metadata.json`` (file list, ``complete: true``) last.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from urbanchain._private._atomic import OutputFolder, atomic_path, atomic_write_text
from urbanchain._private._safe_cells import write_csv

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


def _check_gpkg_columns(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> gpd.GeoDataFrame:
    """Refuse column names a GeoPackage cannot hold side by side (SQLite ignores case)."""
    from urbanchain.errors import ValidationError

    seen: dict[str, str] = {}
    for col in map(str, gdf.columns):
        other = seen.setdefault(col.lower(), col)
        if other != col:
            msg = (
                f"Cannot write layer {layer!r} to {path.name}: columns {other!r} and {col!r} "
                "differ only in case, and GeoPackage (SQLite) column names ignore case. "
                "Rename one of them, or write GraphML/GeoJSON instead."
            )
            raise ValidationError(msg)
    return gdf


def write_layers(
    *, region: str, out: Path, overwrite: bool = False, manifest: bool = True
) -> list[Path]:
    """Write a bundled region's layers as GeoJSON (RFC 7946) and GeoPackage."""
    from urbanchain import datasets

    folder = OutputFolder(out, overwrite=overwrite) if manifest else None
    out.mkdir(parents=True, exist_ok=True)
    layers = {
        "provinces_2008": datasets.provinces(region=region, vintage=2008),
        "provinces_2025": datasets.provinces(region=region, vintage=2025),
        "nodes": datasets.nodes(region=region),
        "corridors": datasets.corridors(region=region),
    }
    written: list[Path] = []
    gpkg = out / "layers.gpkg"
    with atomic_path(gpkg) as gpkg_tmp:
        for name, gdf in layers.items():
            clean = _gdf_for_file(gdf)
            path = out / f"{name}.geojson"
            with atomic_path(path) as tmp:
                clean.to_file(
                    tmp, driver="GeoJSON", engine="pyogrio", layer_options={"RFC7946": "YES"}
                )
            _check_gpkg_columns(clean, gpkg, name).to_file(
                gpkg_tmp, layer=name, driver="GPKG", engine="pyogrio"
            )
            written.append(path)
        _style_gpkg(gpkg_tmp, layers)
    written.append(gpkg)
    if folder is not None:
        folder.add(*written)
        written.append(folder.finish({"region": region}))
    return written


def _style_gpkg(gpkg: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Store QGIS default styles for the layers of a GeoPackage (see urbanchain.io.qgis)."""
    from urbanchain.io.qgis import layer_style, write_styles

    kinds = {"nodes": "nodes", "corridors": "corridors", "edges": "corridors"}
    styles = {}
    for name, gdf in layers.items():
        kind = "provinces" if name.startswith("provinces") else kinds.get(name)
        if kind is None or gdf.empty:
            continue
        column = "population" if kind == "provinces" and "population" in gdf.columns and (
            pd.to_numeric(gdf["population"], errors="coerce").notna().any()) else None
        styles[name] = layer_style(gdf, kind=kind, name=name, column=column)
    write_styles(gpkg, styles)


def write_graph(G: nx.MultiGraph, out: Path) -> Path:
    """Write a graph as GraphML (geometry as WKT) or as GeoPackage node/edge layers."""
    import networkx as nx

    from urbanchain.graph import graph_to_gdfs

    suffix = out.suffix.lower()
    if suffix == ".gpkg":
        nodes, edges = graph_to_gdfs(G)
        node_frame = _check_gpkg_columns(_gdf_for_file(nodes.reset_index()), out, "nodes")
        edge_frame = _check_gpkg_columns(_gdf_for_file(edges.reset_index()), out, "edges")
        with atomic_path(out) as tmp:
            node_frame.to_file(tmp, layer="nodes", driver="GPKG", engine="pyogrio")
            edge_frame.to_file(tmp, layer="edges", driver="GPKG", engine="pyogrio")
            _style_gpkg(tmp, {"nodes": nodes, "edges": edges})
        return out
    if suffix != ".graphml":
        from urbanchain.errors import ValidationError

        msg = f"Cannot write a graph to {out.name}: use a .graphml or .gpkg file name."
        raise ValidationError(msg)
    H = G.__class__()
    H.graph.update(
        {k: _graphml_value(v) for k, v in G.graph.items() if _graphml_value(v) is not None}
    )
    H = _xml_safe_graph(G, H)
    with atomic_path(out) as tmp:
        nx.write_graphml(H, tmp)
    return out


def _xml_safe_graph(G: nx.MultiGraph, H: nx.MultiGraph) -> nx.MultiGraph:
    """Copy ``G`` into ``H`` with GraphML values, control characters replaced (counted).

    XML 1.0 cannot hold control characters other than tab, LF and CR: networkx would
    write a file no XML parser reads back. Each is replaced by U+FFFD, with a
    RepairWarning counting the values changed.
    """
    import re
    import warnings

    from urbanchain.errors import GraphError, RepairWarning

    bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    changed: list[str] = []

    def clean(where: str, value: Any) -> Any:
        value = _graphml_value(value)
        if isinstance(value, str) and bad.search(value):
            changed.append(where)
            return bad.sub("\ufffd", value)
        return value

    for n in G.nodes:
        if isinstance(n, str) and bad.search(n):
            msg = (
                f"Node id {n!r} holds control characters, which GraphML (XML) cannot store. "
                "Rename the node (e.g. strip the characters from the id column)."
            )
            raise GraphError(msg)
    for n, d in G.nodes(data=True):
        attrs = {k: clean(f"node {n!r} {k}", v) for k, v in d.items()}
        H.add_node(n, **{k: v for k, v in attrs.items() if v is not None})
    for u, v, k, d in G.edges(keys=True, data=True):
        attrs = {a: clean(f"edge {u!r}-{v!r} {a}", b) for a, b in d.items()}
        H.add_edge(u, v, key=k, **{a: b for a, b in attrs.items() if b is not None})
    if changed:
        warnings.warn(
            f"GraphML cannot hold control characters: replaced them by U+FFFD in "
            f"{len(changed)} value(s) ({', '.join(changed[:5])}"
            f"{' ...' if len(changed) > 5 else ''}).",
            RepairWarning,
            stacklevel=4,
        )
    return H


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


def names_of(chain: UrbanChain) -> dict[Any, str]:
    """Id -> display name of the chain's nodes and corridors (for tables and workbooks)."""
    names: dict[Any, str] = {}
    for layer, key in ((chain.corridors, "corridor_id"), (chain.nodes, "node_id")):
        if layer is not None and key in layer.columns and "name" in layer.columns:
            names.update(
                {k: str(v) for k, v in zip(layer[key], layer["name"], strict=True)
                 if isinstance(v, str) and v}
            )
    return names


def write_workbook(
    chain: UrbanChain, tables: dict[str, pd.DataFrame], path: Path
) -> Path:
    """Write every table of a run into one Excel workbook (names, units, sources, settings)."""
    from urbanchain.io import to_excel

    meta = metadata(chain, tables)
    sources = None
    if chain.corridors is not None and {"corridor_id", "source"} <= set(chain.corridors.columns):
        cols = [c for c in ("corridor_id", "name", "source", "source_urls", "length_source")
                if c in chain.corridors.columns]
        sources = pd.DataFrame(chain.corridors[cols])
    return to_excel(
        tables, path, names=names_of(chain), units=_TABLE_UNITS, sources=sources, settings=meta
    )


#: Units of the standard tables whose cells share one unit (headers show them).
_TABLE_UNITS = {
    "od_time_min": "min", "od_length_km": "km", "od_time_min_road": "min",
    "od_length_km_road": "km", "gateway_access": "min",
}


def _write_table(df: pd.DataFrame, path: Path, fmt: str) -> Path:
    if fmt == "csv":
        return write_csv(df, path.with_suffix(".csv"))
    if fmt == "parquet":
        from urbanchain._private._compat import import_optional_dependency

        import_optional_dependency("pyarrow", purpose="Writing Parquet tables")
        with atomic_path(path.with_suffix(".parquet")) as tmp:
            df.to_parquet(tmp)
        return path.with_suffix(".parquet")
    if not isinstance(df, gpd.GeoDataFrame):
        # tables without a geometry (OD matrices, network indices) stay tabular
        return write_csv(df, path.with_suffix(".csv"))
    with atomic_path(path.with_suffix(".geojson")) as tmp:
        _gdf_for_file(df.reset_index()).to_file(
            tmp,
            driver="GeoJSON",
            engine="pyogrio",
            layer_options={"RFC7946": "YES"},
        )
    return path.with_suffix(".geojson")


_COMMAND: dict[str, Any] = {}


def record_command(argv: list[str]) -> None:
    """Remember the command line of this run for ``metadata.json`` (``urbanchain rerun``).

    Connection strings are never recorded: a ``postgresql://`` value is replaced by
    ``postgis:``, which a rerun reads from ``URBANCHAIN_DATABASE_URL``. The config
    file is recorded with its absolute path and SHA-256, so a rerun can tell
    whether it changed.
    """
    import hashlib

    from urbanchain.io.postgis import is_dsn

    clean = ["postgis:" if is_dsn(a) else a for a in argv]
    cfg: dict[str, str] | None = None
    for i, a in enumerate(clean):
        value = None
        if a in {"--config", "-c"} and i + 1 < len(clean):
            value = clean[i + 1]
        elif a.startswith("--config="):
            value = a.split("=", 1)[1]
        if value is not None:
            path = Path(value).resolve()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
            cfg = {"path": str(path), "sha256": digest or ""}
    _COMMAND.clear()
    _COMMAND.update({"argv": clean, "cwd": str(Path.cwd()), "config": cfg})


def _label(df: pd.DataFrame, modes: str) -> pd.DataFrame:
    """Record in ``attrs`` (and so in metadata.json) which modes an OD table uses."""
    df.attrs["modes"] = (
        "road only (expressway, highway, road, access)"
        if modes == "road"
        else "multimodal (every mode, transfer penalties at mode changes)"
    )
    return df


def metric_tables(
    chain: UrbanChain, *, kinds: list[str] | None = None
) -> dict[str, pd.DataFrame]:
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
    corridor_ids = {
        d.get("corridor_id")
        for _, _, d in G.edges(data=True)
        if d.get("mode") not in ("access", "transfer") and d.get("is_access") is not True
    }
    if with_mass:
        access = metrics.accessibility(G, mass=mass, destinations=with_mass)
    else:
        # a chain whose capitals have no sourced mass (the Mekong so far): the table is
        # written with empty values and says why, and the other tables go without masses
        access = pd.DataFrame(
            {"accessibility": np.nan, "destinations_reached": pd.NA},
            index=pd.Index(list(G.nodes), name="node_id"),
        )
        access.attrs["note"] = f"no capital has a sourced {mass!r}: accessibility not computed"
    return {
        "node_metrics": metrics.centrality(G),
        "accessibility": access,
        "gateway_access": (
            metrics.gateway_access(G) if kinds is None
            else metrics.gateway_access(G, kinds=tuple(kinds))
        ),
        # multimodal: every mode, with transfer penalties (road, rail, ...)
        "od_time_min": _label(
            metrics.od_matrix(G, sources=capitals, targets=capitals), "multimodal"
        ),
        "od_length_km": _label(
            metrics.route_length(G, sources=capitals, targets=capitals, length="length_km"),
            "multimodal",
        ),
        # road only: expressways, national highways, urban and access links
        "od_time_min_road": _label(
            metrics.od_matrix(G, sources=capitals, targets=capitals, modes=("road",)), "road"
        ),
        "od_length_km_road": _label(
            metrics.route_length(
                G, sources=capitals, targets=capitals, length="length_km", modes=("road",)
            ),
            "road",
        ),
        # real corridors only: access links and transfers are never ranked
        "corridor_criticality": metrics.corridor_criticality(
            G,
            mass=mass if with_mass else None,
            destinations=with_mass or None,
            groups=[c for c in chain.network["corridor_id"] if c in corridor_ids],
        ),
        "chain_score": _chain_score_noted(
            # too few sourced masses for an accessibility component: connectivity and readiness
            chain, mass=mass, weights=None if 2 * len(with_mass) >= len(capitals)
            else {"accessibility": 0.0},
        ),
        "network_indices": metrics.network_indices(G).to_frame("value"),
        # indicative door-to-hub times to the world hubs (urbanchain.world)
        "world_access": metrics.world_access(chain),
    }


def _chain_score_noted(
    chain: UrbanChain, *, mass: str, weights: dict[str, float] | None = None
) -> pd.DataFrame:
    """chain_score with its data-quality warnings kept in ``attrs["warnings"]`` (metadata.json)."""
    import warnings

    from urbanchain import metrics
    from urbanchain.errors import DataQualityWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataQualityWarning)
        table = metrics.chain_score(chain, mass=mass, weights=weights)
    table.attrs["warnings"] = [
        str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)
    ]
    for w in caught:
        if not issubclass(w.category, DataQualityWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return table


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


def metadata(chain: UrbanChain, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Return the reproducibility record of a run (see :func:`write_metadata`).

    The record holds the urbanchain version, the settings in force (engine
    included), the graph's provenance and units, for every table the ``attrs``
    the metric attached (engine actually used, weight, unit, counts of
    unreachable pairs...), and the command line of the run (``urbanchain rerun``).
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
        "command": dict(_COMMAND) or None,
    }
    result: dict[str, Any] = _jsonable(meta)
    return result


def write_metadata(chain: UrbanChain, tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write :func:`metadata` of a run to ``path`` (atomically)."""
    text = json.dumps(metadata(chain, tables), indent=2, ensure_ascii=False, sort_keys=True)
    return atomic_write_text(path, text + "\n")


def write_tables_postgis(
    chain: UrbanChain, tables: dict[str, pd.DataFrame], *, dsn: str, schema: str = "public"
) -> list[str]:
    """Write result tables to PostGIS (replacing earlier ones), with units and provenance."""
    from urbanchain.io import to_postgis

    meta = metadata(chain, tables)
    meta.pop("tables", None)
    written = []
    for name, df in tables.items():
        table = "".join(c if c.isalnum() or c == "_" else "_" for c in name.lower())[:63]
        written.append(
            to_postgis(df, dsn, table=table, schema=schema, if_exists="replace", metadata=meta)
        )
    return written


def write_region_postgis(
    *, region: str, year: int, dsn: str, schema: str = "public",
    graph_options: dict[str, Any] | None = None,
) -> list[str]:
    """Write the main job into PostGIS: the region's layers and its metric tables."""
    from urbanchain import datasets
    from urbanchain.chain import UrbanChain
    from urbanchain.io import to_postgis

    chain = UrbanChain.from_region(region, year=year, graph_options=graph_options)
    written = [
        to_postgis(
            _gdf_for_file(gdf), dsn, table=name, schema=schema, if_exists="replace",
            metadata={"region": region, "source": "urbanchain bundled layers"},
        )
        for name, gdf in {
            "provinces_2008": datasets.provinces(region=region, vintage=2008),
            "provinces_2025": datasets.provinces(region=region, vintage=2025),
            "nodes": datasets.nodes(region=region),
            "corridors": datasets.corridors(region=region),
        }.items()
    ]
    tables = metric_tables(chain)
    tables = {k: v.to_frame() if isinstance(v, pd.Series) else v for k, v in tables.items()}
    written.extend(write_tables_postgis(chain, tables, dsn=dsn, schema=schema))
    return written


def write_metric_tables(
    chain: UrbanChain,
    out: Path,
    *,
    fmt: str = "csv",
    kinds: list[str] | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write the standard metric tables of a chain into ``out``, ``metadata.json`` last."""
    folder = OutputFolder(out, overwrite=overwrite)
    tables = metric_tables(chain, kinds=kinds)
    meta = metadata(chain, tables)
    if fmt == "xlsx":
        book = write_workbook(chain, tables, out / "metrics.xlsx")
        folder.add(book)
        return [book, folder.finish(meta)]
    if fmt == "geojson":
        tables = {name: _with_geometry(chain, df) for name, df in tables.items()}
    written = [_write_table(df, out / name, fmt) for name, df in tables.items()]
    folder.add(*written)
    return [*written, folder.finish(meta)]


def _with_geometry(chain: UrbanChain, df: pd.DataFrame) -> pd.DataFrame:
    """Attach node or corridor geometries to a table keyed by node or corridor id."""
    if isinstance(df.index, pd.MultiIndex):  # (node, hub) pairs, e.g. world_access: tabular
        return df
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
    lang: str = "en",
) -> Path:
    """Write the chain map as HTML (and optionally a PNG and PDF of the same picture)."""
    from urbanchain import maps
    from urbanchain.maps import _i18n as i18n

    tables = tables if tables is not None else metric_tables(chain)
    node_values = _node_metric(tables, node_metric)
    corridor_values = None
    if corridor_metric not in {"none", ""}:
        crit = tables["corridor_criticality"]
        # the relative loss reads as a percentage ("12 %"), the absolute one in 1/min
        col = "efficiency_loss_rel" if "efficiency_loss_rel" in crit.columns else "efficiency_loss"
        corridor_values = crit[col]
    # both vintages: the 2008 provinces and, from 2025 on, the merged units
    vintages = (
        (2008, 2025) if (chain.year or 0) >= 2025 and chain.provinces is not None else (2008,)
    )
    checked = i18n.check_lang(lang)
    region = i18n.region_name(chain.region, checked)
    title = i18n.text("map_title", checked, region=region, year=chain.year)
    m = maps.chain_map(
        chain,
        vintages=vintages,
        node_metric=node_values,
        corridor_metric=corridor_values,
        title=title,
        offline=offline,
        lang=checked,
    )
    maps.save(m, out, offline=offline)
    if png:
        fig = maps.chain_plot(
            chain,
            vintages=vintages,
            node_metric=node_values,
            corridor_metric=corridor_values,
            title=title,
            subtitle=_subtitle(node_values, corridor_values, checked),
            lang=checked,
            paper="A4",
        )
        for suffix, dpi in ((".png", 150), (".pdf", None)):
            with atomic_path(out.with_suffix(suffix)) as tmp:
                fig.savefig(tmp, dpi=dpi, format=suffix[1:])
    return out


def _subtitle(nodes: pd.Series, corridors: pd.Series | None, lang: str) -> str:
    """'Cities coloured by <metric>; corridor width by <metric>' in the map's language."""
    from urbanchain.maps import _i18n as i18n

    checked = i18n.check_lang(lang)

    def label(series: pd.Series) -> str:
        entry = i18n.METRICS.get(str(series.name))
        if entry is None:
            return str(series.name)
        text = entry.vi if checked == "vi" else entry.en
        return text[0].lower() + text[1:]

    if corridors is None:
        return i18n.text("subtitle_nodes", checked, label=label(nodes))
    return i18n.text("map_subtitle", checked, label=label(nodes), corridor=label(corridors))


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
            written.append(write_csv(table, out / f"{name}.csv"))
    ranking = scenarios.rank_projects(base, target_year=other.year or 2030, progress=False)
    written.append(write_csv(ranking, out / "project_ranking.csv"))
    maps.save(cmp.map(), out / "diff_map.html", offline=True)
    written.append(out / "diff_map.html")
    return written


def _region_population(chain: UrbanChain) -> gpd.GeoDataFrame | None:
    """Return the chain's 2008 provinces with a sourced population (None: bundled surface).

    The bundled surface holds every region's provinces, so its total (the denominator of
    ``share_of_total``) would mix regions once more than one region has populations.
    """
    p2008 = chain.provinces_2008
    if p2008 is None or "population" not in p2008.columns:
        return None
    known = p2008[pd.to_numeric(p2008["population"], errors="coerce").notna()]
    if known.empty:
        return None
    return known[["code", "population", known.geometry.name]].copy()


def write_analyses(
    chain: UrbanChain,
    tables: dict[str, pd.DataFrame],
    out: Path,
    *,
    cutoffs: tuple[float, ...] = (30, 60, 90, 120),
) -> list[Path]:
    """Write the planner's answers: gateway service areas, population reached, unit scores.

    * ``service_areas_gateways.geojson``: :func:`urbanchain.metrics.service_area`
      around every seaport, airport and border gate, per band;
    * ``population_reached.csv``: :func:`urbanchain.metrics.population.population_in_areas`
      on those bands (the chain's own 2008 provinces with a sourced population, uniform
      density, so ``share_of_total`` is a share of the region's people, not of every bundled
      region's);
    * ``chain_score_province_2025.csv`` / ``chain_score_province_2008.csv``:
      :func:`urbanchain.metrics.aggregate` of the chain score (mean per unit);
    * ``notes.json``: every data-quality warning raised while computing them.
    """
    import warnings

    from urbanchain import metrics
    from urbanchain.errors import DataQualityWarning
    from urbanchain.metrics.population import population_in_areas

    out.mkdir(parents=True, exist_ok=True)
    G = chain.graph
    gateways = [
        v
        for v, k in G.nodes(data="kind")
        if k in ("seaport", "airport", "border_gate") and "@" not in str(v)
    ]
    written: list[Path] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataQualityWarning)
        if gateways:
            bands = metrics.service_area(G, gateways, cutoffs=cutoffs)
            path = out / "service_areas_gateways.geojson"
            bands.to_file(path, driver="GeoJSON")
            written.append(path)
            people = population_in_areas(bands, population=_region_population(chain))
            people.to_csv(out / "population_reached.csv", index=False)
            written.append(out / "population_reached.csv")
        score = tables["chain_score"][["score"]]
        for by in ("province_2025", "province_2008"):
            unit = metrics.aggregate(score, by=by, nodes=chain.nodes)
            pd.DataFrame(unit.drop(columns="geometry")).to_csv(out / f"chain_score_{by}.csv")
            written.append(out / f"chain_score_{by}.csv")
    notes = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    for w in caught:
        if not issubclass(w.category, DataQualityWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    (out / "notes.json").write_text(
        json.dumps({"warnings": notes, "cutoffs_min": list(cutoffs)}, ensure_ascii=False, indent=2)
        + "\n",
        encoding="utf-8",
    )
    written.append(out / "notes.json")
    return written


def write_region_outputs(
    *,
    region: str,
    year: int,
    out: Path,
    graph_options: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write every output of a bundled region into one folder (the main job).

    ``out/metadata.json`` (every file written, ``complete: true``) is written last;
    a non-empty ``out`` is refused unless ``overwrite`` (then the earlier run's files
    are removed first).
    """
    from urbanchain.chain import UrbanChain

    folder = OutputFolder(out, overwrite=overwrite)
    written = write_layers(region=region, out=out / "layers", manifest=False)
    chain = UrbanChain.from_region(region, year=year, graph_options=graph_options)
    summary = chain.summary()
    written.append(write_csv(summary, out / "summary.csv", index=False))
    written.append(write_graph(chain.graph, out / f"graph-{year}.graphml"))
    written.append(write_graph(chain.graph, out / f"graph-{year}.gpkg"))
    tables = metric_tables(chain)
    (out / "metrics").mkdir(exist_ok=True)
    written.extend(_write_table(df, out / "metrics" / name, "csv") for name, df in tables.items())
    written.append(write_metadata(chain, tables, out / "metrics" / "metadata.json"))
    written.extend(write_analyses(chain, tables, out / "analyses"))
    # the comparison runs from the network as built (2025) to the later of the two years
    base, target = (chain, chain.as_of(2030)) if year < 2030 else (chain.as_of(2025), chain)
    written.extend(
        write_comparison(base, target, out / f"scenario-{base.year}-{target.year}")
    )
    slug = region.replace("_", "-")
    written.append(write_workbook(chain, tables, out / f"{slug}.xlsx"))
    # Vietnamese is first-class: both languages, each with its static PNG and PDF.
    for lang, suffix in (("vi", ""), ("en", "-en")):
        page = out / f"{slug}{suffix}.html"
        written.append(write_map(chain, page, offline=True, tables=tables, png=True, lang=lang))
        written.extend([page.with_suffix(".png"), page.with_suffix(".pdf")])
    # --- world access (issue 20): the chain's links to the world hubs, vi and en
    written.extend(write_world_maps(chain, out, slug=slug, tables=tables))
    written.extend(write_briefs(chain, out, slug=slug, year=year, tables=tables))
    # --- readiness (issue 22): choropleths of both vintages, ready vs connected
    ready_files, ready_notes = write_readiness(chain, out, slug=slug, tables=tables)
    written.extend(ready_files)
    # --- end readiness
    folder.add(*written)
    written.append(folder.finish({"region": region, "year": year, "readiness": ready_notes}))
    return written


def write_briefs(
    chain: UrbanChain,
    out: Path,
    *,
    slug: str,
    year: int,
    tables: dict[str, pd.DataFrame] | None = None,
) -> list[Path]:
    """Write the decision brief in Vietnamese and English, with the 2030 projects as scenario."""
    from urbanchain.report import brief

    written = []
    scenario = chain.as_of(2030) if year < 2030 else None
    for lang in ("vi", "en"):
        path = out / f"brief-{slug}-{lang}.html"
        brief(chain, scenario=scenario, lang=lang, path=path, tables=tables)
        written.append(path)
    return written


# --------------------------------------------------------------------------- world access
# The world-access map (issue 20): maps/_world.py draws it, the main job writes it here.


def write_world_maps(
    chain: UrbanChain,
    out: Path,
    *,
    slug: str,
    tables: dict[str, pd.DataFrame] | None = None,
    png: bool = True,
) -> list[Path]:
    """Write ``world-<slug>.html`` (Vietnamese) and ``world-<slug>-en.html``, with PNG and PDF.

    The map draws the chain's legs to the world hubs and colours its cities by their
    indicative door-to-hub time (:func:`urbanchain.maps.world_map`); ``tables`` may hold
    a precomputed ``world_access`` (as :func:`metric_tables` returns).
    """
    from urbanchain import maps, world
    from urbanchain.maps._i18n import Lang

    access = (tables or {}).get("world_access")
    if access is None:
        access = world.world_access(chain)
    written: list[Path] = []
    languages: tuple[tuple[Lang, str], ...] = (("vi", ""), ("en", "-en"))
    for lang, suffix in languages:
        page = out / f"world-{slug}{suffix}.html"
        maps.save(maps.world_map(chain, access=access, lang=lang), page, offline=True)
        written.append(page)
        if png:
            fig = maps.world_plot(chain, access=access, lang=lang)
            for ext, dpi in ((".png", 150), (".pdf", None)):
                with atomic_path(page.with_suffix(ext)) as tmp:
                    fig.savefig(tmp, dpi=dpi, format=ext[1:])
                written.append(page.with_suffix(ext))
    return written


# --- readiness (issue 22) -----------------------------------------------------------


def write_readiness(
    chain: UrbanChain,
    out: Path,
    *,
    slug: str,
    tables: dict[str, pd.DataFrame] | None = None,
) -> tuple[list[Path], dict[str, Any]]:
    """Write the readiness choropleths and the "ready vs connected" map and table.

    * ``readiness-<slug>-2008-vi.html`` / ``-en.html``: PCI overall score of the
      2008-2025 provinces, most recent year with a score for every province;
    * ``readiness-<slug>-2025-vi.html`` / ``-en.html``: the same on the 2025 units
      (population-weighted aggregates, marked derived; "no data" where a member has no
      sourced population);
    * ``ready-connected-<slug>-vi.html`` / ``-en.html`` and
      ``analyses/ready_vs_connected.csv``: each capital's class
      (:func:`urbanchain.maps.ready_vs_connected`).

    A part that cannot be drawn (no readiness value at all) is skipped and its reason
    returned in the notes, which go to ``metadata.json``.
    """
    from urbanchain import maps, metrics, readiness
    from urbanchain.errors import ValidationError

    written: list[Path] = []
    notes: dict[str, Any] = {"index": "pci", "component": "overall", "skipped": {}}
    langs: tuple[Literal["vi", "en"], ...] = ("vi", "en")
    for vintage in (2008, 2025):
        for lang in langs:
            path = out / f"readiness-{slug}-{vintage}-{lang}.html"
            try:
                m = maps.readiness_map(chain, vintage=vintage, lang=lang)
            except ValidationError as exc:
                notes["skipped"][path.name] = str(exc)
                continue
            written.append(maps.save(m, path, offline=True))
        try:
            values = readiness.chain_values(chain, vintage=vintage)
        except ValidationError:
            values = None
        if values is not None:
            notes[f"vintage_{vintage}"] = {
                "year": values.attrs["year"],
                "year_rule": values.attrs["year_rule"],
                "coverage": list(values.attrs["coverage"]),
                "sources": values.attrs["sources"],
                "derived": values.attrs["derived"],
            }
    score = (tables or {}).get("chain_score")
    try:
        table = metrics.ready_vs_connected(chain, score=score)
    except ValidationError as exc:
        notes["skipped"]["ready_vs_connected"] = str(exc)
        return written, notes
    (out / "analyses").mkdir(parents=True, exist_ok=True)
    written.append(write_csv(table, out / "analyses" / "ready_vs_connected.csv"))
    notes["ready_vs_connected"] = _jsonable(dict(table.attrs))
    for lang in langs:
        m = maps.ready_connected_map(chain, table=table, lang=lang)
        written.append(maps.save(m, out / f"ready-connected-{slug}-{lang}.html", offline=True))
    return written, notes
