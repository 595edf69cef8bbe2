"""Profile a hot path before optimising it: ``python -m benchmarks.profile [command|replay|load|pg-load] [--cprofile]``.

- ``command``: the compared lifecycle through ``Workflow`` (discover + five commands);
- ``replay``: ``fq.replay`` over stored 6-event histories;
- ``load``: ``Repository.get`` from SQLite (read, decode, replay);
- ``pg-load``: ``Repository.get`` from PostgreSQL (``FENGQIAO_PG_DSN``; a schema of its own,
  dropped after), each dispute written by the ``peers`` lifecycle through another store first,
  so the loading store starts cold.

Prints pyinstrument's call tree (or, with ``--cprofile``, cProfile's top functions by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import fengqiao as fq
from benchmarks.corpus import histories
from benchmarks.lifecycles import Fengqiao
from benchmarks.storage import DSN_VARIABLE, _lifecycles, _pg_schema, on_schema
from fengqiao.storage import Repository, SQLiteEventStore


def _command(n: int) -> Callable[[], object]:
    impl = Fengqiao()
    return lambda: [impl.lifecycle(impl.create(i)) for i in range(n)]


def _replay(n: int) -> Callable[[], object]:
    corpus = histories(n)
    return lambda: [fq.replay(h) for h in corpus]


def _load(n: int, tmp: Path) -> Callable[[], object]:
    store = SQLiteEventStore(tmp / "profile.db")
    for h in histories(n):
        store.append(h[0].dispute_id, h, expected_version=0)
    repo = Repository(fq.Workflow("baseline"), store)
    return lambda: [repo.get(f"D{i}") for i in range(n)]


@contextmanager
def _pg_load(n: int) -> Iterator[Callable[[], object]]:
    from fengqiao.storage import PostgresEventStore

    dsn = os.environ.get(DSN_VARIABLE, "")
    if not dsn:
        raise SystemExit(f"pg-load needs {DSN_VARIABLE}, e.g. postgresql://postgres@127.0.0.1:5432/test")
    with _pg_schema(dsn) as schema:
        conninfo = on_schema(dsn, schema)
        with PostgresEventStore(conninfo) as writer:
            _lifecycles(Repository(fq.Workflow("baseline"), writer), n, "D")
        with PostgresEventStore(conninfo) as store:
            repo = Repository(fq.Workflow("baseline"), store)
            yield lambda: [repo.get(f"D{i}") for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("command", "replay", "load", "pg-load"), nargs="?", default="command")
    parser.add_argument("-n", type=int, default=3000, help="how many disputes")
    parser.add_argument("--cprofile", action="store_true", help="use cProfile instead of pyinstrument")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fengqiao-profile-") as tmp, ExitStack() as stack:
        work = {
            "command": lambda: _command(args.n),
            "replay": lambda: _replay(args.n),
            "load": lambda: _load(args.n, Path(tmp)),
            "pg-load": lambda: stack.enter_context(_pg_load(args.n)),
        }[args.what]()
        work()  # warm up
        if args.cprofile:
            profiler = cProfile.Profile()
            profiler.runcall(work)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0002)
        sampler.start()
        work()
        sampler.stop()
        print(sampler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
