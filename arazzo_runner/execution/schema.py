"""Moved to :mod:`arazzo_runner.schemas.fastpath` (re-exported here for older imports)."""

from __future__ import annotations

from ..schemas.fastpath import SUPPORTED, simple_errors

__all__ = ["simple_errors", "SUPPORTED"]
