"""Cases files: the named runs of workflows a suite checks, with what each run must produce.

A cases file (``*.cases.yaml``, ``*.cases.yml`` or ``*.cases.json``) is a list of entries::

    - name: adds a number                  # optional; tells cases of one workflow apart
      file: twilio-provision.yml           # the Arazzo document, relative to this cases file
      workflowId: provision-messaging-service-add-number
      inputs: {friendlyName: Support, phoneNumberSid: PN0123...}
      expect:                              # optional; by default the run must succeed
        status: succeeded                  # or failed
        outputs:
          friendlyName: Support            # an exact JSON value (null is not a missing output)
          serviceSid: {regex: ^MG}         # an ECMA-262 regex searched in the output's text

Every mistake (an unknown key, a wrong type, a missing ``workflowId`` or ``file``, a regex
that does not compile) is a :class:`~arazzo_runner.errors.DocumentError` whose location
points at the offending entry, key or value.  A mapping with the single key ``regex`` is
always a matcher; to expect such an object exactly, there is no spelling (none is needed in
practice).

Discovery (:func:`discover`): without explicit cases files, every cases file below the given
directories (recursively, skipping hidden directories as ``validate DIR`` does) and beside the
given files is read.  Which cases apply to which documents is decided in :mod:`.collect`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import DocumentError, ExpressionError, Location
from ..model_fields import describe
from .outcome import Expectation

__all__ = ["CASES_SUFFIXES", "CaseEntry", "is_cases_file", "discover", "read_cases", "is_matcher", "suggest"]

CASES_SUFFIXES = (".cases.yaml", ".cases.yml", ".cases.json")
STATUSES = ("succeeded", "failed")
_ENTRY_KEYS = ("name", "file", "workflowId", "inputs", "expect")
_EXPECT_KEYS = ("status", "outputs")

Position = tuple[int, int]


@dataclass(frozen=True, slots=True)
class CaseEntry:
    """One entry of a cases file, checked: ``document`` is the Arazzo document's path (the
    entry's ``file`` joined to the cases file's directory, normalised); ``location`` is the
    entry itself, ``workflow_location`` its ``workflowId`` value and ``output_locations`` the
    key of each expected output (for errors found once the document is loaded)."""

    cases_file: str
    document: str
    workflow_id: str
    name: Optional[str]
    inputs: Mapping[str, Any]
    expect: Expectation
    location: Location
    workflow_location: Location
    output_locations: Mapping[str, Location]


def is_cases_file(name: str) -> bool:
    """Whether a file name is a cases file's (``*.cases.yaml``, ``.yml`` or ``.json``)."""
    return name.lower().endswith(CASES_SUFFIXES)


def is_matcher(value: Any) -> bool:
    """Whether an expected output value is a ``{regex: PATTERN}`` matcher."""
    return isinstance(value, Mapping) and len(value) == 1 and "regex" in value


def discover(paths: Iterable[str]) -> list[str]:
    """The cases files for ``paths``: below each directory (recursively) and beside each file,
    each once, in sorted order."""
    from ..loading.detect import SKIPPED_DIRECTORIES

    found: dict[str, str] = {}
    for path in paths:
        if os.path.isdir(path):
            for root, directories, files in os.walk(path):
                directories[:] = sorted(
                    d for d in directories if not d.startswith(".") and d not in SKIPPED_DIRECTORIES
                )
                for name in files:
                    if is_cases_file(name):
                        candidate = os.path.join(root, name)
                        found.setdefault(os.path.realpath(candidate), candidate)
        else:
            directory = os.path.dirname(path) or "."
            try:
                names = os.listdir(directory)
            except OSError:
                continue  # the document's own error says what is wrong with its path
            for name in names:
                candidate = os.path.join(directory, name) if directory != "." else name
                if is_cases_file(name) and os.path.isfile(candidate):
                    found.setdefault(os.path.realpath(candidate), candidate)
    return sorted(found.values(), key=os.path.normpath)


def read_cases(path: str) -> list[CaseEntry]:
    """The checked entries of the cases file at ``path`` (raises DocumentError/SourceError)."""
    from ..loading.files import read_file

    parsed = read_file(path)
    reader = _Reader(parsed.name, parsed.position, os.path.dirname(os.path.abspath(path)))
    data = parsed.data
    if not isinstance(data, list):
        raise DocumentError(
            f"a cases file is a list of cases ({{name, file, workflowId, inputs, expect}}), not {describe(data)}",
            reader.at(""),
        )
    return [reader.entry(item, f"/{number}") for number, item in enumerate(data)]


class _Reader:
    """Checks the entries of one cases file, with locations into it."""

    def __init__(self, file: str, position: Callable[..., Optional[Position]], directory: str) -> None:
        self.file = file
        self.position = position
        self.directory = directory

    def at(self, pointer: str) -> Location:
        """The location of the value at ``pointer``."""
        return Location(self.file, pointer, resolver=self.position)

    def key_at(self, pointer: str) -> Location:
        """The location of the key of the value at ``pointer``."""
        return Location(self.file, pointer, resolver=lambda p: self.position(p, key=True))

    def fail(self, message: str, pointer: str, *, key: bool = False) -> DocumentError:
        return DocumentError(message, self.key_at(pointer) if key else self.at(pointer))

    def mapping(self, value: Any, pointer: str, what: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(f"{what} must be a mapping, not {describe(value)}", pointer)
        for key in value:
            if key not in allowed:
                raise self.fail(
                    f"unknown key {key!r} in {what}{suggest(key, allowed)} (allowed: {', '.join(allowed)})",
                    f"{pointer}/{_escape(key)}",
                    key=True,
                )
        return value

    def string(self, entry: Mapping[str, Any], key: str, pointer: str, *, required: bool) -> Optional[str]:
        if key not in entry:
            if required:
                raise self.fail(f"the case has no {key!r} (each case names its {_PURPOSE[key]})", pointer)
            return None
        value = entry[key]
        if not isinstance(value, str) or not value:
            raise self.fail(f"{key!r} must be a non-empty string, not {describe(value)}", f"{pointer}/{key}")
        return value

    def entry(self, item: Any, pointer: str) -> CaseEntry:
        entry = self.mapping(item, pointer, "a case", _ENTRY_KEYS)
        workflow_id = self.string(entry, "workflowId", pointer, required=True)
        file = self.string(entry, "file", pointer, required=True)
        name = self.string(entry, "name", pointer, required=False)
        assert workflow_id is not None and file is not None
        inputs = entry.get("inputs", {})
        if inputs is None:
            inputs = {}
        if not isinstance(inputs, Mapping):
            raise self.fail(
                f"'inputs' must be a mapping of input names to values, not {describe(inputs)}", pointer + "/inputs"
            )
        expect, output_locations = self.expectation(entry.get("expect"), pointer + "/expect")
        return CaseEntry(
            cases_file=self.file,
            document=os.path.normpath(os.path.join(self.directory, file)),
            workflow_id=workflow_id,
            name=name,
            inputs=dict(inputs),
            expect=expect,
            location=self.at(pointer),
            workflow_location=self.at(pointer + "/workflowId"),
            output_locations=output_locations,
        )

    def expectation(self, value: Any, pointer: str) -> tuple[Expectation, Mapping[str, Location]]:
        if value is None:
            return Expectation(), {}
        expect = self.mapping(value, pointer, "'expect'", _EXPECT_KEYS)
        status = expect.get("status", "succeeded")
        if status not in STATUSES:
            shown = repr(status) if isinstance(status, str) else describe(status)
            raise self.fail(f"'status' must be succeeded or failed, not {shown}", pointer + "/status")
        outputs = expect.get("outputs", {})
        if outputs is None:
            outputs = {}
        if not isinstance(outputs, Mapping):
            raise self.fail(
                f"'outputs' must be a mapping of output names to values, not {describe(outputs)}", pointer + "/outputs"
            )
        locations: dict[str, Location] = {}
        for name, expected in outputs.items():
            here = f"{pointer}/outputs/{_escape(name)}"
            locations[name] = self.key_at(here)
            if isinstance(expected, Mapping) and "regex" in expected:
                self.matcher(expected, here)
        return Expectation(status=status, outputs=dict(outputs)), locations

    def matcher(self, value: Mapping[str, Any], pointer: str) -> None:
        if len(value) != 1:
            extra = next(key for key in value if key != "regex")
            raise self.fail(f"a matcher holds only 'regex', not {extra!r}", f"{pointer}/{_escape(extra)}", key=True)
        pattern = value["regex"]
        if not isinstance(pattern, str):
            raise self.fail(
                f"'regex' must be a string (an ECMA-262 pattern), not {describe(pattern)}", pointer + "/regex"
            )
        from ..expressions.regex import compile_ecma

        try:
            compile_ecma(pattern)
        except ExpressionError as error:
            raise self.fail(error.message, pointer + "/regex") from None


_PURPOSE = {"workflowId": "workflow to run", "file": "Arazzo document, relative to the cases file"}


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def suggest(wanted: object, names: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the closest name, or nothing."""
    import difflib  # only for an error message

    close = difflib.get_close_matches(str(wanted), list(names), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
