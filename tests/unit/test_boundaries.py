"""The core imports no framework, and importing the packages does no I/O (architecture.md)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE_DIRS = [ROOT / "app" / "domain", ROOT / "app" / "services"]
FORBIDDEN = {
    "flask",
    "flask_smorest",
    "redis",
    "dramatiq",
    "aiohttp",
    "httpx",
    "requests",
    "wechatpy",
    "alipay",
    "marshmallow",
    "sentry_sdk",
    "webargs",
    "werkzeug",
    "adapters",
    "sandbox",
}
CORE_FILES = sorted(p for d in CORE_DIRS for p in d.rglob("*.py"))


def imported_top_level_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def test_the_walker_sees_every_kind_of_import() -> None:
    source = (
        "import redis\nimport flask.json as fj\nfrom dramatiq import actor\n"
        "from . import sibling\ndef f():\n    import httpx\n"
        "if TYPE_CHECKING:\n    from adapters.sealing import AesGcmSealer\n"
    )
    assert imported_top_level_modules(source) == {"redis", "flask", "dramatiq", "httpx", "adapters"}


def test_core_files_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in CORE_FILES}
    assert {"app/domain/validation.py", "app/services/run_query.py"} <= names


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_core_imports_no_framework(path: Path) -> None:
    imported = imported_top_level_modules(path.read_text(encoding="utf-8"))
    assert not imported & FORBIDDEN, f"{path.relative_to(ROOT)} imports {imported & FORBIDDEN}"


def test_import_needs_no_environment_and_does_no_io() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import app, miniprogram_api, adapters, notices"],
        env={"PATH": os.environ["PATH"]},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# app.worker.tasks is the Dramatiq entry point (`dramatiq app.worker.tasks`): it must declare its
# broker, from
# Settings.from_env(), when it is imported. Every other module must import with no environment.
ENTRY_POINTS = {"app.worker.tasks"}
IMPORT_EVERY_MODULE = f"""
import importlib, pkgutil
failed = []
for package in ("app", "miniprogram_api", "adapters", "notices"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if info.name in {sorted(ENTRY_POINTS)!r}:
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed.append(f"{{info.name}}: {{exc!r}}")
assert not failed, failed
"""


def test_every_module_imports_with_no_environment() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE],
        env={"PATH": os.environ["PATH"]},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
