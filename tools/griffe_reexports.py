"""A griffe extension: a name a module imports as ``from m import name as name`` is public in that module.

The redundant alias is how typed Python marks an explicit re-export without ``__all__``: mypy's strict mode
(``implicit_reexport = False``) reads it so, and so does the ``griffe-public-redundant-alias`` extension, which
this one does the work of. A public module re-exports a documented name defined in a private one this way
(``from fengqiao.storage._postgres_appends import NOTIFY_EVERY as NOTIFY_EVERY``): the reference then shows the
name in that module, as when it was defined there, and ``tools/griffe_sphinx_roles.py`` links to it (the
re-exports are resolved once the package is loaded, so each target knows them: list this extension before that
one). Names with a leading underscore stay out of the reference all the same (its filters drop them).
``mkdocs.yml`` loads this file as an extension of the python handler.
"""

from __future__ import annotations

import ast
from contextlib import suppress
from typing import Any

import griffe


class RedundantAliases(griffe.Extension):
    """Mark each ``from m import name as name`` public in the module that imports it."""

    def __init__(self) -> None:
        self.marked: list[griffe.Alias] = []

    def on_alias_instance(self, *, node: ast.AST | griffe.ObjectNode, alias: griffe.Alias, **kwargs: Any) -> None:
        """Mark ``alias`` public when its import statement gives the name itself as the ``as`` name."""
        if isinstance(node, ast.ImportFrom) and any(name.asname == name.name == alias.name for name in node.names):
            alias.public = True
            self.marked.append(alias)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Resolve the re-exports (griffe resolves only those in ``__all__``), so that their targets list them."""
        for alias in self.marked:
            with suppress(griffe.AliasResolutionError, griffe.CyclicAliasError):
                alias.resolve_target()
