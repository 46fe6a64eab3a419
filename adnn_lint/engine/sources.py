"""Find, read and scan source files as ``check`` does, for ``layers`` and ``spec``.

Both commands show what the scanner found rather than lint findings, but they must agree with the
lint on which files there are (pyproject.toml, excludes, .gitignore), on what a file says (its
PEP 263 coding line, the size limit, notebooks' code cells) and on where it is broken: so they go
through the runner's readers and the engine's syntax-error report, not copies of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adnn_lint.engine.notebook import Notebook
    from adnn_lint.findings import Finding
    from adnn_lint.scan.records import ScanResult


class InputError(ValueError):
    """A bad configuration or a missing path: the command stops (exit 2) with this one line."""


class SourceError(ValueError):
    """A file that cannot be read or parsed; the message names the place (``path:line:col``)."""


@dataclass(frozen=True)
class ScannedSource:
    """One file's scan; for a notebook, positions count lines of its joined code cells."""

    text: str
    scan: ScanResult


def find_sources(paths: Sequence[Path]) -> tuple[Path, ...]:
    """The files under ``paths`` that ``check`` would lint. Raises :class:`InputError`."""
    from adnn_lint.engine.config import ConfigError, discover
    from adnn_lint.engine.discovery import discover_files

    try:
        config = discover(list(paths), None, Path.cwd())
    except ConfigError as err:
        raise InputError(str(err)) from None
    found = discover_files(paths, config)
    if found.missing:
        raise InputError("no such file or directory: " + ", ".join(map(str, found.missing)))
    return found.files


def _problem(finding: Finding, notebook: Notebook | None = None) -> SourceError:
    from adnn_lint.output.text import location

    shown = notebook.relocate(finding) if notebook is not None else finding
    return SourceError(f"{location(shown)}: {finding.message}")


def read_source(path: Path) -> tuple[str, Notebook | None]:
    """The text the scanner reads (a notebook's joined code cells) and the notebook, if any.

    Raises :class:`SourceError` for an unreadable, oversized, undecodable or malformed file.
    """
    from adnn_lint.engine.guard import size_notice
    from adnn_lint.engine.lint import syntax_finding
    from adnn_lint.engine.notebook import NotebookError, load_notebook
    from adnn_lint.engine.runner import decode_notebook, decode_source
    from adnn_lint.findings import Finding

    try:
        data = path.read_bytes()
    except OSError as err:
        raise SourceError(f"{path}: cannot read file: {err.strerror}") from None
    skipped = size_notice(len(data))
    if skipped is not None:
        raise SourceError(f"{path}: {skipped}")
    if path.suffix == ".ipynb":
        text = decode_notebook(data, str(path))
        if isinstance(text, Finding):
            raise _problem(text)
        try:
            notebook = load_notebook(text)
        except NotebookError as err:
            raise _problem(syntax_finding(str(path), 1, 1, str(err))) from None
        return notebook.source, notebook
    decoded = decode_source(data, str(path))
    if isinstance(decoded, Finding):
        raise _problem(decoded)
    return decoded[0], None


def scan_file(path: Path) -> ScannedSource | None:
    """Read and scan ``path``; None when it has no Keras code. Raises :class:`SourceError`.

    Call it through ``engine.guard.deep_call`` together with whatever walks the scan, as the
    lint does: deeply nested code needs that thread's stack."""
    from adnn_lint.engine.guard import Unreadable, deep_call
    from adnn_lint.engine.lint import SourceSyntaxError, read_scan, syntax_finding
    from adnn_lint.scan.scanner import mentions_keras

    text, notebook = read_source(path)
    if not mentions_keras(text):
        return None
    try:
        _, scan = deep_call(lambda: read_scan(text, str(path)))
    except SourceSyntaxError as err:
        if notebook is not None:
            from adnn_lint.engine.notebook import first_syntax_error

            # The joined source's error may lie cells after its cause (an unclosed bracket):
            # name the cell that does not parse on its own, as ``check`` does.
            broken = first_syntax_error(notebook, str(path))
            if broken is not None:
                raise _problem(broken) from None
        finding = syntax_finding(str(path), err.line, err.column, err.message)
        raise _problem(finding, notebook) from None
    except Unreadable as err:
        raise SourceError(f"{path}: {err}") from None
    return ScannedSource(text, scan)
