"""Who acts: an identity and the roles it holds (民警, 辅警, 网格员, 责任领导 …).

Commands name their actor either as an :class:`Actor` or as ``"role:name"`` text
(``"officer:xiao"``, ``"grid_worker:wang"``), whose prefix is one :class:`Role`.

>>> Actor.parse("officer:xiao")
Actor(id='officer:xiao', roles=frozenset({<Role.OFFICER: 'officer'>}))
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import attrs

from fengqiao.domain._checks import canonical, identifier, is_member_set, parse_set, quick_init, require_text
from fengqiao.domain._quote import quote
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import ValidationError

__all__ = ["OFFICER_ROLES", "Actor", "ActorLike", "Role"]


class Role(Vocabulary):
    """A role an actor holds, and a role an assignment gives (包片、包村、包点、责任领导、督办).

    The three teams of a Shanxi "两队一室" station (社区警务队、综合指挥室、案件办理队) are roles too.
    """

    OFFICER = "officer", "民警", "police officer"
    COMMUNITY_OFFICER = "community_officer", "社区民警", "community officer"
    AUXILIARY_OFFICER = "auxiliary_officer", "辅警", "auxiliary officer"
    GRID_WORKER = "grid_worker", "网格员", "grid worker"
    RESPONSIBLE_LEADER = "responsible_leader", "责任领导", "responsible leader"
    RESPONSIBLE_OFFICER = "responsible_officer", "责任民警", "responsible officer"
    SUPERVISOR = "supervisor", "督办人", "supervisor"
    MEDIATOR = "mediator", "调解员", "mediator"
    INFORMANT = "informant", "治安信息员", "security informant"
    POLITICAL_LEGAL_MEMBER = "political_legal_member", "政法委员", "township political-legal member"
    PARTY_SECRETARY = "party_secretary", "村支部书记", "village party secretary"
    CADRE = "cadre", "包联干部", "responsible cadre"
    COURT_OFFICER = "court_officer", "法院干警", "court officer"
    CASE_TEAM = "case_team", "案件办理队", "case-handling team"
    COMMAND_ROOM = "command_room", "综合指挥室", "command room"
    COMMUNITY_TEAM = "community_team", "社区警务队", "community policing team"
    SYSTEM = "system", "系统", "system"


OFFICER_ROLES = frozenset(
    {
        Role.OFFICER,
        Role.COMMUNITY_OFFICER,
        Role.AUXILIARY_OFFICER,
        Role.RESPONSIBLE_LEADER,
        Role.RESPONSIBLE_OFFICER,
        Role.SUPERVISOR,
    }
)
"""The police roles; the baseline lets any of them fire any trigger."""


def _set_role(values: Iterable[Role | str]) -> frozenset[Role]:
    return parse_set(Role, values, "roles")


canonical(_set_role, "is_member_set({v}, Role)", is_member_set=is_member_set, Role=Role)


@quick_init
@attrs.frozen
class Actor:
    """An identity and the roles it acts in."""

    id: str = attrs.field(validator=identifier)
    roles: frozenset[Role] = attrs.field(converter=_set_role)

    @classmethod
    def parse(cls, text: str | Actor) -> Actor:
        """Read ``"role:name"`` (or pass an ``Actor`` through).

        Raises:
            ValidationError: the text has no ``role:`` prefix, the role is unknown, or the text
                holds a character no identifier may (a control, bidi or invisible character).
        """
        if isinstance(text, Actor):
            return text
        if not isinstance(text, str):
            raise ValidationError(f"expected an Actor or 'role:name' text, got {quote(text)}", "actor")
        return _parse(text)

    def has_any(self, roles: frozenset[Role]) -> bool:
        """Whether the actor holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def __str__(self) -> str:
        return self.id


ActorLike = Actor | str
"""An :class:`Actor`, or ``"role:name"`` text such as ``"officer:xiao"``."""


@lru_cache(maxsize=4096)
def _parse(text: str) -> Actor:
    require_text(text, "actor", "id")
    role, sep, name = text.partition(":")
    if not sep or not name.strip():
        raise ValidationError(f"actor {quote(text)} must read 'role:name', for example 'officer:xiao'", "actor")
    return Actor(id=text, roles=frozenset({Role.parse(role, "actor")}))
