"""The flow of one workflow as a graph: its steps in execution order and every way out of each.

:func:`flow_of` reads the model (and, when it loads, the OpenAPI description of each
operation, for its method and path) and returns a :class:`Flow`: plain nodes and edges that
the renderers (:mod:`.mermaid`, :mod:`.dot`, :mod:`.svg`) draw without knowing Arazzo.

What the edges mean follows the engine (docs/decisions.md #2, #3, #4, #8):

* ``next``: to the next step in execution order, or to the ``succeeded`` end after the last
  one; left out when an unconditional success action always takes over;
* ``success``: an ``onSuccess`` / ``successActions`` action (merged by name), ``end`` to
  ``succeeded``, ``goto`` to a step or to a workflow;
* ``failure``: a failure action's ``end`` (to ``failed``) or ``goto``, and the implicit
  failure (to ``failed``) unless an unconditional ``end`` or ``goto`` catches every failure;
* ``retry``: a self-loop, labelled with its limit and delay (a spent retry falls through);
* ``depends``: a step ``dependsOn`` a step of the same workflow.

Actions after an unconditional one can never run, so they are not drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ArazzoError, UsageError
from ..execution.actions import merge_actions, retry_limit
from ..model import Components, Criterion, FailureAction, Step, SuccessAction, Workflow
from .text import shorten

if TYPE_CHECKING:  # pragma: no cover
    from ..loading.sources import Description

__all__ = ["STEP_KINDS", "Edge", "EdgeKind", "Flow", "Node", "NodeKind", "flow_of"]

NodeKind = Literal["start", "operation", "workflow", "asyncapi", "step", "end", "goto_workflow", "missing"]
EdgeKind = Literal["next", "success", "failure", "retry", "depends"]

STEP_KINDS = frozenset({"operation", "workflow", "asyncapi", "step"})
SUCCEEDED = "succeeded"
FAILED = "failed"
_CRITERIA_WIDTH = 40


@dataclass(frozen=True, slots=True)
class Node:
    """One box of the drawing.  ``id`` is safe in every output format (``start``, ``s0``,
    ``s1``, ``succeeded``, ``failed``, ``w0``, ``m0``)."""

    id: str
    kind: NodeKind
    label: str  # the stepId, "start", "succeeded", "failed", or a workflow id
    detail: str = ""  # a second line: "POST /v1/Services", "workflow add-task", ...
    tooltip: str = ""  # longer text: operationId, the step's description, outside dependencies
    step_id: str | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """One arrow.  ``label`` is what is drawn; ``action`` and ``criteria`` are its parts."""

    source: str
    target: str
    kind: EdgeKind
    label: str = ""
    action: str | None = None
    criteria: str = ""


@dataclass(frozen=True, slots=True)
class Flow:
    """A workflow's nodes (start, the steps in execution order, the ends that are reached,
    then goto targets outside the steps) and edges, in a deterministic order."""

    workflow_id: str
    summary: str | None
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node(self, node_id: str) -> Node:
        """The node with this id (KeyError when there is none)."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    @property
    def steps(self) -> tuple[Node, ...]:
        """The step nodes, in execution order."""
        return tuple(node for node in self.nodes if node.kind in STEP_KINDS)


def flow_of(description: Description, workflow_id: str) -> Flow:
    """The flow of workflow ``workflow_id`` of the entry document.

    Never fails because a source description does not load (the step then shows its
    operationId); an unknown ``workflow_id`` raises :class:`UsageError` listing the ids.
    """
    document = description.document
    workflow = document.workflow(workflow_id)
    if workflow is None:
        known = ", ".join(str(w.workflow_id) for w in document.workflows) or "none"
        raise UsageError(f"no workflow {workflow_id!r} in {description.file} (workflows: {known})")
    return _Builder(description, workflow, document.components).build()


class _Builder:
    def __init__(self, description: Description, workflow: Workflow, components: Components | None) -> None:
        self.description = description
        self.workflow = workflow
        self.components = components
        self.steps = _ordered_steps(workflow, components)
        self.ids: dict[str, str] = {}  # stepId -> node id (the first step with that id)
        for position, step in enumerate(self.steps):
            if step.step_id is not None:
                self.ids.setdefault(step.step_id, f"s{position}")
        self.extra: dict[tuple[str, str], Node] = {}  # (kind, name) -> node outside the steps
        self.edges: list[Edge] = []

    def build(self) -> Flow:
        workflow = self.workflow
        after = ", ".join(workflow.depends_on)
        start = Node("start", "start", "start", f"after {shorten(after, 40)}" if after else "", tooltip=after)
        nodes = [start] + [self._step_node(position, step) for position, step in enumerate(self.steps)]
        self.edges.append(Edge("start", nodes[1].id if len(nodes) > 1 else self._end(SUCCEEDED), "next"))
        for position, step in enumerate(self.steps):
            self._step_edges(position, step)
        # the ends come right after the last step (its "next" edge is then a straight line)
        nodes.extend(self.extra.pop(key) for key in (("end", SUCCEEDED), ("end", FAILED)) if key in self.extra)
        nodes.extend(self.extra.values())
        return Flow(str(workflow.workflow_id), workflow.summary, tuple(nodes), tuple(self.edges))

    # ------------------------------------------------------------------------- nodes

    def _step_node(self, position: int, step: Step) -> Node:
        kind: NodeKind = step.kind or "step"
        detail, tooltip = _target_text(self.description, step)
        outside = [name for name in step.depends_on if name not in self.ids]
        notes = [tooltip, " ".join((step.description or "").split())]
        if outside:
            notes.append("dependsOn " + ", ".join(outside))
        label = step.step_id if step.step_id is not None else f"step {position + 1}"
        return Node(f"s{position}", kind, label, detail, " · ".join(n for n in notes if n), step.step_id)

    def _end(self, outcome: str) -> str:
        self.extra.setdefault(("end", outcome), Node(outcome, "end", outcome))
        return outcome

    def _workflow_target(self, workflow_id: str) -> str:
        key = ("goto_workflow", workflow_id)
        if key not in self.extra:
            number = sum(1 for kind, _ in self.extra if kind == "goto_workflow")
            self.extra[key] = Node(
                f"w{number}", "goto_workflow", workflow_id, "workflow", f"goto workflow {workflow_id}"
            )
        return self.extra[key].id

    def _step_target(self, step_id: str) -> str:
        found = self.ids.get(step_id)
        if found is not None:
            return found
        key = ("missing", step_id)
        if key not in self.extra:
            number = sum(1 for kind, _ in self.extra if kind == "missing")
            self.extra[key] = Node(f"m{number}", "missing", step_id, "no such step", f"no step {step_id!r}")
        return self.extra[key].id

    def _action_target(self, action: SuccessAction | FailureAction) -> str | None:
        if action.step_id is not None:
            return self._step_target(action.step_id)
        if action.workflow_id is not None:
            return self._workflow_target(action.workflow_id)
        return None

    # ------------------------------------------------------------------------- edges

    def _step_edges(self, position: int, step: Step) -> None:
        here = f"s{position}"
        for name in step.depends_on:
            source = self.ids.get(name)
            if source is not None:
                self.edges.append(Edge(source, here, "depends", "dependsOn"))
        workflow = self.workflow
        falls_through = True
        for action in _merged(step.on_success, workflow.success_actions, self.components, "successActions"):
            target = self._end(SUCCEEDED) if action.type == "end" else None
            if action.type == "goto":
                target = self._action_target(action)
            if target is None:
                continue  # an unknown type or a goto to nowhere: validation reports it
            self.edges.append(_action_edge(here, target, "success", action, action.type or ""))
            if not action.criteria:
                falls_through = False
                break
        if falls_through:
            following = f"s{position + 1}" if position + 1 < len(self.steps) else self._end(SUCCEEDED)
            self.edges.append(Edge(here, following, "next"))
        handled = False
        for action in _merged(step.on_failure, workflow.failure_actions, self.components, "failureActions"):
            if not isinstance(action, FailureAction):
                continue
            if action.type == "retry":
                if retry_limit(action) == 0:
                    continue  # allows no retry: it never runs
                self.edges.append(_action_edge(here, here, "retry", action, _retry_text(action)))
                continue  # a spent retry falls through to the next failure action
            target = self._end(FAILED) if action.type == "end" else None
            if action.type == "goto":
                target = self._action_target(action)
            if target is None:
                continue
            self.edges.append(_action_edge(here, target, "failure", action, action.type or ""))
            if not action.criteria:
                handled = True
                break
        if not handled:
            self.edges.append(Edge(here, self._end(FAILED), "failure", "failure"))


def _ordered_steps(workflow: Workflow, components: Components | None) -> list[Step]:
    from ..step_order import execution_order

    order = execution_order(workflow, components)
    # a dependency cycle cannot run, but it can be drawn: the dependsOn edges show the cycle
    return [workflow.steps[i] for i in (order if order is not None else range(len(workflow.steps)))]


def _merged(
    step_entries: Sequence[Any], workflow_entries: Sequence[Any], components: Components | None, kind: str
) -> list[SuccessAction | FailureAction]:
    """Step actions, then the workflow's not redefined by name (as the engine merges them);
    an entry whose ``$components`` reference does not resolve is left out, not fatal."""

    def resolved(entries: Iterable[Any]) -> list[SuccessAction | FailureAction]:
        found: list[SuccessAction | FailureAction] = []
        for entry in entries:
            try:
                found.extend(merge_actions([entry], (), components, kind))
            except ArazzoError:
                continue
        return found

    merged = resolved(step_entries)
    names = {action.name for action in merged}
    merged.extend(action for action in resolved(workflow_entries) if action.name not in names)
    return merged


def _action_edge(source: str, target: str, kind: EdgeKind, action: SuccessAction | FailureAction, what: str) -> Edge:
    criteria = _criteria_text(action.criteria)
    name = action.name if action.name is not None else what
    label = f"{name}: {criteria}" if criteria else name
    if kind == "retry":
        label = (f"{action.name} ({what})" if action.name is not None else what) + (f": {criteria}" if criteria else "")
    return Edge(source, target, kind, label, action.name, criteria)


def _retry_text(action: FailureAction) -> str:
    parts = [f"retry ×{retry_limit(action)}"]
    if isinstance(action.retry_after, (int, float)) and action.retry_after:
        parts.append(f"after {action.retry_after:g}s")
    if action.step_id is not None:
        parts.append(f"then via {action.step_id}")
    elif action.workflow_id is not None:
        parts.append(f"then via workflow {action.workflow_id}")
    return ", ".join(parts)


def _criteria_text(criteria: Sequence[Criterion]) -> str:
    parts = []
    for criterion in criteria:
        kind = criterion.type if isinstance(criterion.type, str) or criterion.type is None else criterion.type.type
        condition = " ".join(str(criterion.condition or "").split())
        if kind in (None, "simple"):
            parts.append(condition)
        else:
            parts.append(f"{criterion.context or ''} {kind} {condition}".strip())
    return shorten(" && ".join(parts), _CRITERIA_WIDTH)


def _target_text(description: Description, step: Step) -> tuple[str, str]:
    """The step's second line and tooltip: METHOD /path when the operation resolves."""
    if step.kind == "workflow":
        return f"workflow {step.workflow_id}", ""
    if step.kind == "asyncapi":
        return " ".join(str(p) for p in (step.action, step.channel_path or step.operation_id) if p), ""
    if step.kind != "operation":
        return "no operation", ""
    named = step.operation_id or step.operation_path or ""
    try:
        from ..targets import resolve_operation

        operation = resolve_operation(description, step).operation
        return f"{operation.method.upper()} {operation.path}", str(operation.operation_id or named)
    except (ArazzoError, OSError, ValueError):
        pass  # a source that does not load must not stop the drawing
    if step.operation_id is None and step.operation_path is not None:
        return _path_text(step.operation_path), named
    return named, ""


def _path_text(operation_path: str) -> str:
    """``{$sourceDescriptions.api.url}#/paths/~1pets~1{id}/get`` -> ``GET /pets/{id}``."""
    from urllib.parse import unquote

    _, _, pointer = operation_path.partition("#")
    tokens = [unquote(t).replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    if len(tokens) == 3 and tokens[0] == "paths":
        return f"{tokens[2].upper()} {tokens[1]}"
    return shorten(operation_path, 48)
