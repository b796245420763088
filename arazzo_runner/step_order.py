"""The order the steps of a workflow run in, from their explicit and implicit dependencies.

Arazzo 1.1 lets a step name, in ``dependsOn``, the steps that must have completed before it
runs; a ``$steps.<id>`` reference anywhere in a step (parameters, request body, criteria,
outputs, the criteria and parameters of its actions) is an implicit dependency on step
``<id>``.  A runner that runs steps one after another must run them in an order that meets
both (Arazzo 1.1, "Step Dependencies and Execution Order").

A workflow in which no step uses ``dependsOn`` runs in array order, as in Arazzo 1.0 (a
reference to a later step is then a mistake validation reports).  Otherwise the order is the
stable topological one: of the steps whose dependencies have all been placed, the one
written first goes next, so steps already in a good order keep it.

Only plain ``stepId`` entries of ``dependsOn`` order the workflow's own steps; entries naming
a step of another workflow (``$workflows.<id>.steps.<stepId>``, ``$sourceDescriptions...``)
are checked when the step is about to run.  Everything here is pure, works on the model
alone, and takes time linear in the size of the workflow (a heap adds a log factor).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .errors import DocumentError, ExpressionError
from .expressions.ast import RuntimeExpression
from .expressions.check import check_condition, check_expression, check_value
from .expressions.parser import parse_template
from .missing import MISSING
from .model import (
    Components,
    Criterion,
    FailureAction,
    Parameter,
    ReusableObject,
    Selector,
    Step,
    SuccessAction,
    Workflow,
)

__all__ = [
    "step_references",
    "step_dependencies",
    "index_dependencies",
    "find_cycle",
    "execution_order",
    "cycle_error",
    "uses_depends_on",
]


def uses_depends_on(workflow: Workflow) -> bool:
    """Whether any step of the workflow declares ``dependsOn`` (then the order is computed)."""
    return any(step.depends_on for step in workflow.steps)


def step_references(step: Step, components: Components | None = None) -> list[str]:
    """The stepIds the step's ``$steps.<id>`` references name, first mention first, once each.

    Expressions that do not parse are skipped (validation reports them).  ``components``
    resolves Reusable Objects (``$components.parameters.x``, ``$components.successActions.y``);
    without it their contents are not looked at.
    """
    found: dict[str, None] = {}
    for expression in _expressions(step, components):
        if expression.root == "steps" and expression.qualifier:
            found.setdefault(expression.qualifier, None)
    return list(found)


def index_dependencies(workflow: Workflow, components: Components | None = None) -> list[list[int]]:
    """For each step (by index), the indices of the steps it depends on, in a stable order.

    Explicit ``dependsOn`` entries that are plain stepIds come first, then the implicit
    ``$steps`` references.  A stepId names the first step that has it; names that are no
    step of the workflow, and a step's references to its own outputs, are left out (an
    explicit ``dependsOn`` on the step itself is kept: it is a cycle).
    """
    first: dict[str, int] = {}
    for number, step in enumerate(workflow.steps):
        if step.step_id is not None:
            first.setdefault(step.step_id, number)
    result: list[list[int]] = []
    for number, step in enumerate(workflow.steps):
        seen: dict[int, None] = {}
        for name in step.depends_on:
            target = first.get(name) if not name.startswith("$") else None
            if target is not None:
                seen.setdefault(target, None)
        for name in step_references(step, components):
            target = first.get(name)
            if target is not None and target != number:
                seen.setdefault(target, None)
        result.append(list(seen))
    return result


def step_dependencies(workflow: Workflow, components: Components | None = None) -> dict[str, list[str]]:
    """stepId -> the local stepIds it depends on (explicit ``dependsOn`` entries naming a
    step of this workflow, then implicit ``$steps.<id>`` references), in a stable order.

    Only ids of existing steps appear; a stepId given to several steps is the first of them.
    """
    steps = workflow.steps
    dependencies: dict[str, list[str]] = {}
    for number, targets in enumerate(index_dependencies(workflow, components)):
        step_id = steps[number].step_id
        if step_id is None or step_id in dependencies:
            continue
        dependencies[step_id] = [steps[target].step_id or "" for target in targets]
    return dependencies


def find_cycle(dependencies: Mapping[str, Sequence[str]]) -> list[str] | None:
    """One cycle of the dependency graph as ``[a, b, ..., a]`` (a depends on b ...), or None.

    The search is iterative (chains of thousands of steps do not exhaust Python's recursion)
    and deterministic: nodes and their dependencies are taken in the order given.  Names that
    are not keys have no dependencies.
    """
    done: set[str] = set()
    for start in dependencies:
        if start in done:
            continue
        path: list[str] = [start]
        on_path: dict[str, int] = {start: 0}
        iterators: list[Iterator[str]] = [iter(dependencies.get(start, ()))]
        while iterators:
            following = next(iterators[-1], None)
            if following is None:
                iterators.pop()
                finished = path.pop()
                del on_path[finished]
                done.add(finished)
                continue
            if following in on_path:
                return [*path[on_path[following] :], following]
            if following in done:
                continue
            on_path[following] = len(path)
            path.append(following)
            iterators.append(iter(dependencies.get(following, ())))
    return None


def execution_order(workflow: Workflow, components: Components | None = None) -> list[int] | None:
    """The indices of the workflow's steps in the order they run; None when they depend on
    each other in a cycle.

    Array order when no step uses ``dependsOn``; otherwise Kahn's algorithm, taking among
    the steps whose dependencies have all been placed the one written first.
    """
    count = len(workflow.steps)
    if not uses_depends_on(workflow):
        return list(range(count))
    dependencies = index_dependencies(workflow, components)
    waiting = [len(targets) for targets in dependencies]
    dependents: list[list[int]] = [[] for _ in range(count)]
    for number, targets in enumerate(dependencies):
        for target in targets:
            dependents[target].append(number)
    ready = [number for number in range(count) if waiting[number] == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        number = heapq.heappop(ready)
        order.append(number)
        for dependent in dependents[number]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    return order if len(order) == count else None


def cycle_error(workflow: Workflow, components: Components | None = None) -> DocumentError:
    """The error for a workflow whose steps depend on each other in a cycle (when
    :func:`execution_order` is None): it names the cycle, at the ``dependsOn`` entry that
    starts it when there is one."""
    cycle = find_cycle(step_dependencies(workflow, components)) or []
    first = workflow.step(cycle[0]) if cycle else None
    location = first.location if first is not None else workflow.location
    if first is not None and len(cycle) > 1 and cycle[1] in first.depends_on:
        location = first.location.child("dependsOn", first.depends_on.index(cycle[1]))
    return DocumentError(
        f"the steps of workflow {workflow.workflow_id!r} depend on each other in a cycle "
        f"({' -> '.join(cycle)}; dependsOn and $steps references), so no order can run them",
        location,
    )


# ---------------------------------------------------------------- the expressions of a step


def _expressions(step: Step, components: Components | None) -> Iterator[RuntimeExpression]:
    """Every runtime expression written in the step (values, criteria, outputs, actions)."""
    for entry in step.parameters:
        yield from _value(_parameter_value(entry, components))
    body = step.request_body
    if body is not None:
        yield from _value(body.payload)
        for replacement in body.replacements:
            yield from _value(replacement.value)
    if step.correlation_id is not None:
        yield from _value(step.correlation_id)
    for criterion in step.success_criteria:
        yield from _criterion(criterion)
    for output in step.outputs.values():
        if isinstance(output, Selector):
            yield from _text(output.context, whole=True)
        else:
            yield from _value(output)
    for action_entry in (*step.on_success, *step.on_failure):
        action = _action(action_entry, components)
        if action is None:
            continue
        for criterion in action.criteria:
            yield from _criterion(criterion)
        for parameter in action.parameters:
            yield from _value(_parameter_value(parameter, components))


def _parameter_value(entry: Any, components: Components | None) -> Any:
    if isinstance(entry, Parameter):
        return entry.value
    if isinstance(entry, ReusableObject):
        if entry.value is not MISSING:
            return entry.value
        prefix = "$components.parameters."
        reference = entry.reference or ""
        if components is not None and reference.startswith(prefix):
            parameter = components.parameters.get(reference[len(prefix) :])
            if parameter is not None:
                return parameter.value
    return MISSING


def _action(entry: Any, components: Components | None) -> SuccessAction | FailureAction | None:
    if isinstance(entry, (SuccessAction, FailureAction)):
        return entry
    if isinstance(entry, ReusableObject) and components is not None:
        reference = entry.reference or ""
        for prefix, table in (
            ("$components.successActions.", components.success_actions),
            ("$components.failureActions.", components.failure_actions),
        ):
            if reference.startswith(prefix):
                found: SuccessAction | FailureAction | None = table.get(reference[len(prefix) :])
                return found
    return None


def _value(value: Any) -> tuple[RuntimeExpression, ...]:
    """The expressions of a JSON value as written (a 1.1 Selector Object's context included:
    its strings are walked like any other)."""
    if value is MISSING or value is None or isinstance(value, (bool, int, float)):
        return ()
    return check_value(value).references


def _text(text: Any, *, whole: bool) -> tuple[RuntimeExpression, ...]:
    return check_expression(text).references if whole else _value(text)


def _criterion(criterion: Criterion) -> tuple[RuntimeExpression, ...]:
    kind = criterion.type if isinstance(criterion.type, str) or criterion.type is None else criterion.type.type
    if kind is None or kind == "simple":
        return check_condition(criterion.condition).references
    found: list[RuntimeExpression] = []
    if criterion.context is not None:
        found.extend(check_expression(criterion.context).references)
    if isinstance(criterion.condition, str) and "{$" in criterion.condition:
        try:
            found.extend(parse_template(criterion.condition).expressions)
        except ExpressionError:
            pass  # too long to parse: validation says so
    return tuple(found)
