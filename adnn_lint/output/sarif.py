"""SARIF 2.1.0 output, with rule metadata and help text from the rule classes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adnn_lint import __version__
from adnn_lint.output import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _rules() -> list[dict[str, Any]]:
    from adnn_lint.rules.base import all_rules

    described = []
    for rule in all_rules():
        doc = rule.documentation()
        described.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": doc.split("\n\n", 1)[0] or rule.summary},
                "help": {"text": doc or rule.summary, "markdown": doc or rule.summary},
                "defaultConfiguration": {"level": _LEVEL[rule.severity]},
                "properties": {"fixable": rule.fixable},
            }
        )
    return described


def _uri(path: str) -> str:
    return Path(path).as_posix()


def document(report: Report) -> dict[str, Any]:
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for f in report.findings:
        region: dict[str, Any] = {
            "startLine": f.span.line,
            "startColumn": f.span.column,
            "endLine": f.span.end_line,
            "endColumn": max(f.span.end_column, f.span.column),
        }
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": region,
                    }
                }
            ],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        properties: dict[str, Any] = {}
        if f.cell is not None:
            properties["cell"] = f.cell
        if f.fix_description is not None:
            properties["fix"] = {
                "description": f.fix_description,
                "applicability": "safe" if f.fix_safe else "unsafe",
            }
        if properties:
            result["properties"] = properties
        results.append(result)
    notifications = [
        {
            "level": "error" if n.internal_error else "warning",
            "message": {"text": n.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(n.path)}}}],
        }
        for n in report.notices
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "adnn-lint",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not any(n.internal_error for n in report.notices),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2) + "\n"
