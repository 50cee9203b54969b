"""Second-generation ID numbers for tests: their check character computed independently of
stdnum, the official region codes, and a hypothesis strategy of every well-formed one."""

from __future__ import annotations

import datetime

from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric

TODAY = datetime.date(2025, 6, 1)
WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # GB 11643 / ISO 7064 MOD 11-2


def check_char(first17: str) -> str:
    """The GB 11643 check character, computed here independently of stdnum."""
    value = (12 - sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11) % 11
    return "X" if value == 10 else str(value)


def with_check(first17: str) -> str:
    """stdnum's calc_check_digit wants the whole number (it drops the last character)."""
    char = ric.calc_check_digit(first17 + "0")
    assert char == check_char(first17)
    return first17 + char


def _region_codes() -> list[str]:
    codes = []
    for _, province, _, _, counties in numdb.get("cn/loc").prefixes:
        for _, county, _, props, _ in counties:
            if "county" in props:
                codes.append(province + county)
    return codes


REGIONS = _region_codes()

past_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    birth = draw(past_dates)
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
