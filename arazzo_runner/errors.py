"""One exception hierarchy for the whole package, and the Location every error carries.

Every exception raised by ``arazzo_runner`` derives from :class:`ArazzoError`.  Each carries
a :class:`Location` (file, line, column, JSON pointer) where one is known, and an exit code
the CLI uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

__all__ = [
    "Location",
    "ArazzoError",
    "DocumentError",
    "SourceError",
    "ValidationError",
    "ExpressionError",
    "ExecutionError",
    "UsageError",
]

Position = tuple[int, int]
_UNKNOWN: Position = (0, 0)  # looked for, not found: do not look again


class Location:
    """Where a value sits: file, JSON pointer, and (computed on demand) line and column.

    Line and column are 1-based.  They are resolved lazily through ``resolver`` (a function
    from a JSON pointer to ``(line, column)`` or ``None``), because large OpenAPI files are
    parsed without building a full source map; the position is found only when asked for.
    """

    __slots__ = ("file", "pointer", "_resolver", "_position")

    def __init__(
        self,
        file: Optional[str],
        pointer: str = "",
        line: Optional[int] = None,
        column: Optional[int] = None,
        *,
        resolver: Optional[Callable[[str], Optional[Position]]] = None,
    ) -> None:
        self.file = file
        self.pointer = pointer
        self._resolver = resolver
        self._position: Optional[Position] = (line, column or 1) if line is not None else None

    def _resolve(self) -> Optional[Position]:
        if self._position is None and self._resolver is not None:
            try:
                found = self._resolver(self.pointer)
            except Exception:  # a position is a nicety; never let it hide the real error
                found = None
            self._position = found or _UNKNOWN
        return self._position if self._position is not _UNKNOWN else None

    @property
    def line(self) -> Optional[int]:
        position = self._resolve()
        return position[0] if position else None

    @property
    def column(self) -> Optional[int]:
        position = self._resolve()
        return position[1] if position else None

    def child(self, *tokens: object) -> Location:
        """The location of a value below this one (keys or list indices)."""
        pointer = self.pointer
        for token in tokens:
            pointer += "/" + str(token).replace("~", "~0").replace("/", "~1")
        return Location(self.file, pointer, resolver=self._resolver)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "pointer": self.pointer}

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __repr__(self) -> str:
        return f"Location({str(self)!r}, pointer={self.pointer!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return (self.file, self.pointer, self.line, self.column) == (
            other.file,
            other.pointer,
            other.line,
            other.column,
        )

    def __hash__(self) -> int:
        return hash((self.file, self.pointer))


class ArazzoError(Exception):
    """Base of every error raised by arazzo_runner.

    ``exit_code`` is what the CLI exits with when this error stops a command.
    """

    exit_code = 2
    type = "document"

    def __init__(self, message: str, location: Optional[Location] = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None and self.location.file:
            return f"{self.location}: {self.message}"
        return self.message

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "message": self.message, "file": None, "line": None, "column": None}
        if self.location is not None:
            data.update(file=self.location.file, line=self.location.line, column=self.location.column)
        return data


class DocumentError(ArazzoError):
    """A document cannot be read: syntax, duplicate keys, unsupported version, bombs."""

    type = "document"


class SourceError(DocumentError):
    """A source description cannot be found, fetched or recognised."""


class ValidationError(ArazzoError):
    """A document loads but validation reported errors for it."""

    type = "document"


class ExpressionError(ArazzoError):
    """A runtime expression, template or condition cannot be parsed or evaluated."""

    type = "expression"

    def __init__(self, message: str, location: Optional[Location] = None, *, offset: Optional[int] = None) -> None:
        super().__init__(message, location)
        self.offset = offset


class ExecutionError(ArazzoError):
    """A run cannot start or continue because of the caller's input (inputs, auth, ...)."""

    type = "inputs"


class UsageError(ArazzoError):
    """The caller used the API or the CLI wrongly (unknown workflow, bad option value)."""

    type = "usage"
