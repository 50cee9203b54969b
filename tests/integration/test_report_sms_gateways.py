"""The report SMS through Alibaba Cloud's and Tencent Cloud's SDKs, against the sandbox's
emulations, which hold each variable to the provider's limit (Tencent: 6 characters by default,
SANDBOX_TENCENT_MAX_PARAM_CHARS; Alibaba: 35)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from app.config import Settings
from app.domain.reports import Answer, OperatorAnswer
from app.wiring import files, outside
from notices.sms import Message, report_answer, report_received, report_refused
from tests.support import make_phone

MESSAGES = [
    report_received("中国移动、转售企业", "AB2C3D"),
    report_answer(Answer(OperatorAnswer.CLOSED, 2), "中国移动", "10086"),
    report_answer(Answer(OperatorAnswer.CONFIRMED), "转售企业甲", "客服电话"),
    report_answer(Answer(OperatorAnswer.VISIT_STORE), "中国广电", "10099"),
    report_refused(),
]


def gateway(settings: Settings, provider: str) -> Any:
    changed = replace(settings, sms_provider=provider)
    return outside.sms_gateway(changed, files.templates(changed))


@pytest.mark.parametrize("provider", ["aliyun", "tencent"])
@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.template)
def test_every_report_sms_is_taken_by_each_provider(settings, sandbox, provider, message: Message):
    phone = make_phone()
    gateway(settings, provider).send(phone, message.template, message.params, "report-sms")
    [sent] = sandbox.sms(phone)
    assert sent["template"] == message.template
    assert sandbox.refusals(phone) == []
    if provider == "aliyun" or message.template != "report_received":
        assert sent["params"] == message.params  # every value fits as it is
    else:  # a list of operators is longer than Tencent's 6 characters
        assert sent["params"] == {"operators": "多家运营商", "ref": "AB2C3D"}
        assert sent["text"].startswith("【一证通查】您对多家运营商名下号码的反映已受理")
