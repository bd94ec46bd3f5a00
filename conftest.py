"""Names the docstring examples under ``src/`` may use without importing them.

``pytest --doctest-modules src/urbanchain`` runs every public example with
these names in scope, so examples never import private modules:

``diamond``
    The four-node toy graph with hand-worked answers
    (:func:`urbanchain.metrics._toy.diamond`, drawn in its module docstring).
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict[str, Any]) -> None:
    from urbanchain.metrics._toy import diamond

    doctest_namespace["diamond"] = diamond
