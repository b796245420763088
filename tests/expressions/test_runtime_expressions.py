"""Runtime expressions: every form of the 1.0.1 ABNF and the 1.1 grammar, against one context.

The case table is ``cases/expressions.yaml``; its ``context`` section is the evaluation context
shared by every table in this folder (``build_context``).  The other test modules of the
folder import ``build_context``, ``load_cases`` and ``check_error`` from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from arazzo_runner.errors import ArazzoError, ExpressionError
from arazzo_runner.expressions import (
    MISSING,
    ExpressionContext,
    HttpMessage,
    RuntimeExpression,
    compile_expression,
    evaluate_expression,
    looks_like_expression,
    parse_expression,
)
from arazzo_runner.expressions.parser import MAX_LENGTH

CASES_DIR = Path(__file__).parent / "cases"


def load_table(name: str) -> dict[str, Any]:
    with open(CASES_DIR / name, encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    assert isinstance(data, dict) and isinstance(data.get("cases"), list), name
    return data


def load_cases(name: str) -> list[Any]:
    """The cases of a table as pytest params, each with its id (ids must be unique)."""
    cases = load_table(name)["cases"]
    ids = [case["id"] for case in cases]
    duplicates = sorted({case_id for case_id in ids if ids.count(case_id) > 1})
    assert not duplicates, f"duplicate ids in {name}: {duplicates}"
    return [pytest.param(case, id=case["id"]) for case in cases]


def _message(data: dict[str, Any] | None) -> HttpMessage | None:
    if data is None:
        return None
    return HttpMessage(
        headers=data.get("headers"),
        query=data.get("query"),
        path=data.get("path"),
        body=data.get("body", MISSING),
        payload=data.get("payload", MISSING),
    )


def build_context(data: dict[str, Any]) -> ExpressionContext:
    """An ExpressionContext from the YAML description (absent parts are MISSING)."""
    return ExpressionContext(
        url=data.get("url", MISSING),
        method=data.get("method", MISSING),
        status_code=data.get("statusCode", MISSING),
        request=_message(data.get("request")),
        response=_message(data.get("response")),
        message=_message(data.get("message")),
        inputs=data.get("inputs"),
        outputs=data.get("outputs"),
        steps=data.get("steps"),
        workflows=data.get("workflows"),
        source_descriptions=data.get("sourceDescriptions"),
        components=data.get("components"),
        self_uri=data.get("self", MISSING),
    )


SHARED_CONTEXT = build_context(load_table("expressions.yaml")["context"])
EMPTY_CONTEXT = ExpressionContext()


def context_for(case: dict[str, Any]) -> ExpressionContext:
    return EMPTY_CONTEXT if case.get("context") == "empty" else SHARED_CONTEXT


def check_message(message: str, case: dict[str, Any]) -> None:
    """``message`` holds every word of ``case['error']`` and names the expected column."""
    words = case["error"] if isinstance(case["error"], list) else [case["error"]]
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    if "column" in case:
        assert f"(column {case['column']})" in message, message


def check_error(error: ExpressionError, case: dict[str, Any]) -> None:
    """The error's message is the expected one, and its offset is the column's."""
    check_message(error.message, case)
    if "column" in case:
        assert error.offset == case["column"] - 1


def assert_same(actual: Any, expected: Any) -> None:
    """Equal, and of the same JSON type all the way down (1 is not 1.0, True, nor "1")."""
    assert type(actual) is type(expected), f"{actual!r} ({type(actual).__name__}) != {expected!r}"
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys()
        for key in expected:
            assert_same(actual[key], expected[key])
    elif isinstance(expected, list):
        assert len(actual) == len(expected)
        for item, other in zip(actual, expected, strict=True):
            assert_same(item, other)
    else:
        assert actual == expected


def check_outcome(case: dict[str, Any], evaluate: Any) -> None:
    """Run ``evaluate()`` and compare with the case's expected / missing / error."""
    outcomes = [key for key in ("expected", "missing", "error") if key in case]
    assert len(outcomes) == 1, f"case {case['id']} must have exactly one of expected, missing, error"
    if "error" in case:
        with pytest.raises(ExpressionError) as caught:
            evaluate()
        check_error(caught.value, case)
        return
    value = evaluate()
    if case.get("missing"):
        assert value is MISSING
    else:
        assert value is not MISSING
        assert_same(value, case["expected"])


# ---------------------------------------------------------------- the table


@pytest.mark.parametrize("case", load_cases("expressions.yaml"))
def test_expression(case: dict[str, Any]) -> None:
    check_outcome(case, lambda: evaluate_expression(case["expression"], context_for(case)))


@pytest.mark.parametrize("case", [c for c in load_cases("expressions.yaml") if "error" not in c.values[0]])
def test_expression_parses_whole_and_keeps_its_text(case: Any) -> None:
    text = case["expression"]
    parsed = parse_expression(text)
    assert parsed.text == text == str(parsed)
    assert parsed.offset == 0
    assert looks_like_expression(text)


# ---------------------------------------------------------------- the syntax tree


@pytest.mark.parametrize(
    ("text", "root", "qualifier", "field", "names", "pointer", "navigation", "reference"),
    [
        ("$url", "url", None, None, (), None, (), ("url",)),
        ("$self", "self", None, None, (), None, (), ("self",)),
        (
            "$request.header.X-Api-Key",
            "request",
            "header",
            None,
            ("X-Api-Key",),
            None,
            (),
            ("request", "header", "X-Api-Key"),
        ),
        ("$request.query.a.b", "request", "query", None, ("a.b",), None, (), ("request", "query", "a.b")),
        ("$response.body", "response", "body", None, (), None, (), ("response", "body")),
        ("$response.body#/a~1b/0", "response", "body", None, (), "/a~1b/0", (), ("response", "body")),
        ("$response.body#", "response", "body", None, (), "", (), ("response", "body")),
        ("$response.body.items[0]['x']", "response", "body", None, (), None, ("items", 0, "x"), ("response", "body")),
        ("$message.payload#/e", "message", "payload", None, (), "/e", (), ("message", "payload")),
        ("$inputs.user.name", "inputs", None, None, ("user", "name"), None, (), ("inputs", "user.name")),
        ("$outputs.o#/x", "outputs", None, None, ("o",), "/x", (), ("outputs", "o")),
        ("$steps.s.outputs.a.b#/0", "steps", "s", None, ("a", "b"), "/0", (), ("steps", "s", "outputs", "a.b")),
        ("$workflows.w.inputs.i", "workflows", "w", "inputs", ("i",), None, (), ("workflows", "w", "inputs", "i")),
        (
            "$sourceDescriptions.p.getPet",
            "sourceDescriptions",
            "p",
            None,
            ("getPet",),
            None,
            (),
            ("sourceDescriptions", "p", "getPet"),
        ),
        (
            "$components.parameters.a.b",
            "components",
            "parameters",
            None,
            ("a.b",),
            None,
            (),
            ("components", "parameters", "a.b"),
        ),
    ],
)
def test_syntax_tree(
    text: str, root: str, qualifier: Any, field: Any, names: tuple, pointer: Any, navigation: tuple, reference: tuple
) -> None:
    parsed = parse_expression(text)
    assert isinstance(parsed, RuntimeExpression)
    assert (parsed.root, parsed.qualifier, parsed.field) == (root, qualifier, field)
    assert (parsed.names, parsed.pointer, parsed.navigation) == (names, pointer, navigation)
    assert parsed.reference == reference


@pytest.mark.parametrize(
    "text", ["$.items[*]", "$5.00", "$foo", "$selfish", "$url/path", "$ inputs", "inputs.x", "", "$"]
)
def test_not_meant_as_expression(text: str) -> None:
    assert not looks_like_expression(text)


@pytest.mark.parametrize(
    "text", ["$url", "$self", "$inputs.x", "$inputs", "$statusCode ", "$steps.x.output.y", "$url.x"]
)
def test_meant_as_expression(text: str) -> None:
    assert looks_like_expression(text)


# ---------------------------------------------------------------- behaviour around the table


def test_missing_is_distinct_from_null() -> None:
    assert MISSING is not None
    assert MISSING != None  # noqa: E711 - the point of the test
    assert not MISSING
    assert evaluate_expression("$inputs.nothing", SHARED_CONTEXT) is None
    assert evaluate_expression("$inputs.absent", SHARED_CONTEXT) is MISSING


def test_empty_pointer_is_the_whole_body() -> None:
    body = evaluate_expression("$request.body", SHARED_CONTEXT)
    assert evaluate_expression("$request.body#", SHARED_CONTEXT) is body
    assert isinstance(body, dict) and body["user"] == {"uuid": "u-1", "name": "Ann"}


def test_the_referenced_value_is_returned_itself() -> None:
    # type preserved: the very object, not a copy or a string form
    steps = {"s": {"o": {"deep": [1, 2]}}}
    context = ExpressionContext(steps=steps)
    assert evaluate_expression("$steps.s.outputs.o", context) is steps["s"]["o"]
    assert evaluate_expression("$steps.s.outputs.o#/deep", context) is steps["s"]["o"]["deep"]


def test_headers_are_matched_whatever_the_case_of_the_message() -> None:
    context = ExpressionContext(response=HttpMessage(headers={"eTaG": '"v1"', "x-ONE": "1"}))
    for name in ("ETag", "etag", "ETAG", "eTaG"):
        assert evaluate_expression(f"$response.header.{name}", context) == '"v1"'
    assert evaluate_expression("$response.header.X-One", context) == "1"


def test_source_descriptions_may_be_a_function() -> None:
    asked: list[tuple[str, str]] = []

    def resolve(name: str, reference: str) -> Any:
        asked.append((name, reference))
        return {"name": name, "reference": reference} if name == "petstore" else MISSING

    context = ExpressionContext(source_descriptions=resolve)
    assert evaluate_expression("$sourceDescriptions.petstore.getPetById", context) == {
        "name": "petstore",
        "reference": "getPetById",
    }
    assert evaluate_expression("$sourceDescriptions.other.url", context) is MISSING
    assert asked == [("petstore", "getPetById"), ("other", "url")]


def test_operation_id_wins_over_a_field_of_the_same_name() -> None:
    # the spec's priority (1) operationId/workflowId, (2) field names: the engine's mapping
    # puts the operation under its id, and the expression takes what the mapping gives
    context = ExpressionContext(source_descriptions={"api": {"url": {"operationId": "url"}}})
    assert evaluate_expression("$sourceDescriptions.api.url", context) == {"operationId": "url"}


def test_longest_dotted_name_wins() -> None:
    steps = {"s": {"a": {"b": {"c": "from-a"}}, "a.b": {"c": "from-a.b"}, "a.b.c": "whole"}}
    context = ExpressionContext(steps=steps)
    assert evaluate_expression("$steps.s.outputs.a.b.c", context) == "whole"
    del steps["s"]["a.b.c"]
    assert evaluate_expression("$steps.s.outputs.a.b.c", context) == "from-a.b"
    del steps["s"]["a.b"]
    assert evaluate_expression("$steps.s.outputs.a.b.c", context) == "from-a"


def test_message_body_and_payload() -> None:
    both = HttpMessage(body={"x": 1}, payload={"x": 2})
    body_only = HttpMessage(body={"x": 1})
    assert evaluate_expression("$message.payload#/x", ExpressionContext(message=both)) == 2
    assert evaluate_expression("$message.body#/x", ExpressionContext(message=both)) == 1
    assert evaluate_expression("$message.payload#/x", ExpressionContext(message=body_only)) == 1
    assert evaluate_expression("$message.body", ExpressionContext(message=HttpMessage())) is MISSING


def test_text_body_is_reachable_but_not_navigable() -> None:
    context = ExpressionContext(response=HttpMessage(body="<xml/>"))
    assert evaluate_expression("$response.body", context) == "<xml/>"
    assert evaluate_expression("$response.body#/a", context) is MISSING
    assert evaluate_expression("$response.body.a", context) is MISSING


def test_expression_error_is_an_arazzo_error() -> None:
    with pytest.raises(ArazzoError) as caught:
        parse_expression("$nope")
    assert isinstance(caught.value, ExpressionError)
    assert caught.value.type == "expression"


def test_too_long_expression_is_refused() -> None:
    with pytest.raises(ExpressionError, match="longer than"):
        parse_expression("$inputs." + "a" * MAX_LENGTH)


def test_parsing_is_cached() -> None:
    text = "$steps.cache-probe.outputs.value#/a/0"
    parse_expression.cache_clear()
    first = parse_expression(text)
    for _ in range(50):
        assert parse_expression(text) is first
        compile_expression(text)(SHARED_CONTEXT)
        evaluate_expression(text, SHARED_CONTEXT)
    info = parse_expression.cache_info()
    assert info.misses == 1
    assert info.hits >= 150
    assert compile_expression(text) is compile_expression(text)


def test_compiled_expression_reads_the_context_each_time() -> None:
    getter = compile_expression("$response.body#/n")
    assert getter(ExpressionContext(response=HttpMessage(body={"n": 1}))) == 1
    assert getter(ExpressionContext(response=HttpMessage(body={"n": 2}))) == 2
    assert getter(ExpressionContext()) is MISSING


def test_huge_or_non_ascii_indices_reach_nothing() -> None:
    # int() refuses thousands of digits and str.isdigit() accepts '²': neither may escape
    context = ExpressionContext(response=HttpMessage(body={"items": [1, 2]}))
    assert evaluate_expression("$response.body#/items/" + "1" * 5000, context) is MISSING
    assert evaluate_expression("$response.body.items." + "1" * 5000, context) is MISSING
    assert evaluate_expression("$response.body.items.²", context) is MISSING
    assert evaluate_expression("$response.body.items.1", context) == 2
    with pytest.raises(ExpressionError, match="too long"):
        parse_expression("$response.body.items[" + "1" * 5000 + "]")
