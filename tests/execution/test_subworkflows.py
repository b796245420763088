"""Workflow steps: inputs from parameters, $outputs, $workflows, and other Arazzo documents."""

from __future__ import annotations

from .conftest import Recorded, Reply, trail

DOC = "sub.arazzo.yaml"


def created(request: Recorded) -> Reply:
    return Reply(201, {"id": "it-1", "label": request.json()["label"]})


def test_sub_workflow_parameters_outputs_and_step_list(server, make_runner) -> None:
    server.on("POST", "/items", created)
    server.on("GET", "/items/it-1", Reply(200, {"name": "first item"}))
    result = make_runner(DOC).run("parent", {"name": "Widget"})
    assert result.status == "succeeded", result.error
    # the sub-workflow's steps with its own workflowId, then the calling step
    assert trail(result) == [
        ("child", "create", 1, "succeeded"),
        ("parent", "make", 1, "succeeded"),
        ("parent", "read", 1, "succeeded"),
    ]
    make = result.steps[1]
    assert make.request is None and make.response is None
    data = result.to_dict()["steps"][1]
    assert data["request"] is None and data["response"] is None
    # the step's parameters became the sub-workflow's inputs
    (post,) = server.received("/items")
    assert post.json() == {"label": "Widget", "count": 3}
    # $outputs.x and (from the last exchange) $statusCode / $response in the step's outputs
    assert make.outputs == {"childId": "it-1", "code": 201, "echoed": "Widget"}
    assert result.outputs == {
        "childId": "it-1",
        "code": 201,
        "echoed": "Widget",
        "fromWorkflows": "it-1",
        "name": "first item",
    }
    assert server.paths() == ["POST /items", "GET /items/it-1"]


def test_sub_workflow_step_criteria_see_its_outputs(server, make_runner) -> None:
    server.on("POST", "/items", Reply(201, {"id": "other", "label": "x"}))
    result = make_runner(DOC).run("parent", {"name": "Widget"})
    # the child succeeded, but the calling step's criterion `$outputs.id == 'it-1'` does not hold
    assert result.status == "failed"
    assert trail(result) == [("child", "create", 1, "succeeded"), ("parent", "make", 1, "failed")]
    assert result.error is not None and result.error.step_id == "make"
    assert "$outputs.id" in result.error.message
    assert server.received("/items/other") == []


def test_failing_sub_workflow_fails_the_step(server, make_runner) -> None:
    server.on("POST", "/items", Reply(500, {}))
    result = make_runner(DOC).run("parent", {"name": "Widget"})
    assert result.status == "failed"
    assert trail(result) == [("child", "create", 1, "failed"), ("parent", "make", 1, "failed")]
    assert result.error is not None and result.error.step_id == "make"
    assert "child" in result.error.message


def test_failing_sub_workflow_goes_through_on_failure(server, make_runner) -> None:
    server.on("POST", "/items", Reply(500, {}))
    server.on("GET", "/fallback", Reply(200, {}))
    result = make_runner(DOC).run("parent-handles-child-failure", {})
    assert result.status == "succeeded"
    assert trail(result) == [
        ("child", "create", 1, "failed"),
        ("parent-handles-child-failure", "make", 1, "failed"),
        ("parent-handles-child-failure", "fb", 1, "succeeded"),
    ]
    assert server.received("/ping") == []


def test_missing_optional_value_is_left_out_of_sub_workflow_inputs(server, make_runner) -> None:
    server.on("POST", "/items", created)
    result = make_runner(DOC).run("parent-missing-values", {"name": "Widget"})
    assert result.status == "succeeded", result.error
    (post,) = server.received("/items")
    assert post.json() == {"label": "Widget"}  # count: left out, not null


def test_missing_required_sub_workflow_input_fails_the_step_before_its_requests(server, make_runner) -> None:
    result = make_runner(DOC).run("parent-missing-values", {})
    assert result.status == "failed"
    assert trail(result) == [("parent-missing-values", "make", 1, "failed")]
    assert result.error is not None and result.error.type == "inputs"
    assert "missing required input 'label'" in result.error.message
    assert "MISSING" not in result.error.message
    assert server.received() == []


def test_workflow_of_another_arazzo_document_with_its_own_components(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("GET", "/items", Reply(500, {}), Reply(200, {"count": 7}))
    result = make_runner(DOC, servers={"api": server.url, "backend": server.url}).run(
        "cross-document", {"filter": "blue"}
    )
    assert result.status == "succeeded", result.error
    assert trail(result) == [
        ("cross-document", "mine", 1, "succeeded"),
        ("count-items", "list", 1, "failed"),
        ("count-items", "list", 2, "succeeded"),  # the shared document's reusable retry
        ("cross-document", "theirs", 1, "succeeded"),
    ]
    assert result.outputs == {"count": 7, "viaWorkflows": 7}
    ping, *lists = server.received()
    assert ping.headers["x-tenant"] == "main-tenant"
    assert [r.headers["x-tenant"] for r in lists] == ["shared-tenant", "shared-tenant"]
    assert [r.query for r in lists] == [{"filter": ["blue"]}] * 2


def test_end_and_goto_workflow_inside_a_sub_workflow(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    server.on("POST", "/items", created)
    result = make_runner(DOC).run("calls-ending-workflows", {})
    # early-end: an onSuccess `end` makes the sub-workflow succeed; hands-over: its goto to
    # `child` passes no parameters, so child's required `label` is missing and the calling
    # step fails (as data, with type inputs) without child's request
    assert trail(result) == [
        ("early-end", "first", 1, "succeeded"),
        ("calls-ending-workflows", "ends", 1, "succeeded"),
        ("hands-over", "first", 1, "succeeded"),
        ("calls-ending-workflows", "transfers", 1, "failed"),
    ]
    assert result.steps[1].outputs == {"code": 200}
    assert result.steps[3].error_type == "inputs"
    assert result.status == "failed"
    assert server.paths() == ["GET /ping", "GET /ping"]


def test_goto_workflow_with_invalid_inputs_fails_the_run_as_data(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner(DOC).run("hands-over", {})
    assert result.status == "failed"
    assert trail(result) == [("hands-over", "first", 1, "succeeded")]
    assert result.error is not None and result.error.type == "inputs"
    assert "label" in result.error.message
    assert result.to_dict()["error"]["type"] == "inputs"
    assert server.received("/items") == []
