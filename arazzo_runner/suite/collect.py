"""What a suite runs: the cases of the Arazzo documents found under the given paths.

Each PATH is an Arazzo document or a directory searched recursively for them (by content, as
``arazzo validate DIR`` does).  Documents run in sorted path order, each loaded once; the
workflows of a document run in document order.  A workflow named by cases runs once per case
(in cases-file order); any other workflow runs once, with the inputs its schema fills: for
each property its ``default``, else the first of its ``examples``.  When a required input is
left unfilled the case is skipped and says which inputs to give in a cases file: nothing is
guessed.

Which cases apply (a decision): cases found by discovery (beside the given files, below the
given directories) apply only to the documents among the PATHs; a discovered case naming
another existing document is ignored, and one naming a file that does not exist is an error.
Cases files given explicitly (``--cases``) always run: their documents are loaded even when
they are not among the PATHs, and then only their cases run (the document's other workflows
run only when the document is among the PATHs too).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

from ..errors import DocumentError, UsageError
from .cases import CaseEntry, discover, read_cases, suggest
from .outcome import Case

if TYPE_CHECKING:  # pragma: no cover
    from ..loading.sources import Description
    from ..model import Workflow

__all__ = ["collect", "shown_path", "schema_inputs"]


def shown_path(path: str) -> str:
    """``path`` as a case names its file: relative to the working directory when below it,
    else as given."""
    try:
        relative = os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive on Windows
        return path
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return path
    return relative


def collect(
    paths: Sequence[str],
    cases: Optional[Sequence[str]] = None,
    select: Optional[str] = None,
    *,
    sources: Optional[Mapping[str, str]] = None,
    allow_remote: bool = False,
) -> tuple[list[Case], dict[str, Description]]:
    """The cases to run for ``paths`` (files and directories), in their stable order, and the
    loaded Description of each case's ``file``.

    ``cases``: None discovers cases files; a list of cases files replaces discovery.
    ``select`` keeps the cases whose id contains it.  ``sources`` and ``allow_remote`` load the
    documents as :func:`arazzo_runner.load` does (a redirect applies to the documents that
    declare its source).  Raises UsageError for a PATH that is missing or holds no Arazzo
    document, DocumentError for a cases file that is wrong (with its location), and the
    document's own ArazzoError for one that does not load.
    """
    paths = [str(path) for path in paths]
    if not paths and not cases:
        raise UsageError("name at least one Arazzo document or directory (or a cases file)")
    documents = _documents(paths)
    among_paths = set(documents)
    explicit = cases is not None
    entries = [
        entry for file in (list(cases or ()) if explicit else discover(paths)) for entry in read_cases(str(file))
    ]
    by_document: dict[str, list[CaseEntry]] = {}
    for entry in entries:
        key = os.path.realpath(entry.document)
        if key not in documents:
            if not os.path.isfile(entry.document):
                raise DocumentError(f"no Arazzo document at {entry.document}", entry.location.child("file"))
            if not explicit:
                continue  # discovered beside or below a PATH, for a document that is not one
            documents[key] = shown_path(entry.document)
        by_document.setdefault(key, []).append(entry)
    loaded = {key: _load(path, sources, allow_remote) for key, path in documents.items()}
    _check_redirects(loaded.values(), sources or {})
    found: list[Case] = []
    seen: dict[str, CaseEntry] = {}
    descriptions: dict[str, Description] = {}
    for key, shown in sorted(documents.items(), key=lambda item: item[1]):
        description = loaded[key]
        mine = by_document.get(key, [])
        _check_entries(description, mine)
        for workflow in description.document.workflows:
            named = [entry for entry in mine if entry.workflow_id == workflow.workflow_id]
            if not named:
                if key in among_paths:  # a document only a --cases file names runs only its cases
                    found.append(_schema_case(shown, description, workflow))
                continue
            for entry in named:
                case = Case(
                    shown, entry.workflow_id, entry.name, dict(entry.inputs), entry.expect, source=entry.location
                )
                if case.id in seen:
                    raise DocumentError(
                        f"another case is also {case.id} (at {seen[case.id].location}); "
                        "give each case of a workflow its own 'name'",
                        entry.location,
                    )
                seen[case.id] = entry
                found.append(case)
        descriptions[shown] = description
    if select:
        found = [case for case in found if select in case.id]
    kept = {case.file for case in found}
    return found, {file: description for file, description in descriptions.items() if file in kept}


def _documents(paths: Iterable[str]) -> dict[str, str]:
    """Real path -> shown path of each Arazzo document the PATHs stand for, each once."""
    from ..loading.detect import find_documents

    found: dict[str, str] = {}
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")
        if os.path.isdir(path):
            below = find_documents(path)
            if not below.documents:
                raise UsageError(f"no Arazzo document below {path} ({below.none_found()})")
            listed: Iterable[str] = below.documents
        else:
            listed = [path]
        for document in listed:
            found.setdefault(os.path.realpath(document), shown_path(document))
    return found


def _load(path: str, sources: Optional[Mapping[str, str]], allow_remote: bool) -> Description:
    """The document at ``path``, with the source redirects that concern it."""
    from ..loading.sources import load

    description = load(path, allow_remote=allow_remote)
    if not sources:
        return description
    declared = description.document.source_descriptions
    if any(source.type in (None, "arazzo") for source in declared):
        mine = dict(sources)  # nested documents may declare more names: load checks none
    else:
        names = {source.name for source in declared}
        mine = {name: target for name, target in sources.items() if name in names}
    return load(path, sources=mine, allow_remote=allow_remote) if mine else description


def _check_redirects(descriptions: Iterable[Description], sources: Mapping[str, str]) -> None:
    """A redirect that no document uses is a typo: say so rather than ignore it."""
    if not sources:
        return
    from ..execution.overrides import source_names

    known: set[str] = set()
    for description in descriptions:
        known |= source_names(description)
    for name in sources:
        if name not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise UsageError(
                f"--source {name}=...: no document declares a source named {name!r} (sources: {listed}){suggest(name, sorted(known))}"
            )


def _check_entries(description: Description, entries: Iterable[CaseEntry]) -> None:
    """Each case names a workflow of its document, and outputs that workflow declares."""
    workflows = {str(w.workflow_id): w for w in description.document.workflows}
    for entry in entries:
        workflow = workflows.get(entry.workflow_id)
        if workflow is None:
            listed = ", ".join(workflows) or "none"
            raise DocumentError(
                f"no workflow {entry.workflow_id!r} in {shown_path(entry.document)} "
                f"(workflows: {listed}){suggest(entry.workflow_id, workflows)}",
                entry.workflow_location,
            )
        for name, location in entry.output_locations.items():
            if name not in workflow.outputs:
                listed = ", ".join(workflow.outputs) or "none"
                raise DocumentError(
                    f"workflow {entry.workflow_id!r} has no output {name!r} "
                    f"(outputs: {listed}){suggest(name, workflow.outputs)}",
                    location,
                )


def _schema_case(shown: str, description: Description, workflow: Workflow) -> Case:
    """The one case of a workflow no case names: inputs from its schema, or a skip."""
    workflow_id = str(workflow.workflow_id)
    inputs, unfilled = schema_inputs(workflow.inputs, description.parsed.data)
    skip = None
    if unfilled:
        names = ", ".join(unfilled)
        skip = (
            f"required input{'s' if len(unfilled) > 1 else ''} {names} "
            f"{'have' if len(unfilled) > 1 else 'has'} no default or examples in the inputs schema; "
            f"give {'them' if len(unfilled) > 1 else 'it'} in a cases file "
            f"(a *.cases.yaml entry with file: {os.path.basename(shown)}, workflowId: {workflow_id}, inputs: {{...}})"
        )
    return Case(shown, workflow_id, None, inputs, skip=skip, source=workflow.location)


def schema_inputs(schema: Any, document: Any) -> tuple[dict[str, Any], list[str]]:
    """The inputs a workflow's ``inputs`` schema fills (per property its ``default``, else the
    first of its ``examples``), and the required inputs it leaves unfilled, in schema order.

    ``$ref`` s (of the schema, of its properties and of its top-level ``allOf`` members) are
    resolved in ``document``."""
    from ..schemas.refs import resolve_schema

    data = document if isinstance(document, Mapping) else None
    properties: dict[str, Any] = {}
    required: list[str] = []
    pending, visited = [schema], 0
    while pending and visited < 32:  # allOf members, a bounded walk
        node = resolve_schema(pending.pop(0), data)
        visited += 1
        if not isinstance(node, Mapping):
            continue
        declared = node.get("properties")
        if isinstance(declared, Mapping):
            for name, value in declared.items():
                properties.setdefault(name, value)
        listed = node.get("required")
        if isinstance(listed, list):
            required.extend(name for name in listed if isinstance(name, str) and name not in required)
        members = node.get("allOf")
        if isinstance(members, list):
            pending.extend(members)
    inputs: dict[str, Any] = {}
    for name, value in properties.items():
        prop = resolve_schema(value, data)
        if not isinstance(prop, Mapping):
            continue
        if "default" in prop:
            inputs[name] = prop["default"]
        elif isinstance(prop.get("examples"), list) and prop["examples"]:
            inputs[name] = prop["examples"][0]
    return inputs, [name for name in required if name not in inputs]
