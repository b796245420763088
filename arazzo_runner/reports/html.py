"""The HTML report: one self-contained page a person opens to read how a suite went.

The page needs nothing but itself: its style and script are this package's assets, inlined;
fonts are the system's; each workflow's flow graph is an SVG carried as a ``data:`` URL, once
per workflow (a case shows it when opened).  A Content-Security-Policy forbids every fetch,
so even a hostile document cannot make the page reach the network.  All data is in the DOM,
escaped; the script reads it there and embeds none.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources

from ..execution.results import Notice, iso_time
from ..suite.outcome import FAILED, PASSED, SKIPPED, CaseResult, TestReport
from .html_parts import duration_text, esc, flow_picture, json_block, step_details, waterfall
from .text import exchanges, step_spans

__all__ = ["render"]

# default-src 'none' blocks every request; data: images are the flow graphs.  Only the page's
# own script runs (allowed by its hash), so markup that slipped past escaping could not.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src '{script}'; img-src data:"


def render(report: TestReport) -> str:
    """The report as one HTML document (text), with no reference outside itself."""
    flows = _flow_ids(report)
    cases = "".join(
        _case(number, result, flows.get((result.case.file, result.case.workflow_id)))
        for number, result in enumerate(report.cases, 1)
    )
    templates = "".join(
        f'<template id="{flow_id}">{flow_picture(report.descriptions.get(file), workflow_id)}</template>'
        for (file, workflow_id), flow_id in flows.items()
    )
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY.format(script=f"sha256-{digest}")}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(_title(report))}</title><style>{_asset('report.css')}</style></head>"
        f"<body><main>{_header(report)}{_toolbar(report)}"
        f'<div id="cases">{cases}</div><p id="empty" class="empty" hidden>No case matches.</p>'
        f"{templates}<footer>Written by arazzo_runner</footer></main>"
        f"<script>{script}</script></body></html>\n"
    )


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets").joinpath(name).read_text(encoding="utf-8")


def _title(report: TestReport) -> str:
    summary = report.summary
    state = "failed" if summary.failed else "passed" if summary.passed else "nothing ran"
    return f"Arazzo tests: {summary.passed}/{summary.total - summary.skipped} passed ({state})"


def _flow_ids(report: TestReport) -> dict[tuple[str, str], str]:
    """One id per workflow of the report's cases, in the order of the cases."""
    flows: dict[tuple[str, str], str] = {}
    for result in report.cases:
        key = (result.case.file, result.case.workflow_id)
        if key not in flows:
            flows[key] = f"flow-{len(flows) + 1}"
    return flows


def _header(report: TestReport) -> str:
    summary = report.summary
    files = len({result.case.file for result in report.cases})
    meta = [f"{summary.total} case{'s' if summary.total != 1 else ''} in {files} document{'s' if files != 1 else ''}"]
    if report.started:
        meta.append(f"started {esc((iso_time(report.started) or '')[:19].replace('T', ' '))} UTC")
    stopped = '<span class="stopped">stopped at the first failure (--fail-fast)</span>' if report.stopped_early else ""
    cards = "".join(
        f'<div class="card {kind}"><div class="n">{value}</div><div class="l">{label}</div></div>'
        for kind, value, label in (
            ("total", str(summary.total), "Total"),
            (PASSED, str(summary.passed), "Passed"),
            (FAILED, str(summary.failed), "Failed"),
            (SKIPPED, str(summary.skipped), "Skipped"),
            ("duration", esc(duration_text(report.duration)), "Duration"),
        )
    )
    ratio = "".join(
        f'<div class="{kind}" style="flex:{count}"></div>'
        for kind, count in ((PASSED, summary.passed), (FAILED, summary.failed), (SKIPPED, summary.skipped))
        if count
    )
    return (
        f'<header class="top"><h1>Arazzo test report</h1><span class="meta">{" · ".join(meta)}</span>{stopped}</header>'
        f'<div class="cards">{cards}</div><div class="ratio">{ratio}</div>'
    )


def _toolbar(report: TestReport) -> str:
    summary = report.summary
    buttons = "".join(
        f'<button type="button" data-filter="{kind}" aria-pressed="{"true" if kind == "all" else "false"}">'
        f'{label}<span class="c">{count}</span></button>'
        for kind, label, count in (
            ("all", "All", summary.total),
            (FAILED, "Failed", summary.failed),
            (SKIPPED, "Skipped", summary.skipped),
            (PASSED, "Passed", summary.passed),
        )
    )
    search = '<input id="search" type="search" placeholder="Search cases" aria-label="Filter cases">'
    return f'<nav class="toolbar">{buttons}<span id="shown" class="shown"></span>{search}</nav>'


def _case(number: int, result: CaseResult, flow_id: str | None) -> str:
    """A case as a collapsible section; failed cases start open."""
    case, verdict = result.case, result.verdict
    searchable = " ".join(filter(None, (case.id, case.label, result.reason or ""))).lower()
    # the name is shown already: say where it comes from
    where = case.file if case.name is None else f"{case.file}::{case.workflow_id}"
    summary = (
        f'<summary><span class="badge {esc(verdict)}">{esc(verdict)}</span>'
        f'<span class="name">{esc(case.label)}</span><span class="id" title="{esc(case.id)}">{esc(where)}</span>'
        f'<span class="dur">{"" if verdict == SKIPPED else esc(duration_text(result.duration))}</span></summary>'
    )
    body = ""
    if result.reason:
        body += f'<p class="reason {esc(verdict)}">{esc(result.reason)}</p>'
    elif verdict == PASSED and result.run is not None and result.run.status == "failed":
        error = f": {result.run.error.message}" if result.run.error is not None else ""
        body += f'<p class="reason expected">The run failed, as this case expects{esc(error)}</p>'
    notices = [e.message for e in result.events if isinstance(e, Notice)]
    if notices:
        body += (
            '<ul class="notices">' + "".join(f"<li>{esc(message)}</li>" for message in dict.fromkeys(notices)) + "</ul>"
        )
    if verdict != SKIPPED:
        body += _run(result)
    if flow_id is not None:
        body += f'<h3>Flow</h3><div class="flow-slot" data-flow="{flow_id}"></div>'
    opened = " open" if verdict == FAILED else ""
    return (
        f'<section class="case {esc(verdict)}" id="case-{number}" data-verdict="{esc(verdict)}" '
        f'data-search="{esc(searchable)}"><details{opened}>{summary}<div class="case-body">{body}</div></details></section>'
    )


def _run(result: CaseResult) -> str:
    spans = step_spans(result)
    sent = exchanges(result)
    stamps = [event.timestamp for event in result.events if event.timestamp is not None]
    origin = min(stamps) if stamps else (result.started or 0.0)
    total = max((max(stamps) - origin) if stamps else 0.0, result.duration if not stamps else 0.0)
    html = f"<h3>Timeline</h3>{waterfall(spans, sent, origin, total)}"
    if spans:
        html += f"<h3>Steps</h3>{step_details(spans, result.step_id, result.verdict == FAILED)}"
    if result.run is not None:
        if result.run.outputs:
            html += f"<h3>Outputs</h3>{json_block(result.run.outputs)}"
        if result.run.error is not None and not spans:
            html += f'<h3>Error</h3><p class="reason failed">{esc(result.run.error.message)}</p>'
    return html
