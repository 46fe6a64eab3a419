from __future__ import annotations

import json

import pytest

from adnn_lint.notebook import NotebookError, load_notebook, neutralise
from adnn_lint.records import Finding, Span


def _notebook(*cells: tuple[str, str], language: str = "python") -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": kind, "source": source.splitlines(keepends=True), "metadata": {}}
                for kind, source in cells
            ],
            "metadata": {"language_info": {"name": language}},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_magics_are_neutralised_keeping_line_count() -> None:
    cell = (
        "%matplotlib inline\n!pip install keras\nfiles = !ls\nfor x in y:\n    %time f(x)\nmodel?\n"
    )
    out = neutralise(cell)
    assert out.count("\n") == cell.count("\n")
    compile(out, "<cell>", "exec")
    assert "files = None" in out
    assert "    pass" in out


def test_non_python_cell_magic_is_blanked() -> None:
    out = neutralise("%%bash\necho hi\nls -l\n")
    assert out.strip() == "" and out.count("\n") == 3
    kept = neutralise("%%time\nx = 1\n")
    assert "x = 1" in kept


def test_code_cells_are_joined_and_located() -> None:
    text = _notebook(
        ("markdown", "# title\n"),
        ("code", "import keras\n"),
        ("code", "a = 1\nb = 2\n"),
    )
    notebook = load_notebook(text)
    assert notebook.source == "import keras\na = 1\nb = 2\n"
    assert [c.number for c in notebook.cells] == [1, 2]
    assert notebook.locate(1) == (1, 1)
    assert notebook.locate(3) == (2, 2)
    finding = Finding("ADNN108", "n", "m", "nb.ipynb", Span(3, 5, 3, 9))
    moved = notebook.relocate(finding)
    assert moved.cell == 2 and moved.span == Span(2, 5, 2, 9)


def test_non_python_notebook_has_no_cells() -> None:
    assert load_notebook(_notebook(("code", "x <- 1\n"), language="R")).cells == ()


@pytest.mark.parametrize("text", ["{not json", "[]", '{"nbformat": 4}'])
def test_malformed_notebooks_raise_with_a_reason(text: str) -> None:
    with pytest.raises(NotebookError):
        load_notebook(text)


def test_fixes_are_written_back_into_the_right_cells() -> None:
    from adnn_lint.engine import codes_for, fix_codes
    from adnn_lint.notebook import write_fixed

    text = _notebook(
        ("code", "%matplotlib inline\nimport keras"),
        ("markdown", "text"),
        ("code", "layer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')\nx = 1"),
    )
    notebook = load_notebook(text)
    fixed = fix_codes(notebook.source, "nb.ipynb", codes_for(["ADNN108"], None), unsafe=False)
    assert fixed.fixed == 1
    cells = json.loads(write_fixed(text, notebook, fixed.source))["cells"]
    assert "".join(cells[0]["source"]) == "%matplotlib inline\nimport keras"
    assert cells[1]["source"] == ["text"]
    assert "".join(cells[2]["source"]) == (
        "layer = keras.layers.Dense(8, kernel_initializer='glorot_uniform')\nx = 1"
    )


def test_inserted_lines_join_the_cell_they_follow() -> None:
    from adnn_lint.notebook import write_fixed

    text = _notebook(("code", "import keras\n"), ("code", "a = 1\n"))
    notebook = load_notebook(text)
    cells = json.loads(write_fixed(text, notebook, "import os\nimport keras\nseed()\na = 1\n"))[
        "cells"
    ]
    assert "".join(cells[0]["source"]) == "import os\nimport keras\nseed()\n"
    assert "".join(cells[1]["source"]) == "a = 1\n"
