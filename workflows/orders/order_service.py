"""A small order service for the order example: an HTTP API that confirms orders over a broker.

``POST /orders`` (JSON ``{item, quantity}``, header ``X-Correlation-Id``) answers 201 with
``{id, status: pending, item, quantity}`` and publishes ``{orderId, status: confirmed,
confirmedAt}`` with the header ``correlationId`` (the request's ``X-Correlation-Id``) on the
channel ``orders/<id>/confirmed`` of the broker, as orders-asyncapi.yaml describes.  ``GET
/orders/<id>`` reads an order back.  With ``--delay 0`` (the default) the confirmation is
published before the HTTP answer is sent: a client that subscribes only after reading the
answer misses it, which is the case a workflow runner must handle.

Run it beside a broker, then the workflow::

    python workflows/orders/order_service.py --port 8080 --broker mqtt://127.0.0.1:1883
    arazzo run workflows/orders/orders.arazzo.yaml

    python workflows/orders/order_service.py --broker amqp://guest:guest@127.0.0.1:5672/ --exchange orders
    arazzo run workflows/orders/orders.arazzo.yaml --server orderEvents=amqp://guest:guest@127.0.0.1:5672/

It prints ``listening on http://127.0.0.1:PORT`` (``--port 0`` picks a free port), then one
line per order, and stops cleanly on Ctrl-C or SIGTERM.  It needs the broker extra
(``pip install arazzo-interpreter[asyncapi]``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import json
import signal
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from arazzo_runner.asyncapi.brokers import BrokerError, BrokerMessage, Connection, connect

CLOSE_TIMEOUT = 5.0


class _Stop(Exception):
    """Raised by the SIGTERM handler to leave ``serve_forever``."""


class Publisher:
    """One broker connection, on an event loop of its own thread (the HTTP server is threaded)."""

    def __init__(self, url: str, exchange: str) -> None:
        scheme = urlsplit(url).scheme.lower()
        self.url = url
        self.protocol = "amqp" if scheme.startswith("amqp") else "mqtt" if "mqtt" in scheme else scheme
        self.binding: Mapping[str, Any] | None = None
        if self.protocol == "amqp" and exchange:
            # the same exchange as the channel's amqp binding in orders-asyncapi.yaml
            self.binding = {
                "is": "routingKey",
                "exchange": {"name": exchange, "type": "topic", "durable": False, "autoDelete": False},
            }
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="order-service-broker", daemon=True)
        self.thread.start()
        self.connection: Connection = self._call(connect(self.protocol, url), 30.0)

    def _call(self, coroutine: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def publish(self, message: BrokerMessage) -> None:
        """Publish now; returns once the client library handed the message to the broker."""
        self._call(self.connection.publish(message, self.binding), 30.0)

    def close(self) -> None:
        try:
            self._call(self.connection.close(), CLOSE_TIMEOUT)
        except Exception:  # noqa: BLE001 - stopping anyway
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(CLOSE_TIMEOUT)


class OrderService:
    """The orders, and what confirming one means."""

    def __init__(self, publisher: Publisher, delay: float, decoy: bool) -> None:
        self.publisher = publisher
        self.delay = delay
        self.decoy = decoy
        self.orders: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()

    def create(self, item: str, quantity: int, correlation_id: str) -> dict[str, Any]:
        with self._lock:
            order_id = f"ord-{next(self._ids)}"
            order = self.orders[order_id] = {"id": order_id, "status": "pending", "item": item, "quantity": quantity}
            answer = dict(order)  # pending: the confirmation is news for later
        if self.delay > 0:
            timer = threading.Timer(self.delay, self.confirm, (order_id, correlation_id))
            timer.daemon = True
            timer.start()
        else:
            self.confirm(order_id, correlation_id)
        return answer

    def confirm(self, order_id: str, correlation_id: str) -> None:
        channel = f"orders/{order_id}/confirmed"
        confirmed_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"orderId": order_id, "status": "confirmed", "confirmedAt": confirmed_at}
        try:
            if self.decoy:  # another client's confirmation on the same channel: a runner must skip it
                decoy = {"correlationId": f"other-{correlation_id}"}
                self.publisher.publish(BrokerMessage(channel, _json(body), decoy, "application/json"))
            headers = {"correlationId": correlation_id}
            self.publisher.publish(BrokerMessage(channel, _json(body), headers, "application/json"))
        except (BrokerError, OSError, TimeoutError) as error:
            print(f"order {order_id}: could not publish its confirmation: {error}", file=sys.stderr, flush=True)
            return
        with self._lock:
            self.orders[order_id]["status"] = "confirmed"
        print(f"order {order_id} (correlationId {correlation_id}): confirmed on {channel}", flush=True)


def shown(url: str) -> str:
    """``url`` without its password (it is printed)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def handler_for(service: OrderService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "order-service/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # one line per order is printed instead

        def _answer(self, status: int, body: Any) -> None:
            content = _json(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0].rstrip("/") != "/orders":
                self._answer(404, {"message": f"no such path: {self.path}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                data = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                self._answer(400, {"message": "the body is not JSON"})
                return
            item = data.get("item") if isinstance(data, dict) else None
            quantity = data.get("quantity") if isinstance(data, dict) else None
            correlation_id = self.headers.get("X-Correlation-Id")
            if not isinstance(item, str) or not item:
                self._answer(400, {"message": "item: a non-empty string is required"})
            elif not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                self._answer(400, {"message": "quantity: a whole number of 1 or more is required"})
            elif not correlation_id:
                self._answer(400, {"message": "the X-Correlation-Id header is required"})
            else:
                self._answer(201, service.create(item, quantity, correlation_id))

        def do_GET(self) -> None:
            parts = self.path.split("?", 1)[0].strip("/").split("/")
            order = service.orders.get(parts[1]) if len(parts) == 2 and parts[0] == "orders" else None
            if order is None:
                self._answer(404, {"message": f"no such order: {self.path}"})
            else:
                self._answer(200, order)

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The order service of workflows/orders (HTTP + broker).")
    parser.add_argument("--port", type=int, default=8080, help="HTTP port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883",
                        help="mqtt://HOST:PORT or amqp://USER:PASSWORD@HOST:PORT/ (default %(default)s)")  # fmt: skip
    parser.add_argument("--exchange", default="orders", help="AMQP topic exchange (default %(default)s; '' for none)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before the confirmation is published")
    parser.add_argument("--decoy", action="store_true",
                        help="publish a confirmation with another correlationId first")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        publisher = Publisher(args.broker, args.exchange)
    except (BrokerError, OSError, TimeoutError) as error:
        print(f"order service: cannot connect to {shown(args.broker)}: {error}", file=sys.stderr)
        return 1
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(OrderService(publisher, args.delay, args.decoy)))
    server.daemon_threads = True

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    signal.signal(signal.SIGTERM, stop)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}, confirming on {shown(args.broker)}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        server.server_close()
        publisher.close()
    print("order service stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
