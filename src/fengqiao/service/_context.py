"""What every route reads: the running service's parts, and who is calling (the role header).

The caller's role comes from the ``X-Fengqiao-Role`` header: a stand-in for real
authentication, which a deployment puts in front of the service (a gateway that checks a
token and sets the header, dropping any the client sent).
"""

from __future__ import annotations

from typing import Annotated, Any

import attrs
from fastapi import Depends, Header, Request

from fengqiao.domain.actor import OFFICER_ROLES, Actor, Role
from fengqiao.errors import ValidationError
from fengqiao.ledger.base import Ledger
from fengqiao.ledger.follow import Follower
from fengqiao.service._redaction import redact
from fengqiao.storage.aio import AsyncPostgresEventStore, AsyncRepository
from fengqiao.workflow import Workflow

__all__ = ["PERSONAL_ROLES", "ROLE_HEADER", "Caller", "CallerDep", "Service", "ServiceDep"]

ROLE_HEADER = "X-Fengqiao-Role"
"""The header naming the caller's role (``officer``, ``grid_worker`` …): a stand-in for real authentication."""

PERSONAL_ROLES: frozenset[Role] = OFFICER_ROLES | {Role.CASE_TEAM, Role.COMMAND_ROOM, Role.COMMUNITY_TEAM}
"""The roles that see personal numbers whole by default: the station's police and its teams."""


@attrs.define
class Service:
    """The running service's parts, made by the app's lifespan and closed with it."""

    workflow: Workflow
    repository: AsyncRepository
    store: AsyncPostgresEventStore
    ledger: Ledger
    follower: Follower[Any]
    personal_roles: frozenset[Role]


@attrs.frozen
class Caller:
    """Who is calling: the role the header names (``None``: none given) and whether it sees personal numbers."""

    role: Role | None
    sees_personal: bool

    def view(self, document: Any) -> Any:
        """``document`` as this caller may see it: whole, or with personal numbers masked."""
        return document if self.sees_personal else redact(document)

    def acting(self, actor: str, path: str) -> str:
        """``actor`` (``"role:name"``), checked to act in the caller's role when the header names one.

        Raises:
            ValidationError: the actor is malformed or holds another role than the caller's.
        """
        who = Actor.parse(actor)
        if self.role is not None and self.role not in who.roles:
            raise ValidationError(
                f"the actor {who.id} does not act in the caller's role {self.role.value} ({ROLE_HEADER})", path
            )
        return who.id


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _caller(
    request: Request,
    role: Annotated[
        str | None,
        Header(
            alias=ROLE_HEADER,
            description="The caller's role (officer, grid_worker …); without it, personal numbers are masked.",
        ),
    ] = None,
) -> Caller:
    if role is None:
        return Caller(None, sees_personal=False)
    found = Role.parse(role.strip(), ROLE_HEADER)
    return Caller(found, sees_personal=found in _service(request).personal_roles)


ServiceDep = Annotated[Service, Depends(_service)]
CallerDep = Annotated[Caller, Depends(_caller)]
