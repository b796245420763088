"""What keeps secrets out of Temporal's history in clear: sealed values and the payload codec.

A value wrapped in :class:`Sealed` (``format: password`` inputs, ``-H`` headers, and the
state a run carries from step to step: its inputs, step outputs, cookies and the secrets it
met) becomes a payload of its own encoding, ``json/arazzo-sealed``.  The codec encrypts
exactly those with AES-256-GCM under a key derived from ``ARAZZO_TEMPORAL_KEY`` (set on the
client and on every worker), so the Temporal UI shows what a run did (its redacted requests
and results) but never what it holds.  Without a key sealed payloads stay JSON: ``arazzo run
--temporal`` refuses runs with password inputs then (docs/temporal.md).  Payloads over
:data:`COMPRESS_OVER` bytes (a document sent with its sources) are compressed.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    EncodingPayloadConverter,
    PayloadCodec,
)

from ..errors import UsageError

__all__ = ["Sealed", "KEY_VARIABLE", "SealingCodec", "data_converter", "key_from_environment", "COMPRESS_OVER"]

KEY_VARIABLE = "ARAZZO_TEMPORAL_KEY"
COMPRESS_OVER = 64 * 1024
_SEALED = b"json/arazzo-sealed"
_ENCRYPTED = b"binary/arazzo-encrypted"
_COMPRESSED = b"binary/arazzo-zlib"
_AAD = b"arazzo-temporal-sealed-v1"


@dataclass(frozen=True)
class Sealed:
    """A JSON value that travels encrypted when a key is set."""

    value: Any


class _SealedConverter(EncodingPayloadConverter):
    @property
    def encoding(self) -> str:
        return _SEALED.decode()

    def to_payload(self, value: Any) -> Payload | None:
        if not isinstance(value, Sealed):
            return None
        data = json.dumps(value.value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return Payload(metadata={"encoding": _SEALED}, data=data)

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        return Sealed(json.loads(payload.data))


class PayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, and :class:`Sealed` first."""

    def __init__(self) -> None:
        super().__init__(_SealedConverter(), *DefaultPayloadConverter.default_encoding_payload_converters)


def _derive(key: str) -> bytes:
    return hashlib.sha256(b"arazzo-temporal-key\0" + key.encode("utf-8")).digest()


class SealingCodec(PayloadCodec):
    """Encrypts sealed payloads (when it has a key) and compresses large ones."""

    def __init__(self, key: str | None) -> None:
        self._key = _derive(key) if key else None
        self.key_id = hashlib.sha256(self._key).hexdigest()[:8] if self._key else None

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encode(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decode(payload) for payload in payloads]

    def _encode(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") == _SEALED and self._key is not None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            nonce = os.urandom(12)
            sealed = AESGCM(self._key).encrypt(nonce, zlib.compress(payload.SerializeToString()), _AAD)
            assert self.key_id is not None
            return Payload(metadata={"encoding": _ENCRYPTED, "key-id": self.key_id.encode()}, data=nonce + sealed)
        if payload.ByteSize() > COMPRESS_OVER:
            return Payload(metadata={"encoding": _COMPRESSED}, data=zlib.compress(payload.SerializeToString()))
        return payload

    def _decode(self, payload: Payload) -> Payload:
        encoding = payload.metadata.get("encoding")
        if encoding == _COMPRESSED:
            return Payload.FromString(zlib.decompress(payload.data))
        if encoding != _ENCRYPTED:
            return payload
        key_id = payload.metadata.get("key-id", b"").decode()
        if self._key is None:
            raise ValueError(
                f"a payload is encrypted (key id {key_id}) but {KEY_VARIABLE} is not set in this process: "
                "set the same key on the client and every worker"
            )
        if key_id != self.key_id:
            raise ValueError(
                f"a payload is encrypted with another {KEY_VARIABLE} (key id {key_id}; this process has {self.key_id})"
            )
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            plain = AESGCM(self._key).decrypt(payload.data[:12], payload.data[12:], _AAD)
        except InvalidTag:
            raise ValueError(
                f"a payload encrypted with key id {key_id} does not decrypt with this process's {KEY_VARIABLE}: "
                "it was altered, or made with another key"
            ) from None
        return Payload.FromString(zlib.decompress(plain))


def key_from_environment() -> str | None:
    """``ARAZZO_TEMPORAL_KEY``, or None when unset or empty; a short key is a UsageError."""
    key = os.environ.get(KEY_VARIABLE) or None
    if key is not None and len(key) < 16:
        raise UsageError(
            f"{KEY_VARIABLE} is {len(key)} characters long: use a random key of at least 16 "
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return key


def data_converter(key: str | None) -> DataConverter:
    """The data converter of clients and workers: :class:`Sealed` payloads, and the codec."""
    return DataConverter(payload_converter_class=PayloadConverter, payload_codec=SealingCodec(key))
