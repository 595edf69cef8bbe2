"""Random dispute ids, made in batches: the default ``ids`` of a :class:`~fengqiao.Workflow`.

Private; only :mod:`fengqiao.workflow` uses it.
"""

from __future__ import annotations

import os

__all__ = ["random_id"]

_ID_BATCH = 128
"""Random ids made at a time: one ``os.urandom`` call and one hex conversion for them all."""
_VERSION_4 = bytes(b & 0x0F | 0x40 for b in range(256))
"""Byte 6 of a UUID with its high nibble set to the version, 4."""
_RFC_4122 = bytes(b & 0x3F | 0x80 for b in range(256))
"""Byte 8 of a UUID with its two top bits set to the RFC 4122 variant, ``10``."""
_SPARE_IDS: list[str] = []
"""Random ids made and not yet given out (emptied in a forked child, which must not repeat them)."""
os.register_at_fork(after_in_child=_SPARE_IDS.clear)


def random_id() -> str:
    """A random UUID (version 4) as 32 hex digits, as ``uuid4().hex`` gives, without building a ``UUID``.

    Ids are made :data:`_ID_BATCH` at a time; ``list.pop`` hands each out once, also to
    several threads.
    """
    while True:
        try:
            return _SPARE_IDS.pop()
        except IndexError:
            _SPARE_IDS.extend(_random_ids(_ID_BATCH))


def _random_ids(n: int) -> list[str]:
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = raw[6::16].translate(_VERSION_4)
    raw[8::16] = raw[8::16].translate(_RFC_4122)
    text = raw.hex()
    return [text[i : i + 32] for i in range(0, 32 * n, 32)]
