"""Reading a region's TOML data: the shipped files, parsed, with keys the region does not know refused."""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from importlib import resources
from typing import Any

from fengqiao.errors import PolicyDefinitionError

__all__ = ["load_toml", "shipped"]


def load_toml(text: str, *, source: str, keys: Collection[str]) -> dict[str, Any]:
    """The tables of ``text``, whose top-level keys must be among ``keys``.

    Raises:
        PolicyDefinitionError: invalid TOML, or an unknown key; the message starts with ``source``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyDefinitionError(f"{source}: invalid TOML: {exc}") from None
    unknown = set(data) - set(keys)
    if unknown:
        raise PolicyDefinitionError(f"{source}: unknown key(s): {', '.join(sorted(unknown))}")
    return data


def shipped(path: str) -> str:
    """The text of a data file shipped in ``fengqiao.policies`` (``"data/yongji_54333.toml"``)."""
    return resources.files("fengqiao.policies").joinpath(path).read_text(encoding="utf-8")
