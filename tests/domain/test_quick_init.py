"""``quick_init``: the compiled ``__init__`` does exactly what attrs' does, only skipping work already done.

Two properties carry it: every ``canonical`` declaration is sound (when its test holds, the
validator passes and the converter gives the value back), and for every class built with
it, any arguments give the same value, or the same error, as attrs' own ``__init__``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fengqiao
from fengqiao.domain import _codegen
from fengqiao.domain._checks import canonical, is_text, quick_init
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import ValidationError
from fengqiao.testing import strategies as fst


def _modules() -> list[Any]:
    names = [m.name for m in pkgutil.walk_packages(fengqiao.__path__, "fengqiao.")]
    return [importlib.import_module(n) for n in names if not n.endswith("__main__")]


_modules()  # every class given to quick_init is then in _codegen.QUICK
QUICK = sorted(set(_codegen.QUICK), key=lambda c: f"{c.__module__}.{c.__qualname__}")
FAST_ONLY = pytest.mark.skipif(_codegen.PLAIN, reason="FENGQIAO_PLAIN=1: classes keep attrs' own __init__")
VOCABULARIES = sorted(
    {c for m in _modules() for c in vars(m).values() if isinstance(c, type) and issubclass(c, Vocabulary)}
    - {Vocabulary},
    key=lambda c: c.__name__,
)


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: a datetime with it is naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


class _Text(str):
    """A ``str`` subclass: accepted by the validators, never by a quick test."""


def _sorted_run(members: list[Any]) -> tuple[Any, ...]:
    return tuple(sorted(set(members)))


def _members() -> st.SearchStrategy[Any]:
    return st.sampled_from(VOCABULARIES).flatmap(fst.vocabulary)


ODD = st.sampled_from(["", " ", "\u3000", "\t\n", _Text("x"), _Text(" "), 0, 1, 1.5, b"x", object()])
MEMBERS = _members()
VALUES: st.SearchStrategy[Any] = st.one_of(
    fst.texts(),
    ODD,
    st.none(),
    st.booleans(),
    MEMBERS,
    MEMBERS.map(lambda m: m.value),
    fst.aware_datetimes(),
    st.datetimes(),
    st.datetimes().map(lambda d: d.replace(tzinfo=_NoOffset())),
    st.lists(MEMBERS, max_size=3).map(tuple),
    st.sampled_from(VOCABULARIES).flatmap(lambda c: st.lists(fst.vocabulary(c), max_size=3).map(_sorted_run)),
    st.sampled_from(VOCABULARIES).flatmap(lambda c: st.frozensets(fst.vocabulary(c), max_size=3)),
    st.lists(MEMBERS, max_size=3),
    st.frozensets(st.text(max_size=3), max_size=3),
    st.lists(fst.parties(), max_size=2).map(tuple),
    st.lists(fst.dossier_items(), max_size=2).map(tuple),
    st.lists(fst.dossier_items(), max_size=2),
    fst.alerts(),
    fst.parties(),
    fst.dossier_items(),
    fst.actors(),
)
"""Arguments of every kind the quick tests meet: valid values of each field's type and wrong ones."""


def _outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        value = call()
    except ValidationError as exc:
        return ("refused", type(exc), exc.message, exc.path)
    except Exception as exc:  # compared, not swallowed: both inits must fail alike
        return ("failed", type(exc), str(exc))
    return ("built", [(type(v), v) for v in attrs.astuple(value, recurse=False)])


def test_the_classes_built_quickly_are_the_values_and_payloads() -> None:
    names = {c.__name__ for c in QUICK}
    assert all(hasattr(c.__init__, "__wrapped__") is not _codegen.PLAIN for c in QUICK)
    assert {"Alert", "Party", "DossierItem", "Actor", "DiscoveryPayload", "Assessment", "VisitPayload"} <= names


@pytest.mark.parametrize("declared", list(_codegen._CANONICAL), ids=lambda f: f.__qualname__)
@given(value=VALUES)
def test_a_declared_test_holds_only_where_the_check_has_nothing_to_do(declared: Callable[..., Any], value: Any) -> None:
    test, names = _codegen._CANONICAL[declared]
    holds = eval(f"lambda v: bool({test.format(v='v')})", dict(names))  # the declared test itself
    if not holds(value):
        return
    if len(inspect.signature(declared).parameters) == 3:  # a validator
        declared(None, SimpleNamespace(name="x"), value)  # must not raise (validators read only the name)
    else:  # a converter
        converted = declared(value)
        assert converted == value
        assert type(converted) is type(value)


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
@given(data=st.data())
def test_any_arguments_give_what_attrs_init_gives(cls: type[Any], data: st.DataObject) -> None:
    quick = cls.__init__
    original = getattr(quick, "__wrapped__", quick)  # plain mode: attrs' own, against itself
    kwargs = {}
    for f in attrs.fields(cls):
        if f.default is attrs.NOTHING or data.draw(st.booleans()):
            kwargs[f.alias] = data.draw(VALUES, label=f.alias)

    def build(init: Callable[..., None]) -> Any:
        value = object.__new__(cls)
        init(value, **kwargs)
        return value

    assert _outcome(lambda: build(quick)) == _outcome(lambda: build(original))


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
@given(data=st.data())
def test_the_compiled_twin_of_a_class_call_gives_what_the_call_gives(cls: type[Any], data: st.DataObject) -> None:
    make = _codegen.quick_new(cls)
    assert (make is cls) is _codegen.PLAIN
    kwargs = {}
    for f in attrs.fields(cls):
        if f.default is attrs.NOTHING or data.draw(st.booleans()):
            kwargs[f.alias] = data.draw(VALUES, label=f.alias)
    made = _outcome(lambda: make(**kwargs))
    assert made == _outcome(lambda: cls(**kwargs))
    if made[0] == "built":
        assert type(make(**kwargs)) is cls


@FAST_ONLY
@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_the_compiled_twin_takes_the_arguments_the_class_takes(cls: type[Any]) -> None:
    def shape(f: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]

    assert shape(_codegen.quick_new(cls)) == shape(cls)


def test_a_class_quick_init_did_not_compile_is_its_own_twin() -> None:
    assert _codegen.quick_new(fengqiao.Dispute) is fengqiao.Dispute


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_the_signature_is_attrs_own(cls: type[Any]) -> None:
    original = getattr(cls.__init__, "__wrapped__", cls.__init__)
    assert inspect.signature(cls) == inspect.signature(original).replace(
        parameters=list(inspect.signature(original).parameters.values())[1:]
    )


@FAST_ONLY
def test_canonical_arguments_skip_attrs_init_and_others_go_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    at = datetime(2024, 1, 31, 9, tzinfo=fengqiao.policies.base.CHINA_TZ)
    init: Any = fengqiao.Alert.__init__
    calls: list[dict[str, Any]] = []

    def recorded(self: Any, **kwargs: Any) -> None:
        calls.append(kwargs)
        init.__wrapped__(self, **kwargs)

    monkeypatch.setitem(init.__globals__, "_init", recorded)
    quick = fengqiao.Alert(channel=fengqiao.Channel.ALARM_110, received_at=at, summary="噪音")
    assert calls == []
    slow = fengqiao.Alert(channel="alarm_110", received_at=at, summary="噪音")  # a value string, converted
    assert len(calls) == 1
    assert slow == quick
    assert slow.channel is fengqiao.Channel.ALARM_110


def test_a_refusal_is_attrs_own_with_its_path() -> None:
    with pytest.raises(ValidationError) as caught:
        fengqiao.Party(name="  ")
    assert (caught.value.message, caught.value.path) == ("must not be empty", "name")


def _undeclared(_instance: Any, _attribute: Any, _value: Any) -> None:
    """A validator nobody declared canonical."""


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: attrs.frozen(slots=False)(type("Dicty", (), {"__annotations__": {"x": "str"}})), "not a slotted"),
        (
            lambda: attrs.frozen(
                type("Hooked", (), {"__annotations__": {"x": "str"}, "__attrs_post_init__": lambda self: None})
            ),
            "init hook",
        ),
        (
            lambda: attrs.frozen(
                type("Made", (), {"__annotations__": {"x": "tuple[str, ...]"}, "x": attrs.field(factory=tuple)})
            ),
            "not a plain __init__ argument",
        ),
        (
            lambda: attrs.frozen(
                type("Hidden", (), {"__annotations__": {"x": "str"}, "x": attrs.field(init=False, default="")})
            ),
            "not a plain __init__ argument",
        ),
        (
            lambda: attrs.frozen(
                type("Odd", (), {"__annotations__": {"x": "str"}, "x": attrs.field(validator=_undeclared)})
            ),
            "not declared canonical",
        ),
    ],
    ids=["dict-class", "post-init", "factory", "init-false", "undeclared"],
)
def test_a_class_it_cannot_build_exactly_is_refused_at_decoration(make: Callable[[], type[Any]], says: str) -> None:
    cls = make()
    with pytest.raises(TypeError, match=says):
        quick_init(cls)


def test_two_declarations_may_not_give_one_name_two_meanings() -> None:
    def first(value: int) -> int:
        return value

    def second(value: str) -> str:
        return value

    canonical(first, "type({v}) is Thing", Thing=int)
    canonical(second, "type({v}) is Thing", Thing=str)

    @attrs.frozen
    class Both:
        a: int = attrs.field(converter=first)
        b: str = attrs.field(converter=second)

    try:
        with pytest.raises(TypeError, match="means two things"):
            quick_init(Both)
    finally:
        del _codegen._CANONICAL[first], _codegen._CANONICAL[second]


def test_a_test_name_that_is_also_an_argument_is_refused() -> None:
    def shadowed(value: int) -> int:
        return value

    canonical(shadowed, "type({v}) is count", count=int)

    @attrs.frozen
    class Shadow:
        count: int = attrs.field(converter=shadowed)

    try:
        with pytest.raises(TypeError, match="means two things"):
            quick_init(Shadow)
    finally:
        del _codegen._CANONICAL[shadowed]


def test_a_declared_validator_on_a_new_class_is_compiled_in() -> None:
    @quick_init
    @attrs.frozen
    class Note:
        text: str = attrs.field(validator=is_text)
        count: int = attrs.field(default=0)

    assert Note("x").text == "x"
    assert Note("x", 2).count == 2
    with pytest.raises(ValidationError, match="expected text"):
        Note(3)  # type: ignore[arg-type]
