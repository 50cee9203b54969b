"""Every Redis key, built here and only here.

Each key has the prefix ``yzt:``, a TTL set where it is written (docs/design.md lists them),
and a hash tag ``{...}``, so the keys one operation touches share a Redis Cluster slot.

A phone's code and quota, and the tickets of queries for that phone, share ``{p:<bucket>}``: the
bucket is the first 4 hex digits (16 bits) of the phone's keyed hash, and a ticket id starts
with it. So redeeming the code and creating the ticket is one script in one slot, and a ticket
id alone still finds its keys. The bucket tells nothing: about 25,000 phone numbers share each,
and nobody without the server's secret can compute it.
No key holds a clear identifier: phones, IDs, users and IPs appear as keyed hashes.
"""

from __future__ import annotations

import base64
import secrets

PREFIX = "yzt"
BUCKET_CHARS = 4


def phone_bucket(phone_h: str) -> str:
    return phone_h[:BUCKET_CHARS]


def new_ticket_id(phone_h: str) -> str:
    """A fresh ticket id (128 random bits) that carries its phone's bucket in front."""
    return phone_bucket(phone_h) + secrets.token_urlsafe(16)


def phone_quota(phone_h: str, service: str) -> str:
    return f"{PREFIX}:quota:{{p:{phone_bucket(phone_h)}}}:{phone_h}:{service}"


def code(phone_h: str, service: str) -> str:
    return f"{PREFIX}:code:{{p:{phone_bucket(phone_h)}}}:{phone_h}:{service}"


def id_quota(id_h: str) -> str:
    return f"{PREFIX}:quota:{{i:{id_h}}}:id"


def user_limit(user_h: str) -> str:
    return f"{PREFIX}:limit:{{u:{user_h}}}:day"


def user_submits(user_h: str) -> str:
    """Query submits of one platform user in the current hour (a rate limit, not a quota)."""
    return f"{PREFIX}:limit:{{u:{user_h}}}:submits"


def rate_limit(name: str, subject_h: str) -> str:
    """A counted rate limit of one subject (a client network, a user) in its current window."""
    return f"{PREFIX}:limit:{{r:{subject_h}}}:{name}"


def ip_limit(ip_h: str) -> str:
    return f"{PREFIX}:limit:{{a:{ip_h}}}:hour"


def code_budget(minute: int) -> str:
    """Code SMS sent in one minute, all users together: the gateway budget's ceiling."""
    return f"{PREFIX}:limit:{{g:codes}}:{minute}"


def _of_ticket(kind: str, ticket_id: str) -> str:
    """A ticket's keys: in the slot of its phone, whose bucket starts the ticket id."""
    return f"{PREFIX}:{kind}:{{p:{ticket_id[:BUCKET_CHARS]}}}:{ticket_id}"


def ticket(ticket_id: str) -> str:
    return _of_ticket("ticket", ticket_id)


def sealed_form(ticket_id: str) -> str:
    return _of_ticket("form", ticket_id)


def sms_marker(ticket_id: str) -> str:
    return _of_ticket("sms", ticket_id)


def notice_marker(ticket_id: str) -> str:
    return _of_ticket("notice", ticket_id)


def pending_sms(ticket_id: str) -> str:
    """A throttled result SMS waiting for its retry, sealed; TTL the retry window and a margin."""
    return _of_ticket("pending", ticket_id)


def report_basis(ticket_id: str) -> str:
    """What a delivered 移动电话卡 query leaves for a report: its phone sealed and, for a result,
    the operators' references. TTL 7 days (app/domain/reports.py REFERENCE_TTL_S)."""
    return _of_ticket("refs", ticket_id)


def new_report_id(ticket_id: str) -> str:
    """A report id that carries its ticket's bucket, so a report's keys (its record, its SMS
    markers) live in its ticket's slot, then 128 random bits in lower-case base32: no 0, 1, 8
    or 9, so no part of it looks like a phone number to the log scrubber, and its last six
    characters, upper case, make a short reference ({ref}) nobody misreads."""
    random_part = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()
    return ticket_id[:BUCKET_CHARS] + random_part


def report(report_id: str) -> str:
    """A report: its copies' states, and what it keeps until it is done. TTL 7 days."""
    return _of_ticket("report", report_id)


def my_queries(user_h: str) -> str:
    """我的查询: a user's ticket ids by creation time (a sorted set), trimmed to 7 days at every
    write; the key expires 7 days after its last write."""
    return f"{PREFIX}:mine:{{u:{user_h}}}"


def partner_nonce(partner_id: str, nonce: str) -> str:
    """A nonce of a signed call from a partner, seen: TTL until its timestamp leaves the
    replay window. The nonce is [0-9a-zA-Z] (docs/partner-protocol.md)."""
    return f"{PREFIX}:nonce:{{n:{partner_id}}}:{nonce}"


def breakers() -> str:
    """Every partner's circuit breaker in one hash (<partner>:fails, <partner>:opened_at): a
    query reads them all in one command. One slot, read by every query: Redis serves 100,000s
    of HGETALLs a second, far above a national peak."""
    return f"{PREFIX}:breakers:{{b}}"


def breaker_probe(partner_id: str) -> str:
    return f"{PREFIX}:breakers:{{b}}:probe:{partner_id}"


def seal_key(epoch: int) -> str:
    """The random key that seals the forms of one 10-minute epoch. Written without replication
    (adapters/epoch_sealing.py): it lives in memory only, and its TTL ends it with its forms."""
    return f"{PREFIX}:sealkey:{{k}}:{epoch}"


def report_seal_key(epoch: int) -> str:
    """The random key that seals the phones kept for reports during one day (a longer epoch
    than the forms': they live 7 days); memory only, as the forms' keys."""
    return f"{PREFIX}:sealkey:{{k}}:report:{epoch}"


def audit_stream() -> str:
    """Counts-free events of finished queries. Retention: 7 days (trimmed by age at every add,
    and the key expires 7 days after the last), at most about 100,000 events."""
    return f"{PREFIX}:audit:{{audit}}"


def worker_heartbeat() -> str:
    """Refreshed by every worker every few seconds; /readyz reads it. TTL 20 s."""
    return f"{PREFIX}:worker:{{heartbeat}}"


# --- the official account ---------------------------------------------------------------------


def oa_seen(mark: str) -> str:
    """A WeChat message already answered (dedupe of WeChat's retries); TTL a few minutes. The
    mark is a MsgId, or an event's keyed hashes (app/domain/official_account.py)."""
    return f"{PREFIX}:oa:seen:{{{mark}}}"


def oa_access_token(appid: str) -> str:
    """The official account's access token, shared by every process; TTL below its expiry."""
    return f"{PREFIX}:oa:token:{{w:{appid}}}"


def oa_access_token_lock(appid: str) -> str:
    """Held by the one process that refreshes the token; same slot as the token."""
    return f"{PREFIX}:oa:token:{{w:{appid}}}:lock"


# --- QR-code channels and their funnel -------------------------------------------------------


def channels() -> str:
    """Every QR-code channel (id -> its name, region and creation): durable configuration, the
    one `yzt:` key without a TTL (docs/design.md says why, and how it is backed up)."""
    return f"{PREFIX}:channels:{{ch}}"


def funnel_day(day: str) -> str:
    """One China-time day of every channel's funnel: `<channel>:<stage>` -> count, and
    `*:<stage>` for all channels together. Expires FunnelPolicy.retention_days after the day.
    In the channels' slot, so an arrival is counted for its channel, or for `unknown`, in one
    script."""
    return f"{PREFIX}:funnel:{{ch}}:{day}"


def qr_image(kind: str, channel_id: str, variant_h: str) -> str:
    """A channel's QR image as a platform made it (the platforms rate-limit those calls)."""
    return f"{PREFIX}:qrcode:{{q:{channel_id}}}:{kind}:{variant_h}"


# Keys kept without a TTL, on purpose: configuration, not data about people (docs/design.md).
DURABLE = (channels(),)
