"""AsyncAPI steps (Arazzo 1.1): send a message, or wait for one; pure, like operation steps.

A send step yields a :class:`~.messaging.Publish` and completes once the driver handed the
message to the broker.  A receive step reads the subscription the run opened for its channel
(when the workflow started, or as soon as the channel's parameters were known: see
:meth:`MessageStep.subscribe_ahead`), message by message with :class:`~.messaging.Receive`,
until one is on its channel and carries its ``correlationId``; the others stay in the run's
mailbox for later receive steps.  No matching message within the step's ``timeout`` (else
``--receive-timeout``) fails the step.  The step's criteria and outputs then read the
message as ``$message.header.<name>`` / ``$message.payload``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from ..asyncapi.brokers import PROTOCOLS, BrokerMessage
from ..expressions import ExpressionContext, HttpMessage
from ..missing import MISSING
from ..model import Step, Workflow
from ..targets import MessageTarget, resolve_message
from .message_values import (
    channel_pattern,
    correlation_matches,
    decode_payload,
    encode_payload,
    header_text,
    read_location,
)
from .messaging import MOCK_SCHEME, BrokerReply, BrokerServer, Publish, Receive
from .operation_step import StepFailure
from .response_body import SECRET_HEADERS, redacted_headers
from .results import MessageReceived, MessageRecord, MessageSent, Notice, StepResult
from .step_values import StepValues
from .subscriptions import Subscriptions, _failure, channel_binding

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["MessageStep"]

_NO_BODY = SimpleNamespace(request_body=None)  # an AsyncAPI step's payload has no OpenAPI request body


class MessageStep(Subscriptions, StepValues):
    """AsyncAPI send and receive steps (a base of ``StepRunner``)."""

    engine: Engine
    credentials: Any

    # ------------------------------------------------------------ what a step talks to

    def message_target(self, description: Any, step: Step) -> MessageTarget:
        key = ("message", id(description), id(step))
        target = self.engine.cache.get(key)
        if target is None:
            target = self.engine.cache[key] = resolve_message(description, step)
        return target

    def broker_server(self, description: Any, target: MessageTarget, step: Step) -> BrokerServer:
        """The broker of ``target``: ``--server SOURCE=URL``, else the operation's first server;
        the login from the credentials of its security schemes (a password is a run secret)."""
        from .broker_login import broker_login

        options = self.engine.options
        override = options.servers.get(target.source)
        operation = target.operation
        # the document's server: its security and protocol hold even where --server (or the
        # mock) moves it
        described = operation.servers[0] if operation.servers else None
        if override is not None:
            url = override
            protocol = url.split("://", 1)[0].lower()
            family = PROTOCOLS.get(protocol, protocol)
            same = [s for s in operation.servers if PROTOCOLS.get(s.protocol.lower(), s.protocol.lower()) == family]
            version = same[0].protocol_version if same else None
        elif described is not None:
            url = described.url(options.server_variables)
            protocol = described.protocol.lower()
            version = described.protocol_version
        else:
            raise StepFailure(
                "usage",
                f"AsyncAPI source {target.source!r} names no server for channel {operation.channel.name!r}: "
                f"pass --server {target.source}=mqtt://HOST:PORT (or amqp://...)",
            )
        if protocol == MOCK_SCHEME:
            # an MQTT 3.1.1 server has no headers: the mock refuses what the real one would
            return BrokerServer(
                target.source, MOCK_SCHEME, url, protocol_version=described.protocol_version if described else None,
                stands_for=described.protocol.lower() if described else "",
            )  # fmt: skip
        security = operation.security or (described.security if described is not None else ())
        url, given_user, given_password = _split_login(url)
        username, password = broker_login(self.credentials, target.source, security, url)
        if username is None and password is None:
            username, password = given_user, given_password
        if password:
            secrets = getattr(self.credentials, "secrets", None)
            if secrets is not None:
                secrets.add(password)
        return BrokerServer(target.source, protocol, url, username, password, version)

    def channel_address(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext, target: MessageTarget
    ) -> tuple[str, dict[str, str]]:
        """The channel address with the parameters the step gives (``in: path`` or no ``in``)
        substituted, and the step's ``in: header`` parameters as message headers."""
        channel = target.operation.channel
        if channel.address is None:
            raise StepFailure(
                "document",
                f"channel {channel.name!r} of source {target.source!r} has no address to send to or receive on",
            )
        names = set(channel.parameter_names)
        values: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for (name, where), value in self.parameter_values(description, workflow, step, context).items():
            if value is MISSING:
                continue
            if where == "header":
                headers[name] = header_text(value)
            elif where in (None, "path") and name in names:
                values[name] = header_text(value)
        return channel.expand(values) or "", headers

    def broker_timeout(self, deadline: float | None = None) -> tuple[float, bool]:
        """How long a broker operation may take (``--timeout``, cut to what ``--max-time`` and
        the step's timeout leave), and whether ``--max-time`` is what cut it."""
        engine, options = self.engine, self.engine.options
        timeout = min(options.timeout, engine.remaining() or options.timeout)
        cut = timeout < options.timeout
        if deadline is not None and deadline - engine.clock() < timeout:
            timeout, cut = max(deadline - engine.clock(), 0.001), False
        return timeout, cut

    # ------------------------------------------------------------ the step

    def run_message(
        self,
        description: Any,
        workflow: Workflow,
        step: Step,
        context: ExpressionContext,
        result: StepResult,
        deadline: float | None,
    ) -> Any:
        if step.action not in ("send", "receive"):
            raise StepFailure(
                "document",
                f"step {step.step_id!r} is an AsyncAPI step without `action: send` or `action: receive`"
                if step.action is None
                else f"step {step.step_id!r} has action {step.action!r}; an AsyncAPI step sends or receives",
            )
        context.message = None  # $message is this step's from here on (a later step still sees it)
        target = self.message_target(description, step)
        server = self.broker_server(description, target, step)
        variables = self.engine.options.server_variables
        choices = tuple(candidate.url(variables) for candidate in target.operation.servers)
        yield from self.engine.server_choice(target.source, choices, choices[0] if choices else "", step.step_id)
        address, headers = self.channel_address(description, workflow, step, context, target)
        binding = channel_binding(target, server)
        if step.action == "send":
            yield from self.send_message(description, workflow, step, context, result, target, server, address,
                                         headers, binding, deadline)  # fmt: skip
        else:
            yield from self.receive_message(description, workflow, step, context, result, target, server, address,
                                            binding, deadline)  # fmt: skip

    def send_message(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext, result: StepResult,
        target: MessageTarget, server: BrokerServer, address: str, headers: dict[str, str],
        binding: Mapping[str, Any] | None, deadline: float | None,
    ) -> Any:  # fmt: skip
        if "{" in address and not self.engine.options.dry_run:
            missing = ", ".join(re.findall(r"\{([^{}]+)\}", address))
            raise StepFailure(
                "expression",
                f"step {step.step_id!r} sends to channel {target.operation.channel.address!r} without a value for "
                f"its parameter(s) {missing}: give each as a step parameter (in: path)",
            )
        payload, content_type = self.request_body(description, step, context, _NO_BODY)
        for warning in getattr(self, "request_warnings", ()):
            yield Notice(warning, step.step_id)
        declared = next((m.content_type for m in target.operation.messages if m.content_type), None)
        content_type = content_type or declared or "application/json"
        content = encode_payload(payload, content_type)
        message = BrokerMessage(address, content, headers, content_type)
        context.message = HttpMessage(headers=headers, body=payload)
        result.message = MessageRecord(
            "send", address, server.url, redacted_headers(list(headers.items()), SECRET_HEADERS),
            None if payload is MISSING else payload, server.protocol,
        )  # fmt: skip
        workflow_id, step_id = workflow.workflow_id or "", step.step_id or ""
        yield MessageSent(workflow_id, step_id, result.message)
        if self.engine.options.dry_run:
            result.status = "succeeded"
            return
        timeout, cut = self.broker_timeout(deadline)
        reply: BrokerReply = yield Publish(server, message, binding, timeout)
        if reply.error is not None:
            raise _failure(reply, cut, self.engine)
        yield from self.conclude(workflow, step, context, result, default_success=True)  # type: ignore[attr-defined]

    def receive_message(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext, result: StepResult,
        target: MessageTarget, server: BrokerServer, address: str, binding: Mapping[str, Any] | None,
        deadline: float | None,
    ) -> Any:  # fmt: skip
        engine = self.engine
        operation = target.operation
        # where it listens, until a message replaces it (a step that fails shows this)
        result.message = MessageRecord("receive", address, server.url, {}, None, server.protocol)
        correlation = None
        locations: tuple[str, ...] = ()
        if step.correlation_id is not None and step.correlation_id is not MISSING:
            locations = operation.correlation_ids
            if not locations:
                raise StepFailure(
                    "document",
                    f"step {step.step_id!r} waits for correlationId, but no message of channel "
                    f"{operation.channel.name!r} (source {target.source!r}) defines a correlationId location: "
                    "add `correlationId: {location: ...}` to the message in the AsyncAPI document",
                )
            expected = self.value(description, step.correlation_id, context)
            if expected is MISSING:
                raise StepFailure(
                    "expression",
                    f"the correlationId {step.correlation_id!r} of step {step.step_id!r} resolved to nothing",
                )
            correlation = (locations[0], expected)
        wait = step.timeout / 1000.0 if isinstance(step.timeout, (int, float)) and step.timeout > 0 else None
        wait = engine.options.receive_timeout if wait is None else wait
        until = engine.clock() + min(wait, engine.remaining())
        cut_by_max_time = engine.remaining() < wait
        if deadline is not None and deadline < until:
            until, cut_by_max_time = deadline, False
        workflow_id, step_id = workflow.workflow_id or "", step.step_id or ""
        if engine.options.dry_run:
            result.message = MessageRecord("receive", address, server.url, {}, None, server.protocol)
            yield MessageSent(workflow_id, step_id, result.message)
            result.status = "succeeded"
            return
        subscription = yield from self.subscription(step, server, address, binding, deadline)
        pattern = channel_pattern(address)
        mailbox = engine.mailboxes.setdefault((server.key, subscription), [])
        found = _take(mailbox, pattern, locations, correlation)
        while found is None:
            left = until - engine.clock()
            if left <= 0:
                break
            reply: BrokerReply = yield Receive(server, subscription, left, address, operation.messages, correlation,
                                               binding)  # fmt: skip
            if reply.error is not None:
                raise StepFailure(reply.error_type or "network", reply.error)
            if reply.message is None:
                break
            mailbox.append(reply.message)
            found = _take(mailbox, pattern, locations, correlation)
        if found is None:
            which = f" with correlation id {correlation[1]!r}" if correlation is not None else ""
            if cut_by_max_time:
                raise StepFailure(
                    "max-time",
                    f"the run took longer than --max-time {engine.options.max_time:g} s "
                    f"(step {step.step_id!r} was waiting for a message{which} on channel {address!r})",
                )
            raise StepFailure(
                "timeout",
                f"no message{which} arrived on channel {address!r} within {_waited(step, wait)}",
            )
        payload = decode_payload(found.payload, found.content_type)
        context.message = HttpMessage(headers=dict(found.headers), body=payload)
        result.message = MessageRecord(
            "receive", found.channel, server.url, redacted_headers(list(found.headers.items()), SECRET_HEADERS),
            None if payload is MISSING else payload, server.protocol,
        )  # fmt: skip
        yield MessageReceived(workflow_id, step_id, result.message)
        yield from self.conclude(workflow, step, context, result, default_success=True)  # type: ignore[attr-defined]


def _waited(step: Step, wait: float) -> str:
    if isinstance(step.timeout, (int, float)) and step.timeout > 0:
        return f"the step's timeout of {step.timeout} ms"
    return f"{wait:g} s (--receive-timeout; give the step a timeout to wait longer or less)"


def _take(
    mailbox: list[BrokerMessage],
    pattern: re.Pattern[str],
    locations: tuple[str, ...],
    correlation: tuple[str, Any] | None,
) -> BrokerMessage | None:
    """Remove and return the first message of ``mailbox`` on the channel with the correlation id,
    read at any of the ``locations`` the channel's messages define (a channel may carry
    messages of several kinds, each with its own)."""
    for position, message in enumerate(mailbox):
        if not pattern.fullmatch(message.channel):
            continue
        if correlation is not None:
            payload = decode_payload(message.payload, message.content_type)
            if not any(
                correlation_matches(read_location(location, message, payload), correlation[1]) for location in locations
            ):
                continue
        del mailbox[position]
        return message
    return None


def _split_login(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its user info, and the user name and password it held (decoded)."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    host = parts.netloc.rsplit("@", 1)[1]
    plain = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return plain, username, password
