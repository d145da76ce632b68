"""The DPO's commands: ``server.py requests …``, ``deliver`` and ``mail …`` (``outbox_cli``).

Output is in the DPO's language (French when LANG starts with ``fr``). The
CSV export leaves out names, addresses and details: it is for the register of
requests, which must not become another copy of the personal data.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TextIO

from .. import i18n
from ..backends import open_stores
from ..codes import N_
from ..command_line import build_command, server_command, speak
from ..content import load_content
from ..settings import SettingsError, load_settings
from ..stores import StorageRefused, StoredRequest, Stores
from . import casework_cli, outbox_cli, store
from .backlog import state_of
from .handling import Desk
from .invisible import visible
from .mail import translator
from .request import relationship_label

# Each mail of a request, as the DPO reads its kind.
MAIL_KINDS = {
    "dpo": N_("to the DPO"),
    "acknowledgment": N_("acknowledgment to the requester"),
    "extension": N_("extension notice to the requester"),
}
UNKNOWN_SITE = N_("No site is called “%(site)s”, and no request was made on it: the sites are %(known)s.")


def _desk(out: TextIO) -> tuple[Desk, Stores] | None:
    _ = translator(i18n.operator_language())
    try:
        settings = load_settings()
        content = load_content(settings.content_dir)
        if content.errors:
            print(
                _("The content has errors: run %(command)s check, fix them, then try again.")
                % {"command": build_command()},
                file=out,
            )
            return None
        stores = open_stores(settings, check=False)
    except (SettingsError, StorageRefused) as error:
        print(f"server.py: {i18n.say(i18n.operator_language(), error)}", file=out)
        return None
    return Desk(settings, content, stores.rights), stores


def _status(request: StoredRequest, today: date, _: Callable[[str], str]) -> str:
    if request.purged_at:
        return _("purged")
    if request.status == "closed":
        return _("closed")
    return _("OVERDUE") if request.overdue(today) else _("open")


def _mails_state(counts: dict[str, int], _: Callable[[str], str]) -> str:
    """A request's mails in a few words: “2 sent”, “1 sent, 1 FAILED”…"""
    words = {
        "sent": _("%(n)s sent"),
        "waiting": _("%(n)s waiting"),
        "held": _("%(n)s held"),
        "failed": _("%(n)s FAILED"),
    }
    return ", ".join(words[state] % {"n": n} for state, n in counts.items() if n) or "—"


def list_requests(desk: Desk, site: str | None, fmt: str, out: TextIO, today: date | None = None) -> int:
    today = today or datetime.now(UTC).date()
    language = i18n.operator_language()
    _ = translator(language)
    with desk.db.transaction(reading=True) as session:
        requests = store.listing(session, today, site)
        mails = store.mail_states(session, datetime.now(UTC))
    known = sorted(s.id for s in desk.content.sites)
    if site is not None and not requests and site not in known:  # a site removed since keeps its requests
        print(_(UNKNOWN_SITE) % {"site": site, "known": ", ".join(known) or "—"}, file=sys.stderr)
        return 2
    header = [
        _("Reference"),
        _("Site"),
        _("Received"),
        _("Due"),
        _("Status"),
        _("Rights"),
        _("Address confirmed"),
        _("Extended"),
        _("Mails"),
    ]
    rows = [
        [
            r.reference,
            r.site,
            r.received_at.date().isoformat(),
            r.due_on.isoformat(),
            _status(r, today, _),
            " ".join(x.value for x in r.rights),
            _("yes") if r.email_confirmed_at else _("no"),
            _("yes") if r.extended_at else _("no"),
            _mails_state(mails.get(r.reference, {}), _),
        ]
        for r in requests
    ]
    if fmt == "csv":
        # An export is an action on each request it holds: the audit trail says who took it, and when.
        casework_cli.audited(desk, [r.reference for r in requests], "exported")
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return 0
    if not rows:
        print(_("No rights request yet."), file=out)
        return 0
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=out)
    return 0


def _find(desk: Desk, reference: str, out: TextIO) -> StoredRequest | None:
    _ = translator(i18n.operator_language())
    try:
        with desk.db.transaction(reading=True) as session:
            return store.get(session, reference)
    except store.NotFound:
        print(
            _("No request has the reference %(reference)s: check it with %(command)s requests")
            % {"reference": reference, "command": server_command()},
            file=out,
        )
        return None


def show(desk: Desk, reference: str, out: TextIO, today: date | None = None) -> int:
    today = today or datetime.now(UTC).date()
    _ = translator(i18n.operator_language())
    request = _find(desk, reference, out)
    if request is None:
        return 1
    casework_cli.audited(desk, [request.reference], "shown")  # before anything personal is printed
    none = "—"
    lines = [
        (_("Reference"), request.reference),
        (_("Site"), request.site),
        (_("Status"), _status(request, today, _)),
        (_("Received"), request.received_at.isoformat(timespec="minutes")),
        (_("Due"), request.due_on.isoformat()),
        (_("Rights"), ", ".join(_(r.label) for r in request.rights)),
        (_("Relationship to the organization"), _(relationship_label(request.relationship))),
        # What the requester typed, with any invisible character written out (privacy/rights/invisible.py).
        (_("Name"), visible(request.name, allowed="") if request.name else none),
        (_("Email"), visible(request.email, allowed="") if request.email else none),
        (_("Patient or file number"), visible(request.file_reference, allowed="") if request.file_reference else none),
        (_("Language"), request.language),
        (
            _("Address confirmed"),
            request.email_confirmed_at.isoformat(timespec="minutes") if request.email_confirmed_at else _("no"),
        ),
        (
            _("Extended"),
            f"{request.extended_at:%Y-%m-%d} — {visible(request.extension_reason or none)}"
            if request.extended_at
            else _("no"),
        ),
        *casework_cli.lifecycle_lines(desk, request, _),
        (_("Closed"), request.closed_at.isoformat(timespec="minutes") if request.closed_at else _("no")),
        (_("Personal data purged"), request.purged_at.isoformat(timespec="minutes") if request.purged_at else _("no")),
    ]
    width = max(len(label) for label, _value in lines)
    for label, value in lines:
        print(f"{label.ljust(width)}  {value}", file=out)
    # Each colon comes with its label from the catalogs: French puts a no-break space before it.
    print(f"\n{_('Details:')}\n{visible(request.details or none)}\n", file=out)
    print(_("Mails:"), file=out)
    now = datetime.now(UTC)
    with desk.db.transaction(reading=True) as session:
        mails = session.outbox.of_request(request.reference)
    for mail in mails:
        state = state_of(mail, now)
        if state == "sent":
            text = _("sent %(when)s") % {"when": outbox_cli.moment(mail.sent_at)}
        elif state == "failed":
            text = _("FAILED (%(error)s): %(command)s mail retry %(id)s sends it again") % {
                "error": mail.last_error,
                "id": mail.id,
                "command": server_command(),
            }
        elif state == "held":
            text = _("being delivered (held until %(when)s)") % {"when": outbox_cli.moment(mail.leased_until)}
        else:
            text = _("waiting, attempt %(n)s, next %(when)s") % {
                "n": mail.attempts + 1,
                "when": outbox_cli.moment(mail.next_attempt_at),
            }
        print(
            "  " + _("%(mail)s: %(state)s") % {"mail": _(MAIL_KINDS.get(mail.kind, mail.kind)), "state": text}, file=out
        )
    return 0


def extend(desk: Desk, reference: str, reason: str, out: TextIO, today: date | None = None) -> int:
    today = today or datetime.now(UTC).date()
    _ = translator(i18n.operator_language())
    request = _find(desk, reference, out)
    if request is None:
        return 1
    reason = " ".join(reason.split())
    problem = None
    if not reason:
        problem = _("Give the reason for the extension with --reason: the requester must be told why.")
    elif request.status != "open" or request.purged_at:
        problem = _("%(reference)s is closed: only an open request can be extended.")
    elif request.extended_at:
        problem = _("%(reference)s was already extended, on %(date)s.")
    elif today > request.due_on:
        problem = _(
            "%(reference)s is past its due date (%(date)s): the law allows an extension only if the "
            "requester is told within the first period."
        )
    elif desk.extension_due(request) <= request.due_on:
        problem = _("The law of this site allows no extension.")
    if problem:
        date_text = (request.extended_at.date() if request.extended_at else request.due_on).isoformat()
        print(problem % {"reference": request.reference, "date": date_text}, file=out)
        return 1
    due = desk.extend(request, reason)
    print(
        _("%(reference)s is now due on %(date)s; the requester will be told why.")
        % {"reference": request.reference, "date": due.isoformat()},
        file=out,
    )
    return 0


def purge(desk: Desk, dry_run: bool, out: TextIO, today: date | None = None) -> int:
    today = today or datetime.now(UTC).date()
    _ = translator(i18n.operator_language())
    references = desk.purge_due(today) if dry_run else desk.purge(today)
    if not references:
        print(_("No closed request has reached the end of its retention period."), file=out)
    for reference in references:
        print(
            (_("would purge %(reference)s") if dry_run else _("purged %(reference)s")) % {"reference": reference},
            file=out,
        )
    return 0


def _run(args: argparse.Namespace) -> int:
    out = sys.stdout
    opened = _desk(sys.stderr)
    if opened is None:
        return 2
    desk, stores = opened
    try:
        if args.command == "deliver":
            return outbox_cli.deliver(desk, out)
        if args.command == "mail":
            if args.action == "retry":
                return outbox_cli.retry_mails(desk, args.id, out)
            return outbox_cli.list_mails(desk, out)
        action = getattr(args, "action", None)
        if action == "show":
            return show(desk, args.reference, out)
        handled = casework_cli.run(desk, args, out)
        if handled is not None:
            return handled
        if action == "extend":
            return extend(desk, args.reference, args.reason, out)
        if action == "purge":
            return purge(desk, args.dry_run, out)
        return list_requests(desk, args.site, args.format, out)
    finally:
        stores.close()


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    _ = speak()
    requests = commands.add_parser(
        "requests",
        help=_(
            "list rights requests, overdue first; show, answer, ask-id, extend, close, remind, history, stats, purge"
        ),
    )
    requests.add_argument("--site", help=_("only this site's requests"))
    requests.add_argument(
        "--format",
        choices=["table", "csv"],
        default="table",
        help=_("table (default) or csv, without personal data, for the register of requests"),
    )
    requests.set_defaults(handler=_run, action=None)
    actions = requests.add_subparsers(dest="action", metavar="ACTION")
    show_ = actions.add_parser("show", help=_("every field of one request, and its mails"))
    show_.add_argument("reference")
    casework_cli.add_actions(actions)
    extend_ = actions.add_parser(
        "extend", help=_("extend the due date as the site's law allows, and tell the requester why")
    )
    extend_.add_argument("reference")
    extend_.add_argument("--reason", required=True, help=_("why more time is needed; sent to the requester"))
    purge_ = actions.add_parser("purge", help=_("erase the personal data of closed requests past their retention"))
    purge_.add_argument("--dry-run", action="store_true", help=_("only list what would be purged"))
    deliver_ = commands.add_parser(
        "deliver",
        help=_(
            "deliver the queued mails once (the server also does it), then "
            "say what is left; exit 1 while mails wait, are held or failed"
        ),
    )
    deliver_.set_defaults(handler=_run)
    mail = commands.add_parser("mail", help=_("the mails not sent yet: list them, or send failed ones again"))
    mail.set_defaults(handler=_run, action="list")
    mail_actions = mail.add_subparsers(dest="action", metavar="ACTION")
    mail_actions.add_parser("list", help=_("every mail not sent yet, failed ones first (the default)"))
    retry_ = mail_actions.add_parser(
        "retry",
        help=_(
            "send failed (and waiting) mails again now, with a fresh round "
            "of attempts, once the address or the mail server is fixed"
        ),
    )
    which = retry_.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help=_("the mail's number, as mail list shows it"))
    which.add_argument("--all", action="store_true", help=_("every failed or waiting mail"))
