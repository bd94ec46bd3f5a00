"""Readiness dataset (issue 22): sourced values, aggregation to 2025, chain-score use, bad input."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from urbanchain import datasets, metrics, readiness
from urbanchain.errors import UnknownNameError, ValidationError

ROOT = Path(__file__).parents[1]
DELTA_2008 = ["01", "22", "26", "27", "30", "31", "33", "34", "35", "36", "37"]
MEKONG_2008 = ["80", "82", "83", "84", "86", "87", "89", "91", "92", "93", "94", "95", "96"]


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_readiness", ROOT / "scripts/build_readiness.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_readiness"] = mod
    spec.loader.exec_module(mod)
    return mod


# --- the bundled table -------------------------------------------------------------


def test_build_is_byte_for_byte_reproducible(tmp_path):
    build = _build_module()
    build.build(ROOT / "data/sources/readiness", tmp_path)
    for name in ("readiness.csv", "readiness_sources.csv"):
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / name).read_bytes(), name


def test_every_row_has_a_known_source_and_a_year():
    t = pd.concat([readiness.load(vintage=2008), readiness.load(vintage=2025)])
    keys = set(readiness.sources()["key"])
    assert t["year"].between(2005, 2025).all()
    for value in t["source"]:
        parts = value.split("; ")
        assert set(parts) <= keys, value
    published = t[~t["derived"]]
    # a row exists only where a source gives a score or a rank
    assert (published["score"].notna() | published["rank"].notna()).all()


def test_sources_record_a_licence_status():
    s = readiness.sources()
    assert s["licence"].str.len().gt(0).all()
    assert s["url"].str.len().gt(0).all()


def test_dti_2022_covers_all_63_provinces_with_official_ranks():
    t = datasets.readiness(index="dti", year=2022, component="overall")
    assert len(t) == 63
    assert t["province_code"].nunique() == 63
    r = t.set_index("province_code")["rank"]
    # facts.md §4 (D1): Hà Nội 24, Hải Phòng 14, Quảng Ninh 3, Thái Bình 56
    assert (r["01"], r["31"], r["22"], r["34"]) == (24, 14, 3, 56)
    # official scores exist for the top 5 only (the stored page stops there)
    assert t["score"].notna().sum() == 6  # top 5 + Trà Vinh (R3)


@pytest.mark.parametrize("codes", [DELTA_2008, MEKONG_2008], ids=["delta", "mekong"])
def test_every_delta_and_mekong_province_has_full_pci_and_papi_years(codes):
    pci = datasets.readiness(index="pci", component="overall", province=codes)
    for year in (2009, 2010, 2011, 2012, 2013, 2015, 2016):
        assert set(pci.loc[pci["year"] == year, "province_code"]) == set(codes), year
    papi = datasets.readiness(index="papi", component="unweighted_total", province=codes)
    for year in (2011, 2012, 2013, 2015, 2016):
        assert set(papi.loc[papi["year"] == year, "province_code"]) == set(codes), year


def test_values_match_the_sources():
    pci = datasets.readiness(index="pci", year=2024).set_index("province_code")
    assert pci.loc["31", "score"] == 74.84
    assert pci.loc["31", "rank"] == 1
    dti24 = datasets.readiness(vintage=2025, index="dti", year=2024).set_index("province_code")
    assert dti24.loc["01", "score"] == 0.8241
    assert dti24.loc["01", "methodology"] == "dti-2024-34"
    assert not dti24["derived"].any()


def test_ha_noi_before_the_2008_merger_is_flagged():
    t = datasets.readiness(index="pci", year=2007, province="01", component="overall")
    assert "Hà Tây" in t["note"].item()
    assert t["rank_of"].item() == 64


# --- aggregation to the 34 units ---------------------------------------------------


def _toy(scores: dict[str, float], *, year: int = 2016, meth: str = "pci-2016") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "province_code": list(scores),
            "province_name": "",
            "vintage": 2008,
            "year": year,
            "index": "pci",
            "component": "overall",
            "score": list(scores.values()),
            "rank": pd.array([pd.NA] * len(scores), dtype="Int64"),
            "rank_of": pd.array([63] * len(scores), dtype="Int64"),
            "unit": "points 0-100",
            "methodology": meth,
            "derived": False,
            "weight_basis": "",
            "source": "R14",
            "note": "",
        }
    )


def test_population_weighted_mean_conserves_the_weighted_total():
    pop = datasets.provinces(region=None, vintage=2008).set_index("code")["population"]
    t = _toy({"30": 60.0, "31": 70.0, "33": 55.0, "34": 65.0})
    before = t.copy()
    u = readiness.aggregate_to_2025(t).set_index("province_code")
    pd.testing.assert_frame_equal(t, before)  # the caller's table is not modified
    for unit, members in (("31", ["30", "31"]), ("33", ["33", "34"])):
        w = pop[members].astype(float)
        s = t.set_index("province_code").loc[members, "score"]
        assert u.loc[unit, "score"] * w.sum() == pytest.approx(float((w * s).sum()))
        assert u.loc[unit, "derived"]
        assert pd.isna(u.loc[unit, "rank"])
        assert "population" in u.loc[unit, "weight_basis"]


def test_equal_and_user_weights():
    t = _toy({"30": 60.0, "31": 70.0})
    assert (
        readiness.aggregate_to_2025(t, weights="equal")
        .set_index("province_code")
        .loc["31", "score"]
        == 65.0
    )
    u = readiness.aggregate_to_2025(t, weights={"30": 1, "31": 3}).set_index("province_code")
    assert u.loc["31", "score"] == pytest.approx(67.5)


def test_missing_weight_or_member_is_said_not_silently_aggregated():
    # 24 Bắc Giang (merged into the new Bắc Ninh, unit 24) has no official population
    # in the bundled data, so the unit's score is left empty with a note
    t = _toy({"24": 50.0, "27": 60.0})
    u = readiness.aggregate_to_2025(t).set_index("province_code")
    assert np.isnan(u.loc["24", "score"])
    assert "no population weight for member(s) 24" in u.loc["24", "note"]
    t2 = _toy({"30": 60.0})
    u2 = readiness.aggregate_to_2025(t2).set_index("province_code")
    assert np.isnan(u2.loc["31", "score"])
    assert "no score for member(s) 31" in u2.loc["31", "note"]


def test_unchanged_unit_keeps_its_score_but_not_its_rank():
    u = datasets.readiness(vintage=2025, index="pci", year=2016, component="overall")
    hn = u.set_index("province_code").loc["01"]
    src = datasets.readiness(index="pci", year=2016, component="overall", province="01")
    assert hn["score"] == src["score"].item()
    assert pd.isna(hn["rank"])


def test_aggregation_refuses_mixed_methodologies():
    t = pd.concat([_toy({"30": 60.0}), _toy({"31": 70.0}, meth="pci-other")])
    with pytest.raises(ValidationError, match="mixes methodologies"):
        readiness.aggregate_to_2025(t)


def test_compare_refuses_across_the_break_and_works_within_one_edition():
    t = datasets.readiness(vintage=2025, index="dti")
    with pytest.raises(ValidationError, match="across methodologies"):
        readiness.compare(t, index="dti", years=[2022, 2024])
    papi = datasets.readiness(index="papi")
    c = readiness.compare(papi, index="papi", component="unweighted_total", years=[2011, 2016])
    assert c.loc["31", "change"] == pytest.approx(c.loc["31", 2016] - c.loc["31", 2011])


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"index": "dtii"}, "Did you mean 'dti'"),
        ({"component": "digital_govt"}, "readiness component"),
        ({"year": 1999}, "readiness year"),
        ({"vintage": 2020}, "vintage"),
        ({"province": "99"}, "province code"),
    ],
)
def test_unknown_names_raise(kwargs, match):
    with pytest.raises(UnknownNameError, match=match):
        datasets.readiness(**kwargs)


def _user(**over):
    base = {"province_code": ["01", "31"], "year": [2022, 2022], "index": ["dti", "dti"],
            "component": ["overall", "overall"], "score": [0.6, 0.7]}  # fmt: skip
    base.update(over)
    return pd.DataFrame(base)


def test_user_table_errors_name_the_value_and_the_fix():
    with pytest.raises(ValidationError, match=r"Duplicate province-years.*01/2022/dti:overall"):
        readiness.validate_table(_user(province_code=["01", "01"]))
    with pytest.raises(ValidationError, match=r"Non-numeric score.*row 1: 'high'"):
        readiness.validate_table(_user(score=[0.6, "high"]))
    with pytest.raises(ValidationError, match=r"Unknown province codes for vintage 2008.*'99'"):
        readiness.validate_table(_user(province_code=["01", "99"]))
    with pytest.raises(UnknownNameError, match="dti component"):
        readiness.validate_table(_user(component=["overall", "e_gov"]))
    with pytest.raises(ValidationError, match="Infinite score"):
        readiness.validate_table(_user(score=[0.6, np.inf]))
    with pytest.raises(ValidationError, match="non-integer year"):
        readiness.validate_table(_user(year=[2022, 2022.5]))
    with pytest.raises(ValidationError, match="lacks column"):
        readiness.validate_table(_user().drop(columns="year"))


def test_parse_indicator():
    assert readiness.parse_indicator("dti:digital_government@2022") == (
        "dti",
        "digital_government",
        2022,
    )
    assert readiness.parse_indicator("papi") == ("papi", "overall", None)
    with pytest.raises(ValidationError, match="index\\[:component\\]\\[@year\\]"):
        readiness.parse_indicator("dti/overall")


# --- chain score ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy_chain():
    from urbanchain.metrics._toy import diamond

    nodes = pd.DataFrame(
        {
            "node_id": ["a", "b", "c", "d"],
            "is_capital": [True, True, True, False],
            "province_2008": ["01", "31", "22", "30"],
            "dti_rank_2022": [24, 14, 3, None],
            "pci_rank_2024": [24, 1, 2, None],
            "ioc_since": [None, 2021, 2019, None],
        }
    )
    return SimpleNamespace(graph=diamond(), nodes=nodes)


def test_chain_score_uses_scores_where_published_and_reports_years(toy_chain):
    s = metrics.chain_score(toy_chain, readiness=["dti", "pci@2024"])
    info = s.attrs["readiness"]
    assert info["pci:overall"] == {**info["pci:overall"], "year": 2024, "measure": "score"}
    # DTI 2022: ranks for all three, scores for Quảng Ninh only -> ranks, and said so
    assert info["dti:overall"]["year"] == 2022
    assert info["dti:overall"]["measure"] == "rank"
    assert s.loc["b", "readiness_used"] == "dti:overall@2022(rank); pci:overall@2024(score)"
    assert s.attrs["weights"]["dti"] == 0
    assert s.attrs["weights"]["pci:overall"] > 0
    assert s["pci_overall_2024_score"].to_dict() == {"b": 74.84, "c": 73.2, "a": 68.38}
    assert sum(s.attrs["weights"].values()) == pytest.approx(1.0)


def test_chain_score_with_user_table_and_errors(toy_chain):
    t = pd.DataFrame({"province_code": ["01", "31", "22"], "year": 2030, "index": "dti",
                      "component": "digital_government", "score": [0.2, 0.9, 0.5]})  # fmt: skip
    s = metrics.chain_score(toy_chain, readiness={"dti:digital_government": 0.3}, readiness_data=t)
    assert s.attrs["readiness"]["dti:digital_government"]["year"] == 2030
    assert s.index[0] == "b"
    with pytest.raises(ValidationError, match="No year in which two scored capitals"):
        metrics.chain_score(toy_chain, readiness=["papi:e_governance"])
    with pytest.raises(ValidationError, match="years with values"):
        metrics.chain_score(toy_chain, readiness=["pci@2004"])  # PCI began in 2005


def test_score_sensitivity_covers_indicator_choice(toy_chain):
    sens = metrics.score_sensitivity(
        toy_chain,
        n=20,
        readiness=["dti"],
        indicator_sets=[["pci@2024"], ["pci@2016", "papi:unweighted_total"]],
    )
    choice = sens.attrs["indicator_choice"]
    assert list(choice["indicators"]) == [
        "pci:overall@2024",
        "pci:overall@2016, papi:unweighted_total@2016",
    ]
    assert choice["spearman"].between(-1, 1).all()
    assert (sens["indicator_min_rank"] <= sens["base_rank"]).all()
    assert (sens["indicator_max_rank"] >= sens["base_rank"]).all()


# --- consistency and packaging -----------------------------------------------------------


def test_node_layer_ranks_agree_with_the_readiness_table():
    nodes = datasets.nodes(include_reach=False)
    caps = nodes[nodes["is_capital"].astype(str).str.lower() == "true"]
    checked = 0
    for col, (idx, year) in {
        "dti_rank_2022": ("dti", 2022),
        "dti_rank_2023": ("dti", 2023),
        "pci_rank_2022": ("pci", 2022),
        "pci_rank_2024": ("pci", 2024),
    }.items():
        t = datasets.readiness(index=idx, year=year, component="overall").set_index("province_code")
        for _, n in caps.iterrows():
            rank = pd.to_numeric(pd.Series([n[col]]), errors="coerce").iloc[0]
            if pd.notna(rank):
                assert t.loc[str(n["province_2008"]), "rank"] == rank, (col, n["node_id"])
                checked += 1
    assert checked >= 20


def test_bundled_readiness_files_ship_in_the_wheel():
    import tomllib

    from urbanchain._private._bundled import BUNDLED

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = conf["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    for name in ("readiness.csv", "readiness_sources.csv"):
        assert name in BUNDLED
        assert shipped[f"data/{name}"] == f"urbanchain/_data/{name}"


def test_aggregation_conserves_weighted_totals_for_random_inputs():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=40, deadline=None)
    @hypothesis.given(
        st.lists(st.floats(0, 100), min_size=3, max_size=3),
        st.lists(st.floats(0.1, 1e7), min_size=3, max_size=3),
    )
    def check(scores, weights):
        codes = ["17", "25", "26"]  # Hòa Bình, Phú Thọ, Vĩnh Phúc -> 25 Phú Thọ
        t = _toy(dict(zip(codes, scores, strict=True)))
        u = readiness.aggregate_to_2025(t, weights=dict(zip(codes, weights, strict=True)))
        s = u.set_index("province_code").loc["25", "score"]
        assert s * sum(weights) == pytest.approx(
            sum(w * x for w, x in zip(weights, scores, strict=True)), rel=1e-9, abs=1e-6
        )
        assert min(scores) - 1e-9 <= s <= max(scores) + 1e-9

    check()


def test_mirror_values_agree_with_an_independent_page():
    # R20 (Vĩnh Phúc portal) prints the PCI 2016 leaders: Đà Nẵng 70.00, Quảng Ninh 65.60,
    # Đồng Tháp 64.96; the CC0 mirror (R14) must round to the same values
    t = datasets.readiness(index="pci", year=2016, component="overall").set_index("province_code")
    assert round(t.loc["48", "score"], 2) == 70.00
    assert round(t.loc["22", "score"], 2) == 65.60
    assert round(t.loc["87", "score"], 2) == 64.96
    assert t.loc["48", "source"] == "R14"


@pytest.mark.parametrize(
    ("code", "year", "printed"),
    [
        # PCI scores as VCCI's own province pages print them (R26-R28), for years that the
        # bundled table takes from the mirror (R14): an independent check of the transcription
        ("31", 2016, 60.10),
        ("31", 2015, 58.65),
        ("31", 2013, 59.76),
        ("31", 2006, 49.98),
        ("26", 2016, 61.52),
        ("26", 2015, 62.56),
        ("25", 2016, 58.60),
        ("25", 2015, 58.37),
    ],
)
def test_pci_mirror_agrees_with_vccis_province_pages(code, year, printed):
    t = readiness.load(index="pci", component="overall", province=code, year=year)
    assert t["score"].iloc[0] == pytest.approx(printed, abs=0.005)
    assert t["source"].iloc[0] == "R14"


def test_province_pages_fill_pci_2014_and_2017_2022():
    t = readiness.load(index="pci", province=["31", "25"], year=[2014, 2018, 2022])
    got = t.groupby(["province_code", "year"])["component"].nunique()
    assert (got == 11).all()  # overall and the 10 sub-indices of each page year
    assert set(t["source"]) >= {"R26", "R28"}


# --- issue 22 coverage: values from the stored pages read in December 2026 -----------


@pytest.mark.parametrize(
    "case",
    [
        # (index, year, province, component, score, rank, source) as printed on the stored page (sources.csv R35-R56)
        ("pci", 2019, "94", "overall", 63.70, 53, "R35"),  # Sóc Trăng province page
        ("pci", 2014, "94", "entry_costs", 8.71, None, "R35"),
        ("pci", 2020, "94", "legal_institutions", 7.14, None, "R35"),
        ("pci", 2017, "94", "policy_bias", 4.88, None, "R35"),
        ("pci", 2020, "80", "time_costs", 9.06, None, "R40"),  # Long An, Báo Long An
        ("pci", 2021, "91", "overall", 59.73, 60, "R42"),  # Kiên Giang, VCCI News
        ("pci", 2020, "91", "overall", 60.01, 62, "R43"),
        ("pci", 2022, "84", "overall", 66.06, 26, "R37"),  # Trà Vinh portal
        ("pci", 2024, "84", "overall", 68.94, 18, "R38"),
        ("pci", 2023, "30", "overall", 68.68, 17, "R39"),  # Hải Dương
        ("pci", 2024, "93", "overall", 70.54, 7, "R55"),  # Hậu Giang
        ("papi", 2021, "30", "overall", 42.68, 25, "R44"),
        ("papi", 2021, "30", "e_governance", 3.6, None, "R44"),
        ("papi", 2020, "01", "e_governance", 2.918, None, "R45"),
        ("papi", 2023, "27", "public_service_delivery", 8.2568, None, "R48"),
        ("papi", 2023, "94", "overall", 45.61, 4, "R47"),
        ("papi", 2019, "92", "participation", 5.12, None, "R49"),
        ("dti", 2021, "48", "overall", 0.6419, 1, "R50"),
    ],
)
def test_new_values_match_their_source_rows(case):
    index, year, code, component, score, rank, source = case
    t = readiness.load(index=index, year=year, component=component, province=code)
    assert len(t) == 1
    row = t.iloc[0]
    assert row["score"] == pytest.approx(score, abs=1e-9)
    if rank is None:
        assert pd.isna(row["rank"])
    else:
        assert row["rank"] == rank
    assert source in row["source"].split("; ")
    assert row["methodology"] == (
        f"{index}-{year}" if index != "papi" or year > 2016 else "papi-2011"
    )


def test_rows_that_merge_two_sources_agree_and_keep_both():
    # Long An PCI 2020: rank 3 from the ordered list (R22), score and rank from Báo Long An (R40)
    t = readiness.load(index="pci", year=2020, component="overall", province="80").iloc[0]
    assert (t["score"], t["rank"]) == (70.37, 3)
    assert set(t["source"].split("; ")) == {"R22", "R40"}
    # Hà Nội PAPI 2020 printed identically by two government pages
    t = readiness.load(index="papi", year=2020, component="overall", province="01").iloc[0]
    assert (t["score"], t["rank"]) == (41.629, 48)
    assert set(t["source"].split("; ")) == {"R45", "R46"}


def test_conflicting_or_tied_printings_are_not_resolved_by_guessing():
    # R46 prints Quảng Ninh's PAPI 2020 total as 48.811; the total stays R29's 48.881
    qn = readiness.load(index="papi", year=2020, component="overall", province="22").iloc[0]
    assert qn["score"] == 48.881
    assert qn["source"] == "R29"
    # Phú Thọ and Đồng Tháp share 70.35 in PCI 2024 and no rank is printed for them
    tie = readiness.load(index="pci", year=2024, component="overall", province=["25", "87"])
    assert (tie["score"] == 70.35).all()
    assert tie["rank"].isna().all()


@pytest.mark.parametrize(
    ("year", "printed"), [(2006, 55.34), (2013, 58.97), (2015, 59.04), (2016, 60.07)]
)
def test_soc_trang_province_page_agrees_with_the_mirror(year, printed):
    # years the table takes from the mirror (R14): the page (R35) is an independent check
    t = readiness.load(index="pci", component="overall", province="94", year=year).iloc[0]
    assert t["score"] == pytest.approx(printed, abs=0.005)
    assert t["source"] == "R14"


# Delta and Mekong provinces (of 11 and 13) with a published overall value (score or rank)
# per index-year after 2016, as documented in docs/readiness.md; years with full tables
# are checked above.  A drop means a value was lost; a rise must update the docs.
COVERAGE_AFTER_2016 = {
    ("dti", 2020): (2, 1),
    ("dti", 2021): (1, 2),
    ("dti", 2022): (11, 13),
    ("dti", 2023): (2, 1),
    ("dti", 2024): (2, 0),
    ("pci", 2017): (3, 6),
    ("pci", 2018): (5, 7),
    ("pci", 2019): (5, 7),
    ("pci", 2020): (7, 6),
    ("pci", 2021): (7, 6),
    ("pci", 2022): (5, 6),
    ("pci", 2023): (4, 2),
    ("pci", 2024): (4, 4),
    ("papi", 2017): (1, 0),
    ("papi", 2020): (3, 1),
    ("papi", 2021): (1, 0),
    ("papi", 2022): (1, 1),
    ("papi", 2023): (2, 3),
    ("papi", 2024): (1, 0),
}


def test_coverage_counts_of_the_delta_and_mekong_after_2016():
    t = readiness.load(component="overall", vintage=2008)
    t = t[t["year"] > 2016]
    got = {}
    for (idx, year), g in t.groupby(["index", "year"]):
        codes = set(g["province_code"])
        got[(idx, int(year))] = (len(codes & set(DELTA_2008)), len(codes & set(MEKONG_2008)))
    got = {k: v for k, v in got.items() if v != (0, 0)}
    assert got == COVERAGE_AFTER_2016
