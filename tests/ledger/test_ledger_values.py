from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import attrs
import pytest

import fengqiao as fq
import fengqiao.ledger
from fengqiao.errors import ValidationError
from fengqiao.ledger import (
    MemoryLedger,
    Period,
    PolicyBook,
    RecordedPolicy,
    ResolutionRate,
    SQLiteLedger,
    open_ledger,
    to_dataframe,
)
from fengqiao.policies.base import CHINA_TZ
from fengqiao.policies.yongji_54333 import Yongji54333
from fengqiao.testing.contracts.ledger_support import POLICIES, choose_policy, scenarios, store_all

HAS_PANDAS = importlib.util.find_spec("pandas") is not None


def stored_ledger() -> MemoryLedger:
    ledger = MemoryLedger(policy=choose_policy, policies=POLICIES)
    store_all(ledger.store, scenarios())
    return ledger


def test_a_period_is_half_open() -> None:
    year = Period.year(2024)
    assert datetime(2024, 1, 1, tzinfo=CHINA_TZ) in year
    assert datetime(2025, 1, 1, tzinfo=CHINA_TZ) not in year


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        (Period.day(date(2024, 2, 29)), datetime(2024, 2, 29), datetime(2024, 3, 1)),
        (Period.month(2024, 12), datetime(2024, 12, 1), datetime(2025, 1, 1)),
        (Period.year(2024), datetime(2024, 1, 1), datetime(2025, 1, 1)),
    ],
)
def test_days_months_and_years_run_from_local_midnight(period: Period, start: datetime, end: datetime) -> None:
    assert (period.start, period.end) == (start.replace(tzinfo=CHINA_TZ), end.replace(tzinfo=CHINA_TZ))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2024, 1, 2, tzinfo=CHINA_TZ), datetime(2024, 1, 1, tzinfo=CHINA_TZ)),
        (datetime(2024, 1, 1), datetime(2024, 1, 2, tzinfo=CHINA_TZ)),
    ],
)
def test_a_period_that_ends_before_it_starts_or_is_naive_is_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(ValidationError):
        Period(start, end)


def test_a_figure_the_policy_does_not_give_is_a_key_error() -> None:
    rate = ResolutionRate.of("baseline", Period.year(2024), {"screened": 4, "resolved": 1, "resolution_rate": 0.25})
    assert (rate.screened, rate.resolved, rate.rate, rate.figure("screened")) == (4, 1, 0.25, 4)
    with pytest.raises(KeyError):
        rate.figure("ab_dossiers")


def test_an_unknown_policy_name_is_refused_when_the_ledger_opens() -> None:
    with pytest.raises(ValidationError, match="unknown policy"):
        MemoryLedger(policy="nowhere-12345")


def test_a_policy_object_is_used_for_its_name() -> None:
    strict = Yongji54333(rate_decimals=2)
    book = PolicyBook(strict)
    assert book.policy("yongji-54333") is strict
    assert book.workflow("yongji-54333").policy is strict


def test_something_that_is_not_a_policy_is_refused() -> None:
    with pytest.raises(ValidationError):
        PolicyBook(42)  # type: ignore[arg-type]


def test_a_policy_function_must_give_a_name() -> None:
    book = PolicyBook(lambda d: 7)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValidationError, match="not a policy name"):
        book.name_for(scenarios()[0])


def test_the_recorded_policy_is_each_disputes_own_and_the_default_for_none() -> None:
    d = fq.Workflow("huainan-two-clears").discover(
        channel="alarm_110", category="neighbour", summary="邻居堵门", actor="officer:xiao"
    )
    assert d.policy is not None
    assert RecordedPolicy()(d) == "huainan-two-clears"
    assert RecordedPolicy("yongji-54333")(attrs.evolve(d, policy=None)) == "yongji-54333"
    assert repr(PolicyBook(RecordedPolicy())) == "PolicyBook(RecordedPolicy(default='baseline', adopted={}))"
    moved = RecordedPolicy(adopted={"huainan-two-clears": "yongji-54333"})
    assert moved(d) == "yongji-54333"
    assert moved(attrs.evolve(d, policy=None)) == "baseline"  # what is not adopted stays as it is


@pytest.mark.parametrize("adopted", [["baseline"], {"baseline": 7}, {"": "baseline"}, {"baseline": " "}])
def test_adopted_must_map_names_to_names(adopted: object) -> None:
    with pytest.raises(ValidationError) as refused:
        RecordedPolicy(adopted=adopted)
    assert refused.value.path == "adopted"


@pytest.mark.parametrize("default", [7, "", "  ", None])
def test_a_recorded_policys_default_must_be_a_name(default: object) -> None:
    with pytest.raises(ValidationError) as refused:
        RecordedPolicy(default)  # type: ignore[arg-type]
    assert refused.value.path == "default"


@pytest.mark.parametrize(
    "recorded", [RecordedPolicy("nowhere-12345"), RecordedPolicy(adopted={"baseline": "nowhere-12345"})]
)
def test_an_unknown_default_or_adopter_is_refused_when_the_ledger_opens(recorded: RecordedPolicy) -> None:
    with pytest.raises(ValidationError, match="unknown policy 'nowhere-12345'"):
        MemoryLedger(policy=recorded)


def test_a_policy_function_naming_an_unknown_policy_names_the_dispute() -> None:
    d = scenarios()[0]
    with pytest.raises(ValidationError, match=f"the policy function gave 'nowhere-12345' for {d.id}, which the"):
        PolicyBook(lambda _: "nowhere-12345").name_for(d)


def test_a_row_says_who_is_assigned_in_each_role() -> None:
    row = stored_ledger().row("HY-0001")
    assert row.assigned("responsible_leader") == ("所长周某",)
    assert row.assigned(fq.Role.SUPERVISOR) == ()


def test_open_ledger_opens_memory_or_sqlite_by_its_target(tmp_path: Path) -> None:
    with open_ledger(None) as memory, open_ledger(tmp_path / "x.db", policy="yongji-54333") as sqlite:
        assert isinstance(memory, MemoryLedger)
        assert isinstance(sqlite, SQLiteLedger)
        assert sqlite.book.name_for(scenarios()[0]) == "yongji-54333"


@pytest.mark.skipif(not HAS_PANDAS, reason="pandas is not installed")
def test_rows_become_a_dataframe_with_one_column_per_field() -> None:
    ledger = stored_ledger()
    frame = to_dataframe(ledger.disputes())
    assert list(frame.columns)[:3] == ["id", "state", "open"]
    assert len(frame) == ledger.count()
    assert frame.loc[frame["id"] == "HY-0001", "state"].item() == "follow_up"


def test_without_pandas_the_dataframe_export_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an environment without pandas imports
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'fengqiao\[pandas\]'") as caught:
        to_dataframe(stored_ledger().disputes())
    assert caught.value.name == "pandas"


def test_only_attrs_rows_become_a_dataframe() -> None:
    pytest.importorskip("pandas")
    with pytest.raises(ValidationError):
        to_dataframe([{"id": "x"}])


def test_the_ledger_imports_without_psycopg_and_says_what_postgres_needs() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["psycopg"] = None  # as if the postgres extra were not installed
        sys.modules["psycopg_pool"] = None
        from fengqiao.ledger import MemoryLedger, SQLiteLedger, what_if
        import fengqiao.ledger
        try:
            fengqiao.ledger.PostgresLedger
        except ModuleNotFoundError as exc:
            print(exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "pip install 'fengqiao[postgres]'" in result.stdout


def test_every_public_ledger_name_resolves() -> None:
    assert fengqiao.ledger.__all__ == sorted(fengqiao.ledger.__all__)
    for name in fengqiao.ledger.__all__:
        assert getattr(fengqiao.ledger, name) is not None
