"""The people and organisations in a dispute, and the alerts that report it.

A :class:`Party` keeps its ID number and phone whole (they serialize whole, for the station's
own records) but never shows them in ``repr``/``str`` or in an error message; :meth:`Party.redacted`
gives a copy fit for sharing outside the station. Numbers are masked in proportion to their
length (see :func:`mask`: fewer than half of the characters are shown).

>>> p = Party(name="张三丰", id_number="140881199001011234", phone="13812345678", household="h-0042")
>>> "13812345678" in repr(p), "138******78" in repr(p)
(False, True)
>>> p.phone
'13812345678'
>>> shared = p.redacted()
>>> shared.name, shared.id_number, shared.phone, shared.household
('张某', '140***********1234', '138******78', '')
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from fengqiao.domain._checks import aware, canonical, is_prose, is_text, non_empty, quick_init, require_text, text_test
from fengqiao.domain._privacy import mask, surname
from fengqiao.domain.terms import Channel, PartyKind, PartyRole

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


def _masked_repr(value: str | None) -> str:
    return repr(mask(value))


def _personal(_instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: ``None`` or one line of text; a refusal never quotes the value."""
    if value is not None:
        require_text(value, attribute.name, personal=True)


_test, _names = text_test("line")
canonical(_personal, f"{{v}} is None or (type({{v}}) is str and {_test})", **_names)


@quick_init
@attrs.frozen
class Party:
    """A person or organisation in a dispute, with its role and (masked) identity details."""

    name: str = attrs.field(validator=non_empty)
    kind: PartyKind = attrs.field(default=PartyKind.PERSON, converter=_one_partykind)
    role: PartyRole = attrs.field(default=PartyRole.PARTY, converter=_one_partyrole)
    id_number: str | None = attrs.field(default=None, validator=_personal, repr=_masked_repr)
    phone: str | None = attrs.field(default=None, validator=_personal, repr=_masked_repr)
    address: str = attrs.field(default="", validator=is_text)
    household: str = attrs.field(default="", validator=is_text)
    """A household identifier (户), for the B volume and household risk work."""

    def redacted(self) -> Party:
        """A copy for sharing outside the station: name cut, numbers masked, address and household dropped.

        A person's name is cut to the surname and 某 (张三丰 → 张某, 欧阳娜娜 → 欧阳某; a name not
        in Chinese characters to its initial, Maria Lopez → M.; see
        :func:`~fengqiao.domain._privacy.surname`); an organisation keeps its name. The ID number and
        phone are masked as :func:`mask` masks them; address and household become ``""``.
        """
        name = surname(self.name) if self.kind is PartyKind.PERSON else self.name
        return attrs.evolve(
            self, name=name, id_number=mask(self.id_number), phone=mask(self.phone), address="", household=""
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.role.value})"


@quick_init
@attrs.frozen
class Alert:
    """One report of a dispute through one channel (警情). Several may belong to one dispute."""

    channel: Channel = attrs.field(converter=_one_channel)
    received_at: datetime = attrs.field(validator=aware)
    reporter: str = attrs.field(default="", validator=is_text)
    summary: str = attrs.field(default="", validator=is_prose)
    location: str = attrs.field(default="", validator=is_text)
    reference: str = attrs.field(default="", validator=is_text)
    """The alert's own number in the channel's system (警情编号), if any."""
