"""Problems found in a spec, each tied to a key path and, where known, a line and column.

Parsing and checking collect every problem before giving up, so a hand-written spec with several
mistakes is reported in one run, each mistake once, at its own place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: A path into the document: ("model", "layers", 2, "initializers", "kernel", "family").
KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """``("model", "layers", 2, "units")`` -> ``model.layers[2].units`` (indices are 0-based)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "<document>"


@dataclass(frozen=True)
class SpecIssue:
    """One problem in a spec. ``line``/``column`` are 1-based; 0 when the place is unknown."""

    message: str
    path: KeyPath = ()
    line: int = 0
    column: int = 0

    @property
    def key(self) -> str:
        return format_path(self.path)

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}:{self.column}" if self.line else file
        return f"{where}: {self.key}: {self.message}"


class SpecError(ValueError):
    """A spec that does not parse or does not check.

    ``key``, ``line`` and ``column`` describe the first problem; ``issues`` holds all of them in
    document order.
    """

    def __init__(self, issues: Sequence[SpecIssue], path: str = "<spec>") -> None:
        if not issues:
            raise ValueError("SpecError needs at least one issue")
        self.issues: tuple[SpecIssue, ...] = tuple(issues)
        self.path = path
        first = self.issues[0]
        self.key: str = first.key
        self.line: int = first.line
        self.column: int = first.column
        super().__init__("\n".join(issue.render(path) for issue in self.issues))


class ContractSyntaxError(ValueError):
    """A malformed contract clause. ``offset`` is the 0-based character offset in the clause."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
