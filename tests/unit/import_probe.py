"""`python -m tests.unit.import_probe PACKAGE...` imports the packages and all their modules,
and prints as JSON every module that this loaded, with the module whose import loaded it.

Run in a fresh interpreter, so what it loads is what those packages need, however indirectly:
tests/unit/test_boundaries.py reads from it which frameworks the core pulls in, and through
which chain of imports.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import FrameType, ModuleType

# Frames of the import system itself, between an import statement and the finders.
MACHINERY = {"importlib", "importlib._bootstrap", "importlib._bootstrap_external"}
MACHINERY |= {"_frozen_importlib", "_frozen_importlib_external"}


class ImporterRecorder:
    """A meta-path finder that finds nothing: it notes who asked for each module, then lets the
    real finders load it."""

    def __init__(self) -> None:
        self.importer_of: dict[str, str] = {}

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        self.importer_of.setdefault(name, importer(sys._getframe(1)))
        return None


def importer(frame: FrameType | None) -> str:
    """The module whose code is running the import: the first frame outside the machinery."""
    while frame is not None and frame.f_globals.get("__name__") in MACHINERY:
        frame = frame.f_back
    return str(frame.f_globals.get("__name__")) if frame is not None else "?"


def probe(packages: Sequence[str]) -> dict[str, str]:
    """{module: the module that imported it} for every module the packages loaded."""
    already = set(sys.modules)
    recorder = ImporterRecorder()
    sys.meta_path.insert(0, recorder)
    for name in packages:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), name + "."):
            importlib.import_module(info.name)
    sys.meta_path.remove(recorder)
    loaded = set(sys.modules) - already
    return {name: recorder.importer_of.get(name, "?") for name in sorted(loaded)}


if __name__ == "__main__":
    print(json.dumps({"preloaded": sorted(sys.modules), "importer_of": probe(sys.argv[1:])}))
