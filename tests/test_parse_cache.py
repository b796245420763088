"""The parse cache is private and an entry is used only for the content it stands for."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from arazzo_runner.loading import parse_cache
from arazzo_runner.loading.files import CACHE_MIN_BYTES, parse_cached

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and owners are POSIX")


def _document(label: str) -> bytes:
    """A YAML document large enough to be cached, whose data names ``label``."""
    lines = [f"label: {label}"] + [f"key{number}: value {number} of {label}" for number in range(12_000)]
    raw = ("\n".join(lines) + "\n").encode()
    assert len(raw) >= CACHE_MIN_BYTES
    return raw


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache" / "parse"
    monkeypatch.setenv("ARAZZO_CACHE_DIR", str(directory))
    monkeypatch.delenv("ARAZZO_NO_CACHE", raising=False)
    return directory


def _entry(directory: Path, raw: bytes) -> Path:
    return Path(parse_cache.entry_path(str(directory), parse_cache.content_digest(raw)))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_new_cache_is_private(cache: Path) -> None:
    raw = _document("a")
    assert parse_cached(raw, "doc.yaml").data["label"] == "a"
    entry = _entry(cache, raw)
    assert entry.is_file()
    assert (_mode(cache), _mode(entry.parent), _mode(entry)) == (0o700, 0o700, 0o600)
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]  # no temporary file left behind
    # the second read comes from the entry
    assert parse_cached(raw, "doc.yaml").data["key11999"] == "value 11999 of a"


@posix_only
def test_loose_directories_are_tightened_and_loose_entries_ignored(cache: Path) -> None:
    raw = _document("a")
    entry = _entry(cache, raw)
    parse_cache.write_entry(str(cache), _document("other"), parse_cache.content_digest(raw), {"label": "forged"})
    os.chmod(cache, 0o755)
    os.chmod(entry.parent, 0o777)
    os.chmod(entry, 0o644)
    assert parse_cached(raw, "doc.yaml").data["label"] == "a"
    assert (_mode(cache), _mode(entry.parent), _mode(entry)) == (0o700, 0o700, 0o600)
    assert parse_cache.read_entry(str(cache), raw, parse_cache.content_digest(raw))["label"] == "a"


@posix_only
def test_a_readable_entry_left_by_an_old_version_is_ignored(cache: Path) -> None:
    raw = _document("a")
    parse_cached(raw, "doc.yaml")
    entry = _entry(cache, raw)
    os.chmod(entry, 0o644)  # others could read it: it is no longer private, so not trusted
    assert parse_cache.read_entry(str(cache), raw, parse_cache.content_digest(raw)) is parse_cache.MISSING


@posix_only
def test_a_shared_sticky_directory_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    monkeypatch.setenv("ARAZZO_CACHE_DIR", str(shared))
    monkeypatch.delenv("ARAZZO_NO_CACHE", raising=False)
    assert parse_cached(_document("a"), "doc.yaml").data["label"] == "a"
    assert list(shared.iterdir()) == []
    assert _mode(shared) == 0o1777  # left as it was


def test_an_entry_for_other_content_is_ignored_and_replaced(cache: Path) -> None:
    raw, other = _document("a"), _document("b")
    parse_cached(other, "other.yaml")
    entry = _entry(cache, raw)
    entry.parent.mkdir(parents=True, exist_ok=True)
    # a well-formed entry, but recorded for the content of another file, under this file's name
    os.replace(_entry(cache, other), entry)
    assert parse_cached(raw, "doc.yaml").data["label"] == "a"
    assert parse_cache.read_entry(str(cache), raw, parse_cache.content_digest(raw))["label"] == "a"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda blob: blob[: len(blob) // 2], id="truncated"),
        pytest.param(lambda blob: blob[:-40] + b"\x00" * 40, id="payload-changed"),
        pytest.param(lambda blob: b"garbage", id="garbage"),
        pytest.param(lambda blob: b"", id="empty"),
        pytest.param(lambda blob: b"arazzo-runner-parse-1\n" + blob.split(b"\n", 2)[2], id="old-format"),
        pytest.param(lambda blob: blob.replace(b"\n", b" ", 2), id="no-header-end"),
    ],
)
def test_a_corrupt_entry_is_ignored_and_replaced(cache: Path, damage: object) -> None:
    raw = _document("a")
    parse_cached(raw, "doc.yaml")
    entry = _entry(cache, raw)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert parse_cached(raw, "doc.yaml").data["label"] == "a"
    assert parse_cache.read_entry(str(cache), raw, parse_cache.content_digest(raw))["key5"] == "value 5 of a"


def test_a_cache_that_cannot_be_written_does_not_fail_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("ARAZZO_CACHE_DIR", str(blocker / "parse"))
    monkeypatch.delenv("ARAZZO_NO_CACHE", raising=False)
    assert parse_cached(_document("a"), "doc.yaml").data["label"] == "a"
