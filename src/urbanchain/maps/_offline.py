"""Inline Leaflet's JavaScript and CSS so a saved map renders with no network.

Leaflet comes from the installed ``xstatic-leaflet`` package (PyPI: XStatic-Leaflet);
nothing is copied into the repository. The CSS's ``url(images/...)`` references are
rewritten to ``data:`` URIs, so the layer-control icon works from a lone HTML file.

urbanchain maps use no other asset: no jQuery, Bootstrap, Font Awesome or
Leaflet.awesome-markers (folium's defaults are removed from the map class).
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

__all__ = [
    "LEAFLET_CSS_URL",
    "LEAFLET_JS_URL",
    "find_remote_assets",
    "inline_known_assets",
    "leaflet_css",
    "leaflet_js",
    "leaflet_version",
]

LEAFLET_JS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"

_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((['\"]?)(images/[A-Za-z0-9_.\-]+)\1\)")
_SCRIPT_SRC = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*(['\"]?)((?:https?:)?//[^'\" >]+)\1[^>]*>\s*</script>",
    re.IGNORECASE,
)
_LINK_HREF = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*(['\"]?)((?:https?:)?//[^'\" >]+)\1[^>]*/?>",
    re.IGNORECASE,
)
_ANY_REMOTE = re.compile(
    r"<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)\s*=\s*['\"]?(?:https?:)?//",
    re.IGNORECASE,
)


def _data_dir() -> Path:
    from urbanchain._private._compat import import_optional_dependency

    module = import_optional_dependency(
        "xstatic.pkg.leaflet", purpose="Saving a self-contained (offline) map"
    )
    return Path(module.BASE_DIR)


def leaflet_version() -> str:
    """Return the version of the installed XStatic-Leaflet package.

    Returns
    -------
    str
        For example ``"1.9.3"``.
    """
    from urbanchain._private._compat import import_optional_dependency

    module = import_optional_dependency(
        "xstatic.pkg.leaflet", purpose="Saving a self-contained (offline) map"
    )
    return str(module.VERSION)


@functools.cache
def leaflet_js() -> str:
    """Return Leaflet's minified JavaScript, safe to put in an inline ``<script>``.

    Returns
    -------
    str
        The script text without its source-map comment.
    """
    text = (_data_dir() / "leaflet.js").read_text(encoding="utf-8")
    text = _SOURCE_MAP.sub("", text)
    # Never let the asset itself end the script element early.
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


@functools.cache
def leaflet_css() -> str:
    """Return Leaflet's CSS with its images embedded as ``data:`` URIs.

    Returns
    -------
    str
        The stylesheet text.
    """
    base = _data_dir()

    def _embed(match: re.Match[str]) -> str:
        path = base / match.group(2)
        if not path.is_file():  # pragma: no cover - depends on the package layout
            return "none"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    text = (base / "leaflet.css").read_text(encoding="utf-8")
    text = _CSS_URL.sub(_embed, text)
    return re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE)


def inline_known_assets(html: str) -> str:
    """Replace Leaflet CDN ``<script>``/``<link>`` tags by inline copies.

    Parameters
    ----------
    html
        A rendered page.

    Returns
    -------
    str
        The page with Leaflet's JS and CSS inlined; other tags are left alone (see
        :func:`find_remote_assets`).
    """

    def _script(match: re.Match[str]) -> str:
        if _is_leaflet(match.group(2), "leaflet.js"):
            return f"<script>{leaflet_js()}</script>"
        return match.group(0)

    def _link(match: re.Match[str]) -> str:
        if _is_leaflet(match.group(2), "leaflet.css"):
            return f"<style>{leaflet_css()}</style>"
        return match.group(0)

    html = _SCRIPT_SRC.sub(_script, html)
    return _LINK_HREF.sub(_link, html)


def _is_leaflet(url: str, filename: str) -> bool:
    return bool(re.search(r"/leaflet@[0-9.]+/dist/" + re.escape(filename) + r"$", url))


def find_remote_assets(html: str) -> list[str]:
    """List the tags of ``html`` that load something over the network.

    Parameters
    ----------
    html
        A rendered page.

    Returns
    -------
    list of str
        The opening tags (``<script src=http...>``, ``<link href=https...>``, ``<img>``,
        ``<iframe>``...) whose ``src``/``href`` is ``http://``, ``https://`` or
        protocol-relative. Empty when the page is self-contained.
    """
    found = []
    for match in _ANY_REMOTE.finditer(html):
        end = html.find(">", match.start())
        found.append(html[match.start() : end + 1 if end >= 0 else match.end()])
    return found
