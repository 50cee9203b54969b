"""`flask --app wsgi wechat ...`: the official account's operator commands."""

from __future__ import annotations

import json

import click
import yaml
from flask.cli import AppGroup

from adapters.wechat_menu import load_menu
from app.config import ConfigError
from app.ports.partners import PartnerRejected, PartnerUnavailable
from app.ports.state import StoreUnavailable
from app.web.services import services

wechat_cli = AppGroup("wechat", help="微信公众号:同步自定义菜单。")


@wechat_cli.command("sync-menu")
@click.option("--dry-run", is_flag=True, help="只打印将要推送的菜单,不推送。")
def sync_menu(dry_run: bool) -> None:
    """把 app/data/menu.yaml 推送为公众号的自定义菜单。"""
    api = services()
    try:
        menu = load_menu(api.settings)
    except (ConfigError, OSError, yaml.YAMLError) as exc:
        raise click.ClickException(f"菜单文件有误:{exc}") from None
    if dry_run:
        click.echo(json.dumps(menu, ensure_ascii=False, indent=2))
        return
    try:
        api.menu.publish(menu)
    except PartnerRejected as exc:
        raise click.ClickException(f"微信拒绝了请求({exc})。") from None
    except PartnerUnavailable as exc:
        raise click.ClickException(f"暂时无法连接微信,请稍后重试。({exc})") from None
    except StoreUnavailable as exc:
        raise click.ClickException(f"暂时无法连接Redis:{exc}") from None
    buttons = sum(len(b.get("sub_button", [b])) for b in menu["button"])
    click.echo(f"菜单已同步到公众号 {api.settings.wechat_oa_appid}:{buttons} 个按钮。")
