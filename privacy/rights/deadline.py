"""When an answer is due: the law's months counted from the day a request arrives.

GDPR Art. 12(3) counts in months. A period in months ends on the same day of
the month; when that day does not exist (31 January + 1 month), on the last
day of that month (Regulation 1182/71, Art. 3(2)(c)).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, timedelta

from ..codes import Right
from ..content import Site
from ..law import jurisdiction
from ..model import Deadline, Registry

# When no law of the site names a deadline, the GDPR's is the safe default.
GDPR_DEADLINE = Deadline(months=1, extension_months=2)
_DURATION = re.compile(r"^\s*(\d+)\s+(minute|hour|day|week|month|year)s?\s*$")


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after(day: date, duration: str) -> date:
    """The day a content Duration (“1 year”, “6 months”) after ``day`` ends."""
    match = _DURATION.match(duration)
    if not match:
        raise ValueError(f"not a duration: {duration!r}")
    amount, unit = int(match.group(1)), match.group(2)
    if unit in ("minute", "hour"):  # a day is as fine as a due date gets: part of one counts as one
        minutes = amount * (60 if unit == "hour" else 1)
        return day + timedelta(days=-(-minutes // 1440))
    if unit == "day":
        return day + timedelta(days=amount)
    if unit == "week":
        return day + timedelta(weeks=amount)
    return add_months(day, amount * (12 if unit == "year" else 1))


def response_deadline(site: Site, registry: Registry | None, rights: Iterable[Right] = ()) -> Deadline:
    """The shortest deadline the site's laws set for any of ``rights`` (L1111-7's 8 days for a medical record
    beside the GDPR's month), else the law's own; a law that names none gets the GDPR's as the DPO's target, which
    the requester is never promised (see the form and the acknowledgment)."""
    return jurisdiction(site.notice, registry).deadline_for(rights) or GDPR_DEADLINE


def due_date(received: date, deadline: Deadline) -> date:
    if deadline.days is not None:
        return received + timedelta(days=deadline.days)
    return add_months(received, deadline.months or 0)


def extended_due_date(received: date, deadline: Deadline) -> date:
    # Counted from receipt, not from the first due date: 31 January + 3 months is 30 April, not 28 April + 2 months.
    if deadline.days is not None:
        return add_months(received, deadline.extension_months) + timedelta(days=deadline.days)
    return add_months(received, (deadline.months or 0) + deadline.extension_months)
