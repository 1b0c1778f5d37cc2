"""Hypothesis profiles for the property-based tests (tests/test_fuzz_surfaces.py).

- "ci" (default): derandomized (a fixed seed), a few hundred examples per property, a few thousand in all; no
  deadline (CI machines vary), no example database (runs are reproducible from the seed alone).
- "long": `HYPOTHESIS_PROFILE=long` (bench/fuzz_long.py): randomized, many more examples per property.
- "dev": a quick smoke run while editing.

A test scales its own example count with `examples(n)`, which multiplies n by the profile's factor, so
cheap properties get more examples than properties that run the whole rule engine.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)

settings.register_profile("ci", derandomize=True, max_examples=100, **_COMMON)
settings.register_profile("long", derandomize=False, max_examples=2000, **_COMMON)
settings.register_profile("dev", derandomize=True, max_examples=20, **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)

#: Multiplier applied by `examples()`: the long profile runs ~20x the CI count (HYPOTHESIS_SCALE overrides).
SCALE = float(os.environ.get("HYPOTHESIS_SCALE") or {"ci": 1.0, "long": 20.0, "dev": 0.2}.get(PROFILE, 1.0))


def examples(n: int) -> int:
    return max(1, int(n * SCALE))


import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _user_cache_home(tmp_path_factory):
    """The cache's per-user secret lives in $XDG_CACHE_HOME: keep the suite's out of the real home."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
