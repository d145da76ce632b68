"""Server settings, declared once each with its default and help text.

Secrets come only from the environment. In production the server refuses to
start on unsafe settings (no strong key, no https public origin, no HTTPS proxy,
no mail route); in development it keeps a random key under var/.
"""

from __future__ import annotations

import math
import os
import secrets
import ssl
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from .codes import N_
from .origin import OriginError, accepted_hosts, accepted_origins, listening_origin, parse_origin
from .private import private_dir, write_new_private


class SettingsError(Exception):
    """A setting the server cannot start with; the message is a catalog id, said in the operator's language."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params

    def text(self, language: str) -> str:
        from .i18n import gettext  # settings load before anything else; the catalogs only when needed

        return gettext(language, self.message) % self.params if self.params else gettext(language, self.message)


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "PRIVACY_ENV",
        "development",
        "development or production; production requires strong PRIVACY_SECRET_KEYS, an https "
        "PRIVACY_PUBLIC_ORIGIN, an HTTPS proxy and a mail route",
    ),
    Setting(
        "PRIVACY_SECRET_KEYS",
        "",
        "comma-separated signing keys of 32 characters or more, newest first; the newest signs, all verify",
        secret=True,
    ),
    Setting("PRIVACY_CONTENT_DIR", "content", "the content folder (sites' policy.yaml)"),
    Setting("PRIVACY_PUBLIC_DIR", "public", "the built pages, served at /"),
    Setting("PRIVACY_VAR_DIR", "var", "where the database, the Maildir and the development key live"),
    Setting(
        "PRIVACY_DATABASE", "", "SQLite database of rights requests and their mails (default: <var>/privacy.sqlite3)"
    ),
    Setting(
        "PRIVACY_CONSENT_LOG", "", "SQLite database of the proof-of-consent log (default: <var>/consent-log.sqlite3)"
    ),
    Setting(
        "PRIVACY_DATABASE_URL",
        "",
        "postgresql://user:password@host:5432/name: one PostgreSQL database shared by every instance, instead of "
        "the two SQLite files; in production a host other than this machine needs sslmode=verify-full "
        "(or verify-ca, require)",
        secret=True,
    ),
    Setting(
        "PRIVACY_MAILDIR",
        "",
        "Maildir used when no SMTP host is set (default: <var>/maildir; production needs it or an SMTP host)",
    ),
    Setting(
        "PRIVACY_PUBLIC_ORIGIN",
        "",
        "the public origin (https://host): every link the server writes points there and it answers no other "
        "Host; required in production (development: the address it listens on)",
    ),
    Setting("PRIVACY_SMTP_HOST", "", "SMTP server for outgoing mail; when empty, mail goes to the Maildir"),
    Setting("PRIVACY_SMTP_PORT", "587", "SMTP port"),
    Setting(
        "PRIVACY_SMTP_SECURITY",
        "starttls",
        "starttls, tls or none; the server's certificate is always verified, and none is refused in production "
        "except to a relay on this machine",
    ),
    Setting(
        "PRIVACY_SMTP_CA_FILE",
        "",
        "certificates (PEM) of an authority trusted for the SMTP server besides the system's, e.g. an internal one",
    ),
    # A mail handed over by a delivery that stopped half-way is held this long plus 5 s, then sent again.
    Setting(
        "PRIVACY_SMTP_TIMEOUT",
        "30",
        "seconds to wait for the SMTP server at each step; a mail whose delivery stopped half-way is retried "
        "after this plus 5 seconds",
    ),
    Setting("PRIVACY_SMTP_USERNAME", "", "SMTP user name, when the server requires authentication"),
    Setting("PRIVACY_SMTP_PASSWORD", "", "SMTP password", secret=True),
    # 20 posts per address in 10 minutes leaves room for corrections and for a shared hospital network;
    # 5 requests a day per email address.
    Setting(
        "PRIVACY_RIGHTS_LIMITS",
        "20/600,5/86400",
        "rights-request limits: posts per client address / seconds, then requests per email address / seconds",
    ),
    # A person makes a choice or two per visit, on a banner that waits for them: 30 choices in 10 minutes from one
    # address is a script, which would otherwise fill the proof log kept for years (20,000 rows in 7 s were seen).
    Setting(
        "PRIVACY_CONSENT_LIMITS",
        "30/600",
        "cookie choices recorded per client address / seconds; more are answered 429 and not recorded",
    ),
    Setting(
        "PRIVACY_FORWARDED_ALLOW_IPS",
        "",
        "addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are trusted "
        "(comma-separated); empty: none; production requires its HTTPS proxy here",
    ),
    Setting("PRIVACY_MAIL_FROM", "privacy-notices@localhost", "the sender address of outgoing mail"),
    # A choice holds at most 13 months; claims about it may come for years after (5 for most civil actions in
    # France, Code civil art. 2224): its proof is kept that long, then deleted (storage limitation).
    Setting(
        "PRIVACY_CONSENT_PROOF_YEARS",
        "5",
        "years each proof-of-consent entry is kept after the longest a choice can hold (13 months), then deleted",
    ),
)

Environment = Literal["development", "production"]


@dataclass(frozen=True)
class Settings:
    environment: Environment
    secret_keys: tuple[str, ...]
    content_dir: Path
    public_dir: Path
    var_dir: Path
    database: Path
    consent_log: Path
    database_url: str | None  # PostgreSQL, shared by the instances; None: the SQLite files above
    maildir: Path
    public_origin: str
    smtp_host: str | None
    smtp_port: int
    smtp_security: Literal["starttls", "tls", "none"]
    smtp_ca_file: Path | None
    smtp_timeout: float
    smtp_username: str | None
    smtp_password: str | None
    mail_from: str
    rights_limits: tuple[tuple[int, int], tuple[int, int]]
    consent_limits: tuple[int, int]
    forwarded_allow_ips: str | None
    consent_proof_years: int

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @cached_property
    def public_hosts(self) -> frozenset[str]:
        """The Host header values the server answers."""
        return accepted_hosts(self.public_origin, not self.production)

    @cached_property
    def public_origins(self) -> frozenset[str]:
        """The Origin header values of the server's own pages."""
        return accepted_origins(self.public_origin, not self.production)


DEVELOPMENT_KEY_FILE = "development-secret-key"
MIN_KEY_LENGTH = 32
# A secret of 32 characters or more drawn at random shows many different characters and no period; one typed
# by hand (32 × "a", "password" four times) shows few.
MIN_KEY_CHARACTERS = 10
MIN_KEY_BITS = 96


def _development_key(var_dir: Path) -> str:
    """A key kept on disk so that consent cookies survive a restart in development."""
    path = var_dir / DEVELOPMENT_KEY_FILE
    try:
        if not path.exists():
            private_dir(var_dir)
            write_new_private(path, secrets.token_urlsafe(48).encode("ascii"))
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(
            N_(
                "%(path)s cannot be read or written (%(reason)s): check that the server's user owns "
                "PRIVACY_VAR_DIR and that its disk has room"
            ),
            path=str(path),
            reason=_reason(error),
        ) from None
    if len(key) < MIN_KEY_LENGTH:
        # Left by a failed write of an older version: signing with it would let anyone forge a cookie.
        raise SettingsError(
            N_(
                "%(path)s holds no usable key (empty or shorter than 32 characters): delete it, and "
                "a new key is made at the next start"
            ),
            path=str(path),
        )
    return key


def _reason(error: BaseException) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__


def weak_key(key: str) -> bool:
    """Too short, too few different characters, too little entropy by their frequencies, or a repeated pattern."""
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < MIN_KEY_CHARACTERS:
        return True
    bits = -sum(n * math.log2(n / len(key)) for n in Counter(key).values())
    periodic = any(key[shift:] == key[:-shift] for shift in range(1, len(key) // 2 + 1))  # "abcabcab…"
    return bits < MIN_KEY_BITS or periodic


def _check_keys(keys: tuple[str, ...], production: bool) -> None:
    if any(len(k) < MIN_KEY_LENGTH for k in keys):
        raise SettingsError(N_("each key in PRIVACY_SECRET_KEYS must be at least 32 characters long"))
    if production and any(weak_key(k) for k in keys):
        raise SettingsError(
            N_(
                "a key in PRIVACY_SECRET_KEYS is too regular to be secret (too few different "
                "characters, or a repeated pattern): make one with "
                'python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        )


def _public_origin(value: str, production: bool, listen: tuple[str, int]) -> str:
    if not value:
        if production:
            raise SettingsError(
                N_(
                    "PRIVACY_PUBLIC_ORIGIN is required in production: set it to the address visitors "
                    "use, such as https://privacy.hospital.example (links in mails point there)"
                )
            )
        return listening_origin(*listen)
    try:
        origin = parse_origin(value)
    except OriginError as error:
        raise SettingsError(error.message) from None
    if production and not origin.startswith("https://"):
        raise SettingsError(
            N_("PRIVACY_PUBLIC_ORIGIN must start with https:// in production, not %(value)s"), value=origin
        )
    return origin


def _check_production(value: dict[str, str], smtp_host: str | None) -> None:
    if not value["PRIVACY_FORWARDED_ALLOW_IPS"]:
        # The server speaks plain HTTP; it learns that a visitor came over HTTPS only from a trusted proxy's
        # X-Forwarded-Proto.
        raise SettingsError(
            N_(
                "production serves visitors over HTTPS only, and this server speaks plain HTTP: put "
                "it behind a reverse proxy that terminates TLS and sends X-Forwarded-Proto, and name "
                "that proxy's address in PRIVACY_FORWARDED_ALLOW_IPS"
            )
        )
    if not smtp_host and not value["PRIVACY_MAILDIR"]:
        raise SettingsError(
            N_(
                "production needs a route for the DPO's mail: set PRIVACY_SMTP_HOST to your SMTP "
                "relay, or PRIVACY_MAILDIR to the Maildir the DPO reads"
            )
        )


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def smtp_tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verifies the SMTP server's certificate and name: against the system's authorities and ``ca_file``'s."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=ca_file)
    return context


def _check_ca_file(path: Path) -> None:
    # Said at start-up, not at the first mail: a wrong path would otherwise hold every mail in the outbox.
    try:
        smtp_tls_context(path)
    except ssl.SSLError:  # an OSError too: first
        raise SettingsError(
            N_("PRIVACY_SMTP_CA_FILE: %(path)s holds no certificate in PEM form"), path=str(path)
        ) from None
    except OSError:
        raise SettingsError(N_("PRIVACY_SMTP_CA_FILE: %(path)s cannot be read"), path=str(path)) from None


DEFAULT_LISTEN = ("127.0.0.1", 8000)


def load_settings(
    environ: Mapping[str, str] | None = None, *, listen: tuple[str, int] = DEFAULT_LISTEN, **overrides: str
) -> Settings:
    """``listen``: the address the server listens on, the public origin of a development server."""
    env = dict(os.environ if environ is None else environ)
    env.update(overrides)
    value = {s.name: env.get(s.name) or s.default for s in SETTINGS}
    environment = value["PRIVACY_ENV"]
    if environment not in ("development", "production"):
        raise SettingsError(N_("PRIVACY_ENV must be development or production, not %(value)s"), value=repr(environment))
    var_dir = Path(value["PRIVACY_VAR_DIR"])
    keys = tuple(k.strip() for k in value["PRIVACY_SECRET_KEYS"].split(",") if k.strip())
    production = environment == "production"
    if production and not keys:
        raise SettingsError(N_("PRIVACY_SECRET_KEYS is required in production: set it to a long random string"))
    _check_keys(keys, production)
    if not keys:
        keys = (_development_key(var_dir),)
    public_origin = _public_origin(value["PRIVACY_PUBLIC_ORIGIN"], production, listen)
    security = value["PRIVACY_SMTP_SECURITY"]
    if security not in ("starttls", "tls", "none"):
        raise SettingsError(
            N_("PRIVACY_SMTP_SECURITY must be starttls, tls or none, not %(value)s"), value=repr(security)
        )
    smtp_host = value["PRIVACY_SMTP_HOST"] or None
    if environment == "production" and smtp_host and security == "none" and smtp_host not in LOOPBACK_HOSTS:
        # Rights requests carry health-related personal data: never across a network in clear.
        raise SettingsError(
            N_(
                "PRIVACY_SMTP_SECURITY=none would send rights requests unencrypted to %(host)s: in "
                "production use starttls or tls (none is only for a relay on this machine)"
            ),
            host=smtp_host,
        )
    if production:
        _check_production(value, smtp_host)
    try:
        port = int(value["PRIVACY_SMTP_PORT"])
    except ValueError:
        raise SettingsError(N_("PRIVACY_SMTP_PORT must be a number")) from None
    try:
        smtp_timeout = float(value["PRIVACY_SMTP_TIMEOUT"])
        if not 1 <= smtp_timeout <= 600:
            raise ValueError
    except ValueError:
        raise SettingsError(N_("PRIVACY_SMTP_TIMEOUT must be a number of seconds from 1 to 600")) from None
    ca_file = Path(value["PRIVACY_SMTP_CA_FILE"]) if value["PRIVACY_SMTP_CA_FILE"] else None
    if ca_file is not None:
        _check_ca_file(ca_file)
    try:
        limits = tuple(tuple(int(n) for n in part.split("/")) for part in value["PRIVACY_RIGHTS_LIMITS"].split(","))
        if len(limits) != 2 or any(len(limit) != 2 or min(limit) < 1 for limit in limits):
            raise ValueError
    except ValueError:
        raise SettingsError(
            N_("PRIVACY_RIGHTS_LIMITS must read like 20/600,5/86400 (count/seconds per address, then per email)")
        ) from None
    try:
        consent_limits = tuple(int(n) for n in value["PRIVACY_CONSENT_LIMITS"].split("/"))
        if len(consent_limits) != 2 or min(consent_limits) < 1:
            raise ValueError
    except ValueError:
        raise SettingsError(
            N_("PRIVACY_CONSENT_LIMITS must read like 30/600 (choices per client address / seconds)")
        ) from None
    try:
        proof_years = int(value["PRIVACY_CONSENT_PROOF_YEARS"])
        if not 1 <= proof_years <= 30:
            raise ValueError
    except ValueError:
        raise SettingsError(N_("PRIVACY_CONSENT_PROOF_YEARS must be a number of years from 1 to 30")) from None
    return Settings(
        consent_proof_years=proof_years,
        rights_limits=limits,  # type: ignore[arg-type]
        consent_limits=consent_limits,
        forwarded_allow_ips=value["PRIVACY_FORWARDED_ALLOW_IPS"] or None,
        environment=environment,  # type: ignore[arg-type]
        secret_keys=keys,
        content_dir=Path(value["PRIVACY_CONTENT_DIR"]),
        public_dir=Path(value["PRIVACY_PUBLIC_DIR"]),
        var_dir=var_dir,
        database=Path(value["PRIVACY_DATABASE"] or var_dir / "privacy.sqlite3"),
        consent_log=Path(value["PRIVACY_CONSENT_LOG"] or var_dir / "consent-log.sqlite3"),
        database_url=_database_url(value["PRIVACY_DATABASE_URL"], production),
        maildir=Path(value["PRIVACY_MAILDIR"] or var_dir / "maildir"),
        public_origin=public_origin,
        smtp_host=smtp_host,
        smtp_port=port,
        smtp_security=security,  # type: ignore[arg-type]
        smtp_ca_file=ca_file,
        smtp_timeout=smtp_timeout,
        smtp_username=value["PRIVACY_SMTP_USERNAME"] or None,
        smtp_password=value["PRIVACY_SMTP_PASSWORD"] or None,
        mail_from=value["PRIVACY_MAIL_FROM"],
    )


DATABASE_URL_SCHEMES = ("postgresql", "postgres")
# sslmode values that encrypt the connection; verify-ca and verify-full also check the server's certificate.
ENCRYPTED = ("require", "verify-ca", "verify-full")


def _database_url(url: str, production: bool) -> str | None:
    if not url:
        return None
    from urllib.parse import parse_qs, urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        query = parse_qs(parts.query)
    except ValueError:
        parts, host, query = None, "", {}
    if parts is None or parts.scheme not in DATABASE_URL_SCHEMES or not parts.path.strip("/"):
        raise SettingsError(
            N_(
                "PRIVACY_DATABASE_URL must read like postgresql://user:password@host:5432/name (the scheme "
                "postgresql, a host and a database name)"
            )
        )
    sslmode = (query.get("sslmode") or [""])[0]
    # Rights requests carry health-related personal data: never across a network in clear.
    if production and host and host not in LOOPBACK_HOSTS and not host.startswith("/") and sslmode not in ENCRYPTED:
        raise SettingsError(
            N_(
                "PRIVACY_DATABASE_URL would reach %(host)s unencrypted: in production add ?sslmode=verify-full "
                "(the server's certificate checked; verify-ca or require at the least), or use a database on "
                "this machine"
            ),
            host=host,
        )
    return url


def prepare_var_dir(settings: Settings) -> None:
    """var/ private and writable, when anything lives there; said at start-up, not at the first request."""
    databases = [] if settings.database_url else [settings.database, settings.consent_log]
    kept = [*databases, *([] if settings.smtp_host else [settings.maildir])]
    if not any(path.is_relative_to(settings.var_dir) for path in kept):
        return
    try:
        private_dir(settings.var_dir)
    except OSError as error:
        raise SettingsError(
            N_(
                "PRIVACY_VAR_DIR: %(path)s cannot be written (%(reason)s): check that the server's "
                "user owns it, that its disk is mounted read-write and has room"
            ),
            path=str(settings.var_dir),
            reason=_reason(error),
        ) from None
