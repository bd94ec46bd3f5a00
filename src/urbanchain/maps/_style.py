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
from urbanchain.maps import _i18n as i18n
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
    "curated_popup_html",
    "describe",
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
    scale: float = 1.0
    lower_is_better: bool = False
    lang: i18n.Lang = "en"

    def text(self, row: int) -> str:
        """Return the formatted value of ``row`` with its unit, in the metric's language."""
        return i18n.format_value(self.values.iloc[row], self.unit, self.lang, scale=self.scale)

    def title(self) -> str:
        """Legend heading: the label, then the unit in words in brackets."""
        word = i18n.unit_word(self.unit, self.lang)
        return f"{self.label} ({word})" if word and word not in self.label else self.label


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
    explicit: Mapping[str, str] | None = None,
    lang: i18n.Lang = "en",
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
    explicit
        Units the caller passed with ``units=``: they win over ``attrs`` and the catalogue.
    lang
        Language of the label (from :data:`urbanchain.maps._i18n.METRICS` when known).

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
    attr_unit: str | None = None
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
            attr_unit = str(series_units[label])
        elif isinstance(series.attrs.get("unit"), str):
            attr_unit = str(series.attrs["unit"])
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
    attrs = {} if isinstance(metric, str) else getattr(_as_series_attrs(metric), "attrs", {})
    return describe(
        values, label, unit, attrs=attrs, explicit=explicit or {}, lang=lang, attr_unit=attr_unit
    )


def _as_series_attrs(metric: Any) -> Any:
    return metric if isinstance(metric, pd.Series | pd.DataFrame) else None


def describe(
    values: pd.Series,
    name: str,
    unit: str | None,
    *,
    attrs: Mapping[str, Any],
    explicit: Mapping[str, str],
    lang: i18n.Lang,
    attr_unit: str | None = None,
) -> MetricValues:
    """Give a metric its plain-language label, unit and display scale.

    Label: ``attrs["label"]`` (a string or ``{"vi": ..., "en": ...}``), else the
    catalogue entry of ``name``, else the name itself. Unit: ``units=`` of the caller
    for ``name``, else the unit attached to the Series (``attrs``), else the catalogue
    unit (with its display scale), else ``unit`` (layer defaults).
    """
    entry = i18n.METRICS.get(name)
    label_attr = attrs.get("label")
    if isinstance(label_attr, Mapping) and lang in label_attr:
        label = to_text(label_attr[lang])
    elif isinstance(label_attr, str):
        label = to_text(label_attr)
    elif entry is not None:
        label = entry.vi if lang == "vi" else entry.en
    else:
        label = name
    scale = 1.0
    lower = bool(attrs.get("lower_is_better", entry.lower_is_better if entry else False))
    if name in explicit:
        unit = explicit[name]
    elif attr_unit is not None:
        unit = attr_unit
    elif entry is not None and entry.unit is not None:
        unit = entry.unit
        scale = entry.scale
    return MetricValues(
        values=values, label=label, unit=unit, scale=scale, lower_is_better=lower, lang=lang
    )


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
    """Classify ``metric`` with mapclassify; see :func:`_classify`."""
    return _classify(metric, scheme=scheme, k=k, palette=palette, unit=unit)


def _bound_labels(lower: float, bins: np.ndarray, metric: MetricValues) -> list[str]:
    """Readable class labels: bounds rounded to 2 (or 3) significant digits, by locale."""
    lang, scale = metric.lang, metric.scale
    word = i18n.unit_word(metric.unit, lang)
    edges = [lower, *(float(b) for b in bins)]
    for digits in (2, 3, 4, 6):
        rounded = [i18n.nice(e * scale, digits) for e in edges]
        if len(set(rounded)) == len(rounded):
            break
    texts = [i18n.format_number(v, lang, decimals=_decimals(rounded)) for v in rounded]
    labels = [f"{texts[i]} – {texts[i + 1]}" for i in range(len(bins))]
    if word and labels:
        labels[-1] = f"{labels[-1]}{word}" if word == "%" else f"{labels[-1]} {word}"
    return labels


def _decimals(values: Sequence[float]) -> int:
    needed = 0
    for value in values:
        text = f"{abs(value):.6f}".rstrip("0")
        if "." in text:
            needed = max(needed, len(text.split(".")[1]))
    return min(needed, 6)


def _classify(
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
        only = i18n.format_value(distinct[0], metric.unit, metric.lang, scale=metric.scale)
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
    labels = _bound_labels(lower, bins, metric)
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


def _is_year(name: str, value: Any) -> bool:
    """Year columns (``*_year``, ``year``, ``opening_year``) print as years: 2015, not 2,015."""
    if not (name == "year" or name.endswith("_year")) or isinstance(value, bool):
        return False
    if not isinstance(value, int | float | np.integer | np.floating):
        return False
    return bool(np.isfinite(value) and float(value).is_integer())


def _rows(pairs: Sequence[tuple[Any, Any]], units: Mapping[str, str]) -> list[str]:
    rows = []
    for column, value in pairs:
        name = to_text(column)
        if _is_year(name, value):
            text = str(int(float(value)))
        else:
            text = format_value(value, units.get(name))
        rows.append(f"<tr><th>{escape_html(name)}</th><td>{escape_html(text)}</td></tr>")
    return rows


def _source_links(sources: Sequence[str], lang: i18n.Lang) -> str:
    """Build a short list of links (http/https only) and, without links, the first source text."""
    import re
    from urllib.parse import urlsplit

    links: list[str] = []
    texts: list[str] = []
    for source in sources:
        found = re.findall(r"https?://[^\s,;|<>\"')\]]+", source)
        links.extend(u for u in found if u not in links)
        rest = re.sub(r"https?://\S+", "", source).strip(" ;,|")
        if rest and rest not in texts:
            texts.append(rest)
    items = []
    for number, url in enumerate(links[:4], start=1):
        host = urlsplit(url).hostname or i18n.text("source_link", lang, number=number)
        items.append(
            f'<li><a href="{escape_html(url)}" target="_blank" rel="noopener noreferrer">'
            f"{escape_html(host)}</a></li>"
        )
    if not items:
        items.extend(f"<li>{escape_html(t[:140])}</li>" for t in texts[:2])
    if not items:
        return ""
    heading = escape_html(i18n.text("sources", lang))
    return f'<div class="uc-sources"><b>{heading}</b><ul>{"".join(items)}</ul></div>'


def curated_popup_html(
    title: Any,
    *,
    facts: Sequence[tuple[str, str]],
    metrics: Sequence[tuple[str, str]],
    sources: Sequence[str],
    details: Sequence[tuple[Any, Any]] | None,
    units: Mapping[str, str],
    lang: i18n.Lang,
) -> str:
    """Build a curated popup: name, a few facts, the mapped metrics, sources as links.

    Parameters
    ----------
    title
        Feature name.
    facts
        ``(label, text)`` pairs (kind, provinces, year...), unescaped.
    metrics
        ``(label, formatted value)`` of the metrics on the map, unescaped.
    sources
        Source texts; their http(s) URLs become links.
    details
        All ``(column, value)`` pairs, shown folded when given (``popup="full"``).
    units
        Units by column, for ``details``.
    lang
        Language of the headings.

    Returns
    -------
    str
        Escaped HTML.
    """
    parts = [f'<div class="uc-popup-body"><h4>{escape_html(title)}</h4><table>']
    parts.extend(
        f'<tr class="uc-metric"><th>{escape_html(label)}</th><td>{escape_html(value)}</td></tr>'
        for label, value in metrics
    )
    parts.extend(
        f'<tr class="uc-fact"><th>{escape_html(label)}</th><td>{escape_html(value)}</td></tr>'
        for label, value in facts
    )
    parts.append("</table>")
    parts.append(_source_links(sources, lang))
    if details is not None:
        heading = escape_html(i18n.text("details", lang))
        parts.append(f"<details><summary>{heading}</summary><table>")
        parts.extend(_rows(details, units))
        parts.append("</table></details>")
    parts.append("</div>")
    return "".join(parts)


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
    parts.extend(
        f"<br>{escape_html(label)}: {escape_html(value)}" if label else f"<br>{escape_html(value)}"
        for label, value in lines
        if label or value
    )
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
