"""Where the Flask entry points find the API's use cases (built by app.wiring.api)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app

if TYPE_CHECKING:
    from app.wiring.api import ApiServices

EXTENSION = "yzt"


def services() -> ApiServices:
    return cast("ApiServices", current_app.extensions[EXTENSION])
