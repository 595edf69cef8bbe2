from __future__ import annotations

from typing import Any

import pytest

import fengqiao as fq


def test_parse_reads_the_role_prefix_and_keeps_the_whole_text_as_id() -> None:
    actor = fq.Actor.parse("officer:xiao")
    assert actor.id == "officer:xiao"
    assert actor.roles == frozenset({fq.Role.OFFICER})


def test_parse_reads_a_grid_worker() -> None:
    assert fq.Actor.parse("grid_worker:wang").roles == frozenset({fq.Role.GRID_WORKER})


def test_parse_passes_an_actor_through() -> None:
    actor = fq.Actor("xiao", [fq.Role.OFFICER, fq.Role.RESPONSIBLE_LEADER])
    assert fq.Actor.parse(actor) is actor


def test_str_of_an_actor_is_its_id() -> None:
    assert str(fq.Actor.parse("officer:xiao")) == "officer:xiao"


def test_an_unknown_role_prefix_is_refused_listing_the_roles() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Actor.parse("wizard:xiao")
    assert info.value.path == "actor"
    assert "grid_worker" in info.value.message


@pytest.mark.parametrize("text", ["xiao", "officer:", "officer:   "])
def test_text_without_a_role_and_a_name_is_refused(text: str) -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Actor.parse(text)
    assert info.value.path == "actor"
    assert "role:name" in info.value.message


def test_parse_refuses_something_that_is_not_text() -> None:
    bad: Any = 42
    with pytest.raises(fq.ValidationError) as info:
        fq.Actor.parse(bad)
    assert info.value.path == "actor"


def test_an_actor_accepts_role_value_strings() -> None:
    actor = fq.Actor("li", ["mediator", "grid_worker"])
    assert actor.roles == frozenset({fq.Role.MEDIATOR, fq.Role.GRID_WORKER})


def test_an_actor_with_an_unknown_role_is_refused_naming_the_item() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Actor("li", ["mediator", "judge"])
    assert info.value.path == "roles[1]"


def test_an_actor_with_an_empty_id_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Actor("", [fq.Role.OFFICER])
    assert info.value.path == "id"


def test_has_any_is_true_when_one_role_is_shared() -> None:
    actor = fq.Actor.parse("community_officer:li")
    assert actor.has_any(fq.OFFICER_ROLES)
    assert not actor.has_any(frozenset({fq.Role.GRID_WORKER}))


def test_grid_workers_mediators_and_informants_are_not_officer_roles() -> None:
    assert fq.Role.GRID_WORKER not in fq.OFFICER_ROLES
    assert fq.Role.MEDIATOR not in fq.OFFICER_ROLES
    assert fq.Role.INFORMANT not in fq.OFFICER_ROLES
    assert fq.Role.OFFICER in fq.OFFICER_ROLES
