"""The DPO's commands on a request after its receipt: ``requests answer``, ``ask-id``, ``close``, ``remind``,
``history`` and ``stats`` (``cli.py`` registers them). Each prints in the DPO's language and says what to do when
it cannot do what was asked."""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from .. import i18n
from ..command_line import build_command, server_command, speak
from ..stores import StoredRequest
from . import casework, figures, history, store
from .follow_up import digest_text
from .handling import Desk
from .invisible import visible
from .lifecycle import OUTCOME_LABELS, OUTCOMES, Action, Outcome, action_label, outcome
from .mail import translator
from .request import acting_for_label
from .vault import MAX_ANSWER_BYTES, VaultError

MAX_DAYS = 90


def _says() -> Callable[[str], str]:
    return translator(i18n.operator_language())


def _open_request(desk: Desk, reference: str, out: TextIO) -> StoredRequest | None:
    _ = _says()
    with desk.db.transaction(reading=True) as session:
        found = session.register.get(store.normalize_reference(reference))
    if found is None:
        print(
            _("No request has the reference %(reference)s: check it with %(command)s requests")
            % {"reference": reference, "command": server_command()},
            file=out,
        )
        return None
    if found.status != "open" or found.purged_at or not found.email:
        print(
            _("%(reference)s is closed: only an open request can be answered.") % {"reference": found.reference},
            file=out,
        )
        return None
    if desk.content.site(found.site) is None:
        print(_("The site %(site)s of this request is no longer published.") % {"site": found.site}, file=out)
        return None
    return found


def audited(desk: Desk, references: list[str], action: Action) -> None:
    """Appends ``action`` by this operator to each request's trail, before the command shows anything."""
    now = datetime.now(UTC)
    with desk.db.transaction() as session:
        for reference in references:
            history.record(session, reference, action, now)


def lifecycle_lines(desk: Desk, request: StoredRequest, _: Callable[[str], str]) -> list[tuple[str, str]]:
    """What ``requests show`` adds about the request's lifecycle."""
    with desk.db.transaction(reading=True) as session:
        answers = session.answers.of_request(request.reference)
    lines = [(_("For whom"), _(acting_for_label(request.acting_for)))]
    if request.acting_for != "self":
        lines.append(
            (_("Person concerned"), visible(request.subject_name, allowed="") if request.subject_name else "—")
        )
    if request.identity_asked_at:
        lines.append((_("Proof of identity asked"), request.identity_asked_at.isoformat(timespec="minutes")))
    if request.answered_at:
        lines.append((_("Answered"), request.answered_at.isoformat(timespec="minutes")))
    for each in answers:
        state = _("deleted") if each.deleted_at else _("until %(date)s") % {"date": each.expires_at.date().isoformat()}
        lines.append(
            (
                _("Answer file"),
                _("%(size)s bytes, %(state)s, downloaded %(n)s times")
                % {"size": each.size, "state": state, "n": each.downloads},
            )
        )
    if request.outcome:
        said = _(OUTCOME_LABELS[outcome(request.outcome) or "granted"])
        lines.append((_("Outcome"), f"{said} — {visible(request.outcome_reason)}" if request.outcome_reason else said))
    return lines


def answer(desk: Desk, reference: str, path: str, message: str, days: int, out: TextIO) -> int:
    _ = _says()
    request = _open_request(desk, reference, out)
    if request is None:
        return 1
    if not 1 <= days <= MAX_DAYS:
        print(_("--days must be from 1 to %(max)s.") % {"max": MAX_DAYS}, file=out)
        return 1
    file = Path(path)
    try:
        if file.stat().st_size > MAX_ANSWER_BYTES:
            raise VaultError("too-large")
        data = file.read_bytes()
        stored = casework.answer(desk, request, file.name, data, message, days)
    except (IsADirectoryError, FileNotFoundError, PermissionError):
        print(_("%(path)s cannot be read: give the path of the file to send.") % {"path": path}, file=out)
        return 1
    except VaultError:
        print(
            _("%(path)s is larger than %(size)s MB: send it in several files, or by another secure channel.")
            % {"path": path, "size": MAX_ANSWER_BYTES // (1024 * 1024)},
            file=out,
        )
        return 1
    print(
        _(
            "%(reference)s: the answer is stored encrypted; the requester gets a link valid until %(date)s, which "
            "opens only with a code sent in a second mail."
        )
        % {"reference": request.reference, "date": stored.expires_at.date().isoformat()},
        file=out,
    )
    return 0


def ask_id(desk: Desk, reference: str, out: TextIO) -> int:
    _ = _says()
    request = _open_request(desk, reference, out)
    if request is None:
        return 1
    casework.ask_identity(desk, request)
    print(
        _("%(reference)s: the requester is asked for proof of identity, in their language.")
        % {"reference": request.reference},
        file=out,
    )
    return 0


def close(desk: Desk, reference: str, chosen: str, reason: str, out: TextIO) -> int:
    _ = _says()
    with desk.db.transaction(reading=True) as session:
        request = session.register.get(store.normalize_reference(reference))
    if request is None:
        print(
            _("No request has the reference %(reference)s: check it with %(command)s requests")
            % {"reference": reference, "command": server_command()},
            file=out,
        )
        return 1
    how = outcome(chosen)
    reason = " ".join(reason.split())
    if how is None:
        print(_("--outcome must be one of: %(outcomes)s") % {"outcomes": ", ".join(OUTCOMES)}, file=out)
        return 1
    if how == "refused" and not reason:
        print(
            _("A refusal needs its reason (--reason): the requester must be told why, and where to complain."),
            file=out,
        )
        return 1
    if not casework.close(desk, request, how, reason):
        print(_("%(reference)s is already closed.") % {"reference": request.reference}, file=out)
        return 1
    _closed_said(desk, request, how, out)
    return 0


def _closed_said(desk: Desk, request: StoredRequest, how: Outcome, out: TextIO) -> None:
    _ = _says()
    print(
        _("%(reference)s is closed: %(outcome)s.")
        % {"reference": request.reference, "outcome": _(OUTCOME_LABELS[how])},
        file=out,
    )
    if request.email:
        print(_("The requester is told, by mail."), file=out)
    site = desk.content.site(request.site)
    retention = getattr(site.notice.rights, "request_retention", None) if site else None
    if retention:
        print(
            _("Its personal data will be purged after %(period)s.")
            % {"period": i18n.format_duration(retention, i18n.operator_language())},
            file=out,
        )
    else:
        print(
            _(
                "Its site sets no retention period (rights.request_retention): its personal data is kept until one is set."
            ),
            file=out,
        )


def remind(desk: Desk, dry_run: bool, out: TextIO, now: datetime | None = None) -> int:
    _ = _says()
    now = now or datetime.now(UTC)
    found = casework.digests(desk, now) if dry_run else casework.send_digests(desk, now, by_hand=True) or []
    if not found:
        print(_("Nothing is due within 7 days, overdue, or unconfirmed for a week."), file=out)
        return 0
    for each in found:
        print(f"== {each.inbox}", file=out)
        print(digest_text(each.digest, i18n.operator_language(), now.date()), file=out)
        print(file=out)
    if not dry_run:
        print(_("The digest is queued for each inbox above."), file=out)
    return 0


def show_history(desk: Desk, reference: str | None, fmt: str, out: TextIO) -> int:
    _ = _says()
    with desk.db.transaction(reading=True) as session:
        if reference is None:
            entries = session.history.every()
        else:
            normalized = store.normalize_reference(reference)
            if session.register.get(normalized) is None:
                print(
                    _("No request has the reference %(reference)s: check it with %(command)s requests")
                    % {"reference": reference, "command": server_command()},
                    file=out,
                )
                return 1
            entries = session.history.of_request(normalized)
    header = [_("When (UTC)"), _("Reference"), _("Action"), _("By"), _("Detail")]
    rows = [
        [
            e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            e.reference,
            _(action_label(e.action)),
            e.operator,
            e.detail,
        ]
        for e in entries
    ]
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return 0
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=out)
    return 0


def stats(desk: Desk, year: int | None, site: str | None, fmt: str, out: TextIO, today: date | None = None) -> int:
    _ = _says()
    today = today or datetime.now(UTC).date()
    chosen = year or today.year
    if site is not None and desk.content.site(site) is None:
        print(
            _("There is no site %(site)s: see the sites with %(command)s check.")
            % {"site": site, "command": build_command()},
            file=out,
        )
        return 1
    result = figures.figures(casework.records(desk, site), chosen, today, site)
    if fmt == "csv":
        out.write(figures.as_csv(result, _))
    elif fmt == "html":
        out.write(figures.as_html(result, _, i18n.operator_language()))
    else:
        out.write(figures.as_table(result, _))
    return 0


def run(desk: Desk, args: argparse.Namespace, out: TextIO) -> int | None:
    """The action's exit status, or None when it is not one of these."""
    match args.action:
        case "answer":
            return answer(desk, args.reference, args.file, args.message or "", args.days, out)
        case "ask-id":
            return ask_id(desk, args.reference, out)
        case "close":
            return close(desk, args.reference, args.outcome, args.reason or "", out)
        case "remind":
            return remind(desk, args.dry_run, out)
        case "history":
            return show_history(desk, args.reference, args.history_format, out)
        case "stats":
            return stats(desk, args.year, args.stats_site, args.stats_format, out)
    return None


def add_actions(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    _ = speak()
    answer_ = actions.add_parser(
        "answer",
        help=_("send the answer as a file: stored encrypted, a link by mail, a one-time code in a second mail"),
    )
    answer_.add_argument("reference")
    answer_.add_argument("--file", required=True, help=_("the file to send (a PDF, an archive…)"))
    answer_.add_argument("--message", help=_("a few words for the requester, in the link's mail"))
    answer_.add_argument(
        "--days", type=int, default=casework.ANSWER_DAYS, help=_("days the link works; the file is deleted after")
    )
    ask = actions.add_parser("ask-id", help=_("ask the requester for proof of identity, in their language"))
    ask.add_argument("reference")
    close_ = actions.add_parser("close", help=_("close a request with its outcome, and tell the requester"))
    close_.add_argument("reference")
    close_.add_argument("--outcome", required=True, choices=OUTCOMES, help=_("how the request ended"))
    close_.add_argument("--reason", help=_("why (required for a refusal); sent to the requester"))
    remind_ = actions.add_parser(
        "remind",
        help=_("mail each DPO inbox the digest of requests due soon, overdue or unconfirmed (daily by the server)"),
    )
    remind_.add_argument("--dry-run", action="store_true", help=_("only show the digest"))
    history_ = actions.add_parser("history", help=_("the audit trail of a request (of every request without REF)"))
    history_.add_argument("reference", nargs="?")
    history_.add_argument("--format", dest="history_format", choices=["table", "csv"], default="table")
    stats_ = actions.add_parser("stats", help=_("the yearly figures: by right, by outcome, on time, median days"))
    stats_.add_argument("--year", type=int, help=_("the year the requests were received (default: this year)"))
    stats_.add_argument("--site", dest="stats_site", help=_("only this site's requests"))
    stats_.add_argument("--format", dest="stats_format", choices=["table", "csv", "html"], default="table")
