"""The Channels, Funnel and QrImages ports, and the funnel counts that Codes.issue and
Tickets.finish add in their own round trips."""

from __future__ import annotations

from app.domain.channels import Channel, FunnelStage, QrKind, day_of
from app.domain.tickets import TicketEnd, TicketStatus
from tests.contracts.steps import Ports, redeem, request, unique

S = FunnelStage


def new_channel(ports: Ports, created_at: float | None = None) -> Channel:
    channel = Channel(unique("ch-"), "朝阳分局宣传海报", "110105", created_at or ports.now())
    assert ports.channels.create(channel)
    return channel


def today(ports: Ports, channel_id: str) -> dict[FunnelStage, int]:
    return ports.funnel.days(channel_id, [day_of(ports.now())])[0]


def test_a_channel_is_created_once_and_listed_oldest_first(ports: Ports) -> None:
    older = new_channel(ports, ports.now() - 10)
    newer = new_channel(ports)
    assert ports.channels.get(older.id) == older
    assert ports.channels.get(unique("ch-")) is None
    again = Channel(older.id, "另一个名称", None, ports.now())
    assert not ports.channels.create(again)  # the id is taken: nothing changes
    assert ports.channels.get(older.id) == older
    listed = [c.id for c in ports.channels.all()]
    assert listed.index(older.id) < listed.index(newer.id)
    plain = Channel(unique("ch-"), "社区公告栏", None, ports.now())
    assert ports.channels.create(plain) and ports.channels.get(plain.id) == plain


def test_an_arrival_counts_for_its_channel_or_for_unknown(ports: Ports) -> None:
    channel = new_channel(ports)
    totals = ports.funnel.totals(day_of(ports.now()))
    unknown = today(ports, "unknown")
    assert ports.funnel.arrive(channel.id, S.SCANS, ports.now()) == channel.id
    assert ports.funnel.arrive(channel.id, S.SESSIONS, ports.now()) == channel.id
    assert ports.funnel.arrive(unique("gone-"), S.SESSIONS, ports.now()) == "unknown"
    assert ports.funnel.arrive("unknown", S.SCANS, ports.now()) == "unknown"
    counts = today(ports, channel.id)
    assert (counts[S.SCANS], counts[S.SESSIONS], counts[S.QUERIES]) == (1, 1, 0)
    after = today(ports, "unknown")
    assert after[S.SESSIONS] == unknown[S.SESSIONS] + 1 and after[S.SCANS] == unknown[S.SCANS] + 1
    now_totals = ports.funnel.totals(day_of(ports.now()))
    assert now_totals[S.SESSIONS] - totals[S.SESSIONS] >= 2  # others may count meanwhile
    yesterday = day_of(ports.now() - 86400)
    assert ports.funnel.days(channel.id, [yesterday, day_of(ports.now())])[0] == dict.fromkeys(
        FunnelStage, 0
    )


def test_an_issued_code_counts_and_a_refused_or_cancelled_one_does_not(ports: Ports) -> None:
    channel = new_channel(ports)
    code = request(ports, id_h=unique("i"), channel=channel.id)
    assert ports.codes.issue(code) is None
    assert today(ports, channel.id)[S.CODE_REQUESTS] == 1
    assert ports.codes.issue(code) is not None  # the 24-hour quota refuses: no 202
    assert today(ports, channel.id)[S.CODE_REQUESTS] == 1
    ports.codes.cancel(code)  # its SMS could not be sent: no 202 either
    assert today(ports, channel.id)[S.CODE_REQUESTS] == 0
    plain = request(ports)  # no channel: counted nowhere
    before = ports.funnel.totals(day_of(ports.now()))[S.CODE_REQUESTS]
    ports.codes.issue(plain)
    assert today(ports, channel.id)[S.CODE_REQUESTS] == 0
    assert ports.funnel.totals(day_of(ports.now()))[S.CODE_REQUESTS] >= before


def test_a_ticket_the_worker_ended_counts_a_query_and_maybe_a_delivery(ports: Ports) -> None:
    channel = new_channel(ports)
    for status in (TicketStatus.DELIVERED, TicketStatus.FAILED):
        code = request(ports, channel=channel.id)
        ports.codes.issue(code)
        _, ticket = redeem(ports, code, code.code_digest)
        begun = ports.tickets.begin(ticket.id, ports.now()).ticket
        assert begun is not None and begun.channel == channel.id
        ports.tickets.finish(begun, TicketEnd(status, ports.now(), False, {}))
    counts = today(ports, channel.id)
    assert (counts[S.CODE_REQUESTS], counts[S.QUERIES], counts[S.DELIVERED]) == (2, 2, 1)


def test_a_ticket_ended_before_the_worker_ran_is_no_query(ports: Ports) -> None:
    channel = new_channel(ports)
    code = request(ports, channel=channel.id)
    ports.codes.issue(code)
    _, ticket = redeem(ports, code, code.code_digest)  # accepted, then its task never queued
    ports.tickets.finish(ticket, TicketEnd(TicketStatus.FAILED, ports.now(), True, {}))
    assert today(ports, channel.id)[S.QUERIES] == 0


def test_a_qr_image_is_cached_per_kind_channel_and_variant(ports: Ports) -> None:
    channel_id = unique("ch-")
    ports.qr_images.put(QrKind.H5, channel_id, "https://a.example", b"\x89PNG-a", 60)
    assert ports.qr_images.get(QrKind.H5, channel_id, "https://a.example") == b"\x89PNG-a"
    assert ports.qr_images.get(QrKind.H5, channel_id, "https://b.example") is None
    assert ports.qr_images.get(QrKind.ALIPAY, channel_id, "https://a.example") is None
