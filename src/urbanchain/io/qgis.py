"""QGIS layer styles inside the GeoPackages urbanchain writes.

A GeoPackage opened in QGIS shows grey lines and dots unless it carries styles.
QGIS reads a layer's default style from the ``layer_styles`` table of the
GeoPackage (the table QGIS itself writes with "Save style… in database"), with
the style as QML and, for other tools, as SLD. :func:`write_styles` adds them:

* corridors (and graph edges) by mode (colour) and status (dash pattern), the
  same palette as the HTML maps (:mod:`urbanchain.maps._style`), labelled by name;
* nodes by kind, capitals larger, labelled by name;
* provinces in a graduated fill of a chosen column (or a plain fill), labelled
  by their Vietnamese name.

Styles are built with :mod:`xml.etree.ElementTree` (text is XML-escaped), and
rule filters use only urbanchain's own vocabulary (modes, statuses, kinds), never
values from the data, so a hostile attribute cannot inject a QGIS expression.
"""

from __future__ import annotations

import itertools
import math
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from urbanchain.errors import InputFileError, ValidationError

__all__ = ["STYLE_KINDS", "layer_style", "read_styles", "write_styles"]

#: Layer kinds that have a style.
STYLE_KINDS = ("corridors", "nodes", "provinces")

_MODE = {  # colour, width (mm), label vi, label en
    "expressway": ("#d7301f", 1.2, "Cao tốc", "Expressway"),
    "highway": ("#f16913", 0.8, "Quốc lộ", "National highway"),
    "railway": ("#6a3d9a", 0.7, "Đường sắt", "Railway"),
    "waterway": ("#1f78b4", 0.7, "Đường thủy", "Waterway"),
    "sea": ("#01665e", 0.6, "Đường biển", "Sea route"),
    "air": ("#e7298a", 0.5, "Đường hàng không", "Air route"),
    "access": ("#969696", 0.4, "Đường kết nối", "Access link"),
}
_STATUS = {  # QGIS custom dash (mm), opacity, label vi, label en
    "operational": (None, 1.0, "đang khai thác", "operational"),
    "under_construction": ("3;1.8", 1.0, "đang xây dựng", "under construction"),
    "planned": ("0.9;2.1", 1.0, "quy hoạch", "planned"),
    "paused": ("0.3;2.7", 0.45, "tạm dừng", "paused"),
}
_KIND = {  # outline colour, size (mm), label vi, label en
    "city": ("#252525", 2.4, "Đô thị", "City"),
    "seaport": ("#1f78b4", 2.6, "Cảng biển", "Seaport"),
    "airport": ("#e7298a", 2.6, "Sân bay", "Airport"),
    "border_gate": ("#8c510a", 2.4, "Cửa khẩu", "Border gate"),
    "station": ("#6a3d9a", 2.0, "Ga", "Station"),
}
_OTHER = "#737373"
_RAMP = ("#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b")


def _rgba(hex_colour: str, alpha: float = 1.0) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(alpha * 255)}"


def _options(parent: ET.Element, values: Mapping[str, str]) -> None:
    opt = ET.SubElement(parent, "Option", type="Map")
    for k, v in values.items():
        ET.SubElement(opt, "Option", name=k, type="QString", value=v)


def _line_symbol(name: str, colour: str, width: float, dash: str | None, alpha: float) -> ET.Element:
    sym = ET.Element("symbol", type="line", name=name, alpha=str(alpha), clip_to_extent="1",
                     force_rhr="0")
    layer = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0",
                                          "pass": "0"})
    _options(layer, {
        "line_color": _rgba(colour), "line_width": f"{width}", "line_width_unit": "MM",
        "line_style": "solid", "capstyle": "round", "joinstyle": "round",
        "use_custom_dash": "1" if dash else "0", "customdash": dash or "5;2",
        "customdash_unit": "MM",
    })
    return sym


def _marker_symbol(name: str, colour: str, size: float, fill: str = "#ffffff") -> ET.Element:
    sym = ET.Element("symbol", type="marker", name=name, alpha="1", clip_to_extent="1",
                     force_rhr="0")
    layer = ET.SubElement(sym, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0",
                                          "pass": "0"})
    _options(layer, {
        "name": "circle", "color": _rgba(fill), "outline_color": _rgba(colour),
        "outline_width": "0.5", "outline_width_unit": "MM", "size": f"{size}",
        "size_unit": "MM",
    })
    return sym


def _fill_symbol(name: str, colour: str, outline: str = "#636363") -> ET.Element:
    sym = ET.Element("symbol", type="fill", name=name, alpha="1", clip_to_extent="1",
                     force_rhr="0")
    layer = ET.SubElement(sym, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0",
                                          "pass": "0"})
    _options(layer, {
        "color": _rgba(colour, 0.85), "outline_color": _rgba(outline), "outline_width": "0.3",
        "outline_width_unit": "MM", "style": "solid", "outline_style": "solid",
    })
    return sym


def _labeling(root: ET.Element, field: str, size: float) -> None:
    lab = ET.SubElement(root, "labeling", type="simple")
    settings = ET.SubElement(lab, "settings", calloutType="simple")
    ET.SubElement(settings, "text-style", fieldName=field, fontSize=f"{size}",
                  fontSizeUnit="Point", textColor="40,40,40,255", isExpression="0",
                  fontFamily="DejaVu Sans", namedStyle="Regular")
    buf = ET.SubElement(settings, "text-buffer")
    buf.set("bufferDraw", "1")
    buf.set("bufferSize", "0.8")
    buf.set("bufferColor", "255,255,255,255")
    ET.SubElement(settings, "placement", placement="1" if size < 9 else "0",
                  dist="1.2", distUnits="MM")
    ET.SubElement(settings, "rendering", obstacle="1", displayAll="0", scaleVisibility="0")


def _qml_root() -> ET.Element:
    return ET.Element("qgis", version="3.22.0", styleCategories="Symbology|Labeling")


def _field_filter(field: str, value: str) -> str:
    # only urbanchain's own vocabulary reaches a filter (keys of the tables above)
    return f"\"{field}\" = '{value}'"


def _corridor_qml(gdf: pd.DataFrame) -> ET.Element:
    root = _qml_root()
    renderer = ET.SubElement(root, "renderer-v2", type="RuleRenderer", symbollevels="0",
                             enableorderby="0", forceraster="0")
    rules = ET.SubElement(renderer, "rules", key="root")
    symbols = ET.SubElement(renderer, "symbols")
    has_status = "status" in gdf.columns
    present_modes = [m for m in _MODE if "mode" in gdf.columns and (gdf["mode"] == m).any()]
    i = 0
    for mode in present_modes:
        colour, width, vi, en = _MODE[mode]
        statuses = [s for s in _STATUS if has_status and ((gdf["mode"] == mode)
                                                          & (gdf["status"] == s)).any()]
        combos: list[str | None] = list(statuses) or [None]
        for status in combos:
            dash, alpha = (None, 1.0) if status is None else _STATUS[status][:2]
            label = f"{vi} / {en}" if status is None else (
                f"{vi} – {_STATUS[status][2]} / {en} – {_STATUS[status][3]}")
            flt = _field_filter("mode", mode)
            if status is not None:
                flt += " AND " + _field_filter("status", status)
            ET.SubElement(rules, "rule", key=f"r{i}", symbol=str(i), label=label, filter=flt)
            symbols.append(_line_symbol(str(i), colour, width, dash, alpha))
            i += 1
    ET.SubElement(rules, "rule", key=f"r{i}", symbol=str(i), label="Khác / Other", filter="ELSE")
    symbols.append(_line_symbol(str(i), _OTHER, 0.5, None, 1.0))
    if "name" in gdf.columns:
        _labeling(root, "name", 8)
    return root


def _node_qml(gdf: pd.DataFrame) -> ET.Element:
    root = _qml_root()
    renderer = ET.SubElement(root, "renderer-v2", type="RuleRenderer", symbollevels="0",
                             enableorderby="0", forceraster="0")
    rules = ET.SubElement(renderer, "rules", key="root")
    symbols = ET.SubElement(renderer, "symbols")
    i = 0
    if "is_capital" in gdf.columns:
        ET.SubElement(rules, "rule", key="cap", symbol="0",
                      label="Tỉnh lỵ / Provincial capital", filter='"is_capital"')
        symbols.append(_marker_symbol("0", "#000000", 3.6, fill="#fee08b"))
        i = 1
    for kind, (colour, size, vi, en) in _KIND.items():
        if "kind" in gdf.columns and (gdf["kind"] == kind).any():
            ET.SubElement(rules, "rule", key=f"k{i}", symbol=str(i), label=f"{vi} / {en}",
                          filter=_field_filter("kind", kind))
            symbols.append(_marker_symbol(str(i), colour, size))
            i += 1
    ET.SubElement(rules, "rule", key=f"k{i}", symbol=str(i), label="Khác / Other", filter="ELSE")
    symbols.append(_marker_symbol(str(i), _OTHER, 2.0))
    if "name" in gdf.columns:
        _labeling(root, "name", 9)
    return root


def _province_qml(gdf: pd.DataFrame, column: str | None) -> ET.Element:
    root = _qml_root()
    if column is None:
        renderer = ET.SubElement(root, "renderer-v2", type="singleSymbol", symbollevels="0",
                                 enableorderby="0", forceraster="0")
        symbols = ET.SubElement(renderer, "symbols")
        symbols.append(_fill_symbol("0", "#f0f0f0"))
    else:
        values = pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            msg = f"column {column!r} has no numeric values to classify; choose another column."
            raise ValidationError(msg)
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, len(_RAMP) + 1)))
        renderer = ET.SubElement(root, "renderer-v2", type="graduatedSymbol", attr=column,
                                 graduatedMethod="GraduatedColor", symbollevels="0",
                                 enableorderby="0", forceraster="0")
        ranges = ET.SubElement(renderer, "ranges")
        symbols = ET.SubElement(renderer, "symbols")
        for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
            colour = _RAMP[min(i, len(_RAMP) - 1)]
            ET.SubElement(ranges, "range", lower=repr(float(lo)), upper=repr(float(hi)),
                          symbol=str(i), label=f"{_fmt(lo)} – {_fmt(hi)}", render="true")
            symbols.append(_fill_symbol(str(i), colour))
    label_field = "name_vi" if "name_vi" in gdf.columns else ("name" if "name" in gdf.columns
                                                              else None)
    if label_field:
        _labeling(root, label_field, 10)
    return root


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _sld(name: str, qml: ET.Element) -> str:
    """Render the rules as a simple SLD 1.1 (colour only), for tools other than QGIS."""
    ns = "http://www.opengis.net/sld"
    ET.register_namespace("sld", ns)
    root = ET.Element(f"{{{ns}}}StyledLayerDescriptor", version="1.1.0")
    layer = ET.SubElement(root, f"{{{ns}}}NamedLayer")
    ET.SubElement(layer, f"{{{ns}}}Name").text = name
    style = ET.SubElement(ET.SubElement(layer, f"{{{ns}}}UserStyle"), f"{{{ns}}}FeatureTypeStyle")
    for sym in qml.iter("symbol"):
        rule = ET.SubElement(style, f"{{{ns}}}Rule")
        opts = {o.get("name"): o.get("value") for o in sym.iter("Option") if o.get("name")}
        ET.SubElement(rule, f"{{{ns}}}Name").text = f"{name}-{sym.get('name')}"
        kind = sym.get("type")
        rgba = (opts.get("line_color") or opts.get("outline_color") or opts.get("color")
                or "0,0,0,255")
        r, g, b, _ = (int(v) for v in rgba.split(","))
        hex_colour = f"#{r:02x}{g:02x}{b:02x}"
        if kind == "line":
            stroke = ET.SubElement(ET.SubElement(rule, f"{{{ns}}}LineSymbolizer"),
                                   f"{{{ns}}}Stroke")
            ET.SubElement(stroke, f"{{{ns}}}SvgParameter", name="stroke").text = hex_colour
        elif kind == "fill":
            fill = ET.SubElement(ET.SubElement(rule, f"{{{ns}}}PolygonSymbolizer"),
                                 f"{{{ns}}}Fill")
            c = (opts.get("color") or "240,240,240,255").split(",")
            ET.SubElement(fill, f"{{{ns}}}SvgParameter", name="fill").text = (
                f"#{int(c[0]):02x}{int(c[1]):02x}{int(c[2]):02x}")
        else:
            mark = ET.SubElement(ET.SubElement(ET.SubElement(
                rule, f"{{{ns}}}PointSymbolizer"), f"{{{ns}}}Graphic"), f"{{{ns}}}Mark")
            ET.SubElement(mark, f"{{{ns}}}WellKnownName").text = "circle"
            stroke = ET.SubElement(mark, f"{{{ns}}}Stroke")
            ET.SubElement(stroke, f"{{{ns}}}SvgParameter", name="stroke").text = hex_colour
    return ET.tostring(root, encoding="unicode")


def layer_style(
    gdf: pd.DataFrame, *, kind: str, name: str, column: str | None = None
) -> tuple[str, str]:
    """Return the QML and SLD of a layer kind, for the values present in ``gdf``.

    Parameters
    ----------
    gdf
        The layer (its ``mode``/``status``/``kind`` values decide which rules exist).
    kind
        ``"corridors"`` (also graph edges), ``"nodes"`` or ``"provinces"``.
    name
        The layer's name (used in the SLD).
    column
        For provinces: the numeric column of the graduated fill (None: plain fill).
    """
    if kind not in STYLE_KINDS:
        msg = f"no style for layer kind {kind!r}; use one of {', '.join(STYLE_KINDS)}."
        raise ValidationError(msg)
    root = {"corridors": lambda: _corridor_qml(gdf), "nodes": lambda: _node_qml(gdf),
            "provinces": lambda: _province_qml(gdf, column)}[kind]()
    qml = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode")
    return qml, _sld(name, root)


_CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def write_styles(
    path: str | os.PathLike[str],
    styles: Mapping[str, tuple[str, str]],
    *,
    description: str = "urbanchain default style",
) -> Path:
    """Store QML/SLD styles as the default styles of layers of a GeoPackage.

    Parameters
    ----------
    path
        An existing GeoPackage (written by urbanchain or GDAL).
    styles
        Layer name -> ``(qml, sld)`` as returned by :func:`layer_style`.
    description
        Stored with each style.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    gpkg = Path(path)
    if not gpkg.is_file():
        msg = f"{gpkg}: no such GeoPackage; write the layers first, then their styles."
        raise InputFileError(msg)
    con = sqlite3.connect(gpkg)
    try:
        geom_cols = dict(con.execute(
            "SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        missing = sorted(set(styles) - set(geom_cols))
        if missing:
            msg = (f"{gpkg}: no geometry layer named {', '.join(missing)}; "
                   f"layers present: {', '.join(sorted(geom_cols)) or '(none)'}.")
            raise InputFileError(msg)
        with con:
            con.execute(_CREATE)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
                "VALUES ('layer_styles', 'attributes', 'layer_styles')")
            for layer, (qml, sld) in styles.items():
                con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
                con.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                    "description, owner, ui) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', '')",
                    (layer, geom_cols[layer], layer, qml, sld, description),
                )
    finally:
        con.close()
    return gpkg


def read_styles(path: str | os.PathLike[str]) -> dict[str, tuple[str, str]]:
    """Return ``{layer: (qml, sld)}`` of the default styles stored in a GeoPackage."""
    con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        rows: Sequence[tuple[str, str, str]] = con.execute(
            "SELECT f_table_name, styleQML, styleSLD FROM layer_styles WHERE useAsDefault"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()
    return {name: (qml, sld) for name, qml, sld in rows}
