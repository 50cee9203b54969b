"""Structured JSON logs on stderr, scrubbed of identifiers, with a request id.

Scrubbing here is the second line of defence: code logs keyed hashes and masks, never clear
identifiers, and this filter masks anything that still looks like an ID or a mobile number.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

from app.domain.masking import scrub

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def __init__(self, component: str) -> None:
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "component": self.component,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            # A traceback may quote any value, a name included: the strictest scrub, names too.
            entry["exc"] = scrub(self.formatException(record.exc_info), names=True)
        return scrub(json.dumps(entry, ensure_ascii=False), names=False)


def configure(component: str, level: str = "INFO") -> None:
    """Idempotent: every process (API, worker, sandbox) calls it once at start."""
    root = logging.getLogger()
    if any(getattr(h, "_yzt", False) for h in root.handlers):
        return
    if component == "worker":  # dramatiq's CLI installs its own plain-text handler
        root.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(component))
    handler._yzt = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("urllib3", "werkzeug", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
