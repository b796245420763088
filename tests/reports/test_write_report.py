"""write_report: the kinds, where a report goes, and the Markdown and JSON reports."""

from __future__ import annotations

import io
import json
import math
import os
import stat
from pathlib import Path

import pytest

from arazzo_runner import UsageError
from arazzo_runner.reports import KINDS, write_report
from arazzo_runner.reports.markdown import cell
from arazzo_runner.suite.outcome import PASSED, Case, CaseResult, TestReport

from .conftest import FLAGSHIP, FLAGSHIP_ID, INVENTORY, INVENTORY_ID, PASSWORD, SKIP_REASON


def test_kinds() -> None:
    assert KINDS == ("junit", "html", "ctrf", "har", "markdown", "json")


def test_an_unknown_kind_lists_the_kinds(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        write_report("xml", TestReport(), tmp_path / "r.xml")
    assert str(caught.value) == "unknown report kind 'xml': use one of junit, html, ctrf, har, markdown, json"
    assert list(tmp_path.iterdir()) == []


def test_a_file_replaced_whole(tmp_path: Path, report: TestReport) -> None:
    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    write_report("json", report, target)
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["total"] == 4
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the mode of the file it replaced
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left
    fresh = tmp_path / "new.xml"
    write_report("junit", report, str(fresh))
    assert fresh.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o044 == 0o044  # readable, as files a user writes are


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"cannot write the har report to .*nowhere/h\.har: directory .*nowhere does not exist"
    ):
        write_report("har", TestReport(), tmp_path / "nowhere" / "h.har")
    with pytest.raises(UsageError, match="it is a directory"):
        write_report("har", TestReport(), tmp_path)


def test_dash_is_stdout_and_a_stream_is_written(capsys: pytest.CaptureFixture[str], report: TestReport) -> None:
    write_report("ctrf", report, "-")
    assert json.loads(capsys.readouterr().out)["results"]["summary"]["tests"] == 4
    stream = io.StringIO()
    write_report("har", report, stream)
    assert json.loads(stream.getvalue())["log"]["version"] == "1.2"


def test_markdown_is_appended_to_the_github_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, report: TestReport
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    stream = io.StringIO()
    write_report("markdown", report, stream)
    assert summary.read_text(encoding="utf-8") == "# earlier step\n" + stream.getvalue()
    write_report("json", report, io.StringIO())  # only markdown goes there
    assert summary.read_text(encoding="utf-8") == "# earlier step\n" + stream.getvalue()


def test_markdown_table(report: TestReport) -> None:
    stream = io.StringIO()
    write_report("markdown", report, stream)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "## arazzo test"
    assert lines[2].startswith("❌ **4 cases**: 2 passed, 1 failed, 1 skipped in ")
    table = lines[4:]
    assert table[:2] == ["| case | verdict | duration | reason |", "| --- | --- | ---: | --- |"]
    rows = [split_row(row) for row in table[2:] if row]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (f"{FLAGSHIP}::{FLAGSHIP_ID}", "✅ passed", ""),
        (f"{INVENTORY}::{INVENTORY_ID}\\[two mugs\\]", "✅ passed", ""),
        (
            f"{FLAGSHIP}::{FLAGSHIP_ID}\\[500 on add \\| pipe\\]",
            "❌ failed",
            "step addNumber failed: successCriteria not met: \\`$statusCode == 201\\`: $statusCode is 500",
        ),
        (f"{INVENTORY}::{INVENTORY_ID}\\[no inputs\\]", "⏭️ skipped", SKIP_REASON),
    ]
    assert all(r[2].endswith(" ms") or r[2].endswith(" s") for r in rows[:3]) and rows[3][2] == ""


def split_row(row: str) -> list[str]:
    """The cells of a table row, splitting on the pipes that are not escaped."""
    assert row.startswith("| ") and row.endswith(" |")
    cells, current, escaped = [], "", False
    for char in row[2:-2]:
        if char == "|" and not escaped:
            cells.append(current.strip())
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    return [*cells, current.strip()]


def test_markdown_cells_stay_one_cell() -> None:
    assert cell("a | b\nc  `d` <br> *e* [f](g) \\") == "a \\| b c \\`d\\` \\<br\\> \\*e\\* \\[f\\](g) \\\\"


def test_markdown_of_nothing_run() -> None:
    stream = io.StringIO()
    write_report("markdown", TestReport(), stream)
    assert stream.getvalue() == "## arazzo test\n\n⚠️ **0 cases**: 0 passed, 0 failed, 0 skipped in 0 ms\n"


def test_json_report(report: TestReport) -> None:
    stream = io.StringIO()
    write_report("json", report, stream)
    text = stream.getvalue()
    assert PASSWORD not in text
    data = json.loads(text)
    assert data == json.loads(json.dumps(report.to_dict(), default=str))
    assert data["summary"] == {**data["summary"], "total": 4, "passed": 2, "failed": 1, "skipped": 1}
    assert [c["verdict"] for c in data["cases"]] == ["passed", "passed", "failed", "skipped"]
    assert data["cases"][2]["run"]["steps"][1]["request"]["headers"]["Authorization"] == "***"


def test_json_report_is_strict_json() -> None:
    from arazzo_runner.execution.results import RunResult

    run = RunResult("w", "succeeded", outputs={"ratio": math.nan, "big": math.inf})
    report = TestReport(cases=[CaseResult(Case("f.yaml", "w"), PASSED, run=run)])
    stream = io.StringIO()
    write_report("json", report, stream)
    text = stream.getvalue()
    data = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in strict JSON"))
    assert data["cases"][0]["run"]["outputs"] == {"ratio": "NaN", "big": "Infinity"}
    assert text.endswith("}\n")


def test_a_stream_that_cannot_encode_the_text_gets_escapes(report: TestReport) -> None:
    import xml.etree.ElementTree as ET

    for kind in ("junit", "har", "markdown"):
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding="ascii")
        write_report(kind, report, stream)
        text = raw.getvalue().decode("ascii")
        if kind == "junit":
            assert "&#10003; createService" in text
            assert ET.fromstring(text).find("testsuite/testcase/system-out").text.startswith("✓ createService")  # type: ignore[union-attr]
        elif kind == "har":
            assert json.loads(text)["log"]["version"] == "1.2"
        else:
            assert "\\u274c **4 cases**" in text
