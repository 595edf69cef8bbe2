"""How personal details are hidden: numbers masked in proportion to their length, names cut to a surname.

Both rules are used wherever a value leaves the station's own records: in ``repr`` and
:meth:`~fengqiao.domain.party.Party.redacted`, and (for any run of digits) in the values
error messages quote.

>>> mask("140881199001011234"), mask("13812345678"), mask("03591234")
('140***********1234', '138******78', '03*****4')
>>> surname("张三丰"), surname("欧阳娜娜"), surname("赵某"), surname("Maria Lopez")
('张某', '欧阳某', '赵某', 'M.')
"""

from __future__ import annotations

__all__ = ["COMPOUND_SURNAMES", "mask", "shown", "surname"]

_MOST_SHOWN = 7
"""The most characters ever shown: an 18-character ID number keeps 3 + 4, as before."""
_HIDDEN_WHOLE = 7
"""A value this short or shorter is hidden entirely: a few digits shown would leave too few to guess."""


def shown(length: int) -> tuple[int, int]:
    """How many characters :func:`mask` shows at the start and at the end of a value of ``length``.

    None for 7 characters or fewer; else ``k = min(7, (length - 1) // 2)``, fewer than half,
    the first ``min(3, (k + 1) // 2)`` of them at the start and the rest at the end.
    """
    if length <= _HIDDEN_WHOLE:
        return 0, 0
    keep = min(_MOST_SHOWN, (length - 1) // 2)
    head = min(3, (keep + 1) // 2)
    return head, keep - head


def mask(value: str | None) -> str | None:
    """``value`` with all but fewer than half of its characters replaced by ``*``; ``None`` stays ``None``.

    A value of 7 characters or fewer is hidden entirely. Of a longer one, of ``n`` characters,
    ``k = min(7, (n - 1) // 2)`` are shown, always fewer than half: the first
    ``min(3, (k + 1) // 2)`` and the rest at the end. So an 18-character ID number shows
    3 + 4 (``140***********1234``), an 11-digit mobile number 3 + 2 (``138******78``), an
    8-digit landline 2 + 1 (``03*****4``), and a 7-digit one nothing (``*******``).
    """
    if value is None:
        return None
    head, tail = shown(len(value))
    return value[:head] + "*" * (len(value) - head - tail) + (value[len(value) - tail :] if tail else "")


COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
        "夏侯", "令狐", "澹台", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "闻人",
        "赫连", "申屠", "太史", "钟离", "宗政", "濮阳", "公冶", "仲孙", "单于", "淳于", "拓跋", "司空",
        "东郭", "左丘", "第五", "鲜于", "段干",
    }
)  # fmt: skip
"""Two-character surnames (复姓) that :func:`surname` keeps whole: 欧阳娜娜 → 欧阳某."""


def surname(name: str) -> str:
    """``name`` cut to what may be shown outside the station: the surname and 某, or an initial.

    A name that begins with a Chinese character keeps its surname and gets 某 (张三丰 → 张某,
    赵某 → 赵某); the surname is the first character, or the first two when they are one of
    :data:`COMPOUND_SURNAMES` and more follows (欧阳娜娜 → 欧阳某). Any other name keeps its
    first character and a full stop (Maria Lopez → M.).
    """
    text = name.strip()
    if not text:
        return name
    first = text[0]
    if not _is_han(first):
        return f"{first}."
    family = text[:2] if len(text) > 2 and text[:2] in COMPOUND_SURNAMES else first
    return f"{family}某"


def _is_han(char: str) -> bool:
    """Whether ``char`` is a CJK unified ideograph (the basic block or an extension)."""
    code = ord(char)
    return (
        0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0x20000 <= code <= 0x3FFFF or 0xF900 <= code <= 0xFAFF
    )
