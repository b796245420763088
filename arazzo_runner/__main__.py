"""``python -m arazzo_runner``: the ``arazzo`` command."""

import sys

from .cli import main

sys.exit(main())
