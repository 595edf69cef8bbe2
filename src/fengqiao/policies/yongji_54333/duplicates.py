"""Repeated alerts (及时梳理重复警情): find the open dispute a new alert belongs to.

Yongji links every alert about the same parties or the same place, within a window, to one
dispute; the repetition then raises the dispute's grade when it is regraded. The search is a
pure function over candidate disputes, so a ledger or a station system can run it over
whatever it has loaded:

- a candidate must be open (not closed, escalated or merged: ``link_alert`` is refused
  there) and have at least one alert received within ``window`` of the new alert;
- it matches on a party's ID number (strongest), a party's name, or the location of one
  of its alerts inside the window (weakest); names and places are compared ignoring case
  and white space, and blank values never match;
- the strongest match wins; among equals, the dispute with the most recent alert, then
  the smallest id (so the answer never depends on the order of ``candidates``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from fengqiao.domain.party import Alert, Party
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.states import TERMINAL_STATES

__all__ = ["DEFAULT_DUPLICATE_WINDOW", "find_duplicate"]

DEFAULT_DUPLICATE_WINDOW = timedelta(days=7)
"""How far apart two alerts may be and still concern one dispute. The reports give no figure;
7 days follows Yongji's weekly review (派出所风险隐患常态化排查、指挥中心复盘、局党委周研判: stations
screen continuously, the command centre reviews, the bureau's party committee analyses every
week), so the alerts one weekly analysis sees about the same people or place meet in one
dispute. A longer window is a constructor argument of the policy."""

_BY_ID, _BY_NAME, _BY_PLACE = 3, 2, 1


def _key(text: str | None) -> str:
    return "".join((text or "").split()).casefold()


def _strength(candidate: Dispute, in_window: tuple[Alert, ...], parties: tuple[Party, ...], place: str) -> int:
    ids = {_key(p.id_number) for p in parties} - {""}
    names = {_key(p.name) for p in parties} - {""}
    if ids and any(_key(p.id_number) in ids for p in candidate.parties):
        return _BY_ID
    if names and any(_key(p.name) in names for p in candidate.parties):
        return _BY_NAME
    if place and any(_key(a.location) == place for a in in_window):
        return _BY_PLACE
    return 0


def find_duplicate(
    candidates: Iterable[Dispute],
    *,
    alert: Alert,
    parties: Iterable[Party] = (),
    window: timedelta = DEFAULT_DUPLICATE_WINDOW,
) -> Dispute | None:
    """The open dispute that ``alert`` (about ``parties``) should be linked to, or ``None``.

    Args:
        candidates: the disputes to search (any iterable; only open ones can match).
        alert: the new alert; its ``received_at`` anchors the window and its ``location``
            is compared with the candidates' alerts.
        parties: the people and organisations the new alert names.
        window: the greatest time between the new alert and a candidate's alert.

    Raises:
        ValidationError: ``window`` is negative.

    >>> from datetime import UTC, datetime
    >>> import fengqiao as fq
    >>> wf = fq.Workflow("baseline", clock=fq.FixedClock(datetime(2024, 1, 31, 9, tzinfo=UTC)))
    >>> d = wf.discover(channel="alarm_110", category="neighbour", summary="堵门",
    ...                 parties=[fq.Party(name="赵某")], actor="officer:xiao")
    >>> again = fq.Alert(channel="hotline_12345", received_at=datetime(2024, 2, 2, tzinfo=UTC))
    >>> find_duplicate([d], alert=again, parties=[fq.Party(name="赵某")]) is d
    True
    """
    if window < timedelta(0):
        raise ValidationError(f"the window must not be negative, got {window}", "window")
    wanted = tuple(parties)
    place = _key(alert.location)
    matches: list[tuple[int, datetime, Dispute]] = []
    for candidate in candidates:
        if candidate.state in TERMINAL_STATES:
            continue
        in_window = tuple(a for a in candidate.alerts if abs(a.received_at - alert.received_at) <= window)
        strength = _strength(candidate, in_window, wanted, place) if in_window else 0
        if strength:
            matches.append((strength, max(a.received_at for a in in_window), candidate))
    if not matches:
        return None
    best = max((strength, latest) for strength, latest, _ in matches)
    return min((d for strength, latest, d in matches if (strength, latest) == best), key=lambda d: d.id)
