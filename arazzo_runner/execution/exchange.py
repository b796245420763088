"""One HTTP exchange of a run: a :class:`~.engine.Send` sent with httpx, sync or async.

Redirects are followed here (not by httpx) so that each hop carries this run's cookies and
loses its credentials when it leaves the origin; one deadline bounds the whole exchange,
redirect hops and body included (:mod:`.deadline`).  These are the only functions of the
package that send a request.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from .auth import guard_redirect
from .deadline import exchange_deadline, expired
from .engine import Exchange, Send

__all__ = ["send", "send_async"]


def send(client: httpx.Client, item: Send, jar: httpx.Cookies) -> Exchange:
    """Send ``item`` with ``client`` and read its response; a network error is an Exchange too."""
    request = _request(item, jar, client.headers)
    started = time.perf_counter()
    try:
        with exchange_deadline(item.timeout) as deadline:
            # httpx's own redirect hops would carry the client's cookie jar, which holds the
            # cookies of every run; ours carry this run's
            response = client.send(request, stream=True, follow_redirects=False)
            hops = 0
            while item.follow_redirects and response.next_request is not None:
                _keep_cookies(jar, response)
                request = _redirected(response.next_request, jar, item)
                response.close()
                hops += 1
                if hops > client.max_redirects:
                    raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
                response = client.send(request, stream=True, follow_redirects=False)
            try:
                content, error = _read(response.iter_bytes(), item.max_bytes, deadline, item.timeout)
            finally:
                response.close()
    except httpx.HTTPError as exc:
        return _failed(exc, item, started)
    _keep_cookies(jar, response)
    return _exchange(response, content, error, started)


async def send_async(client: httpx.AsyncClient, item: Send, jar: httpx.Cookies) -> Exchange:
    """:func:`send` with asyncio."""
    request = _request(item, jar, client.headers)
    started = time.perf_counter()
    try:
        with exchange_deadline(item.timeout) as deadline:
            response = await client.send(request, stream=True, follow_redirects=False)
            hops = 0
            while item.follow_redirects and response.next_request is not None:
                _keep_cookies(jar, response)
                request = _redirected(response.next_request, jar, item)
                await response.aclose()
                hops += 1
                if hops > client.max_redirects:
                    raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
                response = await client.send(request, stream=True, follow_redirects=False)
            try:
                chunks = []
                size = 0
                error = None
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > item.max_bytes:
                        error = f"the response is larger than --max-response-bytes {item.max_bytes}"
                        break
                    if expired(deadline):
                        raise _cut(item.timeout, request)
                    chunks.append(chunk)
                content = b"".join(chunks)
            finally:
                await response.aclose()
    except httpx.HTTPError as exc:
        return _failed(exc, item, started)
    _keep_cookies(jar, response)
    return _exchange(response, content, error, started)


def _failed(exc: httpx.HTTPError, send: Send, started: float) -> Exchange:
    """The Exchange of a request that got no response: a timeout, or another network error."""
    elapsed = time.perf_counter() - started
    if isinstance(exc, httpx.TimeoutException):
        return Exchange(elapsed=elapsed, error=_timeout_message(send.timeout, exc), error_type="timeout")
    return Exchange(elapsed=elapsed, error=_network_message(exc), error_type="network")


def _exchange(response: httpx.Response, content: bytes, error: str | None, started: float) -> Exchange:
    """The Exchange of a response (its body dropped when it was over the size limit)."""
    elapsed = time.perf_counter() - started
    if error is not None:
        return Exchange(response.status_code, response.headers.multi_items(), b"", elapsed, error, "network")
    return Exchange(response.status_code, response.headers.multi_items(), content, elapsed)


def _timeout_message(timeout: float, exc: Exception) -> str:
    detail = str(exc)
    shown = f"timed out after {timeout:.3g} s"
    return shown if not detail or "timed out" in detail else f"{shown} ({detail})"


def _keep_cookies(jar: httpx.Cookies, response: httpx.Response) -> None:
    # the cookie jar's parser is slow; most responses set no cookie
    if "set-cookie" in response.headers:
        jar.extract_cookies(response)


def _request(send: Send, jar: httpx.Cookies, defaults: httpx.Headers | None = None) -> httpx.Request:
    """The httpx request for ``send``: the client's default headers (User-Agent, any the
    embedder set) unless the step sets the same name, and this run's cookies."""
    names = {name.lower() for name, _ in send.headers}
    inherited = [(k, v) for k, v in (defaults.multi_items() if defaults else []) if k.lower() not in names]
    request = httpx.Request(send.method, send.url, headers=[*inherited, *send.headers], content=send.content)
    _add_cookies(request, jar)
    request.extensions["timeout"] = httpx.Timeout(send.timeout).as_dict()
    return request


def _add_cookies(request: httpx.Request, jar: httpx.Cookies) -> None:
    """This run's cookies for ``request``, after any Cookie header the step set itself (the
    jar alone would leave them out when the request already has one)."""
    if not jar:
        return
    own = request.headers.get("cookie")
    if own is not None:
        del request.headers["cookie"]
    jar.set_cookie_header(request)
    if own is not None:
        stored = request.headers.get("cookie")
        request.headers["cookie"] = f"{own}; {stored}" if stored else own


def _redirected(request: httpx.Request, jar: httpx.Cookies, send: Send) -> httpx.Request:
    """A redirect hop as httpx built it, with this run's cookies instead of the client's, and
    no credential when it leaves the origin ``send`` was for (auth.guard_redirect)."""
    if "cookie" in request.headers:
        del request.headers["cookie"]
    _add_cookies(request, jar)
    guard_redirect(request, send)
    return request


def _read(chunks: Iterator[bytes], limit: int, deadline: float, timeout: float) -> tuple[bytes, str | None]:
    parts = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return b"", f"the response is larger than --max-response-bytes {limit}"
        if expired(deadline):  # a transport given by the embedder: its streams are not bound
            raise _cut(timeout, None)
        parts.append(chunk)
    return b"".join(parts), None


def _cut(timeout: float, request: httpx.Request | None) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"the whole exchange took longer than {timeout:.3g} s", request=request)


def _network_message(exc: httpx.HTTPError) -> str:
    cause = exc.__cause__ or exc.__context__
    detail = str(exc) or type(exc).__name__
    if cause is not None and str(cause) and str(cause) not in detail:
        detail = f"{detail} ({cause})"
    url = getattr(getattr(exc, "request", None), "url", None) if isinstance(exc, httpx.RequestError) else None
    return f"{type(exc).__name__}: {detail}" + (f" [{url}]" if url else "")
