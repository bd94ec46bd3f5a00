"""One spec per map layer kind: columns, geometry, pane and z-order, legend, plan builder.

Everything that differs between layer kinds lives here, so :mod:`urbanchain.maps`
(folium and matplotlib) and :mod:`urbanchain.maps._plan` have no per-kind branches
for it. Adding a kind (hazard zones, service areas, user layers) is one
:class:`LayerSpec` passed to :func:`register`.

Panes: Leaflet draws plain folium layers in ``overlayPane`` (z 400). The context and
province panes sit below it (350, 380), so a layer a user adds to a returned map
with plain folium draws above the provinces; extra layers (415), corridors (420) and
nodes (430) draw above it; labels (640) sit under tooltips (650) and popups (700).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["REGISTRY", "LayerSpec", "panes", "register", "spec"]

Geometry = Literal["area", "line", "point", "any"]


@dataclass(frozen=True)
class LayerSpec:
    """How one kind of layer is read, planned and drawn.

    Attributes
    ----------
    kind
        Registry key (``"provinces"``, ``"corridors"``, ``"nodes"``...).
    id_column
        Column holding the feature id (the index is used when absent).
    name_columns
        Columns tried in order for the feature name shown in labels and popups.
    geometry
        ``"area"``, ``"line"``, ``"point"`` or ``"any"`` (decided per feature): how the
        static renderer draws it.
    pane, z_index
        Leaflet pane and its z-index; also the matplotlib z-order (``z_index / 100``).
    css_class
        CSS class on each SVG path (browser tests select features by it).
    layer_name
        Key in :data:`urbanchain.maps._i18n.MESSAGES` of the layer-control name.
    heading
        Message key of the legend heading.
    builder
        Name of the plan function in :mod:`urbanchain.maps._plan`.
    interactive
        Whether features get tooltips and popups.
    """

    kind: str
    id_column: str
    name_columns: tuple[str, ...]
    geometry: Geometry
    pane: str
    z_index: int
    css_class: str
    layer_name: str
    heading: str
    builder: str
    interactive: bool = True

    def plan(self) -> Callable[..., Any]:
        """Return the plan builder (imported lazily to avoid an import cycle)."""
        module = importlib.import_module("urbanchain.maps._plan")
        return getattr(module, self.builder)


REGISTRY: dict[str, LayerSpec] = {}


def register(layer_spec: LayerSpec) -> LayerSpec:
    """Add (or replace) the spec of a layer kind and return it."""
    REGISTRY[layer_spec.kind] = layer_spec
    return layer_spec


def spec(kind: str) -> LayerSpec:
    """Return the spec of ``kind``.

    Raises
    ------
    KeyError
        With the registered kinds, if ``kind`` is unknown.
    """
    try:
        return REGISTRY[kind]
    except KeyError:
        msg = f"Unknown map layer kind {kind!r}; registered kinds: {', '.join(sorted(REGISTRY))}."
        raise KeyError(msg) from None


def panes() -> list[tuple[str, int]]:
    """All (pane, z-index) pairs, plus the label pane, in z order."""
    found = {s.pane: s.z_index for s in REGISTRY.values()}
    found[LABEL_PANE[0]] = LABEL_PANE[1]
    return sorted(found.items(), key=lambda item: item[1])


#: Pane of the permanent place-name labels.
LABEL_PANE = ("ucLabels", 640)

register(
    LayerSpec(
        kind="context",
        id_column="code",
        name_columns=("name_vi", "name", "name_ascii", "code"),
        geometry="area",
        pane="ucContext",
        z_index=350,
        css_class="uc-context",
        layer_name="layer_context",
        heading="layer_context",
        builder="context_plan",
        interactive=False,
    )
)
register(
    LayerSpec(
        kind="provinces",
        id_column="code",
        name_columns=("name_vi", "name", "name_ascii", "code"),
        geometry="area",
        pane="ucProvinces",
        z_index=380,
        css_class="uc-province",
        layer_name="layer_provinces",
        heading="provinces_heading",
        builder="province_plan",
    )
)
register(
    LayerSpec(
        kind="extra",
        id_column="id",
        name_columns=("name", "name_vi", "label", "id"),
        geometry="any",
        pane="ucExtra",
        z_index=415,
        css_class="uc-extra",
        layer_name="layer_extra",
        heading="layer_extra",
        builder="extra_plan",
    )
)
register(
    LayerSpec(
        kind="corridors",
        id_column="corridor_id",
        name_columns=("name", "code", "corridor_id"),
        geometry="line",
        pane="ucCorridors",
        z_index=420,
        css_class="uc-corridor",
        layer_name="layer_corridors",
        heading="corridors_heading",
        builder="corridor_plan",
    )
)
register(
    LayerSpec(
        kind="nodes",
        id_column="node_id",
        name_columns=("name", "name_ascii", "node_id"),
        geometry="point",
        pane="ucNodes",
        z_index=430,
        css_class="uc-node",
        layer_name="layer_nodes",
        heading="nodes_heading",
        builder="node_plan",
    )
)
