"""GitHub Actions workflow commands: one ``::warning file=...`` annotation per finding."""

from __future__ import annotations

from adnn_lint.output import Report

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines: list[str] = []
    for f in report.findings:
        where = f"cell {f.cell}, " if f.cell is not None else ""
        properties = ",".join(
            [
                f"title={_property(f'adnn-lint ({f.code} {f.name})')}",
                f"file={_property(f.path)}",
                f"line={f.span.line}",
                f"col={f.span.column}",
                f"endLine={f.span.end_line}",
                f"endColumn={f.span.end_column}",
            ]
        )
        message = _data(f"{where}{f.code} {f.message}")
        lines.append(f"::{_LEVEL.get(f.severity, 'warning')} {properties}::{message}")
    for notice in report.notices:
        level = "error" if notice.internal_error else "warning"
        lines.append(f"::{level} file={_property(notice.path)}::{_data(notice.message)}")
    return "\n".join(lines) + ("\n" if lines else "")
