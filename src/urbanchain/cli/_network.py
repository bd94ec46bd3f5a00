"""``urbanchain network``: the metrics that need no masses or gateways, on a road file.

A researcher's own road network (GeoPackage, GeoJSON, GeoParquet, an OSM
``.osm.pbf`` extract, or a graph written by :func:`urbanchain.io.save_graph`)
is read and built with the bare-network rules of
:func:`urbanchain.graph.graph_from_gdfs` (``nodes=None``: line ends that
coincide within 1 cm are joined, real junctions are never merged), its
OSM-style tags turned into the columns the builder reads (:func:`road_lines`),
and the chosen metrics are written to a folder with the main job's
conventions: every file atomic, ``metadata.json`` (versions, settings, engine,
CRS, units, the input, ``"complete": true``) last, a non-empty folder refused
without ``--overwrite``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from urbanchain.errors import GraphError, InputFileError, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = [
    "METRICS",
    "NetworkJob",
    "criticality_budget",
    "parse_bytes",
    "read_network",
    "road_lines",
    "run_network",
]

#: The metrics ``--metrics`` accepts, in the order they are computed.
METRICS: tuple[str, ...] = ("indices", "centrality", "closeness", "od", "detour", "criticality")
#: ``--metrics`` default: every metric except corridor criticality (one OD table per line).
DEFAULT_METRICS: tuple[str, ...] = ("indices", "centrality", "closeness", "od", "detour")
#: OD / detour / criticality node sample when neither ``--nodes`` nor ``--sample`` is given.
DEFAULT_OD_SAMPLE = 100
#: Largest ``lines x OD sources`` shortest-path searches criticality runs without being told.
CRITICALITY_SEARCHES = 200_000

_WEIGHTS = {"time": "time_min", "length": "length_km"}
_ONEWAY_REVERSED = {"-1", "reverse", "-1.0"}
_ONEWAY_TWO_WAY = {"reversible", "alternating"}


@dataclass
class NetworkJob:
    """The settings of one ``urbanchain network`` run (recorded in ``metadata.json``)."""

    path: Path
    out: Path
    layer: str | None = None
    nodes: Path | None = None
    weight: str = "time"
    metrics: tuple[str, ...] = DEFAULT_METRICS
    sample: int | None = None
    seed: int = 0
    directed: bool = False
    id_col: str | None = None
    crs: str | None = None
    cutoff: float | None = None
    jobs: int = 1
    network_type: str = "driving"
    fmt: str = "csv"
    overwrite: bool = False
    notes: list[str] = field(default_factory=list)


def parse_bytes(text: str) -> int:
    """Return a memory size such as ``"2GiB"``, ``"500MB"`` or ``"1000000"`` in bytes.

    Examples
    --------
    >>> parse_bytes("2GiB"), parse_bytes("500MB"), parse_bytes("4096")
    (2147483648, 500000000, 4096)
    """
    units = {
        "": 1,
        "b": 1,
        "k": 10**3,
        "kb": 10**3,
        "m": 10**6,
        "mb": 10**6,
        "g": 10**9,
        "gb": 10**9,
        "kib": 2**10,
        "mib": 2**20,
        "gib": 2**30,
        "t": 10**12,
        "tb": 10**12,
        "tib": 2**40,
    }
    s = text.strip().lower().replace(" ", "").replace("_", "")
    num = s.rstrip("kmgtib")
    unit = s[len(num) :]
    try:
        value = float(num)
    except ValueError:
        value = math.nan
    if unit not in units or not math.isfinite(value) or value <= 0:
        msg = (
            f"--memory-budget {text!r} is not a memory size; give bytes or a number with "
            "a unit, e.g. 2GiB, 500MB or 1000000."
        )
        raise ValidationError(msg)
    return int(value * units[unit])


def _check_file(path: Path) -> None:
    if not path.exists():
        msg = (
            f"{path}: no such file. Give the path of a road layer (.gpkg, .geojson, "
            ".parquet), an OSM extract (.osm.pbf) or a saved graph (.graphml)."
        )
        raise InputFileError(msg)


def _is_saved_graph(path: Path) -> bool:
    """Whether ``path`` is a graph written by :func:`urbanchain.io.save_graph`."""
    suffix = path.suffix.lower()
    if suffix == ".graphml":
        return True
    if suffix == ".parquet" and path.is_dir():
        return (path / "meta.json").exists()
    if suffix == ".gpkg":
        import pyogrio

        try:
            names = {name for name, _ in pyogrio.list_layers(path)}
        except Exception:  # not a readable GeoPackage: read_layer explains
            return False
        return "urbanchain_meta" in names
    return False


def road_lines(lines: gpd.GeoDataFrame, *, what: str = "the road layer") -> gpd.GeoDataFrame:
    """Return a copy of a road layer with OSM-style tags turned into builder columns.

    * ``oneway``: ``"-1"``/``"reverse"`` (one-way against the drawn direction)
      reverses the line and becomes true; ``"reversible"``/``"alternating"``
      (direction changes with time) become false (both directions).
    * Speed, when the layer has no ``speed_kmh`` or ``design_speed_kmh``
      column but has ``maxspeed`` or ``highway``: the ``maxspeed`` tag
      (:func:`urbanchain.graph.osm.parse_maxspeed`), else the table
      :data:`urbanchain.graph.osm.HIGHWAY_SPEEDS_KMH` by ``highway`` class.
      A line with neither raises; no speed is invented.  Without either
      column every line gets the ``road`` mode default.

    Raises
    ------
    GraphError
        Lines whose speed the tags do not give, naming their classes and the fix.
    """
    import shapely

    from urbanchain._private._messages import format_ids
    from urbanchain.graph.osm import HIGHWAY_SPEEDS_KMH, _class_speed, parse_maxspeed

    out = lines.copy()
    if "oneway" in out.columns:
        raw = out["oneway"].to_numpy(dtype=object)
        text = np.array(
            [
                ""
                if v is None or (isinstance(v, float) and math.isnan(v))
                else str(v).strip().lower()
                for v in raw
            ],
            dtype=object,
        )
        rev = np.isin(text, list(_ONEWAY_REVERSED))
        if rev.any():
            geom = out.geometry.to_numpy()
            geom[rev] = shapely.reverse(geom[rev])
            out = out.set_geometry(pd.Series(geom, index=out.index), crs=lines.crs)
        two = np.isin(text, list(_ONEWAY_TWO_WAY))
        if rev.any() or two.any():
            vals = np.where(rev, "yes", np.where(two, "no", text))
            out["oneway"] = pd.Series(vals, index=out.index, dtype=object)
    has_speed = {"speed_kmh", "design_speed_kmh"} & set(out.columns)
    tags = {"maxspeed", "highway"} & set(out.columns)
    if has_speed or not tags:
        return out
    n = len(out)
    speed = np.full(n, math.nan)
    if "maxspeed" in out.columns:
        speed = np.array([parse_maxspeed(v) for v in out["maxspeed"].to_numpy(dtype=object)])
    if "highway" in out.columns:
        hwy = out["highway"].to_numpy(dtype=object)
        need = np.flatnonzero(np.isnan(speed))
        for i in need:
            speed[i] = _class_speed(hwy[i], HIGHWAY_SPEEDS_KMH)
    bad = np.isnan(speed)
    if bad.any():
        classes = (
            sorted({str(v) for v in out["highway"].to_numpy(dtype=object)[bad]})
            if "highway" in out.columns
            else []
        )
        msg = (
            f"{what}: lines {format_ids(out.index[bad].tolist())} have no usable maxspeed and "
            f"no known highway class ({', '.join(classes[:10]) or 'no highway value'}); known "
            f"classes: {', '.join(sorted(HIGHWAY_SPEEDS_KMH))}. Add a speed_kmh column (km/h) "
            "to those lines, fix their highway tag, or drop them."
        )
        raise GraphError(msg)
    out["speed_kmh"] = speed
    return out


def read_network(job: NetworkJob) -> nx.MultiGraph | nx.MultiDiGraph:
    """Read the road file of ``job`` and build its graph (see the module docstring).

    Raises
    ------
    InputFileError
        A missing file, or a layer that is not there.
    UrbanchainError
        Every other problem of the file (geometries, CRS, tags), naming the file.
    """
    from urbanchain.errors import UrbanchainError

    try:
        return _read_network(job)
    except UrbanchainError as exc:
        text = str(exc)
        hint = ""
        if job.path.suffix.lower() == ".graphml" and "save_graph" in text:
            hint = (
                " An OSMnx GraphML: load it with osmnx.load_graphml and convert it with "
                "urbanchain.graph.graph_from_osmnx, or export its edges to a GeoPackage."
            )
        if str(job.path) in text and not hint:
            raise
        where = (
            ""
            if str(job.path) in text
            else f"{job.path}" + (f" (layer {job.layer!r}): " if job.layer else ": ")
        )
        msg = f"{where}{text}{hint}"
        raise type(exc)(msg) from exc


def _read_network(job: NetworkJob) -> nx.MultiGraph | nx.MultiDiGraph:
    from urbanchain.graph import graph_from_gdfs, graph_from_osm
    from urbanchain.io import load_graph, read_layer

    path = job.path
    _check_file(path)
    name = path.name.lower()
    if name.endswith(".pbf"):
        return graph_from_osm(
            path,
            network_type=job.network_type,  # type: ignore[arg-type]  # checked by pyrosm's list
            directed=job.directed,
        )
    if job.layer is None and _is_saved_graph(path):
        G = load_graph(path)
        if job.directed and not G.is_directed():
            job.notes.append("the saved graph is undirected; --directed has no effect")
        return G
    lines = read_layer(path, kind="lines", layer=job.layer, crs=job.crs)
    if len(lines) == 0:
        where = f" layer {job.layer!r}" if job.layer else ""
        msg = f"{path}{where}: holds no lines; give a layer of road LineStrings."
        raise InputFileError(msg)
    line_id = "corridor_id"
    if job.id_col is not None:
        if job.id_col not in lines.columns:
            msg = (
                f"{path}: --id-col {job.id_col!r} is not a column of the layer; its columns "
                f"are {', '.join(map(str, lines.columns[:30]))}."
            )
            raise InputFileError(msg)
        line_id = job.id_col
    if job.nodes is not None and lines.crs is not None and not lines.crs.is_geographic:
        # attach() joins points in lon/lat; lengths stay geodesic either way
        lines = lines.to_crs("EPSG:4326")
        job.notes.append("roads reprojected to EPSG:4326 to attach --nodes")
    lines = road_lines(lines, what=str(path))
    return graph_from_gdfs(
        None,
        lines,
        line_id=line_id,
        directed=job.directed,
        provenance={"roads": str(path), "layer": job.layer},
    )


def _attach_points(job: NetworkJob, G: Any) -> tuple[Any, list[Any]]:
    from urbanchain.crs import parse_crs
    from urbanchain.graph import attach
    from urbanchain.io import read_layer

    assert job.nodes is not None
    _check_file(job.nodes)
    crs = G.graph.get("crs")
    if crs is not None and not parse_crs(crs).is_geographic:
        msg = (
            f"{job.path}: the graph is in the projected CRS {crs}; --nodes attaches points in "
            "lon/lat. Save the graph in EPSG:4326, or pass the road layer itself."
        )
        raise GraphError(msg)
    pts = read_layer(job.nodes, kind="points", crs=job.crs)
    if "node_id" in pts.columns:
        pts = pts.set_index("node_id")
    pts.index = pd.Index([str(i) for i in pts.index])
    clash = [i for i in pts.index if i in G]
    if clash:
        msg = f"{job.nodes}: point ids {clash[:5]} are already node ids of the graph; rename them."
        raise GraphError(msg)
    H = attach(G, pts)
    return H, list(pts.index)


def _sample_nodes(G: Any, k: int, seed: int) -> list[Any]:
    nodes = list(G.nodes)
    if k >= len(nodes):
        return nodes
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(nodes), size=k, replace=False))
    return [nodes[i] for i in pick]


def criticality_budget(lines: int, sources: int) -> int:
    """Shortest-path searches of a corridor-criticality run: one OD table per line."""
    return (lines + 1) * sources


def _tables(job: NetworkJob, G: Any) -> tuple[dict[str, pd.DataFrame], Any, dict[str, Any]]:
    """Compute the metrics of ``job``; return the tables, the graph written and the OD set."""
    from urbanchain import metrics

    weight = _WEIGHTS[job.weight]
    tables: dict[str, pd.DataFrame] = {}
    info: dict[str, Any] = {}
    want = set(job.metrics)
    if "indices" in want:
        s = metrics.network_indices(G)
        df = s.rename("value").to_frame()
        df.index.name = "index"
        df.attrs = dict(s.attrs)
        tables["indices"] = df
    node_cols: list[pd.DataFrame] = []
    if "closeness" in want:
        c = metrics.centrality(
            G,
            weight=weight,
            measures=["degree", "closeness", "harmonic"],
            cutoff=job.cutoff,
            length=None,
            n_jobs=job.jobs,
        )
        node_cols.append(c)
    if "centrality" in want:
        b = metrics.centrality(
            G,
            weight=weight,
            measures=["betweenness"],
            k=job.sample,
            seed=job.seed,
            cutoff=job.cutoff,
            length=None,
            n_jobs=job.jobs,
        )
        node_cols.append(b if not node_cols else b.drop(columns=["component"]))
        e = metrics.edge_betweenness(
            G, weight=weight, k=job.sample, seed=job.seed, cutoff=job.cutoff, n_jobs=job.jobs
        )
        tables["edges"] = e
    if node_cols:
        nodes = pd.concat(node_cols, axis=1)
        nodes.attrs = {"measures": [dict(c.attrs) for c in node_cols], "weight": weight}
        tables["nodes"] = nodes
    od_metrics = want & {"od", "detour", "criticality"}
    if od_metrics:
        if job.nodes is not None:
            G, od_nodes = _attach_points(job, G)
            info["od_nodes"] = {"from": str(job.nodes), "count": len(od_nodes)}
        else:
            k = job.sample if job.sample is not None else DEFAULT_OD_SAMPLE
            od_nodes = _sample_nodes(G, k, job.seed)
            info["od_nodes"] = {"sample": len(od_nodes), "seed": job.seed}
        if "od" in want:
            tables["od"] = metrics.od_matrix(G, sources=od_nodes, targets=od_nodes, weight=weight)
        if "detour" in want:
            tables["detour"] = metrics.detour_index(G, sources=od_nodes, targets=od_nodes)
        if "criticality" in want:
            n_lines = len({d.get("corridor_id") for _, _, d in G.edges(data=True)})
            searches = criticality_budget(n_lines, len(od_nodes))
            if searches > CRITICALITY_SEARCHES:
                msg = (
                    f"criticality would run {searches:,} shortest-path searches ({n_lines:,} "
                    f"lines x {len(od_nodes):,} OD nodes), more than {CRITICALITY_SEARCHES:,}. "
                    "Pass a smaller --sample (or fewer --nodes), or leave criticality out of "
                    "--metrics."
                )
                raise ValidationError(msg)
            tables["criticality"] = metrics.corridor_criticality(
                G, weight=weight, mass=None, sources=od_nodes, targets=od_nodes
            )
    return tables, G, info


def _sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            h.update(chunk)
    return h.hexdigest()


def _metadata(
    job: NetworkJob, G: Any, tables: dict[str, pd.DataFrame], info: dict[str, Any]
) -> dict[str, Any]:
    import importlib.metadata as md

    from urbanchain import __version__, settings
    from urbanchain.cli._outputs import _COMMAND, _jsonable
    from urbanchain.settings import _OPTIONS

    versions: dict[str, str | None] = {}
    for pkg in (
        "geopandas",
        "shapely",
        "pyproj",
        "networkx",
        "scipy",
        "numpy",
        "pandas",
        "igraph",
        "pyroutingkit",
        "pyrosm",
    ):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    meta = {
        "urbanchain_version": __version__,
        "job": "network",
        "input": {
            "path": str(job.path),
            "layer": job.layer,
            "sha256": _sha256(job.path),
            "nodes": None if job.nodes is None else str(job.nodes),
        },
        "options": {
            "weight": _WEIGHTS[job.weight],
            "metrics": list(job.metrics),
            "sample": job.sample,
            "seed": job.seed,
            "directed": job.directed,
            "cutoff": job.cutoff,
            "jobs": job.jobs,
            "network_type": job.network_type,
            "format": job.fmt,
        },
        "settings": {name: settings.get(name) for name in sorted(_OPTIONS)},
        "packages": versions,
        "graph": {
            "nodes": G.number_of_nodes(),
            "edges": G.number_of_edges(),
            "directed": G.is_directed(),
            "crs": G.graph.get("crs"),
            "units": G.graph.get("units"),
            "provenance": G.graph.get("provenance"),
        },
        "od": info.get("od_nodes"),
        "notes": list(job.notes),
        "tables": {name: dict(df.attrs) for name, df in tables.items()},
        "command": dict(_COMMAND) or None,
    }
    result: dict[str, Any] = _jsonable(meta)
    return result


def run_network(job: NetworkJob) -> list[Path]:
    """Run one ``urbanchain network`` job; return the files written, ``metadata.json`` last."""
    from urbanchain._private._atomic import OutputFolder, atomic_path
    from urbanchain.cli._outputs import _write_table
    from urbanchain.io import save_graph

    bad = sorted(set(job.metrics) - set(METRICS))
    if bad or not job.metrics:
        msg = (
            f"--metrics {','.join(job.metrics)!r}: unknown or empty ({', '.join(bad) or 'none'}); "
            f"choose from {','.join(METRICS)}."
        )
        raise ValidationError(msg)
    if job.weight not in _WEIGHTS:
        msg = f"--weight must be time or length, not {job.weight!r}."
        raise ValidationError(msg)
    if job.fmt not in {"csv", "parquet"}:
        msg = f"--format must be csv or parquet, not {job.fmt!r}."
        raise ValidationError(msg)
    types = ("driving", "driving+service", "walking", "cycling", "all", "all_public")
    if job.network_type not in types:
        msg = f"--network-type must be one of {', '.join(types)}, not {job.network_type!r}."
        raise ValidationError(msg)
    if job.sample is not None and job.sample < 1:
        msg = f"--sample must be a positive number of nodes, not {job.sample}."
        raise ValidationError(msg)
    folder = OutputFolder(job.out, overwrite=job.overwrite)
    G = read_network(job)
    tables, H, info = _tables(job, G)
    written: list[Path] = []
    for name, df in tables.items():
        written.append(_write_table(df, job.out / name, job.fmt))
    graph_path = job.out / "graph.gpkg"
    with atomic_path(graph_path) as tmp:
        save_graph(H, tmp)
    written.append(graph_path)
    folder.add(*written)
    return [*written, folder.finish(_metadata(job, H, tables, info))]


def metrics_list(text: str | None) -> tuple[str, ...]:
    """Parse ``--metrics a,b`` (``all`` = every metric); None gives the default set."""
    if text is None:
        return DEFAULT_METRICS
    items: Sequence[str] = [t.strip().lower() for t in text.split(",") if t.strip()]
    if list(items) == ["all"]:
        return METRICS
    return tuple(dict.fromkeys(items))
