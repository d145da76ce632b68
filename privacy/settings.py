"""Server settings, each declared once: its environment variable, default, meaning and how its value is read.

The same declaration reads the environment (``load_settings``), prints ``server.py --help-settings`` and makes
the README's settings table (privacy/settings_help.py; a test holds the README to it). Secrets come only from the
environment. In production the server refuses to start on unsafe settings (no strong key, no https public
origin, no HTTPS proxy, no mail route); in development it keeps a random key under var/.
"""

from __future__ import annotations

import dataclasses
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Generic, Literal, TypeVar, cast
from urllib.parse import parse_qs, urlsplit

from .codes import N_
from .origin import OriginError, accepted_hosts, accepted_origins, listening_origin, parse_origin
from .private import private_dir
from .secret_keys import check_production_keys, development_key, parse_keys
from .settings_error import SettingsError, reason

__all__ = ["SETTINGS", "Setting", "Settings", "SettingsError", "load_settings", "prepare_var_dir"]

T = TypeVar("T", covariant=True)


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One environment variable: ``help`` is a catalog id (English in the README, the operator's language in
    ``--help-settings``); ``parse`` turns its text, or ``default`` when it is unset or empty, into its value,
    raising SettingsError with what is wrong."""

    name: str
    default: str
    help: str
    parse: Callable[[str], T]
    secret: bool = False

    def read(self, environ: Mapping[str, str]) -> T:
        return self.parse(environ.get(self.name) or self.default)


Environment = Literal["development", "production"]
SmtpSecurity = Literal["starttls", "tls", "none"]


def _text(value: str) -> str:
    return value


def _optional(value: str) -> str | None:
    return value or None


def _optional_path(value: str) -> Path | None:
    return Path(value) if value else None


DATABASE_URL_SCHEMES = ("postgresql", "postgres")
# sslmode values that encrypt the connection; verify-ca and verify-full also check the server's certificate.
ENCRYPTED = ("require", "verify-ca", "verify-full")


def _database_url(value: str) -> str | None:
    if not value:
        return None
    try:
        parts = urlsplit(value)
        well_formed = parts.scheme in DATABASE_URL_SCHEMES and bool(parts.path.strip("/"))
    except ValueError:
        well_formed = False
    if not well_formed:
        raise SettingsError(
            N_(
                "PRIVACY_DATABASE_URL must read like postgresql://user:password@host:5432/name (the scheme "
                "postgresql, a host and a database name)"
            )
        )
    return value


def _check_database_url(url: str) -> None:
    """In production: rights requests carry health-related personal data, never across a network in clear."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    sslmode = (parse_qs(parts.query).get("sslmode") or [""])[0]
    if host and host not in LOOPBACK_HOSTS and not host.startswith("/") and sslmode not in ENCRYPTED:
        raise SettingsError(
            N_(
                "PRIVACY_DATABASE_URL would reach %(host)s unencrypted: in production add ?sslmode=verify-full "
                "(the server's certificate checked; verify-ca or require at the least), or use a database on "
                "this machine"
            ),
            host=host,
        )


def _environment(value: str) -> Environment:
    if value in ("development", "production"):
        return cast(Environment, value)
    raise SettingsError(N_("PRIVACY_ENV must be development or production, not %(value)s"), value=repr(value))


def _origin(value: str) -> str:
    """A well-formed origin, or "" (the production rule and the development default come later)."""
    try:
        return parse_origin(value) if value else ""
    except OriginError as error:
        raise SettingsError(error.message) from None


def _smtp_security(value: str) -> SmtpSecurity:
    if value in ("starttls", "tls", "none"):
        return cast(SmtpSecurity, value)
    raise SettingsError(N_("PRIVACY_SMTP_SECURITY must be starttls, tls or none, not %(value)s"), value=repr(value))


def _smtp_port(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SettingsError(N_("PRIVACY_SMTP_PORT must be a number")) from None


def _smtp_timeout(value: str) -> float:
    try:
        seconds = float(value)
        if not 1 <= seconds <= 600:
            raise ValueError
    except ValueError:
        raise SettingsError(N_("PRIVACY_SMTP_TIMEOUT must be a number of seconds from 1 to 600")) from None
    return seconds


def smtp_tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """Verifies the SMTP server's certificate and name: against the system's authorities and ``ca_file``'s."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=ca_file)
    return context


def _ca_file(value: str) -> Path | None:
    # Said at start-up, not at the first mail: a wrong path would otherwise hold every mail in the outbox.
    if not value:
        return None
    path = Path(value)
    try:
        smtp_tls_context(path)
    except ssl.SSLError:  # an OSError too: first
        raise SettingsError(
            N_("PRIVACY_SMTP_CA_FILE: %(path)s holds no certificate in PEM form"), path=str(path)
        ) from None
    except OSError:
        raise SettingsError(N_("PRIVACY_SMTP_CA_FILE: %(path)s cannot be read"), path=str(path)) from None
    return path


def _limit(part: str) -> tuple[int, int]:
    count, _, seconds = part.partition("/")
    limit = (int(count), int(seconds))
    if min(limit) < 1:
        raise ValueError
    return limit


def _rights_limits(value: str) -> tuple[tuple[int, int], tuple[int, int]]:
    try:
        per_address, per_email = value.split(",")
        return _limit(per_address), _limit(per_email)
    except ValueError:
        raise SettingsError(
            N_("PRIVACY_RIGHTS_LIMITS must read like 20/600,5/86400 (count/seconds per address, then per email)")
        ) from None


def _consent_limits(value: str) -> tuple[int, int]:
    try:
        return _limit(value)
    except ValueError:
        raise SettingsError(
            N_("PRIVACY_CONSENT_LIMITS must read like 30/600 (choices per client address / seconds)")
        ) from None


def _proof_years(value: str) -> int:
    try:
        years = int(value)
        if not 1 <= years <= 30:
            raise ValueError
    except ValueError:
        raise SettingsError(N_("PRIVACY_CONSENT_PROOF_YEARS must be a number of years from 1 to 30")) from None
    return years


ENV = Setting(
    "PRIVACY_ENV",
    "development",
    N_(
        "development or production; production requires strong PRIVACY_SECRET_KEYS, an https "
        "PRIVACY_PUBLIC_ORIGIN, an HTTPS proxy and a mail route"
    ),
    _environment,
)
SECRET_KEYS = Setting(
    "PRIVACY_SECRET_KEYS",
    "",
    N_("comma-separated signing keys of 32 characters or more, newest first; the newest signs, all verify"),
    parse_keys,
    secret=True,
)
CONTENT_DIR = Setting("PRIVACY_CONTENT_DIR", "content", N_("the content folder (sites' policy.yaml)"), Path)
PUBLIC_DIR = Setting("PRIVACY_PUBLIC_DIR", "public", N_("the built pages, served at /"), Path)
VAR_DIR = Setting("PRIVACY_VAR_DIR", "var", N_("where the database, the Maildir and the development key live"), Path)
DATABASE = Setting(
    "PRIVACY_DATABASE",
    "",
    N_("SQLite database of rights requests and their mails (default: <var>/privacy.sqlite3)"),
    _optional_path,
)
CONSENT_LOG = Setting(
    "PRIVACY_CONSENT_LOG",
    "",
    N_("SQLite database of the proof-of-consent log (default: <var>/consent-log.sqlite3)"),
    _optional_path,
)
DATABASE_URL = Setting(
    "PRIVACY_DATABASE_URL",
    "",
    N_(
        "postgresql://user:password@host:5432/name: one PostgreSQL database shared by every instance, instead of "
        "the two SQLite files; in production a host other than this machine needs sslmode=verify-full "
        "(or verify-ca, require)"
    ),
    _database_url,
    secret=True,
)
# Several machines serving one PostgreSQL must share this folder (NFS, a shared volume): a requester's download
# may reach any of them. Processes on one machine (server.py --workers N) share var/ already.
ANSWERS_DIR = Setting(
    "PRIVACY_ANSWERS_DIR",
    "",
    N_(
        "where the answer files sent to requesters are kept, encrypted, until their link expires "
        "(default: <var>/answers; a folder every instance shares when several machines serve)"
    ),
    _optional_path,
)
MAILDIR = Setting(
    "PRIVACY_MAILDIR",
    "",
    N_("Maildir used when no SMTP host is set (default: <var>/maildir; production needs it or an SMTP host)"),
    _optional_path,
)
PUBLIC_ORIGIN = Setting(
    "PRIVACY_PUBLIC_ORIGIN",
    "",
    N_(
        "the public origin (https://host): every link the server writes points there and it answers no other "
        "Host; required in production (development: the address it listens on)"
    ),
    _origin,
)
SMTP_HOST = Setting(
    "PRIVACY_SMTP_HOST", "", N_("SMTP server for outgoing mail; when empty, mail goes to the Maildir"), _optional
)
SMTP_PORT = Setting("PRIVACY_SMTP_PORT", "587", N_("SMTP port"), _smtp_port)
SMTP_SECURITY = Setting(
    "PRIVACY_SMTP_SECURITY",
    "starttls",
    N_(
        "starttls, tls or none; the server's certificate is always verified, and none is refused in production "
        "except to a relay on this machine"
    ),
    _smtp_security,
)
SMTP_CA_FILE = Setting(
    "PRIVACY_SMTP_CA_FILE",
    "",
    N_("certificates (PEM) of an authority trusted for the SMTP server besides the system's, e.g. an internal one"),
    _ca_file,
)
# A mail handed over by a delivery that stopped half-way is held this long plus 5 s, then sent again.
SMTP_TIMEOUT = Setting(
    "PRIVACY_SMTP_TIMEOUT",
    "30",
    N_(
        "seconds to wait for the SMTP server at each step; a mail whose delivery stopped half-way is retried "
        "after this plus 5 seconds"
    ),
    _smtp_timeout,
)
SMTP_USERNAME = Setting(
    "PRIVACY_SMTP_USERNAME", "", N_("SMTP user name, when the server requires authentication"), _optional
)
SMTP_PASSWORD = Setting("PRIVACY_SMTP_PASSWORD", "", N_("SMTP password"), _optional, secret=True)
# 20 posts per address in 10 minutes leaves room for corrections and for a shared hospital network;
# 5 requests a day per email address.
RIGHTS_LIMITS = Setting(
    "PRIVACY_RIGHTS_LIMITS",
    "20/600,5/86400",
    N_("rights-request limits: posts per client address / seconds, then requests per email address / seconds"),
    _rights_limits,
)
# A person makes a choice or two per visit, on a banner that waits for them: 30 choices in 10 minutes from one
# address is a script, which would otherwise fill the proof log kept for years (20,000 rows in 7 s were seen).
CONSENT_LIMITS = Setting(
    "PRIVACY_CONSENT_LIMITS",
    "30/600",
    N_("cookie choices recorded per client address / seconds; more are answered 429 and not recorded"),
    _consent_limits,
)
FORWARDED_ALLOW_IPS = Setting(
    "PRIVACY_FORWARDED_ALLOW_IPS",
    "",
    N_(
        "addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are trusted "
        "(comma-separated); empty: none; production requires its HTTPS proxy here"
    ),
    _optional,
)
# The catalogs of the product, unless an organization keeps its own (its own wording, another language).
PRODUCT_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LOCALES_DIR = Setting(
    "PRIVACY_LOCALES_DIR",
    "",
    N_(
        "the gettext catalogs the build and the server speak from, for an organization's own wording or another "
        "language (default: the product's locales/); read when the process starts"
    ),
    _optional_path,
)
MAIL_FROM = Setting("PRIVACY_MAIL_FROM", "privacy-notices@localhost", N_("the sender address of outgoing mail"), _text)
# A choice holds as long as its site says (cookies.consent_lifetime_months); claims about it may come for years after (5 for most civil actions in
# France, Code civil art. 2224): its proof is kept that long, then deleted (storage limitation).
CONSENT_PROOF_YEARS = Setting(
    "PRIVACY_CONSENT_PROOF_YEARS",
    "5",
    N_("years each proof-of-consent entry is kept after the longest a choice holds on the sites served, then deleted"),
    _proof_years,
)

# In the order of the documentation.
SETTINGS: tuple[Setting[object], ...] = (
    ENV,
    SECRET_KEYS,
    CONTENT_DIR,
    PUBLIC_DIR,
    VAR_DIR,
    DATABASE,
    CONSENT_LOG,
    DATABASE_URL,
    ANSWERS_DIR,
    MAILDIR,
    PUBLIC_ORIGIN,
    SMTP_HOST,
    SMTP_PORT,
    SMTP_SECURITY,
    SMTP_CA_FILE,
    SMTP_TIMEOUT,
    SMTP_USERNAME,
    SMTP_PASSWORD,
    RIGHTS_LIMITS,
    CONSENT_LIMITS,
    FORWARDED_ALLOW_IPS,
    MAIL_FROM,
    CONSENT_PROOF_YEARS,
    LOCALES_DIR,
)


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
    answers_dir: Path
    maildir: Path
    public_origin: str
    smtp_host: str | None
    smtp_port: int
    smtp_security: SmtpSecurity
    smtp_ca_file: Path | None
    smtp_timeout: float
    smtp_username: str | None
    smtp_password: str | None
    mail_from: str
    rights_limits: tuple[tuple[int, int], tuple[int, int]]
    consent_limits: tuple[int, int]
    forwarded_allow_ips: str | None
    consent_proof_years: int
    locales_dir: Path

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


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_LISTEN = ("127.0.0.1", 8000)


def _check_production(settings: Settings) -> None:
    """What production refuses, each said with what to set; in the order an operator meets them."""
    check_production_keys(settings.secret_keys)
    if not settings.public_origin:
        raise SettingsError(
            N_(
                "PRIVACY_PUBLIC_ORIGIN is required in production: set it to the address visitors "
                "use, such as https://privacy.hospital.example (links in mails point there)"
            )
        )
    if not settings.public_origin.startswith("https://"):
        raise SettingsError(
            N_("PRIVACY_PUBLIC_ORIGIN must start with https:// in production, not %(value)s"),
            value=settings.public_origin,
        )
    host = settings.smtp_host
    if host and settings.smtp_security == "none" and host not in LOOPBACK_HOSTS:
        # Rights requests carry health-related personal data: never across a network in clear.
        raise SettingsError(
            N_(
                "PRIVACY_SMTP_SECURITY=none would send rights requests unencrypted to %(host)s: in "
                "production use starttls or tls (none is only for a relay on this machine)"
            ),
            host=host,
        )
    if settings.database_url:
        _check_database_url(settings.database_url)
    if not settings.forwarded_allow_ips:
        # The server speaks plain HTTP; it learns that a visitor came over HTTPS only from a trusted proxy's
        # X-Forwarded-Proto.
        raise SettingsError(
            N_(
                "production serves visitors over HTTPS only, and this server speaks plain HTTP: put "
                "it behind a reverse proxy that terminates TLS and sends X-Forwarded-Proto, and name "
                "that proxy's address in PRIVACY_FORWARDED_ALLOW_IPS"
            )
        )


def _catalogs_folder(chosen: Path | None) -> Path:
    # The server would speak in no language at all: said at the start rather than on every page.
    if chosen is not None and not chosen.is_dir():
        raise SettingsError(
            N_(
                "PRIVACY_LOCALES_DIR is %(value)s, which is not a folder: point it at a folder of catalogs "
                "(<language>/LC_MESSAGES/<domain>.po), or leave it unset for the product's own"
            ),
            value=str(chosen),
        )
    return chosen or PRODUCT_LOCALES_DIR


def load_settings(
    environ: Mapping[str, str] | None = None, *, listen: tuple[str, int] = DEFAULT_LISTEN, **overrides: str
) -> Settings:
    """``listen``: the address the server listens on, the public origin of a development server."""
    env = {**(os.environ if environ is None else environ), **overrides}
    environment = ENV.read(env)
    var_dir = VAR_DIR.read(env)
    keys = SECRET_KEYS.read(env)
    smtp_host = SMTP_HOST.read(env)
    maildir = MAILDIR.read(env)
    settings = Settings(
        environment=environment,
        secret_keys=keys,
        content_dir=CONTENT_DIR.read(env),
        public_dir=PUBLIC_DIR.read(env),
        var_dir=var_dir,
        database=DATABASE.read(env) or var_dir / "privacy.sqlite3",
        consent_log=CONSENT_LOG.read(env) or var_dir / "consent-log.sqlite3",
        database_url=DATABASE_URL.read(env),
        answers_dir=ANSWERS_DIR.read(env) or var_dir / "answers",
        maildir=maildir or var_dir / "maildir",
        public_origin=PUBLIC_ORIGIN.read(env),
        smtp_host=smtp_host,
        smtp_port=SMTP_PORT.read(env),
        smtp_security=SMTP_SECURITY.read(env),
        smtp_ca_file=SMTP_CA_FILE.read(env),
        smtp_timeout=SMTP_TIMEOUT.read(env),
        smtp_username=SMTP_USERNAME.read(env),
        smtp_password=SMTP_PASSWORD.read(env),
        mail_from=MAIL_FROM.read(env),
        rights_limits=RIGHTS_LIMITS.read(env),
        consent_limits=CONSENT_LIMITS.read(env),
        forwarded_allow_ips=FORWARDED_ALLOW_IPS.read(env),
        consent_proof_years=CONSENT_PROOF_YEARS.read(env),
        locales_dir=_catalogs_folder(LOCALES_DIR.read(env)),
    )
    if settings.production:
        _check_production(settings)
        if not smtp_host and not maildir:
            raise SettingsError(
                N_(
                    "production needs a route for the DPO's mail: set PRIVACY_SMTP_HOST to your SMTP "
                    "relay, or PRIVACY_MAILDIR to the Maildir the DPO reads"
                )
            )
        return settings
    # Development: a key of its own under var/, and the address it listens on as its origin.
    return dataclasses.replace(
        settings,
        secret_keys=keys or (development_key(var_dir),),
        public_origin=settings.public_origin or listening_origin(*listen),
    )


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
            reason=reason(error),
        ) from None
