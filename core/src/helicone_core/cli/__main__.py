"""``python -m helicone_core.cli``: the ``helicone`` command."""

from . import main

raise SystemExit(main())
