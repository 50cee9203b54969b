"""Key placement: the keys one operation touches hash to one Redis Cluster slot."""

from __future__ import annotations

import secrets

from hypothesis import given
from hypothesis import strategies as st
from redis.crc import key_slot

from adapters.redis import keys

HEX = st.text("0123456789abcdef", min_size=24, max_size=24)


@given(HEX)
def test_a_new_ticket_lives_in_its_phones_slot(phone_h: str) -> None:
    ticket = keys.new_ticket_id(phone_h)
    slot = key_slot(keys.code(phone_h, "phone_cards").encode())
    # REDEEM_CODE: the code, the ticket and its sealed form; BEGIN and finish: the markers too
    for key in (
        keys.code(phone_h, "internet_accounts"),
        keys.phone_quota(phone_h, "phone_cards"),
        keys.ticket(ticket),
        keys.sealed_form(ticket),
        keys.sms_marker(ticket),
        keys.notice_marker(ticket),
    ):
        assert key_slot(key.encode()) == slot, key


def test_ticket_ids_are_unguessable_and_url_safe() -> None:
    phone_h = secrets.token_hex(12)
    ids = {keys.new_ticket_id(phone_h) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith(phone_h[:4]) and len(i) == 4 + 22 for i in ids)
    assert all(c.isalnum() or c in "-_" for i in ids for c in i)


def test_the_breakers_and_their_probes_share_a_slot() -> None:
    slot = key_slot(keys.breakers().encode())
    assert key_slot(keys.breaker_probe("cmcc").encode()) == slot
    assert key_slot(keys.breaker_probe("meituan").encode()) == slot
