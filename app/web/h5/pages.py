"""The H5 pages: the start page, the two forms, the submitted page, guidance and hotlines.

The forms and the submitted page talk to the JSON API (/api/v1) from static scripts; the pages
that only show data (guidance, hotlines) are rendered here and need no script at all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from app.domain.form_fields import DESCRIPTIONS, FORM_FIELDS
from app.domain.forms import Service
from app.domain.reports import GROUPS, REPORT_WINDOW_S, group_names
from app.services.caller import Caller
from app.web.h5 import errors, oauth
from app.web.h5.headers import secure_headers
from app.web.services import services

blueprint = Blueprint(
    "h5",
    __name__,
    url_prefix="/h5",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
blueprint.after_request(secure_headers)
errors.register(blueprint)

SERVICE_PATHS = {"phone-cards": Service.PHONE_CARDS, "internet-accounts": Service.INTERNET_ACCOUNTS}
STATUS_TEXT = {
    "accepted": "已受理",
    "processing": "查询中",
    "delivered": "已发送",
    "failed": "发送失败",
}
REPORT_STATUS_TEXT = {
    "submitted": "已提交",
    "forwarded": "已转交运营商核查",
    "answered": "已答复,结果已短信告知",
}
STATUS_HINTS = {
    "accepted": "正在排队查询,请稍候。",
    "processing": "正在向运营商和企业查询,请稍候。",
    "delivered": "结果短信已发出,请留意手机短信。",
    "failed": "结果短信发送失败,本次不计入查询次数,请稍后重新查询。",
}


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """A browser without a session goes through WeChat web OAuth first, then comes back."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = oauth.current_user()
        if user is None:
            return oauth.start(request.full_path.rstrip("?"))
        return view(Caller(user, request.remote_addr or ""), *args, **kwargs)

    return wrapper


@blueprint.get("/")
@signed_in
def index(caller: Caller) -> str:
    tiles = [(path, service, DESCRIPTIONS[service]) for path, service in SERVICE_PATHS.items()]
    return render_template("h5/index.html", tiles=tiles)


@blueprint.get("/<any('phone-cards', 'internet-accounts'):path>")
@signed_in
def form(caller: Caller, path: str) -> str:
    service = SERVICE_PATHS[path]
    fields = FORM_FIELDS[service]
    return render_template(
        "h5/form.html",
        service=service,
        inputs=[f for f in fields if f.type != "checkbox" and f.id != "code"],
        code=next(f for f in fields if f.id == "code"),
        agree=next(f for f in fields if f.type == "checkbox"),
    )


@blueprint.get("/queries")
@signed_in
def queries(caller: Caller) -> str:
    """我的查询: the list is the JSON API's (GET /api/v1/queries), read by queries.js."""
    names = {str(s): s.display_name for s in Service}
    return render_template("h5/queries.html", status_text=STATUS_TEXT, service_names=names)


@blueprint.get("/queries/<string:ticket>")
@signed_in
def submitted(caller: Caller, ticket: str) -> str:
    found = services().read_ticket(caller, ticket)
    # Whether a report may be offered once the SMS has gone: never the query's outcome.
    young = services().clock.now() - found.created_at < REPORT_WINDOW_S
    return render_template(
        "h5/submitted.html",
        ticket=found,
        service_name=Service(found.service).display_name,
        status_text=STATUS_TEXT,
        status_hints=STATUS_HINTS,
        may_report=found.service == Service.PHONE_CARDS and young and not found.report,
        report_groups={g: group_names(services().catalogue.registry, [g]) for g in GROUPS},
        report_text=REPORT_STATUS_TEXT,
    )


@blueprint.get("/guides")
def guides() -> str:
    return render_template("h5/guides.html", categories=services().catalogue.guidance.categories)


@blueprint.get("/guides/<string:product>")
def guide(product: str) -> str:
    return render_template("h5/guide.html", guide=services().catalogue.guide(product))


@blueprint.get("/hotlines")
def hotlines() -> str:
    return render_template("h5/hotlines.html", hotlines=services().catalogue.hotlines)


@blueprint.get("/oauth/callback")
def oauth_callback() -> Response:
    return oauth.finish()
