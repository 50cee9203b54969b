"""The catalogue endpoints (no login): services with live provider status, guides, hotlines.

Expectations come from the registry and the data files the app loaded, or from product.md's
facts (categories, known app paths, unconfirmed hotlines), never from the answers themselves.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import pytest
import yaml

from app import create_app
from app.config import ConfigError
from app.domain.form_fields import FORM_FIELDS
from app.domain.forms import SERVICE_FIELDS, Service
from tests.integration.flows import auth, login

CATEGORIES = ["即时通讯", "电商购物", "支付", "搜索", "短视频", "本地生活", "办公"]
KNOWN_PATHS = {
    "wechat": "我 → 设置 → 账号与安全 → 手机号",
    "alipay": "我的 → 设置 → 账户与安全 → 手机号",
    "douyin": "我 → 设置 → 账号与安全 → 手机号",
    "taobao": "我的淘宝 → 设置 → 账户与安全 → 手机绑定",
    "jd": "我的京东 → 设置 → 账户与安全 → 手机号",
}


@pytest.fixture
def api(flask_app):
    return flask_app.extensions["yzt"]


@pytest.fixture
def closed_breakers(api):
    """Every breaker closed before and after: other tests' faults may have opened some."""
    ids = [p.id for p in api.catalogue.registry.partners]
    api.breakers.record({p: True for p in ids}, time.time())
    yield
    api.breakers.record({p: True for p in ids}, time.time())


def services_by_id(client) -> dict:
    r = client.get("/api/v1/services")  # no Authorization header: the catalogue is public
    assert r.status_code == 200, r.get_json()
    assert r.headers["Content-Type"].startswith("application/json")
    return {s["id"]: s for s in r.get_json()["services"]}


def statuses(service: dict) -> dict[str, str]:
    return {p["id"]: p["status"] for p in service["providers"]}


def test_services_list_both_forms_and_every_provider(client, api, closed_breakers):
    services = services_by_id(client)
    assert list(services) == ["phone_cards", "internet_accounts"]
    assert services["phone_cards"]["name"] == "移动电话卡"
    assert services["internet_accounts"]["name"] == "互联网账号"
    for service_id, service in services.items():
        fields = [f["id"] for f in service["fields"]]
        assert set(fields) == {*SERVICE_FIELDS[Service(service_id)], "code", "agree"}
        for field in service["fields"]:
            assert (
                field["label"]
                and field["required_message"]
                and field["stage"]
                in (
                    "code",
                    "submit",
                )
            )
    registry = api.catalogue.registry
    basic = [o.id for o in registry.operators if o.kind == "basic"]
    mvnos = [o.id for o in registry.operators if o.kind == "mvno"]
    phone_cards = services["phone_cards"]["providers"]
    assert [p["id"] for p in phone_cards] == [*basic, "mvno"]
    assert phone_cards[-1]["name"] == "转售企业"
    assert [m["id"] for m in phone_cards[-1]["members"]] == mvnos
    companies = services["internet_accounts"]["providers"]
    assert [(c["id"], c["name"]) for c in companies] == [(c.id, c.name) for c in registry.companies]
    for company, entry in zip(registry.companies, companies, strict=True):
        assert entry["products"] == [{"id": p.id, "name": p.name} for p in company.products]
    assert set(statuses(services["phone_cards"]).values()) == {"available"}
    assert set(statuses(services["internet_accounts"]).values()) == {"available"}


def test_a_partner_with_an_open_breaker_is_degraded(client, api, settings, closed_breakers):
    company = api.catalogue.registry.companies[-1].id
    mvno = next(o.id for o in api.catalogue.registry.operators if o.kind == "mvno")
    now = time.time()
    for _ in range(settings.breaker_threshold):
        api.breakers.record({company: False, mvno: False}, now)
    services = services_by_id(client)
    accounts = statuses(services["internet_accounts"])
    assert accounts.pop(company) == "degraded"
    assert set(accounts.values()) == {"available"}
    cards = statuses(services["phone_cards"])
    assert cards.pop("mvno") == "degraded"  # one silent virtual operator: 转售企业 shows "-"
    assert set(cards.values()) == {"available"}
    members = {m["id"]: m["status"] for m in services["phone_cards"]["providers"][-1]["members"]}
    assert members.pop(mvno) == "degraded" and set(members.values()) == {"available"}

    api.breakers.record({company: True, mvno: True}, time.time())  # a success closes it
    services = services_by_id(client)
    assert statuses(services["internet_accounts"])[company] == "available"
    assert statuses(services["phone_cards"])["mvno"] == "available"


def test_a_half_open_breaker_shows_available(client, api, settings, closed_breakers):
    company = api.catalogue.registry.companies[0].id
    long_ago = time.time() - settings.breaker_cooldown_s - 1
    for _ in range(settings.breaker_threshold):
        api.breakers.record({company: False}, long_ago)
    assert api.catalogue.breaker_states()[company] == "half_open"
    assert statuses(services_by_id(client)["internet_accounts"])[company] == "available"


def test_the_forms_required_messages_are_the_apis(client, sandbox):
    """An empty form, as a front end sends it: each field's message is the one the API gives."""
    token = login(client)
    for service, fields in FORM_FIELDS.items():
        empty = {f.id: "" for f in fields if f.stage == "code" and f.type != "checkbox"}
        body = {"service": str(service), **empty, "agree": False}
        r = client.post("/api/v1/verification-codes", json=body, headers=auth(token))
        assert r.status_code == 422, r.get_json()
        answered = r.get_json()["error"]["fields"]
        assert answered == {f.id: [f.required_message] for f in fields if f.stage == "code"}
        r = client.post("/api/v1/queries", json={**body, "code": ""}, headers=auth(token))
        code = next(f for f in fields if f.id == "code")
        assert r.get_json()["error"]["fields"]["code"] == [code.required_message]


def test_guides_cover_every_product_in_the_product_categories(client, api):
    r = client.get("/api/v1/guides")
    assert r.status_code == 200
    categories = r.get_json()["categories"]
    assert [c["name"] for c in categories] == CATEGORIES
    products = {p["id"]: p for c in categories for p in c["products"]}
    assert sorted(products) == sorted(p.id for p in api.catalogue.registry.products)
    hotlines = {h["name"]: h for h in client.get("/api/v1/hotlines").get_json()["hotlines"]}
    for product in products.values():
        assert product["detail_steps"] and product["unbind_steps"]
        assert product["company"] and product["name"]
        hotline = hotlines[product["hotline_name"]]
        assert product["hotline"] == hotline["phone"]
        assert product["hotline_confirmed"] == hotline["confirmed"]
    for product_id, path in KNOWN_PATHS.items():
        assert any(path in step for step in products[product_id]["detail_steps"]), product_id
        assert products[product_id]["confirmed"] is True
    assert any("身份证注册超额" in s for s in products["wechat"]["detail_steps"])
    generic = [p for p in products if p not in KNOWN_PATHS and p != "wechat"]
    assert all(products[p]["confirmed"] is False for p in generic)  # never invented as facts


def test_one_guide_or_404(client):
    categories = client.get("/api/v1/guides").get_json()["categories"]
    listed = {p["id"]: p for c in categories for p in c["products"]}
    for product_id, expected in listed.items():
        r = client.get(f"/api/v1/guides/{product_id}")
        assert r.status_code == 200 and r.get_json() == expected
    r = client.get("/api/v1/guides/no-such-app")
    assert r.status_code == 404
    error = r.get_json()["error"]
    assert error["code"] == "not_found" and re.search(r"[\u4e00-\u9fff]", error["message"])


def test_hotlines(client):
    r = client.get("/api/v1/hotlines")
    assert r.status_code == 200
    hotlines = r.get_json()["hotlines"]
    assert all(set(h) >= {"company", "name", "phone", "confirmed"} for h in hotlines)
    by_name = {h["name"]: h for h in hotlines}
    for unconfirmed in ("百度", "钉钉"):
        assert by_name[unconfirmed]["confirmed"] is False
        assert by_name[unconfirmed]["phone"] == "待确认"
    confirmed = {h["phone"] for h in hotlines if h["confirmed"]}
    assert {"95017", "9510211", "95188", "950618", "10107888", "95152", "400-126-0088"} <= confirmed
    assert {"10086", "10010", "10000", "10099"} <= confirmed
    assert all(re.fullmatch(r"[0-9-]+", h["phone"]) for h in hotlines if h["confirmed"])


def test_catalogue_refuses_other_methods_with_json(client):
    for path in ("/api/v1/services", "/api/v1/guides", "/api/v1/hotlines", "/api/v1/guides/qq"):
        r = client.delete(path)
        assert r.status_code == 405
        assert r.get_json()["error"]["code"] == "method_not_allowed"


def test_openapi_documents_the_catalogue_with_its_errors(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    for path in ("/api/v1/services", "/api/v1/guides", "/api/v1/hotlines"):
        responses = paths[path]["get"]["responses"]
        assert "200" in responses and "security" not in paths[path]["get"]
    one = paths["/api/v1/guides/{product}"]["get"]["responses"]
    assert one["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert "503" in paths["/api/v1/services"]["get"]["responses"]
    schemas = spec["components"]["schemas"]
    assert {"fields", "providers"} <= set(schemas["Service"]["properties"])
    assert schemas["Provider"]["properties"]["status"]["enum"] == ["available", "degraded"]
    assert {"detail_steps", "unbind_steps", "hotline"} <= set(schemas["Guide"]["properties"])
    assert set(schemas["Hotline"]["properties"]) >= {"company", "name", "phone", "confirmed"}


def broken_copy(tmp_path: Path, source: str, change) -> str:
    data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / Path(source).name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_a_malformed_data_file_stops_the_app_at_creation(settings, tmp_path):
    missing_product = broken_copy(
        tmp_path, settings.guides_file, lambda d: d["categories"][0]["products"].pop(0)
    )
    with pytest.raises(ConfigError, match="no guidance for products"):
        create_app(dataclasses.replace(settings, guides_file=missing_product))
    (tmp_path / "h").mkdir()
    bad_hotline = broken_copy(
        tmp_path / "h", settings.hotlines_file, lambda d: d["hotlines"][0].update(company="nobody")
    )
    with pytest.raises(ConfigError, match="not a provider"):
        create_app(dataclasses.replace(settings, hotlines_file=bad_hotline))
    not_yaml = tmp_path / "broken.yaml"
    not_yaml.write_text("categories: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="guidance data files"):
        create_app(dataclasses.replace(settings, guides_file=str(not_yaml)))
