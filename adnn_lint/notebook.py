"""Jupyter notebooks: lint the code cells as one module, report positions as cell + line.

Cells share one namespace (the imports of cell 1 serve the model in cell 4), so the code cells
are joined into one source and linted once. IPython syntax is neutralised line by line first, so
that line numbers map straight back: a magic or shell escape becomes ``pass`` at the same
indentation, ``x = !ls`` becomes ``x = None``, and a cell magic whose body is not Python
(``%%bash``, ``%%html``, ...) is blanked out entirely.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, replace
from typing import Any

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


def _cell_text(cell: dict[str, Any]) -> str:
    body = cell.get("source", "")
    return "".join(body) if isinstance(body, list) else str(body)


def _code_cells(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in document["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]


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
        code = neutralise(_cell_text(raw)).rstrip("\n") + "\n"
        count = code.count("\n")
        cells.append(Cell(number, line, count))
        chunks.append(code)
        line += count
    return Notebook("".join(chunks), tuple(cells))


def write_fixed(text: str, notebook: Notebook, fixed: str) -> str:
    """The notebook JSON with the fixed joined source split back into its code cells.

    Lines the fix left alone keep their original text (magics included, not their neutralised
    stand-ins); changed and inserted lines go to the cell of the line they follow (the first cell
    for an insertion at the top).
    """
    document = json.loads(text)
    cells = _code_cells(document)
    owner: list[int] = []
    original: list[str] = []
    for index, cell in enumerate(notebook.cells):
        body = _cell_text(cells[cell.number - 1]).rstrip("\n").split("\n")
        for line in range(cell.line_count):
            owner.append(index)
            original.append((body[line] if line < len(body) else "") + "\n")
    old_lines = notebook.source.splitlines(keepends=True)
    new_lines = fixed.splitlines(keepends=True)
    per_cell: list[list[str]] = [[] for _ in notebook.cells]
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i1, i2):
                per_cell[owner[k]].append(original[k])
        elif tag in ("replace", "insert"):
            target = owner[i1] if tag == "replace" or i1 == 0 else owner[i1 - 1]
            per_cell[target].extend(new_lines[j1:j2])
    for cell, lines in zip(notebook.cells, per_cell, strict=True):
        raw = cells[cell.number - 1]
        joined = "".join(lines)
        if not _cell_text(raw).endswith("\n") and joined.endswith("\n"):
            joined = joined[:-1]  # Jupyter stores a cell without its final newline
        was_list = isinstance(raw.get("source"), list)
        raw["source"] = joined.splitlines(keepends=True) if was_list else joined
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"
