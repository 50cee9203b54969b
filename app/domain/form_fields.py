"""How each service's form looks to a front end: labels, input kinds, patterns and messages.

GET /api/v1/services hands these to the mini-programs, and the H5 forms are rendered from them,
so every front end shows the same labels. The server's checks (app/domain/validation.py) stay
the authority: `pattern` is a hint for light checks before sending, and `required_message` is
exactly the message the API gives for an empty field (a unit test holds them together).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.forms import Service

NAME_PATTERN = r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·]{2,30}$"


@dataclass(frozen=True)
class FieldSpec:
    id: str  # the JSON field of POST /verification-codes and /queries
    label: str
    type: str  # text | tel | checkbox
    input_mode: str  # the HTML inputmode: text | numeric | tel | none
    required: bool
    pattern: str | None  # ECMAScript and Python compatible, on the trimmed value
    max_length: int | None
    placeholder: str
    hint: str
    required_message: str
    stage: str  # code: sent with the code request and the query | submit: with the query only


NAME = FieldSpec(
    "name", "姓名", "text", "text", True, NAME_PATTERN, 30,
    "请输入姓名", "与身份证上的姓名一致", "请填写姓名", "code",
)  # fmt: skip
ID_NUMBER = FieldSpec(
    "id_number", "身份证号", "text", "text", True, r"^[0-9]{17}[0-9Xx]$", 18,
    "请输入18位身份证号", "第二代居民身份证号码,末位可能是X", "请填写身份证号", "code",
)  # fmt: skip
PHONE_OF_ID = FieldSpec(
    "phone", "手机号", "tel", "tel", True, r"^1[0-9]{10}$", 11,
    "请输入11位手机号", "登记在上述身份证名下、正在使用的手机号,用于接收验证码和结果",
    "请填写手机号", "code",
)  # fmt: skip
PHONE = FieldSpec(
    "phone", "手机号", "tel", "tel", True, r"^1[0-9]{10}$", 11,
    "请输入11位手机号", "要查询的手机号,用于接收验证码和结果", "请填写手机号", "code",
)  # fmt: skip
ID_LAST6 = FieldSpec(
    "id_last6", "身份证号后六位", "text", "text", True, r"^[0-9]{5}[0-9Xx]$", 6,
    "请输入身份证号后六位", "该手机号登记人身份证号码的后六位,末位可能是X",
    "请填写身份证号后六位", "code",
)  # fmt: skip
AGREE = FieldSpec(
    "agree", "我已阅读并同意《一证通查服务协议》", "checkbox", "none", True, None, None,
    "", "查询需本人授权", "请阅读并同意服务协议", "code",
)  # fmt: skip
CODE = FieldSpec(
    "code", "短信验证码", "text", "numeric", True, r"^[0-9]{6}$", 6,
    "请输入6位验证码", "发送至上述手机号的6位数字", "请输入6位数字验证码", "submit",
)  # fmt: skip

FORM_FIELDS: dict[Service, tuple[FieldSpec, ...]] = {
    Service.PHONE_CARDS: (NAME, ID_NUMBER, PHONE_OF_ID, CODE, AGREE),
    Service.INTERNET_ACCOUNTS: (PHONE, ID_LAST6, CODE, AGREE),
}

DESCRIPTIONS = {
    Service.PHONE_CARDS: "查询本人身份证名下在网的移动电话卡数量",
    Service.INTERNET_ACCOUNTS: "查询手机号关联的互联网账号数量",
}
