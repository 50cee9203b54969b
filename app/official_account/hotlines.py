"""The hotline table as reply text. The table itself is the catalogue's (app/data/hotlines.yaml,
loaded and checked at start by bootstrap), so the API, the H5 pages and the official account
show the same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

UNCONFIRMED = "待确认"


class HotlineEntry(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def phone(self) -> str: ...

    @property
    def confirmed(self) -> bool: ...


def hotline_table(hotlines: Sequence[HotlineEntry]) -> str:
    """One line per hotline; an unconfirmed number is never shown as if it were checked."""
    return "\n".join(f"{h.name}：{h.phone if h.confirmed else UNCONFIRMED}" for h in hotlines)
