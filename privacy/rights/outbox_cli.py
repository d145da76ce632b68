"""The DPO's commands on the outbox: ``server.py deliver`` and ``mail list|retry``.

Each says what is left — mails waiting for their next attempt, held by a delivery under way (or one stopped
half-way, until its lease runs out), failed for good — and exits 1 while anything is, so that a script or a
monitoring check sees it. Mails are shown by number, reference and kind: the addresses stay out of the
terminal (``requests show REF`` has them).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TextIO

from .. import i18n
from ..command_line import server_command
from ..stores import Backlog
from .backlog import state_of
from .handling import Desk
from .mail import translator
from .outbox import Pass, deliver_due
from .transport import transport_for


def moment(value: datetime | None) -> str:
    """A time as the DPO reads it: UTC, to the second."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _backlog(desk: Desk) -> Backlog:
    now = datetime.now(UTC)
    with desk.db.transaction(reading=True) as session:
        return session.outbox.backlog(now)


def _report(result: Pass, left: Backlog, out: TextIO) -> int:
    _ = translator(i18n.operator_language())
    print(
        _("%(sent)s sent, %(retrying)s to retry, %(failed)s failed.")
        % {"sent": result.sent, "retrying": result.retrying, "failed": result.failed},
        file=out,
    )
    if left.empty:
        print(_("Nothing is left in the outbox."), file=out)
        return 0
    if left.waiting:
        print(
            _("%(count)s mail(s) waiting; next attempt at %(when)s.")
            % {"count": left.waiting, "when": moment(left.next_attempt)},
            file=out,
        )
    if left.held:
        print(
            _(
                "%(count)s mail(s) held by a delivery under way, or by one stopped half-way, until %(when)s; "
                "they are sent again after that."
            )
            % {"count": left.held, "when": moment(left.held_until)},
            file=out,
        )
    if left.failed:
        print(
            _(
                "%(count)s mail(s) failed: %(command)s mail list shows them; once the address or the mail "
                "server is fixed, %(command)s mail retry --all sends them again."
            )
            % {"count": left.failed, "command": server_command()},
            file=out,
        )
    return 1


def _pass(desk: Desk) -> Pass:
    return asyncio.run(
        deliver_due(desk.db, transport_for(desk.settings), desk.settings.mail_from, compose=desk.compose)
    )


def deliver(desk: Desk, out: TextIO) -> int:
    """One delivery pass, then what is left; exit 1 while anything is."""
    result = _pass(desk)
    return _report(result, _backlog(desk), out)


def list_mails(desk: Desk, out: TextIO) -> int:
    _ = translator(i18n.operator_language())
    now = datetime.now(UTC)
    with desk.db.transaction(reading=True) as session:
        rows = session.outbox.unsent()
    if not rows:
        print(_("Nothing is left in the outbox."), file=out)
        return 0
    states = {"failed": _("FAILED"), "held": _("held"), "waiting": _("waiting")}
    header = [_("Mail"), _("Reference"), _("Kind"), _("State"), _("Attempts"), _("Last error"), _("Next attempt")]
    table = [header]
    for row in rows:
        state = state_of(row, now)
        upcoming = row.leased_until if state == "held" else None if state == "failed" else row.next_attempt_at
        table.append(
            [
                str(row.id),
                row.reference,
                row.kind,
                states[state],
                str(row.attempts),
                row.last_error or "—",
                moment(upcoming),
            ]
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(), file=out)
    return 0


def retry_mails(desk: Desk, mail_id: int | None, out: TextIO) -> int:
    """Queue failed (and waiting) mails again, at once and with a fresh round of attempts, then deliver."""
    _ = translator(i18n.operator_language())
    with desk.db.transaction() as session:
        found = session.outbox.find(mail_id) if mail_id is not None else None
        refused = mail_id is not None and (found is None or found.sent_at is not None)
        queued = 0 if refused else session.outbox.retry(datetime.now(UTC), mail_id)
    if refused:
        problem = (
            _("Mail %(id)s was already sent.")
            if found
            else _("There is no mail %(id)s in the outbox: %(command)s mail list shows them.")
        )
        print(problem % {"id": mail_id, "command": server_command()}, file=out)
        return 1
    print(_("%(count)s mail(s) queued again.") % {"count": queued}, file=out)
    return _report(_pass(desk), _backlog(desk), out)
