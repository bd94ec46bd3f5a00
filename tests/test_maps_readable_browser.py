"""Readable maps in headless Chromium (issue 17): labels, legend, tooltips, popups, layers.

Offline, at 1366x768 and 1920x1080, for the main map (vi and en), a diff map, a map
with extra and later-added layers, and the brief. Screenshots are kept under
``tests/artifacts/`` (gitignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.test_maps_browser import VISIBLE_POINT_JS, Session, browser  # noqa: F401

from urbanchain import maps

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
VIEWPORTS = [(1366, 768), (1920, 1080)]

LABELS_JS = """() => {
    const view = document.querySelector(".leaflet-container").getBoundingClientRect();
    const shown = [];
    for (const el of document.querySelectorAll(".leaflet-tooltip.uc-label")) {
        const r = el.getBoundingClientRect();
        const visible = getComputedStyle(el).visibility !== "hidden" && r.width > 0 &&
            r.left >= view.left && r.right <= view.right && r.top >= view.top && r.bottom <= view.bottom;
        if (visible) { shown.push({text: el.textContent, cls: el.className, box: [r.left, r.top, r.right, r.bottom]}); }
    }
    return shown;
}"""
LEGEND_JS = """() => {
    const r = document.querySelector(".uc-legend").getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight];
}"""


@pytest.fixture(scope="module")
def delta():
    from urbanchain import UrbanChain
    from urbanchain.cli._outputs import metric_tables

    chain = UrbanChain.from_region("red_river_delta", year=2025)
    return chain, metric_tables(chain)


class SizedSession(Session):
    """The shared offline session, opened at a given viewport (not resized later)."""

    def __init__(self, browser, size):  # noqa: F811
        from tests.test_maps_browser import TRAPS

        self.context = browser.new_context(
            offline=True, viewport={"width": size[0], "height": size[1]}
        )
        self.page = self.context.new_page()
        self.network: list[str] = []
        self.errors: list[str] = []
        self.page.add_init_script(TRAPS)
        self.page.route("**/*", self._route)
        self.page.on("request", self._request)
        self.page.on(
            "console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None
        )
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))


def _session(browser, size):  # noqa: F811
    return SizedSession(browser, size)


def _shot(session, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / name))


def _check_labels_and_legend(session, capitals: list[str]) -> list[dict]:
    # a second pass (as after any zoom or move) must keep the labels apart too
    session.page.evaluate(
        "() => Object.values(window).find((v) => v instanceof L.Map).ucDeclutter()"
    )
    shown = session.page.evaluate(LABELS_JS)
    texts = {item["text"] for item in shown}
    missing = [name for name in capitals if name not in texts]
    assert missing == [], f"capital labels not visible: {missing}"
    provinces = [item for item in shown if "uc-label-province " in item["cls"] + " "]
    assert len(provinces) == 7, sorted(item["text"] for item in provinces)
    boxes = [item["box"] for item in shown]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            # more than a pixel of overlap both ways (sub-pixel touching is fine)
            overlap = a[0] < b[2] - 1 and a[2] > b[0] + 1 and a[1] < b[3] - 1 and a[3] > b[1] + 1
            assert not overlap, (a, b)
    left, top, right, bottom, width, height = session.page.evaluate(LEGEND_JS)
    assert left >= 0
    assert top >= 0
    assert right <= width
    assert bottom <= height
    return shown


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_main_map_is_labelled_and_readable(browser, tmp_path, delta, lang, size):  # noqa: F811
    from urbanchain.cli._outputs import write_map

    chain, tables = delta
    path = write_map(chain, tmp_path / f"map-{lang}.html", tables=tables, lang=lang)
    session = _session(browser, size)
    try:
        session.open(path)
        session.page.wait_for_timeout(300)
        capitals = chain.nodes.loc[chain.nodes["is_capital"].astype(bool), "name"].tolist()
        _check_labels_and_legend(session, capitals)
        legend = session.page.inner_text(".uc-legend")
        assert ("Chú giải" if lang == "vi" else "Legend") in legend
        assert ("phút" if lang == "vi" else "Chain score") in legend or "%" in legend
        _shot(session, f"main-{lang}-{size[0]}.png")
        # Hover a node: the tooltip is wider than tall and on one or a few lines.
        point = session.page.evaluate(VISIBLE_POINT_JS, "path.uc-node")
        assert point is not None
        session.page.mouse.move(*point)
        session.page.wait_for_selector(".uc-tooltip", timeout=5000)
        box = session.page.evaluate(
            "() => { const r = document.querySelector('.uc-tooltip').getBoundingClientRect();"
            " return [r.width, r.height]; }"
        )
        assert box[0] > box[1]
        assert box[1] < 100
        _shot(session, f"main-{lang}-{size[0]}-tooltip.png")
        session.page.mouse.click(*point)
        session.page.wait_for_selector(".leaflet-popup-content", timeout=5000)
        popup = session.page.inner_text(".leaflet-popup-content")
        for field in (
            ("Loại", "Tỉnh (2008–2025)") if lang == "vi" else ("Type", "Province (2008–2025)")
        ):
            assert field in popup
        assert "place_id" not in popup
        _shot(session, f"main-{lang}-{size[0]}-popup.png")
        assert session.errors == []
        assert session.network == []
    finally:
        session.close()


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_diff_map_shows_the_projects(browser, tmp_path, delta, size):  # noqa: F811
    from urbanchain.report import key_tables

    chain, tables = delta
    later = chain.as_of(2030)
    before = tables["gateway_access"]["seaport_min"]
    after = key_tables(later)["gateway_access"]["seaport_min"]
    m = maps.diff_map(
        chain,
        later,
        node_metric=(before, after),
        labels=("2025", "2030"),
        lang="vi",
        title="Đồng bằng sông Hồng: 2030 so với 2025",
    )
    session = _session(browser, size)
    try:
        session.open(maps.save(m, tmp_path / "diff.html"))
        session.page.wait_for_timeout(300)
        capitals = chain.nodes.loc[chain.nodes["is_capital"].astype(bool), "name"].tolist()
        _check_labels_and_legend(session, capitals)
        legend = session.page.inner_text(".uc-legend")
        assert "phút tiết kiệm" in legend
        assert "tuyến mới" in legend
        assert session.page.locator("path.uc-project-new").count() >= 1
        _shot(session, f"diff-vi-{size[0]}.png")
        assert session.errors == []
        assert session.network == []
    finally:
        session.close()


def test_extra_and_later_layers_draw_above_the_provinces(browser, tmp_path, delta):  # noqa: F811
    import folium
    import geopandas as gpd
    from shapely.geometry import Polygon

    chain, _ = delta
    zones = gpd.GeoDataFrame(
        {"name": ["Vùng 45 phút", "Vùng 90 phút"], "band_min": [45, 90], "origin": ["ha_noi"] * 2},
        geometry=[
            Polygon([(105.6, 20.85), (106.1, 20.85), (106.1, 21.25), (105.6, 21.25)]),
            Polygon([(105.3, 20.5), (106.5, 20.5), (106.5, 21.5), (105.3, 21.5)]),
        ],
        crs="EPSG:4326",
    )
    m = maps.chain_map(chain, vintages=(2008, 2025), extra_layers=[zones], lang="en")
    hazard = Polygon([(106.3, 20.3), (106.6, 20.3), (106.6, 20.55), (106.3, 20.55)])
    folium.GeoJson(
        gpd.GeoSeries([hazard], crs=4326).__geo_interface__,
        name="__proto__",
        style_function=lambda _: {"color": "#000000", "fillColor": "#ff00ff", "fillOpacity": 0.8},
    ).add_to(m)
    session = _session(browser, (1366, 768))
    try:
        session.open(maps.save(m, tmp_path / "extra.html"))
        session.page.wait_for_timeout(300)
        overlays = session.page.evaluate(
            "() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
            ".map((l) => l.textContent.trim())"
        )
        assert "__proto__" in overlays
        assert session.page.locator("path.uc-extra").count() == 2
        # The plain folium layer is hit at its centre, not the province under it.
        hit = session.page.evaluate(
            """() => {
                const map = Object.values(window).find((v) => v instanceof L.Map);
                const p = map.latLngToContainerPoint([20.425, 106.45]);
                const r = map.getContainer().getBoundingClientRect();
                const el = document.elementFromPoint(r.left + p.x, r.top + p.y);
                return [el.getAttribute('fill'), el.closest('.leaflet-pane').className];
            }"""
        )
        assert hit[0] == "#ff00ff", hit
        _shot(session, "extra-layers-1366.png")
        assert session.errors == []
        assert session.network == []
    finally:
        session.close()


@pytest.mark.slow
@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_brief_opens_offline(browser, tmp_path, delta, size):  # noqa: F811
    from urbanchain.report import brief

    chain, tables = delta
    path = tmp_path / "brief.html"
    brief(chain, scenario=chain.as_of(2030), lang="vi", path=path, tables=tables)
    session = _session(browser, size)
    try:
        session.page.goto(path.as_uri())
        frame = session.page.frame_locator("iframe.uc-map").first  # the chain map (the world map follows)
        frame.locator(".leaflet-container").wait_for(timeout=10_000)
        session.page.wait_for_timeout(500)
        assert frame.locator(".leaflet-tooltip.uc-label").count() >= 18
        headings = session.page.locator("h2").all_inner_texts()
        assert "Điểm chính" in headings
        assert any(h.startswith("Lợi ích của phương án") for h in headings)
        assert session.page.locator("table").count() >= 4
        widths = session.page.evaluate(
            "() => [...document.querySelectorAll('section.uc-charts img')].map((i) => i.naturalWidth)"
        )
        assert len(widths) >= 3
        assert all(w > 100 for w in widths)
        # every chart keeps its own proportions (a flex row once stretched the short
        # criticality chart to the height of its neighbour)
        ratios = session.page.evaluate(
            """() => [...document.querySelectorAll('section.uc-charts img')].map((i) => {
                const r = i.getBoundingClientRect();
                return [r.height / r.width, i.naturalHeight / i.naturalWidth];
            })"""
        )
        for shown, natural in ratios:
            assert shown == pytest.approx(natural, rel=0.03)
        _shot(session, f"brief-vi-{size[0]}.png")
        session.page.screenshot(
            path=str(ARTIFACTS / f"brief-vi-{size[0]}-full.png"), full_page=True
        )
        assert session.errors == []
        assert session.network == []
    finally:
        session.close()
