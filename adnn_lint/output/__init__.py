"""Output formats of ``adnn-lint check``: text, json, sarif, github.

Each module exposes ``render(report: Report) -> str``. The JSON document is versioned and
described by ``findings.schema.json`` (see ``docs/output.md``); SARIF output follows the OASIS
SARIF 2.1.0 schema, vendored here as ``sarif-schema-2.1.0.json`` for the tests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from adnn_lint.findings import Finding

FORMATS = ("text", "json", "sarif", "github")


@dataclass(frozen=True)
class Notice:
    """A file-level message that is not a finding (skipped, internal error)."""

    path: str
    message: str
    internal_error: bool = False


@dataclass(frozen=True)
class Report:
    """Everything an output format renders."""

    findings: tuple[Finding, ...]
    files_checked: int
    notices: tuple[Notice, ...] = ()
    fixed: int = 0
    show_source: bool = False
    color: bool = False
    statistics: bool = False
    quiet: bool = False
    fix_hint: bool = True  # say "fixable with --fix" (off when --fix already ran)
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def counts(self) -> Counter[str]:
        return Counter(f.code for f in self.findings)


def render(fmt: str, report: Report) -> str:
    if fmt == "json":
        from adnn_lint.output import json_format

        return json_format.render(report)
    if fmt == "sarif":
        from adnn_lint.output import sarif

        return sarif.render(report)
    if fmt == "github":
        from adnn_lint.output import github

        return github.render(report)
    from adnn_lint.output import text

    return text.render(report)
