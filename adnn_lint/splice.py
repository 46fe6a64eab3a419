"""Put a fix's changes back into the original text, so ``--fix`` keeps every byte it did not edit.

LibCST does not print every module exactly as it read it: it drops a byte order mark, a form
feed before a statement at column 0, a final lone CR, some whitespace-only lines at the end of
the file and a backslash continuation at the start of a statement (which it may even re-indent).
So the fixed module's ``code`` cannot be written as it is. Three texts are compared instead:

- the original source,
- ``printed``: LibCST's print of the module parsed from it, untouched,
- ``fixed``: LibCST's print of the same module with the fixes applied.

``printed`` -> ``original`` is what LibCST lost; ``printed`` -> ``fixed`` is what the fixes did.
A three-way merge applies both to ``printed``: the result is the original text with exactly the
fixes' changes. Where both touch the same characters (a form feed right inside an edited
statement), the fix's text wins for those characters only, so the rest of the file stays the
original's.

Differences are found line by line first (difflib, the standard library; written here because
no well-kept three-way merge is available without a new dependency), then character by
character inside each differing block, so a lost form feed and an edit on the same line are
both kept.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

#: A line break as Python reads one.
_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Hunk:
    """``text`` in place of ``base[start:end]`` (an insertion when ``start == end``)."""

    start: int
    end: int
    text: str


def splice(original: str, printed: str, fixed: str) -> str:
    """``original`` with the changes that turn ``printed`` into ``fixed``."""
    if printed == fixed:
        return original
    kept = hunks(printed, original) if printed != original else []
    return merge(printed, kept, hunks(printed, fixed))


def hunks(base: str, other: str) -> list[Hunk]:
    """The changes from ``base`` to ``other``, in order, each as small as a character diff."""
    base_lines = base.splitlines(keepends=True)
    other_lines = other.splitlines(keepends=True)
    # Most lines are equal: trim the common ends before difflib looks at what is left.
    head = 0
    while (
        head < len(base_lines) and head < len(other_lines) and base_lines[head] == other_lines[head]
    ):
        head += 1
    tail = 0
    while (
        tail < len(base_lines) - head
        and tail < len(other_lines) - head
        and base_lines[-1 - tail] == other_lines[-1 - tail]
    ):
        tail += 1
    base_mid = base_lines[head : len(base_lines) - tail]
    other_mid = other_lines[head : len(other_lines) - tail]
    offset = sum(map(len, base_lines[:head]))
    base_at = _offsets(base_mid, offset)
    found: list[Hunk] = []
    # autojunk keeps popular lines (blank ones) from making difflib quadratic; every block it
    # calls equal still is equal, and the character diff below narrows the others.
    matcher = difflib.SequenceMatcher(a=base_mid, b=other_mid)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start = base_at[i1]
        found.extend(_char_hunks("".join(base_mid[i1:i2]), "".join(other_mid[j1:j2]), start))
    return found


def _offsets(lines: Sequence[str], start: int) -> list[int]:
    """Where each line starts, and where the last one ends."""
    at = [start]
    for line in lines:
        at.append(at[-1] + len(line))
    return at


def _char_hunks(base: str, other: str, start: int) -> list[Hunk]:
    """The character changes from ``base`` to ``other``; ``start``: where ``base`` lies."""
    head = 0
    while head < min(len(base), len(other)) and base[head] == other[head]:
        head += 1
    tail = 0
    while tail < min(len(base), len(other)) - head and base[-1 - tail] == other[-1 - tail]:
        tail += 1
    base_mid = base[head : len(base) - tail]
    other_mid = other[head : len(other) - tail]
    at = start + head
    matcher = difflib.SequenceMatcher(a=base_mid, b=other_mid, autojunk=False)
    return [
        Hunk(at + i1, at + i2, other_mid[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def merge(base: str, kept: Sequence[Hunk], edits: Sequence[Hunk]) -> str:
    """``base`` with both sets of changes; ``edits`` win where the two overlap.

    ``kept`` and ``edits`` are each sorted and non-overlapping. At one position, insertions go
    before replacements, and an edit's insertion before a kept one: new lines inserted above a
    statement go above the form feed that starts it, so that line stays as it was.
    """
    tagged = [(hunk, True) for hunk in edits] + [(hunk, False) for hunk in kept]
    tagged.sort(key=lambda item: (item[0].start, item[0].end > item[0].start, not item[1]))
    out: list[str] = []
    done = 0  # base[:done] is already written
    index = 0
    while index < len(tagged):
        # A cluster: hunks whose ranges overlap (an insertion counts inside a range around it).
        first, _ = tagged[index]
        low, high = first.start, first.end
        cluster = [tagged[index]]
        index += 1
        while index < len(tagged) and _overlaps(tagged[index][0], low, high):
            cluster.append(tagged[index])
            high = max(high, tagged[index][0].end)
            index += 1
        out.append(base[done:low])
        chosen = [item for item in cluster if item[1]] or cluster
        # The fix's view of base[low:high]: its edits, with base text between them.
        at = low
        for hunk, is_edit in chosen:
            out.append(base[at : hunk.start])
            out.append(_with_local_breaks(base, hunk) if is_edit else hunk.text)
            at = hunk.end
        out.append(base[at:high])
        done = high
    out.append(base[done:])
    return "".join(out)


def _overlaps(hunk: Hunk, low: int, high: int) -> bool:
    """Whether ``hunk`` shares characters with ``base[low:high]`` or is inserted inside it."""
    if hunk.start == hunk.end:
        return low < hunk.start < high
    # Hunks come sorted by start, so a range here starts at ``low`` or later.
    return hunk.start < high


def _with_local_breaks(base: str, edit: Hunk) -> str:
    """The edit's text with the line breaks of the line above it.

    LibCST ends every line it generates with the file's first line break; in a file that mixes
    them, a ``\\n`` inserted after a line ending in a lone ``\\r`` would join the two into one
    ``\\r\\n`` line. The line above's break (``\\r\\n`` where a lone ``\\r`` would join the
    ``\\n`` that follows) keeps every line apart and follows the local style.
    """
    if not _BREAK.search(edit.text):
        return edit.text
    above = max(base.rfind("\n", 0, edit.start), base.rfind("\r", 0, edit.start))
    # No line above (an edit on the first line): the break of the line it is on.
    found = _BREAK.match(base, above) if above >= 0 else _BREAK.search(base, edit.end)
    if found is None:
        return edit.text
    brk = found.group()
    if above >= 0 and base[above] == "\n" and base[above - 1 : above] == "\r":
        brk = "\r\n"
    if brk == "\r" and base[edit.end : edit.end + 1] == "\n":
        brk = "\r\n"
    return _BREAK.sub(brk, edit.text)
