"""Two maps side by side (before / after), with synchronised views, in one offline page.

Each map is a complete urbanchain page placed in an ``<iframe srcdoc>`` (escaped as
an attribute value, so no map text can end it). A static script in each map posts
its view to the parent page, which passes it to the other map; no data is written
into any script.
"""

from __future__ import annotations

import html

__all__ = ["side_by_side_html"]

_CHILD_SYNC = """<script>
window.addEventListener("load", function () {
    var map = null;
    for (var key in window) {
        try { if (window[key] instanceof L.Map) { map = window[key]; break; } } catch (e) {}
    }
    if (!map) { return; }
    var quiet = false;
    map.on("moveend", function () {
        if (quiet) { quiet = false; return; }
        var c = map.getCenter();
        window.parent.postMessage({ucSync: [c.lat, c.lng, map.getZoom()]}, "*");
    });
    window.addEventListener("message", function (event) {
        var view = event.data && event.data.ucView;
        if (!view) { return; }
        var c = map.getCenter();
        if (Math.abs(c.lat - view[0]) < 1e-7 && Math.abs(c.lng - view[1]) < 1e-7 &&
            map.getZoom() === view[2]) { return; }
        quiet = true;
        map.setView([view[0], view[1]], view[2], {animate: false});
    });
});
</script>"""

_PARENT_SYNC = """<script>
(function () {
    var frames = document.querySelectorAll("iframe.uc-side");
    window.addEventListener("message", function (event) {
        var view = event.data && event.data.ucSync;
        if (!view) { return; }
        frames.forEach(function (frame) {
            if (frame.contentWindow !== event.source) {
                frame.contentWindow.postMessage({ucView: view}, "*");
            }
        });
    });
})();
</script>"""

_STYLE = """<style>
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; }
.uc-pair { display: flex; height: calc(100% - 36px); gap: 4px; }
.uc-pair figure { flex: 1; margin: 0; display: flex; flex-direction: column; }
.uc-pair figcaption { font-weight: 600; padding: 6px 10px; background: #f4f4f0; }
.uc-pair iframe { flex: 1; border: 0; width: 100%; }
header { height: 36px; display: flex; align-items: center; padding: 0 10px; font-weight: 600; }
</style>"""


def side_by_side_html(
    left: str, right: str, *, titles: tuple[str, str], heading: str, lang: str
) -> str:
    """Return one offline page with two maps side by side and synchronised views.

    Parameters
    ----------
    left, right
        The two maps as offline pages (:func:`urbanchain.maps.render_html` of a
        :func:`~urbanchain.maps.chain_map` or :func:`~urbanchain.maps.diff_map`).
    titles
        Captions above the two maps (escaped).
    heading
        Page heading (escaped).
    lang
        Language of the page (``lang`` attribute).

    Returns
    -------
    str
        The page.
    """
    frames = []
    for caption, rendered in zip(titles, (left, right), strict=True):
        page = rendered
        page = (
            page.replace("</html>", _CHILD_SYNC + "</html>")
            if "</html>" in page
            else page + _CHILD_SYNC
        )
        frames.append(
            f"<figure><figcaption>{html.escape(caption)}</figcaption>"
            f'<iframe class="uc-side" srcdoc="{html.escape(page, quote=True)}"></iframe></figure>'
        )
    return (
        f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{html.escape(heading)}</title>{_STYLE}</head><body>"
        f"<header>{html.escape(heading)}</header>"
        f'<div class="uc-pair">{"".join(frames)}</div>{_PARENT_SYNC}</body></html>'
    )
