"""What the rules share about one document: its sources, targets, inputs and control flow.

Every lookup is made once and cached, and never raises: a source that cannot be read is a
state (``remote``, ``missing``, ``broken``) that the ``source-*`` rules report and the other
rules treat as "cannot tell" (they skip what needs it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional

from ..errors import ArazzoError, Location, SourceError
from ..model import FailureAction, Parameter, ReusableObject, Step, SuccessAction, Workflow
from .flow_graph import Flow

if TYPE_CHECKING:  # pragma: no cover
    from ..loading.sources import Description
    from ..openapi.index import OpenAPIIndex, Operation
    from .values import Values

__all__ = ["Context", "SourceState", "OperationLookup", "WorkflowLookup", "InputsInfo", "Flow", "suggest"]

QUALIFIED = re.compile(r"^\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.(.+)$")
OPERATION_PATH = re.compile(r"^\{\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.url\}(#.*)$")
NON_ARAZZO = ("openapi", "asyncapi")


def suggest(wanted: str, names: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the closest name, or nothing."""
    import difflib  # only when something is misspelt

    candidates = [n for n in names if isinstance(n, str)]
    folded = [n for n in candidates if n.lower() == wanted.lower() and n != wanted]
    close = folded or difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class SourceState:
    """What became of one source description.

    ``status``: ``ok``, ``remote`` (not fetched), ``missing`` (no such file), ``broken``
    (cannot be parsed or is not an API description), ``type`` (of another type than declared),
    ``skipped`` (sources are not read: ``--no-sources``) or ``undeclared``.
    """

    __slots__ = ("name", "status", "type", "message", "location")

    def __init__(
        self,
        name: str,
        status: str,
        type: Optional[str] = None,
        message: Optional[str] = None,
        location: Optional[Location] = None,
    ) -> None:
        self.name, self.status, self.type, self.message, self.location = name, status, type, message, location

    def __repr__(self) -> str:
        return f"SourceState({self.name!r}, {self.status!r}, type={self.type!r})"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class OperationLookup:
    """The operation a step calls, or why it is not known.

    ``status``: ``found``, ``async`` (an AsyncAPI operation), ``missing``, ``ambiguous``,
    ``unknown-source``, ``wrong-type`` (the source is not an API description), ``broken`` (a
    ``$ref`` of the operation leads nowhere), ``bad-path``
    (an operationPath of the wrong form), ``unknown`` (a source it needs could not be read),
    ``none`` (the step calls no operation).
    """

    __slots__ = ("status", "operation", "source", "message", "unqualified")

    def __init__(
        self,
        status: str,
        operation: Optional[Operation] = None,
        source: Optional[str] = None,
        message: str = "",
        unqualified: bool = False,  # found, but several API sources are declared
    ) -> None:
        self.status, self.operation, self.source = status, operation, source
        self.message, self.unqualified = message, unqualified

    def __repr__(self) -> str:
        return f"OperationLookup({self.status!r}, source={self.source!r})"


class WorkflowLookup:
    """The workflow a ``workflowId`` names (``status`` ``found``) or why it is not known."""

    __slots__ = ("status", "workflow", "document_data", "message", "local")

    def __init__(
        self,
        status: str,
        workflow: Optional[Workflow] = None,
        document_data: Any = None,
        message: str = "",
        local: bool = True,
    ) -> None:
        self.status, self.workflow, self.document_data = status, workflow, document_data
        self.message, self.local = message, local

    def __repr__(self) -> str:
        return f"WorkflowLookup({self.status!r})"


class InputsInfo:
    """The inputs a workflow declares: ``names``; ``open`` when others are accepted too (or
    the schema cannot tell); ``required`` names."""

    __slots__ = ("names", "open", "required")

    def __init__(self, names: frozenset[str], open: bool, required: frozenset[str] = frozenset()) -> None:
        self.names, self.open, self.required = names, open, required

    def declares(self, name: str) -> bool:
        return self.open or name in self.names


class _Cache:
    """Every lookup of one Context, made once."""

    def __init__(self) -> None:
        self.sources: dict[str, SourceState] = {}
        self.openapi: dict[str, Any] = {}
        self.async_ids: dict[str, Optional[frozenset[str]]] = {}
        self.operations: dict[int, OperationLookup] = {}
        self.workflows: dict[str, WorkflowLookup] = {}
        self.inputs: dict[int, InputsInfo] = {}
        self.flows: dict[int, Flow] = {}
        self.step_ids: dict[int, tuple[dict[str, int], dict[int, int]]] = {}
        self.values: Optional[Values] = None
        self.lines: Optional[list[str]] = None


class Context:
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

    def at(self, pointer: str) -> Location:
        return self.parsed.location(pointer)

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
        lines = self._lines()
        line, column = start
        if not 0 < line <= len(lines):
            return start
        text = lines[line - 1]
        opener = text[column - 1 : column]
        if opener in ("|", ">") and not self.parsed.is_json:
            # a block scalar: its content starts on the next non-empty line, at its indentation
            number = line
            while number < len(lines) and not lines[number].strip():
                number += 1
            remaining = offset
            while number < len(lines):
                content = lines[number]
                indent = len(content) - len(content.lstrip(" "))
                body = content[indent:]
                if remaining <= len(body):
                    return number + 1, indent + remaining + 1
                remaining -= len(body) + 1
                number += 1
            return start
        if opener in ("'", '"'):
            column += 1
        if column - 1 + offset <= len(text):
            return line, column + offset
        # a plain or quoted scalar folded over several lines
        remaining = offset - (len(text) - (column - 1)) - 1
        number = line
        while number < len(lines):
            content = lines[number]
            indent = len(content) - len(content.lstrip(" "))
            body = content[indent:]
            if remaining <= len(body):
                return number + 1, indent + max(remaining, 0) + 1
            remaining -= len(body) + 1
            number += 1
        return start

    # -------------------------------------------------------------------- sources

    def source_state(self, name: str) -> SourceState:
        """The state of source description ``name``, loading it on first use."""
        cached = self._cache.sources.get(name)
        if cached is not None:
            return cached
        declared = self.document.source_description(name)
        if declared is None:
            state = SourceState(name, "undeclared")
        elif not self.use_sources:
            state = SourceState(name, "skipped", declared.type, location=declared.location)
        else:
            state = self._load_source(name, declared.location)
        self._cache.sources[name] = state
        return state

    def _here(self, error: ArazzoError, name: str, location: Location) -> tuple[str, Location]:
        """The message and location of a source's error, located in this document."""
        if error.location is not None and error.location.file == self.parsed.name:
            return error.message, error.location
        return f"source {name!r}: {error}", location.child("url")

    def _load_source(self, name: str, location: Location) -> SourceState:
        try:
            source = self.description.source(name)
        except SourceError as error:
            message, where = self._here(error, name, location)
            if "is remote" in message:
                status = "remote"
            elif "does not exist" in message or "file not found" in message or "has no url" in message:
                status = "missing"
            elif "declared as type" in message or "Swagger" in message or "is neither" in message:
                status = "type"
            else:
                status = "broken"
            return SourceState(name, status, None, message, where)
        except ArazzoError as error:
            message, where = self._here(error, name, location)
            return SourceState(name, "broken", None, message, where)
        return SourceState(name, "ok", source.type, None, location)

    def api_sources(self) -> list[str]:
        """The names of the declared sources that are not Arazzo documents."""
        names = []
        for declared in self.document.source_descriptions:
            if not isinstance(declared.name, str):
                continue
            if declared.type == "arazzo":
                continue
            state = self.source_state(declared.name)
            if state.type == "arazzo":
                continue
            names.append(declared.name)
        return names

    def openapi(self, name: str) -> Optional[OpenAPIIndex]:
        """The OpenAPI index of source ``name``; None when it is not a readable OpenAPI file."""
        if name in self._cache.openapi:
            index: Optional[OpenAPIIndex] = self._cache.openapi[name]
            return index
        state = self.source_state(name)
        index = None
        if state.ok and state.type == "openapi":
            try:
                index = self.description.openapi(name)
            except ArazzoError as error:
                declared = self.document.source_description(name)
                message, where = self._here(error, name, declared.location if declared else self.at(""))
                self._cache.sources[name] = SourceState(name, "broken", "openapi", message, where)
        self._cache.openapi[name] = index
        return index

    def asyncapi_operation_ids(self, name: str) -> Optional[frozenset[str]]:
        """The operation ids of an AsyncAPI source (3.x ``operations`` keys, 2.x operationIds)."""
        if name in self._cache.async_ids:
            return self._cache.async_ids[name]
        state = self.source_state(name)
        ids: Optional[frozenset[str]] = None
        if state.ok and state.type == "asyncapi":
            data = self.description.source(name).data
            found: set[str] = set()
            operations = data.get("operations") if isinstance(data, dict) else None
            if isinstance(operations, dict):
                found.update(key for key in operations if isinstance(key, str))
            channels = data.get("channels") if isinstance(data, dict) else None
            if isinstance(channels, dict):
                for channel in channels.values():
                    for verb in ("publish", "subscribe"):
                        operation = channel.get(verb) if isinstance(channel, dict) else None
                        if isinstance(operation, dict) and isinstance(operation.get("operationId"), str):
                            found.add(operation["operationId"])
            ids = frozenset(found)
        self._cache.async_ids[name] = ids
        return ids

    # -------------------------------------------------------------------- targets

    def operation(self, step: Step) -> OperationLookup:
        """The operation ``step`` calls, looked up once."""
        key = id(step)
        cached = self._cache.operations.get(key)
        if cached is None:
            try:
                cached = self._lookup_operation(step)
            except ArazzoError as error:  # a broken $ref met while assembling the operation
                target = step.operation_id if step.operation_path is None else step.operation_path
                cached = OperationLookup("broken", message=f"the operation {target!r} cannot be read: {error}")
            self._cache.operations[key] = cached
        return cached

    def _lookup_operation(self, step: Step) -> OperationLookup:
        if step.operation_path is not None:
            return self._by_path(step.operation_path)
        operation_id = step.operation_id
        if not isinstance(operation_id, str) or step.workflow_id is not None:
            return OperationLookup("none")
        match = QUALIFIED.match(operation_id)
        if match is not None:
            return self._qualified_operation(match.group(1), match.group(2))
        names = self.api_sources()
        found: list[OperationLookup] = []
        known: list[str] = []
        unknown = False
        for name in names:
            state = self.source_state(name)
            if not state.ok:
                unknown = True
                continue
            if state.type == "asyncapi":
                ids = self.asyncapi_operation_ids(name)
                if ids and operation_id in ids:
                    found.append(OperationLookup("async", source=name))
                known.extend(ids or ())
                continue
            index = self.openapi(name)
            if index is None:
                unknown = True
                continue
            operation = index.operation(operation_id)
            if operation is not None:
                found.append(OperationLookup("found", operation, name))
            known.extend(index.operation_ids)
        if len(found) > 1:
            sources = ", ".join(repr(f.source) for f in found)
            return OperationLookup(
                "ambiguous",
                message=f"operationId {operation_id!r} exists in several sources ({sources}); "
                f"qualify it as $sourceDescriptions.<name>.{operation_id}",
            )
        if found:
            first = found[0]
            return OperationLookup(first.status, first.operation, first.source, unqualified=len(names) > 1)
        if unknown:
            return OperationLookup("unknown")
        if not names:
            return OperationLookup("missing", message=f"operationId {operation_id!r}: no OpenAPI source is declared")
        return OperationLookup(
            "missing",
            message=f"operationId {operation_id!r} not found in any OpenAPI source" + suggest(operation_id, known),
        )

    def _qualified_operation(self, name: str, operation_id: str) -> OperationLookup:
        state = self.source_state(name)
        if state.status == "undeclared":
            return OperationLookup("unknown-source", message=self.unknown_source_message(name))
        if not state.ok:
            return OperationLookup("unknown", source=name)
        if state.type == "asyncapi":
            ids = self.asyncapi_operation_ids(name)
            if ids is None or operation_id in ids:
                return OperationLookup("async", source=name)
            return OperationLookup(
                "missing",
                source=name,
                message=f"operationId {operation_id!r} not found in source {name!r}" + suggest(operation_id, ids),
            )
        if state.type != "openapi":
            return OperationLookup(
                "wrong-type", source=name, message=f"source {name!r} is {state.type}: it has no operations"
            )
        index = self.openapi(name)
        if index is None:
            return OperationLookup("unknown", source=name)
        operation = index.operation(operation_id)
        if operation is None:
            return OperationLookup(
                "missing",
                source=name,
                message=f"operationId {operation_id!r} not found in source {name!r}"
                + suggest(operation_id, index.operation_ids),
            )
        return OperationLookup("found", operation, name)

    def _by_path(self, value: str) -> OperationLookup:
        match = OPERATION_PATH.match(value)
        if match is None:
            return OperationLookup(
                "bad-path",
                message=f"operationPath {value!r} must have the form "
                "'{$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>'",
            )
        name, pointer = match.group(1), match.group(2)
        state = self.source_state(name)
        if state.status == "undeclared":
            return OperationLookup("unknown-source", message=self.unknown_source_message(name))
        if not state.ok:
            return OperationLookup("unknown", source=name)
        if state.type != "openapi":
            return OperationLookup("wrong-type", source=name, message=f"source {name!r} is {state.type}, not OpenAPI")
        index = self.openapi(name)
        if index is None:
            return OperationLookup("unknown", source=name)
        operation = index.operation_by_pointer(pointer)
        if operation is None:
            pointers = [o.pointer for o in index.operations]
            return OperationLookup(
                "missing",
                source=name,
                message=f"operationPath {pointer!r} does not point to an operation of source {name!r}"
                + suggest(pointer.lstrip("#"), pointers),
            )
        return OperationLookup("found", operation, name)

    def unknown_source_message(self, name: str) -> str:
        declared = [s.name for s in self.document.source_descriptions if isinstance(s.name, str)]
        listed = ", ".join(repr(n) for n in declared) or "none"
        return f"no source description named {name!r} (declared: {listed})" + suggest(name, declared)

    def workflow(self, workflow_id: str) -> WorkflowLookup:
        """The workflow ``workflow_id`` names: local, or ``$sourceDescriptions.<name>.<id>``."""
        cached = self._cache.workflows.get(workflow_id)
        if cached is None:
            cached = self._lookup_workflow(workflow_id)
            self._cache.workflows[workflow_id] = cached
        return cached

    def _lookup_workflow(self, workflow_id: str) -> WorkflowLookup:
        match = QUALIFIED.match(workflow_id)
        if match is None:
            found = self.document.workflow(workflow_id)
            if found is not None:
                return WorkflowLookup("found", found, self.data)
            known = [w.workflow_id for w in self.document.workflows if isinstance(w.workflow_id, str)]
            return WorkflowLookup(
                "missing", message=f"workflowId {workflow_id!r} not found" + suggest(workflow_id, known)
            )
        name, plain = match.group(1), match.group(2)
        state = self.source_state(name)
        if state.status == "undeclared":
            return WorkflowLookup("unknown-source", message=self.unknown_source_message(name), local=False)
        if not state.ok:
            return WorkflowLookup("unknown", local=False)
        if state.type != "arazzo":
            return WorkflowLookup(
                "wrong-type", message=f"source {name!r} is {state.type}, not an Arazzo document", local=False
            )
        try:
            nested = self.description.arazzo(name)
        except ArazzoError as error:
            return WorkflowLookup("unknown", message=error.message, local=False)
        found = nested.document.workflow(plain)
        if found is None:
            known = [w.workflow_id for w in nested.document.workflows if isinstance(w.workflow_id, str)]
            return WorkflowLookup(
                "missing",
                message=f"workflowId {plain!r} not found in source {name!r}" + suggest(plain, known),
                local=False,
            )
        return WorkflowLookup("found", found, nested.parsed.data, local=False)

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
            cached = _inputs_info(workflow.inputs, self.data if document_data is None else document_data)
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


_COMPOSITE = ("allOf", "anyOf", "oneOf")


def _inputs_info(schema: Any, document: Any) -> InputsInfo:
    from ..execution.inputs import resolve_schema

    names: set[str] = set()
    required: set[str] = set()
    state = {"open": False, "properties": False}

    def visit(node: Any, depth: int, top: bool) -> None:
        node = resolve_schema(node, document if isinstance(document, Mapping) else None)
        if depth > 8 or not isinstance(node, Mapping):
            if node is not None and node is not False:
                state["open"] = True
            return
        if isinstance(node.get("$ref"), str):  # a reference resolve_schema could not follow
            state["open"] = True
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            state["properties"] = True
            names.update(name for name in properties if isinstance(name, str))
        if "patternProperties" in node or node.get("additionalProperties", False) not in (False, None):
            state["open"] = True
        listed = node.get("required")
        if top and isinstance(listed, list):
            required.update(name for name in listed if isinstance(name, str))
        for keyword in _COMPOSITE:
            branches = node.get(keyword)
            if isinstance(branches, list):
                for branch in branches:
                    visit(branch, depth + 1, top and keyword == "allOf")

    if schema is None:
        return InputsInfo(frozenset(), False)
    visit(schema, 0, True)
    if not state["properties"]:
        state["open"] = True
    return InputsInfo(frozenset(names), bool(state["open"]), frozenset(required))
