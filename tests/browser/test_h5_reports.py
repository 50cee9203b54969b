"""A person reports cards that are not theirs on the H5 pages, in a real browser: from the
delivered query's page, then follows the report, and finds it again under 我的查询."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from app.domain.masking import mask_phone
from tests.browser.conftest import screenshot
from tests.integration.flows import phone_cards_person, wait_sms_of
from tests.support import Sandbox, make_phone

FONT_SIZE = "parseFloat(getComputedStyle(document.querySelector('{}')).fontSize)"


def posted(page: Any, path: str, action: Any) -> tuple[int, dict[str, Any]]:
    """Do `action`; the API's answer to the POST it makes, as the page received it."""

    def answers(response: Any) -> bool:
        return response.url.endswith(path) and response.request.method == "POST"

    with page.expect_response(answers) as info:
        action()
    return info.value.status, info.value.json()


def query_to_delivered(page: Any, sandbox: Sandbox, form: dict[str, Any]) -> str:
    """Sign in, fill the 移动电话卡 form, submit: the ticket, once its SMS has gone."""
    page.goto("/h5/phone-cards")
    for name in ("name", "id_number", "phone"):
        page.fill(f"#f-{name}", form[name])
    page.check("#f-agree")
    status, _ = posted(page, "/api/v1/verification-codes", lambda: page.click("#send-code"))
    assert status == 202
    page.fill("#f-code", sandbox.last_code(form["phone"]))
    page.click("#submit-query")
    page.wait_for_url(re.compile(r"/h5/queries/[\w-]+$"))
    expect(page.locator("#status-text")).to_have_text("已发送", timeout=20_000)
    return str(page.url.rsplit("/", 1)[1])


def test_report_from_the_query_page_and_follow_it(page, sandbox, api_server):
    extra = [{"operator": "vno2", "phone": make_phone("171"), "status": "active"}]
    form = phone_cards_person(sandbox, extra_cards=extra)
    ticket = query_to_delivered(page, sandbox, form)
    report_box = page.locator("#report")
    expect(page.locator("#report-form")).to_be_visible()
    expect(report_box).to_contain_text("非本人号码反映")
    labels = page.locator("#report-form .choices label")
    expect(labels).to_have_text(["中国移动", "中国联通", "中国电信", "中国广电", "转售企业"])
    screenshot(page, "30-report-form")

    page.click("#submit-report")  # nothing chosen: asked before the API is
    expect(page.locator("#err-operators")).to_have_text("请至少选择一个运营商")
    page.check("#op-cmcc")
    page.check("#op-mvno")
    page.fill("#report-keep", "８０００、12")
    status, body = posted(page, "/reports", lambda: page.click("#submit-report"))
    assert status == 422, body
    expect(page.locator("#err-keep")).to_have_text(";".join(body["error"]["fields"]["keep"]))
    page.fill("#report-keep", f"８０００、{form['phone'][-4:]}")
    status, body = posted(page, "/reports", lambda: page.click("#submit-report"))
    assert status == 202, body
    report = body["report"]
    expect(page.locator("#report-form")).to_be_hidden()
    expect(page.locator("#report-hint")).to_have_text(body["message"])
    assert mask_phone(form["phone"]) in body["message"]
    expect(page.locator("#report-status-text")).to_have_text("已转交运营商核查", timeout=15_000)
    expect(page.locator("#report-operators li")).to_have_text(
        ["中国移动:已转交运营商核查", "转售企业:已转交运营商核查"]
    )
    screenshot(page, "31-report-forwarded")
    got = sandbox.wait_for_report("vno2", report)
    assert got["keep"] == ["8000", form["phone"][-4:]]
    wait_sms_of(sandbox, form["phone"], "report_received")

    sandbox.answer_report(report, "cmcc", "closed", 1)
    for vno in ("vno1", "vno2"):
        sandbox.answer_report(report, vno, "confirmed")
    expect(page.locator("#report-status-text")).to_have_text(
        "已答复,结果已短信告知", timeout=15_000
    )
    assert len(wait_sms_of(sandbox, form["phone"], "report_confirmed", count=2)) == 2
    screenshot(page, "32-report-answered")

    before = page.evaluate(FONT_SIZE.format("#report-status-text"))
    page.click("#font-toggle")
    assert page.evaluate(FONT_SIZE.format("#report-status-text")) > before * 1.2
    screenshot(page, "33-report-large-font")
    page.click("#font-toggle")

    # 我的查询 lists the query; it is no longer reportable, and its page shows the report.
    page.click("#my-queries")
    page.wait_for_url(re.compile(r"/h5/queries$"))
    item = page.locator(f'.query-item[data-ticket="{ticket}"]')
    expect(item).to_contain_text("移动电话卡")
    expect(item).to_contain_text(mask_phone(form["phone"]))
    expect(item).not_to_contain_text("可反映")
    screenshot(page, "34-my-queries")
    item.click()
    page.wait_for_url(re.compile(rf"/h5/queries/{ticket}$"))
    expect(page.locator("#report-status-text")).to_have_text("已答复,结果已短信告知")
    expect(page.locator("#report-form")).to_be_hidden()


def test_my_queries_offers_a_fresh_query_for_a_report(page, sandbox):
    form = phone_cards_person(sandbox)
    ticket = query_to_delivered(page, sandbox, form)
    page.goto("/h5/queries")
    expect(page.locator(f'.query-item[data-ticket="{ticket}"]')).to_contain_text("可反映")
    page.goto("/h5/queries/" + ticket)
    expect(page.locator("#report-form")).to_be_visible()
