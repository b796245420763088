"""``arazzo graph`` end to end, through arazzo_runner.cli.main."""

from __future__ import annotations

import io
from pathlib import Path

from arazzo_runner.cli import main

from ..paths import FLAGSHIP, ROOT
from .checkers import check_mermaid, check_svg, dot_strings

PROJECTS = ROOT / "workflows" / "projects-create-project-with-tasks-workflow.yml"
DATA = Path(__file__).parent / "data"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["graph", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_flagship_as_mermaid_by_default() -> None:
    code, out, err = run(str(FLAGSHIP))
    assert (code, err) == (0, "")
    chart = check_mermaid(out)
    assert [chart.nodes[f"s{i}"].split("\n")[0] for i in range(3)] == ["createService", "addNumber", "confirmService"]


def test_flagship_as_svg_and_dot() -> None:
    code, out, err = run(str(FLAGSHIP), "--format", "svg")
    assert (code, err) == (0, "")
    picture = check_svg(out)
    assert {"createService", "addNumber", "confirmService"} <= set(picture.texts)
    code, out, err = run(str(FLAGSHIP), "--format=dot", "-w", "provision-messaging-service-add-number")
    assert (code, err) == (0, "")
    assert "createService\\nPOST /Services" in dot_strings(out)


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "flow.svg"
    code, out, err = run(str(PROJECTS), "-w", "add-task", "--format", "svg", "-o", str(target))
    assert (code, out, err) == (0, "", "")
    assert "readBack" in check_svg(target.read_text(encoding="utf-8")).texts
    code, out, _ = run(str(PROJECTS), "-w", "add-task", "-o", "-")
    assert code == 0 and out.startswith("flowchart TD\n")


def test_several_workflows_need_a_workflow_id() -> None:
    code, out, err = run(str(PROJECTS))
    assert (code, out) == (2, "")
    assert err == f"error: {PROJECTS} has 2 workflows; name one with -w: add-task, create-project-with-tasks\n"


def test_usage_mistakes_exit_2_without_a_traceback(tmp_path: Path) -> None:
    code, _, err = run(str(PROJECTS), "-w", "nope")
    assert code == 2 and "no workflow 'nope'" in err and "add-task, create-project-with-tasks" in err
    code, _, err = run(str(tmp_path / "absent.yml"))
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    code, _, err = run(str(FLAGSHIP), "--format", "png")
    assert code == 2 and "invalid choice: 'png'" in err
    code, _, err = run(str(FLAGSHIP), "-o", str(tmp_path / "missing-dir" / "x.svg"))
    assert code == 2 and err.startswith("error: --output ") and "No such file or directory" in err


def test_a_source_that_does_not_load_still_draws() -> None:
    code, out, err = run(str(DATA / "unloadable.arazzo.yml"), "--format", "svg")
    assert (code, err) == (0, "")
    assert "byPath" in check_svg(out).texts
