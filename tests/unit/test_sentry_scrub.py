"""The Sentry scrubber on its own: every part of an event, every encoding of an identifier."""

from __future__ import annotations

import json
from urllib.parse import quote

from app.runtime.sentry import FILTERED, before_breadcrumb, before_send, scrub_text

NAME, ID, PHONE = "欧阳娜娜", "11010519491231002X", "13800138000"


def dumped(event: dict) -> str:
    return json.dumps(event, ensure_ascii=False) + json.dumps(event)


def test_free_text_loses_ids_phones_names_codes_and_tokens() -> None:
    text = (
        f"{NAME} {ID} +86{PHONE} name={quote(NAME)} code=123456 access_token=abc.def "
        f'"js_code": "0a1b2c" Bearer eyJhbGciOi.x-y_z {json.dumps(NAME)} tail 31002X'
    )
    clean = scrub_text(text)
    for secret in (NAME, ID, PHONE, quote(NAME), "123456", "abc.def", "0a1b2c", "eyJhbGciOi"):
        assert secret not in clean, secret
    assert json.dumps(NAME).strip('"') not in clean  # the \\u-escaped name
    assert "31002X" not in clean
    assert "138****8000" in clean and "110***********002X" in clean


def test_every_part_of_an_event_is_scrubbed_and_the_event_stays_useful() -> None:
    form = {"name": NAME, "id_number": ID, "phone": PHONE, "code": "654321", "service": "x"}
    event = {
        "event_id": "e1",
        "level": "error",
        "sdk": {"name": "sentry.python.flask"},
        "message": f"failed for {PHONE}",
        "logentry": {"message": "failed for %s", "params": [PHONE]},
        "exception": {
            "values": [
                {
                    "type": "RuntimeError",
                    "value": f"no answer for {NAME} {ID}",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "run",
                                "vars": {"form": repr(form), "data": form, "phone": PHONE},
                            }
                        ]
                    },
                }
            ]
        },
        "request": {
            "data": form,
            "query_string": f"phone={PHONE}&name={quote(NAME)}",
            "headers": {"Authorization": "Bearer secret-token", "Cookie": "yzt_session=abc"},
        },
        "breadcrumbs": {"values": [{"message": f"sent to {PHONE}", "data": {"openid": "o-1"}}]},
        "extra": {"session_key": "k", "note": f"{NAME}"},
        "contexts": {"runtime": {"name": "CPython"}},
    }
    clean = before_send(event, None)
    text = dumped(clean)
    for secret in (
        NAME,
        ID,
        PHONE,
        "654321",
        "secret-token",
        "yzt_session=abc",
        "o-1",
        quote(NAME),
    ):
        assert secret not in text, secret
    assert clean["exception"]["values"][0]["type"] == "RuntimeError"
    assert clean["exception"]["values"][0]["stacktrace"]["frames"][0]["function"] == "run"
    assert clean["request"]["data"]["service"] == "x"
    assert clean["request"]["headers"]["Authorization"] == FILTERED
    assert clean["sdk"] == {"name": "sentry.python.flask"}
    assert clean["contexts"]["runtime"]["name"] == "CPython"


def test_breadcrumbs_are_scrubbed() -> None:
    crumb = {"category": "httplib", "data": {"url": f"http://x/?phone={PHONE}&access_token=t0k"}}
    clean = before_breadcrumb(crumb, None)
    assert PHONE not in clean["data"]["url"] and "t0k" not in clean["data"]["url"]
