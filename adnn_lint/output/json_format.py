"""The versioned JSON document (``--output-format json``); schema in ``findings.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from adnn_lint import __version__
from adnn_lint.findings import Finding
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
