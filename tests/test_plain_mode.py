"""``FENGQIAO_PLAIN=1`` (every fast path off) gives the same disputes, documents and errors as the fast paths.

The same script runs in two fresh interpreters, one in each mode: every registered policy
through a seeded simulation, each dispute written out and replayed, and a set of bad
calls whose errors are recorded. Everything but the mode itself must be the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

SCRIPT = r"""
import hashlib, json, datetime as dt
import fengqiao as fq
from fengqiao.domain import _codegen
from fengqiao.simulation import simulate, yongji_2024

out = {"plain": _codegen.PLAIN}
for policy in fq.policies.names():
    result = simulate(yongji_2024().scaled(0.03), policy)
    documents = "\n".join(fq.dumps(d) for d in result.disputes)
    out[policy] = [len(result.disputes), hashlib.sha256(documents.encode()).hexdigest()]
    same = [fq.replay(d.history) == d == fq.loads(fq.dumps(d), fq.Dispute) for d in result.disputes]
    out[policy + " replayed"] = all(same)

at = dt.datetime(2024, 1, 31, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
wf = fq.Workflow("yongji-54333", clock=fq.FixedClock(at), ids=lambda: "D-1")
officer = "officer:xiao"
d = wf.discover(channel="alarm_110", category="neighbour", summary="噪音", actor=officer)
bad = [
    lambda: fq.Party(name=""),
    lambda: fq.Party(name="x", kind="nobody"),
    lambda: fq.Alert(channel="pigeon", received_at=at, summary="x"),
    lambda: fq.Alert(channel="alarm_110", received_at=at.replace(tzinfo=None), summary="x"),
    lambda: wf.discover(channel="alarm_110", category="neighbour", summary="\x00", actor=officer),
    lambda: wf.grade(d, actor=officer, risk_factor=["violence"]),
    lambda: wf.grade(d),
    lambda: wf.fire(d, "close", actor=officer),
    lambda: fq.replay([]),
    lambda: fq.replay([d.history[0], d.history[0]]),
    lambda: fq.loads('{"schema": 1, "type": "discovered"}', fq.Event),
]
errors = []
for call in bad:
    try:
        call()
    except fq.FengqiaoError as exc:
        errors.append([type(exc).__name__, str(exc)])
    else:
        errors.append(["no error"])
out["errors"] = errors
print(json.dumps(out, ensure_ascii=False))
"""


def _run(plain: str) -> dict[str, Any]:
    env = {**os.environ, "FENGQIAO_PLAIN": plain}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_plain_mode_gives_the_same_disputes_documents_and_errors_as_the_fast_paths() -> None:
    fast, plain = _run("0"), _run("1")
    assert (fast.pop("plain"), plain.pop("plain")) == (False, True)
    assert all(fast[f"{name} replayed"] for name in fast if not name.endswith(" replayed") and name != "errors")
    assert all(kind != "no error" for kind, *_ in fast["errors"])
    assert plain == fast
