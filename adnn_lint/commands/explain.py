"""``adnn-lint rule CODE``: print one rule's documentation."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adnn_lint.rules.base import Rule


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("rule", help="explain a rule", description="Explain a rule.")
    parser.add_argument("code", metavar="CODE", help="a rule code (ADNN101) or name (zero-kernel)")


def describe(code: str) -> str | None:
    """The Markdown documentation of a rule, or None when no rule has that code or name."""
    from adnn_lint.rules.base import all_rules

    wanted = code.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            fix = {
                None: "No autofix.",
                "safe": "Autofix available (safe: `adnn-lint --fix`).",
                "unsafe": "Autofix available (unsafe: `adnn-lint --fix --unsafe-fixes`).",
            }[rule.fixable]
            parts = [
                f"# {rule.name} ({rule.code})",
                "",
                f"Severity: {rule.severity}. {fix}",
                "",
                rule.summary,
                "",
                rule.documentation(),
                "",
                _fix_safety(rule),
            ]
            if rule.INVALID:
                parts += ["", "## Example", "", "```python", rule.INVALID[0][0].rstrip(), "```"]
            return "\n".join(parts).rstrip() + "\n"
    return None


def run(args: argparse.Namespace) -> int:
    text = describe(args.code)
    if text is None:
        print(
            f"adnn-lint: usage error: unknown rule {args.code!r} (see `adnn-lint rules`)",
            file=sys.stderr,
        )
        return 2
    sys.stdout.write(text)
    return 0


def _fix_safety(rule: type[Rule]) -> str:
    if rule.fix_does is None:
        return f"Why no autofix: {rule.fix_why}"
    return f"Fix safety: the autofix {rule.fix_does} It is {rule.fixable}: {rule.fix_why}"
