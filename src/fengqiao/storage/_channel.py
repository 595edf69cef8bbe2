"""The PostgreSQL notification channel of one schema's events: what appends ``NOTIFY`` and followers ``LISTEN`` on.

A follower (:mod:`fengqiao.ledger.follow`) listens on :func:`events_channel` of the store's
schema and polls as well, so it is correct without any notification; an append that sends
``SELECT pg_notify(<channel>, '')`` after its events wakes it at once (PostgreSQL delivers a
notification when the sending transaction commits, never before). The payload is not read.

>>> events_channel("public")
'fengqiao_events_public'
>>> events_channel("s" * 63) == "fengqiao_events_" + hashlib.blake2b(b"s" * 63, digest_size=16).hexdigest()
True
"""

from __future__ import annotations

import hashlib

__all__ = ["CHANNEL_PREFIX", "events_channel"]

CHANNEL_PREFIX = "fengqiao_events_"

_MOST = 63
"""PostgreSQL's longest identifier in bytes (``NAMEDATALEN - 1``): ``pg_notify`` refuses longer channels."""


def events_channel(schema: str) -> str:
    """The channel of ``schema``'s events: ``fengqiao_events_<schema>``, or a hash of the schema if that is too long.

    Used as it is, case and all: pass it to ``pg_notify`` (text) or quote it as an identifier
    (``LISTEN "fengqiao_events_Station"``), never unquoted.
    """
    name = CHANNEL_PREFIX + schema
    if len(name.encode()) <= _MOST:
        return name
    return CHANNEL_PREFIX + hashlib.blake2b(schema.encode(), digest_size=16).hexdigest()
