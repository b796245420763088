"""Inputs checked against where they go, before the first request of a run.

An input that reaches a request *unchanged* must fit the schema the OpenAPI description
gives that place: ``-i phoneNumberSid=XX123`` is refused when the run starts, not after the
Messaging Service has been created by the step before the one that sends it.  "Unchanged"
means written as exactly ``$inputs.NAME`` (or the whole template ``{$inputs.NAME}``, which
sends the value as text):

* as the value of a parameter the operation declares (its ``schema``, or the schema of its
  ``content`` media type);
* as the whole request body payload, or a value at any position of it (a form field, a
  member deep in a JSON object), checked against the media type's schema at that position
  (``properties``, ``items``, ``allOf`` branches and ``$ref`` s followed; below a ``oneOf``
  or ``anyOf`` the branch is not known, and nothing is checked);
* as the value of a payload replacement whose target is a JSON pointer;
* as the value of a parameter of a workflow step: the sub-workflow's input of that name
  goes on to its own destinations (workflows already on the way are not entered twice), as
  do the inputs a ``dependsOn`` workflow declares.

Only values given (and the run's defaults) are checked: an input that is not there is not,
nor a sub-workflow's own default.  Types follow the wire (see
:mod:`arazzo_runner.openapi.requests`): a query parameter, path parameter, header, cookie,
form field or multipart part is text, so ``"5"`` going to an ``integer`` field is the
request ``?n=5`` and passes, while ``"five"`` breaks the rule ``type``; in a JSON body
``"5"`` is a string, and breaks it.  A value a secret-looking field takes (a password, a
client secret, a token) is never shown in the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ArazzoError, Location
from ..missing import MISSING
from ..model import ReusableObject, Workflow
from .inputs import InputsError

__all__ = ["InputDestinationError", "check_input_destinations"]

_MAX_WORKFLOW_DEPTH = 16
_SECRET_WORDS = ("password", "secret", "token", "apikey", "api_key", "authorization", "credential")


class InputDestinationError(InputsError):
    """An input reaches a parameter or body field whose schema refuses it (``type`` "inputs").

    ``location`` is where the first such input is used in the document.
    """

    def __init__(self, problems: list[str], workflow_id: str | None, location: Location | None) -> None:
        super().__init__(problems, workflow_id)
        self.location = location


@dataclass(frozen=True)
class _Origin:
    """A run input on its way: its name, its value, and the sub-workflow inputs it went through."""

    name: str
    value: Any
    via: tuple[str, ...] = ()
    given: Any = MISSING  # the value as given, when ``value`` is its text (a template)

    @property
    def shown(self) -> Any:
        return self.value if self.given is MISSING else self.given


def _input_reference(raw: Any) -> tuple[str, bool] | None:
    """(input name, as text?) when ``raw`` is exactly ``$inputs.NAME`` or ``{$inputs.NAME}``."""
    if not isinstance(raw, str) or "$inputs." not in raw:
        return None
    from ..expressions.parser import parse_value

    text = raw[1:-1] if raw.startswith("{") and raw.endswith("}") and raw.count("{$") == 1 else raw
    try:
        parsed = parse_value(text)
    except ArazzoError:
        return None
    if getattr(parsed, "root", None) != "inputs" or parsed.pointer is not None or parsed.navigation:  # type: ignore[union-attr]
        return None
    names = parsed.names  # type: ignore[union-attr]
    return (".".join(names), text is not raw) if names else None


def _secret(*names: str) -> bool:
    folded = " ".join(names).lower().replace("-", "")
    return any(word in folded for word in _SECRET_WORDS)


class _Checker:
    def __init__(self, description: Any, cache: dict[Any, Any]) -> None:
        self.description = description
        self.cache = cache
        self.problems: list[tuple[str, Location | None]] = []

    # ---------------------------------------------------------------- workflows

    def workflow(
        self, description: Any, workflow: Workflow, origins: dict[str, _Origin], stack: tuple[Any, ...]
    ) -> None:
        key = (description.uri, workflow.workflow_id)
        if key in stack or len(stack) > _MAX_WORKFLOW_DEPTH or not origins:
            return
        stack = (*stack, key)
        from ..targets import resolve_workflow

        for position, name in enumerate(workflow.depends_on):
            try:
                target = resolve_workflow(description, name, workflow.location.child("dependsOn", position))
            except ArazzoError:
                continue
            declared = _declared(target.description, target.workflow)
            passed = {k: self.through(o, target.workflow, k) for k, o in origins.items() if k in declared}
            self.workflow(target.description, target.workflow, passed, stack)
        for step in workflow.steps:
            entries = self.parameters(description, workflow, step)
            if step.kind == "workflow":
                try:
                    target = resolve_workflow(description, step.workflow_id, step.location.child("workflowId"))
                except ArazzoError:
                    continue
                passed = {}
                for (name, _), (raw, _location) in entries.items():
                    origin = self.origin(origins, raw)
                    if origin is not None:
                        passed[name] = self.through(origin, target.workflow, name)
                self.workflow(target.description, target.workflow, passed, stack)
            elif step.kind == "operation":
                self.operation_step(description, step, entries, origins)

    @staticmethod
    def through(origin: _Origin, workflow: Workflow, name: str) -> _Origin:
        via = (*origin.via, f"input {name!r} of workflow {workflow.workflow_id!r}")
        return _Origin(origin.name, origin.value, via, origin.given)

    @staticmethod
    def origin(origins: Mapping[str, _Origin], raw: Any) -> _Origin | None:
        """The origin ``raw`` passes on unchanged (as text for a template), or None."""
        reference = _input_reference(raw)
        if reference is None or reference[0] not in origins:
            return None
        origin = origins[reference[0]]
        if origin.value is MISSING:
            return None
        if reference[1]:
            from ..expressions.evaluate import to_template_text

            return _Origin(origin.name, to_template_text(origin.value), origin.via, origin.shown)
        return origin

    def parameters(self, description: Any, workflow: Workflow, step: Any) -> dict[tuple[str, Any], tuple[Any, Any]]:
        """Workflow and step parameters merged by (name, in), the step's winning, as the engine does."""
        merged: dict[tuple[str, Any], tuple[Any, Any]] = {}
        components = description.document.components
        for entry in (*workflow.parameters, *step.parameters):
            parameter, raw = entry, getattr(entry, "value", MISSING)
            if isinstance(entry, ReusableObject):
                reference = entry.reference or ""
                prefix = "$components.parameters."
                found = components.parameters.get(reference[len(prefix) :]) if components else None
                if found is None or not reference.startswith(prefix):
                    continue
                parameter, raw = found, entry.value if entry.value is not MISSING else found.value
            if parameter.name:
                where = entry.location.child("value") if entry.value is not MISSING else entry.location
                merged[(parameter.name, parameter.in_)] = (raw, where)
        return merged

    # ---------------------------------------------------------------- operations

    def operation_step(
        self,
        description: Any,
        step: Any,
        entries: Mapping[tuple[str, Any], tuple[Any, Any]],
        origins: Mapping[str, _Origin],
    ) -> None:
        from ..targets import resolve_operation

        key = ("operation", id(description), id(step))
        try:
            target = self.cache.get(key) or resolve_operation(description, step)
            self.cache[key] = target
            index = description.openapi(target.source)
        except ArazzoError:
            return  # the run's plan reports what cannot be resolved
        operation = target.operation
        where = f"of step {step.step_id!r} ({operation.operation_id or operation.method + ' ' + operation.path})"
        for (name, in_), (raw, location) in entries.items():
            origin = self.origin(origins, raw)
            if origin is None:
                continue
            declared = (
                operation.parameter(name, in_)
                if in_
                else next((p for p in operation.parameters if p.name == name), None)
            )
            if declared is None:
                continue
            schema, text = declared.schema, True
            if schema is None and declared.content:
                from ..openapi.media import is_json_media

                media_name = next(iter(declared.content))
                media = declared.content[media_name]
                schema = media.get("schema") if isinstance(media, Mapping) else None
                text = not is_json_media(media_name)
            if origin.value is None and text:
                continue  # null is written as nothing in text: there is no rule to break
            field = f"{declared.in_} parameter {declared.name} {where}"
            self.check(index, schema, declared.base_uri, origin, text, field, location, declared.name)
        if step.request_body is not None and operation.request_body is not None:
            self.body(index, step, operation, origins, where)

    def body(self, index: Any, step: Any, operation: Any, origins: Mapping[str, _Origin], where: str) -> None:
        from ..openapi.media import is_form_media, is_json_media, is_multipart_media, is_xml_media, media_object

        body, declared = step.request_body, operation.request_body
        content_type = body.content_type or next(iter(declared.content), None)
        media = media_object(declared.content, content_type)
        schema = media.get("schema") if isinstance(media, Mapping) else None
        if schema is None or is_xml_media(content_type):
            return
        text = not is_json_media(content_type)
        kind = "form field" if is_form_media(content_type) else "part" if is_multipart_media(content_type) else "field"
        targets: list[tuple[list[str], Any, Any]] = []
        replaced: list[list[str]] = []
        for replacement in body.replacements:
            tokens = _pointer(replacement.target) if replacement.target_selector_type in (None, "jsonpointer") else None
            if tokens is not None:
                replaced.append(tokens)
                targets.append((tokens, replacement.value, replacement.location.child("value")))
        for tokens, raw in _leaves(body.payload, [], 0):
            if not any(tokens[: len(prefix)] == prefix for prefix in replaced):
                targets.append((tokens, raw, body.location.child("payload", *tokens)))
        for tokens, raw, location in targets:
            origin = self.origin(origins, raw)
            if origin is None or (origin.value is None and text):
                continue
            field = f"{kind} {_show_pointer(tokens, kind)} {where}" if tokens else f"the request body {where}"
            for node, uri in _schemas_at(index, schema, declared.base_uri, tokens):
                self.check(index, node, uri, origin, text, field, location, *tokens[-1:])

    def check(
        self, index: Any, schema: Any, uri: str, origin: _Origin, text: bool, field: str, location: Any, *names: str
    ) -> None:
        from ..openapi.requests import value_problems

        shown = not _secret(origin.name, *names) and not (
            isinstance(schema, Mapping) and schema.get("format") == "password"
        )
        problems = value_problems(index, schema, uri, origin.value, text=text, show_values=shown)
        if not problems:
            return
        value = f" = {_short(origin.shown)}" if shown else " (value hidden)"
        via = "".join(f" (as {step})" for step in origin.via)
        message = f"input {origin.name!r}{value} goes unchanged{via} to {field}: {'; '.join(problems)}"
        self.problems.append((message, location if isinstance(location, Location) else None))


def _declared(description: Any, workflow: Workflow) -> set[str]:
    from .inputs import resolve_schema

    schema = resolve_schema(workflow.inputs, description.parsed.data)
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    return set(properties) if isinstance(properties, Mapping) else set()


def _pointer(target: Any) -> list[str] | None:
    from ..openapi.refs import split_pointer

    if not isinstance(target, str):
        return None
    try:
        return split_pointer(target)
    except ValueError:
        return None


def _leaves(payload: Any, tokens: list[str], depth: int) -> list[tuple[list[str], Any]]:
    """(pointer tokens, value) of every string in a payload (the payload itself included)."""
    if depth > 64:
        return []
    if isinstance(payload, str):
        return [(tokens, payload)]
    if isinstance(payload, Mapping):
        return [leaf for key, item in payload.items() for leaf in _leaves(item, [*tokens, str(key)], depth + 1)]
    if isinstance(payload, list):
        return [leaf for i, item in enumerate(payload) for leaf in _leaves(item, [*tokens, str(i)], depth + 1)]
    return []


def _show_pointer(tokens: list[str], kind: str) -> str:
    from ..openapi.refs import join_pointer

    return tokens[0] if kind != "field" and len(tokens) == 1 else join_pointer(tokens)


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else _json(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _json(value: Any) -> str:
    from ..expressions.evaluate import to_template_text

    return to_template_text(value)


def _branches(index: Any, node: Any, uri: str, depth: int = 0) -> list[tuple[Any, str]]:
    """``node`` (``$ref`` followed) and its ``allOf`` branches, each with its document."""
    if depth > 16:
        return []
    resolved = index.follow(node, base_uri=uri)
    found = [(resolved.value, resolved.uri)]
    if isinstance(node, Mapping) and "$ref" in node and any(k not in ("$ref", "description") for k in node):
        found.append(({k: v for k, v in node.items() if k != "$ref"}, uri))  # 3.1: siblings apply too
    for value, at in list(found):
        all_of = value.get("allOf") if isinstance(value, Mapping) else None
        if isinstance(all_of, list):
            for branch in all_of:
                found.extend(_branches(index, branch, at, depth + 1))
    return found


def _schemas_at(index: Any, schema: Any, uri: str, tokens: list[str]) -> list[tuple[Any, str]]:
    """The schemas that all apply at ``tokens`` below ``schema`` (none when it cannot be told)."""
    nodes = [(schema, uri)]
    try:
        for token in tokens:
            below: list[tuple[Any, str]] = []
            for node, at in nodes:
                for value, there in _branches(index, node, at):
                    if not isinstance(value, Mapping):
                        continue
                    properties = value.get("properties")
                    extra = value.get("additionalProperties")
                    prefix = value.get("prefixItems")
                    if isinstance(properties, Mapping) and token in properties:
                        below.append((properties[token], there))
                    elif isinstance(extra, Mapping) and not token.isdigit():
                        below.append((extra, there))
                    elif token.isdigit() and isinstance(prefix, list) and int(token) < len(prefix):
                        below.append((prefix[int(token)], there))
                    elif (token.isdigit() or token == "-") and isinstance(value.get("items"), Mapping):
                        below.append((value["items"], there))
            nodes = below
    except ArazzoError:
        return []  # a broken $ref in the description: the request itself will say so
    return nodes


def check_input_destinations(
    description: Any, workflow: Workflow, inputs: Mapping[str, Any], cache: dict[Any, Any] | None = None
) -> None:
    """Raise :class:`InputDestinationError` (an InputsError, ``type`` "inputs", exit 2) when an
    input reaches a parameter or body field unchanged and that field's schema refuses it.

    ``description`` is the loaded Arazzo description, ``workflow`` the one to run, ``inputs``
    the validated inputs (defaults applied), ``cache`` the Runner's cache of resolved
    operations (keys ``("operation", id(description), id(step))``).  Every problem is listed;
    the message names the input, its value (unless secret), the field, the step, the
    operation and each rule broken.  See the module's docstring for what is checked.
    """
    origins = {name: _Origin(name, value) for name, value in inputs.items() if value is not MISSING}
    checker = _Checker(description, cache if cache is not None else {})
    checker.workflow(description, workflow, origins, ())
    if checker.problems:
        raise InputDestinationError(
            [message for message, _ in checker.problems], workflow.workflow_id, checker.problems[0][1]
        )
