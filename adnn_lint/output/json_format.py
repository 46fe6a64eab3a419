"""The versioned JSON document (``--output-format json``), written and read here; schema in
``findings.schema.json``. ``adnn-lint report`` reads it back with :func:`read_findings`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from adnn_lint import __version__
from adnn_lint.findings import Finding, Span
from adnn_lint.output import Report

#: Bump on any incompatible change; additions of optional fields keep the version.
SCHEMA_VERSION = 1


def finding_json(f: Finding) -> dict[str, Any]:
    fix = None
    if f.fix_description is not None:
        fix = {
            "description": f.fix_description,
            "applicability": "safe" if f.fix_safe else "unsafe",
        }
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity,
        "message": f.message,
        "path": f.path,
        "cell": f.cell,
        "location": {"line": f.span.line, "column": f.span.column},
        "end_location": {"line": f.span.end_line, "column": f.span.end_column},
        "fix": fix,
    }


def document(report: Report) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "adnn-lint", "version": __version__},
        "summary": {
            "files_checked": report.files_checked,
            "findings": len(report.findings),
            "fixed": report.fixed,
            "by_code": dict(sorted(report.counts().items())),
        },
        "findings": [finding_json(f) for f in report.findings],
        "notices": [
            {"path": n.path, "message": n.message, "internal_error": n.internal_error}
            for n in report.notices
        ],
    }


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2) + "\n"


class FindingsFormatError(ValueError):
    """A findings document this adnn-lint cannot read; the message names the key."""


@dataclass(frozen=True)
class FindingsDocument:
    """What a findings document says: its findings, files checked and notices."""

    findings: tuple[Finding, ...]
    files_checked: int
    notices: tuple[str, ...]


def read_findings(text: str, path: str) -> FindingsDocument:
    """Read a document :func:`render` wrote (this schema version only)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FindingsFormatError(f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from exc
    if not isinstance(doc, dict):
        raise FindingsFormatError(f"{path}: expected the JSON object of adnn-lint check")
    version = doc.get("schema_version")
    if version != SCHEMA_VERSION:
        raise FindingsFormatError(
            f"{path}: schema_version: this adnn-lint reads {SCHEMA_VERSION}, got {version!r}"
        )
    items = doc.get("findings")
    if not isinstance(items, list):
        raise FindingsFormatError(f"{path}: findings: expected a list")
    findings = tuple(_finding(item, f"{path}: findings[{i}]") for i, item in enumerate(items))
    summary = doc.get("summary")
    files = summary.get("files_checked", 0) if isinstance(summary, dict) else 0
    notices = tuple(
        f"{n.get('path', '?')}: {n.get('message', '')}"
        for n in doc.get("notices", ())
        if isinstance(n, dict)
    )
    return FindingsDocument(findings, files if isinstance(files, int) else 0, notices)


def _finding(item: Any, where: str) -> Finding:
    if not isinstance(item, dict):
        raise FindingsFormatError(f"{where}: expected an object")
    key = "code"
    try:
        start, end = item["location"], item["end_location"]
        key = "fix"
        fix = item["fix"]
        key = "code"
        return Finding(
            code=str(item["code"]),
            name=str(item["name"]),
            message=str(item["message"]),
            path=str(item["path"]),
            span=Span(
                int(start["line"]), int(start["column"]), int(end["line"]), int(end["column"])
            ),
            severity=item["severity"],
            cell=item.get("cell"),
            fix_description=None if fix is None else str(fix["description"]),
            fix_safe=None if fix is None else fix["applicability"] == "safe",
        )
    except KeyError as exc:
        raise FindingsFormatError(f"{where}: missing key {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise FindingsFormatError(f"{where}.{key}: malformed ({exc})") from exc
