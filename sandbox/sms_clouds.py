"""Sandbox emulation: sms_clouds (filled in by a later issue)."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    """Register this module's routes on the sandbox app."""
