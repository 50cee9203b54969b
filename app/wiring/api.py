"""The API's use cases (ApiServices), built once per process from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.clock import SystemClock
from adapters.sealing import AesGcmSealer
from adapters.task_queue import DramatiqQueue, build_broker
from adapters.wechat_token import SharedTokenClient
from app.config import Settings
from app.domain.hashing import KeyedHasher
from app.ports.identity import WebLogin
from app.ports.runtime import Clock
from app.ports.state import AuditLog, Breakers, Liveness
from app.services.admin import AdminAccess
from app.services.catalogue import Catalogue
from app.services.channels import ChannelAdmin
from app.services.codes import RequestCode
from app.services.login import Login
from app.services.official_account import AnswerCallback
from app.services.operator_answers import AcceptOperatorAnswer
from app.services.queries import ReadTicket, SubmitQuery
from app.services.reports import ListQueries, ReadReport, SubmitReport
from app.services.sessions import Sessions
from app.wiring import files, outside
from app.wiring.policies import breaker_policy, code_policy, quota_policy
from app.wiring.state import build_state, form_sealer, report_sealer
from notices.replies import Replies


@dataclass(frozen=True)
class ApiServices:
    """What the entry points of the API process call: each use case with the ports it uses."""

    settings: Settings
    sessions: Sessions
    login: Login
    request_code: RequestCode
    submit_query: SubmitQuery
    read_ticket: ReadTicket
    catalogue: Catalogue
    official_account: AnswerCallback
    web_login: WebLogin
    menu: SharedTokenClient  # the official account's menu (`flask wechat sync-menu`)
    audit: AuditLog
    liveness: Liveness
    breakers: Breakers  # for the metrics
    queue: DramatiqQueue
    clock: Clock
    list_queries: ListQueries  # 我的查询
    submit_report: SubmitReport  # 非本人反映
    read_report: ReadReport
    accept_answer: AcceptOperatorAnswer  # an operator's signed answer to a report
    admin: AdminAccess  # who may call /api/v1/admin, and its audit trail
    channels: ChannelAdmin  # QR-code channels: their codes and funnel


def build_api(settings: Settings) -> ApiServices:
    clock, hasher = SystemClock(), KeyedHasher(settings.secret_key.encode())
    queue = DramatiqQueue(build_broker(settings.redis_url, settings.broker_url))
    state = build_state(settings, clock, queue)
    registry = files.registry(settings)
    guidance = files.guidance(settings, registry)
    sessions = Sessions(
        AesGcmSealer.from_secret(settings.secret_key.encode(), settings.form_seal_keys),
        clock,
        settings.session_ttl_s,
    )
    sms = outside.sms_gateway(settings, files.templates(settings))
    read_ticket = ReadTicket(state.tickets, hasher)
    return ApiServices(
        settings=settings,
        sessions=sessions,
        login=Login(
            outside.identity(settings),
            state.limits,
            sessions,
            hasher,
            quota_policy(settings).logins,
            state.funnel,
        ),
        request_code=RequestCode(state.codes, sms, hasher, clock, code_policy(settings)),
        submit_query=SubmitQuery(
            state.codes, state.tickets, queue, form_sealer(settings, clock), hasher, clock
        ),
        read_ticket=read_ticket,
        catalogue=Catalogue(registry, guidance, state.breakers, breaker_policy(settings), clock),
        official_account=AnswerCallback(
            outside.callback_envelope(settings),
            state.seen,
            Replies.build(settings.public_url, guidance.hotlines),
            hasher,
            clock,
            state.funnel,
        ),
        web_login=outside.web_login(settings),
        menu=outside.official_account_api(settings, state.client),
        audit=state.audit,
        liveness=state.liveness,
        breakers=state.breakers,
        queue=queue,
        clock=clock,
        list_queries=ListQueries(state.my_queries, hasher, clock),
        submit_report=SubmitReport(
            read_ticket, state.reports, registry, queue, report_sealer(settings, clock), clock
        ),
        read_report=ReadReport(state.reports, hasher),
        accept_answer=AcceptOperatorAnswer(
            outside.operator_calls(settings, registry), state.nonces, state.reports, queue, clock
        ),
        admin=AdminAccess(settings.admin_token_map(), sessions, state.audit, clock),
        channels=ChannelAdmin(
            state.channels,
            state.funnel,
            outside.qr_makers(settings, state.client),
            state.qr_images,
            clock,
            settings.qrcode_cache_ttl_s,
        ),
    )
