"""ref-target: a ``$ref`` in an OpenAPI operation a step calls that leads nowhere or to a non-object."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from arazzo_runner.cli import main
from arazzo_runner.validation import validate

WORKFLOW = """\
arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions:
  - {name: api, url: ./api.yaml, type: openapi}
workflows:
  - workflowId: w
    steps:
      - stepId: get
        operationId: getThing
"""

# The OpenAPI description; {schema} is the response schema, {components} extra components.
OPENAPI = """\
openapi: {version}
info: {{title: t, version: '1'}}
paths:
  /things:
    get:
      operationId: getThing
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {schema}
components:
  schemas:
    Text: just text
    Number: 42
    Nothing: null
    List: [1, 2]
    Yes: true
    Ok: {{type: object, properties: {{name: {{$ref: '#/components/schemas/Text'}}}}}}
    Fine: {{type: string}}
"""

CASES = [
    # (id, version, schema, expected message or None, line, column)
    ("string", "3.1.0", "{$ref: '#/components/schemas/Text'}", "points at a string, not an object", 12, 30),
    ("number", "3.1.0", "{$ref: '#/components/schemas/Number'}", "points at a number, not an object", 12, 30),
    ("null", "3.1.0", "{$ref: '#/components/schemas/Nothing'}", "points at null, not an object", 12, 30),
    ("list", "3.1.0", "{$ref: '#/components/schemas/List'}", "points at a list, not an object", 12, 30),
    ("dangling", "3.1.0", "{$ref: '#/components/schemas/Gone'}", "points at nothing: no 'Gone'", 12, 30),
    ("followed-into-component", "3.1.0", "{$ref: '#/components/schemas/Ok'}", "points at a string", 20, 50),
    ("in-items", "3.1.0", "{type: array, items: {$ref: '#/components/schemas/Number'}}", "a number", 12, 51),
    ("boolean-schema-3.1", "3.1.0", "{$ref: '#/components/schemas/Yes'}", None, 0, 0),
    ("boolean-in-3.0", "3.0.3", "{$ref: '#/components/schemas/Yes'}", "points at a boolean", 12, 30),
    ("fine", "3.1.0", "{$ref: '#/components/schemas/Fine'}", None, 0, 0),
    ("example-is-data", "3.1.0", "{type: object, example: {$ref: '#/nowhere'}}", None, 0, 0),
    ("enum-is-data", "3.1.0", "{enum: [{$ref: '#/nowhere'}]}", None, 0, 0),
    (
        "property-named-example",
        "3.1.0",
        "{properties: {example: {$ref: '#/components/schemas/List'}}}",
        "a list",
        12,
        53,
    ),
    ("anchor-not-checked", "3.1.0", "{$ref: '#thing'}", None, 0, 0),
    ("other-file-missing", "3.1.0", "{$ref: './gone.yaml#/Thing'}", "gone.yaml", 12, 30),
]


@pytest.mark.parametrize(
    ("version", "schema", "message", "line", "column"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_ref_target(tmp_path: Path, version: str, schema: str, message: str | None, line: int, column: int) -> None:
    (tmp_path / "api.yaml").write_text(OPENAPI.format(version=version, schema=schema))
    (tmp_path / "flow.arazzo.yaml").write_text(WORKFLOW)
    report = validate(tmp_path / "flow.arazzo.yaml")
    found = [d for d in report.diagnostics if d.rule == "ref-target"]
    if message is None:
        assert found == [], [str(d) for d in found]
        return
    assert len(found) == 1, [str(d) for d in report.diagnostics]
    (diagnostic,) = found
    assert message in diagnostic.message
    assert "used by step 'get'" in diagnostic.message
    assert diagnostic.severity == "error"
    assert diagnostic.file is not None and diagnostic.file.endswith("api.yaml")
    assert (diagnostic.line, diagnostic.column) == (line, column)
    assert diagnostic.pointer is not None and diagnostic.pointer.endswith("/$ref")


def test_run_refuses_with_the_located_error(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(OPENAPI.format(version="3.1.0", schema="{$ref: '#/components/schemas/List'}"))
    (tmp_path / "flow.arazzo.yaml").write_text(WORKFLOW)
    err = io.StringIO()
    code = main(["run", str(tmp_path / "flow.arazzo.yaml")], stdout=io.StringIO(), stderr=err)
    assert code in (1, 2), err.getvalue()
    assert "api.yaml:12:30" in err.getvalue()
    assert "points at a list, not an object" in err.getvalue()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
