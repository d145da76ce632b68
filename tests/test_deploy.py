"""deploy/nginx.conf, for real: ``nginx -t`` accepts it, and nginx running it on loopback, over TLS, in front of two
server.py instances in production mode on one register, serves the built pages with the server's own security
headers, hands /consent and /rights/ to the instances with the visitor's scheme and address (which a forged
X-Forwarded-For cannot change), goes on when an instance stops, and never serves the build's own files."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import trustme

from privacy.app import HSTS, SECURITY_HEADERS
from tests.factories import PRODUCTION, REPO, settings_env, write_content
from tests.rights.conftest import form_notice, good_form
from tests.support.quality import free_port

DEPLOY = REPO / "deploy"
HOST = "privacy.hospital.example"
SNIPPETS = "/etc/nginx/snippets/"


def _nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None)
    if found is None:
        pytest.fail("nginx is not installed: apt-get install nginx (.ci/run does); it is never skipped", pytrace=False)
    return found


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"deploy/nginx.conf no longer has {old!r}: update tests/test_deploy.py with it"
    return text.replace(old, new)


@dataclass
class Proxy:
    prefix: Path
    https_port: int
    http_port: int

    @property
    def config(self) -> Path:
        return self.prefix / "nginx.conf"

    def command(self, *args: str) -> list[str]:
        return [_nginx(), "-p", str(self.prefix), "-c", str(self.config), "-e", str(self.prefix / "error.log"), *args]


def _proxy(root: Path, public: Path, upstreams: list[int], ca: trustme.CA) -> Proxy:
    """deploy/nginx.conf with only what a machine changes changed: loopback ports, certificate, root, upstreams."""
    prefix = root / "nginx"
    (prefix / "snippets").mkdir(parents=True)
    for snippet in ("privacy-security-headers.conf", "privacy-proxy.conf"):
        shutil.copy(DEPLOY / snippet, prefix / "snippets" / snippet)
    certificate = ca.issue_cert(HOST)
    certificate.cert_chain_pems[0].write_to_path(prefix / "cert.pem")
    for pem in certificate.cert_chain_pems[1:]:
        pem.write_to_path(prefix / "cert.pem", append=True)
    certificate.private_key_pem.write_to_path(prefix / "key.pem")
    proxy = Proxy(prefix, free_port(), free_port())
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    site = _replace(site, "listen 80;", f"listen 127.0.0.1:{proxy.http_port};")
    site = _replace(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{proxy.https_port} ssl http2;")
    site = _replace(_replace(site, "listen [::]:80;\n", ""), "listen [::]:443 ssl http2;\n", "")
    site = _replace(site, "/etc/ssl/private/privacy.hospital.example.fullchain.pem", str(prefix / "cert.pem"))
    site = _replace(site, "/etc/ssl/private/privacy.hospital.example.key.pem", str(prefix / "key.pem"))
    site = _replace(site, "root /srv/privacy-notices/public;", f"root {public};")
    site = _replace(site, SNIPPETS, f"{prefix}/snippets/")
    site = _replace(site, "server 10.0.0.11:8000", f"server 127.0.0.1:{upstreams[0]}")
    site = _replace(site, "server 10.0.0.12:8000", f"server 127.0.0.1:{upstreams[1]}")
    (prefix / "site.conf").write_text(site, encoding="utf-8")
    temp = prefix / "temp"
    temp.mkdir()
    # The http block of Debian's /etc/nginx/nginx.conf, reduced to what a site needs, with every path in here.
    proxy.config.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # workers read the test's private folders
        + f"worker_processes 1;\npid {prefix}/nginx.pid;\nevents {{ worker_connections 64; }}\nhttp {{\n"
        "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        + "".join(
            f"    {kind}_temp_path {temp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {prefix}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    return proxy


@dataclass
class Instance:
    process: subprocess.Popen[bytes]
    port: int


def _start_server(env: dict[str, str], port: int, log: Path) -> Instance:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "server.py", "--port", str(port)], cwd=REPO, env=env, stdout=out, stderr=out
        )
    _wait_for(port, process, log)
    return Instance(process, port)


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"not listening on {port}: {log.read_text(errors='replace')}")


class Visitor:
    """HTTPS to nginx on loopback, as a browser reaching https://privacy.hospital.example would."""

    def __init__(self, proxy: Proxy, ca: trustme.CA) -> None:
        self.proxy = proxy
        self.context = ssl.create_default_context()
        ca.configure_trust(self.context)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPSConnection(HOST, self.proxy.https_port, context=self.context, timeout=30)
        connection._create_connection = lambda address, *args, **kwargs: socket.create_connection(  # type: ignore[attr-defined]
            ("127.0.0.1", address[1]), *args, **kwargs
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def post_form(self, path: str, form: dict[str, Any]) -> http.client.HTTPResponse:
        body = urlencode(form, doseq=True).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})[0]

    def post_json(self, path: str, data: dict[str, Any], headers: dict[str, str]) -> http.client.HTTPResponse:
        body = json.dumps(data).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json", **headers})[0]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Visitor, list[Instance]]]:
    root = tmp_path_factory.mktemp("deploy")
    notice = form_notice()
    notice["rights"]["offered"] += ["restriction", "objection"]  # what the build requires of a published notice
    content = write_content(root / "content", {"clinique": notice})
    public = root / "public"
    built = subprocess.run(
        [sys.executable, "build.py", "--content", str(content), "--out", str(public)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (public / ".build").mkdir(exist_ok=True)
    env = {
        **os.environ,
        **settings_env(root, content, public),
        **PRODUCTION,
        "PRIVACY_PUBLIC_ORIGIN": f"https://{HOST}",
        "PRIVACY_FORWARDED_ALLOW_IPS": "127.0.0.1",
        "PRIVACY_SMTP_HOST": "",
        "PRIVACY_MAILDIR": str(root / "var" / "maildir"),
        "PRIVACY_CONSENT_LIMITS": "3/600",
    }
    ports = [free_port(), free_port()]
    ca = trustme.CA()
    proxy = _proxy(root, public, ports, ca)
    checked = subprocess.run(proxy.command("-t"), capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0 and "test is successful" in checked.stderr, checked.stderr
    servers: list[Instance] = []
    nginx: subprocess.Popen[bytes] | None = None
    try:
        for port in ports:  # two instances, one register: the second starts on the migrated database
            servers.append(_start_server(env, port, root / f"server-{port}.log"))
        nginx = subprocess.Popen(proxy.command("-g", "daemon off;"), stderr=subprocess.DEVNULL)
        _wait_for(proxy.https_port, nginx, proxy.prefix / "error.log")
        yield Visitor(proxy, ca), servers
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)  # graceful: finishes the requests under way
            nginx.wait(timeout=30)
        for server in servers:
            server.process.terminate()
            server.process.wait(timeout=30)


def _security_headers(response: http.client.HTTPResponse) -> dict[str, list[str]]:
    names = [name.decode() for name, _ in [*SECURITY_HEADERS, HSTS]]
    return {name: response.headers.get_all(name) or [] for name in names}


EXPECTED = {name.decode(): [value.decode()] for name, value in [*SECURITY_HEADERS, HSTS]}


def test_nginx_serves_the_built_pages_with_the_servers_own_headers(deployment: Any) -> None:
    visitor, _ = deployment
    response, body = visitor.request("GET", "/clinique/fr/")
    assert response.status == 200 and b"<html" in body
    assert _security_headers(response) == EXPECTED
    assert response.headers["Cache-Control"] == "no-cache"
    stylesheet = next(name for name in body.decode().split('"') if "/assets/" in name and name.endswith(".css"))
    response, _ = visitor.request("GET", "/assets/" + stylesheet.rsplit("/", 1)[1])
    assert response.status == 200 and response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert _security_headers(response) == EXPECTED


def test_the_builds_own_files_and_hidden_files_are_never_served(deployment: Any) -> None:
    visitor, _ = deployment
    for path in ("/.build/manifest.json", "/.build/", "/clinique/.hidden", "/%2Ebuild/manifest.json"):
        response, _ = visitor.request("GET", path)
        assert response.status == 404, path


def test_the_endpoints_are_the_servers_with_each_header_once(deployment: Any) -> None:
    visitor, _ = deployment
    response, body = visitor.request("GET", "/consent?site=clinique")
    assert response.status == 200 and "decided" in json.loads(body)
    assert _security_headers(response) == EXPECTED  # sent by the server, not doubled by nginx
    response, _ = visitor.request("GET", "/rights/clinique/fr/")
    assert response.status == 200 and _security_headers(response) == EXPECTED


def test_the_instances_see_the_visitors_https(deployment: Any) -> None:
    visitor, servers = deployment
    response = visitor.post_form("/rights/clinique/fr/", good_form(email="ana.https@example.fr"))
    assert response.status == 303 and response.headers["Location"].startswith("/rights/clinique/fr/sent")
    # The same post straight to an instance, without nginx's X-Forwarded-Proto: a production server refuses it.
    connection = http.client.HTTPConnection("127.0.0.1", servers[1].port, timeout=30)
    try:
        body = urlencode(good_form(email="ana.direct@example.fr"), doseq=True)
        headers = {"Host": HOST, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", "/rights/clinique/fr/", body=body, headers=headers)
        direct = connection.getresponse()
        direct.read()
    finally:
        connection.close()
    assert direct.status == 400


def test_plain_http_is_sent_to_https(deployment: Any) -> None:
    visitor, _ = deployment
    connection = http.client.HTTPConnection("127.0.0.1", visitor.proxy.http_port, timeout=30)
    try:
        connection.request("GET", "/clinique/fr/?x=1", headers={"Host": HOST})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 301 and response.headers["Location"] == f"https://{HOST}/clinique/fr/?x=1"


def test_a_forged_x_forwarded_for_gives_no_fresh_rate_limit(deployment: Any) -> None:
    visitor, _ = deployment
    # The limit is 3 choices per address: forged addresses do not make the visitor someone else.
    statuses = [
        visitor.post_json("/consent", {"site": "clinique", "action": "dismiss"}, {"X-Forwarded-For": f"192.0.2.{n}"})
        for n in range(4)
    ]
    assert [response.status for response in statuses] == [200, 200, 200, 429]


def test_nginx_goes_on_when_an_instance_stops(deployment: Any) -> None:
    visitor, servers = deployment
    servers[0].process.terminate()
    servers[0].process.wait(timeout=30)
    answers = [visitor.request("GET", "/rights/clinique/fr/")[0].status for _ in range(4)]
    answers.append(visitor.post_form("/rights/clinique/fr/", good_form(email="ana.failover@example.fr")).status)
    assert answers == [200, 200, 200, 200, 303]
