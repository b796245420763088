"""Shared helpers of the suite tests: a copy of the small shop API to lay out as each test needs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
SHOP = DATA / "shop"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A directory holding the shop document and its OpenAPI description (no cases file)."""
    target = tmp_path / "shop"
    target.mkdir()
    for name in ("shop.arazzo.yml", "shop-openapi.yml"):
        shutil.copy(SHOP / name, target / name)
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
