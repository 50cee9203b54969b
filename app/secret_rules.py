"""What a production secret must not be (api.md, "Secrets in production").

With SANDBOX=0 the process refuses to start when a secret is short, has too few distinct
characters, is a sandbox default, or is printed anywhere in this repository: the README, docs,
the deploy examples or the source. A value anyone can read is no secret; with the sandbox's
SECRET_KEY a forged session token reads another user's tickets.
"""

from __future__ import annotations

import functools
from pathlib import Path

MIN_LENGTH = 32
MIN_DISTINCT = 10
_TEXT_SUFFIXES = frozenset(
    {".md", ".py", ".txt", ".example", ".conf", ".service", ".yaml", ".yml", ".toml", ".cfg"}
    | {".ini", ".env", ".html", ".js", ".css", ".json", ".sh", ".service", ".pem"}
)
_NOT_THE_REPOSITORY = frozenset(
    {".git", ".venv", "var", "test-artifacts", "__pycache__", ".mypy_cache", ".ruff_cache"}
    | {".pytest_cache", ".hypothesis", "node_modules", "results"}
)


def weakness(value: str, sandbox_defaults: frozenset[str], root: Path) -> str | None:
    """Why the value may not be a production secret, or None when it may."""
    if len(value) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if len(set(value)) < MIN_DISTINCT:
        return f"is made of fewer than {MIN_DISTINCT} distinct characters"
    if value in sandbox_defaults:
        return "is a sandbox default"
    if value in repository_text(root):
        return "is printed in the repository (README, docs, deploy examples or source)"
    return None


@functools.cache
def repository_text(root: Path) -> str:
    """Every text file of the repository, read once per process (only with SANDBOX=0)."""
    chunks = []
    for path in text_files(root):
        try:
            chunks.append(path.read_text(encoding="utf-8", errors="ignore"))
        except OSError:
            continue
    return "\n".join(chunks)


def text_files(directory: Path) -> list[Path]:
    found: list[Path] = []
    for entry in sorted(directory.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            if entry.name not in _NOT_THE_REPOSITORY:
                found.extend(text_files(entry))
        elif entry.suffix in _TEXT_SUFFIXES or entry.name in ("Makefile", "README"):
            found.append(entry)
    return found
