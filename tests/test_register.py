"""The record of processing activities (Art. 30), written from the notice and read back with the same libraries."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import yaml
from odf import teletype
from odf.opendocument import load as load_ods
from odf.table import Table, TableCell, TableRow
from odf.text import P

from privacy.content import load_content
from privacy.law import jurisdiction
from privacy.register import Register, build_register
from privacy.render import Renderer
from privacy.versions import activity_dates, archive
from tests.factories import EXAMPLE_CONTENT, REPO, minimal_notice, write_content


def build_py(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def two_activities() -> dict[str, Any]:
    notice = minimal_notice()
    notice["processing"].append(
        {
            "id": "appointments",
            "purpose": {"fr": "Gérer les rendez-vous", "en": "Managing appointments"},
            "people": ["patients"],
            "data": ["identity"],
            "legal_basis": "contract",
            "recipients": ["staff"],
            "retention": {"duration": "1 an"},
        }
    )
    return notice


def register_of(content: Path, site_id: str, language: str) -> Register:
    loaded = load_content(content)
    assert not loaded.errors, loaded.errors
    site = loaded.site(site_id)
    assert site is not None
    law = jurisdiction(site.notice, loaded.registry)
    return build_register(site, law, language, Renderer(), activity_dates(content / site_id))


def column(register: Register, heading: str) -> list[str]:
    index = register.headings.index(heading)
    return [row[index] for row in register.rows]


def test_the_controllers_record_has_the_laws_columns_and_a_row_per_processing(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": two_activities()})
    register = register_of(content, "clinique", "fr")
    record = yaml.safe_load((EXAMPLE_CONTENT / "_registry.yaml").read_text())["laws"]["gdpr"]["record"]
    assert register.headings == [c["heading"]["fr"] for c in record["controller"]]
    assert register.title == "Registre des activités de traitement"
    assert column(register, "Réf.") == ["care", "appointments"]
    assert column(register, "Activité de traitement et objectifs poursuivis") == [
        "Soigner les patients",
        "Gérer les rendez-vous",
    ]
    assert column(register, "Base légale") == ["Mission d'intérêt public", "Exécution d'un contrat"]
    controller = column(register, "Responsable du traitement et ses coordonnées")[0].split("\n")
    assert controller[0] == "Clinique Exemple"
    assert "1 rue de la Paix, 75001 Paris, France" in controller
    assert "dpo@clinique.example" in column(register, "Délégué à la protection des données")[0]
    assert column(register, "Durées de conservation")[1] == "1 an"
    assert column(register, "Durées de conservation")[0].startswith("20 ans (après le dernier passage)")
    special = column(register, "Données sensibles")
    assert special[0].startswith("Données de santé\n") and "art. 9(2)(h)" in special[0]
    assert special[1] == "Aucune"
    assert column(register, "Transferts des données hors UE et garanties") == ["Aucune", "Aucune"]


def test_the_same_record_in_english_takes_the_english_headings(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": two_activities()})
    register = register_of(content, "clinique", "en")
    assert register.headings[:2] == ["Ref.", "Processing activity and its purposes"]
    assert column(register, "Legal basis") == ["Task in the public interest", "Performance of a contract"]


def test_a_processors_record_says_on_whose_behalf_and_lists_sub_processors(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(EXAMPLE_CONTENT / "_registry.yaml", content)
    shutil.copytree(EXAMPLE_CONTENT / "clininfo", content / "clininfo")
    register = register_of(content, "clininfo", "en")
    assert register.role.value == "processor"
    assert "Controllers on whose behalf we act" in register.headings
    assert "Legal basis" not in register.headings
    assert column(register, "Ref.") == ["secure-access", "study-data", "notifications", "support", "legal-obligations"]
    assert all(cell.startswith("Our clients:") for cell in column(register, "Controllers on whose behalf we act"))
    sub = column(register, "Sub-processors")
    assert "Data centre in the United States, United States: Hosting" in sub[0]
    assert sub[3] == ""  # support goes to the clients only, through no processor
    assert column(register, "Data protection officer")[0] == "dpo@clininfo.fr"


def test_dates_come_from_the_published_versions(tmp_path: Path) -> None:
    notice = minimal_notice()
    content = write_content(tmp_path / "content", {"clinique": notice})
    site = content / "clinique"
    archive(site, "1.0", date(2025, 1, 10))
    notice = two_activities()
    notice["version"] = "2.0"
    write_content(content, {"clinique": notice})
    archive(site, "2.0", date(2025, 6, 1))
    notice["version"] = "3.0"
    notice["processing"][1]["retention"] = {"duration": "2 ans"}
    write_content(content, {"clinique": notice})
    archive(site, "3.0", date(2025, 9, 15))
    register = register_of(content, "clinique", "fr")
    assert column(register, "Date de création de la fiche") == ["2025-01-10", "2025-06-01"]
    assert column(register, "Date de dernière mise à jour de la fiche") == ["2025-01-10", "2025-09-15"]
    # Changed and not yet published: no date until it is.
    notice["processing"][0]["purpose"] = {"fr": "Soigner", "en": "Caring"}
    notice["version"] = "4.0"
    write_content(content, {"clinique": notice})
    register = register_of(content, "clinique", "fr")
    assert column(register, "Date de dernière mise à jour de la fiche") == ["", "2025-09-15"]
    assert column(register, "Date de création de la fiche") == ["2025-01-10", "2025-06-01"]


def test_csv_xlsx_and_ods_hold_the_same_rows(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": two_activities()})
    archive(content / "clinique", "1.0", date(2025, 3, 1))
    expected = register_of(content, "clinique", "fr")
    for form in ("csv", "xlsx", "ods"):
        result = build_py("register", "--content", str(content), "--out", str(tmp_path / f"r.{form}"), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    text = (tmp_path / "r.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # Excel reads the accents
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows == [expected.headings, *expected.rows]

    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["clinique"]
    sheet = book["clinique"]
    values = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == expected.headings
    created = expected.headings.index("Date de création de la fiche")
    stored = values[1][created]
    assert isinstance(stored, datetime) and stored.date() == date(2025, 3, 1)  # a date a spreadsheet sorts, not text
    as_text = [[v.date().isoformat() if hasattr(v, "date") else v for v in row] for row in values[1:]]
    assert as_text == expected.rows
    assert sheet["A1"].font.bold and sheet.freeze_panes == "C2"

    document = load_ods(str(tmp_path / "r.ods"))
    tables = document.spreadsheet.getElementsByType(Table)
    assert [t.getAttribute("name") for t in tables] == ["clinique"]
    cells = [
        [
            "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P))
            for cell in row.getElementsByType(TableCell)
        ]
        for row in tables[0].getElementsByType(TableRow)
    ]
    assert cells == [expected.headings, *expected.rows]
    date_cell = tables[0].getElementsByType(TableRow)[1].getElementsByType(TableCell)[created]
    assert date_cell.getAttribute("valuetype") == "date" and date_cell.getAttribute("datevalue") == "2025-03-01"


def test_every_site_in_one_workbook_and_an_html_page(tmp_path: Path) -> None:
    result = build_py("register", "--content", str(EXAMPLE_CONTENT), "--out", str(tmp_path / "all.xlsx"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert openpyxl.load_workbook(tmp_path / "all.xlsx").sheetnames == ["clininfo", "ihu-imagerie", "oiso-genomnis"]
    result = build_py("register", "--content", str(EXAMPLE_CONTENT), "--format", "html", "--lang", "fr", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert '<h1 id="register-ihu-imagerie">Registre des activités de traitement — ' in page
    assert "Tenu en qualité de sous-traitant (art. 30)" in page
    assert "La notice est encore un brouillon." in page  # oiso-genomnis
    assert '<meta name="robots" content="noindex">' in page


def test_bad_requests_get_an_operator_message_not_a_traceback(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"a": minimal_notice(), "b": minimal_notice()})
    cases = [
        (["--format", "xlsx"], 2, "the XLSX format writes a file: give its path with --out"),
        (["--out", str(tmp_path / "r.pdf")], 2, "unknown format “pdf”: choose one of csv, xlsx, ods, html"),
        ([], 2, "a CSV file holds one site's record: choose it with --site (sites: a, b)"),
        (["--site", "nope"], 2, "no site “nope” in"),
    ]
    for args, status, message in cases:
        result = build_py("register", "--content", str(content), *args, cwd=tmp_path)
        assert result.returncode == status, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
    french = build_py("register", "--content", str(content), "--site", "nope", "--lang", "fr", cwd=tmp_path)
    assert "aucun site «\u00a0nope\u00a0» dans" in french.stderr


def test_a_law_without_a_record_is_said_and_content_errors_write_nothing(tmp_path: Path) -> None:
    moroccan = minimal_notice(jurisdiction={"laws": ["ma-09-08"], "authority": "cndp"})
    content = write_content(tmp_path / "content", {"rabat": moroccan})
    result = build_py("register", "--content", str(content), "--site", "rabat", cwd=tmp_path)
    assert result.returncode == 1
    assert "none of this site's laws (ma-09-08) describes a record of processing activities for a controller" in (
        result.stderr
    )
    broken = minimal_notice()
    broken["processing"][0]["legal_basis"] = "contrat"
    content = write_content(tmp_path / "broken", {"clinique": broken})
    result = build_py("register", "--content", str(content), "--out", str(tmp_path / "r.csv"), cwd=tmp_path)
    assert result.returncode == 1 and not (tmp_path / "r.csv").exists()
    assert "nothing was written: correct the errors above first" in result.stderr


def test_the_record_is_not_published_with_the_pages(tmp_path: Path) -> None:
    from privacy.pipeline import build

    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    assert build(content, tmp_path / "public").ok
    published = [p.name for p in (tmp_path / "public").rglob("*") if p.is_file()]
    assert not [name for name in published if name.endswith((".csv", ".xlsx", ".ods")) or "regist" in name]
