"""``file:`` URIs for local paths and back, without importing urllib.request (slow to import)."""

from __future__ import annotations

import os
from urllib.parse import quote, unquote, urlsplit

__all__ = ["file_uri", "uri_path", "is_remote"]


def file_uri(path: str | os.PathLike[str]) -> str:
    """The absolute ``file:`` URI of a local path (as :meth:`pathlib.Path.as_uri` spells it)."""
    absolute = os.path.abspath(path).replace(os.sep, "/")
    if not absolute.startswith("/"):  # a Windows drive: file:///C:/...
        absolute = "/" + absolute
    return "file://" + quote(absolute)


def uri_path(uri: str) -> str:
    """The local path of a ``file:`` URI."""
    parts = urlsplit(uri)
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost":  # a UNC path on Windows
        path = "//" + parts.netloc + path
    elif os.name == "nt" and len(path) > 2 and path[0] == "/" and path[2] == ":":
        path = path[1:]
    return os.path.normpath(path)


def is_remote(uri: str) -> bool:
    """Whether ``uri`` is fetched over the network (http or https)."""
    return uri.startswith(("http://", "https://"))
