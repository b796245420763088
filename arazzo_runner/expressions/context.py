"""What runtime expressions reach: the :class:`ExpressionContext` of one moment of a run, the
:class:`HttpMessage` s in it, and the ways into values (JSON Pointers, ``.name`` / ``[i]``).

An unresolvable reference is :data:`MISSING`, never ``None`` (JSON null).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..missing import MISSING
from .ast import Segment

__all__ = ["ExpressionContext", "HttpMessage", "Getter", "navigate", "walk_pointer", "named", "pointer_tokens"]

Getter = Callable[["ExpressionContext"], Any]
"""A compiled expression: a function of the context giving a value (or MISSING)."""


class HttpMessage:
    """A request, response or message as expressions see it.

    Header names are matched case-insensitively (stored lower-cased); query and path
    parameter names exactly.  ``body`` is the parsed body (JSON data, or text), MISSING when
    the message has none.
    """

    __slots__ = ("headers", "query", "path", "body", "payload")

    def __init__(
        self,
        headers: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        path: Mapping[str, Any] | None = None,
        body: Any = MISSING,
        payload: Any = MISSING,
    ) -> None:
        self.headers = {str(k).lower(): v for k, v in (headers or {}).items()}
        self.query = dict(query or {})
        self.path = dict(path or {})
        self.body = body
        self.payload = payload if payload is not MISSING else body


class ExpressionContext:
    """Everything runtime expressions can reach, as the engine knows it at one moment.

    ``steps`` maps a step id to its outputs; ``workflows`` maps a workflow id to
    ``{"inputs": {...}, "outputs": {...}}``; ``components`` maps a component type
    (``parameters``, ``successActions``, ``failureActions``, ``inputs``) to its entries;
    ``source_descriptions`` maps a source name to a mapping of what
    ``$sourceDescriptions.<name>.<x>`` may name (operationIds, workflowIds, then ``url``,
    ``type`` ...), or is a function ``(name, x) -> value``.
    """

    __slots__ = (
        "url",
        "method",
        "status_code",
        "request",
        "response",
        "message",
        "inputs",
        "outputs",
        "steps",
        "workflows",
        "source_descriptions",
        "components",
        "self_uri",
    )

    def __init__(
        self,
        *,
        url: Any = MISSING,
        method: Any = MISSING,
        status_code: Any = MISSING,
        request: HttpMessage | None = None,
        response: HttpMessage | None = None,
        message: HttpMessage | None = None,
        inputs: Mapping[str, Any] | None = None,
        outputs: Mapping[str, Any] | None = None,
        steps: Mapping[str, Mapping[str, Any]] | None = None,
        workflows: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
        source_descriptions: Mapping[str, Any] | Callable[[str, str], Any] | None = None,
        components: Mapping[str, Mapping[str, Any]] | None = None,
        self_uri: Any = MISSING,
    ) -> None:
        self.url = url
        self.method = method
        self.status_code = status_code
        self.request = request
        self.response = response
        self.message = message
        self.inputs = inputs if inputs is not None else {}
        self.outputs = outputs if outputs is not None else {}
        self.steps = steps if steps is not None else {}
        self.workflows = workflows if workflows is not None else {}
        self.source_descriptions = source_descriptions if source_descriptions is not None else {}
        self.components = components if components is not None else {}
        self.self_uri = self_uri


# ---------------------------------------------------------------- navigation and pointers


def pointer_tokens(pointer: str) -> tuple[str, ...]:
    """The decoded RFC 6901 tokens of ``pointer`` (``~1`` is ``/``, ``~0`` is ``~``)."""
    if not pointer:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") if "~" in t else t for t in pointer[1:].split("/"))


# An array index: no leading zeros (RFC 6901), and short enough for int() to convert.
_INDEX = re.compile(r"0|[1-9][0-9]{0,17}")
_DIGITS = re.compile(r"[0-9]{1,18}")


def walk_pointer(value: Any, tokens: tuple[str, ...]) -> Any:
    """Follow decoded RFC 6901 tokens into ``value``; MISSING where nothing is there."""
    for token in tokens:
        if type(value) is dict or isinstance(value, Mapping):
            value = value.get(token, MISSING)
        elif isinstance(value, list):
            if _INDEX.fullmatch(token) is None or int(token) >= len(value):
                return MISSING
            value = value[int(token)]
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def navigate(value: Any, segments: tuple[Segment, ...]) -> Any:
    """Apply ``.name`` / ``[index]`` steps; ``.length`` of a list or string is its length."""
    for segment in segments:
        kind = type(value)  # exact types first: isinstance() against the Mapping ABC is slow
        if kind is dict or (kind is not list and kind is not str and isinstance(value, Mapping)):
            value = value.get(segment if isinstance(segment, str) else str(segment), MISSING)
        elif kind is list or kind is str or isinstance(value, (list, str)):
            if isinstance(segment, int):
                value = value[segment] if segment < len(value) else MISSING
            elif segment == "length":
                value = len(value)
            elif isinstance(value, list) and _DIGITS.fullmatch(segment) and int(segment) < len(value):
                value = value[int(segment)]
            else:
                return MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def named(container: Any, names: tuple[str, ...]) -> Any:
    """The entry of ``container`` named by ``names``: the longest dotted name that exists wins."""
    if type(container) is not dict and not isinstance(container, Mapping):
        return MISSING
    if len(names) == 1:
        return container.get(names[0], MISSING)
    for cut in range(len(names), 0, -1):
        key = ".".join(names[:cut])
        if key in container:
            return navigate(container[key], names[cut:])
    return MISSING
