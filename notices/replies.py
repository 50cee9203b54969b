"""What the official account answers (product.md, "The official account"). Pure: no I/O.

The texts are user-facing and in Simplified Chinese. Links come from PUBLIC_URL, the hotline
table from app/data/hotlines.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.guides import Hotline
from app.domain.official_account import Incoming

UNCONFIRMED = "待确认"
SERVICE_PATH = "/h5/"
GUIDES_PATH = "/h5/guides"
QUERIES_PATH = "/h5/queries"

WELCOME = (
    "感谢关注！「一证通查」可以查询您身份证名下的移动电话卡数量，"
    "以及您的手机号关联的互联网账号数量，查询结果只通过短信发送到您本人的手机。\n"
    "入口：点击底部菜单“政务服务 → 一证通查”，或打开 {service_url}\n"
    "回复“解绑”查看解绑与明细查询说明，回复“客服”查看各企业客服电话。"
)
SERVICE = (
    "「一证通查」查询入口：{service_url}\n"
    "· 移动电话卡：查询您身份证名下的在网手机卡数量\n"
    "· 互联网账号：查询您的手机号关联的互联网账号数量\n"
    "查询结果只通过短信发送到您验证过的手机。"
)
GUIDES = (
    "解绑与明细查询说明：{guides_url}\n"
    "内有微信、QQ、淘宝、支付宝、抖音等平台查看绑定明细、解绑或更换手机号的方法。"
)
REPORT = (
    "发现名下有非本人办理的电话卡，可以一键反映：\n"
    "1. 先在「一证通查」查询“移动电话卡”，结果短信发出后7天内可反映；\n"
    "2. 打开“我的查询”{queries_url}，选择这次查询；\n"
    "3. 勾选有非本人号码的运营商（可填写本人号码后四位，运营商不会处理这些号码），提交。\n"
    "运营商核查后，结果将通过短信发送到查询时验证的手机。"
)
HOTLINES = "各企业客服电话：\n{table}\n号码以各企业官方公布为准。"
HELP = (
    "您好，这里是「一证通查」。\n"
    "回复“一证通查”获取查询入口；\n"
    "回复“解绑”查看解绑与明细查询说明；\n"
    "回复“客服”查看各企业客服电话；\n"
    "回复“反映”了解如何反映非本人办理的电话卡。\n"
    "也可以使用底部菜单“政务服务”。"
)

# Checked in this order, so "互联网账号解绑" gets the guidance and "一证通查客服" the hotlines.
KEYWORDS = (
    ("解绑", "guides"),
    ("客服", "hotlines"),
    ("反映", "report"),
    ("非本人", "report"),
    ("一证通查", "service"),
    ("电话卡", "service"),
    ("互联网账号", "service"),
)
# CLICK keys of app/data/menu.yaml. SERVICE is for accounts whose menu cannot use a view button.
CLICK_KEYS = {"HOTLINES": "hotlines", "GUIDES": "guides", "SERVICE": "service"}
# a new follower (subscribe, from a QR code or not) and an existing one who scans a QR code
WELCOME_EVENTS = ("subscribe", "subscribe_scan", "scan")
# what a person can send besides text (wechatpy's message types)
OTHER_USER_MESSAGES = (
    "image",
    "voice",
    "video",
    "shortvideo",
    "location",
    "link",
    "miniprogrampage",
)


@dataclass(frozen=True)
class Replies:
    welcome: str
    service: str
    guides: str
    hotlines: str
    help: str
    report: str = ""  # 非本人反映: how to report a card that is not mine
    base_url: str = ""  # PUBLIC_URL, for links made per message

    @classmethod
    def build(cls, public_url: str, hotlines: Sequence[Hotline]) -> Replies:
        base = public_url.rstrip("/")
        links = {
            "service_url": base + SERVICE_PATH,
            "guides_url": base + GUIDES_PATH,
            "queries_url": base + QUERIES_PATH,
        }
        return cls(
            welcome=WELCOME.format(**links),
            service=SERVICE.format(**links),
            guides=GUIDES.format(**links),
            hotlines=HOTLINES.format(table=hotline_table(hotlines)),
            help=HELP,
            report=REPORT.format(**links),
            base_url=base,
        )

    def welcome_for(self, channel: str) -> str:
        """A QR-code scan's welcome: its service link carries the scanned channel."""
        if not channel:
            return self.welcome
        return WELCOME.format(service_url=f"{self.base_url}{SERVICE_PATH}?c={channel}")

    def for_message(self, incoming: Incoming) -> str | None:
        """The reply text, or None when WeChat expects no reply (e.g. unsubscribe, view)."""
        if incoming.kind == "event":
            return self._for_event(incoming.event, incoming.key)
        if incoming.kind == "text":
            return self._by_name(_keyword_topic(incoming.content))
        if incoming.kind in OTHER_USER_MESSAGES:
            return self.help  # say what we can do
        return None  # an unknown kind, such as an event wechatpy does not know

    def _for_event(self, event: str, key: str) -> str | None:
        if event in WELCOME_EVENTS:
            return self.welcome
        if event == "click":
            return self._by_name(CLICK_KEYS.get(key.strip(), "help"))
        return None

    def _by_name(self, topic: str) -> str:
        topics = {
            "service": self.service,
            "guides": self.guides,
            "hotlines": self.hotlines,
            "help": self.help,
            "report": self.report,
        }
        return topics[topic]


def _keyword_topic(content: str) -> str:
    text = content.strip()
    return next((topic for word, topic in KEYWORDS if word in text), "help")


def hotline_table(hotlines: Sequence[Hotline]) -> str:
    """One line per hotline; an unconfirmed number is never shown as if it were checked."""
    return "\n".join(f"{h.name}：{h.phone if h.confirmed else UNCONFIRMED}" for h in hotlines)
