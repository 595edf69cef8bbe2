"""``fengqiao serve``: the HTTP service (:mod:`fengqiao.service`) over one PostgreSQL database.

Private; registered on the command line by :mod:`fengqiao.cli`. FastAPI and uvicorn come with
``fengqiao[service]`` and are imported only when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from fengqiao._cli_common import policy_option
from fengqiao._extras import extra_error

__all__ = ["serve"]


def serve(
    dsn: Annotated[str, typer.Option(envvar="FENGQIAO_DSN", help="PostgreSQL DSN of the store (or FENGQIAO_DSN).")],
    policy: Annotated[str, policy_option("The policy every command is decided under.")] = "baseline",
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    interval: Annotated[
        float, typer.Option(help="Seconds between the ledger follower's polls (appends also wake it).")
    ] = 1.0,
) -> None:
    """Serve disputes, their histories and the ledger over HTTP (needs fengqiao[service]).

    The ledger is kept by a follower thread in the same process. The caller's role is read
    from the X-Fengqiao-Role header; put real authentication in front of the service.
    Stop it with Ctrl-C.
    """
    try:
        import uvicorn

        from fengqiao.service import create_app
    except ModuleNotFoundError as exc:
        raise extra_error("fengqiao serve", exc) from exc
    app = create_app(dsn, policy=policy, interval=interval)
    uvicorn.run(app, host=host, port=port, log_level="info")
