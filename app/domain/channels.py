"""QR-code channels and their funnel (product.md, "Entry by QR code, and where people come from").

A channel is one poster batch or place: an id short enough for every platform's QR scene, a
name, an optional region. People arrive through a channel's QR codes; the funnel counts, per
channel and China-time day, how many scanned, opened a session, asked for a code, had a query
accepted and had its result delivered. Counts only: never a user, a phone or an ID.

A channel is resolved once, when a session opens: a channel that does not exist (never created,
or retired while its posters still hang) counts as `unknown`, and the session carries what it
counted as, so later steps count without looking the channel up again.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.domain.errors import InvalidFields
from app.domain.tickets import TicketStatus
from app.domain.validation import region_exists

CHANNEL_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
UNKNOWN = "unknown"  # where arrivals from channels that do not exist are counted
MAX_NAME_CHARS = 40
REGION = re.compile(r"[0-9]{6}")
CHINA = datetime.timezone(datetime.timedelta(hours=8))  # no daylight saving since 1991
MINIPROGRAM_SCENE_MAX = 32  # wxacode.getUnlimited's scene: at most 32 visible characters
MAX_FUNNEL_DAYS = 400
ID_MESSAGE = "渠道编号应为1至32位字母、数字、-或_"


class FunnelStage(StrEnum):
    """The funnel's stages, in the order people go through them."""

    SCANS = "scans"  # the official account's QR-code scans (subscribe qrscene_<id>, SCAN <id>)
    SESSIONS = "sessions"  # logins with the channel: mini-programs and H5
    CODE_REQUESTS = "code_requests"  # code requests answered 202
    QUERIES = "queries"  # accepted queries
    DELIVERED = "delivered"  # queries whose result SMS went to the gateway


class QrKind(StrEnum):
    """The QR codes of a channel: three made by the platforms, one made here."""

    WECHAT_MINIPROGRAM = "wechat_miniprogram"  # wxacode.getUnlimited, scene c=<id>
    WECHAT_OFFICIAL = "wechat_official"  # qrcode/create QR_LIMIT_STR_SCENE, scene <id>
    ALIPAY = "alipay"  # alipay.open.app.qrcode.create, query_param c=<id>
    H5 = "h5"  # $PUBLIC_URL/h5/?c=<id>, made locally


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    region: str | None
    created_at: float


@dataclass(frozen=True)
class FunnelPolicy:
    """How long the funnel's days are kept: a campaign compares with last year's."""

    retention_days: int = 400

    def expires_at(self, day: str) -> int:
        """When a day's counts go: `retention_days` after the end of that China-time day."""
        start = datetime.datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=CHINA)
        return int((start + datetime.timedelta(days=1 + self.retention_days)).timestamp())


def is_channel_id(value: object) -> bool:
    return isinstance(value, str) and CHANNEL_ID.fullmatch(value) is not None


def check_channel_id(value: object, field: str = "channel") -> str:
    if not is_channel_id(value):
        raise InvalidFields({field: [ID_MESSAGE]})
    return str(value)


def parse_channel(data: Mapping[str, Any], now: float) -> Channel:
    """A new channel from the admin API's body; every wrong field at once (422)."""
    fields: dict[str, list[str]] = {}
    channel_id, name, region = data.get("id"), data.get("name"), data.get("region")
    if not is_channel_id(channel_id):
        fields["id"] = [ID_MESSAGE]
    elif channel_id == UNKNOWN:
        fields["id"] = [f"{UNKNOWN} 是保留的渠道编号"]
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_NAME_CHARS:
        fields["name"] = [f"渠道名称应为1至{MAX_NAME_CHARS}个字"]
    if region is not None and not (
        isinstance(region, str) and REGION.fullmatch(region) and region_exists(region)
    ):
        fields["region"] = ["地区代码应为6位数字,且必须是存在的行政区划代码"]
    if fields:
        raise InvalidFields(fields)
    return Channel(str(channel_id), str(name).strip(), region or None, now)


def channel_in_page(path: str) -> str:
    """The channel `c` of an H5 page's address (`/h5/?c=<id>`), or "" when it has none or a
    malformed one: a page cannot answer 422, so a bad `c` is simply not a channel."""
    values = parse_qs(urlsplit(path).query).get("c", [])
    return values[0] if len(values) == 1 and is_channel_id(values[0]) else ""


def miniprogram_scene(channel_id: str) -> str:
    """The mini-program code's scene, `c=<id>`; an id over 30 characters does not fit."""
    scene = f"c={channel_id}"
    if len(scene) > MINIPROGRAM_SCENE_MAX:
        raise InvalidFields(
            {"id": ["渠道编号超过30个字符,放不进微信小程序码的scene(最长32个字符)"]}
        )
    return scene


def day_of(timestamp: float) -> str:
    """The China-time day of a moment, `YYYY-MM-DD`."""
    return datetime.datetime.fromtimestamp(timestamp, CHINA).strftime("%Y-%m-%d")


def days_back(now: float, count: int) -> list[str]:
    """The last `count` China-time days, today first."""
    today = datetime.datetime.fromtimestamp(now, CHINA).date()
    return [(today - datetime.timedelta(days=n)).isoformat() for n in range(count)]


def check_days(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_FUNNEL_DAYS:
        raise InvalidFields({"days": [f"天数应为1至{MAX_FUNNEL_DAYS}"]})
    return raw


def stages_at_end(was: TicketStatus, end: TicketStatus) -> tuple[FunnelStage, ...]:
    """What a ticket's end counts. A ticket the worker began was an accepted query, whatever
    its end; one ended before the worker ran (its task could not be queued) was answered 503,
    so it is no query. A delivered one counts as delivered too."""
    if was is not TicketStatus.PROCESSING:
        return ()
    if end is TicketStatus.DELIVERED:
        return (FunnelStage.QUERIES, FunnelStage.DELIVERED)
    return (FunnelStage.QUERIES,)
