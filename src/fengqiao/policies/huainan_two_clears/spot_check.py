"""规范执法: the daily check (每日评查) of handled disputes, every one or a reproducible sample.

Every day Huainan checks filing (受立案), seized property (涉案财物管理), the use of interview
and case-handling rooms (办案场所使用管理) and of body cameras (执法记录仪使用管理) across the
board, one by one (全面抽查，逐一评查). By default every dispute handled that day is drawn, each
to be reviewed on all four; a ``rate`` or ``size`` below that draws a seeded random sample
instead, so the same seed always draws the same disputes and an auditor can redraw them. A
finding is filed as ``DossierKind.REVIEW_FINDING`` (its title naming what was found wanting);
the policy refuses to close the dispute until a later ``DossierKind.CORRECTION_RECORD``
answers it.
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

SPOT_CHECK_RATE = 1.0
"""The default share of the day's handled disputes drawn for review: all of them (全面抽查，逐一评查)."""


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
    """The disputes handled on ``day`` drawn for review (all by default), sorted by id.

    The sample depends only on the set of disputes (not their order), the day and the seed.

    Args:
        disputes: the candidates (several versions of one dispute: the longest is used).
        day: the local day whose handling is checked.
        seed: same seed, same sample.
        rate: the share of handled disputes drawn, rounded up: ``1.0`` (every one) by default;
            ``0.1`` draws one in ten, at least one.
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
