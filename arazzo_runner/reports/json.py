"""The JSON report: ``{"summary": {...}, "cases": [...]}``, each case with its ``run --json``
object (docs/json.md).  Strict JSON: a NaN or an infinity in a response body is written as a
string, as ``arazzo run --json`` does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..execution.results import json_text

if TYPE_CHECKING:  # pragma: no cover
    from ..suite.outcome import TestReport

__all__ = ["render", "dumps"]


def render(report: TestReport) -> str:
    """The JSON report of ``report``, indented."""
    return dumps(report.to_dict())


def dumps(value: Any) -> str:
    """``value`` as indented strict JSON text, with a final line feed."""
    return json_text(value, indent=2) + "\n"
