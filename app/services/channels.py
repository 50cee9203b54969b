"""Use cases of the QR-code channels: create and list them, make their QR codes (cached: the
platforms rate-limit those calls), read their funnel, and report on all of them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.channels import (
    UNKNOWN,
    Channel,
    FunnelStage,
    QrKind,
    check_days,
    day_of,
    days_back,
    is_channel_id,
    miniprogram_scene,
    parse_channel,
)
from app.domain.errors import Conflict, InvalidFields, NotFound, PlatformUnavailable
from app.ports.partners import PartnerRejected, PartnerUnavailable
from app.ports.qrcodes import QrCodeMaker
from app.ports.runtime import Clock
from app.ports.state import Channels, Funnel, QrImages

log = logging.getLogger(__name__)
Counts = dict[FunnelStage, int]
NO_CHANNEL = "未找到该渠道"
NO_QR_CODE = "平台暂时无法生成二维码,请稍后重试"


@dataclass(frozen=True)
class ChannelFunnel:
    """One channel's funnel over some days, newest first."""

    channel: str
    name: str
    days: list[tuple[str, Counts]]

    @property
    def total(self) -> Counts:
        return {s: sum(counts[s] for _, counts in self.days) for s in FunnelStage}


@dataclass(frozen=True)
class ChannelAdmin:
    channels: Channels
    funnel: Funnel
    makers: Mapping[QrKind, QrCodeMaker]
    images: QrImages
    clock: Clock
    qr_ttl_s: int  # QRCODE_CACHE_TTL_S

    def create(self, data: Mapping[str, Any]) -> Channel:
        channel = parse_channel(data, self.clock.now())
        if not self.channels.create(channel):
            raise Conflict("该渠道编号已存在")
        return channel

    def restore(self, data: Mapping[str, Any]) -> Channel:
        """A channel from a backup (`flask channels export`), with its own creation time."""
        created_at = data.get("created_at")
        if isinstance(created_at, bool) or not isinstance(created_at, int | float):
            raise InvalidFields({"created_at": ["创建时间应为秒数"]})
        channel = parse_channel(data, float(created_at))
        if not self.channels.create(channel):
            raise Conflict("该渠道编号已存在")
        return channel

    def all(self) -> list[Channel]:
        return self.channels.all()

    def qrcode(self, channel_id: str, kind: str) -> bytes:
        """The channel's QR code of this kind, as PNG: from the cache, or made now."""
        channel = self._known(channel_id)
        if kind not in set(QrKind):
            raise NotFound("没有这种二维码")
        qr_kind = QrKind(kind)
        if qr_kind is QrKind.WECHAT_MINIPROGRAM:
            miniprogram_scene(channel.id)  # an id too long for the scene: 422, not a 503
        maker = self.makers[qr_kind]
        cached = self.images.get(qr_kind, channel.id, maker.variant)
        if cached is not None:
            return cached
        try:
            png = maker.make(channel.id)
        except PartnerRejected as exc:  # our request or configuration: say so in the log
            log.error("qr code refused", extra={"kind": kind, "reason": str(exc)})
            raise PlatformUnavailable(NO_QR_CODE) from None
        except PartnerUnavailable as exc:
            log.warning("qr code unavailable", extra={"kind": kind, "reason": str(exc)})
            raise PlatformUnavailable(NO_QR_CODE) from None
        self.images.put(qr_kind, channel.id, maker.variant, png, self.qr_ttl_s)
        return png

    def funnel_of(self, channel_id: str, days: object) -> ChannelFunnel:
        """A channel's funnel for the last `days` China-time days (1-400), zeros included;
        `unknown` is the funnel of arrivals from channels that do not exist."""
        name = "未知渠道" if channel_id == UNKNOWN else self._known(channel_id).name
        dates = days_back(self.clock.now(), check_days(days))
        return ChannelFunnel(
            channel_id, name, list(zip(dates, self.funnel.days(channel_id, dates), strict=True))
        )

    def report(self, days: int) -> list[ChannelFunnel]:
        """Every channel's funnel, then unknown's: what `flask channels report` shows."""
        ids = [c.id for c in self.channels.all()] + [UNKNOWN]
        return [self.funnel_of(channel_id, days) for channel_id in ids]

    def today_totals(self) -> Counts:
        """Every channel's counts of today together (the metrics: no label per channel)."""
        return self.funnel.totals(day_of(self.clock.now()))

    def _known(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id) if is_channel_id(channel_id) else None
        if channel is None:
            raise NotFound(NO_CHANNEL)
        return channel
