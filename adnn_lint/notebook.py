"""Jupyter notebooks: lint the code cells as one module, report positions as cell + line.

Cells share one namespace (the imports of cell 1 serve the model in cell 4), so the code cells
are joined into one source and linted once. IPython syntax is neutralised line by line first, so
that line numbers map straight back: a magic or shell escape becomes ``pass`` at the same
indentation, ``x = !ls`` becomes ``x = None``, and a cell magic whose body is not Python
(``%%bash``, ``%%html``, ...) is blanked out entirely.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from adnn_lint.records import Finding, Span

#: Cell magics whose body is still Python: keep the body, drop the magic line.
_PYTHON_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "memit", "skip", "python", "python3"}
)
_MAGIC_LINE = re.compile(r"^(?P<indent>\s*)(?:%|!|\?)")
_ASSIGNED_MAGIC = re.compile(r"^(?P<head>\s*[\w.\[\], ]+?\s*=\s*)(?:%|!)")
_HELP_SUFFIX = re.compile(r"^(?P<indent>\s*)[\w.]+\s*\?{1,2}\s*$")


class NotebookError(ValueError):
    """A notebook that is not valid nbformat JSON."""


@dataclass(frozen=True)
class Cell:
    """A code cell: 1-based number among code cells, first line in the joined source."""

    number: int
    first_line: int
    line_count: int


@dataclass(frozen=True)
class Notebook:
    """The joined, neutralised Python source of a notebook's code cells."""

    source: str
    cells: tuple[Cell, ...]

    def locate(self, line: int) -> tuple[int, int]:
        """(cell number, line within the cell) of a line of the joined source."""
        for cell in reversed(self.cells):
            if line >= cell.first_line:
                return cell.number, line - cell.first_line + 1
        return (self.cells[0].number if self.cells else 1), line

    def relocate(self, finding: Finding) -> Finding:
        """A finding on the joined source, re-expressed as cell + line within the cell."""
        cell, line = self.locate(finding.span.line)
        end_cell, end_line = self.locate(finding.span.end_line)
        if end_cell != cell:
            end_line = line
        span = Span(line, finding.span.column, end_line, finding.span.end_column)
        return replace(finding, span=span, cell=cell)


def _neutralise_line(line: str) -> str:
    assigned = _ASSIGNED_MAGIC.match(line)
    if assigned:
        return f"{assigned.group('head')}None"
    magic = _MAGIC_LINE.match(line) or _HELP_SUFFIX.match(line)
    if magic:
        return f"{magic.group('indent')}pass"
    return line


def neutralise(cell_source: str) -> str:
    """The cell with IPython-only syntax replaced by Python of the same line count."""
    lines = cell_source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return "\n".join("" for _ in lines)
        return "\n".join(["pass", *(_neutralise_line(line) for line in lines[1:])])
    return "\n".join(_neutralise_line(line) for line in lines)


def _is_python(document: dict[str, object]) -> bool:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key in ("language_info", "kernelspec"):
        section = metadata.get(key)
        if isinstance(section, dict):
            language = section.get("name" if key == "language_info" else "language")
            if isinstance(language, str):
                return language.lower().startswith("python")
    return True


def load_notebook(text: str) -> Notebook:
    """Parse nbformat 4 JSON; raises NotebookError with the reason on malformed input."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        message = f"not valid notebook JSON: {err.msg} at {err.lineno}:{err.colno}"
        raise NotebookError(message) from err
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookError("not a Jupyter notebook: no top-level 'cells' list")
    if not _is_python(document):
        return Notebook("", ())
    chunks: list[str] = []
    cells: list[Cell] = []
    line = 1
    number = 0
    for raw in document["cells"]:
        if not isinstance(raw, dict) or raw.get("cell_type") != "code":
            continue
        number += 1
        body = raw.get("source", "")
        text_body = "".join(body) if isinstance(body, list) else str(body)
        code = neutralise(text_body).rstrip("\n") + "\n"
        count = code.count("\n")
        cells.append(Cell(number, line, count))
        chunks.append(code)
        line += count
    return Notebook("".join(chunks), tuple(cells))
