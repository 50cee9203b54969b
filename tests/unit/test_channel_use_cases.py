"""The channels' use cases over fakes: a login remembers its channel, the session's code
requests, queries and deliveries count for it; the admin API's access; QR codes and their
cache; the funnel."""

from __future__ import annotations

import pytest

from app.domain.channels import FunnelStage, QrKind, day_of
from app.domain.errors import (
    Conflict,
    Forbidden,
    InvalidFields,
    NotFound,
    PlatformUnavailable,
    Unauthenticated,
)
from app.ports.identity import PlatformUser
from app.ports.partners import PartnerRejected
from app.services.caller import Caller
from app.services.sessions import FrontEnd
from tests.unit.world import ADMIN_TOKEN, ALICE, World, cards_form

S = FunnelStage


def today(world: World, channel: str) -> dict[FunnelStage, int]:
    return world.state.funnel.days(channel, [day_of(world.clock.now())])[0]


def caller_of(world: World, token: str) -> Caller:
    session = world.sessions.open(token, FrontEnd.MINIPROGRAM)
    return Caller(session.user, "203.0.113.7", session.channel)


def test_a_session_from_a_channel_counts_all_the_way_to_delivered(world: World) -> None:
    world.channels.create({"id": "bj-cy-01", "name": "朝阳分局"})
    token = world.login("wechat", "good-code", FrontEnd.MINIPROGRAM, "203.0.113.7", "bj-cy-01")
    caller = caller_of(world, token.token)
    assert caller.channel == "bj-cy-01" and caller.user == ALICE.user
    ticket = world.accepted(cards_form(), caller)
    assert world.run(ticket) == "delivered"
    assert today(world, "bj-cy-01") == {
        S.SCANS: 0, S.SESSIONS: 1, S.CODE_REQUESTS: 1, S.QUERIES: 1, S.DELIVERED: 1,
    }  # fmt: skip
    assert world.state.funnel.totals(day_of(world.clock.now()))[S.DELIVERED] == 1


def test_an_unknown_channel_counts_as_unknown_and_none_counts_nowhere(world: World) -> None:
    token = world.login("wechat", "good-code", FrontEnd.MINIPROGRAM, "203.0.113.7", "gone-01")
    caller = caller_of(world, token.token)
    assert caller.channel == "unknown"
    world.request(cards_form(), caller)
    assert today(world, "unknown")[S.SESSIONS] == 1
    assert today(world, "unknown")[S.CODE_REQUESTS] == 1
    plain = world.login("wechat", "good-code", FrontEnd.MINIPROGRAM, "203.0.113.7")
    assert caller_of(world, plain.token).channel == ""
    assert world.state.funnel.totals(day_of(world.clock.now()))[S.SESSIONS] == 1


def test_a_malformed_channel_is_refused_before_the_platform_is_asked(world: World) -> None:
    with pytest.raises(InvalidFields) as refused:
        world.login("wechat", "no-such-code", FrontEnd.MINIPROGRAM, "203.0.113.7", "bad id")
    assert "channel" in refused.value.fields  # 422, not the 401 of the code


def test_a_token_from_before_channels_still_opens(world: World) -> None:
    old = world.sessions._seal(  # [platform, user, expiry]: how tokens were sealed before
        ["wechat", "o-alice", int(world.clock.now()) + 60], FrontEnd.MINIPROGRAM.token_context
    )
    session = world.sessions.open(old, FrontEnd.MINIPROGRAM)
    assert (session.user, session.channel) == (PlatformUser("wechat", "o-alice"), "")
    with_channel = world.sessions.issue(ALICE.user, FrontEnd.H5, "bj-cy-01")
    with pytest.raises(Unauthenticated):  # still bound to its front end
        world.sessions.open(with_channel, FrontEnd.MINIPROGRAM)
    assert world.sessions.open(with_channel, FrontEnd.H5).channel == "bj-cy-01"


def test_admin_access(world: World) -> None:
    assert world.admin.authenticate(ADMIN_TOKEN) == "ops"
    citizen = world.sessions.issue(ALICE.user, FrontEnd.MINIPROGRAM)
    h5 = world.sessions.issue(ALICE.user, FrontEnd.H5)
    with pytest.raises(Forbidden):
        world.admin.authenticate(citizen)
    with pytest.raises(Forbidden):
        world.admin.authenticate(None, h5)
    for wrong in (None, "", ADMIN_TOKEN[:-1], ADMIN_TOKEN + "x", h5):
        with pytest.raises(Unauthenticated):
            world.admin.authenticate(wrong)
    world.admin.record("ops", "POST admin.Channels", "/api/v1/admin/channels", 201)
    assert world.state.audit.tail(1)[0] == {
        "kind": "admin", "admin": "ops", "action": "POST admin.Channels",
        "target": "/api/v1/admin/channels", "status": "201",
    }  # fmt: skip


def test_a_channel_id_is_taken_once(world: World) -> None:
    world.channels.create({"id": "bj-cy-01", "name": "朝阳分局"})
    with pytest.raises(Conflict):
        world.channels.create({"id": "bj-cy-01", "name": "别的"})
    assert [c.name for c in world.channels.all()] == ["朝阳分局"]


def test_qr_codes_are_made_once_then_cached(world: World) -> None:
    world.channels.create({"id": "bj-cy-01", "name": "朝阳分局"})
    maker = world.qr_makers[QrKind.WECHAT_OFFICIAL]
    first = world.channels.qrcode("bj-cy-01", "wechat_official")
    assert world.channels.qrcode("bj-cy-01", "wechat_official") == first
    assert maker.calls == ["bj-cy-01"]  # the platform rate-limits: asked once
    maker.variant = "another-appid"  # a changed setting is never answered from the cache
    world.channels.qrcode("bj-cy-01", "wechat_official")
    assert maker.calls == ["bj-cy-01", "bj-cy-01"]
    world.clock.advance(3601)  # the cache's lifetime
    world.channels.qrcode("bj-cy-01", "wechat_official")
    assert len(maker.calls) == 3


def test_qr_code_refusals(world: World) -> None:
    world.channels.create({"id": "bj-cy-01", "name": "朝阳分局"})
    world.channels.create({"id": "x" * 31, "name": "长编号"})
    with pytest.raises(NotFound):
        world.channels.qrcode("nope", "h5")
    with pytest.raises(NotFound):
        world.channels.qrcode("bj-cy-01", "poster")
    with pytest.raises(InvalidFields):  # c=<31 characters> is longer than the scene allows
        world.channels.qrcode("x" * 31, "wechat_miniprogram")
    assert world.qr_makers[QrKind.WECHAT_MINIPROGRAM].calls == []
    assert world.channels.qrcode("x" * 31, "alipay")
    world.qr_makers[QrKind.ALIPAY].down = True
    with pytest.raises(PlatformUnavailable):
        world.channels.qrcode("bj-cy-01", "alipay")
    world.qr_makers[QrKind.H5].error = PartnerRejected("40129")
    with pytest.raises(PlatformUnavailable):
        world.channels.qrcode("bj-cy-01", "h5")


def test_the_funnel_of_a_channel_and_of_unknown(world: World) -> None:
    world.channels.create({"id": "bj-cy-01", "name": "朝阳分局"})
    world.state.funnel.arrive("bj-cy-01", S.SCANS, world.clock.now() - 86400)
    funnel = world.channels.funnel_of("bj-cy-01", 3)
    assert [date for date, _ in funnel.days] == [
        day_of(world.clock.now() - n * 86400) for n in range(3)
    ]
    assert [counts[S.SCANS] for _, counts in funnel.days] == [0, 1, 0]
    assert funnel.total[S.SCANS] == 1
    assert world.channels.funnel_of("unknown", 1).channel == "unknown"
    with pytest.raises(NotFound):
        world.channels.funnel_of("nope", 1)
    with pytest.raises(InvalidFields):
        world.channels.funnel_of("bj-cy-01", 401)
    assert [f.channel for f in world.channels.report(2)] == ["bj-cy-01", "unknown"]
