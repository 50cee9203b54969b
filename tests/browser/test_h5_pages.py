"""The guidance pages, the hotline table and the large-font mode, in a real browser.

The pages must show what the JSON API serves (the same data files), so the expectations are
read from the API, not written down here.
"""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

FONT_SIZE = "parseFloat(getComputedStyle(document.querySelector('{}')).fontSize)"


def api(live_server: str, path: str) -> dict:
    response = requests.get(f"{live_server}/api/v1/{path}", timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_guidance_pages_show_the_catalogue(page, live_server):
    categories = api(live_server, "guides")["categories"]
    page.goto("/h5/guides")  # public: the official account links here, no login needed
    expect(page.locator(".category h2")).to_have_text([c["name"] for c in categories])
    screenshot(page, "10-guides")

    wechat = next(p for c in categories for p in c["products"] if p["id"] == "wechat")
    page.click("a[href='/h5/guides/wechat']")
    expect(page.locator("h1")).to_contain_text(wechat["name"])
    expect(page.locator("#detail-steps li")).to_have_text(wechat["detail_steps"])
    expect(page.locator("#unbind-steps li")).to_have_text(wechat["unbind_steps"])
    expect(page.locator("#hotline a")).to_have_attribute("href", f"tel:{wechat['hotline']}")
    expect(page.locator("#unconfirmed")).to_have_count(0)
    screenshot(page, "11-guide-wechat")

    unconfirmed = next(p for c in categories for p in c["products"] if not p["hotline_confirmed"])
    page.goto(f"/h5/guides/{unconfirmed['id']}")
    expect(page.locator("#hotline")).to_contain_text("待确认")
    expect(page.locator("#hotline a")).to_have_count(0)  # an unchecked number is not dialled
    if not unconfirmed["confirmed"]:
        expect(page.locator("#unconfirmed")).to_be_visible()
    screenshot(page, f"12-guide-{unconfirmed['id']}")

    page.goto("/h5/guides/no-such-product")
    expect(page.locator("h1")).to_have_text("页面不存在")


def test_hotline_table_matches_the_api(page, live_server):
    hotlines = api(live_server, "hotlines")["hotlines"]
    page.goto("/h5/hotlines")
    rows = page.locator("#hotlines tbody tr")
    expect(rows).to_have_count(len(hotlines))
    for row, hotline in zip(rows.all(), hotlines, strict=True):
        expect(row.locator("td")).to_have_text(
            [hotline["company"], hotline["name"], hotline["phone"]]
        )
    screenshot(page, "13-hotlines")


def test_large_font_mode_grows_the_text_and_is_remembered(page, live_server):
    page.goto("/h5/guides")
    toggle = page.locator("#font-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    normal_body = page.evaluate(FONT_SIZE.format("body"))
    normal_title = page.evaluate(FONT_SIZE.format("h1"))
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(FONT_SIZE.format("body")) >= normal_body * 1.2
    assert page.evaluate(FONT_SIZE.format("h1")) >= normal_title * 1.2

    page.reload()  # remembered by this browser, and applied before the page is drawn
    expect(page.locator("html")).to_have_class(re.compile("large-font"))
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(FONT_SIZE.format("body")) >= normal_body * 1.2
    page.goto("/h5/")  # every page, the forms included, after the WeChat login
    expect(page.locator("#tile-phone_cards")).to_be_visible()
    assert page.evaluate(FONT_SIZE.format("body")) >= normal_body * 1.2
    screenshot(page, "14-start-large-font")
    page.click("#tile-phone_cards")
    expect(page.locator("#f-name")).to_be_visible()
    screenshot(page, "15-phone-cards-large-font")

    page.locator("#font-toggle").click()
    page.reload()
    expect(page.locator("#font-toggle")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(FONT_SIZE.format("body")) == normal_body
