"""Load the content folder: the shared registry and one policy file per site.

Every problem in every file is collected before anything is reported, so a
person fixes them all in one pass rather than one per run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .codes import N_
from .model import IDENTIFIER_PATTERN, Notice, Registry
from .problems import Problem, sort_key
from .source import FieldPath, SourceDocument, SourceError, read_text, read_yaml
from .validation import source_problem, validation_problems

POLICY_FILE = "policy.yaml"
REGISTRY_FILE = "_registry.yaml"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Site:
    id: str
    notice: Notice
    source: SourceDocument

    @property
    def languages(self) -> list[str]:
        return self.notice.languages


@dataclass
class Content:
    root: Path
    registry: Registry | None
    sites: list[Site] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _by_id: dict[str, Site] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def site(self, site_id: str) -> Site | None:
        # Looked up on every request: the sites are indexed once they are all loaded (again if more come).
        if len(self._by_id) != len(self.sites):
            self._by_id = {s.id: s for s in self.sites}
        return self._by_id.get(site_id)


def _load_model(
    path: Path, model: type[M], text: str | None = None
) -> tuple[M | None, SourceDocument | None, list[Problem]]:
    try:
        doc = read_yaml(path, text)
    except SourceError as error:
        return None, None, [source_problem(error.path, error.line, error.reason, error.params)]
    problems = [
        Problem(path, line, key, N_("this field is written twice: keep only one")) for key, line in doc.duplicate_keys
    ]
    if doc.data is None:
        return None, doc, [*problems, Problem(path, 1, (), N_("this file is empty"))]
    try:
        return model.model_validate(doc.data), doc, problems
    except ValidationError as error:
        return None, doc, problems + validation_problems(doc, error, model)


def _duplicates(doc: SourceDocument, items: Iterable[tuple[FieldPath, str]]) -> list[Problem]:
    items = list(items)
    counts = Counter(value for _, value in items)
    return [
        Problem(doc.path, doc.line_of(path), path, N_("the id “%(id)s” is used more than once"), {"id": value})
        for path, value in items
        if counts[value] > 1
    ]


def _unknown(doc: SourceDocument, path: FieldPath, value: str, known: Iterable[str], what: str) -> list[Problem]:
    known = sorted(set(known))
    if value in known:
        return []
    return [
        Problem(
            doc.path,
            doc.line_of(path),
            path,
            N_("“%(id)s” does not name any of the %(_what)s declared in this file (%(known)s)"),
            {"id": value, "_what": what, "known": ", ".join(known) or "—"},
        )
    ]


def check_references(notice: Notice, doc: SourceDocument, registry: Registry | None) -> list[Problem]:
    """Ids must be unique and every reference must name something declared."""
    return [
        *_unique_ids(notice, doc),
        *_processing_references(notice, doc),
        *_processor_references(notice, doc),
        *_transfer_and_arrangement_references(notice, doc),
        *(_registry_references(notice, doc, registry) if registry is not None else []),
    ]


def _unique_ids(notice: Notice, doc: SourceDocument) -> list[Problem]:
    problems: list[Problem] = []
    for name in ("data_categories", "recipients", "processors", "joint_controllers", "processing", "people"):
        entries = getattr(notice, name)
        problems += _duplicates(doc, (((name, i, "id"), str(e.id)) for i, e in enumerate(entries)))
    problems += _duplicates(doc, (((("languages", i)), lang) for i, lang in enumerate(notice.languages)))
    return problems


def _processing_references(notice: Notice, doc: SourceDocument) -> list[Problem]:
    problems: list[Problem] = []
    data_ids = [d.id for d in notice.data_categories]
    people_ids = [p.id.value for p in notice.people]
    recipient_ids = [r.id for r in notice.recipients]
    for i, activity in enumerate(notice.processing):
        for j, ref in enumerate(activity.data):
            problems += _unknown(doc, ("processing", i, "data", j), ref, data_ids, N_("data categories"))
        for j, person in enumerate(activity.people):
            problems += _unknown(doc, ("processing", i, "people", j), person.value, people_ids, N_("people"))
        for j, ref in enumerate(activity.recipients):
            problems += _unknown(doc, ("processing", i, "recipients", j), ref, recipient_ids, N_("recipients"))
    return problems


def _processor_references(notice: Notice, doc: SourceDocument) -> list[Problem]:
    problems: list[Problem] = []
    processor_ids = [p.id for p in notice.processors]
    controller_ids = ["publisher", *(j.id for j in notice.joint_controllers)]
    for i, processor in enumerate(notice.processors):
        if processor.sub_processor_of:
            problems += _unknown(
                doc, ("processors", i, "sub_processor_of"), processor.sub_processor_of, processor_ids, N_("processors")
            )
        for j, ref in enumerate(processor.processor_of):
            problems += _unknown(
                doc, ("processors", i, "processor_of", j), ref, controller_ids, N_("joint controllers")
            )
    return problems


def _transfer_and_arrangement_references(notice: Notice, doc: SourceDocument) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(notice.transfers, list):
        known = [r.id for r in notice.recipients] + [p.id for p in notice.processors]
        for i, transfer in enumerate(notice.transfers):
            if transfer.recipient:
                problems += _unknown(doc, ("transfers", i, "recipient"), transfer.recipient, known, N_("recipients"))
    if notice.joint_arrangement:
        controllers = ["publisher", *(j.id for j in notice.joint_controllers)]
        problems += _unknown(
            doc,
            ("joint_arrangement", "rights_contact"),
            notice.joint_arrangement.rights_contact,
            controllers,
            N_("joint controllers"),
        )
    return problems


def _registry_references(notice: Notice, doc: SourceDocument, registry: Registry) -> list[Problem]:
    problems: list[Problem] = []
    for i, law in enumerate(notice.jurisdiction.laws):
        problems += _unknown(doc, ("jurisdiction", "laws", i), law, registry.laws, N_("laws of the registry"))
    if notice.jurisdiction.authority:
        problems += _unknown(
            doc,
            ("jurisdiction", "authority"),
            notice.jurisdiction.authority,
            registry.authorities,
            N_("authorities of the registry"),
        )
    return problems


# Paths the published output and the server use for themselves.
RESERVED_SITE_IDS = frozenset({"assets", "consent", "rights", "static"})
_SITE_ID = re.compile(IDENTIFIER_PATTERN)


def load_site(folder: Path, registry: Registry | None) -> tuple[Site | None, list[Problem]]:
    """One site's policy.yaml, validated, with its references checked."""
    if folder.name in RESERVED_SITE_IDS or not _SITE_ID.match(folder.name):
        return None, [
            Problem(
                folder,
                None,
                (),
                N_(
                    "“%(name)s” cannot name a site: use lowercase letters, digits and - (not assets, consent, rights or static)"
                ),
                {"name": folder.name},
            )
        ]
    notice, doc, problems = _load_model(folder / POLICY_FILE, Notice)
    if notice is None or doc is None:
        return None, problems
    problems = problems + check_references(notice, doc, registry)
    if any(p.severity == "error" for p in problems):
        return None, problems  # only sound sites are built or served
    return Site(folder.name, notice, doc), problems


def site_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def load_registry(root: Path) -> tuple[Registry | None, list[Problem]]:
    path = root / REGISTRY_FILE
    try:
        text = read_text(path)
    except SourceError as error:
        return None, [source_problem(error.path, error.line, error.reason, error.params)]
    registry, problems = _registry(path, text)
    return registry, list(problems)


@lru_cache(maxsize=8)
def _registry(path: Path, text: str) -> tuple[Registry | None, tuple[Problem, ...]]:
    # Read on every build, and the largest file a rebuild of one site reads: validated once per text.
    registry, _, problems = _load_model(path, Registry, text)
    return registry, tuple(problems)


def load_content(root: Path) -> Content:
    """Read every site under ``root``; problems are collected, never raised."""
    if not root.is_dir():
        return Content(root, None, problems=[Problem(root, None, (), N_("the content folder does not exist"))])
    registry, problems = load_registry(root)
    content = Content(root, registry, problems=list(problems))
    folders = site_folders(root)
    if not folders:
        content.problems.append(Problem(root, None, (), N_("no site folder was found: add one with a policy.yaml")))
    for folder in folders:
        site, problems = load_site(folder, registry)
        content.problems += problems
        if site is not None:
            content.sites.append(site)
    content.problems.sort(key=sort_key)
    return content
