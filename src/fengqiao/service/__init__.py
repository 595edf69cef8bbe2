"""A FastAPI service over PostgreSQL: disputes, their history and the ledger over HTTP (``fengqiao[service]``).

::

    fengqiao serve --dsn postgresql://user@host/city --policy yongji-54333
    FENGQIAO_DSN=postgresql://… uvicorn --factory fengqiao.service:from_environment

Routes (JSON; see the app's ``/docs`` and ``/openapi.json``, whose components are generated
from :func:`fengqiao.json_schema`):

- ``POST /disputes`` discover; ``POST /disputes/{id}/{trigger}`` fire with the trigger's payload
  (``version`` or ``If-Match`` for the version decided on); ``GET|POST /disputes/{id}/check/{trigger}``
  every refusal; ``GET /disputes/{id}/triggers``; ``GET /disputes/{id}``; ``GET /disputes/{id}/history``.
- ``GET /ledger/disputes``, ``/ledger/count``, ``/ledger/disputes/{id}``, ``/ledger/overdue``,
  ``/ledger/resolution-rate``, ``/ledger/dossiers``, ``/ledger/dispatch``, ``/ledger/problems``,
  ``/ledger/status``.

Refusals are 409 with every refusal's code and both languages, a stale version 409 with the
current one, bad input 422 with the field's ``path``, an unknown dispute 404 (see
:mod:`fengqiao.service._errors`). A caller whose role (``X-Fengqiao-Role``) is not among
:data:`PERSONAL_ROLES` sees every personal number masked, in every response.
"""

from __future__ import annotations

try:
    import fastapi  # noqa: F401  (the service is a FastAPI app)
except ModuleNotFoundError as exc:  # the service extra is not installed
    from fengqiao._extras import extra_error

    raise extra_error("fengqiao.service", exc) from exc

from fengqiao.service._app import create_app, from_environment
from fengqiao.service._context import PERSONAL_ROLES, ROLE_HEADER

__all__ = ["PERSONAL_ROLES", "ROLE_HEADER", "create_app", "from_environment"]
