"""Calls from partners to us: an operator's answer to a 非本人 report
(`POST /partners/v1/reports/<report>/answer`, docs/partner-protocol.md). Signed like our calls
to them; errors are JSON in the API's shape, from the one error table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from flask import Blueprint, Flask, Response, jsonify, request

from app.web.services import services
from miniprogram_api import error_table as table
from miniprogram_api.errors import entry_response

MAX_BODY_BYTES = 4 * 1024  # {"answer": "closed", "count": 2} is 30 bytes

blueprint = Blueprint("partner_calls", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)


@blueprint.post("/partners/v1/reports/<string:report>/answer")
def answer(report: str) -> Response:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return entry_response(table.of_status(413))
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY_BYTES:  # a chunked body has no Content-Length
        return entry_response(table.of_status(413))
    # Headers read case-insensitively, as HTTP has them; the path is what the operator signed.
    headers = cast(Mapping[str, str], request.headers)
    receipt = services().accept_answer(report, request.path, headers, body)
    return jsonify({"ok": True, "receipt": str(receipt)})
