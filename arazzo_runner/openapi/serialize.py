"""Parameter serialization and request body encoding, as OpenAPI 3.1/3.2 describes them.

The public names of the modules that do the work, in one place:

* :mod:`.parameters`: parameters by location (``path``, ``query``, ``header``, ``cookie``,
  ``content``, ``querystring``); :mod:`.styles`: the styles, percent-encoding, form encoding.
* :mod:`.bodies`: request bodies by media type (:func:`encode_body`); :mod:`.xml_schema`:
  XML from a schema's ``xml`` hints (:func:`to_xml`); :mod:`.media`: media types and Media
  Type Objects.
* :mod:`.replacements`: payload replacements by JSON pointer, JSONPath and XPath
  (:func:`apply_replacement`).
* :mod:`.values`: :class:`StepError` and the text of values (:func:`primitive_text`).

Pure functions: no I/O, no httpx.  Values arrive evaluated; :data:`~arazzo_runner.missing.MISSING`
(a value that is not there) is never serialized: a parameter, form field or part whose value
is missing is left out.  ``None`` is JSON ``null``.
"""

from __future__ import annotations

from .bodies import FILE_KEYS, EncodedBody, Payload, encode_body, is_file_value
from .media import is_form_media, is_json_media, is_multipart_media, is_xml_media, media_object, media_type
from .parameters import (
    serialize_content,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
    serialize_querystring,
)
from .replacements import apply_replacement
from .styles import DEFAULT_STYLE, default_explode, pct_encode
from .values import StepError, primitive_text
from .xml_schema import to_xml

__all__ = [
    "DEFAULT_STYLE",
    "EncodedBody",
    "FILE_KEYS",
    "Payload",
    "StepError",
    "apply_replacement",
    "default_explode",
    "encode_body",
    "is_file_value",
    "is_form_media",
    "is_json_media",
    "is_multipart_media",
    "is_xml_media",
    "media_object",
    "media_type",
    "pct_encode",
    "primitive_text",
    "serialize_content",
    "serialize_cookie",
    "serialize_header",
    "serialize_path",
    "serialize_query",
    "serialize_querystring",
    "to_xml",
]
