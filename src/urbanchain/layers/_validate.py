"""Layer schemas, validation issues, the validation report and the checks themselves.

The public face is :mod:`urbanchain.layers`; :func:`run_checks` is shared by
:func:`urbanchain.layers.validate_layer`, :func:`urbanchain.layers.check_layer`
and :func:`urbanchain.io.read_layer`.  Checks never mutate the caller's frame:
repairs are applied to a copy, which the report carries in ``data``.
"""

from __future__ import annotations

import html
import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from numpy.typing import NDArray

from urbanchain import settings
from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.crs import geodesic_area, geodesic_point_distance
from urbanchain.errors import (
    CRSError,
    DataQualityWarning,
    RepairWarning,
    ResourceLimitError,
    UrbanchainError,
    ValidationError,
)

logger = logging.getLogger(__name__)

#: Bounding box (lon_min, lat_min, lon_max, lat_max) of Vietnam, its islands and the
#: surrounding seas, with a margin: the expected region of the bundled Vietnamese chains
#: (``data/region_settings.csv``).  Pass it as ``expected_region=`` to check a layer against
#: it; by default the location check follows the layer's own extent.
EXPECTED_REGION: tuple[float, float, float, float] = (100.0, 5.0, 120.0, 25.0)
EXPECTED_REGION_NAME = "Vietnam and its seas"
#: Without an expected region, a feature is "far outside" when its distance from the
#: layer's median centre exceeds both this many km and OUTLIER_FACTOR times the median
#: distance of all features (so a chain anywhere in the world raises no warning, while a
#: point with swapped coordinates among correct ones does).
OUTLIER_MIN_KM = 1000.0
OUTLIER_FACTOR = 10.0

_TYPE_NAMES = (
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)
_SINGLE_OF = {"MultiPoint": "Point", "MultiLineString": "LineString", "MultiPolygon": "Polygon"}

_OPERATIONAL = frozenset({"operational", "under_construction", "planned"})

#: The node layer's known columns and their types, defined once: the node
#: schema below, the casts of the bundled reader (:mod:`urbanchain.datasets`)
#: and the docs read it.  Other columns are kept as they come.
NODE_COLUMN_TYPES: dict[str, Literal["str", "Int64", "float", "bool"]] = {
    "region": "str",
    "node_id": "str",
    "name": "str",
    "name_ascii": "str",
    "kind": "str",
    "province_2008": "str",
    "province_2025": "str",
    "scope": "str",
    "status": "str",
    "population_source": "str",
    "indicators_source": "str",
    "coord_source": "str",
    "opening_year": "Int64",
    "population": "Int64",
    "population_year": "Int64",
    "dti_rank_2022": "Int64",
    "dti_rank_2023": "Int64",
    "pci_rank_2022": "Int64",
    "pci_rank_2023": "Int64",
    "pci_rank_2024": "Int64",
    "ioc_since": "Int64",
    "pci_score_2024": "float",
    "is_capital": "bool",
}
#: Node kinds that are gateways of the chain (ports, airports, border gates):
#: the defaults of :func:`urbanchain.metrics.gateway_access` and the gateway
#: component of :func:`urbanchain.metrics.chain_score`.
GATEWAY_KINDS: tuple[str, ...] = ("seaport", "airport", "border_gate")


def node_columns(*types: str) -> tuple[str, ...]:
    """Node columns of the given types in :data:`NODE_COLUMN_TYPES`, in its order."""
    return tuple(c for c, t in NODE_COLUMN_TYPES.items() if t in types)


@dataclass(frozen=True)
class LayerSchema:
    """What a layer of one kind must hold.

    Attributes
    ----------
    kind
        The layer kind (``"nodes"``, ``"corridors"``...).
    geometry_types
        Allowed shapely geometry type names.
    id_col
        Default id column, or ``None`` when the kind has no id.
    id_required
        Whether the id column must exist.
    numeric_columns
        Columns that must hold numbers (or be empty) when present.
    string_columns
        Columns kept as text when a CSV is read (codes with leading zeros...).
    categories
        Columns whose non-missing values must come from a fixed set.
    empty_policy
        ``"error"``: empty geometries are errors even with ``repair=True``;
        ``"drop"``: ``repair=True`` drops them with a warning.
    """

    kind: str
    geometry_types: tuple[str, ...]
    id_col: str | None
    id_required: bool
    numeric_columns: tuple[str, ...] = ()
    string_columns: tuple[str, ...] = ()
    categories: Mapping[str, frozenset[str]] = field(default_factory=dict)
    empty_policy: Literal["error", "drop"] = "error"


LAYER_SCHEMAS: dict[str, LayerSchema] = {
    "provinces": LayerSchema(
        kind="provinces",
        geometry_types=("Polygon", "MultiPolygon"),
        id_col="code",
        id_required=False,
        numeric_columns=(
            "area_official_km2",
            "area_official_year",
            "population",
            "population_year",
            "area_polygon_km2",
        ),
        string_columns=(
            "code",
            "iso_code",
            "code_2025",
            "members_2008",
            "members_outside_region",
            "name_vi",
            "name_ascii",
        ),
        categories={"kind": frozenset({"province", "city"})},
        empty_policy="drop",
    ),
    "nodes": LayerSchema(
        kind="nodes",
        geometry_types=("Point",),
        id_col="node_id",
        id_required=True,
        numeric_columns=node_columns("Int64", "float"),
        string_columns=node_columns("str"),
        categories={"scope": frozenset({"core", "reach"}), "status": _OPERATIONAL},
    ),
    "corridors": LayerSchema(
        kind="corridors",
        geometry_types=("LineString",),
        id_col="corridor_id",
        id_required=True,
        numeric_columns=(
            "opening_year",
            "design_speed_kmh",
            "speed_kmh",
            "length_official_km",
            "lanes",
            "gauge_mm",
        ),
        string_columns=("corridor_id", "name", "code"),
        categories={
            "mode": frozenset(
                {"expressway", "highway", "road", "access", "railway", "waterway", "sea", "air"}
            ),
            "status": _OPERATIONAL | {"paused"},
        },
    ),
    "lines": LayerSchema(
        kind="lines",
        geometry_types=("LineString", "MultiLineString"),
        id_col=None,
        id_required=False,
        empty_policy="drop",
    ),
    "polygons": LayerSchema(
        kind="polygons",
        geometry_types=("Polygon", "MultiPolygon"),
        id_col=None,
        id_required=False,
        empty_policy="drop",
    ),
    "points": LayerSchema(
        kind="points",
        geometry_types=("Point",),
        id_col=None,
        id_required=False,
        empty_policy="drop",
    ),
}


def get_schema(kind: str) -> LayerSchema:
    """Return the schema of ``kind`` or raise :class:`UnknownNameError`."""
    if kind not in LAYER_SCHEMAS:
        err = unknown_name("layer kind", kind, LAYER_SCHEMAS)
        raise err
    return LAYER_SCHEMAS[kind]


@dataclass(frozen=True)
class Issue:
    """One problem found in a layer, or one repair made to it.

    Attributes
    ----------
    code
        Short machine-readable name, e.g. ``"invalid_geometry"``.
    message
        A full sentence: the problem, the rows and the fix.
    rows
        0-based positions of the affected rows in the layer as given.
    ids
        The id of each affected row (``None`` where the layer has no id).
    error
        The exception class that this issue raises (errors only).
    """

    code: str
    message: str
    rows: tuple[int, ...] = ()
    ids: tuple[Any, ...] = ()
    error: type[UrbanchainError] = ValidationError

    @property
    def count(self) -> int:
        """Number of affected rows."""
        return len(self.rows)


@dataclass
class ValidationReport:
    """The outcome of validating one layer.

    Attributes
    ----------
    name
        How the layer is named in messages (a file name or ``"layer"``).
    kind
        The layer kind.
    n_features
        Number of rows checked.
    errors
        Problems that make the layer unusable as given.
    repairs
        Changes made because ``repair=True`` was passed (each counts what changed).
    warnings
        Suspicious but usable data (for example, points outside the region).
    data
        The repaired copy when ``repair=True`` was passed and there are no
        errors, else ``None``.
    """

    name: str
    kind: str
    n_features: int
    errors: list[Issue] = field(default_factory=list)
    repairs: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    data: gpd.GeoDataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """``True`` when there are no errors."""
        return not self.errors

    def error_class(self) -> type[UrbanchainError]:
        """Return the class to raise: the errors' common class, else ValidationError."""
        classes = {i.error for i in self.errors}
        return classes.pop() if len(classes) == 1 else ValidationError

    def __str__(self) -> str:
        status = "OK" if self.ok else f"{len(self.errors)} error(s)"
        head = (
            f"{self.name} (kind {self.kind!r}, {self.n_features} features): {status}, "
            f"{len(self.repairs)} repair(s), {len(self.warnings)} warning(s)."
        )
        lines = [head]
        for label, items in (
            ("ERROR", self.errors),
            ("REPAIRED", self.repairs),
            ("WARNING", self.warnings),
        ):
            lines.extend(f"  {label}: {i.message}" for i in items)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows: list[str] = []
        for label, items in (
            ("error", self.errors),
            ("repaired", self.repairs),
            ("warning", self.warnings),
        ):
            rows.extend(
                f"<tr><td>{esc(label)}</td><td>{esc(i.code)}</td><td>{i.count}</td>"
                f"<td>{esc(i.message)}</td></tr>"
                for i in items
            )
        status = "OK" if self.ok else f"{len(self.errors)} error(s)"
        body = "".join(rows) or "<tr><td colspan='4'>no issues</td></tr>"
        return (
            f"<div><strong>{esc(self.name)}</strong> (kind {esc(self.kind)}, "
            f"{self.n_features} features): {esc(status)}"
            "<table><thead><tr><th>level</th><th>code</th><th>rows</th><th>message</th>"
            f"</tr></thead><tbody>{body}</tbody></table></div>"
        )

    def raise_for_errors(self) -> None:
        """Raise the report's error class with the report text if there are errors."""
        if self.errors:
            cls = self.error_class()
            msg = str(self)
            raise cls(msg)


# ----------------------------------------------------------------------------- helpers


class _Rows:
    """Row labels: 0-based positions in the layer as given, plus ids where available."""

    def __init__(self, positions: NDArray[np.int64], ids: NDArray[Any] | None, id_col: str | None):
        self.positions = positions
        self.ids = ids
        self.id_col = id_col

    def take(self, mask_or_idx: NDArray[Any]) -> _Rows:
        ids = None if self.ids is None else self.ids[mask_or_idx]
        return _Rows(self.positions[mask_or_idx], ids, self.id_col)

    def labels(self, idx: NDArray[np.int64]) -> list[str]:
        out = []
        for i in idx:
            pos = int(self.positions[i])
            if self.ids is not None and not _is_null(self.ids[i]):
                out.append(f"{self.id_col} {self.ids[i]!r} (row {pos})")
            else:
                out.append(f"row {pos}")
        return out

    def describe(self, idx: NDArray[np.int64], extra: Sequence[str] | None = None) -> str:
        labels = self.labels(idx)
        if extra is not None:
            labels = [f"{lab}: {e}" for lab, e in zip(labels, extra, strict=True)]
        return format_ids(labels)

    def issue(
        self,
        code: str,
        message: str,
        idx: NDArray[np.int64],
        error: type[UrbanchainError] = ValidationError,
    ) -> Issue:
        ids: tuple[Any, ...] = ()
        if self.ids is not None:
            ids = tuple(None if _is_null(v) else v for v in self.ids[idx])
        return Issue(
            code=code,
            message=message,
            rows=tuple(int(p) for p in self.positions[idx]),
            ids=ids,
            error=error,
        )


def _is_null(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _type_names(arr: NDArray[Any]) -> NDArray[Any]:
    ids = shapely.get_type_id(arr)
    names = np.array([_TYPE_NAMES[i] if i >= 0 else "None" for i in ids], dtype=object)
    return names


def _area_km2(geoms: NDArray[Any], crs: pyproj.CRS | None) -> float:
    if crs is not None and crs.is_geographic:
        return float(np.nansum(geodesic_area(geoms))) / 1e6
    area = float(np.sum(shapely.area(geoms)))
    if crs is not None and crs.is_projected:
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        return area * unit * unit / 1e6
    return area  # unknown units: reported as "units²", not scaled


def check_vertex_limits(
    geoms: NDArray[Any],
    *,
    name: str,
    rows: _Rows,
    max_vertices: int | None,
    from_read_layer: bool = False,
) -> None:
    """Raise ResourceLimitError if a feature or the layer has too many vertices (row 20)."""
    per_limit = settings.get("max_vertices_per_feature")
    total_limit = settings.resolve("max_vertices", max_vertices)
    counts = shapely.get_num_coordinates(geoms)
    big = np.flatnonzero(counts > per_limit)
    if len(big):
        shown = [f"{int(counts[i]):,} vertices" for i in big]
        msg = (
            f"{name}: {_plural(len(big), 'feature')} with more vertices than the limit "
            f"max_vertices_per_feature={per_limit:,}: {rows.describe(big, shown)}. Such features "
            "make validation and maps very slow. If you trust this data, raise the limit with "
            "urbanchain.settings.set(max_vertices_per_feature=...) (or settings.override in a "
            "with block); otherwise simplify the geometries first."
        )
        raise ResourceLimitError(msg)
    total = int(counts.sum())
    if total > total_limit:
        how = "read_layer(..., max_vertices=...) or " if from_read_layer else ""
        msg = (
            f"{name}: the layer has {total:,} vertices, more than the limit "
            f"max_vertices={total_limit:,}. If you trust this data, raise the limit with "
            f"{how}urbanchain.settings.set(max_vertices=...); otherwise simplify or clip the "
            "layer first."
        )
        raise ResourceLimitError(msg)


# ----------------------------------------------------------------------------- checks


@dataclass
class _State:
    gdf: gpd.GeoDataFrame
    geoms: NDArray[Any]
    rows: _Rows
    name: str
    schema: LayerSchema
    id_col: str | None
    repair: bool
    report: ValidationReport
    changed: bool = False
    owned: bool = False  # True once self.gdf is a private copy that may be modified

    def own(self) -> gpd.GeoDataFrame:
        """Return self.gdf after making it a private copy (never modify the caller's frame)."""
        if not self.owned:
            self.gdf = self.gdf.copy()
            self.owned = True
        return self.gdf

    def keep(self, mask: NDArray[np.bool_]) -> None:
        self.gdf = self.gdf.iloc[np.flatnonzero(mask)].copy()
        self.owned = True
        self.geoms = self.geoms[mask]
        self.rows = self.rows.take(mask)
        self.changed = True


def _check_columns(st: _State) -> None:
    if st.id_col is None:
        return
    if st.id_col not in st.gdf.columns:
        if not st.schema.id_required and st.id_col == st.schema.id_col:
            return
        present = [str(c) for c in st.gdf.columns if c != st.gdf.geometry.name]
        msg = (
            f"{st.name}: the {st.schema.kind} layer has no id column {st.id_col!r}. "
            f"Columns present: {format_ids(present, limit=20)}. "
            f"Rename your id column to {st.id_col!r} or pass id_col='<your id column>'."
        )
        st.report.errors.append(Issue("missing_id_column", msg))


def _id_family(v: Any) -> str:
    """Classify an id value: ``"text"``, ``"number"``, ``"unhashable"`` or its type name."""
    if isinstance(v, str):
        return "text"
    if isinstance(v, bool | np.bool_):
        return "bool"
    if isinstance(v, int | float | np.integer | np.floating):
        return "number"
    try:
        hash(v)
    except TypeError:
        return "unhashable"
    return type(v).__name__


def _check_id_types(st: _State, ids: pd.Series) -> bool:
    """Report unhashable ids and ids that mix text and numbers (row 45); False if any."""
    values = ids.to_numpy(dtype=object)
    present = ~ids.isna().to_numpy()
    families = np.array(
        [_id_family(v) if p else "" for v, p in zip(values, present, strict=True)], dtype=object
    )
    unhashable = np.flatnonzero(families == "unhashable")
    if len(unhashable):
        kinds = sorted({type(values[i]).__name__ for i in unhashable})
        msg = (
            f"{st.name}: {_plural(len(unhashable), 'id')} in column {st.id_col!r} are not "
            f"hashable ({', '.join(kinds)}): {st.rows.describe(unhashable)}. An id must be one "
            "text or number per row; convert the column, e.g. "
            f"gdf[{st.id_col!r}] = gdf[{st.id_col!r}].astype(str)."
        )
        st.report.errors.append(st.rows.issue("unhashable_id", msg, unhashable))
        return False
    found = sorted(set(families[present]))
    if len(found) > 1:
        first = [int(np.flatnonzero(families == f)[0]) for f in found]
        shown = st.rows.describe(np.array(first, dtype=np.int64), list(found))
        msg = (
            f"{st.name}: ids in column {st.id_col!r} mix types ({', '.join(found)}): "
            f"{shown}. 1 and '1' would become two different nodes; convert the column to one "
            f"type, e.g. gdf[{st.id_col!r}] = gdf[{st.id_col!r}].astype(str)."
        )
        idx = np.flatnonzero(present)
        st.report.errors.append(st.rows.issue("mixed_id_types", msg, idx))
    return True


def _check_ids(st: _State) -> None:
    if st.id_col is None or st.id_col not in st.gdf.columns:
        return
    ids = st.gdf[st.id_col]
    if not _check_id_types(st, ids):
        return
    null = np.flatnonzero(ids.isna().to_numpy())
    if len(null):
        msg = (
            f"{st.name}: {_plural(len(null), 'row')} with a missing id in column {st.id_col!r}: "
            f"{st.rows.describe(null)}. Every feature needs a unique, non-empty id; fill them in."
        )
        st.report.errors.append(st.rows.issue("null_id", msg, null))
    dup_mask = ids.duplicated(keep=False).to_numpy() & ~ids.isna().to_numpy()
    dup = np.flatnonzero(dup_mask)
    if len(dup):
        values = sorted({repr(v) for v in ids.iloc[dup]})
        msg = (
            f"{st.name}: duplicate ids in column {st.id_col!r}: {format_ids(values)} "
            f"({st.rows.describe(dup)}). Ids must be unique (duplicates would merge nodes or "
            "edges silently); rename or remove the duplicates."
        )
        st.report.errors.append(st.rows.issue("duplicate_id", msg, dup))


def _check_missing(st: _State, unreadable: Sequence[int]) -> None:
    missing = shapely.is_missing(st.geoms)
    unread_set = set(unreadable)
    unread_mask = np.array([int(p) in unread_set for p in st.rows.positions], dtype=bool)
    unread = np.flatnonzero(missing & unread_mask)
    if len(unread):
        msg = (
            f"{st.name}: {_plural(len(unread), 'feature')} whose geometry is present in the file "
            f'but could not be read (non-numeric coordinate such as ["8.5", "x"]?): '
            f"{st.rows.describe(unread)}. Fix the coordinates in the file; these rows are not "
            "dropped, even with repair=True."
        )
        st.report.errors.append(st.rows.issue("unreadable_geometry", msg, unread))
    null = np.flatnonzero(missing & ~unread_mask)
    if not len(null):
        return
    if st.repair:
        msg = (
            f"{st.name}: dropped {_plural(len(null), 'feature')} with a null geometry: "
            f"{st.rows.describe(null)}."
        )
        st.report.repairs.append(st.rows.issue("null_geometry_dropped", msg, null))
        keep = np.ones(len(st.geoms), dtype=bool)
        keep[null] = False
        st.keep(keep)
    else:
        msg = (
            f"{st.name}: {_plural(len(null), 'feature')} with a null geometry: "
            f"{st.rows.describe(null)}. Add the geometries, remove the rows, or pass "
            "repair=True to drop them (a warning counts them)."
        )
        st.report.errors.append(st.rows.issue("null_geometry", msg, null))


def _check_empty(st: _State) -> None:
    valid_mask = ~shapely.is_missing(st.geoms)
    empty = np.flatnonzero(valid_mask & shapely.is_empty(st.geoms))
    if not len(empty):
        return
    if st.schema.empty_policy == "drop" and st.repair:
        msg = (
            f"{st.name}: dropped {_plural(len(empty), 'feature')} with an empty geometry: "
            f"{st.rows.describe(empty)}."
        )
        st.report.repairs.append(st.rows.issue("empty_geometry_dropped", msg, empty))
        keep = np.ones(len(st.geoms), dtype=bool)
        keep[empty] = False
        st.keep(keep)
        return
    fix = (
        "pass repair=True to drop them (a warning counts them), or fix the geometries"
        if st.schema.empty_policy == "drop"
        else f"a {st.schema.kind} feature without a location cannot be placed in the chain; "
        "add its coordinates or remove the row"
    )
    msg = (
        f"{st.name}: {_plural(len(empty), 'feature')} with an empty geometry: "
        f"{st.rows.describe(empty)}; {fix}."
    )
    st.report.errors.append(st.rows.issue("empty_geometry", msg, empty))


def _present(st: _State) -> NDArray[np.bool_]:
    return np.asarray(~shapely.is_missing(st.geoms) & ~shapely.is_empty(st.geoms))


def _check_finite(st: _State) -> NDArray[np.bool_]:
    """Row 7: NaN/inf coordinates.  Returns the mask of rows with finite coordinates."""
    ok = np.ones(len(st.geoms), dtype=bool)
    present = _present(st)
    if not present.any():
        return ok
    coords, idx = shapely.get_coordinates(st.geoms, include_z=True, return_index=True)
    # 2-D geometries report NaN z with include_z: only x/y matter for them
    bad_vertex = ~np.isfinite(coords[:, :2]).all(axis=1)
    bad_vertex |= ~np.isfinite(coords[:, 2]) & shapely.has_z(st.geoms)[idx]
    bad = np.unique(idx[bad_vertex])
    if len(bad):
        ok[bad] = False
        examples = []
        for b in bad:
            first = coords[(idx == b) & bad_vertex][0]
            if not shapely.has_z(st.geoms[b]):
                first = first[:2]
            examples.append("(" + ", ".join(f"{v:g}" for v in first) + ")")
        msg = (
            f"{st.name}: {_plural(len(bad), 'feature')} with NaN or infinite coordinates: "
            f"{st.rows.describe(bad, examples)}. Fix or remove these coordinates; "
            "they cannot be measured or mapped."
        )
        st.report.errors.append(st.rows.issue("nonfinite_coordinates", msg, bad))
    return ok


def _check_z(st: _State) -> None:
    has_z = np.flatnonzero(shapely.has_z(st.geoms))
    if not len(has_z):
        return
    if st.repair:
        st.geoms = st.geoms.copy()
        st.geoms[has_z] = shapely.force_2d(st.geoms[has_z])
        st.changed = True
        msg = (
            f"{st.name}: dropped the Z coordinate of {_plural(len(has_z), 'feature')} "
            f"(force_2d): {st.rows.describe(has_z)}. Heights are ignored by urbanchain."
        )
        st.report.repairs.append(st.rows.issue("z_dropped", msg, has_z))
    else:
        msg = (
            f"{st.name}: {_plural(len(has_z), 'feature')} with 3-D (Z) coordinates: "
            f"{st.rows.describe(has_z)}. Z is ignored by planar operations (a vertical line has "
            "length 0), so urbanchain needs 2-D data: pass repair=True, or call "
            "gdf.force_2d() first."
        )
        st.report.errors.append(st.rows.issue("z_coordinates", msg, has_z))


def _check_types(st: _State) -> NDArray[np.bool_]:
    """Row 8.  Returns the mask of rows whose type is allowed (after any repair)."""
    allowed = st.schema.geometry_types
    present = _present(st)
    names = _type_names(st.geoms)
    bad = present & ~np.isin(names, allowed)
    if not bad.any():
        return present
    if st.repair:
        new = st.geoms.copy()
        fixed: list[int] = []
        for i in np.flatnonzero(bad):
            single = _SINGLE_OF.get(names[i])
            if single not in allowed:
                continue
            g = new[i]
            if shapely.get_num_geometries(g) == 1:
                new[i] = shapely.get_geometry(g, 0)
                fixed.append(int(i))
            elif single == "LineString":
                merged = shapely.line_merge(g)
                if shapely.get_type_id(merged) == 1:
                    new[i] = merged
                    fixed.append(int(i))
        explode_ok = st.schema.id_col is None and st.id_col is None
        if fixed:
            idx = np.array(fixed, dtype=np.int64)
            st.geoms = new
            st.changed = True
            msg = (
                f"{st.name}: converted {_plural(len(idx), 'multi-part feature')} to single "
                f"parts (one part, or lines that merge into one): {st.rows.describe(idx)}."
            )
            st.report.repairs.append(st.rows.issue("multi_to_single", msg, idx))
            names = _type_names(st.geoms)
            bad = present & ~np.isin(names, allowed)
        if bad.any() and explode_ok:
            multi = bad & np.array([_SINGLE_OF.get(n) in allowed for n in names], dtype=bool)
            if multi.any():
                _explode(st, multi)
                present = _present(st)
                names = _type_names(st.geoms)
                bad = present & ~np.isin(names, allowed)
    if not bad.any():
        return present
    found = sorted(set(names[present]))
    parts = []
    for t in sorted(set(names[bad])):
        idx = np.flatnonzero(bad & (names == t))
        parts.append(f"{t} in {st.rows.describe(idx, None)}")
    bad_idx = np.flatnonzero(bad)
    hint = (
        "repair=True converts single-part Multi* geometries and lines that merge into one"
        + (
            ", and explodes multi-part geometries into one row per part"
            if st.schema.id_col is None
            else ""
        )
        + "; otherwise split or convert the geometries yourself."
    )
    msg = (
        f"{st.name}: geometry types found: {', '.join(found)}; a {st.schema.kind} layer allows "
        f"only {', '.join(allowed)}. Not allowed: {'; '.join(parts)}. {hint}"
    )
    st.report.errors.append(st.rows.issue("geometry_type", msg, bad_idx))
    return present & ~bad


def _explode(st: _State, multi: NDArray[np.bool_]) -> None:
    counts = np.where(multi, shapely.get_num_geometries(st.geoms), 1)
    take = np.repeat(np.arange(len(st.geoms)), counts)
    new_geoms: list[Any] = []
    for i, g in enumerate(st.geoms):
        if multi[i]:
            new_geoms.extend(shapely.get_parts(g))
        else:
            new_geoms.append(g)
    idx = np.flatnonzero(multi)
    added = int(counts.sum() - len(st.geoms))
    msg = (
        f"{st.name}: exploded {_plural(len(idx), 'multi-part feature')} into single parts "
        f"({_plural(added, 'row')} added, attributes copied): {st.rows.describe(idx)}."
    )
    st.report.repairs.append(st.rows.issue("exploded", msg, idx))
    st.gdf = st.gdf.iloc[take].copy()
    st.owned = True
    st.rows = st.rows.take(take)
    st.geoms = np.array(new_geoms, dtype=object)
    st.changed = True


def _check_crs(st: _State) -> pyproj.CRS | None:
    crs = st.gdf.crs
    if crs is None:
        msg = (
            f"{st.name}: no coordinate reference system (CRS), so coordinates cannot be "
            "measured. If they are longitude/latitude, pass crs='EPSG:4326' to read_layer "
            "(required for CSV) or call gdf.set_crs('EPSG:4326'); otherwise pass the CRS they "
            "are in, e.g. crs='EPSG:3405' (VN-2000 / UTM 48N)."
        )
        st.report.errors.append(Issue("missing_crs", msg, error=CRSError))
        return None
    parsed = pyproj.CRS.from_user_input(crs)
    if not (parsed.is_geographic or parsed.is_projected):
        msg = (
            f"{st.name}: the CRS {parsed.name!r} is neither geographic nor projected "
            "(an engineering or unknown CRS), so coordinates cannot be placed on the Earth. "
            "Pass the real CRS, e.g. crs='EPSG:4326' or crs='EPSG:3405'."
        )
        st.report.errors.append(Issue("unknown_crs", msg, error=CRSError))
        return None
    return parsed


def _check_ranges(st: _State, crs: pyproj.CRS, usable: NDArray[np.bool_]) -> bool:
    """Rows 10-12 in a geographic CRS.  Returns True when no coordinate error was found."""
    if not crs.is_geographic or not usable.any():
        return True
    b = shapely.bounds(st.geoms)
    ax = np.maximum(np.abs(b[:, 0]), np.abs(b[:, 2]))
    ay = np.maximum(np.abs(b[:, 1]), np.abs(b[:, 3]))
    projected = usable & (ax > 180) & (ay > 90)
    swapped = usable & ~projected & (ay > 90) & (ax <= 90)
    outside = usable & ~projected & ~swapped & ((ax > 180) | (ay > 90))
    ok = True
    if projected.any():
        idx = np.flatnonzero(projected)
        msg = (
            f"{st.name}: coordinates look projected (metres), not degrees, but the layer is "
            f"labelled {crs.name} ({crs.to_string()}): x up to {ax[idx].max():,.0f}, "
            f"y up to {ay[idx].max():,.0f} in {st.rows.describe(idx)}. Pass the CRS the "
            "coordinates are really in, e.g. read_layer(..., crs='EPSG:3405') for VN-2000 / "
            "UTM 48N, or gdf.set_crs('EPSG:3405', allow_override=True)."
        )
        st.report.errors.append(st.rows.issue("looks_projected", msg, idx, error=CRSError))
        ok = False
    if swapped.any():
        idx = np.flatnonzero(swapped)
        msg = (
            f"{st.name}: latitude beyond ±90° while longitude is within ±90° in "
            f"{st.rows.describe(idx)}: latitude and longitude look swapped. Swap them: for "
            "CSV pass lon_col=<the current lat column>, lat_col=<the current lon column>; for a "
            "GeoDataFrame use gdf.set_geometry(shapely.transform(gdf.geometry, "
            "lambda c: c[:, ::-1])). GeoJSON stores [longitude, latitude]."
        )
        st.report.errors.append(st.rows.issue("lat_lon_swapped", msg, idx))
        ok = False
    if outside.any():
        idx = np.flatnonzero(outside)
        msg = (
            f"{st.name}: coordinates outside the valid range (longitude ±180°, latitude ±90°) "
            f"in {st.rows.describe(idx)}. Fix these coordinates (longitudes in 0-360° can be "
            "wrapped with ((lon + 180) % 360) - 180), or pass the correct crs= if they are not "
            "longitude/latitude."
        )
        st.report.errors.append(st.rows.issue("coordinates_out_of_range", msg, idx))
        ok = False
    return ok


def _resolve_expected(
    expected_region: Any,
) -> tuple[tuple[float, float, float, float], str] | None:
    """``None``, a bounding box, or a region preset id -> (box, name) or None."""
    if expected_region is None:
        return None
    if isinstance(expected_region, str):
        # the region table (datasets.region_settings reads the same file); read here
        # directly because layers sit below datasets
        from urbanchain._private._bundled import read_bundled_csv

        table = read_bundled_csv("region_settings.csv")
        rows = table[table["id"] == expected_region.replace("-", "_")]
        cols = ("expected_lon_min", "expected_lat_min", "expected_lon_max", "expected_lat_max")
        if rows.empty or any(not str(rows.iloc[0][c]).strip() for c in cols):
            return None
        row = rows.iloc[0]
        return (
            (float(row[cols[0]]), float(row[cols[1]]), float(row[cols[2]]), float(row[cols[3]])),
            str(row["expected_name"]),
        )
    try:
        box = tuple(float(v) for v in expected_region)
    except (TypeError, ValueError) as exc:
        msg = (
            f"expected_region must be None, a region id such as 'mekong_river_delta', or a box "
            f"(lon_min, lat_min, lon_max, lat_max) in degrees; got {expected_region!r}."
        )
        raise ValidationError(msg) from exc
    if len(box) != 4 or not (box[0] < box[2] and box[1] < box[3]):
        msg = (
            f"expected_region box must be (lon_min, lat_min, lon_max, lat_max) with "
            f"lon_min < lon_max and lat_min < lat_max; got {expected_region!r}."
        )
        raise ValidationError(msg)
    return (box[0], box[1], box[2], box[3]), "the expected box"


def _check_outliers(st: _State, b: NDArray[Any], usable: NDArray[np.bool_]) -> None:
    """Row 10 without an expected region: features far from the rest of the layer."""
    finite = np.isfinite(b).all(axis=1)
    if int(finite.sum()) < 3:
        return
    lon = (b[:, 0] + b[:, 2]) / 2
    lat = (b[:, 1] + b[:, 3]) / 2
    lon0, lat0 = float(np.median(lon[finite])), float(np.median(lat[finite]))
    dist = np.full(len(b), np.inf)
    lon_f, lat_f = lon[finite], lat[finite]
    centre_lon, centre_lat = np.full_like(lon_f, lon0), np.full_like(lat_f, lat0)
    dist[finite] = geodesic_point_distance(lon_f, lat_f, centre_lon, centre_lat) / 1000.0
    limit = max(OUTLIER_MIN_KM, OUTLIER_FACTOR * float(np.median(dist[finite])))
    out = dist > limit  # non-finite bounds (a failed reprojection) count as outside
    if not out.any():
        return
    idx = np.flatnonzero(usable)[out]
    msg = (
        f"{st.name}: {len(idx)} of {int(usable.sum())} features lie far outside the region the "
        f"other features cover (their median centre is at longitude {lon0:.2f}°, latitude "
        f"{lat0:.2f}°; these lie {float(dist[out].min()):,.0f}-{float(dist[out].max()):,.0f} km "
        f"from it, the limit is {limit:,.0f} km): {st.rows.describe(idx)}. Check for swapped "
        "latitude/longitude or a wrong crs=; if the layer really spans these places, ignore "
        "this warning."
    )
    st.report.warnings.append(st.rows.issue("outside_region", msg, idx))


def _check_region(
    st: _State,
    crs: pyproj.CRS,
    usable: NDArray[np.bool_],
    expected: tuple[tuple[float, float, float, float], str] | None = None,
) -> None:
    """Row 10 (soft): features far outside the expected region, or far from the rest."""
    if not usable.any():
        return
    b = shapely.bounds(st.geoms[usable])
    if not crs.is_geographic:
        tr = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        x0, y0 = tr.transform(b[:, 0], b[:, 1])
        x1, y1 = tr.transform(b[:, 2], b[:, 3])
        b = np.column_stack(
            [np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1)]
        )
    if expected is None:
        _check_outliers(st, b, usable)
        return
    (lon0, lat0, lon1, lat1), region_name = expected
    with np.errstate(invalid="ignore"):
        out = (b[:, 2] < lon0) | (b[:, 0] > lon1) | (b[:, 3] < lat0) | (b[:, 1] > lat1)
        out |= ~np.isfinite(b).all(axis=1)
    if not out.any():
        return
    idx = np.flatnonzero(usable)[out]
    msg = (
        f"{st.name}: {len(idx)} of {int(usable.sum())} features lie far outside the expected "
        f"region ({region_name}: longitude {lon0:g}-{lon1:g}°E, latitude "
        f"{lat0:g}-{lat1:g}°N): {st.rows.describe(idx)}. Check for swapped latitude/longitude "
        "or a wrong crs=; if the layer really covers another region, ignore this warning."
    )
    st.report.warnings.append(st.rows.issue("outside_region", msg, idx))


def _check_validity(st: _State, usable: NDArray[np.bool_], crs: pyproj.CRS | None) -> None:
    """Rows 1-3: invalid geometries; polygons repaired with make_valid(method='structure')."""
    if not usable.any():
        return
    valid = np.ones(len(st.geoms), dtype=bool)
    valid[usable] = shapely.is_valid(st.geoms[usable])
    invalid = np.flatnonzero(~valid)
    if not len(invalid):
        return
    reasons = [str(r) for r in shapely.is_valid_reason(st.geoms[invalid])]
    polygonal = np.isin(shapely.get_type_id(st.geoms[invalid]), (3, 6))
    if st.repair and polygonal.all():
        before = st.geoms[invalid]
        # method="structure" returns a (multi)polygon for polygonal input; with
        # keep_collapsed=False the parts that collapse to lines or points are dropped,
        # so a result is either polygonal or empty (checked anyway: never keep a line).
        after = shapely.make_valid(before, method="structure", keep_collapsed=False)
        not_polygonal = ~np.isin(shapely.get_type_id(after), (3, 6))
        collapsed = np.flatnonzero(shapely.is_empty(after) | not_polygonal)
        if len(collapsed):
            cidx = invalid[collapsed]
            msg = (
                f"{st.name}: {_plural(len(cidx), 'polygon')} collapsed to nothing when repaired "
                f"with make_valid: {st.rows.describe(cidx, [reasons[i] for i in collapsed])}. "
                "Fix or remove these geometries by hand."
            )
            st.report.errors.append(st.rows.issue("invalid_geometry_collapsed", msg, cidx))
            return
        a0 = _area_km2(before, crs)
        a1 = _area_km2(after, crs)
        st.geoms = st.geoms.copy()
        st.geoms[invalid] = after
        st.changed = True
        unit = "km²" if crs is not None and (crs.is_geographic or crs.is_projected) else "units²"
        msg = (
            f"{st.name}: repaired {_plural(len(invalid), 'invalid polygon')} with "
            f"shapely.make_valid(method='structure', keep_collapsed=False) "
            f"({st.rows.describe(invalid, reasons)}); total area {a0:,.3f} {unit} before, "
            f"{a1:,.3f} {unit} after (change {a1 - a0:+,.3f} {unit})."
        )
        st.report.repairs.append(st.rows.issue("invalid_geometry_repaired", msg, invalid))
        return
    fix = (
        "Pass repair=True to fix them with shapely.make_valid(method='structure') (the area "
        "change is reported; buffer(0) is never used), or fix them in your GIS."
        if polygonal.all()
        else "Fix these geometries (a line needs at least two distinct points)."
    )
    msg = (
        f"{st.name}: {_plural(len(invalid), 'invalid geometry', 'invalid geometries')}: "
        f"{st.rows.describe(invalid, reasons)}. Invalid polygons give wrong areas (a bow-tie has "
        f"area 0) and break overlays. {fix}"
    )
    st.report.errors.append(st.rows.issue("invalid_geometry", msg, invalid))


def _check_degenerate(st: _State, usable: NDArray[np.bool_]) -> None:
    """Report valid but zero-area polygons (all vertices on one line), area 0 like a bow-tie."""
    if not usable.any():
        return
    geoms = st.geoms[usable]
    mask = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    # zero up to rounding: a real polygon's area is far above 1e-9 x its perimeter squared
    tiny = shapely.area(geoms) <= 1e-9 * shapely.length(geoms) ** 2
    flat = mask & tiny & shapely.is_valid(geoms)
    idx = np.flatnonzero(usable)[flat]
    if not len(idx):
        return
    msg = (
        f"{st.name}: {_plural(len(idx), 'polygon')} with zero area (every vertex on one line, "
        f"so it covers nothing and contains no point): {st.rows.describe(idx)}. Fix the "
        "geometry in your GIS or remove the feature."
    )
    st.report.errors.append(st.rows.issue("zero_area_polygon", msg, idx))


def _check_numeric(st: _State) -> None:
    """Row 26: non-numeric values in declared numeric columns."""
    for col in st.schema.numeric_columns:
        if col not in st.gdf.columns:
            continue
        s = st.gdf[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            continue
        coerced = pd.to_numeric(s, errors="coerce")
        bad = np.flatnonzero((coerced.isna() & s.notna()).to_numpy())
        if not len(bad):
            st.own()[col] = coerced
            st.changed = True
            continue
        values = [repr(v) for v in s.iloc[bad]]
        if st.repair:
            st.own()[col] = coerced
            st.changed = True
            msg = (
                f"{st.name}: coerced {_plural(len(bad), 'non-numeric cell')} in column {col!r} "
                f"to NaN (missing): {st.rows.describe(bad, values)}."
            )
            st.report.repairs.append(st.rows.issue("numeric_coerced", msg, bad))
        else:
            msg = (
                f"{st.name}: column {col!r} must be numeric but holds non-numeric values in "
                f"{st.rows.describe(bad, values)}. Fix the values (leave unknown cells empty), "
                "or pass repair=True to turn them into NaN (a warning counts them)."
            )
            st.report.errors.append(st.rows.issue("non_numeric", msg, bad))


def _check_categories(st: _State) -> None:
    for col, allowed in st.schema.categories.items():
        if col not in st.gdf.columns:
            continue
        s = st.gdf[col]
        bad = np.flatnonzero((s.notna() & ~s.isin(list(allowed))).to_numpy())
        if not len(bad):
            continue
        values = [repr(v) for v in s.iloc[bad]]
        msg = (
            f"{st.name}: column {col!r} holds unknown values in {st.rows.describe(bad, values)}. "
            f"Valid values: {', '.join(sorted(allowed))}."
        )
        st.report.errors.append(st.rows.issue("unknown_category", msg, bad))


def run_checks(
    gdf: gpd.GeoDataFrame,
    *,
    kind: str,
    id_col: str | None = None,
    repair: bool = False,
    name: str | None = None,
    unreadable: Sequence[int] = (),
    max_vertices: int | None = None,
    from_read_layer: bool = False,
    want_data: bool = False,
    expected_region: Any = None,
) -> ValidationReport:
    """Check ``gdf`` against the schema of ``kind``; see :func:`urbanchain.layers.validate_layer`.

    The input is never modified.  When ``repair`` (or ``want_data``) is true and no
    errors remain, ``report.data`` holds a new frame with the repairs applied and
    declared numeric columns held as text converted to numbers.  The index of the
    input is kept, so dropped rows leave gaps that point back to the input.
    """
    schema = get_schema(kind)
    label = name or "layer"
    expected = _resolve_expected(expected_region)
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = (
            f"{label}: expected a GeoDataFrame, got {type(gdf).__name__}. Build one with "
            "geopandas.GeoDataFrame(df, geometry=geopandas.points_from_xy(df.lon, df.lat), "
            "crs='EPSG:4326') or read the file with urbanchain.io.read_layer."
        )
        raise ValidationError(msg)
    try:
        geom_name = gdf.geometry.name
    except AttributeError as exc:
        msg = (
            f"{label}: the GeoDataFrame has no active geometry column; call gdf.set_geometry(...)."
        )
        raise ValidationError(msg) from exc
    duplicated = sorted({str(c) for c in gdf.columns[gdf.columns.duplicated()]})
    if duplicated:
        msg = (
            f"{label}: duplicate column names {format_ids(repr(c) for c in duplicated)}; "
            "a column name must be unique (pandas would return several columns for one name). "
            "Rename or drop the duplicates, e.g. gdf.loc[:, ~gdf.columns.duplicated()]."
        )
        raise ValidationError(msg)
    the_id = id_col if id_col is not None else schema.id_col
    if id_col is not None and id_col not in gdf.columns:
        present = [str(c) for c in gdf.columns if c != geom_name]
        err = unknown_name("column", id_col, present)
        raise err
    ids = None
    if the_id is not None and the_id in gdf.columns:
        ids = gdf[the_id].to_numpy(dtype=object)
    rows = _Rows(np.arange(len(gdf), dtype=np.int64), ids, the_id)
    report = ValidationReport(name=label, kind=kind, n_features=len(gdf))
    if from_read_layer and len(gdf) == 0:
        msg = (
            f"{label}: the file has no features (an empty {kind} layer). Check that this is "
            "the right file (or GeoPackage layer), and that an export or filter did not "
            "drop every feature."
        )
        report.errors.append(Issue("empty_layer", msg))
        return report
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    check_vertex_limits(
        geoms,
        name=label,
        rows=rows,
        max_vertices=max_vertices,
        from_read_layer=from_read_layer,
    )
    st = _State(gdf, geoms, rows, label, schema, the_id, repair, report)
    _check_columns(st)
    _check_ids(st)
    _check_missing(st, unreadable)
    _check_empty(st)
    types_ok = _check_types(st)  # may explode rows: run before the per-row masks below
    finite = _check_finite(st)
    _check_z(st)
    usable = types_ok & finite & _present(st)
    crs = _check_crs(st)
    ranges_ok = True
    if crs is not None:
        ranges_ok = _check_ranges(st, crs, usable)
    if ranges_ok:
        _check_validity(st, usable, crs)
        _check_degenerate(st, usable)
    _check_numeric(st)
    _check_categories(st)
    if kind == "corridors":
        from urbanchain.layers._validate_corridors import check_corridor_values

        check_corridor_values(st)
    if crs is not None and ranges_ok and not report.errors:
        _check_region(st, crs, usable & _present(st), expected)
    if (repair or want_data) and report.ok:
        out = st.gdf.copy()
        out[geom_name] = gpd.GeoSeries(st.geoms, index=out.index, crs=gdf.crs)
        report.data = out.set_geometry(geom_name)
    return report


def emit_warnings(report: ValidationReport, *, stacklevel: int) -> None:
    """Issue the report's repairs and warnings as Python warnings."""
    for issue in report.repairs:
        warnings.warn(issue.message, RepairWarning, stacklevel=stacklevel + 1)
    for issue in report.warnings:
        warnings.warn(issue.message, DataQualityWarning, stacklevel=stacklevel + 1)
