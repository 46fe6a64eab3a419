"""Lint one source text: parse once, run every selected rule, drop ``# noqa``-ed findings.

This is the library entry point (``lint_source``, ``fix_source``); the CLI's runner adds files,
notebooks, configuration, caching and parallelism around it. Nothing here imports TensorFlow or
Keras, and the linted code is parsed, never imported or executed.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adnn_lint.engine.guard import Unreadable, deep_call, python_verdict
from adnn_lint.engine.noqa import apply_noqa
from adnn_lint.engine.selection import check_selectors, resolve
from adnn_lint.findings import NO_CELLS, CellMap, Finding, Fix, Span

if TYPE_CHECKING:
    import libcst as cst

    from adnn_lint.scan.records import ScanResult

SYNTAX_CODE = "ADNN000"
SYNTAX_NAME = "syntax-error"
#: Re-lint-and-fix rounds before giving up on reaching a fixed point (ruff uses 100).
MAX_FIX_PASSES = 10
_LONE_CR = re.compile(r"\r(?!\n)")
_LIBCST_PREFIX = re.compile(r"^(?:parser error: )?(?:error at \d+:\d+: )?")


@dataclass(frozen=True)
class LintOutcome:
    """The findings of one source text and the module they point into (None: did not parse)."""

    findings: tuple[Finding, ...]
    module: cst.Module | None = field(default=None, compare=False, repr=False)


def syntax_finding(path: str, line: int, column: int, message: str) -> Finding:
    """The ADNN000 finding for a file that cannot be parsed or read."""
    return Finding(
        code=SYNTAX_CODE,
        name=SYNTAX_NAME,
        message=message,
        path=path,
        span=Span(line, column, line, column),
        severity="error",
    )


def codes_for(select: Iterable[str] | None, ignore: Iterable[str] | None) -> frozenset[str]:
    """Resolve library-style ``select``/``ignore`` arguments (codes or prefixes)."""
    chosen = check_selectors("select", select) if select is not None else None
    ignored = check_selectors("ignore", ignore or ())
    return resolve(chosen, ignored)


def _ast_syntax_error(source: str, path: str) -> Finding | None:
    """Syntax-check a file that never mentions Keras, without paying for LibCST."""
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences and the like are the linted code's business, not ours.
            warnings.simplefilter("ignore")
            ast.parse(source, filename=path)
    except SyntaxError as err:
        line = err.lineno or 1
        column = err.offset or 1
        return syntax_finding(path, line, column, f"syntax error: {err.msg}")
    except ValueError as err:  # source code string cannot contain null bytes (Python < 3.12)
        return syntax_finding(path, 1, 1, f"syntax error: {err}")
    return None


def _may_mention_keras(source: str) -> bool:
    # A necessary condition for the scanner's pre-filter, checked without importing the scanner
    # (and with it LibCST, ~0.3 s): a one-file run on non-Keras code stays near Python's start-up.
    return "keras" in source or "tensorflow" in source


def _mentions_keras(source: str) -> bool:
    from adnn_lint.scan.scanner import mentions_keras

    return mentions_keras(source)


def lint_codes(
    source: str, path: str, codes: frozenset[str], *, cells: CellMap = NO_CELLS
) -> LintOutcome:
    """Lint ``source`` with exactly the rules whose codes are in ``codes``.

    ``cells``: where a notebook's code cells start in ``source``, for the lines messages name.
    """
    if not _may_mention_keras(source) or not _mentions_keras(source):
        # Not Keras code: no rule can fire, but a broken file is still reported.
        error = _ast_syntax_error(source, path)
        found = (error,) if error is not None and SYNTAX_CODE in codes else ()
        return LintOutcome(found)

    return deep_call(lambda: _lint_keras(source, path, codes, cells))


class SourceSyntaxError(ValueError):
    """CPython rejects the source; ``line``/``column`` (1-based) are where it says."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.message = message


def read_scan(source: str, path: str) -> tuple[cst.Module, ScanResult]:
    """Parse and scan ``source`` as every command does: CPython's parser decides what is a
    syntax error (``SourceSyntaxError``); valid code LibCST cannot read raises ``Unreadable``.
    Call it through ``deep_call`` (deeply nested code needs its stack)."""
    import libcst as cst

    from adnn_lint.scan.scanner import scan_source

    verdict = python_verdict(source, path)
    if verdict is not None:
        if verdict.syntax_error:
            raise SourceSyntaxError(verdict.line, verdict.column, verdict.message)
        raise Unreadable(verdict.message)
    try:
        return scan_source(source, path)
    except cst.ParserSyntaxError as err:
        message = _LIBCST_PREFIX.sub("", err.message)
        where = f"{err.editor_line}:{err.editor_column}"
        raise Unreadable(
            f"skipped: {where}: valid Python that LibCST cannot parse ({message})"
        ) from None
    except RecursionError:
        raise Unreadable("skipped: nested too deep to read") from None


def _lint_keras(source: str, path: str, codes: frozenset[str], cells: CellMap) -> LintOutcome:
    from adnn_lint.rules.base import FileContext, all_rules

    try:
        module, scan = read_scan(source, path)
    except SourceSyntaxError as err:
        if SYNTAX_CODE not in codes:
            return LintOutcome(())
        return LintOutcome((syntax_finding(path, err.line, err.column, err.message),))

    ctx = FileContext(path=path, source=source, module=module, scan=scan, cells=cells)
    findings: list[Finding] = []
    for rule_class in all_rules():
        if rule_class.code in codes and rule_class.code != SYNTAX_CODE:
            findings.extend(rule_class().check(ctx))
    kept = apply_noqa(source, findings)
    kept.sort(key=lambda f: (f.span.line, f.span.column, f.code))
    return LintOutcome(tuple(kept), module)


def lint_source(
    source: str,
    path: str = "<string>",
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> list[Finding]:
    """Every finding in ``source``, sorted by position.

    ``select``/``ignore`` take codes or prefixes (``"ADNN1"``); ``select=None`` means all rules.
    A syntax error (as CPython's parser judges) yields one ADNN000 finding instead of raising;
    valid code too deeply nested to read raises ``adnn_lint.engine.guard.Unreadable``.
    """
    return list(lint_codes(source, path, codes_for(select, ignore)).findings)


@dataclass(frozen=True)
class FixOutcome:
    """The fixed source, how many findings the fixes removed, and what is left."""

    source: str
    fixed: int
    remaining: tuple[Finding, ...]


def _applicable(finding: Finding, unsafe: bool) -> Fix | None:
    fix = finding.fix
    if fix is None or not (fix.safe or unsafe):
        return None
    return fix


def fix_codes(
    source: str, path: str, codes: frozenset[str], *, unsafe: bool, cells: CellMap = NO_CELLS
) -> FixOutcome:
    """Apply fixes until none applies (or the source stops changing), re-linting each round.

    The result is ``source`` with only the fixes' edits: every line they do not touch keeps
    every byte (see :mod:`adnn_lint.engine.splice`).
    """
    return deep_call(lambda: _fix_codes(source, path, codes, unsafe=unsafe, cells=cells))


def _fix_codes(
    source: str, path: str, codes: frozenset[str], *, unsafe: bool, cells: CellMap
) -> FixOutcome:
    from adnn_lint.engine.fixes import apply_fixes
    from adnn_lint.engine.splice import splice

    # LibCST drops a byte order mark and would let an inserted line go above it.
    bom = "\ufeff" if source.startswith("\ufeff") else ""
    source = source[len(bom) :]
    original_count: int | None = None
    outcome = lint_codes(source, path, codes, cells=cells)
    for _ in range(MAX_FIX_PASSES):
        if original_count is None:
            original_count = len(outcome.findings)
        fixes = [fix for f in outcome.findings if (fix := _applicable(f, unsafe)) is not None]
        if outcome.module is None or not fixes:
            break
        module = outcome.module
        if _LONE_CR.search(source):
            # LibCST ends the lines it generates with the file's first line break: a "\n" after
            # a line ending in a lone CR would join the two. CRLF joins with nothing, and the
            # splice then gives each generated line the break of the line above it.
            module = module.with_changes(default_newline="\r\n")
        fixed = splice(source, module.code, apply_fixes(module, fixes).code)
        if fixed == source:
            break
        source = fixed
        outcome = lint_codes(source, path, codes, cells=cells)
    remaining = outcome.findings
    fixed_count = max(0, (original_count or 0) - len(remaining))
    return FixOutcome(bom + source, fixed_count, remaining)


def fix_source(
    source: str,
    path: str = "<string>",
    *,
    unsafe: bool = False,
    select: Iterable[str] | None = None,
) -> str:
    """``source`` with every applicable autofix applied (unsafe ones only when asked)."""
    return fix_codes(source, path, codes_for(select, None), unsafe=unsafe).source
