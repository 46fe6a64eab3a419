"""``adnn-lint rule CODE``: print one rule's documentation."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("rule", help="explain a rule", description="Explain a rule.")
    parser.add_argument("code", metavar="CODE", help="a rule code (ADNN101) or name (zero-kernel)")


def run(args: argparse.Namespace) -> int:
    from adnn_lint.rules.docs import describe

    text = describe(args.code)
    if text is None:
        print(
            f"adnn-lint: usage error: unknown rule {args.code!r} (see `adnn-lint rules`)",
            file=sys.stderr,
        )
        return 2
    sys.stdout.write(text)
    return 0
