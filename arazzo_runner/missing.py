"""MISSING: the value that is not there, distinct from JSON ``null`` (``None``)."""

from __future__ import annotations

from typing import Any

__all__ = ["MISSING", "Missing"]


class Missing:
    """The type of :data:`MISSING`: an absent field, an unresolvable reference.

    It is falsy, equal only to itself, and survives copying and pickling as the same object.
    """

    __slots__ = ()
    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> Any:
        return "MISSING"

    def __copy__(self) -> Missing:
        return self

    def __deepcopy__(self, memo: Any) -> Missing:
        return self


MISSING = Missing()
