"""No process the suite started printed a DeprecationWarning.

The worker, the sandbox, gunicorn and the make-run stack run outside pytest, so its
filterwarnings never sees their warnings. tests/conftest.py has them print DeprecationWarnings
to their logs, and this reads what they wrote during this session. It is marked `last`, like
the privacy scan, so that every process has written its log first. Should a library ever warn
about its own internals, exclude that warning here by its message, saying why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.processes import LOG_OFFSETS, LOGS

pytestmark = pytest.mark.last


def written_this_session(path: Path) -> str:
    with open(path, "rb") as log:
        log.seek(LOG_OFFSETS.get(path.name, 0))
        return log.read().decode("utf-8", errors="replace")


def test_no_process_printed_a_deprecation_warning() -> None:
    printed = [
        f"{path.name}: {line}"
        for path in sorted(LOGS.glob("*.log"))
        for line in written_this_session(path).splitlines()
        if "DeprecationWarning: " in line  # PendingDeprecationWarning too
    ]
    assert printed == []
