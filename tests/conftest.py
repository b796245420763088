"""Shared fixtures: a private parse cache for every test run."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Tests must not read or fill the user's own cache directory.
    os.environ["ARAZZO_CACHE_DIR"] = str(tmp_path_factory.mktemp("parse-cache"))
