"""Every public name of every public module is documented in the API reference, and renders as Markdown."""

from __future__ import annotations

import importlib
import pkgutil
import re
import zlib
from pathlib import Path
from types import ModuleType

import fengqiao

#: The modules whose ``__all__`` must be documented: every module with no underscore in its dotted path.
PUBLIC_MODULES = [
    "fengqiao",
    *sorted(
        info.name
        for info in pkgutil.walk_packages(fengqiao.__path__, "fengqiao.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ),
]


def inventory(site: Path) -> set[str]:
    """The object names the site's ``objects.inv`` (Sphinx inventory, version 2) lists."""
    data = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = data.index(b"\n", header_end) + 1
    lines = zlib.decompress(data[header_end:]).decode().splitlines()
    return {line.split(" ", 1)[0] for line in lines if line}


def resolve(path: str) -> object:
    """The object a dotted path names, importing the longest importable module prefix."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        return found
    raise LookupError(path)


def undocumented(site: Path) -> list[str]:
    """``module.name`` for each name in a public ``__all__`` that the site documents under no path."""
    documented = inventory(site)
    by_name: dict[str, list[str]] = {}
    for entry in documented:
        by_name.setdefault(entry.rpartition(".")[2], []).append(entry)
    missing = []
    for module_name in PUBLIC_MODULES:
        module: ModuleType = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            if f"{module_name}.{name}" in documented:
                continue
            value = getattr(module, name)
            # Documented under another path (where it is defined, or another module exporting it)?
            if not any(_same(entry, value) for entry in by_name.get(name, ())):
                missing.append(f"{module_name}.{name}")
    return missing


def _same(entry: str, value: object) -> bool:
    try:
        return resolve(entry) is value
    except (LookupError, AttributeError):
        return False


def test_every_public_module_has_names_to_check() -> None:
    assert {"fengqiao", "fengqiao.simulation", "fengqiao.testing.harness"} <= set(PUBLIC_MODULES)
    assert sum(len(getattr(importlib.import_module(m), "__all__", ())) for m in PUBLIC_MODULES) > 500


def test_every_public_name_is_documented(site: Path) -> None:
    missing = undocumented(site)
    assert missing == [], (
        f"{len(missing)} public names are not in the API reference: {missing[:20]} … "
        "run `.venv/bin/python tools/reference_pages.py` (it places every public module on a page) and rebuild"
    )


def test_the_names_the_issue_found_missing_are_documented(site: Path) -> None:
    documented = inventory(site)
    for path in ("fengqiao.State", "fengqiao.Channel", "fengqiao.FixedClock", "fengqiao.Discovered"):
        assert path in documented
    assert "fengqiao.simulation.simulate" in documented


def test_a_name_reexported_as_itself_is_documented_where_it_is_reexported(site: Path) -> None:
    # `from fengqiao.storage._postgres_appends import NOTIFY_EVERY as NOTIFY_EVERY` (tools/griffe_reexports.py)
    documented = inventory(site)
    for name in ("HEAD_CACHE", "NOTIFY_EVERY", "PER_TRANSACTION"):
        assert f"fengqiao.storage.postgres.{name}" in documented


def reference_pages(site: Path) -> list[tuple[str, str]]:
    return [(str(p.relative_to(site)), p.read_text(encoding="utf-8")) for p in (site / "reference").rglob("*.html")]


ROLE_AS_TEXT = re.compile(r":(class|func|meth|mod|data|attr|exc):`")
DOCTEST_AS_QUOTE = re.compile(r"<blockquote>\s*<p>&gt;&gt;&gt;|<p>&gt;&gt;&gt;")


def test_sphinx_roles_render_as_links_not_text(site: Path) -> None:
    pages = reference_pages(site)
    assert [(name, m.group()) for name, html in pages for m in ROLE_AS_TEXT.finditer(html)] == []
    # Workflow.check's docstring says "as a :class:`Decision`": a link to Decision's entry.
    workflow = dict(pages)["reference/fengqiao/index.html"]
    target = "../lifecycle/#fengqiao.lifecycle.refusals.Decision"
    assert f'<a class="autorefs autorefs-internal" title="Decision" href="{target}">' in workflow


def test_doctests_render_as_code_not_quotes(site: Path) -> None:
    assert [name for name, html in reference_pages(site) if DOCTEST_AS_QUOTE.search(html)] == []
    # The package docstring opens with a doctest: a highlighted Python console block.
    fengqiao_page = (site / "reference" / "fengqiao" / "index.html").read_text(encoding="utf-8")
    assert '<div class="highlight"><pre><span></span><code><span class="gp">&gt;&gt;&gt; </span>' in fengqiao_page
