"""Logging in, session tokens and the H5 OAuth state, over fakes of the ports."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest

from adapters.sealing import AesGcmSealer
from app.domain.errors import LoginFailed, TooManyRequests, Unauthenticated
from app.services.sessions import OAUTH_STATE_TTL_S, FrontEnd
from tests.unit.world import ALICE, SETTINGS, World, make_world

MP = FrontEnd.MINIPROGRAM


def mp_login(world: World, code: str = "good-code", ip: str = ALICE.ip) -> Any:
    return world.login("wechat", code, MP, ip)


def authenticate(world: World, token: str | None, front_end: FrontEnd) -> Any:
    return world.sessions.authenticate(token, front_end)


def test_login_and_authenticate(world: World) -> None:
    session = mp_login(world)
    assert session.expires_in == SETTINGS.session_ttl_s
    assert authenticate(world, session.token, MP) == ALICE.user
    # Stateless: only the login rate counter is stored, and the openid in the token is sealed.
    network_h = world.ctx.hasher.identifier("ip", ALICE.ip)
    assert list(world.store.data) == [f"limit:{network_h}:logins"]
    sealed = base64.urlsafe_b64decode(session.token + "=" * (-len(session.token) % 4))
    assert ALICE.user.user_id.encode() not in sealed
    assert ALICE.user.user_id.encode() not in world.store.raw_bytes
    forged = session.token[:20] + ("A" if session.token[20] != "A" else "B") + session.token[21:]
    for bad in ("not-a-token", "", "令牌", "x" * 600, forged, session.token[:-4]):
        with pytest.raises(Unauthenticated):
            authenticate(world, bad, MP)
    with pytest.raises(Unauthenticated):
        authenticate(world, None, MP)
    with pytest.raises(LoginFailed):
        mp_login(world, "bad-code")
    world.clock.advance(SETTINGS.session_ttl_s + 1)
    with pytest.raises(Unauthenticated):
        authenticate(world, session.token, MP)


def test_a_token_opens_only_for_the_front_end_it_was_issued_to(world: World) -> None:
    mini_program = mp_login(world).token
    h5 = world.login("wechat", "good-code", FrontEnd.H5, ALICE.ip).token
    assert authenticate(world, h5, FrontEnd.H5) == ALICE.user
    with pytest.raises(Unauthenticated):
        authenticate(world, mini_program, FrontEnd.H5)
    with pytest.raises(Unauthenticated):
        authenticate(world, h5, MP)


def test_logins_are_limited_per_client_network_an_ipv6_64_as_one() -> None:
    world = make_world(login_limit_per_ip_minute=3)
    for host in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"):
        mp_login(world, ip=host)
    with pytest.raises(TooManyRequests) as info:
        mp_login(world, ip="2001:db8:1:2:abcd::1")  # the same /64
    assert 0 < info.value.retry_after <= 60
    mp_login(world, ip="2001:db8:1:3::1")  # the next /64 is another subscriber
    mp_login(world, ip="203.0.113.8")
    world.clock.advance(60)
    mp_login(world, ip="2001:db8:1:2::1")


def test_the_oauth_state_is_sealed_bound_and_short_lived(world: World) -> None:
    cookie = world.sessions.seal_oauth_state("abc123", "/h5/phone-cards")
    assert world.sessions.open_oauth_state(cookie) == ("abc123", "/h5/phone-cards")
    assert b"phone-cards" not in base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
    assert world.sessions.open_oauth_state(mp_login(world).token) is None  # a token is no state
    with pytest.raises(Unauthenticated):  # and a state is no token
        authenticate(world, cookie, FrontEnd.H5)
    world.clock.advance(OAUTH_STATE_TTL_S + 1)
    assert world.sessions.open_oauth_state(cookie) is None


def test_a_token_is_bound_to_its_purpose_and_its_key(world: World) -> None:
    session = mp_login(world)
    # A sealed form (same keys, other associated data) never passes for a token...
    payload = json.dumps(["wechat", ALICE.user.user_id, int(world.clock.now()) + 60]).encode()
    as_form = world.ctx.token_sealer.seal(payload, b"some-ticket-id")
    with pytest.raises(Unauthenticated):
        authenticate(world, base64.urlsafe_b64encode(as_form).decode().rstrip("="), MP)
    # ...and a token sealed under another SECRET_KEY is refused.
    other = dataclasses.replace(world.sessions, sealer=AesGcmSealer.from_secret(b"another-secret"))
    with pytest.raises(Unauthenticated):
        other.authenticate(session.token, MP)
    # A retired seal key (FORM_SEAL_KEYS rotation) still opens the tokens it made.
    rotated = dataclasses.replace(
        world.sessions,
        sealer=AesGcmSealer.from_secret(SETTINGS.secret_key.encode(), "2:a-newer-secret"),
    )
    assert rotated.authenticate(session.token, MP) == ALICE.user
