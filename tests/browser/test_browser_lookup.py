"""Finding the browser: a missing Chromium skips the browser tests, saying why, unless
ARAZZO_REQUIRE_BROWSER=1 (CI) makes it a failure."""

from __future__ import annotations

import os

import pytest

from . import conftest


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest.shutil, "which", lambda name: None)
    monkeypatch.setattr(conftest.os, "access", lambda path, mode: False)


def test_missing_chromium_skips_with_the_reason(no_chromium: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        conftest.chromium_path()


def test_missing_chromium_fails_when_required(no_chromium: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARAZZO_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="ARAZZO_REQUIRE_BROWSER=1 requires it"):
        conftest.chromium_path()


def test_the_system_chromium_is_found_when_present() -> None:
    path = conftest.chromium_path()  # skips on a machine without it
    assert os.access(path, os.X_OK)
