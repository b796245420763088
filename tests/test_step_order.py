"""The order of a workflow's steps from dependsOn and $steps references (arazzo_runner.step_order)."""

from __future__ import annotations

import time
from types import MappingProxyType
from typing import Any

import pytest

from arazzo_runner.model import (
    Components,
    Criterion,
    FailureAction,
    Parameter,
    PayloadReplacement,
    RequestBody,
    ReusableObject,
    Selector,
    Step,
    SuccessAction,
    Workflow,
)
from arazzo_runner.step_order import (
    cycle_error,
    execution_order,
    find_cycle,
    step_dependencies,
    step_references,
    uses_depends_on,
)


def _step(step_id: str, *depends_on: str, **fields: Any) -> Step:
    return Step(step_id=step_id, operation_id="op", depends_on=depends_on, **fields)


def _workflow(*steps: Step) -> Workflow:
    return Workflow(workflow_id="w", steps=steps)


def _ref(step_id: str) -> str:
    return f"$steps.{step_id}.outputs.x"


def _param(value: Any) -> Parameter:
    return Parameter(name="p", in_="query", value=value)


# (steps, dependencies, order)
ORDERS: list[tuple[str, tuple[Step, ...], dict[str, list[str]], list[int] | None]] = [
    ("empty", (), {}, []),
    ("no dependsOn: array order, even with a forward reference",
     (_step("a", parameters=(_param(_ref("b")),)), _step("b")), {"a": ["b"], "b": []}, [0, 1]),
    ("reversed chain", (_step("c", "b"), _step("b", "a"), _step("a")), {"c": ["b"], "b": ["a"], "a": []}, [2, 1, 0]),
    ("stable: ties go to the step written first",
     (_step("x"), _step("c", "a"), _step("y"), _step("a")), {"x": [], "c": ["a"], "y": [], "a": []}, [0, 2, 3, 1]),
    ("explicit before implicit, each once",
     (_step("a"), _step("b"), _step("c", "b", parameters=(_param(_ref("a")), _param(_ref("b"))))),
     {"a": [], "b": [], "c": ["b", "a"]}, [0, 1, 2]),
    ("implicit dependency moves a step down",
     (_step("use", parameters=(_param(f"id={{{_ref('make')}}}"),)), _step("other", "use"), _step("make")),
     {"use": ["make"], "other": ["use"], "make": []}, [2, 0, 1]),
    ("unknown and other workflows' steps are not local dependencies",
     (_step("a", "nope", "$workflows.w2.steps.s", "$sourceDescriptions.s.w.steps.t"), _step("b")),
     {"a": [], "b": []}, [0, 1]),
    ("a reference to its own outputs is no dependency",
     (_step("a", "b", outputs=MappingProxyType({"o": _ref("a")})), _step("b")), {"a": ["b"], "b": []}, [1, 0]),
    ("explicit self dependency is a cycle", (_step("a", "a"),), {"a": ["a"]}, None),
    ("two-step cycle through a reference",
     (_step("a", "b"), _step("b", parameters=(_param(_ref("a")),))), {"a": ["b"], "b": ["a"]}, None),
    ("a duplicate stepId means the first step of that id",
     (_step("a", "b"), _step("b"), _step("b")), {"a": ["b"], "b": []}, [1, 0, 2]),
]  # fmt: skip


@pytest.mark.parametrize(("steps", "dependencies", "order"), [case[1:] for case in ORDERS], ids=[c[0] for c in ORDERS])
def test_dependencies_and_order(
    steps: tuple[Step, ...], dependencies: dict[str, list[str]], order: list[int] | None
) -> None:
    workflow = _workflow(*steps)
    assert step_dependencies(workflow) == dependencies
    assert execution_order(workflow) == order


COMPONENTS = Components(
    parameters=MappingProxyType({"shared": Parameter(name="p", in_="query", value=_ref("comp"))}),
    success_actions=MappingProxyType(
        {"done": SuccessAction(name="done", type="end", criteria=(Criterion(condition=f"{_ref('act')} == 1"),))}
    ),
)

# (where the reference is written, the step, the stepIds found)
REFERENCES: list[tuple[str, Step, list[str]]] = [
    ("parameter", _step("s", parameters=(_param(_ref("p")),)), ["p"]),
    ("template in a nested payload", _step("s", request_body=RequestBody(payload={"a": [f"x{{{_ref('b')}}}"]})), ["b"]),
    ("replacement value",
     _step("s", request_body=RequestBody(payload={}, replacements=(PayloadReplacement(target="/a", value=_ref("r")),))),
     ["r"]),
    ("1.1 selector as a parameter value",
     _step("s", parameters=(_param({"context": _ref("sel"), "selector": "$.a", "type": "jsonpath"}),)), ["sel"]),
    ("simple criterion", _step("s", success_criteria=(Criterion(condition=f"{_ref('c')} == 1 && {_ref('d')} > 0"),)),
     ["c", "d"]),
    ("regex criterion: context and embedded expression",
     _step("s", success_criteria=(Criterion(context=_ref("ctx"), condition=f"^{{{_ref('emb')}}}$", type="regex"),)),
     ["ctx", "emb"]),
    ("outputs, plain and selector",
     _step("s", outputs=MappingProxyType({"a": _ref("o"), "b": Selector(context=_ref("q"), selector="/a")})), ["o", "q"]),
    ("inline action criteria and parameters",
     _step("s", on_failure=(FailureAction(name="f", type="goto", workflow_id="w2",
                                          criteria=(Criterion(condition=f"{_ref('f')} == 1"),),
                                          parameters=(_param(_ref("g")),)),)),
     ["f", "g"]),
    ("reusable parameter and action, resolved with components",
     _step("s", parameters=(ReusableObject(reference="$components.parameters.shared"),),
           on_success=(ReusableObject(reference="$components.successActions.done"),)),
     ["comp", "act"]),
    ("reusable parameter with its own value", _step("s", parameters=(ReusableObject(reference="x", value=_ref("v")),)),
     ["v"]),
    ("not expressions: $ text, a broken expression, other roots",
     _step("s", parameters=(_param("$.a.b"), _param("$steps."), _param("$inputs.x"), _param(3))), []),
]  # fmt: skip


@pytest.mark.parametrize(("step", "found"), [case[1:] for case in REFERENCES], ids=[c[0] for c in REFERENCES])
def test_step_references(step: Step, found: list[str]) -> None:
    assert step_references(step, COMPONENTS) == found


def test_reusable_objects_are_not_looked_at_without_components() -> None:
    step = _step("s", parameters=(ReusableObject(reference="$components.parameters.shared"),))
    assert step_references(step) == []


CYCLES: list[tuple[dict[str, list[str]], list[str] | None]] = [
    ({}, None),
    ({"a": ["b"], "b": []}, None),
    ({"a": ["a"]}, ["a", "a"]),
    ({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a", "b", "c", "a"]),
    ({"x": ["a"], "a": ["b"], "b": ["a"]}, ["a", "b", "a"]),  # a cycle reached from outside it
    ({"a": ["z"], "b": ["c", "a"], "c": []}, None),  # z is no key: no dependencies
    ({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}, None),  # a diamond is no cycle
]


@pytest.mark.parametrize(("graph", "cycle"), CYCLES)
def test_find_cycle(graph: dict[str, list[str]], cycle: list[str] | None) -> None:
    assert find_cycle(graph) == cycle


def test_uses_depends_on() -> None:
    assert not uses_depends_on(_workflow(_step("a"), _step("b")))
    assert uses_depends_on(_workflow(_step("a"), _step("b", "a")))


def test_ten_thousand_steps_are_ordered_quickly() -> None:
    count = 10_000
    # written last-first, each depending on the one after it, explicitly and through a parameter
    steps = tuple(
        _step(f"s{n}", *([f"s{n + 1}"] if n + 1 < count else []),
              parameters=(_param(_ref(f"s{n + 1}")),) if n + 1 < count else ())
        for n in range(count)
    )  # fmt: skip
    workflow = _workflow(*steps)
    started = time.perf_counter()
    order = execution_order(workflow)
    dependencies = step_dependencies(workflow)
    assert find_cycle(dependencies) is None
    assert time.perf_counter() - started < 10  # linear: well under a second on a quiet machine
    assert order == list(range(count - 1, -1, -1))
    # one more edge from the end of the chain to its start makes one long cycle
    looped = _workflow(*steps[:-1], _step(f"s{count - 1}", "s0"))
    assert execution_order(looped) is None
    cycle = find_cycle(step_dependencies(looped))
    assert cycle is not None and len(cycle) == count + 1 and cycle[0] == cycle[-1]


def test_cycle_error_names_the_cycle() -> None:
    workflow = _workflow(_step("a"), _step("b", "c"), _step("c", parameters=(_param(_ref("b")),)))
    assert execution_order(workflow) is None
    error = cycle_error(workflow)
    assert error.message == (
        "the steps of workflow 'w' depend on each other in a cycle (b -> c -> b; dependsOn and $steps "
        "references), so no order can run them"
    )
