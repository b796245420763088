"""Values generated from (inlined) schemas: deterministic for a given :class:`random.Random`.

:func:`generate` prefers what the schema documents (``const``, a valid ``example`` /
``examples`` entry, a valid ``default``) and otherwise builds a value that respects ``type``,
``format``, ``enum``, ``pattern``, length and numeric bounds, ``multipleOf``, array sizes and
required properties.  ``allOf`` is merged, the first fitting branch of ``oneOf``/``anyOf`` is
taken.  Every generated value is checked against its schema; when a value cannot be made to
fit (a pattern this generator cannot follow, contradictory bounds) the closest attempt is
returned and the caller may check it again.
"""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import math
import random
import uuid
from typing import Any

from .discriminator import DISCRIMINATOR
from .regexgen import generate_matching
from .schemas import RECURSIVE, Schemas, normalize_name

__all__ = ["Generator", "OMIT", "BASE_TIME"]

BASE_TIME = _dt.datetime(2024, 5, 14, 9, 0, 0, tzinfo=_dt.timezone.utc)
"""The mock's epoch: generated timestamps fall in the year after it."""

OMIT: Any = object()
"""Returned for a property that should be left out (a recursive or write-only one)."""

_MAX_DEPTH = 8
_WORDS = ("alpha", "bravo", "cedar", "delta", "ember", "falcon", "garnet", "harbor", "indigo", "juniper",
          "kestrel", "lumen", "maple", "nova", "orchid", "pebble", "quartz", "raven", "sierra", "tango")  # fmt: skip


def _is_null_only(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "null" or schema.get("enum") == [None])


class Generator:
    """Builds values from schemas inlined by ``schemas`` (which also checks them)."""

    def __init__(self, schemas: Schemas) -> None:
        self.schemas = schemas

    def generate(
        self,
        schema: Any,
        rng: random.Random,
        *,
        name: str | None = None,
        mode: str = "response",
        depth: int = 0,
        use_examples: bool = True,
    ) -> Any:
        """A value for ``schema``; ``mode`` is ``response`` (writeOnly left out) or ``request``
        (readOnly left out); ``name`` is the property name, a hint for plain strings."""
        if schema is True or schema is None or schema == {}:
            return self._string({}, rng, name)
        if schema is False or not isinstance(schema, dict):
            return None
        if schema.get(RECURSIVE):
            return OMIT
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if use_examples:
            documented = self.documented(schema)
            if documented is not OMIT:
                return documented
        if "allOf" in schema and isinstance(schema["allOf"], list):
            return self.generate(_merge_all_of(schema), rng, name=name, mode=mode, depth=depth)
        for keyword in ("oneOf", "anyOf"):
            branches = schema.get(keyword)
            if isinstance(branches, list) and branches:
                rest = {k: v for k, v in schema.items() if k not in (keyword, "discriminator", DISCRIMINATOR)}
                choices = [b for b in branches if not _is_null_only(b)] or branches
                for branch in choices[:3]:
                    merged = _merge_all_of({"allOf": [rest, branch]}) if rest else branch
                    value = self.generate(merged, rng, name=name, mode=mode, depth=depth)
                    if value is not OMIT and self.schemas.conforms(value, schema):
                        return value
                merged = _merge_all_of({"allOf": [rest, choices[0]]}) if rest else choices[0]
                return self.generate(merged, rng, name=name, mode=mode, depth=depth)
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            options = [value for value in enum if value is not None] or enum
            return copy.deepcopy(rng.choice(options))
        kind = _type_of(schema)
        if kind == "null":
            return None
        if kind == "object":
            return self._object(schema, rng, mode, depth)
        if kind == "array":
            return self._array(schema, rng, name, mode, depth)
        if kind == "integer":
            return self._integer(schema, rng)
        if kind == "number":
            return self._number(schema, rng)
        if kind == "boolean":
            return rng.random() < 0.5
        return self._string(schema, rng, name)

    def documented(self, schema: dict[str, Any]) -> Any:
        """The schema's own ``example`` / first ``examples`` entry / ``default`` that is valid
        against it, else OMIT."""
        candidates = []
        examples = schema.get("examples")
        if isinstance(examples, list):
            candidates.extend(examples[:3])
        if "example" in schema:
            candidates.append(schema["example"])
        if "default" in schema:
            candidates.append(schema["default"])
        for candidate in candidates:
            if candidate is None and not _allows_null(schema):
                continue
            if self.schemas.conforms(candidate, schema):
                return copy.deepcopy(candidate)  # documents are shared: never hand out their objects
        return OMIT

    # ------------------------------------------------------------------ objects and arrays

    def _object(self, schema: dict[str, Any], rng: random.Random, mode: str, depth: int) -> Any:
        raw_properties = schema.get("properties")
        properties: dict[str, Any] = raw_properties if isinstance(raw_properties, dict) else {}
        raw_required = schema.get("required")
        required = [r for r in raw_required if isinstance(r, str)] if isinstance(raw_required, list) else []
        result: dict[str, Any] = {}
        deep = depth >= _MAX_DEPTH
        for prop, sub in properties.items():
            if deep and prop not in required:
                continue
            if isinstance(sub, dict):
                if mode == "response" and sub.get("writeOnly") is True and prop not in required:
                    continue
                if mode == "request" and sub.get("readOnly") is True and prop not in required:
                    continue
            value = self.generate(sub, rng, name=prop, mode=mode, depth=depth + 1)
            if value is OMIT:
                if prop in required:
                    result[prop] = None if _allows_null(sub) else {}
                continue
            result[prop] = value
        for prop in required:
            if prop not in result:
                additional = schema.get("additionalProperties")
                sub = additional if isinstance(additional, dict) else {}
                value = self.generate(sub, rng, name=prop, mode=mode, depth=depth + 1)
                result[prop] = None if value is OMIT else value
        minimum = schema.get("minProperties")
        additional = schema.get("additionalProperties")
        if not properties and isinstance(additional, dict) and additional and not deep:
            count = max(1, minimum if isinstance(minimum, int) else 1)
            for number in range(count):
                value = self.generate(additional, rng, name="value", mode=mode, depth=depth + 1)
                if value is not OMIT:
                    result[f"key{number + 1}"] = value
        elif isinstance(minimum, int) and len(result) < minimum and additional is not False:
            for number in range(minimum - len(result)):
                result[f"key{number + 1}"] = self._string({}, rng, "value")
        return result

    def _array(self, schema: dict[str, Any], rng: random.Random, name: str | None, mode: str, depth: int) -> Any:
        items = schema.get("items")
        if isinstance(schema.get("prefixItems"), list):
            prefix = [self.generate(s, rng, name=name, mode=mode, depth=depth + 1) for s in schema["prefixItems"]]
            return [None if v is OMIT else v for v in prefix]
        low = _int(schema.get("minItems"), 0)
        high = _int(schema.get("maxItems"), None)
        count = max(low, 1 if depth < 4 else 0)
        if high is not None:
            count = min(count, high)
        if isinstance(items, dict) and items.get(RECURSIVE):
            count = low
        unique = schema.get("uniqueItems") is True
        result: list[Any] = []
        tries = 0
        while len(result) < count and tries < count * 5 + 5:
            tries += 1
            value = self.generate(items if items is not None else {}, rng, name=name, mode=mode, depth=depth + 1,
                                  use_examples=not unique or tries == 1)  # fmt: skip
            if value is OMIT:
                value = {}
            if unique and value in result:
                continue
            result.append(value)
        return result

    # ------------------------------------------------------------------ numbers

    def _bounds(self, schema: dict[str, Any], step: float) -> tuple[float | None, float | None]:
        low = schema.get("minimum")
        high = schema.get("maximum")
        low = low if isinstance(low, (int, float)) and not isinstance(low, bool) else None
        high = high if isinstance(high, (int, float)) and not isinstance(high, bool) else None
        exclusive_low, exclusive_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if exclusive_low is True and low is not None:
            low += step
        elif isinstance(exclusive_low, (int, float)) and not isinstance(exclusive_low, bool):
            low = exclusive_low + step if low is None else max(low, exclusive_low + step)
        if exclusive_high is True and high is not None:
            high -= step
        elif isinstance(exclusive_high, (int, float)) and not isinstance(exclusive_high, bool):
            high = exclusive_high - step if high is None else min(high, exclusive_high - step)
        return low, high

    def _integer(self, schema: dict[str, Any], rng: random.Random) -> int:
        low, high = self._bounds(schema, 1)
        fmt = schema.get("format")
        if fmt == "int32":
            low = -(2**31) if low is None else low
            high = 2**31 - 1 if high is None else high
        low_i = math.ceil(low) if low is not None else None
        high_i = math.floor(high) if high is not None else None
        if low_i is None and high_i is None:
            low_i, high_i = 1, 1000
        elif low_i is None:
            assert high_i is not None
            low_i = min(high_i, 1) if high_i >= 1 else high_i - 1000
            low_i = max(low_i, high_i - 1000)
        elif high_i is None:
            high_i = low_i + 1000
        else:
            high_i = min(high_i, low_i + 1000) if low_i >= 0 or high_i - low_i > 100000 else high_i
        if high_i < low_i:
            return low_i
        multiple = schema.get("multipleOf")
        if isinstance(multiple, (int, float)) and not isinstance(multiple, bool) and multiple > 0:
            first, last = math.ceil(low_i / multiple), math.floor(high_i / multiple)
            if last >= first:
                return int(rng.randint(first, last) * multiple)
        return rng.randint(low_i, high_i)

    def _number(self, schema: dict[str, Any], rng: random.Random) -> float | int:
        low, high = self._bounds(schema, 0.01)
        if low is None and high is None:
            low, high = 0.0, 1000.0
        elif low is None:
            assert high is not None
            low = high - 1000.0
        elif high is None:
            high = low + 1000.0
        if high < low:
            return low
        multiple = schema.get("multipleOf")
        if isinstance(multiple, (int, float)) and not isinstance(multiple, bool) and multiple > 0:
            first, last = math.ceil(low / multiple), math.floor(high / multiple)
            if last >= first:
                value = rng.randint(first, last) * multiple
                return round(value, 10) if isinstance(value, float) else value
        value = round(rng.uniform(low, high), 2)
        return min(max(value, low), high)

    # ------------------------------------------------------------------ strings

    def _string(self, schema: dict[str, Any], rng: random.Random, name: str | None) -> str:
        min_length = _int(schema.get("minLength"), 0)
        max_length = _int(schema.get("maxLength"), None)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            text = generate_matching(pattern, rng, min_length=min_length, max_length=max_length)
            if text is not None:
                return text
        fmt = schema.get("format")
        text = _formatted(fmt, rng) if isinstance(fmt, str) else None
        if text is None:
            text = _named(name, rng)
        if len(text) < min_length:
            text = text + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(min_length - len(text)))
        if max_length is not None and len(text) > max_length:
            text = text[:max_length]
        return text


def _int(value: Any, default: Any) -> Any:
    """``value`` when it is an integer (not a boolean), else ``default``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        options = [k for k in kind if k != "null"]
        return str(options[0]) if options else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema or "required" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "string"


def _allows_null(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return True
    kind = schema.get("type")
    if schema.get("nullable") is True or kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    return kind is None and "enum" not in schema and "properties" not in schema


def _merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """``allOf`` folded into one schema (properties and required united, the rest last wins)."""
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf") or []:
        if not isinstance(part, dict):
            continue
        if "allOf" in part:
            part = _merge_all_of(part)
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required" and isinstance(value, list):
                merged["required"] = list(dict.fromkeys([*merged.get("required", []), *value]))
            elif key in ("example", "examples", "type") and key in merged:
                continue  # the outer schema's own example, and the first type given, win
            else:
                merged[key] = value
    return merged


def _timestamp(rng: random.Random) -> _dt.datetime:
    return BASE_TIME + _dt.timedelta(seconds=rng.randint(0, 365 * 24 * 3600))


def _formatted(fmt: str, rng: random.Random) -> str | None:
    fmt = fmt.lower()
    if fmt == "date-time":
        return _timestamp(rng).strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "date":
        return _timestamp(rng).strftime("%Y-%m-%d")
    if fmt == "time":
        return _timestamp(rng).strftime("%H:%M:%SZ")
    if fmt in ("email", "idn-email"):
        return f"{rng.choice(_WORDS)}.{rng.choice(_WORDS)}@example.com"
    if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference", "uri-template"):
        return f"https://example.com/{rng.choice(_WORDS)}/{rng.randrange(16**8):08x}"
    if fmt in ("hostname", "idn-hostname"):
        return f"{rng.choice(_WORDS)}.example.com"
    if fmt == "ipv4":
        return f"192.0.2.{rng.randint(1, 254)}"
    if fmt == "ipv6":
        return f"2001:db8::{rng.randrange(16**4):x}"
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "byte":
        return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(12))).decode("ascii")
    if fmt == "binary":
        return f"binary-{rng.randrange(16**6):06x}"
    if fmt == "password":
        return f"secret-{rng.randrange(16**8):08x}"
    if fmt == "duration":
        return f"PT{rng.randint(1, 59)}M"
    if fmt in ("int32", "int64", "integer"):
        return str(rng.randint(1, 100000))
    if fmt in ("double", "float", "number", "decimal"):
        return f"{rng.uniform(0, 1000):.2f}"
    if fmt in ("phone", "phone-number", "e164", "tel"):
        return f"+1415555{rng.randint(0, 9999):04d}"
    if fmt == "json-pointer":
        return f"/{rng.choice(_WORDS)}"
    if fmt == "regex":
        return "^[a-z]+$"
    return None


def _named(name: str | None, rng: random.Random) -> str:
    """A plain string, shaped by its property name when that name says what it holds."""
    key = normalize_name(name or "")
    raw = name or ""
    if raw.endswith(("Id", "_id", "-id", "ID", "Sid", "_sid")) or key in ("id", "sid", "uuid", "key", "token", "ref"):
        return f"{rng.randrange(16**12):012x}"
    if "email" in key:
        return f"{rng.choice(_WORDS)}@example.com"
    if key.endswith(("url", "uri", "href", "link")) or key in ("website", "homepage"):
        return f"https://example.com/{rng.choice(_WORDS)}"
    if "phone" in key:
        return f"+1415555{rng.randint(0, 9999):04d}"
    if key in ("currency", "currencycode"):
        return rng.choice(("USD", "EUR", "GBP"))
    if key in ("country", "countrycode"):
        return rng.choice(("US", "GB", "FR", "DE"))
    if key.endswith("date") or (key.endswith(("createdat", "updatedat", "modifiedat"))):
        return _timestamp(rng).strftime("%Y-%m-%dT%H:%M:%SZ")
    word = rng.choice(_WORDS)
    return f"{word} {rng.randint(1, 999)}" if key else word
