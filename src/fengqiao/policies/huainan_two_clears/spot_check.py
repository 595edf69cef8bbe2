"""规范执法: the daily spot check (每日抽查) of handled disputes, as a reproducible sample.

Huainan's command centre checks filing, seized property, interview rooms and body-camera
use every day (全面抽查, 逐一评查). Which disputes are checked is a seeded random sample of
those handled that day, so the same seed always draws the same sample and an auditor can
redraw it. A finding is filed as ``DossierKind.REVIEW_FINDING``; the policy refuses to close
the dispute until a later ``DossierKind.CORRECTION_RECORD`` answers it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import date, tzinfo

from fengqiao.domain._quote import quote
from fengqiao.errors import ValidationError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.huainan_two_clears.timeline import latest, transitions_on

__all__ = ["SPOT_CHECK_RATE", "handled_on", "spot_check_sample"]

SPOT_CHECK_RATE = 0.1
"""The default share of the day's handled disputes drawn for review (rounded up: at least one)."""


def handled_on(dispute: Dispute, day: date, timezone: tzinfo = CHINA_TZ) -> bool:
    """Whether the dispute was handled on ``day``: a state change happened that local day.

    Grading, mediating, referring, escalating, resolving, closing … count; notes and
    attachments alone are not enforcement acts and do not.
    """
    return transitions_on(dispute, day, timezone) > 0


def spot_check_sample(
    disputes: Iterable[Dispute],
    day: date,
    *,
    seed: int | str,
    rate: float = SPOT_CHECK_RATE,
    size: int | None = None,
    timezone: tzinfo = CHINA_TZ,
) -> tuple[Dispute, ...]:
    """A seeded random sample of the disputes handled on ``day``, sorted by id.

    The sample depends only on the set of disputes (not their order), the day and the seed.

    Args:
        disputes: the candidates (several versions of one dispute: the longest is used).
        day: the local day whose handling is checked.
        seed: same seed, same sample.
        rate: the share of handled disputes drawn, rounded up (``0.1``: one in ten, at least one).
        size: a fixed sample size instead of ``rate`` (capped at the number handled).
        timezone: where the day begins and ends.

    Raises:
        ValidationError: ``rate`` outside [0, 1] or a negative ``size``.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValidationError(f"rate must be between 0 and 1, got {quote(rate)}", "rate")
    if size is not None and size < 0:
        raise ValidationError(f"size must not be negative, got {quote(size)}", "size")
    handled = [d for d in latest(disputes) if handled_on(d, day, timezone)]
    wanted = size if size is not None else math.ceil(rate * len(handled))
    rng = random.Random(f"huainan.spot-check:{day.isoformat()}:{seed}")
    chosen = rng.sample(handled, min(wanted, len(handled)))
    return tuple(sorted(chosen, key=lambda d: d.id))
