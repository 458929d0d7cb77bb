"""Shared pytest set-up: one Hypothesis profile for the whole suite.

Deadlines are off because CI has 2 shared cores and timing is not what these tests
check; example counts stay modest so the whole suite runs in a few minutes.
"""

import os

# torch's OpenMP threads spin while waiting by default; on 2 shared cores that starves the
# other thread (30x slower training steps measured). Must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
