"""Routing a dispute to the right kind of 贝侬, and court officers to their own villages.

See :mod:`~fengqiao.policies.mashan_beinong.pool` for the rules these functions apply. Each
answers with :class:`~fengqiao.lifecycle.refusals.Refusal` values coded
``mashan.<trigger>.<reason>``; none means the choice is allowed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import attrs

from fengqiao.domain.terms import Category, RiskFactor
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import TriggerId
from fengqiao.policies.mashan_beinong.pool import BeinongKind, MediatorPool, clan_of

__all__ = ["Need", "mediator_refusals", "need_of", "officer_refusals", "refusal"]


def refusal(trigger: TriggerId, reason: str, zh: str, en: str) -> Refusal:
    """A refusal coded ``mashan.<trigger>.<reason>``."""
    return Refusal(f"mashan.{trigger}.{reason}", zh, en)


@attrs.frozen
class Need:
    """The kind of 贝侬 a dispute needs, and the village or clans that kind must serve."""

    kind: BeinongKind
    village: str = ""
    clans: frozenset[str] = frozenset()
    why: tuple[str, str] = ("", "")
    """Why, in Chinese and English (``("山林土地纠纷", "a forest and land dispute")``)."""


def need_of(
    dispute: Dispute,
    *,
    professional_categories: frozenset[Category],
    special_group_factors: frozenset[RiskFactor],
    clan_categories: frozenset[Category],
) -> Need:
    """What kind of 贝侬 ``dispute`` needs: professional first, then clan, else its village's."""
    if dispute.category in professional_categories:
        label = dispute.category.label("zh"), dispute.category.label("en")
        return Need(BeinongKind.PROFESSIONAL, why=(f"{label[0]}属专业性较强的纠纷", f"a {label[1]} dispute"))
    special = sorted(dispute.risk_factors & special_group_factors)
    if special:
        zh, en = "、".join(f.label("zh") for f in special), ", ".join(f.label("en") for f in special)
        return Need(BeinongKind.PROFESSIONAL, why=(f"涉特殊群体（{zh}）", f"it involves a special group ({en})"))
    if dispute.category in clan_categories:
        counts = Counter(c for c in map(clan_of, dispute.parties) if c)
        clans = frozenset(c for c, n in counts.items() if n >= 2)
        if clans:
            names = "、".join(sorted(clans))
            return Need(
                BeinongKind.CLAN, clans=clans, why=(f"{names}氏家族内部纠纷", f"a dispute within the {names} clan")
            )
    return Need(BeinongKind.VILLAGE, village=dispute.station, why=("本村屯纠纷", "a village dispute"))


def mediator_refusals(
    trigger: TriggerId, pool: MediatorPool, name: str, need: Need, *, serious: bool
) -> Iterator[Refusal]:
    """Why the 贝侬 called ``name`` may not take a dispute that needs ``need``.

    ``serious``: the dispute is graded complex or potentially major, so a professional 贝侬
    may take it whatever its kind.
    """
    if not name.strip():
        yield refusal(trigger, "mediator-missing", "须指明调解的“贝侬”调解员", "name the Beinong mediator who mediates")
        return
    m = pool.mediator(name)
    if m is None:
        yield refusal(
            trigger,
            "mediator-not-in-pool",
            f"{name}不在“贝侬”调解人才库中",
            f"{name} is not in the pool of Beinong mediators",
        )
        return
    if m.kind is BeinongKind.PROFESSIONAL and (serious or need.kind is BeinongKind.PROFESSIONAL):
        return
    zh_why, en_why = need.why
    if need.kind is BeinongKind.PROFESSIONAL:
        yield refusal(
            trigger,
            "professional-beinong-needed",
            f"{zh_why}，须由专业“贝侬”调解，{name}是{m.kind.label('zh')}",
            f"{en_why}: a professional Beinong mediates it, and {name} is {m.kind.label('en')}",
        )
    elif need.kind is BeinongKind.CLAN and not (m.kind is BeinongKind.CLAN and m.clan in need.clans):
        clans = "、".join(sorted(need.clans))
        yield refusal(
            trigger,
            "clan-beinong-needed",
            f"家族纠纷家族“贝侬”解：{zh_why}，须由{clans}氏家族的“贝侬”调解",
            f"a clan's disputes are mediated by the clan's Beinong: {en_why}, and {name} is not of it",
        )
    elif need.kind is BeinongKind.VILLAGE and not (m.kind is BeinongKind.VILLAGE and m.village == need.village):
        place = need.village or "（未注明村屯）"
        yield refusal(
            trigger,
            "village-beinong-needed",
            f"本村屯纠纷本村屯“贝侬”调：须由{place}的“贝侬”调解",
            f"a village's disputes are mediated by its own Beinong: {name} is not a Beinong of "
            f"{need.village or 'the village (no station named)'}",
        )


def officer_refusals(trigger: TriggerId, pool: MediatorPool, name: str, village: str) -> Iterator[Refusal]:
    """Why the court officer called ``name`` may not be assigned a dispute of ``village``."""
    officer = pool.officer(name)
    if officer is None:
        yield refusal(
            trigger,
            "unknown-court-officer",
            f"{name}不在法院干警联系村名单中",
            f"{name} is not on the court's list of officers and their villages",
        )
    elif village not in officer.villages:
        linked = "、".join(sorted(officer.villages))
        yield refusal(
            trigger,
            "outside-villages",
            f"{name}联系的村为{linked}，本纠纷属{village or '未注明的村屯'}，不能指派",
            f"{name} is linked to {linked}; this dispute is of {village or 'no named village'}",
        )
