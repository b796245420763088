"""Sample inputs for a workflow, generated from its ``inputs`` schema (for demos and tests).

The values follow the schema as the mock's generator reads it (examples and defaults first,
then type, format, pattern, enum and bounds) and are reproducible for a seed.  ``$ref`` s to
the Arazzo document's own components (``#/components/inputs/...``) are followed.
"""

from __future__ import annotations

import random
from typing import Any

from ..errors import DocumentError
from ..openapi.refs import split_pointer
from .generate import OMIT, Generator
from .schemas import Schemas

__all__ = ["sample_inputs"]


def sample_inputs(description: Any, workflow_id: str | None = None, *, seed: int = 0) -> dict[str, Any]:
    """Inputs for ``workflow_id`` (the only workflow when None) of a loaded Arazzo description."""
    workflows = description.document.workflows
    if workflow_id is None:
        workflow = workflows[0] if len(workflows) == 1 else None
    else:
        workflow = description.document.workflow(workflow_id)
    if workflow is None or not isinstance(workflow.inputs, dict):
        return {}
    data = description.parsed.data

    def follow(node: Any, uri: str) -> tuple[Any, str, str]:
        ref = node["$ref"]
        if not ref.startswith("#"):
            raise DocumentError(f"$ref {ref!r} leaves the document")
        value = data
        for token in split_pointer(ref):
            if isinstance(value, dict) and token in value:
                value = value[token]
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                value = value[int(token)]
            else:
                raise DocumentError(f"$ref {ref!r} points at nothing")
        return value, uri, ref[1:]

    schemas = Schemas(follow, description.uri, "3.1.0")
    schema = schemas.inline(workflow.inputs)
    value = Generator(schemas).generate(schema, random.Random(f"{seed}|inputs|{workflow.workflow_id}"), mode="request")
    return value if isinstance(value, dict) and value is not OMIT else {}
