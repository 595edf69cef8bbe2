"""The other local methods and mediation rooms the Shanxi report names, as documented data.

The report lists them as "调解品牌" with strong local character, and says no more: their names,
and the station or bureau behind each. They are data here, not rules — nothing in the report
says what any of them does step by step, so fengqiao does not guess. The Zhao Shuli method,
the one the report describes, is the policy's protocol (:mod:`.zhao_shuli`).
"""

from __future__ import annotations

import attrs

from fengqiao.domain.vocabulary import Lang

__all__ = ["LOCAL_METHODS", "MEDIATION_ROOMS", "LocalMethod"]


@attrs.frozen
class LocalMethod:
    """A named local method or mediation room: its name and who runs it, in Chinese and English."""

    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str

    def label(self, lang: Lang = "en") -> str:
        """``name (unit)`` in ``lang``."""
        if lang == "zh":
            return f"{self.unit_zh}“{self.name_zh}”"
        return f"{self.name_en} ({self.unit_en})"


LOCAL_METHODS = (
    LocalMethod(
        "快速调、圆桌调、一站调",
        "quick, round-table and one-stop mediation",
        "忻州古城派出所",
        "Gucheng station, Xinzhou",
    ),
    LocalMethod("三调", "the three mediations", "孝义新义派出所", "Xinyi station, Xiaoyi"),
    LocalMethod(
        "“老”城区矛盾纠纷“新”警务“五步”工作法",
        "five steps: new policing for the old town's disputes",
        "阳泉下站派出所",
        "Xiazhan station, Yangquan",
    ),
    LocalMethod(
        "警务云呈现、防控云落实",
        "online and offline dispute resolution (policing and prevention in the cloud)",
        "隰县公安局",
        "Xi county public security bureau",
    ),
)
"""The methods named besides the Zhao Shuli method, in the report's order."""

MEDIATION_ROOMS = (
    LocalMethod("林三调解室", "Lin San mediation room", "朔州", "Shuozhou"),
    LocalMethod("老李调解室", "Lao Li mediation room", "大同", "Datong"),
    LocalMethod("李洪仲调解室", "Li Hongzhong mediation room", "晋中", "Jinzhong"),
    LocalMethod("建华调解室", "Jianhua mediation room", "运城", "Yuncheng"),
)
"""The named mediation rooms, in the report's order (its "等": there are more)."""
