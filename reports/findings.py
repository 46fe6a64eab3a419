"""The findings section of the report: findings grouped by severity, each with its code frame,
its fix preview and the documentation of its rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from adnn_lint.findings import Finding
from adnn_lint.reports.format import (
    FRAME_CONTEXT,
    SEVERITY_LABEL,
    SEVERITY_NOUN,
    SEVERITY_ORDER,
    count,
)
from adnn_lint.reports.view import (
    DiffLine,
    FindingsView,
    FindingView,
    FrameLine,
    KeyValue,
    RuleDoc,
    SeverityGroup,
)


@dataclass(frozen=True)
class SourceLines:
    """Reads a finding's file once for its code frame; the file is read, never imported."""

    roots: tuple[Path, ...]

    def text(self, path: str) -> str | None:
        candidates = [Path(path)] + [root / path for root in self.roots]
        for candidate in candidates:
            try:
                if candidate.is_file():
                    return candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        return None

    def lines(self, path: str) -> list[str] | None:
        text = self.text(path)
        return None if text is None else text.splitlines()


def code_frame(
    lines: Sequence[str] | None, line: int, column: int, end_line: int, end_column: int
) -> tuple[FrameLine, ...]:
    """The reported line with context; on it, the reported columns are split out to be marked."""
    if not lines or not 1 <= line <= len(lines):
        return ()
    first = max(1, line - FRAME_CONTEXT)
    last = min(len(lines), line + FRAME_CONTEXT)
    width = len(str(last))
    frame = []
    for n in range(first, last + 1):
        text = lines[n - 1]
        if n != line:
            frame.append(FrameLine(str(n).rjust(width), text.expandtabs(4)))
            continue
        start = min(max(column, 1), len(text) + 1) - 1
        stop = end_column - 1 if end_line == line and end_column > column else len(text)
        stop = max(stop, start + 1)
        frame.append(
            FrameLine(
                str(n).rjust(width),
                text[:start].expandtabs(4),
                hit=True,
                marked=text[start:stop] or " ",  # a mark on an empty span would not show
                after=text[stop:],
            )
        )
    return tuple(frame)


def _location(finding: Finding) -> str:
    where = f"{finding.path}:{finding.span.line}:{finding.span.column}"
    return f"{where} (cell {finding.cell})" if finding.cell is not None else where


def rule_docs(codes: Sequence[str]) -> tuple[RuleDoc, ...]:
    """The appendix: documentation of every reported rule, from the rule classes themselves."""
    from adnn_lint.rules.base import all_rules

    known = {rule.code: rule for rule in all_rules()}
    docs = []
    for code in sorted(set(codes)):
        rule = known.get(code)
        if rule is None:
            continue
        docs.append(
            RuleDoc(
                code=rule.code,
                name=rule.name,
                anchor=f"rule-{rule.code}",
                summary=getattr(rule, "summary", ""),
                documentation=rule.documentation(),
            )
        )
    return tuple(docs)


def _fix_diffs(
    findings: Sequence[Finding], sources: SourceLines
) -> dict[tuple[str, str, int, int], tuple[DiffLine, ...]]:
    """Per finding with a fix, the diff of that fix (files of .py findings only)."""
    from adnn_lint.reports.fixes import fix_previews

    wanted: dict[str, set[tuple[str, int, int]]] = {}
    for f in findings:
        if f.fix_description is not None and f.cell is None:
            wanted.setdefault(f.path, set()).add((f.code, f.span.line, f.span.column))
    out: dict[tuple[str, str, int, int], tuple[DiffLine, ...]] = {}
    for path, keys in wanted.items():
        text = sources.text(path)
        if text is None:
            continue
        for (code, line, column), diff in fix_previews(path, text, keys).items():
            out[(path, code, line, column)] = diff
    return out


def findings_view(
    findings: Sequence[Finding],
    *,
    files: int,
    sources: SourceLines,
    documented: frozenset[str],
    source_name: str,
    previews: bool = True,
) -> FindingsView:
    by_severity: dict[str, list[FindingView]] = {}
    cache: dict[str, list[str] | None] = {}
    ordered = sorted(findings, key=lambda f: (f.path, f.cell or 0, f.span.line, f.span.column))
    diffs = _fix_diffs(ordered, sources) if previews else {}
    for finding in ordered:
        if finding.path not in cache:
            cache[finding.path] = sources.lines(finding.path)
        # Notebook positions are relative to a cell, so the file's own lines would mislead.
        lines = cache[finding.path] if finding.cell is None else None
        span = finding.span
        frame = code_frame(lines, span.line, span.column, span.end_line, span.end_column)
        fix_kind = "" if finding.fix_safe is None else ("safe" if finding.fix_safe else "unsafe")
        by_severity.setdefault(finding.severity, []).append(
            FindingView(
                code=finding.code,
                name=finding.name,
                severity=finding.severity,
                location=_location(finding),
                message=finding.message,
                frame=frame,
                fix=finding.fix_description or "",
                fix_kind=fix_kind,
                fix_diff=diffs.get((finding.path, finding.code, span.line, span.column), ()),
                doc_anchor=f"rule-{finding.code}" if finding.code in documented else "",
                doc_command=f"adnn-lint rule {finding.code}",
            )
        )
    groups = tuple(
        SeverityGroup(sev, SEVERITY_LABEL.get(sev, sev), tuple(by_severity[sev]))
        for sev in (*SEVERITY_ORDER, *sorted(set(by_severity) - set(SEVERITY_ORDER)))
        if sev in by_severity
    )
    counts = tuple(
        KeyValue(g.severity, count(len(g.findings), SEVERITY_NOUN.get(g.severity, g.severity)))
        for g in groups
    )
    total = len(findings)
    summary = f"{total} finding{'' if total == 1 else 's'}"
    if files:
        summary += f" in {files} file{'' if files == 1 else 's'} checked"
    if counts:
        summary += ": " + ", ".join(c.value for c in counts)
    return FindingsView(
        groups=groups,
        total=total,
        files=files,
        counts=counts,
        summary=summary + ".",
        source_note=f"From {source_name}; code frames read from the linted files where present.",
    )
