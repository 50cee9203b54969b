"""Access log without personal data: method, scrubbed path and query, status, duration.

Paths carry ID numbers and phones (/_sandbox/people/<id>, ?phone=), and queries carry
credentials (WeChat secret, Alipay sign, login codes), so both are masked. Bodies are never
logged.
"""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from app.domain.masking import hide_credentials, mask_id_number, mask_phone, scrub

LOGGER_NAME = "sandbox"
_PATH_VALUES = {"id_number": mask_id_number, "phone": mask_phone}


def safe_target(request: web.BaseRequest) -> str:
    """The request target with identifiers and credentials masked."""
    path, sep, query = request.raw_path.partition("?")
    match_info = getattr(request, "match_info", None) or {}
    masks = {
        quote(value, safe=""): mask(value)
        for key, mask in _PATH_VALUES.items()
        if (value := match_info.get(key))
    }
    # Whole segments only: a short value must not mask unrelated parts of the path.
    path = "/".join(masks.get(segment, segment) for segment in path.split("/"))
    return scrub(hide_credentials(path + sep + query), names=True)


class SandboxAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms", request.method, safe_target(request), response.status, time * 1000
        )


class ScrubFilter(logging.Filter):
    """Safety net for aiohttp's default access logger, should a runner not use ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(hide_credentials(record.getMessage()), names=True)
        record.args = ()
        return True


def guard_default_access_log() -> None:
    logger = logging.getLogger("aiohttp.access")
    if not any(isinstance(f, ScrubFilter) for f in logger.filters):
        logger.addFilter(ScrubFilter())


def runner_kwargs() -> dict[str, Any]:
    """Arguments for web.run_app / web.AppRunner that route access logs through the scrubber."""
    return {
        "access_log_class": SandboxAccessLogger,
        "access_log": logging.getLogger(LOGGER_NAME),
    }


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
