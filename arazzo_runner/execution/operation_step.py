"""Operation steps: build the request, send it (a ``Send`` effect), read the response, and
conclude with the criteria and outputs (workflow steps conclude the same way).

A failing step is data: what goes wrong raises :class:`StepFailure` (or, for a 1.1 step
``timeout``, :class:`DeadlineExceeded`), which :meth:`~.steps.StepRunner.run` turns into a
failed :class:`~.results.StepResult`.
"""

from __future__ import annotations

from typing import Any

from ..expressions import ExpressionContext, HttpMessage
from ..missing import MISSING
from ..model import Step, Workflow
from ..openapi.index import join_url
from .request import StepError, build_request
from .response_body import (
    MAX_BODY_DEPTH,
    SECRET_HEADERS,
    BodyTooDeep,
    parse_body,
    redacted_headers,
    secret_fields,
    server_reason,
)
from .results import Notice, RequestRecord, RequestSent, ResponseReceived, ResponseRecord, StepResult
from .step_values import StepValues

__all__ = ["OperationStep", "StepFailure", "DeadlineExceeded"]


class StepFailure(Exception):
    """The step failed for ``kind`` (network, timeout, inputs, unsupported, ...)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class DeadlineExceeded(Exception):
    """A step's 1.1 ``timeout`` ran out while something inside it was running."""


class OperationStep(StepValues):
    """Operation steps and the conclusion of every step (a base of ``StepRunner``)."""

    credentials: Any

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
        if len(operation.servers) > 1:  # the common case builds nothing
            choices = tuple(candidate.url for candidate in operation.servers)
            yield from engine.server_choice(target.source, choices, server, step.step_id)
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
            prepared.method, applied.shown_url, redacted_headers(headers, secret_headers), prepared.body_text
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
            result.response = ResponseRecord(
                exchange.status_code, redacted_headers(exchange.headers, secret_headers), None
            )
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
            redacted_headers(exchange.headers, secret_headers),
            None if body_value is MISSING else body_value,
        )
        yield ResponseReceived(workflow_id, step_id, exchange.status_code, exchange.elapsed, response=result.response)
        yield from self.conclude(workflow, step, context, result, default_success=200 <= exchange.status_code < 300)
        if result.status == "failed" and not step.success_criteria:
            result.error = f"the response status {exchange.status_code} is not 2xx (the step has no successCriteria)"
        if result.status == "failed" and exchange.status_code >= 400:
            reason = server_reason(body_value)
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
