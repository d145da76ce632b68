"""The public origin: parsed once from configuration, it names the Host and Origin values the server accepts."""

from __future__ import annotations

import pytest

from privacy.origin import OriginError, accepted_hosts, accepted_origins, listening_origin, parse_origin


def test_an_origin_is_normalized() -> None:
    assert parse_origin("HTTPS://Privacy.Example:443/") == "https://privacy.example"
    assert parse_origin("http://127.0.0.1:8000") == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    "value",
    [
        "privacy.example",
        "ftp://privacy.example",
        "https://",
        "https://x/rights",
        "https://x?a=b",
        "https://user@x",
        "https://x:port",
    ],
)
def test_what_is_not_an_origin_is_refused(value: str) -> None:
    with pytest.raises(OriginError):
        parse_origin(value)


def test_a_development_server_is_reached_at_the_address_it_listens_on() -> None:
    assert listening_origin("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert listening_origin("0.0.0.0", 8000) == "http://127.0.0.1:8000"  # every address: loopback among them
    assert listening_origin("::1", 8080) == "http://[::1]:8080"
    assert listening_origin("localhost", 80) == "http://localhost"


def test_hosts_and_origins_accepted() -> None:
    assert accepted_hosts("https://privacy.example", False) == {"privacy.example", "privacy.example:443"}
    assert accepted_origins("https://privacy.example", False) == {"https://privacy.example"}
    # In development a loopback origin answers to each loopback name, on its own port only.
    assert accepted_hosts("http://127.0.0.1:8000", True) == {"127.0.0.1:8000", "localhost:8000", "[::1]:8000"}
    assert accepted_hosts("http://127.0.0.1:8000", False) == {"127.0.0.1:8000"}
    assert "http://localhost:8000" in accepted_origins("http://127.0.0.1:8000", True)
