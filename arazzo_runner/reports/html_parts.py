"""The pieces of the HTML report that show one case's run: the waterfall of its step attempts,
each attempt's request and response (or an AsyncAPI step's message), bodies as readable (and
cut) text, the flow picture.

Everything that comes from a document, an input or a response goes through :func:`esc`; the
only markup written unescaped is this module's own.  Secrets are already masked in the events
these pieces are drawn from.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..execution.results import DRY_RUN, MessageRecord, RequestRecord, ResponseRecord
from .text import Exchange, StepSpan

__all__ = ["BODY_LIMIT", "esc", "duration_text", "waterfall", "step_details", "json_block", "flow_picture"]

BODY_LIMIT = 64 * 1024  # characters of a body shown; a report stays small enough to open
_TICKS = 4
# a message bar: the accent colour, faded as the HTTP bar is (inline: the style sheet is shared)
_MESSAGE_STYLE = "background:var(--accent);opacity:.6"
_SVG_TAG = re.compile(r"<svg\b[^>]*>")

# A JSON text's tokens: a string (a key when a colon follows), a number, a literal.
_TOKEN = re.compile(
    r'(?P<str>"(?:[^"\\\n]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<lit>\btrue\b|\bfalse\b|\bnull\b)"
)


def esc(value: object) -> str:
    """``value`` as HTML text, safe in element content and in quoted attributes."""
    return html.escape(str(value), quote=True)


def duration_text(seconds: float) -> str:
    """``850 ms``, ``12.4 s``: short and readable."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 or seconds == 0 else f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def _ok(status: str) -> bool:
    return status in ("succeeded", DRY_RUN)


def waterfall(spans: Sequence[StepSpan], exchanges: Sequence[Exchange], origin: float, total: float) -> str:
    """A row per step attempt: a bar placed by its start (relative to ``origin``, the case's
    start) and sized by its duration, with the HTTP exchange as a thinner bar inside it, or
    an AsyncAPI step's message: a send from the message leaving to the step's end (the
    hand-over to the broker), a receive from the step's start to the message's arrival (the
    wait; the whole step when none came)."""
    if not spans:
        return '<p class="muted">No step ran.</p>'
    total = max(total, max(span.finished for span in spans) - origin, 1e-6)
    sent = {(e.workflow_id, e.step_id, e.attempt): e for e in exchanges}
    rows: list[str] = []
    http = messages = False  # which thin bars are drawn: the legend names those
    for span in sorted(spans, key=lambda s: s.started):  # stable: equal starts keep finish order
        left, width = _place(span.started, span.finished, origin, total)
        attempt = f' <span class="att">#{span.attempt}</span>' if span.attempt > 1 else ""
        indent = f' style="padding-left:{span.depth * 14}px"' if span.depth else ""
        title = f"{span.step_id}: {span.status}, {duration_text(span.finished - span.started)}"
        bar = f'<div class="bar {esc(span.status)}" style="left:{left:.3f}%;width:{width:.3f}%" title="{esc(title)}"></div>'
        exchange = sent.get((span.workflow_id, span.step_id, span.attempt))
        if exchange is not None:
            http = True
            net_left, net_width = _place(exchange.started, exchange.finished, origin, total)
            net_title = f"{exchange.request.method} {exchange.request.url}: {duration_text(exchange.elapsed)}"
            bar += (
                f'<div class="net" style="left:{net_left:.3f}%;width:{net_width:.3f}%" title="{esc(net_title)}"></div>'
            )
        else:
            message_bar = _message_bar(span, origin, total)
            messages = messages or bool(message_bar)
            bar += message_bar
        rows.append(
            f'<div class="label"{indent} title="{esc(span.workflow_id)}">{esc(span.step_id)}{attempt}</div>'
            f'<div class="track">{bar}</div><div class="t">{duration_text(span.finished - span.started)}</div>'
        )
    ticks = "".join(
        f'<span style="left:{100 * i / _TICKS:.1f}%">{duration_text(total * i / _TICKS)}</span>'
        for i in range(_TICKS + 1)
    )
    axis = f'<div></div><div class="axis">{ticks}</div><div></div>'
    legend = (
        '<div class="legend"><i style="background:var(--pass)"></i>step attempt (red: failed)'
        + ('<i style="background:var(--net);height:4px"></i>HTTP request to response' if http or not messages else "")
        + (f'<i style="{_MESSAGE_STYLE};height:4px"></i>message sent, or awaited' if messages else "")
        + "</div>"
    )
    return f'<div class="wf">{"".join(rows)}{axis}</div>{legend}'


def _message_bar(span: StepSpan, origin: float, total: float) -> str:
    """The thin bar of an AsyncAPI step's message in the waterfall ('' for none, and for a dry
    run, which neither sent nor waited)."""
    message = span.result.message
    if message is None or span.status == DRY_RUN:
        return ""
    if message.action == "send":
        if span.message_at is None:
            return ""  # the step failed before its message was built
        what = "handed to the broker in" if _ok(span.status) else "step failed, sending took"
        start, finish = span.message_at, span.finished
    elif span.received and span.message_at is not None:
        start, finish, what = span.started, span.message_at, "arrived after"
    else:
        start, finish, what = span.started, span.finished, "none arrived in"
    left, width = _place(start, finish, origin, total)
    title = f"{message.shown}: {what} {duration_text(max(finish - start, 0.0))}"
    return (
        f'<div class="net msg" style="left:{left:.3f}%;width:{width:.3f}%;{_MESSAGE_STYLE}" title="{esc(title)}"></div>'
    )


def _place(start: float, finish: float, origin: float, total: float) -> tuple[float, float]:
    left = min(max((start - origin) / total * 100, 0.0), 100.0)
    width = min(max((finish - start) / total * 100, 0.4), 100.0 - left)
    return left, max(width, 0.0)


def step_details(spans: Sequence[StepSpan], failing_step: str | None, case_failed: bool) -> str:
    """Each step attempt, collapsed to one line (its request line, or its message's
    ``SEND``/``RECEIVE`` line, status and time); opened it shows the request and the response,
    or the message.  In a failed case, the failing step's last
    attempt starts open."""
    if not spans:
        return ""
    ordered = sorted(spans, key=lambda s: s.started)
    failed = [s for s in ordered if not _ok(s.status)] if case_failed else []
    opened = next((s for s in reversed(failed) if s.step_id == failing_step), failed[-1] if failed else None)
    return "".join(_step(span, span is opened) for span in ordered)


def _step(span: StepSpan, opened: bool) -> str:
    step = span.result
    ok = _ok(step.status)
    mark = f'<span class="mark {"ok" if ok else "bad"}">{"✓" if ok else "✗"}</span>'
    attempt = f' <span class="muted">attempt {step.attempt}</span>' if step.attempt > 1 else ""
    if step.request is not None:
        line = f"{step.request.method} {step.request.url}"
    else:
        line = step.message.shown if step.message is not None else "(no request)"
    code = ""
    if step.response is not None:
        good = 200 <= step.response.status_code < 400
        code = f'<span class="code {"ok" if good else "bad"}">{step.response.status_code}</span>'
    summary = (
        f'<summary>{mark}<span class="sid">{esc(step.step_id)}</span>{attempt}<span class="req">{esc(line)}</span>'
        f'{code}<span class="muted">{duration_text(step.elapsed)}</span></summary>'
    )
    body = f'<p class="error">{esc(step.error)}</p>' if step.error else ""
    if step.request is not None or step.response is not None:
        body += f'<div class="pair"><div>{_request(step.request)}</div><div>{_response(step.response)}</div></div>'
    elif step.message is not None:
        body += _message(step.message, span.received, step.status == DRY_RUN)
    if step.outputs:
        body += f"<h4>Outputs</h4>{json_block(step.outputs)}"
    where = f' data-workflow="{esc(span.workflow_id)}"' if span.depth else ""
    return f'<details class="step {esc(step.status)}"{where}{" open" if opened else ""}>{summary}<div class="step-body">{body}</div></details>'


def _request(request: RequestRecord | None) -> str:
    if request is None:
        return '<h4>Request</h4><p class="muted">none sent</p>'
    line = f'<div class="line"><b>{esc(request.method)}</b> {esc(request.url)}</div>'
    return f"<h4>Request</h4>{line}{_headers(request.headers)}{_body(request.body)}"


def _response(response: ResponseRecord | None) -> str:
    if response is None:
        return '<h4>Response</h4><p class="muted">none received</p>'
    line = f'<div class="line"><b>{response.status_code}</b></div>'
    return f"<h4>Response</h4>{line}{_headers(response.headers)}{_body(response.body)}"


def _message(message: MessageRecord, received: bool, dry_run: bool) -> str:
    """A message as a request is shown: where it went (or came from) and its headers on the
    left, its payload on the right."""
    sent = message.action == "send"
    verb = "SEND" if sent else "RECEIVE"
    where = f"{message.server.rstrip('/')}/{message.channel.lstrip('/')}"
    protocol = f' <span class="muted">{esc(message.protocol)}</span>' if message.protocol else ""
    line = f'<div class="line"><b>{verb}</b> {esc(where)}{protocol}</div>'
    if sent:
        title = "Message (not sent: dry run)" if dry_run else "Message sent"
    else:
        title = "Message awaited (dry run)" if dry_run else "Message received" if received else "Message awaited"
    if not sent and not received:
        what = "none: a dry run listens to nothing" if dry_run else "none received"
        return f'<div class="pair"><div><h4>{title}</h4>{line}</div><div><h4>Payload</h4><p class="muted">{what}</p></div></div>'
    payload = '<p class="muted">no payload</p>' if message.payload is None else _body(message.payload)
    return (
        f'<div class="pair"><div><h4>{title}</h4>{line}{_headers(message.headers)}</div>'
        f"<div><h4>Payload</h4>{payload}</div></div>"
    )


def _headers(headers: Mapping[str, str]) -> str:
    if not headers:
        return ""
    rows = "".join(f"<tr><td>{esc(name)}</td><td>{esc(value)}</td></tr>" for name, value in headers.items())
    return f'<table class="headers">{rows}</table>'


def _body(body: Any) -> str:
    if body is None or body == "":
        return '<p class="muted">no body</p>'
    if isinstance(body, str):
        stripped = body.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                return json_block(json.loads(body))
            except ValueError:
                pass
        return _text_block(body, highlight=False)
    return json_block(body)


def json_block(value: Any) -> str:
    """``value`` as indented JSON, coloured, cut at :data:`BODY_LIMIT` characters."""
    return _text_block(json.dumps(value, indent=2, ensure_ascii=False, default=str), highlight=True)


def _text_block(text: str, *, highlight: bool) -> str:
    note = ""
    if len(text) > BODY_LIMIT:
        note = f'<p class="note">Cut: the first {BODY_LIMIT // 1024} KB of {len(text):,} characters are shown.</p>'
        text = text[:BODY_LIMIT]
    inner = _highlight(text) if highlight else esc(text)
    return f'<pre class="body">{inner}</pre>{note}'


def _highlight(text: str) -> str:
    """JSON text with its keys, strings, numbers and literals in spans (each piece escaped)."""
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        out.append(esc(text[last : match.start()]))
        if match.group("str") is not None:
            kind = "j-key" if match.group("colon") else "j-str"
            out.append(f'<span class="{kind}">{esc(match.group("str"))}</span>{esc(match.group("colon") or "")}')
        elif match.group("num") is not None:
            out.append(f'<span class="j-num">{match.group("num")}</span>')
        else:
            out.append(f'<span class="j-lit">{match.group("lit")}</span>')
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def flow_picture(description: Any, workflow_id: str) -> str:
    """The workflow's flow graph as an ``<img>`` of the SVG that ``arazzo graph`` draws, or a
    short note saying why it is not shown.  As an image (a ``data:`` URL, not a request) the
    SVG can neither run script nor restyle the page, whatever the document's names hold."""
    if description is None:
        return '<p class="muted">No flow graph: the document is not in the report.</p>'
    try:
        from ..graph import flow_of, to_svg

        svg = to_svg(flow_of(description, workflow_id))
    except Exception as error:  # noqa: BLE001 - a picture that cannot be drawn never fails the report
        return f'<p class="muted">No flow graph: {esc(type(error).__name__)}: {esc(error)}</p>'
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<div class="flow"><img alt="flow of workflow {esc(workflow_id)}"{_size(svg)} src="data:image/svg+xml;base64,{data}"></div>'


def _size(svg: str) -> str:
    """``width``/``height`` attributes from the SVG's viewBox when it has no width of its own:
    an image without an intrinsic size would be drawn 300 by 150 pixels."""
    root = _SVG_TAG.search(svg)
    if root is None or re.search(r"\swidth\s*=", root.group(0)):
        return ""
    box = re.search(r"""\sviewBox\s*=\s*["']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)""", root.group(0))
    if box is None:
        return ""
    return f' width="{float(box.group(1)):.0f}" height="{float(box.group(2)):.0f}"'
