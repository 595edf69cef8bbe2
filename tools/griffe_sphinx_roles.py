"""A griffe extension that makes the docstrings' Sphinx markup render in the mkdocstrings reference.

The docstrings are written for readers of the source and for ``pytest --doctest-modules``; two of their habits
do not render as Markdown:

- Sphinx roles (``:class:`~fengqiao.Workflow```, ``:meth:`fire```, ``:mod:`fengqiao.storage```) would show as
  literal text. Each becomes an autorefs cross-reference (``[`Workflow`][fengqiao.workflow.Workflow]``), the
  name resolved in the docstring's own scope as Sphinx would; a name that does not resolve to a public object
  stays code, never a broken link.
- Doctest blocks (``>>>`` lines and their output) would render as nested block quotes. Each becomes a fenced
  ``pycon`` block.

The docstrings in the source are not changed, only what griffe hands to mkdocstrings (``mkdocs.yml`` loads this
file as an extension of the python handler).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

#: ``:role:`target``` or ``:role:`title <target>```; the roles of the Python domain the docstrings use
ROLE = re.compile(r":(?:py:)?(?P<role>class|func|meth|mod|data|attr|exc|obj|const):`(?P<body>[^`]+)`")
EXPLICIT = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$")
FENCE = re.compile(r"^\s*(```|~~~)")


def is_public(path: str) -> bool:
    """Whether no part of the dotted ``path`` starts with an underscore."""
    return not any(part.startswith("_") for part in path.split("."))


def resolve(obj: griffe.Object, target: str) -> str | None:
    """The path ``target`` names from ``obj``'s scope, or None when it names nothing public in the package."""
    root = obj.package
    head, _, rest = target.partition(".")
    try:
        if head == root.name:
            found: griffe.Object | griffe.Alias = root
            for part in rest.split(".") if rest else ():
                found = found.members[part]
            return found.path if is_public(found.path) else None
        base = obj.resolve(head)
    except (KeyError, griffe.NameResolutionError, griffe.AliasResolutionError):
        return None
    path = f"{base}.{rest}" if rest else base
    if not path.startswith(root.name + "."):
        return None
    try:
        found_obj: griffe.Object | griffe.Alias = root.modules_collection.get_member(path)
        final: griffe.Object = found_obj.final_target if isinstance(found_obj, griffe.Alias) else found_obj
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    # An object without a docstring is not rendered: point at the nearest enclosing one that is.
    while not final.docstring and final.parent is not None and not final.is_module:
        found_obj, final = final.parent, final.parent
    if is_public(found_obj.path):
        return found_obj.path
    # Defined in a private module: the reference documents it under the public names that export it.
    return final.path if is_public(final.path) else _exported_path(final)


def _exported_path(obj: griffe.Object) -> str | None:
    """A public path under which ``obj`` (defined in a private module) is documented, if any.

    An alias of it in a public ``__all__`` or re-exported as ``from m import name as name`` (see
    ``tools/griffe_reexports.py``), or, for a public member of a class, the member under such an alias of the
    class (a private member is not documented, so not linked). A member that only a public subclass inherits is
    not linked: it is documented only where a page shows inherited members, and with several subclasses which
    one the reader meant is not known.
    """
    for alias in obj.aliases.values():
        if is_public(alias.path) and _reexports(alias):
            return alias.path
    owner = obj.parent
    if isinstance(owner, griffe.Class) and is_public(obj.name) and (owner_path := _exported_path(owner)) is not None:
        return f"{owner_path}.{obj.name}"
    return None


def _reexports(alias: griffe.Alias) -> bool:
    """Whether ``alias`` is in its module's ``__all__`` or imported as ``name as name``."""
    return alias.parent is not None and (alias.public is True or alias.name in (alias.parent.exports or ()))


def role_to_ref(obj: griffe.Object, match: re.Match[str]) -> str:
    """The Markdown for one Sphinx role in ``obj``'s docstring."""
    body = match["body"].strip()
    explicit = EXPLICIT.match(body)
    if explicit:
        title, target = explicit["title"], explicit["target"]
    else:
        target = body.removeprefix("~").removeprefix(".")
        title = target.rpartition(".")[2] if body.startswith("~") else target
    if match["role"] in {"func", "meth"} and not title.endswith(")"):
        title += "()"
    path = resolve(obj, target.removeprefix("~").removeprefix("."))
    return f"[`{title}`][{path}]" if path else f"`{title}`"


def fence_doctests(text: str) -> str:
    """``text`` with each run of ``>>>`` lines (and the output after them) in a fenced ``pycon`` block."""
    out: list[str] = []
    lines = text.splitlines()
    fenced = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line):
            fenced = not fenced
        if fenced or not line.lstrip().startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        block: list[str] = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i].removeprefix(indent))
            i += 1
        if out and out[-1].strip():
            out.append("")
        out += [f"{indent}```pycon", *(f"{indent}{b}" for b in block), f"{indent}```"]
    return "\n".join(out)


def rewrite(obj: griffe.Object, text: str) -> str:
    """The docstring ``text`` of ``obj`` with its roles as cross-references and its doctests fenced."""
    return ROLE.sub(lambda match: role_to_ref(obj, match), fence_doctests(text))


def _walk(obj: griffe.Object, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if obj.docstring is not None:
        obj.docstring.value = rewrite(obj, obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            assert isinstance(member, griffe.Object)
            _walk(member, seen)


class SphinxRoles(griffe.Extension):
    """Rewrite every docstring of a loaded package once it is loaded and its aliases can be resolved."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Rewrite the docstrings of ``pkg`` and everything in it."""
        _walk(pkg, set())
