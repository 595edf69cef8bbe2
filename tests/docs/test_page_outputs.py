"""The output a page shows after a Python example is the output that example prints.

A page shows what an example prints in a ```` ```text title="Output" ```` block right after it; the suite runs the
example (as pytest-markdown-docs does: each block on its own) and compares.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAIR = re.compile(r"```python\n(?P<code>.*?)```\n\n```text title=\"Output\"\n(?P<output>.*?)```", re.DOTALL)
PAGES_WITH_OUTPUTS = ("getting-started.md",)


def examples(page: str) -> list[tuple[str, str]]:
    return [(m["code"], m["output"]) for m in PAIR.finditer((DOCS / page).read_text(encoding="utf-8"))]


def printed(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<docs example>", "exec"), {"__name__": "__docs__"})
    return out.getvalue()


@pytest.mark.parametrize("page", PAGES_WITH_OUTPUTS)
def test_every_example_of_the_page_shows_its_output(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    assert text.count("```python") == len(examples(page)) > 0


@pytest.mark.parametrize(
    ("page", "index"), [(page, i) for page in PAGES_WITH_OUTPUTS for i in range(len(examples(page)))]
)
def test_the_output_shown_is_what_the_example_prints(page: str, index: int) -> None:
    code, output = examples(page)[index]
    assert printed(code) == output
