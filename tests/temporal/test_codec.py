"""Sealed values and the payload codec (arazzo_runner.temporal.codec): what keeps secrets out of
Temporal's history in clear.  No Temporal server: the converter and codec run in-process."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import pytest

if os.environ.get("ARAZZO_REQUIRE_TEMPORAL") != "1":  # required: the import below fails the run
    pytest.importorskip("temporalio", reason="the temporalio package is not importable: pip install -e '.[test]'")
    pytest.importorskip("cryptography", reason="the cryptography package is not importable: pip install -e '.[test]'")

from temporalio.api.common.v1 import Payload  # noqa: E402 - after the skip when it is missing

from arazzo_runner.errors import UsageError  # noqa: E402
from arazzo_runner.temporal.codec import (  # noqa: E402
    COMPRESS_OVER,
    KEY_VARIABLE,
    Sealed,
    SealingCodec,
    data_converter,
    key_from_environment,
)

KEY = "correct horse battery staple 42"
OTHER_KEY = "another key, also long enough"
SECRET = "s3cr3t-client-secret-value"
VALUE = {"inputs": {"clientId": "c-1", "clientSecret": SECRET, "nested": [1, None, {"a": "é"}]}, "headers": []}


def to_payloads(key: str | None, *values: Any) -> list[Payload]:
    return list(data_converter(key).payload_converter.to_payloads(list(values)))


def encode(key: str | None, payloads: list[Payload]) -> list[Payload]:
    codec = data_converter(key).payload_codec
    assert isinstance(codec, SealingCodec)
    return asyncio.run(codec.encode(payloads))


def decode_values(key: str | None, payloads: list[Payload]) -> list[Any]:
    converter = data_converter(key)
    assert converter.payload_codec is not None
    plain = asyncio.run(converter.payload_codec.decode(payloads))
    return list(converter.payload_converter.from_payloads(plain))


def key_id(key: str) -> str:
    codec = SealingCodec(key)
    assert codec.key_id is not None
    return codec.key_id


# ----------------------------------------------------------------------------- with a key


def test_a_sealed_payload_is_encrypted_with_the_key() -> None:
    [payload] = to_payloads(KEY, Sealed(VALUE))
    assert payload.metadata["encoding"] == b"json/arazzo-sealed"
    assert SECRET.encode() in payload.data  # before the codec: plain JSON

    [encoded] = encode(KEY, [payload])
    assert encoded.metadata["encoding"] == b"binary/arazzo-encrypted"
    assert encoded.metadata["key-id"] == key_id(KEY).encode()
    assert len(key_id(KEY)) == 8
    wire = encoded.SerializeToString()
    for plain in (SECRET, "clientSecret", "c-1", "json/arazzo-sealed"):
        assert plain.encode() not in wire
    assert decode_values(KEY, [encoded]) == [Sealed(VALUE)]


def test_each_encryption_differs_and_each_decodes() -> None:
    payloads = to_payloads(KEY, Sealed(VALUE))
    first, second = encode(KEY, payloads)[0], encode(KEY, payloads)[0]
    assert first.data != second.data  # a fresh nonce each time
    assert decode_values(KEY, [first]) == decode_values(KEY, [second]) == [Sealed(VALUE)]


@pytest.mark.parametrize(
    "value",
    [None, "", SECRET, 0, [1, [2]], {"$type": "MISSING"}, {"big": "x" * (2 * COMPRESS_OVER)}],
    ids=["null", "empty", "string", "zero", "nested", "marks", "large"],
)
def test_sealed_values_come_back_identical(value: Any) -> None:
    encoded = encode(KEY, to_payloads(KEY, Sealed(value)))
    assert encoded[0].metadata["encoding"] == b"binary/arazzo-encrypted"
    assert decode_values(KEY, encoded) == [Sealed(value)]


def test_another_key_is_refused_naming_the_variable_and_both_key_ids() -> None:
    encoded = encode(KEY, to_payloads(KEY, Sealed(VALUE)))
    with pytest.raises(ValueError) as refused:
        decode_values(OTHER_KEY, encoded)
    message = str(refused.value)
    assert KEY_VARIABLE in message
    assert key_id(KEY) in message and key_id(OTHER_KEY) in message
    assert key_id(KEY) != key_id(OTHER_KEY)
    assert SECRET not in message


def test_no_key_refuses_an_encrypted_payload_saying_why() -> None:
    encoded = encode(KEY, to_payloads(KEY, Sealed(VALUE)))
    with pytest.raises(ValueError) as refused:
        decode_values(None, encoded)
    message = str(refused.value)
    assert f"{KEY_VARIABLE} is not set" in message
    assert key_id(KEY) in message


def test_a_key_id_is_the_same_for_the_same_key() -> None:
    assert SealingCodec(KEY).key_id == SealingCodec(KEY).key_id
    assert SealingCodec(None).key_id is None
    assert SealingCodec("").key_id is None


# ----------------------------------------------------------------------------- without a key


def test_without_a_key_sealed_payloads_stay_plain_json() -> None:
    [encoded] = encode(None, to_payloads(None, Sealed(VALUE)))
    assert encoded.metadata["encoding"] == b"json/arazzo-sealed"
    assert json.loads(encoded.data) == VALUE
    assert decode_values(None, [encoded]) == [Sealed(VALUE)]


@pytest.mark.parametrize("key", [KEY, None], ids=["key", "no-key"])
@pytest.mark.parametrize(
    "value", [{"bundle": {"entry": "file:///x.yml"}, "workflowId": "w"}, "text", 3, None], ids=repr
)
def test_a_plain_payload_is_never_encrypted(key: str | None, value: Any) -> None:
    [payload] = to_payloads(key, value)
    [encoded] = encode(key, [payload])
    assert encoded == payload
    assert encoded.metadata["encoding"] != b"binary/arazzo-encrypted"
    assert decode_values(key, [encoded]) == [value]


def test_a_plain_payload_of_a_sealed_looking_value_stays_plain() -> None:
    # a dict that merely looks like Sealed's content is not sealed
    [encoded] = encode(KEY, to_payloads(KEY, {"value": SECRET}))
    assert encoded.metadata["encoding"] == b"json/plain"
    assert SECRET.encode() in encoded.data


# ----------------------------------------------------------------------------- compression


@pytest.mark.parametrize("key", [KEY, None], ids=["key", "no-key"])
def test_a_payload_over_compress_over_is_compressed_and_comes_back_identical(key: str | None) -> None:
    document = {"files": {f"file:///doc{i}.yml": {"text": "openapi: 3.1.0\n" * 400} for i in range(20)}}
    [payload] = to_payloads(key, document)
    assert payload.ByteSize() > COMPRESS_OVER
    [encoded] = encode(key, [payload])
    assert encoded.metadata["encoding"] == b"binary/arazzo-zlib"
    assert encoded.ByteSize() < payload.ByteSize() // 10
    [decoded] = asyncio.run(SealingCodec(key).decode([encoded]))
    assert decoded == payload
    assert decode_values(key, [encoded]) == [document]


def payload_of_size(size: int) -> Payload:
    """A payload of exactly ``size`` bytes serialized (a length varint may jump a byte: pad the
    metadata instead then)."""
    for pad in range(8):
        for length in range(size - 64, size):
            payload = Payload(metadata={"encoding": b"binary/plain", "pad": b"p" * pad}, data=b"a" * length)
            if payload.ByteSize() == size:
                return payload
    raise AssertionError(f"no payload of {size} bytes")


def test_a_payload_of_exactly_compress_over_bytes_is_left_alone() -> None:
    payload = payload_of_size(COMPRESS_OVER)
    assert encode(None, [payload]) == [payload]
    over = payload_of_size(COMPRESS_OVER + 1)
    [encoded] = encode(None, [over])
    assert encoded.metadata["encoding"] == b"binary/arazzo-zlib"
    assert asyncio.run(SealingCodec(None).decode([encoded])) == [over]


def test_a_large_sealed_payload_without_a_key_is_compressed_not_encrypted() -> None:
    value = {"big": SECRET * 5000}
    [encoded] = encode(None, to_payloads(None, Sealed(value)))
    assert encoded.metadata["encoding"] == b"binary/arazzo-zlib"
    assert decode_values(None, [encoded]) == [Sealed(value)]


def test_several_payloads_keep_their_order() -> None:
    values = [{"bundle": "public"}, Sealed(VALUE), "x" * (COMPRESS_OVER + 1)]
    encoded = encode(KEY, to_payloads(KEY, *values))
    assert [p.metadata["encoding"] for p in encoded] == [
        b"json/plain",
        b"binary/arazzo-encrypted",
        b"binary/arazzo-zlib",
    ]
    assert decode_values(KEY, encoded) == values


# ----------------------------------------------------------------------------- the key in the environment


@pytest.mark.parametrize(
    "setting, expected",
    [
        (None, None),
        ("", None),
        ("k" * 16, "k" * 16),
        (KEY, KEY),
        ("x" * 200, "x" * 200),
    ],
    ids=["unset", "empty", "16-characters", "phrase", "long"],
)
def test_key_from_environment(monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: str | None) -> None:
    if setting is None:
        monkeypatch.delenv(KEY_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(KEY_VARIABLE, setting)
    assert key_from_environment() == expected


@pytest.mark.parametrize("short", ["a", "k" * 15])
def test_a_short_key_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, short: str) -> None:
    monkeypatch.setenv(KEY_VARIABLE, short)
    with pytest.raises(UsageError) as refused:
        key_from_environment()
    assert f"{KEY_VARIABLE} is {len(short)} characters long" in refused.value.message
    assert "at least 16" in refused.value.message
    assert refused.value.exit_code == 2
