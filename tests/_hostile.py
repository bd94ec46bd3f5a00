"""Hostile strings for the security tests (issue 13): template syntax, code, markup.

Three families:

* ``TEMPLATE``: Jinja expressions, statements, comments, whitespace control, raw
  blocks and unbalanced delimiters. Shown literally on a safe page; on an unsafe one
  they are evaluated (``Km {{ 7*6 }}`` -> ``Km 42``), hide features (``{#`` ... ``#}``)
  or crash the render (``{{ phase 2``).
* ``CODE``: payloads that would run Python on the machine building the map. None uses
  ``< > & ' " \\`` (the characters HTML/JSON escaping changes), so escaping alone does
  not stop them. Each would create the folder :data:`PWNED_DIR` in the current
  directory or set the environment variable :data:`PWNED_ENV`.
* ``MARKUP``: browser-side payloads (``javascript:`` URLs, prototype keys) that add to
  ``tests/_payloads.PAYLOADS``.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests._payloads import PAYLOADS

PWNED_DIR = "ucpwned"
PWNED_ENV = "UCPWNED"

_MK = f"dict({PWNED_DIR}=1)|first"  # the string "ucpwned" without quotes
_ENV = f"dict({PWNED_ENV}=dict(yes=1)|first)"

TEMPLATE: dict[str, str] = {
    "expression": "Km {{ 7*6 }}",
    "expression_tight": "{{7*6}}",
    "statement_for": "{% for x in range(3) %}X{% endfor %}",
    "statement_set": "{% set a = 1 %}",
    "comment_open": "Bridge {# phase",
    "comment_close": "phase 2 #} done",
    "comment_full": "{# hidden #}",
    "unbalanced_expression": "Ring road {{ phase 2",
    "unbalanced_statement": "Ring {% if",
    "close_only": "}} %} #}",
    "raw_block": "{% raw %}{{ 1 }}{% endraw %}",
    "endraw": "{% endraw %}",
    "whitespace_control": "{{- 7*6 -}}{%- if 1 -%}y{%- endif -%}",
    "braces_run": "{{{{{{}}}}}}",
    "macro": "{% macro script(this, kwargs) %}{% endmacro %}",
    "config": "{{ config }}{{ self }}{{ kwargs }}{{ this }}",
    "filter": "{{ 7|string|list|join }}",
}

CODE: dict[str, str] = {
    "cycler_makedirs": "{{ cycler.__init__.__globals__.os.makedirs(" + _MK + ") }}",
    "lipsum_makedirs": "{{ lipsum.__globals__.os.makedirs(" + _MK + ") }}",
    "joiner_env": "{{ joiner.__init__.__globals__.os.environ.update(" + _ENV + ") }}",
    "namespace_env": "{{ namespace.__init__.__globals__.os.environ.update(" + _ENV + ") }}",
    "set_statement": "{% set o = cycler.__init__.__globals__.os %}{{ o.makedirs(" + _MK + ") }}",
    "this_builtins": "{{ this.__init__.__globals__.__builtins__[dict(__import__=1)|first]"
    "(dict(os=1)|first).makedirs(" + _MK + ") }}",
    "no_spaces": "{{cycler.__init__.__globals__.os.makedirs(" + _MK + ")}}",
    "attr_filter": "{{ (cycler|attr(dict(__init__=1)|first)).__globals__.os.makedirs("
    + _MK
    + ") }}",
}

MARKUP: dict[str, str] = {
    "javascript_url": "javascript:window.__pwned=9",
    "proto": "__proto__",
    "constructor": "constructor",
    "to_string": "toString",
}

#: Every hostile string, by a short key.
CORPUS: dict[str, str] = {**TEMPLATE, **CODE, **MARKUP, **PAYLOADS}


def code_ran(cwd: Path) -> bool:
    """Whether any ``CODE`` payload ran (its folder exists or its variable is set)."""
    return (cwd / PWNED_DIR).exists() or PWNED_ENV in os.environ


def no_bad_chars(text: str) -> bool:
    """Whether ``text`` avoids every character that HTML/JSON escaping rewrites."""
    return not any(ch in text for ch in "<>&'\"\\")
