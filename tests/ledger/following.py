"""Real processes for the follower tests: the children (``python following.py MODE ...``) and what they share.

- ``write BACKEND TARGET COMMANDS TAG``: append ``COMMANDS`` commands through a plain store
  (no ledger attached), printing ``ack`` after each and ``done`` at the end;
- ``count BACKEND TARGET``: follow with :func:`counter` under the name ``count`` until killed,
  printing ``batch N`` after each batch committed.

The ledger's own follower is the command line's (``python -m fengqiao ledger follow``).
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import fengqiao as fq
from fengqiao.ledger import Follower, PostgresFollower, SQLiteFollower
from fengqiao.storage import EventStore, Repository, SQLiteEventStore, StoredEvent

HERE = Path(__file__).resolve()
OFFICER = "officer:xiao"
SETUP = ("CREATE TABLE IF NOT EXISTS applied (position BIGINT PRIMARY KEY, times INTEGER NOT NULL)",)
"""The counting projection's table: how many times each position was applied."""
POISON = "poison-"
"""Streams whose id starts with this are refused by :func:`counter`."""


def counter(conn: Any, events: tuple[StoredEvent, ...], /) -> None:
    """Count each event's applications by position; refuse the streams named ``poison-…``."""
    mark = "?" if isinstance(conn, sqlite3.Connection) else "%s"
    for stored in events:
        if stored.stream_id.startswith(POISON):
            raise ValueError(f"the counter refuses {stored.stream_id}")
        conn.execute(
            f"INSERT INTO applied (position, times) VALUES ({mark}, 1)"
            " ON CONFLICT (position) DO UPDATE SET times = applied.times + 1",
            (stored.position,),
        )


def slow_counter(conn: Any, events: tuple[StoredEvent, ...], /) -> None:
    """:func:`counter`, taking its time inside the transaction, so that a kill often lands in one."""
    counter(conn, events)
    time.sleep(0.02)


def open_counter(backend: str, target: str, *, slow: bool = False, batch: int = 500) -> Follower[Any]:
    """The counting follower of ``target``."""
    projector = slow_counter if slow else counter
    if backend == "sqlite":
        return SQLiteFollower(target, projector, name="count", setup=SETUP, batch=batch, interval=0.05)
    return PostgresFollower(target, projector, name="count", setup=SETUP, batch=batch, interval=0.05, max_size=2)


def open_store(backend: str, target: str) -> EventStore:
    if backend == "sqlite":
        return SQLiteEventStore(target)
    from fengqiao.storage.postgres import PostgresEventStore

    return PostgresEventStore(target, max_size=2)


def ledger_command(backend: str, target: str, *more: str) -> list[str]:
    """``fengqiao ledger follow`` on ``target``, as a process runs it."""
    where = ["--db", target] if backend == "sqlite" else ["--dsn", target]
    return [sys.executable, "-m", "fengqiao", "ledger", "follow", *where, *more]


def spawn(command: Sequence[str], log: Path) -> subprocess.Popen[str]:
    """Start ``command`` with stdout and stderr in ``log``."""
    with log.open("a") as out:
        return subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT, text=True)


def child(mode: str, *args: str) -> list[str]:
    """The command that runs this file in ``mode``."""
    return [sys.executable, str(HERE), mode, *args]


# -- the children ------------------------------------------------------------------------
def write(backend: str, target: str, commands: int, tag: str) -> None:
    with open_store(backend, target) as store:
        wf = fq.Workflow("baseline")
        repo = Repository(wf, store)
        d: fq.Dispute | None = None
        for i in range(commands):
            if d is None or i % 4 == 0:
                d = repo.discover(channel="alarm_110", category="neighbour", summary=f"{tag} {i}", actor=OFFICER)
            else:
                d = repo.fire(d, fq.Trigger.NOTE, actor=OFFICER, text=f"{tag}-{i}")
            print(f"ack {d.id} {d.version}", flush=True)
            time.sleep(0.01)  # leave the followers time to interleave with the writers
    print("done", flush=True)


def count(backend: str, target: str) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())  # a clean stop, between two batches
    with open_counter(backend, target, slow=True, batch=4) as follower:
        follower.run(stop=stop, progress=lambda n: print(f"batch {n}", flush=True) if n else None)


def main(argv: Sequence[str]) -> None:
    mode, *args = argv
    if mode == "write":
        write(args[0], args[1], int(args[2]), args[3])
    elif mode == "count":
        count(args[0], args[1])
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
