"""Running one step: parameters, request body, the exchange, criteria and outputs.

Operation steps build their request with :mod:`.request` and yield a ``Send`` effect; workflow
steps run the sub-workflow through the engine.  A failing step is data (a StepResult whose
status is ``failed`` with the reason and its type), never an exception out of here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ArazzoError, DocumentError, ExpressionError
from ..expressions import ExpressionContext, HttpMessage, compile_value
from ..missing import MISSING
from ..model import Parameter, ReusableObject, Selector, Step, Workflow, as_selector
from ..openapi.index import join_url
from ..targets import OperationTarget, WorkflowTarget, resolve_operation, resolve_workflow
from .inputs import InputsError, resolve_schema, validate_inputs
from .request import ParameterValue, StepError, build_request
from .results import Notice, RequestRecord, RequestSent, ResponseReceived, ResponseRecord, StepResult

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Engine

__all__ = ["StepRunner", "StepFailure", "DeadlineExceeded", "parse_body", "SECRET_HEADERS"]

SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_CHARSET = re.compile(r"charset=([\w.-]+)", re.IGNORECASE)


class StepFailure(Exception):
    """The step failed for ``kind`` (network, timeout, inputs, unsupported, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class DeadlineExceeded(Exception):
    """A step's 1.1 ``timeout`` ran out while something inside it was running."""


MAX_BODY_DEPTH = 512  # nesting of a JSON response body that a step accepts (see parse_body)


class BodyTooDeep(Exception):
    """A JSON response body nested deeper than :data:`MAX_BODY_DEPTH`."""


def parse_body(content: bytes, content_type: str | None) -> Any:
    """A response body as expressions see it: JSON data when it is JSON, else text.

    A JSON body nested more than MAX_BODY_DEPTH levels raises BodyTooDeep: Python's own
    recursion (the JSON reader's, and everything that walks the value after it) stops near
    1,000 levels, so such a body is refused whole, with a message, rather than half-used.
    """
    if not content:
        return MISSING
    media = (content_type or "").lower()
    match = _CHARSET.search(media)
    try:
        text = content.decode(match.group(1) if match else "utf-8", errors="replace")
    except LookupError:
        text = content.decode("utf-8", errors="replace")
    if "json" in media or (not media and text.lstrip()[:1] in ("{", "[")):
        try:
            value = json.loads(text)
        except RecursionError:
            raise BodyTooDeep() from None
        except ValueError:
            return text
        # only a body with that many brackets can be that deep: most never pay for the walk
        if text.count("[") + text.count("{") > MAX_BODY_DEPTH and _depth(value) > MAX_BODY_DEPTH:
            raise BodyTooDeep()
        return value
    return text


def _depth(value: Any) -> int:
    """How deeply ``value`` nests arrays and objects (iteratively: it may be very deep)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        if deepest > MAX_BODY_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def _redacted(headers: list[tuple[str, str]], secrets: frozenset[str] = SECRET_HEADERS) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, value in headers:
        value = "***" if name.lower() in secrets else value
        shown[name] = f"{shown[name]}, {value}" if name in shown else value
    return shown


class StepRunner:
    """Runs steps for one :class:`~.engine.Engine`."""

    def __init__(self, engine: Engine, credentials: Any = None) -> None:
        self.engine = engine
        self.credentials = credentials

    # ------------------------------------------------------------ one step

    def run(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext, attempt: int, depth: int
    ) -> Any:
        engine = self.engine
        workflow_id, step_id = workflow.workflow_id or "", step.step_id or ""
        yield engine.started_event(workflow_id, step, attempt)
        # $statusCode, $request.*, $response.* ... are this step's: a step that fails before
        # (or without) a response must not show its criteria the previous step's exchange
        context.status_code, context.url, context.method = MISSING, MISSING, MISSING
        context.request = context.response = None
        started = engine.clock()
        result = StepResult(step_id, workflow_id, "failed", attempt, location=step.location)
        deadline = (
            started + step.timeout / 1000.0 if isinstance(step.timeout, (int, float)) and step.timeout > 0 else None
        )
        if deadline is not None:
            engine.deadlines.append(deadline)
        try:
            self.check_dependencies(workflow, step)
            kind = step.kind
            if kind == "workflow":
                yield from self.run_workflow_step(description, workflow, step, context, result, depth)
            elif kind == "operation":
                yield from self.run_operation(description, workflow, step, context, result, deadline)
            elif kind == "asyncapi":
                raise StepFailure(
                    "unsupported", f"step {step_id!r} is an AsyncAPI step, which this runner does not run yet"
                )
            else:
                raise StepFailure("document", f"step {step_id!r} has no operationId, operationPath or workflowId")
        except StepFailure as failure:
            result.status, result.error, result.error_type = "failed", failure.message, failure.kind
        except DeadlineExceeded:
            if deadline is None or engine.clock() < deadline:
                raise
            result.status, result.error_type = "failed", "timeout"
            result.error = f"step {step_id!r} did not complete within its timeout of {step.timeout} ms"
        except InputsError as error:
            result.status, result.error, result.error_type = "failed", error.message, "inputs"
        except ExpressionError as error:
            result.status, result.error, result.error_type = "failed", error.message, "expression"
        except ArazzoError as error:
            result.status, result.error, result.error_type = "failed", str(error), "document"
        finally:
            if deadline is not None:
                engine.deadlines.remove(deadline)
        if deadline is not None and result.status == "succeeded" and engine.clock() > deadline:
            result.status, result.error_type = "failed", "timeout"
            result.error = f"step {step_id!r} did not complete within its timeout of {step.timeout} ms"
        result.elapsed = engine.clock() - started
        if result.status == "succeeded":
            engine.completed_steps.add((workflow_id, step_id))
        yield engine.finished(result)
        return result

    def check_dependencies(self, workflow: Workflow, step: Step) -> None:
        for name in step.depends_on:
            parts = name.split(".")
            if name.startswith("$workflows.") and len(parts) >= 4 and parts[2] == "steps":
                key = (parts[1], ".".join(parts[3:]))
            elif name.startswith("$sourceDescriptions.") and len(parts) >= 5 and parts[3] == "steps":
                key = (parts[2], ".".join(parts[4:]))
            else:
                key = (workflow.workflow_id or "", name)
            if key not in self.engine.completed_steps:
                raise StepFailure(
                    "criteria",
                    f"step {step.step_id!r} depends on {name!r}, which has not completed in this run "
                    "(dependsOn does not run steps: order the steps so it runs first)",
                )

    # ------------------------------------------------------------ operation steps

    def operation_target(self, description: Any, step: Step) -> OperationTarget:
        key = ("operation", id(description), id(step))
        target = self.engine.cache.get(key)
        if target is None:
            target = resolve_operation(description, step)
            self.engine.cache[key] = target
        return target

    def run_operation(
        self,
        description: Any,
        workflow: Workflow,
        step: Step,
        context: ExpressionContext,
        result: StepResult,
        deadline: float | None,
    ) -> Any:
        engine, options = self.engine, self.engine.options
        target = self.operation_target(description, step)
        operation = target.operation
        parameters = self.parameters(description, workflow, step, context, operation)
        body, content_type = self.request_body(description, step, context, operation)
        for warning in self.request_warnings:
            yield Notice(warning, step.step_id)
        server = options.servers.get(target.source) or operation.server_url(options.server_variables)
        if target.source not in options.servers and len(operation.servers) > 1:
            choices = tuple(candidate.url for candidate in operation.servers)
            if (target.source, choices) not in engine.server_notices:
                engine.server_notices.add((target.source, choices))
                yield Notice(
                    f"source {target.source!r} offers {len(choices)} servers ({', '.join(choices)}); "
                    f"using {server}: choose with --server {target.source}=URL",
                    step.step_id,
                )
        if not server.startswith(("http://", "https://")):
            raise StepFailure(
                "usage",
                f"the server of operation {operation.operation_id or operation.path!r} is {server!r}, not a full URL: "
                f"pass --server {target.source}=URL",
            )
        try:
            prepared = build_request(
                operation.method, join_url(server, operation.path), parameters,
                body=body, content_type=content_type, dry_run=options.dry_run,
            )  # fmt: skip
        except StepError as error:
            raise StepFailure("expression", error.message) from None
        from .auth import Authenticator, CredentialedSend, TokenError, host_of  # auth imports the engine
        from .results import CredentialUsed

        auth = self.credentials
        if not isinstance(auth, Authenticator):  # an Engine made without a Runner: plain credentials
            auth = self.credentials = Authenticator(auth, clock=engine.clock)
        workflow_id, step_id = workflow.workflow_id or "", step.step_id or ""
        try:
            authorization = yield from auth.authorize(
                target.source, operation, description.openapi(target.source).security_schemes, server,
                dry_run=options.dry_run, timeout=min(options.timeout, engine.remaining() or options.timeout),
                max_bytes=options.max_response_bytes, workflow_id=workflow_id, step_id=step_id,
            )  # fmt: skip
        except TokenError as error:
            raise StepFailure(error.kind, error.message) from None
        applied = authorization.apply(prepared.url, prepared.headers, prepared.cookies)
        headers = applied.headers
        context.url, context.method = applied.url, prepared.method
        context.request = HttpMessage(
            headers=dict(headers), query=prepared.query, path=prepared.path, body=prepared.body_value
        )
        secret_headers = SECRET_HEADERS | applied.secret_headers
        result.request = RequestRecord(
            prepared.method, applied.shown_url, _redacted(headers, secret_headers), prepared.body_text
        )
        yield RequestSent(workflow_id, step_id, result.request)
        if options.dry_run:
            result.status = "succeeded"
            return
        if options.check_requests:
            from ..openapi.requests import check_request

            problems = check_request(description.openapi(target.source), operation, prepared)
            if problems:
                message = "request does not match the OpenAPI description: " + "; ".join(problems)
                if options.check_requests != "warn":
                    raise StepFailure("request-check", message)
                yield Notice(message, step.step_id)
        for source, scheme, kind in applied.used:
            yield CredentialUsed(source, scheme, kind, host_of(applied.url), workflow_id, step_id)
        timeout = min(options.timeout, engine.remaining() or options.timeout)
        cut_by_max_time = timeout < options.timeout  # the request gets only what --max-time leaves
        if deadline is not None and deadline - engine.clock() < timeout:
            timeout, cut_by_max_time = max(deadline - engine.clock(), 0.001), False
        exchange = yield CredentialedSend(
            prepared.method,
            applied.url,
            headers,
            prepared.content,
            timeout,
            options.follow_redirects,
            options.max_response_bytes,
            applied.credential_headers,
            applied.credential_query,
            applied.credential_cookies,
        )
        if exchange.error is not None:
            if exchange.error_type == "timeout" and deadline is not None and engine.clock() >= deadline:
                raise DeadlineExceeded()
            if exchange.error_type == "timeout" and cut_by_max_time:
                raise StepFailure(
                    "max-time",
                    f"the run took longer than --max-time {options.max_time:g} s "
                    f"(the request of step {step.step_id!r} was cut short: {exchange.error})",
                )
            raise StepFailure(exchange.error_type or "network", exchange.error)
        response_headers: dict[str, str] = {}
        for name, value in exchange.headers:
            response_headers[name] = f"{response_headers[name]}, {value}" if name in response_headers else value
        content_type = next((v for k, v in exchange.headers if k.lower() == "content-type"), None)
        try:
            body_value = parse_body(exchange.content, content_type)
        except BodyTooDeep:
            result.response = ResponseRecord(exchange.status_code, _redacted(exchange.headers, secret_headers), None)
            raise StepFailure(
                "network",
                f"the response body (status {exchange.status_code}) nests JSON more than {MAX_BODY_DEPTH} levels "
                "deep; it was not used",
            ) from None
        secrets = getattr(self.credentials, "secrets", None)
        if secrets is not None:
            for value in secret_fields(body_value):  # tokens a step fetched itself stay out of every output
                secrets.add(value)
        context.status_code = exchange.status_code
        context.response = HttpMessage(headers=response_headers, body=body_value)
        result.response = ResponseRecord(
            exchange.status_code,
            _redacted(exchange.headers, secret_headers),
            None if body_value is MISSING else body_value,
        )
        yield ResponseReceived(workflow_id, step_id, exchange.status_code, exchange.elapsed)
        yield from self.conclude(workflow, step, context, result, default_success=200 <= exchange.status_code < 300)
        if result.status == "failed" and not step.success_criteria:
            result.error = f"the response status {exchange.status_code} is not 2xx (the step has no successCriteria)"
        if result.status == "failed" and exchange.status_code >= 400:
            reason = _server_reason(body_value)
            if reason:
                result.error = f"{result.error} (the server said: {reason})" if result.error else reason
        if options.check_responses:
            from ..openapi.responses import check_response

            index = description.openapi(target.source)
            problems = check_response(index, operation, exchange.status_code, content_type, body_value)
            if problems:
                message = "response does not match the OpenAPI description: " + "; ".join(problems)
                if options.check_responses == "warn":
                    yield Notice(message, step.step_id)
                elif result.status == "succeeded":
                    result.status, result.error, result.error_type = "failed", message, "response-check"
                else:
                    result.error = f"{result.error}; {message}" if result.error else message

    def conclude(
        self, workflow: Workflow, step: Step, context: ExpressionContext, result: StepResult, *, default_success: bool
    ) -> Any:
        """Criteria decide success (no criteria: ``default_success``); then the outputs."""
        if step.success_criteria:
            failures = yield from self.engine.checked_criteria(
                step.success_criteria, context, workflow.workflow_id or "", step.step_id or ""
            )
            succeeded = not failures
            if failures:
                result.error, result.error_type = "successCriteria not met: " + "; ".join(failures), "criteria"
        else:
            succeeded = default_success
            if not succeeded:
                result.error_type = "criteria"
        outputs: dict[str, Any] = {}
        for name, expression in step.outputs.items():
            value, problem = self.output_value(expression, context)
            if problem is None:
                outputs[name] = value
            elif succeeded:  # after a failure, outputs that are not there are expected
                yield Notice(f"output {name!r} of step {step.step_id!r} {problem}", step.step_id)
        context.steps[step.step_id or ""] = outputs  # type: ignore[index]
        result.outputs = outputs
        if succeeded:
            result.status = "succeeded"

    # ------------------------------------------------------------ workflow steps

    def run_workflow_step(
        self,
        description: Any,
        workflow: Workflow,
        step: Step,
        context: ExpressionContext,
        result: StepResult,
        depth: int,
    ) -> Any:
        target = resolve_workflow(description, step.workflow_id, step.location.child("workflowId"))
        given = {
            name: value
            for (name, _), value in self.parameter_values(description, workflow, step, context).items()
            if value is not MISSING  # a missing value is left out, as in a request
        }
        inputs = self.validated_inputs(target, given)
        outcome = yield from self.engine.run_workflow(target.description, target.workflow, inputs, depth + 1)
        inner = outcome.context
        context.status_code, context.response, context.request = inner.status_code, inner.response, inner.request
        context.url, context.method = inner.url, inner.method
        saved = context.outputs
        context.outputs = outcome.outputs
        try:
            yield from self.conclude(workflow, step, context, result, default_success=True)
        finally:
            context.outputs = saved
        if outcome.status != "succeeded":
            result.status = "failed"
            reason = outcome.error.message if outcome.error is not None else "it failed"
            result.error = f"workflow {step.workflow_id!r} failed: {reason}"
            result.error_type = outcome.error.type if outcome.error is not None else "criteria"

    def validated_inputs(self, target: WorkflowTarget, given: Mapping[str, Any]) -> dict[str, Any]:
        workflow = target.workflow
        data = target.description.parsed.data
        if self.engine.options.dry_run:
            # values that come from responses are unknown in a dry run: show what can be shown
            return dict(given)
        return validate_inputs(
            workflow.inputs, given, document=data, schema_pointer=workflow.location.pointer + "/inputs",
            workflow_id=workflow.workflow_id,
        )  # fmt: skip

    def inputs_for(
        self, description: Any, workflow: Workflow, inputs: Mapping[str, Any], *, declared_only: bool
    ) -> dict[str, Any]:
        """The run's inputs a dependency or a goto target declares, validated for it."""
        schema = resolve_schema(workflow.inputs, description.parsed.data)
        declared = schema.get("properties") if isinstance(schema, Mapping) else None
        given = {
            k: v for k, v in inputs.items() if not declared_only or (isinstance(declared, Mapping) and k in declared)
        }
        return self.validated_inputs(WorkflowTarget(description, workflow), given)

    def action_inputs(
        self, description: Any, action: Any, target: WorkflowTarget, context: ExpressionContext
    ) -> dict[str, Any]:
        """Inputs for a workflow an action transfers to: its 1.1 ``parameters``, else the
        current inputs that the target declares."""
        if action.parameters:
            given = {}
            for entry in action.parameters:
                parameter, value = self.resolve_parameter(description, entry)
                resolved = self.value(description, value, context)
                if resolved is not MISSING and parameter.name:
                    given[parameter.name] = resolved
            return self.validated_inputs(target, given)
        return self.inputs_for(target.description, target.workflow, context.inputs, declared_only=True)

    # ------------------------------------------------------------ values

    def resolve_parameter(self, description: Any, entry: Any) -> tuple[Parameter, Any]:
        if isinstance(entry, ReusableObject):
            reference = entry.reference or ""
            prefix = "$components.parameters."
            components = description.document.components
            parameter = (
                components.parameters.get(reference[len(prefix) :])
                if components and reference.startswith(prefix)
                else None
            )
            if parameter is None:
                raise DocumentError(f"{reference!r} does not name a parameter in components.parameters", entry.location)
            return parameter, entry.value if entry.value is not MISSING else parameter.value
        return entry, entry.value

    def value(self, description: Any, raw: Any, context: ExpressionContext) -> Any:
        """A document value with its expressions (and 1.1 Selector Objects) resolved."""
        if isinstance(raw, str):
            return compile_value(raw)(context)
        if isinstance(raw, Mapping):
            if description.minor >= (1, 1):
                selector = as_selector(raw, description.parsed.location())
                if selector is not None:
                    return self.selected(selector, context)
            resolved = {}
            for key, item in raw.items():
                item = self.value(description, item, context)
                if item is not MISSING:
                    resolved[key] = item
            return resolved
        if isinstance(raw, list):
            return [item for item in (self.value(description, entry, context) for entry in raw) if item is not MISSING]
        return raw

    def selected(self, selector: Selector, context: ExpressionContext) -> Any:
        from ..expressions.selectors import select

        source = compile_value(selector.context or "")(context)
        if source is MISSING or source is None:
            return MISSING
        return select(source, selector.selector or "", selector.type or "jsonpath")

    def parameter_values(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext
    ) -> dict[tuple[str, str | None], Any]:
        """Workflow-level and step-level parameters merged by (name, in), step winning,
        each evaluated; MISSING values are kept (the request builder leaves them out)."""
        merged: dict[tuple[str, str | None], Any] = {}
        for entry in (*workflow.parameters, *step.parameters):
            parameter, raw = self.resolve_parameter(description, entry)
            if not parameter.name:
                continue
            merged[(parameter.name, parameter.in_)] = raw
        return {key: self.value(description, raw, context) for key, raw in merged.items()}

    def parameters(
        self, description: Any, workflow: Workflow, step: Step, context: ExpressionContext, operation: Any
    ) -> list[ParameterValue]:
        """The step's parameters with how the operation serializes each (style, explode,
        allowReserved, ``content`` media type and its encoding).

        A parameter the operation does not declare is still sent as written, with the
        defaults of its location; it gives a warning.  Warnings are not yielded from here:
        they are left in ``self.request_warnings`` (a new list on each call, which
        :meth:`request_body` appends to), for the caller to report as ``Notice`` events.
        """
        from ..openapi.serialize import default_explode

        warnings: list[str] = []
        self.request_warnings = warnings
        operation_name = operation.operation_id or f"{operation.method} {operation.path}"
        values = []
        for (name, location), value in self.parameter_values(description, workflow, step, context).items():
            declared = operation.parameter(name, location) if location else None
            if location is None:
                # no `in` on an operation step: the operation's own parameter of that name tells
                declared = next((p for p in operation.parameters if p.name == name), None)
                if declared is None:
                    warnings.append(
                        f"parameter {name!r} of step {step.step_id!r} has no 'in', and operation "
                        f"{operation_name!r} declares no parameter of that name: it is not sent"
                    )
                    continue
                location = declared.in_
            if declared is None and value is not MISSING:
                if location not in ("path", "query", "querystring", "header", "cookie"):
                    warnings.append(f"parameter {name!r} of step {step.step_id!r} is in {location!r}: it is not sent")
                    continue
                # OpenAPI ignores Accept, Content-Type and Authorization header parameters: they
                # are never declared, and setting them is not worth a warning
                if not (location == "header" and name.lower() in ("accept", "content-type", "authorization")):
                    warnings.append(
                        f"parameter {name!r} (in: {location}) of step {step.step_id!r} is not declared by "
                        f"operation {operation_name!r}: it is sent as written"
                    )
            style = explode = content_type = encoding = None
            allow_reserved = False
            if declared is not None:
                style = declared.style
                raw_explode = declared.raw.get("explode") if isinstance(declared.raw, Mapping) else None
                # OpenAPI 3.2: explode defaults to true for style cookie too
                explode = raw_explode if isinstance(raw_explode, bool) else default_explode(style)
                allow_reserved = bool(declared.allow_reserved)
                if declared.content:
                    content_type = next(iter(declared.content))
                    media = declared.content[content_type]
                    found = media.get("encoding") if isinstance(media, Mapping) else None
                    encoding = found if isinstance(found, Mapping) else None
            values.append(
                ParameterValue(
                    name,
                    location,
                    value,
                    style=style,
                    explode=explode,
                    allow_reserved=allow_reserved,
                    content_type=content_type,
                    encoding=encoding,
                )
            )
        return values

    def request_body(
        self, description: Any, step: Step, context: ExpressionContext, operation: Any
    ) -> tuple[Any, str | None]:
        """The step's payload (replacements applied) and its content type: the step's
        ``contentType``, else the operation's first request body media type.

        When the operation describes that media type, the payload comes wrapped in a
        :class:`~arazzo_runner.openapi.serialize.Payload` with its Media Type Object (for the
        Encoding Objects and the XML hints), which ``build_request`` unwraps.  Replacements
        work on a copy (the document and the context are never modified); a target that
        selects nothing raises ``StepError``.  Warnings go to ``self.request_warnings``
        (see :meth:`parameters`).
        """
        from ..openapi.serialize import Payload, apply_replacement, media_object

        warnings = getattr(self, "request_warnings", None)
        if warnings is None:
            warnings = self.request_warnings = []
        body = step.request_body
        if body is None:
            return MISSING, None
        declared = operation.request_body.content if operation.request_body is not None else None
        content_type = body.content_type
        if content_type is None and declared:
            content_type = next(iter(declared))
        media = media_object(declared, content_type)
        if body.content_type is not None and declared and media is None:
            warnings.append(
                f"step {step.step_id!r} sends {body.content_type!r}, which operation "
                f"{operation.operation_id or operation.path!r} does not list ({', '.join(declared)})"
            )
        payload = self.value(description, body.payload, context)
        if payload is MISSING:
            return MISSING, content_type
        for replacement in body.replacements:
            value = self.value(description, replacement.value, context)
            if not isinstance(replacement.target, str):
                continue
            if value is MISSING:
                warnings.append(
                    f"the replacement of {replacement.target!r} in step {step.step_id!r} resolved to nothing: "
                    "the payload is left as it is there"
                )
                continue
            payload = apply_replacement(
                payload, replacement.target, value,
                selector_type=replacement.target_selector_type, content_type=content_type,
            )  # fmt: skip
        if media is None:
            return payload, content_type
        base_uri = operation.request_body.base_uri

        def resolve(node: Any) -> Any:
            index = description.openapi(self.operation_target(description, step).source)
            return index.resolve(node, base_uri=base_uri or None)

        return Payload(payload, media, resolve), content_type

    # ------------------------------------------------------------ outputs and lookups

    def output_value(self, expression: Any, context: ExpressionContext) -> tuple[Any, str | None]:
        try:
            if isinstance(expression, Selector):
                value = self.selected(expression, context)
            elif isinstance(expression, str):
                value = compile_value(expression)(context)
            else:
                return expression, None
        except ExpressionError as error:
            return MISSING, f"could not be evaluated: {error.message}"
        if value is MISSING:
            shown = expression if isinstance(expression, str) else expression.selector
            return MISSING, f"resolved to nothing ({shown})"
        return value, None

    def last_header(self, context: ExpressionContext, name: str) -> str | None:
        response = context.response
        if response is None:
            return None
        value = response.headers.get(name.lower())
        return str(value) if value is not None else None

    def source_lookup(self, description: Any) -> Callable[[str, str], Any]:
        def lookup(name: str, reference: str) -> Any:
            declared = description.document.source_description(name)
            if declared is None:
                return MISSING
            try:
                source = description.source(name)
                if source.type == "openapi" and description.openapi(name).operation(reference) is not None:
                    return reference
                if source.type == "arazzo" and description.arazzo(name).document.workflow(reference) is not None:
                    return reference
                kind = source.type
            except ArazzoError:
                kind = declared.type
            fields = {"name": declared.name, "url": declared.url, "type": declared.type or kind}
            value = fields.get(reference)
            return MISSING if value is None else value

        return lookup


_REASON_KEYS = ("message", "detail", "title", "error_description", "error")


def _server_reason(body: Any) -> str | None:
    """The message an error response gives (``message``, ``detail``, ``title``...), if any."""
    if isinstance(body, Mapping):
        for key in _REASON_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                text = " ".join(value.split())
                return text if len(text) <= 300 else text[:297] + "..."
            if isinstance(value, Mapping):
                nested = _server_reason(value)
                if nested:
                    return nested
    return None


_SECRET_NAMES = frozenset(
    {"accesstoken", "refreshtoken", "idtoken", "token", "clientsecret", "password", "secret", "apikey"}
)


def secret_fields(body: Any, depth: int = 0) -> list[str]:
    """String values of a response body held under secret-looking names (``access_token``...)."""
    found: list[str] = []
    if depth > 6:
        return found
    if isinstance(body, Mapping):
        for key, value in body.items():
            name = str(key).lower().replace("_", "").replace("-", "")
            if name in _SECRET_NAMES and isinstance(value, str) and len(value) >= 6:
                found.append(value)
            elif isinstance(value, (Mapping, list)):
                found.extend(secret_fields(value, depth + 1))
    elif isinstance(body, list):
        for item in body[:100]:
            found.extend(secret_fields(item, depth + 1))
    return found
