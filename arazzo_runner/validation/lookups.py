"""What validation finds out about a document's references: the state of a source, the
operation a step calls, the workflow a workflowId names, the inputs a workflow declares.

These are plain values: a lookup never raises, it says what it found or why it found nothing
(``status``), so rules can report it or treat it as "cannot tell".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Optional

from ..errors import Location
from ..model import Workflow

if TYPE_CHECKING:  # pragma: no cover
    from ..openapi.index import Operation

__all__ = [
    "QUALIFIED",
    "OPERATION_PATH",
    "NON_ARAZZO",
    "suggest",
    "SourceState",
    "OperationLookup",
    "WorkflowLookup",
    "InputsInfo",
]

QUALIFIED = re.compile(r"^\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.(.+)$")
OPERATION_PATH = re.compile(r"^\{\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.url\}(#.*)$")
NON_ARAZZO = ("openapi", "asyncapi")


def suggest(wanted: str, names: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the closest name, or nothing."""
    import difflib  # only when something is misspelt

    candidates = [n for n in names if isinstance(n, str)]
    folded = [n for n in candidates if n.lower() == wanted.lower() and n != wanted]
    close = folded or difflib.get_close_matches(wanted, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class SourceState:
    """What became of one source description.

    ``status``: ``ok``, ``remote`` (not fetched), ``missing`` (no such file), ``broken``
    (cannot be parsed or is not an API description), ``type`` (of another type than declared),
    ``skipped`` (sources are not read: ``--no-sources``) or ``undeclared``.
    """

    __slots__ = ("name", "status", "type", "message", "location")

    def __init__(
        self,
        name: str,
        status: str,
        type: Optional[str] = None,
        message: Optional[str] = None,
        location: Optional[Location] = None,
    ) -> None:
        self.name, self.status, self.type, self.message, self.location = name, status, type, message, location

    def __repr__(self) -> str:
        return f"SourceState({self.name!r}, {self.status!r}, type={self.type!r})"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class OperationLookup:
    """The operation a step calls, or why it is not known.

    ``status``: ``found``, ``async`` (an AsyncAPI operation), ``missing``, ``ambiguous``,
    ``unknown-source``, ``wrong-type`` (the source is not an API description), ``broken`` (a
    ``$ref`` of the operation leads nowhere), ``bad-path``
    (an operationPath of the wrong form), ``unknown`` (a source it needs could not be read),
    ``none`` (the step calls no operation).
    """

    __slots__ = ("status", "operation", "source", "message", "unqualified")

    def __init__(
        self,
        status: str,
        operation: Optional[Operation] = None,
        source: Optional[str] = None,
        message: str = "",
        unqualified: bool = False,  # found, but several API sources are declared
    ) -> None:
        self.status, self.operation, self.source = status, operation, source
        self.message, self.unqualified = message, unqualified

    def __repr__(self) -> str:
        return f"OperationLookup({self.status!r}, source={self.source!r})"


class WorkflowLookup:
    """The workflow a ``workflowId`` names (``status`` ``found``) or why it is not known."""

    __slots__ = ("status", "workflow", "document_data", "message", "local")

    def __init__(
        self,
        status: str,
        workflow: Optional[Workflow] = None,
        document_data: Any = None,
        message: str = "",
        local: bool = True,
    ) -> None:
        self.status, self.workflow, self.document_data = status, workflow, document_data
        self.message, self.local = message, local

    def __repr__(self) -> str:
        return f"WorkflowLookup({self.status!r})"


class InputsInfo:
    """The inputs a workflow declares: ``names``; ``open`` when others are accepted too (or
    the schema cannot tell); ``required`` names."""

    __slots__ = ("names", "open", "required")

    def __init__(self, names: frozenset[str], open: bool, required: frozenset[str] = frozenset()) -> None:
        self.names, self.open, self.required = names, open, required

    def declares(self, name: str) -> bool:
        return self.open or name in self.names
