"""Inputs checked against the parameters and body fields they reach unchanged, before any request."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import arazzo_runner
from arazzo_runner.cli import main
from arazzo_runner.execution.destinations import InputDestinationError, check_input_destinations
from arazzo_runner.execution.inputs import InputsError, validate_inputs

from .paths import FLAGSHIP, ROOT

OPENAPI = """\
openapi: 3.1.0
info: {title: items, version: '1'}
servers: [{url: 'http://127.0.0.1:9/v1'}]
components:
  securitySchemes:
    key: {type: apiKey, in: query, name: api_key}
  schemas:
    Word: {type: string, pattern: '^[a-z]+$'}
    Owner:
      type: object
      properties:
        id: {type: string, minLength: 3}
    Item:
      type: object
      required: [name]
      properties:
        name: {type: string, minLength: 2}
        count: {type: integer, minimum: 0}
        label: {type: string, maxLength: 4}
        tags: {type: array, items: {$ref: '#/components/schemas/Word'}}
        owner: {allOf: [{$ref: '#/components/schemas/Owner'}]}
        either: {oneOf: [{type: integer}, {type: boolean}]}
        variant: {oneOf: [{type: object, properties: {a: {type: integer}}}, {type: string}]}
paths:
  /items/{id}:
    get:
      operationId: getItem
      security: [{key: []}]
      parameters:
      - {name: id, in: path, required: true, schema: {$ref: '#/components/schemas/Word'}}
      - {name: limit, in: query, required: true, schema: {type: integer, minimum: 1, maximum: 100}}
      - {name: on, in: query, schema: {type: boolean}}
      - {name: code, in: query, schema: {type: string, pattern: '^[0-9]+$'}}
      - {name: X-Mode, in: header, schema: {type: string, enum: [fast, slow]}}
      - name: filter
        in: query
        content:
          application/json:
            schema: {type: object, properties: {tag: {type: string, maxLength: 3}}}
      responses: {'200': {description: ok}}
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Item'}
      responses: {'201': {description: created}}
  /form:
    post:
      operationId: submitForm
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                code: {type: integer, maximum: 10}
                client_secret: {type: string, minLength: 8}
                word: {$ref: '#/components/schemas/Word'}
      responses: {'200': {description: ok}}
"""

ARAZZO = """\
arazzo: 1.0.1
info: {title: destinations, version: '1'}
sourceDescriptions: [{name: api, url: ./api.yaml, type: openapi}]
workflows:
- workflowId: params
  inputs:
    type: object
    properties:
      id: {type: string}
      limit: {}
      on: {}
      code: {}
      mode: {type: string}
      filter: {type: object}
      nothing: {type: string}
  steps:
  - stepId: get
    operationId: getItem
    parameters:
    - {name: id, in: path, value: $inputs.id}
    - {name: limit, in: query, value: $inputs.limit}
    - {name: on, in: query, value: $inputs.on}
    - {name: code, in: query, value: $inputs.code}
    - {name: X-Mode, in: header, value: $inputs.mode}
    - {name: filter, in: query, value: $inputs.filter}
- workflowId: body
  inputs:
    type: object
    properties:
      name: {}
      count: {}
      tag: {type: string}
      owner: {type: string}
      either: {}
      label: {}
      n: {}
  steps:
  - stepId: create
    operationId: createItem
    requestBody:
      contentType: application/json
      payload:
        name: $inputs.name
        count: $inputs.count
        tags: [ok, $inputs.tag]
        owner: {id: $inputs.owner}
        either: $inputs.either
        label: '{$inputs.label}'
        variant: {a: $inputs.n}
- workflowId: whole-body
  inputs: {type: object, properties: {item: {type: object}, name: {type: string}}}
  steps:
  - stepId: create
    operationId: createItem
    requestBody:
      payload: $inputs.item
      replacements:
      - {target: /name, value: $inputs.name}
- workflowId: form
  inputs:
    type: object
    properties: {code: {}, clientSecret: {type: string}, word: {}}
  steps:
  - stepId: submit
    operationId: submitForm
    requestBody:
      contentType: application/x-www-form-urlencoded
      payload: {code: $inputs.code, client_secret: $inputs.clientSecret, word: 'a {$inputs.word}'}
- workflowId: outer
  inputs: {type: object, properties: {word: {type: string}}}
  steps:
  - stepId: callInner
    workflowId: inner
    parameters:
    - {name: id, value: $inputs.word}
    - {name: limit, value: 5}
- workflowId: inner
  inputs: {type: object, properties: {id: {type: string}, limit: {type: integer}}}
  steps:
  - stepId: get
    operationId: getItem
    parameters:
    - {name: id, in: path, value: $inputs.id}
    - {name: limit, in: query, value: $inputs.limit}
  - stepId: again
    workflowId: outer
    parameters:
    - {name: word, value: $inputs.id}
- workflowId: dependent
  dependsOn: [inner]
  inputs: {type: object, properties: {id: {type: string}}}
  steps:
  - stepId: create
    operationId: createItem
    requestBody: {payload: {name: fixed}}
"""


@pytest.fixture(scope="module")
def description(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("destinations")
    (folder / "api.yaml").write_text(OPENAPI)
    (folder / "flow.arazzo.yaml").write_text(ARAZZO)
    return arazzo_runner.load(str(folder / "flow.arazzo.yaml"))


def problems(description: Any, workflow_id: str, inputs: dict[str, Any]) -> list[str]:
    workflow = description.document.workflow(workflow_id)
    try:
        check_input_destinations(description, workflow, inputs, {})
    except InputDestinationError as error:
        assert error.type == "inputs" and error.exit_code == 2 and isinstance(error, InputsError)
        return error.problems
    return []


@pytest.mark.parametrize(
    ("workflow", "inputs", "expected"),
    [
        ("params", {"id": "abc", "limit": 5}, []),
        (
            "params",
            {"id": "A1"},
            [
                "input 'id' = 'A1' goes unchanged to path parameter id of step 'get' (getItem): "
                "does not match pattern ^[a-z]+$"
            ],
        ),
        # query parameters are text: "5" is the same request as 5
        ("params", {"limit": "5", "on": "true"}, []),
        (
            "params",
            {"limit": "five"},
            [
                "input 'limit' = 'five' goes unchanged to query parameter limit of step "
                "'get' (getItem): is not of type 'integer'"
            ],
        ),
        (
            "params",
            {"limit": 500},
            [
                "input 'limit' = 500 goes unchanged to query parameter limit of step 'get' "
                "(getItem): is greater than the maximum 100"
            ],
        ),
        (
            "params",
            {"on": "yes"},
            [
                "input 'on' = 'yes' goes unchanged to query parameter on of step 'get' "
                "(getItem): is not of type 'boolean'"
            ],
        ),
        # a number to a string field is checked as the text it is sent as
        ("params", {"code": 42}, []),
        (
            "params",
            {"code": True},
            [
                "input 'code' = true goes unchanged to query parameter code of step 'get' "
                "(getItem): does not match pattern ^[0-9]+$"
            ],
        ),
        (
            "params",
            {"mode": "warp"},
            [
                "input 'mode' = 'warp' goes unchanged to header parameter X-Mode of step "
                '\'get\' (getItem): is not one of "fast", "slow"'
            ],
        ),
        (
            "params",
            {"filter": {"tag": "long"}},
            [
                'input \'filter\' = {"tag":"long"} goes unchanged to query '
                "parameter filter of step 'get' (getItem): .tag: is longer than 3 "
                "characters"
            ],
        ),
        # null is written as nothing in a query: no rule to break
        ("params", {"mode": None}, []),
        ("body", {"name": "ok", "count": 3, "tag": "abc", "owner": "abcd", "either": 7}, []),
        (
            "body",
            {"either": "x"},
            [
                "input 'either' = 'x' goes unchanged to field /either of step 'create' "
                "(createItem): fits none of the schemas its oneOf allows"
            ],
        ),
        # below a oneOf the branch is not known: nothing is checked
        ("body", {"n": "text"}, []),
        # a JSON body carries types: "3" is a string there
        (
            "body",
            {"count": "3"},
            [
                "input 'count' = '3' goes unchanged to field /count of step 'create' "
                "(createItem): is not of type 'integer'"
            ],
        ),
        (
            "body",
            {"tag": "A-B"},
            [
                "input 'tag' = 'A-B' goes unchanged to field /tags/1 of step 'create' "
                "(createItem): does not match pattern ^[a-z]+$"
            ],
        ),
        (
            "body",
            {"owner": "ab"},
            [
                "input 'owner' = 'ab' goes unchanged to field /owner/id of step 'create' "
                "(createItem): is shorter than 3 characters"
            ],
        ),
        # the whole template sends text
        (
            "body",
            {"label": 12345},
            [
                "input 'label' = 12345 goes unchanged to field /label of step 'create' "
                "(createItem): is longer than 4 characters"
            ],
        ),
        ("body", {"label": 12}, []),
        (
            "whole-body",
            {"item": {"name": "x", "count": -1}},
            [
                'input \'item\' = {"name":"x","count":-1} goes unchanged to the request body of step \'create\' '
                "(createItem): .count: is less than the minimum 0; .name: is shorter than 2 characters"
            ],
        ),
        (
            "whole-body",
            {"name": "y"},
            [
                "input 'name' = 'y' goes unchanged to field /name of step 'create' "
                "(createItem): is shorter than 2 characters"
            ],
        ),
        ("form", {"code": "7", "clientSecret": "long-enough", "word": "UPPER"}, []),
        (
            "form",
            {"code": "12"},
            [
                "input 'code' = '12' goes unchanged to form field code of step 'submit' "
                "(submitForm): is greater than the maximum 10"
            ],
        ),
        (
            "form",
            {"clientSecret": "short"},
            [
                "input 'clientSecret' (value hidden) goes unchanged to form field "
                "client_secret of step 'submit' (submitForm): is shorter than 8 "
                "characters"
            ],
        ),
        (
            "outer",
            {"word": "Abc"},
            [
                "input 'word' = 'Abc' goes unchanged (as input 'id' of workflow 'inner') to "
                "path parameter id of step 'get' (getItem): does not match pattern ^[a-z]+$"
            ],
        ),
        ("outer", {"word": "abc"}, []),
        (
            "dependent",
            {"id": "A"},
            [
                "input 'id' = 'A' goes unchanged (as input 'id' of workflow 'inner') to path "
                "parameter id of step 'get' (getItem): does not match pattern ^[a-z]+$"
            ],
        ),
    ],
    ids=lambda value: None if not isinstance(value, str) else value,
)
def test_input_destinations(description: Any, workflow: str, inputs: dict[str, Any], expected: list[str]) -> None:
    assert problems(description, workflow, inputs) == expected


def test_every_problem_is_listed_with_where_the_first_is_used(description: Any) -> None:
    workflow = description.document.workflow("params")
    with pytest.raises(InputDestinationError) as caught:
        check_input_destinations(description, workflow, {"id": "A", "limit": 0})
    assert len(caught.value.problems) == 2
    assert caught.value.message.startswith("invalid inputs for workflow 'params': input 'id' = 'A' goes unchanged")
    assert caught.value.location is not None and caught.value.location.file.endswith("flow.arazzo.yaml")
    assert caught.value.location.pointer == "/workflows/0/steps/0/parameters/0/value"  # `$inputs.id`
    assert caught.value.location.line == 20


def test_a_secret_is_never_shown(description: Any) -> None:
    workflow = description.document.workflow("form")
    with pytest.raises(InputDestinationError) as caught:
        check_input_destinations(description, workflow, {"clientSecret": "hunter2"})
    assert "hunter2" not in str(caught.value) and "(value hidden)" in str(caught.value)


def test_only_values_that_are_there_are_checked(description: Any) -> None:
    from arazzo_runner.missing import MISSING

    assert problems(description, "params", {}) == []
    assert problems(description, "params", {"id": MISSING}) == []
    # the cycle outer -> inner -> outer is walked once
    assert problems(description, "inner", {"id": "abc", "limit": 1}) == []


# ---------------------------------------------------------------- the flagship and the examples

PN = "PN557ce644e5ab84fa21cc21112e22c485"


def flagship_problems(sid: str) -> str | None:
    description = arazzo_runner.load(str(FLAGSHIP))
    workflow = description.document.workflows[0]
    values = validate_inputs(workflow.inputs, {"friendlyName": "Demo", "phoneNumberSid": sid})
    try:
        check_input_destinations(description, workflow, values)
    except InputDestinationError as error:
        return error.message
    return None


def test_the_flagship_refuses_a_sid_that_is_not_one_directly() -> None:
    assert flagship_problems(PN) is None
    assert flagship_problems("XX123") == (
        "invalid inputs for workflow 'provision-messaging-service-add-number': input 'phoneNumberSid' = 'XX123' "
        "goes unchanged to form field PhoneNumberSid of step 'addNumber' (addPhoneNumber): is shorter than 34 "
        "characters; does not match pattern ^PN[0-9a-fA-F]{32}$"
    )


# These go through Runner.prepare, which calls check_input_destinations (the lead's integration).


def test_the_flagship_stops_before_its_first_request() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(201, json={"sid": "MG" + "0" * 32})

    with arazzo_runner.Runner(str(FLAGSHIP), transport=httpx.MockTransport(answer)) as runner:
        with pytest.raises(InputsError) as caught:
            runner.run(None, {"friendlyName": "Demo", "phoneNumberSid": "XX123"})
    assert sent == []
    assert caught.value.type == "inputs" and caught.value.exit_code == 2
    message = caught.value.message
    assert "'phoneNumberSid'" in message and "form field PhoneNumberSid" in message
    assert "does not match pattern ^PN[0-9a-fA-F]{32}$" in message


def test_the_flagship_with_a_sid_runs_on_the_mock() -> None:
    with arazzo_runner.Runner(str(FLAGSHIP), mock=True) as runner:
        result = runner.run(None, {"friendlyName": "Demo", "phoneNumberSid": PN})
    assert result.status == "succeeded", result.error


def test_the_cli_exits_2_with_an_inputs_error_before_any_request() -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", str(FLAGSHIP), "--mock", "--json", "-i", "friendlyName=Demo", "-i", "phoneNumberSid=XX123"]
    code = main(argv, stdout=out, stderr=err)
    data = json.loads(out.getvalue())
    assert code == 2 and data["status"] == "error" and data["error"]["type"] == "inputs"
    assert "PhoneNumberSid" in data["error"]["message"] and data["steps"] == []


@pytest.mark.parametrize(
    ("workflow", "workflow_id", "inputs"),
    [
        ("inventory-reserve-stock-with-retry-workflow.yml", None, {"sku": "MUG-0042", "quantity": 3}),
        ("contacts-export-all-pages-workflow.yml", None, {}),
        ("contacts-export-all-pages-workflow.yml", None, {"pageSize": 3}),
        ("projects-create-project-with-tasks-workflow.yml", "create-project-with-tasks",
         {"name": "Launch", "firstTask": "Write the docs", "secondTask": "Ship it"}),
        ("billing-issue-invoice-with-client-credentials-workflow.yml", None,
         {"clientId": "billing-app", "clientSecret": "s3cret", "customerId": "cus_12345678", "amount": 120.5}),
    ],
)  # fmt: skip
def test_the_examples_still_run_on_the_mock(workflow: str, workflow_id: str | None, inputs: dict[str, Any]) -> None:
    path = Path(ROOT) / "workflows" / workflow
    with arazzo_runner.Runner(str(path), mock=True, sleep=lambda seconds: None) as runner:
        result = runner.run(workflow_id, inputs)
    assert result.status == "succeeded", result.error
