"""Every path that needs an extra says which one, in one line, when its packages are missing.

Each check runs in a fresh interpreter where the packages are made unimportable
(``sys.modules[name] = None``, as when the extra was never installed).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

POSTGRES = "needs the postgres extra (psycopg is not installed): pip install 'fengqiao[postgres]'"


def without(packages: tuple[str, ...], code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter that cannot import ``packages``."""
    script = "import sys\n" + "".join(f"sys.modules[{p!r}] = None\n" for p in packages) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)


def test_every_postgres_path_names_the_postgres_extra_without_psycopg() -> None:
    result = without(
        ("psycopg", "psycopg_pool"),
        """
        from fengqiao.ledger import open_ledger
        for attempt in (
            lambda: open_ledger("postgresql://nobody@127.0.0.1:1/none"),
            lambda: __import__("fengqiao.storage.postgres"),
            lambda: __import__("fengqiao.ledger.postgres"),
            lambda: __import__("fengqiao.storage", fromlist=["PostgresEventStore"]).PostgresEventStore,
            lambda: __import__("fengqiao.ledger", fromlist=["PostgresFollower"]).PostgresFollower,
            lambda: __import__("fengqiao.storage.aio.postgres"),
        ):
            try:
                attempt()
            except ModuleNotFoundError as exc:
                print(exc.name, exc, sep=": ")
        """,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    assert all(line.startswith("psycopg: ") and line.endswith(POSTGRES) for line in lines), lines


@pytest.mark.parametrize(
    ("missing", "code", "feature"),
    [
        (("hypothesis",), "import fengqiao.testing", "fengqiao.testing"),
        (("hypothesis",), "from fengqiao.testing import strategies", "fengqiao.testing"),
        (("pytest",), "from fengqiao.testing import EventStoreContract", "fengqiao.testing's contract suites"),
    ],
)
def test_the_testing_toolkit_names_the_testing_extra(missing: tuple[str, ...], code: str, feature: str) -> None:
    result = without(missing, code)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"ModuleNotFoundError: {feature} needs the testing extra ({missing[0]} is not installed):"
        " pip install 'fengqiao[testing]'"
    )


def test_the_strategies_need_no_pytest() -> None:
    result = without(("pytest",), "from fengqiao.testing import lifecycles; print('ok')")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr


def test_the_cli_says_in_one_line_which_extra_a_dsn_needs() -> None:
    result = without(
        ("psycopg", "psycopg_pool"),
        """
        sys.argv = ["fengqiao", "db", "verify", "--dsn", "postgresql://nobody@127.0.0.1:1/none"]
        from fengqiao.cli import main
        main()
        """,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: PostgresEventStore {POSTGRES}\n"


def test_the_service_names_the_service_extra_without_fastapi() -> None:
    result = without(("fastapi",), "import fengqiao.service")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "ModuleNotFoundError: fengqiao.service needs the service extra (fastapi is not installed):"
        " pip install 'fengqiao[service]'"
    )
