"""A rule's documentation, the rules table and ``docs/rules.md``, all from the rule classes.

``describe`` is what ``adnn-lint rule CODE`` prints; ``rules_table`` is the table of
``docs/rules.md`` and of the README (``tools/gen_readme.py``).

Run ``python -m adnn_lint.rules.docs > docs/rules.md`` after changing a rule.

The page is generated, never edited by hand; a test fails when it is out of date. Each rule's
section is exactly what ``adnn-lint rule CODE`` prints.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adnn_lint.rules.base import Rule

HEADER = """# Rules

Generated from the rule classes by `python -m adnn_lint.rules.docs > docs/rules.md`; do not edit.
`adnn-lint rule CODE` prints the same text for one rule, `adnn-lint rules` lists them.

"""


def rules_table() -> str:
    """One row per rule: code, name, severity, fix, what it flags."""
    from adnn_lint.rules.base import all_rules

    rows = ["| code | name | severity | fix | what it flags |", "|---|---|---|---|---|"]
    for rule in all_rules():
        summary = rule.summary.replace("|", "\\|")
        fix = rule.fixable or ""
        rows.append(f"| {rule.code} | `{rule.name}` | {rule.severity} | {fix} | {summary} |")
    return "\n".join(rows)


def render() -> str:
    """The whole of ``docs/rules.md``."""
    from adnn_lint.rules.base import all_rules

    rules = all_rules()
    audit = [
        "## Fix safety",
        "",
        "A safe fix (`--fix`) is one that no intended behaviour can change; every other fix needs "
        "`--unsafe-fixes`, and a rule whose right rewrite is the author's call offers none.",
        "",
        "| rule | fix | safe or unsafe | why |",
        "|---|---|---|---|",
    ]
    for rule in rules:
        does = (rule.fix_does or "none").replace("|", "\\|")
        why = rule.fix_why.replace("|", "\\|")
        audit.append(f"| {rule.code} | {does} | {rule.fixable or '-'} | {why} |")
    sections = []
    for rule in rules:
        text = describe(rule.code)
        assert text is not None
        sections.append(_demote(text))
    return (
        HEADER + rules_table() + "\n\n" + "\n".join(audit) + "\n\n" + "\n\n".join(sections) + "\n"
    )


def _demote(text: str) -> str:
    """One heading level down (each rule is a section of this page); a ``#`` comment inside a
    code block (``# adnn: ...``) is code, not a heading, and stays as written."""
    lines: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        lines.append("#" + line if line.startswith("#") and not fenced else line)
    return "\n".join(lines)


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


def _fix_safety(rule: type[Rule]) -> str:
    if rule.fix_does is None:
        return f"Why no autofix: {rule.fix_why}"
    return f"Fix safety: the autofix {rule.fix_does} It is {rule.fixable}: {rule.fix_why}"


if __name__ == "__main__":
    sys.stdout.write(render())
