"""What changed between two versions of a notice, from its data rather than its text, in the reader's words.

Each change is significant or editorial. Significant is what people must be told before it applies, and for
cookies what needs a new consent: a new purpose, new data in a processing, another legal basis, a new kind of
recipient, a new transfer, a longer retention, a new optional cookie or category, or a longer lifetime for one.
Everything else (wording, contacts, what was removed or shortened) is editorial.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .codes import N_

Section = Literal["purposes", "data", "recipients", "transfers", "retention", "cookies", "rights", "contacts"]
Kind = Literal["added", "removed", "changed"]
# The sections in the order a reader meets them in the notice, with their headings.
SECTIONS: dict[str, str] = {
    "purposes": N_("Purposes"),
    "data": N_("Data"),
    "recipients": N_("Recipients"),
    "transfers": N_("Transfers"),
    "retention": N_("Retention"),
    "cookies": N_("Cookies"),
    "rights": N_("Your rights"),
    "contacts": N_("Contacts"),
}
KINDS: dict[str, str] = {"added": N_("added"), "removed": N_("removed"), "changed": N_("changed")}
_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30.44, "year": 365.25}


@dataclass(frozen=True)
class Change:
    section: str
    kind: Kind
    subject: Any  # a text per language, a code or a plain string: what changed, as the notice names it
    significant: bool
    before: Any = None
    after: Any = None

    @property
    def cookies(self) -> bool:
        return self.section == "cookies"


@dataclass
class Changes:
    changes: list[Change] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        return any(c.significant for c in self.changes)

    @property
    def significant_for_cookies(self) -> bool:
        """What asks people for their consent again: the widget's revision moves on these only."""
        return any(c.significant and c.cookies for c in self.changes)

    def add(
        self, section: str, kind: Kind, subject: Any, significant: bool, before: Any = None, after: Any = None
    ) -> None:
        self.changes.append(Change(section, kind, subject, significant, before, after))


def days(duration: Any) -> float | None:
    """A canonical duration (“13 months”) in days, to tell a longer retention from a shorter one."""
    if not isinstance(duration, str) or duration == "session":
        return 0.0 if duration == "session" else None
    amount, unit = duration.split()
    return int(amount) * _DAYS[unit.rstrip("s")]


def _by_id(items: Any, key: str = "id") -> dict[str, Any]:
    return {str(item[key]): item for item in items or [] if isinstance(item, dict) and key in item}


def _purposes(old: dict[str, Any], new: dict[str, Any], out: Changes) -> None:
    before, after = _by_id(old.get("processing")), _by_id(new.get("processing"))
    names = {d: c.get("name") for d, c in _by_id(new.get("data_categories")).items()}
    names |= {d: c.get("name") for d, c in _by_id(old.get("data_categories")).items() if d not in names}
    for key, activity in after.items():
        purpose = activity.get("purpose")
        if key not in before:
            out.add("purposes", "added", purpose, True)
            continue
        was = before[key]
        if was.get("purpose") != purpose:
            out.add("purposes", "changed", purpose, False, was.get("purpose"), purpose)
        for data in activity.get("data", []):
            if data not in was.get("data", []):
                out.add("data", "added", names.get(data, data), True, None, purpose)
        for data in was.get("data", []):
            if data not in activity.get("data", []):
                out.add("data", "removed", names.get(data, data), False, purpose)
        bases = (activity.get("legal_basis"), [b.get("basis") for b in activity.get("legal_bases", [])])
        old_bases = (was.get("legal_basis"), [b.get("basis") for b in was.get("legal_bases", [])])
        if bases != old_bases:
            out.add("purposes", "changed", purpose, True, old_bases[0], bases[0])
        _retention(purpose, was.get("retention") or {}, activity.get("retention") or {}, out)
    for key, activity in before.items():
        if key not in after:
            out.add("purposes", "removed", activity.get("purpose"), False)


def _retention(purpose: Any, old: dict[str, Any], new: dict[str, Any], out: Changes) -> None:
    if old == new:
        return
    was, now = days(old.get("duration")), days(new.get("duration"))
    longer = was is not None and now is not None and now > was
    # A fixed period that gives way to criteria may keep data longer: said as significant.
    longer = longer or (was is not None and now is None and new.get("criteria") is not None)
    out.add("retention", "changed", purpose, longer, old.get("duration"), new.get("duration"))


def _recipients(old: dict[str, Any], new: dict[str, Any], out: Changes) -> None:
    before, after = _by_id(old.get("recipients")), _by_id(new.get("recipients"))
    old_kinds = {r.get("kind") for r in before.values()}
    for key, recipient in after.items():
        subject = recipient.get("name") or recipient.get("kind")
        if key not in before:
            out.add("recipients", "added", subject, recipient.get("kind") not in old_kinds)
        elif before[key] != recipient:
            new_kind = recipient.get("kind") != before[key].get("kind") and recipient.get("kind") not in old_kinds
            out.add("recipients", "changed", subject, new_kind)
    for key, recipient in before.items():
        if key not in after:
            out.add("recipients", "removed", recipient.get("name") or recipient.get("kind"), False)
    processors_before, processors_after = _by_id(old.get("processors")), _by_id(new.get("processors"))
    for key, processor in processors_after.items():
        if processors_before.get(key) != processor:
            out.add("recipients", "added" if key not in processors_before else "changed", processor.get("name"), False)
    for key, processor in processors_before.items():
        if key not in processors_after:
            out.add("recipients", "removed", processor.get("name"), False)


def _transfers(old: dict[str, Any], new: dict[str, Any], out: Changes) -> None:
    def listed(data: dict[str, Any]) -> list[Any]:
        transfers = data.get("transfers")
        return transfers if isinstance(transfers, list) else []

    def key(t: dict[str, Any]) -> tuple[Any, Any, Any]:
        return t.get("destination"), t.get("recipient"), t.get("safeguard")

    before, after = {key(t): t for t in listed(old)}, {key(t): t for t in listed(new)}
    for k in after.keys() - before.keys():
        out.add("transfers", "added", k[0], True, None, k[2])
    for k in before.keys() - after.keys():
        out.add("transfers", "removed", k[0], False, k[2])
    for k in after.keys() & before.keys():
        if after[k] != before[k]:
            out.add("transfers", "changed", k[0], False)


def _cookie_key(cookie: dict[str, Any]) -> str:
    return str((cookie.get("name") or "", cookie.get("provider"), cookie.get("category")))


def _cookie_items(was: dict[str, Any], now: dict[str, Any], known: set[Any], out: Changes) -> None:
    """Each cookie added, changed or removed; ``known``: the optional categories the old version had."""
    before = {_cookie_key(c): c for c in was.get("items", [])}
    after = {_cookie_key(c): c for c in now.get("items", [])}
    declared = {c.get("id") for c in now.get("categories", [])}
    for k, cookie in after.items():
        optional = cookie.get("category") != "strictly_necessary"
        subject = cookie.get("name") or cookie.get("provider")
        if k in before:
            if before[k] != cookie:
                longer = (days(cookie.get("duration")) or 0) > (days(before[k].get("duration")) or 0)
                duration = (before[k].get("duration"), cookie.get("duration"))
                out.add("cookies", "changed", subject, optional and longer, *duration)
            continue
        if optional and cookie.get("category") not in known | declared:
            out.add("cookies", "added", cookie.get("category"), True)  # a category met for the first time
        out.add("cookies", "added", subject, optional, None, cookie.get("duration"))
    for k, cookie in before.items():
        if k not in after:
            out.add("cookies", "removed", cookie.get("name") or cookie.get("provider"), False)


def _cookies(old: dict[str, Any], new: dict[str, Any], out: Changes) -> None:
    was, now = old.get("cookies") or {}, new.get("cookies") or {}
    known = {c.get("id") for c in was.get("categories", [])} | {c.get("category") for c in was.get("items", [])}
    for declared in now.get("categories", []):
        if declared.get("id") not in known:
            out.add("cookies", "added", declared.get("id"), True)
    known.discard("strictly_necessary")
    _cookie_items(was, now, known, out)
    if was.get("consent_lifetime_months") != now.get("consent_lifetime_months"):
        out.add("cookies", "changed", N_("How long your choice is remembered"), False)


def _rights(old: dict[str, Any], new: dict[str, Any], out: Changes) -> None:
    was, now = old.get("rights") or {}, new.get("rights") or {}
    for right in now.get("offered", []):
        if right not in was.get("offered", []):
            out.add("rights", "added", right, False)
    for right in was.get("offered", []):
        if right not in now.get("offered", []):
            out.add("rights", "removed", right, False)
    for part in ("channels", "per_right", "handled_by"):
        if was.get(part) != now.get(part):
            out.add("rights", "changed", N_("How to exercise your rights"), False)
            break
    for name, subject in (("dpo", N_("The data protection officer")), ("publisher", N_("Who we are"))):
        if old.get(name) != new.get(name):
            out.add("contacts", "changed", subject, False)


def compare(old: dict[str, Any], new: dict[str, Any]) -> Changes:
    """The changes from ``old`` to ``new``, two notices' data as versions.notice_data reads them."""
    out = Changes()
    for step in (_purposes, _recipients, _transfers, _cookies, _rights):
        step(old, new, out)
    order = list(SECTIONS)
    out.changes.sort(key=lambda c: (order.index(c.section), not c.significant))
    return out
