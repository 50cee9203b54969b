"""The channels' rules (app/domain/channels.py): ids, names, regions, scenes, China-time days,
retention, what a ticket's end counts; and the welcome of a scan."""

from __future__ import annotations

import datetime

import pytest

from app.domain.channels import (
    FunnelPolicy,
    FunnelStage,
    channel_in_page,
    check_days,
    day_of,
    days_back,
    miniprogram_scene,
    parse_channel,
    stages_at_end,
)
from app.domain.errors import InvalidFields
from app.domain.tickets import TicketStatus
from notices.replies import Replies

CHINA = datetime.timezone(datetime.timedelta(hours=8))


def at(text: str) -> float:
    return datetime.datetime.fromisoformat(text).timestamp()


def test_a_channel_is_parsed_with_its_rules() -> None:
    channel = parse_channel(
        {"id": "bj-cy-police-01", "name": " 朝阳分局宣传海报 ", "region": "110105"}, 5.0
    )
    assert (channel.id, channel.name, channel.region, channel.created_at) == (
        "bj-cy-police-01", "朝阳分局宣传海报", "110105", 5.0,
    )  # fmt: skip
    assert parse_channel({"id": "A_1", "name": "x"}, 0).region is None
    assert parse_channel({"id": "x" * 32, "name": "名" * 40, "region": None}, 0).id == "x" * 32


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"id": "", "name": "n"}, {"id"}),
        ({"id": "x" * 33, "name": "n"}, {"id"}),
        ({"id": "bad id", "name": "n"}, {"id"}),
        ({"id": "渠道", "name": "n"}, {"id"}),
        ({"id": "unknown", "name": "n"}, {"id"}),  # reserved: the funnel of unknown channels
        ({"id": 7, "name": "n"}, {"id"}),
        ({"id": "ok", "name": ""}, {"name"}),
        ({"id": "ok", "name": "   "}, {"name"}),
        ({"id": "ok", "name": "名" * 41}, {"name"}),
        ({"id": "ok", "name": "n", "region": "999999"}, {"region"}),  # no such county
        ({"id": "ok", "name": "n", "region": "11010"}, {"region"}),
        ({"id": "ok", "name": "n", "region": 110105}, {"region"}),
        ({"name": "名" * 41, "region": "１１０１０５"}, {"id", "name", "region"}),  # all at once
    ],
)
def test_every_wrong_field_is_reported_at_once(body, fields) -> None:
    with pytest.raises(InvalidFields) as refused:
        parse_channel(body, 0)
    assert set(refused.value.fields) == fields
    assert all(m and not m.isascii() for ms in refused.value.fields.values() for m in ms)


@pytest.mark.parametrize(
    ("page", "channel"),
    [
        ("/h5/?c=bj-cy-01", "bj-cy-01"),
        ("/h5/phone-cards?x=1&c=A_b", "A_b"),
        ("/h5/", ""),
        ("/h5/?c=", ""),
        ("/h5/?c=bad%20id", ""),
        ("/h5/?c=a&c=b", ""),
        ("/h5/?c=" + "x" * 33, ""),
    ],
)
def test_the_h5_page_carries_a_well_formed_channel_only(page, channel) -> None:
    assert channel_in_page(page) == channel


def test_the_mini_program_scene_fits_32_characters() -> None:
    assert miniprogram_scene("x" * 30) == "c=" + "x" * 30
    with pytest.raises(InvalidFields):
        miniprogram_scene("x" * 31)


def test_days_are_china_time_and_kept_by_the_policy() -> None:
    assert day_of(at("2026-11-29T16:00:00+00:00")) == "2026-11-30"  # midnight in Beijing
    assert day_of(at("2026-11-29T15:59:59+00:00")) == "2026-11-29"
    assert days_back(at("2026-03-01T01:00:00+08:00"), 3) == [
        "2026-03-01",
        "2026-02-28",
        "2026-02-27",
    ]
    policy = FunnelPolicy(retention_days=400)
    expires = datetime.datetime.fromtimestamp(policy.expires_at("2026-11-30"), CHINA)
    assert expires == datetime.datetime(2028, 1, 5, tzinfo=CHINA)  # the day's end + 400 days
    assert FunnelPolicy(3).expires_at("2026-11-30") == at("2026-12-04T00:00:00+08:00")


@pytest.mark.parametrize("days", [1, 30, 400])
def test_days_between_1_and_400(days) -> None:
    assert check_days(days) == days


@pytest.mark.parametrize("days", [0, 401, -1, True, "30", 1.5, None])
def test_other_days_are_refused(days) -> None:
    with pytest.raises(InvalidFields):
        check_days(days)


def test_a_ticket_counts_a_query_only_when_the_worker_began_it() -> None:
    S, T = FunnelStage, TicketStatus
    assert stages_at_end(T.PROCESSING, T.DELIVERED) == (S.QUERIES, S.DELIVERED)
    assert stages_at_end(T.PROCESSING, T.FAILED) == (S.QUERIES,)
    assert stages_at_end(T.ACCEPTED, T.FAILED) == ()  # never queued: answered 503


def test_a_scans_welcome_links_to_its_channel() -> None:
    replies = Replies.build("https://yzt.example.gov.cn/", [])
    welcome = replies.welcome_for("bj-cy-01")
    assert "https://yzt.example.gov.cn/h5/?c=bj-cy-01" in welcome
    assert welcome.replace("?c=bj-cy-01", "") == replies.welcome
    assert replies.welcome_for("") == replies.welcome
