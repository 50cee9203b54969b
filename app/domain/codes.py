"""The verification code: 6 random digits, valid 5 minutes, single use, 3 wrong attempts, bound
to the whole form and owned by the platform user who asked for it (product.md).

It is stored only as a keyed hash of the code and the form (app/domain/hashing.py), beside the
hash of its owner. Checking it gives one of the outcomes below. Another user's check, right or
wrong, answers exactly as when no code exists (`expired`) and spends none of its attempts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum


class CodeCheckOutcome(StrEnum):
    OK = "ok"  # it matched: it is burnt, and the ticket exists
    MISMATCH = "mismatch"  # the owner's wrong attempt (or a changed form): one attempt fewer
    EXPIRED = "expired"  # none for this user: used, out of time or attempts, or someone else's
    LIMITED = "limited"  # the user's submit limit refused before the code was looked at


@dataclass(frozen=True)
class CodeCheck:
    outcome: CodeCheckOutcome
    attempts_left: int = 0  # with MISMATCH
    retry_after: int = 0  # with LIMITED
    enqueued: bool = False  # with OK: the store also queued the ticket's task, in the same step


@dataclass(frozen=True)
class CodePolicy:
    ttl_s: int = 300  # CODE_TTL_S; the registered 验证码 templates say "5分钟"
    max_attempts: int = 3  # CODE_MAX_ATTEMPTS

    @staticmethod
    def new_code() -> str:
        return f"{secrets.randbelow(1_000_000):06d}"

    def attempts_left(self, wrong_attempts: int) -> int:
        """After this many wrong attempts; at 0 the code is burnt."""
        return max(self.max_attempts - wrong_attempts, 0)
