"""The channels report's files: a CSV (one row per channel and day) and a PNG chart (matplotlib,
headless): the funnel of each channel over the period, and every channel's trend by day.

Channel names are Chinese: the chart uses a CJK font when the machine has one (Debian's
fonts-wqy-microhei, Noto CJK ...); without one it labels channels by id and titles in English,
rather than drawing empty boxes.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from app.domain.channels import FunnelStage
from app.services.channels import ChannelFunnel

CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "SimHei",
    "Microsoft YaHei",
)
STAGE_NAMES = {
    FunnelStage.SCANS: ("扫码", "scans"),
    FunnelStage.SESSIONS: ("登录", "sessions"),
    FunnelStage.CODE_REQUESTS: ("验证码", "code requests"),
    FunnelStage.QUERIES: ("查询", "queries"),
    FunnelStage.DELIVERED: ("送达", "delivered"),
}
COLORS = ("#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c")
MAX_CHANNELS_IN_CHART = 12


def write_csv(funnels: Sequence[ChannelFunnel], path: Path) -> None:
    """One row per channel and day, oldest day first; UTF-8 with a BOM, as Excel wants."""
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "channel", "name", *[str(s) for s in FunnelStage]])
        for funnel in funnels:
            for date, counts in reversed(funnel.days):
                writer.writerow([date, funnel.channel, funnel.name, *counts.values()])


def write_chart(funnels: Sequence[ChannelFunnel], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    cjk = next((name for name in CJK_FONTS if name in installed), None)
    if cjk:
        plt.rcParams["font.sans-serif"] = [cjk, "DejaVu Sans"]
    lang = 0 if cjk else 1
    shown = sorted(funnels, key=lambda f: -sum(f.total.values()))[:MAX_CHANNELS_IN_CHART]
    fig, (by_channel, by_day) = plt.subplots(
        1, 2, figsize=(15, 1.6 + 0.55 * max(4, len(shown))), gridspec_kw={"width_ratios": [3, 2]}
    )
    _funnel_bars(by_channel, shown, lang, cjk is not None)
    _trend(by_day, funnels, lang)
    days = len(funnels[0].days) if funnels else 0
    title = (f"二维码渠道来源漏斗(最近{days}天,北京时间)", f"QR-code channels, last {days} days")
    fig.suptitle(title[lang], fontsize=14)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _funnel_bars(ax: object, funnels: Sequence[ChannelFunnel], lang: int, names: bool) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    stages, height = list(FunnelStage), 0.8 / len(FunnelStage)
    for index, funnel in enumerate(reversed(funnels)):
        for n, stage in enumerate(stages):
            value = funnel.total[stage]
            y = index + 0.4 - (n + 0.5) * height
            label = STAGE_NAMES[stage][lang] if index == 0 else None
            ax.barh(y, value, height=height, color=COLORS[n], label=label)
            if value:
                ax.text(value, y, f" {value}", va="center", fontsize=7)
    ax.set_yticks(range(len(funnels)))
    ax.set_yticklabels(
        [f"{f.name}\n{f.channel}" if names else f.channel for f in reversed(funnels)], fontsize=8
    )
    ax.set_title(("各渠道漏斗(合计)", "funnel per channel (totals)")[lang])
    ax.legend(loc="lower right", fontsize=8)


def _trend(ax: object, funnels: Sequence[ChannelFunnel], lang: int) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    if not funnels:
        return
    dates = [date for date, _ in reversed(funnels[0].days)]
    for n, stage in enumerate(FunnelStage):
        per_day = [sum(dict(f.days)[date][stage] for f in funnels) for date in dates]
        ax.plot(dates, per_day, marker=".", color=COLORS[n], label=STAGE_NAMES[stage][lang])
    step = max(1, len(dates) // 8)
    ax.set_xticks(range(0, len(dates), step))
    ax.set_xticklabels([d[5:] for d in dates[::step]], rotation=45, fontsize=8)
    ax.set_title(("全部渠道每日趋势", "all channels by day")[lang])
    ax.legend(fontsize=8)
