"""The client network a per-IP limit counts."""

from __future__ import annotations

import pytest

from app.domain.networks import client_network


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", ""),
        ("not an address", "not an address"),
    ],
)
def test_client_network(address: str, network: str) -> None:
    assert client_network(address) == network


def test_two_addresses_of_one_64_are_one_client() -> None:
    assert client_network("2001:db8::1") == client_network("2001:db8::ffff:ffff:ffff:ffff")
    assert client_network("2001:db8::1") != client_network("2001:db8:0:1::1")
