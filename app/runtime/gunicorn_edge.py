"""What gunicorn itself writes and answers, before or around the app (gunicorn.conf.py uses it).

- Its access and error logs go through the same scrubber as every other log line: the decoded
  path may hold an ID number, a phone or a name, and a `%0d%0a` in it would otherwise forge a
  second log line. Control characters are escaped, identifiers masked, credentials in query
  strings hidden.
- The errors it answers before the app runs (a request line too long, too many headers, a bad
  Transfer-Encoding) are JSON in our error shape, with a Chinese message, not HTML pages.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gunicorn import util
from gunicorn.glogging import Logger

from app.domain.masking import hide_credentials, scrub
from app.runtime.logs import JsonFormatter
from miniprogram_api import error_table as table

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def log_safe(text: str) -> str:
    """One line, nothing personal: identifiers masked, credentials hidden, controls escaped.

    WSGI hands over the path as bytes in latin-1 clothing: read as the UTF-8 it is, so that
    full-width digits and Chinese names are seen, and masked, for what they are."""
    text = scrub(hide_credentials(_as_utf8(text)), names=True)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _as_utf8(text: str) -> str:
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:  # not WSGI bytes (or not UTF-8): take it as it is
        return text


class ScrubbedLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with every access-log atom and every error line made safe."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter("gunicorn"))

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: log_safe(v) if isinstance(v, str) else v for k, v in atoms.items()}


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error, in our JSON error shape. `mesg` (which may quote the request
    line) is never sent back: it would reflect what the client sent."""
    entry = table.HTTP.get(status_int, table.of_status(400))
    error = {"code": entry.code, "message": entry.message}
    body = json.dumps({"error": error}, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install_json_errors() -> None:
    """Called in each worker (post_worker_init): its handle_error calls util.write_error."""
    util.write_error = write_json_error
