"""The ``urbanchain`` command: reproducible batch runs for planners and researchers.

Every subcommand takes ``--region`` (a bundled region id; hyphens or
underscores) or the user's own layer files, reads optional settings from a
TOML file (``--config``) whose keys are the Python API's keyword arguments,
and exits with 0 when all went well, 1 on bad input and 2 on a usage error.
"""

from __future__ import annotations

import sys
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from urbanchain.errors import UrbanchainError

__all__ = ["app", "main"]



class EngineChoice(StrEnum):
    """Values of the global ``--engine`` option (the ``engine`` setting)."""

    auto = "auto"
    scipy = "scipy"
    cch = "cch"
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
ProvincesOpt = Annotated[
    Path | None, typer.Option("--provinces", help="Your own province polygons.")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"urbanchain: error: {message}", err=True)
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
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"config file {path} does not exist. Check the path."
        raise _fail(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"config file {path} is not valid TOML: {exc}. Fix the syntax at that line."
        raise _fail(msg) from exc
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
    return node


def _chain(
    ctx: typer.Context,
    cfg: dict[str, Any],
    *,
    region: str,
    year: int,
    nodes: Path | None,
    corridors: Path | None,
    provinces: Path | None,
) -> Any:
    """Build the chain of a command: region/year from the command line, else the config."""
    from urbanchain.chain import UrbanChain

    region = _pick(ctx, "region", region, cfg, "region")
    year = int(_pick(ctx, "year", year, cfg, "year"))
    graph_options = cfg.get("graph")

    if nodes is None and corridors is None and provinces is None:
        return UrbanChain.from_region(region, year=year, graph_options=graph_options)
    if nodes is None or corridors is None:
        msg = "give both --nodes and --corridors (and optionally --provinces), or only --region."
        raise _fail(msg)
    from urbanchain.io import read_layer

    return UrbanChain(
        nodes=read_layer(nodes, kind="nodes"),
        corridors=read_layer(corridors, kind="corridors"),
        provinces=None if provinces is None else read_layer(provinces, kind="provinces"),
        year=year,
        graph_options=graph_options,
    )


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
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if needed).")],
    region: RegionOpt = "red-river-delta",
    year: YearOpt = 2025,
    config: ConfigOpt = None,
) -> None:
    """Run the main job: layers, graph, metrics, maps and the 2030 comparison for a region.

    Example: urbanchain run --region red-river-delta --out outputs/red-river-delta
    """
    from urbanchain.cli._outputs import write_region_outputs

    cfg = _config(config)
    written = write_region_outputs(
        region=_pick(ctx, "region", region, cfg, "region"),
        year=int(_pick(ctx, "year", year, cfg, "year")),
        out=out,
        graph_options=cfg.get("graph"),
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
) -> None:
    """List the bundled regions and layers, and optionally export a region's layers.

    Example: urbanchain datasets --region red-river-delta --out layers/
    """
    from urbanchain import datasets

    regs = datasets.regions()
    typer.echo("Regions (use with --region; hyphens or underscores):")
    for _, row in regs.iterrows():
        typer.echo(f"  {str(row['id']).replace('_', '-'):<34} {row['name']}")
    typer.echo("Layers: provinces (vintage 2008 and 2025), nodes, corridors")
    if out is not None:
        from urbanchain.cli._outputs import write_layers

        for path in write_layers(region=region, out=out):
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
) -> None:
    """Check layer files and print a readable report; exit 1 if any has errors.

    Example: urbanchain validate provinces.geojson --kind provinces
    """
    from urbanchain.io import read_layer

    failed = 0
    for path in files:
        try:
            read_layer(path, kind=kind, crs=crs)
        except UrbanchainError as exc:
            failed += 1
            typer.echo(f"{path}: FAILED\n{exc}\n")
        else:
            typer.echo(f"{path}: ok")
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
    )
    typer.echo(str(write_graph(chain.graph, out)))


@app.command("metrics")
def metrics_cmd(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")],
    region: RegionOpt = "red-river-delta",
    year: YearOpt = 2025,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, parquet or geojson.")] = "csv",
    nodes: NodesOpt = None,
    corridors: CorridorsOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Compute node metrics, OD, corridor criticality and the chain score, and write the tables.

    Example: urbanchain metrics --region red-river-delta --year 2025 --out metrics/
    """
    from urbanchain.cli._outputs import write_metric_tables

    cfg = _config(config)
    fmt = _pick(ctx, "fmt", fmt, cfg, "metrics", "format")
    if fmt not in {"csv", "parquet", "geojson"}:
        msg = f"--format must be csv, parquet or geojson, not {fmt!r}."
        raise _fail(msg)
    chain = _chain(
        ctx,
        cfg,
        region=region,
        year=year,
        nodes=nodes,
        corridors=corridors,
        provinces=None,
    )
    for path in write_metric_tables(chain, out, fmt=fmt):
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
    config: ConfigOpt = None,
) -> None:
    """Write an interactive HTML map of the chain (offline by default).

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
    )
    path = write_map(
        chain,
        out,
        offline=not _pick(ctx, "online", online, cfg, "map", "online"),
        node_metric=_pick(ctx, "node_metric", node_metric, cfg, "map", "node_metric"),
        corridor_metric=_pick(
            ctx, "corridor_metric", corridor_metric, cfg, "map", "corridor_metric"
        ),
    )
    typer.echo(str(path))


@app.command("scenario")
def scenario_cmd(
    config: Annotated[
        Path, typer.Argument(help="Scenario TOML file: base year, edits, metrics, sweeps.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder for the tables and the diff map.")
    ],
    progress: Annotated[
        bool, typer.Option("--progress/--quiet", help="Show a progress bar on long sweeps.")
    ] = True,
) -> None:
    """Run a scenario file and write its difference tables (CSV) and map (HTML).

    Example: urbanchain scenario delta-2030.toml --out scenario-2030/
    """
    from urbanchain.scenarios import run_scenario_file

    written = run_scenario_file(config, out, progress=progress)
    for path in written.values():
        typer.echo(str(path))


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
    try:
        app(args=argv, prog_name="urbanchain", standalone_mode=True)
    except SystemExit as exc:  # click ends every run this way in standalone mode
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except UrbanchainError as exc:
        typer.echo(f"urbanchain: error: {exc}", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
