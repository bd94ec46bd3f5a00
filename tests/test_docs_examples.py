"""Every metric page's Delta example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs" / "metrics"
PAGES = sorted(p for p in DOCS.glob("*.md") if p.name != "index.md")


def _python(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture(scope="module")
def namespace():
    (setup,) = _python(DOCS / "index.md")
    ns: dict[str, object] = {}
    exec(compile(setup, "docs/metrics/index.md", "exec"), ns)
    return ns


def test_every_metric_has_a_page():
    from urbanchain import metrics

    documented = {p.stem for p in PAGES}
    public = {n for n in metrics.__all__ if not n.isupper()}
    assert public == documented


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_metric_page_example_runs_on_the_delta(page, namespace):
    text = page.read_text(encoding="utf-8")
    assert f"urbanchain.metrics.{page.stem}" in text
    assert "**Unit:**" in text
    (example,) = _python(page)
    ns = dict(namespace)
    exec(compile(example, str(page), "exec"), ns)
