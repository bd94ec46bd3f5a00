"""The UrbanChain facade on the bundled Red River Delta."""

from __future__ import annotations

import networkx as nx
import pytest

from urbanchain import UrbanChain
from urbanchain.chain import DELTA_GRAPH_OPTIONS
from urbanchain.errors import UnknownNameError, ValidationError


@pytest.fixture(scope="module")
def chain(delta_chain):
    return delta_chain


def test_from_region_layers(chain):
    assert len(chain.provinces_2008) == 11
    assert sorted(chain.provinces["code"]) == ["01", "22", "24", "25", "31", "33", "37"]
    assert len(chain.capitals) == 11
    assert chain.year == 2025
    assert "UrbanChain(region='red_river_delta', year=2025" in repr(chain)
    html = chain._repr_html_()
    assert "<table" in html
    assert "provinces_2008" in html


def test_graph_connects_all_capitals(chain):
    G = chain.graph
    comp = nx.node_connected_component(G, chain.capitals[0])
    assert set(chain.capitals) <= comp
    assert G.graph["crs"] == "EPSG:4326"
    assert G.graph["as_of"] == 2025


def test_hyphenated_region_and_older_year():
    old = UrbanChain.from_region("red-river-delta", year=2020)
    assert len(old.provinces) == 11  # before the 2025 merger: 2008 vintage
    assert old.region == "red_river_delta"


def test_a_chain_before_the_merger_maps_and_briefs(tmp_path):
    """A 2020 chain (2008 provinces as both vintages) draws its map and brief."""
    from urbanchain import maps
    from urbanchain.report import brief

    old = UrbanChain.from_region("red_river_delta", year=2020)
    page = maps.render_html(maps.chain_map(old))  # no 'two 2008 layers' error
    assert "uc-province-2008" in page
    assert "uc-province-2025" not in page
    text = brief(old, lang="en", path=tmp_path / "brief.html", static_map=False, readiness=False)
    assert (tmp_path / "brief.html").read_text(encoding="utf-8") == text
    assert "2020" in text
    assert "Thái Bình" in text


def test_a_year_before_the_bundled_layers_warns_at_the_callers_line():
    from urbanchain.errors import DataQualityWarning

    with pytest.warns(DataQualityWarning, match=r"year=2000 is before the bundled layers") as rec:
        UrbanChain.from_region("red_river_delta", year=2000)
    assert rec[0].filename == __file__
    chain = UrbanChain.from_region("red_river_delta", year=2008)  # no warning from 2008 on
    with pytest.warns(DataQualityWarning, match=r"year=1990 is before") as rec:
        chain.as_of(1990)
    assert rec[0].filename == __file__


def test_unknown_region_lists_valid_ids():
    with pytest.raises(UnknownNameError, match="red_river_delta"):
        UrbanChain.from_region("red_river_detla")


def test_as_of_returns_new_chain(chain):
    later = chain.as_of(2030)
    assert later is not chain
    assert chain.year == 2025
    assert later.year == 2030
    assert len(later.network) >= len(chain.network)


def test_layers_are_copies(chain):
    nodes = chain.nodes
    nodes.loc[:, "name"] = "changed"
    assert (chain.nodes["name"] != "changed").all()


def test_user_layers_required():
    with pytest.raises(ValidationError, match="from_region"):
        UrbanChain(nodes=None, corridors=None)


def test_user_layers_build_a_graph(chain):
    own = UrbanChain(
        nodes=chain.nodes,
        corridors=chain.corridors,
        year=2025,
        graph_options=DELTA_GRAPH_OPTIONS,
    )
    assert own.graph.number_of_edges() == chain.graph.number_of_edges()


@pytest.mark.parametrize("key", ["output", "as_of"])
def test_graph_options_refuse_keys_the_chain_sets_itself(key):
    from urbanchain import datasets
    from urbanchain.errors import ValidationError

    with pytest.raises(ValidationError, match=rf"graph_options may not set {key}.*year="):
        UrbanChain(
            nodes=datasets.nodes(),
            corridors=datasets.corridors(),
            year=2025,
            graph_options={key: "network" if key == "output" else 2030},
        )
