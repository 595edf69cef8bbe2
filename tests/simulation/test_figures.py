"""Every figure the reports give, reproduced by its seeded preset under its policy (``fengqiao figures``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fengqiao.errors import ValidationError
from fengqiao.simulation.figures import NEARLY, REPRODUCTIONS, Figures, Reported, reproduce

DOCS = Path(__file__).parents[2] / "docs"

FAST = [name for name in REPRODUCTIONS if name != "shanxi-3y"]
"""Every reproduction but the province's three years (400,000 disputes: see the test at the end)."""

REPORTED: dict[str, dict[str, float]] = {
    "yongji-2024": {
        "screened": 1050,
        "resolved": 999,
        "ab_dossiers": 999,
        "resolution_rate_percent": 95.1,
        "handed_over": 51,
    },
    "puzhou-2024": {"resolved": 376, "resolution_rate_percent": 99.7, "ab_dossiers": 162},
    "yuncheng-2024": {"screened": 10705, "resolved": 10457, "multi_party": 124, "resolution_rate_percent": 97.68},
    "huaiyang-year": {"screened": 510, "resolved": 510, "resolution_rate_percent": 100},
    "xiqi": {"screened": 3027, "watched": 257, "class.I": 5, "class.II": 23, "class.III": 185},
}
"""The exact figures as the reports print them, written out again here (not read from the registry)."""


@pytest.fixture(scope="module")
def fast() -> Figures:
    return reproduce(FAST)


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [(name, key, value) for name, figures in REPORTED.items() for key, value in figures.items()],
)
def test_each_exact_figure_is_reproduced(fast: Figures, name: str, key: str, value: float) -> None:
    (check,) = [c for c in fast.checks if c.reproduction == name and c.key == key]
    assert check.simulated == value
    assert check.matches


def test_every_registered_figure_is_checked_and_written_as_the_report_writes_it(fast: Figures) -> None:
    expected = [(name, f.key) for name in FAST for f in REPRODUCTIONS[name].figures]
    assert [(c.reproduction, c.key) for c in fast.checks] == expected
    texts = {(c.reproduction, c.key): (c.reported, c.simulated_text) for c in fast.checks}
    assert texts["yongji-2024", "resolution_rate_percent"] == ("95.1%", "95.1%")
    assert texts["yuncheng-2024", "screened"] == ("10,705", "10,705")
    assert texts["yuncheng-2024", "resolution_rate_percent"] == ("97.68%", "97.68%")
    assert fast.all_match
    assert fast.mismatches() == ()


def test_the_figures_are_the_same_with_two_workers() -> None:
    one = reproduce(["yongji-2024", "puzhou-2024"])
    two = reproduce(["yongji-2024", "puzhou-2024"], workers=2)
    assert [c.simulated for c in one.checks] == [c.simulated for c in two.checks]


@pytest.mark.parametrize(
    ("relation", "value", "inside", "outside"),
    [
        ("equals", 999, [999], [998, 1000]),
        ("more_than", 7000, [7001, 7400], [7000, 6999]),
        ("more_than", 90, [90.1, 93.7], [90, 89.9]),
        ("nearly", 400_000, [400_000, 392_000, 400_000 * NEARLY], [400_001, 400_000 * NEARLY - 1]),
    ],
)
def test_a_figure_matches_as_the_report_states_it(
    relation: str, value: float, inside: list[float], outside: list[float]
) -> None:
    figure = Reported(key="x", value=value, text=str(value), zh="数", en="count", relation=relation)  # type: ignore[arg-type]
    assert all(figure.matches(v) for v in inside)
    assert not any(figure.matches(v) for v in outside)


def test_a_figure_that_does_not_match_says_so(fast: Figures) -> None:
    wrong = Reported(key="resolved", value=1000, text="1,000", zh="化解", en="resolved")
    assert not wrong.matches(999)
    assert wrong.format(999) == "999"
    assert (
        Reported(key="r", value=95.1, text="95.1%", zh="率", en="rate", percent=True, decimals=1).format(95.14)
        == "95.1%"
    )


def test_the_json_holds_every_reproduction_and_figure(fast: Figures) -> None:
    data = json.loads(fast.to_json())
    assert data["all_match"] is True
    assert [r["name"] for r in data["reproductions"]] == FAST
    yongji = data["reproductions"][0]
    assert yongji["figures"][0] == {
        "key": "screened",
        "zh": "摸排矛盾纠纷",
        "en": "disputes screened",
        "reported": "1,050",
        "relation": "equals",
        "simulated": 1050,
        "simulated_text": "1,050",
        "matches": True,
    }


def test_an_unknown_reproduction_is_refused_before_anything_runs() -> None:
    with pytest.raises(ValidationError, match="no reproduction named 'nosuch'"):
        reproduce(["yongji-2024", "nosuch"])


def test_the_docs_figures_page_shows_the_table_the_simulation_gives(fast: Figures) -> None:
    page = (DOCS / "figures.md").read_text(encoding="utf-8")
    for name in FAST:
        table = fast.markdown("en", only=name)
        assert table in page, f"docs/figures.md, {name}: between its markers the table should read\n{table}"


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("policies/yongji_54333.md", "yongji-2024"),
        ("policies/yongji_54333.md", "puzhou-2024"),
        ("policies/huaiyang_ten_categories.md", "huaiyang-year"),
        ("policies/xiqi_family_risk.md", "xiqi"),
        ("policies/mashan_beinong.md", "mashan-since-2016"),
        ("policies/yuncheng_city.md", "yuncheng-2024"),
    ],
)
def test_each_policy_pages_figures_section_shows_its_rows(fast: Figures, page: str, name: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    figures_section = text[text.index("## Figures") :]
    table = fast.markdown("en", only=name)
    assert table in figures_section, f"docs/{page}, {name}: the Figures section's table should read\n{table}"


def test_mashan_resolved_more_than_7000(fast: Figures) -> None:
    (check,) = [c for c in fast.checks if c.reproduction == "mashan-since-2016"]
    assert check.key == "resolved"
    assert check.reported == "7000多件"
    assert 7000 < check.simulated < 8000
    assert check.matches


def test_the_province_three_years_match_the_report() -> None:
    """Shanxi: nearly 400,000 disputes at 1,400+ stations, more than 90% settled (400,000 disputes: ~1 min)."""
    result = reproduce(["shanxi-3y"], workers=2)
    checks = {c.key: c for c in result.checks}
    assert 400_000 * NEARLY <= checks["screened"].simulated <= 400_000
    assert checks["stations"].simulated > 1400
    assert checks["resolution_rate_percent"].simulated > 90
    assert result.all_match
    page = (DOCS / "figures.md").read_text(encoding="utf-8")
    assert result.markdown("en") in page
