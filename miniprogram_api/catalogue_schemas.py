"""Response schemas of the catalogue endpoints: the OpenAPI document is generated from these."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate


def _text(description: str, **kwargs: object) -> ma.fields.String:
    return ma.fields.String(required=True, metadata={"description": description}, **kwargs)  # type: ignore[arg-type]


class FieldSpecSchema(ma.Schema):
    id = _text("JSON 字段名,如 id_number")
    label = _text("中文标签")
    type = _text("text | tel | checkbox", validate=validate.OneOf(["text", "tel", "checkbox"]))
    input_mode = _text("HTML inputmode:text | numeric | tel | none")
    required = ma.fields.Boolean(required=True)
    pattern = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "去掉首尾空格后应匹配的正则"}
    )
    max_length = ma.fields.Integer(required=True, allow_none=True)
    placeholder = _text("输入框占位文字")
    hint = _text("填写说明")
    required_message = _text("未填写时接口返回的提示,前端可直接使用")
    stage = _text(
        "code:获取验证码与提交查询时都要发送;submit:只在提交查询时发送",
        validate=validate.OneOf(["code", "submit"]),
    )


class ProductSchema(ma.Schema):
    id = _text("产品 id,与短信模板变量一致")
    name = _text("产品名称")


class ProviderSchema(ma.Schema):
    id = _text("运营商或企业 id;转售企业合为一项 mvno")
    name = _text("名称")
    status = _text(
        "available,或熔断打开时 degraded",
        validate=validate.OneOf(["available", "degraded"]),
    )
    products = ma.fields.List(
        ma.fields.Nested(ProductSchema), metadata={"description": "企业的产品(互联网账号)"}
    )
    members = ma.fields.List(
        ma.fields.Nested(lambda: ProviderSchema(exclude=("members", "products"))),
        metadata={"description": "转售企业(mvno)包含的各虚拟运营商及其状态"},
    )


class ServiceSchema(ma.Schema):
    id = _text("phone_cards | internet_accounts")
    name = _text("移动电话卡 | 互联网账号")
    description = _text("一句话说明")
    fields_ = ma.fields.List(
        ma.fields.Nested(FieldSpecSchema), required=True, data_key="fields", attribute="fields"
    )
    providers = ma.fields.List(ma.fields.Nested(ProviderSchema), required=True)


class ServicesSchema(ma.Schema):
    services = ma.fields.List(ma.fields.Nested(ServiceSchema), required=True)


class HotlineSchema(ma.Schema):
    company = _text("企业或运营商名称")
    company_id = _text("企业或运营商 id(providers.yaml)")
    name = _text("热线名称,或它服务的产品")
    phone = _text("电话号码;未确认时为“待确认”")
    confirmed = ma.fields.Boolean(required=True, metadata={"description": "号码是否已核实"})


class HotlinesSchema(ma.Schema):
    hotlines = ma.fields.List(ma.fields.Nested(HotlineSchema), required=True)


class GuideSchema(ma.Schema):
    id = _text("产品 id")
    name = _text("产品名称")
    company = _text("企业名称")
    company_id = _text("企业 id")
    category = _text("分类名称")
    confirmed = ma.fields.Boolean(
        required=True, metadata={"description": "false:操作步骤为通用说明,菜单路径尚待核实"}
    )
    detail_steps = ma.fields.List(ma.fields.String(), required=True)
    unbind_steps = ma.fields.List(ma.fields.String(), required=True)
    hotline = _text("客服电话;未确认时为“待确认”", attribute="hotline.phone")
    hotline_name = _text("热线名称", attribute="hotline.name")
    hotline_confirmed = ma.fields.Boolean(required=True, attribute="hotline.confirmed")


class CategorySchema(ma.Schema):
    id = _text("分类 id")
    name = _text("即时通讯、电商购物、支付、搜索、短视频、本地生活、办公")
    products = ma.fields.List(ma.fields.Nested(GuideSchema), required=True, attribute="guides")


class GuidesSchema(ma.Schema):
    categories = ma.fields.List(ma.fields.Nested(CategorySchema), required=True)
