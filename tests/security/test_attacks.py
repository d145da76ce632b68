"""What an attacker tries, against the real app and the real server: a bounded set of bad inputs (forged Host,
JSON nested deep, the build's own files, malformed requests) and of tampered consent cookies (bits flipped,
signatures re-encoded, another site's cookie, truncated, forged with an empty or a weak key).

Targets: no 5xx, every answer with the security headers, no tampered cookie accepted. The figures are printed
(``pytest -s`` or ``-rA`` shows them) and recorded as properties of the test report (``--junitxml``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from itsdangerous import Signer
from starlette.testclient import TestClient

from privacy.app import CONTENT_SECURITY_POLICY, create_app
from privacy.consent.cookie import site_salt
from privacy.pipeline import build
from privacy.settings import load_settings
from privacy.sqlite.consent_log import SqliteConsentLog
from tests.factories import minimal_notice, optional_cookies, settings_env, write_content
from tests.security.conftest import raw_request, running_server, status_and_headers

SITE, TWIN = "clinique", "clinique-nord"  # the same cookie inventory: the same revision
KEY = "test-key-" + "x" * 40  # settings_env's
LIFTED_LIMITS = {"PRIVACY_RIGHTS_LIMITS": "100000/600,100000/600", "PRIVACY_CONSENT_LIMITS": "100000/600"}
FORGED_HOSTS = [
    "hospital-login.evil.example",
    "testserver.evil.example",
    "evil.example:443",
    "testserver:8443",
    "127.0.0.1",
    "localhost",
    "",
    "testserver.",
    "a" * 300,
    "testserver@evil.example",
    "[::1]",
    "testserver:443.evil.example",
]
BUILD_PATHS = [
    "/.build/manifest.json",
    "/.build/",
    "/.BUILD/manifest.json",
    "/%2Ebuild/manifest.json",
    "/clinique/%2E%2E/.build/manifest.json",
    "/.build%2Fmanifest.json",
]
RAW_TARGETS = [
    "/./.build/manifest.json",
    "/clinique/../.build/manifest.json",
    "//.build/manifest.json",
    "/%2e%2e/.build/manifest.json",
    "/.build/../.build/manifest.json",
]


@dataclass
class Tally:
    """What was tried and what came back."""

    tried: int = 0
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    without_headers: list[str] = field(default_factory=list)

    def answer(self, what: str, status: int, headers: dict[str, str], expected: Callable[[int], bool]) -> None:
        self.tried += 1
        if status >= 500:
            self.server_errors.append(f"{what}: {status}")
        elif not expected(status):
            self.unexpected.append(f"{what}: {status}")
        if (
            headers.get("content-security-policy") != CONTENT_SECURITY_POLICY
            or headers.get("x-frame-options") != "DENY"
        ):
            self.without_headers.append(what)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("attacks")
    notice = minimal_notice(cookies=optional_cookies())
    content = write_content(root / "content", {SITE: notice, TWIN: notice})
    assert build(content, root / "public").ok
    return root


@pytest.fixture(scope="module")
def client(root: Path) -> Iterator[TestClient]:
    settings = load_settings(settings_env(root, root / "content", root / "public", **LIFTED_LIMITS))
    with TestClient(create_app(settings), base_url="https://testserver", raise_server_exceptions=False) as client:
        yield client


def _is(*statuses: int) -> Callable[[int], bool]:
    return lambda status: status in statuses


def _deep_json(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    inner = b'{"a":' * depth + b"1" + b"}" * depth
    return b'{"site": "clinique", "action": "accept", "x": ' + inner + b"}"


def test_bad_inputs_get_no_server_error(client: TestClient, root: Path, record_property: Callable[..., None]) -> None:
    tally = Tally()
    form = {
        "rights": ["access"],
        "name": "Ana Dupont",
        "email": "ana@example.fr",
        "relationship": "patients",
        "details": "Une copie de mon dossier.",
        "website": "",
    }
    for host in FORGED_HOSTS:
        for method, path in [
            ("GET", "/"),
            ("GET", f"/consent?site={SITE}"),
            ("GET", "/rights/clinique/fr/"),
            ("GET", "/.build/manifest.json"),
        ]:
            response = client.request(method, path, headers={"host": host})
            tally.answer(f"Host {host[:40]!r} {path}", response.status_code, dict(response.headers), _is(400))
        posted = client.post("/rights/clinique/fr/", data=form, headers={"host": host}, follow_redirects=False)
        tally.answer(f"Host {host[:40]!r} rights post", posted.status_code, dict(posted.headers), _is(400))
        chosen = client.post("/consent", json={"site": SITE, "action": "accept"}, headers={"host": host})
        tally.answer(f"Host {host[:40]!r} consent post", chosen.status_code, dict(chosen.headers), _is(400))
    for depth in (5, 10, 100, 999, 1000, 1500, 2000, 3000):
        for kind in ("array", "object"):
            body = _deep_json(depth, kind)
            response = client.post("/consent", content=body, headers={"content-type": "application/json"})
            tally.answer(f"JSON {kind} {depth} deep", response.status_code, dict(response.headers), _is(400, 413))
    for path in BUILD_PATHS:
        response = client.get(path)
        tally.answer(f"GET {path}", response.status_code, dict(response.headers), _is(404))
        assert str(root) not in response.text

    port_tally = _raw_inputs(root)
    tried = tally.tried + port_tally.tried
    errors = tally.server_errors + port_tally.server_errors
    print(
        f"\nbad inputs tried: {tried} (app {tally.tried}, real server {port_tally.tried}); 5xx seen: {len(errors)}; "
        f"answers without the security headers: {len(tally.without_headers) + len(port_tally.without_headers)}"
    )
    record_property("bad_inputs_tried", tried)
    record_property("bad_inputs_5xx", len(errors))
    assert errors == []
    assert tally.unexpected + port_tally.unexpected == []
    assert tally.without_headers + port_tally.without_headers == []


def _raw_inputs(root: Path) -> Tally:
    """What only a real HTTP server receives: bytes no client library sends."""
    tally = Tally()
    env = settings_env(root, root / "content", root / "public", PRIVACY_PUBLIC_ORIGIN="", **LIFTED_LIMITS)
    with running_server(env, root / "server.log") as port:
        own = f"127.0.0.1:{port}".encode()
        requests: list[tuple[str, bytes, Callable[[int], bool]]] = [
            ("not HTTP", b"NOT HTTP AT ALL\r\n\r\n", _is(400)),
            ("a header without a colon", b"GET / HTTP/1.1\r\nHost: " + own + b"\r\nBad Header\r\n\r\n", _is(400)),
            ("no Host", b"GET / HTTP/1.1\r\n\r\n", _is(400)),
            ("two Hosts", b"GET / HTTP/1.1\r\nHost: " + own + b"\r\nHost: evil.example\r\n\r\n", _is(400)),
            (
                "a forged Host",
                b"GET /rights/clinique/fr/ HTTP/1.1\r\nHost: hospital-login.evil.example\r\n\r\n",
                _is(400),
            ),
            (
                "absolute form to another host",
                b"GET http://evil.example/rights/clinique/fr/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
                _is(400),
            ),
            ("a Host of latin-1 bytes", b"GET / HTTP/1.1\r\nHost: t\xe9st\r\n\r\n", _is(400)),
            (
                "a deep JSON choice",
                b"POST /consent HTTP/1.1\r\nHost: " + own + b"\r\nContent-Type: application/json\r\n"
                b"Content-Length: 4000\r\n\r\n" + b"[" * 2000 + b"]" * 2000,
                _is(400),
            ),
            (
                "a body longer than said",
                b"POST /consent HTTP/1.1\r\nHost: " + own + b"\r\nContent-Type: application/json"
                b"\r\nContent-Length: 2\r\n\r\n" + b"[" * 50,
                _is(400),
            ),
        ]
        requests += [
            (f"GET {target}", f"GET {target} HTTP/1.1\r\nHost: ".encode() + own + b"\r\n\r\n", _is(404))
            for target in RAW_TARGETS
        ]
        for what, data, expected in requests:
            answer = raw_request(port, data)
            if not answer:
                tally.tried += 1
                tally.unexpected.append(f"{what}: no answer")
                continue
            status, headers = status_and_headers(answer)
            tally.answer(what, status, headers, expected)
            assert b'"compliance' not in answer and str(root).encode() not in answer, what
    return tally


# --- tampered cookies ----------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signed_with(key: str, salt: str, payload: dict[str, object]) -> str:
    value = _b64(json.dumps(payload, separators=(",", ":")).encode())
    derived = Signer(key, salt=salt, digest_method=hashlib.sha256).derive_key()
    return f"{value}.{_b64(hmac.digest(derived, value.encode(), 'sha256'))}"


def _signature_variants(signature: str) -> list[str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return [
        signature + "=",
        signature + "==",
        signature + "===",
        signature.replace("-", "+").replace("_", "/") + "=",  # the standard alphabet (and padding: never the same)
        signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1],  # the 2 bits past the 256
        signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 2],
        signature[:10] + " " + signature[10:],
        signature[:10] + "\t" + signature[10:],
        signature[:20] + "!" + signature[20:],
        signature[:20] + "." + signature[20:],
    ]


def _tampered(valid: str, twin: str, revision: str) -> list[tuple[str, str]]:
    payload, signature = valid.rsplit(".", 1)
    raw_payload, raw_signature = _unb64(payload), _unb64(signature)
    found: list[tuple[str, str]] = []
    for i in range(min(len(raw_payload), 48)):
        flipped = bytearray(raw_payload)
        flipped[i] ^= 1 << (i % 8)
        found.append((f"payload bit {i * 8 + i % 8} flipped", f"{_b64(bytes(flipped))}.{signature}"))
    for i in range(len(raw_signature)):
        flipped = bytearray(raw_signature)
        flipped[i] ^= 1 << (i % 8)
        found.append((f"signature bit {i * 8 + i % 8} flipped", f"{payload}.{_b64(bytes(flipped))}"))
    found += [
        (f"signature re-encoded {n}", f"{payload}.{variant}")
        for n, variant in enumerate(_signature_variants(signature))
    ]
    found += [
        (f"truncated to {n}", valid[:n])
        for n in (1, 10, len(payload), len(payload) + 1, len(valid) - 1, len(valid) - 2, len(valid) - 10)
    ]
    found += [
        ("empty", ""),
        ("a dot", "."),
        ("payload only", payload),
        ("signature only", f".{signature}"),
        ("two signatures", f"{valid}.{signature}"),
    ]
    choice = {"i": "forged-id", "t": int(time.time()) - 60, "r": revision, "c": {"audience_measurement": True}}
    found += [
        (f"forged with the key {name}", _signed_with(key, site_salt(SITE), choice))
        for name, key in (("''", ""), ("'a' * 32", "a" * 32), ("of another server", "another-" + "k" * 40))
    ]
    found += [
        ("another site's cookie (same key, same revision)", twin),
        ("signed for another site", _signed_with(KEY, site_salt(TWIN), choice)),
        ("signed as an older version did, for no site", _signed_with(KEY, "privacy-notices.consent.v2", choice)),
    ]
    return found


def test_tampered_cookies_are_never_accepted(client: TestClient, record_property: Callable[..., None]) -> None:
    def decided(value: str, site: str = SITE) -> bool:
        response = client.get("/consent", params={"site": site}, headers={"cookie": f"consent-{site}={value}"})
        assert response.status_code == 200, response.text
        return bool(response.json()["decided"])

    client.cookies.clear()
    valid = client.post("/consent", json={"site": SITE, "action": "accept"}).cookies[f"consent-{SITE}"]
    twin = client.post("/consent", json={"site": TWIN, "action": "accept"}).cookies[f"consent-{TWIN}"]
    client.cookies.clear()
    assert decided(valid) and decided(twin, TWIN)  # the genuine ones hold
    revision = client.get("/consent", params={"site": SITE}).json()["revision"]
    tampered = _tampered(valid, twin, revision)
    accepted = [what for what, value in tampered if decided(value)]
    print(f"\ntampered cookies tried: {len(tampered)}; accepted: {len(accepted)}")
    record_property("tampered_cookies_tried", len(tampered))
    record_property("tampered_cookies_accepted", len(accepted))
    assert accepted == []


def test_another_sites_cookie_lends_no_consent_id(client: TestClient) -> None:
    from privacy.sqlite.database import connect

    client.cookies.clear()
    twin = client.post("/consent", json={"site": TWIN, "action": "accept"}).cookies[f"consent-{TWIN}"]
    client.cookies.clear()
    client.post("/consent", json={"site": SITE, "action": "reject"}, headers={"cookie": f"consent-{SITE}={twin}"})
    db = connect(client.app.state.privacy.settings.consent_log, "NORMAL")  # type: ignore[attr-defined]
    try:
        twin_ids = {r.consent_id for r in SqliteConsentLog(db).records(TWIN)}
        site_ids = {r.consent_id for r in SqliteConsentLog(db).records(SITE)}
    finally:
        db.close()
    assert twin_ids and site_ids and not twin_ids & site_ids
