"""The world-access map in headless Chromium: offline, readable labels, working zoom."""

from __future__ import annotations

import pytest
from tests.test_maps_browser import Session, browser  # noqa: F401 - the module fixture

from urbanchain import maps, world

pytestmark = pytest.mark.browser

VISIBLE_LABELS_JS = """() => {
    const out = [];
    for (const el of document.querySelectorAll(".leaflet-tooltip.uc-label")) {
        if (el.style.visibility === "hidden") { continue; }
        const r = el.getBoundingClientRect();
        if (r.width === 0) { continue; }
        out.push({text: el.textContent, cls: el.className,
                  box: [r.left, r.top, r.right, r.bottom]});
    }
    return out;
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture
def session(browser):  # noqa: F811 - the browser fixture imported above
    current = Session(browser)
    yield current
    current.close()


def test_world_map_opens_offline_with_readable_labels(session, tmp_path, delta_chain):
    access = world.world_access(delta_chain)
    path = maps.save(maps.world_map(delta_chain, access=access, lang="vi"), tmp_path / "w.html")
    session.open(path)
    page = session.page
    page.wait_for_timeout(300)
    assert session.errors == []
    assert session.network == []
    labels = page.evaluate(VISIBLE_LABELS_JS)
    shown = {x["text"] for x in labels}
    for hub in ("Singapore Changi (SIN)", "Incheon (ICN)", "Kunming", "Busan"):
        assert hub in shown
    boxes = [x["box"] for x in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b)
    # the whole view hides capitals (zoom < 6); "zoom to the chain" shows them
    assert "Hà Nội" not in shown
    page.click(".uc-world-zoom a >> nth=0")
    page.wait_for_timeout(400)
    shown = {x["text"] for x in page.evaluate(VISIBLE_LABELS_JS)}
    assert {"Hà Nội", "Hải Phòng"} <= shown
    assert "Sân bay quốc tế Nội Bài" in shown
    legend = page.inner_text(".uc-legend")
    assert "tham khảo" in legend
    assert "Hà Nội" in legend
    page.click(".uc-world-zoom a >> nth=1")
    page.wait_for_timeout(300)
    assert "Singapore Changi (SIN)" in {x["text"] for x in page.evaluate(VISIBLE_LABELS_JS)}
    assert session.errors == []
