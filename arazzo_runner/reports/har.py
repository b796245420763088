"""The HAR report: every request of the suite as HTTP Archive 1.2, for browser devtools and
HAR viewers.

One entry per exchange of every case, in the order of the cases and, within a case, of the
requests; each case that sent a request is a page (its ``id`` is the case's id).  The
custom field ``_arazzo`` (HAR allows fields starting with an underscore) says which case,
workflow, step and attempt sent it; a request that got no response has status 0 and the
step's error in ``_error``, as browsers write a failed request.  Headers and bodies are those
of the run's events, so secrets are already masked.  HAR is HTTP only: the messages of
AsyncAPI steps are left out (a case that sent only messages has no page); the JSON and CTRF
reports hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from ..execution.results import iso_time, json_text
from .json import dumps
from .text import Exchange, exchanges

if TYPE_CHECKING:  # pragma: no cover
    from ..execution.results import RequestRecord, ResponseRecord
    from ..suite.outcome import CaseResult, TestReport

__all__ = ["render", "archive", "HTTP_VERSION"]

# the engine does not record the protocol version httpx spoke; it sends HTTP/1.1 unless told
HTTP_VERSION = "HTTP/1.1"


def render(report: TestReport) -> str:
    """The HAR text of ``report``."""
    return dumps(archive(report))


def archive(report: TestReport) -> dict[str, Any]:
    """The HAR object of ``report``: ``{"log": {...}}``."""
    from .. import __version__

    pages: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for result in report.cases:
        found = exchanges(result)
        if not found:
            continue
        page_id = result.case.id
        pages.append(
            {
                "startedDateTime": _iso(result.started if result.started is not None else found[0].started),
                "id": page_id,
                "title": page_id,
                "pageTimings": {"onContentLoad": -1, "onLoad": -1},
                "comment": f"{result.verdict}" + (f": {result.reason}" if result.reason else ""),
            }
        )
        entries.extend(_entry(result, exchange, page_id) for exchange in found)
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "arazzo", "version": __version__},
            "pages": pages,
            "entries": entries,
        }
    }


def _entry(result: CaseResult, exchange: Exchange, page_id: str) -> dict[str, Any]:
    wait = round(max(exchange.elapsed, 0.0) * 1000, 3)
    entry: dict[str, Any] = {
        "pageref": page_id,
        "startedDateTime": _iso(exchange.started),
        "time": wait,
        "request": _request(exchange.request),
        "response": _response(exchange.response),
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": wait, "receive": 0, "ssl": -1},
        "_arazzo": {
            "case": result.case.id,
            "file": result.case.file,
            "workflowId": exchange.workflow_id,
            "stepId": exchange.step_id,
            "attempt": exchange.attempt,
        },
    }
    if exchange.response is None:
        entry["_error"] = exchange.error or "no response"
    elif exchange.error:
        entry["comment"] = exchange.error
    return entry


def _request(request: RequestRecord) -> dict[str, Any]:
    body = request.body
    data: dict[str, Any] = {
        "method": request.method,
        "url": request.url,
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": _headers(request.headers),
        "queryString": [
            {"name": n, "value": v} for n, v in parse_qsl(urlsplit(request.url).query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": len(body.encode("utf-8")) if body is not None else 0,
    }
    if body is not None:
        data["postData"] = {"mimeType": _header(request.headers, "content-type") or "", "params": [], "text": body}
    return data


def _response(response: ResponseRecord | None) -> dict[str, Any]:
    if response is None:
        return {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        }
    content: dict[str, Any] = {"size": 0, "mimeType": _header(response.headers, "content-type") or "x-unknown"}
    if response.body is not None:
        # the run keeps a JSON body parsed: it is written back as JSON text, so its size is
        # that of the text here, and bodySize (bytes on the wire) is Content-Length when given
        text = response.body if isinstance(response.body, str) else json_text(response.body)
        content["size"] = len(text.encode("utf-8"))
        content["text"] = text
    return {
        "status": response.status_code,
        "statusText": _reason(response.status_code),
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": _headers(response.headers),
        "content": content,
        "redirectURL": (_header(response.headers, "location") or "") if 300 <= response.status_code < 400 else "",
        "headersSize": -1,
        "bodySize": _length(response.headers, response.body),
    }


def _headers(headers: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers.items()]


def _header(headers: Mapping[str, str], wanted: str) -> str | None:
    return next((value for name, value in headers.items() if name.lower() == wanted), None)


def _length(headers: Mapping[str, str], body: Any) -> int:
    declared = _header(headers, "content-length")
    if declared is not None and declared.strip().isdigit():
        return int(declared.strip())
    return 0 if body is None else -1


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _iso(seconds: float) -> str:
    return iso_time(seconds) or ""
