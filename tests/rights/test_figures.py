"""The yearly figures from plain records, and their three renderings."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from privacy.rights.figures import Handled, as_csv, as_html, as_table, figures
from privacy.rights.mail import translator

TODAY = date(2027, 1, 15)
RECORDS = [
    # answered in 10 days, on time
    Handled("clinique", ("access",), date(2026, 3, 1), date(2026, 4, 1), date(2026, 3, 11), "granted"),
    # answered late (40 days, due after 31)
    Handled("clinique", ("access", "erasure"), date(2026, 5, 1), date(2026, 6, 1), date(2026, 6, 10), "partial"),
    # refused in 4 days
    Handled("hopital", ("erasure",), date(2026, 7, 1), date(2026, 8, 1), date(2026, 7, 5), "refused"),
    # open past its due date: late
    Handled("clinique", ("rectification",), date(2026, 11, 1), date(2026, 12, 1), None, None),
    # open, not yet due
    Handled("clinique", ("access",), date(2026, 12, 20), date(2027, 1, 20), None, None),
    # another year: left out
    Handled("clinique", ("access",), date(2025, 12, 31), date(2026, 1, 31), date(2026, 1, 2), "granted"),
]


def test_the_figures_of_a_year() -> None:
    result = figures(RECORDS, 2026, TODAY)
    assert result.total == 5
    assert result.by_right == {"access": 3, "rectification": 1, "erasure": 2}
    assert result.by_outcome == {"granted": 1, "partial": 1, "refused": 1, "open": 2}
    assert (result.on_time, result.late, result.pending) == (2, 2, 1)
    assert result.median_days == 10


def test_the_figures_of_one_site() -> None:
    result = figures(RECORDS, 2026, TODAY, site="hopital")
    assert (result.total, result.by_outcome, result.median_days) == (1, {"refused": 1}, 4)


def test_a_year_without_requests() -> None:
    result = figures(RECORDS, 2020, TODAY)
    assert (result.total, result.median_days, result.by_right) == (0, None, {})
    assert "—" in as_table(result, translator("en"))


def test_the_table_csv_and_html_say_the_same() -> None:
    result = figures(RECORDS, 2026, TODAY)
    _ = translator("fr")
    table = as_table(result, _)
    assert re.search(r"reçues en 2026\s+5", table) and re.search(r"jours médians de réponse\s+10", table)
    rows = list(csv.reader(io.StringIO(as_csv(result, _))))
    assert rows[0] == ["Rubrique", "Quoi", "Nombre"]
    assert ["Par issue", "refusée", "1"] in rows and ["Délai de réponse", "répondues dans les délais", "2"] in rows
    page = as_html(result, _, "fr", "Clinique Émeraude")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert "<svg" in page and "<script" not in page and "<rect" in page
    assert page.count("<rect") == 3  # one bar per right asked


def test_the_html_is_valid() -> None:
    from tests.support.quality import format_vnu_errors, vnu_check

    errors = vnu_check([as_html(figures(RECORDS, 2026, TODAY), translator("en"), "en")])
    assert errors == [], format_vnu_errors(errors)
