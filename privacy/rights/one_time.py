"""One-time codes: six digits mailed to the requester, which open the answer's download or the status page.

A code is kept only as a keyed hash, works once, for a few minutes, and for a few tries: six digits tried five
times give a guesser one chance in 200,000, and the number of codes a request may be sent is bounded too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ..stores import RightsSession

Purpose = Literal["answer", "status"]
CODE_MINUTES = 15
MAX_TRIES = 5
CODES_PER_HOUR = 5


def code_hash(key: str, reference: str, purpose: str, code: str) -> str:
    message = f"{reference}\0{purpose}\0{code}".encode()
    return hmac.new(key.encode(), b"privacy.rights.code\0" + message, hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@dataclass(frozen=True)
class Issued:
    code: str | None  # None: too many codes sent within the hour
    minutes: int = CODE_MINUTES


def issue(session: RightsSession, key: str, reference: str, purpose: Purpose, now: datetime) -> Issued:
    """A new code for ``reference`` (to mail, in the same transaction), unless too many were sent lately."""
    if session.codes.issued_since(reference, purpose, now - timedelta(hours=1)) >= CODES_PER_HOUR:
        return Issued(None)
    code = new_code()
    session.codes.add(
        reference, purpose, code_hash(key, reference, purpose, code), now, now + timedelta(minutes=CODE_MINUTES)
    )
    return Issued(code)


def check(session: RightsSession, key: str, reference: str, purpose: Purpose, typed: str, now: datetime) -> bool:
    """True once for the right code, within its minutes and its tries; it is then used up."""
    current = session.codes.latest(reference, purpose, now)
    if current is None:
        return False
    tries = session.codes.attempt(current.id)
    if tries > MAX_TRIES:
        return False
    digits = "".join(c for c in typed if c.isdigit())
    if not hmac.compare_digest(current.code_hash, code_hash(key, reference, purpose, digits)):
        return False
    return session.codes.use(current.id, now)
