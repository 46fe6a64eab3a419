"""Jupyter notebooks: lint the code cells as one module, report positions as cell + line.

Cells share one namespace (the imports of cell 1 serve the model in cell 4), so the code cells
are joined into one source and linted once. IPython syntax is masked line by line first, so that
line numbers map straight back and every masked line can be restored on write-back:

- a line magic, shell escape or help query at the top level becomes a comment, so that a magic
  above the imports does not end the import block (``%matplotlib inline``, ``!pip install``);
- an indented one becomes ``pass`` (a block may consist of it alone), ``x = !ls`` becomes
  ``x = None``; continuation lines of a magic ending in a backslash are masked with it;
- a cell magic whose body is not Python (``%%bash``, ``%%writefile``, ...) is masked entirely.

Each stand-in ends with a comment naming its line (``# ipython-masked 12``), so a stand-in is
unique and the original line is put back wherever a fix moved it. Lines break where Python breaks
them (``\\n``, ``\\r\\n``, lone ``\\r``), not where ``str.splitlines`` does (form feed, U+2028).

A cell that does not parse on its own (IPython compiles each cell separately) is reported as
ADNN000 at its own position and masked, so the other cells are still linted and fixed.

A fix is written back surgically: only the ``source`` of the cells it changed is replaced in the
file's text, unchanged source lines keep their exact JSON spelling, and new ones follow the file's
own layout and ``\\u`` escaping, so a one-token fix is a one-line diff. Each fixed line is paired
with the line it was (:func:`adnn_lint.engine.splice.align_lines`), so it stays in that line's cell.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from adnn_lint.findings import CellMap, Finding, Span

#: Cell magics whose body is still Python: keep the body, mask the magic line.
_PYTHON_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "memit", "skip", "python", "python3"}
)
#: ``%name``, ``!cmd``, ``?name``; not ``% value`` or ``!= b`` continuing an expression.
_MAGIC_LINE = re.compile(r"^(?P<indent>[ \t]*)(?:%(?![\s=])|!(?!=)|\?)")
_ASSIGNED_MAGIC = re.compile(r"^(?P<head>[ \t]*[\w.\[\], ]+?[ \t]*=[ \t]*)(?:%|!)")
_HELP_SUFFIX = re.compile(r"^(?P<indent>[ \t]*)[\w.]+[ \t]*\?{1,2}[ \t]*$")
#: One physical line as Python's tokenizer sees it, with its line break.
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
LINE_END = re.compile(r"(?:\r\n|\r|\n)\Z")
_BLANK = re.compile(r"[ \t\f]*(?:\r\n|\r|\n)?")


class NotebookError(ValueError):
    """A notebook that is not valid nbformat JSON."""


def physical_lines(text: str) -> list[str]:
    """``text`` split after each ``\\n``, ``\\r\\n`` or lone ``\\r``, line breaks kept."""
    return _PHYSICAL_LINE.findall(text)


def line_ending(line: str) -> str:
    found = LINE_END.search(line)
    return found.group() if found else ""


@dataclass(frozen=True)
class Cell:
    """A code cell: 1-based number among code cells, its first line in the joined source."""

    number: int
    first_line: int
    line_count: int
    terminated: bool = True  # False: its last line has no line break (Jupyter's usual form)
    magic_header: bool = False  # starts with a cell magic (%%time): nothing may go above it
    opaque: bool = False  # its body is not Python (%%bash, or it does not parse): never written


@dataclass(frozen=True)
class Notebook:
    """The joined, masked Python source of a notebook's code cells."""

    source: str
    cells: tuple[Cell, ...]
    #: Each line of ``source`` as the cell holds it (a line break added where the cell has none).
    originals: tuple[str, ...] = field(default=(), repr=False)
    #: 0-based indexes of the lines of ``source`` that are stand-ins for IPython syntax.
    masked: frozenset[int] = field(default=frozenset(), repr=False)

    @property
    def cell_map(self) -> CellMap:
        return CellMap(tuple(cell.first_line for cell in self.cells))

    def locate(self, line: int) -> tuple[int, int]:
        """(cell number, line within the cell) of a line of the joined source."""
        cell, within = self.cell_map.locate(line)
        return (cell if cell is not None else 1), within

    def position(self, line: int, column: int) -> str:
        """``cell N:line:col`` of a joined-source position, as findings show it."""
        cell, within = self.locate(line)
        return f"cell {cell}:{within}:{column}"

    def relocate(self, finding: Finding) -> Finding:
        """A finding on the joined source, re-expressed as cell + line within the cell."""
        cell, line = self.locate(finding.span.line)
        end_cell, end_line = self.locate(finding.span.end_line)
        if end_cell != cell:
            end_line = line
        span = Span(line, finding.span.column, end_line, finding.span.end_column)
        return replace(finding, span=span, cell=cell)

    def masking(self, numbers: set[int]) -> Notebook:
        """This notebook with every line of the cells ``numbers`` masked (broken cells)."""
        lines = physical_lines(self.source)
        masked = set(self.masked)
        cells: list[Cell] = []
        for cell in self.cells:
            if cell.number in numbers:
                for index in range(cell.first_line - 1, cell.first_line - 1 + cell.line_count):
                    if not _is_import(lines[index]):  # its imports still serve the other cells
                        lines[index] = _comment_mask(index + 1, "\n")
                        masked.add(index)
                cell = replace(cell, opaque=True)
            cells.append(cell)
        source = "".join(lines)
        return replace(self, source=source, cells=tuple(cells), masked=frozenset(masked))


def _is_import(line: str) -> bool:
    """A top-level import statement on one line, that parses on its own."""
    if not line.startswith(("import ", "from ")):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            body = ast.parse(line).body
    except (SyntaxError, ValueError):
        return False
    return len(body) == 1 and isinstance(body[0], ast.Import | ast.ImportFrom)


def _comment_mask(line_number: int, ending: str) -> str:
    return f"# ipython-masked {line_number}{_stand_in_ending(ending)}"


def _stand_in_ending(ending: str) -> str:
    # Not a lone CR: LibCST drops one at the end of a module, and the stand-in would be lost.
    return ending if ending == "\r\n" else "\n"


def _neutralise_line(line: str, line_number: int) -> str | None:
    """The stand-in for one line of IPython syntax, or None for a Python line."""
    ending = line_ending(line)
    body = line[: len(line) - len(ending)]
    tag = f"  # ipython-masked {line_number}{_stand_in_ending(ending)}"
    assigned = _ASSIGNED_MAGIC.match(body)
    if assigned:
        return f"{assigned.group('head')}None{tag}"
    magic = _MAGIC_LINE.match(body) or _HELP_SUFFIX.match(body)
    if magic is None:
        return None
    indent = magic.group("indent")
    return f"{indent}pass{tag}" if indent else _comment_mask(line_number, ending)


def _python_cell_magic(line: str) -> bool:
    """Whether the body of the cell magic on this first line is Python (``%%time``)."""
    words = line.strip()[2:].split(maxsplit=1)
    return bool(words) and words[0] in _PYTHON_CELL_MAGICS


def _mask_cell(lines: Sequence[str], first_line: int) -> list[str | None]:
    """Per line of one cell: its stand-in, or None where the line is Python and kept."""
    masks: list[str | None] = [None] * len(lines)
    if _parses("".join(lines)):
        return masks  # plain Python: a line starting with % or ! continues an expression
    first = lines[0].strip() if lines else ""
    start = 0
    if first.startswith("%%"):
        whole = not _python_cell_magic(first)
        for index in range(len(lines) if whole else 1):
            masks[index] = _comment_mask(first_line + index, line_ending(lines[index]))
        if whole:
            return masks
        start = 1
    continued = False
    for index in range(start, len(lines)):
        line = lines[index]
        number = first_line + index
        if continued:
            masks[index] = _comment_mask(number, line_ending(line))
        else:
            masks[index] = _neutralise_line(line, number)
        if masks[index] is not None:
            # IPython joins a magic's lines that end in a backslash before running it.
            continued = line.rstrip("\r\n").endswith("\\")
    return masks


def neutralise(cell_source: str) -> str:
    """One cell with IPython-only syntax masked, keeping its line count."""
    lines = physical_lines(cell_source)
    masks = _mask_cell(lines, 1)
    return "".join(line if mask is None else mask for line, mask in zip(lines, masks, strict=True))


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


def cell_text(cell: dict[str, Any]) -> str:
    body = cell.get("source", "")
    return "".join(body) if isinstance(body, list) else str(body)


def parse_document(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        message = f"not valid notebook JSON: {err.msg} at {err.lineno}:{err.colno}"
        raise NotebookError(message) from err
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookError("not a Jupyter notebook: no top-level 'cells' list")
    return document


def load_notebook(text: str) -> Notebook:
    """Parse nbformat 4 JSON; raises NotebookError with the reason on malformed input."""
    document = parse_document(text)
    if not _is_python(document):
        return Notebook("", ())
    chunks: list[str] = []
    originals: list[str] = []
    masked: set[int] = set()
    cells: list[Cell] = []
    number = 0
    for raw in document["cells"]:
        if not isinstance(raw, dict) or raw.get("cell_type") != "code":
            continue
        number += 1
        lines = physical_lines(cell_text(raw))
        terminated = not lines or bool(line_ending(lines[-1]))
        if not terminated:
            lines[-1] += "\n"  # joined, the next cell must start on a line of its own
        first_line = len(originals) + 1
        for index, mask in enumerate(_mask_cell(lines, first_line)):
            if mask is not None:
                masked.add(len(originals))
            originals.append(lines[index])
            chunk = lines[index] if mask is None else mask
            if index == len(lines) - 1 and chunk.endswith("\r"):
                # Joined, a lone CR and a blank line opening the next cell would read as one
                # CRLF line; the original break is put back on write-back.
                chunk += "\n"
            chunks.append(chunk)
        header = bool(lines) and lines[0].lstrip().startswith("%%")
        opaque = header and not _python_cell_magic(lines[0])
        cells.append(Cell(number, first_line, len(lines), terminated, header, opaque))
    # LibCST drops some blank lines at the very end of a module when it prints one ("x\n\n  \n"
    # comes back as "x\n  \n"): stand-ins for the trailing blank lines keep them all.
    index = len(chunks) - 1
    while index >= 0 and _BLANK.fullmatch(chunks[index]):
        chunks[index] = _comment_mask(index + 1, line_ending(chunks[index]))
        masked.add(index)
        index -= 1
    return Notebook("".join(chunks), tuple(cells), tuple(originals), frozenset(masked))


# -- linting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A notebook ready to lint: cells that do not parse on their own masked and reported."""

    notebook: Notebook
    errors: tuple[Finding, ...] = ()  # ADNN000 per broken cell, already cell-relative

    def without(self, error: Finding) -> Prepared | None:
        """Also mask the cell of a syntax error found in the joined source (None: already done)."""
        number = self.notebook.locate(error.span.line)[0]
        if any(found.cell == number for found in self.errors):
            return None
        errors = (*self.errors, self.notebook.relocate(error))
        return Prepared(self.notebook.masking({number}), errors)


def prepare(notebook: Notebook, path: str) -> Prepared:
    """Mask the cells that do not parse, so that one broken cell does not hide the others.

    IPython compiles each cell on its own, so a cell that does not parse alone is the broken one
    (an unclosed bracket in cell 2 is reported by the joined source somewhere in a later cell).
    """
    if _parses(notebook.source):
        return Prepared(notebook)
    from adnn_lint.engine.lint import SYNTAX_CODE, lint_codes

    lines = physical_lines(notebook.source)
    errors: list[Finding] = []
    for cell in notebook.cells:
        alone = "".join(lines[cell.first_line - 1 : cell.first_line - 1 + cell.line_count])
        if _parses(alone):
            continue
        # The engine's own message and position for it (CPython's wording where it has one).
        found = _syntax_error(lint_codes(alone, path, frozenset({SYNTAX_CODE})).findings)
        if found is not None:
            errors.append(replace(found, cell=cell.number))
    masked = notebook.masking({error.cell for error in errors if error.cell is not None})
    return Prepared(masked, tuple(errors))


def first_syntax_error(notebook: Notebook, path: str) -> Finding | None:
    """The ADNN000 of the first cell that does not parse on its own, in cell + line position.

    For commands that stop at a syntax error (``layers``, ``spec``): the joined source's error
    may lie cells after the cause (an unclosed bracket), so name the broken cell instead.
    """
    errors = prepare(notebook, path).errors
    return errors[0] if errors else None


def _parses(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not our business
            ast.parse(source)
    except (SyntaxError, ValueError):  # ValueError: NUL bytes
        return False
    return True


def _syntax_error(findings: Sequence[Finding]) -> Finding | None:
    from adnn_lint.engine.lint import SYNTAX_CODE

    return next((f for f in findings if f.code == SYNTAX_CODE), None)


def lint_notebook(notebook: Notebook, path: str, codes: frozenset[str]) -> tuple[Finding, ...]:
    """Every finding of the notebook, in cell + line positions; a broken cell loses no other's."""
    from adnn_lint.engine.lint import SYNTAX_CODE, lint_codes

    def lint(current: Notebook) -> tuple[Finding, ...]:
        wide = codes | {SYNTAX_CODE}  # to know whether it parsed, whatever is selected
        return lint_codes(current.source, path, wide, cells=current.cell_map).findings

    prepared = Prepared(notebook)
    findings = lint(notebook)
    if _syntax_error(findings) is not None:
        prepared = prepare(notebook, path)
        if prepared.errors:
            findings = lint(prepared.notebook)
        # What only LibCST rejects: mask the cell of the reported line, one cell at a time.
        while (error := _syntax_error(findings)) is not None:
            following = prepared.without(error)
            if following is None:
                break  # cannot be isolated: the joined source's error is reported as it is
            prepared = following
            findings = lint(prepared.notebook)
    found = [prepared.notebook.relocate(f) for f in findings] + list(prepared.errors)
    return _in_order([f for f in found if f.code in codes])


@dataclass(frozen=True)
class NotebookFix:
    """The outcome of ``--fix`` on a notebook: its new text (None: unchanged) and what is left."""

    text: str | None
    fixed: int
    remaining: tuple[Finding, ...]
    notice: str | None = None  # why fixes that applied were not written


def fix_notebook(
    text: str, notebook: Notebook, path: str, codes: frozenset[str], *, unsafe: bool
) -> NotebookFix:
    """Apply fixes to the code cells and write them back into the notebook's JSON text."""
    from adnn_lint.engine.lint import SYNTAX_CODE, fix_codes
    from adnn_lint.engine.writeback import write_fixed

    prepared = prepare(notebook, path)
    current = prepared.notebook
    wide = codes | {SYNTAX_CODE}  # to know whether it parsed, whatever is selected
    fixed = fix_codes(current.source, path, wide, unsafe=unsafe, cells=current.cell_map)
    new_text = write_fixed(text, current, fixed.source) if fixed.source != current.source else None
    if new_text is None or new_text == text:
        if fixed.source == current.source and _syntax_error(fixed.remaining) is None:
            # Nothing to write, and the last lint saw every other cell: its findings stand.
            found = [current.relocate(f) for f in fixed.remaining] + list(prepared.errors)
            return NotebookFix(None, 0, _in_order([f for f in found if f.code in codes]))
        notice = None
        if new_text is None and fixed.source != current.source:
            notice = (
                "fixes not written: they would drop a masked IPython line or put code into a "
                "cell that is not Python"
            )
        return NotebookFix(None, 0, lint_notebook(notebook, path, codes), notice)
    # Inserted lines move the cells' positions: lint the written notebook for what is left.
    remaining = lint_notebook(load_notebook(new_text), path, codes)
    return NotebookFix(new_text, fixed.fixed, remaining)


def _in_order(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.cell or 0, f.span.line, f.span.column, f.code)))
