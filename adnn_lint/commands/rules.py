"""``adnn-lint rules``: list every rule (text table or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("rules", help="list all rules", description="List all rules.")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from adnn_lint.rules.base import all_rules

    rules = all_rules()
    if args.output_format == "json":
        document = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity,
                "fixable": r.fixable,
                "summary": r.summary,
                "documentation": r.documentation(),
            }
            for r in rules
        ]
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return 0
    width = max((len(r.name) for r in rules), default=4)
    for r in rules:
        fix = {None: "   ", "safe": "[*]", "unsafe": "[!]"}[r.fixable]
        sys.stdout.write(f"{r.code}  {r.name:<{width}}  {fix}  {r.summary}\n")
    return 0
