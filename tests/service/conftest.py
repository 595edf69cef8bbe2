"""The service's end-to-end fixtures: a real ``fengqiao serve`` process over a PostgreSQL schema of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tests.storage.test_postgres import dsn  # noqa: F401  # the server named by FENGQIAO_PG_DSN (fails on CI without it)

STARTUP = 60.0
"""The most seconds the server may take to start answering."""


@pytest.fixture(scope="module")
def service_schema(dsn: str) -> Iterator[str]:  # noqa: F811
    name = f"fengqiao_service_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base_url(dsn: str, service_schema: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    """``fengqiao serve`` started as docs/service.md says, on a free port; stopped with SIGTERM."""
    conninfo = make_conninfo(dsn, options=f"-c search_path={service_schema}")
    port = _free_port()
    log = tmp_path_factory.mktemp("service") / "server.log"
    command = [sys.executable, "-m", "fengqiao", "serve", "--port", str(port), "--interval", "0.2"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env={**os.environ, "FENGQIAO_DSN": conninfo}, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, url, log)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        # uvicorn shuts down, then ends by the signal it was sent (so the exit status says why it stopped)
        assert server.returncode in (0, -signal.SIGTERM), log.read_text()
        assert "Application shutdown complete." in log.read_text()  # the lifespan closed follower, ledger, store


def _wait_until_up(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"fengqiao serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/ledger/status", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"fengqiao serve did not answer within {STARTUP} s:\n{log.read_text()}")


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30, headers={"X-Fengqiao-Role": "officer"}) as c:
        yield c
