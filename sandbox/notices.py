"""Sandbox emulation: notices (filled in by a later issue)."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    """Register this module's routes on the sandbox app."""
