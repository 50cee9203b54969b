"""Masks for display and the free-text scrubber (product.md, "Privacy")."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from app.domain.masking import mask_id_number, mask_name, mask_phone, scrub
from tests.unit.id_numbers import valid_ids

ID = "11010519491231002X"
PHONE = "13800138000"


def test_mask_phone_shape() -> None:
    assert mask_phone("13800000000") == "138****0000"
    assert mask_phone(PHONE) == "138****8000"
    assert mask_phone("123") == "***"


def test_mask_id_number_shape() -> None:
    assert mask_id_number("110105194912311234") == "110***********1234"
    assert mask_id_number(ID) == "110***********002X"
    assert len(mask_id_number(ID)) == 18
    assert mask_id_number("12345") == "*****"


def test_mask_name_shape() -> None:
    assert mask_name("张三") == "*三"
    assert mask_name("欧阳娜娜") == "***娜"
    assert mask_name("") == ""


@pytest.mark.parametrize(
    "text",
    [
        f"user {ID} asked",
        f"身份证号{ID}的用户",
        f"/api/v1/x?id_number={ID}&phone={PHONE}",
        f"https://example.invalid/q/{PHONE}/{ID.lower()}",
        json.dumps({"id_number": ID, "phone": PHONE, "name": "张三"}),
        json.dumps({"nested": {"values": [PHONE, ID]}}),
        f"phone={PHONE}\nid={ID}\n",
    ],
)
def test_scrub_masks_ids_and_phones_in_text(text: str) -> None:
    out = scrub(text)
    assert PHONE not in out
    assert ID not in out and ID.lower() not in out
    assert re.search(r"110\*{11}002[Xx]", out)
    if PHONE in text:
        assert "138****8000" in out


def test_scrub_keeps_the_rest_of_the_text() -> None:
    text = f'{{"phone": "{PHONE}", "ok": true}}'
    assert scrub(text) == '{"phone": "138****8000", "ok": true}'


def test_scrub_masks_a_phone_in_e164_form() -> None:
    """Tencent Cloud's SMS API takes E.164 phones; its errors must not leak them to logs."""
    assert PHONE not in scrub(f"send to +86{PHONE} failed")


def test_scrub_masks_an_id_followed_by_latin_letters() -> None:
    assert ID not in scrub(f"id={ID}abc")
    assert "110105194912310021" not in scrub("110105194912310021abc")


@pytest.mark.parametrize(
    "text",
    [
        "code=123456",
        "ts=1764400000000",  # 13-digit millisecond timestamp
        "token=0123456789abcdef0123456789abcdef",  # 32 hex digits
        "nonce 8f14e45fceea167a5a36dedd4bea2543",
        "order 202506011234567890123",  # a 23-digit order number
        "ticket aBc-12345678_Xyz",
        "1234567890",
    ],
)
def test_scrub_leaves_other_digit_runs_alone(text: str) -> None:
    assert scrub(text) == text


def test_scrub_names_only_when_asked() -> None:
    text = "姓名=张三 name=%E5%BC%A0%E4%B8%89"
    assert scrub(text) == text
    out = scrub(text, names=True)
    assert "张三" not in out
    assert "%E5%BC%A0%E4%B8%89" not in out


mobiles = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from([f"{a}{b}" for a in ("13", "15", "17", "18", "19") for b in "0123456789"]),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
)
# Any text around the value, except an ASCII digit: a digit next to it makes another number.
surrounding = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="0123456789"),
    max_size=30,
)


# No shrinking: the explicit tests above already name the minimal cases, and shrinking a
# failure here costs seconds.
SCRUB_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
)


@SCRUB_SETTINGS
@given(surrounding, mobiles, surrounding)
def test_scrub_hides_any_phone_in_text(before: str, phone: str, after: str) -> None:
    out = scrub(before + phone + after)
    assert phone not in out


@SCRUB_SETTINGS
@given(surrounding, valid_ids(), surrounding)
def test_scrub_hides_any_id_in_text(before: str, id_number: str, after: str) -> None:
    out = scrub(before + id_number + after)
    assert id_number not in out


# --- identifiers spelled with other digit scripts (hostile input reaching a log) -------------

OTHER_SCRIPTS = ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "๐๑๒๓๔๕๖๗๘๙", "⁰¹²³⁴⁵⁶⁷⁸⁹"]


def _as_ascii(text: str) -> str:
    import unicodedata

    return "".join(
        str(unicodedata.digit(c)) if unicodedata.digit(c, None) is not None else c for c in text
    )


@given(
    st.sampled_from([ID, PHONE]),
    st.lists(st.sampled_from(OTHER_SCRIPTS), min_size=18, max_size=18),
    st.lists(st.booleans(), min_size=18, max_size=18),
)
def test_an_identifier_in_any_digit_script_is_masked(
    identifier: str, scripts: list[str], swap: list[bool]
) -> None:
    spelled = "".join(
        scripts[i][int(c)] if c.isdigit() and swap[i] else c for i, c in enumerate(identifier)
    )
    out = _as_ascii(scrub(f"ValueError: invalid literal {spelled!r}"))
    assert identifier not in out and identifier[3:-4] not in out


def test_a_partial_id_is_masked_but_timestamps_and_order_numbers_stay() -> None:
    assert ID[:16] not in scrub(f"int('{ID[:16]}²')")
    assert ID[1:16] not in scrub(f"id={ID[1:16]}")  # an old 15-digit number
    assert scrub("ts=1764400000000") == "ts=1764400000000"
