"""Render ``docs/rules.md`` from the rule classes.

Run ``python -m adnn_lint.rules._docs > docs/rules.md`` after changing a rule.

The page is generated, never edited by hand; a test fails when it is out of date. Each rule's
section is exactly what ``adnn-lint rule CODE`` prints.
"""

from __future__ import annotations

import sys

HEADER = """# Rules

Generated from the rule classes by `python -m adnn_lint.rules._docs > docs/rules.md`; do not edit.
`adnn-lint rule CODE` prints the same text for one rule, `adnn-lint rules` lists them.

"""


def render() -> str:
    from adnn_lint.rules.base import all_rules

    from adnn_lint.commands.explain import describe

    rules = all_rules()
    table = ["| code | name | severity | fix | summary |", "|---|---|---|---|---|"]
    for rule in rules:
        summary = rule.summary.replace("|", "\\|")
        fix = rule.fixable or ""
        table.append(f"| {rule.code} | {rule.name} | {rule.severity} | {fix} | {summary} |")
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
        HEADER
        + "\n".join(table)
        + "\n\n"
        + "\n".join(audit)
        + "\n\n"
        + "\n\n".join(sections)
        + "\n"
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


if __name__ == "__main__":
    sys.stdout.write(render())
