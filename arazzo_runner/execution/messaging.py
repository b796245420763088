"""The effects of AsyncAPI steps (Arazzo 1.1): subscribe, publish, receive; pure data.

The engine yields them as it yields :class:`~.engine.Send` for HTTP; a driver performs them
with the broker seam (:mod:`arazzo_runner.asyncapi.brokers`, :mod:`.brokers_driver`) or the
in-process mock broker (``mock://`` servers, :mod:`arazzo_runner.mock.broker`) and answers each
with a :class:`BrokerReply`.  A driver opens one connection per run and server
(:attr:`BrokerServer.key`) on first use, and closes them all when the run ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..asyncapi.brokers import BrokerMessage
from ..asyncapi.objects import Message

__all__ = ["BrokerServer", "Subscribe", "Publish", "Receive", "BrokerReply", "BROKER_EFFECTS", "MOCK_SCHEME"]

MOCK_SCHEME = "mock"
"""The protocol of a server the in-process mock broker stands in for (``mock://<source>``)."""


@dataclass(frozen=True, slots=True)
class BrokerServer:
    """A broker a run connects to: the AsyncAPI source, its ``protocol`` (``mqtt``, ``amqp``,
    ``mock``...), the ``url`` without credentials, and the login (the password is a run secret)."""

    source: str
    protocol: str
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    protocol_version: str | None = None
    stands_for: str = ""  # a mock:// server: the protocol of the server it stands in for

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        """One connection per distinct key in a run (an MQTT 3.1.1 and an MQTT 5 server on one
        host and port are two connections: one cannot carry the other's headers)."""
        return (self.protocol, self.url, self.username, self.protocol_version)


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Effect: start receiving on ``filter`` (a channel address, or its protocol wildcard form)
    now, buffering; the reply's ``error`` says when the broker refused."""

    server: BrokerServer
    filter: str
    binding: Mapping[str, Any] | None = None
    timeout: float = 30.0  # seconds for the whole of it, connecting included


@dataclass(frozen=True, slots=True)
class Publish:
    """Effect: hand ``message`` to the broker; the reply comes once the client library did."""

    server: BrokerServer
    message: BrokerMessage
    binding: Mapping[str, Any] | None = None
    timeout: float = 30.0  # seconds for the whole of it, connecting included


@dataclass(frozen=True, slots=True)
class Receive:
    """Effect: the next message buffered on the subscription ``filter`` within ``timeout``
    seconds (the reply's ``message`` is None when none came).

    The engine filters what comes back (channel, correlation id) and asks again; the rest is
    for a broker stand-in to make a fitting message: ``address`` is the channel address with
    the parameters the step knows substituted, ``messages`` the AsyncAPI messages the channel
    may carry, ``correlation`` the (location, value) the step waits for, or None.
    """

    server: BrokerServer
    filter: str
    timeout: float
    address: str = ""
    messages: tuple[Message, ...] = ()
    correlation: tuple[str, Any] | None = None
    binding: Mapping[str, Any] | None = None


@dataclass(slots=True)
class BrokerReply:
    """What came back for a broker effect: the message received (Receive), or an error."""

    message: BrokerMessage | None = None
    error: str | None = None
    error_type: str | None = None  # network (broker unreachable, refused), timeout, unsupported


BROKER_EFFECTS = (Subscribe, Publish, Receive)
"""The effects a driver hands to its broker session (``isinstance(item, BROKER_EFFECTS)``)."""
