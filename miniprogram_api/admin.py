"""The admin API under /api/v1/admin (api.md, "Admin API"): QR-code channels, their QR codes and
their funnel. Thin views over app/services/channels.py; who may call them and the audit trail
are app/services/admin.py's."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.domain.channels import Channel
from app.ports.state import StoreUnavailable
from app.web.services import services
from miniprogram_api.admin_schemas import (
    ChannelSchema,
    ChannelsSchema,
    FunnelArgsSchema,
    FunnelSchema,
    NewChannelSchema,
)
from miniprogram_api.errors import documented_errors
from miniprogram_api.views import BEARER, SESSION_COOKIE

log = logging.getLogger(__name__)
blp = Blueprint(
    "admin", __name__, url_prefix="/api/v1/admin", description="管理接口:二维码渠道与来源漏斗"
)
PNG_RESPONSE = {
    "200": {
        "description": "二维码图片",
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    }
}
CHINA = datetime.timezone(datetime.timedelta(hours=8))


@blp.before_request
def authenticate() -> None:
    """An ADMIN_TOKENS bearer token, before anything is parsed: 401 without, 403 for a
    citizen's session."""
    header = request.headers.get("Authorization", "")
    bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
    g.admin = services().admin.authenticate(bearer, request.cookies.get(SESSION_COOKIE))


@blp.after_request
def audit(response: Response) -> Response:
    """Every call that got through, in the audit stream with the token's name."""
    name = g.get("admin")
    if name:
        try:
            services().admin.record(
                name, f"{request.method} {request.endpoint}", request.path, response.status_code
            )
        except StoreUnavailable:
            log.error("admin call not audited: the store is unavailable")
    return response


def errors(*statuses: int) -> Any:
    return documented_errors(blp, *statuses)


def channel_json(channel: Channel) -> dict[str, Any]:
    created = datetime.datetime.fromtimestamp(channel.created_at, CHINA)
    return {
        "id": channel.id,
        "name": channel.name,
        "region": channel.region,
        "created_at": created.isoformat(timespec="seconds"),
    }


@blp.route("/channels")
class Channels(MethodView):
    @blp.arguments(NewChannelSchema())
    @blp.response(201, ChannelSchema)
    @blp.doc(security=BEARER)
    @errors(400, 401, 403, 409, 413, 415, 422, 503)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """新建二维码渠道(一批海报或一个投放点)"""
        return channel_json(services().channels.create(body))

    @blp.response(200, ChannelsSchema)
    @blp.doc(security=BEARER)
    @errors(401, 403, 503)
    def get(self) -> dict[str, Any]:
        """全部渠道,先建的在前"""
        return {"channels": [channel_json(c) for c in services().channels.all()]}


@blp.route("/channels/<string:channel_id>/qrcodes/<string:kind>")
class QrCode(MethodView):
    @blp.doc(security=BEARER, responses=PNG_RESPONSE)
    @errors(401, 403, 404, 422, 503)
    def get(self, channel_id: str, kind: str) -> Response:
        """渠道的二维码(PNG):wechat_miniprogram、wechat_official、alipay 或 h5"""
        png = services().channels.qrcode(channel_id, kind)
        response = Response(png, mimetype="image/png")
        response.headers["Content-Disposition"] = f'inline; filename="{channel_id}-{kind}.png"'
        response.headers["Cache-Control"] = "private, max-age=300"
        return response


@blp.route("/channels/<string:channel_id>/funnel")
class Funnel(MethodView):
    @blp.arguments(FunnelArgsSchema(), location="query")
    @blp.response(200, FunnelSchema)
    @blp.doc(security=BEARER)
    @errors(400, 401, 403, 404, 422, 503)
    def get(self, args: dict[str, Any], channel_id: str) -> dict[str, Any]:
        """渠道每天的漏斗:扫码 → 登录 → 验证码 → 查询 → 送达(北京时间,新的在前)"""
        funnel = services().channels.funnel_of(channel_id, args["days"])
        return {
            "channel": funnel.channel,
            "days": [{"date": date, **counts} for date, counts in funnel.days],
        }
