"""Error reports to Sentry, when SENTRY_DSN is set, scrubbed of personal data before they leave.

before_send and before_breadcrumb walk the whole event. Values under a sensitive key (name,
id_number, phone, code, token, Authorization, session_key, openid...) are replaced whatever
they hold; every other string is scrubbed of ID numbers, mobile numbers, Chinese names (plain,
percent-encoded or \\u-escaped), `key=value` secrets, bearer tokens and 6-character runs such as
codes and ID tails. Stack-frame locals, the request (body, query, headers, cookies), messages,
exception values, breadcrumbs, tags and extra are all covered. What stays: exception types,
modules, functions, line numbers and our keyed hashes, which is what an operator needs.
"""

from __future__ import annotations

import re
from typing import Any

from app.config import Settings
from app.domain.masking import scrub

FILTERED = "[Filtered]"
SENSITIVE_KEYS = frozenset(
    {
        "name",
        "id_number",
        "phone",
        "phone_numbers",
        "id_last6",
        "code",
        "js_code",
        "auth_code",
        "token",
        "access_token",
        "refresh_token",
        "session_key",
        "secret",
        "password",
        "authorization",
        "cookie",
        "set-cookie",
        "sign",
        "openid",
        "user_id",
        "touser",
        "to_user_id",
        "to_open_id",
        "notify_to",
        "recipient",
        "form",
        "params",
        "template_param",
        "templateparamset",
        "phonenumberset",
    }
)
# Sections that only describe the SDK and the machine: their "name" keys are not people's.
METADATA = frozenset({"sdk", "modules", "platform", "event_id", "timestamp", "level"})
STRINGS_ONLY = frozenset({"contexts"})  # runtime/os names; trace and task data still scrubbed
_PAIR_RE = re.compile(
    r"(?i)\b(code|token|access_token|refresh_token|secret|sign|session_key|authorization|"
    r"password|js_code|auth_code|notify_to|openid|touser|to_user_id|to_open_id)"
    r"(['\"]?\s*[:=]\s*['\"]?)([^'\"\s,&}]+)"
)
_BEARER_RE = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")
_ESCAPED_HAN_RE = re.compile(r"(?:\\u[34-9][0-9a-fA-F]{3}){2,}")
_SIX_RE = re.compile(r"(?<![0-9A-Za-z])[0-9]{5}[0-9Xx](?![0-9A-Za-z])")


def scrub_text(text: str) -> str:
    text = _BEARER_RE.sub("Bearer " + FILTERED, text)
    text = _PAIR_RE.sub(lambda m: m.group(1) + m.group(2) + FILTERED, text)
    text = _ESCAPED_HAN_RE.sub("\\\\u**", text)
    text = scrub(text, names=True)
    return _SIX_RE.sub("******", text)


def scrub_value(value: Any, by_key: bool = True, depth: int = 0) -> Any:
    """Every string scrubbed; with by_key, values under sensitive keys replaced outright."""
    if isinstance(value, str):
        return scrub_text(value)
    if depth > 30:  # Sentry's own depth limit is far lower; this only guards odd cycles
        return FILTERED
    if isinstance(value, dict):
        return {
            key: FILTERED if by_key and is_sensitive(key) else scrub_value(v, by_key, depth + 1)
            for key, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub_value(item, by_key, depth + 1) for item in value]
    return value


def is_sensitive(key: Any) -> bool:
    lowered = str(key).lower()
    return lowered in SENSITIVE_KEYS or lowered.endswith(("_token", "_secret", "_key"))


def before_send(event: dict[str, Any], hint: Any) -> dict[str, Any]:
    return {
        key: value if key in METADATA else scrub_value(value, by_key=key not in STRINGS_ONLY)
        for key, value in event.items()
    }


def before_breadcrumb(crumb: dict[str, Any], hint: Any) -> dict[str, Any]:
    return scrub_value(crumb)  # type: ignore[no-any-return]


def init_sentry(settings: Settings, component: str) -> bool:
    """Start the Sentry client for the API or the worker; nothing happens without SENTRY_DSN.

    In the worker it must run before the Dramatiq broker is built: the integration adds its
    middleware through Broker.__init__.
    """
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.dramatiq import DramatiqIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.sentry_environment,
        integrations=[FlaskIntegration(), DramatiqIntegration()],
        send_default_pii=False,
        before_send=before_send,  # type: ignore[arg-type]
        before_breadcrumb=before_breadcrumb,
    )
    sentry_sdk.set_tag("component", component)
    return True
