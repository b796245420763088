"""Secrets on Temporal: a ``format: password`` input is never readable in a run's history,
and without ``ARAZZO_TEMPORAL_KEY`` such a run is refused before anything starts.

The history is read as someone with access to the Temporal server would: with a client that
has no codec (plain temporalio) and with the Temporal CLI (``temporal workflow show -o json``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml
from temporalio.api.common.v1 import Payload

from ..paths import FLAGSHIP, ROOT
from .servers import (
    TEST_KEY,
    LoopbackTwilio,
    TemporalServer,
    WorkerProcess,
    arazzo,
    temporal_cli,
    unique_run_id,
)
from .test_cli_temporal import PHONE

PASSWORD = "Hunter2 zebra/quokka"  # a space and a slash: its URL-encoded forms differ from it
FORMS = sorted({PASSWORD, quote_plus(PASSWORD), quote(PASSWORD, safe=""), json.dumps(PASSWORD)[1:-1]})
ZLIB = b"binary/arazzo-zlib"


@pytest.fixture
def secret_flagship(tmp_path: Path) -> Path:
    """The flagship with ``friendlyName`` declared ``format: password`` (it is sent in the
    request body and comes back in the responses and the outputs)."""
    (tmp_path / "openapi").mkdir()
    shutil.copy(ROOT / "openapi" / "twilio-messaging-openapi.yml", tmp_path / "openapi")
    document = yaml.safe_load(FLAGSHIP.read_text())
    document["workflows"][0]["inputs"]["properties"]["friendlyName"]["format"] = "password"
    (tmp_path / "workflows").mkdir()
    path = tmp_path / "workflows" / "secret-flagship.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def run_args(document: Path, loopback: LoopbackTwilio, server: TemporalServer, worker: WorkerProcess, run_id: str) -> list[str]:  # fmt: skip
    return ["run", str(document), "-i", f"friendlyName={PASSWORD}", "-i", f"phoneNumberSid={PHONE}",
            "--server", loopback.server_option, "--temporal", server.address, "--task-queue", worker.task_queue,
            "--run-id", run_id]  # fmt: skip


def payload_texts(payload: Payload) -> list[bytes]:
    """What a payload holds as anyone may read it: its data, and a compressed one's inside
    (compression hides nothing)."""
    texts = [payload.data]
    if payload.metadata.get("encoding") == ZLIB:
        texts += payload_texts(Payload.FromString(zlib.decompress(payload.data)))
    return texts


def readable(message: Any) -> list[bytes]:
    """Every byte string a history (protobuf) shows without the key: the serialized events,
    and the inside of every compressed payload."""
    return [message.SerializeToString(), *_payloads_inside(message)]


def _payloads_inside(value: Any) -> list[bytes]:
    if isinstance(value, Payload):
        return payload_texts(value)
    if hasattr(value, "ListFields"):  # a message
        return [text for _, item in value.ListFields() for text in _payloads_inside(item)]
    if hasattr(value, "keys"):  # a map field
        return [text for item in value.values() for text in _payloads_inside(item)]
    if isinstance(value, (str, bytes, int, float)):
        return []
    try:
        items = list(value)  # a repeated field
    except TypeError:
        return []
    return [text for item in items for text in _payloads_inside(item)]


def decoded_json(value: Any) -> list[bytes]:
    """Every payload's data (base64 in ``temporal workflow show -o json``), decoded, and the
    inside of the compressed ones."""
    found: list[bytes] = []
    if isinstance(value, dict):
        if isinstance(value.get("data"), str) and isinstance(value.get("metadata"), dict):
            data = base64.b64decode(value["data"])
            encoding = base64.b64decode(value["metadata"].get("encoding", ""))
            payload = Payload(metadata={"encoding": encoding}, data=data)
            found += payload_texts(payload)
        for item in value.values():
            found += decoded_json(item)
    elif isinstance(value, list):
        for item in value:
            found += decoded_json(item)
    return found


def leaks(texts: list[bytes]) -> list[str]:
    return [form for form in FORMS if any(form.encode() in text for text in texts)]


def test_a_password_input_is_not_readable_in_the_history(
    temporal_server: TemporalServer, keyed_worker: WorkerProcess, loopback_twilio: LoopbackTwilio, secret_flagship: Path
) -> None:
    run_id = unique_run_id("secret")
    done = arazzo(*run_args(secret_flagship, loopback_twilio, temporal_server, keyed_worker, run_id), "--json", key=TEST_KEY)  # fmt: skip
    assert done.returncode == 0, done.stderr + keyed_worker.log()[-3000:]
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded"
    assert result["outputs"]["friendlyName"] == "***"  # redacted as in a local --json
    assert not leaks([done.stdout.encode(), done.stderr.encode()])
    # the password was really sent: the service holds it
    assert loopback_twilio.requests[0].body == b"FriendlyName=" + quote_plus(PASSWORD).encode()
    assert loopback_twilio.count == 3

    async def raw_history() -> Any:
        from temporalio.client import Client

        client = await Client.connect(temporal_server.address, namespace=temporal_server.namespace)  # no codec
        return await client.get_workflow_handle(f"{run_id}/").fetch_history()

    events = asyncio.run(raw_history()).events
    texts = [text for event in events for text in readable(event)]
    assert leaks(texts) == []
    # the search sees what is there in clear: the run's other input, in its requests
    assert any(f"PhoneNumberSid={PHONE}".encode() in text for text in texts)
    encodings = {
        payload.metadata.get("encoding")
        for event in events
        if event.HasField("workflow_execution_started_event_attributes")
        for payload in event.workflow_execution_started_event_attributes.input.payloads
    }
    assert b"binary/arazzo-encrypted" in encodings  # the sealed inputs

    shown = subprocess.run(
        [temporal_cli(), "workflow", "show", "--address", temporal_server.address, "--namespace",
         temporal_server.namespace, "-w", f"{run_id}/", "-o", "json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    decoded = decoded_json(json.loads(shown.stdout))
    assert leaks([shown.stdout.encode(), *decoded]) == []
    assert any(f"PhoneNumberSid={PHONE}".encode() in text for text in decoded)


def _not_started(server: TemporalServer, workflow_id: str) -> bool:
    async def look() -> bool:
        from temporalio.client import Client
        from temporalio.service import RPCError, RPCStatusCode

        client = await Client.connect(server.address, namespace=server.namespace)
        try:
            await client.get_workflow_handle(workflow_id).describe()
        except RPCError as error:
            return error.status == RPCStatusCode.NOT_FOUND
        return False

    return asyncio.run(look())


def test_without_the_key_a_run_with_a_password_input_is_refused_before_it_starts(
    temporal_server: TemporalServer,
    keyed_worker: WorkerProcess,
    loopback_twilio: LoopbackTwilio,
    secret_flagship: Path,
    tmp_path: Path,
) -> None:
    run_id = unique_run_id("no-key")
    args = run_args(secret_flagship, loopback_twilio, temporal_server, keyed_worker, run_id)
    done = arazzo(*args)
    assert done.returncode == 2, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("error: ") and "format: password" in last and "ARAZZO_TEMPORAL_KEY" in last
    assert "Traceback" not in done.stderr and PASSWORD not in done.stderr
    # a batch is refused the same way, before its first run
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_text(json.dumps({"id": "a", "friendlyName": PASSWORD, "phoneNumberSid": PHONE}) + "\n")
    batch = arazzo("run", str(secret_flagship), "--server", loopback_twilio.server_option, "--batch", str(inputs),
                   "--temporal", temporal_server.address, "--task-queue", keyed_worker.task_queue, "--run-id", run_id)  # fmt: skip
    assert batch.returncode == 2, batch.stderr
    assert "ARAZZO_TEMPORAL_KEY" in batch.stderr.splitlines()[-1] and "Traceback" not in batch.stderr
    # a secret -H header too: it would travel in the history
    header = arazzo("run", str(FLAGSHIP), "-i", f"phoneNumberSid={PHONE}", "-i", "friendlyName=plain", *args[6:],
                    "-H", "Authorization: Bearer tok-123456")  # fmt: skip
    assert header.returncode == 2, header.stderr
    assert "-H Authorization" in header.stderr and "ARAZZO_TEMPORAL_KEY" in header.stderr
    assert "tok-123456" not in header.stderr
    assert loopback_twilio.count == 0
    assert _not_started(temporal_server, f"{run_id}/") and _not_started(temporal_server, f"{run_id}/a")
    # a key too short to be one is refused as well
    short = arazzo(*args, key="short")
    assert short.returncode == 2 and "ARAZZO_TEMPORAL_KEY is 5 characters long" in short.stderr
