"""``adnn-lint report``: render the accountability report from findings, specs and results."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="render the HTML accountability report (or a Markdown summary)",
        description=(
            "Render one self-contained HTML page (inline CSS and SVG, no script, no network) from "
            "any of: lint findings (adnn-lint check --output-format json), spec files, and verify "
            "results; --source shows the models of Keras files directly. Without results the "
            "report is a valid lint-only report."
        ),
    )
    parser.add_argument(
        "--findings", metavar="F.json", help="findings from adnn-lint check --output-format json"
    )
    parser.add_argument(
        "--spec",
        metavar="S.toml",
        action="append",
        default=[],
        help="an ADNN spec file (repeat for several models)",
    )
    parser.add_argument(
        "--source",
        metavar="FILE.py",
        action="append",
        default=[],
        help="show the models of a Keras source file (read statically, never run; repeatable)",
    )
    parser.add_argument("--results", metavar="R.json", help="results of adnn-lint verify")
    parser.add_argument(
        "-o", "--output", metavar="PATH", help="where to write (default: report.html or report.md)"
    )
    parser.add_argument(
        "--format",
        choices=("html", "markdown"),
        help="html: the full report; markdown: a short summary for a pull-request comment "
        "(default: markdown when -o ends in .md, else html)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from adnn_lint.reports.render import ReportError, render_report

    fmt = args.format
    output = args.output or ("report.md" if fmt == "markdown" else "report.html")
    try:
        path = render_report(
            output=output,
            findings=args.findings,
            specs=tuple(args.spec),
            results=args.results,
            sources=tuple(args.source),
            fmt=fmt,
        )
    except ReportError as exc:
        print(f"adnn-lint report: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"adnn-lint report: error: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0
