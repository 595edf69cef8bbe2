"""What if another policy had decided? Re-decide stored histories and report every difference.

:func:`what_if` takes each recorded history and asks another policy to decide it again,
command by command, at the time each command was recorded (a
:class:`~fengqiao.FixedClock` set to each event's ``at``) and by the same actor:

- the discovery is repeated with :meth:`Workflow.discover`;
- every later event is turned back into the command that recorded it (its trigger and
  payload; for ``grade`` and ``regrade``, the officer's recorded assessment) and put to
  :meth:`Workflow.check` on the dispute *as the other policy would have it*;
- if allowed, the command is fired, so a ``grade`` or ``regrade`` is graded by the other
  policy, and its grade and route are compared with the recorded ones. The dispute goes on
  with the other policy's grading, so later checks see the grade that policy would have given.

A grade or route difference is reported and re-deciding goes on. A refusal (or a command
the other policy cannot express at all: a trigger its graph lacks, a manual grade it does
not have) is reported with ``stopped=True``: the rest of the recorded history assumes that
command happened, so re-deciding it would only report consequences of this one difference;
``unchecked`` says how many events were left.

>>> from datetime import UTC, datetime
>>> import fengqiao as fq
>>> wf = fq.Workflow("baseline", clock=fq.FixedClock(datetime(2024, 3, 1, 9, tzinfo=UTC)))
>>> d = wf.discover(channel="alarm_110", category="neighbour", summary="铁锹对峙", actor="officer:li",
...                 risk_factors=["weapon"])
>>> d = wf.grade(d, actor="officer:li")
>>> report = what_if([d], "yongji-54333")
>>> [(v.kind, v.recorded, v.other) for v in report.divergences]
[('grade', 'high', 'red')]
>>> what_if([d], "baseline").divergences
()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import attrs

from fengqiao.domain.clock import FixedClock
from fengqiao.errors import TransitionRefused, ValidationError
from fengqiao.ledger.base import Ledger
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Discovered, Event, Graded, Regraded, Transitioned
from fengqiao.lifecycle.states import Trigger, TriggerId
from fengqiao.policies.base import Policy
from fengqiao.storage.base import EventStore
from fengqiao.workflow import Workflow

__all__ = ["PROGRESS_EVERY", "Divergence", "DivergenceKind", "WhatIf", "what_if"]

DivergenceKind = Literal["grade", "route", "refused", "invalid"]
"""What differed: the grade given, the route advised, a command refused, or one that cannot be expressed."""


@attrs.frozen(kw_only=True)
class Divergence:
    """One place where the other policy would have decided differently."""

    dispute_id: str
    index: int
    """The event's place in the history (0: the discovery)."""
    at: datetime
    trigger: str
    kind: DivergenceKind
    recorded: str
    """What happened: the recorded grade or route, or ``"allowed"`` for a command that was carried out."""
    other: str
    """What the other policy says: its grade or route, ``"refused"`` or ``"invalid"``."""
    codes: tuple[str, ...] = ()
    """The other policy's refusal codes (``refused``), or the invalid field's path (``invalid``)."""
    detail: str = ""
    """The refusals' or the error's message, in English."""
    stopped: bool = False
    """Re-deciding the dispute stopped here: the rest of its history assumed this command happened."""
    unchecked: int = 0
    """How many later events were not re-decided because of the stop."""


@attrs.frozen(kw_only=True)
class WhatIf:
    """The report of :func:`what_if`: how many disputes and events were re-decided, and every difference."""

    policy: str
    disputes: int
    events: int
    """Events re-decided (those after a stop are not counted)."""
    divergences: tuple[Divergence, ...]

    @property
    def diverged(self) -> tuple[str, ...]:
        """The ids of the disputes with at least one difference, in the order met."""
        return tuple(dict.fromkeys(v.dispute_id for v in self.divergences))

    @property
    def stopped(self) -> tuple[str, ...]:
        """The ids of the disputes the other policy would have stopped somewhere."""
        return tuple(v.dispute_id for v in self.divergences if v.stopped)

    def of(self, dispute_id: str) -> tuple[Divergence, ...]:
        """The differences found in one dispute, in history order."""
        return tuple(v for v in self.divergences if v.dispute_id == dispute_id)


PROGRESS_EVERY = 100
"""How many histories ``what_if`` re-decides between two calls of its ``progress``."""


def what_if(
    source: EventStore | Ledger | Iterable[Dispute | Sequence[Event]],
    policy: str | Policy,
    *,
    progress: Callable[[int], object] | None = None,
) -> WhatIf:
    """Re-decide every history in ``source`` under ``policy``; report where it would differ.

    Args:
        source: an event store (every stream is loaded, in id order), a ledger (its store),
            or disputes, or histories.
        policy: the other policy, by name or as an object.
        progress: called with how many histories are done, every :data:`PROGRESS_EVERY` and
            at the end (a progress display).

    Raises:
        ValidationError: unknown policy, or a history that does not begin with a discovery.
    """
    if progress is not None and not callable(progress):
        raise ValidationError(f"expected a function of the count done, got {type(progress).__name__}", "progress")
    clock = FixedClock(datetime(2000, 1, 1, tzinfo=UTC))
    wf = Workflow(policy, clock=clock)
    found: list[Divergence] = []
    disputes = events = 0
    for history in _histories(source):
        disputes += 1
        checked, divergences = _redecide(wf, clock, history)
        events += checked
        found.extend(divergences)
        if progress is not None and not disputes % PROGRESS_EVERY:
            progress(disputes)
    if progress is not None:
        progress(disputes)
    return WhatIf(policy=wf.policy.name, disputes=disputes, events=events, divergences=tuple(found))


def _histories(source: Any) -> Iterator[tuple[Event, ...]]:
    store = getattr(source, "store", source)  # a ledger: its store
    if callable(getattr(store, "streams", None)) and callable(getattr(store, "load", None)):
        for stream_id in store.streams():
            yield tuple(store.load(stream_id))
        return
    for item in source:
        yield item.history if isinstance(item, Dispute) else tuple(item)


def _redecide(wf: Workflow, clock: FixedClock, history: tuple[Event, ...]) -> tuple[int, list[Divergence]]:
    """Re-decide one history; return how many events were re-decided and the differences."""
    first = history[0] if history else None
    if not isinstance(first, Discovered):
        raise ValidationError("a history must begin with a Discovered event", "history[0]")
    clock.set(first.at)
    try:
        d = wf.discover(**_discovery(first))
    except (TransitionRefused, ValidationError) as exc:
        return 1, [_stop(first, 0, "discover", exc, unchecked=len(history) - 1)]
    found: list[Divergence] = []
    for index, event in enumerate(history[1:], start=1):
        clock.set(event.at)
        trigger, command = _command(event)
        try:
            decision = wf.check(d, trigger, actor=event.actor, **command)
        except ValidationError as exc:
            return index + 1, [*found, _stop(event, index, str(trigger), exc, unchecked=len(history) - index - 1)]
        if not decision.allowed:
            refused = TransitionRefused(d.id, str(trigger), decision.refusals)
            return index + 1, [*found, _stop(event, index, str(trigger), refused, unchecked=len(history) - index - 1)]
        d = wf.fire(d, trigger, actor=event.actor, **command)
        if isinstance(event, Graded | Regraded):
            found.extend(_grading(event, d.history[-1], index))
    return len(history), found


def _grading(recorded: Graded | Regraded, decided: Event, index: int) -> Iterator[Divergence]:
    assert isinstance(decided, Graded | Regraded)
    mine, theirs = recorded.payload.grading, decided.payload.grading
    common: dict[str, Any] = {"dispute_id": recorded.dispute_id, "index": index, "at": recorded.at}
    common["trigger"] = str(recorded.trigger)
    if mine.grade != theirs.grade:
        yield Divergence(
            kind="grade", recorded=mine.grade, other=theirs.grade, detail=f"{theirs.rule}: {theirs.reason}", **common
        )
    if mine.route != theirs.route:
        yield Divergence(kind="route", recorded=mine.route.value, other=theirs.route.value, **common)


def _stop(event: Event, index: int, trigger: str, exc: Exception, *, unchecked: int) -> Divergence:
    if isinstance(exc, TransitionRefused):
        codes = tuple(r.code for r in exc.refusals)
        detail = "; ".join(r.en for r in exc.refusals)
        other = "refused"
        kind: DivergenceKind = "refused"
    else:
        codes = (getattr(exc, "path", "") or "",)
        detail, other, kind = str(exc), "invalid", "invalid"
    return Divergence(
        dispute_id=event.dispute_id,
        index=index,
        at=event.at,
        trigger=trigger,
        kind=kind,
        recorded="allowed",
        other=other,
        codes=codes,
        detail=detail,
        stopped=True,
        unchecked=unchecked,
    )


def _discovery(event: Discovered) -> dict[str, Any]:
    p = event.payload
    return {
        "channel": p.alert.channel,
        "category": p.category,
        "summary": p.summary,
        "actor": event.actor,
        "parties": p.parties,
        "risk_factors": p.risk_factors,
        "station": p.station,
        "location": p.alert.location,
        "reporter": p.alert.reporter,
        "reference": p.alert.reference,
        "received_at": p.alert.received_at,
        "dispute_id": p.dispute_id,
    }


def _command(event: Event) -> tuple[TriggerId, dict[str, Any]]:
    """The trigger and keyword payload of the command that recorded ``event``."""
    payload: Any = getattr(event, "payload", None)
    if isinstance(event, Graded):
        return Trigger.GRADE, attrs.asdict(payload.assessment, recurse=False)
    if isinstance(event, Regraded):
        command = attrs.asdict(payload.assessment, recurse=False)
        command["reason"] = payload.grading.reason
        if payload.manual:
            command["grade"] = payload.grading.grade
        return Trigger.REGRADE, command
    if isinstance(event, Transitioned):
        command = attrs.asdict(payload, recurse=False)
        return command.pop("trigger"), {k: v for k, v in command.items() if k != "target"}
    return Trigger(event.trigger), attrs.asdict(payload, recurse=False)
