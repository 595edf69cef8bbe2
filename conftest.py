"""Collection rules for the whole tree (tests, doctests in src, examples in docs)."""

import importlib.util

# The PostgreSQL store needs the ``postgres`` extra; without it, its doctests are skipped.
collect_ignore = [] if importlib.util.find_spec("psycopg") else ["src/fengqiao/storage/postgres.py"]
# The service needs the ``service`` extra (FastAPI); without it, its doctests are skipped.
if not importlib.util.find_spec("fastapi"):
    collect_ignore.append("src/fengqiao/service")
