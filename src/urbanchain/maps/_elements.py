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
    "InlineLeaflet",
    "LegendControl",
    "MapStyle",
    "TitleBox",
    "UrbanchainMap",
]


class UrbanchainMap(tf.Map):
    """A folium Map that loads Leaflet only (no jQuery, Bootstrap or icon fonts).

    With ``offline=True`` Leaflet is inlined from XStatic-Leaflet; otherwise it is
    linked from the same CDN folium uses.
    """

    def __init__(self, *, offline: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urbanchain_offline = offline
        if offline:
            self.default_js = []
            self.default_css = []
            self.add_child(InlineLeaflet(), name="urbanchain_inline_leaflet")
        else:
            self.default_js = [("leaflet", _offline.LEAFLET_JS_URL)]
            self.default_css = [("leaflet_css", _offline.LEAFLET_CSS_URL)]


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
            .uc-legend { background: rgba(255,255,255,0.94); padding: 8px 10px;
                font: 12px/1.35 system-ui, sans-serif; max-height: 55vh; max-width: 280px;
                overflow: auto; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
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
            .uc-tooltip { max-width: 320px; white-space: normal; overflow-wrap: anywhere; }
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
                style: function (feature) { return feature.properties.uc_style; },
                pointToLayer: function (feature, latlng) {
                    return L.circleMarker(latlng, Object.assign({pane: {{ this.pane_json }}}, feature.properties.uc_style));
                },
                onEachFeature: function (feature, layer) {
                    layer.bindTooltip(feature.properties.uc_tooltip, {sticky: true, className: "uc-tooltip"});
                    layer.bindPopup(feature.properties.uc_popup, {maxWidth: 420, className: "uc-popup"});
                }
            });
            {{ this.get_name() }}.addData({{ this.data_json }});
        {% endmacro %}
        """
    )

    def __init__(
        self, features: list[dict[str, Any]], *, name: str, pane: str, show: bool = True
    ) -> None:
        super().__init__(name=escape_html(name), overlay=True, control=True, show=show)
        self._name = "UcFeatureLayer"
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
                    div.innerHTML = {{ this.html_json }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                control.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, *, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "UcLegend"
        self.html_json = json_for_script(html)
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
