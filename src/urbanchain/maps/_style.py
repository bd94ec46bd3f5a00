"""Palettes, metric alignment, classification and feature HTML for urbanchain maps.

Nothing here imports folium; mapclassify and branca are imported inside functions.
Every string produced for HTML is escaped with :mod:`urbanchain.maps._html`.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from urbanchain._private._messages import format_ids, unknown_name
from urbanchain.errors import DataQualityWarning, ValidationError
from urbanchain.maps._html import escape_html, format_value, to_text

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_UNITS",
    "KIND_COLOURS",
    "MODE_COLOURS",
    "NO_DATA_COLOUR",
    "SCHEMES",
    "STATUS_DASHES",
    "Classes",
    "MetricValues",
    "classify",
    "diverging",
    "popup_html",
    "resolve_metric",
    "tooltip_html",
]

#: Fill colour of a feature whose metric is missing (drawn, labelled "no data").
NO_DATA_COLOUR = "#bdbdbd"

#: Corridor colour by mode (ColorBrewer-derived, distinguishable in print).
MODE_COLOURS: dict[str, str] = {
    "expressway": "#d7301f",
    "highway": "#f16913",
    "railway": "#6a3d9a",
    "waterway": "#1f78b4",
    "sea": "#01665e",
    "air": "#e7298a",
}
OTHER_MODE_COLOUR = "#525252"

#: Dash pattern (SVG ``stroke-dasharray``) and opacity by corridor status.
STATUS_DASHES: dict[str, tuple[str | None, float]] = {
    "operational": (None, 0.9),
    "under_construction": ("10 6", 0.9),
    "planned": ("3 7", 0.9),
    "paused": ("1 9", 0.45),
}

#: Marker outline colour by node kind.
KIND_COLOURS: dict[str, str] = {
    "city": "#252525",
    "seaport": "#1f78b4",
    "airport": "#e7298a",
    "border_gate": "#8c510a",
    "station": "#6a3d9a",
}
OTHER_KIND_COLOUR = "#737373"

#: Units of the documented layer columns (overridden by attrs["units"] or ``units=``).
DEFAULT_UNITS: dict[str, str] = {
    "area_official_km2": "km²",
    "area_polygon_km2": "km²",
    "population": "people",
    "design_speed_kmh": "km/h",
    "length_official_km": "km",
    "gauge_mm": "mm",
    "length_km": "km",
    "time_min": "min",
    "speed_kmh": "km/h",
}

_SEQUENTIAL = {
    "provinces": "YlOrRd",
    "nodes": "YlGnBu",
}
#: mapclassify schemes accepted by ``scheme=``.
SCHEMES = (
    "quantiles",
    "equal_interval",
    "natural_breaks",
    "fisher_jenks",
    "fisher_jenks_sampled",
    "jenks_caspall",
    "jenks_caspall_forced",
    "jenks_caspall_sampled",
    "maximum_breaks",
    "pretty_breaks",
    "headtail_breaks",
    "box_plot",
    "std_mean",
)
_DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#f7f7f7", "#fddbc7", "#ef8a62", "#b2182b"]


@dataclass
class MetricValues:
    """A metric aligned to the rows of a layer.

    Attributes
    ----------
    values
        Float values, one per layer row (NaN = no data), indexed like the layer.
    label
        Name shown in legends and popups (unescaped).
    unit
        Unit, or ``None``.
    """

    values: pd.Series
    label: str
    unit: str | None = None


@dataclass
class Classes:
    """A classification of a metric into coloured classes.

    Attributes
    ----------
    index
        Class number per row (``-1`` = no data).
    colours
        Colour per class.
    labels
        Legend label per class (unescaped).
    """

    index: np.ndarray
    colours: list[str]
    labels: list[str] = field(default_factory=list)

    def colour_of(self, row: int) -> str:
        """Return the fill colour of row ``row`` (grey when it has no data)."""
        number = int(self.index[row])
        return NO_DATA_COLOUR if number < 0 else self.colours[number]


def units_for(frame: pd.DataFrame | None, units: Mapping[str, str] | None) -> dict[str, str]:
    """Merge the default units, ``frame.attrs["units"]`` and ``units=`` (last wins)."""
    merged = dict(DEFAULT_UNITS)
    if frame is not None:
        attrs_units = frame.attrs.get("units")
        if isinstance(attrs_units, Mapping):
            merged.update({str(k): str(v) for k, v in attrs_units.items()})
    if units:
        merged.update({str(k): str(v) for k, v in units.items()})
    return merged


def resolve_metric(
    metric: Any,
    frame: pd.DataFrame,
    *,
    id_column: str,
    layer: str,
    argument: str,
    units: Mapping[str, str],
) -> MetricValues | None:
    """Align ``metric`` (a column name, a Series or a one-column DataFrame) to ``frame``.

    Parameters
    ----------
    metric
        ``None``; the name of a column of ``frame``; a Series indexed by ``id_column``
        values; or a DataFrame with one value column (optionally also ``id_column``).
    frame
        The layer.
    id_column
        The layer's id column (``node_id``, ``corridor_id`` or ``code``).
    layer, argument
        Names used in messages.
    units
        Units by column name.

    Returns
    -------
    MetricValues or None
        ``None`` when ``metric`` is ``None``.

    Raises
    ------
    UnknownNameError
        If a column name is not in the layer.
    ValidationError
        If the metric is not numeric, has duplicate ids or infinite values, or is of an
        unsupported type.
    """
    if metric is None:
        return None
    unit: str | None = None
    if isinstance(metric, str):
        if metric not in frame.columns:
            err = unknown_name(f"{layer} column", metric, list(frame.columns))
            raise err
        raw = frame[metric]
        label = metric
        unit = units.get(metric)
    else:
        series = _as_series(metric, id_column=id_column, argument=argument)
        label = to_text(series.name) if series.name is not None else argument
        series_units = series.attrs.get("units")
        if isinstance(series_units, Mapping) and label in series_units:
            unit = str(series_units[label])
        elif isinstance(series.attrs.get("unit"), str):
            unit = str(series.attrs["unit"])
        else:
            unit = units.get(label)
        duplicated = series.index[series.index.duplicated()]
        if len(duplicated):
            msg = (
                f"{argument} has duplicate ids {format_ids(pd.unique(duplicated))}; "
                f"each {id_column} needs one value. Aggregate first, e.g. series.groupby(level=0).mean()."
            )
            raise ValidationError(msg)
        if id_column not in frame.columns:
            msg = f"The {layer} layer has no {id_column!r} column, so {argument} (a Series keyed by {id_column}) cannot be matched to it."
            raise ValidationError(msg)
        keys = frame[id_column].astype(str)
        lookup = pd.Series(series.to_numpy(), index=series.index.astype(str))
        unknown = sorted(set(lookup.index) - set(keys))
        if unknown:
            msg = (
                f"{len(unknown)} id(s) of {argument} are not in the {layer} layer and are not drawn: "
                f"{format_ids(unknown)}."
            )
            warnings.warn(msg, DataQualityWarning, stacklevel=4)
        raw = pd.Series(keys.map(lookup).to_numpy(), index=frame.index)
    values = _numeric(raw, label=label, argument=argument, frame=frame, id_column=id_column)
    return MetricValues(values=values, label=label, unit=unit)


def _as_series(metric: Any, *, id_column: str, argument: str) -> pd.Series:
    if isinstance(metric, pd.Series):
        return metric
    if isinstance(metric, pd.DataFrame):
        frame = metric
        if id_column in frame.columns:
            frame = frame.set_index(id_column)
        if frame.shape[1] == 1:
            series = frame.iloc[:, 0]
            series.attrs = dict(metric.attrs)
            return series
        msg = (
            f"{argument} is a DataFrame with {frame.shape[1]} value columns "
            f"({format_ids(frame.columns)}); pass one column, e.g. {argument}=table['score']."
        )
        raise ValidationError(msg)
    if isinstance(metric, Mapping):
        return pd.Series(dict(metric), dtype="float64")
    msg = (
        f"{argument} must be a column name, a pandas Series keyed by {id_column}, or a "
        f"one-column DataFrame; got {type(metric).__name__}."
    )
    raise ValidationError(msg)


def _numeric(
    raw: pd.Series, *, label: str, argument: str, frame: pd.DataFrame, id_column: str
) -> pd.Series:
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("float64")
    converted = pd.to_numeric(raw, errors="coerce")
    bad = raw.notna() & converted.isna()
    ids = (
        frame[id_column]
        if id_column in frame.columns
        else pd.Series(frame.index, index=frame.index)
    )
    if bad.any():
        msg = (
            f"{argument} ({label!r}) has non-numeric values for {format_ids(ids[bad])}. "
            "Convert them to numbers, or to NaN for 'no data'."
        )
        raise ValidationError(msg)
    values = converted.astype("float64")
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        msg = (
            f"{argument} ({label!r}) is infinite for {format_ids(ids[infinite])}. "
            "Replace infinite values with NaN ('no data') or a finite number."
        )
        raise ValidationError(msg)
    return values


def _palette(name: str, count: int) -> list[str]:
    from branca.utilities import color_brewer

    if count <= 0:
        return []
    full = color_brewer(name, max(count, 3))
    if count >= 3:
        return list(full)
    return [full[1]] if count == 1 else [full[0], full[2]]


def classify(
    metric: MetricValues, *, scheme: str, k: int, palette: str, unit: str | None = None
) -> Classes:
    """Classify ``metric`` with mapclassify; NaN rows get class ``-1`` ("no data").

    Parameters
    ----------
    metric
        The values.
    scheme
        A mapclassify scheme name (``"quantiles"``, ``"equal_interval"``,
        ``"natural_breaks"``, ``"fisher_jenks"``...).
    k
        Number of classes (reduced to the number of distinct values when smaller).
    palette
        ColorBrewer sequential palette name.
    unit
        Unit appended to the legend labels.

    Returns
    -------
    Classes
        Class numbers, colours and labels.

    Raises
    ------
    UnknownNameError
        If ``scheme`` is not a mapclassify scheme.
    ValidationError
        If ``k`` is smaller than 1.
    """
    import mapclassify

    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        msg = f"k must be a positive integer number of classes; got {k!r}."
        raise ValidationError(msg)
    values = metric.values.to_numpy(dtype="float64")
    present = ~np.isnan(values)
    index = np.full(len(values), -1, dtype=int)
    distinct = np.unique(values[present])
    normalised = str(scheme).lower().replace("_", "").replace(" ", "")
    valid = {name.replace("_", ""): name for name in SCHEMES}
    if normalised not in valid:
        err = unknown_name("classification scheme", scheme, SCHEMES)
        raise err
    if len(distinct) == 0:
        return Classes(index=index, colours=[], labels=[])
    if len(distinct) == 1:
        index[present] = 0
        only = format_value(distinct[0], unit)
        return Classes(index=index, colours=_palette(palette, 1), labels=[only])
    classes = min(int(k), len(distinct))
    with warnings.catch_warnings():
        # mapclassify warns when ties leave fewer classes than asked; the classes that
        # were actually formed are reported in the legend.
        warnings.filterwarnings("ignore", message=".*unique values.*", category=UserWarning)
        result = mapclassify.classify(values[present], valid[normalised], k=classes)
    bins = np.asarray(result.bins, dtype="float64")
    index[present] = np.asarray(result.yb, dtype=int)
    used = len(bins)
    colours = _palette(palette, used)
    lower = float(np.min(values[present]))
    labels = []
    for number, upper in enumerate(bins):
        low = lower if number == 0 else float(bins[number - 1])
        labels.append(f"{format_value(low)} – {format_value(float(upper), unit)}")
    return Classes(index=index, colours=colours, labels=labels)


def sequential_palette(layer: str, count: int) -> list[str]:
    """Return ``count`` sequential colours for ``layer`` ("provinces" or "nodes")."""
    return _palette(_SEQUENTIAL.get(layer, "YlOrRd"), count)


def diverging(values: pd.Series) -> tuple[Any, float]:
    """Return a diverging colormap centred at 0 and its half-range.

    Parameters
    ----------
    values
        Differences (NaN allowed).

    Returns
    -------
    tuple
        ``(colormap, limit)``: a branca LinearColormap from ``-limit`` (blue) through 0
        (white) to ``+limit`` (red), and ``limit = max |value|`` (1.0 if all are 0/NaN).
    """
    import branca.colormap as cm

    finite = values.to_numpy(dtype="float64")
    finite = finite[~np.isnan(finite)]
    limit = float(np.max(np.abs(finite))) if finite.size else 0.0
    if limit == 0.0 or not math.isfinite(limit):
        limit = 1.0
    colormap = cm.LinearColormap(_DIVERGING, vmin=-limit, vmax=limit)
    return colormap, limit


def hex_colour(colormap: Any, value: float) -> str:
    """Return ``colormap(value)`` as ``#rrggbb`` (grey for NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA_COLOUR
    return str(colormap.rgb_hex_str(value))


def scale(values: pd.Series, low: float, high: float) -> pd.Series:
    """Scale ``values`` linearly to ``[low, high]`` (NaN stays NaN; constant → middle)."""
    array = values.to_numpy(dtype="float64")
    present = array[~np.isnan(array)]
    if present.size == 0:
        return pd.Series(np.nan, index=values.index)
    vmin, vmax = float(present.min()), float(present.max())
    if vmax == vmin:
        return pd.Series(np.where(np.isnan(array), np.nan, (low + high) / 2), index=values.index)
    return pd.Series(low + (array - vmin) / (vmax - vmin) * (high - low), index=values.index)


def _rows(pairs: Sequence[tuple[Any, Any]], units: Mapping[str, str]) -> list[str]:
    rows = []
    for column, value in pairs:
        name = to_text(column)
        text = format_value(value, units.get(name))
        rows.append(f"<tr><th>{escape_html(name)}</th><td>{escape_html(text)}</td></tr>")
    return rows


def tooltip_html(title: Any, lines: Sequence[tuple[str, str]]) -> str:
    """Build a tooltip: a bold title then ``label: value`` lines, all escaped.

    Parameters
    ----------
    title
        Feature name.
    lines
        ``(label, formatted value)`` pairs (unescaped).

    Returns
    -------
    str
        Escaped HTML.
    """
    parts = [f"<b>{escape_html(title)}</b>"]
    parts.extend(f"<br>{escape_html(label)}: {escape_html(value)}" for label, value in lines)
    return "".join(parts)


def popup_html(
    title: Any,
    lines: Sequence[tuple[str, str]],
    pairs: Sequence[tuple[Any, Any]],
    units: Mapping[str, str],
) -> str:
    """Build a popup: title, highlighted metric lines and a table of attributes.

    Parameters
    ----------
    title
        Feature name.
    lines
        ``(label, formatted value)`` pairs shown first (unescaped).
    pairs
        ``(column, raw value)`` pairs listed in the table.
    units
        Units by column.

    Returns
    -------
    str
        Escaped HTML.
    """
    head = [f'<div class="uc-popup-body"><h4>{escape_html(title)}</h4><table>']
    head.extend(
        f'<tr class="uc-metric"><th>{escape_html(label)}</th><td>{escape_html(value)}</td></tr>'
        for label, value in lines
    )
    head.extend(_rows(pairs, units))
    head.append("</table></div>")
    return "".join(head)
