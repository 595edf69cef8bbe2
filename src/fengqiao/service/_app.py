"""The application: opened over one PostgreSQL database, its ledger kept by a follower thread."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from fengqiao import __version__
from fengqiao.domain.actor import Role
from fengqiao.domain.clock import Clock
from fengqiao.errors import ValidationError
from fengqiao.ledger import RecordedPolicy
from fengqiao.ledger.follow import Follower
from fengqiao.ledger.postgres import PostgresLedger
from fengqiao.policies.base import Policy
from fengqiao.service import _disputes, _errors, _ledger
from fengqiao.service._context import PERSONAL_ROLES, Service
from fengqiao.service._openapi import components
from fengqiao.storage.aio import AsyncPostgresEventStore, AsyncRepository
from fengqiao.workflow import Workflow

__all__ = ["create_app", "from_environment"]

_log = logging.getLogger("fengqiao.service")


def create_app(
    dsn: str,
    *,
    policy: str | Policy = "baseline",
    clock: Clock | None = None,
    personal_roles: Iterable[Role | str] = PERSONAL_ROLES,
    max_size: int = 8,
    interval: float = 1.0,
) -> FastAPI:
    """A FastAPI app serving one PostgreSQL database's disputes under ``policy``.

    Nothing is opened until the app starts (its lifespan): then the async event store
    (creating or upgrading the tables), the ledger (detached from the appends) and a thread
    running the ledger's follower, woken by each append's notification and polling every
    ``interval`` seconds. They are closed when the app stops.

    Args:
        dsn: a PostgreSQL connection string (``postgresql://user@host/db``).
        policy: the policy every command is decided under. The ledger handles each dispute
            under the policy it records (:class:`~fengqiao.ledger.RecordedPolicy`, this one for
            a dispute that records none), so services of different policies on one database, or
            ``fengqiao ledger follow --recorded`` beside them, keep the same rows whichever
            follower applies an event.
        clock: the workflow's and the store's clock (the system clock by default).
        personal_roles: the roles that see personal numbers whole; every other caller, and
            one naming no role, sees them masked.
        max_size: the most connections each of the store's and the ledger's pools opens.
        interval: seconds between the follower's polls when no notification wakes it.

    Raises:
        ValidationError: an unknown policy, role or clock (at once, before anything is opened).
    """
    workflow = Workflow(policy, clock=clock)
    roles = frozenset(Role.parse(r, "personal_roles") for r in personal_roles)
    if not isinstance(dsn, str):
        raise ValidationError(f"expected a connection string, got {type(dsn).__name__}", "dsn")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = await AsyncPostgresEventStore.open(dsn, clock=clock, max_size=max_size)
        try:
            ledger = await anyio.to_thread.run_sync(
                lambda: PostgresLedger(
                    dsn,
                    policy=RecordedPolicy(workflow.policy.name),
                    policies=[workflow.policy],
                    clock=clock,
                    max_size=max_size,
                    attached=False,
                )
            )
        except BaseException:
            await store.close()
            raise
        follower = ledger.follower(interval=interval)
        stop = threading.Event()
        thread = threading.Thread(target=_follow, args=(follower, stop, interval), name="fengqiao-ledger", daemon=True)
        thread.start()
        app.state.service = Service(workflow, AsyncRepository(workflow, store), store, ledger, follower, roles)
        try:
            yield
        finally:
            stop.set()
            await anyio.to_thread.run_sync(thread.join)
            await anyio.to_thread.run_sync(follower.close)
            await anyio.to_thread.run_sync(ledger.close)
            await store.close()

    app = FastAPI(
        title="fengqiao station service",
        version=__version__,
        description=f"Disputes under the policy {workflow.policy.name}, over PostgreSQL. "
        "Send the caller's role in the X-Fengqiao-Role header (a stand-in for real authentication).",
        lifespan=lifespan,
    )
    _errors.install(app)
    app.include_router(_disputes.router)
    app.include_router(_ledger.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.update({**components(), **_disputes.SCHEMAS})
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _follow(follower: Follower[Any], stop: threading.Event, interval: float) -> None:
    """Run ``follower`` until ``stop``; an error (the database gone a while) is logged and followed again."""
    while not stop.is_set():
        try:
            follower.run(stop=stop)
        except Exception:
            _log.exception("the ledger's follower stopped; starting again in %s s", interval)
            stop.wait(interval)


def from_environment() -> FastAPI:
    """:func:`create_app` configured from the environment, for ``uvicorn --factory``.

    ``FENGQIAO_DSN`` (required) is the connection string, ``FENGQIAO_POLICY`` the policy
    (``baseline`` by default).

    Raises:
        ValidationError: ``FENGQIAO_DSN`` is not set.
    """
    dsn = os.environ.get("FENGQIAO_DSN", "")
    if not dsn:
        raise ValidationError("set FENGQIAO_DSN to the PostgreSQL connection string", "FENGQIAO_DSN")
    return create_app(dsn, policy=os.environ.get("FENGQIAO_POLICY", "baseline"))
