"""The compiled front that turns a call of the wrong shape into ``ValidationError``: every kind of signature."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from fengqiao.domain._calls import checked_call
from fengqiao.errors import ValidationError


def _passed_through(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def inner(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return inner


def shapes(a: int, b: int = 2, /, c: int = 3, *, d: int, e: int = 5, **rest: int) -> tuple[Any, ...]:
    return (a, b, c, d, e, rest)


def starred(a: int, *more: int, d: int = 4) -> tuple[Any, ...]:
    return (a, more, d)


@pytest.mark.parametrize("function", [shapes, _passed_through(shapes)], ids=["plain", "decorated"])
def test_a_call_of_the_right_shape_gives_what_the_function_gives(function: Callable[..., Any]) -> None:
    front = checked_call()(function)
    assert front(1, d=4) == shapes(1, d=4)
    assert front(1, 20, 30, d=40, e=50, x=60) == shapes(1, 20, 30, d=40, e=50, x=60)
    assert front(1, c=7, d=4) == shapes(1, c=7, d=4)


def test_a_function_with_star_args_keeps_them() -> None:
    front = checked_call()(starred)
    assert front(1, 2, 3, d=9) == (1, (2, 3), 9)
    with pytest.raises(ValidationError) as caught:
        front(1, e=2)  # type: ignore[call-arg]
    assert caught.value.path == "starred.e"


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda f: f(d=4), "shapes.a"),
        (lambda f: f(1), "shapes.d"),
        (lambda f: f(1, 2, 3, 4, d=4), "shapes"),
    ],
    ids=["missing-positional", "missing-keyword", "too-many"],
)
def test_a_call_of_the_wrong_shape_is_a_validation_error_naming_the_argument(
    call: Callable[[Callable[..., Any]], Any], path: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        call(checked_call()(shapes))
    assert caught.value.path == path


def test_a_type_error_inside_the_function_goes_on_unchanged() -> None:
    @checked_call()
    def broken(a: int) -> int:
        raise TypeError("inside")

    with pytest.raises(TypeError, match="inside"):
        broken(1)
