"""The city's mediation network as data: the stations' branded rooms and the four levels of centre.

A :class:`Room` is a station's branded mediation room (派出所品牌调解室), known by its name
(``"老李调解室"``), with its bureau, its station and who runs it (retired officers, retired
judges). A :class:`Centre` is a dispute-resolution centre (矛调中心) of one level, named by its
``Department`` (``township_centre``), with the kinds of mediation it links and the days it
has to report a result. :class:`CityNetwork` holds both; the shipped one is
``policies/data/yuncheng_city.toml`` (:func:`default_network`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

import attrs

from fengqiao.domain._quote import quote
from fengqiao.domain.terms import Department, MediationForce, MediationKind
from fengqiao.errors import PolicyDefinitionError
from fengqiao.policies._toml import load_toml, shipped

__all__ = ["ROOM_FORCES", "Centre", "CityNetwork", "Room", "default_network"]

ROOM_FORCES = frozenset({MediationForce.RETIRED_OFFICER, MediationForce.RETIRED_JUDGE})
"""Who runs a branded room: retired officers and retired judges (退休民警、退休法官)."""


def _line(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or value != value.strip() or any(not c.isprintable() for c in value):
        raise PolicyDefinitionError(f"yuncheng-city: {attribute.name} must be one line of text, got {quote(value)}")


def _members(cls: Any, value: object, what: str) -> frozenset[Any]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyDefinitionError(f"yuncheng-city: {what} must be a list, got {quote(value)}")
    try:
        return frozenset(cls.parse(v, what) for v in value)
    except ValueError as exc:
        raise PolicyDefinitionError(f"yuncheng-city: {exc}") from None


def _forces(value: object) -> frozenset[MediationForce]:
    return _members(MediationForce, value, "run_by")


def _kinds(value: object) -> frozenset[MediationKind]:
    return _members(MediationKind, value, "kinds")


@attrs.frozen
class Room:
    """A station's branded mediation room (派出所品牌调解室) and who runs it."""

    name: str = attrs.field(validator=_line)
    bureau: str = attrs.field(default="", validator=_line)
    """The county or district bureau (万荣县公安局)."""
    station: str = attrs.field(default="", validator=_line)
    """The station that houses it (张店派出所); empty where the report names only the bureau."""
    run_by: frozenset[MediationForce] = attrs.field(default=ROOM_FORCES, converter=_forces)
    """Who mediates in it: retired officers, retired judges, or both."""

    def __attrs_post_init__(self) -> None:
        if not self.name:
            raise PolicyDefinitionError("yuncheng-city: a room needs a name")
        if not self.run_by or not self.run_by <= ROOM_FORCES:
            raise PolicyDefinitionError(
                f"yuncheng-city: room {quote(self.name)} must be run by retired officers or retired judges, "
                f"not {', '.join(sorted(self.run_by)) or 'nobody'}"
            )


def _department(value: object) -> Department:
    try:
        department = Department.parse(value, "department")
    except ValueError as exc:
        raise PolicyDefinitionError(f"yuncheng-city: {exc}") from None
    if not department.is_centre:
        raise PolicyDefinitionError(f"yuncheng-city: {department} is a department, not a dispute-resolution centre")
    return department


def _days(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyDefinitionError(
            f"yuncheng-city: {attribute.name} must be a whole number of 1 or more, got {value!r}"
        )


@attrs.frozen
class Centre:
    """A dispute-resolution centre (矛调中心) of one level, the kinds of mediation it links, its days to report."""

    department: Department = attrs.field(converter=_department)
    kinds: frozenset[MediationKind] = attrs.field(default=frozenset(MediationKind), converter=_kinds)
    report_days: int = attrs.field(default=30, validator=_days)

    def __attrs_post_init__(self) -> None:
        if not self.kinds:
            raise PolicyDefinitionError(f"yuncheng-city: {self.department} must link at least one kind of mediation")

    def kinds_label(self, lang: str) -> str:
        """The kinds it links, in declaration order (行政调解、人民调解 …)."""
        chosen = [k for k in MediationKind if k in self.kinds]
        return ("、" if lang == "zh" else ", ").join(k.label("zh" if lang == "zh" else "en") for k in chosen)


def _rooms(value: Iterable[Room]) -> tuple[Room, ...]:
    return tuple(value)


def _centres(value: Iterable[Centre]) -> tuple[Centre, ...]:
    return tuple(value)


@attrs.frozen
class CityNetwork:
    """The branded rooms, each by a unique name, and at most one centre per level."""

    rooms: tuple[Room, ...] = attrs.field(converter=_rooms)
    centres: tuple[Centre, ...] = attrs.field(converter=_centres)
    _room: Mapping[str, Room] = attrs.field(init=False, repr=False, eq=False)
    _centre: Mapping[Department, Centre] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_room", _index(self.rooms, Room, lambda r: r.name))
        object.__setattr__(self, "_centre", _index(self.centres, Centre, lambda c: c.department))

    def room(self, name: str) -> Room | None:
        """The room called ``name``, if any."""
        return self._room.get(name)

    def centre(self, department: Department | None) -> Centre | None:
        """The centre ``department`` names, if the network has one."""
        return None if department is None else self._centre.get(department)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "TOML text") -> CityNetwork:
        """Read ``rooms`` (``name``, ``bureau``, ``station``, ``run_by``) and ``centres``.

        A centre row has ``department``, ``kinds`` and ``report_days``.

        Raises:
            PolicyDefinitionError: invalid TOML or data, with the place (``rooms[2]``).
        """
        data = load_toml(text, source=source, keys=("rooms", "centres"))
        rooms = [_row(Room, row, f"{source}: rooms[{i}]") for i, row in enumerate(data.get("rooms", []))]
        centres = [_row(Centre, row, f"{source}: centres[{i}]") for i, row in enumerate(data.get("centres", []))]
        return cls(rooms, centres)


def _index(items: Iterable[Any], cls: type[Any], key: Callable[[Any], Any]) -> dict[Any, Any]:
    """``items`` by ``key``; each must be a ``cls`` and its key unique."""
    out: dict[Any, Any] = {}
    for item in items:
        if not isinstance(item, cls):
            raise PolicyDefinitionError(f"yuncheng-city: expected a {cls.__name__}, got {type(item).__name__}")
        if out.setdefault(key(item), item) is not item:
            raise PolicyDefinitionError(f"yuncheng-city: {quote(str(key(item)))} is listed twice")
    return out


def _row(cls: Any, row: object, where: str) -> Any:
    if not isinstance(row, dict):
        raise PolicyDefinitionError(f"{where}: expected a table, got {quote(row)}")
    try:
        return cls(**row)
    except (TypeError, PolicyDefinitionError) as exc:
        raise PolicyDefinitionError(f"{where}: {exc}") from None


@cache
def default_network() -> CityNetwork:
    """The network shipped with fengqiao (``policies/data/yuncheng_city.toml``): three rooms, four centres."""
    path = "data/yuncheng_city.toml"
    text = shipped(path)
    return CityNetwork.from_toml(text, source=path)
