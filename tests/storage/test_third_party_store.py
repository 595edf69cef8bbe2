import threading
from collections.abc import Sequence
from typing import Any

import pytest

from fengqiao.storage import EventStore, Head, Projector, Row, RowBatch, RowStore
from fengqiao.testing.contracts import EventStoreContract, StoreFactory


class ListStore(RowStore[None]):
    """Every row in one list and every stream's head in a dict, under one lock."""

    def __init__(self, projectors: Sequence[Projector[None]] = ()) -> None:
        super().__init__(projectors=projectors)
        self.rows: list[Row] = []
        self.heads: dict[str, Head] = {}
        self.last = 0  # the last position given out
        self.lock = threading.Lock()

    def _read_stream(self, stream_id: str, /) -> tuple[Head | None, list[Row]]:
        with self.lock:
            return self.heads.get(stream_id), [row for row in self.rows if row.stream_id == stream_id]

    def _read_log(self, after: int, limit: int, /) -> list[Row]:
        with self.lock:
            return [row for row in self.rows if row.position > after][:limit]

    def _read_heads(self) -> tuple[int, list[Head]]:
        with self.lock:
            return self.last, list(self.heads.values())

    def _write(self, batch: RowBatch[None], /) -> None:
        with self.lock:  # encode checks each stream's version against these heads, then runs the projectors
            rows, heads = batch.encode(self.heads, first=self.last + 1, tx=None)
            self.rows += rows
            self.heads.update(heads)
            self.last += len(rows)


class TestListStore(EventStoreContract):
    @pytest.fixture
    def make_store(self) -> StoreFactory:
        def make(projectors: Sequence[Projector[Any]] = (), *, upgrade: bool = True) -> EventStore:
            return ListStore(projectors)

        return make

    @pytest.fixture
    def store(self, make_store: StoreFactory) -> EventStore:
        return make_store()
