"""Reading a table from plain data or TOML; only ``_table`` depends on this.

There is no second, "spec" shape of a table: the one cattrs converter structures
:class:`~fengqiao.policies.tables.DecisionTable`, its rules and their conditions directly,
so a field added to a condition is a key the TOML accepts, and every error names its place.
For each schema it is the one converter with two hooks more (:func:`_converter`): a rule's
``when`` becomes the schema's condition, and the table's ``schema`` (a name in the data)
becomes the schema itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import cattrs

from fengqiao.domain._quote import quote
from fengqiao.errors import PolicyDefinitionError
from fengqiao.policies.tables._schema import BaseCondition, Schema
from fengqiao.serde import converter, error_location

if TYPE_CHECKING:
    from fengqiao.policies.tables._table import DecisionTable

__all__ = ["from_mapping", "from_toml"]

T = TypeVar("T", bound="DecisionTable")


@cache
def _converter(schema: Schema) -> cattrs.Converter:
    """The one converter, reading a rule's ``when`` as ``schema``'s condition and the table's ``schema`` by name."""
    conv = converter.copy()

    def condition(value: Any, _cl: Any) -> BaseCondition:
        return conv.structure(value, schema.condition)

    def named(_value: Any, _cl: Any) -> Schema:
        return schema  # the name was checked first (see from_mapping)

    # By identity: a hook registered for the class would serve its subclasses too (the schema's own).
    conv.register_structure_hook_func(lambda t: t is BaseCondition, condition)
    conv.register_structure_hook_func(lambda t: t is Schema, named)
    return conv


def from_mapping(cls: type[T], data: Mapping[str, Any], *, source: str, schema: Schema) -> T:
    """``data`` structured as a ``cls`` of ``schema``; see :meth:`DecisionTable.from_mapping`."""
    named = data.get("schema", schema.name)
    if named != schema.name:
        raise PolicyDefinitionError(
            f"{source}: schema: the table is for the {quote(named)} schema, read as {quote(schema.name)}"
        )
    try:
        return _converter(schema).structure({"schema": schema.name, **data}, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        refused = _refused_when_built(exc)
        if refused is not None:
            raise refused from None
        message, path = error_location(exc)
        raise PolicyDefinitionError(f"{source}: {path or 'table'}: {message}") from exc


def from_toml(cls: type[T], source: str | Path, *, schema: Schema) -> T:
    """The table in a TOML file or text; see :meth:`DecisionTable.from_toml`."""
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and source.endswith(".toml")):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyDefinitionError(f"cannot read decision table {path}: {exc}") from exc
        name = str(path)
    else:
        text, name = str(source), "TOML text"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyDefinitionError(f"{name}: invalid TOML: {exc}") from exc
    return from_mapping(cls, data, source=name, schema=schema)


def _refused_when_built(exc: BaseException) -> PolicyDefinitionError | None:
    """The verifier's own refusal, if that is all cattrs wrapped: it is raised as it is."""
    inner = exc.exceptions if isinstance(exc, cattrs.ClassValidationError) else ()
    if len(inner) == 1 and isinstance(inner[0], PolicyDefinitionError):
        return inner[0]
    return None
