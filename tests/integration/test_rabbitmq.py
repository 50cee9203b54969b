"""The task queue on RabbitMQ (BROKER_URL=amqp://…): queries run end to end through it, on the
suite's own RabbitMQ node (the rabbitmq_url fixture, tests/rabbitmq.py)."""

from __future__ import annotations

import pytest

from app.config import Settings
from tests.integration.flows import accounts_person, phone_cards_person, run_query
from tests.processes import start_worker, stop


@pytest.fixture(scope="module")
def rabbit_env(stack_env, rabbitmq_url):
    env = {**stack_env, "BROKER_URL": rabbitmq_url}
    worker = start_worker(env, "worker-rabbitmq.log", threads=4)
    yield env
    stop(worker)


def test_queries_run_through_rabbitmq(rabbit_env, sandbox):
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    from app import create_app

    app = create_app(Settings.from_env(rabbit_env))
    assert isinstance(app.extensions["yzt"].queue._broker, RabbitmqBroker)
    client = app.test_client()
    _, cards = run_query(client, sandbox, phone_cards_person(sandbox))
    assert cards["template"] == "phone_cards_result"
    _, accounts = run_query(client, sandbox, accounts_person(sandbox, {"qq": 3}))
    assert accounts["template"] == "internet_accounts_result" and accounts["params"]["qq"] == "3"
