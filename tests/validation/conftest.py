"""Fixtures of the validation tests: documents written next to copies of the test sources."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SOURCES = DATA / "sources"


@pytest.fixture
def write_document(tmp_path: Path) -> Callable[..., Path]:
    """Write a document (text) into a fresh directory holding the OpenAPI test sources."""
    for source in SOURCES.iterdir():
        shutil.copy(source, tmp_path / source.name)

    def write(text: str, name: str = "case.arazzo.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
