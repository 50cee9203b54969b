"""Operator commands: `flask --app wsgi audit tail`."""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup

audit = AppGroup("audit", help="The audit stream: hashed identifiers, outcome classes, timings.")


@audit.command("tail")
@click.option("-n", "--count", default=20, show_default=True, help="How many events.")
def audit_tail(count: int) -> None:
    """Print the newest audit events as JSON lines, oldest first."""
    for event in current_app.extensions["yzt"].store.audit_tail(count):
        click.echo(json.dumps(event, ensure_ascii=False, sort_keys=True))


def init_app(app: Flask) -> None:
    app.cli.add_command(audit)
