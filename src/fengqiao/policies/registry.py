"""Policies by name: the built-in ones, and third-party ones from an entry-point group.

The group is ``fengqiao.policies``.

A third-party package declares, in its ``pyproject.toml``::

    [project.entry-points."fengqiao.policies"]
    jiangxian-daily = "mypkg.policies:JiangxianDaily"

where the object is a policy class (called with no arguments), a factory, or an instance.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from fengqiao.domain._calls import suggestion
from fengqiao.domain._quote import quote
from fengqiao.errors import PolicyDefinitionError, ValidationError
from fengqiao.policies.base import Policy
from fengqiao.policies.households import HouseholdPolicy

__all__ = ["ENTRY_POINT_GROUP", "get", "get_household", "household_names", "names", "register", "register_household"]

ENTRY_POINT_GROUP = "fengqiao.policies"
"""The entry-point group third-party packages register their policies in (a name → a factory)."""

Factory = Callable[[], Policy]
_factories: dict[str, Factory] = {}
_entry_points_loaded = False


def register(name: str, factory: Factory, *, replace: bool = False) -> None:
    """Make ``factory`` available as ``get(name)``.

    Raises:
        PolicyDefinitionError: ``name`` is taken and ``replace`` is false.
    """
    if name in _factories and not replace:
        raise PolicyDefinitionError(f"a policy named {quote(name)} is already registered")
    _factories[name] = factory


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in _factories:
            continue

        def factory(ep: object = ep) -> Policy:
            loaded = ep.load()  # type: ignore[attr-defined]
            # A policy class passes ``isinstance(cls, Policy)`` (it has every attribute), so
            # classes are told apart first: a class or a factory is called, an instance is kept.
            is_factory = isinstance(loaded, type) or (callable(loaded) and not isinstance(loaded, Policy))
            obj = loaded() if is_factory else loaded
            if not isinstance(obj, Policy):
                raise PolicyDefinitionError(
                    f"entry point {quote(ep.name)} ({ep.value}) is not a fengqiao policy"  # type: ignore[attr-defined]
                )
            return obj

        _factories[ep.name] = factory


_household_factories: dict[str, Callable[[], HouseholdPolicy]] = {}


def register_household(name: str, factory: Callable[[], HouseholdPolicy], *, replace: bool = False) -> None:
    """Make ``factory`` available as ``get_household(name)``: a policy for households, not disputes.

    Raises:
        PolicyDefinitionError: ``name`` is taken (by a household or a dispute policy) and ``replace`` is false.
    """
    if (name in _household_factories or name in _factories) and not replace:
        raise PolicyDefinitionError(f"a policy named {quote(name)} is already registered")
    _household_factories[name] = factory


def household_names() -> tuple[str, ...]:
    """The names of every available household policy, sorted."""
    return tuple(sorted(_household_factories))


def get_household(name: str) -> HouseholdPolicy:
    """A new instance of the household policy called ``name``.

    Raises:
        ValidationError: no household policy has that name (the message lists the known ones).
    """
    try:
        factory = _household_factories[name]
    except (KeyError, TypeError):
        _load_entry_points()
        dispute = isinstance(name, str) and name in _factories
        also = f" ({quote(name)} is a dispute policy: use Workflow)" if dispute else ""
        hint = suggestion(name, household_names()) if isinstance(name, str) and not also else ""
        raise ValidationError(
            f"unknown household policy {quote(name)}{hint}{also}; known household policies: "
            f"{', '.join(household_names())}",
            "policy",
        ) from None
    return factory()


def names() -> tuple[str, ...]:
    """The names of every available policy, sorted."""
    _load_entry_points()
    return tuple(sorted(_factories))


def get(name: str) -> Policy:
    """A new instance of the policy called ``name``.

    Raises:
        ValidationError: no policy has that name (the message lists the known ones).
    """
    _load_entry_points()
    try:
        factory = _factories[name]
    except (KeyError, TypeError):
        household = isinstance(name, str) and name in _household_factories
        also = f" ({quote(name)} is a household policy: use HouseholdWorkflow)" if household else ""
        hint = suggestion(name, names()) if isinstance(name, str) and not also else ""
        raise ValidationError(
            f"unknown policy {quote(name)}{hint}{also}; known policies: {', '.join(names())}", "policy"
        ) from None
    return factory()
