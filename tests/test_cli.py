"""``arazzo list`` / ``arazzo show`` / ``--version``, called in-process through ``cli.main``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from arazzo_runner import __version__
from arazzo_runner.cli import main

from .paths import FLAGSHIP, ROOT

WORKFLOW_ID = "provision-messaging-service-add-number"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, f"arazzo {__version__}")


def test_no_command_prints_help_and_fails() -> None:
    code, out, _ = run()
    assert code == 2 and "usage: arazzo" in out


def test_help_lists_the_commands() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "list" in out and "show" in out


def test_list_json_follows_the_contract() -> None:
    code, out, err = run("list", str(FLAGSHIP), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["workflows"]
    (workflow,) = data["workflows"]
    assert list(workflow) == ["workflowId", "summary", "description", "inputs", "required", "outputs"]
    assert workflow["workflowId"] == WORKFLOW_ID
    assert workflow["required"] == ["friendlyName", "phoneNumberSid"]
    assert workflow["outputs"] == ["serviceSid", "friendlyName"]
    assert set(workflow["inputs"]["properties"]) == {"friendlyName", "inboundRequestUrl", "phoneNumberSid"}


def test_list_human() -> None:
    code, out, _ = run("list", str(FLAGSHIP))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == WORKFLOW_ID
    assert any(line.split()[:3] == ["friendlyName", "string,", "required"] for line in lines)
    assert any(line.split()[:2] == ["inboundRequestUrl", "string"] and "required" not in line for line in lines)
    assert lines[-1] == "outputs: serviceSid, friendlyName"
    assert "\033[" not in out  # not a terminal: no colour


FLAGSHIP_STEPS = [
    ("createService", "createMessagingService", "POST", "https://messaging.twilio.com/v1/Services"),
    ("addNumber", "addPhoneNumber", "POST", "https://messaging.twilio.com/v1/Services/{ServiceSid}/PhoneNumbers"),
    ("confirmService", "fetchMessagingService", "GET", "https://messaging.twilio.com/v1/Services/{ServiceSid}"),
]


def test_show_json_lists_the_three_steps() -> None:
    code, out, err = run("show", str(FLAGSHIP), WORKFLOW_ID, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["workflowId", "summary", "description", "inputs", "steps", "outputs", "credentials"]
    assert data["workflowId"] == WORKFLOW_ID
    steps = [(s["stepId"], s["operationId"], s["method"], s["url"]) for s in data["steps"]]
    assert steps == FLAGSHIP_STEPS
    assert all(s["kind"] == "operation" and s["workflowId"] is None for s in data["steps"])
    assert data["outputs"] == ["serviceSid", "friendlyName"]
    assert data["credentials"] == [
        {
            "source": "messagingApi",
            "scheme": "accountSid_authToken",
            "type": "http basic",
            "variables": [
                "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_USERNAME",
                "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_PASSWORD",
            ],
            "hostsVariable": "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_HOSTS",
        }
    ]


def test_show_human_prints_method_and_url() -> None:
    code, out, _ = run("show", str(FLAGSHIP), WORKFLOW_ID)
    assert code == 0
    for step_id, operation_id, method, url in FLAGSHIP_STEPS:
        line = next(line for line in out.splitlines() if step_id in line)
        assert f"{method} {url}" in line and operation_id in line
    assert "ARAZZO_MESSAGINGAPI_ACCOUNTSID_AUTHTOKEN_USERNAME" in out


def test_show_without_workflow_id_takes_the_only_one() -> None:
    code, out, _ = run("show", str(FLAGSHIP), "--json")
    assert code == 0 and json.loads(out)["workflowId"] == WORKFLOW_ID


def test_show_unknown_workflow_names_the_known_ones() -> None:
    code, out, err = run("show", str(FLAGSHIP), "nope")
    assert code == 2 and out == ""
    assert "no workflow 'nope'" in err and WORKFLOW_ID in err


def _copy_flagship(tmp_path: Path, url: str) -> Path:
    text = FLAGSHIP.read_text().replace("url: ../openapi/twilio-messaging-openapi.yml", f"url: {url}")
    path = tmp_path / "flows" / "flow.yml"
    path.parent.mkdir()
    path.write_text(text)
    return path


def test_show_with_a_missing_source_is_one_located_line(tmp_path: Path) -> None:
    path = _copy_flagship(tmp_path, "../specs/missing.yml")
    code, out, err = run("show", str(path), WORKFLOW_ID)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    resolved = os.path.normpath(tmp_path / "specs" / "missing.yml")
    assert lines[0].startswith(f"error: {path}:16:8: ")
    assert "'messagingApi'" in lines[0] and "'../specs/missing.yml'" in lines[0] and resolved in lines[0]
    assert "Traceback" not in err


def test_list_does_not_need_the_sources(tmp_path: Path) -> None:
    path = _copy_flagship(tmp_path, "../specs/missing.yml")
    code, out, _ = run("list", str(path))
    assert code == 0 and out.startswith(WORKFLOW_ID)


def test_source_option_redirects_a_source(tmp_path: Path) -> None:
    path = _copy_flagship(tmp_path, "https://example.invalid/twilio.yml")
    spec = ROOT / "openapi" / "twilio-messaging-openapi.yml"
    code, out, err = run("show", str(path), "--json", "--source", f"messagingApi={spec}")
    assert code == 0, err
    assert json.loads(out)["steps"][0]["url"] == "https://messaging.twilio.com/v1/Services"


def test_remote_source_without_opt_in_is_refused(tmp_path: Path) -> None:
    path = _copy_flagship(tmp_path, "https://example.invalid/twilio.yml")
    code, _, err = run("show", str(path))
    assert code == 2 and "--allow-remote" in err and f"{path}:16:8" in err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["show"], "required: FILE"),
        (["list", "a.yml", "--bogus"], "unrecognized arguments: --bogus"),
        (["show", str(FLAGSHIP), "--source", "noequals"], "--source takes NAME=PATH"),
        (["frobnicate"], "invalid choice"),
    ],
    ids=["missing-file", "unknown-option", "bad-source", "unknown-command"],
)
def test_usage_errors_exit_2(argv: list[str], words: str) -> None:
    code, _, err = run(*argv)
    assert code == 2 and words in err and "Traceback" not in err


def test_broken_document_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("arazzo: 1.0.1\ninfo:\n  title: x\n  title: y\n")
    code, _, err = run("list", str(path))
    assert code == 2
    assert err == f"error: {path}:4:3: duplicate key 'title' (first defined at line 3)\n"


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["list", str(FLAGSHIP)], stdout=out, stderr=io.StringIO()) == 0
    assert "\033[1m" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    assert main(["list", str(FLAGSHIP)], stdout=out, stderr=io.StringIO()) == 0
    assert "\033[" not in out.getvalue()


def test_the_module_runs_as_a_program_without_importing_heavy_modules() -> None:
    probe = (
        "import sys, io\n"
        "from arazzo_runner.cli import main\n"
        f"code = main(['show', {str(FLAGSHIP)!r}, '--json'], stdout=io.StringIO())\n"
        "heavy = sorted(m for m in ('openapi_core', 'httpx', 'jsonschema') if m in sys.modules)\n"
        "print(code, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "0 []"


def test_python_dash_m_reports_errors_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "arazzo_runner", "show", str(tmp_path / "none.yml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_show_takes_the_workflow_id_after_an_option() -> None:
    code, out, err = run("show", str(FLAGSHIP), "--json", WORKFLOW_ID)
    assert code == 0, err
    assert json.loads(out)["workflowId"] == WORKFLOW_ID
    code, _, err = run("show", str(FLAGSHIP), "--json", WORKFLOW_ID, "extra")
    assert code == 2 and "unrecognized arguments" in err
