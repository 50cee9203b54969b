"""The guidance and hotline data files are checked at start, and the form field specs agree
with the server's own validation."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import ROOT
from app.domain.errors import InvalidFields
from app.domain.form_fields import FORM_FIELDS
from app.domain.forms import parse_form
from app.domain.guides import UNCONFIRMED_PHONE, CatalogueError, load_guidance
from app.domain.providers import load_registry

DATA = ROOT / "app" / "data"
REGISTRY = load_registry(yaml.safe_load((DATA / "providers.yaml").read_text("utf-8")), True)


def data(name: str) -> dict[str, Any]:
    return yaml.safe_load(Path(DATA / name).read_text(encoding="utf-8"))


GUIDES, HOTLINES = data("guides.yaml"), data("hotlines.yaml")


def load(guides: dict[str, Any] | None = None, hotlines: dict[str, Any] | None = None):
    guides = GUIDES if guides is None else guides
    return load_guidance(guides, HOTLINES if hotlines is None else hotlines, REGISTRY)


def changed(source: dict[str, Any], change) -> dict[str, Any]:
    copied = copy.deepcopy(source)
    change(copied)
    return copied


def test_the_shipped_files_cover_every_product_once():
    guidance = load()
    ids = [g.id for c in guidance.categories for g in c.guides]
    assert sorted(ids) == sorted(p.id for p in REGISTRY.products)
    qq = guidance.guide("qq")
    assert qq is not None and (qq.name, qq.company, qq.company_id) == ("QQ", "腾讯", "tencent")
    assert guidance.guide("no-such-app") is None


def test_an_unconfirmed_hotline_never_shows_a_number():
    hotlines = changed(HOTLINES, lambda d: d["hotlines"][0].update(confirmed=False))
    first = load(hotlines=hotlines).hotlines[0]
    assert (first.phone, first.confirmed) == (UNCONFIRMED_PHONE, False)


FLAWS = {
    "a product of no company": (
        lambda g, h: g["categories"][0]["products"][0].update(id="myspace"),
        "not a product of any company",
    ),
    "a product twice": (
        lambda g, h: g["categories"][1]["products"].append(g["categories"][0]["products"][0]),
        "only once",
    ),
    "a product missing": (lambda g, h: g["categories"][-1]["products"].clear(), "products"),
    "no steps": (
        lambda g, h: g["categories"][0]["products"][0].update(unbind_steps=[]),
        "unbind_steps must be a non-empty list",
    ),
    "a blank step": (
        lambda g, h: g["categories"][0]["products"][0].update(detail_steps=[" "]),
        "every step",
    ),
    "an unknown hotline": (
        lambda g, h: g["categories"][0]["products"][0].update(hotline="nobody"),
        "hotline must be the name",
    ),
    "confirmed not a boolean": (
        lambda g, h: g["categories"][0]["products"][0].update(confirmed="yes"),
        "confirmed must be true or false",
    ),
    "a confirmed hotline without a number": (
        lambda g, h: h["hotlines"][0].update(phone=""),
        "needs a phone",
    ),
    "a hotline of an unknown company": (
        lambda g, h: h["hotlines"][0].update(company="nobody"),
        "not a provider",
    ),
    "two hotlines with one name": (
        lambda g, h: h["hotlines"].append(dict(h["hotlines"][0])),
        "unique",
    ),
    "no categories": (lambda g, h: g.pop("categories"), "categories"),
    "a category without an id": (lambda g, h: g["categories"][0].pop("id"), "`id`"),
}


@pytest.mark.parametrize("flaw", FLAWS, ids=list(FLAWS))
def test_a_flaw_is_a_clear_error(flaw):
    change, message = FLAWS[flaw]
    guides, hotlines = copy.deepcopy(GUIDES), copy.deepcopy(HOTLINES)
    change(guides, hotlines)
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load(guides, hotlines)


VALID = {
    "name": "欧阳·娜娜",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "id_last6": "31002X",
    "code": "012345",
}


def test_valid_values_match_every_pattern_and_typos_do_not():
    for fields in FORM_FIELDS.values():
        for field in fields:
            if field.pattern is None:
                continue
            assert re.fullmatch(field.pattern, VALID[field.id]), field.id
            assert len(VALID[field.id]) <= (field.max_length or 0)
            assert not re.fullmatch(field.pattern, VALID[field.id][:-1] + "!"), field.id


def test_the_required_messages_are_the_servers():
    for service, fields in FORM_FIELDS.items():
        body = {f.id: "" for f in fields if f.type != "checkbox"}
        with pytest.raises(InvalidFields) as info:
            parse_form({**body, "service": str(service), "agree": False})
        expected = {f.id: [f.required_message] for f in fields if f.stage == "code"}
        assert info.value.fields == expected
