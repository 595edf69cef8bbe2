"""The trigger table: each built-in trigger declared once, and everything else read from it."""

from __future__ import annotations

import pytest

import fengqiao as fq
from fengqiao.lifecycle import fold, triggers
from fengqiao.lifecycle.graph import BASE_EDGES
from fengqiao.lifecycle.payloads import VisitPayload
from fengqiao.lifecycle.triggers import BY_TRIGGER, EVENT_TYPES, INTERNAL_TRIGGERS, TRIGGERS


def test_every_built_in_trigger_has_exactly_one_row() -> None:
    assert sorted(spec.trigger for spec in TRIGGERS) == sorted(fq.Trigger)


def test_a_row_reads_its_trigger_and_payload_off_its_event_class() -> None:
    spec = BY_TRIGGER[fq.Trigger.RECORD_VISIT]
    assert (spec.trigger, spec.event, spec.payload) == (fq.Trigger.RECORD_VISIT, fq.VisitRecorded, VisitPayload)


def test_the_graphs_base_edges_are_the_tables_rows() -> None:
    assert [(e.trigger, e.source, e.dest) for e in BASE_EDGES] == [
        (spec.trigger, tuple(spec.sources), spec.target) for spec in TRIGGERS
    ]


def test_internal_triggers_are_the_rows_that_keep_the_state() -> None:
    assert (
        {t for t in fq.Trigger if t.is_internal}
        == INTERNAL_TRIGGERS
        == {spec.trigger for spec in TRIGGERS if spec.target is None}
    )


def test_the_event_registry_holds_discovery_every_rows_event_and_policy_transitions() -> None:
    assert set(EVENT_TYPES.values()) == {fq.Discovered, fq.Transitioned, *(spec.event for spec in TRIGGERS)}


def test_a_trigger_given_two_rows_is_caught_when_the_table_is_built() -> None:
    with pytest.raises(AssertionError, match="two rows"):
        triggers._check((*TRIGGERS, TRIGGERS[0]))


def test_a_trigger_left_without_a_row_is_caught_when_the_table_is_built() -> None:
    with pytest.raises(AssertionError, match="no row"):
        triggers._check(TRIGGERS[1:])


def test_the_fold_runs_each_rows_handler_and_leads_to_its_target() -> None:
    assert all(fold._STEPS[spec.event] == (spec.fold, spec.target) for spec in TRIGGERS)
