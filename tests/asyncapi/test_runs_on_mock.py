"""Workflows with AsyncAPI steps run offline on the mock broker, through the CLI (acceptance of
issue 15): the order example, and Redocly's cafe example of the public corpus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ..paths import ROOT, shared_files, shared_path

ORDERS = ROOT / "workflows" / "orders" / "orders.arazzo.yaml"


def arazzo(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arazzo_runner", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_the_order_example_runs_on_the_mock() -> None:
    done = arazzo("run", str(ORDERS), "--mock", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    create, wait = data["steps"]
    order_id = create["outputs"]["orderId"]
    assert wait["request"] is None and wait["response"] is None
    assert wait["message"]["action"] == "receive"
    assert wait["message"]["channel"] == f"orders/{order_id}/confirmed"
    assert wait["message"]["server"] == "mock://orderEvents"
    assert wait["message"]["headers"]["correlationId"] == "order-demo-0001"
    assert data["outputs"]["status"] == "confirmed" and data["outputs"]["orderId"] == order_id
    assert f"RECEIVE mock://orderEvents/orders/{order_id}/confirmed" in done.stderr


def test_the_order_example_dry_run_connects_to_nothing() -> None:
    done = arazzo("run", str(ORDERS), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "RECEIVE mqtt://localhost:1883/orders/{orderId}/confirmed" in done.stdout
    assert "1 message step(s) not performed" in done.stderr


def test_show_lists_message_steps() -> None:
    done = arazzo("show", str(ORDERS))
    assert done.returncode == 0, done.stderr
    assert "RECEIVE mqtt://localhost:1883/orders/{orderId}/confirmed  (receiveOrderConfirmed)" in done.stdout


def test_redocly_cafe_await_user_signup_reaches_its_receive_step() -> None:
    cafe = shared_path("corpus", "Redocly__redocly-cli", "tests", "e2e", "lint", "arazzo-1-1-valid-description",
                       "cafe-workflows.yaml")  # fmt: skip
    done = arazzo("run", str(cafe), "-w", "await-user-signup", "--mock", "--no-validate", "-i", "email=a@b.example",
                  "--json")  # fmt: skip
    data = json.loads(done.stdout)
    (step,) = data["steps"]
    assert step["stepId"] == "await-signup"
    assert step["message"]["action"] == "receive" and step["message"]["channel"] == "user/signedup/"
    # its message has no correlationId location, so its correlationId cannot be matched: a
    # clear failure of the document, not "unsupported"
    assert data["error"]["type"] == "document"
    assert "defines a correlationId location" in step["error"]


def test_no_corpus_workflow_with_asyncapi_steps_crashes_on_the_mock() -> None:
    files = [f for f in shared_files("corpus") if b"asyncapi" in f.read_bytes() and b"/fail/" not in bytes(f)]
    for path in files[:40]:
        done = arazzo("run", str(path), "--mock", "--no-validate", "--receive-timeout", "0.5", "--json")
        assert "Traceback" not in done.stderr, (path, done.stderr)
        assert done.returncode in (0, 1, 2), (path, done.returncode, done.stderr)
        json.loads(done.stdout)


def test_an_asyncapi_source_without_a_declared_type_is_mocked_too(tmp_path: Path) -> None:
    import shutil

    for name in ("orders.arazzo.yaml", "orders-openapi.yaml", "orders-asyncapi.yaml"):
        shutil.copy(ORDERS.parent / name, tmp_path / name)
    document = tmp_path / "orders.arazzo.yaml"
    text = document.read_text()
    assert "  type: asyncapi\n" in text
    document.write_text(text.replace("  type: asyncapi\n", ""))  # detected from the file's content
    done = arazzo("run", str(document), "--mock", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["steps"][1]["message"]["server"] == "mock://orderEvents"
