"""How a mail leaves: SMTP when a host is configured, else a local Maildir.

The Maildir file name is derived from the Message-ID and the file is linked
into ``new/`` atomically, so handing the same mail over twice (a retry after a
crash) leaves one copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import mailbox
import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import aiosmtplib

from ..private import PRIVATE_FILE
from ..settings import Settings, smtp_tls_context


class PermanentFailure(Exception):
    """The server refused the mail for good (5xx): retrying would not help."""

    def __init__(self, code: int) -> None:
        super().__init__(f"refused with {code}")
        self.code = code


class Transport(Protocol):
    # How long one mail may take to hand over; the outbox leases mails for that long.
    lease: timedelta

    async def send(self, message_id: str, sender: str, recipient: str, message: bytes, *, again: bool = False) -> None:
        """Hand one mail over; ``again`` when an earlier pass may already have done so."""

    async def settle(self) -> None:
        """Make every mail handed over so far durable, before the outbox records it as sent."""


def maildir_name(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:40]


class MaildirTransport:
    lease = timedelta(seconds=2)

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False
        self._unsettled = False  # new/ gained entries whose names are not on disk yet

    def _deliver(self, message_id: str, message: bytes, again: bool) -> None:
        name = maildir_name(message_id)
        if not self._ready:
            mailbox.Maildir(self.path, create=True)  # new/, cur/, tmp/
            self._ready = True
        # Even a copy found already there may be a crashed pass's, its name not yet on disk.
        self._unsettled = True
        if (self.path / "new" / name).exists():
            return
        # A mail client moves read mail to cur/ and appends flags (“name:2,S”). Listing cur/ grows with the
        # inbox, so it is only done for a mail an earlier pass may have delivered.
        if again and name in mailbox.Maildir(self.path, create=False):
            return
        tmp = self.path / "tmp" / f"{name}.{os.getpid()}.{socket.gethostname()}"
        # Readable by the server's user only, whatever the umask: a mail holds a health-related request.
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE), "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_FILE)  # a crashed pass's file keeps its mode through O_TRUNC
            handle.write(message)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, self.path / "new" / name)  # fails if another pass got there first
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)

    def _sync_new(self) -> None:
        # The names in new/ reach the disk with the folder: one sync for a batch of mails, not one each.
        directory = os.open(self.path / "new", os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    async def send(self, message_id: str, sender: str, recipient: str, message: bytes, *, again: bool = False) -> None:
        # Disk syncs, in a thread: the server's event loop keeps answering meanwhile.
        await asyncio.to_thread(self._deliver, message_id, message, again)

    async def settle(self) -> None:
        if self._unsettled:
            self._unsettled = False
            await asyncio.to_thread(self._sync_new)


class SmtpTransport:
    def __init__(self, settings: Settings, timeout: float | None = None) -> None:
        self.settings = settings
        self.timeout = timeout or settings.smtp_timeout
        self.lease = timedelta(seconds=self.timeout + 5)
        # Made once: with starttls or tls the server's certificate and name are verified, and a server that
        # offers no STARTTLS is refused (aiosmtplib would otherwise go on in clear only when start_tls is None).
        self.tls_context = smtp_tls_context(settings.smtp_ca_file) if settings.smtp_security != "none" else None

    async def send(self, message_id: str, sender: str, recipient: str, message: bytes, *, again: bool = False) -> None:
        # Sent again all the same: the stable Message-ID lets the recipient's server and client spot the copy.
        s = self.settings
        try:
            await aiosmtplib.send(
                message,
                sender=sender,
                recipients=[recipient],
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                tls_context=self.tls_context,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [e.code for e in error.recipients]
            if codes and all(500 <= c < 600 for c in codes):
                raise PermanentFailure(codes[0]) from None
            raise
        except (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError) as error:
            if 500 <= error.code < 600:
                raise PermanentFailure(error.code) from None
            raise

    async def settle(self) -> None:
        pass  # the server's reply to each mail was its promise to keep it


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_host:
        return SmtpTransport(settings)
    return MaildirTransport(settings.maildir)
