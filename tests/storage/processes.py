"""Real processes for the fault tests: the children (``python processes.py MODE ...``) and the parent's side.

Children print one line per finished command (``ack``, ``landed``, ``conflict``, ``updated``)
only after the store call returned, so the parent knows exactly what was acknowledged.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

import fengqiao as fq
from fengqiao.errors import ConcurrencyConflict
from fengqiao.storage import EventStore, Repository, SQLiteEventStore

HERE = Path(__file__).resolve()
OFFICER = "officer:xiao"


# -- the children ------------------------------------------------------------------------
def open_store(backend: str, target: str) -> EventStore:
    if backend == "sqlite":
        return SQLiteEventStore(target)
    from fengqiao.storage.postgres import PostgresEventStore

    return PostgresEventStore(target, max_size=2)


def write(path: str, commands: int) -> None:
    """Write commands until killed (or done): a new dispute, or three notes saved as one command."""
    wf = fq.Workflow("baseline")
    with SQLiteEventStore(path) as store:
        repo = Repository(wf, store)
        d: fq.Dispute | None = None
        for i in range(commands):
            if d is None or i % 5 == 0:
                d = repo.discover(channel="alarm_110", category="neighbour", summary=f"纠纷 {i}", actor=OFFICER)
            else:
                more = d
                for j in range(3):
                    more = wf.note(more, f"{i}.{j} " + "记录" * 2000, actor=OFFICER)
                d = repo.save(more, expected_version=d.version)
            print(f"ack {d.id} {d.version}", flush=True)


def racer(backend: str, target: str, commands: int, command: Callable[[Repository, int], str]) -> None:
    """After ``go`` on stdin, run ``command`` ``commands`` times, printing the line each returns; then ``done``."""
    with open_store(backend, target) as store:
        repo = Repository(fq.Workflow("baseline"), store)
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return
        for i in range(commands):
            print(command(repo, i), flush=True)
        print("done", flush=True)


def fire(backend: str, target: str, ids: Sequence[str], commands: int, tag: str) -> None:
    """Add ``commands`` notes to the disputes in turn; report each outcome (``landed`` or ``conflict``)."""

    def note(repo: Repository, i: int) -> str:
        dispute_id, text = ids[i % len(ids)], f"{tag}-{i}"
        try:
            repo.fire(repo.get(dispute_id), fq.Trigger.NOTE, actor=f"officer:{tag}", text=text)
        except ConcurrencyConflict:
            return f"conflict {dispute_id} {text}"
        return f"landed {dispute_id} {text}"

    racer(backend, target, commands, note)


def update(backend: str, target: str, ids: Sequence[str], commands: int, tag: str) -> None:
    """Record ``commands`` visits on the disputes in turn through ``Repository.update``.

    Each line says the visit's finding and how many times ``decide`` ran for it (1 + the retries).
    """

    def visit(repo: Repository, i: int) -> str:
        dispute_id, finding, calls = ids[i % len(ids)], f"{tag}-{i}", 0

        def decide(d: fq.Dispute) -> fq.Dispute:
            nonlocal calls
            calls += 1
            return repo.workflow.record_visit(d, actor=f"grid_worker:{tag}", kind="phone", finding=finding)

        repo.update(dispute_id, decide, attempts=10_000)
        return f"updated {dispute_id} {finding} {calls}"

    racer(backend, target, commands, visit)


def async_update(target: str, ids: Sequence[str], commands: int, tag: str) -> None:
    """``update``'s visits through ``AsyncRepository`` on PostgreSQL: all ``commands`` at once, as tasks of one loop.

    Half the visits are decided by a plain function, half by a coroutine function.
    """
    import asyncio

    from fengqiao.storage.aio import AsyncPostgresEventStore, AsyncRepository

    async def run() -> None:
        async with await AsyncPostgresEventStore.open(target, max_size=4) as store:
            repo = AsyncRepository(fq.Workflow("baseline"), store)
            print("ready", flush=True)
            if (await asyncio.to_thread(sys.stdin.readline)).strip() != "go":
                return

            async def visit(i: int) -> None:
                dispute_id, finding, calls = ids[i % len(ids)], f"{tag}-{i}", 0

                def decide(d: fq.Dispute) -> fq.Dispute:
                    nonlocal calls
                    calls += 1
                    return repo.workflow.record_visit(d, actor=f"grid_worker:{tag}", kind="phone", finding=finding)

                async def decide_later(d: fq.Dispute) -> fq.Dispute:
                    await asyncio.sleep(0)
                    return decide(d)

                await repo.update(dispute_id, decide if i % 2 else decide_later, attempts=10_000)
                print(f"updated {dispute_id} {finding} {calls}", flush=True)

            await asyncio.gather(*(visit(i) for i in range(commands)))
            print("done", flush=True)

    asyncio.run(run())


# -- the parent's side -------------------------------------------------------------------
class Lines:
    """A child's stdout, line by line, read with timeouts."""

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def take(self, count: int, timeout: float) -> list[str]:
        """Up to ``count`` lines; fewer if the child ends or ``timeout`` passes."""
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while len(lines) < count:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                self._queue.put(None)
                break
            lines.append(line)
        return lines

    def rest(self, timeout: float) -> list[str]:
        """Every line until the child's stdout closes."""
        lines = self.take(1_000_000, timeout)
        self._thread.join(timeout)
        return lines


@contextmanager
def child(*args: str, log: Path) -> Iterator[tuple[subprocess.Popen[str], Lines]]:
    """Run ``processes.py`` with ``args``; stderr goes to ``log``; the child is killed on the way out."""
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [sys.executable, str(HERE), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as proc,
    ):
        assert proc.stdout is not None
        lines = Lines(proc.stdout)
        try:
            yield proc, lines
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
            lines.rest(timeout=10)


def race(
    backend: str, target: str, ids: Sequence[str], *, processes: int, commands: int, logs: Path, mode: str = "fire"
) -> list[str]:
    """Start ``processes`` children firing (or updating, ``mode``) at ``ids`` at the same moment; every outcome line."""
    with ExitStack() as stack:
        racers = [
            stack.enter_context(
                child(mode, backend, target, ",".join(ids), str(commands), f"p{n}", log=logs / f"p{n}.log")
            )
            for n in range(processes)
        ]
        for _, lines in racers:
            assert lines.take(1, timeout=30) == ["ready"], _logs(logs)
        for proc, _ in racers:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outcomes: list[str] = []
        for proc, lines in racers:
            mine = lines.rest(timeout=60)
            assert proc.wait(timeout=30) == 0, _logs(logs)
            assert mine[-1:] == ["done"], _logs(logs)
            outcomes.extend(mine[:-1])
        return outcomes


def _logs(logs: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(logs.glob("p*.log")))


def check_race(repo: Repository, ids: Sequence[str], outcomes: Sequence[str], *, expected: int) -> None:
    """Every command landed once or conflicted; histories replay; nothing lost, nothing extra."""
    parsed = [line.split(" ") for line in outcomes]
    assert len(parsed) == expected
    assert {kind for kind, _, _ in parsed} <= {"landed", "conflict"}
    for dispute_id in ids:
        d = repo.get(dispute_id)
        notes = [e.payload.text for e in d.history if isinstance(e, fq.Noted)]
        landed = [text for kind, i, text in parsed if kind == "landed" and i == dispute_id]
        assert sorted(notes) == sorted(landed)
        assert d.version == 1 + len(landed)
    assert repo.store.verify().ok


def in_follow_up(repo: Repository, dispute_id: str) -> fq.Dispute:
    """A dispute stored as ``dispute_id`` and taken to follow-up, where visits are recorded."""
    d = repo.discover(channel="alarm_110", category="neighbour", summary="x", actor=OFFICER, dispute_id=dispute_id)
    for trigger, payload in (
        ("grade", {}),
        ("mediate", {}),
        ("record_attempt", {"outcome": "agreement"}),
        ("resolve", {}),
    ):
        d = repo.fire(d, trigger, actor=OFFICER, **payload)
    assert d.state is fq.State.FOLLOW_UP
    return d


def check_updates(repo: Repository, dispute_id: str, outcomes: Sequence[str], *, expected: int) -> None:
    """Every update acknowledged is in the history once, nothing else is; some of them had to retry."""
    parsed = [line.split(" ") for line in outcomes]
    assert len(parsed) == expected
    assert {(kind, i) for kind, i, _, _ in parsed} == {("updated", dispute_id)}
    d = repo.get(dispute_id)
    findings = [e.payload.finding for e in d.history if isinstance(e, fq.VisitRecorded)]
    assert sorted(findings) == sorted(finding for _, _, finding, _ in parsed)
    assert len(set(findings)) == expected
    assert sum(int(calls) for *_, calls in parsed) > expected  # the writers did conflict, and retried
    assert repo.store.verify().ok


def lagging(target: str, commands: int, tag: str) -> None:
    """Discover ``commands`` disputes through a PostgreSQL store that waits 0–30 ms before each commit.

    The waits make the writers commit in another order than the one their positions were
    drawn in: what a reader's horizon is for.
    """
    import random

    from fengqiao.storage import postgres

    class Lagging(postgres.PostgresEventStore):
        def _call(self, arguments: tuple[object, ...], what: str) -> None:
            with self._pool.connection() as conn:
                conn.execute(postgres._APPEND, arguments)  # the transaction's id, and its positions, are drawn
                time.sleep(random.random() * 0.03)
                conn.commit()

    with Lagging(target, max_size=2) as store:
        repo = Repository(fq.Workflow("baseline"), store)
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return
        for i in range(commands):
            repo.discover(channel="alarm_110", category="neighbour", summary=f"{tag}-{i}", actor=OFFICER)
            print(f"landed {tag} {i}", flush=True)
        print("done", flush=True)


def main(argv: Sequence[str]) -> None:
    mode, *args = argv
    if mode == "write":
        write(args[0], int(args[1]))
    elif mode == "fire":
        fire(args[0], args[1], args[2].split(","), int(args[3]), args[4])
    elif mode == "update":
        update(args[0], args[1], args[2].split(","), int(args[3]), args[4])
    elif mode == "async-update":
        async_update(args[1], args[2].split(","), int(args[3]), args[4])
    elif mode == "lagging":
        lagging(args[1], int(args[3]), args[4])
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
