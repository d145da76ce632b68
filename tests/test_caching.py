"""Cache headers and compression of the built files, as the server sends them (privacy/caching.py)."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from privacy.caching import FOREVER, PAGE, STABLE_ASSET
from privacy.pipeline import build
from tests.consent.conftest import OPT_IN, consent_sites
from tests.factories import write_content


@pytest.fixture
def built_client(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    content = write_content(tmp_path / "content", consent_sites())
    assert build(content, tmp_path / "public").ok
    return make_client(content)


def hashed(client: TestClient, pattern: str) -> str:
    public = Path(client.app.state.privacy.settings.public_dir)  # type: ignore[attr-defined]
    return next(f"/assets/{p.name}" for p in (public / "assets").iterdir() if re.fullmatch(pattern, p.name))


def test_the_stable_address_is_revalidated_and_answers_304_when_unchanged(built_client: TestClient) -> None:
    first = built_client.get("/assets/consent.js", headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200
    assert first.headers["cache-control"] == STABLE_ASSET.decode() == "public, max-age=300, must-revalidate"
    again = built_client.get(
        "/assets/consent.js", headers={"If-None-Match": first.headers["etag"], "Accept-Encoding": "identity"}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == STABLE_ASSET.decode()
    assert first.content == built_client.get(hashed(built_client, r"consent\.[0-9a-f]{10}\.js")).content


def test_hashed_files_are_kept_for_good(built_client: TestClient) -> None:
    for pattern in (r"consent\.[0-9a-f]{10}\.js", r"consent\.[0-9a-f]{10}\.css", r"consent-embeds\.[0-9a-f]{10}\.js"):
        response = built_client.get(hashed(built_client, pattern))
        assert response.status_code == 200
        assert response.headers["cache-control"] == FOREVER.decode() == "public, max-age=31536000, immutable"


def test_pages_are_revalidated_on_every_visit(built_client: TestClient) -> None:
    response = built_client.get(f"/{OPT_IN}/fr/")
    assert response.status_code == 200
    assert response.headers["cache-control"] == PAGE.decode() == "no-cache"
    # The endpoints keep their own: a choice is never cached.
    assert built_client.get(f"/consent?site={OPT_IN}").headers["cache-control"] == "no-store"


def test_text_is_gzipped_for_browsers_that_accept_it_with_a_weak_etag(built_client: TestClient) -> None:
    plain = built_client.get(f"/{OPT_IN}/fr/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = built_client.stream("GET", f"/{OPT_IN}/fr/", headers={"Accept-Encoding": "gzip"})
    with raw as response:
        body = b"".join(response.iter_raw())
        assert response.headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["vary"]
        assert response.headers["etag"].startswith('W/"')
        assert response.headers["cache-control"] == "no-cache"
        etag = response.headers["etag"]
    assert gzip.decompress(body) == plain.content
    assert len(body) < len(plain.content) / 2
    revalidated = built_client.get(f"/{OPT_IN}/fr/", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert revalidated.status_code == 304
