"""Issue 13: no user string is ever evaluated by a template engine or run in the browser.

Every hostile string of ``tests/_hostile.py`` goes through every text sink of the map
stack (names, ids, attribute values, column names, metric/Series names, units,
legend titles and labels, layer names, the title, attribution, diff labels, scenario
titles, ``_repr_html_``) via the Python API and the CLI. Each test asserts:

* no compiled Jinja source ever contains the user's text (a spy on
  ``jinja2.Environment.compile``), so nothing of it can be evaluated;
* no payload ran (its folder/environment variable does not appear);
* every feature is drawn and the text is shown literally.

The two guards (TemplateFree rendering and brace neutralisation) are each tested
alone, and the corpus is shown to be live when both are removed.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._hostile import CODE, CORPUS, PWNED_DIR, PWNED_ENV, TEMPLATE, code_ran, no_bad_chars
from tests._payloads import synthetic_chain, template_free_names

from urbanchain import maps
from urbanchain.errors import ValidationError
from urbanchain.maps import _html
from urbanchain.maps import _template_free as tf

MARK = "UCMARK7"


@pytest.fixture(autouse=True)
def _clean_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(PWNED_ENV, raising=False)
    yield
    ran = code_ran(tmp_path)
    os.environ.pop(PWNED_ENV, None)
    assert not ran, "a hostile payload ran Python code"


class CompileSpy:
    """Records the source of every Jinja template compiled while active."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sources: list[str] = []
        original = jinja2.Environment.compile

        def compile_and_record(env: Any, source: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(source, str):
                self.sources.append(source)
            return original(env, source, *args, **kwargs)

        monkeypatch.setattr(jinja2.Environment, "compile", compile_and_record)

    def containing(self, text: str) -> list[str]:
        return [s for s in self.sources if text in s]


def _collections(page: str) -> list[dict[str, Any]]:
    decoder = json.JSONDecoder()
    script = page[page.index("</body>") :]
    out = []
    for match in re.finditer(r"uc_feature_layer_\w+\.addData\(", script):
        data, _ = decoder.raw_decode(script, match.end())
        out.append(data)
    return out


def _visible(fragment: str) -> str:
    """The text a browser shows for an escaped HTML fragment."""
    return html.unescape(re.sub(r"<[^>]*>", "\n", fragment))


def _chain_map(text: str, **extra: Any) -> Any:
    chain = synthetic_chain(text)
    score = pd.Series([0.9, 0.5, None, 0.2], index=chain.nodes["node_id"].to_list(), name=text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return maps.chain_map(
            chain,
            province_metric="population",
            node_metric=score,
            corridor_metric="criticality",
            title=text,
            units={"criticality": text, text: text},
            layer_names={"provinces": text, "corridors": text + " 2", "nodes": text + " 3"},
            attribution=text,
            **extra,
        )


def _assert_literal(page: str, text: str) -> None:
    collections = _collections(page)
    assert [len(c["features"]) for c in collections] == [3, 3, 4]
    shown = _html.to_text(text)
    for collection in collections:
        for feature in collection["features"]:
            props = feature["properties"]
            assert shown in _visible(props["uc_tooltip"]) or shown.strip() == ""
            assert shown in _visible(props["uc_popup"]) or shown.strip() == ""
    title = re.search(r"<title>(.*?)</title>", page, flags=re.DOTALL)
    assert title is not None
    assert html.unescape(title.group(1)) == shown


# --------------------------------------------------------------------------- the corpus


def test_code_payloads_are_live(tmp_path: Path) -> None:
    """Without urbanchain's protection, each CODE payload really runs (the corpus is live)."""
    from branca.element import Element
    from folium.template import Template

    for key, payload in CODE.items():
        assert no_bad_chars(payload), key
        Template(payload).render(this=Element(), kwargs={})
        assert code_ran(tmp_path), key
        if (tmp_path / PWNED_DIR).exists():
            (tmp_path / PWNED_DIR).rmdir()
        os.environ.pop(PWNED_ENV, None)


@pytest.mark.parametrize("key", sorted(CORPUS))
def test_chain_map_every_sink(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"{CORPUS[key]} {MARK}"
    spy = CompileSpy(monkeypatch)
    page = maps.render_html(_chain_map(text))
    assert spy.containing(MARK) == []
    _assert_literal(page, text)


@pytest.mark.parametrize("key", sorted(TEMPLATE) + sorted(CODE))
def test_diff_map_labels_and_title(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"{CORPUS[key]} {MARK}"
    chain = synthetic_chain(text)
    ids = chain.nodes["node_id"].to_list()
    base = pd.Series([1.0, 2.0, 3.0, 4.0], index=ids, name=text)
    other = pd.Series([2.0, 2.0, 1.0, 4.0], index=ids, name=text)
    spy = CompileSpy(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = maps.diff_map(
            chain, chain, node_metric=(base, other), labels=(text, text + "b"), title=text
        )
    page = maps.render_html(m)
    assert spy.containing(MARK) == []
    nodes = [c for c in _collections(page) if len(c["features"]) == 4]
    assert nodes, "the node layer is drawn"
    assert html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)) == text


def test_every_map_element_is_template_free() -> None:
    """Every MacroElement urbanchain puts on a map renders without a second compile."""
    m = _chain_map("x", offline=False, tiles="OpenStreetMap.Mapnik")
    assert len(template_free_names(m)) >= 10


# --------------------------------------------------------------------------- readiness maps (issue 22)


def _readiness_maps(text: str) -> list[Any]:
    """The readiness choropleth and the ready-vs-connected map with ``text`` in every sink."""
    chain = synthetic_chain(text)
    table = pd.DataFrame(
        {
            "province_code": ["01", "31"],
            "province_name": [text, text],
            "year": [2020, 2020],
            "index": ["pci", "pci"],
            "component": ["overall", "overall"],
            "score": [60.0, 55.0],
            "source": [text, text + " 2"],
            "methodology": [text, text],
        }
    )
    ids = chain.nodes["node_id"].to_list()
    quadrants = pd.DataFrame(
        {
            "name": [text] * len(ids),
            "province_code": [text] * len(ids),
            "connectivity": [0.9, 0.5, None, 0.2][: len(ids)],
            "readiness": [60.0, 50.0, 40.0, None][: len(ids)],
            "quadrant": ["connected_ready", "connected_not_ready", "no_data", "no_data"][
                : len(ids)
            ],
        },
        index=pd.Index(ids, name="node_id"),
    )
    quadrants.attrs.update(
        connected_at=0.5, ready_at=50.0, index="pci", component="overall", year=text, sources=[text]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            maps.readiness_map(chain, vintage=2025, data=table, title=text),
            maps.ready_connected_map(chain, table=quadrants, title=text),
        ]


@pytest.mark.parametrize("key", sorted(CORPUS))
def test_readiness_maps_every_sink(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"{CORPUS[key]} {MARK}"
    spy = CompileSpy(monkeypatch)
    shown = _html.to_text(text)
    for m in _readiness_maps(text):
        page = maps.render_html(m)
        assert spy.containing(MARK) == []
        title = re.search(r"<title>(.*?)</title>", page, flags=re.DOTALL)
        assert title is not None
        assert html.unescape(title.group(1)) == shown
        features = [f for c in _collections(page) for f in c["features"]]
        assert features
        for feature in features:
            tip = feature["properties"]["uc_tooltip"]
            assert "<script" not in tip
            assert "<img src=x" not in tip
    # the readiness map's legend holds the user's source text, escaped
    legend = maps.render_html(_readiness_maps(text)[0])
    assert "<img src=x" not in legend
    assert "<script>window" not in legend


def test_readiness_map_elements_are_template_free() -> None:
    for m in _readiness_maps("x"):
        assert len(template_free_names(m)) >= 5


# --------------------------------------------------------------------------- each guard alone


def _without_brace_escapes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_html, "_HTML_BRACES", str.maketrans({}))
    monkeypatch.setattr(_html, "_braces_in_string", lambda match: match.group(0))


def _without_template_free(monkeypatch: pytest.MonkeyPatch) -> None:
    from branca.element import MacroElement

    monkeypatch.setattr(tf.TemplateFree, "render", MacroElement.render)


@pytest.mark.parametrize("key", sorted(TEMPLATE) + sorted(CODE))
def test_template_free_rendering_alone_protects(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _without_brace_escapes(monkeypatch)
    assert "{" in _html.escape_html("{")  # the second guard really is off
    text = f"{CORPUS[key]} {MARK}"
    spy = CompileSpy(monkeypatch)
    page = maps.render_html(_chain_map(text))
    assert spy.containing(MARK) == []
    _assert_literal(page, text)


@pytest.mark.parametrize("key", sorted(TEMPLATE) + sorted(CODE))
def test_brace_escaping_alone_protects(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _without_template_free(monkeypatch)
    text = f"{CORPUS[key]} {MARK}"
    spy = CompileSpy(monkeypatch)
    page = maps.render_html(_chain_map(text))
    # The data now reaches a compile, but holds no brace, so it is inert.
    assert spy.containing(MARK)
    assert all("{" not in s.split(MARK)[0][-len(text) :] for s in spy.containing(MARK))
    _assert_literal(page, text)


def test_without_both_guards_the_corpus_breaks_the_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests above are sensitive: with both guards removed the payloads act."""
    _without_brace_escapes(monkeypatch)
    _without_template_free(monkeypatch)
    page = maps.render_html(_chain_map("Km {{ 7*6 }}"))
    assert "Km 42" in page
    with pytest.raises(jinja2.TemplateSyntaxError):
        maps.render_html(_chain_map("Ring road {{ phase 2"))
    with contextlib.suppress(FileExistsError):  # it runs once per field, so twice fails
        maps.render_html(_chain_map(CODE["cycler_makedirs"]))
    assert (tmp_path / PWNED_DIR).exists()
    (tmp_path / PWNED_DIR).rmdir()


# --------------------------------------------------------------------------- property


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(min_size=1, max_size=40).filter(lambda t: t.strip() != ""))
def test_any_unicode_text_is_shown_literally(text: str) -> None:
    chain = synthetic_chain()
    nodes = chain.nodes.copy()
    nodes["name"] = [text, text + "2", text, "plain"]
    corridors = chain.corridors.copy()
    corridors["name"] = text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = maps.chain_map(nodes=nodes, corridors=corridors, provinces=chain.provinces, title=text)
        page = maps.render_html(m)
    collections = _collections(page)
    assert [len(c["features"]) for c in collections] == [3, 3, 4]
    shown = _html.to_text(text)
    node_tips = [f["properties"]["uc_tooltip"] for f in collections[2]["features"]]
    first = re.match(r"<b>(.*?)</b>", node_tips[0], flags=re.DOTALL)
    assert first is not None
    assert html.unescape(first.group(1)) == shown
    corridor_tip = collections[1]["features"][0]["properties"]["uc_tooltip"]
    assert html.unescape(re.match(r"<b>(.*?)</b>", corridor_tip, re.S).group(1)) == shown
    title = re.search(r"<title>(.*?)</title>", page, flags=re.DOTALL)
    assert title is not None
    assert html.unescape(title.group(1)) == shown


# --------------------------------------------------------------------------- online tiles


def test_tile_attribution_is_plain_text_and_javascript_urls_refused() -> None:
    import xyzservices

    hostile = '<img src=x onerror="window.__pwned=1"> {{ 7*6 }}'
    provider = xyzservices.TileProvider(
        name="Evil {{ 7*6 }}",
        url="https://tiles.example.org/{z}/{x}/{y}.png",
        attribution=hostile,
        html_attribution=hostile,
    )
    page = maps.render_html(_chain_map("x", offline=False, tiles=provider), offline=False)
    assert "<img src=x" not in page
    assert "Km 42" not in page
    assert "Evil 42" not in page
    assert "tiles.example.org/{z}/{x}/{y}.png" in page.replace("\\u007b", "{").replace(
        "\\u007d", "}"
    )
    for url in (
        "javascript:alert(1)//{z}{x}{y}",
        "JaVaScRiPt:alert(1)",
        "java\nscript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "//tiles.example.org/{z}/{x}/{y}.png",
    ):
        bad = xyzservices.TileProvider(name="bad", url=url, attribution="x")
        with pytest.raises(ValidationError, match="https://"):
            _chain_map("x", offline=False, tiles=bad)


def test_tile_provider_without_attribution_is_refused() -> None:
    import xyzservices

    bad = xyzservices.TileProvider(
        name="bad", url="https://t.example.org/{z}/{x}/{y}.png", attribution=""
    )
    with pytest.raises(ValidationError, match="attribution"):
        _chain_map("x", offline=False, tiles=bad)


# --------------------------------------------------------------------------- _repr_html_


@pytest.mark.parametrize("key", ["expression", "cycler_makedirs", "img_onerror", "script_close"])
def test_repr_html_escapes(key: str) -> None:
    """Notebook output of maps and chains shows hostile text as text."""
    from urbanchain import UrbanChain

    text = CORPUS[key]
    out = _chain_map(text)._repr_html_()
    assert "<img src=x" not in out
    assert "<script>window" not in out
    chain = synthetic_chain()
    nodes = chain.nodes.copy()
    nodes["name"] = text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapped = UrbanChain(nodes=nodes, corridors=chain.corridors)
        out = wrapped._repr_html_()
    assert "<img src=x" not in out
    assert "<script>window" not in out


# --------------------------------------------------------------------------- the CLI


def _write_layers(folder: Path, text: str) -> tuple[Path, Path]:
    """The bundled region's nodes and corridors, every name replaced by ``text``."""
    from urbanchain.cli import main

    assert main(["datasets", "--out", str(folder)]) == 0
    paths = folder / "nodes.geojson", folder / "corridors.geojson"
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        for number, feature in enumerate(data["features"]):
            # both names: the default English map shows name_en, the Vietnamese one name
            feature["properties"]["name"] = f"{text} {number}"
            feature["properties"]["name_en"] = f"{text} {number}"
        path.write_text(json.dumps(data), encoding="utf-8")
    return paths


@pytest.mark.parametrize("key", ["expression", "unbalanced_expression", "cycler_makedirs"])
def test_cli_map_of_hostile_layer_files(key: str, tmp_path: Path) -> None:
    from urbanchain.cli import main

    text = f"{CORPUS[key]} {MARK}"
    nodes_path, corridors_path = _write_layers(tmp_path, text)
    out = tmp_path / "map.html"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(
            [
                "map",
                "--nodes",
                str(nodes_path),
                "--corridors",
                str(corridors_path),
                "--out",
                str(out),
            ]
        )
    assert code == 0
    page = out.read_text(encoding="utf-8")
    n_nodes = len(json.loads(nodes_path.read_text(encoding="utf-8"))["features"])
    collections = _collections(page)
    assert n_nodes in {len(c["features"]) for c in collections}
    tips = [f["properties"]["uc_tooltip"] for c in collections for f in c["features"]]
    assert sum(text in _visible(t) for t in tips) >= n_nodes


@pytest.mark.parametrize(
    "key",
    ["expression", "comment_full", "unbalanced_statement", "cycler_makedirs", "namespace_env"],
)
def test_cli_scenario_title(key: str, tmp_path: Path) -> None:
    from urbanchain.cli import main

    text = f"{CORPUS[key]} {MARK}"
    config = tmp_path / "hostile.toml"
    title = json.dumps(text)  # a TOML basic string is a JSON string
    config.write_text(
        f'title = {title}\nbase_year = 2025\n[[edits]]\nop = "close"\n'
        'ids = ["ct04_ha_noi_hai_phong"]\n[metrics]\npairs = [["ha_noi", "hai_phong"]]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["scenario", str(config), "--out", str(out), "--quiet"]) == 0
    page = (out / "diff_map.html").read_text(encoding="utf-8")
    assert html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)) == text
    assert _collections(page)


# --------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from tests.test_maps_browser import ARGS, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    "key", ["expression", "comment_open", "raw_block", "cycler_makedirs", "javascript_url", "proto"]
)
def test_nothing_executes_in_chromium(browser: Any, tmp_path: Path, key: str) -> None:
    from tests.test_maps_browser import COUNT_JS, Session, _open_everything

    text = CORPUS[key]
    session = Session(browser)
    try:
        session.open(maps.save(_chain_map(text), tmp_path / "hostile.html"))
        counts = session.page.evaluate(COUNT_JS)
        assert (counts["polygons"], counts["lines"], counts["markers"]) == (3, 3, 4)
        shown = _open_everything(session.page)
        assert session.page.evaluate("() => window.__pwned") is None
        assert session.errors == []
        assert session.network == []
        assert text in shown
        title = session.page.evaluate("() => document.querySelector('.uc-title').textContent")
        assert title == text
        assert text in session.page.inner_text(".leaflet-control-layers-overlays")
    finally:
        session.close()


@pytest.mark.browser
def test_hostile_tile_attribution_does_not_execute_in_chromium(
    browser: Any, tmp_path: Path
) -> None:
    import xyzservices
    from tests.test_maps_browser import Session

    hostile = '<img src=x onerror="window.__pwned=1"><a href="javascript:window.__pwned=2">x</a>'
    provider = xyzservices.TileProvider(
        name="t",
        url="https://tiles.invalid/{z}/{x}/{y}.png",
        attribution=hostile,
        html_attribution=hostile,
    )
    m = _chain_map("x", offline=False, tiles=provider)
    session = Session(browser)
    try:
        from urbanchain.maps import _offline

        # The online page with Leaflet inlined (the test has no network; tiles fail).
        page = _offline.inline_known_assets(maps.render_html(m, offline=False))
        path = tmp_path / "online.html"
        path.write_text(page, encoding="utf-8")
        session.open(path)
        assert session.page.evaluate("() => window.__pwned") is None
        attribution = session.page.inner_text(".leaflet-control-attribution")
        assert "<img src=x" in attribution  # shown as text
        assert (
            session.page.evaluate(
                "() => document.querySelectorAll('.leaflet-control-attribution img, .leaflet-control-attribution a[href^=javascript]').length"
            )
            == 0
        )
    finally:
        session.close()


# --------------------------------------------------------------------------- CSV formulas


def test_formula_cells_neutralised_without_changing_the_frame(tmp_path: Path) -> None:
    from urbanchain._private._safe_cells import neutralise_formulas, write_csv

    hostile = ["=1+0", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "ha_noi", "-"]
    df = pd.DataFrame(
        {"id": hostile, "change": [-1.5, 2.0, -3.0, 0.0, 1.0, -0.5, 4.0, float("nan")]},
        index=pd.Index(hostile, name="=idx"),
    )
    df = df.rename(columns={"change": "=change"})
    before = df.copy()
    out = write_csv(df, tmp_path / "t.csv")
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is untouched
    import csv

    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["'=idx", "id", "'=change"]
    expected = ["'" + h if h[0] in "=+-@\t\r" else h for h in hostile]
    assert [r[0] for r in rows[1:]] == expected
    assert [r[1] for r in rows[1:]] == expected
    assert [r[2] for r in rows[1:8]] == ["-1.5", "2.0", "-3.0", "0.0", "1.0", "-0.5", "4.0"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit()
    assert neutralise_formulas(pd.Series([-1, 2], name="v"))["v"].tolist() == [-1, 2]


def test_cli_metric_tables_have_no_formula_cells(tmp_path: Path) -> None:
    """Node ids such as =1+0 from a user's layer never start a CSV cell."""
    from urbanchain.cli import main

    nodes_path, corridors_path = _write_layers(tmp_path / "in", "x")
    data = json.loads(nodes_path.read_text(encoding="utf-8"))
    renamed = {}
    for number, feature in enumerate(data["features"]):
        old = feature["properties"]["node_id"]
        renamed[old] = f"=1+{number}"
        feature["properties"]["node_id"] = renamed[old]
        feature["properties"]["name"] = f"@name{number}"
    nodes_path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "metrics"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(
            [
                "metrics",
                "--nodes",
                str(nodes_path),
                "--corridors",
                str(corridors_path),
                "--out",
                str(out),
            ]
        )
    assert code == 0
    checked = 0
    for path in out.glob("*.csv"):
        for line in path.read_text(encoding="utf-8").splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "+", "@")), (path.name, cell)
                checked += "'=1+" in cell
    assert checked > 0
    manifest = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is True
    assert sorted(manifest["files"]) == sorted(p.name for p in out.glob("*.csv"))


# --------------------------------------------------------------------------- atomic outputs


def test_output_folder_rules(tmp_path: Path) -> None:
    from urbanchain.errors import InputFileError
    from urbanchain.scenarios import run_scenario_file

    config = tmp_path / "s.toml"
    config.write_text(
        'base_year = 2025\n[[edits]]\nop = "close"\nids = ["ct04_ha_noi_hai_phong"]\n'
        '[metrics]\npairs = [["ha_noi", "hai_phong"]]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = run_scenario_file(config, out, progress=False)
        manifest = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
        assert manifest["complete"] is True
        assert set(manifest["files"]) == {
            p.name for p in first.values() if p.name != "metadata.json"
        }
        with pytest.raises(InputFileError, match="not empty"):
            run_scenario_file(config, out, progress=False)
        (out / "stale.csv").write_text("old\n", encoding="utf-8")  # not ours: kept
        (out / "pairs.csv").write_text("stale\n", encoding="utf-8")
        again = run_scenario_file(config, out, progress=False, overwrite=True)
    assert (out / "stale.csv").exists()
    assert "stale" not in (out / "pairs.csv").read_text(encoding="utf-8")
    assert set(again) == set(first)
    # a folder urbanchain did not fill is never emptied
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("x", encoding="utf-8")
    with pytest.raises(InputFileError, match="no urbanchain run"):
        run_scenario_file(config, foreign, progress=False, overwrite=True)
    assert (foreign / "thesis.docx").exists()
    # an output folder that is a file, and a map path that is a folder
    with pytest.raises(InputFileError, match="is a file"):
        run_scenario_file(config, config, progress=False)
    with pytest.raises(InputFileError, match="is a folder"):
        maps.save(_chain_map("x"), tmp_path)
    with pytest.raises(InputFileError, match="is a file"):
        maps.save(_chain_map("x"), config / "map.html")


_FAILING_WRITE = """
import resource, sys, warnings
warnings.simplefilter("ignore")
from pathlib import Path
from urbanchain import maps
from tests._payloads import synthetic_chain, template_free_names
m = maps.chain_map(synthetic_chain())
html = maps.render_html(m)
assert len(html.encode()) > 100_000
resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))
import signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get an OSError (EFBIG), not a kill
try:
    maps.save(m, Path(sys.argv[1]))
except OSError as exc:
    print("EFBIG", exc.errno)
"""


def test_failing_write_leaves_the_old_file_and_no_partial(tmp_path: Path) -> None:
    import subprocess
    import sys

    target = tmp_path / "map.html"
    target.write_text("previous complete map", encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": f"{root / 'src'}{os.pathsep}{root}"}
    result = subprocess.run(
        [sys.executable, "-c", _FAILING_WRITE, str(target)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    assert "EFBIG" in result.stdout, result.stderr[-2000:]
    assert target.read_text(encoding="utf-8") == "previous complete map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]  # no temp file left


# --------------------------------------------------------------------------- readers


def _nodes_gpkg(tmp_path: Path, *sql: str) -> Path:
    import sqlite3

    from tests._layer_builders import good_nodes_gdf

    path = tmp_path / "n.gpkg"
    good_nodes_gdf().to_file(path, layer="nodes")
    con = sqlite3.connect(path)
    try:
        for statement in sql:
            con.execute(statement)
        con.commit()
    finally:
        con.close()
    return path


def test_geopackage_views_are_refused_before_gdal_runs_them(tmp_path: Path) -> None:
    from urbanchain.errors import InputFileError
    from urbanchain.io import read_layer

    path = _nodes_gpkg(
        tmp_path,
        # a view that never ends if evaluated (recursive CTE), registered as a layer
        "CREATE VIEW spin AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        "SELECT x AS fid, NULL AS geom FROM c",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier) "
        "VALUES ('spin', 'features', 'spin')",
    )
    with pytest.raises(InputFileError, match=r"n\.gpkg: holds 1 SQL view\(s\) \('spin'\)"):
        read_layer(path, kind="nodes", layer="nodes")
    with pytest.raises(InputFileError, match="view"):
        read_layer(path, kind="nodes", layer="spin")


def test_stale_geopackage_count_is_not_truncated(tmp_path: Path) -> None:
    from tests._layer_builders import good_nodes_gdf

    from urbanchain.errors import DataQualityWarning
    from urbanchain.io import read_layer

    n = len(good_nodes_gdf())
    assert n >= 3
    path = _nodes_gpkg(tmp_path, "UPDATE gpkg_ogr_contents SET feature_count = 1")
    before = path.read_bytes()
    with pytest.warns(
        DataQualityWarning, match=rf"stored feature count .* is 1, but the table holds {n} rows"
    ):
        gdf = read_layer(path, kind="nodes")
    assert len(gdf) == n
    assert path.read_bytes() == before  # the user's file is not modified


def test_geojson_features_gdal_skips_are_counted(tmp_path: Path) -> None:
    from tests._layer_builders import good_nodes

    from urbanchain.errors import DataQualityWarning
    from urbanchain.io import read_layer

    features = json.loads(json.dumps(good_nodes()))
    features = features["features"] if isinstance(features, dict) else features
    n = len(features)
    broken = [
        *features,
        None,
        {"type": "feature", **{k: v for k, v in features[0].items() if k != "type"}},
        {"geometry": None, "properties": {}},
    ]
    path = tmp_path / "n.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": broken}), encoding="utf-8")
    with pytest.warns(
        DataQualityWarning, match=rf"3 of the {n + 3} entries of 'features' were skipped"
    ) as record:
        gdf = read_layer(path, kind="nodes")
    assert len(gdf) == n
    assert any(f"entries {n}, {n + 1}, {n + 2}" in str(w.message) for w in record)


def test_gdal_options_are_pinned_whatever_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyogrio

    from urbanchain._private._gdal_guard import PINNED_OPTIONS, pinned_gdal

    monkeypatch.setenv("OGR_SQLITE_ALLOW_EXTERNAL_ACCESS", "YES")
    monkeypatch.setenv("GDAL_VRT_ENABLE_PYTHON", "YES")
    monkeypatch.setenv("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", ".gpkg")
    monkeypatch.setenv("OGR_SQLITE_LOAD_EXTENSIONS", "/tmp/evil.so")
    with pinned_gdal():
        for key, value in PINNED_OPTIONS.items():
            assert str(pyogrio.get_gdal_config_option(key)) == value, key
        assert pyogrio.get_gdal_config_option("OGR_SQLITE_ALLOW_EXTERNAL_ACCESS") == "NO"


def test_read_layer_runs_under_pinned_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyogrio
    from tests._layer_builders import good_nodes_gdf

    from urbanchain.io import read_layer

    seen: list[Any] = []
    original = pyogrio.read_dataframe

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(pyogrio.get_gdal_config_option("OGR_SQLITE_ALLOW_EXTERNAL_ACCESS"))
        return original(*args, **kwargs)

    monkeypatch.setenv("OGR_SQLITE_ALLOW_EXTERNAL_ACCESS", "YES")
    monkeypatch.setattr(pyogrio, "read_dataframe", spy)
    path = tmp_path / "n.gpkg"
    good_nodes_gdf().to_file(path, layer="nodes")
    read_layer(path, kind="nodes")
    assert seen == ["NO"]


# --------------------------------------------------------------------------- config files


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b'title = "\xff\xfe"\n', r"not UTF-8 text .* line 1"),
        (b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest"),
        (b"a = " + b"[" * 20 + b"1" + b"]" * 20 + b"\n", "nest"),
        (b"x = 1\n" * 200_000, "limit is 1,000,000"),
    ],
    ids=["non-utf8", "deep-recursion", "deep", "too-large"],
)
def test_config_and_scenario_files_are_bounded(
    tmp_path: Path, content: bytes, pattern: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from urbanchain.cli import main
    from urbanchain.errors import ScenarioError
    from urbanchain.scenarios import load_scenario

    path = tmp_path / "f.toml"
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=pattern):
        load_scenario(path)
    assert main(["graph", "--config", str(path), "--out", str(tmp_path / "g.graphml")]) == 1
    err = capsys.readouterr().err
    assert re.search(pattern, err)
    assert "Traceback" not in err


def test_config_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    from urbanchain.errors import ScenarioError
    from urbanchain.scenarios import load_scenario

    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(fifo)


@pytest.mark.parametrize("archive", [None, "gz"])
def test_feature_limit_counts_after_json_decoding(tmp_path: Path, archive: str | None) -> None:
    """'"Fe\\u0061ture"' is "Feature" to GDAL, so it counts towards max_features."""
    import gzip

    from urbanchain import settings
    from urbanchain.errors import ResourceLimitError
    from urbanchain.io import read_layer

    feature = (
        '{"type":"Fe\\u0061ture","geometry":{"type":"Point","coordinates":[105.8,21.0]},'
        '"properties":{"node_id":"n%d","name":"N","kind":"city"}}'
    )
    text = (
        '{"type":"FeatureCollection","features":[' + ",".join(feature % i for i in range(30)) + "]}"
    )
    path = tmp_path / "n.geojson"
    path.write_text(text, encoding="utf-8")
    if archive == "gz":
        gz = tmp_path / "n.geojson.gz"
        gz.write_bytes(gzip.compress(text.encode()))
        path = gz
    with (
        settings.override(max_features=10),
        pytest.raises(ResourceLimitError, match="feature count"),
    ):
        read_layer(path, kind="nodes")
    with settings.override(max_features=100), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(read_layer(path, kind="nodes")) == 30


# --------------------------------------------------------------------------- silent data loss


@pytest.mark.parametrize("bad_id", ["station@rail", "junction:7", "a@b"])
def test_node_ids_in_reserved_forms_are_refused(bad_id: str) -> None:
    from urbanchain.errors import GraphError
    from urbanchain.graph import graph_from_gdfs

    chain = synthetic_chain()
    nodes = chain.nodes.copy()
    nodes.loc[0, "node_id"] = bad_id
    with pytest.raises(GraphError, match=r"reserved forms") as info:
        graph_from_gdfs(nodes, chain.corridors)
    assert repr(bad_id) in str(info.value)


@pytest.mark.parametrize(
    ("toml", "pattern"),
    [
        ('[map]\nonline = "false"\n', "must be true or false"),
        ('year = "2025"\n', "must be a whole number"),
        ("year = 2025.0\n", "must be a whole number"),
        ("year = 20250\n", "whole year between 1800 and 2200"),
        ("[map]\nnode_metric = 3\n", "must be text"),
    ],
)
def test_config_values_of_the_wrong_type_are_refused(
    tmp_path: Path, toml: str, pattern: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from urbanchain.cli import main

    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    out = tmp_path / "map.html"
    assert main(["map", "--config", str(cfg), "--out", str(out)]) == 1
    assert re.search(pattern, capsys.readouterr().err)
    assert not out.exists()


@pytest.mark.parametrize("year", [True, 2025.0, "2025", 20250, -1])
def test_years_are_whole_and_plausible_in_the_api(year: Any) -> None:
    from urbanchain import UrbanChain

    with pytest.raises(ValidationError, match="whole year between 1800 and 2200"):
        UrbanChain.from_region("red_river_delta", year=year)


def test_cli_year_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from urbanchain.cli import main

    assert main(["graph", "--year", "99999", "--out", str(tmp_path / "g.graphml")]) == 1
    assert "whole year between 1800 and 2200" in capsys.readouterr().err


@pytest.mark.parametrize("huge", [1e308, 1.5e250])
def test_absurd_finite_weights_are_refused_not_unreachable(huge: float) -> None:
    import networkx as nx

    from urbanchain import metrics
    from urbanchain.errors import WeightError

    G = nx.MultiGraph()
    G.add_edge("a", "b", time_min=huge, edge_id="ab")
    G.add_edge("b", "c", time_min=huge, edge_id="bc")
    with pytest.raises(WeightError, match=r"absurdly large .* edge ab"):
        metrics.od_matrix(G)


# --------------------------------------------------------------------------- crashes become errors


def _fc_text(geometry: dict[str, Any], props: dict[str, Any]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": geometry, "properties": props}],
        }
    )


@pytest.mark.parametrize(
    ("kind", "geometry", "props"),
    [
        (
            "corridors",
            {"type": "LineString", "coordinates": [[105.8, 21.0]]},
            {"corridor_id": "a", "name": "A", "mode": "highway", "status": "operational"},
        ),
        (
            "polygons",
            {"type": "Polygon", "coordinates": [[[105.8, 21.0], [105.9, 21.0], [105.9, 21.1]]]},
            {"code": "01", "name_vi": "X", "kind": "city"},
        ),
    ],
    ids=["one-point-line", "unclosed-ring"],
)
def test_unbuildable_geometries_name_the_feature(
    tmp_path: Path, kind: str, geometry: dict[str, Any], props: dict[str, Any]
) -> None:
    from urbanchain.errors import InputFileError
    from urbanchain.io import read_layer

    path = tmp_path / "bad.geojson"
    path.write_text(_fc_text(geometry, props), encoding="utf-8")
    with pytest.raises(
        InputFileError, match=r"bad\.geojson: a geometry cannot be built \(feature\(s\) 0"
    ):
        read_layer(path, kind=kind)


def test_bad_geoparquet_crs_is_an_input_error(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from urbanchain.errors import InputFileError
    from urbanchain.io import read_layer

    path = tmp_path / "n.parquet"
    synthetic_chain().nodes.to_parquet(path)
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    geo = json.loads(meta[b"geo"])
    geo["columns"]["geometry"]["crs"] = "nonsense"
    meta[b"geo"] = json.dumps(geo).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
    with pytest.raises(
        InputFileError, match=r"n\.parquet: the CRS in its GeoParquet 'geo' metadata"
    ):
        read_layer(path, kind="nodes")


def test_gpkg_output_with_columns_differing_in_case(tmp_path: Path) -> None:
    from urbanchain.cli._outputs import write_graph
    from urbanchain.graph import graph_from_gdfs

    chain = synthetic_chain()
    G = graph_from_gdfs(chain.nodes, chain.corridors)
    for _, data in G.nodes(data=True):
        data["Name"] = "x"
    with pytest.raises(ValidationError, match=r"'name' and 'Name' differ only in case"):
        write_graph(G, tmp_path / "g.gpkg")
    assert not (tmp_path / "g.gpkg").exists()


def test_graphml_control_characters_are_replaced_and_counted(tmp_path: Path) -> None:
    import networkx as nx

    from urbanchain.cli._outputs import write_graph
    from urbanchain.errors import RepairWarning
    from urbanchain.graph import graph_from_gdfs

    chain = synthetic_chain()
    G = graph_from_gdfs(chain.nodes, chain.corridors)
    first = next(iter(G.nodes))
    G.nodes[first]["name"] = "bad\x01name\x1f"
    with pytest.warns(RepairWarning, match=r"U\+FFFD in 1 value"):
        out = write_graph(G, tmp_path / "g.graphml")
    back = nx.read_graphml(out)
    assert back.nodes[str(first)]["name"] == "bad\ufffdname\ufffd"
    assert G.nodes[first]["name"] == "bad\x01name\x1f"  # the caller's graph is unchanged


def test_tuple_node_ids_as_momepy_makes_them() -> None:
    from urbanchain import metrics
    from urbanchain.graph import graph_from_gdfs

    chain = synthetic_chain()
    nodes = chain.nodes.copy()
    ids = [(105.85, 21.03), (106.68, 20.86), (107.08, 20.95), (105.8, 21.22)]
    nodes["node_id"] = ids
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = graph_from_gdfs(nodes, chain.corridors)
        od = metrics.od_matrix(G, sources=ids[:3], targets=ids[:3])
        central = metrics.centrality(G)
    assert list(od.index) == ids[:3]
    assert not isinstance(od.index, pd.MultiIndex)
    assert od.loc[[ids[0]], [ids[1]]].to_numpy()[0, 0] > 0
    assert set(ids) <= set(central.index)


def test_comment_delimiters_across_features_hide_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A name with '{#' and a later one with '#}' would comment out everything between."""
    chain = synthetic_chain()
    nodes = chain.nodes.copy()
    nodes["name"] = ["Bridge {# phase 1", "Port", "Bay", "phase 2 #} Airport"]
    corridors = chain.corridors.copy()
    corridors["name"] = ["Ring {#", "Rail", "#} QL18"]
    spy = CompileSpy(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        page = maps.render_html(
            maps.chain_map(nodes=nodes, corridors=corridors, provinces=chain.provinces)
        )
    assert spy.containing("phase 1") == []
    collections = _collections(page)
    assert [len(c["features"]) for c in collections] == [3, 3, 4]
    tips = [_visible(f["properties"]["uc_tooltip"]) for f in collections[2]["features"]]
    assert [t.splitlines()[1] for t in tips] == list(nodes["name"])


@pytest.mark.parametrize("flag", ["directed", "split_at_junctions"])
def test_boolean_graph_options_refuse_text(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from urbanchain.cli import main
    from urbanchain.errors import GraphError
    from urbanchain.graph import graph_from_gdfs

    chain = synthetic_chain()
    with pytest.raises(GraphError, match=rf"{flag} must be True or False"):
        graph_from_gdfs(chain.nodes, chain.corridors, **{flag: "false"})
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[graph]\n{flag} = "false"\n', encoding="utf-8")
    assert main(["graph", "--config", str(cfg), "--out", str(tmp_path / "g.graphml")]) == 1
    assert f"{flag} must be True or False" in capsys.readouterr().err


def test_absurd_weights_refused_on_the_array_network_too() -> None:
    from urbanchain import metrics
    from urbanchain.errors import WeightError
    from urbanchain.graph import graph_from_gdfs

    chain = synthetic_chain()
    lines = chain.corridors.copy()
    lines["speed_kmh"] = 1e-300  # finite, but minutes beyond 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = graph_from_gdfs(chain.nodes, lines, output="network")
    with pytest.raises(WeightError, match="absurdly large"):
        metrics.od_matrix(net)


# --------------------------------------------------------------------------- world map (issue 20)


def _world_page(delta_chain: Any, text: str) -> str:
    """The world map of the Delta with ``text`` as a hub's name and code, a capital's and
    a gateway's name, and the title."""
    from types import SimpleNamespace

    import geopandas as gpd
    from shapely import Point

    G = delta_chain.graph.copy()  # new attribute dicts: the session chain is untouched
    for node in ("ha_noi", "noi_bai_airport"):  # the English map shows name_en
        G.nodes[node]["name"] = text
        G.nodes[node]["name_en"] = text
    view = SimpleNamespace(graph=G, capitals=delta_chain.capitals, region="red_river_delta")
    hubs = gpd.GeoDataFrame(
        {"hub_id": ["air_x"], "name": [text], "kind": ["airport"], "code": [text]},
        geometry=[Point(103.99, 1.35)],
        crs="EPSG:4326",
    )
    return maps.render_html(maps.world_map(view, hubs=hubs, hub="air_x", title=text))


@pytest.mark.parametrize("key", sorted(CORPUS))
def test_world_map_hub_and_place_names(
    key: str, monkeypatch: pytest.MonkeyPatch, delta_chain: Any
) -> None:
    text = f"{CORPUS[key]} {MARK}"
    spy = CompileSpy(monkeypatch)
    page = _world_page(delta_chain, text)
    assert spy.containing(MARK) == []
    shown = _html.to_text(text)
    rows = json.loads(re.search(r"var items = (\[.*?\]);\n", page, flags=re.S).group(1))
    assert [r[2] for r in rows if "uc-label-hub" in r[5]] == [shown]  # the hub's label
    assert shown in [r[2] for r in rows if r[5] == "uc-label-capital"]
    tips = [
        _visible(f["properties"]["uc_tooltip"])
        for c in _collections(page)
        for f in c["features"]
        if f["properties"]["uc_tooltip"]
    ]
    assert sum(shown in t for t in tips) >= 3  # the hub, Hà Nội, the Nội Bài leg
    title = re.search(r"<title>(.*?)</title>", page, flags=re.DOTALL)
    assert title is not None
    assert html.unescape(title.group(1)) == shown
    assert delta_chain.graph.nodes["ha_noi"]["name"] == "Hà Nội"


def test_world_map_elements_are_template_free(delta_chain: Any) -> None:
    m = maps.world_map(delta_chain, hubs=["air_sin", "sea_singapore"])
    names = set(template_free_names(m))
    assert {"UcWorldZoom", "UcWorldStyle", "UcLabels", "UcLegend"} <= names
