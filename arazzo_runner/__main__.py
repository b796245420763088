"""``python -m arazzo_runner``: the ``arazzo`` command."""

from .cli import entry

entry()
