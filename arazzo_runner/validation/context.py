"""What the rules share about one document: its sources, targets, inputs and control flow.

Every lookup is made once and cached, and never raises: a source that cannot be read is a
state (``remote``, ``missing``, ``broken``) that the ``source-*`` rules report and the other
rules treat as "cannot tell" (they skip what needs it).  The lookups of sources, operations
and workflows are in :mod:`.resolving`, their result types in :mod:`.lookups`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional

from ..errors import Location
from ..model import FailureAction, Parameter, ReusableObject, Step, SuccessAction, Workflow
from .flow_graph import Flow
from .inputs_info import inputs_info
from .lookups import (
    NON_ARAZZO,
    OPERATION_PATH,
    QUALIFIED,
    InputsInfo,
    OperationLookup,
    SourceState,
    WorkflowLookup,
    suggest,
)
from .message_lookup import MessageLookup, MessageResolving
from .positions import shift

if TYPE_CHECKING:  # pragma: no cover
    from ..loading.sources import Description
    from .values import Values

__all__ = [
    "Context",
    "SourceState",
    "OperationLookup",
    "WorkflowLookup",
    "InputsInfo",
    "Flow",
    "suggest",
    "QUALIFIED",
    "OPERATION_PATH",
    "NON_ARAZZO",
]


class _Cache:
    """Every lookup of one Context, made once."""

    def __init__(self) -> None:
        self.sources: dict[str, SourceState] = {}
        self.openapi: dict[str, Any] = {}
        self.async_ids: dict[str, Optional[frozenset[str]]] = {}
        self.asyncapi: dict[str, Any] = {}
        self.messages: dict[int, MessageLookup] = {}
        self.operations: dict[int, OperationLookup] = {}
        self.workflows: dict[str, WorkflowLookup] = {}
        self.inputs: dict[int, InputsInfo] = {}
        self.flows: dict[int, Flow] = {}
        self.step_ids: dict[int, tuple[dict[str, int], dict[int, int]]] = {}
        self.values: Optional[Values] = None
        self.lines: Optional[list[str]] = None


class Context(MessageResolving):
    """One document being validated, and everything rules look up about it."""

    def __init__(
        self, description: Description, *, use_sources: bool = True, servers: Optional[Mapping[str, str]] = None
    ) -> None:
        self.description = description
        self.document = description.document
        self.parsed = description.parsed
        self.data: Any = description.parsed.data
        self.minor = description.document.minor
        self.use_sources = use_sources
        self.servers = dict(servers or {})
        self._cache = _Cache()

    # ------------------------------------------------------------------ locations

    def key_at(self, location: Location) -> Location:
        """The location of the *key* of the value at ``location`` (a name in a mapping)."""
        parsed = self.parsed
        return Location(location.file, location.pointer, resolver=lambda pointer: parsed.position(pointer, key=True))

    def at_offset(self, location: Location, offset: Optional[int]) -> Location:
        """``location`` (a string value) moved ``offset`` characters into the string."""
        if not offset or location.file != self.parsed.name:
            return location
        parsed = self.parsed

        def resolve(pointer: str) -> Optional[tuple[int, int]]:
            start = parsed.position(pointer)
            return None if start is None else self._shift(start, offset)

        return Location(location.file, location.pointer, resolver=resolve)

    def _lines(self) -> list[str]:
        if self._cache.lines is None:
            raw = getattr(self.parsed, "_raw", b"")  # the bytes ParsedFile keeps for positions
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            self._cache.lines = text.splitlines()
        return self._cache.lines

    def _shift(self, start: tuple[int, int], offset: int) -> tuple[int, int]:
        """Where character ``offset`` of the string written at ``start`` is in the file."""
        return shift(self._lines(), start, offset, self.parsed.is_json)

    # ----------------------------------------------------------------- components

    def resolve_parameter(self, entry: Any) -> Optional[Parameter]:
        """The Parameter an entry stands for (a Reusable Object resolved), or None."""
        if isinstance(entry, Parameter):
            return entry
        if not isinstance(entry, ReusableObject) or not isinstance(entry.reference, str):
            return None
        prefix = "$components.parameters."
        components = self.document.components
        if components is None or not entry.reference.startswith(prefix):
            return None
        return components.parameters.get(entry.reference[len(prefix) :])

    def resolve_action(self, entry: Any, kind: str) -> Optional[SuccessAction | FailureAction]:
        """The action an entry stands for; ``kind`` is successActions or failureActions."""
        if isinstance(entry, (SuccessAction, FailureAction)):
            return entry
        if not isinstance(entry, ReusableObject) or not isinstance(entry.reference, str):
            return None
        prefix = f"$components.{kind}."
        components = self.document.components
        if components is None or not entry.reference.startswith(prefix):
            return None
        table: Mapping[str, Any] = (
            components.success_actions if kind == "successActions" else components.failure_actions
        )
        found: Optional[SuccessAction | FailureAction] = table.get(entry.reference[len(prefix) :])
        return found

    def actions(self, step: Step, workflow: Workflow, kind: str) -> list[SuccessAction | FailureAction]:
        """The actions that apply to ``step`` (its own, then the workflow's not redefined)."""
        own = step.on_success if kind == "successActions" else step.on_failure
        shared = workflow.success_actions if kind == "successActions" else workflow.failure_actions
        merged = [a for a in (self.resolve_action(e, kind) for e in own) if a is not None]
        names = {a.name for a in merged}
        for entry in shared:
            action = self.resolve_action(entry, kind)
            if action is not None and action.name not in names:
                merged.append(action)
        return merged

    def action_lists(self) -> Iterator[tuple[str, tuple[Any, ...], str]]:
        """Every list of actions: (successActions|failureActions, entries, where it is)."""
        for workflow in self.document.workflows:
            where = f"workflow {workflow.workflow_id!r}"
            yield "successActions", workflow.success_actions, f"{where} successActions"
            yield "failureActions", workflow.failure_actions, f"{where} failureActions"
            for step in workflow.steps:
                yield "successActions", step.on_success, f"step {step.step_id!r} onSuccess"
                yield "failureActions", step.on_failure, f"step {step.step_id!r} onFailure"

    def inline_actions(self) -> Iterator[SuccessAction | FailureAction]:
        """Every Success/Failure Action object written in the document (lists and components)."""
        for _kind, entries, _where in self.action_lists():
            for entry in entries:
                if isinstance(entry, (SuccessAction, FailureAction)):
                    yield entry
        components = self.document.components
        if components is not None:
            yield from components.success_actions.values()
            yield from components.failure_actions.values()

    def parameter_lists(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        """Every list of parameters: (entries, whose they are)."""
        for workflow in self.document.workflows:
            yield workflow.parameters, f"workflow {workflow.workflow_id!r}"
            for step in workflow.steps:
                yield step.parameters, f"step {step.step_id!r}"
        for action in self.inline_actions():
            if action.parameters:
                yield action.parameters, f"action {action.name!r}"

    # --------------------------------------------------------------------- inputs

    def inputs(self, workflow: Workflow, document_data: Any = None) -> InputsInfo:
        """The inputs ``workflow`` declares (its ``inputs`` schema, ``$ref`` s followed)."""
        key = id(workflow)
        cached = self._cache.inputs.get(key)
        if cached is None:
            cached = inputs_info(workflow.inputs, self.data if document_data is None else document_data)
            self._cache.inputs[key] = cached
        return cached

    # ----------------------------------------------------------------------- flow

    def step_ids(self, workflow: Workflow) -> dict[str, int]:
        """The number of the (first) step of ``workflow`` with each stepId."""
        return self._steps(workflow)[0]

    def step_number(self, workflow: Workflow, step: Step) -> int:
        """The position of ``step`` (the object itself) in ``workflow.steps``."""
        return self._steps(workflow)[1][id(step)]

    def _steps(self, workflow: Workflow) -> tuple[dict[str, int], dict[int, int]]:
        cached = self._cache.step_ids.get(id(workflow))
        if cached is None:
            by_id: dict[str, int] = {}
            by_object: dict[int, int] = {}
            for number, step in enumerate(workflow.steps):
                by_object[id(step)] = number
                if isinstance(step.step_id, str):
                    by_id.setdefault(step.step_id, number)
            cached = self._cache.step_ids[id(workflow)] = (by_id, by_object)
        return cached

    def flow(self, workflow: Workflow) -> Flow:
        key = id(workflow)
        cached = self._cache.flows.get(key)
        if cached is None:
            cached = self._flow(workflow)
            self._cache.flows[key] = cached
        return cached

    def _flow(self, workflow: Workflow) -> Flow:
        steps = workflow.steps
        index = self.step_ids(workflow)
        successors: list[frozenset[int]] = []
        for number, step in enumerate(steps):
            following: set[int] = set()
            falls_through = True
            for action in self.actions(step, workflow, "successActions"):
                if action.type == "goto" and action.step_id in index:
                    following.add(index[action.step_id])
                if action.type in ("goto", "end") and not action.criteria:
                    falls_through = False  # always taken: the next step never follows by default
                    break
            if falls_through and number + 1 < len(steps):
                following.add(number + 1)
            for action in self.actions(step, workflow, "failureActions"):
                if action.type == "retry":
                    following.add(number)
                if action.type in ("goto", "retry") and action.step_id in index:
                    target = index[action.step_id]
                    following.add(target)
            successors.append(frozenset(following))
        # a retry that first runs another step comes back to the retried one
        extra: dict[int, set[int]] = {}
        for number, step in enumerate(steps):
            for action in self.actions(step, workflow, "failureActions"):
                if action.type == "retry" and action.step_id in index:
                    extra.setdefault(index[action.step_id], set()).add(number)
        if extra:
            successors = [s | frozenset(extra.get(n, ())) for n, s in enumerate(successors)]
        return Flow(successors)

    # --------------------------------------------------------------------- values

    def values(self) -> Values:
        if self._cache.values is None:
            from .values import collect

            self._cache.values = collect(self)
        return self._cache.values
