"""Result lines, the results file, and reading it back for --resume (a partial last line is
cut away; an unreadable line before the last is refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arazzo_runner.batch import BatchResult, ResultsFile, read_results, result_line
from arazzo_runner.errors import Location, UsageError
from arazzo_runner.execution.results import RunError, RunResult, StepResult


def test_a_line_from_a_run_result() -> None:
    run = RunResult(
        "wf",
        "failed",
        outputs={"serviceSid": "MG1"},
        steps=[StepResult("a", "wf", "succeeded"), StepResult("b", "wf", "failed")],
        error=RunError("criteria", "successCriteria not met", "b", Location("flow.yml", line=52, column=9)),
    )
    line = result_line(BatchResult.from_run("cust-1", run, 0.0126))
    assert line.endswith("\n") and line.count("\n") == 1
    assert list(json.loads(line).items()) == [
        ("id", "cust-1"),
        ("status", "failed"),
        ("outputs", {"serviceSid": "MG1"}),
        ("error", {"type": "criteria", "message": "successCriteria not met", "stepId": "b",
                   "file": "flow.yml", "line": 52, "column": 9}),
        ("stepCount", 2),
        ("elapsedMs", 13),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (BatchResult("a", "succeeded", {"x": "é"}, None, 3, 0.0004),
         '{"id": "a", "status": "succeeded", "outputs": {"x": "é"}, "error": null, "stepCount": 3, "elapsedMs": 0}\n'),
        # strict JSON: a NaN read from a response becomes a string
        (BatchResult("b", "succeeded", {"x": float("nan"), "y": [float("-inf")]}),
         '{"id": "b", "status": "succeeded", "outputs": {"x": "NaN", "y": ["-Infinity"]}, "error": null, '
         '"stepCount": 0, "elapsedMs": 0}\n'),
        (BatchResult("c", "error", error=RunError("inputs", "bad")),
         '{"id": "c", "status": "error", "outputs": {}, "error": {"type": "inputs", "message": "bad", "stepId": null, '
         '"file": null, "line": null, "column": null}, "stepCount": 0, "elapsedMs": 0}\n'),
    ],
)  # fmt: skip
def test_result_lines(result: BatchResult, expected: str) -> None:
    assert result_line(result) == expected


def test_the_results_file_appends_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id": "old", "status": "failed"}\n')
    with ResultsFile(str(path)) as results:
        results.write(BatchResult("a", "succeeded"))
        # written through at once: another reader sees the line before the file is closed
        assert path.read_text().splitlines()[-1].startswith('{"id": "a"')
        results.write(BatchResult("b", "error"))
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == ["old", "a", "b"]


def test_fsync_writes_the_same_lines(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with ResultsFile(str(path), fsync=True) as results:
        results.write(BatchResult("a", "succeeded"))
    assert path.read_text() == result_line(BatchResult("a", "succeeded"))


GOOD = b'{"id": "a", "status": "succeeded"}\n{"id": "b", "status": "failed"}\n'


@pytest.mark.parametrize(
    ("tail", "done", "dropped"),
    [
        (b"", {"a": "succeeded", "b": "failed"}, None),
        (b"\n\n", {"a": "succeeded", "b": "failed"}, None),  # blank lines are kept, not results
        (b'{"id": "c", "status": "succ', {"a": "succeeded", "b": "failed"}, 3),  # killed while writing
        (b'{"id": "c", "status": "succeeded"}', {"a": "succeeded", "b": "failed"}, 3),  # no newline yet
        (b"not json\n", {"a": "succeeded", "b": "failed"}, 3),
        (b'{"id": 3, "status": "failed"}\n', {"a": "succeeded", "b": "failed"}, 3),
        (b'{"id": "c", "status": "error"}\n', {"a": "succeeded", "b": "failed", "c": "error"}, None),
    ],
)
def test_resume_reads_complete_lines_and_cuts_a_partial_last_one(
    tmp_path: Path, tail: bytes, done: dict[str, str], dropped: int | None
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(GOOD + tail)
    finished = read_results(str(path))
    assert (finished.done, finished.dropped) == (done, dropped)
    assert finished.keep == (len(GOOD) if dropped else len(GOOD + tail))
    with ResultsFile(str(path), keep=finished.keep) as results:
        results.write(BatchResult("d", "succeeded"))
    lines = path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines if line] == [*done, "d"]  # every line valid JSONL again


def test_resume_of_a_file_that_does_not_exist(tmp_path: Path) -> None:
    finished = read_results(str(tmp_path / "out.jsonl"))
    assert (finished.done, finished.keep, finished.dropped) == ({}, 0, None)


def test_an_unreadable_line_before_the_last_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(GOOD + b"edited by hand\n" + b'{"id": "c", "status": "succeeded"}\n')
    with pytest.raises(UsageError) as raised:
        read_results(str(path))
    assert str(raised.value).startswith(f"--resume: line 3 of {path} is not a result line")
    assert path.read_bytes().endswith(b'"c", "status": "succeeded"}\n')  # nothing was cut
