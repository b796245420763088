"""Suite overhead benchmark (issue 12, Overhead).  Run: ``python3 benchmarks/suite.py [--runs N]``.

Times, on the built-in mock (nothing leaves the machine):

- ``test --jobs 1``: one ``arazzo test --cases FIVE --mock --jobs 1`` process running the five
  example workflows (FIVE: a cases file written here, with the inputs below);
- ``5 x run``: the five separate ``arazzo run FILE --mock -w ID -i ...`` processes it replaces,
  one after another, with the same inputs;
- ``test --jobs 4``: the same suite with ``--jobs 4``;
- ``all --jobs 1`` and ``all --jobs 4``: ``arazzo test workflows/ --mock``, the whole
  ``examples.cases.yaml`` (seven cases, two of which wait on the server's Retry-After).

and prints the median wall time of each (over ``--runs`` rounds, the three taken in turn in
each round, so a slow moment of a noisy machine hits all three) and the two ratios of the
acceptance: ``test --jobs 1 / 5 x run`` and ``test --jobs 4 / test --jobs 1`` (both should
be below 1).  Every timed process must exit 0, else the script stops and says which.
Figures only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows"
ARAZZO = [sys.executable, "-m", "arazzo_runner"]

# (file, workflowId, inputs): the five examples, as examples.cases.yaml runs them
EXAMPLES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "twilio-provision-messaging-service-add-number-workflow.yml",
        "provision-messaging-service-add-number",
        {"friendlyName": "Acme Alerts", "phoneNumberSid": "PN0123456789abcdef0123456789abcdef"},
    ),
    ("inventory-reserve-stock-with-retry-workflow.yml", "reserve-stock-with-retry", {"sku": "MUG-0042", "quantity": 2}),
    ("contacts-export-all-pages-workflow.yml", "export-all-contacts", {"pageSize": 2}),
    (
        "projects-create-project-with-tasks-workflow.yml",
        "create-project-with-tasks",
        {"name": "Launch", "firstTask": "Write the plan", "secondTask": "Book the room"},
    ),
    (
        "billing-issue-invoice-with-client-credentials-workflow.yml",
        "issue-invoice",
        {
            "clientId": "demo-client",
            "clientSecret": "demo-secret-for-the-mock",
            "customerId": "cus_12345678",
            "amount": 120.5,
            "currency": "GBP",
        },
    ),
]


def _cases_file(folder: Path) -> Path:
    """The five examples as a cases file (JSON is YAML too; ``file`` is absolute)."""
    entries = [
        {"name": workflow_id, "file": str(WORKFLOWS / file), "workflowId": workflow_id, "inputs": inputs}
        for file, workflow_id, inputs in EXAMPLES
    ]
    path = folder / "five.cases.json"
    path.write_text(json.dumps(entries, indent=2), encoding="utf-8")
    return path


def _run_commands() -> list[list[str]]:
    commands = []
    for file, workflow_id, inputs in EXAMPLES:
        command = [*ARAZZO, "run", str(WORKFLOWS / file), "--mock", "-w", workflow_id]
        for name, value in inputs.items():
            command += ["-i", f"{name}={value}"]
        commands.append(command)
    return commands


def _timed(commands: list[list[str]], folder: Path) -> float:
    """Wall seconds of ``commands`` run one after another; each must exit 0."""
    began = time.perf_counter()
    for command in commands:
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds to take the medians of (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arazzo-suite-bench-") as temporary:
        folder = Path(temporary)  # the working directory: no ./.env of the checkout is read
        cases = _cases_file(folder)
        rows = {
            "test --jobs 1": [[*ARAZZO, "test", "--cases", str(cases), "--mock", "--jobs", "1", "-q"]],
            "5 x run": _run_commands(),
            "test --jobs 4": [[*ARAZZO, "test", "--cases", str(cases), "--mock", "--jobs", "4", "-q"]],
            # the whole examples suite, where two cases wait on retries: what --jobs is for
            "all --jobs 1": [[*ARAZZO, "test", str(WORKFLOWS), "--mock", "--jobs", "1", "-q"]],
            "all --jobs 4": [[*ARAZZO, "test", str(WORKFLOWS), "--mock", "--jobs", "4", "-q"]],
        }
        for commands in rows.values():  # once untimed: the parse cache and the OS's file cache
            _timed(commands, folder)
        times: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(args.runs):
            for name, commands in rows.items():
                times[name].append(_timed(commands, folder))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        spread = f"{min(times[name]):.3f}-{max(times[name]):.3f}"
        print(f"{name:<14} median {median:.3f} s  (min-max {spread} s, {args.runs} runs)")
    print(f"test --jobs 1 / 5 x run       = {medians['test --jobs 1'] / medians['5 x run']:.2f}")
    print(f"test --jobs 4 / test --jobs 1 = {medians['test --jobs 4'] / medians['test --jobs 1']:.2f}")
    print(
        f"examples.cases.yaml, --jobs 4 / --jobs 1 = {medians['all --jobs 4'] / medians['all --jobs 1']:.2f}"
        "  (the five examples above spend 2 s of their time in one case's retry waits, which no"
        " --jobs can shorten; here two cases wait, side by side)"
    )


if __name__ == "__main__":
    main()
