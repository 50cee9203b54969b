"""Catalogue endpoints (no login): /services, /guides, /guides/<product>, /hotlines."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from app.services.catalogue import Catalogue
from app.web.services import services
from miniprogram_api.catalogue_schemas import (
    GuideSchema,
    GuidesSchema,
    HotlinesSchema,
    ServicesSchema,
)
from miniprogram_api.errors import documented_errors

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1", description="服务目录与解绑说明")
# The guidance changes only with a deploy; the providers' status changes with their breakers.
STATIC_CACHE = {"Cache-Control": "public, max-age=300"}
LIVE_CACHE = {"Cache-Control": "no-cache"}


def catalogue() -> Catalogue:
    return services().catalogue


def errors(*statuses: int) -> Any:
    return documented_errors(blp, *statuses)


@blp.route("/services")
class Services(MethodView):
    @blp.response(200, ServicesSchema)
    @errors(405, 503)
    def get(self) -> Any:
        """两项查询服务:表单字段,以及各运营商、企业当前是否可查询"""
        return {"services": catalogue().services()}, 200, LIVE_CACHE


@blp.route("/guides")
class Guides(MethodView):
    @blp.response(200, GuidesSchema)
    @errors(405)
    def get(self) -> Any:
        """解绑与明细查询说明:分类 → 产品"""
        return {"categories": catalogue().guidance.categories}, 200, STATIC_CACHE


@blp.route("/guides/<string:product>")
class GuideOfProduct(MethodView):
    @blp.response(200, GuideSchema)
    @errors(404, 405)
    def get(self, product: str) -> Any:
        """一个产品的明细查询与解绑方法,以及客服电话"""
        return catalogue().guide(product), 200, STATIC_CACHE


@blp.route("/hotlines")
class Hotlines(MethodView):
    @blp.response(200, HotlinesSchema)
    @errors(405)
    def get(self) -> Any:
        """各企业、运营商的客服电话;未核实的号码为“待确认”"""
        return {"hotlines": catalogue().hotlines}, 200, STATIC_CACHE
