"""A griffe extension that gives attrs classes the ``__init__`` attrs writes for them.

griffe reads the source and never runs it, so it does not see the ``__init__`` that ``@attrs.frozen``,
``@attrs.define``, ``@attrs.mutable`` or ``@attr.s`` generate when the class is created. Without it a class's
"Args:" entries match no parameter (griffe warns that each is unknown and has no type) and the reference shows no
signature. This extension builds that ``__init__`` from the fields, the way attrs does:

- the fields are the annotated class attributes (not ``ClassVar``), or, for ``@attr.s`` and for a ``define`` with an
  unannotated ``attrs.field()``, only the ``attrs.field()``/``attr.ib()`` ones;
- a subclass takes its attrs bases' fields first (a field it redefines takes the place of the base's), then its own;
- a field with ``init=False`` is left out; ``alias=`` renames the parameter, and a private ``_name`` is ``name``;
- ``kw_only`` (the class's or the field's) makes the parameter keyword-only, after the others;
- the default is the field's (``factory=f`` and ``attrs.Factory(f)`` shown as ``f()``);
- a field with a converter takes the type of the converter's first parameter, as attrs annotates it, when the
  converter is a function griffe knows (else the field's own type, which the converter always accepts).

A class that writes its own ``__init__`` keeps it (``define``'s ``auto_detect``), and a class attrs gives no
``__init__`` (``init=False``) gets none. Classes whose fields attrs cannot know from the source (``these=`` or a
``field_transformer``) are left alone: their "Args:" then warn, as before. ``mkdocs.yml`` loads this file as an
extension of the python handler.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

import griffe

#: The class decorators that make an attrs class, by canonical path, and whether each is the classic ``attr.s``.
DECORATORS: dict[str, bool] = {
    "attrs.define": False,
    "attrs.frozen": False,
    "attrs.mutable": False,
    "attr.define": False,
    "attr.frozen": False,
    "attr.mutable": False,
    "attr.s": True,
    "attr.attrs": True,
    "attr.attributes": True,
    "attr.dataclass": True,
}
#: ``x: int = attrs.field(...)``: the calls that declare a field.
FIELD_CALLS = frozenset({"attrs.field", "attr.field", "attr.ib", "attr.attr", "attr.attrib"})
FACTORIES = frozenset({"attrs.Factory", "attr.Factory"})
CONVERTERS = frozenset({"attrs.Converter", "attr.Converter"})


@dataclass(frozen=True)
class Options:
    """What an attrs class decorator says about the ``__init__`` (its arguments, else attrs' defaults)."""

    auto_attribs: bool | None
    kw_only: bool
    force_kw_only: bool
    init: bool
    auto_detect: bool
    static: bool
    """False when ``these=`` or a ``field_transformer`` decide the fields: they cannot be read from the source."""


@dataclass(frozen=True)
class Field:
    """One attrs field as ``__init__`` takes it."""

    name: str
    parameter: griffe.Parameter
    init: bool
    kw_only: bool | None
    """The field's own ``kw_only=``; None: the class decides."""


def arguments(call: griffe.ExprCall) -> tuple[list[str | griffe.Expr], dict[str, str | griffe.Expr]]:
    """The positional and the keyword arguments of ``call``, as the source writes them."""
    positional: list[str | griffe.Expr] = []
    keywords: dict[str, str | griffe.Expr] = {}
    for argument in call.arguments:
        if isinstance(argument, griffe.ExprKeyword):
            keywords[argument.name] = argument.value
        else:
            positional.append(argument)
    return positional, keywords


def is_true(value: str | griffe.Expr | None) -> bool | None:
    """``True``/``False`` for a literal boolean argument, None for anything else (or no argument)."""
    return {"True": True, "False": False}.get(str(value)) if value is not None else None


def decorator_options(cls: griffe.Class) -> Options | None:
    """The options of ``cls``'s attrs decorator, or None when ``cls`` is not decorated by attrs."""
    for decorator in cls.decorators:
        value = decorator.value
        if not isinstance(value, griffe.Expr) or value.canonical_path not in DECORATORS:
            continue
        classic = DECORATORS[value.canonical_path]
        keywords = arguments(value)[1] if isinstance(value, griffe.ExprCall) else {}
        auto_attribs = is_true(keywords.get("auto_attribs"))
        if value.canonical_path == "attr.dataclass":
            auto_attribs = True
        elif auto_attribs is None and classic:
            auto_attribs = False
        force = is_true(keywords.get("force_kw_only"))
        detect = is_true(keywords.get("auto_detect"))
        return Options(
            auto_attribs=auto_attribs,
            kw_only=bool(is_true(keywords.get("kw_only"))),
            force_kw_only=classic if force is None else force,
            init=is_true(keywords.get("init")) is not False,
            auto_detect=(not classic) if detect is None else detect,
            static=not {"these", "field_transformer"} & keywords.keys(),
        )
    return None


def field_call(cls: griffe.Class, value: str | griffe.Expr | None) -> griffe.ExprCall | None:
    """The ``attrs.field(...)`` call that ``value`` is, or that the helper function it calls returns, if any."""
    if not isinstance(value, griffe.ExprCall):
        return None
    if value.canonical_path in FIELD_CALLS:
        return value
    helper = function_named(cls, value.function)
    if value.arguments or helper is None:
        return None
    returned = helper.extra.get("attrs_init", {}).get("returns")
    return returned if isinstance(returned, griffe.ExprCall) else None


def function_named(cls: griffe.Class, name: str | griffe.Expr) -> griffe.Function | None:
    """The function ``name`` names in the module of ``cls``, if griffe loaded it."""
    if not isinstance(name, griffe.ExprName | griffe.ExprAttribute):
        return None
    try:
        found = cls.modules_collection.get_member(name.canonical_path)
        found = found.final_target if isinstance(found, griffe.Alias) else found
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    return found if isinstance(found, griffe.Function) else None


def factory_call(factory: str | griffe.Expr) -> str | griffe.Expr:
    """What a default ``factory`` makes, as shown: ``f()``, or the body of a ``lambda``."""
    if isinstance(factory, griffe.ExprLambda) and not factory.parameters:
        return factory.body
    return griffe.ExprCall(function=factory, arguments=[]) if isinstance(factory, griffe.Expr) else factory


def shown_default(value: str | griffe.Expr) -> str | griffe.Expr:
    """The default as the signature shows it: ``attrs.Factory(f)`` as ``f()``; anything else as written."""
    if isinstance(value, griffe.ExprCall) and value.canonical_path in FACTORIES:
        positional, keywords = arguments(value)
        factory = positional[0] if positional else keywords.get("factory")
        if factory is not None and not is_true(keywords.get("takes_self")):
            return factory_call(factory)
    return value


def converter_type(cls: griffe.Class, converter: str | griffe.Expr) -> str | griffe.Expr | None:
    """The type of the first parameter of ``converter`` (what attrs' ``__init__`` takes), if griffe knows it."""
    if isinstance(converter, griffe.ExprCall) and converter.canonical_path in CONVERTERS:
        positional, keywords = arguments(converter)
        found = positional[0] if positional else keywords.get("converter")
        if found is None or is_true(keywords.get("takes_self")) or is_true(keywords.get("takes_field")):
            return None
        converter = found
    function = function_named(cls, converter)
    if function is None or not function.parameters:
        return None
    annotation: str | griffe.Expr | None = next(iter(function.parameters)).annotation
    return annotation


def own_fields(cls: griffe.Class, options: Options) -> list[Field]:
    """The fields ``cls`` declares itself, in the order attrs takes them."""
    attributes = [
        member
        for member in cls.members.values()
        if isinstance(member, griffe.Attribute) and "property" not in member.labels
    ]
    declared = [attribute for attribute in attributes if field_call(cls, attribute.value) is not None]
    auto_attribs = options.auto_attribs
    if auto_attribs is None:  # define: annotations decide, unless an attrs.field() has none
        auto_attribs = all(attribute.annotation is not None for attribute in declared)
    if auto_attribs:  # every annotated attribute but a ClassVar (griffe: a class attribute only)
        chosen = [a for a in attributes if a.annotation is not None and "instance-attribute" in a.labels]
    else:
        chosen = declared
    fields = []
    for attribute in chosen:
        call = field_call(cls, attribute.value)
        positional, keywords = arguments(call) if call is not None else ([], {})
        default: str | griffe.Expr | None
        if call is None:
            default = attribute.value
        elif "default" in keywords or positional:  # attr.ib's first positional argument is the default
            default = shown_default(keywords["default"] if "default" in keywords else positional[0])
        elif "factory" in keywords:
            default = factory_call(keywords["factory"])
        else:
            default = None
        annotation = attribute.annotation if attribute.annotation is not None else keywords.get("type")
        if "converter" in keywords:
            annotation = converter_type(cls, keywords["converter"]) or annotation
        alias = keywords.get("alias")
        fields.append(
            Field(
                name=attribute.name,
                parameter=griffe.Parameter(
                    ast.literal_eval(str(alias)) if alias is not None else attribute.name.lstrip("_"),
                    annotation=annotation,
                    default=default,
                    docstring=attribute.docstring,
                ),
                init=is_true(keywords.get("init")) is not False,
                kw_only=is_true(keywords.get("kw_only")),
            )
        )
    return fields


def keyword_only(field: Field, options: Options) -> Field:
    """``field`` as ``options`` (of the class that declares it) make it: keyword-only or not."""
    kw_only = True if options.force_kw_only and options.kw_only else field.kw_only
    if kw_only is None:
        kw_only = options.kw_only
    return Field(field.name, field.parameter, field.init, kw_only)


def init_parameters(cls: griffe.Class, options: Options) -> list[griffe.Parameter] | None:
    """The parameters of the ``__init__`` attrs writes for ``cls``; None when the source does not say them."""
    own = [keyword_only(field, options) for field in own_fields(cls, options)]
    taken = {field.name for field in own}
    inherited: list[Field] = []
    try:
        bases = cls.mro()
    except ValueError:
        bases = []
    for base in reversed(bases):  # attrs: the bases' own fields, the furthest base first
        base_options = decorator_options(base)
        if base_options is None:
            continue
        if not base_options.static:
            return None
        for field in own_fields(base, base_options):
            if field.name not in taken:
                inherited = [kept for kept in inherited if kept.name != field.name]
                inherited.append(keyword_only(field, base_options))
    fields = inherited + own
    if options.force_kw_only and options.kw_only:
        fields = [Field(field.name, field.parameter, field.init, True) for field in fields]
    parameters = []
    for field in fields:
        if field.init:
            field.parameter.kind = (
                griffe.ParameterKind.keyword_only if field.kw_only else griffe.ParameterKind.positional_or_keyword
            )
            parameters.append(field.parameter)
    return sorted(parameters, key=lambda parameter: parameter.kind is griffe.ParameterKind.keyword_only)


def add_init(cls: griffe.Class) -> None:
    """Give ``cls`` the ``__init__`` attrs writes for it, if attrs writes one and the class does not."""
    options = decorator_options(cls)
    if options is None or not options.static or not options.init:
        return
    if "__init__" in cls.members and options.auto_detect:
        return
    parameters = init_parameters(cls, options)
    if parameters is None:
        return
    self = griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)
    init = griffe.Function(
        "__init__",
        lineno=cls.lineno,
        endlineno=cls.lineno,
        parent=cls,
        parameters=griffe.Parameters(self, *parameters),
        returns="None",
    )
    cls.set_member("__init__", init)


def _walk(obj: griffe.Module | griffe.Class, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if isinstance(obj, griffe.Class):
        add_init(obj)
    for member in obj.members.values():
        if isinstance(member, griffe.Module | griffe.Class):
            _walk(member, seen)


class AttrsInit(griffe.Extension):
    """Give every attrs class of a loaded package the ``__init__`` attrs generates."""

    def on_function_instance(self, *, node: ast.AST | griffe.ObjectNode, func: griffe.Function, **kwargs: Any) -> None:
        """Remember the field a helper function without parameters returns (``x: T = _x_field()``)."""
        scope = func.parent
        if not isinstance(node, ast.FunctionDef) or func.parameters or not node.body or scope is None:
            return
        last = node.body[-1]
        if isinstance(last, ast.Return) and last.value is not None:
            returned = griffe.safe_get_expression(last.value, parent=scope)
            if isinstance(returned, griffe.ExprCall) and returned.canonical_path in FIELD_CALLS:
                func.extra["attrs_init"]["returns"] = returned

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Add the ``__init__`` of every attrs class in ``pkg``, once the package and its bases are loaded."""
        _walk(pkg, set())
