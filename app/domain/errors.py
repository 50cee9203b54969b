"""Domain errors. One table (miniprogram_api/errors.py) maps them to HTTP status and code."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"
    message = "请求无法处理"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message


class InvalidFields(DomainError):
    code = "invalid_fields"
    message = "填写的信息有误,请核对"

    def __init__(self, fields: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__(message or first_message(fields) or self.message)
        self.fields = fields


class QuotaExceeded(DomainError):
    code = "quota_exceeded"
    message = "24小时才能获取一次验证码,请稍后再试"
    MESSAGES = {  # noqa: RUF012 - which limit refused decides what the user reads
        "phone": "24小时才能获取一次验证码,请稍后再试",
        "id": "24小时才能获取一次验证码,请稍后再试",
        "user": "获取验证码次数过多,请明天再试",
        "ip": "当前网络获取验证码过于频繁,请稍后再试",
        "global": "当前使用人数较多,请稍后再试",
    }

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class CodeMismatch(DomainError):
    code = "code_mismatch"
    message = "验证码错误,或填写的信息与获取验证码时不一致"

    def __init__(self, attempts_left: int) -> None:
        super().__init__()
        self.attempts_left = attempts_left


class CodeExpired(DomainError):
    code = "code_expired"
    message = "验证码已失效,请重新获取"


class NotFound(DomainError):
    code = "not_found"
    message = "未找到该查询"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    message = "登录已失效,请重新进入"


class LoginFailed(DomainError):
    code = "login_failed"
    message = "登录失败,请重新进入"


class PlatformUnavailable(DomainError):
    code = "platform_unavailable"
    message = "平台暂时无法登录,请稍后重试"


class SmsUnavailable(DomainError):
    code = "sms_unavailable"
    message = "短信发送失败,本次不计入次数,请稍后重试"


class SmsRateLimited(DomainError):
    code = "sms_rate_limited"
    message = "短信发送过于频繁,请稍后重试"

    def __init__(self, retry_after: int = 60) -> None:
        super().__init__()
        self.retry_after = retry_after


class TooManyRequests(DomainError):
    """A rate limit that is not the 24-hour quota: submits per user, logins per network."""

    code = "too_many_requests"
    message = "操作过于频繁,请稍后再试"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = max(1, retry_after)


class Forbidden(DomainError):
    """A valid credential that may not do this: a citizen's session on the admin API."""

    code = "forbidden"
    message = "无权访问管理接口"


class Conflict(DomainError):
    code = "conflict"
    message = "该编号已被占用"


class ServiceUnavailable(DomainError):
    code = "unavailable"
    message = "系统繁忙,请稍后重试"


class NotReportable(DomainError):
    code = "not_reportable"
    message = "仅能对7天内已发送结果的移动电话卡查询进行反映"


class AlreadyReported(DomainError):
    code = "already_reported"
    message = "该查询已提交过反映,请查看反映进度"


class PartnerUnauthenticated(DomainError):
    """A call from a partner whose signature, timestamp or nonce we refuse; the code says
    which (docs/partner-protocol.md)."""

    message = "签名校验失败或请求已过期"

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class WrongOperator(DomainError):
    code = "wrong_operator"
    message = "该反映未转交给此运营商"


def first_message(fields: dict[str, list[str]]) -> str:
    for messages in fields.values():
        if messages:
            return messages[0]
    return ""
