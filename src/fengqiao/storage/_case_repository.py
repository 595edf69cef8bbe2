"""What every repository does, whatever the kind of case: remember its values, save a history event by event.

Private to :mod:`fengqiao.storage`: :class:`~fengqiao.storage.Repository` (disputes) and
:class:`~fengqiao.storage.HouseholdRepository` build on :class:`CaseRepository`, and
:class:`~fengqiao.storage.aio.AsyncRepository` on :class:`CaseRules`, its part without I/O
(the checks and the memory; ``CaseRepository`` adds the synchronous loads and saves). They hold

- the memory of the values handed out: the last value of each case, *weakly* (a dict of
  ``weakref.ref``, pruned as it grows), so that a command on a value the caller still holds
  needs no reload, and a value the caller drops is forgotten with it;
- ``save``'s checks: the history's first ``expected_version`` events must be the stored ones,
  each later event must be one the workflow admits from the stored value, and the value must
  be what they fold to (a value edited by hand is refused, naming the first differing field);
- ``update``: load, decide, save, and on a conflict load and decide again.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs

from fengqiao.domain._quote import quote
from fengqiao.errors import ConcurrencyConflict, ValidationError
from fengqiao.storage._migrations import LOG

__all__ = ["CaseRepository", "CaseRules", "differs"]

_PRUNE_AT = 1024
"""How many remembered values (live or dead) a repository holds before it forgets the dead."""


class _Case(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def history(self) -> tuple[Any, ...]: ...


CaseT = TypeVar("CaseT", bound=_Case)


class CaseRules(Generic[CaseT]):
    """What every repository of a kind of case knows without storage: its memory of values and its checks.

    The synchronous :class:`CaseRepository` and the asynchronous repositories
    (:mod:`fengqiao.storage.aio`) build on it; a subclass names its value class and noun and
    supplies :meth:`_admit` (its workflow's ``admit``).
    """

    _case: ClassVar[type[Any]]
    """The value class of the kind (``Dispute``, ``Household``)."""
    _noun: ClassVar[str]
    """The kind's name in messages and paths (``"dispute"``)."""

    def __init__(self) -> None:
        self._known: dict[str, weakref.ref[CaseT]] = {}
        """Each case's last value handed out, weakly (a ``WeakValueDictionary`` costs three times as much)."""
        self._prune_at = _PRUNE_AT
        self._lock = threading.Lock()

    def _admit(self, current: CaseT | None, event: Any) -> CaseT:  # pragma: no cover - every subclass has its own
        """``current`` after ``event``, as the workflow admits it."""
        raise NotImplementedError

    def _check_save(self, value: CaseT, expected_version: int) -> None:
        """``save``'s arguments: a case of the kind and a version within its history."""
        noun = self._noun
        if not isinstance(value, self._case):
            raise ValidationError(f"expected a {self._case.__name__}, got {type(value).__name__}", noun)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise ValidationError(f"expected a version, got {type(expected_version).__name__}", "expected_version")
        if not 0 <= expected_version <= value.version:
            raise ValidationError(
                f"expected_version {expected_version} is outside the {noun}'s history (0 to {value.version})",
                "expected_version",
            )

    def _fold(self, base: CaseT | None, value: CaseT, expected_version: int) -> None:
        """Check that the workflow admits each event after ``expected_version`` from ``base`` and folds to ``value``."""
        noun = self._noun
        current = base
        for index in range(expected_version, value.version):
            try:
                current = self._admit(current, value.history[index])
            except ValidationError as exc:
                raise exc.within(f"history[{index}]") from None
        if current is None:
            raise ValidationError(f"a {noun} without a history cannot be stored", f"{noun}.history")
        if current != value:
            raise differs(value, current, "what its history folds to", noun)

    def _check_update(self, decide: object, attempts: object) -> None:
        """``update``'s arguments: a function and a whole number of attempts, at least 1."""
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ValidationError(f"expected a whole number of attempts, at least 1, got {quote(attempts)}", "attempts")
        if not callable(decide):
            raise ValidationError(f"expected a function of the {self._noun}, got {type(decide).__name__}", "decide")

    def _decided(self, current: CaseT, new: object) -> CaseT:
        """What ``decide`` returned from ``current``, if it is a later value of it (``current`` if equal to it)."""
        noun = self._noun
        if not isinstance(new, self._case):
            raise ValidationError(f"decide returned a {type(new).__name__}, not a {self._case.__name__}", "decide")
        case: CaseT = new
        if case.id != current.id:
            raise ValidationError(f"decide returned {noun} {case.id}, not {current.id}", "decide")
        if case.version < current.version or case.history[: current.version] != current.history:
            raise ValidationError(
                f"decide returned a {noun} whose history does not continue the one it was given"
                f" (version {current.version}): return the value given or one the workflow made from it",
                "decide",
            )
        if case.version > current.version and self._held(case.id) is case:
            raise ValidationError(
                f"decide returned a {noun} this repository stored or loaded itself: decide must make the new"
                f" value with the workflow, not store it (anything it stored stays stored)",
                "decide",
            )
        return current if case == current else case

    def _held_prefix(self, value: CaseT, version: int) -> CaseT | None:
        """The value held of ``value``'s case, if it is at ``version`` with ``value``'s history up to it."""
        known = self._held(value.id)
        if known is not None and known.version == version and known.history == value.history[:version]:
            return known
        return None

    def _stored_prefix(self, value: CaseT, stored: CaseT, version: int) -> CaseT:
        """``stored``, if it is at ``version`` and its history begins ``value``'s; else why not."""
        if stored.version != version:
            raise _conflict(value.id, version, stored.version)
        for index, (mine, theirs) in enumerate(zip(value.history, stored.history, strict=False)):
            if mine != theirs:
                raise ValidationError(
                    f"event {index + 1} is not the stored one of {self._noun} {value.id}", f"history[{index}]"
                )
        return stored

    def _is_held(self, value: object) -> bool:
        """Whether ``value`` is the last value handed out of its case (refused if not a case of the kind)."""
        if not isinstance(value, self._case):
            raise ValidationError(f"expected a {self._case.__name__}, got {type(value).__name__}", self._noun)
        return self._held(value.id) is value

    def _same_as_stored(self, value: CaseT, stored: CaseT, what: str) -> CaseT:
        """``stored``, if ``value`` equals it; else the conflict or the first differing field."""
        if stored.version != value.version:
            raise _conflict(value.id, value.version, stored.version)
        if stored != value:
            raise differs(value, stored, what, self._noun)
        return stored

    def _held(self, case_id: str) -> CaseT | None:
        """The last value of ``case_id`` handed out, if someone still holds it."""
        known = self._known.get(case_id)
        return None if known is None else known()

    def _remember(self, value: CaseT) -> None:
        with self._lock:
            known = self._known
            known[value.id] = weakref.ref(value)
            if len(known) > self._prune_at:  # forget the dead: amortised O(1), at most twice the live
                for case_id in [k for k, held in known.items() if held() is None]:
                    del known[case_id]
                self._prune_at = max(_PRUNE_AT, 2 * len(known))


class CaseRepository(CaseRules[CaseT]):
    """The part of a repository that is the same for every kind of case.

    A subclass names its value class and noun, and supplies :meth:`get` (load and replay),
    :meth:`_admit` (its workflow's ``admit``) and :meth:`_store` (append what a value gained).
    """

    def get(self, case_id: str) -> CaseT:  # pragma: no cover - every subclass has its own
        """The stored case ``case_id``, replayed."""
        raise NotImplementedError

    def _store(self, before: CaseT | None, after: CaseT) -> None:  # pragma: no cover - every subclass has its own
        """Append what ``after`` gained over ``before`` (the stored value, ``None`` for a new case)."""
        raise NotImplementedError

    def _save(self, value: CaseT, expected_version: int) -> CaseT:
        """``save``: check ``value``'s history against the store and the workflow, then store its new events."""
        self._check_save(value, expected_version)
        base = self._prefix(value, expected_version)
        self._fold(base, value, expected_version)
        self._store(base, value)
        return value

    def update(self, case_id: str, decide: Callable[[CaseT], CaseT], /, *, attempts: int = 3) -> CaseT:
        """Load ``case_id``, let ``decide`` make its new value, save it; on a conflict, load and decide again.

        ``decide`` is given the stored value and returns a later value of it, made with the
        workflow (``lambda d: wf.record_visit(d, actor=..., kind="phone")``), or the value it
        was given to store nothing. It must not store anything itself: it may run once per
        attempt, each time on the value just loaded. If another writer stores something
        between the load and the save, nothing of this attempt is stored, and the next
        attempt loads again and calls ``decide`` on what is stored now, so a decision is
        always made on the latest value and no other writer's update is lost. Retries follow
        one another at once: every conflict means another writer's save went through.

        Args:
            case_id: the stored case to change.
            decide: makes the new value from the stored one; a refusal it raises
                (``TransitionRefused``, or any ``FengqiaoError``) is passed on, not retried.
            attempts: how many times to load and decide at most (a whole number, at least 1).

        Returns:
            The value stored (the one loaded if ``decide`` returned it unchanged).

        Raises:
            ConcurrencyConflict: every attempt met another writer's save; the error says how
                many attempts were made (``attempts``) and is caused by the last conflict.
            ValidationError: ``attempts`` or ``decide`` is malformed; ``decide`` returned
                something that is not a later value of the case it was given, or a value
                this repository stored or loaded itself; or, as :meth:`save`, a value that is
                not what its history folds to. Nothing of that attempt was stored.
            TransitionRefused: raised by ``decide``, or, as :meth:`save`, the workflow
                refuses an event ``decide`` made by hand.
        """
        self._check_update(decide, attempts)
        made = 0
        while True:
            made += 1
            current = self.get(case_id)
            new = self._decided(current, decide(current))
            if new is current:
                return current
            try:
                return self._save(new, current.version)
            except ConcurrencyConflict as exc:
                LOG.debug("update of %s %s met another writer (attempt %d of %d)", self._noun, case_id, made, attempts)
                if made == attempts:
                    raise ConcurrencyConflict(exc.stream, exc.expected, exc.actual, attempts=made) from exc

    def _prefix(self, value: CaseT, version: int) -> CaseT | None:
        """The stored case at ``version``, whose history must begin ``value``'s; ``None`` at 0."""
        if version == 0:
            return None
        known = self._held_prefix(value, version)
        return known if known is not None else self._stored_prefix(value, self.get(value.id), version)

    def _current(self, value: CaseT) -> CaseT:
        """The stored case ``value`` claims to be (no reload while the caller holds what it was given), or why not.

        Raises:
            ValidationError: ``value`` is not a case of the kind, or not the stored one (the
                error names the first differing field).
            ConcurrencyConflict: the stored case moved on since ``value`` was read.
        """
        if self._is_held(value):
            return value
        return self._same_as_stored(value, self.get(value.id), "the stored one")


def _conflict(case_id: str, expected: int, actual: int) -> ConcurrencyConflict:
    """The conflict of a value read at version ``expected`` with the stored case at ``actual``, logged."""
    LOG.debug("conflict on %s: expected version %d, stored %d", case_id, expected, actual)
    return ConcurrencyConflict(case_id, expected, actual)


def differs(given: Any, expected: Any, what: str, noun: str) -> ValidationError:
    """A refusal naming the first field in which ``given`` is not ``expected`` (two values of one attrs class)."""
    for field in attrs.fields(type(expected)):
        if getattr(given, field.name) != getattr(expected, field.name):
            return ValidationError(f"the {noun} given is not {what}: its {field.name} differs", f"{noun}.{field.name}")
    return ValidationError(f"the {noun} given is not {what}", noun)  # pragma: no cover - equal fields
