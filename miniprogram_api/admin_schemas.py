"""Request and response schemas of the admin API (/api/v1/admin): QR-code channels and their
funnel. The rules (id, name, region) are the domain's (app/domain/channels.py): every wrong
field is reported at once, in Chinese."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.domain.channels import MAX_FUNNEL_DAYS
from miniprogram_api.schemas import StrictSchema, text


class NewChannelSchema(StrictSchema):
    id = text("渠道编号:1至32位字母、数字、-或_(微信小程序码要求不超过30位)", required=True)
    name = text("渠道名称,1至40个字,如“朝阳分局宣传海报”", required=True)
    region = text("可选:6位行政区划代码,如 110105", allow_none=True)


class ChannelSchema(ma.Schema):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    region = ma.fields.String(required=True, allow_none=True)
    created_at = ma.fields.String(required=True, metadata={"description": "ISO 8601,北京时间"})


class ChannelsSchema(ma.Schema):
    channels = ma.fields.List(ma.fields.Nested(ChannelSchema), required=True)


class FunnelArgsSchema(StrictSchema):
    days = ma.fields.Integer(
        load_default=30,
        validate=validate.Range(1, MAX_FUNNEL_DAYS, error=f"天数应为1至{MAX_FUNNEL_DAYS}"),
        metadata={"description": f"最近多少天(北京时间),1至{MAX_FUNNEL_DAYS},默认30"},
        error_messages={"invalid": "天数应为整数"},
    )


class FunnelDaySchema(ma.Schema):
    date = ma.fields.String(required=True, metadata={"description": "YYYY-MM-DD,北京时间"})
    scans = ma.fields.Integer(required=True, metadata={"description": "公众号扫码"})
    sessions = ma.fields.Integer(required=True, metadata={"description": "带渠道的登录"})
    code_requests = ma.fields.Integer(required=True, metadata={"description": "验证码请求(202)"})
    queries = ma.fields.Integer(required=True, metadata={"description": "受理的查询"})
    delivered = ma.fields.Integer(required=True, metadata={"description": "结果短信已发出"})


class FunnelSchema(ma.Schema):
    channel = ma.fields.String(required=True, metadata={"description": "渠道编号,或 unknown"})
    days = ma.fields.List(
        ma.fields.Nested(FunnelDaySchema),
        required=True,
        metadata={"description": "每天一项,新的在前,含0"},
    )
