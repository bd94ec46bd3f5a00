"""Shared fixtures for the urbanchain test suite."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
