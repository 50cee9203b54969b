"""Steps of the H5 pages' WeChat web OAuth on the Flask test client: open a page without a
session, pass the sandbox's authorize page, come back to the callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests


def set_cookie(response, name: str) -> str:
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert len(found) == 1, response.headers.getlist("Set-Cookie")
    return found[0]


def start(client, page: str = "/h5/") -> tuple[str, dict[str, str]]:
    """Open a page without a session; returns the authorize URL and its parameters."""
    r = client.get(page)
    assert r.status_code == 302
    location = r.headers["Location"]
    return location, {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize(location: str) -> str:
    """The sandbox's authorize page: straight back to our callback with a code and the state."""
    r = requests.get(location.split("#")[0], allow_redirects=False, timeout=5)
    assert r.status_code == 302, r.text
    return r.headers["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in(client, page: str = "/h5/"):
    location, _ = start(client, page)
    return client.get(callback_path(authorize(location)))
