"""The yearly figures a DPO reports to management and shows an auditor: requests by right and by outcome,
answered on time or late, and the median days to answer, from plain records (no database here).

A request counts in the year it was received. "On time" compares the day it was answered (or closed) with its
due date, extension included; one still open past its due date counts as late.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from ..codes import Right
from .lifecycle import OUTCOME_LABELS, OUTCOMES

Format = str  # "table" | "csv" | "html"
OPEN = "open"


@dataclass(frozen=True)
class Handled:
    """One request as the figures see it: nothing personal."""

    site: str
    rights: tuple[str, ...]  # Right values
    received_on: date
    due_on: date
    answered_on: date | None  # the answer sent, else the close
    outcome: str | None  # an Outcome once closed


@dataclass(frozen=True)
class Figures:
    year: int
    site: str | None
    total: int
    by_right: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)  # OUTCOMES, then "open"
    on_time: int = 0
    late: int = 0
    pending: int = 0  # open and not yet due
    median_days: float | None = None


def _late(record: Handled, today: date) -> bool:
    if record.answered_on is not None:
        return record.answered_on > record.due_on
    return record.due_on < today


def _counts(chosen: list[Handled]) -> tuple[dict[str, int], dict[str, int]]:
    by_right: Counter[str] = Counter(right for r in chosen for right in r.rights)
    by_outcome: Counter[str] = Counter(r.outcome or OPEN for r in chosen)
    rights = {right.value: by_right[right.value] for right in Right if by_right[right.value]}
    return rights, {key: by_outcome[key] for key in (*OUTCOMES, OPEN) if by_outcome[key]}


def _median_days(chosen: list[Handled]) -> float | None:
    days = [(r.answered_on - r.received_on).days for r in chosen if r.answered_on is not None]
    return statistics.median(days) if days else None


def figures(records: Iterable[Handled], year: int, today: date, site: str | None = None) -> Figures:
    chosen = [r for r in records if r.received_on.year == year and (site is None or r.site == site)]
    by_right, by_outcome = _counts(chosen)
    late = sum(1 for r in chosen if _late(r, today))
    on_time = sum(1 for r in chosen if r.answered_on is not None) - sum(
        1 for r in chosen if r.answered_on is not None and _late(r, today)
    )
    return Figures(
        year=year,
        site=site,
        total=len(chosen),
        by_right=by_right,
        by_outcome=by_outcome,
        on_time=on_time,
        late=late,
        pending=len(chosen) - on_time - late,
        median_days=_median_days(chosen),
    )


def _rows(result: Figures, _: Callable[[str], str]) -> list[tuple[str, str, str]]:
    """(section, what, value): the same lines in every format."""
    rights = _("By right")
    outcomes = _("By outcome")
    timing = _("Answer time")
    rows = [(_("Requests"), _("received in %(year)s") % {"year": result.year}, str(result.total))]
    rows += [(rights, _(Right(key).label), str(n)) for key, n in result.by_right.items()]
    rows += [
        (outcomes, _(OUTCOME_LABELS[key]) if key in OUTCOME_LABELS else _("still open"), str(n))
        for key, n in result.by_outcome.items()
    ]
    rows += [
        (timing, _("answered on time"), str(result.on_time)),
        (timing, _("answered late, or still open past the due date"), str(result.late)),
        (timing, _("open, not yet due"), str(result.pending)),
        (
            timing,
            _("median days to answer"),
            "—" if result.median_days is None else f"{result.median_days:g}",
        ),
    ]
    return rows


def as_table(result: Figures, _: Callable[[str], str]) -> str:
    rows = _rows(result, _)
    width = max(len(what) for _section, what, _value in rows)
    lines, section = [], None
    for each, what, value in rows:
        if each != section:
            lines += ["", each] if section else [each]
            section = each
        lines.append(f"  {what.ljust(width)}  {value.rjust(6)}")
    return "\n".join(lines) + "\n"


def as_csv(result: Figures, _: Callable[[str], str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Section"), _("What"), _("Count")])
    writer.writerows(_rows(result, _))
    return out.getvalue()


def _chart(bars: Sequence[tuple[str, int]], title: str) -> str:
    """A horizontal bar chart in SVG: no script, readable without colour (each bar carries its number)."""
    top = max((n for _label, n in bars), default=0) or 1
    bar_height, gap, label_width, chart_width = 22, 8, 260, 300
    height = len(bars) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" '
        f'width="{label_width + chart_width + 60}" height="{height}" '
        f'viewBox="0 0 {label_width + chart_width + 60} {height}">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for index, (label, n) in enumerate(bars):
        y = gap + index * (bar_height + gap)
        width = round(chart_width * n / top)
        parts += [
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" font-size="14">{escape(label)}</text>',
            f'<rect x="{label_width}" y="{y}" width="{width}" height="{bar_height}" fill="#1f5f8b"/>',
            f'<text x="{label_width + width + 6}" y="{y + 16}" font-size="14">{n}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def as_html(result: Figures, _: Callable[[str], str], language: str, organization: str = "") -> str:
    title = _("Rights requests in %(year)s") % {"year": result.year}
    if result.site:
        title += f" — {result.site}"
    body = []
    section = None
    for each, what, value in _rows(result, _):
        if each != section:
            if section is not None:
                body.append("</tbody></table>")
            body += [f"<h2>{escape(each)}</h2>", "<table><tbody>"]
            section = each
        body.append(f'<tr><th scope="row">{escape(what)}</th><td>{escape(value)}</td></tr>')
    body.append("</tbody></table>")
    bars = [(_(Right(key).label), n) for key, n in result.by_right.items()]
    chart = _chart(bars, _("Requests by right")) if bars else ""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{escape(language)}">',
            '<head><meta charset="utf-8">',
            f"<title>{escape(title)}</title></head>",
            "<body>",
            f"<h1>{escape(title)}</h1>",
            *([f"<p>{escape(organization)}</p>"] if organization else []),
            *([f"<figure>{chart}<figcaption>{escape(_('Requests by right'))}</figcaption></figure>"] if chart else []),
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )
