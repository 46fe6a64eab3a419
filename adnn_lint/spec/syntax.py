"""The concrete syntax of an ADNN spec: TOML (read with tomllib, written with tomli-w's value
formatting) plus the contract clause grammar of ``adnn_lint.spec.contract``.

``loads`` reads, validates the structure and types, runs the semantic checker and raises one
``SpecError`` carrying every problem with its key path and position. ``dumps`` writes the
canonical form; ``loads(dumps(spec)) == spec`` for every valid spec.
"""

from __future__ import annotations

import re
import sys
from typing import Any, TypeVar

from adnn_lint.spec.check import Problem, check_spec
from adnn_lint.spec.errors import SpecError, SpecIssue
from adnn_lint.spec.model import (
    Spec,
)
from adnn_lint.spec.positions import Positions, locate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

from adnn_lint.spec.reader import Reader
from adnn_lint.spec.writer import dumps

__all__ = ["SpecError", "dumps", "issues", "loads"]

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")

T = TypeVar("T")


def issues(
    text: str, path: str = "<spec>", *, check: bool = True
) -> tuple[Spec | None, list[SpecIssue]]:
    """Parse ``text``; return the spec (None when the TOML is malformed) and every issue in
    document order. ``check=False`` skips the semantic checks (graph, catalog).

    A TOML syntax error on a ``key = value`` line does not hide the rest: the line is set aside
    and the document read again, so its other mistakes are reported too (the spec is still None).
    """
    syntax: list[SpecIssue] = []
    blanked: set[str] = set()
    current = text
    doc: dict[str, Any] | None = None
    for _ in range(_MAX_RECOVERIES):
        try:
            doc = tomllib.loads(current)
            break
        except tomllib.TOMLDecodeError as error:
            issue = _toml_issue(error, current)
            syntax.append(issue)
            lines = current.split("\n")
            key = _recoverable(lines, issue)
            if key is None:
                return None, syntax
            blanked.add(key)
            lines[issue.line - 1] = ""  # keep the line count, so later positions stay true
            current = "\n".join(lines)
    if doc is None:
        return None, syntax
    reader = Reader()
    spec = reader.spec(doc)
    problems = [
        p
        for p in reader.problems
        if not (p.message.startswith("missing required key") and _missing(p) in blanked)
    ]
    if check:
        problems += check_spec(spec, skip=[p.path for p in reader.problems])
    if not problems and not syntax:
        return spec, []
    positions = locate(current)  # only a spec with problems pays for the key positions
    found = syntax + [_place(p, positions) for p in problems]
    found.sort(key=lambda i: (i.line, i.column))
    return (None if syntax else spec), found


_MAX_RECOVERIES = 20
_KEY_LINE = re.compile(r"""^\s*[A-Za-z0-9_\-"'][^=\[]*=""")
_DUPLICATE = ("overwrite", "twice", "already")


def _recoverable(lines: list[str], issue: SpecIssue) -> str | None:
    """The key of the line a TOML error sits on, when setting that line aside cannot change how
    the rest reads: a broken line that is wrong on its own, or a duplicate key."""
    if not 1 <= issue.line <= len(lines):
        return None
    line = lines[issue.line - 1]
    if not _KEY_LINE.match(line):
        return None
    try:
        tomllib.loads(line)
        alone_ok = True
    except tomllib.TOMLDecodeError:
        alone_ok = False
    if alone_ok and not any(word in issue.message for word in _DUPLICATE):
        return None  # the cause is elsewhere (an unclosed bracket above): stop here
    return line.split("=", 1)[0].strip().strip("\"'").rsplit(".", 1)[-1]


def _missing(problem: Problem) -> str:
    return problem.message.split("'")[1] if "'" in problem.message else ""


def loads(text: str, path: str = "<spec>", *, check: bool = True) -> Spec:
    """Parse and check a spec; raise ``SpecError`` listing every problem."""
    spec, found = issues(text, path, check=check)
    if found or spec is None:
        raise SpecError(found, path)
    return spec


def _toml_issue(error: tomllib.TOMLDecodeError, text: str) -> SpecIssue:
    line = getattr(error, "lineno", 0)
    column = getattr(error, "colno", 0)
    message = getattr(error, "msg", str(error))
    match = _TOML_POSITION.search(str(error))
    if match and not line:
        line, column = int(match.group(1)), int(match.group(2))
        message = _TOML_POSITION.sub("", str(error)).strip()
    elif not line and "(at end of document)" in str(error):
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
        message = str(error).replace("(at end of document)", "at the end of the document")
    return SpecIssue(f"TOML syntax: {message}", (), max(line, 1), max(column, 1))


def _place(problem: Problem, positions: Positions) -> SpecIssue:
    line, column = (
        positions.key(problem.path) if problem.at == "key" else positions.value(problem.path)
    )
    if problem.offset and (problem.path in positions.values):
        # a clause string: point inside it, past the opening quote
        column += problem.offset
    return SpecIssue(problem.message, problem.path, line, column)
