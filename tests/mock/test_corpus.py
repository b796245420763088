"""Every workflow of ../shared/corpus whose sources resolve runs on the mock without the
runner raising: one run per workflow, with inputs generated from its inputs schema.

A workflow may fail its criteria (the mock answers 404 for ids that were never created, a
generated input may not fit the API); it may not make the runner or the mock crash.  A
document that cannot be planned (a broken reference: exit code 2 in the CLI) raises an
ArazzoError, which is a documented outcome too.  Counts are printed with ``-s``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner import ArazzoError
from arazzo_runner.mock import mock_description
from arazzo_runner.mock.inputs import sample_inputs

from ..paths import SHARED, shared_files
from .conftest import no_sleep

_ARAZZO = re.compile(rb"^\s*[\"']?arazzo[\"']?\s*:", re.MULTILINE)
DOCUMENTS = [path for path in shared_files("corpus") if _ARAZZO.search(path.read_bytes()[:8192])]
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if TALLY:
        print("\nmock corpus runs:", dict(sorted(TALLY.items())))


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="arazzo_runner")


def test_the_corpus_is_there() -> None:
    if not DOCUMENTS:
        pytest.skip(f"{SHARED / 'corpus'} is absent (../shared is only present in CI and developer checkouts)")
    assert len(DOCUMENTS) > 100


def _param(path: Path) -> object:
    name = path.relative_to(SHARED / "corpus").as_posix()
    return pytest.param(path, id=name)


@pytest.mark.parametrize("path", [_param(path) for path in DOCUMENTS])
def test_corpus_workflows_run_on_the_mock_without_crashing(path: Path) -> None:
    try:
        description = arazzo_runner.load(str(path))
        description.sources()
    except ArazzoError:
        TALLY["documents whose sources do not resolve"] += 1  # remote, missing or Swagger 2.0 sources
        return
    TALLY["documents"] += 1
    crashes: list[BaseException] = []
    for workflow in description.document.workflows:
        setup = mock_description(description)
        inputs = sample_inputs(description, workflow.workflow_id)
        runner = arazzo_runner.Runner(description, transport=setup.transport, servers=setup.servers,
                                      sleep=no_sleep, max_steps=200)  # fmt: skip
        try:
            with runner:
                result = runner.run(workflow.workflow_id, inputs)
        except ArazzoError:
            TALLY["workflows that cannot start (document errors)"] += 1
            continue
        except Exception as crash:  # every workflow is run before the first crash is reported
            TALLY["workflows crashing the runner"] += 1
            crashes.append(crash)
            continue
        TALLY[f"workflows {result.status}"] += 1
        assert result.status in ("succeeded", "failed")
        assert result.to_dict()["status"] == result.status
    if crashes:
        raise crashes[0]
