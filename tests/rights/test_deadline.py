from __future__ import annotations

from datetime import date

import pytest

from privacy.model import Deadline
from privacy.rights.deadline import add_months, after, due_date, extended_due_date


@pytest.mark.parametrize(
    ("received", "months", "due"),
    [
        (date(2025, 3, 15), 1, date(2025, 4, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # no 31 February: the month's last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),  # across the year
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
    ],
)
def test_a_month_ends_on_the_same_day_or_the_months_last(received: date, months: int, due: date) -> None:
    assert add_months(received, months) == due


def test_the_extension_counts_from_receipt_not_from_the_first_due_date() -> None:
    gdpr = Deadline(months=1, extension_months=2)
    assert due_date(date(2025, 1, 31), gdpr) == date(2025, 2, 28)
    # 31 January + 3 months = 30 April; chaining from 28 February would give 28 April.
    assert extended_due_date(date(2025, 1, 31), gdpr) == date(2025, 4, 30)


def test_retention_durations() -> None:
    assert after(date(2024, 2, 29), "1 year") == date(2025, 2, 28)
    assert after(date(2025, 1, 1), "30 days") == date(2025, 1, 31)
    assert after(date(2025, 1, 1), "2 weeks") == date(2025, 1, 15)
    with pytest.raises(ValueError):
        after(date(2025, 1, 1), "soon")


def test_a_right_with_a_deadline_of_its_own_sets_the_due_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from privacy.codes import Right
    from privacy.content import load_content
    from privacy.rights.deadline import response_deadline
    from tests.factories import minimal_notice, write_content

    notice = minimal_notice(
        jurisdiction={"laws": ["gdpr", "fr-informatique-libertes", "fr-sante-publique"], "authority": "cnil"}
    )
    notice["rights"]["offered"].append("medical_record_access")
    content = load_content(write_content(tmp_path / "content", {"clinique": notice}))
    site = content.sites[0]
    # L1111-7: a medical record within 8 days; any other right within the GDPR's month.
    record = response_deadline(site, content.registry, (Right.medical_record_access, Right.access))
    assert due_date(date(2025, 3, 3), record) == date(2025, 3, 11)
    assert due_date(date(2025, 3, 3), response_deadline(site, content.registry, (Right.access,))) == date(2025, 4, 3)
