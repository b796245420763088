"""Shared fixtures: a private parse cache for every test run."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Tests must not read or fill the user's own cache directory.
    os.environ["ARAZZO_CACHE_DIR"] = str(tmp_path_factory.mktemp("parse-cache"))


_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # The Temporal SDK's Rust threads may call into Python while the interpreter shuts down,
    # which aborts the process now and then (temporalio/sdk-python#300): once the session has
    # reported everything, a test run that used a Temporal client leaves without the shutdown,
    # with pytest's own exit status (the `arazzo` command does the same, cli.entry).
    import sys

    if _exit_status and "temporalio.bridge.temporal_sdk_bridge" in sys.modules:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(_exit_status[-1])
