"""Where a character of a string value is in the file: the line and column of offset ``n``
of a scalar, whether it is plain, quoted, folded over several lines or a block scalar."""

from __future__ import annotations

__all__ = ["shift"]


def shift(lines: list[str], start: tuple[int, int], offset: int, is_json: bool) -> tuple[int, int]:
    """Where character ``offset`` of the string written at ``start`` (line, column) is."""
    line, column = start
    if not 0 < line <= len(lines):
        return start
    text = lines[line - 1]
    opener = text[column - 1 : column]
    if opener in ("|", ">") and not is_json:
        # a block scalar: its content starts on the next non-empty line, at its indentation
        number = line
        while number < len(lines) and not lines[number].strip():
            number += 1
        remaining = offset
        while number < len(lines):
            content = lines[number]
            indent = len(content) - len(content.lstrip(" "))
            body = content[indent:]
            if remaining <= len(body):
                return number + 1, indent + remaining + 1
            remaining -= len(body) + 1
            number += 1
        return start
    if opener in ("'", '"'):
        column += 1
    if column - 1 + offset <= len(text):
        return line, column + offset
    # a plain or quoted scalar folded over several lines
    remaining = offset - (len(text) - (column - 1)) - 1
    number = line
    while number < len(lines):
        content = lines[number]
        indent = len(content) - len(content.lstrip(" "))
        body = content[indent:]
        if remaining <= len(body):
            return number + 1, indent + max(remaining, 0) + 1
        remaining -= len(body) + 1
        number += 1
    return start
