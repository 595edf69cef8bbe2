"""The toolkit's strategies for options that change from step to step, built once and handed out again."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import fengqiao as fq
from fengqiao.lifecycle.household_events import HouseholdTrigger
from fengqiao.testing._sampling import sampled

DISPUTE_TRIGGERS = (fq.Trigger.ATTACH, fq.Trigger.NOTE)
HOUSEHOLD_TRIGGERS = (HouseholdTrigger.ATTACH, HouseholdTrigger.NOTE)


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_equal_triggers_of_two_kinds_are_each_drawn_as_their_own_kind(data: st.DataObject) -> None:
    # Equal as text (mypy sees two unrelated enums), so one cached strategy must not serve both.
    assert DISPUTE_TRIGGERS == HOUSEHOLD_TRIGGERS  # type: ignore[comparison-overlap]
    assert type(data.draw(sampled(DISPUTE_TRIGGERS))) is fq.Trigger
    assert type(data.draw(sampled(HOUSEHOLD_TRIGGERS))) is HouseholdTrigger
    assert type(data.draw(sampled(list(DISPUTE_TRIGGERS)))) is fq.Trigger
