"""A person uses the H5 pages in a real browser: WeChat login, a typo, the code, the status.

Every expectation comes from the API's own answers (captured as the page receives them) or from
the sandbox: the page must show what the API said, in Chinese, next to the right field.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from app.domain.masking import mask_phone
from tests.browser.conftest import screenshot
from tests.integration.flows import accounts_person, phone_cards_person
from tests.support import Sandbox

COUNTS = {"wechat": 1, "qq": 1, "taobao": 2, "meituan": 1}


def wait_in_words(seconds: int) -> str:
    """What the page must say for a 429's retry_after: whole minutes, rounded down."""
    if seconds < 60:
        return f"请{max(1, seconds)}秒后再试"
    hours, minutes = divmod(seconds // 60, 60)
    words = (f"{hours}小时" if hours else "") + (f"{minutes}分钟" if minutes else "")
    return f"请{words}后再试"


def api_answer(page: Any, path: str, action: Any) -> tuple[int, dict[str, Any]]:
    """Do `action` and return the API's answer to it, as the page received it."""

    def answers(response: Any) -> bool:
        return response.url.endswith(path) and response.request.method == "POST"

    with page.expect_response(answers) as info:
        action()
    response = info.value
    return response.status, response.json()


def sign_in(page: Any) -> None:
    """Open the start page as a browser with no session: WeChat web OAuth, then back."""
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    page.goto("/h5/")
    expect(page.locator("#tile-phone_cards")).to_be_visible()
    assert page.url.split("#")[0].endswith("/h5/")
    assert any("/connect/oauth2/authorize?" in url and "snsapi_base" in url for url in visited)
    session = next(c for c in page.context.cookies() if c["name"] == "yzt_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"


def fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(f"#f-{name}", value)


def typo_in_check(id_number: str) -> str:
    """One digit of the sequence number off: any single-digit change breaks the check digit."""
    digit = str((int(id_number[15]) + 1) % 10)
    return id_number[:15] + digit + id_number[16:]


def request_code(page: Any, phone: str) -> None:
    status, body = api_answer(page, "/api/v1/verification-codes", lambda: page.click("#send-code"))
    assert status == 202, body
    expect(page.locator("#code-status")).to_have_text(
        f"验证码已发送至{mask_phone(phone)},{body['expires_in'] // 60}分钟内有效"
    )
    expect(page.locator("#send-code")).to_be_disabled()
    expect(page.locator("#send-code")).to_have_text(re.compile(r"^\d+秒后重新获取$"))


def submit_and_see_delivered(page: Any, sandbox: Sandbox, phone: str, name: str) -> str:
    before = len(sandbox.sms(phone))
    page.fill("#f-code", sandbox.last_code(phone))
    page.click("#submit-query")
    page.wait_for_url(re.compile(r"/h5/queries/[\w-]+$"))
    expect(page.locator("#status-text")).to_have_text(re.compile("已受理|查询中|已发送"))
    screenshot(page, f"{name}-submitted")
    expect(page.locator("#status-text")).to_have_text("已发送", timeout=20_000)
    expect(page.locator("#ticket")).to_contain_text(mask_phone(phone))
    screenshot(page, f"{name}-delivered")
    return str(sandbox.wait_for_sms(phone, before + 1)[-1]["template"])


def test_phone_cards_typo_code_submit_delivered(page, sandbox):
    form = phone_cards_person(sandbox)
    sign_in(page)
    screenshot(page, "01-start")
    page.click("#tile-phone_cards")
    expect(page).to_have_title(re.compile("移动电话卡"))
    fill(page, {"name": form["name"], "id_number": typo_in_check(form["id_number"])})
    fill(page, {"phone": form["phone"]})
    page.check("#f-agree")
    status, body = api_answer(page, "/api/v1/verification-codes", lambda: page.click("#send-code"))
    assert status == 422 and "id_number" in body["error"]["fields"], body
    shown = page.locator("#err-id_number")
    expect(shown).to_have_text(";".join(body["error"]["fields"]["id_number"]))
    expect(shown).to_contain_text("校验位")
    expect(page.locator("#f-id_number")).to_have_attribute("aria-invalid", "true")
    assert sandbox.sms(form["phone"]) == []  # a typo costs no code and no 24-hour wait
    screenshot(page, "02-phone-cards-typo")

    page.fill("#f-id_number", form["id_number"])
    expect(shown).to_be_hidden()
    request_code(page, form["phone"])
    screenshot(page, "03-phone-cards-code-sent")
    assert submit_and_see_delivered(page, sandbox, form["phone"], "04-phone-cards") == (
        "phone_cards_result"
    )

    # The same phone again within 24 hours: the 429's wait, in words.
    page.goto("/h5/phone-cards")
    fill(page, {k: form[k] for k in ("name", "id_number", "phone")})
    page.check("#f-agree")
    status, body = api_answer(page, "/api/v1/verification-codes", lambda: page.click("#send-code"))
    assert status == 429, body
    words = wait_in_words(body["error"]["retry_after"])
    expect(page.locator("#code-status")).to_have_text(f"24小时才能获取一次验证码,{words}")
    assert re.fullmatch(r"请2[34]小时(\d+分钟)?后再试", words)
    expect(page.locator("#send-code")).to_be_enabled()
    screenshot(page, "05-phone-cards-quota-wait")


def test_internet_accounts_typo_wrong_code_then_delivered(page, sandbox):
    form = accounts_person(sandbox, COUNTS)
    sign_in(page)
    page.click("#tile-internet_accounts")
    expect(page).to_have_title(re.compile("互联网账号"))
    page.click("#send-code")  # nothing filled in: the page asks for each field, as the API would
    expect(page.locator("#err-phone")).to_have_text("请填写手机号")
    expect(page.locator("#err-id_last6")).to_have_text("请填写身份证号后六位")
    expect(page.locator("#err-agree")).to_have_text("请阅读并同意服务协议")

    fill(page, {"phone": form["phone"], "id_last6": form["id_last6"][:5]})
    page.check("#f-agree")
    status, body = api_answer(page, "/api/v1/verification-codes", lambda: page.click("#send-code"))
    assert status == 422, body
    expect(page.locator("#err-id_last6")).to_have_text(
        ";".join(body["error"]["fields"]["id_last6"])
    )
    expect(page.locator("#err-phone")).to_be_hidden()
    screenshot(page, "06-internet-accounts-typo")

    page.fill("#f-id_last6", form["id_last6"])
    request_code(page, form["phone"])
    wrong = f"{(int(sandbox.last_code(form['phone'])) + 1) % 1_000_000:06d}"
    page.fill("#f-code", wrong)
    status, body = api_answer(page, "/api/v1/queries", lambda: page.click("#submit-query"))
    assert status == 400 and body["error"]["code"] == "code_mismatch", body
    left = body["error"]["attempts_left"]
    expect(page.locator("#err-code")).to_have_text(f"{body['error']['message']},还可尝试{left}次")
    screenshot(page, "07-internet-accounts-wrong-code")
    template = submit_and_see_delivered(page, sandbox, form["phone"], "08-internet-accounts")
    assert template == "internet_accounts_result"


def test_a_result_sms_that_cannot_be_sent_shows_failed(page, sandbox):
    form = accounts_person(sandbox, COUNTS)
    sign_in(page)
    page.goto("/h5/internet-accounts")
    fill(page, {"phone": form["phone"], "id_last6": form["id_last6"]})
    page.check("#f-agree")
    request_code(page, form["phone"])
    page.fill("#f-code", sandbox.last_code(form["phone"]))
    sandbox.fault("sms", "error")  # the gateway refuses the result SMS, every retry
    page.click("#submit-query")
    page.wait_for_url(re.compile(r"/h5/queries/[\w-]+$"))
    expect(page.locator("#status-text")).to_have_text("发送失败", timeout=30_000)
    expect(page.locator("#status-hint")).to_contain_text("不计入查询次数")
    expect(page.locator(".progress li.failed")).to_have_text("发送失败")
    screenshot(page, "09-internet-accounts-failed")
