"""Every fault kind on each kind of partner, and what the user receives.

Operators (both rounds' first) and companies (the second round of 互联网账号) each get a timeout,
a 5xx, a slow answer within the timeout, and a flapping partner that fails every other call.
"""

from __future__ import annotations

import pytest

from tests.integration.flows import accounts_person, phone_cards_person, run_query

COUNTS = {"wechat": 1, "taobao": 2}
# what the user's SMS says when that partner has that fault
EXPECTED = {
    "timeout": "partial",  # named as unavailable, quota given back
    "error": "partial",
    "slow": "result",  # within the partner timeout: a full answer
    "flapping": "result",  # the retry gets the answer
}


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_an_operator_fault(client, sandbox, mode):
    form = phone_cards_person(sandbox, operator="cmcc")
    sandbox.fault("ctcc", mode, latency_ms=300 if mode == "slow" else 0)
    _, message = run_query(client, sandbox, form)
    assert message["template"] == f"phone_cards_{EXPECTED[mode]}"
    if EXPECTED[mode] == "partial":
        assert message["params"]["ctcc"] == "-" and "中国电信" in message["params"]["unavailable"]
    else:
        assert message["params"]["ctcc"] == "0" and message["params"]["cmcc"] == "1"


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_a_company_fault(client, sandbox, mode):
    form = accounts_person(sandbox, COUNTS)
    sandbox.fault("alibaba", mode, latency_ms=300 if mode == "slow" else 0)
    _, message = run_query(client, sandbox, form)
    assert message["template"] == f"internet_accounts_{EXPECTED[mode]}"
    if EXPECTED[mode] == "partial":
        assert (
            message["params"]["taobao"] == "-"
            and message["params"]["unavailable"] == "淘宝、闲鱼、钉钉"
        )
    else:
        assert message["params"]["taobao"] == "2" and message["params"]["wechat"] == "1"
