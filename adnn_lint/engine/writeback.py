"""Writing fixed code cells back into a notebook's JSON text: each fixed line goes back to the
cell it came from, masked IPython lines come back as written, and only the ``source`` of changed
cells is replaced, in the file's own JSON spelling (indent, escaping, line endings)."""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

#: Cell magics whose body is still Python: keep the body, mask the magic line.
from adnn_lint.engine.notebook import (
    LINE_END,
    Cell,
    Notebook,
    cell_text,
    line_ending,
    parse_document,
    physical_lines,
)

_INDENT = re.compile(r"[ \t\f]*")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_ESCAPED_NON_ASCII = re.compile(r"\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")
_DECODER = json.JSONDecoder()


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
                text = rewritten[: len(rewritten) - len(line_ending(rewritten))] + line_ending(text)
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
    body = line[indent.end() : len(line) - len(line_ending(line))]
    return indent.group().replace("\f", "") + body


def _cell_body(lines: list[str], cell: Cell) -> str:
    joined = "".join(lines)
    if not cell.terminated:
        joined = LINE_END.sub("", joined)  # Jupyter stores a cell without its final newline
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
    document = parse_document(text)
    code_cells = [
        index
        for index, raw in enumerate(document["cells"])
        if isinstance(raw, dict) and raw.get("cell_type") == "code"
    ]
    changed: dict[int, str] = {}
    for cell, lines in zip(notebook.cells, per_cell, strict=True):
        body = _cell_body(lines, cell)
        if body != cell_text(document["cells"][code_cells[cell.number - 1]]):
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
