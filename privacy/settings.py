"""Server settings, declared once each with its default and help text.

Secrets come only from the environment. In production the server refuses to
start without a secret key; in development it keeps a random one under var/.
"""

from __future__ import annotations

import os
import secrets
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .codes import N_


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
    Setting("PRIVACY_ENV", "development", "development or production; production requires PRIVACY_SECRET_KEYS and HTTPS"),
    Setting("PRIVACY_SECRET_KEYS", "", "comma-separated signing keys, newest first; the newest signs, all verify", secret=True),
    Setting("PRIVACY_CONTENT_DIR", "content", "the content folder (sites' policy.yaml)"),
    Setting("PRIVACY_PUBLIC_DIR", "public", "the built pages, served at /"),
    Setting("PRIVACY_VAR_DIR", "var", "where the database, the Maildir and the development key live"),
    Setting("PRIVACY_DATABASE", "", "SQLite database of rights requests and their mails (default: <var>/privacy.sqlite3)"),
    Setting("PRIVACY_CONSENT_LOG", "", "SQLite database of the proof-of-consent log (default: <var>/consent-log.sqlite3)"),
    Setting("PRIVACY_MAILDIR", "", "Maildir used when no SMTP host is set (default: <var>/maildir)"),
    Setting("PRIVACY_PUBLIC_ORIGIN", "", "the public origin (https://host) accepted for form posts, besides the request's own"),
    Setting("PRIVACY_SMTP_HOST", "", "SMTP server for outgoing mail; when empty, mail goes to the Maildir"),
    Setting("PRIVACY_SMTP_PORT", "587", "SMTP port"),
    Setting("PRIVACY_SMTP_SECURITY", "starttls",
            "starttls, tls or none; the server's certificate is always verified, and none is refused in production "
            "except to a relay on this machine"),
    Setting("PRIVACY_SMTP_CA_FILE", "",
            "certificates (PEM) of an authority trusted for the SMTP server besides the system's, e.g. an internal one"),
    # A mail handed over by a delivery that stopped half-way is held this long plus 5 s, then sent again.
    Setting("PRIVACY_SMTP_TIMEOUT", "30",
            "seconds to wait for the SMTP server at each step; a mail whose delivery stopped half-way is retried "
            "after this plus 5 seconds"),
    Setting("PRIVACY_SMTP_USERNAME", "", "SMTP user name, when the server requires authentication"),
    Setting("PRIVACY_SMTP_PASSWORD", "", "SMTP password", secret=True),
    # 20 posts per address in 10 minutes leaves room for corrections and for a shared hospital network;
    # 5 requests a day per email address.
    Setting("PRIVACY_RIGHTS_LIMITS", "20/600,5/86400",
            "rights-request limits: posts per client address / seconds, then requests per email address / seconds"),
    # A person makes a choice or two per visit, on a banner that waits for them: 30 choices in 10 minutes from one
    # address is a script, which would otherwise fill the proof log kept for years (20,000 rows in 7 s were seen).
    Setting("PRIVACY_CONSENT_LIMITS", "30/600",
            "cookie choices recorded per client address / seconds; more are answered 429 and not recorded"),
    Setting("PRIVACY_FORWARDED_ALLOW_IPS", "",
            "addresses of the reverse proxies whose X-Forwarded-For is trusted (comma-separated); empty: none"),
    Setting("PRIVACY_MAIL_FROM", "privacy-notices@localhost", "the sender address of outgoing mail"),
    # A choice holds at most 13 months; claims about it may come for years after (5 for most civil actions in
    # France, Code civil art. 2224): its proof is kept that long, then deleted (storage limitation).
    Setting("PRIVACY_CONSENT_PROOF_YEARS", "5",
            "years each proof-of-consent entry is kept after the longest a choice can hold (13 months), then deleted"),
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
    maildir: Path
    public_origin: str | None
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


NO_TRUSTED_PROXY = N_(
    "warning: PRIVACY_FORWARDED_ALLOW_IPS is empty, so no reverse proxy is trusted: behind one, every visitor "
    "has the proxy's address and all share one rate limit, which one client can use up for everyone. Set it to "
    "the proxy's address (for example 127.0.0.1).")


def startup_warnings(settings: Settings) -> list[str]:
    """What the operator is told at start about settings the server runs with but should not (catalog ids)."""
    found = []
    # Production is served over HTTPS, so behind a TLS-terminating proxy: without its address trusted, the
    # limits per client address count the proxy.
    if settings.production and not settings.forwarded_allow_ips:
        found.append(NO_TRUSTED_PROXY)
    return found


def _development_key(var_dir: Path) -> str:
    """A key kept on disk so that consent cookies survive a restart in development."""
    path = var_dir / "development-secret-key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


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
        raise SettingsError(N_("PRIVACY_SMTP_CA_FILE: %(path)s holds no certificate in PEM form"), path=str(path)) from None
    except OSError:
        raise SettingsError(N_("PRIVACY_SMTP_CA_FILE: %(path)s cannot be read"), path=str(path)) from None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: str) -> Settings:
    env = dict(os.environ if environ is None else environ)
    env.update(overrides)
    value = {s.name: env.get(s.name) or s.default for s in SETTINGS}
    environment = value["PRIVACY_ENV"]
    if environment not in ("development", "production"):
        raise SettingsError(N_("PRIVACY_ENV must be development or production, not %(value)s"), value=repr(environment))
    var_dir = Path(value["PRIVACY_VAR_DIR"])
    keys = tuple(k.strip() for k in value["PRIVACY_SECRET_KEYS"].split(",") if k.strip())
    if environment == "production":
        if not keys:
            raise SettingsError(N_("PRIVACY_SECRET_KEYS is required in production: set it to a long random string"))
        if any(len(k) < 32 for k in keys):
            raise SettingsError(N_("each key in PRIVACY_SECRET_KEYS must be at least 32 characters long"))
    elif not keys:
        keys = (_development_key(var_dir),)
    security = value["PRIVACY_SMTP_SECURITY"]
    if security not in ("starttls", "tls", "none"):
        raise SettingsError(N_("PRIVACY_SMTP_SECURITY must be starttls, tls or none, not %(value)s"), value=repr(security))
    smtp_host = value["PRIVACY_SMTP_HOST"] or None
    if environment == "production" and smtp_host and security == "none" and smtp_host not in LOOPBACK_HOSTS:
        # Rights requests carry health-related personal data: never across a network in clear.
        raise SettingsError(N_("PRIVACY_SMTP_SECURITY=none would send rights requests unencrypted to %(host)s: in "
                               "production use starttls or tls (none is only for a relay on this machine)"),
                            host=smtp_host)
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
        raise SettingsError(N_("PRIVACY_RIGHTS_LIMITS must read like 20/600,5/86400 (count/seconds per address, then per email)")) from None
    try:
        consent_limits = tuple(int(n) for n in value["PRIVACY_CONSENT_LIMITS"].split("/"))
        if len(consent_limits) != 2 or min(consent_limits) < 1:
            raise ValueError
    except ValueError:
        raise SettingsError(N_("PRIVACY_CONSENT_LIMITS must read like 30/600 (choices per client address / seconds)")) from None
    try:
        proof_years = int(value["PRIVACY_CONSENT_PROOF_YEARS"])
        if not 1 <= proof_years <= 30:
            raise ValueError
    except ValueError:
        raise SettingsError(N_("PRIVACY_CONSENT_PROOF_YEARS must be a number of years from 1 to 30")) from None
    return Settings(
        consent_proof_years=proof_years,
        rights_limits=limits,  # type: ignore[arg-type]
        consent_limits=consent_limits,  # type: ignore[arg-type]
        forwarded_allow_ips=value["PRIVACY_FORWARDED_ALLOW_IPS"] or None,
        environment=environment,  # type: ignore[arg-type]
        secret_keys=keys,
        content_dir=Path(value["PRIVACY_CONTENT_DIR"]),
        public_dir=Path(value["PRIVACY_PUBLIC_DIR"]),
        var_dir=var_dir,
        database=Path(value["PRIVACY_DATABASE"] or var_dir / "privacy.sqlite3"),
        consent_log=Path(value["PRIVACY_CONSENT_LOG"] or var_dir / "consent-log.sqlite3"),
        maildir=Path(value["PRIVACY_MAILDIR"] or var_dir / "maildir"),
        public_origin=value["PRIVACY_PUBLIC_ORIGIN"].rstrip("/") or None,
        smtp_host=smtp_host,
        smtp_port=port,
        smtp_security=security,  # type: ignore[arg-type]
        smtp_ca_file=ca_file,
        smtp_timeout=smtp_timeout,
        smtp_username=value["PRIVACY_SMTP_USERNAME"] or None,
        smtp_password=value["PRIVACY_SMTP_PASSWORD"] or None,
        mail_from=value["PRIVACY_MAIL_FROM"],
    )
