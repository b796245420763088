"""The syntax trees of runtime expressions, templates and simple conditions.

Nodes are immutable values: the static checker reads them, and :mod:`.compile` turns them
into closures that evaluate without walking the tree again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

__all__ = [
    "RuntimeExpression",
    "Template",
    "Literal",
    "Reference",
    "Not",
    "And",
    "Or",
    "Compare",
    "Navigate",
    "Condition",
    "Segment",
    "ROOTS",
]

# The runtime expression roots, as written after '$'.
ROOTS = (
    "url",
    "method",
    "statusCode",
    "request",
    "response",
    "message",
    "inputs",
    "outputs",
    "steps",
    "workflows",
    "sourceDescriptions",
    "components",
    "self",
)

# A navigation step: a member name (``.name``, ``['name']``) or a list index (``[0]``).
Segment = Union[str, int]


@dataclass(frozen=True, slots=True)
class RuntimeExpression:
    """One runtime expression, e.g. ``$steps.create.outputs.id#/0``.

    ``root`` is the word after ``$``.  ``qualifier`` holds what the root needs next: the
    message part for ``request``/``response``/``message`` (``header``, ``query``, ``path``,
    ``body``, ``payload``), the step id, the workflow id, the source description name, or
    the component type.  ``field`` is ``inputs``/``outputs`` for ``$workflows``.  ``names``
    are the dot-separated parts of a name (an output named ``a.b`` is tried before output
    ``a`` navigated to ``b``).  ``pointer`` is the JSON pointer after ``#`` (None when there
    is none), and ``navigation`` the ``.name`` / ``[index]`` steps taken after that.
    """

    text: str
    root: str
    qualifier: str | None = None
    field: str | None = None
    names: tuple[str, ...] = ()
    pointer: str | None = None
    navigation: tuple[Segment, ...] = ()
    offset: int = 0

    def __str__(self) -> str:
        return self.text

    @property
    def reference(self) -> tuple[str, ...]:
        """What the expression names, for checks: e.g. ("steps", "create", "outputs", "id")."""
        if self.root == "steps":
            return ("steps", self.qualifier or "", "outputs", ".".join(self.names))
        if self.root == "workflows":
            return ("workflows", self.qualifier or "", self.field or "", ".".join(self.names))
        if self.root in ("inputs", "outputs"):
            return (self.root, ".".join(self.names))
        if self.root in ("sourceDescriptions", "components"):
            return (self.root, self.qualifier or "", ".".join(self.names))
        if self.qualifier is not None:
            return (self.root, self.qualifier, *self.names)
        return (self.root,)


@dataclass(frozen=True, slots=True)
class Template:
    """A string with embedded ``{$...}`` expressions: literal text and expressions in order."""

    text: str
    parts: tuple[str | RuntimeExpression, ...]

    @property
    def expressions(self) -> tuple[RuntimeExpression, ...]:
        return tuple(part for part in self.parts if isinstance(part, RuntimeExpression))


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal of a condition: a number, a string, ``true``, ``false`` or ``null``."""

    value: Any
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Reference:
    """A runtime expression used as an operand of a condition."""

    expression: RuntimeExpression
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition
    offset: int = 0


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Condition, ...]
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Condition, ...]
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Compare:
    operator: str  # one of == != < <= > >=
    left: Condition
    right: Condition
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Navigate:
    """``.name`` / ``[index]`` steps applied to a parenthesised operand or a literal."""

    operand: Condition
    segments: tuple[Segment, ...]
    offset: int = 0


Condition = Union[Literal, Reference, Not, And, Or, Compare, Navigate]
