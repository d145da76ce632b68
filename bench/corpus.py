"""A synthetic content folder of many sites, varied from the example notices.

Each site takes one of the example notices, renames its publisher and adds
paragraphs to its introduction, so every page carries the text volume of a real
notice (about 1,500 to 3,000 words per language) and no two pages are equal.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

from privacy.content import POLICY_FILE, REGISTRY_FILE

EXAMPLES = Path(__file__).resolve().parent.parent / "content"

CITIES = ["Lyon", "Lille", "Nantes", "Rennes", "Brest", "Dijon", "Metz", "Nancy", "Tours", "Caen", "Nîmes", "Pau"]
KINDS = [
    ("Centre d'imagerie", "Imaging centre"),
    ("Groupe hospitalier", "Hospital group"),
    ("Clinique", "Clinic"),
    ("Laboratoire de biologie", "Medical laboratory"),
]
# Sentences rotated into extra introduction paragraphs: plain notice prose, in both languages.
SENTENCES = [
    (
        "Nous ne conservons vos données que le temps nécessaire aux finalités décrites sur cette page.",
        "We keep your data only as long as the purposes described on this page require.",
    ),
    (
        "Les personnels habilités n'accèdent qu'aux données utiles à leur mission, et chaque accès est tracé.",
        "Authorized staff reach only the data their task needs, and every access is logged.",
    ),
    (
        "Vos données de santé sont hébergées chez un hébergeur certifié pour les données de santé en France.",
        "Your health data is hosted by a provider certified for health data hosting in France.",
    ),
    (
        "Vous pouvez à tout moment retirer votre consentement, sans que cela remette en cause les traitements passés.",
        "You may withdraw your consent at any time, which does not affect processing carried out before.",
    ),
    (
        "Lorsque la loi nous y oblige, nous transmettons certaines informations aux autorités sanitaires.",
        "When the law requires it, we pass some information on to the health authorities.",
    ),
    (
        "Nos sous-traitants sont liés par un contrat qui reprend les obligations de l'article 28 du RGPD.",
        "Our processors are bound by a contract that carries the obligations of Article 28 of the GDPR.",
    ),
    (
        "Une analyse d'impact a été menée pour les traitements présentant un risque élevé pour vos droits.",
        "An impact assessment was carried out for the processing that presents a high risk to your rights.",
    ),
    (
        "Les sauvegardes sont chiffrées et testées régulièrement afin de garantir la disponibilité des dossiers.",
        "Backups are encrypted and tested regularly so that the records stay available.",
    ),
]
SENTENCES_PER_PARAGRAPH = 6


def _examples() -> list[dict[str, Any]]:
    notices = []
    for path in sorted(EXAMPLES.glob(f"*/{POLICY_FILE}")):
        notices.append(yaml.safe_load(path.read_text(encoding="utf-8")))
    return notices


def _paragraph(number: int, language: int) -> str:
    start = number % len(SENTENCES)
    picked = [SENTENCES[(start + k) % len(SENTENCES)][language] for k in range(SENTENCES_PER_PARAGRAPH)]
    return " ".join(picked)


def site_id(number: int) -> str:
    return f"site-{number:04d}"


def synthetic_notice(number: int, examples: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``number``-th variation: publisher name, introduction and volume of text change."""
    notice = copy.deepcopy(examples[number % len(examples)])
    city = CITIES[number % len(CITIES)]
    kind_fr, _ = KINDS[number % len(KINDS)]
    notice["publisher"]["name"] = f"{kind_fr} de {city} n° {number}"
    extra = 2 + number % 5  # 2 to 6 paragraphs of about 90 words
    intro = notice.get("introduction") or {"fr": "", "en": ""}
    for index, lang in enumerate(("fr", "en")):
        paragraphs = [intro.get(lang, "")] + [_paragraph(number + k, index) for k in range(extra)]
        intro[lang] = "\n\n".join(p for p in paragraphs if p)
    notice["introduction"] = intro
    return notice


def write_corpus(root: Path, count: int) -> list[str]:
    """Write ``count`` sites under ``root`` (with the example registry); return their ids."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / REGISTRY_FILE, root / REGISTRY_FILE)
    examples = _examples()
    ids = []
    for number in range(count):
        folder = root / site_id(number)
        folder.mkdir(exist_ok=True)
        text = yaml.safe_dump(synthetic_notice(number, examples), allow_unicode=True, sort_keys=False)
        (folder / POLICY_FILE).write_text(text, encoding="utf-8")
        ids.append(folder.name)
    return ids


def edit_site(root: Path, site: str, stamp: str) -> None:
    """A one-site edit as a DPO would make it: one sentence added to the introduction."""
    path = root / site / POLICY_FILE
    notice = yaml.safe_load(path.read_text(encoding="utf-8"))
    notice["introduction"]["fr"] += f"\n\nMise à jour {stamp}."
    notice["introduction"]["en"] += f"\n\nUpdated {stamp}."
    path.write_text(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False), encoding="utf-8")
