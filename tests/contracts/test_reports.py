"""The Reports, MyQueries and Nonces ports: a report's life in the store, the basis and the
我的查询 entry a ticket's end leaves, and partner nonces."""

from __future__ import annotations

from app.domain.reports import Answer, CopyState, OperatorAnswer, Report, ReportStatus
from app.domain.tickets import ReportBasis, Ticket, TicketEnd, TicketStatus
from app.ports.state import AnswerReceipt, Created
from tests.contracts.steps import Ports, redeem, request, unique

GROUPS = {"cmcc": ("cmcc",), "mvno": ("vno1", "vno2")}


def delivered(ports: Ports, owner_h: str = "", basis: ReportBasis | None = None) -> Ticket:
    code = request(ports, user_h=owner_h)
    ports.codes.issue(code)
    _, ticket = redeem(ports, code, code.code_digest)
    begun = ports.tickets.begin(ticket.id, ports.now()).ticket
    assert begun is not None
    end = TicketEnd(TicketStatus.DELIVERED, ports.now(), False, {}, "sent", basis)
    ports.tickets.finish(begun, end)
    return begun


def new_report(ports: Ports, ticket: Ticket) -> Report:
    now = ports.now()
    copies = {c: CopyState.SUBMITTED for cs in GROUPS.values() for c in cs}
    return Report(
        ports.reports.new_id(ticket.id), ticket.id, ticket.owner_h, dict(GROUPS), copies, now, now
    )


def test_a_tickets_end_lists_it_for_its_owner_and_keeps_the_basis(ports: Ports) -> None:
    owner = unique("u")
    basis = ReportBasis(b"sealed-phone", {"cmcc": "ref-1", "vno1": "ref-2"})
    first = delivered(ports, owner, basis)
    second = delivered(ports, owner)
    since = ports.now() - 60
    listed = ports.my_queries.recent(owner, since, 10)
    assert [t.id for t in listed] == [second.id, first.id]  # newest first
    assert listed[0].status is TicketStatus.DELIVERED
    assert [t.id for t in ports.my_queries.recent(owner, since, 1)] == [second.id]
    assert ports.my_queries.recent(owner, ports.now() + 60, 10) == []
    assert ports.my_queries.recent(unique("u"), since, 10) == []
    assert ports.reports.basis(first.id) == basis
    assert ports.reports.basis(second.id) is None  # nothing kept when nothing was given


def test_a_report_is_made_once_per_ticket_and_can_be_withdrawn(ports: Ports) -> None:
    ticket = delivered(ports)
    report = new_report(ports, ticket)
    event = {"ticket": ticket.id, "step": "submitted", "report": report.id}
    assert ports.reports.create(report, b"sealed-keep", event) is Created.CREATED
    assert ports.tickets.get(ticket.id).report == report.id  # type: ignore[union-attr]
    assert event.items() <= ports.audit.tail(100)[-1].items()
    again = new_report(ports, ticket)
    assert ports.reports.create(again, b"k", {}) is Created.TAKEN
    found = ports.reports.get(report.id)
    assert found is not None and found.groups == GROUPS and found.status is ReportStatus.SUBMITTED
    assert found.owner_h == ticket.owner_h and found.ticket_id == ticket.id
    record = ports.reports.open(report.id)
    assert record is not None and record.sealed_keep == b"sealed-keep" and not record.dispatched
    ports.reports.withdraw(report)
    assert ports.reports.get(report.id) is None
    assert ports.tickets.get(ticket.id).report == ""  # type: ignore[union-attr]
    assert ports.reports.create(again, b"k", {}) is Created.CREATED
    gone = new_report(ports, ticket)
    gone.ticket_id = unique("t")
    assert ports.reports.create(gone, b"k", {}) is Created.GONE


def test_copies_move_only_as_the_lifecycle_allows(ports: Ports) -> None:
    report = new_report(ports, delivered(ports))
    ports.reports.create(report, b"k", {})
    now = ports.now()
    ports.reports.dispatch(report.id, b"phone", {"cmcc": "ref-1"}, ["vno1", "vno2"], now)
    ports.reports.dispatch(report.id, None, {}, ["cmcc"], now)  # once only
    record = ports.reports.open(report.id)
    assert record is not None and record.dispatched
    assert record.references == {"cmcc": "ref-1"} and record.sealed_phone == b"phone"
    assert record.report.copies == {
        "cmcc": CopyState.SUBMITTED,
        "vno1": CopyState.REFUSING,
        "vno2": CopyState.REFUSING,
    }

    def recorded() -> int:
        return len([e for e in ports.audit.tail(100) if e.get("report") == report.id])

    event = {"ticket": report.ticket_id, "report": report.id, "step": "forwarded"}
    ports.reports.move(report.id, ["cmcc", "vno1"], CopyState.FORWARDED, now, event)
    assert recorded() == 1
    ports.reports.move(report.id, ["cmcc"], CopyState.SUBMITTED, now, event)  # never back
    assert recorded() == 1  # nothing moved, nothing recorded
    found = ports.reports.get(report.id)
    assert found is not None
    assert found.copies["cmcc"] is CopyState.FORWARDED
    assert found.copies["vno1"] is CopyState.REFUSING  # refusing never becomes forwarded
    assert found.group_status("mvno") is ReportStatus.FORWARDED  # refusing reads forwarded
    ports.reports.move(report.id, ["vno1", "vno2"], CopyState.ANSWERED, now, {})
    found = ports.reports.get(report.id)
    assert found is not None and found.group_status("mvno") is ReportStatus.ANSWERED
    assert found.status is ReportStatus.FORWARDED  # the least advanced copy
    ports.reports.forget_keep(report.id)
    assert ports.reports.open(report.id).sealed_keep is None  # type: ignore[union-attr]


def test_the_retry_chain_moves_by_compare_and_set(ports: Ports) -> None:
    report = new_report(ports, delivered(ports))
    ports.reports.create(report, b"k", {})
    assert ports.reports.next_attempt(report.id, 0)
    assert not ports.reports.next_attempt(report.id, 0)
    assert ports.reports.get(report.id).attempt == 1  # type: ignore[union-attr]
    assert not ports.reports.next_attempt(unique("r"), 0)


def test_an_answer_is_taken_once_and_only_from_where_the_report_went(ports: Ports) -> None:
    report = new_report(ports, delivered(ports))
    ports.reports.create(report, b"k", {})
    now = ports.now()
    ports.reports.dispatch(report.id, b"phone", {"cmcc": "r", "vno1": "r"}, ["vno2"], now)
    ports.reports.move(report.id, ["cmcc"], CopyState.FORWARDED, now, {})
    closed = Answer(OperatorAnswer.CLOSED, 2)
    take = ports.reports.accept_answer
    event = {"ticket": report.ticket_id, "report": report.id, "step": "answered"}
    assert take(report.id, "cmcc", closed, now, event) is AnswerReceipt.NEW
    assert take(report.id, "cmcc", closed, now, {}) is AnswerReceipt.PENDING
    assert ports.reports.open(report.id).answers == {"cmcc": "closed:2"}  # type: ignore[union-attr]
    ports.reports.forget_answer(report.id, "cmcc")
    assert ports.reports.open(report.id).answers == {}  # type: ignore[union-attr]
    assert take(report.id, "cmcc", closed, now, {}) is AnswerReceipt.DONE
    # submitted: the forward may have reached it before it was recorded
    assert take(report.id, "vno1", closed, now, {}) is AnswerReceipt.NEW
    refused = Answer(OperatorAnswer.CONFIRMED)
    assert take(report.id, "vno2", refused, now, {}) is AnswerReceipt.NOT_SENT_THERE  # refusing
    ports.reports.move(report.id, ["vno2"], CopyState.ANSWERED, now, {})
    assert take(report.id, "vno2", refused, now, {}) is AnswerReceipt.NOT_SENT_THERE
    assert take(report.id, "cucc", refused, now, {}) is AnswerReceipt.NOT_SENT_THERE
    assert take(unique("r"), "cmcc", refused, now, {}) is AnswerReceipt.UNKNOWN
    assert ports.reports.get(report.id).status is ReportStatus.ANSWERED  # type: ignore[union-attr]


def test_a_nonce_is_good_once_per_partner(ports: Ports) -> None:
    nonce = unique("n")
    assert ports.nonces.first_use("cmcc", nonce, 60)
    assert not ports.nonces.first_use("cmcc", nonce, 60)
    assert ports.nonces.first_use("cucc", nonce, 60)
