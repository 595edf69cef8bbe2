"""The people and organisations in a dispute, and the alerts that report it.

A :class:`Party` keeps its ID number and phone whole (they serialize whole, for the station's
own records) but never shows them in ``repr``/``str``; :meth:`Party.redacted` gives a copy fit
for sharing outside the station.

>>> p = Party(name="赵某", id_number="140881199001011234", phone="13812345678")
>>> "13812345678" in repr(p), "138****5678" in repr(p)
(False, True)
>>> p.phone
'13812345678'
>>> p.redacted().phone
'138****5678'
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain.checks import aware, canonical, is_text, non_empty, quick_init
from fengqiao.domain.vocab import Channel, PartyKind, PartyRole

__all__ = ["Alert", "Party", "mask"]


def _one_partykind(value: PartyKind | str) -> PartyKind:
    return PartyKind.parse(value, "kind")


canonical(_one_partykind, "type({v}) is PartyKind", PartyKind=PartyKind)


def _one_partyrole(value: PartyRole | str) -> PartyRole:
    return PartyRole.parse(value, "role")


canonical(_one_partyrole, "type({v}) is PartyRole", PartyRole=PartyRole)


def _one_channel(value: Channel | str) -> Channel:
    return Channel.parse(value, "channel")


canonical(_one_channel, "type({v}) is Channel", Channel=Channel)


def mask(value: str | None) -> str | None:
    """Mask all but the first three and last four characters (``138****5678``)."""
    if value is None:
        return None
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _masked_repr(value: str | None) -> str:
    return repr(mask(value))


def _optional_text(_instance: Any, attribute: Any, value: Any) -> None:
    if value is not None:
        is_text(_instance, attribute, value)


canonical(_optional_text, "{v} is None or type({v}) is str")


@quick_init
@attrs.frozen
class Party:
    """A person or organisation in a dispute, with its role and (masked) identity details."""

    name: str = attrs.field(validator=non_empty)
    kind: PartyKind = attrs.field(default=PartyKind.PERSON, converter=_one_partykind)
    role: PartyRole = attrs.field(default=PartyRole.PARTY, converter=_one_partyrole)
    id_number: str | None = attrs.field(default=None, validator=_optional_text, repr=_masked_repr)
    phone: str | None = attrs.field(default=None, validator=_optional_text, repr=_masked_repr)
    address: str = attrs.field(default="", validator=is_text)
    household: str = attrs.field(default="", validator=is_text)
    """A household identifier (户), for the B volume and household risk work."""

    def redacted(self) -> Party:
        """A copy for sharing outside the station: ID number and phone masked, address dropped."""
        return attrs.evolve(self, id_number=mask(self.id_number), phone=mask(self.phone), address="")

    def __str__(self) -> str:
        return f"{self.name} ({self.role.value})"


@quick_init
@attrs.frozen
class Alert:
    """One report of a dispute through one channel (警情). Several may belong to one dispute."""

    channel: Channel = attrs.field(converter=_one_channel)
    received_at: datetime = attrs.field(validator=aware)
    reporter: str = attrs.field(default="", validator=is_text)
    summary: str = attrs.field(default="", validator=is_text)
    location: str = attrs.field(default="", validator=is_text)
    reference: str = attrs.field(default="", validator=is_text)
    """The alert's own number in the channel's system (警情编号), if any."""
