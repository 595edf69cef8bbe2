"""What a caller's role may see: personal numbers masked in every document a response carries.

A role that may not see personal details gets every party as :meth:`~fengqiao.Party.redacted`
gives it (name cut to the surname and 某, ID number and phone masked, address and household
dropped), wherever a party appears (the dispute, its ``Discovered`` event), and every run of six
or more digits in free text (a summary, a finding, a note …) masked as error messages mask them.
Identifiers, codes and times are left alone, so links and ETags still work.

>>> doc = {"summary": "call 13812345678", "parties": [{"name": "张三丰", "kind": "person", "role": "party",
...        "id_number": None, "phone": "13812345678", "address": "某村", "household": "h-1"}]}
>>> shown = redact(doc)
>>> shown["summary"], shown["parties"][0]["name"], shown["parties"][0]["phone"], shown["parties"][0]["address"]
('call 138******78', '张某', '138******78', '')
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from fengqiao.domain.party import Party, mask
from fengqiao.serde import converter

__all__ = ["PROSE_FIELDS", "redact", "scrub"]

PROSE_FIELDS = frozenset(
    {"summary", "finding", "note", "text", "reason", "title", "reporter", "location", "address", "mediator"}
)
"""The free-text fields whose long runs of digits are masked (a number written into a summary, say)."""

_PARTY_FIELDS = frozenset(f.name for f in attrs.fields(Party))
_DIGITS = re.compile(r"\d{6,}")
"""A run of digits long enough to be (part of) an ID number or a phone number (as error messages mask them)."""


def redact(document: Any) -> Any:
    """``document`` (JSON-ready: dicts, lists, text, numbers) with every personal detail masked; a new value."""
    if isinstance(document, list):
        return [redact(item) for item in document]
    if not isinstance(document, dict):
        return document
    if document.keys() >= _PARTY_FIELDS:
        return _party(document)
    return {key: _prose(value) if key in PROSE_FIELDS else redact(value) for key, value in document.items()}


def _party(document: dict[str, Any]) -> dict[str, Any]:
    shared: dict[str, Any] = converter.unstructure(converter.structure(document, Party).redacted())
    return shared


def _prose(value: Any) -> Any:
    return scrub(value) if isinstance(value, str) else redact(value)


def scrub(text: str) -> str:
    """``text`` with every long run of digits masked: for messages that quote what a caller sent."""
    return _DIGITS.sub(lambda m: mask(m.group()) or "", text)
