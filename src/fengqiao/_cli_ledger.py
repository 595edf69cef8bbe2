"""``fengqiao ledger follow``: keep a store's ledger up to date from a process of its own.

Private; registered on the command line by :mod:`fengqiao.cli`. The ledger is opened
detached (``attached=False``) and kept by its follower (:mod:`fengqiao.ledger.follow`);
``--once`` catches up and exits, otherwise it follows until Ctrl-C, showing the events
applied, the rate and the lag.
"""

from __future__ import annotations

import shlex
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live
from rich.text import Text

from fengqiao import _cli_quarantine as quarantine
from fengqiao._cli_common import LangOption, Language, console, policy_option
from fengqiao._cli_db import DbOption, DsnOption, RecordedOption, existing_ledger, ledger_policy
from fengqiao.domain.vocabulary import Lang
from fengqiao.ledger import Follower, FollowerStatus

__all__ = ["ledger_app"]

ledger_app = typer.Typer(help="Keep a store's ledger (台账) out of the write path.", no_args_is_help=True)

_REFRESH = 0.5
"""Seconds between two lag readings on the display (each counts the events behind)."""
_WINDOW = 10.0
"""Seconds of recent batches the rate is measured over."""


@ledger_app.command("follow")
def ledger_follow(
    db: DbOption = None,
    dsn: DsnOption = None,
    policy: Annotated[str, policy_option("The policy the disputes are handled under.")] = "baseline",
    recorded: RecordedOption = False,
    household_policy: Annotated[
        str,
        policy_option("The household policy the households are handled under.", kinds=("households",)),
    ] = "household-base",
    once: Annotated[bool, typer.Option("--once", help="Catch up, print where the ledger stands, and exit.")] = False,
    batch: Annotated[int, typer.Option(help="The most events applied in one transaction.")] = 500,
    interval: Annotated[
        float, typer.Option(help="Seconds between polls (PostgreSQL also wakes at each append's notification).")
    ] = 1.0,
    lang: LangOption = Language.en,
) -> None:
    """Apply the events appended since the ledger's position, a batch per transaction, and follow new ones.

    The ledger's rows and its position commit together, so a follower killed at any moment
    resumes where it stopped, applying every event exactly once; events it cannot project
    are quarantined (see ``db retry``). Stop it with Ctrl-C.
    """
    code: Lang = lang.value
    where = "PostgreSQL" if dsn is not None else str(db or Path("fengqiao.db"))
    with (
        existing_ledger(
            db, dsn, ledger_policy(policy, recorded), household_policy=household_policy, attached=False
        ) as ledger,
        ledger.follower(batch=batch, interval=interval) as follower,
    ):
        display = _Display(follower, where, code)
        try:
            with _stopping(), Live(display.render(), console=console, transient=True, auto_refresh=False) as live:
                if once:
                    while count := follower.step():
                        display.applied(count, live)
                else:
                    follower.run(progress=lambda count: display.applied(count, live))
        except KeyboardInterrupt:
            console.print("stopped" if code == "en" else "已停止")
        status = follower.status()
        problems = ledger.problems()
    console.print(display.summary(status), markup=False, highlight=False, soft_wrap=True)
    if problems:
        command = f"fengqiao db retry {'--dsn …' if dsn is not None else '--db ' + shlex.quote(where)}"
        command += f" --policy {shlex.quote(policy)}" if policy != "baseline" else ""
        command += " --recorded" if recorded else ""
        for n, line in enumerate(quarantine.section(problems, code, command)):
            style = "bold yellow" if n == 0 else None
            console.print(line, style=style, markup=False, emoji=False, highlight=False, soft_wrap=True)


@contextmanager
def _stopping() -> Iterator[None]:
    """Ctrl-C and ``SIGTERM`` stop the follower as ``KeyboardInterrupt`` does, even where the shell ignored SIGINT.

    A batch interrupted half way is rolled back, so stopping is always clean.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Display:
    """The one line the follower shows: events applied, the rate, and the lag (read at most every half second)."""

    def __init__(self, follower: Follower[Any], where: str, lang: Lang) -> None:
        self.follower, self.where, self.lang = follower, where, lang
        self.total = 0
        self.started = time.monotonic()
        self.samples: deque[tuple[float, int]] = deque([(self.started, 0)])
        self.status = follower.status()
        self.read_at = self.started

    def applied(self, count: int, live: Live) -> None:
        """Count a batch (0: an idle poll) and redraw."""
        now = time.monotonic()
        self.total += count
        self.samples.append((now, self.total))
        while len(self.samples) > 2 and now - self.samples[0][0] > _WINDOW:
            self.samples.popleft()
        if now - self.read_at >= _REFRESH or not count:
            self.status, self.read_at = self.follower.status(), now
        live.update(self.render(), refresh=True)

    def rate(self) -> float:
        """Events per second over the last few seconds."""
        (t0, n0), (t1, n1) = self.samples[0], self.samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def render(self) -> Text:
        """The live line."""
        s = self.status
        if self.lang == "zh":
            line = (
                f"跟随 {self.where} · 已应用 {self.total} 个事件 · {self.rate():.0f} 个/秒 · "
                f"落后 {s.behind} 个事件、{s.seconds:.1f} 秒 · 位置 {s.position}/{s.newest}"
            )
        else:
            line = (
                f"following {self.where} · applied {self.total} events · {self.rate():.0f} events/s · "
                f"behind {s.behind} events, {s.seconds:.1f} s · position {s.position}/{s.newest}"
            )
        return Text(quarantine.printable(line))

    def summary(self, s: FollowerStatus) -> str:
        """The line printed at the end."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        if self.lang == "zh":
            text = (
                f"{self.where}：本次应用 {self.total} 个事件（{self.total / elapsed:.0f} 个/秒）；"
                f"台账位置 {s.position}/{s.newest}，落后 {s.behind} 个事件、{s.seconds:.1f} 秒"
            )
        else:
            text = (
                f"{self.where}: applied {self.total} events ({self.total / elapsed:.0f} events/s); "
                f"ledger at position {s.position} of {s.newest}, {s.behind} events and {s.seconds:.1f} s behind"
            )
        return quarantine.printable(text)
