"""The reports of a test suite: JUnit, HTML, CTRF, HAR, Markdown and JSON.

Each kind is a module ``reports/<kind>.py`` with ``render(report) -> str``, imported only when
that kind is written (``arazzo test`` without reports imports none of them).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Union

from ..errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from ..suite.outcome import TestReport

__all__ = ["KINDS", "render", "write_report"]

KINDS = ("junit", "html", "ctrf", "har", "markdown", "json")

Target = Union[str, Path, IO[str]]


def render(kind: str, report: TestReport) -> str:
    """The text of the ``kind`` report of ``report``."""
    if kind not in KINDS:
        raise UsageError(f"unknown report kind {kind!r}: use one of {', '.join(KINDS)}")
    module = importlib.import_module(f"{__name__}.{kind}")
    text: str = module.render(report)
    return text


def write_report(kind: str, report: TestReport, target: Target) -> None:
    """Write the ``kind`` report of ``report`` to ``target``: a path, ``"-"`` (stdout) or a
    text stream.  A file is replaced whole (written beside it, then renamed), so a reader never
    sees half a report.  The markdown report is also appended to ``$GITHUB_STEP_SUMMARY`` when
    that is set, as GitHub Actions asks."""
    if kind not in KINDS:
        raise UsageError(f"unknown report kind {kind!r}: use one of {', '.join(KINDS)}")
    path = None if not isinstance(target, (str, Path)) or str(target) == "-" else Path(target)
    if path is not None:
        _check_target(kind, path)
    text = render(kind, report)
    if path is None:
        stream = sys.stdout if isinstance(target, (str, Path)) else target
        stream.write(_encodable(kind, text, stream))
        stream.flush()
    else:
        _replace(path, text)
    if kind == "markdown":
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                with open(summary, "a", encoding="utf-8") as handle:
                    handle.write(text if text.endswith("\n") else text + "\n")
            except OSError as exc:
                raise UsageError(
                    f"cannot append the markdown report to GITHUB_STEP_SUMMARY {summary}: {exc.strerror}"
                ) from None


def _encodable(kind: str, text: str, stream: IO[str]) -> str:
    """``text`` as ``stream`` can encode it (a terminal that is not UTF-8): escaped as the
    format allows, so the report stays valid rather than failing at its last write."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        pass
    if kind in ("json", "ctrf", "har"):
        return json.dumps(json.loads(text), indent=2, ensure_ascii=True) + "\n"
    errors = "xmlcharrefreplace" if kind in ("junit", "html") else "backslashreplace"
    try:
        return text.encode(encoding, errors=errors).decode(encoding)
    except LookupError:
        return text.encode("ascii", errors=errors).decode("ascii")


def _check_target(kind: str, path: Path) -> None:
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write the {kind} report to {path}: directory {parent} does not exist")
    if path.is_dir():
        raise UsageError(f"cannot write the {kind} report to {path}: it is a directory")


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777  # keep the mode of the report it replaces
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def _replace(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, _mode(path))  # mkstemp makes it private; a report is an ordinary file
        os.replace(temporary, path)
    except OSError as exc:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise UsageError(f"cannot write the report {path}: {exc.strerror or exc}") from None
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
