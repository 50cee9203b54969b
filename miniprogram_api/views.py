"""The /api/v1 endpoints: thin views over the use cases."""

from __future__ import annotations

import datetime
from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.domain.tickets import Ticket
from app.services.caller import Caller
from app.services.sessions import FrontEnd
from app.web.services import services
from miniprogram_api.errors import documented_errors
from miniprogram_api.schemas import (
    AcceptedSchema,
    CodeRequestSchema,
    CodeSentSchema,
    LoginResultSchema,
    LoginSchema,
    QueryListSchema,
    QuerySchema,
    ReportAcceptedSchema,
    ReportRequestSchema,
    ReportSchema,
    TicketSchema,
)

blp = Blueprint("api_v1", __name__, url_prefix="/api/v1", description="一证通查小程序接口")
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


PUBLIC_ENDPOINTS = {"api_v1.Sessions"}  # the catalogue blueprint needs no login either
SESSION_COOKIE = "yzt_session"  # set by the H5 pages after WeChat web OAuth (app/h5)


@blp.before_request
def authenticate() -> None:
    """Every endpoint but login needs a bearer token, checked before the body is parsed."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else None
    front_end = FrontEnd.MINIPROGRAM
    if token is None:
        # The H5 pages' session: an HttpOnly SameSite=Strict cookie, so cross-site requests
        # don't carry it, and guard_request lets only application/json POSTs through (CSRF).
        token, front_end = request.cookies.get(SESSION_COOKIE), FrontEnd.H5
    session = services().sessions.open(token, front_end)
    g.caller = Caller(session.user, request.remote_addr or "", session.channel)


def caller() -> Caller:
    return g.caller  # type: ignore[no-any-return]


def errors(*statuses: int) -> Any:
    return documented_errors(blp, *statuses)


# The argument schemas are instances: given a class, webargs builds (and deep-copies the
# fields of) a new schema on every request.
@blp.route("/sessions")
class Sessions(MethodView):
    @blp.arguments(LoginSchema())
    @blp.response(201, LoginResultSchema)
    @errors(400, 401, 413, 415, 422, 429, 503)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """用平台登录凭证换取会话令牌"""
        ip = request.remote_addr or ""
        platform, code, channel = body["platform"], body["code"], body.get("channel", "")
        result = services().login(platform, code, FrontEnd.MINIPROGRAM, ip, channel)
        return {"token": result.token, "expires_in": result.expires_in}


@blp.route("/verification-codes")
class VerificationCodes(MethodView):
    @blp.arguments(CodeRequestSchema())
    @blp.response(202, CodeSentSchema)
    @blp.doc(security=BEARER)
    @errors(400, 401, 413, 415, 422, 429, 503)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """校验表单,发送短信验证码"""
        sent = services().request_code(caller(), body)
        return {"sent_to": sent.sent_to, "expires_in": sent.expires_in}


@blp.route("/queries")
class Queries(MethodView):
    @blp.arguments(QuerySchema())
    @blp.response(202, AcceptedSchema)
    @blp.doc(security=BEARER)
    @errors(400, 401, 413, 415, 422, 429, 503)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """提交查询;结果只通过短信发送"""
        accepted = services().submit_query(caller(), body)
        return {"ticket": accepted.ticket, "status": accepted.status, "message": accepted.message}

    @blp.response(200, QueryListSchema)
    @blp.doc(security=BEARER)
    @errors(401, 503)
    def get(self) -> dict[str, Any]:
        """我的查询:近7天的查询及其状态(不含结果)"""
        listed = services().list_queries(caller())
        return {"queries": [{**_ticket(q.ticket), "reportable": q.reportable} for q in listed]}


@blp.route("/queries/<string:ticket>")
class QueryStatus(MethodView):
    @blp.response(200, TicketSchema)
    @blp.doc(security=BEARER)
    @errors(401, 404, 503)
    def get(self, ticket: str) -> dict[str, Any]:
        """查询受理状态(不含结果)"""
        return _ticket(services().read_ticket(caller(), ticket))


@blp.route("/queries/<string:ticket>/reports")
class TicketReports(MethodView):
    @blp.arguments(ReportRequestSchema())
    @blp.response(202, ReportAcceptedSchema)
    @blp.doc(security=BEARER)
    @errors(400, 401, 404, 409, 413, 415, 422, 503)
    def post(self, body: dict[str, Any], ticket: str) -> dict[str, Any]:
        """非本人反映:对查询中的运营商反映非本人办理的号码"""
        accepted = services().submit_report(caller(), ticket, body)
        return {"report": accepted.report, "status": accepted.status, "message": accepted.message}


@blp.route("/reports/<string:report>")
class ReportStatus(MethodView):
    @blp.response(200, ReportSchema)
    @blp.doc(security=BEARER)
    @errors(401, 404, 503)
    def get(self, report: str) -> dict[str, Any]:
        """反映进度(不含运营商的答复)"""
        found = services().read_report(caller(), report)
        return {
            "report": found.id,
            "ticket": found.ticket_id,
            "status": found.status,
            "operators": [{"id": g, "status": found.group_status(g)} for g in found.groups],
            "created_at": _iso(found.created_at),
            "updated_at": _iso(found.updated_at),
        }


def _ticket(found: Ticket) -> dict[str, Any]:
    return {
        "id": found.id,
        "service": found.service,
        "status": found.status,
        "phone_masked": found.phone_masked,
        "created_at": _iso(found.created_at),
        "updated_at": _iso(found.updated_at),
    }


def _iso(timestamp: float) -> str:
    tz = datetime.timezone(datetime.timedelta(hours=8))
    return datetime.datetime.fromtimestamp(timestamp, tz).isoformat(timespec="seconds")
