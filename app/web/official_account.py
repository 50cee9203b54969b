"""/wechat/official/callback: thin views over the AnswerCallback use case, and WeChat's web-OAuth
domain check file. Errors are JSON, never HTML."""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.config import ConfigError
from app.ports.official_account import CallbackMalformed, CallbackRefused
from app.services.official_account import AnswerCallback
from app.web.services import services
from miniprogram_api import error_table as table
from miniprogram_api.errors import entry_response

log = logging.getLogger(__name__)
VERIFY_FILE = "yzt_wechat_verify_file"  # (file name, content), or None
MAX_BODY_BYTES = 16 * 1024  # a WeChat message is a few KiB even in safe mode

blueprint = Blueprint("official_account", __name__)


# WeChat names the file MP_verify_<letters and digits>.txt and fills it with a short token
_VERIFY_FILE = re.compile(r"(MP_verify_[A-Za-z0-9]{1,64}\.txt):([A-Za-z0-9]{1,128})")


def init_app(app: Flask) -> None:
    with app.app_context():
        app.extensions[VERIFY_FILE] = verify_file(services().settings.wechat_web_verify_file)
    app.register_blueprint(blueprint)


def verify_file(setting: str) -> tuple[str, str] | None:
    """WECHAT_WEB_VERIFY_FILE, "MP_verify_<x>.txt:<content>", as (file name, content)."""
    if not setting:
        return None
    found = _VERIFY_FILE.fullmatch(setting.strip())
    if found is None:
        raise ConfigError("WECHAT_WEB_VERIFY_FILE must be MP_verify_<x>.txt:<content>")
    return found.group(1), found.group(2)


def official_account() -> AnswerCallback:
    return services().official_account


@blueprint.get("/wechat/official/callback")
def verify() -> Response:
    try:
        echostr = official_account().verify(request.args)
    except CallbackRefused as exc:
        return _refuse(403, exc.code)
    response = Response(echostr, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"  # echostr is reflected
    return response


@blueprint.get("/MP_verify_<name>.txt")
def domain_check(name: str) -> Response:
    """WeChat fetches this file before it allows web OAuth on our domain (网页授权域名)."""
    verify = current_app.extensions[VERIFY_FILE]
    if verify is None or f"MP_verify_{name}.txt" != verify[0]:
        return entry_response(table.of_status(404))
    response = Response(verify[1], mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.post("/wechat/official/callback")
def receive() -> Response:
    # Checked before reading: a huge body is refused without being read (werkzeug's 413 is
    # turned into the 400 api.md asks for).
    limit = min(MAX_BODY_BYTES, request.max_content_length or MAX_BODY_BYTES)
    if (request.content_length or 0) > limit:
        return _refuse(400, "message_too_large")
    try:
        body = request.get_data(cache=False)
        # A chunked body has no Content-Length, and werkzeug silently cuts it at the app's
        # MAX_CONTENT_LENGTH: a body that fills the limit was cut, so it is too large.
        if len(body) >= limit:
            return _refuse(400, "message_too_large")
        answer = official_account().answer(request.args, body)
    except RequestEntityTooLarge:
        return _refuse(400, "message_too_large")
    except CallbackRefused as exc:
        return _refuse(403, exc.code)
    except CallbackMalformed as exc:
        return _refuse(400, exc.code)
    return Response(answer.body, mimetype=answer.mimetype)


def _refuse(status: int, code: str) -> Response:
    """The callback's refusal: its status and message from the one table, its code the check's."""
    log.warning("wechat callback refused", extra={"status": status, "code": code})
    entry = table.CALLBACK_REFUSED if status == 403 else table.CALLBACK_MALFORMED
    return entry_response(entry, code)
