"""``adnn-lint check``: lint files and directories (the default subcommand)."""

from __future__ import annotations

import argparse
import os
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adnn_lint.engine.config import Config
    from adnn_lint.engine.runner import RunResult


def _codes_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="lint files and directories (default)",
        description="Lint Keras code for weight-initialization risks. Exit 0 clean, 1 findings, "
        "2 usage or internal error.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="default: .")
    sel = parser.add_argument_group("rule selection")
    sel.add_argument(
        "--select", type=_codes_list, metavar="CODES", help="comma-separated codes or prefixes"
    )
    sel.add_argument("--ignore", type=_codes_list, action="extend", default=[], metavar="CODES")
    sel.add_argument(
        "--extend-select", type=_codes_list, action="extend", default=[], metavar="CODES"
    )
    sel.add_argument(
        "--per-file-ignores",
        action="append",
        default=[],
        metavar="GLOB:CODES",
        help="e.g. 'tests/*:ADNN201' (repeatable)",
    )
    files = parser.add_argument_group("file selection")
    files.add_argument("--config", type=Path, metavar="FILE", help="a pyproject.toml or TOML file")
    files.add_argument(
        "--exclude", type=_codes_list, metavar="PATTERNS", help="replaces the defaults"
    )
    files.add_argument(
        "--extend-exclude", type=_codes_list, action="extend", default=[], metavar="PATTERNS"
    )
    files.add_argument(
        "--force-exclude", action="store_true", help="apply excludes to files named explicitly"
    )
    files.add_argument("--no-respect-gitignore", action="store_true")
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output-format",
        choices=("text", "json", "sarif", "github"),
        default=os.environ.get("ADNN_LINT_OUTPUT_FORMAT", "text"),
    )
    out.add_argument("-o", "--output-file", type=Path, metavar="FILE")
    out.add_argument("--show-source", action="store_true", help="show a code frame per finding")
    out.add_argument("--statistics", action="store_true", help="count findings per rule")
    out.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    out.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    fix = parser.add_argument_group("fixes")
    fix.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    fix.add_argument(
        "--diff", action="store_true", help="print the fixes as a diff; change nothing"
    )
    run = parser.add_argument_group("run")
    run.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    run.add_argument("--no-cache", action="store_true")
    run.add_argument("--cache-dir", type=Path, metavar="DIR")
    run.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="with PATH '-': the name to report (and to match per-file-ignores) for stdin",
    )
    run.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="worker processes (default: all cores)"
    )


def _error(message: str) -> int:
    print(f"adnn-lint: error: {message}", file=sys.stderr)
    return 2


def _merge(config: Config, args: argparse.Namespace) -> Config:
    """CLI values over the file's: --select/--exclude replace, the others extend."""
    from dataclasses import replace

    from adnn_lint.engine.selection import check_selectors

    per_file = list(config.per_file_ignores)
    for item in args.per_file_ignores:
        pattern, sep, codes = item.rpartition(":")
        if not sep or not pattern:
            raise ValueError(f"--per-file-ignores: expected GLOB:CODES, got {item!r}")
        per_file.append((pattern, check_selectors("--per-file-ignores", _codes_list(codes))))
    return replace(
        config,
        select=check_selectors("--select", args.select)
        if args.select is not None
        else config.select,
        ignore=config.ignore + check_selectors("--ignore", args.ignore),
        extend_select=config.extend_select + check_selectors("--extend-select", args.extend_select),
        per_file_ignores=tuple(per_file),
        exclude=tuple(args.exclude) if args.exclude is not None else config.exclude,
        extend_exclude=config.extend_exclude + tuple(args.extend_exclude),
        respect_gitignore=config.respect_gitignore and not args.no_respect_gitignore,
    )


def _use_color(choice: str, stream: Any) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _write_fixes(result: RunResult) -> None:
    for file in result.files:
        if file.fixed_source is not None:
            Path(file.path).write_bytes(file.fixed_source.encode(file.encoding))


def _diff(result: RunResult) -> str:
    import difflib

    chunks: list[str] = []
    for file in result.files:
        if file.fixed_source is None or file.original is None:
            continue
        chunks.extend(
            difflib.unified_diff(
                file.original.splitlines(keepends=True),
                file.fixed_source.splitlines(keepends=True),
                fromfile=f"a/{file.path}",
                tofile=f"b/{file.path}",
            )
        )
    return "".join(chunks)


def run(args: argparse.Namespace) -> int:
    from adnn_lint.engine.config import ConfigError, discover
    from adnn_lint.engine.discovery import discover_files
    from adnn_lint.engine.selection import SelectionError

    cwd = Path.cwd()
    paths: list[Path] = args.paths or [Path(".")]
    stdin = [str(p) for p in paths] == ["-"]
    try:
        where = [Path(args.stdin_filename or ".")] if stdin else paths
        config = _merge(discover(where, args.config, cwd), args)
    except (ConfigError, SelectionError, ValueError) as err:
        return _error(str(err))
    if stdin:
        return _lint_stdin(args, config)
    if "-" in map(str, paths):
        return _error("'-' (stdin) cannot be combined with other paths")
    found = discover_files(paths, config, force_exclude=args.force_exclude)
    if found.missing:
        return _error("no such file or directory: " + ", ".join(map(str, found.missing)))
    if not found.files and not args.quiet:
        # As ruff does: still a pass (exit 0), but a hook or CI run pointed at the wrong folder
        # should not look like a clean one.
        print(
            "adnn-lint: warning: no Python files or notebooks found under "
            + ", ".join(map(str, paths))
            + " (after excludes and .gitignore)",
            file=sys.stderr,
        )
    return _lint(args, config, list(found.files))


def _codes_for(path: Path, config: Config) -> frozenset[str]:
    """The enabled codes for one file: the selection minus its per-file ignores."""
    from adnn_lint.engine.selection import resolve

    codes = resolve(config.select, config.ignore, config.extend_select)
    relative = _relative(path, config.root)
    for spec, ignored in _per_file_matchers(config):
        if spec.match_file(relative):
            codes = codes - resolve(ignored)
    return codes


def _lint_stdin(args: argparse.Namespace, config: Config) -> int:
    """``adnn-lint check - --stdin-filename NAME`` (editors): never cached; ``--fix`` prints
    the fixed source to stdout instead of writing a file."""
    from adnn_lint.engine.runner import RunResult, Task, lint_task

    name = args.stdin_filename or "-"
    data = sys.stdin.buffer.read()
    fixing = bool(args.fix or args.diff)
    task = Task(name, name, _codes_for(Path(name), config), fixing, args.unsafe_fixes)
    result = lint_task(task, data)
    if args.fix and not args.diff:
        fixed = result.fixed_source
        # Bytes, in the file's own encoding (a PEP 263 coding line, a BOM), never re-decoded:
        # what the editor gets back is its buffer with the fixes and nothing else changed.
        sys.stdout.flush()
        sys.stdout.buffer.write(data if fixed is None else fixed.encode(result.encoding))
        sys.stdout.buffer.flush()
        if result.internal_error:
            print(f"adnn-lint: {name}: {result.notice}", file=sys.stderr)
            return 2
        return 1 if result.findings and not args.exit_zero else 0
    return _report(args, RunResult((result,)), 1)


def _lint(args: argparse.Namespace, config: Config, files: list[Path]) -> int:
    from adnn_lint.engine.cache import CACHE_DIR_NAME, Cache
    from adnn_lint.engine.runner import Task, run

    fixing = bool(args.fix or args.diff)
    tasks = [
        Task(str(path), str(path), _codes_for(path, config), fixing, args.unsafe_fixes)
        for path in files
    ]
    cache = None
    if not args.no_cache and not fixing:
        cache = Cache(args.cache_dir or config.root / CACHE_DIR_NAME)
    result = run(tasks, cache=cache, jobs=args.jobs)
    if args.fix and not args.diff:
        _write_fixes(result)
    return _report(args, result, len(files))


def _report(args: argparse.Namespace, result: RunResult, files_checked: int) -> int:
    from adnn_lint.output import Notice, Report, render

    if args.diff:
        return _report_diff(result)

    stream = sys.stdout
    sources: dict[str, str] = {}
    findings = tuple(result.findings)
    if args.show_source and args.output_format == "text":
        for shown in {f.path for f in findings}:
            try:
                sources[shown] = Path(shown).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
    notices = tuple(Notice(r.path, r.notice or "", r.internal_error) for r in result.notices)
    report = Report(
        findings=findings,
        files_checked=files_checked,
        notices=notices,
        fixed=result.fixed,
        show_source=args.show_source,
        color=_use_color(args.color, stream) and args.output_file is None,
        statistics=args.statistics,
        quiet=args.quiet,
        fix_hint=not args.fix,
        sources=sources,
    )
    rendered = render(args.output_format, report)
    if args.output_file is not None:
        args.output_file.write_text(rendered, encoding="utf-8")
    else:
        stream.write(rendered)
    if _print_notices(result):
        return 2
    return 1 if findings and not args.exit_zero else 0


def _print_notices(result: RunResult) -> bool:
    """Skipped files and internal errors on stderr; True when there was an internal error."""
    for file in result.notices:
        kind = "" if file.internal_error else "warning: "  # the message says "internal error"
        print(f"adnn-lint: {kind}{file.path}: {file.notice}", file=sys.stderr)
    return any(file.internal_error for file in result.notices)


def _report_diff(result: RunResult) -> int:
    """The diff on stdout; on stderr what it cannot show: files that do not parse (exit 1, as
    the lint would), skipped files, and internal errors (exit 2). An empty diff with exit 0
    means every file was read and has nothing to fix."""
    from adnn_lint.engine.lint import SYNTAX_CODE
    from adnn_lint.output.text import location

    diff = _diff(result)
    sys.stdout.write(diff)
    status = 1 if diff else 0
    for finding in result.findings:
        if finding.code == SYNTAX_CODE:
            print(f"adnn-lint: {location(finding)}: {finding.message}; not fixed", file=sys.stderr)
            status = 1
    return 2 if _print_notices(result) else status


def _relative(path: Path, root: Path) -> str:
    absolute = path.absolute()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


@cache
def _per_file_matchers(config: Config) -> list[tuple[Any, tuple[str, ...]]]:
    if not config.per_file_ignores:
        return []
    import pathspec

    return [
        (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
        for pattern, codes in config.per_file_ignores
    ]
