"""The subscriptions of a run's receive steps: opened ahead, so that no message is missed.

A message may be published between the step before a receive and the receive itself (a
service confirms an order before its HTTP answer is read), or before a sub-workflow whose
step waits for it even starts.  So when a workflow starts, and again before each of its
steps, the engine subscribes to the channel of every receive step it may still run: its own
(with the parameters known by then), and those of the workflows it may call, through a
workflow step, an action or ``dependsOn`` (with only their literal parameters: the others
are theirs to evaluate).  A parameter not known yet becomes the protocol's wildcard
(:func:`~arazzo_runner.asyncapi.brokers.subscription_filter`); where a protocol has none, the
subscription waits until the parameter is known, at the latest the step itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..asyncapi.brokers import PROTOCOLS, subscription_filter
from ..errors import ArazzoError
from ..expressions import ExpressionContext
from ..model import Step, Workflow
from .message_values import header_text
from .messaging import MOCK_SCHEME, BrokerReply, BrokerServer, Subscribe
from .operation_step import DeadlineExceeded, StepFailure

if TYPE_CHECKING:  # pragma: no cover
    from ..targets import MessageTarget
    from .engine import Engine

__all__ = ["Subscriptions", "channel_binding"]

Reachable = list[tuple[Any, Workflow, Step, bool]]  # (description, workflow, receive step, its own?)


def channel_binding(target: MessageTarget, server: BrokerServer) -> Mapping[str, Any] | None:
    """The channel's binding for the server's protocol family (``amqp``, ``mqtt``...)."""
    family = PROTOCOLS.get(server.protocol, server.protocol)
    binding = (target.operation.channel.bindings or {}).get(family)
    return binding if isinstance(binding, Mapping) else None


class Subscriptions:
    """Receive steps' subscriptions (a base of ``MessageStep``, which provides the lookups)."""

    # provided by the classes it is mixed with (MessageStep, StepValues): annotations, not
    # stubs, so that the method resolution order cannot pick a stub over the real one
    engine: Engine
    resolve_parameter: Callable[[Any, Any], tuple[Any, Any]]
    message_target: Callable[[Any, Step], MessageTarget]
    broker_server: Callable[[Any, MessageTarget, Step], BrokerServer]
    channel_address: Callable[[Any, Workflow, Step, ExpressionContext, MessageTarget], tuple[str, dict[str, str]]]
    broker_timeout: Callable[..., tuple[float, bool]]

    def subscription(
        self, step: Step, server: BrokerServer, address: str, binding: Mapping[str, Any] | None, deadline: float | None
    ) -> Any:
        """The subscription filter the step reads: the one opened ahead for it, else one now."""
        engine = self.engine
        key = (id(step), server.key)
        filter_ = engine.step_subscriptions.get(key)
        if filter_ is not None:
            return filter_
        filter_ = address if server.protocol == MOCK_SCHEME else subscription_filter(server.protocol, address, binding)
        if filter_ is None:
            raise StepFailure(
                "expression",
                f"step {step.step_id!r} cannot subscribe to channel {address!r}: a parameter has no value, and "
                f"{server.protocol} cannot subscribe to a pattern there (give it as a step parameter)",
            )
        if (server.key, filter_) not in engine.subscribed:
            timeout, cut = self.broker_timeout(deadline)
            reply: BrokerReply = yield Subscribe(server, filter_, binding, timeout)
            if reply.error is not None:
                raise _failure(reply, cut, engine)
            engine.subscribed.add((server.key, filter_))
        engine.step_subscriptions[key] = filter_
        return filter_

    def literal_address(self, description: Any, step: Step, target: MessageTarget) -> str:
        """The channel address of a step of another workflow, with only the parameters it
        writes as plain values (an expression is evaluated by that workflow, with its inputs)."""
        channel = target.operation.channel
        names = set(channel.parameter_names)
        values: dict[str, str] = {}
        for entry in step.parameters:
            parameter, raw = self.resolve_parameter(description, entry)
            if parameter.name not in names or parameter.in_ not in (None, "path"):
                continue
            if isinstance(raw, (int, float, bool)) or (isinstance(raw, str) and "$" not in raw and "{" not in raw):
                values[str(parameter.name)] = header_text(raw)
        return channel.expand(values) or ""

    def receive_steps(self, description: Any, workflow: Workflow) -> Reachable:
        """The receive steps ``workflow`` may run: its own, then those of every workflow it may
        call (workflow steps, actions, ``dependsOn``), each once."""
        key = ("receive-steps", id(description), id(workflow))
        cached: Reachable | None = self.engine.cache.get(key)
        if cached is not None:
            return cached
        found: Reachable = []
        seen: set[tuple[int, int]] = set()
        pending = [(description, workflow)]
        while pending:
            owner, current = pending.pop(0)
            if (id(owner), id(current)) in seen:
                continue
            seen.add((id(owner), id(current)))
            own = current is workflow and owner is description
            found.extend((owner, current, step, own) for step in current.steps if step.action == "receive")
            pending.extend(_called(owner, current))
        self.engine.cache[key] = found
        return found

    def subscribe_ahead(self, description: Any, workflow: Workflow, context: ExpressionContext) -> Any:
        """Open the subscriptions that can be opened now; what fails here is left for the step
        itself to report (a broker that cannot be reached is not tried again in the run)."""
        engine = self.engine
        if engine.options.dry_run:
            return
        for owner, current, step, own in self.receive_steps(description, workflow):
            if id(step) in engine.subscribed_steps:
                continue
            try:
                target = self.message_target(owner, step)
                server = self.broker_server(owner, target, step)
                if server.protocol == MOCK_SCHEME or (id(step), server.key) in engine.step_subscriptions:
                    engine.subscribed_steps.add(id(step))
                    continue
                if own:
                    address, _ = self.channel_address(owner, current, step, context, target)
                else:
                    address = self.literal_address(owner, step, target)
            except (StepFailure, ArazzoError, DeadlineExceeded):
                continue
            binding = channel_binding(target, server)
            filter_ = subscription_filter(server.protocol, address, binding)
            if filter_ is None:
                continue
            if (server.key, filter_) not in engine.subscribed:
                timeout, _ = self.broker_timeout()
                reply: BrokerReply = yield Subscribe(server, filter_, binding, timeout)
                if reply.error is not None:
                    continue
                engine.subscribed.add((server.key, filter_))
            engine.step_subscriptions[(id(step), server.key)] = filter_
            engine.subscribed_steps.add(id(step))


def _failure(reply: BrokerReply, cut_by_max_time: bool, engine: Engine) -> StepFailure:
    """A broker's refusal as the step's failure; a wait that --max-time cut short says so."""
    if reply.error_type == "timeout" and cut_by_max_time:
        return StepFailure(
            "max-time", f"the run took longer than --max-time {engine.options.max_time:g} s ({reply.error})"
        )
    return StepFailure(reply.error_type or "network", reply.error or "the broker refused")


def _called(description: Any, workflow: Workflow) -> list[tuple[Any, Workflow]]:
    """The workflows ``workflow`` may run: its workflow steps, the ``workflowId`` of the actions
    that may follow its steps, its ``dependsOn``; one that does not resolve is left out (the
    run says where it is used)."""
    from ..targets import resolve_workflow
    from .actions import merge_actions

    names: list[tuple[Any, Any]] = [(name, workflow.location) for name in workflow.depends_on]
    components = description.document.components
    for step in workflow.steps:
        if step.workflow_id is not None:
            names.append((step.workflow_id, step.location))
        for entries, defaults, kind in (
            (step.on_success, workflow.success_actions, "successActions"),
            (step.on_failure, workflow.failure_actions, "failureActions"),
        ):
            try:
                actions = merge_actions(entries, defaults, components, kind)
            except ArazzoError:
                continue
            names.extend((a.workflow_id, a.location) for a in actions if a.workflow_id is not None)
    found = []
    for name, location in names:
        try:
            target = resolve_workflow(description, name, location)
        except ArazzoError:
            continue
        found.append((target.description, target.workflow))
    return found
