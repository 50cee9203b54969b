"""A recycled number is no oracle: its new holder learns nothing of whose it was.

The previous owner cancelled the number; the operator gave it to someone else (here after a
port, 携号转网, to another operator). The new holder receives our SMS, so they may try guesses of
the previous owner's ID and name. A right guess must read exactly like a wrong one.
"""

from __future__ import annotations

from tests.integration.flows import login, request_code, run_query
from tests.support import Sandbox, make_id, make_name, make_phone


def recycled(sandbox: Sandbox) -> dict[str, str]:
    phone = make_phone()
    old_id, old_name, new_id, new_name = make_id(), make_name(), make_id(), make_name()
    given_up = {"operator": "cmcc", "phone": phone, "status": "cancelled"}
    sandbox.put_person(old_id, old_name, [given_up])
    sandbox.put_person(new_id, new_name, [{**given_up, "operator": "ctcc", "status": "active"}])
    return {"phone": phone, "old_id": old_id, "old_name": old_name, "new_id": new_id}


def cards_form(phone: str, id_number: str, name: str) -> dict[str, object]:
    form = {"service": "phone_cards", "name": name, "id_number": id_number, "phone": phone}
    return {**form, "agree": True}


def test_the_old_owners_id_reads_exactly_like_a_wrong_guess(client, sandbox):
    numbers = recycled(sandbox)
    right_guess = cards_form(numbers["phone"], numbers["old_id"], numbers["old_name"])
    _, answer_to_right = run_query(client, sandbox, right_guess)

    other = recycled(sandbox)  # the same situation, but a guess of nobody at all
    wrong_guess = cards_form(other["phone"], make_id(), make_name())
    _, answer_to_wrong = run_query(client, sandbox, wrong_guess)

    for answer in (answer_to_right, answer_to_wrong):
        assert answer["template"] == "mismatch"
    assert answer_to_right["text"] == answer_to_wrong["text"]
    assert answer_to_right["params"] == answer_to_wrong["params"] == {}
    # and the quota is used the same way: the old owner's ID waits 24 hours like any mismatch
    again = request_code(client, login(client), right_guess)
    assert again.status_code == 429


def test_the_old_owners_last_six_is_a_mismatch_and_the_holders_own_a_result(client, sandbox):
    numbers = recycled(sandbox)
    sandbox.put_accounts(numbers["phone"], {"wechat": 1})
    form = {"service": "internet_accounts", "phone": numbers["phone"], "agree": True}
    _, guess = run_query(client, sandbox, {**form, "id_last6": numbers["old_id"][-6:]})
    assert guess["template"] == "mismatch"

    fresh = recycled(sandbox)
    sandbox.put_accounts(fresh["phone"], {"wechat": 1})
    holder = {**form, "phone": fresh["phone"], "id_last6": fresh["new_id"][-6:]}
    _, own = run_query(client, sandbox, holder)
    assert own["template"] == "internet_accounts_result"
