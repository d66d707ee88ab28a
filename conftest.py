"""Test-session set-up shared by the unit tests and the nbval notebook runs.

The notebook kernels inherit this process's environment, so the variables set
here make their outputs reproducible too:
- PYTHONHASHSEED fixes the iteration order of sets and of dicts built from sets;
- SOURCE_DATE_EPOCH fixes the dates matplotlib writes into saved figures.
"""

import os

from hypothesis import HealthCheck, settings

os.environ["PYTHONHASHSEED"] = "0"
os.environ["SOURCE_DATE_EPOCH"] = "0"

# CI: derandomized (the same examples every run), no deadline (a loaded 2-core
# machine must not turn slowness into failures). Locally: random examples.
settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
