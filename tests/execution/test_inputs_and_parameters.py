"""Inputs (validation, defaults), parameters (reusable, workflow-level), missing values."""

from __future__ import annotations

import pytest

import arazzo_runner
from arazzo_runner import ArazzoError, DocumentError, UsageError
from arazzo_runner.execution.inputs import InputsError
from arazzo_runner.execution.results import Notice

from .conftest import Reply, doc, trail

DOC = "params.arazzo.yaml"


def test_reusable_parameters_with_value_override_and_workflow_parameters(server, make_runner) -> None:
    server.on("GET", "/items", Reply(200, {"items": []}))
    result = make_runner(DOC).run("reusable-parameters", {})
    assert result.status == "succeeded", result.error
    first, second = server.received("/items")
    assert first.query == {"limit": ["10"], "filter": ["workflow-filter"]}
    assert first.headers["x-trace"] == "from-component"
    assert first.headers["x-tenant"] == "workflow-tenant"
    # the reference's `value` overrides the component's; step parameters override the
    # workflow's of the same name and location
    assert second.query == {"limit": ["50"], "filter": ["step-filter"]}
    assert second.headers["x-tenant"] == "step-tenant"
    assert "x-trace" not in second.headers


def test_missing_optional_inputs_are_left_out_of_bodies_and_queries(server, make_runner) -> None:
    server.on("POST", "/form", Reply(200, {}))
    server.on("POST", "/items", Reply(201, {"id": "1"}))
    server.on("GET", "/items", Reply(200, {}))
    result = make_runner(DOC).run("optional-values", {"name": "Ada Lovelace"})
    assert result.status == "succeeded", result.error
    form, post, get = server.received()
    assert form.body == b"name=Ada+Lovelace&greeting=Hello+Ada+Lovelace"
    assert form.headers["content-type"].startswith("application/x-www-form-urlencoded")
    # flags is absent, so the default inside it does not apply: $inputs.flags.verbose is missing
    assert post.json() == {"name": "Ada Lovelace", "size": 20, "nested": {"keep": 1}, "list": ["fixed"]}
    assert get.query == {"limit": ["20"]}
    assert "x-trace" not in get.headers
    for request in (form, post, get):
        text = (request.body.decode() + request.raw_query).lower()
        for word in ("none", "null", "undefined", "missing"):
            assert word not in text
    assert result.outputs == {"size": 20}  # nickname resolved to nothing: left out


def test_given_optional_inputs_are_sent(server, make_runner) -> None:
    server.on("POST", "/form", Reply(200, {}))
    server.on("POST", "/items", Reply(201, {"id": "1"}))
    server.on("GET", "/items", Reply(200, {}))
    inputs = {"name": "Ada", "nickname": "A&B", "filter": "x y", "size": 5, "flags": {"verbose": True}}
    result = make_runner(DOC).run("optional-values", inputs)
    assert result.status == "succeeded", result.error
    form, post, get = server.received()
    assert form.form() == {"name": ["Ada"], "nickname": ["A&B"], "greeting": ["Hello Ada"]}
    assert post.json() == {
        "name": "Ada",
        "nickname": "A&B",
        "size": 5,
        "verbose": True,
        "nested": {"tag": "x y", "keep": 1},
        "list": ["A&B", "fixed"],
    }
    assert get.query == {"filter": ["x y"], "limit": ["5"]}
    assert get.headers["x-trace"] == "A&B"
    assert result.outputs == {"nickname": "A&B", "size": 5}


def test_invalid_inputs_list_every_problem_and_send_nothing(server, make_runner) -> None:
    runner = make_runner(DOC)
    with pytest.raises(InputsError) as caught:
        runner.run("optional-values", {"size": "big", "flags": {"verbose": "yes"}})
    error = caught.value
    assert isinstance(error, ArazzoError)
    assert error.type == "inputs"
    assert len(error.problems) == 3
    joined = " | ".join(error.problems)
    assert "missing required input 'name'" in joined
    assert "inputs.size" in joined and "inputs.flags.verbose" in joined
    assert server.received() == []


def test_invalid_inputs_raise_from_iter_events_and_the_module_function(server) -> None:
    with pytest.raises(InputsError):
        arazzo_runner.run(doc(DOC), "optional-values", {}, servers={"api": server.url})
    with arazzo_runner.Runner(doc(DOC), servers={"api": server.url}) as runner:
        events = runner.iter_events("optional-values", {})
        with pytest.raises(InputsError):
            next(events)
    assert server.received() == []


def test_unknown_operation_id_fails_before_any_request(server, make_runner) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    runner = make_runner(DOC)
    with pytest.raises(DocumentError, match="noSuchOperation"):
        runner.run("later-bad-operation", {})
    assert server.received() == []


def test_unknown_workflow_is_a_usage_error(server, make_runner) -> None:
    with pytest.raises(UsageError, match="no-such-workflow"):
        make_runner(DOC).run("no-such-workflow", {})
    with pytest.raises(UsageError, match="4 workflows"):
        make_runner(DOC).run(None, {})
    assert server.received() == []


def test_missing_path_parameter_value_fails_the_step_without_a_request(server, make_runner) -> None:
    result = make_runner(DOC).run("missing-path-value", {})
    assert result.status == "failed"
    assert trail(result) == [("missing-path-value", "get", 1, "failed")]
    assert "itemId" in (result.steps[0].error or "")
    assert server.received() == []


def test_path_parameter_is_encoded(server, make_runner) -> None:
    server.on("GET", "/items/a%20b%2Fc", Reply(200, {}))
    result = make_runner(DOC).run("missing-path-value", {"id": "a b/c"})
    assert result.status == "succeeded", result.error
    assert result.steps[0].request is not None
    assert result.steps[0].request.url.endswith("/items/a%20b%2Fc")
    assert server.paths() == ["GET /items/a%20b%2Fc"]


def test_defaults_apply_inside_given_objects(server, make_runner) -> None:
    server.on("POST", "/form", Reply(200, {}))
    server.on("POST", "/items", Reply(201, {"id": "1"}))
    server.on("GET", "/items", Reply(200, {}))
    result = make_runner(DOC).run("optional-values", {"name": "x", "flags": {}})
    assert result.status == "succeeded", result.error
    assert server.received("/items")[0].json()["verbose"] is False


def test_undeclared_inputs_are_warned_about(server, make_runner) -> None:
    server.on("POST", "/form", Reply(200, {}))
    server.on("POST", "/items", Reply(201, {"id": "1"}))
    server.on("GET", "/items", Reply(200, {}))
    events = list(make_runner(DOC).iter_events("optional-values", {"name": "x", "colour": "blue"}))
    notices = [e.message for e in events if isinstance(e, Notice)]
    assert any("'colour'" in message and "not declared" in message for message in notices)
    result = events[-1].result
    assert result.status == "succeeded"
    assert result.warnings == [m for m in notices if "not declared" in m]
    # declared ones (and defaults) are not
    assert not any("'name'" in m or "'size'" in m for m in notices)


def test_an_undeclared_input_close_to_a_declared_one_is_an_error(server, make_runner) -> None:
    with pytest.raises(InputsError) as caught:
        make_runner(DOC).run("optional-values", {"name": "x", "nickName": "typo"})
    assert caught.value.type == "inputs" and caught.value.exit_code == 2
    assert "input 'nickName' is not declared; did you mean 'nickname'?" in caught.value.message
    assert server.received() == []


def test_inputs_to_a_workflow_without_an_inputs_schema_are_warned_about(server, make_runner) -> None:
    server.on("GET", "/items", Reply(200, {}))
    result = make_runner(DOC).run("reusable-parameters", {"extra": 1})
    assert result.status == "succeeded"
    assert len(result.warnings) == 1 and "'extra'" in result.warnings[0]
