"""The docs build's griffe extension: Sphinx roles become cross-references, doctests fenced code."""

from __future__ import annotations

from pathlib import Path

import griffe
import pytest
from tools.griffe_reexports import RedundantAliases
from tools.griffe_sphinx_roles import fence_doctests, rewrite

SRC = Path(__file__).resolve().parents[2] / "src"

#: A package whose public ``api`` module exports what its private ``_impl`` module defines, two ways.
REEXPORTING = {
    "__init__.py": "",
    "_impl.py": '''
LIMIT = 3
"""The most there may be."""


class Thing:
    """A thing."""

    def shown(self) -> None:
        """Documented."""

    def _hidden(self) -> None:
        """Not documented."""
''',
    "api.py": """
from reexp._impl import LIMIT as LIMIT
from reexp._impl import Thing

__all__ = ["Thing"]
""",
    "other.py": "from reexp._impl import LIMIT\n",
}


@pytest.fixture(scope="module")
def package() -> griffe.Module:
    loaded = griffe.load("fengqiao", search_paths=[SRC], resolve_aliases=True, resolve_external=False)
    assert isinstance(loaded, griffe.Module)
    return loaded


def test_a_role_resolves_in_the_docstrings_scope(package: griffe.Module) -> None:
    check = package["workflow.Workflow.check"]
    assert rewrite(check, "as a :class:`Decision`.") == "as a [`Decision`][fengqiao.lifecycle.refusals.Decision]."
    # fire is defined on a private base class that two public workflows inherit: which one is meant is unknown
    assert rewrite(check, ":meth:`fire`") == "`fire()`"


def test_a_tilde_shows_the_last_name_and_a_full_path_stays_as_written(package: griffe.Module) -> None:
    module = package["ledger"]
    assert rewrite(module, ":class:`~fengqiao.errors.ValidationError`") == (
        "[`ValidationError`][fengqiao.errors.ValidationError]"
    )
    assert rewrite(module, ":mod:`fengqiao.ledger.follow`") == "[`fengqiao.ledger.follow`][fengqiao.ledger.follow]"


def test_a_private_or_unknown_target_stays_code_not_a_broken_link(package: griffe.Module) -> None:
    module = package["ledger"]
    assert rewrite(module, ":mod:`fengqiao.storage._chain`") == "`fengqiao.storage._chain`"
    assert rewrite(module, ":func:`no_such_function`") == "`no_such_function()`"


@pytest.fixture
def reexp(tmp_path: Path) -> griffe.Module:
    (tmp_path / "reexp").mkdir()
    for name, text in REEXPORTING.items():
        (tmp_path / "reexp" / name).write_text(text, encoding="utf-8")
    extensions = griffe.load_extensions(RedundantAliases)  # as mkdocs.yml loads it
    loaded = griffe.load("reexp", search_paths=[tmp_path], resolve_aliases=True, extensions=extensions)
    assert isinstance(loaded, griffe.Module)
    return loaded


def test_a_member_of_a_class_from_a_private_module_links_only_if_public(reexp: griffe.Module) -> None:
    thing = reexp["_impl.Thing"]
    assert rewrite(thing, ":meth:`shown`") == "[`shown()`][reexp.api.Thing.shown]"
    assert rewrite(thing, ":meth:`_hidden`") == "`_hidden()`"  # never documented: a link would point nowhere


def test_a_name_imported_as_itself_is_public_where_it_is_imported(reexp: griffe.Module) -> None:
    assert reexp["api"].members["LIMIT"].is_public
    assert not reexp["other"].members["LIMIT"].is_public  # a plain import is not a re-export
    assert rewrite(reexp["_impl.Thing"], ":data:`LIMIT`") == "[`LIMIT`][reexp.api.LIMIT]"


def test_doctest_lines_and_their_output_are_fenced() -> None:
    text = "Example.\n>>> 1 + 1\n2\n\nAfter.\n```python\n>>> inside a fence\n```"
    assert fence_doctests(text) == (
        "Example.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nAfter.\n```python\n>>> inside a fence\n```"
    )


def test_an_indented_doctest_keeps_its_indentation() -> None:
    assert fence_doctests("Examples:\n    >>> x = 1\n    >>> x\n    1") == (
        "Examples:\n\n    ```pycon\n    >>> x = 1\n    >>> x\n    1\n    ```"
    )
