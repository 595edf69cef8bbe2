from __future__ import annotations

from datetime import UTC, datetime

import pytest

import fengqiao as fq
from tests.stages import START


def test_an_alert_keeps_its_aware_receipt_time() -> None:
    alert = fq.Alert(channel=fq.Channel.ALARM_110, received_at=START, reporter="赵某")
    assert alert.received_at == START
    assert alert.received_at.utcoffset() is not None


def test_a_naive_receipt_time_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Alert(channel=fq.Channel.ALARM_110, received_at=datetime(2024, 1, 31, 9, 0))
    assert info.value.path == "received_at"
    assert "naive" in info.value.message


def test_a_receipt_time_that_is_not_a_datetime_is_refused() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Alert(channel=fq.Channel.ALARM_110, received_at="2024-01-31T09:00:00+08:00")  # type: ignore[arg-type]
    assert info.value.path == "received_at"


def test_an_unknown_channel_is_refused_with_path_channel() -> None:
    with pytest.raises(fq.ValidationError) as info:
        fq.Alert(channel="fax", received_at=datetime(2024, 1, 31, tzinfo=UTC))
    assert info.value.path == "channel"
    assert "alarm_110" in info.value.message
