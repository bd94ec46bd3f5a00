"""Readiness on the map and in the brief (issue 22, item 4): choropleth, ready vs connected."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from urbanchain import maps, metrics, readiness
from urbanchain.errors import ValidationError
from urbanchain.maps import _readiness as rd
from urbanchain.metrics._ready import CONNECTIVITY_COMPONENTS

DELTA_2008 = ["01", "22", "26", "27", "30", "31", "33", "34", "35", "36", "37"]


def _collections(page: str) -> list[dict[str, Any]]:
    """The GeoJSON collections of an urbanchain map page, in drawing order."""
    decoder = json.JSONDecoder()
    script = page[page.index("</body>") :]
    out = []
    for match in re.finditer(r"uc_feature_layer_\w+\.addData\(", script):
        data, _ = decoder.raw_decode(script, match.end())
        out.append(data)
    return out


def _province_fills(page: str) -> dict[str, str]:
    for collection in _collections(page):
        feats = collection["features"]
        if feats and "uc-province" in feats[0]["properties"]["uc_style"].get("className", ""):
            return {
                f["properties"]["uc_id"]: f["properties"]["uc_style"]["fillColor"] for f in feats
            }
    msg = "no province layer on the page"
    raise AssertionError(msg)


def _user_table(values: dict[str, float | None], *, year: int = 2020) -> pd.DataFrame:
    rows = [
        {
            "province_code": code,
            "year": year,
            "index": "pci",
            "component": "overall",
            "score": value,
            "source": "hand-made test table",
        }
        for code, value in values.items()
    ]
    return pd.DataFrame(rows)


# --- the classifier: a small hand-made case --------------------------------------------


def test_quadrants_follow_the_median_rule_on_a_hand_made_case():
    # medians over the four places with both values: connectivity 2.5, readiness 25
    conn = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": np.nan, "f": 5.0})
    ready = pd.Series({"a": 40.0, "b": 10.0, "c": 20.0, "d": 30.0, "e": 50.0})
    before = (conn.copy(), ready.copy())
    t = readiness.classify_ready_connected(conn, ready)
    assert t.attrs["connected_at"] == 2.5
    assert t.attrs["ready_at"] == 25.0
    assert t.attrs["n_compared"] == 4
    assert t["quadrant"].to_dict() == {
        "a": "ready_not_connected",
        "b": "neither",
        "c": "connected_not_ready",
        "d": "connected_ready",
        "e": "no_data",  # no connectivity: never "not connected"
        "f": "no_data",  # no readiness: never "not ready"
    }
    assert pd.isna(t.loc["e", "connected"])
    assert bool(t.loc["e", "ready"]) is True
    assert pd.isna(t.loc["f", "ready"])
    pd.testing.assert_series_equal(conn, before[0])  # inputs untouched
    pd.testing.assert_series_equal(ready, before[1])


def test_a_value_at_the_threshold_counts_as_reaching_it_and_thresholds_can_be_given():
    conn = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0})
    ready = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0})
    t = readiness.classify_ready_connected(conn, ready)  # odd count: b sits on both medians
    assert t.loc["b", "quadrant"] == "connected_ready"
    fixed = readiness.classify_ready_connected(conn, ready, connected_at=3.0, ready_at=0.0)
    assert fixed["quadrant"].tolist() == ["ready_not_connected"] * 2 + ["connected_ready"]
    assert fixed.attrs["connected_at"] == 3.0


@pytest.mark.parametrize(
    ("conn", "ready", "kwargs", "match"),
    [
        ({"a": 1.0}, {"a": 2.0}, {}, "median rule needs two"),
        ({"a": "x", "b": 1.0}, {"a": 1.0, "b": 2.0}, {}, "Non-numeric connectivity"),
        ({"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 2.0}, {"ready_at": float("nan")}, "finite"),
    ],
)
def test_classifier_errors_say_the_fix(conn, ready, kwargs, match):
    with pytest.raises(ValidationError, match=match):
        readiness.classify_ready_connected(pd.Series(conn), pd.Series(ready), **kwargs)


# --- which values a map shows -----------------------------------------------------------


def test_default_year_is_the_latest_with_every_province_scored():
    table = pd.concat(
        [
            _user_table({"01": 50.0, "31": 60.0}, year=2019),
            _user_table({"01": 51.0, "31": 61.0}, year=2020),
            _user_table({"01": 52.0}, year=2021),  # later, but Hải Phòng is missing
        ]
    )
    v = readiness.select_values(codes=["01", "31"], data=table)
    assert v.attrs["year"] == 2020
    assert v.attrs["coverage"] == (2, 2)
    assert v["score"].to_dict() == {"01": 51.0, "31": 61.0}
    only = readiness.select_values(codes=["01", "31"], data=table, year=2021)
    assert only.attrs["coverage"] == (1, 2)
    assert np.isnan(only.loc["31", "score"])
    partial = readiness.select_values(codes=["01", "31", "22"], data=table)
    assert partial.attrs["year"] == 2020  # no year covers all three: most covered, latest
    assert "no year has a score for every province" in partial.attrs["year_rule"]
    with pytest.raises(ValidationError, match="years with scores"):
        readiness.select_values(codes=["01"], data=table, year=2018)


def test_bundled_default_covers_the_whole_delta():
    v = readiness.select_values(codes=DELTA_2008)
    assert v.attrs["coverage"] == (11, 11)
    years = readiness.load(index="pci", component="overall", province=DELTA_2008)
    full = years[years["score"].notna()].groupby("year")["province_code"].nunique()
    assert v.attrs["year"] == max(y for y, n in full.items() if n == 11)


# --- the choropleth ---------------------------------------------------------------------


def test_choropleth_colours_follow_the_values_and_no_data_is_hatched(delta_chain):
    values = dict(zip(DELTA_2008, [50.0 + i for i in range(11)], strict=True))
    values["34"] = None  # Thái Bình: no data
    m = maps.readiness_map(delta_chain, data=_user_table(values), k=5, lang="en")
    page = maps.render_html(m)
    fills = _province_fills(page)
    assert fills["34"] == rd.HATCH
    assert [c for c, f in fills.items() if f == rd.HATCH] == ["34"]
    palette: list[str] = []
    for code in sorted((c for c in values if values[c] is not None), key=lambda c: values[c]):
        if not palette or palette[-1] != fills[code]:
            palette.append(fills[code])
    # each class colour appears in one run of increasing values: colours follow the values
    assert len(palette) == len(set(palette)) == 5
    assert 'id="uc-hatch"' in page
    assert "no data" in page
    assert "hand-made test table" in page  # the legend names the source
    assert "Provincial Competitiveness Index (PCI), overall score, 2020" in page


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("vintage", [2008, 2025])
def test_bundled_choropleth_names_index_year_and_source_in_both_languages(
    delta_chain, lang, vintage
):
    page = maps.render_html(maps.readiness_map(delta_chain, vintage=vintage, lang=lang))
    values = readiness.chain_values(delta_chain, vintage=vintage)
    year = values.attrs["year"]
    index = {
        "vi": "Chỉ số năng lực cạnh tranh cấp tỉnh (PCI)",
        "en": "Provincial Competitiveness Index (PCI)",
    }
    assert index[lang] in page
    assert f"{year}" in page
    assert "VCCI" in page
    assert "https://cdn" not in page
    fills = _province_fills(page)
    missing = {c for c, s in values["score"].items() if np.isnan(s)}
    assert {c for c, f in fills.items() if f == rd.HATCH} == missing
    if vintage == 2025:
        derived = {"vi": "Giá trị 2025 là số suy ra", "en": "2025 values are derived"}
        assert derived[lang] in page
        assert values.attrs["derived"]
    else:
        assert not missing  # every Delta province has the default year's score


def test_choropleth_leaves_the_chain_untouched_and_refuses_a_missing_layer(delta_chain):
    before = delta_chain.provinces_2008.copy()
    maps.readiness_map(delta_chain)
    pd.testing.assert_frame_equal(delta_chain.provinces_2008, before)
    from types import SimpleNamespace

    with pytest.raises(ValidationError, match="provinces_2008"):
        maps.readiness_map(SimpleNamespace(nodes=None), vintage=2008)
    with pytest.raises(ValidationError, match="'quadrant' column"):
        maps.ready_connected_map(delta_chain, table=pd.DataFrame({"name": ["x"]}))


# --- ready vs connected -----------------------------------------------------------------


@pytest.fixture(scope="module")
def delta_quadrants(delta_chain):
    return metrics.ready_vs_connected(delta_chain)


def test_ready_vs_connected_applies_the_documented_rule(delta_chain, delta_quadrants):
    t = delta_quadrants
    assert set(t.index) == set(delta_chain.capitals)
    both = t.dropna(subset=["connectivity", "readiness"])
    assert t.attrs["connected_at"] == pytest.approx(both["connectivity"].median())
    assert t.attrs["ready_at"] == pytest.approx(both["readiness"].median())
    for _, r in t.iterrows():
        if r["quadrant"] == "no_data":
            continue
        conn = r["connectivity"] >= t.attrs["connected_at"]
        ready = r["readiness"] >= t.attrs["ready_at"]
        want = {
            (True, True): "connected_ready",
            (True, False): "connected_not_ready",
            (False, True): "ready_not_connected",
            (False, False): "neither",
        }[(bool(conn), bool(ready))]
        assert r["quadrant"] == want
    # readiness is the capital's 2008 province score in the indicator year
    values = readiness.chain_values(delta_chain)
    for _, r in t.iterrows():
        assert r["readiness"] == pytest.approx(values.loc[r["province_code"], "score"])


def test_connectivity_is_the_weighted_connectivity_part_of_the_chain_score(delta_chain):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = metrics.chain_score(delta_chain, mass="province_population")
    t = metrics.ready_vs_connected(delta_chain, score=score)
    w = score.attrs["weights"]
    comps = [c for c in CONNECTIVITY_COMPONENTS if w.get(c, 0) > 0]
    for node in t.index:
        z = {c: score.loc[node, f"z_{c}"] for c in comps if pd.notna(score.loc[node, f"z_{c}"])}
        expected = sum(w[c] * z[c] for c in z) / sum(w[c] for c in z)
        assert t.loc[node, "connectivity"] == pytest.approx(expected)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_quadrant_map_colours_each_city_by_its_class(delta_chain, delta_quadrants, lang):
    page = maps.render_html(maps.ready_connected_map(delta_chain, table=delta_quadrants, lang=lang))
    points = [
        f
        for c in _collections(page)
        for f in c["features"]
        if "uc-quadrant" in f["properties"]["uc_style"].get("className", "")
    ]
    assert len(points) == len(delta_quadrants)
    for f in points:
        node = f["properties"]["uc_id"]
        q = delta_quadrants.loc[node, "quadrant"]
        assert f["properties"]["uc_style"]["fillColor"] == rd.QUADRANT_COLOURS[q]
    label = {"vi": "Kết nối tốt nhưng chưa sẵn sàng", "en": "Connected but not ready"}
    assert label[lang] in page
    rule = {"vi": "trung vị của chuỗi", "en": "the chain median"}
    assert rule[lang] in page


def test_quadrant_chart_labels_every_city(delta_quadrants):
    fig = maps.ready_connected_plot(delta_quadrants, lang="vi")
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert set(delta_quadrants["name"]) <= texts
    assert "Sẵn sàng nhưng kết nối kém" in texts  # quadrant captions, Vietnamese
    assert ax.lines[0].get_xdata()[0] == pytest.approx(delta_quadrants.attrs["connected_at"])
    assert ax.lines[1].get_ydata()[0] == pytest.approx(delta_quadrants.attrs["ready_at"])


def test_brief_has_the_ready_vs_connected_section(delta_chain):
    from urbanchain.report._readiness import readiness_section

    for lang, title in (("vi", "Sẵn sàng số và kết nối"), ("en", "Ready vs connected")):
        block = readiness_section(delta_chain, lang=lang)
        assert block["title"] == title
        assert block["unavailable"] is None
        assert block["chart"].startswith("data:image/png;base64,")
        assert len(block["rows"]) == len(delta_chain.capitals)
        assert "VCCI" in block["source"]


def test_main_job_writes_readiness_for_the_mekong_and_says_what_is_missing(tmp_path: Path):
    from urbanchain import UrbanChain
    from urbanchain.cli._outputs import write_readiness

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chain = UrbanChain.from_region("mekong_river_delta", year=2025)
        files, notes = write_readiness(chain, tmp_path, slug="mekong-river-delta")
    names = {p.relative_to(tmp_path).as_posix() for p in files}
    for vintage in (2008, 2025):
        for lang in ("vi", "en"):
            assert f"readiness-mekong-river-delta-{vintage}-{lang}.html" in names
    assert {
        "ready-connected-mekong-river-delta-vi.html",
        "analyses/ready_vs_connected.csv",
    } <= names
    table = pd.read_csv(tmp_path / "analyses" / "ready_vs_connected.csv", index_col="node_id")
    assert len(table) == len(chain.capitals)
    assert set(table["quadrant"]) <= set(readiness.QUADRANTS)
    # 2025 units: the bundled data have no sourced Mekong populations, so nothing is
    # aggregated and the map says so instead of drawing low scores
    have, total = notes["vintage_2025"]["coverage"]
    page = (tmp_path / "readiness-mekong-river-delta-2025-en.html").read_text(encoding="utf-8")
    fills = _province_fills(page)
    assert sum(f == rd.HATCH for f in fills.values()) == total - have
    if have == 0:
        assert "no sourced population weight" in page
