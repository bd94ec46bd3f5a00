r"""Escaping for every string that reaches an HTML page, a script or a figure.

urbanchain never hands a raw user string to folium or Leaflet (bad-inputs.md §1).
Three contexts matter:

* **HTML text and attribute values** (tooltips, popups, legends, layer names that
  Leaflet writes with ``innerHTML``): :func:`escape_html`.
* **JavaScript inside an inline ``<script>``**: strings travel as JSON produced by
  :func:`json_for_script`, which also escapes ``<``, ``>``, ``&``, ``'``, U+2028 and
  U+2029, so no data can close the script element or start a comment, and no
  template literal is ever used for data.
* **JavaScript template literals** (not used by urbanchain, provided for callers that
  must write into one): :func:`escape_js_template` escapes backslash, backtick and
  ``$`` after HTML escaping.

Matplotlib text treats ``$`` as the start of mathtext; :func:`mpl_text` escapes it.

**Template syntax.** folium's branca compiles each element's rendered output as a
Jinja template again. urbanchain's own map elements never let that happen
(:mod:`urbanchain.maps._template_free`), and, as a second, independent guard,
neither :func:`escape_html` nor :func:`json_for_script` ever emits a literal ``{`` or
``}`` for data: HTML gets ``&#123;``/``&#125;`` and JSON strings get
``\u007b``/``\u007d``. Every Jinja delimiter (``{{``, ``{%``, ``{#``) starts with
``{``, so no data can open one; the browser shows the braces unchanged. See
docs/security.md.
"""

from __future__ import annotations

import html
import json
import math
import numbers
import re
import unicodedata
from typing import Any

__all__ = [
    "escape_html",
    "escape_js_template",
    "format_value",
    "json_for_script",
    "mpl_text",
    "neutralise_template",
    "to_text",
]

_JSON_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_SCRIPT_TABLE = str.maketrans(_JSON_SCRIPT_ESCAPES)
#: Template delimiters written as HTML character references (shown as ``{`` ``}``).
_HTML_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})
#: Template delimiters written as JSON ``\uXXXX`` escapes (decoded to ``{`` ``}``).
_JSON_BRACES = str.maketrans({"{": "\\u007b", "}": "\\u007d"})
#: A JSON string literal as ``json.dumps`` writes it.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def to_text(value: Any) -> str:
    """Return ``value`` as NFC-normalised text (``None`` becomes ``""``).

    Parameters
    ----------
    value
        Any object.

    Returns
    -------
    str
        ``str(value)`` in Unicode normal form C.
    """
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value))


def escape_html(value: Any) -> str:
    """Escape ``value`` for HTML text or a quoted attribute value.

    Parameters
    ----------
    value
        Any object; it is converted with :func:`to_text` first.

    Returns
    -------
    str
        Text with ``&``, ``<``, ``>``, ``"`` and ``'`` replaced by entities, and ``{``
        and ``}`` by ``&#123;`` and ``&#125;`` so no template engine can read the text
        as a delimiter (the browser shows them unchanged).

    Examples
    --------
    >>> escape_html('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> escape_html("Km {{ 7*6 }}")
    'Km &#123;&#123; 7*6 &#125;&#125;'
    """
    return html.escape(to_text(value), quote=True).translate(_HTML_BRACES)


def neutralise_template(html_text: str) -> str:
    """Write every ``{`` and ``}`` of already-escaped HTML as a character reference.

    Parameters
    ----------
    html_text
        HTML produced by urbanchain (for example a pandas ``to_html`` table).

    Returns
    -------
    str
        The same markup with no ``{`` or ``}``; the browser shows the same text.

    Examples
    --------
    >>> neutralise_template("<td>{% raw %}</td>")
    '<td>&#123;% raw %&#125;</td>'
    """
    return html_text.translate(_HTML_BRACES)


def escape_js_template(value: Any) -> str:
    r"""Escape ``value`` for HTML inside a JavaScript template literal.

    Parameters
    ----------
    value
        Any object.

    Returns
    -------
    str
        HTML-escaped text in which backslash, backtick and ``$`` are also escaped, so
        it can neither end the literal, start a ``${...}`` substitution nor form an
        octal escape such as ``\1``.

    Examples
    --------
    >>> escape_js_template("$x`")
    '\\$x\\`'
    """
    text = escape_html(value)
    return text.replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$")


def json_for_script(obj: Any) -> str:
    r"""Serialise ``obj`` as JSON that is safe inside an inline ``<script>``.

    Parameters
    ----------
    obj
        JSON-serialisable data (NaN and infinity are refused).

    Returns
    -------
    str
        JSON text in which ``<``, ``>``, ``&``, ``'``, U+2028 and U+2029 are written as
        ``\uXXXX`` escapes, and so are ``{`` and ``}`` inside strings (the JSON
        structure keeps its own braces, which are always followed by ``"`` or ``}``, so
        no template delimiter can form). Non-ASCII letters (Vietnamese names) stay
        readable.

    Raises
    ------
    ValueError
        If ``obj`` holds NaN or infinity.

    Examples
    --------
    >>> json_for_script({"name": "</script><script>x()</script>"})
    '{"name":"\\u003c/script\\u003e\\u003cscript\\u003ex()\\u003c/script\\u003e"}'
    >>> json_for_script({"t": "{{x}}"})
    '{"t":"\\u007b\\u007bx\\u007d\\u007d"}'
    """
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    text = _JSON_STRING.sub(_braces_in_string, text)
    return text.translate(_JSON_SCRIPT_TABLE)


def _braces_in_string(match: re.Match[str]) -> str:
    literal = match.group(0)
    if "{" not in literal and "}" not in literal:
        return literal
    return literal.translate(_JSON_BRACES)


def format_value(value: Any, unit: str | None = None, *, missing: str = "no data") -> str:
    """Format a cell for a tooltip, popup or legend, as plain (unescaped) text.

    Parameters
    ----------
    value
        A scalar cell value.
    unit
        Unit appended after a space when the value is present.
    missing
        Text shown for a missing value (``None``, NaN, ``pd.NA``); never ``0``.

    Returns
    -------
    str
        The formatted text. Escape it before putting it into HTML.

    Examples
    --------
    >>> format_value(1234567.0, "people")
    '1,234,567 people'
    >>> format_value(float("nan"), "km")
    'no data'
    >>> format_value(0.01234)
    '0.0123'
    """
    if _is_missing(value):
        return missing
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, numbers.Integral):
        text = f"{int(value):,}"
    elif isinstance(value, numbers.Real):
        number = float(value)
        if math.isinf(number):
            text = "∞" if number > 0 else "-∞"
        elif number.is_integer() and abs(number) < 1e15:
            text = f"{int(number):,}"
        elif abs(number) >= 100:
            text = f"{number:,.0f}"
        elif abs(number) >= 1:
            text = f"{number:,.2f}"
        else:
            text = f"{number:.3g}"
    else:
        text = to_text(value)
    if unit:
        text = f"{text} {to_text(unit)}"
    return text


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    import pandas as pd

    if not pd.api.types.is_scalar(value):
        return False
    return bool(pd.isna(value))


def mpl_text(value: Any) -> str:
    r"""Escape ``value`` for matplotlib text, where ``$`` starts mathtext.

    Parameters
    ----------
    value
        Any object.

    Returns
    -------
    str
        Text with every ``$`` written as ``\\$``.

    Examples
    --------
    >>> mpl_text("${x}")
    '\\${x}'
    """
    return to_text(value).replace("$", r"\$")
