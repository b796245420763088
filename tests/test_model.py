"""The Arazzo model and its builder: field values, extensions, problems, every known document."""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner.errors import DocumentError, Location
from arazzo_runner.model import (
    ArazzoDocument,
    Criterion,
    CriterionExpressionType,
    ExpressionType,
    FailureAction,
    Parameter,
    Problem,
    ReusableObject,
    Selector,
    Step,
    SuccessAction,
    as_selector,
)
from arazzo_runner.model_build import build_document

SHARED = Path(__file__).resolve().parents[2] / "shared"


def locate(pointer: str) -> Location:
    return Location("test.yaml", pointer)


def build(data: Any, minor: tuple[int, int] = (1, 0)) -> ArazzoDocument:
    return build_document(data, file="test.yaml", locate=locate, minor=minor)


def load(text: str) -> Any:
    return yaml.safe_load(textwrap.dedent(text))


def problems(document: ArazzoDocument) -> list[tuple[str, str]]:
    return [(problem.location.pointer, problem.message) for problem in document.problems]


DOCUMENT_1_0 = """
    arazzo: 1.0.1
    x-root: 1
    info: {title: Pets, summary: Buy a pet, description: Long text, version: "1.2", x-info: i}
    sourceDescriptions:
      - {name: petStore, url: ./pets.yaml, type: openapi, x-source: s}
    workflows:
      - workflowId: buyPet
        summary: Buy
        description: Buys a pet
        inputs:
          type: object
          properties: {petId: {type: integer}}
        dependsOn: [login]
        parameters:
          - {name: api_key, in: header, value: $inputs.key}
          - {reference: $components.parameters.page, value: 2}
        successActions:
          - {reference: $components.successActions.done}
        failureActions:
          - {name: stop, type: end}
        outputs: {orderId: $steps.order.outputs.id}
        x-workflow: [1, 2]
        steps:
          - stepId: find
            description: Finds the pet
            operationId: $sourceDescriptions.petStore.findPet
            parameters:
              - {name: petId, in: path, value: {nested: [1, true, null]}}
            successCriteria:
              - condition: $statusCode == 200
              - {context: $response.body, condition: "^ok$", type: regex}
              - context: $response.body
                condition: $.pets
                type: {type: jsonpath, version: draft-goessner-dispatch-jsonpath-00, x-t: 1}
            onSuccess:
              - name: next
                type: goto
                stepId: order
                criteria: [{condition: $statusCode == 200}]
            onFailure:
              - {name: again, type: retry, retryAfter: 1.5, retryLimit: 3, workflowId: login}
              - {reference: $components.failureActions.fail}
            outputs: {pet: $response.body#/pets/0}
          - stepId: order
            operationPath: "{$sourceDescriptions.petStore.url}#/paths/~1orders/post"
            requestBody:
              contentType: application/json
              payload: {petId: $steps.find.outputs.pet, quantity: 1}
              replacements:
                - {target: /quantity, value: 2, x-r: r}
              x-body: b
          - {stepId: sub, workflowId: login, x-step: s}
      - {workflowId: login, steps: [{stepId: in, operationId: login}]}
    components:
      inputs:
        page: {type: integer}
      parameters:
        page: {name: page, in: query, value: 1}
      successActions:
        done: {name: done, type: end}
      failureActions:
        fail: {name: fail, type: end}
      x-components: c
"""


def test_a_1_0_document_gives_every_field() -> None:
    data = load(DOCUMENT_1_0)
    document = build(data)

    assert document.problems == ()
    assert document.arazzo == "1.0.1"
    assert document.minor == (1, 0)
    assert document.file == "test.yaml"
    assert document.self_uri is None
    assert document.extensions == {"x-root": 1}
    assert document.location == locate("")

    info = document.info
    assert info is not None
    assert (info.title, info.summary, info.description, info.version) == ("Pets", "Buy a pet", "Long text", "1.2")
    assert info.extensions == {"x-info": "i"}
    assert info.location.pointer == "/info"

    (source,) = document.source_descriptions
    assert (source.name, source.url, source.type) == ("petStore", "./pets.yaml", "openapi")
    assert source.extensions == {"x-source": "s"}
    assert document.source_description("petStore") is source

    workflow = document.workflow("buyPet")
    assert workflow is not None and workflow is document.workflows[0]
    assert (workflow.summary, workflow.description) == ("Buy", "Buys a pet")
    assert workflow.inputs is data["workflows"][0]["inputs"]
    assert workflow.depends_on == ("login",)
    assert workflow.parameters == (
        Parameter(
            name="api_key",
            in_="header",
            value="$inputs.key",
            location=locate("/workflows/0/parameters/0"),
        ),
        ReusableObject(
            reference="$components.parameters.page",
            value=2,
            location=locate("/workflows/0/parameters/1"),
        ),
    )
    assert workflow.success_actions == (
        ReusableObject(
            reference="$components.successActions.done",
            location=locate("/workflows/0/successActions/0"),
        ),
    )
    assert workflow.failure_actions == (
        FailureAction(name="stop", type="end", location=locate("/workflows/0/failureActions/0")),
    )
    assert workflow.outputs == {"orderId": "$steps.order.outputs.id"}
    assert workflow.extensions == {"x-workflow": [1, 2]}

    find, order, sub = workflow.steps
    assert workflow.step("order") is order
    assert (find.step_id, find.description, find.kind) == ("find", "Finds the pet", "operation")
    assert find.operation_id == "$sourceDescriptions.petStore.findPet"
    (parameter,) = find.parameters
    assert isinstance(parameter, Parameter)
    assert parameter.value is data["workflows"][0]["steps"][0]["parameters"][0]["value"]
    simple, regex, jsonpath = find.success_criteria
    assert simple == Criterion(
        condition="$statusCode == 200", location=locate("/workflows/0/steps/0/successCriteria/0")
    )
    assert (regex.context, regex.condition, regex.type) == ("$response.body", "^ok$", "regex")
    assert jsonpath.type == CriterionExpressionType(
        type="jsonpath",
        version="draft-goessner-dispatch-jsonpath-00",
        extensions={"x-t": 1},
        location=locate("/workflows/0/steps/0/successCriteria/2/type"),
    )
    (on_success,) = find.on_success
    assert isinstance(on_success, SuccessAction)
    assert (on_success.name, on_success.type, on_success.step_id) == ("next", "goto", "order")
    assert on_success.criteria[0].location.pointer == ("/workflows/0/steps/0/onSuccess/0/criteria/0")
    retry, reusable = find.on_failure
    assert isinstance(retry, FailureAction) and isinstance(reusable, ReusableObject)
    assert (retry.type, retry.retry_after, retry.retry_limit, retry.workflow_id) == ("retry", 1.5, 3, "login")
    assert find.outputs == {"pet": "$response.body#/pets/0"}

    assert order.kind == "operation"
    assert order.operation_path == "{$sourceDescriptions.petStore.url}#/paths/~1orders/post"
    body = order.request_body
    assert body is not None
    assert body.content_type == "application/json"
    assert body.payload is data["workflows"][0]["steps"][1]["requestBody"]["payload"]
    assert body.extensions == {"x-body": "b"}
    (replacement,) = body.replacements
    assert (replacement.target, replacement.value, replacement.target_selector_type) == ("/quantity", 2, None)
    assert replacement.extensions == {"x-r": "r"}
    assert replacement.location.pointer == "/workflows/0/steps/1/requestBody/replacements/0"

    assert (sub.kind, sub.workflow_id, sub.extensions) == ("workflow", "login", {"x-step": "s"})

    components = document.components
    assert components is not None
    assert components.inputs == {"page": {"type": "integer"}}
    assert components.parameters["page"].value == 1
    assert components.parameters["page"].location.pointer == "/components/parameters/page"
    assert components.success_actions["done"].type == "end"
    assert components.failure_actions["fail"].name == "fail"
    assert components.extensions == {"x-components": "c"}


DOCUMENT_1_1 = """
    arazzo: 1.1.0
    $self: https://example.com/flows/pets.arazzo.yaml
    info: {title: Events, version: 1.0.0}
    sourceDescriptions:
      - {name: events, url: ./events.yaml, type: asyncapi}
    workflows:
      - workflowId: orders
        outputs:
          email: {context: $response.body, selector: $.user.email, type: jsonpath}
          id: $steps.receive.outputs.id
        steps:
          - stepId: send
            channelPath: $sourceDescriptions.events#/channels/orders
            action: send
            timeout: 5000
            parameters:
              - {name: q, in: querystring, value: a=1&b=2}
            requestBody:
              payload: {id: 1}
              replacements:
                - target: $.id
                  targetSelectorType: {type: jsonpath, version: rfc9535}
                  value: {context: $inputs.order, selector: /id, type: jsonpointer}
          - stepId: receive
            operationId: $sourceDescriptions.events.receiveOrder
            action: receive
            correlationId: $message.header.correlationId
            dependsOn: [send, $workflows.other.steps.done]
            successCriteria:
              - context: $message.payload
                condition: //status
                type: {type: xpath, version: xpath-30}
            onSuccess:
              - name: goOn
                type: goto
                workflowId: other
                parameters: [{name: orderId, value: $message.payload#/id}]
            onFailure:
              - name: other
                type: goto
                workflowId: other
                parameters: [{reference: $components.parameters.page}]
            outputs:
              status:
                context: $message.payload
                selector: /order/status
                type: {type: xpath, version: xpath-30}
                x-sel: 1
      - {workflowId: other, steps: [{stepId: done, operationId: done}]}
"""


def test_a_1_1_document_gives_its_new_fields() -> None:
    data = load(DOCUMENT_1_1)
    document = build(data, minor=(1, 1))

    assert document.problems == ()
    assert document.minor == (1, 1)
    assert document.self_uri == "https://example.com/flows/pets.arazzo.yaml"
    assert document.source_descriptions[0].type == "asyncapi"

    workflow = document.workflows[0]
    assert workflow.outputs == {
        "email": Selector(
            context="$response.body",
            selector="$.user.email",
            type="jsonpath",
            location=locate("/workflows/0/outputs/email"),
        ),
        "id": "$steps.receive.outputs.id",
    }

    send, receive = workflow.steps
    assert (send.kind, send.channel_path, send.action, send.timeout) == (
        "asyncapi",
        "$sourceDescriptions.events#/channels/orders",
        "send",
        5000,
    )
    assert send.parameters[0] == Parameter(
        name="q",
        in_="querystring",
        value="a=1&b=2",
        location=locate("/workflows/0/steps/0/parameters/0"),
    )
    assert send.request_body is not None
    (replacement,) = send.request_body.replacements
    assert replacement.target_selector_type == ExpressionType(
        type="jsonpath",
        version="rfc9535",
        location=locate("/workflows/0/steps/0/requestBody/replacements/0/targetSelectorType"),
    )
    raw_body = data["workflows"][0]["steps"][0]["requestBody"]
    assert replacement.value is raw_body["replacements"][0]["value"]

    assert (receive.kind, receive.action, receive.correlation_id) == (
        "asyncapi",
        "receive",
        "$message.header.correlationId",
    )
    assert receive.depends_on == ("send", "$workflows.other.steps.done")
    criterion_type = receive.success_criteria[0].type
    assert isinstance(criterion_type, ExpressionType)
    assert (criterion_type.type, criterion_type.version) == ("xpath", "xpath-30")
    (go_on,) = receive.on_success
    assert isinstance(go_on, SuccessAction)
    assert go_on.parameters == (
        Parameter(
            name="orderId",
            value="$message.payload#/id",
            location=locate("/workflows/0/steps/1/onSuccess/0/parameters/0"),
        ),
    )
    (other,) = receive.on_failure
    assert isinstance(other, FailureAction)
    assert isinstance(other.parameters[0], ReusableObject)
    status = receive.outputs["status"]
    assert isinstance(status, Selector)
    assert (status.context, status.selector, status.extensions) == ("$message.payload", "/order/status", {"x-sel": 1})
    assert isinstance(status.type, ExpressionType) and status.type.version == "xpath-30"
    assert status.type.location.pointer == "/workflows/0/steps/1/outputs/status/type"


def test_1_1_fields_in_a_1_0_document_are_kept_and_reported() -> None:
    data = load(DOCUMENT_1_1)
    document = build(data, minor=(1, 0))

    send, receive = document.workflows[0].steps
    assert document.self_uri == "https://example.com/flows/pets.arazzo.yaml"
    assert (send.channel_path, send.action, send.timeout) == (
        "$sourceDescriptions.events#/channels/orders",
        "send",
        5000,
    )
    assert receive.depends_on == ("send", "$workflows.other.steps.done")
    assert isinstance(receive.outputs["status"], Selector)
    declared = "this document declares arazzo 1.0.x"
    older = f"is an Arazzo 1.1 field; {declared}"
    selector = f"a Selector Object as an output is an Arazzo 1.1 feature; {declared}"
    assert sorted(problems(document)) == sorted(
        [
            ("/$self", f"`$self` on the document root {older}"),
            ("/workflows/0/outputs/email", selector),
            ("/workflows/0/steps/0/channelPath", f"`channelPath` on a step {older}"),
            ("/workflows/0/steps/0/action", f"`action` on a step {older}"),
            ("/workflows/0/steps/0/timeout", f"`timeout` on a step {older}"),
            (
                "/workflows/0/steps/0/requestBody/replacements/0/targetSelectorType",
                f"`targetSelectorType` on a payload replacement {older}",
            ),
            ("/workflows/0/steps/1/action", f"`action` on a step {older}"),
            ("/workflows/0/steps/1/correlationId", f"`correlationId` on a step {older}"),
            ("/workflows/0/steps/1/dependsOn", f"`dependsOn` on a step {older}"),
            (
                "/workflows/0/steps/1/onSuccess/0/parameters",
                f"`parameters` on a success action {older}",
            ),
            (
                "/workflows/0/steps/1/onFailure/0/parameters",
                f"`parameters` on a failure action {older}",
            ),
            ("/workflows/0/steps/1/outputs/status", selector),
        ]
    )


def minimal(**workflow: Any) -> dict[str, Any]:
    return {
        "arazzo": "1.0.1",
        "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [{"name": "s", "url": "s.yaml"}],
        "workflows": [{"workflowId": "w", "steps": [{"stepId": "a", "operationId": "op"}], **workflow}],
    }


@pytest.mark.parametrize(
    ("workflow", "pointer", "message"),
    [
        pytest.param(
            {"steps": {"stepId": "a"}},
            "/workflows/0/steps",
            "`steps` must be a list of Step objects, found a mapping",
            id="steps-mapping",
        ),
        pytest.param(
            {"workflowId": 12},
            "/workflows/0/workflowId",
            "`workflowId` must be a string, found a number (quote it)",
            id="workflowId-number",
        ),
        pytest.param(
            {"summary": None},
            "/workflows/0/summary",
            "`summary` must be a string, found null",
            id="summary-null",
        ),
        pytest.param(
            {"inputs": "object"},
            "/workflows/0/inputs",
            "`inputs` must be a JSON Schema (a mapping), found a string",
            id="inputs-string",
        ),
        pytest.param(
            {"dependsOn": ["a", 3]},
            "/workflows/0/dependsOn/1",
            "each entry of `dependsOn` must be a string, found a number",
            id="dependsOn-entry",
        ),
        pytest.param(
            {"outputs": ["$inputs.a"]},
            "/workflows/0/outputs",
            "`outputs` must be a mapping of names to runtime expressions, found a list",
            id="outputs-list",
        ),
        pytest.param(
            {"outputs": {"a": 1}},
            "/workflows/0/outputs/a",
            "`a` in `outputs` must be a runtime expression, found a number",
            id="output-number",
        ),
        pytest.param(
            {"parameters": ["page"]},
            "/workflows/0/parameters/0",
            "each entry of `parameters` must be a Parameter or Reusable object, found a string",
            id="parameter-entry",
        ),
        pytest.param(
            {"failureActions": [{"name": "r", "type": "retry", "retryLimit": "3"}]},
            "/workflows/0/failureActions/0/retryLimit",
            "`retryLimit` must be an integer, found a string",
            id="retryLimit-string",
        ),
        pytest.param(
            {"failureActions": [{"name": "r", "type": "retry", "retryAfter": True}]},
            "/workflows/0/failureActions/0/retryAfter",
            "`retryAfter` must be a number, found a boolean",
            id="retryAfter-boolean",
        ),
        pytest.param(
            {"steps": [{"stepId": "a", "requestBody": "{}"}]},
            "/workflows/0/steps/0/requestBody",
            "`requestBody` must be a Request Body object, found a string",
            id="requestBody-string",
        ),
        pytest.param(
            {"steps": [{"stepId": "a", "successCriteria": [{"condition": "x", "type": 3}]}]},
            "/workflows/0/steps/0/successCriteria/0/type",
            "`type` must be a string or a Criterion Expression Type object, found a number",
            id="criterion-type-number",
        ),
    ],
)
def test_a_field_of_the_wrong_type_is_a_problem_and_absent(
    workflow: dict[str, Any], pointer: str, message: str
) -> None:
    document = build(minimal(**workflow))
    assert problems(document) == [(pointer, message)]


def test_wrong_types_leave_the_field_absent() -> None:
    document = build(
        minimal(
            workflowId=12,
            steps={"stepId": "a"},
            dependsOn=["a", 3],
            outputs={"a": 1, "b": "$inputs.b"},
            failureActions=[{"name": "r", "type": "retry", "retryLimit": "3", "retryAfter": 2}],
        )
    )
    workflow = document.workflows[0]
    assert workflow.workflow_id is None
    assert workflow.steps == ()
    assert workflow.depends_on == ("a",)
    assert workflow.outputs == {"b": "$inputs.b"}
    action = workflow.failure_actions[0]
    assert isinstance(action, FailureAction)
    assert (action.retry_limit, action.retry_after) == (None, 2)


def test_wrong_types_at_the_top_and_in_info_are_problems() -> None:
    document = build({"arazzo": 1.0, "info": ["t"], "workflows": "w", "components": {"parameters": []}})
    assert problems(document) == [
        ("/arazzo", "`arazzo` must be a string, found a number (quote it)"),
        ("/info", "`info` must be an Info object, found a list"),
        ("/workflows", "`workflows` must be a list of Workflow objects, found a string"),
        (
            "/components/parameters",
            "`parameters` must be a mapping of names to Parameter objects, found a list",
        ),
    ]
    assert (document.arazzo, document.info, document.workflows) == (None, None, ())
    assert document.components is not None and document.components.parameters == {}


def test_unknown_fields_are_problems_and_extensions_are_not() -> None:
    document = build(
        minimal(
            x_ok=1,
            **{"x-fine": 2, "timeOut": 3},
            steps=[
                {
                    "stepId": "a",
                    "operationId": "op",
                    "$ref": "#/x",
                    "successCriteria": [{"condition": "c", "version": "v"}],
                    "parameters": [{"reference": "$components.parameters.p", "name": "ignored"}],
                }
            ],
        )
    )
    assert problems(document) == [
        (
            "/workflows/0/x_ok",
            "`x_ok` is not a field of a Workflow object; extension fields must start with `x-`",
        ),
        (
            "/workflows/0/timeOut",
            "`timeOut` is not a field of a Workflow object; extension fields must start with `x-`",
        ),
        (
            "/workflows/0/steps/0/$ref",
            "`$ref` is not a field of a Step object; extension fields must start with `x-`",
        ),
        (
            "/workflows/0/steps/0/successCriteria/0/version",
            "`version` is not a field of a Criterion object; extension fields must start with `x-`",
        ),
    ]
    assert document.workflows[0].extensions == {"x-fine": 2}


def test_pointers_are_escaped() -> None:
    document = build(minimal(outputs={"a/b~c": 1}))
    assert problems(document)[0][0] == "/workflows/0/outputs/a~1b~0c"


def test_missing_required_fields_are_none_or_empty() -> None:
    document = build({"workflows": [{"steps": [{}]}], "info": {}})
    assert problems(document) == []
    assert (document.arazzo, document.source_descriptions, document.components) == (None, (), None)
    assert document.info is not None and document.info.title is None
    (workflow,) = document.workflows
    assert workflow.workflow_id is None and workflow.outputs == {}
    (step,) = workflow.steps
    assert (step.step_id, step.kind, step.parameters, step.request_body) == (None, None, (), None)


def test_lookups_miss_with_none() -> None:
    document = build(minimal())
    assert document.workflow("nope") is None
    assert document.source_description("nope") is None
    assert document.workflows[0].step("nope") is None


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"operation_id": "op"}, "operation"),
        ({"operation_path": "{$sourceDescriptions.s.url}#/paths/~1a/get"}, "operation"),
        ({"workflow_id": "w"}, "workflow"),
        ({"channel_path": "$sourceDescriptions.e#/channels/c", "action": "send"}, "asyncapi"),
        ({"operation_id": "receiveOrder", "action": "receive"}, "asyncapi"),
        ({"channel_path": "$sourceDescriptions.e#/channels/c"}, "asyncapi"),
        ({}, None),
    ],
)
def test_the_kind_of_a_step(fields: dict[str, Any], kind: str | None) -> None:
    assert Step(step_id="s", **fields).kind == kind


def test_the_root_must_be_a_mapping() -> None:
    with pytest.raises(DocumentError) as raised:
        build(["root", "must", "be", "an", "object"])
    assert raised.value.message == ("an Arazzo document must be a mapping at the top level, found a list")
    assert raised.value.location == locate("")


def test_the_model_is_immutable() -> None:
    document = build(load(DOCUMENT_1_0))
    workflow = document.workflows[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        workflow.workflow_id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        workflow.outputs["new"] = "$inputs.x"  # type: ignore[index]
    with pytest.raises(TypeError):
        workflow.extensions["x-new"] = 1  # type: ignore[index]
    assert isinstance(workflow.steps, tuple) and isinstance(document.problems, tuple)
    assert not hasattr(workflow, "__dict__")


def test_locate_is_asked_for_every_object() -> None:
    asked: list[str] = []

    def recording(pointer: str) -> Location:
        asked.append(pointer)
        return locate(pointer)

    build_document(load(DOCUMENT_1_1), file=None, locate=recording, minor=(1, 1))
    assert {
        "",
        "/info",
        "/sourceDescriptions/0",
        "/workflows/0",
        "/workflows/0/outputs/email",
        "/workflows/0/steps/0/requestBody",
        "/workflows/0/steps/0/requestBody/replacements/0/targetSelectorType",
        "/workflows/0/steps/1/successCriteria/0/type",
        "/workflows/0/steps/1/onFailure/0/parameters/0",
        "/workflows/0/steps/1/outputs/status/type",
    } <= set(asked)


def test_problems_carry_locations() -> None:
    problem = build(minimal(workflowId=1)).problems[0]
    assert problem == Problem(
        "`workflowId` must be a string, found a number (quote it)",
        locate("/workflows/0/workflowId"),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"context": "$response.body", "selector": "$.a", "type": "jsonpath"}, "jsonpath"),
        (
            {
                "context": "$x",
                "selector": "/a",
                "type": {"type": "xpath", "version": "xpath-10"},
                "x-a": 1,
            },
            "xpath",
        ),
        ({"context": "$response.body", "selector": "$.a"}, None),
        ({"context": "$response.body", "selector": "$.a", "type": "jsonpath", "other": 1}, None),
        ({"context": 1, "selector": "$.a", "type": "jsonpath"}, None),
        ("$response.body", None),
        ([1, 2], None),
    ],
)
def test_as_selector_recognises_raw_selector_objects(value: Any, expected: str | None) -> None:
    selector = as_selector(value, locate("/v"))
    if expected is None:
        assert selector is None
        return
    assert selector is not None
    kind = selector.type.type if isinstance(selector.type, ExpressionType) else selector.type
    assert kind == expected
    assert selector.location == locate("/v")


# Every Arazzo document of the shared reference data and corpus -------------------------------

_ARAZZO_KEY = re.compile(r"""^\s*["']?arazzo["']?\s*:""", re.MULTILINE)


def _documents() -> list[Any]:
    if not SHARED.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{SHARED} is absent"))]
    found = []
    for folder in (SHARED / "reference", SHARED / "corpus"):
        for path in sorted(folder.rglob("*")):
            # A cheap look at the text first: most files are OpenAPI descriptions, some big.
            if path.suffix not in {".yaml", ".yml", ".json"} or not path.is_file():
                continue
            if _ARAZZO_KEY.search(path.read_text(encoding="utf-8", errors="replace")):
                found.append(pytest.param(path, id=str(path.relative_to(SHARED))))
    return found


def _parse(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            data = json.load(stream) if path.suffix == ".json" else yaml.safe_load(stream)
    except (ValueError, yaml.YAMLError) as error:
        pytest.skip(f"does not parse: {error}")
    if not isinstance(data, dict) or "arazzo" not in data:
        pytest.skip("not an Arazzo document")
    return data


@pytest.mark.parametrize("path", _documents())
def test_every_known_document_builds(path: Path) -> None:
    data = _parse(path)
    minor = (1, 1) if str(data["arazzo"]).startswith("1.1") else (1, 0)
    try:
        document = build_document(data, file=str(path), locate=locate, minor=minor)
    except DocumentError:
        return
    assert all(isinstance(problem, Problem) for problem in document.problems)
    # Documents that pass the official schemas use no unknown fields and no wrong types.
    if path.parent.name == "pass":
        assert problems(document) == []


def test_absent_values_are_missing_and_null_values_are_none() -> None:
    from arazzo_runner.missing import MISSING

    data = {
        "arazzo": "1.0.1",
        "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [{"name": "api", "url": "./api.yaml"}],
        "workflows": [
            {
                "workflowId": "w",
                "steps": [
                    {
                        "stepId": "s",
                        "operationId": "op",
                        "parameters": [{"name": "a", "in": "query"}, {"name": "b", "in": "query", "value": None}],
                        "requestBody": {"contentType": "application/json"},
                    }
                ],
            }
        ],
    }
    document = build_document(data, file="t.yaml", locate=lambda p: Location("t.yaml", p), minor=(1, 0))
    step = document.workflows[0].steps[0]
    absent, null = step.parameters
    assert absent.value is MISSING and null.value is None
    assert step.request_body.payload is MISSING
