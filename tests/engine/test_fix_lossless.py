"""``--fix`` on a ``.py`` file changes the lines its edits touch and keeps every other byte.

Each case is a reproduction: text LibCST does not print back as it read it, or a line break,
encoding or layout a fix must not disturb.
"""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

import pytest

from adnn_lint.cli import main
from adnn_lint.engine.lint import codes_for, fix_source
from adnn_lint.engine.notebook import physical_lines
from adnn_lint.engine.runner import Task, lint_task
from adnn_lint.engine.splice import Hunk, merge, splice

TYPO = "layer = keras.layers.Dense(2, kernel_initializer='glorot_unifrom')"
FIXED = TYPO.replace("unifrom", "uniform")
MODEL = (
    "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse')\n"
    "model.fit(x, y)\n"
)
SEED = "keras.utils.set_random_seed(0)"


def _fixed(source: str) -> str:
    after = fix_source(source, "m.py", unsafe=True)
    ast.parse(after.removeprefix("\ufeff"))  # a str holds a BOM that bytes would not
    assert fix_source(after, "m.py", unsafe=True) == after
    return after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            f"import keras\n{TYPO}\n\n  \n",
            f"import keras\n{FIXED}\n\n  \n",
            id="blank-lines-at-end",
        ),
        pytest.param(
            f"import keras\n{TYPO}\n  \n\t\n\x0c\n",
            f"import keras\n{FIXED}\n  \n\t\n\x0c\n",
            id="whitespace-only-lines-at-end",
        ),
        pytest.param(
            f"import keras\n{TYPO}\n\n   # done\n\n",
            f"import keras\n{FIXED}\n\n   # done\n\n",
            id="blank-line-above-a-last-comment",
        ),
        pytest.param(
            f"\x0cimport keras\n{TYPO}\n", f"\x0cimport keras\n{FIXED}\n", id="leading-form-feed"
        ),
        pytest.param(
            f"import keras\n\x0cx = 1\n{TYPO}\n",
            f"import keras\n\x0cx = 1\n{FIXED}\n",
            id="form-feed-before-a-statement",
        ),
        pytest.param(
            f"import keras\n\x0c{TYPO}\n",
            f"import keras\n\x0c{FIXED}\n",
            id="form-feed-on-the-edit",
        ),
        pytest.param(
            f"import keras\r{TYPO}\r", f"import keras\r{FIXED}\r", id="final-lone-cr-on-the-edit"
        ),
        pytest.param(
            f"import keras\r{TYPO}\rx = 1\r\r  \r",
            f"import keras\r{FIXED}\rx = 1\r\r  \r",
            id="lone-cr-lines-at-end",
        ),
        pytest.param(
            f"import keras\r\n{TYPO}\r\nx = 1\n", f"import keras\r\n{FIXED}\r\nx = 1\n", id="mixed"
        ),
        pytest.param(f"import keras\n{TYPO}", f"import keras\n{FIXED}", id="no-final-newline"),
        pytest.param(
            f"import keras\ns = 'a\u2028b'  # c\u2028d\n{TYPO}\n",
            f"import keras\ns = 'a\u2028b'  # c\u2028d\n{FIXED}\n",
            id="u2028",
        ),
        pytest.param(
            f"import keras\nif True:\n\t{TYPO}\n", f"import keras\nif True:\n\t{FIXED}\n", id="tabs"
        ),
        pytest.param(
            f"import keras\n\\\n{TYPO}\n", f"import keras\n\\\n{FIXED}\n", id="backslash-start"
        ),
        pytest.param(
            f"import keras\nif True:\n    pass\n\\\n{TYPO}\n",
            f"import keras\nif True:\n    pass\n\\\n{FIXED}\n",
            id="backslash-start-after-a-block",  # LibCST would also indent the statement
        ),
        pytest.param(f"\ufeffimport keras\n{TYPO}\n", f"\ufeffimport keras\n{FIXED}\n", id="bom"),
    ],
)
def test_a_fix_changes_only_its_edit(before: str, after: str) -> None:
    assert _fixed(before) == after


@pytest.mark.parametrize(
    ("before", "inserted"),
    [
        pytest.param("import keras\r" + MODEL.replace("\n", "\r"), "\r", id="lone-cr"),
        pytest.param("import keras\r\n" + MODEL.replace("\n", "\r\n"), "\r\n", id="crlf"),
        pytest.param("import os\nimport keras\r" + MODEL, "\r", id="mixed"),
        pytest.param("import keras\r\n\n" + MODEL, "\r\n", id="mixed-blank-below"),
    ],
)
def test_inserted_lines_take_the_line_break_of_the_line_above(before: str, inserted: str) -> None:
    after = _fixed(before)
    new = physical_lines(after)
    assert f"{SEED}{inserted}" in new
    # Every original line is still there, whole: none was joined with an inserted one.
    old = physical_lines(before)
    assert [line for line in new if line in old] == old


def _written(data: bytes) -> bytes:
    task = Task("m.py", "m.py", codes_for(None, None), fix=True, unsafe_fixes=True)
    result = lint_task(task, data)
    assert result.fixed_source is not None, result
    return result.fixed_source.encode(result.encoding)


def test_a_bom_is_written_back() -> None:
    data = f"import keras\n{TYPO}\n".encode("utf-8-sig")
    assert _written(data) == f"import keras\n{FIXED}\n".encode("utf-8-sig")


def test_a_pep263_file_is_written_in_its_encoding_with_its_coding_line_first() -> None:
    source = f"# -*- coding: latin-1 -*-\n# café\nimport keras\n{MODEL}"
    written = _written(source.encode("latin-1"))
    text = written.decode("latin-1")
    assert text.startswith("# -*- coding: latin-1 -*-\n# café\n")
    assert SEED in text


def test_stdin_fix_returns_the_buffer_in_its_own_encoding(
    capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)

    def fix(data: bytes) -> bytes:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        main(["-", "--fix", "--stdin-filename", "m.py", "--select", "ADNN108"])
        return capsysbinary.readouterr().out

    source = f"# -*- coding: latin-1 -*-\n# café\nimport keras\n{TYPO}\n"
    assert fix(source.encode("latin-1")) == source.replace("unifrom", "uniform").encode("latin-1")
    # Nothing to fix: the bytes come back as they were, BOM included.
    clean = f"import keras\n{FIXED}\n".encode("utf-8-sig")
    assert fix(clean) == clean


def test_splice_puts_edits_into_the_original() -> None:
    original = "\x0ca = 1\nb = 2\n\n  \n"
    printed = "a = 1\nb = 2\n  \n"  # what LibCST prints of it
    fixed = "a = 1\nb = 3\n  \n"
    assert splice(original, printed, fixed) == "\x0ca = 1\nb = 3\n\n  \n"
    assert splice(original, printed, printed) == original


def test_merge_lets_an_edit_win_only_where_both_change_the_same_characters() -> None:
    base = "x = 1\ny = 2\n"
    kept = [Hunk(0, 0, "\x0c"), Hunk(4, 5, "10"), Hunk(6, 6, "\x0c")]
    edits = [Hunk(4, 5, "3")]
    assert merge(base, kept, edits) == "\x0cx = 3\n\x0cy = 2\n"


def test_merge_puts_an_inserted_line_above_a_kept_form_feed() -> None:
    base = "import keras\nx = 1\n"
    kept = [Hunk(13, 13, "\x0c")]
    edits = [Hunk(13, 13, "seed()\n")]
    assert merge(base, kept, edits) == "import keras\nseed()\n\x0cx = 1\n"
