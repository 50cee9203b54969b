"""The QR-code makers: one per kind of code (app/domain/channels.py QrKind), each asking its
platform (or, for the H5 page, drawing the code here)."""

from __future__ import annotations

from typing import Protocol

from app.domain.channels import QrKind


class QrCodeMaker(Protocol):
    kind: QrKind
    # What else the image depends on (an app id, a page, an env_version, the public address):
    # part of the cache key, so a changed setting is never answered with a stale image.
    variant: str

    def make(self, channel_id: str) -> bytes:
        """The channel's code as PNG bytes. Raises PartnerUnavailable when the platform cannot
        make it now, PartnerRejected when it refuses what we asked (our configuration)."""
        ...
