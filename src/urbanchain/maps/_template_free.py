"""Folium elements whose rendered output is never compiled as a template again.

Why: branca's :meth:`MacroElement.render` renders an element's ``header``/``html``/
``script`` macros and wraps each result in ``branca.element.Element(text)``, whose
constructor compiles ``text`` as a new Jinja template. Any data that reached the
first render (a name, a column, a title) would be evaluated by that second compile:
``{{ 7*6 }}`` shown as ``42``, ``{# ... #}`` hiding features, ``{{ cycler... }}``
running code, ``{{ phase 2`` crashing the render.

How: :class:`TemplateFree` replaces that step. It renders the element's own (static,
urbanchain-written) macros once, with the data passed as values, and adds the result to
the figure as a :class:`RawText`, which returns its text verbatim and is never
compiled. Every folium element urbanchain puts on a map mixes it in
(:class:`Map`, :class:`TileLayer`, :class:`LayerControl`, :class:`CustomPane`,
:class:`FitBounds` and the elements of :mod:`urbanchain.maps._elements`).

This is the first of two independent guards: the strings themselves are also escaped
by :mod:`urbanchain.maps._html` so that they hold no ``{``/``}`` at all. Each
guard alone keeps data out of a template compile; ``tests/test_security.py`` checks
each one separately and both together.

Use it for any new map element::

    class MyControl(TemplateFree):
        _template = Template("{% macro script(this, kwargs) %}...{% endmacro %}")

(and put data into the template only as ``json_for_script(...)`` or
``escape_html(...)`` values).
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium import raster_layers
from folium.map import CustomPane as _CustomPane
from folium.map import FitBounds as _FitBounds
from folium.template import Template

from urbanchain.maps._html import json_for_script

__all__ = [
    "CustomPane",
    "FitBounds",
    "LayerControl",
    "Map",
    "RawText",
    "TemplateFree",
    "TileLayer",
]


class RawText(Element):
    """Text placed in a figure's header, body or script exactly as given.

    Unlike ``branca.element.Element(text)``, the text is not a template: it is
    returned verbatim by :meth:`render`.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawText"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self.text


class TemplateFree(MacroElement):
    """A MacroElement whose macro output reaches the page as :class:`RawText`.

    Mix it in after a folium class (``class X(folium.Foo, TemplateFree)``) so that the
    folium class's own ``render`` (collecting layers, adding links) runs first and its
    final ``super().render()`` lands here instead of in branca's MacroElement.
    """

    def render(self, **kwargs: Any) -> str:
        """Render the header/html/script macros once and add them as raw text.

        Returns ``""`` (the output lives in the figure), as branca's MacroElement does.
        """
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = f"{type(self).__name__} can only be rendered inside a map (a branca Figure)."
            raise TypeError(msg)
        module = self._template.module
        for part in ("header", "html", "script"):
            macro = module.__dict__.get(part)
            if macro is not None:
                target = getattr(figure, part)
                target.add_child(RawText(str(macro(self, kwargs))), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)
        return ""


class Map(folium.Map, TemplateFree):
    """folium.Map rendered without a second template compile."""


class TileLayer(raster_layers.TileLayer, TemplateFree):
    """folium.TileLayer rendered without a second template compile."""


class LayerControl(folium.LayerControl, TemplateFree):
    """folium.LayerControl (layer names are data) rendered without a second compile.

    Layers are added one by one with ``addBaseLayer``/``addOverlay`` instead of
    folium's object literal ``{name: layer}``, where a layer named ``__proto__`` would
    set the object's prototype instead of adding a layer (and break the map).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            let {{ this.get_name() }} = L.control.layers(
                null, null, {{ this.options_json() }}
            ).addTo({{ this._parent.get_name() }});
            {%- for key, val in this.base_layers.items() %}
            {{ this.get_name() }}.addBaseLayer({{ val }}, {{ this.name_json(key) }});
            {%- endfor %}
            {%- for key, val in this.overlays.items() %}
            {{ this.get_name() }}.addOverlay({{ val }}, {{ this.name_json(key) }});
            {%- endfor %}
        {% endmacro %}
        """
    )

    def options_json(self) -> str:
        """Return the control's options as script-safe JSON."""
        return json_for_script(dict(self.options))

    @staticmethod
    def name_json(name: str) -> str:
        """Return a layer name (already HTML-escaped) as a script-safe JSON string."""
        return json_for_script(str(name))


class CustomPane(_CustomPane, TemplateFree):
    """folium CustomPane rendered without a second template compile."""


class FitBounds(_FitBounds, TemplateFree):
    """folium FitBounds rendered without a second template compile."""
