"""The reference's docstrings parse without a griffe warning, and attrs classes get the ``__init__`` attrs writes.

The docs build (``mkdocs --strict``) fails on a griffe warning only while the python handler reports them: these
tests fail when ``mkdocs.yml`` turns a docstring warning off, when a docstring names a parameter its object does
not take (or gives none a type), and when the griffe extension's ``__init__`` of an attrs class differs from the
one attrs writes.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import griffe
import pytest
from mkdocs.config import load_config
from tools.griffe_attrs_init import AttrsInit

ROOT = Path(__file__).resolve().parents[2]


def python_options() -> dict[str, Any]:
    """The options of mkdocstrings' python handler, as mkdocs reads them from ``mkdocs.yml``."""
    config = load_config(str(ROOT / "mkdocs.yml"))
    options: dict[str, Any] = config.plugins["mkdocstrings"].config["handlers"]["python"]["options"]
    return options


def objects(obj: griffe.Object, seen: set[str] | None = None) -> Iterator[griffe.Object]:
    """``obj`` and everything defined in it (not what it imports)."""
    seen = set() if seen is None else seen
    if obj.path in seen:
        return
    seen.add(obj.path)
    yield obj
    for member in obj.members.values():
        if isinstance(member, griffe.Object):
            yield from objects(member, seen)


def docstring_warnings(package: griffe.Module, caplog: pytest.LogCaptureFixture) -> list[str]:
    """What griffe warns while parsing every docstring in ``package`` as Google style, every warning on."""
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="griffe"):
        for obj in objects(package):
            if obj.docstring is not None:
                obj.docstring.parse("google")
    return [record.getMessage() for record in caplog.records]


def runtime_rows(cls: type) -> list[tuple[str, str, bool, str | None]]:
    """Each parameter of ``cls``'s ``__init__`` at run time: name, kind, whether it has a default, type."""
    return [
        (
            p.name,
            p.kind.name,
            p.default is not p.empty,
            None
            if p.annotation is p.empty
            else p.annotation
            if isinstance(p.annotation, str)
            else inspect.formatannotation(p.annotation),
        )
        for p in inspect.signature(cls).parameters.values()
    ]


def griffe_rows(cls: griffe.Class, runtime: list[tuple[str, str, bool, str | None]]) -> list[tuple[Any, ...]]:
    """The same rows from griffe's view of ``cls``; a type only where attrs gives one (see below)."""
    parameters = [p for p in cls.parameters if p.name != "self"]
    # A converter griffe cannot read (a builtin such as frozenset) gives attrs no type; the docs show the field's.
    typed = {name for name, _kind, _default, annotation in runtime if annotation is not None}
    return [
        (
            p.name,
            p.kind.name.upper(),
            p.default is not None,
            str(p.annotation) if p.name in typed and p.annotation is not None else None,
        )
        for p in parameters
    ]


def differences(package: griffe.Module) -> tuple[int, list[str]]:
    """How many attrs classes ``package`` has, and each whose griffe ``__init__`` is not attrs'."""
    compared, found = 0, []
    for obj in objects(package):
        if not isinstance(obj, griffe.Class):
            continue
        runtime: Any = importlib.import_module(obj.module.path)
        for part in obj.path.removeprefix(obj.module.path + ".").split("."):
            runtime = getattr(runtime, part, None)
        if not (isinstance(runtime, type) and attrs.has(runtime)):
            continue
        compared += 1
        expected = runtime_rows(runtime)
        if griffe_rows(obj, expected) != expected:
            found.append(f"{obj.path}: attrs {expected}, griffe {griffe_rows(obj, expected)}")
    return compared, found


@pytest.fixture(scope="module")
def fengqiao_package() -> griffe.Module:
    """fengqiao as the docs build loads it: with the extensions ``mkdocs.yml`` lists."""
    extensions = griffe.load_extensions(*(str(ROOT / path) for path in python_options()["extensions"]))
    loaded = griffe.load("fengqiao", search_paths=[ROOT / "src"], extensions=extensions, resolve_aliases=True)
    assert isinstance(loaded, griffe.Module)
    return loaded


def test_the_docs_build_fails_on_every_warning_and_shows_them() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))
    assert config.strict is True
    levels = {name: logging.getLevelName(level) for name, level in config["validation"]["links"].items()}
    levels |= {name: logging.getLevelName(level) for name, level in config["validation"]["nav"].items()}
    assert set(levels.values()) == {"WARNING"}, levels  # mkdocs leaves some at INFO, which --strict lets pass
    docs_recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ndocs:", 1)[1].split("\n\n", 1)[0]
    assert "mkdocs build --strict" in docs_recipe
    assert not {"-q", "--quiet"} & set(docs_recipe.split()), docs_recipe  # --quiet hides what --strict counts


def test_mkdocs_yml_turns_no_docstring_warning_off() -> None:
    options = python_options()
    warnings = {name: on for name, on in (options.get("docstring_options") or {}).items() if name.startswith("warn")}
    assert all(warnings.values()), warnings
    assert "tools/griffe_attrs_init.py:AttrsInit" in options["extensions"]


def test_every_docstring_parses_without_a_griffe_warning(
    fengqiao_package: griffe.Module, caplog: pytest.LogCaptureFixture
) -> None:
    assert docstring_warnings(fengqiao_package, caplog) == []


def test_every_attrs_class_gets_the_init_attrs_writes(fengqiao_package: griffe.Module) -> None:
    compared, found = differences(fengqiao_package)
    assert compared > 150  # every attrs class of the package, not a few
    assert found == []


CASES = '''
"""attrs classes of every shape the extension reads."""
from __future__ import annotations

from typing import ClassVar

import attr
import attrs


def _upper(value: str | bytes) -> str:
    return str(value).upper()


def _tags_field() -> tuple[str, ...]:
    return attrs.field(default=(), converter=tuple)


@attr.s
class Classic:
    """Only ``attr.ib()`` makes a field; the first positional argument is the default."""

    label = "not a field"
    counter: ClassVar[int] = 0
    first = attr.ib()
    second: int = attr.ib(3)
    third = attr.ib(type=float, default=1.0, kw_only=True)


@attrs.define
class Modern:
    """Annotations make fields; private names lose their underscore; aliases rename."""

    kind: ClassVar[str] = "modern"
    name: str
    _secret: int = 0
    renamed: str = attrs.field(default="x", alias="other")
    hidden: int = attrs.field(init=False, default=0)
    made: list[int] = attrs.field(factory=list)
    shout: str = attrs.field(default="a", converter=_upper)
    tags: tuple[str, ...] = _tags_field()


@attrs.frozen(kw_only=True)
class Base:
    """Keyword-only fields; a field may opt out."""

    size: int = 1
    colour: str = attrs.field(kw_only=False)
    weight: int = 0


@attrs.frozen
class Child(Base):
    """The bases' fields first (keyword-only as the base made them); one redefined takes its place."""

    extra: str
    size: int = 2


class Plain(Child):
    """Not decorated: attrs' __init__ of Child."""


@attr.s(kw_only=True)
class Forced(Modern):
    """attr.s's kw_only forces every field, inherited ones too."""

    more = attr.ib(default=0)


@attrs.define
class OwnInit:
    """A class with its own __init__ keeps it."""

    value: int

    def __init__(self, text: str) -> None:
        self.value = int(text)


@attrs.define(init=False)
class NoInit:
    """attrs writes no __init__."""

    value: int = 0
'''


def test_the_extension_agrees_with_attrs_on_every_shape_of_class(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "attrs_cases").mkdir()
    (tmp_path / "attrs_cases" / "__init__.py").write_text(CASES, "utf-8")
    spec = importlib.util.spec_from_file_location("attrs_cases", tmp_path / "attrs_cases" / "__init__.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "attrs_cases", module)
    spec.loader.exec_module(module)
    package = griffe.load("attrs_cases", search_paths=[tmp_path], extensions=griffe.load_extensions(AttrsInit))
    assert isinstance(package, griffe.Module)

    assert differences(package) == (8, [])
    # The defaults as the reference shows them, and the type a converter takes.
    modern = {p.name: p for p in package["Modern"].parameters}
    assert [str(modern[name].default) for name in ("secret", "other", "made", "shout", "tags")] == [
        "0",
        "'x'",
        "list()",
        "'a'",
        "()",
    ]
    assert str(modern["shout"].annotation) == "str | bytes"


def test_a_docstring_naming_no_parameter_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "bad_args").mkdir()
    (tmp_path / "bad_args" / "__init__.py").write_text(
        'import attrs\n\n\n@attrs.frozen\nclass Case:\n    """A case.\n\n    Args:\n'
        '        name: its name.\n        nmae: a misspelt name.\n    """\n\n    name: str\n',
        "utf-8",
    )
    package = griffe.load("bad_args", search_paths=[tmp_path], extensions=griffe.load_extensions(AttrsInit))
    assert isinstance(package, griffe.Module)
    warnings = docstring_warnings(package, caplog)
    assert len(warnings) == 2
    assert "No type or annotation for parameter 'nmae'" in warnings[0]
    assert "Parameter 'nmae' does not appear in the function signature" in warnings[1]
