"""Text helpers shared by the renderers: shortening, and the width a text takes when drawn."""

from __future__ import annotations

import unicodedata

__all__ = ["shorten", "text_width"]

# Average advance of a character of a sans-serif font, in ems.  There are no font metrics
# without a browser, so widths are estimated, with generous room for wide letters.
_NARROW = frozenset("iljtf.,:;'!|()[]{} I1")
_WIDE = frozenset("mwMW@%#&")


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis when longer."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    return flat[: max(width - 1, 0)].rstrip() + "…"


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The estimated width in pixels of ``text`` drawn at ``size`` pixels."""
    ems = 0.0
    for char in text:
        if char in _NARROW:
            ems += 0.34
        elif char in _WIDE:
            ems += 0.86
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            ems += 1.0
        elif char.isupper():
            ems += 0.68
        else:
            ems += 0.56
    return ems * size * (1.07 if bold else 1.0)
