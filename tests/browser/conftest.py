"""A real headless Chromium (the system's, Debian package ``chromium``) driven by Playwright.

Playwright's own browser download is never used: the browser is the one on PATH.  When it or
the ``playwright`` package is missing the tests skip, saying why; with
``ARAZZO_REQUIRE_BROWSER=1`` (CI, where .ci/run installs it) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..components import unavailable

# --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.  The --disable-*
# switches keep Chromium's own traffic (updates, sync, field trials) out of the page's.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    unavailable(reason, "ARAZZO_REQUIRE_BROWSER")


def chromium_path() -> str:
    """The system Chromium, or skip (fail under ARAZZO_REQUIRE_BROWSER=1) saying why."""
    for candidate in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    _unavailable("no Chromium on PATH: install the Debian package chromium (apt-get install -y chromium)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for the browser tests.  Package scope, not session: Playwright's
    sync API keeps an asyncio loop running in this thread while it lives, and every later
    test that calls asyncio.run() would fail."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(f"the playwright package is not importable ({error}): pip install -e '.[test]'")
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
