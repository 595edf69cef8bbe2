"""The built site works with no internet: no script, style, font or image is fetched from another host."""

from __future__ import annotations

import re
from pathlib import Path

#: What a browser fetches by itself while showing a page (links a reader clicks on are not in this list).
FETCHED_IN_HTML = (
    re.compile(r"<script\b[^>]*\bsrc=[\"']?(?P<url>[^\"' >]+)", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref=[\"']?(?P<url>[^\"' >]+)", re.IGNORECASE),
    re.compile(r"<img\b[^>]*\bsrc=[\"']?(?P<url>[^\"' >]+)", re.IGNORECASE),
    re.compile(r"<iframe\b[^>]*\bsrc=[\"']?(?P<url>[^\"' >]+)", re.IGNORECASE),
    # a script that imports a module (nbconvert's mermaid loader did, from a CDN)
    re.compile(r"\bimport\(\s*[\"'](?P<url>[^\"']+)", re.IGNORECASE),
)
FETCHED_IN_CSS = (
    re.compile(r"@import\s+(?:url\()?\s*[\"']?(?P<url>[^\"')\s;]+)", re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?(?P<url>[^\"')\s]+)", re.IGNORECASE),
)
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)


def external_fetches(site: Path) -> list[str]:
    """``file: url`` for every external resource a page or stylesheet of the site would fetch."""
    found = []
    for path in sorted(site.rglob("*")):
        if path.suffix not in {".html", ".css"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        patterns = FETCHED_IN_HTML + FETCHED_IN_CSS if path.suffix == ".html" else FETCHED_IN_CSS
        for pattern in patterns:
            for match in pattern.finditer(text):
                if REMOTE.match(match["url"]):
                    found.append(f"{path.relative_to(site)}: {match['url']}")
    return found


def test_the_scanner_sees_what_a_cdn_page_would_fetch(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<script src="//unpkg.com/mermaid@11/dist/mermaid.min.js"></script><a href="https://example.org">a link</a>'
        '<script type="module">const m = await import("https://cdn.example/mermaid.esm.mjs");</script>'
    )
    (tmp_path / "a.css").write_text("@import 'https://cdn.example/x.css'; .x { background: url(/local.png) }")
    assert external_fetches(tmp_path) == [
        "a.css: https://cdn.example/x.css",
        "index.html: //unpkg.com/mermaid@11/dist/mermaid.min.js",
        "index.html: https://fonts.googleapis.com/css?family=Roboto",
        "index.html: https://cdn.example/mermaid.esm.mjs",
    ]


def test_the_site_fetches_nothing_from_another_host(site: Path) -> None:
    assert external_fetches(site) == []


def test_mermaid_is_shipped_and_loaded_by_the_pages(site: Path) -> None:
    assert (site / "assets" / "javascripts" / "mermaid" / "mermaid.min.js").stat().st_size > 1_000_000
    page = (site / "policies" / "baseline" / "index.html").read_text(encoding="utf-8")
    assert 'class="mermaid"' in page  # the page has a diagram to draw
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", page)
    # Material fetches mermaid from a CDN only when `window.mermaid` is undefined when it draws the diagrams.
    assert "../../assets/javascripts/mermaid/mermaid.min.js" in scripts


def test_the_notebooks_diagram_is_left_to_the_shipped_mermaid(site: Path) -> None:
    page = (site / "notebooks" / "quickstart" / "index.html").read_text(encoding="utf-8")
    assert (
        '<div class="jp-Mermaid" style="display: block"><pre class="mermaid">' in page
    )  # shown, and Material draws it
    assert "assets/javascripts/mermaid/mermaid.min.js" in page
