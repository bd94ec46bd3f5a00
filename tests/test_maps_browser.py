"""Open saved offline maps in headless Chromium (Debian's /usr/bin/chromium) via playwright.

Network is blocked: every request that is not ``file:``/``data:`` is aborted and
recorded, and the browser context is offline. Skipped only when Chromium or the
playwright package is missing.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from tests._payloads import PAYLOADS, node_scores, synthetic_chain

from urbanchain import maps

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TRAPS = """
window.__pwned = undefined;
window.alert = function () { window.__pwned = "alert"; };
window.confirm = window.alert;
window.prompt = window.alert;
"""
COUNT_JS = """() => {
    const map = Object.values(window).find((v) => v instanceof L.Map);
    let polygons = 0, lines = 0, markers = 0;
    map.eachLayer((layer) => {
        if (layer instanceof L.CircleMarker) { markers += 1; }
        else if (layer instanceof L.Polygon) { polygons += 1; }
        else if (layer instanceof L.Polyline) { lines += 1; }
    });
    return {
        polygons, lines, markers,
        provincePaths: document.querySelectorAll("path.uc-province").length,
        corridorPaths: document.querySelectorAll("path.uc-corridor").length,
        nodePaths: document.querySelectorAll("path.uc-node").length,
        overlays: document.querySelectorAll(".leaflet-control-layers-overlays label").length,
        tiles: document.querySelectorAll(".leaflet-tile").length,
        scale: document.querySelectorAll(".leaflet-control-scale").length,
        legend: document.querySelectorAll(".uc-legend").length,
    };
}"""
VISIBLE_POINT_JS = """(selector) => {
    for (const el of document.querySelectorAll(selector)) {
        const box = el.getBoundingClientRect();
        const x = box.left + box.width / 2, y = box.top + box.height / 2;
        if (document.elementFromPoint(x, y) === el) { return [x, y]; }
    }
    return null;
}"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the playwright package is not installed (pip install playwright)",
    )
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        yield instance
        instance.close()


class Session:
    """A page with blocked network and recorded errors/requests."""

    def __init__(self, browser):
        self.context = browser.new_context(offline=True, viewport={"width": 1280, "height": 860})
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

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.network.append(url)
            route.abort()

    def _request(self, request):
        if not request.url.startswith(("file:", "data:")) and request.url not in self.network:
            self.network.append(request.url)

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri())
        self.page.wait_for_function("() => Object.values(window).some((v) => v instanceof L.Map)")
        self.page.wait_for_timeout(200)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser):
    current = Session(browser)
    yield current
    current.close()


def test_offline_map_renders_in_chromium(session, tmp_path):
    chain = synthetic_chain()
    m = maps.chain_map(
        chain,
        province_metric="population",
        node_metric="score",
        corridor_metric="criticality",
        title="Red River Delta (synthetic)",
    )
    path = maps.save(m, tmp_path / "chain.html")
    session.open(path)
    counts = session.page.evaluate(COUNT_JS)
    assert counts["polygons"] == 3
    assert counts["provincePaths"] == 3
    assert counts["lines"] == 3
    assert counts["corridorPaths"] == 3
    assert counts["markers"] == 4
    assert counts["nodePaths"] == 4
    assert counts["overlays"] == 4  # provinces, corridors, nodes and the place names
    assert counts["tiles"] == 0
    assert counts["scale"] == 1
    assert counts["legend"] == 1
    assert "geoBoundaries" in session.page.inner_text(".leaflet-control-attribution")
    # A real click on a visible province opens its popup.
    point = session.page.evaluate(VISIBLE_POINT_JS, "path.uc-province")
    assert point is not None
    session.page.mouse.click(*point)
    session.page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    assert "Population" in session.page.inner_text(".leaflet-popup-content")
    # Hovering a node shows its tooltip.
    point = session.page.evaluate(VISIBLE_POINT_JS, "path.uc-node")
    assert point is not None
    session.page.mouse.move(*point)
    session.page.wait_for_selector(".uc-tooltip", timeout=5000)
    shot = tmp_path / "chain.png"
    session.page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert session.errors == []
    assert session.network == []


def test_diff_map_renders_in_chromium(session, tmp_path):
    chain = synthetic_chain()
    scores = node_scores(chain)
    other = synthetic_chain()
    other.corridors["criticality"] = [0.5, 0.6, 0.3]
    m = maps.diff_map(
        chain, other, node_metric=(scores, scores * 1.5), corridor_metric="criticality"
    )
    session.open(maps.save(m, tmp_path / "diff.html"))
    counts = session.page.evaluate(COUNT_JS)
    assert (counts["polygons"], counts["lines"], counts["markers"]) == (3, 3, 4)
    assert session.errors == []
    assert session.network == []


def _open_everything(page) -> str:
    """Hover and click every feature (via DOM events), returning all text shown."""
    texts = []
    for selector in ("path.uc-node", "path.uc-corridor", "path.uc-province"):
        count = page.locator(selector).count()
        for index in range(count):
            element = page.locator(selector).nth(index)
            element.dispatch_event("mouseover")
            element.dispatch_event("click")
            page.wait_for_timeout(30)
            texts.append(page.evaluate("() => document.body.textContent"))
            element.dispatch_event("mouseout")
    return "\n".join(texts)


@pytest.mark.parametrize("key", sorted(PAYLOADS))
def test_payloads_do_not_execute_in_chromium(session, tmp_path, key):
    payload = PAYLOADS[key]
    chain = synthetic_chain(payload)
    scores = node_scores(chain, name=payload)
    m = maps.chain_map(
        chain,
        province_metric="population",
        node_metric=scores,
        corridor_metric="criticality",
        title=payload,
        layer_names={"provinces": payload, "corridors": payload, "nodes": payload},
        attribution=payload,
    )
    session.open(maps.save(m, tmp_path / "payload.html"))
    counts = session.page.evaluate(COUNT_JS)
    assert (counts["polygons"], counts["lines"], counts["markers"]) == (3, 3, 4)
    shown = _open_everything(session.page)
    assert session.page.evaluate("() => window.__pwned") is None
    assert (
        session.page.evaluate(
            "() => document.querySelectorAll('.leaflet-popup-content img, .uc-tooltip img, .leaflet-control img, .uc-title img').length"
        )
        == 0
    )
    assert session.errors == []
    assert session.network == []
    # The payload is displayed as text (tooltips, popups, legend, layer control, title).
    assert payload in shown or html.unescape(payload) in shown
    overlay_text = session.page.inner_text(".leaflet-control-layers-overlays")
    if "\u2028" not in payload and len(payload) < 200:
        assert payload.strip() in overlay_text
    title = session.page.evaluate("() => document.querySelector('.uc-title').textContent")
    assert title == payload


def test_traps_detect_raw_folium_injection(session, tmp_path):
    """Control: the same trap catches folium's own unescaped tooltip (bad-inputs.md §1)."""
    import folium

    from urbanchain.maps._elements import UrbanchainMap

    m = UrbanchainMap(offline=True, location=[21.0, 106.0], zoom_start=8, tiles=None)
    folium.CircleMarker([21.0, 106.0], tooltip=PAYLOADS["template_substitution"]).add_to(m)
    session.open(maps.save(m, tmp_path / "raw.html"))
    assert session.page.evaluate("() => window.__pwned") == 3


def test_real_delta_layers_in_chromium(session, tmp_path):
    from tests.test_maps import _real_layers

    provinces_2008, provinces_2025, nodes, corridors = _real_layers()
    m = maps.chain_map(
        provinces=provinces_2025,
        provinces_2008=provinces_2008,
        nodes=nodes,
        corridors=corridors,
        vintages=(2008, 2025),
        title="Red River Delta",
    )
    session.open(maps.save(m, tmp_path / "delta.html"))
    counted = session.page.evaluate(
        "() => [document.querySelectorAll('path.uc-province-2008').length,"
        " document.querySelectorAll('path.uc-node').length]"
    )
    assert counted[0] == 11
    assert counted[1] == int(nodes.geometry.notna().sum())
    session.page.screenshot(path=str(tmp_path / "delta.png"))
    assert session.errors == []
    assert session.network == []


def test_cli_map_of_the_delta_in_chromium(session, tmp_path):
    """The done-when check: `urbanchain map --region red-river-delta --year 2025`."""
    from urbanchain import UrbanChain
    from urbanchain.cli import main

    out = tmp_path / "map.html"
    assert main(["map", "--region", "red-river-delta", "--year", "2025", "--out", str(out)]) == 0
    chain = UrbanChain.from_region("red_river_delta", year=2025)
    session.open(out)
    counted = session.page.evaluate(
        "() => ({p2008: document.querySelectorAll('path.uc-province-2008').length,"
        " p2025: document.querySelectorAll('path.uc-province-2025').length,"
        " corridors: document.querySelectorAll('path.uc-corridor').length,"
        " nodes: document.querySelectorAll('path.uc-node').length,"
        " tiles: document.querySelectorAll('.leaflet-tile').length})"
    )
    assert counted["p2008"] == 11
    assert counted["p2025"] == 7
    # access rows (mode "access", connectors kept as data) are not drawn by default
    drawn = chain.corridors[chain.corridors["mode"] != "access"]
    assert 0 < len(drawn) < len(chain.corridors)
    assert counted["corridors"] == len(drawn)
    assert counted["corridors"] >= len(chain.network[chain.network["mode"] != "access"])
    assert counted["nodes"] == len(chain.nodes)
    assert counted["tiles"] == 0
    point = session.page.evaluate(VISIBLE_POINT_JS, "path.uc-node")
    assert point is not None
    session.page.mouse.click(*point)
    session.page.wait_for_selector(".leaflet-popup-content", timeout=5000)
    session.page.screenshot(path=str(tmp_path / "map.png"))
    assert session.errors == []
    assert session.network == []
