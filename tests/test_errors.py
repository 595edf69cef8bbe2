from __future__ import annotations

import inspect
import pickle
from typing import Any

import pytest

import fengqiao as fq
from fengqiao import errors

REFUSALS = (
    fq.Refusal("baseline.close.no-visit", "销号前须至少回访一次", "close needs a visit"),
    fq.Refusal("auth.role-required", "无权", "may not"),
)
ERROR_CLASSES: list[type[fq.FengqiaoError]] = [getattr(errors, name) for name in errors.__all__]


def sample(cls: type[fq.FengqiaoError]) -> fq.FengqiaoError:
    """An instance of ``cls`` built from its constructor's annotations, so new errors are covered too."""
    params = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return cls(f"{cls.__name__} happened")
    args: list[Any] = []
    for i, p in enumerate(params):
        annotation = str(p.annotation)
        if "Refusal" in annotation:
            args.append(REFUSALS)
        elif annotation == "int":
            args.append(40 + i)
        else:
            args.append(f"{p.name}-{i}")
    return cls(*args)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_derives_from_fengqiao_error(cls: type[Exception]) -> None:
    assert issubclass(cls, fq.FengqiaoError)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_error_pickles_with_the_same_message_and_attributes(cls: type[fq.FengqiaoError]) -> None:
    error = sample(cls)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert str(back) == str(error)
    assert back.args == error.args
    assert vars(back) == vars(error)


def test_the_public_errors_are_the_errors_module_ones() -> None:
    for cls in ERROR_CLASSES:
        if cls.__name__ in fq.__all__:
            assert getattr(fq, cls.__name__) is cls


def test_a_concurrency_conflict_is_a_storage_error() -> None:
    assert issubclass(fq.ConcurrencyConflict, fq.StorageError)


def test_a_validation_error_is_also_a_value_error() -> None:
    assert issubclass(fq.ValidationError, ValueError)
    with pytest.raises(ValueError, match="must not be empty"):
        fq.Party(name="")


def test_a_serialization_error_is_not_a_validation_error() -> None:
    assert not issubclass(fq.SerializationError, fq.ValidationError)


def test_transition_refused_names_the_trigger_the_dispute_and_every_reason() -> None:
    error = fq.TransitionRefused("D-0001", "close", REFUSALS)
    assert str(error) == (
        "close refused for dispute D-0001: baseline.close.no-visit: close needs a visit; auth.role-required: may not"
    )
    assert error.refusals == REFUSALS


def test_transition_refused_keeps_its_refusals_through_pickle() -> None:
    back = pickle.loads(pickle.dumps(fq.TransitionRefused("D-0001", "close", REFUSALS)))
    assert back.refusals == REFUSALS
    assert (back.dispute_id, back.trigger) == ("D-0001", "close")


def test_a_validation_error_shows_its_path_before_the_message() -> None:
    error = fq.ValidationError("must not be empty", "discover.summary")
    assert str(error) == "discover.summary: must not be empty"
    assert (error.message, error.path) == ("must not be empty", "discover.summary")


def test_a_validation_error_without_a_path_shows_only_the_message() -> None:
    assert str(fq.ValidationError("bad")) == "bad"


def test_a_validation_error_keeps_path_and_message_through_pickle() -> None:
    back = pickle.loads(pickle.dumps(fq.ValidationError("must not be empty", "discover.summary")))
    assert (back.message, back.path) == ("must not be empty", "discover.summary")


@pytest.mark.parametrize(
    ("path", "prefix", "joined"),
    [("kind", "record_visit", "record_visit.kind"), ("[2]", "parties", "parties[2]"), ("", "note", "note")],
)
def test_within_puts_a_prefix_in_front_of_the_path(path: str, prefix: str, joined: str) -> None:
    error = fq.ValidationError("bad", path).within(prefix)
    assert isinstance(error, fq.ValidationError)
    assert error.path == joined


def test_a_concurrency_conflict_says_what_was_expected_and_what_was_found() -> None:
    error = fq.ConcurrencyConflict("D-0001", 3, 5)
    assert (error.stream, error.expected, error.actual) == ("D-0001", 3, 5)
    assert "expected version 3" in str(error)
    assert "at 5" in str(error)


def test_a_concurrency_conflict_names_no_kind_of_case_it_may_not_be() -> None:
    message = str(fq.ConcurrencyConflict("place:西歧村", 3, 4))
    assert message == "stream place:西歧村: expected version 3, but it is at 4; reload the stream and retry"


def test_a_conflict_update_gave_up_on_says_how_many_attempts_and_keeps_them_through_pickle() -> None:
    error = fq.ConcurrencyConflict("D-0001", 4, 5, attempts=3)
    assert str(error) == (
        "stream D-0001: expected version 4, but it is at 5; gave up after 3 attempts, each reloaded and decided again"
    )
    back = pickle.loads(pickle.dumps(error))
    assert (back.stream, back.expected, back.actual, back.attempts) == ("D-0001", 4, 5, 3)
    assert fq.ConcurrencyConflict("D-0001", 4, 5).attempts is None
