"""Collection rules for the whole tree (tests, doctests in src, examples in docs)."""

import importlib.util
import os

from hypothesis import HealthCheck, settings

# The PostgreSQL store needs the ``postgres`` extra; without it, its doctests are skipped.
collect_ignore = (
    []
    if importlib.util.find_spec("psycopg")
    else [
        "src/fengqiao/storage/postgres.py",
        "src/fengqiao/storage/_postgres_appends.py",
        "src/fengqiao/storage/_postgres_connection.py",
    ]
)
# The service needs the ``service`` extra (FastAPI); without it, its doctests are skipped.
if not importlib.util.find_spec("fastapi"):
    collect_ignore.append("src/fengqiao/service")

# Timings are the benchmarks' business, never a test's: no per-example deadline, and a loaded machine does not
# fail a health check for slow data generation. Every example still runs; HYPOTHESIS_PROFILE picks another profile.
settings.register_profile("fengqiao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fengqiao"))
