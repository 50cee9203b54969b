"""Errors on the H5 pages are pages too: Chinese text with a way back, never JSON or a trace."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, make_response, render_template
from werkzeug.exceptions import HTTPException

from app.domain.errors import DomainError
from app.ports.state import StoreUnavailable
from miniprogram_api import error_table as table

log = logging.getLogger(__name__)


class PageError(Exception):
    def __init__(self, status: int, title: str, text: str) -> None:
        super().__init__(title)
        self.status, self.title, self.text = status, title, text


def message_page(status: int, title: str, text: str, link: str = "/h5/") -> Response:
    page = render_template("h5/message.html", title=title, text=text, link=link)
    return make_response(page, status)


def register(blueprint: Blueprint) -> None:
    @blueprint.errorhandler(PageError)
    def page_error(error: PageError) -> Response:
        return message_page(error.status, error.title, error.text)

    @blueprint.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        return entry_page(table.ErrorEntry(table.status_of(error), error.code, error.message))

    @blueprint.errorhandler(StoreUnavailable)
    def store_unavailable(error: StoreUnavailable) -> Response:
        log.error("state store unavailable", extra={"error": str(error)})
        return entry_page(table.STORE_UNAVAILABLE)

    @blueprint.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if error.code == 404:
            return message_page(404, table.PAGE_TITLES[404], "您访问的页面不存在")
        return message_page(
            error.code or 400, table.PAGE_TITLES[400], "请求无法处理,请返回首页重试"
        )


def entry_page(entry: table.ErrorEntry) -> Response:
    """An error of the one table, as a page: its status, a title for it, its message."""
    title = table.PAGE_TITLES.get(entry.status, table.PAGE_TITLES[400])
    return message_page(entry.status, title, entry.message)
