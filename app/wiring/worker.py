"""The worker's use case (RunQuery), built once per worker process, inside the event loop that
owns the partners' aiohttp session."""

from __future__ import annotations

from dataclasses import replace

import aiohttp

from adapters.clock import SystemClock
from adapters.metrics import PrometheusMetrics
from adapters.task_queue import DramatiqQueue, build_broker
from app.config import Settings
from app.ports.runtime import REPORT_SMS, Metrics
from app.services.delivery import PlatformNotice, ResultSms
from app.services.fan_out import FanOut
from app.services.forward_report import ForwardReport
from app.services.report_sms import ReportMessages, SendReportSms
from app.services.run_query import RunQuery
from app.wiring import files, outside
from app.wiring.policies import breaker_policy, forward_policy
from app.wiring.state import State, build_state, form_sealer, report_sealer


def build_run_query(
    settings: Settings, session: aiohttp.ClientSession, metrics: Metrics | None = None
) -> tuple[RunQuery, State]:
    clock, metrics = SystemClock(), metrics or PrometheusMetrics()
    state = build_state(settings, clock)
    partners = outside.partner_client(settings, session)
    forms = form_sealer(settings, clock)
    registry = files.registry(settings)
    fan_out = FanOut(
        partners,
        partners,
        registry,
        state.breakers,
        breaker_policy(settings),
        clock,
        metrics,
        settings.query_deadline_s,
    )
    result_sms = ResultSms(
        state.marks,
        outside.sms_gateway(settings, files.templates(settings)),
        DramatiqQueue(build_broker(settings.redis_url, settings.broker_url)),
        forms,
        clock,
        settings.sms_retry_window_s,
    )
    notice = PlatformNotice(state.marks, outside.notifier(settings, state.client), clock)
    run_query = RunQuery(
        state.tickets, forms, fan_out, result_sms, notice, clock, metrics,
        report_sealer(settings, clock),
    )  # fmt: skip
    return run_query, state


def build_report_cases(
    settings: Settings, run_query: RunQuery, state: State
) -> tuple[ForwardReport, SendReportSms]:
    """The report tasks' use cases, on the run_query case's partners, SMS gateway and state."""
    clock, registry = SystemClock(), files.registry(settings)
    phones = report_sealer(settings, clock)
    sms = replace(run_query.result_sms, retry_task=REPORT_SMS)
    messages = ReportMessages(
        state.reports,
        sms,
        state.marks,
        phones,
        registry,
        files.operator_hotlines(settings, registry),
        clock,
    )
    forward = ForwardReport(
        state.reports,
        run_query.fan_out.operators,
        run_query.fan_out,
        registry,
        messages,
        phones,
        sms.queue,
        clock,
        forward_policy(settings),
    )
    return forward, SendReportSms(state.reports, messages)
