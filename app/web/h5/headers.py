"""Security headers for pages that take an ID number: no framing, no referrer, no caching."""

from __future__ import annotations

from flask import Response, request

# No inline script or style at all: every script and stylesheet is a file under /h5/static/.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def secure_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["Referrer-Policy"] = "no-referrer"  # ticket ids in URLs never leave with a link
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers that predate CSP 2
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    # Static files may be revalidated (ETag); pages, which may show a masked phone, never kept.
    static = request.endpoint == "h5.static"
    headers["Cache-Control"] = "no-cache" if static else "no-store"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return response
