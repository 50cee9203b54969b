"""The H5 page's QR code: a plain QR code of $PUBLIC_URL/h5/?c=<id>, made here, for any phone
camera. No platform is asked, so nothing limits how often it is made."""

from __future__ import annotations

from adapters.qrcodes import qr_png
from app.domain.channels import QrKind

H5_PATH = "/h5/"


class H5Code:
    kind = QrKind.H5

    def __init__(self, public_url: str) -> None:
        self.base = public_url.rstrip("/")
        self.variant = self.base

    def url(self, channel_id: str) -> str:
        return f"{self.base}{H5_PATH}?c={channel_id}"

    def make(self, channel_id: str) -> bytes:
        return qr_png(self.url(channel_id))
