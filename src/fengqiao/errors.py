"""The fengqiao error tree: every error the library raises on purpose derives from one root.

::

    FengqiaoError
    ├── TransitionRefused      the graph or the policy refused a trigger (.refusals)
    ├── PolicyDefinitionError  a policy, graph extension or rule table is malformed
    ├── ValidationError        bad input to the public API (.path names the field)
    ├── SerializationError     JSON that cannot become a value (.path names the place)
    └── StorageError           an event store failed or holds something it cannot read
        ├── ConcurrencyConflict   a writer's expected version was stale
        ├── DisputeNotFound       no stored history for a dispute id
        ├── HouseholdNotFound     no stored history for a household id
        ├── PlaceNotFound         no stored history for a place id
        └── UnreadableEventError  a stored event is corrupt or newer than this fengqiao
            └── BrokenStreamError     a stream's versions or hash chain do not hold

Definition errors (raised while building a policy or a workflow) are kept apart from
run-time errors (raised while handling a command), as in python-statemachine. Foreign
errors are wrapped with ``raise ... from exc`` so their cause stays visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fengqiao.domain._quote import quote

if TYPE_CHECKING:
    from fengqiao.lifecycle.refusals import Refusal

__all__ = [
    "BrokenStreamError",
    "ConcurrencyConflict",
    "DisputeNotFound",
    "FengqiaoError",
    "HouseholdNotFound",
    "PlaceNotFound",
    "PolicyDefinitionError",
    "SerializationError",
    "StorageError",
    "TransitionRefused",
    "UnreadableEventError",
    "ValidationError",
]


class FengqiaoError(Exception):
    """Root of every error fengqiao raises on purpose."""


class TransitionRefused(FengqiaoError):
    """The graph or the policy refused a trigger; ``refusals`` says every reason."""

    def __init__(self, dispute_id: str, trigger: str, refusals: tuple[Refusal, ...], kind: str = "dispute") -> None:
        reasons = "; ".join(f"{r.code}: {r.en}" for r in refusals)
        super().__init__(f"{trigger} refused for {kind} {dispute_id}: {reasons}")
        self.dispute_id = dispute_id
        """The case refused: a dispute's id, or another kind's (``kind`` says which)."""
        self.trigger = trigger
        self.refusals = refusals
        self.kind = kind
        """The kind of case refused: ``"dispute"``, ``"household"``."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.dispute_id, self.trigger, self.refusals, self.kind))


class PolicyDefinitionError(FengqiaoError):
    """A policy, its graph extension or its rule table is malformed; the message names the fault."""


class _PathError(FengqiaoError):
    """An error about one place in the input, named by a dotted ``path`` (may be empty)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.path))

    def within(self, prefix: str) -> _PathError:
        """Return the same error with ``prefix`` put in front of its path."""
        path = f"{prefix}.{self.path}" if self.path and not self.path.startswith("[") else (f"{prefix}{self.path}")
        return type(self)(self.message, path)


class ValidationError(_PathError, ValueError):
    """Bad input to the public API; ``path`` names the field (``record_visit.kind``)."""


class SerializationError(_PathError):
    """JSON that cannot become a fengqiao value; ``path`` names the place (``history[3].at``)."""


class StorageError(FengqiaoError):
    """An event store failed, or holds data it cannot read; never raised for a lost update."""


class ConcurrencyConflict(StorageError):
    """A writer's expected version was stale: someone appended first. Reload and retry.

    ``attempts`` is how many times ``Repository.update`` loaded, decided and tried to save
    before it gave up (``None`` for a single write); ``stream``, ``expected`` and ``actual``
    are then the last attempt's.
    """

    def __init__(self, stream: str, expected: int, actual: int, attempts: int | None = None) -> None:
        message = f"stream {stream}: expected version {expected}, but it is at {actual}; "
        if attempts is None:
            message += "reload the stream and retry"
        else:
            plural = "" if attempts == 1 else "s"
            message += f"gave up after {attempts} attempt{plural}, each reloaded and decided again"
        super().__init__(message)
        self.stream = stream
        self.expected = expected
        self.actual = actual
        self.attempts = attempts

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.stream, self.expected, self.actual, self.attempts))


class DisputeNotFound(StorageError):
    """No dispute is stored under ``dispute_id``: never saved, saved elsewhere, or the id is another kind of case's."""

    def __init__(self, dispute_id: str) -> None:
        super().__init__(f"no dispute {quote(dispute_id)} in the event store")
        self.dispute_id = dispute_id

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.dispute_id,))


class HouseholdNotFound(StorageError):
    """No history is stored for ``household_id`` (or what is stored there is not a household)."""

    def __init__(self, household_id: str) -> None:
        super().__init__(f"no household {quote(household_id)} in the event store")
        self.household_id = household_id

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.household_id,))


class PlaceNotFound(StorageError):
    """No history is stored for ``place_id`` (or what is stored there is not a place's)."""

    def __init__(self, place_id: str) -> None:
        super().__init__(f"no place {quote(place_id)} in the event store")
        self.place_id = place_id

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.place_id,))


class UnreadableEventError(StorageError):
    """A stored event cannot be read: corrupt JSON, or a schema this fengqiao does not know.

    ``stream`` and ``version`` name the row, so it can be found and repaired; nothing is
    ever skipped silently.
    """

    def __init__(self, stream: str, version: int, reason: str) -> None:
        super().__init__(f"stream {stream} version {version}: {reason}")
        self.stream = stream
        self.version = version
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.stream, self.version, self.reason))


class BrokenStreamError(UnreadableEventError):
    """A stream cannot be served as it is stored: a version is missing, or its hash chain is broken.

    Raised by every load (``EventStore.load``, ``Repository.get``) before a value is built
    from the stream, so an edited, deleted or reordered event is never served as if it were
    the workflow's record. ``kind`` says what was found (one of
    :data:`~fengqiao.storage.ProblemKind`: ``tampered``, ``missing``, ``broken-chain``,
    ``head-mismatch``), ``version`` where. Nothing can be appended to the stream until it is
    repaired: :meth:`~fengqiao.storage.EventStore.verify` lists every problem.
    """

    def __init__(self, stream: str, version: int, reason: str, kind: str = "tampered") -> None:
        super().__init__(stream, version, reason)
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.stream, self.version, self.reason, self.kind))
