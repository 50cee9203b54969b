"""The one error table: every error has its status, a stable snake_case code and Chinese text."""

from __future__ import annotations

import re

from app.domain import errors as domain
from miniprogram_api import error_table as table

SNAKE = re.compile(r"[a-z]+(_[a-z]+)*")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def every_domain_error() -> set[type[domain.DomainError]]:
    found, todo = set(), [domain.DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_every_domain_error_has_its_own_status() -> None:
    assert every_domain_error() == set(table.DOMAIN_STATUS)
    for error, status in table.DOMAIN_STATUS.items():
        assert 400 <= status < 600 and SNAKE.fullmatch(error.code), error


def test_every_entry_has_a_stable_code_and_a_chinese_message() -> None:
    named = [value for value in vars(table).values() if isinstance(value, table.ErrorEntry)]
    for entry in [*table.HTTP.values(), *named]:
        assert SNAKE.fullmatch(entry.code) and CHINESE.search(entry.message), entry
    assert all(status == entry.status for status, entry in table.HTTP.items())


def test_an_unknown_status_still_answers_in_the_shape() -> None:
    assert table.of_status(418) == table.ErrorEntry(418, "http_error", "请求无法处理")
    assert table.status_of(domain.CodeExpired()) == 400
