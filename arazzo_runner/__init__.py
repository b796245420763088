"""arazzo_runner: run, validate and inspect Arazzo workflow documents.

The public API.  Heavy modules (the loader, httpx, openapi-core) are imported on first use,
so that ``import arazzo_runner`` and ``arazzo --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ArazzoError,
    DocumentError,
    ExecutionError,
    ExpressionError,
    Location,
    SourceError,
    UsageError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "ArazzoError",
    "DocumentError",
    "ExecutionError",
    "ExpressionError",
    "Location",
    "SourceError",
    "UsageError",
    "ValidationError",
    "load",
    "load_openapi",
    "ArazzoDocument",
    "OpenAPIIndex",
    "Description",
    "Source",
    "run",
    "run_async",
    "Runner",
    "RunResult",
    "StepResult",
    "RunError",
    "Event",
    "validate",
    "ValidationReport",
    "Diagnostic",
    "run_tests",
    "TestReport",
    "BatchItem",
    "BatchResult",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and readers only
    from .batch import BatchItem, BatchResult
    from .execution.results import Event, RunError, RunResult, StepResult
    from .execution.runner import Runner, run, run_async
    from .loading.sources import Description, Source, load
    from .model import ArazzoDocument
    from .openapi.index import OpenAPIIndex, load_openapi
    from .suite import TestReport, run_tests
    from .validation import Diagnostic, ValidationReport, validate

# name -> module that defines it; imported on first attribute access (PEP 562)
_LAZY = {
    "load": ".loading.sources",
    "Description": ".loading.sources",
    "Source": ".loading.sources",
    "ArazzoDocument": ".model",
    "load_openapi": ".openapi.index",
    "OpenAPIIndex": ".openapi.index",
    "run": ".execution.runner",
    "run_async": ".execution.runner",
    "Runner": ".execution.runner",
    "RunResult": ".execution.results",
    "StepResult": ".execution.results",
    "RunError": ".execution.results",
    "Event": ".execution.results",
    "validate": ".validation",
    "ValidationReport": ".validation",
    "Diagnostic": ".validation",
    "run_tests": ".suite",
    "BatchItem": ".batch",
    "BatchResult": ".batch",
    "TestReport": ".suite",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'arazzo_runner' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
