"""The on-disk parse cache: the data of a large YAML file, kept under a hash of its content.

The cache is private and never trusted blindly:

* its directories are ``0700`` and its entries ``0600``; a directory that already exists
  with looser modes is tightened when it belongs to the current user, and not used at all
  when it belongs to someone else or is a shared sticky directory such as ``/tmp``;
* an entry is written to a temporary file (created ``0600``, never following a link) and
  renamed into place, so a reader sees a whole entry or none;
* an entry records the identity of the content it stands for (its BLAKE2b digest and size)
  and a digest of its own payload: an entry for other content, a damaged or truncated one,
  one in another format, or one that another user owns or could have written, is ignored
  and replaced.

Entries hold plain data serialised with :mod:`marshal` (no code is run to read them,
unlike pickle).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import secrets
import stat
from typing import Any

__all__ = ["MISSING", "content_digest", "read_entry", "write_entry", "entry_path"]

log = logging.getLogger(__name__)

FORMAT = b"arazzo-runner-parse-2\n"
MISSING: Any = object()

_POSIX = os.name == "posix"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def content_digest(raw: bytes) -> str:
    """The hex digest that names (and identifies) the entry of ``raw``."""
    return hashlib.blake2b(raw, digest_size=20).hexdigest()


def entry_path(directory: str, digest: str) -> str:
    return os.path.join(directory, digest[:2], digest + ".marshal")


def _header(digest: str, size: int, payload: bytes) -> bytes:
    payload_digest = hashlib.blake2b(payload, digest_size=20).hexdigest()
    return f"{digest} {size} {payload_digest} {len(payload)}\n".encode("ascii")


def read_entry(directory: str, raw: bytes, digest: str) -> Any:
    """The cached data of ``raw``, or :data:`MISSING` when there is no trustworthy entry."""
    if not _private_directory(directory, create=False):
        return MISSING
    entry = entry_path(directory, digest)
    if not _private_directory(os.path.dirname(entry), create=False):
        return MISSING
    try:
        descriptor = os.open(entry, os.O_RDONLY | _NOFOLLOW | _BINARY)
    except OSError:
        return MISSING
    try:
        with os.fdopen(descriptor, "rb") as handle:
            if not _private_file(os.fstat(handle.fileno())):
                log.debug("ignoring parse cache entry %s: not private to this user", entry)
                return MISSING
            blob = handle.read()
    except OSError:
        return MISSING
    return _decode(blob, raw, digest, entry)


def _decode(blob: bytes, raw: bytes, digest: str, entry: str) -> Any:
    if not blob.startswith(FORMAT):
        log.debug("ignoring parse cache entry %s: another format", entry)
        return MISSING
    end = blob.find(b"\n", len(FORMAT))
    if end < 0:
        return MISSING
    header = blob[len(FORMAT) : end + 1]
    payload = blob[end + 1 :]
    if header != _header(digest, len(raw), payload):
        log.debug("ignoring parse cache entry %s: it stands for other content or is damaged", entry)
        return MISSING
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        log.debug("ignoring a damaged parse cache entry %s", entry)
        return MISSING


def write_entry(directory: str, raw: bytes, digest: str, data: Any) -> None:
    """Store ``data`` as the entry of ``raw``; a failure is logged, never raised."""
    entry = entry_path(directory, digest)
    temporary = f"{entry}.{secrets.token_hex(8)}.tmp"
    try:
        payload = marshal.dumps(data)
        if not _private_directory(directory, create=True):
            return
        if not _private_directory(os.path.dirname(entry), create=True):
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
        descriptor = os.open(temporary, flags, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(FORMAT + _header(digest, len(raw), payload) + payload)
            os.replace(temporary, entry)
        except BaseException:
            _remove(temporary)
            raise
    except (OSError, ValueError) as exc:  # a cache is an optimisation: never fail a load for it
        log.debug("could not write the parse cache entry %s: %s", entry, exc)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _private_directory(path: str, *, create: bool) -> bool:
    """Whether ``path`` is a directory only this user can use (tightened or made so if asked)."""
    try:
        return _ensure_private(path, create)
    except OSError as exc:
        log.debug("not using the parse cache %s: %s", path, exc)
        return False


def _ensure_private(path: str, create: bool) -> bool:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not create:
            return False
        parent = os.path.dirname(path)
        if parent and parent != path and not os.path.isdir(parent):
            os.makedirs(parent, mode=0o700, exist_ok=True)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        info = os.stat(path)
    if not stat.S_ISDIR(info.st_mode):
        log.debug("not using the parse cache %s: not a directory", path)
        return False
    if not _POSIX:
        return True
    if info.st_uid != os.getuid() or info.st_mode & stat.S_ISVTX:
        log.debug("not using the parse cache %s: it belongs to another user or is shared", path)
        return False
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return True


def _private_file(info: os.stat_result) -> bool:
    if not stat.S_ISREG(info.st_mode):
        return False
    if not _POSIX:
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o077
