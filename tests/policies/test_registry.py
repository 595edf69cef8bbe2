from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint

import pytest

import fengqiao as fq
from fengqiao.policies import Baseline, BasePolicy, registry
from tests.stages import OFFICER, START

GROUP = "fengqiao.policies"
HERE = __name__


class JiangxianDaily(BasePolicy):
    """A third-party policy, as a package would ship it: Jiang county's "日清月结"."""

    name = "jiangxian-daily"
    grades = ("urgent", "routine")


def jiangxian_factory() -> fq.Policy:
    return JiangxianDaily()


JIANGXIAN = JiangxianDaily()


class NotAPolicy:
    """Something a careless package points its entry point at."""


Install = Callable[..., list[str]]


@pytest.fixture
def install(monkeypatch: pytest.MonkeyPatch) -> Install:
    """Simulate installed packages declaring entry points; the registry is restored afterwards."""
    monkeypatch.setattr(registry, "_factories", dict(registry._factories))
    monkeypatch.setattr(registry, "_entry_points_loaded", False)
    asked: list[str] = []

    def setup(*declared: tuple[str, str]) -> list[str]:
        eps = tuple(EntryPoint(name=name, value=value, group=GROUP) for name, value in declared)

        def entry_points(*, group: str) -> tuple[EntryPoint, ...]:
            asked.append(group)
            return tuple(ep for ep in eps if ep.group == group)

        monkeypatch.setattr(registry, "entry_points", entry_points)
        return asked

    return setup


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by a test do not outlive it."""
    monkeypatch.setattr(registry, "_factories", dict(registry._factories))


# -- names and get -------------------------------------------------------------------------
def test_names_lists_the_built_in_policies_sorted() -> None:
    names = fq.policies.names()
    assert "baseline" in names
    assert list(names) == sorted(names)


def test_get_returns_a_policy_by_name() -> None:
    policy = fq.policies.get("baseline")
    assert isinstance(policy, Baseline)
    assert policy.name == "baseline"


def test_get_returns_a_new_instance_each_time() -> None:
    assert fq.policies.get("baseline") is not fq.policies.get("baseline")


def test_an_unknown_name_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.policies.get("atlantis")
    assert info.value.path == "policy"
    assert "'atlantis'" in info.value.message
    assert ", ".join(fq.policies.names()) in info.value.message


def test_a_name_that_is_not_text_is_refused_as_unknown() -> None:
    with pytest.raises(fq.ValidationError):
        fq.policies.get(["baseline"])  # type: ignore[arg-type]


# -- register ------------------------------------------------------------------------------
@pytest.mark.usefixtures("isolated")
def test_register_makes_a_policy_available_by_name() -> None:
    fq.policies.register("jiangxian-daily", JiangxianDaily)
    assert "jiangxian-daily" in fq.policies.names()
    assert isinstance(fq.policies.get("jiangxian-daily"), JiangxianDaily)


@pytest.mark.usefixtures("isolated")
def test_register_refuses_a_name_already_taken() -> None:
    with pytest.raises(fq.PolicyDefinitionError, match="'baseline' is already registered"):
        fq.policies.register("baseline", JiangxianDaily)
    assert isinstance(fq.policies.get("baseline"), Baseline)


@pytest.mark.usefixtures("isolated")
def test_register_replaces_a_policy_when_asked() -> None:
    fq.policies.register("baseline", JiangxianDaily, replace=True)
    assert isinstance(fq.policies.get("baseline"), JiangxianDaily)


def test_a_registration_in_a_test_does_not_leak_into_the_next() -> None:
    assert "jiangxian-daily" not in fq.policies.names()
    assert isinstance(fq.policies.get("baseline"), Baseline)


# -- entry points --------------------------------------------------------------------------
def test_entry_points_are_read_from_the_fengqiao_policies_group(install: Install) -> None:
    asked = install()
    fq.policies.names()
    assert asked == [GROUP]
    assert fq.policies.ENTRY_POINT_GROUP == GROUP


def test_entry_points_are_read_once(install: Install) -> None:
    asked = install()
    fq.policies.names()
    fq.policies.get("baseline")
    fq.policies.names()
    assert len(asked) == 1


def test_a_third_party_policy_class_is_instantiated(install: Install) -> None:
    install(("jiangxian-daily", f"{HERE}:JiangxianDaily"))
    assert "jiangxian-daily" in fq.policies.names()
    policy = fq.policies.get("jiangxian-daily")
    assert isinstance(policy, JiangxianDaily)
    assert policy.grades == ("urgent", "routine")


def test_a_third_party_policy_factory_is_called(install: Install) -> None:
    install(("jiangxian-daily", f"{HERE}:jiangxian_factory"))
    assert isinstance(fq.policies.get("jiangxian-daily"), JiangxianDaily)


def test_a_third_party_policy_instance_is_used_as_it_is(install: Install) -> None:
    install(("jiangxian-daily", f"{HERE}:JIANGXIAN"))
    assert fq.policies.get("jiangxian-daily") is JIANGXIAN


def test_a_workflow_runs_a_third_party_policy_by_name(install: Install) -> None:
    install(("jiangxian-daily", f"{HERE}:JiangxianDaily"))
    wf = fq.Workflow("jiangxian-daily", clock=fq.FixedClock(START))
    d = wf.discover(channel="alarm_110", category="debt", summary="欠款", actor=OFFICER)
    d = wf.grade(d, actor=OFFICER)
    assert (d.grade, d.grade_rule) == ("routine", "jiangxian-daily.default")


def test_an_entry_point_that_is_not_a_policy_is_refused_when_asked_for(install: Install) -> None:
    install(("broken", f"{HERE}:NotAPolicy"))
    assert "broken" in fq.policies.names()
    with pytest.raises(fq.PolicyDefinitionError, match=r"entry point 'broken' .*NotAPolicy.* is not a fengqiao policy"):
        fq.policies.get("broken")


def test_an_entry_point_that_is_not_a_policy_does_not_break_the_others(install: Install) -> None:
    install(("broken", f"{HERE}:NotAPolicy"), ("jiangxian-daily", f"{HERE}:JiangxianDaily"))
    assert isinstance(fq.policies.get("jiangxian-daily"), JiangxianDaily)
    assert isinstance(fq.policies.get("baseline"), Baseline)


def test_an_entry_point_cannot_shadow_a_built_in_policy(install: Install) -> None:
    install(("baseline", f"{HERE}:JiangxianDaily"))
    assert isinstance(fq.policies.get("baseline"), Baseline)
