"""The core imports no framework, directly or through another module, and importing the
packages does no I/O (architecture.md)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The core: the rules, the ports, the use cases, and what the user is told (notices).
CORE_PACKAGES = ["app.domain", "app.ports", "app.services", "notices"]
CORE_DIRS = [ROOT.joinpath(*package.split(".")) for package in CORE_PACKAGES]
# Web and task frameworks, I/O clients, platform SDKs, file formats, observability and
# cryptography belong to the edges (adapters, entry points), and so do our own edge packages.
FORBIDDEN = {
    "flask",
    "flask_smorest",
    "webargs",
    "apispec",
    "werkzeug",
    "marshmallow",
    "gunicorn",
    "redis",
    "dramatiq",
    "pika",
    "aiohttp",
    "uvloop",
    "httpx",
    "requests",
    "urllib3",
    "wechatpy",
    "alipay",
    "yaml",
    "prometheus_client",
    "sentry_sdk",
    "cryptography",
    "adapters",
    "miniprogram_api",
    "sandbox",
    "bench",
}
CORE_FILES = sorted(p for d in CORE_DIRS for p in d.rglob("*.py"))
# What the core loads today that it must not, with the chain the probe reports. Its test is a
# strict xfail: once the chain is gone the test passes, which fails the run until the entry goes.
KNOWN_BREACHES: dict[str, str] = {}


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
    """Every import a core file names, even in a function or under TYPE_CHECKING, where the
    probe below, which only runs what importing does, would not see it."""
    imported = imported_top_level_modules(path.read_text(encoding="utf-8"))
    assert not imported & FORBIDDEN, f"{path.relative_to(ROOT)} imports {imported & FORBIDDEN}"


def run_import_probe(packages: list[str], pythonpath: Path | None = None) -> dict[str, Any]:
    """tests/unit/import_probe.py in a fresh interpreter with no environment."""
    env = {"PATH": os.environ["PATH"], **({"PYTHONPATH": str(pythonpath)} if pythonpath else {})}
    result = subprocess.run(
        [sys.executable, "-m", "tests.unit.import_probe", *packages],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def import_chain(importer_of: dict[str, str], module: str) -> list[str]:
    """From the first module the probe was asked for, down to `module`."""
    chain = [module]
    while (parent := importer_of.get(chain[-1])) in importer_of and parent not in chain:
        chain.append(parent)
    return chain[::-1]


def test_the_probe_follows_imports_through_other_modules(tmp_path: Path) -> None:
    (tmp_path / "core_pkg").mkdir()
    (tmp_path / "core_pkg" / "__init__.py").write_text("")
    (tmp_path / "core_pkg" / "rules.py").write_text("def f():\n    return 1\n")
    (tmp_path / "core_pkg" / "service.py").write_text("import middle\n")
    (tmp_path / "middle.py").write_text("from leaf import thing\n")
    (tmp_path / "leaf.py").write_text("thing = 1\n")
    importer_of = run_import_probe(["core_pkg"], pythonpath=tmp_path)["importer_of"]
    assert import_chain(importer_of, "leaf") == ["core_pkg.service", "middle", "leaf"]
    assert "core_pkg.rules" in importer_of


@pytest.fixture(scope="module")
def core_imports() -> dict[str, Any]:
    return run_import_probe(CORE_PACKAGES)


@pytest.mark.parametrize(
    "package",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BREACHES[name]))
        if name in KNOWN_BREACHES
        else name
        for name in sorted(FORBIDDEN)
    ],
)
def test_the_core_loads_no_framework_even_indirectly(
    core_imports: dict[str, Any], package: str
) -> None:
    """What importing every core module loads, through any chain of modules, ours or not."""
    preloaded = {name.partition(".")[0] for name in core_imports["preloaded"]}
    assert package not in preloaded, f"{package} was loaded before the core: the probe can't tell"
    importer_of: dict[str, str] = core_imports["importer_of"]
    chain = import_chain(importer_of, package) if package in importer_of else []
    assert not chain, f"the core loads {package}: {' -> '.join(chain)}"


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
