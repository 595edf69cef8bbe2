"""Write the API reference pages (docs/reference/) from the package's public modules.

Every public module (no underscore in its dotted path) gets a ``:::`` block on the page of its area. An exported
name is documented once, where it lives: in the module that defines it, or, when that module is private, in the
most specific public module that re-exports it. The other modules that re-export it link to it from their
docstrings, and the objects inventory lists it under every exported path.

Run after adding a public module or moving a name::

    .venv/bin/python tools/reference_pages.py

``tests/docs/test_site.py`` fails when a name of any public ``__all__`` is missing from the built site.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import griffe

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"

REGIONS = (
    "huainan_two_clears",
    "huaiyang_ten_categories",
    "jiang_daily_monthly",
    "mashan_beinong",
    "shanxi_fengqiao_station",
    "xiqi_family_risk",
    "yongji_54333",
    "yuncheng_city",
)

#: page file (under docs/reference/) -> (title, introduction, module prefixes it holds)
PAGES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "fengqiao.md": (
        "fengqiao",
        "The top-level package re-exports what most code needs (`import fengqiao as fq`); below it, the workflows, "
        "serialization, errors and the command line.",
        (
            "fengqiao",
            "fengqiao.workflow",
            "fengqiao.households",
            "fengqiao.places",
            "fengqiao.serde",
            "fengqiao.errors",
            "fengqiao.cli",
            "fengqiao.demo",
        ),
    ),
    "domain.md": (
        "Domain values",
        "What a case is made of: frozen values, vocabularies and clocks, with no I/O.",
        ("fengqiao.domain",),
    ),
    "lifecycle.md": (
        "Lifecycle",
        "States, triggers, payloads, events, the fold and the graph of every kind of case.",
        ("fengqiao.lifecycle",),
    ),
    "policies.md": (
        "Policies",
        "The policy protocol and base, composition, the registry, decision tables and recurring deadlines. "
        "Each region's own package has a page of its own below this one.",
        ("fengqiao.policies",),
    ),
    "storage.md": (
        "Storage",
        "Event stores (SQLite, PostgreSQL, in memory), repositories and anchoring.",
        ("fengqiao.storage",),
    ),
    "ledger.md": (
        "Ledger",
        "Projections and reports over a store (台账), rebuildable from its events at any time.",
        ("fengqiao.ledger",),
    ),
    "simulation.md": (
        "Simulation",
        "Seeded synthetic workloads, the presets that reproduce the reports' figures, and what-if runs.",
        ("fengqiao.simulation",),
    ),
    "testing.md": (
        "Testing toolkit",
        "Hypothesis strategies, random lifecycles, the stateful harness and the contract suites that third "
        "parties subclass.",
        ("fengqiao.testing",),
    ),
    **{
        f"regions/{region}.md": (
            f"fengqiao.policies.{region}",
            f"The `{region}` policy's package. Its rules are described in plain words on "
            f"[its policy page](../../policies/{region}.md).",
            (f"fengqiao.policies.{region}",),
        )
        for region in REGIONS
    },
}

#: per-module rendering options beyond the site's defaults (mkdocs.yml)
OPTIONS: dict[str, dict[str, Any]] = {
    "fengqiao.cli": {"show_if_no_docstring": True},  # `app`, the typer application, is documented by its --help
    "fengqiao.workflow": {"inherited_members": True},
    "fengqiao.households": {"inherited_members": True},
    "fengqiao.places": {"inherited_members": True},
    "fengqiao.storage": {"inherited_members": True},
    "fengqiao.storage.rows": {"filters": ["!^_[^_]", "^_read_", "^_write$"]},
}


def is_public(path: str) -> bool:
    """Whether no part of the dotted ``path`` starts with an underscore."""
    return not any(part.startswith("_") for part in path.split("."))


def public_modules(package: griffe.Module) -> list[griffe.Module]:
    """The public modules of ``package``, the package first, each before its submodules, by name."""
    found = [package] if is_public(package.path) else []
    for name in sorted(package.modules):
        sub = package.modules[name]
        if not sub.is_alias and is_public(sub.path):
            found += public_modules(sub)
    return found


def exported(path: str) -> list[str]:
    """The names in the ``__all__`` of the module ``path`` (imported, so computed lists count)."""
    return list(getattr(importlib.import_module(path), "__all__", ()))


def homes(modules: list[griffe.Module]) -> dict[str, list[str]]:
    """Module path -> the exported names documented there (each object once)."""
    where: dict[str, tuple[str, str]] = {}  # target path -> (module, name)
    for module in modules:
        for name in exported(module.path):
            member = module.members[name]
            if member.is_module:
                continue  # a subpackage has a block of its own
            target = member.final_target.path if isinstance(member, griffe.Alias) else member.path
            parent = target.rpartition(".")[0]
            if is_public(parent) and parent != module.path:
                continue  # documented by the module that defines it
            held = where.get(target)
            if held is None or len(module.path) > len(held[0]):
                where[target] = (module.path, name)
    placed: dict[str, list[str]] = {}
    for module_path, name in where.values():
        placed.setdefault(module_path, []).append(name)
    return placed


def isort_style(name: str) -> tuple[int, str]:
    """The order ruff (RUF022) keeps ``__all__`` in: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2), name


def reexported(module: griffe.Module) -> list[str]:
    """The public names ``module`` re-exports as ``from m import name as name`` (``tools/griffe_reexports.py``)."""
    return [
        name
        for name, member in module.members.items()
        if isinstance(member, griffe.Alias) and member.public and not name.startswith("_")
    ]


def block(module: griffe.Module, placed: dict[str, list[str]]) -> str:
    """The ``:::`` block of one module."""
    options = dict(OPTIONS.get(module.path, {}))
    names = exported(module.path)
    if any(module.members[name].is_alias for name in names):
        mine = set(placed.get(module.path, ()))
        shown = [name for name in names if name in mine]
        extra = [name for name in reexported(module) if name not in names]
        options["members"] = sorted(shown + extra, key=isort_style) or False  # __all__ is in this order (RUF022)
    lines = [f"::: {module.path}"]
    if options:
        lines.append("    options:")
        for key, value in options.items():
            if isinstance(value, list):
                lines.append(f"      {key}:")
                lines += [f'        - "{item}"' if "^" in item else f"        - {item}" for item in value]
            else:
                lines.append(f"      {key}: {str(value).lower()}")
    return "\n".join(lines)


def page_of(path: str) -> str:
    """The page a module belongs on: the longest matching prefix."""
    best = max(
        (
            (len(prefix), page)
            for page, (_, _, prefixes) in PAGES.items()
            for prefix in prefixes
            if path == prefix or path.startswith(prefix + ".")
        ),
        default=None,
    )
    if best is None:
        raise SystemExit(f"no reference page for the public module {path}: add it to PAGES in {__file__}")
    return best[1]


def main() -> None:
    """Rewrite the reference pages."""
    sys.path.insert(0, str(ROOT / "src"))
    package = griffe.load(
        "fengqiao",
        search_paths=[ROOT / "src"],
        resolve_aliases=True,
        resolve_external=False,
        extensions=griffe.load_extensions(f"{ROOT / 'tools' / 'griffe_reexports.py'}:RedundantAliases"),
    )
    assert isinstance(package, griffe.Module)
    modules = public_modules(package)
    placed = homes(modules)
    texts: dict[str, list[str]] = {page: [] for page in PAGES}
    for module in modules:
        texts[page_of(module.path)].append(block(module, placed))
    for page, blocks in texts.items():
        title, intro, _ = PAGES[page]
        target = REFERENCE / page
        target.parent.mkdir(parents=True, exist_ok=True)
        header = f"<!-- Written by tools/reference_pages.py: edit that, not this. -->\n# {title}\n\n{intro}\n"
        target.write_text(header + "\n" + "\n\n".join(blocks) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
