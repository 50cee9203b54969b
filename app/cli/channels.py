"""`flask --app wsgi channels ...`: the QR-code channels' report, and their backup.

- `report`: a table of every channel's funnel (and unknown's) over the last days, plus a CSV and
  a PNG chart (adapters/funnel_report.py) under --out.
- `export` / `import`: the channels as JSON lines, the backup of durable configuration
  (docs/channels.md).
"""

from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from adapters.funnel_report import STAGE_NAMES, write_chart, write_csv
from app.config import ROOT
from app.domain.channels import FunnelStage
from app.domain.errors import Conflict, InvalidFields
from app.ports.state import StoreUnavailable
from app.services.channels import ChannelFunnel
from app.web.services import services

channels_cli = AppGroup("channels", help="二维码渠道:来源漏斗报表,导出与导入(备份)。")


@channels_cli.command("report")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 400))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "var" / "reports",
    show_default=True,
    help="CSV 与图表写到这里。",
)
def report(days: int, out: Path) -> None:
    """打印各渠道的漏斗(扫码 → 登录 → 验证码 → 查询 → 送达),并写出 CSV 与 PNG 图表。"""
    try:
        funnels = services().channels.report(days)
    except StoreUnavailable as exc:
        raise click.ClickException(f"暂时无法连接Redis:{exc}") from None
    click.echo(table(funnels, days))
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"channels-{time.strftime('%Y%m%d-%H%M%S')}"
    write_csv(funnels, stem.with_suffix(".csv"))
    write_chart(funnels, stem.with_suffix(".png"))
    click.echo(f"CSV:{stem.with_suffix('.csv')}\n图表:{stem.with_suffix('.png')}")


def table(funnels: list[ChannelFunnel], days: int) -> str:
    """Totals per channel, columns aligned in a terminal (a Chinese character is two wide)."""
    stages = list(FunnelStage)
    head = ["渠道", *(STAGE_NAMES[s][0] for s in stages), "送达/登录", "名称"]
    rows = [head]
    for funnel in funnels:
        total = funnel.total
        sessions = total[FunnelStage.SESSIONS]
        rate = f"{100 * total[FunnelStage.DELIVERED] / sessions:.0f}%" if sessions else "-"
        rows.append([funnel.channel, *(str(total[s]) for s in stages), rate, funnel.name])
    widths = [max(width(row[n]) for row in rows) for n in range(len(head))]
    lines = [f"最近{days}天(北京时间)"]
    for row in rows:
        cells = [pad(row[0], widths[0])]
        cells += [pad(cell, w, right=True) for cell, w in zip(row[1:-1], widths[1:-1], strict=True)]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, to: int, right: bool = False) -> str:
    space = " " * (to - width(text))
    return space + text if right else text + space


@channels_cli.command("export")
def export() -> None:
    """把全部渠道按 JSON Lines 打印到标准输出(备份)。"""
    for channel in services().channels.all():
        click.echo(json.dumps(channel.__dict__, ensure_ascii=False, sort_keys=True))


@channels_cli.command("import")
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
def import_(source: Any) -> None:
    """从 JSON Lines 恢复渠道;已存在的编号保持不变。"""
    created = kept = 0
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            services().channels.restore(json.loads(line))
            created += 1
        except Conflict:
            kept += 1
        except (ValueError, InvalidFields) as exc:
            raise click.ClickException(f"第{number}行有误:{exc}") from None
    click.echo(f"新建 {created} 个渠道,已存在 {kept} 个。")
