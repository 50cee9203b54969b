"""Operator commands (`flask --app wsgi …`): the audit stream, partners, the official account,
the QR-code channels."""

from __future__ import annotations

from flask import Flask

from app.cli.channels import channels_cli
from app.cli.operations import audit, partners
from app.cli.wechat import wechat_cli


def init_app(app: Flask) -> None:
    app.cli.add_command(audit)
    app.cli.add_command(partners)
    app.cli.add_command(wechat_cli)
    app.cli.add_command(channels_cli)
