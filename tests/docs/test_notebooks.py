"""The notebooks are pages of the site, executed at build time and shown with their outputs and plots."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.docs.conftest import ROOT

NOTEBOOKS = ("quickstart", "your-own-policy", "comparing-regions")


def page(site: Path, name: str) -> str:
    return (site / "notebooks" / name / "index.html").read_text(encoding="utf-8")


def test_every_notebook_is_in_the_navigation(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    for name in NOTEBOOKS:
        assert re.search(rf'href="notebooks/{name}/"', home), name


def test_notebooks_are_rendered_with_their_outputs(site: Path) -> None:
    for name in NOTEBOOKS:
        assert "jp-OutputArea-output" in page(site, name), name
    # quickstart prints each refusal's code and message, in both languages
    assert "baseline.close.no-visit" in page(site, "quickstart")


def test_the_comparison_draws_its_plots(site: Path) -> None:
    plots = re.findall(r'<img[^>]+src="data:image/png;base64,', page(site, "comparing-regions"))
    assert len(plots) >= 3  # time to close, resolution and overdue, the ledger's figures


def test_the_comparison_uses_the_ledgers_dataframe(site: Path) -> None:
    html = page(site, "comparing-regions")
    assert "to_dataframe" in html
    assert "dataframe" in html  # pandas' HTML table of the ledger's rows, rendered


def test_the_comparisons_bar_charts_start_at_zero() -> None:
    source = json.loads((ROOT / "docs" / "notebooks" / "comparing-regions.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(cell["source"]) for cell in source["cells"] if cell["cell_type"] == "code")
    assert ".bar(" in code
    limits = re.findall(r"set_[xy]lim\(\s*([^,)]+)", code)
    assert limits, "the resolution-rate axis should be set from 0 explicitly"
    assert all(float(low) == 0 for low in limits), limits
