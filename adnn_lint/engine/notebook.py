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
import difflib
import itertools
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
_LINE_END = re.compile(r"(?:\r\n|\r|\n)\Z")
_BLANK = re.compile(r"[ \t\f]*(?:\r\n|\r|\n)?")
_INDENT = re.compile(r"[ \t\f]*")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_ESCAPED_NON_ASCII = re.compile(r"\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")
_DECODER = json.JSONDecoder()


class NotebookError(ValueError):
    """A notebook that is not valid nbformat JSON."""


def physical_lines(text: str) -> list[str]:
    """``text`` split after each ``\\n``, ``\\r\\n`` or lone ``\\r``, line breaks kept."""
    return _PHYSICAL_LINE.findall(text)


def _ending(line: str) -> str:
    found = _LINE_END.search(line)
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
    ending = _ending(line)
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
            masks[index] = _comment_mask(first_line + index, _ending(lines[index]))
        if whole:
            return masks
        start = 1
    continued = False
    for index in range(start, len(lines)):
        line = lines[index]
        number = first_line + index
        if continued:
            masks[index] = _comment_mask(number, _ending(line))
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


def _cell_text(cell: dict[str, Any]) -> str:
    body = cell.get("source", "")
    return "".join(body) if isinstance(body, list) else str(body)


def _parse_document(text: str) -> dict[str, Any]:
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
    document = _parse_document(text)
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
        lines = physical_lines(_cell_text(raw))
        terminated = not lines or bool(_ending(lines[-1]))
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
        chunks[index] = _comment_mask(index + 1, _ending(chunks[index]))
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


# -- writing back ------------------------------------------------------------------------------


def _owned_lines(notebook: Notebook, fixed: str) -> list[list[str]] | None:
    """The fixed source's lines, per cell, with every stand-in replaced by its original line.

    Unchanged and replaced lines stay in their cells; inserted lines go where
    :func:`_insertion_spot` says. None when a fix dropped a stand-in (the line it stands for
    would be lost) or an insertion has no cell that can hold Python.
    """
    old = physical_lines(notebook.source)
    new = physical_lines(fixed)
    owner = [index for index, cell in enumerate(notebook.cells) for _ in range(cell.line_count)]
    stand_ins = {old[index]: index for index in notebook.masked}
    kept = [line for line in new if line in stand_ins]
    if len(kept) != len(stand_ins) or len(set(kept)) != len(stand_ins):
        return None
    # (old line, -1 before it / 0 it / 1 after it, order of arrival), cell index, text
    placed: list[tuple[tuple[int, int, int], int, str]] = []

    def restore(line: str) -> str:
        masked = stand_ins.get(line)
        return notebook.originals[masked] if masked is not None else line

    def insert(at: int, lines: Sequence[str]) -> bool:
        spot = _insertion_spot(notebook, old, owner, at)
        if spot is None:
            return False
        (line, side), cell = spot
        placed.extend(((line, side, len(placed)), cell, restore(text)) for text in lines)
        return True

    # LibCST drops a form feed from a line's indentation and a lone CR at the end of the source
    # when it prints a module: a line that differs only so is one the fix did not touch, and
    # keeps its original text. Each line of the fix pairs with the line it was, so it stays in
    # that line's cell; the lines it inserts before one old line go in together.
    from adnn_lint.engine.splice import align_lines  # splice uses this module's line splitting

    steps = align_lines([_match_key(line) for line in old], [_match_key(line) for line in new])
    for (kind, at), group in itertools.groupby(steps, key=lambda step: (step.kind, step.old)):
        lines = [new[step.new] for step in group]
        if kind == "pair":  # one line: no two steps pair the same old line
            text = notebook.originals[at]
            if _match_key(old[at]) != _match_key(lines[0]):
                # A fix rewrites tokens, never a line break: the line keeps its own.
                rewritten = restore(lines[0])
                text = rewritten[: len(rewritten) - len(_ending(rewritten))] + _ending(text)
            placed.append(((at, 0, 0), owner[at], text))
        elif kind == "insert" and not insert(at, lines):
            return None
    per_cell: list[list[str]] = [[] for _ in notebook.cells]
    for _, cell, text in sorted(placed, key=lambda item: item[0]):
        per_cell[cell].append(text)
    return per_cell


def _insertion_spot(
    notebook: Notebook, old: Sequence[str], owner: Sequence[int], at: int
) -> tuple[tuple[int, int], int] | None:
    """Where lines inserted before old line ``at`` (0-based) go: ((line, side), cell index).

    At the end of the cell of the line they follow, as a reader expects; but never into a cell
    whose body is not Python (``%%bash``, a broken cell) nor above a cell magic's first line.
    Moving them across masked comment lines changes nothing the code does, so the spot may move
    up or down across such lines to a cell that can hold them. None when there is no such spot.
    """
    cells = notebook.cells

    def comment(k: int) -> bool:
        return k in notebook.masked and old[k].startswith("#")

    def spot(p: int) -> tuple[tuple[int, int], int] | None:
        if p > 0 and not cells[owner[p - 1]].opaque:
            return (p - 1, 1), owner[p - 1]  # at the end of the cell of the line above
        if p < len(old):
            cell = cells[owner[p]]
            if cell.first_line - 1 == p and not cell.opaque and not cell.magic_header:
                return (p, -1), owner[p]  # at the start of the next cell
        return None

    candidates = [at]
    up = at
    while up > 0 and comment(up - 1):
        up -= 1
        candidates.append(up)
    down = at
    while down < len(old) and comment(down):
        down += 1
        candidates.append(down)
    return next((found for p in candidates if (found := spot(p)) is not None), None)


def _match_key(line: str) -> str:
    indent = _INDENT.match(line)
    assert indent is not None  # the pattern matches the empty string
    body = line[indent.end() : len(line) - len(_ending(line))]
    return indent.group().replace("\f", "") + body


def _cell_body(lines: list[str], cell: Cell) -> str:
    joined = "".join(lines)
    if not cell.terminated:
        joined = _LINE_END.sub("", joined)  # Jupyter stores a cell without its final newline
    return joined


def write_fixed(text: str, notebook: Notebook, fixed: str) -> str | None:
    """The notebook's JSON text with the fixed joined source put back into its code cells.

    Lines the fix left alone keep their original text (magics included, not their stand-ins);
    changed lines stay in their cells and inserted ones go where :func:`_insertion_spot` says.
    Only the ``source`` of changed cells is rewritten. None when the fix cannot be put back
    without losing a line.
    """
    per_cell = _owned_lines(notebook, fixed)
    if per_cell is None:
        return None
    document = _parse_document(text)
    code_cells = [
        index
        for index, raw in enumerate(document["cells"])
        if isinstance(raw, dict) and raw.get("cell_type") == "code"
    ]
    changed: dict[int, str] = {}
    for cell, lines in zip(notebook.cells, per_cell, strict=True):
        body = _cell_body(lines, cell)
        if body != _cell_text(document["cells"][code_cells[cell.number - 1]]):
            changed[code_cells[cell.number - 1]] = body
    layout = _JsonLayout.of(text)
    edits: list[tuple[int, int, str]] = []
    for (index, body), (start, end) in zip(
        changed.items(), layout.source_spans(list(changed)), strict=True
    ):
        old = document["cells"][index].get("source")
        edits.append((start, end, layout.encode_source(start, end, old, body)))
    # Pieces joined once: replacing cell by cell copies the whole text for every changed cell.
    pieces: list[str] = []
    done = 0
    for start, end, replacement in sorted(edits):
        pieces += (text[done:start], replacement)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


# -- the file's own JSON layout ----------------------------------------------------------------
# The standard library's json module gives no positions: this small walker over the (already
# validated) text finds them, leaving every value's decoding to json's own decoder.


def _space(text: str, index: int) -> int:
    found = _JSON_SPACE.match(text, index)
    assert found is not None  # the pattern matches the empty string
    return found.end()


def _object_spans(text: str, start: int) -> dict[str, tuple[int, int]]:
    """Key -> (start, end) of each value of the JSON object at ``start``."""
    spans: dict[str, tuple[int, int]] = {}
    index = _space(text, start + 1)
    while text[index] != "}":
        key, index = _DECODER.raw_decode(text, index)
        index = _space(text, _space(text, index) + 1)  # past the colon
        _, end = _DECODER.raw_decode(text, index)
        spans[key] = (index, end)
        index = _space(text, end)
        if text[index] == ",":
            index = _space(text, index + 1)
    return spans


def _array_spans(text: str, start: int) -> list[tuple[int, int]]:
    """(start, end) of each element of the JSON array at ``start``."""
    spans: list[tuple[int, int]] = []
    index = _space(text, start + 1)
    while text[index] != "]":
        _, end = _DECODER.raw_decode(text, index)
        spans.append((index, end))
        index = _space(text, end)
        if text[index] == ",":
            index = _space(text, index + 1)
    return spans


@dataclass(frozen=True)
class _JsonLayout:
    text: str
    ensure_ascii: bool

    @classmethod
    def of(cls, text: str) -> _JsonLayout:
        # Non-ASCII written raw wins; \u escapes of non-ASCII text mean json's default escaping;
        # with no evidence either way, nbformat's own style (raw UTF-8).
        ensure_ascii = text.isascii() and _ESCAPED_NON_ASCII.search(text) is not None
        return cls(text, ensure_ascii)

    def source_spans(self, cell_indexes: Sequence[int]) -> list[tuple[int, int]]:
        """(start, end) of the ``source`` value of each of the cells ``cell_indexes``."""
        top = _object_spans(self.text, _space(self.text, 0))
        cells = _array_spans(self.text, top["cells"][0])
        return [_object_spans(self.text, cells[index][0])["source"] for index in cell_indexes]

    def _string(self, value: str) -> str:
        return json.dumps(value, ensure_ascii=self.ensure_ascii)

    def encode_source(self, start: int, end: int, old: object, body: str) -> str:
        """The JSON for a cell's new ``source`` in place of ``text[start:end]``."""
        if not isinstance(old, list):
            return self._string(body)
        elements = _array_spans(self.text, start)
        old_lines = [str(item) for item in old]
        new_lines = _split_like(old_lines, body)
        if not elements or not new_lines:
            # A cell without lines never receives any (see _insertion_spot): only an emptied one.
            return json.dumps(new_lines, ensure_ascii=self.ensure_ascii)
        raw = [self.text[a:b] for a, b in elements]
        opening = self.text[start + 1 : elements[0][0]]
        closing = self.text[elements[-1][1] : end - 1]
        between = self.text[elements[0][1] : elements[1][0]] if len(elements) > 1 else None
        separator = between if between is not None else "," + opening
        encoded: list[str] = []
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                encoded.extend(raw[i1:i2])  # unchanged lines keep their exact spelling
            else:
                encoded.extend(self._string(line) for line in new_lines[j1:j2])
        return "[" + opening + separator.join(encoded) + closing + "]"


def _split_like(old_lines: list[str], body: str) -> list[str]:
    """``body`` split into source lines the way the file split the cell's old source."""
    joined = "".join(old_lines)
    splits_more = joined.splitlines(keepends=True) == old_lines != physical_lines(joined)
    if old_lines and splits_more:
        return body.splitlines(keepends=True)  # the file splits where str.splitlines does
    return physical_lines(body)
