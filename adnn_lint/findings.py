"""The records of a reported problem: where (Span), what (Finding), and how to fix it (Fix, Edit).

Split from ``adnn_lint.scan.records`` (which re-exports them) because every run needs these and only
these: creating the scanner's dozen other frozen dataclasses costs ~15 ms, a sixth of a one-file
run on a file that never mentions Keras.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import libcst as cst

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Span:
    """A source range. Lines and columns are 1-based, as editors and ruff show them."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class CellMap:
    """Where each code cell of a notebook starts in its joined source; empty for a ``.py`` file.

    Rules name other lines in their messages through it, so that a notebook's message says
    ``cell 3:4`` (as its positions do) where a ``.py`` file's says ``line 7``.
    """

    starts: tuple[int, ...] = ()  # 1-based first line of code cell 1, 2, ...

    def locate(self, line: int) -> tuple[int | None, int]:
        """(cell number or None outside a notebook, line within it) of a joined-source line."""
        cell = bisect_right(self.starts, line)
        if cell == 0:
            return None, line
        return cell, line - self.starts[cell - 1] + 1

    def label(self, line: int) -> str:
        """``line 7``, or ``cell 3:4`` in a notebook."""
        cell, within = self.locate(line)
        return f"line {line}" if cell is None else f"cell {cell}:{within}"

    def labels(self, lines: Sequence[int]) -> str:
        """``line(s) 3, 7``, or ``cell 1:3, cell 3:4`` in a notebook."""
        if not self.starts:
            return "line(s) " + ", ".join(str(line) for line in lines)
        return ", ".join(self.label(line) for line in lines)


#: The CellMap of a ``.py`` file (no cells).
NO_CELLS = CellMap()


@dataclass(frozen=True)
class Edit:
    """Replace one CST node by another (or by several statements, for insertions)."""

    original: cst.CSTNode = field(compare=False)
    replacement: cst.CSTNode | cst.FlattenSentinel[cst.BaseStatement] = field(compare=False)


@dataclass(frozen=True)
class Fix:
    """An autofix: node replacements plus imports to add, marked safe or unsafe."""

    description: str
    edits: tuple[Edit, ...]
    safe: bool = True
    # (module, name) pairs: `from module import name`, or `import module` when name is None
    imports: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class Finding:
    """One reported problem. ``fix`` lives only in the process that produced the finding."""

    code: str
    name: str
    message: str
    path: str
    span: Span
    severity: Severity = "warning"
    cell: int | None = None  # notebook code cell (1-based), positions then relative to the cell
    fix_description: str | None = None
    fix_safe: bool | None = None
    fix: Fix | None = field(default=None, compare=False, repr=False)
