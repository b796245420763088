"""``mock_max_items`` (Python) and ``--mock-max-items`` (CLI): how many resources each
collection of the built-in mock keeps before the oldest is evicted (then 404, as deleted);
and ``--mock-seed`` on ``run``."""

from __future__ import annotations

import io
import json

import pytest

from arazzo_runner import Runner
from arazzo_runner.cli import main
from arazzo_runner.errors import UsageError

from ..paths import FLAGSHIP

PHONE = "PN0123456789abcdef0123456789abcdef"
SERVICES = "https://messaging.twilio.com/v1/Services"


def _statuses(max_items: int | None, runs: int) -> list[int]:
    options = {} if max_items is None else {"mock_max_items": max_items}
    with Runner(FLAGSHIP, mock=True, **options) as runner:
        sids = [
            runner.run(inputs={"friendlyName": f"n{i}", "phoneNumberSid": PHONE}).outputs["serviceSid"]
            for i in range(runs)
        ]
        return [runner.client.get(f"{SERVICES}/{sid}").status_code for sid in sids]


@pytest.mark.parametrize(
    ("max_items", "statuses"),
    [
        (None, [200, 200, 200]),  # the default keeps 1,000
        (2, [404, 200, 200]),  # the oldest service was evicted by the third
        (1, [404, 404, 200]),
    ],
)
def test_runner_keyword(max_items: int | None, statuses: list[int]) -> None:
    assert _statuses(max_items, 3) == statuses


def test_a_bound_below_one_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        Runner(FLAGSHIP, mock=True, mock_max_items=0)


@pytest.mark.parametrize(("value", "code"), [("1", 0), ("0", 2), ("x", 2)])
def test_cli_option(value: str, code: int) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "run",
        str(FLAGSHIP),
        "--mock",
        "--mock-max-items",
        value,
        "-i",
        "friendlyName=x",
        "-i",
        f"phoneNumberSid={PHONE}",
    ]
    assert main(argv, out, err) == code, err.getvalue()
    if code == 2:
        assert "--mock-max-items" in err.getvalue() and "1 or more" in err.getvalue()


def _sid(*extra: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", str(FLAGSHIP), "--mock", *extra, "-i", "friendlyName=x", "-i", f"phoneNumberSid={PHONE}", "--json"]
    assert main(argv, out, err) == 0, err.getvalue()
    return str(json.loads(out.getvalue())["outputs"]["serviceSid"])


def test_run_takes_mock_seed_like_test_does() -> None:
    # the same seed gives the same answers, another seed other ones
    assert _sid() == _sid("--mock-seed", "0") != _sid("--mock-seed", "7")
