"""GET /healthz (the process is up) and GET /readyz (Redis answers, a worker beat recently)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from app.web.services import services


def init_app(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> Any:
        store_ok, worker_ok = services().liveness.check()
        state = {"redis": "ok" if store_ok else "down", "worker": "ok" if worker_ok else "down"}
        response = jsonify(state)
        response.status_code = 200 if store_ok and worker_ok else 503
        return response
