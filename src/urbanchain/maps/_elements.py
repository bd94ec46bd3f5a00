"""Folium elements used by :mod:`urbanchain.maps` (imports folium: import lazily).

Every template below writes user data only as JSON produced by
:func:`~urbanchain.maps._html.json_for_script` (``<``, ``>``, ``&``, ``'``,
U+2028/2029 escaped), never inside a JavaScript template literal; the strings inside
that JSON which Leaflet later assigns to ``innerHTML`` (tooltips, popups, legend,
attribution, layer names) are HTML-escaped in Python before serialisation.

Every element here is :class:`~urbanchain.maps._template_free.TemplateFree`: its
output is never compiled as a Jinja template a second time (branca's default), so data
can never be read as template syntax (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from folium.map import Layer
from folium.template import Template

from urbanchain.maps import _offline
from urbanchain.maps import _template_free as tf
from urbanchain.maps._html import escape_html, json_for_script

__all__ = [
    "AttributionNote",
    "FeatureLayer",
    "FitRegion",
    "InlineLeaflet",
    "LabelLayer",
    "LayerControl",
    "LegendControl",
    "MapStyle",
    "TitleBox",
    "UrbanchainMap",
    "json_no_braces",
]

# Switching to the security branch's design: each class below that derives from
# MacroElement or folium's Layer becomes ``class X(<folium base>, TemplateFree)``; the
# data they carry is JSON, so nothing else changes.


def json_no_braces(obj: Any) -> str:
    r"""Return JSON for a script with ``{``/``}`` inside strings written as ``\\u007b``/``\\u007d``.

    Only for data without objects (lists, strings, numbers), where every brace is
    inside a string: the text can then never open a Jinja block, even if it were
    compiled as a template again.
    """
    text = json_for_script(obj)
    return text.replace("{", "\\u007b").replace("}", "\\u007d")


class UrbanchainMap(tf.Map):
    """A folium Map that loads Leaflet only (no jQuery, Bootstrap or icon fonts).

    With ``offline=True`` Leaflet is inlined from XStatic-Leaflet; otherwise it is
    linked from the same CDN folium uses.
    """

    def __init__(
        self,
        *,
        offline: bool,
        layer_control: bool = False,
        fit: tuple[list[float], str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.urbanchain_offline = offline
        self.urbanchain_layer_control = layer_control
        self.urbanchain_fit = fit
        self._uc_control: LayerControl | None = None
        self._uc_fit: FitRegion | None = None
        self._uc_fit_bounds: list[float] | None = None
        if offline:
            self.default_js = []
            self.default_css = []
            self.add_child(InlineLeaflet(), name="urbanchain_inline_leaflet")
        else:
            self.default_js = [("leaflet", _offline.LEAFLET_JS_URL)]
            self.default_css = [("leaflet_css", _offline.LEAFLET_CSS_URL)]

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Render, adding the layer control and the region fit *last*.

        Layers added with plain folium after :func:`~urbanchain.maps.chain_map`
        returned therefore exist before the control refers to them, and appear in it.
        """
        # Made once and moved to the end on every render, so that rendering twice
        # gives one control (branca keys the output by element name).
        for name in ("urbanchain_layer_control", "urbanchain_fit_region"):
            self._children.pop(name, None)
        if self.urbanchain_layer_control:
            if self._uc_control is None:
                self._uc_control = LayerControl(collapsed=True, position="topright")
            self.add_child(self._uc_control, name="urbanchain_layer_control")
        if self.urbanchain_fit is not None:
            bounds = self.urbanchain_fit[0]
            if self._uc_fit is None or self._uc_fit_bounds != bounds:
                self._uc_fit, self._uc_fit_bounds = FitRegion(bounds), bounds
            self.add_child(self._uc_fit, name="urbanchain_fit_region")
        super().render(**kwargs)


class InlineLeaflet(tf.TemplateFree):
    """Leaflet's JS and CSS inlined in the page header."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
            <script>{{ this.js }}</script>
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "InlineLeaflet"
        self.css = _offline.leaflet_css()
        self.js = _offline.leaflet_js()


class MapStyle(tf.TemplateFree):
    """Background colour, fonts and legend/title/popup CSS (constants only)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            #{{ this._parent.get_name() }} { background: {{ this.background }}; }
            .uc-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%);
                z-index: 1000; background: rgba(255,255,255,0.92); padding: 6px 14px;
                border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
                font: 600 16px/1.3 system-ui, sans-serif; max-width: 60%;
                overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
            .uc-legend { background: rgba(255,255,255,0.94); padding: 6px 10px;
                font: 12px/1.35 system-ui, sans-serif; max-height: calc(100vh - 140px);
                max-width: 260px; overflow: auto; border-radius: 4px;
                box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
            .uc-legend summary { cursor: pointer; font-weight: 600; font-size: 13px; }
            .uc-legend .uc-ends { display: flex; justify-content: space-between; width: 200px;
                font-size: 11px; gap: 8px; }
            .uc-legend h5 { margin: 6px 0 3px; font-size: 12px; overflow-wrap: anywhere; }
            .uc-legend .uc-row { display: flex; align-items: center; gap: 6px; overflow-wrap: anywhere; }
            .uc-legend .uc-swatch { display: inline-block; width: 14px; height: 12px;
                border: 1px solid #555; flex: none; }
            .uc-legend svg { flex: none; }
            .uc-popup-body { max-height: 320px; overflow: auto; font: 12px/1.35 system-ui, sans-serif; }
            .uc-popup-body h4 { margin: 0 0 4px; font-size: 13px; overflow-wrap: anywhere; }
            .uc-popup-body th { text-align: left; padding-right: 8px; vertical-align: top;
                font-weight: 600; overflow-wrap: anywhere; }
            .uc-popup-body td { overflow-wrap: anywhere; }
            .uc-popup-body tr.uc-metric th, .uc-popup-body tr.uc-metric td { color: #08306b; }
            .uc-popup-body .uc-sources ul { margin: 2px 0 0; padding-left: 16px; }
            .uc-popup-body details { margin-top: 4px; }
            .leaflet-tooltip.uc-tooltip { width: max-content; max-width: 320px;
                white-space: normal; overflow-wrap: break-word; font: 12px/1.35 system-ui, sans-serif; }
            .leaflet-tooltip.uc-label { background: transparent; border: 0; box-shadow: none;
                padding: 0; white-space: nowrap; pointer-events: none; color: #1a1a1a;
                font: 600 12px/1.1 system-ui, sans-serif;
                text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff, 0 0 1px #fff; }
            .leaflet-tooltip.uc-label:before { display: none; }
            .leaflet-tooltip.uc-label-capital { font-size: 13px; font-weight: 700; }
            .leaflet-tooltip.uc-label-gateway { font-size: 11px; font-weight: 600; color: #08306b; }
            .leaflet-tooltip.uc-label-place { font-size: 11px; font-weight: 400; }
            .leaflet-tooltip.uc-label-province { font-size: 12px; font-weight: 600; color: #5a4a3a;
                letter-spacing: 0.06em; text-transform: uppercase; }
            .leaflet-tooltip.uc-label-province-old { font-size: 10px; font-style: italic;
                font-weight: 400; color: #6b6b6b; }
            .leaflet-tooltip.uc-label-context { font-size: 10px; font-weight: 400; color: #8a8a8a; }
        </style>
        {% endmacro %}
        """
    )

    def __init__(self, background: str) -> None:
        super().__init__()
        self._name = "MapStyle"
        if not _is_css_colour(background):
            msg = f"background must be a hex colour such as '#eef2f4'; got {background!r}."
            raise ValueError(msg)
        self.background = background


def _is_css_colour(text: str) -> bool:
    import re

    return bool(re.fullmatch(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?", text))


class FeatureLayer(Layer, tf.TemplateFree):
    """A GeoJSON overlay whose features carry their own style, tooltip and popup.

    Each feature's properties hold ``uc_style`` (Leaflet path options), ``uc_tooltip``
    and ``uc_popup`` (escaped HTML). Points are drawn as circle markers.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.geoJson(null, {
                pane: {{ this.pane_json }},
                interactive: {{ this.interactive_json }},
                style: function (feature) { return feature.properties.uc_style; },
                pointToLayer: function (feature, latlng) {
                    return L.circleMarker(latlng, Object.assign({pane: {{ this.pane_json }}}, feature.properties.uc_style));
                },
                onEachFeature: function (feature, layer) {
                    if (feature.properties.uc_tooltip) {
                        layer.bindTooltip(feature.properties.uc_tooltip, {sticky: true, className: "uc-tooltip"});
                    }
                    if (feature.properties.uc_popup) {
                        layer.bindPopup(feature.properties.uc_popup, {maxWidth: 420, className: "uc-popup"});
                    }
                }
            });
            {{ this.get_name() }}.addData({{ this.data_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        features: list[dict[str, Any]],
        *,
        name: str,
        pane: str,
        show: bool = True,
        interactive: bool = True,
    ) -> None:
        super().__init__(name=escape_html(name), overlay=True, control=True, show=show)
        self._name = "UcFeatureLayer"
        self.interactive_json = "true" if interactive else "false"
        self.feature_count = len(features)
        self.pane_json = json_for_script(pane)
        self.data_json = json_for_script({"type": "FeatureCollection", "features": features})


class LegendControl(tf.TemplateFree):
    """A Leaflet control holding pre-escaped legend HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var control = L.control({position: {{ this.position_json }}});
                control.onAdd = function () {
                    var div = L.DomUtil.create("div", "uc-legend");
                    var details = L.DomUtil.create("details", "", div);
                    var summary = L.DomUtil.create("summary", "", details);
                    summary.textContent = {{ this.summary_json }};
                    details.open = window.innerHeight >= 500;
                    var body = L.DomUtil.create("div", "uc-legend-body", details);
                    body.innerHTML = {{ this.html_json }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                control.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
        """
    )

    def __init__(
        self, html: str, *, position: str = "bottomright", summary: str = "Legend"
    ) -> None:
        super().__init__()
        self._name = "UcLegend"
        self.html_json = json_no_braces(html)
        self.summary_json = json_no_braces(summary)
        self.position_json = json_for_script(position)


class TitleBox(tf.TemplateFree):
    """A title banner over the map (pre-escaped text)."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            <div class="uc-title" title="{{ this.title_html }}">{{ this.title_html }}</div>
        {% endmacro %}
        """
    )

    def __init__(self, title: str) -> None:
        super().__init__()
        self._name = "UcTitle"
        self.title_html = escape_html(title)


class AttributionNote(tf.TemplateFree):
    """Adds pre-escaped text to Leaflet's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html_json }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "UcAttribution"
        self.html_json = json_for_script(html)


#: The layer control: adds layers one by one with ``addOverlay``/``addBaseLayer``, so a
#: layer named ``__proto__`` is a layer like any other (urbanchain.maps._template_free).
LayerControl = tf.LayerControl


class LabelLayer(Layer, tf.TemplateFree):
    """Permanent place-name labels with a static collision pass.

    Labels travel as a JSON array of arrays ``[lat, lon, text, priority, min_zoom,
    css, direction, [[lat, lon], ...]]`` (the last: other candidate positions) and are written with ``textContent`` (never as HTML). After each
    zoom or move, labels are placed in priority order (0 first: capitals, then
    provinces, gateways, other places, neighbours) and a label whose box overlaps an
    already placed label or a map control moves to its next candidate position, and
    is hidden when none is free; labels below their ``min_zoom``
    are hidden too.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.layerGroup();
            (function () {
                var map = {{ this._parent.get_name() }};
                var group = {{ this.get_name() }};
                var items = {{ this.data_json }};
                var pane = {{ this.pane_json }};
                var labels = items.map(function (row) {
                    var span = document.createElement("span");
                    span.textContent = row[2];
                    var right = row[6] === "right";
                    var tip = L.tooltip({
                        permanent: true, interactive: false, opacity: 1, pane: pane,
                        direction: right ? "right" : "center", offset: right ? [7, 0] : [0, 0],
                        className: "uc-label " + row[5]
                    }).setLatLng([row[0], row[1]]).setContent(span);
                    group.addLayer(tip);
                    // A point label tries four sides; an area label its candidate points.
                    var spots = right ? ["right", "left", "top", "bottom"]
                        : [[row[0], row[1]]].concat(row[7] || []);
                    return {tip: tip, priority: row[3], zoom: row[4], spots: spots};
                });
                labels.sort(function (a, b) { return a.priority - b.priority; });
                var offsets = {right: [7, 0], left: [-7, 0], top: [0, -6], bottom: [0, 6]};
                function place(label, spot) {
                    if (typeof spot === "string") {
                        label.tip.options.direction = spot;
                        label.tip.options.offset = offsets[spot];
                        label.tip.update();
                    } else {
                        label.tip.setLatLng(spot);
                    }
                }
                function overlaps(r, q) {
                    return r.left < q.right + 2 && r.right + 2 > q.left &&
                        r.top < q.bottom + 1 && r.bottom + 1 > q.top;
                }
                function declutter() {
                    if (!map.hasLayer(group)) { return; }
                    var zoom = map.getZoom();
                    var placed = [];
                    var controls = document.querySelectorAll(
                        ".leaflet-control, .uc-title");
                    for (var c = 0; c < controls.length; c++) {
                        placed.push(controls[c].getBoundingClientRect());
                    }
                    labels.forEach(function (label) {
                        var el = label.tip.getElement();
                        if (!el) { return; }
                        if (zoom < label.zoom) {
                            el.style.visibility = "hidden";
                            return;
                        }
                        el.style.visibility = "";
                        var view = map.getContainer().getBoundingClientRect();
                        for (var s = 0; s < label.spots.length; s++) {
                            place(label, label.spots[s]);
                            var r = el.getBoundingClientRect();
                            var free = r.left >= view.left && r.right <= view.right &&
                                r.top >= view.top && r.bottom <= view.bottom;
                            for (var i = 0; free && i < placed.length; i++) {
                                if (overlaps(r, placed[i])) { free = false; }
                            }
                            if (free) {
                                placed.push(r);
                                return;
                            }
                        }
                        place(label, label.spots[0]);
                        el.style.visibility = "hidden";
                    });
                    // Check the final boxes again, in priority order: moving one label
                    // can shift another, and no two shown labels may overlap.
                    var kept = [];
                    labels.forEach(function (label) {
                        var el = label.tip.getElement();
                        if (!el || el.style.visibility === "hidden") { return; }
                        var r = el.getBoundingClientRect();
                        for (var i = 0; i < kept.length; i++) {
                            if (overlaps(r, kept[i])) {
                                el.style.visibility = "hidden";
                                return;
                            }
                        }
                        kept.push(r);
                    });
                }
                map.on("zoomend moveend resize overlayadd", declutter);
                map.whenReady(function () { window.setTimeout(declutter, 0); });
                map.ucDeclutter = declutter;
            })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[Any]], *, name: str, pane: str) -> None:
        super().__init__(name=escape_html(name), overlay=True, control=True, show=True)
        self._name = "UcLabels"
        self.label_count = len(rows)
        self.data_json = json_no_braces(rows)
        self.pane_json = json_for_script(pane)


class FitRegion(tf.TemplateFree):
    """Fit the view to the region, leaving room for the legend and the title.

    Runs last (added at render time), when the legend exists and can be measured.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var map = {{ this._parent.get_name() }};
                var b = {{ this.bounds_json }};
                function fit() {
                    var container = map.getContainer();
                    var legend = container.querySelector(".uc-legend");
                    var title = container.querySelector(".uc-title");
                    var size = map.getSize();
                    var right = 12, top = 12;
                    if (legend && legend.offsetWidth < size.x * 0.45) {
                        right += legend.offsetWidth;
                    }
                    if (title) { top += title.offsetHeight + 8; }
                    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {
                        paddingTopLeft: [12, top], paddingBottomRight: [right, 12],
                        animate: false
                    });
                }
                fit();
                map.ucFit = fit;
            })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[float]) -> None:
        super().__init__()
        self._name = "UcFitRegion"
        self.bounds_json = json_for_script([float(v) for v in bounds])
