"""Every value of a document that may hold runtime expressions, and where it is evaluated.

One walk over the model collects three lists the rules share:

* :class:`Occurrence` s: each string that may hold expressions (a whole expression, a
  ``{$...}`` template, a simple condition, the context of a criterion or selector), parsed
  once by the static checker, with the workflow and step it belongs to and the *phase* in
  which it is evaluated (which decides whose outputs exist by then);
* the Criterion Objects, with their workflow and step;
* the 1.1 Selector Objects and Payload Replacement targets.

Phases: ``request`` (a step's parameters and request body, before its request is sent),
``result`` (its successCriteria and outputs, after the response), ``action`` (its onSuccess/
onFailure actions, once its outputs are set), ``workflow`` (workflow-level parameters and
actions, evaluated around every step), ``outputs`` (the workflow's outputs, at its end) and
``component`` (a component on its own, not yet tied to a workflow).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Optional

from ..errors import ExpressionError, Location
from ..expressions.ast import ROOTS
from ..expressions.check import CheckResult, check_condition, check_expression, check_value
from ..expressions.parser import parse_template, template_problems
from ..missing import MISSING
from ..model import (
    Criterion,
    FailureAction,
    Parameter,
    PayloadReplacement,
    ReusableObject,
    Selector,
    Step,
    SuccessAction,
    Workflow,
    as_selector,
)

if TYPE_CHECKING:  # pragma: no cover
    from .context import Context

__all__ = ["Occurrence", "CriterionUse", "SelectorUse", "ReplacementUse", "Values", "collect"]

VALUE, EXPRESSION, CONDITION, EMBEDDED = "value", "expression", "condition", "embedded"


class Occurrence:
    """One string that may hold runtime expressions, checked.

    ``kind``: ``value`` (a whole expression, a template or plain text), ``expression`` (must
    be exactly one runtime expression), ``condition`` (a simple condition) or ``embedded``
    (the ``{$...}`` parts of a regex/JSONPath/XPath condition).
    """

    __slots__ = ("text", "location", "kind", "phase", "workflow", "step", "result")

    def __init__(
        self,
        text: str,
        location: Location,
        kind: str,
        phase: str,
        workflow: Optional[Workflow],
        step: Optional[Step],
        result: CheckResult,
    ) -> None:
        self.text, self.location, self.kind, self.phase = text, location, kind, phase
        self.workflow, self.step, self.result = workflow, step, result


class CriterionUse:
    __slots__ = ("criterion", "phase", "workflow", "step")

    def __init__(self, criterion: Criterion, phase: str, workflow: Optional[Workflow], step: Optional[Step]) -> None:
        self.criterion, self.phase, self.workflow, self.step = criterion, phase, workflow, step


class SelectorUse:
    __slots__ = ("selector", "workflow", "step")

    def __init__(self, selector: Selector, workflow: Optional[Workflow], step: Optional[Step]) -> None:
        self.selector, self.workflow, self.step = selector, workflow, step


class ReplacementUse:
    __slots__ = ("replacement", "content_type", "workflow", "step")

    def __init__(
        self,
        replacement: PayloadReplacement,
        content_type: Optional[str],
        workflow: Optional[Workflow],
        step: Optional[Step],
    ) -> None:
        self.replacement, self.content_type, self.workflow, self.step = replacement, content_type, workflow, step


class Values:
    """What one walk of a document found."""

    __slots__ = ("occurrences", "criteria", "selectors", "replacements")

    def __init__(
        self,
        occurrences: tuple[Occurrence, ...],
        criteria: tuple[CriterionUse, ...],
        selectors: tuple[SelectorUse, ...],
        replacements: tuple[ReplacementUse, ...],
    ) -> None:
        self.occurrences, self.criteria, self.selectors, self.replacements = (
            occurrences,
            criteria,
            selectors,
            replacements,
        )


def _check_embedded(text: str) -> CheckResult:
    """The ``{$...}`` expressions of a regex/JSONPath/XPath condition, and their near misses."""
    try:
        template = parse_template(text)
    except ExpressionError as error:
        return CheckResult((error,))
    return CheckResult(tuple(template_problems(text)), template.expressions)


_CHECKS = {VALUE: check_value, EXPRESSION: check_expression, CONDITION: check_condition, EMBEDDED: _check_embedded}

# `$word` at the start of a value or after `{`, followed by what follows a root.
_ROOT_LIKE = re.compile(r"(?:^|(?<=\{))\$([A-Za-z]+)(?=[.#}\[]|$)")


def _misspelt_roots(text: str) -> list[ExpressionError]:
    """``$input.x`` or ``{$step.y}``: a root word one typo away from a real one is a mistake,
    not text (the parser reads an unknown root as plain text, and the value would be sent
    as written)."""
    found = []
    for match in _ROOT_LIKE.finditer(text):
        word = match.group(1)
        if word in ROOTS:
            continue
        import difflib

        close = difflib.get_close_matches(word, ROOTS, n=1, cutoff=0.8)
        close = close or [root for root in ROOTS if root.lower() == word.lower()]
        if close:
            message = f"unknown runtime expression '${word}'; did you mean '${close[0]}'?"
            found.append(ExpressionError(message, offset=match.start()))
    return found


class _Collector:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.newer = context.minor >= (1, 1)
        self.occurrences: list[Occurrence] = []
        self.criteria: list[CriterionUse] = []
        self.selectors: list[SelectorUse] = []
        self.replacements: list[ReplacementUse] = []
        self.workflow: Optional[Workflow] = None
        self.step: Optional[Step] = None

    def text(self, text: Any, location: Location, kind: str, phase: str) -> None:
        if not isinstance(text, str):
            return
        if kind == VALUE and "$" not in text:
            return
        result = _CHECKS[kind](text)
        if kind in (VALUE, EMBEDDED) and "$" in text:
            misspelt = _misspelt_roots(text)
            if misspelt:
                result = CheckResult(result.errors + tuple(misspelt), result.references)
        if result.errors or result.references:
            self.occurrences.append(Occurrence(text, location, kind, phase, self.workflow, self.step, result))

    def raw(self, value: Any, location: Location, phase: str) -> None:
        """A JSON value as written (parameter value, payload): every string in it."""
        if isinstance(value, str):
            self.text(value, location, VALUE, phase)
        elif isinstance(value, Mapping):
            if self.newer:
                selector = as_selector(value, location)
                if selector is not None:
                    self.selector(selector, phase)
                    return
            for key, item in value.items():
                self.raw(item, location.child(key), phase)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.raw(item, location.child(index), phase)

    def selector(self, selector: Selector, phase: str) -> None:
        self.selectors.append(SelectorUse(selector, self.workflow, self.step))
        self.text(selector.context, selector.location.child("context"), EXPRESSION, phase)

    def criterion(self, criterion: Criterion, phase: str) -> None:
        self.criteria.append(CriterionUse(criterion, phase, self.workflow, self.step))
        kind = criterion.type if isinstance(criterion.type, str) else getattr(criterion.type, "type", None)
        if criterion.type is None or kind == "simple":
            self.text(criterion.condition, criterion.location.child("condition"), CONDITION, phase)
        else:
            self.text(criterion.condition, criterion.location.child("condition"), EMBEDDED, phase)
            if criterion.context is not None:
                self.text(criterion.context, criterion.location.child("context"), EXPRESSION, phase)

    def parameters(self, entries: Iterable[Any], phase: str) -> None:
        for entry in entries:
            if isinstance(entry, ReusableObject):
                if entry.value is not MISSING:
                    self.raw(entry.value, entry.location.child("value"), phase)
                    continue
                parameter = self.context.resolve_parameter(entry)
                if parameter is not None:
                    self.raw(parameter.value, parameter.location.child("value"), phase)
            elif isinstance(entry, Parameter):
                self.raw(entry.value, entry.location.child("value"), phase)

    def action(self, action: SuccessAction | FailureAction, phase: str) -> None:
        for criterion in action.criteria:
            self.criterion(criterion, phase)
        self.parameters(action.parameters, phase)

    def actions(self, entries: Iterable[Any], kind: str, phase: str) -> None:
        for entry in entries:
            action = self.context.resolve_action(entry, kind)
            if action is not None:
                self.action(action, phase)

    def outputs(self, outputs: Mapping[str, Any], location: Location, phase: str) -> None:
        for name, value in outputs.items():
            if isinstance(value, Selector):
                self.selector(value, phase)
            else:
                self.text(value, location.child(name), VALUE, phase)

    def step_values(self, step: Step) -> None:
        self.parameters(step.parameters, "request")
        body = step.request_body
        if body is not None:
            self.raw(body.payload, body.location.child("payload"), "request")
            for replacement in body.replacements:
                self.replacements.append(ReplacementUse(replacement, body.content_type, self.workflow, step))
                self.raw(replacement.value, replacement.location.child("value"), "request")
        if step.correlation_id is not None:
            self.raw(step.correlation_id, step.location.child("correlationId"), "request")
        for criterion in step.success_criteria:
            self.criterion(criterion, "result")
        self.actions(step.on_success, "successActions", "action")
        self.actions(step.on_failure, "failureActions", "action")
        self.outputs(step.outputs, step.location.child("outputs"), "result")

    def collect(self) -> Values:
        document = self.context.document
        components = document.components
        if components is not None:
            for parameter in components.parameters.values():
                self.raw(parameter.value, parameter.location.child("value"), "component")
            for success in components.success_actions.values():
                self.action(success, "component")
            for failure in components.failure_actions.values():
                self.action(failure, "component")
        for workflow in document.workflows:
            self.workflow, self.step = workflow, None
            self.parameters(workflow.parameters, "workflow")
            self.actions(workflow.success_actions, "successActions", "workflow")
            self.actions(workflow.failure_actions, "failureActions", "workflow")
            for step in workflow.steps:
                self.step = step
                self.step_values(step)
            self.step = None
            self.outputs(workflow.outputs, workflow.location.child("outputs"), "outputs")
        self.workflow = None
        return Values(tuple(self.occurrences), tuple(self.criteria), tuple(self.selectors), tuple(self.replacements))


def collect(context: Context) -> Values:
    """Walk the document of ``context`` once and return what it holds."""
    return _Collector(context).collect()
