"""Reading documents from disk (and, when allowed, from http(s)), with two caches.

* In one process, a file whose path, size and modification time are unchanged is parsed once.
* Across processes, large YAML files (the slow ones to parse) are kept in a parse cache in the
  user's cache directory, keyed by a hash of their content: a second run reads the cached
  data instead of parsing again.  ``ARAZZO_CACHE_DIR`` moves the cache, ``ARAZZO_NO_CACHE=1``
  turns it off.  The cache is private to the user and checked before use
  (:mod:`.parse_cache`).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Optional

from ..errors import DocumentError, Location, SourceError
from .yamlfile import MAX_BYTES, ParsedFile, parse

__all__ = ["read_file", "read_url", "cache_directory", "display_path"]

# The parse cache is worth its disk write only for files that are slow to parse.
CACHE_MIN_BYTES = 256 * 1024

_memo: dict[str, tuple[tuple[int, int, int], ParsedFile]] = {}
_memo_lock = threading.Lock()


def display_path(path: str) -> str:
    """``path`` relative to the working directory when it lies below it, else absolute."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        return absolute
    return absolute if relative.startswith("..") else relative


def cache_directory() -> Optional[str]:
    """Where the parse cache lives, or None when caching is off."""
    if os.environ.get("ARAZZO_NO_CACHE"):
        return None
    configured = os.environ.get("ARAZZO_CACHE_DIR")
    if configured is not None:
        return configured or None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "arazzo-runner", "parse")


def read_file(path: str, *, name: Optional[str] = None, location: Optional[Location] = None) -> ParsedFile:
    """Parse the JSON or YAML file at ``path``.

    ``name`` is how the file is named in messages (default: :func:`display_path`);
    ``location`` is where the reference to it was written, for a "cannot read" error.
    """
    absolute = os.path.abspath(path)
    shown = name or display_path(absolute)
    try:
        stat = os.stat(absolute)
    except FileNotFoundError:
        raise SourceError(f"file not found: {absolute}", location or Location(shown)) from None
    except OSError as exc:
        raise SourceError(f"cannot read {absolute}: {exc.strerror}", location or Location(shown)) from None
    if not os.path.isfile(absolute):
        raise SourceError(f"not a file: {absolute}", location or Location(shown))
    if stat.st_size > MAX_BYTES:
        raise DocumentError(
            f"the file is {stat.st_size:,} bytes, over the {MAX_BYTES:,}-byte limit for a document",
            Location(shown, "", 1, 1),
        )
    key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    memo_key = absolute + "\0" + shown
    with _memo_lock:
        cached = _memo.get(memo_key)
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        with open(absolute, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise SourceError(f"cannot read {absolute}: {exc.strerror}", location or Location(shown)) from None
    parsed = parse_cached(raw, shown)
    with _memo_lock:
        _memo[memo_key] = (key, parsed)
    return parsed


def parse_cached(raw: bytes, name: str) -> ParsedFile:
    """:func:`parse`, through the on-disk parse cache for large YAML content."""
    is_json = name.lower().endswith(".json")
    directory = cache_directory() if not is_json and len(raw) >= CACHE_MIN_BYTES else None
    if directory is None:
        return parse(raw, name, is_json=is_json)
    from . import parse_cache

    digest = parse_cache.content_digest(raw)
    data = parse_cache.read_entry(directory, raw, digest)
    if data is not parse_cache.MISSING:
        return ParsedFile(data, name, False, raw)
    parsed = parse(raw, name, is_json=False)
    parse_cache.write_entry(directory, raw, digest, parsed.data)
    return parsed


def read_url(url: str, *, location: Optional[Location] = None, timeout: float = 30.0) -> ParsedFile:
    """Fetch and parse an http(s) document (the caller has checked that remote is allowed)."""
    import httpx  # only remote sources need it

    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            with client.stream("GET", url, headers={"Accept": "application/json, application/yaml, */*"}) as response:
                if response.status_code != 200:
                    raise SourceError(f"fetching {url} answered HTTP {response.status_code}", location)
                chunks = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise SourceError(f"{url} is larger than the {MAX_BYTES:,}-byte limit", location)
                    chunks.append(chunk)
                content_type = response.headers.get("content-type", "")
    except httpx.HTTPError as exc:
        raise SourceError(f"cannot fetch {url}: {exc}", location) from None
    raw = b"".join(chunks)
    is_json = "json" in content_type or url.split("?")[0].lower().endswith(".json")
    return parse(raw, url, is_json=is_json)
