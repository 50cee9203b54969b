"""The one table from errors to HTTP status and stable code, and the JSON error shape."""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from app.domain import errors as e
from app.ports.state import StoreUnavailable

log = logging.getLogger(__name__)

STATUS = {
    e.InvalidFields: 422,
    e.QuotaExceeded: 429,
    e.SmsRateLimited: 429,
    e.TooManyRequests: 429,
    e.CodeMismatch: 400,
    e.CodeExpired: 400,
    e.NotFound: 404,
    e.Unauthenticated: 401,
    e.LoginFailed: 401,
    e.PlatformUnavailable: 503,
    e.SmsUnavailable: 503,
    e.ServiceUnavailable: 503,
}

# HTTP errors raised by Flask/werkzeug/webargs before our code runs.
HTTP_CODES = {
    400: ("bad_request", "请求格式有误"),
    401: ("unauthenticated", "登录已失效,请重新进入"),
    404: ("not_found", "请求的资源不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请以JSON格式提交(Content-Type: application/json)"),
    422: ("invalid_fields", "填写的信息有误,请核对"),
    429: ("too_many_requests", "请求过于频繁,请稍后再试"),
    500: ("internal_error", "系统异常,请稍后重试"),
}
FIELD_MESSAGES = {
    "Unknown field.": "不支持的字段",
    "Missing data for required field.": "此项必填",
    "Not a valid string.": "应为文本",
    "Not a valid boolean.": "应为true或false",
    "Invalid input type.": "请求内容应为JSON对象",
    "Field may not be null.": "不能为空",
    "Must be one of: wechat, alipay.": "应为wechat或alipay",
}


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = ma.fields.String(required=True, metadata={"description": "中文提示"})
    fields_ = ma.fields.Dict(
        data_key="fields", keys=ma.fields.String(), values=ma.fields.List(ma.fields.String())
    )
    retry_after = ma.fields.Integer(metadata={"description": "seconds, on 429"})
    attempts_left = ma.fields.Integer(metadata={"description": "on code_mismatch"})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


def documented_errors(blp: Any, *statuses: int) -> Any:
    """Declare the JSON error responses of a view in the OpenAPI document."""

    def decorate(view: Any) -> Any:
        documented = view
        for status in statuses:
            documented = blp.alt_response(status, schema=ErrorSchema, description="错误")(
                documented
            )
        # Keep the docs, drop the wrappers: each alt_response wrapper is one more call (and an
        # iscoroutinefunction check) on every request, for nothing but the OpenAPI document.
        view._apidoc = documented._apidoc
        return view

    return decorate


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify({"error": body})
    response.status_code = status
    if "retry_after" in body:
        response.headers["Retry-After"] = str(body["retry_after"])
    return response


def handle_domain_error(error: e.DomainError) -> Response:
    status = next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)
    return error_response(
        status,
        error.code,
        error.message,
        fields=getattr(error, "fields", None),
        retry_after=getattr(error, "retry_after", None),
        attempts_left=getattr(error, "attempts_left", None),
    )


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("http_error", "请求无法处理"))
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    if "json" in messages and isinstance(messages["json"], dict):
        fields = {k: _translate(v) for k, v in messages["json"].items()}
        if "_schema" in fields:  # the body is JSON, but not an object
            return error_response(400, "bad_request", "请求内容应为JSON对象")
        return error_response(422, "invalid_fields", message, fields=fields)
    if status == 400 and "json" in messages:
        return error_response(400, "invalid_json", "请求内容不是有效的JSON")
    return error_response(status, code, message, retry_after=data.get("retry_after"))


def handle_store_unavailable(error: StoreUnavailable) -> Response:
    log.error("state store unavailable", extra={"error": str(error)})
    return error_response(503, "unavailable", "系统繁忙,请稍后重试")


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error", extra={"error": type(error).__name__})
    return error_response(500, *HTTP_CODES[500])


def _translate(messages: Any) -> list[str]:
    if isinstance(messages, dict):  # nested: flatten
        return [m for v in messages.values() for m in _translate(v)]
    if not isinstance(messages, list):
        return []
    return [FIELD_MESSAGES.get(str(m), str(m)) for m in messages]


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(e.DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(StoreUnavailable, handle_store_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
