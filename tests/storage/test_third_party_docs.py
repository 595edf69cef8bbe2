"""The store of ``docs/testing-contracts.md`` is ``test_third_party_store.py``, whole; it passes tampering too.

That module is the page's example character for character (pytest's markdown run executes the
page's copy; the module runs the contract). It uses only what the page shows: ``RowStore`` and
its values from ``fengqiao.storage``, and ``fengqiao.testing.contracts``. Here the same store
also gets the contract's optional ``tamper`` fixture, written against its two fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from fengqiao.lifecycle.events import Event
from fengqiao.storage import EventStore, Head, Row
from fengqiao.testing.contracts import Tamper, forge
from tests.storage import test_third_party_store as example

EXAMPLE = Path(example.__file__)
PAGE = Path(__file__).parents[2] / "docs" / "testing-contracts.md"


def test_the_docs_show_the_store_module_whole() -> None:
    page = PAGE.read_text(encoding="utf-8")
    shown = re.search(r"```python\n(.*?)```", page[page.index("## A store of your own") :], re.DOTALL)
    assert shown is not None
    assert shown.group(1) == EXAMPLE.read_text(encoding="utf-8")


def test_the_store_is_at_most_thirty_lines() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    store = text[text.index("class ListStore") : text.index("class TestListStore")].rstrip()
    assert 20 <= len(store.splitlines()) <= 30, store


class TestListStoreTampered(example.TestListStore):
    """The contract again, with the anchor checks that rewrite a stream behind the store's back."""

    @pytest.fixture
    def tamper(self, store: EventStore) -> Tamper:
        """Rewrites the store's list and heads as :class:`~fengqiao.testing.contracts.Tamper` says."""
        assert isinstance(store, example.ListStore)

        def rewrite(stream_id: str, events: Sequence[Event], *, rename: str | None = None) -> None:
            name = rename or stream_id
            old = [row for row in store.rows if row.stream_id == stream_id]
            forged = {
                was.position: Row(name, version, was.position, kind, schema, data, prev, digest, was.recorded_at)
                for (version, kind, schema, data, prev, digest), was in zip(forge(name, events), old, strict=False)
            }
            kept = (row for row in store.rows if row.stream_id != stream_id or row.position in forged)
            store.rows = [forged.get(row.position, row) for row in kept]
            del store.heads[stream_id]
            if forged:
                *_, last = forged.values()
                store.heads[name] = Head(name, last.version, last.hash)

        return rewrite
