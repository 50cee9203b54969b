"""The Tickets and DeliveryMarks ports: a ticket's beginning and end, and the marks that keep
its result SMS and notice to one each."""

from __future__ import annotations

import pytest

from app.domain.tickets import Ticket, TicketEnd, TicketMoveRefused, TicketStatus
from app.ports.state import CodeRequest
from tests.contracts.steps import Ports, redeem, request, unique


def accepted(ports: Ports) -> tuple[CodeRequest, Ticket]:
    code = request(ports, id_h=unique("i"))
    ports.codes.issue(code)
    _, ticket = redeem(ports, code, code.code_digest)
    return code, ticket


def test_begin_marks_a_live_ticket_processing_and_returns_its_form(ports: Ports) -> None:
    assert ports.tickets.begin(unique("t"), ports.now()).ticket is None
    _, ticket = accepted(ports)
    begun = ports.tickets.begin(ticket.id, ports.now())
    assert begun.ticket is not None and begun.ticket.status is TicketStatus.PROCESSING
    assert begun.sealed_form == b"sealed-form" and begun.pending_sms is None
    assert ports.tickets.get(ticket.id).status is TicketStatus.PROCESSING  # type: ignore[union-attr]


def test_finish_ends_it_once_and_gives_the_quota_back_when_told(ports: Ports) -> None:
    code, ticket = accepted(ports)
    begun = ports.tickets.begin(ticket.id, ports.now()).ticket
    assert begun is not None
    audit = {"ticket": ticket.id, "outcome": "partial"}
    end = TicketEnd(TicketStatus.DELIVERED, ports.now(), True, audit, "sent")
    ports.tickets.finish(begun, end)
    ended = ports.tickets.begin(ticket.id, ports.now())
    assert ended.ticket.status is TicketStatus.DELIVERED  # type: ignore[union-attr]
    assert ended.sealed_form is None  # purged
    assert ports.marks.sms_mark(ticket.id) == "sent"
    assert {"ticket": ticket.id, "outcome": "partial"}.items() <= ports.audit.tail(100)[-1].items()
    assert ports.codes.issue(code) is None  # the phone's and the ID's quota came back
    with pytest.raises(TicketMoveRefused):  # a final ticket never moves again
        ports.tickets.finish(ended.ticket, end)  # type: ignore[arg-type]


def test_finish_keeps_the_quota_when_told(ports: Ports) -> None:
    code, ticket = accepted(ports)
    begun = ports.tickets.begin(ticket.id, ports.now()).ticket
    ports.tickets.finish(begun, TicketEnd(TicketStatus.DELIVERED, ports.now(), False, {}))  # type: ignore[arg-type]
    assert ports.codes.issue(code) is not None


def test_the_sms_mark_is_claimed_once_and_swapped_only_from_what_it_is(ports: Ports) -> None:
    ticket_id = unique("t")
    assert ports.marks.sms_mark(ticket_id) == ""
    assert ports.marks.claim_sms(ticket_id) and not ports.marks.claim_sms(ticket_id)
    assert ports.marks.sms_mark(ticket_id) == "sending"
    assert not ports.marks.swap_sms_mark(ticket_id, "waiting:1", "sending:a")
    ports.marks.set_sms_mark(ticket_id, "waiting:1")
    assert ports.marks.swap_sms_mark(ticket_id, "waiting:1", "sending:a")
    assert not ports.marks.swap_sms_mark(ticket_id, "waiting:1", "sending:b")
    assert ports.marks.sms_mark(ticket_id) == "sending:a"
    assert ports.marks.claim_notice(ticket_id) and not ports.marks.claim_notice(ticket_id)


def test_a_parked_sms_replaces_the_form_and_begin_finds_it(ports: Ports) -> None:
    _, ticket = accepted(ports)
    ports.tickets.begin(ticket.id, ports.now())
    ports.marks.claim_sms(ticket.id)
    ports.marks.park_sms(ticket.id, "waiting:1", b"parked", 100)
    assert ports.marks.sms_mark(ticket.id) == "waiting:1"
    begun = ports.tickets.begin(ticket.id, ports.now())
    assert (begun.sealed_form, begun.pending_sms) == (None, b"parked")
    assert begun.ticket.status is TicketStatus.PROCESSING  # type: ignore[union-attr]
    ports.tickets.finish(begun.ticket, TicketEnd(TicketStatus.DELIVERED, ports.now(), False, {}))  # type: ignore[arg-type]
    assert ports.tickets.begin(ticket.id, ports.now()).pending_sms is None
