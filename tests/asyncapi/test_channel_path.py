"""A channelPath names a channel: every message of it counts (for the correlation id, the
$message checks and the mock), whichever of its operations matches the step's action."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

SENSORS_26 = {
    "asyncapi": "2.6.0",
    "info": {"title": "sensors", "version": "1"},
    "channels": {
        "sensors/{sensorId}/reading": {
            "parameters": {"sensorId": {"schema": {"type": "string"}}},
            "subscribe": {
                "operationId": "emitReading",
                "message": {
                    "name": "Reading",
                    "correlationId": {"location": "$message.payload#/meta/requestId"},
                    "payload": {
                        "type": "object",
                        "properties": {
                            "value": {"type": "number"},
                            "meta": {"type": "object", "properties": {"requestId": {"type": "string"}}},
                        },
                    },
                },
            },
            "publish": {
                "operationId": "consumeCommand",
                "message": {
                    "name": "Command",
                    "correlationId": {"location": "$message.header#/traceId"},
                    "payload": {"type": "object", "properties": {"command": {"type": "string"}}},
                },
            },
        }
    },
}


def write(tmp_path: Path, operation_path: str | None = None) -> Path:
    (tmp_path / "sensors.yaml").write_text(yaml.safe_dump(SENSORS_26, sort_keys=False))
    step = {
        "stepId": "read",
        "channelPath": "{$sourceDescriptions.sensors.url}#/channels/sensors~1{sensorId}~1reading",
        "action": "receive",
        "parameters": [{"name": "sensorId", "in": "path", "value": "s1"}],
        "correlationId": "want",
        "successCriteria": [{"condition": "$message.payload#/value >= 0"}],
        "outputs": {"value": "$message.payload#/value"},
    }
    if operation_path is not None:
        del step["channelPath"]
        step["operationPath"] = operation_path
    (tmp_path / "flow.arazzo.yaml").write_text(yaml.safe_dump({
        "arazzo": "1.1.0",
        "info": {"title": "t", "version": "1"},
        "sourceDescriptions": [{"name": "sensors", "url": "./sensors.yaml", "type": "asyncapi"}],
        "workflows": [{"workflowId": "w", "steps": [step]}],
    }, sort_keys=False))  # fmt: skip
    return tmp_path / "flow.arazzo.yaml"


def arazzo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "arazzo_runner", *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd)  # fmt: skip


def test_validate_sees_every_message_of_the_channel(tmp_path: Path) -> None:
    done = arazzo("validate", str(write(tmp_path)), "--format", "json", cwd=tmp_path)
    findings = json.loads(done.stdout)
    messages = [d["message"] for f in findings["files"] for d in f["diagnostics"]] if "files" in findings else []
    assert done.returncode == 0, done.stdout + done.stderr
    assert not any("/value" in message for message in messages), messages


def test_the_mock_makes_a_message_with_the_correlation_id_and_the_run_takes_it(tmp_path: Path) -> None:
    done = arazzo("run", str(write(tmp_path)), "--mock", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["steps"][0]["message"]["channel"] == "sensors/s1/reading"


def test_an_operation_path_suggestion_names_only_operations_that_exist(tmp_path: Path) -> None:
    path = write(tmp_path, "{$sourceDescriptions.sensors.url}#/channels/sensors~1{sensorId}~1readings/publish")
    done = arazzo("validate", str(path), cwd=tmp_path)
    assert done.returncode == 1
    assert "did you mean '#/channels/sensors~1{sensorId}~1reading/publish'?" in done.stdout, done.stdout
