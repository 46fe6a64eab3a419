"""Property-based: ``--fix`` on generated ``.py`` files changes only the lines its edits touch.

The sources mix what LibCST does not print back as it read it (a form feed before a statement,
a leading form feed, a final lone CR, whitespace-only lines at the end, a backslash continuation
starting a statement, a byte order mark) with what must survive any fix (CRLF, lone CR and mixed
line breaks, U+2028 in strings and comments, tab indentation, a missing final newline, a PEP 263
coding line and non-ASCII text in that encoding) around lines with fixable findings.
"""

from __future__ import annotations

import ast
import itertools
import re

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from adnn_lint.engine.lint import codes_for
from adnn_lint.engine.notebook import physical_lines
from adnn_lint.engine.runner import FileResult, Task, decode_source, lint_task
from adnn_lint.engine.splice import hunks, merge

TYPO = "layer = keras.layers.Dense(2, kernel_initializer='glorot_unifrom')"
ZERO_MODEL = [
    "model = keras.Sequential([keras.Input(shape=(4,)), "
    "keras.layers.Dense(8, kernel_initializer='zeros'), keras.layers.Dense(1)])",
    "model.compile(loss='mse')",
    "model.fit(x, y)",
]
#: What a fix may rewrite in a line: the initializer argument, nothing else.
INITIALIZER = re.compile(r"kernel_initializer='[a-z_]+'")
#: What the seed fix inserts (with blank lines around it): imports and seeding calls, no more.
INSERTABLE = re.compile(
    r"import \w+(?: as \w+)?|from [\w.]+ import \w+"
    r"|[\w.]+\.(?:set_random_seed|set_seed|seed)\(0\)"
)

#: Each block is a list of lines without line breaks; each line gets its own break below.
BLOCKS: list[list[str]] = [
    ["import keras"],
    ["import numpy as np"],
    ["x = 1"],
    ["x = 1   "],
    ["w = [1,  # kept", "     2]"],
    [""],
    ["  "],
    ["\t"],
    ["# café ☕"],
    ["s = 'a\u2028b'"],
    ["# a\u2028b"],
    ["\x0cy = 2"],
    ["\x0c"],
    ["  \x0c"],
    ["if x:", "\ty = 1"],
    ["\\", "z = 3"],
    [TYPO],
    ["\x0c" + TYPO],
    ["layer2 = keras.layers.Dense(", "    4,", "    kernel_initializer='glorot_unifrom',", ")"],
    ["def f():", "    return keras.layers.Dense(2, kernel_initializer='glorot_unifrom')"],
    ZERO_MODEL,
]
BREAKS = ["\n", "\r\n", "\r"]


@st.composite
def sources(draw: st.DrawFn) -> bytes:
    blocks = draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=8))
    # Fixable code twice as often, so that most files have something to fix.
    blocks += draw(st.lists(st.sampled_from([[TYPO], ZERO_MODEL, ["import keras"]]), max_size=2))
    blocks = draw(st.permutations(blocks))
    if draw(st.integers(0, 9)):
        # The rules only see Keras code that imports it; the seed fix follows the import's API.
        imports = st.sampled_from(["import keras", "from tensorflow import keras"])
        blocks = [[draw(imports)], *blocks]
    mixed = draw(st.booleans())
    one_break = draw(st.sampled_from(BREAKS))
    lines = [
        line + (draw(st.sampled_from(BREAKS)) if mixed else one_break)
        for block in blocks
        for line in block
    ]
    if draw(st.booleans()):
        ends = st.sampled_from(["\n", "  \n", "\t\r\n", "\r", "\x0c\n"])
        lines += draw(st.lists(ends, max_size=3))  # whitespace-only lines at the end
    if draw(st.booleans()) and not lines[-1].rstrip("\r\n").endswith("\\"):
        lines[-1] = lines[-1].rstrip("\r\n")  # no final line break
    text = "".join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
    if encoding == "latin-1":
        head = draw(st.sampled_from(["", "#!/usr/bin/env python\n"]))
        text = head + "# -*- coding: latin-1 -*-\n" + text.replace("☕", "").replace("\u2028", " ")
    return text.encode(encoding)


def _run(data: bytes, fix: bool) -> FileResult:
    task = Task("m.py", "m.py", codes_for(None, None), fix=fix, unsafe_fixes=True)
    result = lint_task(task, data)
    assert not result.internal_error, result.notice
    return result


def _text(data: bytes) -> str:
    decoded = decode_source(data, "m.py")
    assert isinstance(decoded, tuple), decoded
    return decoded[0]


def _key(line: str) -> str:
    """A line with its initializer argument blanked: what a fix may change in it."""
    return INITIALIZER.sub("kernel_initializer=?", line)


def assert_only_fixable_lines_change(before: str, after: str) -> None:
    """Every line of ``before`` is in ``after``, in order, byte for byte but for the initializer
    argument a fix rewrites; every other line of ``after`` is an inserted import, seeding call or
    blank line."""
    old, new = physical_lines(before), physical_lines(after)
    j = 0
    for line in old:
        # The earliest match: if ``old`` is a subsequence of ``new`` by key, this finds one.
        while j < len(new) and _key(new[j]) != _key(line):
            body = new[j].strip()
            assert not body or INSERTABLE.fullmatch(body), (old, new, new[j])
            j += 1
        assert j < len(new), (old, new, line)  # a line was lost or changed
        j += 1
    for extra in new[j:]:
        assert not extra.strip() or INSERTABLE.fullmatch(extra.strip()), (old, new, extra)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sources())
# The reproductions: trailing whitespace-only lines, a leading form feed, a final lone CR.
@example(("import keras\n" + TYPO + "\n\n  \n").encode())
@example(("\x0cimport keras\n" + TYPO + "\n").encode())
@example(("import keras\r" + TYPO + "\r").encode())
# Found by this test: lines matched exactly paired a form-fed line with another copy of it, and
# the merge duplicated a line and lost the last one.
@example(("import keras\n\x0c" + TYPO + "\n\x0c" + TYPO + "\n" + (TYPO + "\n") * 2 + "\r").encode())
# Found by this test: an inserted blank line matched an old one, the fixed line read as moved,
# and the form feed that started it was left above the inserted lines.
@example(
    ("import keras\nimport keras\n\x0c" + TYPO + "\n\n" + "\n".join(ZERO_MODEL) + "\n").encode()
)
def test_fix_keeps_every_other_byte_reparses_and_is_idempotent(data: bytes) -> None:
    result = _run(data, fix=True)
    event("fixed" if result.fixed_source is not None else "nothing to fix")
    if result.fixed_source is None:
        return
    written = result.fixed_source.encode(result.encoding)
    after = _text(written)
    assert after == result.fixed_source  # written in its own encoding, read back the same
    ast.parse(after)
    assert_only_fixable_lines_change(_text(data), after)
    assert written.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    assert _run(written, fix=True).fixed_source is None


#: Few distinct lines, so most repeat (as blank lines and closing brackets do), and a few unique.
LINES = st.sampled_from(["\n", "    )\n", "x = 1\n", "x = 2\r\n", "\x0c\n", "y\r"]) | st.from_regex(
    r"z[0-9]{1,4}\n", fullmatch=True
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(LINES, max_size=700),
    st.lists(st.tuples(st.integers(0, 700), st.integers(0, 3), st.lists(LINES, max_size=3))),
    st.booleans(),
)
def test_hunks_turn_one_text_into_the_other(
    lines: list[str], changes: list[tuple[int, int, list[str]]], long: bool
) -> None:
    """Long runs of repeated lines take the anchored path, short ones difflib's; both are exact."""
    if long:
        # Changes at both ends leave a gap of over 500 lines on each side between them.
        lines = ["z0\n", *lines, *(["\n", "    )\n"] * 300), "end\n"]
        changes = [*changes, (len(lines) - 1, 1, ["fin\n"]), (1, 0, ["new\n"])]
    base = "".join(lines)
    edited = list(lines)
    for at, removed, added in changes:
        edited[at : at + removed] = added
    other = "".join(edited)
    found = hunks(base, other)
    pieces, done = [], 0
    for hunk in found:
        pieces += [base[done : hunk.start], hunk.text]
        done = hunk.end
    assert "".join(pieces) + base[done:] == other
    assert merge(base, found, []) == other  # kept changes are applied as they are
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
