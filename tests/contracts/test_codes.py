"""The Codes port: issuing takes every quota of the policy or none; redeeming answers only the
code's owner, counts the owner's attempts, and creates the ticket in the same step."""

from __future__ import annotations

import dataclasses

from app.domain.codes import CodeCheckOutcome
from app.domain.quotas import Limit
from tests.contracts.steps import CODES, QUOTAS, Ports, redeem, request, unique


def test_a_phone_gets_one_code_per_window(ports: Ports) -> None:
    first = request(ports)
    assert ports.codes.issue(first) is None
    refused = ports.codes.issue(dataclasses.replace(first, user_h=unique("u")))
    assert refused is not None and refused.limit == Limit.PHONE
    assert QUOTAS.phone.window_s - 5 <= refused.retry_after <= QUOTAS.phone.window_s


def test_an_id_number_gets_one_code_per_window_whatever_the_phone(ports: Ports) -> None:
    id_h = unique("i")
    assert ports.codes.issue(request(ports, id_h=id_h)) is None
    refused = ports.codes.issue(request(ports, id_h=id_h))
    assert refused is not None and refused.limit == Limit.ID


def test_a_user_gets_the_policys_count_and_a_refused_request_counts_nothing(ports: Ports) -> None:
    user_h = unique("u")
    taken = request(ports, user_h=user_h)
    assert ports.codes.issue(taken) is None
    # refused on the phone: it must not count against the user
    assert ports.codes.issue(dataclasses.replace(taken, ip_h=unique("a"))) is not None
    for _ in range(QUOTAS.user.count - 1):
        assert ports.codes.issue(request(ports, user_h=user_h)) is None
    refused = ports.codes.issue(request(ports, user_h=user_h))
    assert refused is not None and refused.limit == Limit.USER


def test_a_network_gets_the_policys_count(ports: Ports) -> None:
    ip_h = unique("a")
    for _ in range(QUOTAS.ip.count):
        assert ports.codes.issue(request(ports, ip_h=ip_h)) is None
    refused = ports.codes.issue(request(ports, ip_h=ip_h))
    assert refused is not None and refused.limit == Limit.IP


def test_cancel_gives_everything_back(ports: Ports) -> None:
    user_h = unique("u")
    code = request(ports, user_h=user_h, id_h=unique("i"))
    assert ports.codes.issue(code) is None
    ports.codes.cancel(code)
    assert ports.codes.issue(code) is None  # the phone and the ID again
    ports.codes.cancel(code)
    for _ in range(QUOTAS.user.count):  # and the user's count is whole
        assert ports.codes.issue(request(ports, user_h=user_h)) is None


def test_the_owner_redeems_the_code_into_a_ticket_once(ports: Ports) -> None:
    code = request(ports)
    ports.codes.issue(code)
    check, ticket = redeem(ports, code, code.code_digest)
    assert check.outcome is CodeCheckOutcome.OK
    assert ports.tickets.get(ticket.id) == ticket
    assert ports.tickets.begin(ticket.id, ports.now()).sealed_form == b"sealed-form"
    again, _ = redeem(ports, code, code.code_digest)
    assert again.outcome is CodeCheckOutcome.EXPIRED


def test_the_owners_wrong_attempts_count_down_then_burn_it(ports: Ports) -> None:
    code = request(ports)
    ports.codes.issue(code)
    for left in range(CODES.max_attempts - 1, -1, -1):
        wrong, ticket = redeem(ports, code, "not-the-digest")
        assert wrong.outcome is CodeCheckOutcome.MISMATCH
        assert wrong.attempts_left == left
        assert ports.tickets.get(ticket.id) is None  # a wrong code creates nothing
    burnt, _ = redeem(ports, code, code.code_digest)
    assert burnt.outcome is CodeCheckOutcome.EXPIRED


def test_another_user_finds_no_code_and_spends_none(ports: Ports) -> None:
    code = request(ports)
    nothing, _ = redeem(ports, code, code.code_digest, owner_h=unique("stranger"))
    ports.codes.issue(code)
    for digest in ("wrong", "wrong", "wrong", code.code_digest):
        guess, _ = redeem(ports, code, digest, owner_h=unique("stranger"))
        assert guess == nothing
        assert guess.outcome is CodeCheckOutcome.EXPIRED
    owned, _ = redeem(ports, code, code.code_digest)
    assert owned.outcome is CodeCheckOutcome.OK


def test_submits_are_limited_per_user_before_the_code_is_looked_at(ports: Ports) -> None:
    code = request(ports)
    ports.codes.issue(code)
    stranger = unique("stranger")
    for _ in range(QUOTAS.submits.count):
        redeem(ports, code, "wrong", owner_h=stranger)
    limited, _ = redeem(ports, code, code.code_digest, owner_h=stranger)
    assert limited.outcome is CodeCheckOutcome.LIMITED
    assert 0 < limited.retry_after <= QUOTAS.submits.window_s
    owned, _ = redeem(ports, code, code.code_digest)  # the owner has their own count
    assert owned.outcome is CodeCheckOutcome.OK
