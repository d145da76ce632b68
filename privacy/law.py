"""What a site's laws say, put together: the registry's laws and authority as one notice applies them.

Nothing here knows a particular law: areas, rights, safeguards, sensitive data, deadlines and what a
notice must state all come from content/_registry.yaml. When a site names several laws, the first
that says something about a topic speaks for it (a site lists its main law first), and rights add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .codes import Right
from .model import Area, Authority, Deadline, Law, LawRight, NamedRule, Notice, Registry, Requirement, SensitiveData


@dataclass(frozen=True)
class GrantedRight:
    right: Right
    law_id: str
    granted: LawRight


@dataclass(frozen=True)
class Jurisdiction:
    laws: list[Law]
    authority: Authority | None
    deadline: Deadline | None = None
    area: Area | None = None
    rights: dict[Right, GrantedRight] = field(default_factory=dict)
    safeguards: dict[str, NamedRule] = field(default_factory=dict)
    sensitive: SensitiveData | None = None
    conditions: dict[str, NamedRule] = field(default_factory=dict)
    requirements: list[tuple[str, Requirement]] = field(default_factory=list)
    law_ids: tuple[str, ...] = ()

    def deadline_for(self, rights: Iterable[Right] = ()) -> Deadline | None:
        """The answer's deadline for a request about ``rights``: the shortest any of them has, else the law's."""
        own = [self.rights[r].granted.deadline for r in rights if r in self.rights and self.rights[r].granted.deadline]
        candidates = [d for d in (*own, self.deadline) if d is not None]
        return min(candidates, key=lambda d: (d.days or 0) + 30 * (d.months or 0)) if candidates else None

    def explanation(self, right: Right) -> dict[str, str] | None:
        granted = self.rights.get(right)
        return granted.granted.explanation if granted else None

    def short_title_of(self, law_id: str) -> object:
        law = self.laws[self.law_ids.index(law_id)]
        return law.short or law.title


def jurisdiction(notice: Notice, registry: Registry | None) -> Jurisdiction:
    if registry is None:
        return Jurisdiction([], None)
    ids = tuple(i for i in notice.jurisdiction.laws if i in registry.laws)
    laws = [registry.laws[i] for i in ids]
    rights: dict[Right, GrantedRight] = {}
    safeguards: dict[str, NamedRule] = {}
    conditions: dict[str, NamedRule] = {}
    for law_id, law in zip(ids, laws, strict=False):
        for right, granted in law.rights.items():
            rights.setdefault(right, GrantedRight(right, law_id, granted))
        for key, rule in law.transfer_safeguards.items():
            safeguards.setdefault(key, rule)
        if law.sensitive:
            for key, rule in law.sensitive.conditions.items():
                conditions.setdefault(key, rule)
    return Jurisdiction(
        laws=laws,
        authority=registry.authorities.get(notice.jurisdiction.authority or ""),
        deadline=next((law.deadline for law in laws if law.deadline), None),
        area=next((law.area for law in laws if law.area), None),
        rights=rights,
        safeguards=safeguards,
        sensitive=next((law.sensitive for law in laws if law.sensitive), None),
        conditions=conditions,
        requirements=[(law_id, req) for law_id, law in zip(ids, laws, strict=False) for req in law.requires],
        law_ids=ids,
    )
