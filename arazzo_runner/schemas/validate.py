"""A value against a JSON Schema of an Arazzo document, by jsonschema (imported only here).

The schema's ``$ref`` s resolve inside the document (:mod:`.refs`: JSON Pointers, ``$anchor``
and ``$id``) and never over the network.  A reference that leads nowhere is the document's
mistake: :class:`.check.InputsSchemaError`, saying which ``$ref`` and where it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .check import InputsSchemaError
from .refs import schema_index

__all__ = ["schema_errors"]


def schema_errors(
    schema: Any,
    value: Any,
    *,
    document: Mapping[str, Any] | None = None,
    pointer: str | None = None,
    retrieval_uri: str | None = None,
) -> list[Any]:
    """jsonschema's errors for ``value`` (sorted by where in the value they are).

    ``pointer`` says where ``schema`` sits in ``document`` (e.g. ``/workflows/0/inputs``);
    without it the schema is looked for among the document's inputs schemas.  Raises
    InputsSchemaError when a ``$ref`` met on the way does not resolve.
    """
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.exceptions import Unresolvable

    index = schema_index(document, retrieval_uri) if document is not None else None
    if index is not None and pointer is None:
        pointer = index.pointer_of(schema)
    if index is not None and pointer is not None:
        # the schema is reached through the document, so its references resolve from there
        root: Any = {"$ref": f"{index.base}#{_quote(pointer)}"}
        validator = Draft202012Validator(root, registry=index.registry())
    else:
        validator = Draft202012Validator(schema, registry=Registry())  # an empty registry: nothing is fetched
    try:
        return sorted(validator.iter_errors(value), key=lambda error: [str(p) for p in error.absolute_path])
    except Unresolvable as error:
        raise _unresolved(str(getattr(error, "ref", "")), index) from None


def _unresolved(ref: str, index: Any) -> InputsSchemaError:
    where = next((at for at, written, _ in index.refs if written == ref), None) if index is not None else None
    reason = "it points to nothing in this document"
    if index is not None:
        _, why = index.lookup(ref, next((b for _, written, b in index.refs if written == ref), None))
        reason = str(why) if isinstance(why, str) else reason
    error = InputsSchemaError(
        f"$ref {ref!r}" + (f" (at {where}/$ref)" if where else "") + f" does not resolve: {reason}"
    )
    error.pointer = f"{where}/$ref" if where else None
    return error


def _quote(pointer: str) -> str:
    from urllib.parse import quote

    return quote(pointer, safe="/~!$&'()*+,;=:@")
