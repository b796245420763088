"""Which AsyncAPI versions are read: the ``asyncapi`` field checked, with a located error."""

from __future__ import annotations

import re

from ..errors import DocumentError, SourceError
from ..loading.yamlfile import ParsedFile

__all__ = ["SUPPORTED", "check_version"]

SUPPORTED = "2.0 to 2.6 and 3.0 to 3.1"
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?\Z")
# 2.0-2.6 share one shape (channels carrying publish/subscribe); 3.1 only adds to 3.0.
_LATEST_MINOR = {2: 6, 3: 1}


def check_version(parsed: ParsedFile) -> tuple[str, int]:
    """(the ``asyncapi`` version, its major) or an error saying what the document is instead."""
    data = parsed.data
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise SourceError(f"not an AsyncAPI document: its root is {kind}, not a mapping", parsed.location(""))
    if "asyncapi" not in data:
        for key, kind in (("openapi", "an OpenAPI description"), ("swagger", "a Swagger description"),
                          ("arazzo", "an Arazzo document")):  # fmt: skip
            if key in data:
                raise SourceError(f"this is {kind}, not an AsyncAPI document", parsed.location(""))
        raise SourceError("not an AsyncAPI document: the 'asyncapi' field is missing", parsed.location(""))
    version = data["asyncapi"]
    where = parsed.location("/asyncapi")
    if not isinstance(version, str):
        raise DocumentError(
            f"the 'asyncapi' field must be a string such as \"3.0.0\", not {version!r}"
            + (" (quote it: YAML reads an unquoted 2.6 as a number)" if isinstance(version, float) else ""),
            where,
        )
    match = _VERSION.match(version.strip())
    if match is None:
        raise DocumentError(f"'asyncapi' is {version!r}: not a major.minor.patch version such as \"3.0.0\"", where)
    major, minor = int(match.group(1)), int(match.group(2))
    if major not in _LATEST_MINOR or minor > _LATEST_MINOR[major]:
        hint = " (AsyncAPI 1 documents must be converted to 2.6 or 3.0)" if major < 2 else ""
        raise DocumentError(f"AsyncAPI {version} is not supported: this runner reads {SUPPORTED}{hint}", where)
    return version.strip(), major
