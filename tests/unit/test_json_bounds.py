"""The byte-level bounds every /api JSON body passes before it is parsed."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from miniprogram_api.json_bounds import MAX_DEPTH, MAX_NUMBER_CHARS, bounds_problem


def test_a_form_passes() -> None:
    body = {"service": "phone_cards", "name": "张三", "phone": "13800138000", "agree": True}
    assert bounds_problem(json.dumps(body, ensure_ascii=False).encode()) is None


def test_brackets_and_digits_inside_strings_are_text() -> None:
    body = {"a": "[" * 100 + "9" * 100, "b": 'quote \\" [{', "c": "\\\\"}
    assert bounds_problem(json.dumps(body).encode()) is None


def test_depth_is_bounded() -> None:
    assert bounds_problem(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is None
    assert bounds_problem(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)) == "too_deep"
    assert bounds_problem(b'{"a":' * 5000) == "too_deep"  # unbalanced too


def test_number_length_is_bounded() -> None:
    assert bounds_problem(b'{"n": %s}' % (b"9" * MAX_NUMBER_CHARS)) is None
    assert bounds_problem(b'{"n": %s}' % (b"9" * (MAX_NUMBER_CHARS + 1))) == "number_too_long"
    assert bounds_problem(b'{"n": 1' + b"0" * 400 + b".5e99999}") == "number_too_long"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


@given(json_values)
def test_shallow_json_with_short_numbers_always_passes(value: object) -> None:
    body = json.dumps(value, ensure_ascii=False).encode()
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:  # never deeper than its brackets
        assert bounds_problem(body) is None
