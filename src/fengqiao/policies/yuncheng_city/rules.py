"""``CityRules``: what Yuncheng city adds to Yongji's "54333" — rooms, joint kinds, centres and their results.

The rules alone; :class:`~fengqiao.policies.yuncheng_city.YunchengCity` composes them with a
:class:`~fengqiao.policies.yongji_54333.Yongji54333`. See the package docstring.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import ClassVar

import attrs

from fengqiao.domain.dossier import DossierKind
from fengqiao.domain.terms import JointKind, MediationForce
from fengqiao.errors import PolicyDefinitionError
from fengqiao.lifecycle.dispute import Dispute
from fengqiao.lifecycle.events import Escalated, Event, MediationStarted, Referred, Resolved
from fengqiao.lifecycle.refusals import Refusal
from fengqiao.lifecycle.states import State
from fengqiao.policies.base import BasePolicy, Deadline
from fengqiao.policies.yuncheng_city.network import ROOM_FORCES, Centre, CityNetwork, default_network

__all__ = ["DOCKING_SINCE", "ROOM_SUFFIX", "CityRules", "joint_kinds_of"]

DOCKING_SINCE = date(2024, 3, 1)
"""The police–mediation docking (警调对接) with the city justice bureau began in March 2024."""
ROOM_SUFFIX = "调解室"
"""A mediator ending in this names a mediation room (``"老李调解室"``)."""


def joint_kinds_of(
    forces: Iterable[MediationForce], kinds: Iterable[JointKind], station: MediationForce
) -> frozenset[JointKind]:
    """The kinds of joint mediation ``forces`` make: the station's police with each kind's partner.

    >>> from fengqiao.domain.terms import JointKind, MediationForce as F
    >>> sorted(joint_kinds_of([F.POLICE_OFFICE, F.LAWYER], JointKind, F.POLICE_OFFICE))
    [<JointKind.LAWYERS_IN_STATION: 'lawyers_in_station'>]
    >>> joint_kinds_of([F.LAWYER], JointKind, F.POLICE_OFFICE)   # no station police: a lawyer alone
    frozenset()
    """
    present = frozenset(forces)
    if station not in present:
        return frozenset()
    return frozenset(k for k in kinds if k.force in present)


def _network(value: CityNetwork) -> CityNetwork:
    if not isinstance(value, CityNetwork):
        raise PolicyDefinitionError(f"yuncheng-city: network must be a CityNetwork, got {type(value).__name__}")
    return value


@attrs.frozen
class CityRules(BasePolicy):
    """Yuncheng city's own rules, to compose with Yongji's (see :class:`YunchengCity`).

    Args:
        network: the branded rooms and the four levels of centre (the shipped TOML by default).
        joint_kinds: the kinds of joint mediation of public-order disputes (庭所对接, 民调入所, 律师进所).
        station_force: the station's own police, who mediate with each joint kind's partner.
        docking_since: from this day (China Standard Time) police business handed over goes to a
            centre (警调对接, March 2024); ``None``: never required.
        complex_through_city: a complex public-order dispute is mediated through one of the
            joint kinds or a branded room.
        rate_decimals: decimals of the reported resolution rate; 2 (97.68%).
    """

    name: ClassVar[str] = "yuncheng-city-rules"

    network: CityNetwork = attrs.field(factory=default_network, converter=_network)
    joint_kinds: frozenset[JointKind] = attrs.field(default=frozenset(JointKind), converter=frozenset)
    station_force: MediationForce = MediationForce.POLICE_OFFICE
    docking_since: date | None = DOCKING_SINCE
    complex_through_city: bool = True
    rate_decimals: int = 2

    # -- what the rules read ---------------------------------------------------------------
    def joint_kinds_in(self, forces: Iterable[MediationForce]) -> frozenset[JointKind]:
        """The city's joint kinds ``forces`` make (see :func:`joint_kinds_of`)."""
        return joint_kinds_of(forces, self.joint_kinds, self.station_force)

    def centre_referrals(self, dispute: Dispute) -> Iterator[tuple[Referred, Centre, datetime | None]]:
        """Each hand-over to one of the network's centres, the centre, and when its result came (or ``None``)."""
        pending: tuple[Referred, Centre] | None = None
        for event in dispute.history:
            if isinstance(event, Referred):
                centre = self.network.centre(event.payload.department)
                pending = None if centre is None else (event, centre)
            elif pending is not None and isinstance(event, Resolved | Escalated):
                yield (*pending, event.at)
                pending = None
        if pending is not None:
            yield (*pending, None)

    # -- the Policy protocol ---------------------------------------------------------------
    def refusals(self, dispute: Dispute, event: Event) -> Iterable[Refusal]:
        """Rooms and joint kinds on ``mediate``; centres on ``refer``; a centre's result on ``resolve``."""
        if isinstance(event, MediationStarted):
            yield from self._room_refusals(event)
            yield from self._joint_refusals(dispute, event)
        elif isinstance(event, Referred):
            yield from self._docking_refusals(dispute, event)
        elif isinstance(event, Resolved) and dispute.state == State.REFERRED:
            referral = dispute.referral
            centre = None if referral is None else self.network.centre(referral.department)
            if centre is not None and not any(d.kind is DossierKind.RESULT_REPORT for d in event.payload.documents):
                yield Refusal(
                    "yuncheng.resolve.centre-result-missing",
                    f"{centre.department.label('zh')}反馈的调处结果须随附处理结果材料",
                    f"the result the {centre.department.label('en')} reports needs its result report attached",
                )

    def _room_refusals(self, event: MediationStarted) -> Iterator[Refusal]:
        forces, mediator = set(event.payload.forces), event.payload.mediator
        in_room = bool(forces & ROOM_FORCES)
        if in_room and not mediator:
            yield Refusal(
                "yuncheng.mediate.room-missing",
                "退休民警、退休法官在品牌调解室调解，须以调解员一栏写明调解室名称",
                "retired officers and judges mediate in a branded room: name the room as the mediator",
            )
            return
        if not (in_room or mediator.endswith(ROOM_SUFFIX)):
            return
        room = self.network.room(mediator)
        if room is None:
            known = "、".join(r.name for r in self.network.rooms) or "无"
            yield Refusal(
                "yuncheng.mediate.room-unknown",
                f"没有名为“{mediator}”的品牌调解室（现有：{known}）",
                f"there is no branded mediation room called {mediator!r} (known: {known})",
            )
        elif not forces & room.run_by:
            who_zh = "、".join(f.label("zh") for f in sorted(room.run_by))
            who_en = ", ".join(f.label("en") for f in sorted(room.run_by))
            yield Refusal(
                "yuncheng.mediate.room-force-missing",
                f"{room.name}由{who_zh}主持调解，调解力量须包括其一",
                f"{room.name} is run by {who_en}: name one of them among the forces",
            )

    def _joint_refusals(self, dispute: Dispute, event: MediationStarted) -> Iterator[Refusal]:
        a = dispute.assessment
        if not self.complex_through_city or a is None or not a.complex or not a.police_business:
            return
        if a.meets_case_threshold or self.joint_kinds_in(event.payload.forces):
            return
        if set(event.payload.forces) & ROOM_FORCES:
            return  # a room mediation; the room itself is checked above
        kinds_zh = "、".join(k.label("zh") for k in JointKind if k in self.joint_kinds)
        kinds_en = ", ".join(k.label("en") for k in JointKind if k in self.joint_kinds)
        yield Refusal(
            "yuncheng.mediate.joint-kind-missing",
            f"疑难复杂的治安纠纷须联合调解：{self.station_force.label('zh')}与{kinds_zh}之一，或由品牌调解室调解",
            f"a complex public-order dispute is mediated jointly: {self.station_force.label('en')} with one of "
            f"{kinds_en}, or in a branded mediation room",
        )

    def _docking_refusals(self, dispute: Dispute, event: Referred) -> Iterator[Refusal]:
        department = event.payload.department
        centre = self.network.centre(department)
        if department is not None and department.is_centre and centre is None:
            yield Refusal(
                "yuncheng.refer.centre-unknown",
                f"本市未设{department.label('zh')}，请移交已设立的矛调中心",
                f"the city has no {department.label('en')}: hand the dispute to a centre it has",
            )
        elif centre is None:
            a = dispute.assessment
            started = self.docking_since is not None and event.at.astimezone(self.timezone).date() >= self.docking_since
            if started and a is not None and a.police_business and department is not None:
                yield Refusal(
                    "yuncheng.refer.centre-missing",
                    "警调对接：属于公安管辖的纠纷调解不成的，移交市县乡村四级矛调中心之一调处",
                    "police-mediation docking: police business that mediation did not settle is handed to a "
                    "dispute-resolution centre (city, county, township or village)",
                )
        elif not any(doc.kind is DossierKind.POLICE_MEDIATION_NOTICE for doc in event.payload.documents):
            yield Refusal(
                "yuncheng.refer.docking-notice-missing",
                f"移交{centre.department.label('zh')}须随附公调对接通知单",
                f"handing over to the {centre.department.label('en')} needs the police-mediation docking notice",
            )

    def deadlines(self, dispute: Dispute) -> Iterable[Deadline]:
        """Each centre hand-over: the centre reports its result within its ``report_days``."""
        for referred, centre, met_at in self.centre_referrals(dispute):
            day = referred.at.astimezone(self.timezone).date() + timedelta(days=centre.report_days + 1)
            yield Deadline(
                "yuncheng.centre.result-due",
                f"移交{centre.department.label('zh')}（{centre.kinds_label('zh')}）后{centre.report_days}日内"
                "须反馈调处结果",
                f"the {centre.department.label('en')} ({centre.kinds_label('en')}) reports its result within "
                f"{centre.report_days} days of the hand-over",
                datetime.combine(day, time.min, tzinfo=self.timezone),
                met_at,
            )
