"""What a run checks before its first request: every target an action can reach."""

from __future__ import annotations

import pytest

from arazzo_runner import DocumentError

from .conftest import Reply

DOC = "bad-targets.arazzo.yaml"


@pytest.mark.parametrize(
    ("workflow_id", "message"),
    [
        ("goto-unknown-step", "nowhere"),
        ("workflow-action-unknown-workflow", "no-such-workflow"),
        ("unknown-component", "notDefined"),
        ("component-to-unknown-step", "nowhere"),
        ("retry-unknown-step", "nowhere"),
        ("goto-without-target", "jumpSomewhere"),
        ("retry-on-success", "'retry'"),
    ],
)
def test_unknown_action_target_fails_before_any_request(server, make_runner, workflow_id, message) -> None:
    server.on("GET", "/ping", Reply(200, {}))
    with pytest.raises(DocumentError, match=message) as caught:
        make_runner(DOC).run(workflow_id, {})
    assert caught.value.location is not None and caught.value.location.file.endswith(DOC)
    assert server.received() == []
