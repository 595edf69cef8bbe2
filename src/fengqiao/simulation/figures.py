"""Every figure the reports give, beside the simulated one: ``fengqiao figures``.

Each :class:`Reproduction` names a report's figures (:class:`Reported`), the seeded preset
that reproduces them and the policy that decides every step; :func:`reproduce` runs them and
says, figure by figure, whether the simulation gives what the report gives.

The presets are exact scenarios (``Scenario.exact``): their shares are dealt as counts, so a
year's totals are the ones the mix implies. The mix is tuned to the report — the policy is
not: a refusal the simulated officer cannot answer, or a dossier the policy does not accept,
shows as a figure that does not match.

>>> from fengqiao.simulation.figures import reproduce
>>> result = reproduce(["puzhou-2024"])
>>> [(c.key, c.reported, c.simulated_text, c.matches) for c in result.checks]  # doctest: +NORMALIZE_WHITESPACE
[('resolved', '376', '376', True), ('resolution_rate_percent', '99.7%', '99.7%', True),
 ('ab_dossiers', '162', '162', True)]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, Literal

import attrs

from fengqiao.domain.vocabulary import Lang
from fengqiao.errors import ValidationError
from fengqiao.policies import Yongji54333, registry
from fengqiao.policies._figures import resolution_rate
from fengqiao.policies.base import Policy
from fengqiao.simulation.households import simulate_households, xiqi
from fengqiao.simulation.run import simulate
from fengqiao.simulation.scenario import (
    Scenario,
    huaiyang_year,
    mashan_since_2016,
    puzhou_2024,
    shanxi_three_years,
    yongji_2024,
    yuncheng_2024,
)

__all__ = ["REPRODUCTIONS", "Check", "Figures", "Reported", "Reproduction", "reproduce"]

Relation = Literal["equals", "more_than", "nearly"]
"""How a report states a figure: exactly; "more than" (多、余、以上: 7,000+, above 90%); "nearly" (近)."""

NEARLY = 0.95
""""Nearly N" (近N) matches from 95% of N up to N."""


@attrs.frozen(kw_only=True)
class Reported:
    """One figure as a report gives it.

    Args:
        key: the simulated figure it is compared with (a name in the policy's ``metrics()``,
            ``"stations"`` for the stations that handled disputes, or a household figure).
        value: the number (``95.1`` for 95.1%; ``7000`` for "7,000+").
        text: the figure as the report writes it, in the report's own words.
        zh: what it counts, in Chinese.
        en: what it counts, in English.
        relation: how the report states it (see :data:`Relation`).
        percent: whether it is a percentage.
        decimals: its decimals as reported.
    """

    key: str
    value: float
    text: str
    zh: str
    en: str
    relation: Relation = "equals"
    percent: bool = False
    decimals: int = 0

    def matches(self, simulated: float) -> bool:
        """Whether ``simulated`` is what the report says."""
        if self.relation == "more_than":
            return simulated > self.value
        if self.relation == "nearly":
            return self.value * NEARLY <= simulated <= self.value
        return simulated == self.value

    def format(self, simulated: float) -> str:
        """``simulated`` written as the report writes this figure (``95.1%``, ``10,457``)."""
        if self.percent:
            return f"{simulated:.{self.decimals}f}%"
        return f"{simulated:,.{self.decimals}f}"

    def label(self, lang: Lang) -> str:
        """What the figure counts, in ``lang``."""
        return self.zh if lang == "zh" else self.en


@attrs.frozen(kw_only=True)
class Reproduction:
    """A report's figures and the seeded simulation that reproduces them.

    ``run(workers)`` returns the simulated figures by name; ``command`` is the command line
    that shows the same simulation (``fengqiao simulate …``).
    """

    name: str
    zh: str
    en: str
    source: str
    """The report it comes from (its file name's number in ``shared/sources``), and where in it."""
    figures: tuple[Reported, ...]
    run: Callable[[int], Mapping[str, float]] = attrs.field(repr=False)
    command: str
    note_zh: str = ""
    note_en: str = ""

    def title(self, lang: Lang) -> str:
        """Whose figures, in ``lang``."""
        return self.zh if lang == "zh" else self.en

    def note(self, lang: Lang) -> str:
        """What to know about these figures, in ``lang`` (empty when nothing)."""
        return self.note_zh if lang == "zh" else self.note_en


@attrs.frozen(kw_only=True)
class Check:
    """One reported figure beside the simulated one."""

    reproduction: str
    key: str
    zh: str
    en: str
    reported: str
    """As the report writes it."""
    relation: Relation
    simulated: float
    simulated_text: str
    """Written as the report writes the figure."""
    matches: bool

    def label(self, lang: Lang) -> str:
        """What the figure counts, in ``lang``."""
        return self.zh if lang == "zh" else self.en


@attrs.frozen
class Figures:
    """Every figure checked, in the order of the reproductions and their figures."""

    checks: tuple[Check, ...]
    reproductions: tuple[Reproduction, ...] = attrs.field(repr=False)

    @property
    def all_match(self) -> bool:
        """Whether every simulated figure is what its report says."""
        return all(c.matches for c in self.checks)

    def mismatches(self) -> tuple[Check, ...]:
        """The figures the simulation does not reproduce."""
        return tuple(c for c in self.checks if not c.matches)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary: ``all_match`` and, per reproduction, its figures."""
        return {
            "all_match": self.all_match,
            "reproductions": [
                {
                    "name": r.name,
                    "zh": r.zh,
                    "en": r.en,
                    "source": r.source,
                    "command": r.command,
                    "figures": [
                        {
                            "key": c.key,
                            "zh": c.zh,
                            "en": c.en,
                            "reported": c.reported,
                            "relation": c.relation,
                            "simulated": c.simulated,
                            "simulated_text": c.simulated_text,
                            "matches": c.matches,
                        }
                        for c in self.checks
                        if c.reproduction == r.name
                    ],
                }
                for r in self.reproductions
            ],
        }

    def to_json(self) -> str:
        """:meth:`as_dict` as JSON (Chinese kept as it is)."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def markdown(self, lang: Lang = "en", *, only: str | None = None) -> str:
        """A Markdown table of the checks (of reproduction ``only``, or all)."""
        zh = lang == "zh"
        head = (
            ("来源", "数字", "报道", "模拟", "一致") if zh else ("source", "figure", "reported", "simulated", "match")
        )
        lines = ["| " + " | ".join(head) + " |", "| --- | --- | ---: | ---: | :---: |"]
        titles = {r.name: r.title(lang) for r in self.reproductions}
        for c in self.checks:
            if only is None or c.reproduction == only:
                mark = "✓" if c.matches else "✗"
                lines.append(
                    f"| {titles[c.reproduction]} | {c.label(lang)} | {c.reported} | {c.simulated_text} | {mark} |"
                )
        return "\n".join(lines) + "\n"


def _disputes(
    scenario: Callable[[], Scenario], policy: Callable[[], str | Policy]
) -> Callable[[int], dict[str, float]]:
    def run(workers: int) -> dict[str, float]:
        result = simulate(scenario(), policy(), workers=workers, keep=False)
        figures = dict(result.metrics)
        figures["stations"] = result.stations
        figures["disputes"] = result.total
        return figures

    return run


def _households(workers: int) -> dict[str, float]:
    del workers  # a township's year runs in one process
    return dict(simulate_households(xiqi(), "xiqi-family-risk").figures())


def _percent(decimals: int, value: float, text: str, relation: Relation = "equals") -> Reported:
    return Reported(
        key="resolution_rate_percent",
        value=value,
        text=text,
        zh="化解率",
        en="resolution rate",
        relation=relation,
        percent=True,
        decimals=decimals,
    )


REPRODUCTIONS: Mapping[str, Reproduction] = {
    r.name: r
    for r in (
        Reproduction(
            name="yongji-2024",
            zh="永济市公安局，2024年",
            en="Yongji city police, 2024",
            source="000 (法治视点 on Yongji's 54333), the summary",
            figures=(
                Reported(key="screened", value=1050, text="1,050", zh="摸排矛盾纠纷", en="disputes screened"),
                Reported(key="resolved", value=999, text="999", zh="成功化解", en="resolved"),
                Reported(key="ab_dossiers", value=999, text="999", zh="建立警情AB卷", en="A/B dossiers"),
                _percent(1, 95.1, "95.1%"),
                Reported(
                    key="handed_over",
                    value=51,
                    text="51 (其余)",
                    zh="移交相关责任单位",
                    en="handed to departments (the rest)",
                ),
            ),
            run=_disputes(yongji_2024, lambda: "yongji-54333"),
            command="fengqiao simulate yongji --policy yongji-54333",
            note_zh="达到立案标准的警情转为案件办理，不计入1,050起。",
            note_en="Disputes that met the case threshold became formal cases and are not among the 1,050.",
        ),
        Reproduction(
            name="puzhou-2024",
            zh="永济市公安局蒲州派出所，2024年",
            en="Puzhou station (Yongji), 2024",
            source="001 (the Yongji site visit), the Puzhou station head",
            figures=(
                Reported(key="resolved", value=376, text="376", zh="化解各类矛盾纠纷", en="disputes resolved"),
                _percent(1, 99.7, "99.7%"),
                Reported(key="ab_dossiers", value=162, text="162", zh="建立AB卷", en="A/B dossiers"),
            ),
            run=_disputes(puzhou_2024, lambda: Yongji54333(on_the_spot=timedelta(hours=2))),
            command="fengqiao simulate puzhou --policy yongji-54333 (with on_the_spot: see the docs)",
            note_zh="报道称每起纠纷都建AB卷，但376起化解只有162卷：两者矛盾。按数字复现，当场化解的纠纷只记警情。",
            note_en=(
                "The report says every dispute gets an A/B dossier, yet gives 162 dossiers for 376 disputes: "
                "the figures are reproduced as reported, reading disputes settled on the spot as recorded on "
                "the alert alone (Yongji54333(on_the_spot=2 h))."
            ),
        ),
        Reproduction(
            name="yuncheng-2024",
            zh="运城市公安局，2024年",
            en="Yuncheng city police, 2024",
            source="000 (法治视点 on Yongji's 54333), the city paragraph",
            figures=(
                Reported(key="screened", value=10705, text="10,705", zh="摸排矛盾纠纷", en="disputes screened"),
                Reported(key="resolved", value=10457, text="10,457", zh="化解", en="resolved"),
                Reported(key="multi_party", value=124, text="124", zh="其中多元化解", en="of which multi-party"),
                _percent(2, 97.68, "97.68%"),
            ),
            run=_disputes(yuncheng_2024, lambda: registry.get("yuncheng-city")),
            command="fengqiao simulate yuncheng --policy yuncheng-city",
        ),
        Reproduction(
            name="huaiyang-year",
            zh="周口市淮阳区公安局，试行一年",
            en="Huaiyang district police, the first year",
            source="004 (Huaiyang's ten categories), the summary",
            figures=(
                Reported(key="screened", value=510, text="510", zh="排查化解典型矛盾纠纷", en="disputes screened"),
                Reported(key="resolved", value=510, text="510", zh="化解", en="resolved"),
                _percent(0, 100, "100%"),
            ),
            run=_disputes(huaiyang_year, lambda: "huaiyang-ten-categories"),
            command="fengqiao simulate huaiyang --policy huaiyang-ten-categories",
        ),
        Reproduction(
            name="xiqi",
            zh="永顺县西歧乡，今年以来",
            en="Xiqi township, this year",
            source="002 (the Xiangxi pieces), Xiqi's family risk work",
            figures=(
                Reported(key="screened", value=3027, text="3,027", zh="摸排户数", en="households screened"),
                Reported(key="watched", value=257, text="257", zh="纳入重点关注家庭", en="households watched"),
                Reported(key="class.I", value=5, text="5", zh="一类", en="class I"),
                Reported(key="class.II", value=23, text="23", zh="二类", en="class II"),
                Reported(key="class.III", value=185, text="185", zh="三类", en="class III"),
            ),
            run=_households,
            command="fengqiao households simulate",
            note_zh="5 + 23 + 185 = 213，不是257：其余44户纳入关注但未定类，照报道复现。",
            note_en="5 + 23 + 185 = 213, not 257: the other 44 watched households are unclassed, as reported.",
        ),
        Reproduction(
            name="mashan-since-2016",
            zh="马山县人民法院，2016年以来",
            en="Mashan county court, since 2016",
            source="002 (the Guangxi pieces), Mashan's 贝侬 mediation",
            figures=(
                Reported(
                    key="resolved",
                    value=7000,
                    text="7000多件",
                    zh="“贝侬”调解+司法确认解决矛盾纠纷",
                    en="resolved by 贝侬 mediation + judicial confirmation (7,000+)",
                    relation="more_than",
                ),
            ),
            run=_disputes(mashan_since_2016, lambda: "mashan-beinong"),
            command="fengqiao simulate mashan --policy mashan-beinong",
        ),
        Reproduction(
            name="shanxi-3y",
            zh="山西省公安派出所，三年来",
            en="Shanxi's police stations, three years",
            source="003 (Shanxi's Fengqiao-style stations)",
            figures=(
                Reported(
                    key="screened",
                    value=400_000,
                    text="近40万件",
                    zh="排查调解矛盾纠纷",
                    en="disputes screened and mediated (nearly 400,000)",
                    relation="nearly",
                ),
                Reported(
                    key="stations",
                    value=1400,
                    text="1400余个",
                    zh="基层派出所",
                    en="stations (1,400+)",
                    relation="more_than",
                ),
                _percent(1, 90, "90%以上", "more_than"),
            ),
            run=_disputes(shanxi_three_years, lambda: "shanxi-fengqiao-station"),
            command="fengqiao simulate shanxi --policy shanxi-fengqiao-station",
            note_zh="172个是推行“两队一室”的派出所数，不是全省派出所数。",
            note_en="172 is the number of stations running 两队一室, not the province's stations.",
        ),
    )
}
"""Every reproduction, by name, in the order ``fengqiao figures`` prints them."""


def reproduce(
    names: Iterable[str] | None = None, *, workers: int = 1, progress: Callable[[Reproduction], None] | None = None
) -> Figures:
    """Run the reproductions ``names`` (all by default) and check every figure.

    ``workers`` processes handle the disputes (the same figures for any number);
    ``progress`` is called with each reproduction before it runs (the Shanxi preset, 400,000
    disputes, takes about a minute on two cores).

    Raises:
        ValidationError: a name is not a reproduction.
    """
    chosen = list(REPRODUCTIONS) if names is None else list(dict.fromkeys(names))
    unknown = [n for n in chosen if n not in REPRODUCTIONS]
    if unknown:
        raise ValidationError(
            f"no reproduction named {', '.join(map(repr, unknown))}; known: {', '.join(REPRODUCTIONS)}", "names"
        )
    checks: list[Check] = []
    for name in chosen:
        r = REPRODUCTIONS[name]
        if progress is not None:
            progress(r)
        simulated = r.run(workers)
        for f in r.figures:
            value = simulated.get(f.key)
            if value is None and f.key == "resolution_rate_percent":
                value = resolution_rate(int(simulated["screened"]), int(simulated["resolved"]), decimals=f.decimals)
            if value is None:
                raise ValidationError(f"{name}: the simulation gives no figure {f.key!r}", "figures")
            checks.append(
                Check(
                    reproduction=name,
                    key=f.key,
                    zh=f.zh,
                    en=f.en,
                    reported=f.text,
                    relation=f.relation,
                    simulated=value,
                    simulated_text=f.format(value),
                    matches=f.matches(value),
                )
            )
    return Figures(tuple(checks), tuple(REPRODUCTIONS[n] for n in chosen))
