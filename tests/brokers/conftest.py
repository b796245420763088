"""Fixtures that start real message brokers on 127.0.0.1 (see servers.py).

* ``mosquitto``: one Mosquitto for the session, anonymous clients welcome (``.host``, ``.port``,
  ``.url`` = ``mqtt://127.0.0.1:PORT``, ``.log()``).
* ``mosquitto_auth``: one more that only accepts ``.users`` (MQTT_USER / MQTT_PASSWORD).
* ``rabbitmq``: one RabbitMQ node for the session (``.url`` = ``amqp://guest:guest@127.0.0.1:PORT/``,
  ``.add_user(name, password)`` for credential tests, ``.rabbitmqctl(*args)``, ``.log()``).

Each is started the first time a test asks for it and stopped, by its own process ids, when the
session ends.  Without the broker or its Python client the tests skip, saying why; with
``ARAZZO_REQUIRE_BROKERS=1`` (CI, .ci/run) they fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .servers import Mosquitto, RabbitMQ, start_mosquitto, start_rabbitmq

MQTT_USER = "arazzo"
MQTT_PASSWORD = "s3cret-mqtt"


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A Mosquitto that lets anyone connect; tests keep apart by topic names of their own."""
    broker = start_mosquitto(tmp_path_factory.mktemp("mosquitto"))
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def mosquitto_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """A Mosquitto that accepts only MQTT_USER with MQTT_PASSWORD (``.users``)."""
    broker = start_mosquitto(tmp_path_factory.mktemp("mosquitto-auth"), users={MQTT_USER: MQTT_PASSWORD})
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitMQ]:
    """One RabbitMQ node for the whole session (it takes seconds to start); tests keep apart by
    queue and exchange names of their own."""
    broker = start_rabbitmq(tmp_path_factory.mktemp("rabbitmq"))
    try:
        yield broker
    finally:
        broker.stop()
