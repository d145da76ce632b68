"""Whatever a client sends to any endpoint (form or JSON body, headers, cookies), the answer is never a 5xx.

The routes come from the app itself, so every endpoint a feature adds is covered as soon as it lands.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.routing import Route
from starlette.testclient import TestClient

from privacy.app import create_app
from privacy.settings import load_settings
from tests.factories import minimal_notice, optional_cookies, settings_env, write_content
from tests.property.strategies import TEXT, yaml_values

BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, database=None)
SITE = "clinique"

# Printable ASCII: what an HTTP client library lets through in a header value.
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
HEADERS = st.dictionaries(
    st.sampled_from(
        [
            "content-type",
            "accept",
            "accept-language",
            "origin",
            "referer",
            "sec-fetch-site",
            "sec-gpc",
            "x-forwarded-for",
            "user-agent",
            "host",
        ]
    ),
    st.one_of(
        HEADER_TEXT,
        st.sampled_from(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "text/plain",
                "fr",
                "en;q=0.5, fr;q=x",
                "https://testserver",
                "null",
                "same-origin",
                "cross-site",
                "1",
                "*/*",
                "text/html",
            ]
        ),
    ),
    max_size=5,
)
COOKIES = st.dictionaries(
    st.sampled_from(["privacy_consent", "consent", "rights_receipt", "session", "x"]),
    HEADER_TEXT.filter(lambda v: ";" not in v),
    max_size=3,
)


def _app_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path template) of every endpoint; the static pages' Mount is not one."""
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, route.path))
    return found


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("endpoints")
    content = write_content(tmp / "content", {SITE: minimal_notice(cookies=optional_cookies())})
    app = create_app(load_settings(settings_env(tmp, content)))
    # Server errors come back as responses, so the assertion can show the body.
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as test_client:
        yield test_client


@st.composite
def requests(draw: st.DrawFn, routes: list[tuple[str, str]]) -> dict[str, Any]:
    method, template = draw(st.sampled_from(routes))
    path = template
    for name in ("site", "lang", "token", "name"):
        value = {"site": st.sampled_from([SITE, "nowhere"]), "lang": st.sampled_from(["fr", "en", "de"])}.get(
            name, TEXT
        )
        path = path.replace("{" + name + "}", quote(draw(st.one_of(value, TEXT)) or "x", safe=""))
    query = draw(st.dictionaries(st.sampled_from(["site", "lang", "return", "action", "x"]), TEXT, max_size=3))
    return {"method": method, "url": path, "params": query, "headers": draw(HEADERS), "cookies": draw(COOKIES)}


def _send(client: TestClient, request: dict[str, Any], **body: Any) -> None:
    client.cookies.clear()
    for name, value in request.pop("cookies").items():
        client.cookies.set(name, value)
    if request["method"] == "GET":
        body = {}
    response = client.request(**request, **body)
    assert response.status_code < 500, f"{request} {body} → {response.status_code}: {response.text[:500]}"


def test_the_endpoints_are_discovered(client: TestClient) -> None:
    # If this fails, the app lost its endpoints and the properties below would test nothing.
    paths = {path for _, path in _app_routes(client)}
    assert "/consent" in paths
    assert any(path.startswith("/rights/") for path in paths)


FORM_FIELDS = st.sampled_from(
    [
        "site",
        "lang",
        "action",
        "category",
        "return",
        "name",
        "email",
        "rights",
        "message",
        "relation",
        "reference",
        "website",
        "csrf",
        "x",
    ]
)


@BOUNDED
@given(data=st.data())
def test_any_form_body_gets_no_server_error(client: TestClient, data: st.DataObject) -> None:
    request = data.draw(requests(_app_routes(client)))
    fields = data.draw(st.lists(st.tuples(FORM_FIELDS, TEXT), max_size=8))
    request["headers"].setdefault("content-type", "application/x-www-form-urlencoded")
    body = "&".join(f"{quote(k)}={quote(v)}" for k, v in fields)
    _send(client, request, content=body.encode())


@BOUNDED
@given(data=st.data())
def test_any_json_body_gets_no_server_error(client: TestClient, data: st.DataObject) -> None:
    request = data.draw(requests(_app_routes(client)))
    value = data.draw(
        st.one_of(
            yaml_values(max_leaves=12).map(lambda v: json.loads(json.dumps(v, default=str))),
            st.fixed_dictionaries(
                {"site": st.sampled_from([SITE, "x"]), "action": TEXT},
                optional={"choices": yaml_values(max_leaves=6), "lang": TEXT, "gpc": yaml_values(3)},
            ),
        )
    )
    request["headers"].setdefault("content-type", "application/json")
    _send(client, request, content=json.dumps(value, default=str).encode())


@BOUNDED
@given(data=st.data())
def test_any_raw_body_gets_no_server_error(client: TestClient, data: st.DataObject) -> None:
    request = data.draw(requests(_app_routes(client)))
    _send(client, request, content=data.draw(st.binary(max_size=300)))
