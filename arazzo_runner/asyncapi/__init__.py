"""AsyncAPI 2.x and 3.x descriptions: servers, channels, operations and messages, indexed.

:class:`AsyncAPIIndex` (built from a parsed file, like the OpenAPI index) answers what an
Arazzo 1.1 step that sends or receives messages needs; :func:`load_asyncapi` reads a local
file.  Nothing here connects to a broker.
"""

from __future__ import annotations

import os

from ..loading.files import read_file
from ..openapi.refs import path_to_uri
from .index import SUPPORTED, AsyncAPIIndex
from .objects import (
    Action,
    AsyncOperation,
    AsyncServer,
    Channel,
    ChannelParameter,
    Message,
    SecurityRequirement,
    ServerVariable,
    expand_template,
)

__all__ = [
    "SUPPORTED",
    "Action",
    "AsyncAPIIndex",
    "AsyncOperation",
    "AsyncServer",
    "Channel",
    "ChannelParameter",
    "Message",
    "SecurityRequirement",
    "ServerVariable",
    "expand_template",
    "load_asyncapi",
]


def load_asyncapi(path: str | os.PathLike[str], *, name: str | None = None) -> AsyncAPIIndex:
    """Parse and index the AsyncAPI document at ``path`` (a local file; ``$ref`` s to other
    local files are followed, remote ones raise :class:`~arazzo_runner.errors.SourceError`)."""
    from ..openapi.index import _fetch_local

    parsed = read_file(os.fspath(path), name=name)
    return AsyncAPIIndex.build(parsed, base_uri=path_to_uri(path), fetch=_fetch_local)
