"""How simple conditions compare two values (docs/decisions.md #19): MISSING compares false, ``null``
equals only ``null``, strings compare case-insensitively, a numeric string as its number, a
boolean equals ``'true'`` / ``'false'`` in any case.
"""

from __future__ import annotations

import re
from typing import Any

from ..missing import MISSING

__all__ = ["compare", "as_number"]


# ASCII blanks only: \s would also take characters that int() and float() do not strip ('\x1f').
_NUMERIC = re.compile(r"[ \t\r\n]*-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?[ \t\r\n]*")


def as_number(value: Any) -> int | float | None:
    """``value`` as a number when it is one or a numeric string, else None."""
    if type(value) in (int, float):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        if "." in value or "e" in value or "E" in value:
            return float(value)
        try:
            return int(value)  # exact: float() would round integers beyond 2**53
        except ValueError:  # more digits than int() converts: the float's magnitude will do
            return float(value)
    return None


def _as_bool(value: Any) -> bool | None:
    if value is True or value is False:
        return bool(value)
    if isinstance(value, str):
        folded = value.strip().lower()
        if folded in ("true", "false"):
            return folded == "true"
    return None


def _ordered(operator: str, left: Any, right: Any) -> bool:
    if operator == "<":
        return bool(left < right)
    if operator == "<=":
        return bool(left <= right)
    if operator == ">":
        return bool(left > right)
    return bool(left >= right)


def _fold(value: Any) -> Any:
    """Strings folded for case-insensitive equality, inside lists and objects too."""
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, list):
        return [_fold(item) for item in value]
    if isinstance(value, dict):
        return {key: _fold(item) for key, item in value.items()}
    return value


def compare(operator: str, left: Any, right: Any) -> bool:
    """A comparison of simple conditions (docs/decisions.md #19).

    MISSING compares false (``!=`` included); ``null`` equals only ``null``; strings compare
    case-insensitively (ordering too); a numeric string compares as the number; a boolean
    equals ``'true'``/``'false'`` in any case.
    """
    if left is MISSING or right is MISSING:
        return False
    equality = operator in ("==", "!=")
    if left is None or right is None:
        if equality:
            return (left is None and right is None) == (operator == "==")
        return False
    left_type, right_type = type(left), type(right)
    if left_type is bool or right_type is bool:
        a, b = _as_bool(left), _as_bool(right)
        if a is None or b is None:
            return operator == "!="
        return (a == b) == (operator == "==") if equality else False
    if left_type in (int, float) or right_type in (int, float) or (left_type is str and right_type is str):
        a_num, b_num = as_number(left), as_number(right)
        if a_num is not None and b_num is not None:
            if equality:
                return (a_num == b_num) == (operator == "==")
            return _ordered(operator, a_num, b_num)
        if left_type is str and right_type is str:
            a_text, b_text = str(left).casefold(), str(right).casefold()
            if equality:
                return (a_text == b_text) == (operator == "==")
            return _ordered(operator, a_text, b_text)
        return operator == "!="
    if equality:
        return bool(_fold(left) == _fold(right)) == (operator == "==")
    return False
