r"""What the command line says about policies in either language: grade names, one-line summaries, docstrings.

Private; used by :mod:`fengqiao.cli` and the report. A grade is a policy's own word
(``"red"``, ``"key"`` …); :func:`grade_label` gives the usual Chinese for the built-in
policies' grades and leaves any other as it is. :func:`render_docstring` turns a policy
class's Google-style docstring into plain text for a terminal.

>>> grade_label("red", "zh"), grade_label("red", "en"), grade_label("amber", "zh")
('红色', 'red', 'amber')
>>> print(render_docstring("Uses ``x`` and :class:`~a.B`.\n\nArgs:\n    x: the\n        x value.", "en"))
Uses x and B.
<BLANKLINE>
Settings (constructor arguments):
  • x — the x value.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping

from fengqiao.domain.terms import Route
from fengqiao.domain.vocabulary import Lang

__all__ = ["GRADES", "decision_label", "grade_label", "grades_text", "policy_summary", "render_docstring"]

GRADES: Mapping[str, str] = {
    "high": "高",
    "medium": "中",
    "low": "低",
    "red": "红色",
    "orange": "橙色",
    "yellow": "黄色",
    "blue": "蓝色",
    "key": "重点",
    "case": "案件",
    "general": "一般",
    "major": "重大",
    "complex": "复杂",
    "ordinary": "普通",
}
"""The built-in policies' grades in Chinese."""

_SUMMARIES: Mapping[str, str] = {
    "baseline": "基线规则：各地规则的起点，每个阈值都是构造参数。",
    "huainan-two-clears": "淮南“两清一规范”（警情清零、案件清底），每个阈值都是构造参数。",
    "huaiyang-ten-categories": "淮阳“十类重大纠纷”红黄蓝分级。",
    "jiang-daily-monthly": "绛县“日清月结”，建立在基线规则之上。",
    "mashan-beinong": "马山县人民法院“贝侬”调解 + 司法确认（广西）。",
    "shanxi-fengqiao-station": "山西“枫桥式派出所”（两队一室、赵树理调解法）。",
    "yongji-54333": "永济“54333”工作法（永济市公安局，山西，2024），每个阈值都是构造参数。",
    "yuncheng-city": "运城市公安局：永济“54333”加上全市的规则（compose(yongji, city)）。",
    "household-base": "家庭风险工作的默认规则：继承并覆盖所需部分。",
    "xiqi-family-risk": "西歧乡家庭风险工作（“摸排 + 评估 + 化解”）。",
}
"""A Chinese line for each built-in policy (the English one is its docstring's first line)."""

_SECTIONS = {
    "Args": ("参数（构造函数）", "Settings (constructor arguments)"),
    "Attributes": ("属性", "Attributes"),
    "Example": ("示例", "Example"),
    "Examples": ("示例", "Examples"),
    "Note": ("说明", "Note"),
    "Notes": ("说明", "Notes"),
}
_DROPPED = frozenset({"Raises", "Returns", "Yields", "See Also"})
_SECTION = re.compile(r"^([A-Z][A-Za-z ]+):\s*$")
_ENTRY = re.compile(r"^(\*{0,2}\w+)(?: \([^)]*\))?:\s+(.*)$")
_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`<]*?)(?:\s*<[^>]*>)?`")
_LITERAL = re.compile(r"``([^`]+)``|`([^`]+)`")


def grade_label(grade: str, lang: Lang) -> str:
    """``grade`` in ``lang``: the usual Chinese for a built-in grade word, any other as it is."""
    return GRADES.get(grade, grade) if lang == "zh" else grade


_DECISIONS: Mapping[str, str] = {
    "allowed": "已执行",
    "refused": "被拒绝",
    "invalid": "无法表示",
    "grade": "等级",
    "route": "分流",
}
"""What ``replay`` prints of a decision (and of what differed), in Chinese."""


def decision_label(text: str, lang: Lang) -> str:
    """A decision ``replay`` compares in ``lang``: a grade, a route, ``allowed``/``refused``/``invalid`` or a kind."""
    if lang != "zh":
        return text
    if text in {route.value for route in Route}:
        return Route(text).label("zh")
    return _DECISIONS.get(text, grade_label(text, lang))


def grades_text(grades: tuple[str, ...] | list[str], lang: Lang) -> str:
    """A policy's grades as one list in ``lang`` (``红色、黄色、蓝色``; ``red, yellow, blue``)."""
    return ("、" if lang == "zh" else ", ").join(grade_label(g, lang) for g in grades)


def policy_summary(name: str, doc: str | None, lang: Lang) -> str:
    """One line about the policy ``name``: the Chinese line for a built-in one, else its docstring's first line."""
    if lang == "zh" and name in _SUMMARIES:
        return _SUMMARIES[name]
    return _inline(inspect.cleandoc(doc or "").partition("\n\n")[0].replace("\n", " "))


def render_docstring(doc: str | None, lang: Lang) -> str:
    """A Google-style docstring as plain text: roles and backticks gone, ``Args:`` as a list, doctests left out.

    The prose stays as written (English); only the section headings follow ``lang``.
    """
    out: list[str] = []
    section: str | None = None
    for line in inspect.cleandoc(doc or "").splitlines():
        heading = _SECTION.match(line)
        if heading and heading.group(1) in (*_SECTIONS, *_DROPPED):
            section = heading.group(1)
            if section in _SECTIONS:
                zh, en = _SECTIONS[section]
                out.append(f"{zh}：" if lang == "zh" else f"{en}:")
            continue
        if line.lstrip().startswith(">>>") or (section in _DROPPED and (line.startswith(" ") or not line)):
            continue
        if section is not None and not line.startswith(" "):
            section = None  # the section ended where the text went back to the margin
        if section in ("Args", "Attributes") and line.strip():
            entry = _ENTRY.match(line.strip()) if not line.startswith("        ") else None
            if entry:
                out.append(f"  • {entry.group(1)} — {_inline(entry.group(2))}")
            elif out:
                out[-1] += " " + _inline(line.strip())  # a continuation line of the entry
            continue
        out.append(_inline(line))
    return "\n".join(out).strip()


def _inline(text: str) -> str:
    """``text`` without reST roles and backticks: ``:class:`~a.B``` → ``B``, ````x```` → ``x``."""
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1] if m.group(0).count("~") else m.group(1), text)
    return _LITERAL.sub(lambda m: m.group(1) or m.group(2), text)
