"""Shared fixtures for the urbanchain test suite."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import networkx as nx
import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from urbanchain import UrbanChain

# A fixed, bounded Hypothesis profile so CI time stays predictable.
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("URBANCHAIN_HYPOTHESIS_PROFILE", "ci"))


# --------------------------------------------------------------------------- shared graphs


@pytest.fixture
def diamond() -> nx.MultiGraph:
    """The four-node toy graph with hand-worked answers (a fresh copy per test).

    Drawn in :mod:`urbanchain.metrics._toy`: a-b 10, a-c 20, b-d 10, c-d 20
    minutes; corridors c1 = a-b-d, c2 = a-c, c3 = c-d; d is a seaport.
    """
    from urbanchain.metrics._toy import diamond as toy

    return toy()


@pytest.fixture
def random_chain() -> nx.MultiGraph:
    """A random 40-node chain graph: parallel edges, two components, all node kinds."""
    from _graphs import random_chain_graph

    return random_chain_graph(0)


@pytest.fixture(scope="session")
def delta_chain() -> UrbanChain:
    """The bundled Red River Delta chain (2025 network), built once per session.

    Treat it as read-only: every module that uses it shares the same object.
    """
    from urbanchain import UrbanChain

    return UrbanChain.from_region("red_river_delta", year=2025)
