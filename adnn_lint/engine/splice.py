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

Differences are found line by line first, then character by character inside each differing
block, so a lost form feed and an edit on the same line are both kept. The line diff is a
patience diff (lines unique on both sides anchor it) that hands only small gaps to difflib, so
its cost stays near linear on files full of repeated lines; the diff and the merge are written
here (no well-kept three-way merge or patience diff is available without a new dependency).
Lines the fix generates take the line break of the line above them (see
:func:`_with_local_breaks`). :func:`align_lines` pairs each fixed line with the line it was, for
the notebook write-back, which must keep every line in its cell.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from adnn_lint.engine.notebook import physical_lines

#: Above this product of two sides' lengths difflib's cost (quadratic at worst) is not paid: lines
#: are anchored instead, and characters compared as one block.
_DIFFLIB_LIMIT = 250_000
#: A line break as Python reads one.
_BREAK = re.compile(r"\r\n|\r|\n")
#: Costs of a line alignment (:func:`align_lines`). Pairing two lines costs up to an insertion plus
#: a deletion, less the more alike they are (a line a fix rewrote pairs with the line it was);
#: deleting a line of the original costs most, since a fix only ever merges the lines of one
#: statement, never drops one.
_INSERT_COST = 1.0
_DELETE_COST = 1.5
#: How far an alignment may stray from the diagonal beyond the sides' difference in length.
_BAND_SLACK = 3


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
    kept = hunks(printed, original, loose=True) if printed != original else []
    return merge(printed, kept, hunks(printed, fixed))


def hunks(base: str, other: str, *, loose: bool = False) -> list[Hunk]:
    """The changes from ``base`` to ``other``, in order, each as small as a character diff.

    ``loose``: match lines that differ only in surrounding whitespace (form feeds, indentation,
    line breaks) as the same line, so what LibCST dropped from a line is a change within it,
    not a line removed and another inserted.
    """
    # Lines as Python breaks them: str.splitlines would also break at a form feed or U+2028, and
    # a form feed LibCST dropped would then read as a line of its own.
    base_lines = physical_lines(base)
    other_lines = physical_lines(other)
    base_keys = [line.strip() for line in base_lines] if loose else base_lines
    other_keys = [line.strip() for line in other_lines] if loose else other_lines
    base_at = _offsets(base_lines)
    found: list[Hunk] = []

    def paired(i: int, j: int, count: int) -> None:
        # Line k for line k: a fix rewrites tokens in place, LibCST drops characters in place.
        for k in range(count):
            if base_lines[i + k] != other_lines[j + k]:
                pair = (base_lines[i + k], other_lines[j + k])
                found.extend(_char_hunks(*pair, base_at[i + k]))

    i = j = 0
    end = (len(base_lines), len(base_lines), len(other_lines), len(other_lines))
    for i1, i2, j1, j2 in [*_line_blocks(base_keys, other_keys), end]:
        paired(i, j, i1 - i)  # equal lines (loosely equal ones may still differ)
        if i2 - i1 == j2 - j1:
            paired(i1, j1, i2 - i1)
        else:
            block = ("".join(base_lines[i1:i2]), "".join(other_lines[j1:j2]))
            found.extend(_char_hunks(*block, base_at[i1]))
        i, j = i2, j2
    return found


def _offsets(lines: Sequence[str]) -> list[int]:
    """Where each line starts, and where the last one ends."""
    at = [0]
    for line in lines:
        at.append(at[-1] + len(line))
    return at


def _line_blocks(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """The blocks ``a[i1:i2]`` -> ``b[j1:j2]`` that differ, in order.

    Patience diff: lines found once on each side anchor the match (their longest run in the same
    order), and each gap between anchors is matched the same way again. difflib compares only
    a small gap; on its own it is quadratic in a line repeated many times (blank lines), or with
    its popular-line heuristic it calls a whole file of such lines one changed block.
    """
    blocks: list[tuple[int, int, int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        i1, i2, j1, j2 = stack.pop()
        while i1 < i2 and j1 < j2 and a[i1] == b[j1]:
            i1, j1 = i1 + 1, j1 + 1
        while i1 < i2 and j1 < j2 and a[i2 - 1] == b[j2 - 1]:
            i2, j2 = i2 - 1, j2 - 1
        if i1 == i2 or j1 == j2 or i2 - i1 == j2 - j1:
            if i1 < i2 or j1 < j2:
                blocks.append((i1, i2, j1, j2))
            continue
        if (i2 - i1) * (j2 - j1) <= _DIFFLIB_LIMIT:
            # A blank line may extend a match but not anchor one: lining up an inserted blank
            # line with an old one would read the fixed line between them as moved.
            matcher = difflib.SequenceMatcher(_blank, a[i1:i2], b[j1:j2], autojunk=False)
            blocks.extend(
                (i1 + p1, i1 + p2, j1 + q1, j1 + q2)
                for tag, p1, p2, q1, q2 in matcher.get_opcodes()
                if tag != "equal"
            )
            continue
        anchors = _anchors(a, i1, i2, b, j1, j2)
        if not anchors:
            blocks.append((i1, i2, j1, j2))  # nothing to hold on to: one block
            continue
        # Gaps between anchors, pushed last first so they pop in order.
        bounds = [(i1 - 1, j1 - 1), *anchors, (i2, j2)]
        for (p, q), (p_next, q_next) in reversed(list(itertools.pairwise(bounds))):
            stack.append((p + 1, p_next, q + 1, q_next))
    blocks.sort()
    return blocks


@dataclass(frozen=True)
class Step:
    """One step of a line alignment of ``a`` with ``b``.

    ``pair``: ``a[old]`` became ``b[new]`` (the same line, or one a fix rewrote); ``insert``:
    ``b[new]`` is new, before ``a[old]`` (``old == len(a)``: at the end); ``delete``: ``a[old]``
    is gone, before ``b[new]``.
    """

    kind: Literal["pair", "insert", "delete"]
    old: int
    new: int


def align_lines(a: Sequence[str], b: Sequence[str]) -> list[Step]:
    """Every line of ``a`` and ``b`` aligned, in order, so that rewritten lines pair up.

    Where :func:`hunks` only needs the changed text, a notebook needs to know which original line
    each fixed line is, to keep it in its cell. A plain longest-common-subsequence diff cannot
    tell: a fix that inserts ``import keras`` at the top of cell 1 and rewrites the line below
    it matches the inserted line with an ``import keras`` of cell 2 just as well, reading the
    rewritten line as deleted from cell 1 and inserted into cell 2. Here lines unique on both
    sides anchor the alignment (as in :func:`_line_blocks`), and each gap between anchors is
    aligned at the least cost (``_INSERT_COST``, ``_DELETE_COST``, and a pairing cost that falls
    as two lines grow alike), in a band around the diagonal so that its cost stays linear in the
    gap's length. Written here: difflib has no weighted alignment.
    """
    steps: list[Step] = []
    bounds = [(-1, -1), *_anchors(a, 0, len(a), b, 0, len(b)), (len(a), len(b))]
    for (p, q), (p_next, q_next) in itertools.pairwise(bounds):
        steps.extend(_banded_alignment(a, p + 1, p_next, b, q + 1, q_next))
        if p_next < len(a):
            steps.append(Step("pair", p_next, q_next))
    return steps


def _banded_alignment(
    a: Sequence[str], i1: int, i2: int, b: Sequence[str], j1: int, j2: int
) -> list[Step]:
    """The least-cost alignment of ``a[i1:i2]`` with ``b[j1:j2]``, within a band (see above)."""
    n, m = i2 - i1, j2 - j1
    low = min(0, m - n) - _BAND_SLACK  # the band: low <= j - i <= high
    width = max(0, m - n) + _BAND_SLACK - low + 1
    alike: dict[tuple[str, str], float] = {}

    def pair_cost(x: str, y: str) -> float:
        if x == y:
            return 0.0
        if (x, y) not in alike:
            matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
            # Past the limit, how alike the characters are (linear) rather than how they line up.
            too_long = len(x) * len(y) > _DIFFLIB_LIMIT
            ratio = matcher.quick_ratio() if too_long else matcher.ratio()
            alike[x, y] = (_INSERT_COST + _DELETE_COST) * (1.0 - ratio)
        return alike[x, y]

    # cost[i][k], move[i][k]: the cheapest alignment of a[i1:i1+i] with b[j1:j1+i+k+low], and
    # its last step. On a tie a pairing wins, so that lines a fix inserts go as early as lines
    # alike allow: a fix inserts a statement with its blank lines above it, right below the
    # statement it follows, not below the blank lines after that.
    inf = float("inf")
    cost = [[inf] * width for _ in range(n + 1)]
    move: list[list[Literal["pair", "insert", "delete"] | None]] = [
        [None] * width for _ in range(n + 1)
    ]
    cost[0][-low] = 0.0
    for i in range(n + 1):
        row, above = cost[i], cost[i - 1] if i else None
        for k in range(width):
            j = i + k + low
            if j < 0 or j > m or (i == 0 and j == 0):
                continue
            best: float = inf
            how: Literal["pair", "insert", "delete"] | None = None
            if above is not None and j > 0 and above[k] < inf:
                best, how = above[k] + pair_cost(a[i1 + i - 1], b[j1 + j - 1]), "pair"
            if j > 0 and k > 0 and row[k - 1] + _INSERT_COST < best:
                best, how = row[k - 1] + _INSERT_COST, "insert"
            if above is not None and k + 1 < width and above[k + 1] + _DELETE_COST < best:
                best, how = above[k + 1] + _DELETE_COST, "delete"
            row[k], move[i][k] = best, how
    steps: list[Step] = []
    i, j = n, m
    while i or j:
        how = move[i][j - i - low]
        if how == "pair":
            i, j = i - 1, j - 1
            steps.append(Step("pair", i1 + i, j1 + j))
        elif how == "insert":
            j -= 1
            steps.append(Step("insert", i1 + i, j1 + j))
        else:
            assert how == "delete"  # every cell of the band is reached from (0, 0)
            i -= 1
            steps.append(Step("delete", i1 + i, j1 + j))
    return steps[::-1]


def _blank(line: str) -> bool:
    return not line.strip()


def _anchors(
    a: Sequence[str], i1: int, i2: int, b: Sequence[str], j1: int, j2: int
) -> list[tuple[int, int]]:
    """Pairs (i, j) of lines unique in ``a[i1:i2]`` and in ``b[j1:j2]``, in order on both sides."""
    count_a = Counter(a[i1:i2])
    count_b = Counter(b[j1:j2])
    where_b = {b[j]: j for j in range(j1, j2) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(i1, i2) if count_a[a[i]] == 1 and a[i] in where_b]
    # The longest subsequence increasing in j (patience sorting): the anchors that agree.
    tops: list[int] = []  # tops[k]: smallest j ending an increasing run of length k + 1
    ends: list[int] = []  # index into pairs of that run's last pair
    back: list[int] = []  # previous pair of each pair in its run
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tops, j)
        back.append(ends[k - 1] if k else -1)
        if k == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[k], ends[k] = j, index
    chain: list[tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        chain.append(pairs[index])
        index = back[index]
    return chain[::-1]


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
    if len(base_mid) * len(other_mid) > _DIFFLIB_LIMIT:
        return [Hunk(at, at + len(base_mid), other_mid)]  # too long to compare by character
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
            out.append(_with_local_breaks(out, base, hunk) if is_edit else hunk.text)
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


def _with_local_breaks(written: Sequence[str], base: str, edit: Hunk) -> str:
    """The edit's text with the line break of the line above it (the last one ``written``).

    LibCST ends every line it generates with one break for the whole file; in a file that mixes
    them that is foreign to some places, and a ``\\n`` right after a line ending in a lone
    ``\\r`` would join the two into one ``\\r\\n`` line. The line above's break (``\\r\\n``
    where a lone ``\\r`` would join the ``\\n`` that follows) keeps every line apart and
    follows the local style.
    """
    if not _BREAK.search(edit.text):
        return edit.text
    brk = _last_break(written)
    if brk is None:  # no line above (an edit on the first line): the break of the line it is on
        found = _BREAK.search(base, edit.end)
        if found is None:
            return edit.text
        brk = found.group()
    if brk == "\r" and base[edit.end : edit.end + 1] == "\n":
        brk = "\r\n"
    return _BREAK.sub(brk, edit.text)


def _last_break(pieces: Sequence[str]) -> str | None:
    """The last line break in the text ``pieces`` make up, or None."""
    tail = ""
    for piece in reversed(pieces):
        tail = piece + tail
        at = max(tail.rfind("\n"), tail.rfind("\r"))
        if at > 0 or (at == 0 and tail[0] == "\r"):
            return "\r\n" if tail[at - 1 : at + 1] == "\r\n" else tail[at]
    return "\n" if tail.startswith("\n") else None
