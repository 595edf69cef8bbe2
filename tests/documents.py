"""Helpers for tests that walk JSON documents (``from tests.documents import places``)."""

from __future__ import annotations

from typing import Any


def places(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key or index path inside ``data``, parents before children."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            found.append((*prefix, key))
            found += places(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.append((*prefix, index))
            found += places(value, (*prefix, index))
    return found
