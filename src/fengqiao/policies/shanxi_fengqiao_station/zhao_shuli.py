"""The Zhao Shuli method (赵树理调解工作法) as an ordered mediation protocol.

Jiafeng station (嘉峰派出所, Qinshui county), named a national "Fengqiao-style method" in 2023,
mediates in three steps, each leaving a record in the dossier:

1. **典型案例教育** — educate the parties with typical cases from local plays: rights must be
   pursued lawfully. Record: ``DossierKind.LEGAL_EDUCATION``.
2. **先把脉、后治病** — diagnose first: an on-site survey with the departments concerned
   establishes the facts and who is liable. Record: ``DossierKind.SITE_SURVEY`` (name the
   departments in its title). No agreement before the survey.
3. **先算账、后了事** — settle the accounts (the compensation) first, then end the matter.
   Record: ``DossierKind.SETTLEMENT_RECORD``. No close before it.

A record may be filed with any command that carries documents (``attach``, or the documents
of ``mediate``, ``refer``, ``resolve``); a record filed before the one it follows is refused
(:func:`order_refusals`). Everything here reads the dispute's dossier and history, so a
reopened dispute keeps the steps it has done.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fengqiao.domain.dossier import DossierItem, DossierKind
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import (
    Attached,
    Escalated,
    Event,
    MediationStarted,
    Referred,
    Reopened,
    Resolved,
    Transitioned,
)
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.policies.base import DossierRequirement

__all__ = [
    "EDUCATION",
    "SETTLEMENT",
    "STEPS",
    "SURVEY",
    "filed_by",
    "order_refusals",
    "protocol_requirements",
    "resolved_in_mediation",
    "under_mediation",
]

EDUCATION = DossierKind.LEGAL_EDUCATION
"""Step 1's record (典型案例教育): the parties were educated with typical cases."""
SURVEY = DossierKind.SITE_SURVEY
"""Step 2's record (先把脉、后治病): the on-site survey of the facts and who is liable."""
SETTLEMENT = DossierKind.SETTLEMENT_RECORD
"""Step 3's record (先算账、后了事): the compensation settled before the matter ends."""
STEPS = (EDUCATION, SURVEY, SETTLEMENT)
"""The three records, in the order the method takes them."""

_STEP_WORDS = {
    EDUCATION: ("education", "典型案例教育记录", "the legal-education record (typical cases from local plays)"),
    SURVEY: (
        "survey",
        "会同相关部门现场勘查、查明事实和责任的记录",
        "the on-site survey record (facts and liability, with the departments concerned)",
    ),
    SETTLEMENT: ("settlement", "赔偿结算记录", "the compensation settlement record"),
}
_ORDER_WORDS = {
    SURVEY: ("先以典型案例释法教育，再会同相关部门现场勘查", "educate with typical cases first, then survey on site"),
    SETTLEMENT: ("先把脉、后治病：现场勘查查明事实和责任之前不能算账", "diagnose first: no accounts before the survey"),
}


def filed_by(event: Event) -> tuple[DossierItem, ...]:
    """The dossier items ``event`` files (an attachment, or a command's documents)."""
    if isinstance(event, Attached):
        return (event.payload.item,)
    if isinstance(event, MediationStarted | Referred | Resolved | Transitioned):
        return event.payload.documents
    return ()


def order_refusals(dispute: Dispute, event: Event, trigger: str) -> Iterator[Refusal]:
    """A survey record filed before the education record, a settlement record before the survey.

    Codes: ``shanxi.<trigger>.education-missing`` and ``shanxi.<trigger>.survey-missing``.
    """
    items = filed_by(event)
    if not any(item.kind in _ORDER_WORDS for item in items):
        return
    have = {item.kind for item in dispute.dossier}
    refused: set[DossierKind] = set()
    for item in items:
        before = STEPS[STEPS.index(item.kind) - 1] if item.kind in _ORDER_WORDS else None
        if before is not None and before not in have and before not in refused:
            refused.add(before)
            zh, en = _ORDER_WORDS[item.kind]
            yield Refusal(
                f"shanxi.{trigger}.{_STEP_WORDS[before][0]}-missing",
                f"赵树理调解工作法须依次进行：{zh}；尚缺{_STEP_WORDS[before][1]}",
                f"the Zhao Shuli method goes in order: {en}; {_STEP_WORDS[before][2]} is missing",
            )
        have.add(item.kind)


def under_mediation(dispute: Dispute) -> bool:
    """Whether the station is mediating the dispute now (not handed over, escalated or settled)."""
    mediating = False
    for event in dispute.history:
        if isinstance(event, MediationStarted | Reopened):
            mediating = True
        elif isinstance(event, Referred | Escalated | Resolved):
            mediating = False
    return mediating


def resolved_in_mediation(dispute: Dispute) -> bool:
    """Whether the dispute's last resolution settled the station's own mediation (not a department's report)."""
    mediating = settled = False
    for event in dispute.history:
        if isinstance(event, MediationStarted | Reopened):
            mediating = True
        elif isinstance(event, Referred | Escalated):
            mediating = False
        elif isinstance(event, Resolved):
            settled, mediating = mediating, False
    return settled


def protocol_requirements(kinds: Iterable[DossierKind] = STEPS) -> Iterator[DossierRequirement]:
    """The dossier requirement of each step in ``kinds`` (codes ``shanxi.dossier.<step>``)."""
    for kind in kinds:
        word, zh, en = _STEP_WORDS[kind]
        yield DossierRequirement(
            code=f"shanxi.dossier.{word}",
            section=kind.section,
            kinds=frozenset({kind}),
            zh=f"赵树理调解工作法须有{zh}",
            en=f"the Zhao Shuli method needs {en}",
        )
