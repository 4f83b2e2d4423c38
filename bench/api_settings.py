"""Settings for ``bench/bench_api.py``: the product's, plus the baseline views' routes."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_baseline"
