"""Lint many files: read, decode, cache, fan out to a process pool, keep every file's result.

One file's trouble (undecodable bytes, a notebook that is not JSON, a rule that crashes) is that
file's result; it never loses the results of the others.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from adnn_lint.engine.cache import Cache
from adnn_lint.engine.guard import Unreadable, size_notice
from adnn_lint.findings import Finding

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

#: Below this many files to lint, a process pool costs more than it saves.
PARALLEL_THRESHOLD = 24


@dataclass(frozen=True)
class Task:
    """One file to lint, in a form a worker process can receive."""

    path: str  # as shown to the user
    location: str  # what to open
    codes: frozenset[str]
    fix: bool = False
    unsafe_fixes: bool = False


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    path: str
    findings: tuple[Finding, ...] = ()
    notice: str | None = None  # skipped, fixes not written, or an internal error (see below)
    internal_error: bool = False
    fixed: int = 0
    original: str | None = field(default=None, repr=False)  # set when fixes changed the text
    fixed_source: str | None = field(default=None, repr=False)
    encoding: str = "utf-8"


@dataclass(frozen=True)
class RunResult:
    files: tuple[FileResult, ...]

    @property
    def findings(self) -> list[Finding]:
        found = [f for result in self.files for f in result.findings]
        found.sort(key=lambda f: (f.path, f.cell or 0, f.span.line, f.span.column, f.code))
        return found

    @property
    def notices(self) -> list[FileResult]:
        return [r for r in self.files if r.notice is not None]

    @property
    def fixed(self) -> int:
        return sum(r.fixed for r in self.files)


def decode_notebook(data: bytes, path: str) -> str | Finding:
    """A notebook's JSON text, or the ADNN000 finding saying it is not UTF-8."""
    from adnn_lint.engine.lint import syntax_finding

    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return syntax_finding(path, 1, 1, "cannot read notebook: not valid UTF-8")


def decode_source(data: bytes, path: str) -> tuple[str, str] | Finding:
    """(text, encoding) of a Python file, honouring a PEP 263 coding line; or an ADNN000."""
    import io
    import tokenize

    from adnn_lint.engine.lint import syntax_finding

    if b"\0" in data:
        return syntax_finding(path, 1, 1, "cannot read file: binary content (NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as err:
        if "unknown encoding" in str(err):
            return syntax_finding(path, 1, 1, f"cannot read file: {err}")
        encoding = "utf-8"  # undecodable first lines: let the decode below say where
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        byte = data[err.start : err.start + 1].hex()
        message = f"cannot read file: not valid {encoding} (byte 0x{byte})"
        return syntax_finding(path, line, column, message)


def _lint_notebook(task: Task, text: str) -> FileResult:
    from adnn_lint.engine.lint import syntax_finding
    from adnn_lint.engine.notebook import NotebookError, fix_notebook, lint_notebook, load_notebook

    try:
        notebook = load_notebook(text)
    except NotebookError as err:
        return FileResult(task.path, (syntax_finding(task.path, 1, 1, str(err)),))
    if not notebook.cells:
        return FileResult(task.path)
    if not task.fix:
        return FileResult(task.path, lint_notebook(notebook, task.path, task.codes))
    fixed = fix_notebook(text, notebook, task.path, task.codes, unsafe=task.unsafe_fixes)
    if fixed.text is None:
        return FileResult(task.path, fixed.remaining, notice=fixed.notice)
    return FileResult(
        task.path,
        fixed.remaining,
        fixed=fixed.fixed,
        original=text,
        fixed_source=fixed.text,
    )


def _lint_python(task: Task, text: str, encoding: str) -> FileResult:
    from adnn_lint.engine.lint import fix_codes, lint_codes

    if not task.fix:
        outcome = lint_codes(text, task.path, task.codes)
        return FileResult(task.path, outcome.findings, encoding=encoding)
    fixed = fix_codes(text, task.path, task.codes, unsafe=task.unsafe_fixes)
    changed = fixed.source != text
    return FileResult(
        task.path,
        fixed.remaining,
        fixed=fixed.fixed,
        original=text if changed else None,
        fixed_source=fixed.source if changed else None,
        encoding=encoding,
    )


def lint_task(task: Task, data: bytes | None = None) -> FileResult:
    """Lint one file. Never raises for a problem of the file itself."""
    from adnn_lint.engine.lint import SYNTAX_CODE

    if data is None:
        try:
            data = Path(task.location).read_bytes()
        except OSError as err:
            return FileResult(task.path, notice=f"cannot read file: {err.strerror}")
    skipped = size_notice(len(data))
    if skipped is not None:
        return FileResult(task.path, notice=skipped)
    try:
        if task.location.endswith(".ipynb"):
            notebook = decode_notebook(data, task.path)
            if isinstance(notebook, Finding):
                return FileResult(task.path, (notebook,))
            return _lint_notebook(task, notebook)
        decoded = decode_source(data, task.path)
        if isinstance(decoded, Finding):
            kept = (decoded,) if SYNTAX_CODE in task.codes else ()
            return FileResult(task.path, kept)
        text, encoding = decoded
        return _lint_python(task, text, encoding)
    except Unreadable as err:  # valid code nested deeper than adnn-lint reads: skipped, said so
        return FileResult(task.path, notice=str(err))
    except Exception as err:  # a crashing rule must not lose the other files
        where = ""
        tb = err.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            where = f" at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        return FileResult(
            task.path,
            notice=f"internal error: {type(err).__name__}: {err}{where}",
            internal_error=True,
        )


def _line_bound(data: bytes) -> int:
    """At least the number of lines any finding in this file can point at: lines end at LF, CR
    or CRLF, and a notebook's cell lines are the ``\\n`` escapes inside its JSON strings."""
    return data.count(b"\n") + data.count(b"\r") + data.count(b"\\n") + 1


def _lint_item(item: tuple[Task, bytes | None]) -> FileResult:
    return lint_task(*item)


def _pool_context() -> BaseContext | None:
    """``fork`` where the platform has it, with the engine imported first.

    Forked workers inherit the parent's imports, so LibCST's node classes, the rules and the
    catalog are loaded once instead of once per worker (~0.3 s of CPU each, which made a
    two-worker cold run cost more CPU than one worker). Elsewhere (spawn: Windows, macOS)
    each worker imports what it needs, as before.
    """
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    preload()
    return multiprocessing.get_context("fork")


def preload() -> None:
    """Import everything linting a Keras file needs, and load the catalog."""
    from adnn_lint.knowledge.catalog import load_catalog
    from adnn_lint.rules.base import all_rules
    from adnn_lint.scan.scanner import scan_source

    all_rules()
    load_catalog()
    # Parsing once also warms LibCST's parser entry points.
    scan_source("import keras\n", "<preload>")


def run(
    tasks: Sequence[Task],
    *,
    cache: Cache | None = None,
    jobs: int | None = None,
) -> RunResult:
    """Lint every task; cached results are reused, the rest run in parallel when many."""
    results: dict[str, FileResult] = {}
    pending: list[tuple[Task, bytes | None, str | None]] = []
    for task in tasks:
        if cache is None or task.fix:
            pending.append((task, None, None))
            continue
        try:
            data = Path(task.location).read_bytes()
        except OSError as err:
            results[task.path] = FileResult(task.path, notice=f"cannot read file: {err.strerror}")
            continue
        key = cache.key(task.path, task.codes, data)
        hit = cache.get(key, path=task.path, codes=task.codes, lines=_line_bound(data))
        if hit is not None:
            results[task.path] = FileResult(task.path, hit)
        else:
            pending.append((task, data, key))

    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers > 1 and len(pending) >= PARALLEL_THRESHOLD:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
            chunk = max(1, len(pending) // (workers * 4))
            # The bytes that were hashed travel with the task, so the cache entry always
            # describes exactly the content that was linted.
            items = [(task, data) for task, data, _ in pending]
            fresh = list(pool.map(_lint_item, items, chunksize=chunk))
    else:
        fresh = [lint_task(task, data) for task, data, _ in pending]

    for (task, _, entry), result in zip(pending, fresh, strict=True):
        results[task.path] = result
        if cache is not None and entry is not None and result.notice is None:
            cache.put(entry, result.findings)
    return RunResult(tuple(results[t.path] for t in tasks if t.path in results))
