r"""What the command line prints about the ledger's quarantine, in either language, safely.

A quarantined event's stream id and reason come from stored data, which anyone with access
to the database may have written: :func:`printable` escapes the characters a terminal would
act on (escape sequences, carriage returns, bidi overrides …) before they are printed.

>>> printable("stream A\x1b[2J version 1")
'stream A\\x1b[2J version 1'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from fengqiao.domain.vocabulary import Lang
from fengqiao.ledger import LedgerProblem

__all__ = ["SHOWN", "printable", "problem_line", "retry_summary", "section"]

_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control and format characters, lone surrogates, line and paragraph separators."""


def printable(text: str) -> str:
    r"""``text`` with every control or format character written as Python writes it (``\n``, ``\x1b``, ``\u202e``).

    Everything else, Chinese included, is kept as it is.
    """
    if text.isprintable():  # the usual case: nothing to escape (ideographic spaces aside)
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _UNSAFE else c for c in text)


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(c: str) -> str:
    if c in _SHORT:
        return _SHORT[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def problem_line(problem: LedgerProblem) -> str:
    """One quarantined event on one line: position, stream, version, reason."""
    return printable(str(problem))


SHOWN = 10
"""How many quarantined events ``report`` lists (``db retry`` lists them all)."""


def section(problems: Sequence[LedgerProblem], lang: Lang, command: str) -> list[str]:
    """The lines ``report`` ends with: a heading, the first events, how many more, and ``command`` to retry them."""
    n = len(problems)
    lines = [f"隔离事件（台账未计入）：{n}" if lang == "zh" else f"quarantined events (left out of the ledger): {n}"]
    lines += ["  " + problem_line(problem) for problem in problems[:SHOWN]]
    if n > SHOWN:
        lines.append(f"  ……另有 {n - SHOWN} 个" if lang == "zh" else f"  … and {n - SHOWN} more")
    hint = f"排除原因后运行：{command}" if lang == "zh" else f"fix the cause, then run: {command}"
    return [*lines, printable(hint)]


def retry_summary(
    where: str, healed: int, before: Sequence[LedgerProblem], after: Sequence[LedgerProblem], lang: Lang
) -> str:
    """The first line ``db retry`` prints: how many disputes project now, how many events are still set aside."""
    if not before:
        text = f"{where}：没有被隔离的事件" if lang == "zh" else f"{where}: nothing is quarantined"
    elif lang == "zh":
        rest = f"仍有 {len(after)} 个事件被隔离：" if after else "已无隔离事件"
        text = f"{where}：{healed} 个案件重新投影成功；{rest}"
    else:
        verb = "dispute projects" if healed == 1 else "disputes project"
        n = len(after)
        rest = f"{n} event{'s' * (n != 1)} still quarantined:" if after else "nothing is quarantined now"
        text = f"{where}: {healed} {verb} again; {rest}"
    return printable(text)
