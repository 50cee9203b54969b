"""The one error table: every error we answer, with its HTTP status, stable code and Chinese
message, whichever layer answers it. The JSON API (miniprogram_api/errors.py), the H5 pages
(app/web/h5/errors.py), the official account's callback (app/web/official_account.py),
/metrics, and gunicorn before the app (app/runtime/gunicorn_edge.py) all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain import errors as domain


@dataclass(frozen=True)
class ErrorEntry:
    status: int
    code: str
    message: str


# A domain error carries its own code and message (app/domain/errors.py); this is its status.
DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.InvalidFields: 422,
    domain.QuotaExceeded: 429,
    domain.SmsRateLimited: 429,
    domain.TooManyRequests: 429,
    domain.CodeMismatch: 400,
    domain.CodeExpired: 400,
    domain.NotFound: 404,
    domain.Unauthenticated: 401,
    domain.LoginFailed: 401,
    domain.PlatformUnavailable: 503,
    domain.SmsUnavailable: 503,
    domain.ServiceUnavailable: 503,
    domain.NotReportable: 409,
    domain.AlreadyReported: 409,
    domain.PartnerUnauthenticated: 401,
    domain.WrongOperator: 403,
    domain.Forbidden: 403,
    domain.Conflict: 409,
}

# Errors raised before our code runs, by status: werkzeug and webargs in the app, gunicorn
# before it.
HTTP: dict[int, ErrorEntry] = {
    entry.status: entry
    for entry in (
        ErrorEntry(400, "bad_request", "请求格式有误"),
        ErrorEntry(401, "unauthenticated", "登录已失效,请重新进入"),
        ErrorEntry(403, "forbidden", "请求被拒绝"),
        ErrorEntry(404, "not_found", "请求的资源不存在"),
        ErrorEntry(405, "method_not_allowed", "不支持该请求方法"),
        ErrorEntry(413, "payload_too_large", "请求内容过大"),
        ErrorEntry(414, "uri_too_long", "请求地址过长"),
        ErrorEntry(
            415, "unsupported_media_type", "请以JSON格式提交(Content-Type: application/json)"
        ),
        ErrorEntry(417, "expectation_failed", "不支持该请求"),
        ErrorEntry(422, "invalid_fields", "填写的信息有误,请核对"),
        ErrorEntry(429, "too_many_requests", "请求过于频繁,请稍后再试"),
        ErrorEntry(431, "headers_too_large", "请求头过多或过大"),
        ErrorEntry(500, "internal_error", "系统异常,请稍后重试"),
        ErrorEntry(501, "unsupported_transfer_encoding", "不支持该传输编码"),
    )
}

INVALID_JSON = ErrorEntry(400, "invalid_json", "请求内容不是有效的JSON")
NOT_A_JSON_OBJECT = ErrorEntry(400, "bad_request", "请求内容应为JSON对象")
STORE_UNAVAILABLE = ErrorEntry(503, "unavailable", "系统繁忙,请稍后重试")
SCRAPER_UNAUTHENTICATED = ErrorEntry(401, "unauthenticated", "需要有效的访问令牌")
# The official account's callback: the code says which check refused (invalid_signature,
# stale_timestamp, message_too_large ...), the status and message say how.
CALLBACK_MALFORMED = ErrorEntry(400, "invalid_message", "消息格式有误")
CALLBACK_REFUSED = ErrorEntry(403, "invalid_signature", "签名校验失败或请求已过期")

# Webargs' and marshmallow's field messages, in Chinese.
FIELD_MESSAGES = {
    "Unknown field.": "不支持的字段",
    "Missing data for required field.": "此项必填",
    "Not a valid string.": "应为文本",
    "Not a valid boolean.": "应为true或false",
    "Invalid input type.": "请求内容应为JSON对象",
    "Field may not be null.": "不能为空",
    "Must be one of: wechat, alipay.": "应为wechat或alipay",
}

# The H5 pages show an error as a page with a title (app/web/h5/errors.py).
PAGE_TITLES = {
    400: "请求无法处理",
    401: "登录已失效",
    404: "页面不存在",
    429: "操作过于频繁",
    503: "系统繁忙",
}


def status_of(error: domain.DomainError) -> int:
    return next((s for cls, s in DOMAIN_STATUS.items() if isinstance(error, cls)), 400)


def of_status(status: int) -> ErrorEntry:
    return HTTP.get(status, ErrorEntry(status, "http_error", "请求无法处理"))
