"""Looking up what a document refers to: its source descriptions (loaded on first use), the
operation each step calls, the workflow each workflowId names.  Every lookup is made once and
cached by the :class:`~arazzo_runner.validation.context.Context` this class is mixed into.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from ..errors import ArazzoError, Location, SourceError
from ..model import Step
from .lookups import OPERATION_PATH, QUALIFIED, OperationLookup, SourceState, WorkflowLookup, suggest

if TYPE_CHECKING:  # pragma: no cover
    from ..loading.sources import Description
    from ..loading.yamlfile import ParsedFile
    from ..model import ArazzoDocument
    from ..openapi.index import OpenAPIIndex
    from .context import _Cache

__all__ = ["Resolving"]


class Resolving:
    """Sources, operations and workflows, for the Context (which sets these attributes)."""

    description: Description
    document: ArazzoDocument
    parsed: ParsedFile
    data: Any
    use_sources: bool
    _cache: _Cache

    def at(self, pointer: str) -> Location:
        return self.parsed.location(pointer)

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
        kinds = "OpenAPI or AsyncAPI" if any(self.source_state(n).type == "asyncapi" for n in names) else "OpenAPI"
        hint = suggest(operation_id, known)
        prefix, _, plain = operation_id.partition(".")
        if plain and prefix in names:  # `<source>.<id>`, as some tools write it
            hint = f"; to name operation {plain!r} of source {prefix!r}, write '$sourceDescriptions.{operation_id}'"
        return OperationLookup(
            "missing", message=f"operationId {operation_id!r} not found in any {kinds} source" + hint
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
