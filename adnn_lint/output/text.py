"""Human output: ``path:line:col: CODE message`` (ruff/flake8 style), optional code frame."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from adnn_lint.findings import Finding
from adnn_lint.output import Report

_RESET = "\033[0m"
_BOLD = "\033[1m"
_RED = "\033[31m"
_CYAN = "\033[36m"
_DIM = "\033[2m"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


def location(finding: Finding) -> str:
    """``path:line:col`` or, in a notebook, ``path:cell N:line:col``."""
    cell = f"cell {finding.cell}:" if finding.cell is not None else ""
    return f"{finding.path}:{cell}{finding.span.line}:{finding.span.column}"


def _frame(finding: Finding, source: str, color: bool) -> list[str]:
    lines = source.splitlines()
    first = max(1, finding.span.line - 1)
    last = min(len(lines), finding.span.line + 1)
    width = len(str(last))
    out: list[str] = []
    for number in range(first, last + 1):
        gutter = _paint(f"{number:>{width}} |", _DIM, color)
        out.append(f"  {gutter} {lines[number - 1]}")
        if number == finding.span.line:
            end = (
                finding.span.end_column
                if finding.span.end_line == finding.span.line
                else len(lines[number - 1]) + 1
            )
            carets = "^" * max(1, end - finding.span.column)
            pad = " " * (width + 2)
            out.append(f"  {pad} {' ' * (finding.span.column - 1)}{_paint(carets, _RED, color)}")
    return out


def render_finding(finding: Finding, report: Report) -> list[str]:
    color = report.color
    fixable = " [*]" if finding.fix_safe and report.fix_hint else ""
    head = (
        f"{_paint(location(finding), _BOLD, color)}: "
        f"{_paint(finding.code, _RED + _BOLD, color)}{fixable} {finding.message}"
    )
    lines = [head]
    source = report.sources.get(finding.path)
    if report.show_source and source is not None and finding.cell is None:
        lines += _frame(finding, source, color)
        lines.append("")
    return lines


def _statistics(report: Report) -> list[str]:
    counts = report.counts()
    names = {f.code: f.name for f in report.findings}
    fixable = {f.code for f in report.findings if f.fix_safe}
    width = max((len(str(n)) for n in counts.values()), default=1)
    return [
        f"{count:>{width}}\t{code}\t{'[*] ' if code in fixable else '[ ] '}{names[code]}"
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 and noun != 'info' else ''}"


def _breakdown(findings: Sequence[Finding]) -> str:
    """``1 error, 2 warnings``: findings are not all errors, so the summary says which."""
    counts = Counter(f.severity for f in findings)
    return ", ".join(
        _plural(counts[severity], severity)
        for severity in ("error", "warning", "info")
        if counts[severity]
    )


def render(report: Report) -> str:
    lines: list[str] = []
    if report.statistics:
        lines += _statistics(report)
    else:
        for finding in report.findings:
            lines += render_finding(finding, report)
    if report.quiet:
        return "\n".join(lines) + ("\n" if lines else "")
    total = len(report.findings)
    if report.fixed:
        found = _plural(total + report.fixed, "finding")
        remaining = f"{total} remaining: {_breakdown(report.findings)}" if total else "0 remaining"
        lines.append(f"Found {found} ({report.fixed} fixed, {remaining}).")
    elif total:
        lines.append(f"Found {_plural(total, 'finding')} ({_breakdown(report.findings)}).")
        fixable = sum(1 for f in report.findings if f.fix_safe)
        if fixable and report.fix_hint:
            lines.append(f"[*] {fixable} fixable with the `--fix` option.")
        unsafe = sum(1 for f in report.findings if f.fix_safe is False)
        if unsafe and report.fix_hint:
            lines.append(
                f"{unsafe} hidden fix{'es' if unsafe != 1 else ''} can be enabled with the "
                "`--unsafe-fixes` option."
            )
    else:
        lines.append(_clean_summary(report))
    failed = sum(1 for n in report.notices if n.internal_error)
    if failed and (total or report.fixed):
        lines.append(f"{_plural(failed, 'file')} not checked: internal error.")
    return "\n".join(lines) + "\n"


def _clean_summary(report: Report) -> str:
    """No findings: a pass only when every file was checked."""
    failed = sum(1 for n in report.notices if n.internal_error)
    skipped = len(report.notices) - failed
    if failed:
        return f"No findings, but {_plural(failed, 'file')} not checked: internal error."
    if skipped:
        return f"All checks passed! ({_plural(skipped, 'file')} skipped.)"
    return "All checks passed!"
