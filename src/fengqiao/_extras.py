"""Which extra installs each optional dependency, and the one-line error that names it.

A module that needs an extra imports its optional packages inside ``try`` and raises
:func:`extra_error` when one is missing: a :class:`ModuleNotFoundError` (so
``except ImportError`` still works) whose message says what to install.

>>> exc = ModuleNotFoundError("No module named 'psycopg'", name="psycopg")
>>> print(extra_error("PostgresEventStore", exc))
PostgresEventStore needs the postgres extra (psycopg is not installed): pip install 'fengqiao[postgres]'
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

__all__ = ["EXTRAS", "extra_error", "require"]

EXTRAS: Mapping[str, str] = {
    "psycopg": "postgres",
    "psycopg_pool": "postgres",
    "hypothesis": "testing",
    "pytest": "testing",
    "pandas": "pandas",
    "fastapi": "service",
    "uvicorn": "service",
}
"""Optional top-level package → the extra of ``pyproject.toml`` that installs it."""


def extra_error(feature: str, exc: ModuleNotFoundError) -> ModuleNotFoundError:
    """The error to raise when ``feature`` could not import a package: naming its extra, if one installs it.

    ``exc`` itself comes back when the missing module is not one an extra installs (a broken
    installation says so as it is).
    """
    package = (exc.name or "").partition(".")[0]
    extra = EXTRAS.get(package)
    if extra is None:
        return exc
    return ModuleNotFoundError(
        f"{feature} needs the {extra} extra ({package} is not installed): pip install 'fengqiao[{extra}]'",
        name=package,
    )


def require(feature: str, *packages: str) -> None:
    """Import ``packages``, or raise :func:`extra_error` for the first one missing.

    Raises:
        ModuleNotFoundError: a package is not installed; the message names the extra.
    """
    for package in packages:
        try:
            importlib.import_module(package)
        except ModuleNotFoundError as exc:
            raise extra_error(feature, exc) from exc
