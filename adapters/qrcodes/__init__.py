"""The QR-code makers (app/ports/qrcodes.py), one per kind: the WeChat mini-program code and the
official account's permanent code (wechat.py), the Alipay mini-program code (alipay.py), and
the H5 page's code made here (h5.py). Every image leaves as PNG."""

from __future__ import annotations

import io

import segno
from PIL import Image, UnidentifiedImageError

from app.ports.partners import PartnerUnavailable

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCALE, BORDER = 10, 4  # 10 pixels a module, the 4-module quiet zone the standard asks for


def qr_png(text: str) -> bytes:
    """A plain QR code of the text (segno; error correction M: a poster survives some dirt)."""
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()


def as_png(image: bytes) -> bytes:
    """A platform's image as PNG: WeChat answers JPEG unless the code is transparent."""
    if image.startswith(PNG_MAGIC):
        return image
    try:
        with Image.open(io.BytesIO(image)) as opened:
            out = io.BytesIO()
            opened.convert("RGB").save(out, format="PNG")
    except (UnidentifiedImageError, OSError, ValueError):
        raise PartnerUnavailable("the platform's answer is no image") from None
    return out.getvalue()
