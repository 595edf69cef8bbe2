"""Replay of stored histories in memory, and JSON encoding and decoding of events."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import fengqiao as fq
from benchmarks.corpus import LONG, SHORT, histories
from benchmarks.measure import Figure, Section, median, timed
from fengqiao.storage._codec import canonical_json, decode

__all__ = ["run_json", "run_replay"]

REPLAY_BUDGET = 500_000


def _replay_all(replay: Callable[[tuple[fq.Event, ...]], fq.Dispute], corpus: list[tuple[fq.Event, ...]]) -> None:
    # Each result is dropped, as a service that loads, uses and forgets a dispute would: holding
    # all 20,000 would make the collector walk a growing heap and halve the figure.
    for history in corpus:
        replay(history)


def run_replay(*, disputes: int, rounds: int) -> Section:
    """``fq.replay`` (the fold) and ``Workflow.replay`` (fold + graph check) over closed histories."""
    section = Section("replay", "Replay of stored history, in memory")
    wf = fq.Workflow("baseline")
    for kind in (SHORT, LONG):
        corpus = histories(disputes, kind)
        events = sum(len(h) for h in corpus)
        assert all(fq.replay(h).history == h for h in corpus[:10])
        for label, replay in (("fq.replay", fq.replay), ("Workflow.replay", wf.replay)):
            samples = []
            for _ in range(rounds):
                seconds, _ = timed(partial(_replay_all, replay, corpus))
                samples.append(events / seconds)
            strict = label == "fq.replay" and kind == SHORT
            section.add(
                Figure(
                    f"{label}, {kind} histories",
                    median(samples),
                    "events/s",
                    budget=f"≥ {REPLAY_BUDGET:,} events/s" if strict else "",
                    met=median(samples) >= REPLAY_BUDGET if strict else None,
                    samples=samples,
                )
            )
    section.notes.append(
        f"{disputes:,} closed disputes per kind, {rounds} rounds (median), each result dropped after its replay. "
        "fq.replay folds the events; "
        "Workflow.replay also checks every transition against the policy's graph (what Repository.get does)."
    )
    return section


def run_json(*, disputes: int, rounds: int) -> Section:
    """Events to JSON text and back: the public ``dumps``/``loads`` and the stores' canonical codec."""
    section = Section("json", "JSON encode/decode of events")
    events = [e for h in histories(disputes, SHORT) + histories(disputes, LONG, prefix="L") for e in h]
    texts = [fq.dumps(e) for e in events]
    canonical = [canonical_json(e) for e in events]
    assert fq.loads(texts[1], fq.Event) == events[1]
    assert decode(events[1].dispute_id, 2, fq.SCHEMA_VERSION, canonical[1]) == events[1]
    cases = (
        ("fq.dumps(event)", lambda: [fq.dumps(e) for e in events]),
        ("fq.loads(text, Event)", lambda: [fq.loads(t, fq.Event) for t in texts]),
        ("store codec: canonical_json", lambda: [canonical_json(e) for e in events]),
        (
            "store codec: decode",
            lambda: [decode(e.dispute_id, 1, fq.SCHEMA_VERSION, t) for e, t in zip(events, canonical, strict=True)],
        ),
    )
    for label, fn in cases:
        samples = []
        for _ in range(rounds):
            seconds, _ = timed(fn)
            samples.append(len(events) / seconds)
        section.add(Figure(label, median(samples), "events/s", samples=samples))
    section.notes.append(
        f"{len(events):,} events (half from 6-event, half from 11-event histories), {rounds} rounds (median); "
        f"mean JSON size {sum(map(len, canonical)) / len(canonical):.0f} characters."
    )
    return section
