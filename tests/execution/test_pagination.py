"""Pagination: a step fetching pages with goto until the body says there is no next page."""

from __future__ import annotations

from .conftest import Recorded, Reply

PAGES = {
    None: {"page": 1, "items": ["a", "b"], "next": 2},
    "2": {"page": 2, "items": ["c", "d"], "next": 3},
    "3": {"page": 3, "items": ["e"], "next": None},
}


def pages(request: Recorded) -> Reply:
    page = request.query.get("page", [None])[0]
    return Reply(200, PAGES[page])


def test_fetches_every_page_and_collects_items_by_outputs(server, make_runner) -> None:
    server.on("GET", "/items", pages)
    server.on("GET", "/ping", Reply(200, {}))
    result = make_runner("pagination.arazzo.yaml").run("all-items", {"filter": "red"})
    assert result.status == "succeeded"
    fetches = [s for s in result.steps if s.step_id == "fetch"]
    assert [s.attempt for s in fetches] == [1, 1, 1]  # entered anew by goto each time
    collected = [item for s in fetches for item in s.outputs["items"]]
    assert collected == ["a", "b", "c", "d", "e"]
    assert [s.outputs["next"] for s in fetches] == [2, 3, None]
    assert [s.step_id for s in result.steps] == ["fetch", "fetch", "fetch", "summary"]
    # the first request has no page at all (the output did not exist yet), never page=None
    assert [r.query for r in server.received("/items")] == [
        {"filter": ["red"]},
        {"page": ["2"], "filter": ["red"]},
        {"page": ["3"], "filter": ["red"]},
    ]
    assert result.outputs == {"lastPage": 3, "lastItems": ["e"]}
