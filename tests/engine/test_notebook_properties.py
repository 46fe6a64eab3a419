"""Property-based: ``--fix`` on generated notebooks loses nothing, re-parses and is idempotent.

The notebooks mix what real ones hold: imports and models with fixable initializers, line magics,
shell escapes and help queries, cell magics with Python and non-Python bodies (a ``%%writefile``
body is text, never fixed), cells that do not parse, markdown, unusual line breaks (lone CR,
CRLF, form feed, U+2028), cells without a final newline, and every JSON layout nbformat and
other tools write (indent 1, 2 or none; raw or ``\\u``-escaped non-ASCII; source as a list of
lines or one string).
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from adnn_lint.engine.lint import codes_for
from adnn_lint.engine.notebook import physical_lines
from adnn_lint.engine.runner import FileResult, Task, lint_task

TYPO = "layer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')\n"
ZERO_MODEL = (
    "model = keras.Sequential([keras.Input(shape=(4,)), "
    "keras.layers.Dense(8, kernel_initializer='zeros'), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse')\n"
    "model.fit(x, y)\n"
)
#: Lines a fix may rewrite: the only ones allowed to change, and only in Python cells.
FIXABLE = ("unifrom", "'zeros'")

PYTHON_BLOCKS = [
    "import keras\n",
    "import numpy as np\n",
    "x = 1\n",
    "\n",
    "# café ☕\n",
    "s = 'a\u2028b'\n",
    "\x0cy = 2\n",
    "a = 1\rb = 2\r\n",
    "x = 1\r",  # a lone CR ending a cell, before a cell that opens with a blank line
    "import keras\r\n",  # the seed fix's own import, repeated in a later cell
    "for i in range(2):\n    %time f(i)\n",
    TYPO,
    ZERO_MODEL,
]
MAGIC_BLOCKS = [
    "%matplotlib inline\n",
    "!pip install keras\n",
    "files = !ls\n",
    "model?\n",
    "!echo a \\\n  b\n",
]
WHOLE_CELLS = [
    "%%bash\necho hi\n\n",
    "%%writefile helper.py\nimport keras\n" + TYPO,
    "%%html\n<b>x</b>\n",
    "def f(:\n    pass\n",  # does not parse
    "import keras\ndef f(:\n",  # does not parse; its import serves the other cells
    "",
    "  \n\n",
    "import keras\r\n" + ZERO_MODEL.replace("\n", "\r\n"),
]
BROKEN = "def f(:\n"


@st.composite
def code_cells(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(WHOLE_CELLS))
    # The fixable blocks twice as often: most notebooks then have something to fix.
    choices = [*PYTHON_BLOCKS, TYPO, ZERO_MODEL, *MAGIC_BLOCKS]
    blocks = draw(st.lists(st.sampled_from(choices), max_size=5))
    body = "".join(blocks)
    if draw(st.booleans()):
        body = "%%time\n" + body
    if draw(st.booleans()):
        body = body.rstrip("\n")  # Jupyter's usual form: no final newline
    return body


@st.composite
def notebooks(draw: st.DrawFn) -> str:
    cells: list[dict[str, Any]] = []
    as_string = draw(st.booleans())
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 4)) == 0:
            cells.append({"cell_type": "markdown", "metadata": {}, "source": ["# notes ☕\n"]})
            continue
        source = draw(code_cells())
        cells.append(
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source if as_string else source.splitlines(keepends=True),
            }
        )
    document = {
        "cells": cells,
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    indent = draw(st.sampled_from([1, 2, None]))
    text = json.dumps(document, indent=indent, ensure_ascii=draw(st.booleans()))
    return text + ("\n" if draw(st.booleans()) else "")


def _run(text: str, fix: bool) -> FileResult:
    task = Task("nb.ipynb", "nb.ipynb", codes_for(None, None), fix=fix, unsafe_fixes=True)
    result = lint_task(task, text.encode("utf-8"))
    assert not result.internal_error, result.notice
    return result


def _sources(document: dict[str, Any]) -> list[str]:
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in document["cells"]
    ]


def _without_sources(document: dict[str, Any]) -> dict[str, Any]:
    cells = [{k: v for k, v in cell.items() if k != "source"} for cell in document["cells"]]
    return {**document, "cells": cells}


def _python_cell(cell: str) -> bool:
    first = cell.lstrip().split("\n", 1)[0]
    return not first.startswith("%%") or first.startswith("%%time")


def _may_change(cell: str, line: str) -> bool:
    """A fix may rewrite this line: a fixable line of a Python cell that parses."""
    return _python_cell(cell) and BROKEN not in cell and any(mark in line for mark in FIXABLE)


def _stem(line: str) -> str:
    """A fixable line up to its initializer: what no fix changes."""
    return line.split("kernel_initializer", 1)[0]


def _document(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks())
# Found by this test: the seed fix's lines were written into a leading %%bash cell.
@example(_document("%%bash\necho hi\n", "x = 1\n" + ZERO_MODEL))
# Found by this test: the inserted `import keras` was matched with cell 2's, which moved cell 1's
# fixed line into cell 2.
@example(_document(TYPO, "import keras\r\n" + ZERO_MODEL.replace("\n", "\r\n")))
# Found by this test: a cell's final lone CR and the next cell's blank line read as one line.
@example(_document(ZERO_MODEL + "x = 1\r", "\n\nimport keras\n"))
def test_fix_keeps_every_cell_and_line_reparses_and_is_idempotent(text: str) -> None:
    checked = _run(text, fix=False)
    broken_before = sorted(f.cell or 0 for f in checked.findings if f.code == "ADNN000")
    result = _run(text, fix=True)
    event("fixed" if result.fixed_source is not None else "nothing to fix")
    if result.fixed_source is None:
        return
    old, new = json.loads(text), json.loads(result.fixed_source)
    # Nothing but code cells' sources changes, and every cell is still there.
    assert _without_sources(new) == _without_sources(old)
    for before, after in zip(_sources(old), _sources(new), strict=True):
        if not _python_cell(before) or BROKEN in before:
            assert after == before  # nothing is written into a cell that is not Python
        if before.startswith("%%"):
            assert after.split("\n", 1)[0] == before.split("\n", 1)[0]  # the magic stays first
        if before and not before.endswith(("\n", "\r")):
            # A cell stored without its final line break: a line added below its last line gives
            # that line one, so compare both as if terminated.
            before, after = before + "\n", after + "\n"
        old_lines, new_lines = physical_lines(before), physical_lines(after)
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, i1, i2, _, _ in matcher.get_opcodes():
            if tag in ("replace", "delete"):
                # Only the lines a fix targets change; every other line stays, in its cell.
                assert all(_may_change(before, line) for line in old_lines[i1:i2]), (
                    before,
                    after,
                )
        # A line a fix rewrites stays in its cell: the text before its initializer is still there.
        rewritten = Counter(_stem(line) for line in old_lines if _may_change(before, line))
        assert not rewritten - Counter(_stem(line) for line in new_lines), (before, after)
    # The JSON layout is the file's own: every new text line is an edited source string (a line
    # of a source list, or a whole source string).
    old_text_lines = text.rstrip("\n").split("\n")  # JSON text lines (U+2028 is no break)
    for line in result.fixed_source.rstrip("\n").split("\n"):
        if line not in old_text_lines and len(old_text_lines) > 1:
            stripped = line.lstrip()
            element = stripped.startswith('"') and not stripped.startswith('"source":')
            assert element or stripped.startswith('"source": "'), line
    # The fixed notebook parses where it parsed before, and a second --fix changes nothing.
    again = _run(result.fixed_source, fix=False)
    assert sorted(f.cell or 0 for f in again.findings if f.code == "ADNN000") == broken_before
    assert _run(result.fixed_source, fix=True).fixed_source is None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notebooks())
def test_check_positions_lie_inside_their_cells(text: str) -> None:
    document = json.loads(text)
    code = [
        s
        for c, s in zip(document["cells"], _sources(document), strict=True)
        if c["cell_type"] == "code"
    ]
    for finding in _run(text, fix=False).findings:
        assert finding.cell is not None
        lines = physical_lines(code[finding.cell - 1])
        assert 1 <= finding.span.line <= max(1, len(lines))
        assert finding.span.line <= finding.span.end_line
