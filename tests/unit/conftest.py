"""Fixtures of the unit tests: a fresh world of fakes per test (tests/unit/world.py)."""

from __future__ import annotations

import types

import pytest

from tests.unit.world import World, delivery_module, make_world


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The result SMS retries with jittered backoff; jitter 0 keeps the unit tests fast."""
    monkeypatch.setattr(delivery_module, "random", types.SimpleNamespace(uniform=lambda a, b: 0))
