"""What the fuzz suite throws at the public API: any value a caller could pass, and how to call with it.

``garbage()`` draws from everything a caller might hand over by mistake or on purpose:
``None``, booleans, huge and negative integers, NaN, text with NUL, lone surrogates, bidi
overrides and personal numbers, bytes, deeply nested lists and dicts, naive and aware
datetimes, arbitrary objects, and real fengqiao values (a dispute, an event, a party, an
enum member) in the wrong place, so that calls get past their first check.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

import fengqiao as fq

PHONE = "13812345678"
ID_NUMBER = "110101199003071234"
PERSONAL = (PHONE, ID_NUMBER, "1381234", "01199003")
"""Personal numbers the fuzz values carry, and runs of them no output may show."""

START = datetime(2024, 1, 31, 9, tzinfo=UTC)


def sample_dispute() -> fq.Dispute:
    wf = fq.Workflow("baseline", clock=fq.FixedClock(START))
    d = wf.discover(
        channel="alarm_110",
        category="neighbour",
        summary="噪音",
        actor="officer:xiao",
        parties=[fq.Party(name="赵某", phone=PHONE, id_number=ID_NUMBER)],
        dispute_id="FZ-1",
    )
    return wf.grade(d, actor="officer:xiao")


SAMPLE = sample_dispute()

_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "\u2066", "\n", "\r", "\x1b", "\u200f"]),
    ),
    max_size=12,
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([-1, 0, 1, 2**31, 2**63, 2**64, 2**70, -(2**70)]),
    st.builds(lambda: 10**5000),  # more digits than str() may print
    st.floats(allow_nan=True, allow_infinity=True),
    _TEXT,
    st.sampled_from(["", "baseline", "officer:xiao", "d-1", "FZ-1", PHONE, ID_NUMBER, "alarm_110", "closed", "x\x00y"]),
    st.binary(max_size=8),
    st.datetimes(max_value=datetime(9999, 12, 31)),
    st.datetimes(timezones=st.just(UTC), max_value=datetime(9999, 12, 30)),
    st.sampled_from([datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)]),
    st.builds(object),
    st.sampled_from(
        [
            SAMPLE,
            SAMPLE.history[0],
            SAMPLE.history[-1],
            SAMPLE.parties[0],
            fq.State.CLOSED,
            fq.Trigger.CLOSE,
            fq.Category.NEIGHBOUR,
            fq.FixedClock(START),
            fq.Workflow,
            len,
            type,
        ]
    ),
)


def garbage() -> st.SearchStrategy[Any]:
    """Any value, nested up to a modest depth, sometimes very deep."""
    nested = st.recursive(
        _SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.tuples(inner, inner),
            st.dictionaries(st.one_of(_TEXT, st.integers()), inner, max_size=3),
            st.frozensets(st.one_of(_TEXT, st.integers()), max_size=3),
        ),
        max_leaves=8,
    )
    return st.one_of(nested, st.integers(min_value=200, max_value=3000).map(_deep))


def _deep(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def calls(func: Callable[..., Any], draw: Callable[..., Any], *, skip: int = 0) -> tuple[list[Any], dict[str, Any]]:
    """Arguments for ``func``: every required parameter gets garbage, optional ones sometimes, extras sometimes."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return [draw(garbage())], {}
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in list(signature.parameters.values())[skip:]:
        required = param.default is inspect.Parameter.empty
        if param.kind is param.VAR_POSITIONAL:
            args.extend(draw(st.lists(garbage(), max_size=2)))
        elif param.kind is param.VAR_KEYWORD:
            names = draw(st.lists(st.sampled_from(["actor", "text", "kind", "nosuch", "summary", "into"]), max_size=2))
            kwargs.update({n: draw(garbage()) for n in names})
        elif not required and not draw(st.booleans()):
            continue
        elif param.kind is param.POSITIONAL_ONLY:
            args.append(draw(garbage()))
        else:
            kwargs[param.name] = draw(garbage())
    return args, kwargs
