"""Sphinx configuration for the urbanchain documentation."""

from __future__ import annotations

import urbanchain

project = "urbanchain"
author = "urbanchain developers"
release = urbanchain.__version__
extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True
nitpicky = False
html_theme = "alabaster"
suppress_warnings = ["myst.header"]
