"""Attacks on the 24-hour rule and on other people's codes, through the API, a real Redis, the
worker and the sandbox: other digit scripts, and guesses at a victim's code."""

from __future__ import annotations

import pytest

from tests.integration.flows import (
    accounts_person,
    login,
    phone_cards_person,
    request_code,
    run_query,
    submit,
)

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def half_wide(value: str) -> str:
    """Every other character full-width: ASCII and full-width mixed in one number."""
    return "".join(c.translate(FULL_WIDTH) if i % 2 else c for i, c in enumerate(value))


def test_a_full_width_phone_is_the_same_phone_with_the_same_quota(client, sandbox):
    form = accounts_person(sandbox, {"wechat": 1})
    run_query(client, sandbox, form)
    for spelled in (form["phone"].translate(FULL_WIDTH), half_wide(form["phone"])):
        again = request_code(client, login(client), {**form, "phone": spelled})
        assert again.status_code == 429, again.get_json()
        assert again.get_json()["error"]["code"] == "quota_exceeded"


def test_a_full_width_id_number_shares_the_ids_quota(client, sandbox):
    form = phone_cards_person(sandbox)
    run_query(client, sandbox, form)
    other_phone = phone_cards_person(sandbox)["phone"]
    spelled = {**form, "phone": other_phone, "id_number": half_wide(form["id_number"])}
    again = request_code(client, login(client), spelled)
    assert again.status_code == 429 and again.get_json()["error"]["code"] == "quota_exceeded"


@pytest.mark.parametrize("script", [ARABIC_INDIC, DEVANAGARI])
def test_another_digit_script_is_a_422_and_nothing_is_sent(client, sandbox, script):
    form = phone_cards_person(sandbox)
    token = login(client)
    for field in ("phone", "id_number"):
        spelled = {**form, field: form[field].translate(script)}
        r = request_code(client, token, spelled)
        assert r.status_code == 422, r.get_json()
        assert set(r.get_json()["error"]["fields"]) == {field}
    assert sandbox.sms(form["phone"]) == []


@pytest.mark.parametrize("raw", ["13800138000²", "¹3800138000", "1380013800０\u200b"])
def test_superscripts_and_invisible_characters_are_422_never_500(client, raw):
    r = request_code(
        client,
        login(client),
        {"service": "internet_accounts", "phone": raw, "id_last6": "31002X", "agree": True},
    )
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"phone"}


def test_full_width_code_digits_are_the_code(client, sandbox):
    form = accounts_person(sandbox, {"wechat": 1})
    token = login(client)
    assert request_code(client, token, form).status_code == 202
    code = sandbox.last_code(form["phone"]).translate(FULL_WIDTH)
    assert submit(client, token, form, code).status_code == 202


def test_another_users_guesses_cannot_probe_or_burn_a_victims_code(client, sandbox):
    form = accounts_person(sandbox, {"wechat": 1})
    victim, attacker = login(client), login(client)
    nothing_yet = submit(client, attacker, form, "000000")
    assert request_code(client, victim, form).status_code == 202
    code = sandbox.last_code(form["phone"])
    guesses = [submit(client, attacker, form, f"{n:06d}") for n in range(5)]
    guesses.append(submit(client, attacker, form, code))  # not even the right code
    for answer in [nothing_yet, *guesses]:
        assert answer.status_code == 400
        assert answer.get_json() == nothing_yet.get_json()
    assert nothing_yet.get_json()["error"]["code"] == "code_expired"
    assert submit(client, victim, form, code).status_code == 202  # the victim's code still works


def test_submits_are_rate_limited_per_user(client, flask_app):
    limit = flask_app.extensions["yzt"].settings.query_limit_per_user_hour
    form: dict[str, object] = {"service": "internet_accounts", "phone": "13800138000"}
    form |= {"id_last6": "31002X", "agree": True}
    token = login(client)
    answers = [submit(client, token, form, "123456").status_code for _ in range(limit + 1)]
    assert answers == [400] * limit + [429]
    refused = submit(client, token, form, "123456")
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0
    assert submit(client, login(client), form, "123456").status_code == 400  # others unaffected
