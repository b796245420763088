"""Where the test data lives: the repository, and ../shared when it is present."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FLAGSHIP = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test (with the reason) when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only present in CI and developer checkouts)")
    return path


def shared_files(*parts: str, suffixes: tuple = (".yaml", ".yml", ".json")) -> list:
    """Every file below ../shared/<parts> (empty when ../shared is absent), sorted."""
    base = SHARED.joinpath(*parts)
    if not base.exists():
        return []
    return sorted(p for p in base.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
