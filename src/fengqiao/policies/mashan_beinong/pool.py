"""The "贝侬" mediator pool and the court officers' villages: who may mediate which dispute.

Mashan's court keeps a pool of 贝侬 mediators (173 in the report) of three kinds, and routes
each dispute to the right kind (本村屯纠纷本村屯"贝侬"调，家族纠纷家族"贝侬"解，复杂纠纷由专业
"贝侬"调解):

- a **professional dispute** — forest and land (山林土地), or one involving a special group
  (涉特殊群体) — is mediated by a professional 贝侬;
- a **clan dispute** — a family matter between members of one clan (家族纠纷) — by a 贝侬 of
  that clan;
- any other dispute is a **village dispute**, mediated by a 贝侬 of its village: the village
  whose dispute station took it in, which the dispute's ``station`` names.

A professional 贝侬 may also take a clan or village dispute graded complex or potentially
major (复杂纠纷由专业"贝侬"调解). Each court officer is linked to one to four villages
(每人都联系1个至4个村); an assignment outside them is refused. Pure data and pure functions:
the policy asks, the pool answers with refusal reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any

import attrs

from fengqiao.domain._quote import quote
from fengqiao.domain.party import Party
from fengqiao.domain.terms import Category, PartyKind, RiskFactor
from fengqiao.domain.vocabulary import Vocabulary
from fengqiao.errors import PolicyDefinitionError
from fengqiao.policies._toml import load_toml, shipped

__all__ = [
    "CLAN_CATEGORIES",
    "COMPOUND_SURNAMES",
    "PROFESSIONAL_CATEGORIES",
    "SPECIAL_GROUP_FACTORS",
    "BeinongKind",
    "CourtOfficer",
    "Mediator",
    "MediatorPool",
    "clan_of",
    "default_pool",
]


class BeinongKind(Vocabulary):
    """The three kinds of 贝侬 mediator, and of dispute they take."""

    VILLAGE = "village", "本村屯“贝侬”", "the village's Beinong"
    CLAN = "clan", "家族“贝侬”", "the clan's Beinong"
    PROFESSIONAL = "professional", "专业“贝侬”", "professional Beinong"


PROFESSIONAL_CATEGORIES = frozenset({Category.FOREST_LAND, Category.LAND_CONTRACT})
"""Forest and land disputes (山林土地): professional 贝侬 mediate them."""
SPECIAL_GROUP_FACTORS = frozenset({RiskFactor.MENTAL_ILLNESS, RiskFactor.DRUGS, RiskFactor.PRIOR_RECORD})
"""Risk factors that make a dispute one involving a special group (特殊人群: people with mental
illness, drug users, people with a prior record — the political-legal reading of 特殊群体)."""
CLAN_CATEGORIES = frozenset({Category.MARRIAGE_FAMILY, Category.ELDER_SUPPORT})
"""Family matters: between two or more members of one clan they are clan disputes (家族纠纷)."""
COMPOUND_SURNAMES = frozenset({"欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "尉迟", "长孙", "慕容"})
"""Two-character surnames :func:`clan_of` reads whole."""


def clan_of(party: Party) -> str:
    """A person's clan, read as the surname (``韦某甲`` → ``韦``); ``""`` for an organisation."""
    if party.kind is not PartyKind.PERSON:
        return ""
    name = party.name.strip()
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def _text(what: str) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or value != value.strip() or any(not c.isprintable() for c in value):
            raise PolicyDefinitionError(f"{what}: {attribute.name} must be one line of text, got {quote(value)}")

    return check


def _kind(value: object) -> BeinongKind:
    if isinstance(value, BeinongKind):
        return value
    if isinstance(value, str) and value in BeinongKind._value2member_map_:
        return BeinongKind(value)
    raise PolicyDefinitionError(f"贝侬 kind must be one of village, clan, professional, not {quote(value)}")


@attrs.frozen
class Mediator:
    """One 贝侬 in the pool: a name, a kind, and the village or clan it serves."""

    name: str = attrs.field(validator=_text("mediator"))
    kind: BeinongKind = attrs.field(converter=_kind)
    village: str = attrs.field(default="", validator=_text("mediator"))
    """A village 贝侬's village (the name disputes give as ``station``)."""
    clan: str = attrs.field(default="", validator=_text("mediator"))
    """A clan 贝侬's clan (a surname)."""

    def __attrs_post_init__(self) -> None:
        if not self.name:
            raise PolicyDefinitionError("a mediator needs a name")
        if self.kind is BeinongKind.VILLAGE and not self.village:
            raise PolicyDefinitionError(f"village 贝侬 {quote(self.name)} needs a village")
        if self.kind is BeinongKind.CLAN and not self.clan:
            raise PolicyDefinitionError(f"clan 贝侬 {quote(self.name)} needs a clan")


def _villages(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PolicyDefinitionError(f"a court officer's villages must be a list of names, not {quote(value)}")
    return frozenset(value)


@attrs.frozen
class CourtOfficer:
    """A court officer (法院干警) and the one to four villages linked to them (联系村)."""

    name: str = attrs.field(validator=_text("court officer"))
    villages: frozenset[str] = attrs.field(converter=_villages)

    def __attrs_post_init__(self) -> None:
        if not self.name:
            raise PolicyDefinitionError("a court officer needs a name")
        if not 1 <= len(self.villages) <= 4:
            raise PolicyDefinitionError(
                f"court officer {quote(self.name)} is linked to {len(self.villages)} villages; "
                "each officer is linked to one to four (每人联系1至4个村)"
            )
        for village in self.villages:
            if not isinstance(village, str) or not village.strip():
                raise PolicyDefinitionError(f"court officer {quote(self.name)}: a village must be a name")


def _mediators(value: Iterable[Mediator]) -> tuple[Mediator, ...]:
    return tuple(value)


def _officers(value: Iterable[CourtOfficer]) -> tuple[CourtOfficer, ...]:
    return tuple(value)


@attrs.frozen
class MediatorPool:
    """The 贝侬 mediators and the court officers, each known by a unique name."""

    mediators: tuple[Mediator, ...] = attrs.field(converter=_mediators)
    court_officers: tuple[CourtOfficer, ...] = attrs.field(default=(), converter=_officers)
    _by_name: Mapping[str, Mediator] = attrs.field(init=False, repr=False, eq=False)
    _officer: Mapping[str, CourtOfficer] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_name: dict[str, Mediator] = {}
        for m in self.mediators:
            if not isinstance(m, Mediator):
                raise PolicyDefinitionError(f"expected a Mediator, got {type(m).__name__}")
            if by_name.setdefault(m.name, m) is not m:
                raise PolicyDefinitionError(f"mediator {quote(m.name)} is in the pool twice")
        officers: dict[str, CourtOfficer] = {}
        for o in self.court_officers:
            if not isinstance(o, CourtOfficer):
                raise PolicyDefinitionError(f"expected a CourtOfficer, got {type(o).__name__}")
            if officers.setdefault(o.name, o) is not o:
                raise PolicyDefinitionError(f"court officer {quote(o.name)} is listed twice")
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_officer", officers)

    def __len__(self) -> int:
        return len(self.mediators)

    def mediator(self, name: str) -> Mediator | None:
        """The pool's 贝侬 called ``name``, if any."""
        return self._by_name.get(name)

    def officer(self, name: str) -> CourtOfficer | None:
        """The court officer called ``name``, if any."""
        return self._officer.get(name)

    def count(self, kind: BeinongKind) -> int:
        """How many 贝侬 of ``kind`` the pool holds."""
        return sum(m.kind is kind for m in self.mediators)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "TOML text") -> MediatorPool:
        """Read a pool: ``beinong`` groups (``kind``, ``village``/``clan``, ``count``/``name``) and ``court_officers``.

        Raises:
            PolicyDefinitionError: invalid TOML or data, with the place (``beinong[3]``).
        """
        data = load_toml(text, source=source, keys=("beinong", "court_officers"))
        mediators = [m for i, g in enumerate(data.get("beinong", [])) for m in _group(g, f"{source}: beinong[{i}]")]
        officers = []
        for i, row in enumerate(data.get("court_officers", [])):
            try:
                officers.append(CourtOfficer(name=row["name"], villages=row["villages"]))
            except (KeyError, TypeError) as exc:
                raise PolicyDefinitionError(f"{source}: court_officers[{i}]: needs a name and villages") from exc
            except PolicyDefinitionError as exc:
                raise PolicyDefinitionError(f"{source}: court_officers[{i}]: {exc}") from None
        return cls(mediators, officers)


_GENERATED = {
    BeinongKind.VILLAGE: "{village}贝侬{n}",
    BeinongKind.CLAN: "{clan}氏家族贝侬{n}",
    BeinongKind.PROFESSIONAL: "专业贝侬{n:02d}",
}


def _group(row: object, where: str) -> Iterator[Mediator]:
    if not isinstance(row, dict):
        raise PolicyDefinitionError(f"{where}: expected a table, got {quote(row)}")
    unknown = set(row) - {"kind", "village", "clan", "count", "name"}
    if unknown:
        raise PolicyDefinitionError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    try:
        kind = _kind(row.get("kind"))
        village, clan = row.get("village", ""), row.get("clan", "")
        if "name" in row:
            yield Mediator(row["name"], kind, village, clan)
            return
        count = row.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise PolicyDefinitionError(
                f"count must be a whole number of 1 or more (or give a name), not {quote(count)}"
            )
        for n in range(1, count + 1):
            yield Mediator(_GENERATED[kind].format(village=village, clan=clan, n=n), kind, village, clan)
    except PolicyDefinitionError as exc:
        raise PolicyDefinitionError(f"{where}: {exc}") from None


@cache
def default_pool() -> MediatorPool:
    """The pool shipped with fengqiao (``policies/data/mashan_beinong_pool.toml``): 173 贝侬, 13 officers."""
    path = "data/mashan_beinong_pool.toml"
    text = shipped(path)
    return MediatorPool.from_toml(text, source=path)
