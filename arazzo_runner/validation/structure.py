"""Structural validation: the shape of a document, by the rules of its own Arazzo version.

Written from the specification texts (1.0.1 and 1.1.0), not from the official JSON Schemas,
and agreeing with the text where those schemas are known to be wrong: a ``retry`` action
needs no ``retryAfter`` and no target, a Criterion ``type`` may be a Criterion Expression
Type object, a replacement or Reusable ``value`` may be any JSON value, ``x-`` fields of a
Reusable Object are ignored, and 1.0 ``successCriteria`` may be empty.

The model builder already reports wrong types, unknown fields and 1.1 fields in a 1.0
document (``ArazzoDocument.problems``); they become ``type``, ``unknown-field`` and
``newer-feature`` diagnostics here.  This module adds what a schema would say on top:
required fields, allowed values, name patterns, fields that exclude or need each other, list
lengths, ranges, and the 1.1 values (not fields) that a 1.0 document cannot use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional, TypeGuard

from .diagnostics import Diagnostic
from .rules import RULES

if TYPE_CHECKING:  # pragma: no cover
    from .context import Context

__all__ = ["check_structure", "OLDER_VERSION_HINT"]

OLDER_VERSION_HINT = "declare `arazzo: 1.1.0` to use it, or remove it"

# Names the specification says MUST match (outputs and components keys) or SHOULD match (ids).
_KEY = re.compile(r"^[a-zA-Z0-9.\-_]+$")
_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
_WORKFLOW_REF = re.compile(r"^\$sourceDescriptions\.[^.]+\.[^.]+$")
_STEP_REFS = (
    re.compile(r"^(?!\$).+$"),
    re.compile(r"^\$workflows\.[^.]+\.steps\.[^.]+$"),
    re.compile(r"^\$sourceDescriptions\.[^.]+\.[^.]+\.steps\.[^.]+$"),
)

_SOURCE_TYPES = {(1, 0): ("openapi", "arazzo"), (1, 1): ("openapi", "asyncapi", "arazzo")}
_PARAMETER_IN = {
    (1, 0): ("path", "query", "header", "cookie"),
    (1, 1): ("path", "query", "querystring", "header", "cookie"),
}
_CRITERION_TYPES = ("simple", "regex", "jsonpath", "xpath")
_SELECTOR_TYPES = ("jsonpath", "xpath", "jsonpointer")
# Expression Type Object: type -> allowed versions, by document version.
_EXPRESSION_VERSIONS = {
    (1, 0): {"jsonpath": ("draft-goessner-dispatch-jsonpath-00",), "xpath": ("xpath-30", "xpath-20", "xpath-10")},
    (1, 1): {
        "jsonpath": ("rfc9535", "draft-goessner-dispatch-jsonpath-00"),
        "xpath": ("xpath-31", "xpath-30", "xpath-20", "xpath-10"),
        "jsonpointer": ("rfc6901",),
    },
}


def _is_map(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, Mapping)


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _listing(values: tuple[str, ...]) -> str:
    quoted = [f"`{v}`" for v in values]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


class _Walker:
    """Walks the parsed data of one document, object by object, yielding diagnostics."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.minor = context.minor if context.minor in _SOURCE_TYPES else (1, 1)
        self.newer = self.minor >= (1, 1)
        self.found: list[Diagnostic] = []

    # ------------------------------------------------------------ reporting

    def report(self, rule: str, pointer: str, message: str, *, key: bool = False) -> None:
        location = self.context.at(pointer)
        if key:
            location = self.context.key_at(location)
        self.found.append(Diagnostic(RULES[rule].severity, rule, message, location))

    def newer_value(self, pointer: str, what: str) -> None:
        self.report("newer-feature", pointer, f"{what} is an Arazzo 1.1 feature; {OLDER_VERSION_HINT}")

    def required(self, data: Mapping[str, Any], pointer: str, what: str, *names: str) -> None:
        for name in names:
            if name not in data:
                self.report("required", pointer, f"{what} is missing its REQUIRED field `{name}`")

    def string(self, data: Mapping[str, Any], name: str) -> Optional[str]:
        value = data.get(name)
        return value if isinstance(value, str) else None

    def naming(self, data: Mapping[str, Any], pointer: str, name: str, what: str) -> None:
        value = self.string(data, name)
        if value is not None and not _ID.match(value):
            self.report(
                "naming",
                f"{pointer}/{name}",
                f"{what} {value!r} should match [A-Za-z0-9_-]+ (runtime expressions cannot refer to it otherwise)",
            )

    def items(self, data: Mapping[str, Any], pointer: str, name: str) -> list[tuple[Any, str]]:
        value = data.get(name)
        if not isinstance(value, list):
            return []
        return [(item, f"{pointer}/{name}/{index}") for index, item in enumerate(value)]

    def maps(self, data: Mapping[str, Any], pointer: str, name: str) -> list[tuple[Mapping[str, Any], str]]:
        return [(item, at) for item, at in self.items(data, pointer, name) if _is_map(item)]

    def non_empty(self, data: Mapping[str, Any], pointer: str, name: str, what: str) -> None:
        if data.get(name) == []:
            self.report("empty-list", f"{pointer}/{name}", f"`{name}` must have at least one {what}")

    def unique(self, data: Mapping[str, Any], pointer: str, name: str) -> None:
        seen: dict[Any, int] = {}
        for item, at in self.items(data, pointer, name):
            if isinstance(item, str):
                if item in seen:
                    self.report("unique-items", at, f"`{name}` lists {item!r} twice (first at entry {seen[item]})")
                else:
                    seen[item] = int(at.rsplit("/", 1)[1])

    def keys(self, data: Mapping[str, Any], pointer: str, name: str, what: str) -> None:
        """The keys of ``data[name]`` must match ^[a-zA-Z0-9.-_]+$ (outputs, components)."""
        mapping = data.get(name)
        if not _is_map(mapping):
            return
        for key in mapping:
            if isinstance(key, str) and not _KEY.match(key):
                self.report(
                    "pattern",
                    f"{pointer}/{name}/{_escape(key)}",
                    f"{what} name {key!r} must match ^[a-zA-Z0-9.-_]+$ (letters, digits, '.', '-', '_')",
                    key=True,
                )

    # --------------------------------------------------------------- objects

    def root(self, data: Mapping[str, Any]) -> None:
        self.required(data, "", "the document", "info", "sourceDescriptions", "workflows")
        self_uri = self.string(data, "$self")
        if self.newer and self_uri is not None and "#" in self_uri:
            self.report("pattern", "/$self", "`$self` must not contain a fragment ('#...')")
        info = data.get("info")
        if _is_map(info):
            self.required(info, "/info", "the Info object", "title", "version")
        self.non_empty(data, "", "sourceDescriptions", "source description")
        self.non_empty(data, "", "workflows", "workflow")
        for source, at in self.maps(data, "", "sourceDescriptions"):
            self.source(source, at)
        for workflow, at in self.maps(data, "", "workflows"):
            self.workflow(workflow, at)
        components = data.get("components")
        if _is_map(components):
            self.components(components, "/components")

    def source(self, data: Mapping[str, Any], pointer: str) -> None:
        self.required(data, pointer, "a source description", "name", "url")
        self.naming(data, pointer, "name", "source description name")
        kind = self.string(data, "type")
        if kind is not None and kind not in _SOURCE_TYPES[self.minor]:
            if kind in _SOURCE_TYPES[(1, 1)]:
                self.newer_value(f"{pointer}/type", f"source type {kind!r}")
            else:
                allowed = _listing(_SOURCE_TYPES[self.minor])
                self.report("enum", f"{pointer}/type", f"source type {kind!r} is not {allowed}")

    def workflow(self, data: Mapping[str, Any], pointer: str) -> None:
        self.required(data, pointer, "a workflow", "workflowId", "steps")
        self.naming(data, pointer, "workflowId", "workflowId")
        self.non_empty(data, pointer, "steps", "step")
        self.unique(data, pointer, "dependsOn")
        for item, at in self.items(data, pointer, "dependsOn"):
            if isinstance(item, str) and item.startswith("$") and not _WORKFLOW_REF.match(item):
                self.report(
                    "pattern",
                    at,
                    f"dependsOn entry {item!r} must be a workflowId or $sourceDescriptions.<name>.<workflowId>",
                )
        self.keys(data, pointer, "outputs", "output")
        self.outputs(data, pointer)
        for parameter, at in self.maps(data, pointer, "parameters"):
            self.parameter_entry(parameter, at)
        for action, at in self.maps(data, pointer, "successActions"):
            self.action_entry(action, at, failure=False)
        for action, at in self.maps(data, pointer, "failureActions"):
            self.action_entry(action, at, failure=True)
        for step, at in self.maps(data, pointer, "steps"):
            self.step(step, at)

    def step(self, data: Mapping[str, Any], pointer: str) -> None:
        self.required(data, pointer, "a step", "stepId")
        self.naming(data, pointer, "stepId", "stepId")
        targets = ["operationId", "operationPath", "workflowId"] + (["channelPath"] if self.newer else [])
        given = [name for name in targets if name in data]
        if not given:
            listed = ", ".join(f"`{t}`" for t in targets[:-1]) + f" or `{targets[-1]}`"
            self.report("step-target", pointer, f"the step names nothing to call: give one of {listed}")
        elif len(given) > 1:
            both = " and ".join(f"`{name}`" for name in given)
            self.report("step-target", f"{pointer}/{given[1]}", f"{both} are mutually exclusive: give only one")
        if self.newer:
            self.async_fields(data, pointer)
        is_workflow_step = "workflowId" in data and len(given) == 1
        if is_workflow_step and "requestBody" in data:
            self.report(
                "irrelevant-field",
                f"{pointer}/requestBody",
                "a step that calls a workflow sends no request: `requestBody` is ignored (pass parameters)",
            )
        self.keys(data, pointer, "outputs", "output")
        self.outputs(data, pointer)
        if self.newer:
            self.non_empty(data, pointer, "successCriteria", "criterion (Arazzo 1.1)")
            if data.get("dependsOn") == []:
                self.report("empty-list", f"{pointer}/dependsOn", "`dependsOn` must list at least one step")
            self.unique(data, pointer, "dependsOn")
            for item, at in self.items(data, pointer, "dependsOn"):
                if isinstance(item, str) and not any(p.match(item) for p in _STEP_REFS):
                    self.report(
                        "pattern",
                        at,
                        f"dependsOn entry {item!r} must be a stepId, $workflows.<workflowId>.steps.<stepId> or "
                        "$sourceDescriptions.<name>.<workflowId>.steps.<stepId>",
                    )
            timeout = data.get("timeout")
            if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout < 0:
                self.report("range", f"{pointer}/timeout", f"`timeout` must not be negative, found {timeout}")
        for parameter, at in self.maps(data, pointer, "parameters"):
            self.parameter_entry(parameter, at)
        body = data.get("requestBody")
        if _is_map(body):
            self.request_body(body, f"{pointer}/requestBody")
        for criterion, at in self.maps(data, pointer, "successCriteria"):
            self.criterion(criterion, at)
        for action, at in self.maps(data, pointer, "onSuccess"):
            self.action_entry(action, at, failure=False)
        for action, at in self.maps(data, pointer, "onFailure"):
            self.action_entry(action, at, failure=True)

    def async_fields(self, data: Mapping[str, Any], pointer: str) -> None:
        """Arazzo 1.1 AsyncAPI steps: ``action``, ``channelPath``, ``correlationId``."""
        action = data.get("action")
        if isinstance(action, str) and action not in ("send", "receive"):
            self.report("enum", f"{pointer}/action", f"`action` must be `send` or `receive`, found {action!r}")
        # an operationPath may name an AsyncAPI operation (the specification's own example does):
        # only one that points into an OpenAPI `paths` is sure to be wrong here; the semantic rule
        # `step-action` judges the others with the source
        path = data.get("operationPath")
        openapi_path = isinstance(path, str) and "#/paths/" in path
        if "action" in data and ("workflowId" in data or openapi_path):
            other = "workflowId" if "workflowId" in data else "operationPath"
            self.report(
                "async-step",
                f"{pointer}/action",
                f"`action` belongs to AsyncAPI steps (operationId, operationPath or channelPath), "
                f"not to a step with `{other}`"
                + (" that names an OpenAPI operation" if other == "operationPath" else ""),
            )
        if "channelPath" in data and "action" not in data:
            self.report("async-step", f"{pointer}/channelPath", "a `channelPath` step needs `action: send|receive`")
        if "correlationId" in data and action != "receive":
            self.report(
                "async-step",
                f"{pointer}/correlationId",
                "`correlationId` applies only to AsyncAPI steps with `action: receive`",
            )

    def outputs(self, data: Mapping[str, Any], pointer: str) -> None:
        outputs = data.get("outputs")
        if not self.newer or not _is_map(outputs):
            return
        for name, value in outputs.items():
            if _is_map(value):
                self.selector(value, f"{pointer}/outputs/{_escape(name)}")

    def parameter_entry(self, data: Mapping[str, Any], pointer: str) -> None:
        if "reference" in data:
            self.reusable(data, pointer)
        else:
            self.parameter(data, pointer)

    def parameter(self, data: Mapping[str, Any], pointer: str) -> None:
        self.required(data, pointer, "a parameter", "name", "value")
        location = self.string(data, "in")
        if location is not None and location not in _PARAMETER_IN[self.minor]:
            if location in _PARAMETER_IN[(1, 1)]:
                self.newer_value(f"{pointer}/in", f"`in: {location}`")
            else:
                allowed = _listing(_PARAMETER_IN[self.minor])
                self.report("enum", f"{pointer}/in", f"`in` must be {allowed}, found {location!r}")
        if location == "querystring" and "value" in data and not isinstance(data["value"], (str, Mapping)):
            self.report("type", f"{pointer}/value", "a `querystring` parameter value must be a string")

    def reusable(self, data: Mapping[str, Any], pointer: str) -> None:
        reference = data.get("reference")
        if not isinstance(reference, str) or not reference.startswith("$components."):
            if isinstance(reference, str):
                self.report(
                    "pattern",
                    f"{pointer}/reference",
                    f"`reference` must be a $components.<type>.<name> expression, found {reference!r}",
                )

    def action_entry(self, data: Mapping[str, Any], pointer: str, *, failure: bool) -> None:
        if "reference" in data:
            self.reusable(data, pointer)
        else:
            self.action(data, pointer, failure=failure)

    def action(self, data: Mapping[str, Any], pointer: str, *, failure: bool) -> None:
        what = "a failure action" if failure else "a success action"
        self.required(data, pointer, what, "name", "type")
        kind = self.string(data, "type")
        allowed: tuple[str, ...] = ("end", "retry", "goto") if failure else ("end", "goto")
        if kind is not None and kind not in allowed:
            self.report("enum", f"{pointer}/type", f"the type of {what} must be {_listing(allowed)}, found {kind!r}")
            kind = None
        has_workflow, has_step = "workflowId" in data, "stepId" in data
        if kind == "goto" and not (has_workflow or has_step):
            self.report("action-target", pointer, "a `goto` action needs `stepId` or `workflowId`")
        if kind in ("goto", "retry") and has_workflow and has_step:
            self.report(
                "action-target", f"{pointer}/stepId", "`stepId` and `workflowId` are mutually exclusive: give only one"
            )
        if kind == "end":
            for name in ("workflowId", "stepId"):
                if name in data:
                    self.report("irrelevant-field", f"{pointer}/{name}", f"`{name}` has no effect on an `end` action")
        if kind is not None and kind != "retry":
            for name in ("retryAfter", "retryLimit"):
                if name in data:
                    self.report(
                        "irrelevant-field",
                        f"{pointer}/{name}",
                        f"`{name}` applies only to `retry` actions, not `{kind}`",
                    )
        for name in ("retryAfter", "retryLimit"):
            value = data.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                self.report("range", f"{pointer}/{name}", f"`{name}` must not be negative, found {value}")
        if self.newer and "parameters" in data and not has_workflow:
            self.report(
                "action-target",
                f"{pointer}/parameters",
                "action `parameters` are passed to a workflow: they need `workflowId`",
            )
        for parameter, at in self.maps(data, pointer, "parameters"):
            self.parameter_entry(parameter, at)
        for criterion, at in self.maps(data, pointer, "criteria"):
            self.criterion(criterion, at)

    def criterion(self, data: Mapping[str, Any], pointer: str) -> None:
        self.required(data, pointer, "a criterion", "condition")
        kind = data.get("type")
        name: Optional[str] = None
        if isinstance(kind, str):
            if kind in _CRITERION_TYPES:
                name = kind
            elif kind == "jsonpointer":
                self.report(
                    "expression-type", f"{pointer}/type", "a criterion type must be simple, regex, jsonpath or xpath"
                )
            else:
                self.report(
                    "enum",
                    f"{pointer}/type",
                    f"criterion type {kind!r} is not {_listing(_CRITERION_TYPES)}",
                )
        elif _is_map(kind):
            name = self.expression_type(kind, f"{pointer}/type", criterion=True)
        if name is not None and name != "simple" and "context" not in data:
            self.report(
                "criterion-context",
                pointer,
                f"a {name} criterion needs a `context` (e.g. `context: $response.body`) to apply its condition to",
            )

    def expression_type(self, data: Mapping[str, Any], pointer: str, *, criterion: bool = False) -> Optional[str]:
        """An Expression Type Object; returns its type when it is a known one."""
        what = "Expression Type" if self.newer else "Criterion Expression Type"
        self.required(data, pointer, f"a {what} object", "type", "version")
        kind, version = self.string(data, "type"), self.string(data, "version")
        table = _EXPRESSION_VERSIONS[self.minor]
        if kind is None:
            return None
        if kind not in table:
            if kind in _EXPRESSION_VERSIONS[(1, 1)]:
                self.newer_value(f"{pointer}/type", f"expression type {kind!r}")
            else:
                allowed = tuple(table) if not criterion else tuple(t for t in table if t != "jsonpointer")
                self.report("expression-type", f"{pointer}/type", f"`type` must be {_listing(allowed)}, found {kind!r}")
            return None
        if version is not None and version not in table[kind]:
            if version in _EXPRESSION_VERSIONS[(1, 1)].get(kind, ()):
                hint = " (a plain `type: " + kind + "` string means it)" if version in ("rfc9535", "xpath-31") else ""
                self.report(
                    "newer-feature",
                    f"{pointer}/version",
                    f"{kind} version {version!r} is an Arazzo 1.1 value{hint}; {OLDER_VERSION_HINT}",
                )
            else:
                self.report(
                    "expression-type",
                    f"{pointer}/version",
                    f"{kind} version {version!r} is not {_listing(table[kind])}",
                )
        return kind

    def selector_type(self, value: Any, pointer: str) -> None:
        if isinstance(value, str):
            if value not in _SELECTOR_TYPES:
                self.report("expression-type", pointer, f"selector type {value!r} is not {_listing(_SELECTOR_TYPES)}")
        elif _is_map(value):
            self.expression_type(value, pointer)

    def selector(self, data: Mapping[str, Any], pointer: str) -> None:
        self.required(data, pointer, "a Selector object", "context", "selector", "type")
        if "type" in data:
            self.selector_type(data["type"], f"{pointer}/type")

    def request_body(self, data: Mapping[str, Any], pointer: str) -> None:
        for replacement, at in self.maps(data, pointer, "replacements"):
            self.required(replacement, at, "a payload replacement", "target", "value")
            if self.newer and "targetSelectorType" in replacement:
                self.selector_type(replacement["targetSelectorType"], f"{at}/targetSelectorType")
            value = replacement.get("value")
            if self.newer and _is_map(value) and "selector" in value:
                self.selector(value, f"{at}/value")

    def components(self, data: Mapping[str, Any], pointer: str) -> None:
        for name in ("inputs", "parameters", "successActions", "failureActions"):
            self.keys(data, pointer, name, "component")
        for kind in ("parameters", "successActions", "failureActions"):
            table = data.get(kind)
            if not _is_map(table):
                continue
            for key, value in table.items():
                if not _is_map(value):
                    continue  # the model reports the wrong type
                at = f"{pointer}/{kind}/{_escape(key)}"
                if kind == "parameters":
                    self.parameter(value, at)
                else:
                    self.action(value, at, failure=kind == "failureActions")


def _problem_rule(message: str) -> str:
    if "Arazzo 1.1" in message:
        return "newer-feature"
    if "is not a field of" in message:
        return "unknown-field"
    return "type"


def check_structure(context: Context) -> Iterator[Diagnostic]:
    """The structural diagnostics of the document of ``context``."""
    for problem in context.document.problems:
        rule = _problem_rule(problem.message)
        message = problem.message
        if rule == "newer-feature":
            message = message.replace(
                "this document declares arazzo 1.0.x",
                f"this document declares arazzo {context.document.arazzo}: {OLDER_VERSION_HINT}",
            )
        location = problem.location
        if rule == "unknown-field" or (rule == "newer-feature" and "field" in message):
            location = context.key_at(location)  # the field's name is what is wrong
        yield Diagnostic(RULES[rule].severity, rule, message, location)
    walker = _Walker(context)
    if isinstance(context.data, Mapping):
        walker.root(context.data)
    yield from walker.found
    if context.minor < (1, 1):
        yield from _newer_expressions(context)


def _newer_expressions(context: Context) -> Iterator[Diagnostic]:
    """``$self``, ``$message`` and ``.payload`` are Arazzo 1.1 runtime expressions."""
    for occurrence in context.values().occurrences:
        for expression in occurrence.result.references:
            if expression.root in ("self", "message") or expression.qualifier == "payload":
                what = f"${expression.root}" + ("" if expression.root in ("self", "message") else ".payload")
                shown = what if expression.text == what else f"{expression.text}: {what}"
                yield Diagnostic(
                    RULES["newer-feature"].severity,
                    "newer-feature",
                    f"{shown} is an Arazzo 1.1 runtime expression; {OLDER_VERSION_HINT}",
                    context.at_offset(occurrence.location, expression.offset),
                )
