"""Request and response schemas of /api/v1: the OpenAPI document is generated from these."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from app.domain.channels import ID_MESSAGE


class StrictSchema(ma.Schema):
    """Unknown fields are refused (422), with Chinese messages."""

    class Meta:
        unknown = ma.RAISE

    error_messages = {  # noqa: RUF012 - marshmallow reads this class attribute
        "unknown": "不支持的字段",
        "type": "请求内容应为JSON对象",
    }


def text(description: str, **kwargs: object) -> ma.fields.String:
    return ma.fields.String(
        metadata={"description": description},
        error_messages={"invalid": "应为文本", "null": "不能为空"},
        **kwargs,  # type: ignore[arg-type]
    )


class JsonBoolean(ma.fields.Boolean):
    """Only the JSON literals true and false. marshmallow's truthy={True} also takes 1 and 1.0,
    which equal True in Python."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


def flag(description: str) -> ma.fields.Boolean:
    return JsonBoolean(
        metadata={"description": description},
        error_messages={"invalid": "应为true或false", "null": "不能为空"},
    )


class LoginSchema(StrictSchema):
    platform = text(
        "wechat 或 alipay",
        required=True,
        validate=validate.OneOf(["wechat", "alipay"], error="应为wechat或alipay"),
    )
    code = text(
        "wx.login 的 code,或 my.getAuthCode 的 authCode",
        required=True,
        # Platform login codes are short ASCII tokens; anything else never reaches the platform.
        validate=validate.Regexp(r"^[A-Za-z0-9_\-]{1,128}$", error="登录凭证格式有误"),
    )
    channel = text(
        "可选:打开小程序的二维码渠道,即启动参数 scene 或 query 中 c=<id> 的 id",
        validate=validate.Regexp(r"^[A-Za-z0-9_\-]{1,32}$", error=ID_MESSAGE),
    )


class LoginResultSchema(ma.Schema):
    token = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)


class CodeRequestSchema(StrictSchema):
    """Which fields a service needs is checked by the domain, so that a request missing some
    keys still hears about every wrong field at once (422 invalid_fields)."""

    service = text("phone_cards 或 internet_accounts", required=True)
    name = text("姓名(phone_cards)")
    id_number = text("18位身份证号(phone_cards)")
    phone = text("11位手机号(必填)")
    id_last6 = text("身份证号后六位(internet_accounts)")
    agree = flag("已阅读并同意服务协议,必须为 true")


class CodeSentSchema(ma.Schema):
    sent_to = ma.fields.String(required=True, metadata={"description": "打码的手机号"})
    expires_in = ma.fields.Integer(required=True)


class QuerySchema(CodeRequestSchema):
    code = text("6位短信验证码(必填)")
    notify = flag("用户已同意订阅消息,查询结束时发送平台通知")


class AcceptedSchema(ma.Schema):
    ticket = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


class TicketSchema(ma.Schema):
    ticket = ma.fields.String(required=True, attribute="id")
    service = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, validate=validate.OneOf(["accepted", "processing", "delivered", "failed"])
    )
    phone_masked = ma.fields.String(required=True)
    created_at = ma.fields.String(required=True, metadata={"description": "ISO 8601"})
    updated_at = ma.fields.String(required=True, metadata={"description": "ISO 8601"})


class ListedQuerySchema(TicketSchema):
    reportable = ma.fields.Boolean(
        required=True, metadata={"description": "可发起非本人反映(与查询结果无关)"}
    )


class QueryListSchema(ma.Schema):
    queries = ma.fields.List(ma.fields.Nested(ListedQuerySchema), required=True)


class ReportRequestSchema(StrictSchema):
    """Which groups and endings are allowed is the domain's (app/domain/reports.py), so every
    wrong field is heard at once (422 invalid_fields)."""

    operators = ma.fields.List(
        ma.fields.Raw(),
        required=True,
        metadata={"description": "1-5个:cmcc、cucc、ctcc、cbn、mvno(转售企业)"},
        error_messages={"invalid": "应为列表", "null": "不能为空"},
    )
    keep = ma.fields.List(
        ma.fields.Raw(),
        metadata={"description": "可选:本人号码的后四位,最多20个"},
        error_messages={"invalid": "应为列表", "null": "不能为空"},
    )


class ReportAcceptedSchema(ma.Schema):
    report = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    message = ma.fields.String(required=True)


STATUSES = validate.OneOf(["submitted", "forwarded", "answered"])


class OperatorStatusSchema(ma.Schema):
    id = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=STATUSES)


class ReportSchema(ma.Schema):
    report = ma.fields.String(required=True)
    ticket = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=STATUSES)
    operators = ma.fields.List(ma.fields.Nested(OperatorStatusSchema), required=True)
    created_at = ma.fields.String(required=True, metadata={"description": "ISO 8601"})
    updated_at = ma.fields.String(required=True, metadata={"description": "ISO 8601"})
