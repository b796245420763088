"""Paging of a stored collection, and the paging fields of a list response.

A list operation pages when it has a page-size query parameter (``pageSize``, ``limit``,
``per_page``, ``PageSize``...) with a value or a schema ``default``, or an
``x-mock-page-size`` extension.  The next page is asked for with, in this order of
preference, a token parameter (``pageToken``, ``cursor``, ``after``...: the mock's tokens are
the id of the last item of the previous page, opaque to clients), a page-number parameter
(``page``: 0- or 1-based after its schema's ``minimum``/``default``), or an offset.

The response gets what its schema declares, found by name at its top level or one object
below (``meta``, ``pagination``, ``links``...): the next token or URL (``nextPageToken``,
``next_page_url``, ``next``...; null on the last page), previous and first page URLs, page
number, page size, ``has_more``, a total, and ``key`` (the name of the items array).  An array
body gets a ``Link`` header instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .generate import OMIT
from .schemas import has_type, normalize_name, properties

__all__ = ["Paging", "PageResult", "fill_paging", "items_location", "paging_for", "page_of", "with_query"]

_SIZE = ("pagesize", "limit", "perpage", "maxresults", "size", "pagelimit", "maxitems", "top", "count", "first")
_TOKEN = ("pagetoken", "cursor", "after", "nexttoken", "continuationtoken", "startingafter", "continuation",
          "marker", "pagecursor", "nextpagetoken", "starttoken", "token", "next")  # fmt: skip
_PAGE = ("page", "pagenumber", "pageindex", "pageno", "pagenum")
_OFFSET = ("offset", "skip", "start", "startindex", "from")

NEXT_TOKEN = frozenset({"nextpagetoken", "nexttoken", "nextcursor", "cursor", "continuationtoken", "pagetoken",
                        "endcursor", "nextmarker"})  # fmt: skip
NEXT_URL = frozenset({"next", "nextpageurl", "nextpage", "nextlink", "nexturl", "nextpageuri", "nexthref"})
PREVIOUS_URL = frozenset({"previous", "prev", "previouspageurl", "prevpageurl", "previouspage", "previouspageuri",
                          "prevlink", "previouslink"})  # fmt: skip
FIRST_URL = frozenset({"first", "firstpageurl", "firstpage", "firstpageuri", "firstlink"})
HAS_MORE = frozenset({"hasmore", "hasnext", "hasnextpage", "more", "hasmoreitems"})
TOTAL = frozenset({"total", "totalcount", "totalitems", "totalresults", "totalelements", "totalsize"})
PAGE_NUMBER = frozenset({"page", "pagenumber", "currentpage", "pageindex"})
PAGE_SIZE = frozenset({"pagesize", "perpage", "limit", "size"})
NESTED = frozenset({"meta", "metadata", "pagination", "paging", "links", "page", "pageinfo", "cursor"})
_ITEM_ARRAYS = ("items", "data", "results", "records", "values", "content", "entries", "elements", "list", "rows")


@dataclass(frozen=True)
class Paging:
    """The paging parameters of a list operation (None: not there)."""

    size: str | None = None
    size_default: int | None = None
    token: str | None = None
    page: str | None = None
    page_base: int = 0
    offset: str | None = None
    fixed_size: int | None = None  # x-mock-page-size

    def active(self, query: dict[str, list[str]]) -> bool:
        return self.page_size(query) is not None

    def page_size(self, query: dict[str, list[str]]) -> int | None:
        if self.size is not None and query.get(self.size):
            try:
                return max(1, int(query[self.size][0]))
            except ValueError:
                return None
        return self.fixed_size if self.fixed_size is not None else self.size_default


def _find(parameters: list[tuple[Any, dict[str, Any]]], names: tuple[str, ...], kinds: tuple[str, ...]) -> Any:
    """The first (parameter, schema) named one of ``names`` whose type is one of ``kinds``."""
    by_name = {normalize_name(p.name): (p, schema) for p, schema in parameters}
    for name in names:
        found = by_name.get(name)
        if found is not None:
            kind = found[1].get("type", "string")
            kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
            if kind in kinds:
                return found
    return None, {}


def paging_for(operation: Any, resolve: Any) -> Paging:
    """The Paging of a list operation; ``resolve`` follows a parameter schema's ``$ref``."""
    query = []
    for parameter in operation.parameters:
        if parameter.in_ == "query":
            schema = resolve(parameter.schema, parameter.base_uri) if parameter.schema is not None else {}
            query.append((parameter, schema if isinstance(schema, dict) else {}))
    size, size_schema = _find(query, _SIZE, ("integer", "number", "string"))
    token, _ = _find(query, _TOKEN, ("string",))
    page, page_schema = _find(query, _PAGE, ("integer", "number", "string"))
    offset, _ = _find(query, _OFFSET, ("integer", "number"))
    fixed = operation.raw.get("x-mock-page-size")
    size_default = None
    if size is not None and isinstance(size_schema.get("default"), int):
        size_default = size_schema["default"]
    page_base = 0
    if page is not None:
        for key in ("minimum", "default"):
            if page_schema.get(key) in (0, 1) and not isinstance(page_schema.get(key), bool):
                page_base = page_schema[key]
                break
        else:
            page_base = 1
    return Paging(
        size=size.name if size is not None else None,
        size_default=size_default,
        token=token.name if token is not None else None,
        page=page.name if page is not None else None,
        page_base=page_base,
        offset=offset.name if offset is not None else None,
        fixed_size=fixed if isinstance(fixed, int) and not isinstance(fixed, bool) and fixed > 0 else None,
    )


@dataclass
class PageResult:
    """One page: item positions ``start:end``, and the queries of the pages around it."""

    start: int
    end: int
    size: int | None
    number: int  # page number in the operation's own numbering
    total: int
    next_query: dict[str, str] | None
    previous_query: dict[str, str] | None
    first_query: dict[str, str] | None
    next_token: str | None


def page_of(keys: list[str], paging: Paging, query: dict[str, list[str]]) -> PageResult | str:
    """The page ``query`` asks for among ``keys`` (the stored ids in order), or a message for
    an invalid page token."""
    size = paging.page_size(query)
    total = len(keys)
    if size is None:
        return PageResult(0, total, None, paging.page_base, total, None, None, None, None)
    start = 0
    if paging.token is not None and query.get(paging.token) and query[paging.token][0]:
        token = query[paging.token][0]
        if token not in keys:
            return f"query parameter {paging.token!r}: {token!r} is not a page token this mock issued"
        start = keys.index(token) + 1
    elif paging.page is not None and query.get(paging.page):
        try:
            start = max(0, int(query[paging.page][0]) - paging.page_base) * size
        except ValueError:
            start = 0
    elif paging.offset is not None and query.get(paging.offset):
        try:
            start = max(0, int(query[paging.offset][0]))
        except ValueError:
            start = 0
    end = min(start + size, total)
    number = start // size + paging.page_base
    base = {k: v[0] for k, v in query.items() if v and k not in (paging.token, paging.page, paging.offset)}
    if paging.size is not None:
        base[paging.size] = str(size)

    def at(position: int) -> dict[str, str] | None:
        result = dict(base)
        if paging.page is not None:
            result[paging.page] = str(position // size + paging.page_base)
        if paging.token is not None:
            if position > 0:
                result[paging.token] = keys[position - 1]
        elif paging.offset is not None:
            result[paging.offset] = str(position)
        elif paging.page is None:
            return None
        return result

    has_next = end < total
    next_token = keys[end - 1] if has_next and end > 0 else None
    previous = at(max(0, start - size)) if start > 0 else None
    return PageResult(start, end, size, number, total, at(end) if has_next else None, previous, at(0), next_token)


def with_query(url: str, query: dict[str, str] | None) -> str | None:
    """``url`` (without its query) with ``query``; None for no query (no such page)."""
    if query is None:
        return None
    return url.split("?", 1)[0] + ("?" + urlencode(query) if query else "")


def items_location(schema: Any, collection_key: str) -> tuple[str | None, Any] | None:
    """Where a list response holds its items: (None, items schema) for an array body, or
    (property name, items schema) for an envelope; None when it cannot be told."""
    if not isinstance(schema, dict):
        return None
    if has_type(schema, "array") or "items" in schema and not properties(schema):
        return None, schema.get("items", {})
    arrays = {name: sub for name, sub in properties(schema).items()
              if isinstance(sub, dict) and (has_type(sub, "array") or "items" in sub)}  # fmt: skip
    if not arrays:
        return None
    last = collection_key.rstrip("/").rsplit("/", 1)[-1]
    wanted = [normalize_name(last), *_ITEM_ARRAYS]
    by_name = {normalize_name(name): name for name in arrays}
    for name in wanted:
        if name in by_name:
            return by_name[name], arrays[by_name[name]].get("items", {})
    if len(arrays) == 1:
        name = next(iter(arrays))
        return name, arrays[name].get("items", {})
    return None


def fill_paging(envelope: dict[str, Any], schema: Any, page: PageResult, url: str, current: str, items_prop: str,
                conforms: Any) -> None:  # fmt: skip
    """Set the paging fields ``schema`` declares, at the top level and one object below."""
    # what each kind of paging field is set to, in order of precedence
    by_kind: tuple[tuple[frozenset[str], Any], ...] = (
        (NEXT_TOKEN, page.next_token),
        (NEXT_URL, with_query(url, page.next_query) if page.size is not None else None),
        (PREVIOUS_URL, with_query(url, page.previous_query)),
        (FIRST_URL, with_query(url, page.first_query)),
        (HAS_MORE, page.next_query is not None),
        (TOTAL, page.total),
        (PAGE_NUMBER, page.number),
        (PAGE_SIZE, page.size if page.size is not None else page.end - page.start),
    )

    def fill(target: dict[str, Any], target_schema: Any, nested: bool) -> None:
        for name, sub in properties(target_schema).items():
            if name == items_prop:
                continue
            key = normalize_name(name)
            if key in NESTED and isinstance(target.get(name), dict):
                fill(target[name], sub, True)
                continue
            value: Any = next((setting for kind, setting in by_kind if key in kind), OMIT)
            if value is OMIT and nested and key == "key":
                value = items_prop
            elif value is OMIT and nested and key in ("url", "self", "currentpageurl"):
                value = current
            if value is OMIT:
                continue
            if value is None and name in target and not conforms(None, sub):
                required = target_schema.get("required", []) if isinstance(target_schema, dict) else []
                if name not in required:
                    del target[name]
                continue
            if conforms(value, sub):
                target[name] = value

    fill(envelope, schema, False)
