"""Rows to a pandas ``DataFrame``, for notebooks. pandas is optional: only this needs it.

Each row's fields become columns (in declaration order); vocabulary values are written as
their stable text (``"mediating"``, ``"alarm_110"``), times stay timezone-aware, and tuples
(assignees, refusal codes) stay as they are, one per cell.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from fengqiao.errors import ValidationError
from fengqiao.storage._arguments import iterate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_dataframe"]


def to_dataframe(rows: Iterable[Any]) -> pd.DataFrame:
    """A ``pandas.DataFrame`` with one line per row and one column per field.

    ``rows`` are ledger rows of one kind (:class:`~fengqiao.ledger.LedgerRow`,
    :class:`~fengqiao.ledger.OverdueRow`, :class:`~fengqiao.ledger.Divergence` …) or any
    other ``attrs`` values. With no rows, the frame is empty (and has no columns).

    Raises:
        ModuleNotFoundError: pandas is not installed (``pip install 'fengqiao[pandas]'``).
        ValidationError: a row is not an ``attrs`` value.
    """
    try:
        pandas = importlib.import_module("pandas")  # optional: imported on use
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "to_dataframe needs pandas, which is not installed: pip install 'fengqiao[pandas]'", name="pandas"
        ) from exc
    records = []
    columns: list[str] = []
    for index, row in enumerate(iterate(rows, "rows", "ledger rows")):
        if not attrs.has(type(row)):
            raise ValidationError(f"expected a ledger row (an attrs value), got {type(row).__name__}", f"rows[{index}]")
        if not columns:
            columns = [a.name for a in attrs.fields(type(row))]
        records.append({name: _plain(getattr(row, name)) for name in columns})
    frame: pd.DataFrame = pandas.DataFrame.from_records(records, columns=columns or None)
    return frame


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    return value
