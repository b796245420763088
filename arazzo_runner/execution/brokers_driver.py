"""Performing the broker effects of a run (:mod:`.messaging`): connections, subscriptions,
the mock broker; the only code that talks to brokers.

:class:`BrokerSession` is one run's, on asyncio: it opens one connection per server on first
use (a server that could not be reached is not tried again in the same run, which would wait
for the connect timeout at every step), keeps each subscription, and closes everything in
:meth:`BrokerSession.close`.  ``mock://`` servers go to the run's in-process mock brokers.
:class:`SyncBrokers` runs a session on an event loop of its own thread, for the synchronous
``Runner.run`` / ``iter_events``; it is started only when a run meets a real broker.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Mapping
from typing import Any

from ..asyncapi.brokers import BrokerError, Connection, Subscription, connect
from .messaging import MOCK_SCHEME, BrokerReply, BrokerServer, Publish, Receive, Subscribe

__all__ = ["BrokerSession", "SyncBrokers"]
CLOSE_TIMEOUT = 5.0  # seconds to close the connections when a run ends (broker gone: do not hang)
RECEIVE_MARGIN = 1.0


class BrokerSession:
    """The connections and subscriptions of one run."""

    def __init__(self, mocks: Mapping[str, Any] | None = None) -> None:
        self.mocks = dict(mocks or {})
        self.connections: dict[Any, Connection] = {}
        self.failed: dict[Any, BrokerReply] = {}
        self.subscriptions: dict[tuple[Any, str], Subscription] = {}

    def mock_reply(self, effect: Any) -> BrokerReply:
        """A ``mock://`` server's effect, answered by the source's mock broker."""
        mock = self.mocks.get(effect.server.source)
        if mock is None:
            return BrokerReply(error=f"source {effect.server.source!r} has no mock broker", error_type="usage")
        if isinstance(effect, Subscribe):
            return mock.subscribe(effect)  # type: ignore[no-any-return]
        if isinstance(effect, Publish):
            refusal = _mqtt3_refusal(effect)
            if refusal is not None:
                return BrokerReply(error=refusal, error_type="network")
            return mock.publish(effect)  # type: ignore[no-any-return]
        return mock.receive(effect)  # type: ignore[no-any-return]

    async def perform(self, effect: Any) -> BrokerReply:
        """Subscribe, publish or receive, within the effect's timeout (a broker that accepts the
        connection and then says nothing must not hold the run); a broker's refusal is the
        reply's error, never raised."""
        if effect.server.protocol == MOCK_SCHEME:
            return self.mock_reply(effect)
        # a Receive returns by itself at its timeout: the margin is for connecting first
        limit = effect.timeout + (RECEIVE_MARGIN if isinstance(effect, Receive) else 0.0)
        try:
            return await asyncio.wait_for(self._perform(effect), max(limit, 0.001))
        except asyncio.TimeoutError:
            server = effect.server
            reply = BrokerReply(
                error=f"the broker at {server.url} did not answer within {limit:g} s", error_type="timeout"
            )
            if server.key not in self.connections:
                self.failed[server.key] = reply  # never connected: do not wait for it again
            return reply

    async def _perform(self, effect: Any) -> BrokerReply:
        try:
            if isinstance(effect, Subscribe):
                await self._subscribe(effect.server, effect.filter, effect.binding)
                return BrokerReply()
            if isinstance(effect, Publish):
                connection = await self._connection(effect.server)
                await connection.publish(effect.message, effect.binding)
                return BrokerReply()
            subscription = self.subscriptions.get((effect.server.key, effect.filter))
            if subscription is None:
                subscription = await self._subscribe(effect.server, effect.filter, effect.binding)
            return BrokerReply(message=await subscription.next(effect.timeout))
        except _Failed as failed:
            return failed.reply
        except BrokerError as error:
            return BrokerReply(error=error.message, error_type=error.kind)

    async def _connection(self, server: BrokerServer) -> Connection:
        key = server.key
        connection = self.connections.get(key)
        if connection is not None:
            return connection
        if key in self.failed:
            raise _Failed(self.failed[key])
        try:
            connection = await connect(
                server.protocol, server.url, username=server.username, password=server.password,
                protocol_version=server.protocol_version,
            )  # fmt: skip
        except BrokerError as error:
            reply = self.failed[key] = BrokerReply(error=error.message, error_type=error.kind)
            raise _Failed(reply) from None
        self.connections[key] = connection
        return connection

    async def _subscribe(self, server: BrokerServer, filter_: str, binding: Any) -> Subscription:
        existing = self.subscriptions.get((server.key, filter_))
        if existing is not None:
            return existing
        connection = await self._connection(server)
        subscription = await connection.subscribe(filter_, binding)
        self.subscriptions[(server.key, filter_)] = subscription
        return subscription

    async def close(self) -> None:
        """Close every connection (each within CLOSE_TIMEOUT; errors do not mask the run's)."""
        connections, self.connections = list(self.connections.values()), {}
        self.subscriptions.clear()
        for connection in connections:
            try:
                await asyncio.wait_for(connection.close(), CLOSE_TIMEOUT)
            except Exception:  # noqa: BLE001 - the run's outcome is what matters now
                pass


def _mqtt3_refusal(effect: Publish) -> str | None:
    """What a real MQTT 3.1.1 server's client would refuse (headers, a correlation id), said the
    same way, so that a workflow that passes on the mock does not fail on the broker for it."""
    from ..asyncapi.brokers import PROTOCOLS

    server, message = effect.server, effect.message
    if PROTOCOLS.get(server.stands_for) != "mqtt" or not str(server.protocol_version or "5").startswith(("3", "4")):
        return None
    lacking = [
        name for name, value in (("headers", message.headers), ("a correlation id", message.correlation_id)) if value
    ]
    if not lacking:
        return None
    return (
        f"cannot send {' and '.join(lacking)} to {message.channel!r}: MQTT server {server.url} (mocked) is spoken "
        "to in MQTT 3.1.1, which has no message headers (use MQTT 5, protocolVersion 5)"
    )


class _Failed(Exception):
    def __init__(self, reply: BrokerReply) -> None:
        super().__init__(reply.error)
        self.reply = reply


class SyncBrokers:
    """A BrokerSession for synchronous runs: mock effects are answered at once; the others
    on an event loop in a daemon thread, started on first use and stopped by :meth:`close`."""

    def __init__(self, mocks: Mapping[str, Any] | None = None) -> None:
        self.session = BrokerSession(mocks)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def perform(self, effect: Any) -> BrokerReply:
        if effect.server.protocol == MOCK_SCHEME:
            return self.session.mock_reply(effect)
        return self._call(self.session.perform(effect))

    def _call(self, coroutine: Coroutine[Any, Any, BrokerReply]) -> BrokerReply:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="arazzo-brokers", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def close(self) -> None:
        """Close the connections, end what the client libraries left running (a connect cut
        short, a reader) and stop the thread; also after Ctrl-C in :meth:`perform`."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None
        try:
            future = asyncio.run_coroutine_threadsafe(_close_all(self.session), loop)
            future.result(CLOSE_TIMEOUT * 2)
        except BaseException:  # noqa: BLE001 - closing must not mask the run's own outcome
            pass
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(CLOSE_TIMEOUT)
            if not thread.is_alive():
                loop.close()


async def _close_all(session: BrokerSession) -> None:
    """The session closed, then every other task of the loop cancelled and awaited, so that
    none is destroyed pending with the loop (which the libraries report as tracebacks)."""
    await session.close()
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT)
