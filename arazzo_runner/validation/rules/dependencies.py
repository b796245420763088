"""What runs before what, and what a ``$sourceDescriptions`` expression names.

Cycles: workflows that depend on each other through ``dependsOn``, and (Arazzo 1.1) steps of a
workflow that uses step-level ``dependsOn``, whose order the runner computes from the explicit
entries and the implicit ``$steps.<id>`` references (:mod:`arazzo_runner.step_order`).  A
workflow without step-level ``dependsOn`` runs in array order: a reference to a later step
there is the ``step-order`` rule's business, not a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Optional

from ...errors import Location
from ...model import Step, Workflow
from . import ERROR, Finding, rule

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Context

# the fixed fields of a Source Description Object, which $sourceDescriptions.<name>.<field> may name
_SOURCE_FIELDS = ("name", "url", "type")


@rule("depends-on-cycle", ERROR, "workflows (or 1.1 steps) depend on each other in a cycle")
def depends_on_cycle(context: Context) -> Iterator[Finding]:
    workflows = {w.workflow_id: w for w in context.document.workflows if isinstance(w.workflow_id, str)}
    graph = {wid: [d for d in w.depends_on if d in workflows] for wid, w in workflows.items()}
    for cycle in _cycles(graph):
        first = workflows[cycle[0]]
        where = first.location.child("dependsOn", first.depends_on.index(cycle[1 % len(cycle)]))
        yield Finding(where, "workflow dependsOn makes a cycle: " + " -> ".join(cycle + [cycle[0]]))
    for workflow in context.document.workflows:
        finding = _step_cycle(context, workflow)
        if finding is not None:
            yield finding


def _step_cycle(context: Context, workflow: Workflow) -> Optional[Finding]:
    from ...step_order import find_cycle, step_dependencies, uses_depends_on

    if not uses_depends_on(workflow):
        return None
    cycle = find_cycle(step_dependencies(workflow, context.document.components))
    if cycle is None:
        return None
    steps = {s.step_id: s for s in workflow.steps if isinstance(s.step_id, str)}
    first, following = steps[cycle[0]], cycle[1]
    implicit = any(cycle[n + 1] not in steps[cycle[n]].depends_on for n in range(len(cycle) - 1))
    how = " (a $steps.<id> reference makes a step depend on that step)" if implicit else ""
    return Finding(
        _dependency_location(context, first, following),
        "step dependsOn makes a cycle: " + " -> ".join(cycle) + how,
    )


def _dependency_location(context: Context, step: Step, target: str) -> Location:
    """Where ``step`` depends on step ``target``: its dependsOn entry, or the first
    ``$steps.<target>`` expression written in it."""
    if target in step.depends_on:
        return step.location.child("dependsOn", step.depends_on.index(target))
    for occurrence in context.values().occurrences:
        if occurrence.step is not step:
            continue
        for expression in occurrence.result.references:
            if expression.root == "steps" and expression.qualifier == target:
                return context.at_offset(occurrence.location, expression.offset)
    return step.location.child("stepId")


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each elementary cycle once (found by depth-first search, reported from its first node)."""
    found: list[list[str]] = []
    seen_sets: set[frozenset[str]] = set()
    state: dict[str, int] = {}

    # iterative: a chain of thousands of dependsOn must not exhaust Python's recursion limit
    for root in graph:
        if root in state:
            continue
        path: list[str] = [root]
        pending: list[Iterator[str]] = [iter(graph.get(root, ()))]
        state[root] = 1
        while pending:
            nxt = next(pending[-1], None)
            if nxt is None:
                pending.pop()
                state[path.pop()] = 2
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                key = frozenset(cycle)
                if key not in seen_sets:
                    seen_sets.add(key)
                    found.append(cycle)
            elif state.get(nxt) is None:
                state[nxt] = 1
                path.append(nxt)
                pending.append(iter(graph.get(nxt, ())))
    return found


@rule(
    "unknown-source-entry",
    ERROR,
    "$sourceDescriptions.<name>.<x> names no operation, workflow or field of that source",
    needs_sources=True,
)
def unknown_source_entry(context: Context) -> Iterator[Finding]:
    for occurrence in context.values().occurrences:
        for expression in occurrence.result.references:
            if expression.root != "sourceDescriptions" or not expression.qualifier or not expression.names:
                continue
            message = _source_entry_problem(context, expression.qualifier, expression.names[0])
            if message is not None:
                yield Finding(
                    context.at_offset(occurrence.location, expression.offset), f"{expression.text}: {message}"
                )


def _source_entry_problem(context: Context, name: str, entry: str) -> Optional[str]:
    """Why ``$sourceDescriptions.<name>.<entry>`` names nothing (None: it names something, or
    the source could not be read).  Arazzo 1.1: an operationId or workflowId first, then a
    field of the Source Description Object."""
    state = context.source_state(name)
    if not state.ok or entry in _SOURCE_FIELDS or entry.startswith("x-"):
        return None
    if state.type == "openapi":
        index = context.openapi(name)
        if index is None or index.operation(entry) is not None:
            return None
        return f"source {name!r} has no operation {entry!r}, and it is not a field ({', '.join(_SOURCE_FIELDS)})"
    if state.type == "asyncapi":
        ids = context.asyncapi_operation_ids(name)
        if ids is None or entry in ids:
            return None
        return f"source {name!r} has no operation {entry!r}, and it is not a field ({', '.join(_SOURCE_FIELDS)})"
    if state.type == "arazzo":
        found = context.workflow(f"$sourceDescriptions.{name}.{entry}")
        if found.status != "missing":
            return None
        return f"source {name!r} has no workflow {entry!r}, and it is not a field ({', '.join(_SOURCE_FIELDS)})"
    return None
