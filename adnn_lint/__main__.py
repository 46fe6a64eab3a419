"""``python -m adnn_lint``: the same CLI as the ``adnn-lint`` script."""

from __future__ import annotations

import sys

from adnn_lint.cli import main

if __name__ == "__main__":
    sys.exit(main())
