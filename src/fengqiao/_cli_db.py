"""``fengqiao db``: upgrade, digest, verify and retry an event store's database.

Private; registered on the command line by :mod:`fengqiao.cli`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fengqiao import _cli_quarantine as quarantine
from fengqiao._cli_common import LangOption, Language, console, existing_file, policy_option
from fengqiao.errors import ValidationError
from fengqiao.ledger import PolicyChoice, RecordedPolicy, SQLiteLedger
from fengqiao.ledger._sql import SQLLedger
from fengqiao.storage import Anchor, EventStore, SQLiteEventStore

__all__ = ["DbOption", "DsnOption", "RecordedOption", "db_app", "existing_ledger", "ledger_policy"]

db_app = typer.Typer(help="Manage an event store's database.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    db: Annotated[Path | None, typer.Option(help="SQLite file (the embedded default).")] = None,
    dsn: Annotated[str | None, typer.Option(help="PostgreSQL DSN (needs fengqiao[postgres]).")] = None,
) -> None:
    """Create or migrate the store's tables to the layout this fengqiao uses."""
    if db is not None and dsn is not None:
        raise ValidationError("give either --db or --dsn, not both", "db")
    if dsn is not None:
        from fengqiao.storage import PostgresEventStore

        with PostgresEventStore(dsn, upgrade=False) as pg:
            version = pg.upgrade()
        console.print(f"PostgreSQL store at layout version {version}")
        return
    path = db or Path("fengqiao.db")
    with SQLiteEventStore(path, upgrade=False) as store:
        version = store.upgrade()
    console.print(f"{path}: layout version {version}")


DbOption = Annotated[Path | None, typer.Option("--db", help="SQLite file of the store (fengqiao.db by default).")]
DsnOption = Annotated[str | None, typer.Option("--dsn", help="PostgreSQL DSN of the store (needs fengqiao[postgres]).")]


def _existing_store(db: Path | None, dsn: str | None) -> EventStore:
    """The store of ``--db`` (``fengqiao.db`` by default) or ``--dsn``, as it is: never created nor migrated."""
    if db is not None and dsn is not None:
        raise ValidationError("give either --db or --dsn, not both", "db")
    if dsn is not None:
        from fengqiao.storage import PostgresEventStore

        return PostgresEventStore(dsn, upgrade=False)
    return SQLiteEventStore(existing_file(db or Path("fengqiao.db")), upgrade=False)


@db_app.command("digest")
def db_digest(
    db: DbOption = None,
    dsn: DsnOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the anchor file here: its line and every stream's head.")
    ] = None,
) -> None:
    """Hash every stream's head into an anchor and print its line, to keep where the store's keepers cannot edit it.

    With ``--out``, also write the anchor file that lets ``db verify --anchor`` name the
    streams changed since; the line alone only tells that something changed.
    """
    with _existing_store(db, dsn) as store:
        anchor = store.digest(heads=out is not None)
    if out is not None:
        try:
            out.write_text(anchor.dumps(), encoding="ascii")
        except OSError as exc:
            raise ValidationError(f"cannot write {out}: {exc.strerror}", "out") from None
    typer.echo(str(anchor))


@db_app.command("verify")
def db_verify(
    db: DbOption = None,
    dsn: DsnOption = None,
    anchor: Annotated[
        Path | None, typer.Option(help="An anchor file (or its line) from db digest: also name what changed since.")
    ] = None,
    lang: LangOption = Language.en,
) -> None:
    """Check every stream's hash chain (and, with --anchor, what changed since it); exit 1 listing each problem."""
    pinned = _anchor(anchor) if anchor is not None else None
    with _existing_store(db, dsn) as store:
        report = store.verify(anchor=pinned)
    where = "PostgreSQL" if dsn is not None else db or Path("fengqiao.db")
    counts = (
        f"{where}: {report.streams} streams, {report.events} events"
        if lang is Language.en
        else f"{where}：{report.streams} 个案件流，{report.events} 个事件"
    )
    if pinned is not None:
        counts += (
            f", against the anchor of {pinned.created_at:%Y-%m-%d %H:%M} (position {pinned.position})"
            if lang is Language.en
            else f"，对照 {pinned.created_at:%Y-%m-%d %H:%M} 的锚点（位置 {pinned.position}）"
        )
    if report.ok:
        typer.echo(counts + (": ok" if lang is Language.en else "：校验通过"))
        return
    n = len(report.problems)
    typer.echo(counts + (f": {n} problem{'s' * (n != 1)}" if lang is Language.en else f"：发现 {n} 个问题"))
    for problem in report.problems:
        typer.echo(str(problem))
    raise typer.Exit(1)


RecordedOption = Annotated[
    bool,
    typer.Option(
        "--recorded",
        help="Handle each dispute under the policy its discovery recorded (a city's stations under their own "
        "rules); --policy then handles only disputes that record none.",
    ),
]


def ledger_policy(policy: str, recorded: bool) -> PolicyChoice:
    """The ledger's ``policy=`` for ``--policy`` and ``--recorded``."""
    return RecordedPolicy(policy) if recorded else policy


@db_app.command("retry")
def db_retry(
    db: DbOption = None,
    dsn: DsnOption = None,
    policy: Annotated[str, policy_option("The policy the disputes were handled under.")] = "baseline",
    recorded: RecordedOption = False,
    lang: LangOption = Language.en,
) -> None:
    """Project the ledger's quarantined disputes again, once their cause is fixed; exit 1 if any stays quarantined.

    Prints how many disputes now project, then each event still set aside, one per line.
    """
    with existing_ledger(db, dsn, ledger_policy(policy, recorded)) as ledger:
        before = ledger.problems()
        healed = ledger.retry() if before else 0
        after = ledger.problems() if before else ()
    where = "PostgreSQL" if dsn is not None else str(db or Path("fengqiao.db"))
    typer.echo(quarantine.retry_summary(where, healed, before, after, lang.value))
    for problem in after:
        typer.echo(quarantine.problem_line(problem))
    if after:
        raise typer.Exit(1)


def existing_ledger(db: Path | None, dsn: str | None, policy: PolicyChoice, **options: Any) -> SQLLedger[Any]:
    """The ledger of the store of ``--db`` or ``--dsn``, which must exist (its ledger tables are made if missing).

    ``options`` go to the ledger (``attached=False``, ``household_policy=`` …).
    """
    if db is not None and dsn is not None:
        raise ValidationError("give either --db or --dsn, not both", "db")
    if dsn is not None:
        from fengqiao.ledger.postgres import PostgresLedger

        return PostgresLedger(dsn, policy=policy, **options)
    return SQLiteLedger(existing_file(db or Path("fengqiao.db")), policy=policy, **options)


def _anchor(path: Path) -> Anchor:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ValidationError(f"cannot read {path}: {reason}", "anchor") from None
    return Anchor.loads(text)
