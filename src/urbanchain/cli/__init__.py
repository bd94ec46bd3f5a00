"""The ``urbanchain`` command: reproducible batch runs for planners and researchers.

Every subcommand takes ``--region`` (a bundled region id; hyphens or
underscores) or the user's own layer files, reads optional settings from a
TOML file (``--config``) whose keys are the Python API's keyword arguments,
and exits with 0 when all went well, 1 on bad input and 2 on a usage error.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from urbanchain.cli._texts import LANG_ENV, cli_lang, t
from urbanchain.errors import UrbanchainError, UrbanchainWarning

__all__ = ["app", "main"]


class EngineChoice(StrEnum):
    """Values of the global ``--engine`` option (the ``engine`` setting)."""

    auto = "auto"
    scipy = "scipy"
    cch = "cch"
    igraph = "igraph"
    networkx = "networkx"


app = typer.Typer(
    name="urbanchain",
    help=(
        "Layers, graphs, connectivity metrics and offline maps for chains of smart cities.\n\n"
        "Example: urbanchain run --region red-river-delta --out outputs/red-river-delta"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

RegionOpt = Annotated[
    str, typer.Option("--region", "-r", help="Bundled region id, e.g. red-river-delta.")
]
YearOpt = Annotated[
    int,
    typer.Option(
        "--year", "-y", help="Network year (2025 = as built; 2030 = with projects due by then)."
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="TOML file of settings; keys match the Python API.", exists=False
    ),
]
NodesOpt = Annotated[
    Path | None,
    typer.Option("--nodes", help="Your own nodes layer (GeoJSON, GPKG, GeoParquet, CSV)."),
]
CorridorsOpt = Annotated[
    Path | None, typer.Option("--corridors", help="Your own corridor/road line layer.")
]
OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace the outputs of an earlier run in a non-empty output folder.",
    ),
]
ProvincesOpt = Annotated[
    Path | None, typer.Option("--provinces", help="Your own province polygons.")
]
CrsOpt = Annotated[
    str | None,
    typer.Option("--crs", help="CRS of CSV layers (lon/lat columns), e.g. EPSG:4326."),
]
IdColOpt = Annotated[
    str | None,
    typer.Option("--id-col", help="Id column of your layers when it is not node_id / corridor_id."),
]
OutOpt = Annotated[
    str,
    typer.Option(
        "--out",
        "-o",
        help=(
            "Output folder, or a PostGIS database: postgresql://user@host/db (never printed "
            "or recorded), or postgis: to take it from URBANCHAIN_DATABASE_URL."
        ),
    ),
]
SchemaOpt = Annotated[
    str, typer.Option("--schema", help="PostGIS schema of the tables (with a postgresql:// --out).")
]


class Lang(StrEnum):
    """Language of maps and briefs."""

    vi = "vi"
    en = "en"


LangOpt = Annotated[
    Lang, typer.Option("--lang", "-l", help="Language of every visible string: vi or en.")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"{t('urbanchain: error:')} {message}", err=True)
    return typer.Exit(code=1)


#: Keys a config file may hold: top-level keys and one table per subcommand.
#: ``[graph]`` takes the keyword arguments of :func:`urbanchain.graph.graph_from_gdfs`.
_TOP_KEYS = frozenset({"region", "year"})
_SECTION_KEYS: dict[str, frozenset[str]] = {
    "run": frozenset(),
    "metrics": frozenset({"format"}),
    "map": frozenset({"online", "node_metric", "corridor_metric"}),
}


def _graph_keys() -> frozenset[str]:
    import inspect

    from urbanchain.graph import graph_from_gdfs

    params = inspect.signature(graph_from_gdfs).parameters
    return frozenset(k for k, p in params.items() if p.kind is p.KEYWORD_ONLY) - {
        "as_of",
        "provenance",
        "output",
    }


def _config(path: Path | None) -> dict[str, Any]:
    """Read and check a TOML config file; unknown keys are refused with the valid ones."""
    from urbanchain._private._config_files import read_toml
    from urbanchain.errors import InputFileError

    if path is None:
        return {}
    try:
        data = read_toml(path, what="config file", error=InputFileError)
    except InputFileError as exc:
        raise _fail(str(exc)) from exc
    sections = {**_SECTION_KEYS, "graph": _graph_keys()}
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in sections:
                msg = f"{path}: unknown table [{key}]. Valid tables: {', '.join(sorted(sections))}."
                raise _fail(msg)
            bad = sorted(set(value) - sections[key])
            if bad:
                msg = (
                    f"{path}: unknown key(s) {', '.join(bad)} in [{key}]. "
                    f"Valid keys: {', '.join(sorted(sections[key])) or '(none)'}."
                )
                raise _fail(msg)
        elif key not in _TOP_KEYS:
            msg = f"{path}: unknown top-level key {key!r}. Valid keys: {', '.join(sorted(_TOP_KEYS))}, or a table."
            raise _fail(msg)
    return data


def _pick(ctx: typer.Context, name: str, value: Any, cfg: dict[str, Any], *path: str) -> Any:
    """Return the command-line value if given, else the config value, else the default."""
    source = ctx.get_parameter_source(name) if hasattr(ctx, "get_parameter_source") else None
    if source is not None and getattr(source, "name", "") not in {"DEFAULT", "DEFAULT_MAP"}:
        return value
    node: Any = cfg
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return value
        node = node[key]
    return _typed_config_value(".".join(path), value, node)


def _year(value: Any) -> int:
    """Return a year from the command line or a config file, in the range urbanchain accepts."""
    from urbanchain.chain import check_year
    from urbanchain.errors import ValidationError

    try:
        return check_year(value, "--year (or year in the config file)")
    except ValidationError as exc:
        raise _fail(str(exc)) from exc


def _typed_config_value(where: str, default: Any, found: Any) -> Any:
    """Refuse a config value whose type differs from the option's (never coerce).

    ``online = "false"`` would otherwise be a non-empty string, i.e. true.
    """
    if isinstance(default, bool):
        if not isinstance(found, bool):
            msg = (
                f"config key {where} must be true or false (a TOML boolean, without quotes); "
                f"got {found!r}."
            )
            raise _fail(msg)
    elif isinstance(default, int):
        if isinstance(found, bool) or not isinstance(found, int):
            msg = f"config key {where} must be a whole number (without quotes); got {found!r}."
            raise _fail(msg)
    elif isinstance(default, str) and not isinstance(found, str):
        msg = f"config key {where} must be text (in quotes); got {found!r}."
        raise _fail(msg)
    return found


def _read_own(path: Path, *, kind: str, crs: str | None, id_col: str | None) -> Any:
    """Read a user layer; its id column (``--id-col``) becomes the schema's id column."""
    import pandas as pd

    from urbanchain.io import read_layer

    schema_id = {"nodes": "node_id", "corridors": "corridor_id"}.get(kind)
    use_id = id_col if id_col is not None and schema_id is not None else None
    gdf = read_layer(path, kind=kind, crs=crs, id_col=use_id)
    if use_id is not None and use_id != schema_id and use_id in gdf.columns:
        if schema_id in gdf.columns:
            msg = f"{path}: has both {schema_id} and --id-col {use_id}; drop one of them."
            raise _fail(msg)
        gdf = gdf.rename(columns={use_id: schema_id})
    assert isinstance(gdf, pd.DataFrame)
    return gdf


def _overlay(base: Any, extra: Any, key: str, what: str) -> Any:
    """Return the bundled layer with the user's features added (ids must not clash)."""
    import geopandas as gpd
    import pandas as pd

    clash = sorted(set(map(str, base[key])) & set(map(str, extra[key])))
    if clash:
        msg = (
            f"your {what} reuse {key} values of the bundled region: {', '.join(clash[:10])}. "
            "Give your features new ids (or pass both --nodes and --corridors to replace "
            "the region's layers)."
        )
        raise _fail(msg)
    extra = extra.to_crs(base.crs) if extra.crs != base.crs else extra
    return gpd.GeoDataFrame(
        pd.concat([base, extra], ignore_index=True), geometry=base.geometry.name, crs=base.crs
    )


def _chain(
    ctx: typer.Context,
    cfg: dict[str, Any],
    *,
    region: str,
    year: int,
    nodes: Path | None,
    corridors: Path | None,
    provinces: Path | None,
    crs: str | None = None,
    id_col: str | None = None,
) -> Any:
    """Build the chain of a command: region/year from the command line, else the config.

    With only ``--corridors`` (or only ``--nodes``), the user's features are drawn
    on top of the bundled region's layers; with both, they replace them.
    """
    from urbanchain.chain import UrbanChain

    region = _pick(ctx, "region", region, cfg, "region")
    year = _year(_pick(ctx, "year", year, cfg, "year"))
    graph_options = cfg.get("graph")

    if nodes is None and corridors is None and provinces is None:
        return UrbanChain.from_region(region, year=year, graph_options=graph_options)
    own_nodes = None if nodes is None else _read_own(nodes, kind="nodes", crs=crs, id_col=id_col)
    own_lines = (
        None
        if corridors is None
        else _read_own(corridors, kind="corridors", crs=crs, id_col=id_col)
    )
    own_prov = (
        None if provinces is None else _read_own(provinces, kind="provinces", crs=crs, id_col=None)
    )
    if own_nodes is None or own_lines is None:
        # overlay the user's layer on the bundled region
        bundled = UrbanChain.from_region(region, year=year, graph_options=graph_options)
        if own_nodes is not None:
            own_nodes = _overlay(bundled.nodes, own_nodes, "node_id", "nodes")
        if own_lines is not None:
            own_lines = _overlay(bundled.corridors, own_lines, "corridor_id", "corridors")
        return UrbanChain(
            nodes=own_nodes if own_nodes is not None else bundled.nodes,
            corridors=own_lines if own_lines is not None else bundled.corridors,
            provinces=own_prov if own_prov is not None else bundled.provinces,
            provinces_2008=bundled.provinces_2008 if own_prov is None else None,
            year=year,
            region=bundled.region,
            graph_options=bundled.graph_options,
        )
    return UrbanChain(
        nodes=own_nodes,
        corridors=own_lines,
        provinces=own_prov,
        year=year,
        graph_options=graph_options,
    )


def _postgis_target(out: str) -> str | None:
    """Return the connection string of a PostGIS ``--out`` (option or environment), or None."""
    import os

    from urbanchain.io.postgis import DSN_ENV, is_dsn

    if is_dsn(out):
        return out
    if out.lower() == "postgis:":
        dsn = os.environ.get(DSN_ENV)
        if not dsn:
            msg = f"--out postgis: takes the connection string from {DSN_ENV}, which is not set."
            raise _fail(msg)
        return dsn
    return None


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
    engine: Annotated[
        EngineChoice | None,
        typer.Option(
            "--engine",
            help=(
                "Shortest-path engine for every metric of this run: auto, scipy, cch "
                "(needs urbanchain[fast]) or networkx (the reference). Recorded in "
                "metrics/metadata.json."
            ),
            case_sensitive=False,
        ),
    ] = None,
) -> None:
    if engine is not None:
        from urbanchain import settings

        ctx.with_resource(settings.override(engine=engine.value))
    if version:
        from urbanchain import __version__

        typer.echo(__version__)
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(2)


@app.command("run")
def run_cmd(
    ctx: typer.Context,
    out: OutOpt,
    region: RegionOpt = "red-river-delta",
    year: YearOpt = 2025,
    schema: SchemaOpt = "public",
    config: ConfigOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Run the main job: layers, graph, metrics, maps and the 2030 comparison for a region.

    With a PostGIS --out, the layers and the metric tables are written to the database.

    Example: urbanchain run --region red-river-delta --out outputs/red-river-delta
    """
    from urbanchain.cli._outputs import write_region_outputs, write_region_postgis

    cfg = _config(config)
    region = _pick(ctx, "region", region, cfg, "region")
    year = _year(_pick(ctx, "year", year, cfg, "year"))
    dsn = _postgis_target(out)
    if dsn is not None:
        for table in write_region_postgis(
            region=region, year=year, dsn=dsn, schema=schema, graph_options=cfg.get("graph")
        ):
            typer.echo(f"postgis:{table}")
        return
    written = write_region_outputs(
        region=region,
        year=year,
        out=Path(out),
        graph_options=cfg.get("graph"),
        overwrite=overwrite,
    )
    for path in written:
        typer.echo(str(path))


@app.command("datasets")
def datasets_cmd(
    region: RegionOpt = "red-river-delta",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Export the region's layers into this folder as GeoJSON."),
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """List the bundled regions and layers, and optionally export a region's layers.

    Example: urbanchain datasets --region red-river-delta --out layers/
    """
    from urbanchain import datasets

    regs = datasets.regions()
    typer.echo(t("Regions (use with --region; hyphens or underscores):"))
    from urbanchain.maps._i18n import REGIONS

    vi = cli_lang() == "vi"
    for _, row in regs.iterrows():
        rid = str(row["id"])
        name = REGIONS[rid]["vi"] if vi and rid in REGIONS else row["name"]
        typer.echo(f"  {rid.replace('_', '-'):<34} {name}")
    typer.echo(t("Layers: provinces (vintage 2008 and 2025), nodes, corridors"))
    if out is not None:
        from urbanchain.cli._outputs import write_layers

        for path in write_layers(region=region, out=out, overwrite=overwrite):
            typer.echo(str(path))


@app.command("validate")
def validate_cmd(
    files: Annotated[list[Path], typer.Argument(help="Layer files to check.")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind", "-k", help="provinces, nodes, corridors, lines, polygons or points."
        ),
    ] = "polygons",
    crs: Annotated[
        str | None, typer.Option("--crs", help="CRS of CSV files, e.g. EPSG:4326.")
    ] = None,
    id_col: IdColOpt = None,
) -> None:
    """Check layer files and print a readable report; exit 1 if any has errors.

    Example: urbanchain validate provinces.geojson --kind provinces
    """
    from urbanchain.io import read_layer

    failed = 0
    for path in files:
        try:
            read_layer(path, kind=kind, crs=crs, id_col=id_col)
        except UrbanchainError as exc:
            failed += 1
            typer.echo(f"{path}: {t('FAILED')}\n{exc}\n")
        else:
            typer.echo(f"{path}: {t('ok')}")
    if failed:
        raise typer.Exit(code=1)


@app.command("graph")
def graph_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .graphml or .gpkg.")],
    region: RegionOpt = "red-river-delta",
    year: YearOpt = 2025,
    nodes: NodesOpt = None,
    corridors: CorridorsOpt = None,
    crs: CrsOpt = None,
    id_col: IdColOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Build the multimodal graph and write it as GraphML or GeoPackage layers.

    Example: urbanchain graph --region red-river-delta --year 2030 --out delta-2030.gpkg
    """
    from urbanchain.cli._outputs import write_graph

    cfg = _config(config)
    chain = _chain(
        ctx,
        cfg,
        region=region,
        year=year,
        nodes=nodes,
        corridors=corridors,
        provinces=None,
        crs=crs,
        id_col=id_col,
    )
    typer.echo(str(write_graph(chain.graph, out)))


@app.command("metrics")
def metrics_cmd(
    ctx: typer.Context,
    out: OutOpt,
    region: RegionOpt = "red-river-delta",
    year: YearOpt = 2025,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv, parquet, geojson or xlsx (one workbook).")
    ] = "csv",
    nodes: NodesOpt = None,
    corridors: CorridorsOpt = None,
    crs: CrsOpt = None,
    id_col: IdColOpt = None,
    kinds: Annotated[
        str | None,
        typer.Option(
            "--kinds",
            help="Gateway kinds for gateway access, comma-separated, e.g. seaport,airport.",
        ),
    ] = None,
    schema: SchemaOpt = "public",
    config: ConfigOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Compute node metrics, OD, corridor criticality and the chain score, and write the tables.

    Example: urbanchain metrics --region red-river-delta --year 2025 --out metrics/
    """
    from urbanchain.cli._outputs import metric_tables, write_metric_tables, write_tables_postgis

    cfg = _config(config)
    fmt = _pick(ctx, "fmt", fmt, cfg, "metrics", "format")
    if fmt not in {"csv", "parquet", "geojson", "xlsx"}:
        msg = f"--format must be csv, parquet, geojson or xlsx, not {fmt!r}."
        raise _fail(msg)
    chain = _chain(
        ctx,
        cfg,
        region=region,
        year=year,
        nodes=nodes,
        corridors=corridors,
        provinces=None,
        crs=crs,
        id_col=id_col,
    )
    kind_list = None if kinds is None else [k.strip() for k in kinds.split(",") if k.strip()]
    dsn = _postgis_target(out)
    if dsn is not None:
        tables = metric_tables(chain, kinds=kind_list)
        for table in write_tables_postgis(chain, tables, dsn=dsn, schema=schema):
            typer.echo(f"postgis:{table}")
        return
    for path in write_metric_tables(
        chain, Path(out), fmt=fmt, kinds=kind_list, overwrite=overwrite
    ):
        typer.echo(str(path))


@app.command("map")
def map_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output HTML file.")],
    region: RegionOpt = "red-river-delta",
    year: YearOpt = 2025,
    online: Annotated[
        bool,
        typer.Option(
            "--online/--offline", help="Online tiles, or a self-contained offline file (default)."
        ),
    ] = False,
    node_metric: Annotated[
        str,
        typer.Option(
            "--node-metric",
            help="Node score shown: chain_score, harmonic, accessibility, betweenness.",
        ),
    ] = "chain_score",
    corridor_metric: Annotated[
        str, typer.Option("--corridor-metric", help="Corridor width: criticality or none.")
    ] = "criticality",
    nodes: NodesOpt = None,
    corridors: CorridorsOpt = None,
    provinces: ProvincesOpt = None,
    crs: CrsOpt = None,
    id_col: IdColOpt = None,
    config: ConfigOpt = None,
    lang: LangOpt = Lang.en,
) -> None:
    """Write an interactive HTML map of the chain (offline by default).

    With only --corridors (or only --nodes), your features are drawn over the region's.

    Example: urbanchain map --region red-river-delta --year 2025 --out map.html
    """
    from urbanchain.cli._outputs import write_map

    cfg = _config(config)
    chain = _chain(
        ctx,
        cfg,
        region=region,
        year=year,
        nodes=nodes,
        corridors=corridors,
        provinces=provinces,
        crs=crs,
        id_col=id_col,
    )
    path = write_map(
        chain,
        out,
        offline=not _pick(ctx, "online", online, cfg, "map", "online"),
        node_metric=_pick(ctx, "node_metric", node_metric, cfg, "map", "node_metric"),
        corridor_metric=_pick(
            ctx, "corridor_metric", corridor_metric, cfg, "map", "corridor_metric"
        ),
        lang=Lang(_pick(ctx, "lang", lang, cfg, "map", "lang")).value,
    )
    typer.echo(str(path))


@app.command("brief")
def brief_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output HTML file (the brief).")],
    region: RegionOpt = "red-river-delta",
    year: YearOpt = 2025,
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", "-s", help="Scenario TOML file whose gains the brief shows."),
    ] = None,
    lang: LangOpt = Lang.vi,
    config: ConfigOpt = None,
) -> None:
    """Write a decision brief: map, key tables, charts, methods, caveats, sources (offline HTML).

    Example: urbanchain brief --region red-river-delta --scenario delta-2030.toml --lang vi --out brief.html
    """
    from urbanchain.report import brief

    cfg = _config(config)
    chain = _chain(ctx, cfg, region=region, year=year, nodes=None, corridors=None, provinces=None)
    if scenario is not None and not scenario.is_file():
        msg = f"--scenario {scenario}: no such file; give a scenario TOML file."
        raise _fail(msg)
    brief(chain, scenario=scenario, lang=Lang(lang).value, path=out)
    typer.echo(str(out))


@app.command("scenario")
def scenario_cmd(
    out: OutOpt,
    config: Annotated[
        Path | None,
        typer.Argument(help="Scenario TOML file: base year, edits, metrics, sweeps (optional)."),
    ] = None,
    region: RegionOpt = "red-river-delta",
    year: YearOpt = 2025,
    add: Annotated[
        list[Path] | None,
        typer.Option("--add", help="A file of new corridors to add (repeatable)."),
    ] = None,
    close: Annotated[
        list[str] | None,
        typer.Option("--close", help="A corridor id or name to close (repeatable)."),
    ] = None,
    candidates: Annotated[
        str | None,
        typer.Option("--candidates", help="Corridor ids to rank as projects, comma-separated."),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the diff map.")] = None,
    crs: CrsOpt = None,
    id_col: IdColOpt = None,
    schema: SchemaOpt = "public",
    progress: Annotated[
        bool, typer.Option("--progress/--quiet", help="Show a progress bar on long sweeps.")
    ] = True,
    overwrite: OverwriteOpt = False,
) -> None:
    """Run a scenario and write its difference tables (CSV) and map (HTML).

    The scenario is a TOML file, or quick edits on a region: --add FILE, --close ID.

    Example: urbanchain scenario delta-2030.toml --out scenario-2030/

    Example: urbanchain scenario --region red-river-delta --add my_road.geojson --out s/
    """
    from urbanchain.cli._outputs import write_tables_postgis
    from urbanchain.scenarios import build_scenario, load_scenario, write_scenario_outputs

    quick = bool(add or close or candidates)
    if config is None and not quick:
        msg = "give a scenario TOML file, or quick edits: --add FILE and/or --close ID."
        raise _fail(msg)
    if config is not None and (add or close):
        msg = "--add and --close go without a scenario file; put the edits in the file instead."
        raise _fail(msg)
    if config is not None:
        sf = load_scenario(config)
        if candidates:
            sf.rank = {**(sf.rank or {}), "candidates": candidates.split(",")}
    else:
        extra = [_read_own(p, kind="corridors", crs=crs, id_col=id_col) for p in add or []]
        sf = build_scenario(
            region=region.replace("-", "_"),
            year=year,
            add=extra,
            close=list(close or []),
            candidates=None if candidates is None else candidates.split(","),
            title=title,
        )
    if title:
        sf.title = title
    dsn = _postgis_target(out)
    if dsn is not None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            written = write_scenario_outputs(sf, tmp, progress=progress)
            import pandas as pd

            tables = {
                f"scenario_{k}": pd.read_csv(v) for k, v in written.items() if v.suffix == ".csv"
            }
            for table in write_tables_postgis(sf.scenario.chain, tables, dsn=dsn, schema=schema):
                typer.echo(f"postgis:{table}")
        return
    written = write_scenario_outputs(sf, Path(out), progress=progress, overwrite=overwrite)
    for path in written.values():
        typer.echo(str(path))


@app.command("network")
def network_cmd(
    roads: Annotated[
        Path,
        typer.Argument(
            help="Your road file: .gpkg, .geojson, .parquet, an OSM .osm.pbf, or a saved graph."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created).")],
    layer: Annotated[
        str | None, typer.Option("--layer", help="Layer of a GeoPackage with several layers.")
    ] = None,
    nodes: Annotated[
        Path | None,
        typer.Option(
            "--nodes",
            help="Points (POIs, zone centroids) attached to the nearest road for od/detour.",
        ),
    ] = None,
    weight: Annotated[
        str, typer.Option("--weight", "-w", help="Shortest paths by time (minutes) or length (km).")
    ] = "time",
    metrics: Annotated[
        str | None,
        typer.Option(
            "--metrics",
            "-m",
            help=(
                "Comma-separated: indices, centrality (node + edge betweenness), closeness "
                "(closeness, harmonic, degree), od, detour, criticality; or all. Default: all "
                "but criticality."
            ),
        ),
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(
            "--sample",
            "-k",
            help=(
                "Betweenness from K sampled sources (Brandes-Pich), and K sampled nodes for "
                "od/detour/criticality (default 100) when --nodes is not given."
            ),
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the samples.")] = 0,
    directed: Annotated[
        bool,
        typer.Option(
            "--directed/--undirected",
            help="Keep one-way streets one-way (oneway column, -1 reversed). Default undirected.",
        ),
    ] = False,
    cutoff: Annotated[
        float | None,
        typer.Option(
            "--cutoff", help="Local centralities: only paths of at most this cost (weight units)."
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Threads for closeness and betweenness (numba kernels); -1: every core.",
        ),
    ] = 1,
    engine: Annotated[
        EngineChoice | None,
        typer.Option(
            "--engine",
            help="auto, scipy, cch, igraph or networkx (the reference); recorded in metadata.json.",
            case_sensitive=False,
        ),
    ] = None,
    memory_budget: Annotated[
        str | None,
        typer.Option(
            "--memory-budget",
            help="Largest result array held in memory, e.g. 2GiB (the memory_budget_bytes setting).",
        ),
    ] = None,
    network_type: Annotated[
        str,
        typer.Option(
            "--network-type",
            help="OSM .pbf only: driving, driving+service, walking, cycling, all, all_public.",
        ),
    ] = "driving",
    fmt: Annotated[str, typer.Option("--format", "-f", help="Tables as csv or parquet.")] = "csv",
    crs: CrsOpt = None,
    id_col: Annotated[
        str | None, typer.Option("--id-col", help="Line id column (default corridor_id, else row).")
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Compute network metrics on your own road file: no masses or gateways needed.

    Writes nodes (closeness, harmonic, betweenness), edges (edge betweenness),
    indices (Kansky), od, detour and criticality tables, the graph (graph.gpkg)
    and metadata.json last.

    Example: urbanchain network roads.gpkg --out net/ --sample 500 --metrics centrality,indices
    """
    import contextlib

    from urbanchain import settings
    from urbanchain.cli._network import NetworkJob, metrics_list, parse_bytes, run_network

    overrides: dict[str, Any] = {}
    if engine is not None:
        overrides["engine"] = engine.value
    if memory_budget is not None:
        overrides["memory_budget_bytes"] = parse_bytes(memory_budget)
    job = NetworkJob(
        path=roads,
        out=out,
        layer=layer,
        nodes=nodes,
        weight=weight,
        metrics=metrics_list(metrics),
        sample=sample,
        seed=seed,
        directed=directed,
        id_col=id_col,
        crs=crs,
        cutoff=cutoff,
        jobs=jobs,
        network_type=network_type,
        fmt=fmt,
        overwrite=overwrite,
    )
    with settings.override(**overrides) if overrides else contextlib.nullcontext():
        written = run_network(job)
    for path in written:
        typer.echo(str(path))


@app.command("rerun")
def rerun_cmd(
    metadata: Annotated[Path, typer.Argument(help="metadata.json of an earlier run.")],
) -> None:
    """Repeat a run from its metadata.json (same command, options and config file).

    The repeated run replaces the earlier run's outputs (as with --overwrite).

    Example: urbanchain rerun outputs/red-river-delta/metrics/metadata.json
    """
    import hashlib
    import json

    try:
        meta = json.loads(metadata.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{metadata}: not a readable metadata.json ({exc}). Pass the file an urbanchain run wrote."
        raise _fail(msg) from exc
    command = meta.get("command") if isinstance(meta, dict) else None
    argv = command.get("argv") if isinstance(command, dict) else None
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv) or not argv:
        msg = f"{metadata}: records no command (written by an older urbanchain?); run it by hand."
        raise _fail(msg)
    if argv[0] == "rerun":
        msg = f"{metadata}: records a rerun; rerun the original run's metadata instead."
        raise _fail(msg)
    cfg = command.get("config") if isinstance(command, dict) else None
    if isinstance(cfg, dict) and cfg.get("path"):
        path = Path(str(cfg["path"]))
        if not path.is_file():
            msg = f"{metadata}: the config file {path} of that run is missing; restore it first."
            raise _fail(msg)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != cfg.get("sha256"):
            msg = (
                f"{metadata}: the config file {path} changed since that run (sha256 differs); "
                "restore it, or run the command again by hand."
            )
            raise _fail(msg)
    argv = list(argv)
    fills_folder = {"run", "metrics", "scenario", "datasets", "network"}
    if argv[0] in fills_folder and "--overwrite" not in argv:
        # a rerun replaces the outputs of the run it repeats (only files its manifest lists)
        argv.append("--overwrite")
    typer.echo("urbanchain " + " ".join(argv), err=True)
    code = main(argv)
    raise typer.Exit(code)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``urbanchain`` console script.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 ok, 1 bad input, 2 usage error.
    """
    import os

    from urbanchain.cli._outputs import record_command

    chosen = os.environ.get(LANG_ENV, "").strip().lower()
    if chosen not in ("", "vi", "en"):
        typer.echo(
            f"urbanchain: error: {LANG_ENV}={chosen!r} is not a language of urbanchain; "
            f"set it to vi or en (or unset it for English).",
            err=True,
        )
        return 2
    record_command(list(sys.argv[1:] if argv is None else argv))
    with _warnings_for_people():
        try:
            if cli_lang() == "vi":
                return _main_vi(argv)
            app(args=argv, prog_name="urbanchain", standalone_mode=True)
        except SystemExit as exc:  # click ends every run this way in standalone mode
            code = exc.code
            return code if isinstance(code, int) else (0 if code is None else 1)
        except (UrbanchainError, UrbanchainWarning) as exc:  # a warning under -W error too
            typer.echo(f"{t('urbanchain: error:')} {exc}", err=True)
            return 1
    return 0


@contextlib.contextmanager
def _warnings_for_people() -> Iterator[None]:
    """Show urbanchain's own warnings as ``urbanchain: warning: <message>``, each once.

    Python's default shows a warning with the library file and line it was
    raised at (for a warning from a cached property, a line of
    ``functools.py``), and a run that rebuilds a graph for several years repeats
    it each time.  On the command line a warning is a message to the person
    running it: shown once, with its category, in the command line's language.
    Warnings of other packages, and the filters in force (``-W error``,
    ``PYTHONWARNINGS``), are left as they are.
    """
    import warnings

    seen: set[tuple[str, str]] = set()
    default = warnings.formatwarning

    # formatwarning, not showwarning: a caller recording warnings (pytest.warns,
    # catch_warnings(record=True)) still records them; only the printed text changes
    def format_for_people(
        message: Any, category: Any, filename: str, lineno: int, line: str | None = None
    ) -> str:
        if not (isinstance(category, type) and issubclass(category, UrbanchainWarning)):
            return default(message, category, filename, lineno, line)
        key = (category.__name__, str(message))
        if key in seen:
            return ""
        seen.add(key)
        return f"{t('urbanchain: warning:')} {message} ({category.__name__})\n"

    warnings.formatwarning = format_for_people
    try:
        yield
    finally:
        warnings.formatwarning = default


def _main_vi(argv: list[str] | None) -> int:
    """Run the Vietnamese command line: Click's own words and usage errors in Vietnamese too.

    Click runs in non-standalone mode so that its usage errors come here to be
    shown in Vietnamese (:mod:`urbanchain.cli._vi`) instead of by Click in English.
    """
    from urbanchain.cli import _vi

    command = _translated("vi")
    _vi.install(command)
    try:
        code = command.main(args=argv, prog_name="urbanchain", standalone_mode=False)
    except Exception as exc:  # urbanchain's own errors go on to main()
        if _vi.is_abort(exc):
            typer.echo(_vi.ABORTED, err=True)
            return 1
        if _vi.is_click_error(exc):
            return _vi.show_error(exc, echo=typer.echo)
        raise
    return code if isinstance(code, int) else 0


def _translated(lang: str) -> Any:
    """Build the click command of :data:`app` with every help text in ``lang``.

    Typer builds the click command from the annotations at each run, so the
    texts are put in the built command (the application, each subcommand and
    each of its options and arguments).
    """
    command = typer.main.get_command(app)

    def walk(cmd: Any) -> None:
        if cmd.help:
            cmd.help = t(cmd.help, lang)
        for param in cmd.params:
            text = getattr(param, "help", None)
            if isinstance(text, str):
                param.help = t(text, lang)
        for sub in (getattr(cmd, "commands", None) or {}).values():
            walk(sub)

    walk(command)
    return command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
