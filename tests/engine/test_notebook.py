from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest

from adnn_lint.engine.notebook import NotebookError, load_notebook, neutralise
from adnn_lint.engine.runner import FileResult, Task, lint_task
from adnn_lint.scan.records import Finding, Span


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


def test_non_python_cell_magic_is_masked_line_by_line() -> None:
    out = neutralise("%%bash\necho hi\nls -l\n")
    assert out.count("\n") == 3
    assert all(line.startswith("#") for line in out.splitlines())
    kept = neutralise("%%time\nx = 1\n")
    assert kept.splitlines()[1] == "x = 1" and kept.startswith("#")


def test_top_level_magics_become_comments_and_continuations_are_masked() -> None:
    out = neutralise("%matplotlib inline\n!pip install \\\n    keras\nimport keras\n")
    lines = out.splitlines()
    assert lines[0].startswith("#") and lines[1].startswith("#") and lines[2].startswith("#")
    assert lines[3] == "import keras"
    compile(out, "<cell>", "exec")


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
    from adnn_lint.engine.lint import codes_for, fix_codes
    from adnn_lint.engine.writeback import write_fixed

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
    from adnn_lint.engine.writeback import write_fixed

    text = _notebook(("code", "import keras\n"), ("code", "a = 1\n"))
    notebook = load_notebook(text)
    cells = json.loads(write_fixed(text, notebook, "import os\nimport keras\nseed()\na = 1\n"))[
        "cells"
    ]
    assert "".join(cells[0]["source"]) == "import os\nimport keras\nseed()\n"
    assert "".join(cells[1]["source"]) == "a = 1\n"


# -- whole-notebook behaviour: lint and --fix through the runner, as `adnn-lint check` does ----


def _nb(*cells: str, indent: int | None = 1, ensure_ascii: bool = False) -> str:
    """A notebook of code cells in nbformat's own layout (source as a list of lines)."""
    document = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": source.splitlines(keepends=True),
            }
            for source in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=indent, ensure_ascii=ensure_ascii) + "\n"


def _run(text: str, *, fix: bool = False, select: list[str] | None = None) -> FileResult:
    from adnn_lint.engine.lint import codes_for

    task = Task("nb.ipynb", "nb.ipynb", codes_for(select, None), fix=fix, unsafe_fixes=True)
    return lint_task(task, text.encode("utf-8"))


def _sources(text: str) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(text)["cells"]]


MODEL = (
    "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])\n"
    "model.compile(loss='mse')\n"
    "model.fit(x, y)\n"
)
TYPO = "layer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')\n"


@pytest.mark.parametrize(
    "magic",
    [
        "%%writefile helper.py\nimport os\n\nprint(os.getcwd())\n",
        "%%bash\necho hi\nls -l\n\n",
        "%%html\n<b>bold</b>\n",
        "%%time\nx = 1\ny = 2\n",
    ],
)
def test_fix_keeps_cell_magic_bodies(magic: str) -> None:
    text = _nb("import keras\n", magic, TYPO, MODEL)
    result = _run(text, fix=True)
    assert result.fixed_source is not None and result.fixed >= 2
    sources = _sources(result.fixed_source)
    assert sources[1] == magic
    assert "glorot_uniform" in sources[2]


@pytest.mark.parametrize(
    "head",
    ["%matplotlib inline\n", "!pip install keras\n", "%load_ext autoreload\n%autoreload 2\n"],
)
def test_seed_fix_goes_below_leading_magics_without_a_second_import(head: str) -> None:
    text = _nb(head + "import keras\nimport numpy as np\n", MODEL)
    result = _run(text, fix=True, select=["ADNN201"])
    assert result.fixed_source is not None
    first, second = _sources(result.fixed_source)
    assert first == head + "import keras\nimport numpy as np\n\nkeras.utils.set_random_seed(0)\n"
    assert second == MODEL


def test_seed_fix_after_a_magic_between_imports() -> None:
    text = _nb("import numpy as np\n%load_ext autoreload\nimport keras\n" + MODEL)
    result = _run(text, fix=True, select=["ADNN201"])
    assert result.fixed_source is not None
    (cell,) = _sources(result.fixed_source)
    assert cell.count("import keras") == 1
    assert cell.index("%load_ext") < cell.index("keras.utils.set_random_seed(0)")


@pytest.mark.parametrize("odd", ["a = '\u2028'\n", "a = 1\x0c\n", "\x0cb = 2\n", "a = 1\rb = 2\n"])
def test_unusual_line_breaks_keep_positions_and_fixes(odd: str) -> None:
    text = _nb("import keras\n", odd + TYPO)
    (finding,) = _run(text, select=["ADNN108"]).findings
    # Python breaks lines at \n, \r\n and a lone \r only (not at U+2028 or a form feed).
    breaks = odd.count("\n") + odd.count("\r") - odd.count("\r\n")
    assert (finding.cell, finding.span.line) == (2, breaks + 1)
    fixed = _run(text, fix=True, select=["ADNN108"])
    assert fixed.fixed_source is not None
    assert _sources(fixed.fixed_source)[1] == odd + TYPO.replace("unifrom", "uniform")


@pytest.mark.parametrize(
    ("indent", "ensure_ascii"), [(1, False), (2, False), (2, True), (None, True)]
)
def test_one_token_fix_is_a_one_line_diff(indent: int | None, ensure_ascii: bool) -> None:
    text = _nb(
        "import keras\n\n\n",
        "# café ☕\n" + TYPO + "\n\n",
        "%%bash\necho 'naïve'\n",
        indent=indent,
        ensure_ascii=ensure_ascii,
    )
    result = _run(text, fix=True, select=["ADNN108"])
    assert result.fixed_source is not None
    old, new = text.splitlines(keepends=True), result.fixed_source.splitlines(keepends=True)
    changed = [line for line in difflib.ndiff(old, new) if line[:1] in "+-"]
    if indent is None:  # a one-line document: the line is the file, and only that token moved
        assert len(old) == len(new) == 1
        assert len(result.fixed_source) == len(text)
    else:
        assert len(changed) == 2, changed
        assert "glorot_uniform" in changed[1]
    assert json.loads(result.fixed_source)["cells"][1]["source"][1] == TYPO.replace(
        "unifrom", "uniform"
    )


def test_written_back_source_keeps_a_string_source_a_string() -> None:
    document = json.loads(_nb("import keras\n", TYPO))
    document["cells"][1]["source"] = TYPO.rstrip("\n")
    text = json.dumps(document, indent=1)
    result = _run(text, fix=True, select=["ADNN108"])
    assert result.fixed_source is not None
    assert json.loads(result.fixed_source)["cells"][1]["source"] == TYPO.rstrip("\n").replace(
        "unifrom", "uniform"
    )


def test_messages_name_other_lines_by_cell() -> None:
    text = _nb(
        "import keras\n",
        "x = 1\n",
        "init = keras.initializers.GlorotUniform()\n"
        "model = keras.Sequential([\n"
        "    keras.layers.Dense(8, kernel_initializer='zeros'),\n"
        "    keras.layers.Dense(1, kernel_initializer=init),\n"
        "    keras.layers.Dense(1, kernel_initializer=init),\n"
        "])\n",
    )
    by_code = {f.code: f for f in _run(text).findings}
    assert "feeds Dense(1) at cell 3:4:" in by_code["ADNN101"].message
    assert "used at cell 3:4, cell 3:5;" in by_code["ADNN107"].message


def test_a_broken_cell_loses_no_other_cells_findings() -> None:
    text = _nb("import keras\n", "x = 1\ndef f(:\n    pass\n", TYPO, "y = (1,\n", TYPO)
    found = [(f.code, f.cell, f.span.line) for f in _run(text).findings]
    assert found == [
        ("ADNN000", 2, 2),
        ("ADNN108", 3, 1),
        ("ADNN000", 4, 1),
        ("ADNN108", 5, 1),
    ]
    fixed = _run(text, fix=True)
    assert fixed.fixed_source is not None
    sources = _sources(fixed.fixed_source)
    assert sources[1] == "x = 1\ndef f(:\n    pass\n" and sources[3] == "y = (1,\n"
    assert "unifrom" not in sources[2] + sources[4]
    assert [f.code for f in fixed.findings] == ["ADNN000", "ADNN000"]


def test_layers_and_spec_give_cell_positions_for_syntax_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from adnn_lint.cli import main
    from adnn_lint.commands.spec import SourceError, specs_from_file

    path = tmp_path / "nb.ipynb"
    # The joined source's error is at its end (cell 3); the broken cell is cell 2, line 2.
    cells = ("import keras\n", "x = 1\nkeras.layers.Dense(\n", "y = 2\nz = 3\n")
    path.write_text(_nb(*cells), encoding="utf-8")
    assert main(["layers", str(path)]) == 1
    assert re.search(r"nb\.ipynb:cell 2:2:\d+: syntax error: '\(' was", capsys.readouterr().err)
    with pytest.raises(SourceError, match=r"nb\.ipynb:cell 2:2:\d+: syntax error"):
        specs_from_file(path)


def test_fix_keeps_a_lone_cr_that_ends_the_last_cell() -> None:
    # LibCST drops a lone CR at the very end of a module when it prints one.
    text = _nb("import keras\n", TYPO + "a = 1\r")
    fixed = _run(text, fix=True, select=["ADNN108"])
    assert fixed.fixed_source is not None
    assert _sources(fixed.fixed_source)[1] == TYPO.replace("unifrom", "uniform") + "a = 1\r"


def test_python_lines_that_start_like_magics_are_kept() -> None:
    cell = 'message = (\n    "value %s"\n    % value\n)\nif (a\n    != b):\n    pass\n'
    assert neutralise(cell) == cell
    mixed = "%matplotlib inline\nok = (a\n      != b)\n"
    assert neutralise(mixed).splitlines()[1:] == ["ok = (a", "      != b)"]


def test_insertion_at_the_top_skips_empty_cells() -> None:
    document = json.loads(_nb("", "import os\n"))
    del document["cells"][0]["source"]  # a code cell without a source key at all
    document["cells"][1]["source"] = [MODEL]
    text = json.dumps(document, indent=1)
    result = _run(text, fix=True, select=["ADNN201"])
    assert result.fixed_source is not None
    cells = json.loads(result.fixed_source)["cells"]
    assert "source" not in cells[0]
    assert "".join(cells[1]["source"]).startswith("import keras\n")
    assert "keras.utils.set_random_seed(0)\n" in "".join(cells[1]["source"])


@pytest.mark.parametrize("first", ["%%bash\necho hi\n\n", "def f(:\n", "%%writefile a.py\nx = 1\n"])
def test_inserted_lines_never_go_into_a_cell_that_is_not_python(first: str) -> None:
    text = _nb(first, "x = 1\n" + MODEL)
    result = _run(text, fix=True, select=["ADNN201"])
    assert result.fixed_source is not None
    sources = _sources(result.fixed_source)
    assert sources[0] == first
    assert sources[1] == "import keras\n\nkeras.utils.set_random_seed(0)\nx = 1\n" + MODEL
    assert _run(result.fixed_source, fix=True, select=["ADNN201"]).fixed_source is None


def test_inserted_lines_stay_below_a_cell_magic_line() -> None:
    text = _nb("%%time\nx = 1\n" + MODEL)
    result = _run(text, fix=True, select=["ADNN201"])
    assert result.fixed_source is not None
    (source,) = _sources(result.fixed_source)
    assert source.startswith("%%time\n") and "keras.utils.set_random_seed(0)" in source


def test_fix_keeps_trailing_blank_lines_and_blank_cells() -> None:
    # LibCST drops some blank lines at the end of a module when it prints one.
    text = _nb("import keras\n" + TYPO, "  \n\n", "\n  \n")
    result = _run(text, fix=True, select=["ADNN108"])
    assert result.fixed_source is not None
    assert _sources(result.fixed_source)[1:] == ["  \n\n", "\n  \n"]


def test_an_empty_cell_stays_empty() -> None:
    document = json.loads(_nb("x = 1\n", MODEL))
    document["cells"][0]["source"] = []
    text = json.dumps(document, indent=1) + "\n"
    result = _run(text, fix=True, select=["ADNN201"])
    assert result.fixed_source is not None
    assert json.loads(result.fixed_source)["cells"][0]["source"] == []
    assert _sources(result.fixed_source)[1].startswith("import keras\n\nkeras.utils.set_random_")


def test_a_broken_cells_imports_still_serve_the_other_cells() -> None:
    text = _nb("import keras\ndef f(:\n", TYPO + MODEL)
    assert [(f.code, f.cell) for f in _run(text).findings] == [
        ("ADNN000", 1),
        ("ADNN108", 2),
        ("ADNN201", 2),
    ]
    fixed = _run(text, fix=True)
    assert fixed.fixed_source is not None
    first, second = _sources(fixed.fixed_source)
    assert first == "import keras\ndef f(:\n"
    assert second.lstrip("\n").startswith("keras.utils.set_random_seed(0)\n")
    assert "glorot_uniform" in second
    assert _run(fixed.fixed_source, fix=True).fixed_source is None


def test_cell_map_names_lines_as_files_and_notebooks_show_them() -> None:
    from adnn_lint.findings import NO_CELLS, CellMap

    assert NO_CELLS.label(7) == "line 7" and NO_CELLS.labels([3, 7]) == "line(s) 3, 7"
    cells = CellMap((1, 4, 4, 9))  # cell 2 is empty: line 4 starts cell 3
    assert cells.label(5) == "cell 3:2"
    assert cells.labels([1, 9]) == "cell 1:1, cell 4:1"


def test_a_fix_that_would_drop_a_magic_is_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    import adnn_lint.engine.lint
    from adnn_lint.engine.lint import FixOutcome

    def dropping(source: str, *args: object, **kwargs: object) -> FixOutcome:
        kept = [line for line in source.splitlines(keepends=True) if "ipython-masked" not in line]
        return FixOutcome("".join(kept), 1, ())

    monkeypatch.setattr(adnn_lint.engine.lint, "fix_codes", dropping)
    text = _nb("%matplotlib inline\nimport keras\n", TYPO)
    result = _run(text, fix=True)
    assert result.fixed_source is None and result.fixed == 0
    assert result.notice is not None and "not written" in result.notice
    assert [f.code for f in result.findings] == ["ADNN108"]


def test_a_notebook_saved_with_crlf_keeps_its_line_breaks() -> None:
    text = _nb("import keras\n", "x = 1\n" + TYPO, indent=2).replace("\n", "\r\n")
    result = _run(text, fix=True, select=["ADNN108"])
    assert result.fixed_source is not None
    assert result.fixed_source.count("\r\n") == text.count("\r\n")
    assert result.fixed_source.replace("glorot_uniform", "glorot_unifrom") == text


# A long line is compared by its characters' counts, not by how they line up (too slow).
@pytest.mark.parametrize("comment", ["", "  # " + "weights " * 100])
def test_fixed_lines_stay_in_their_cells_when_an_inserted_line_repeats_a_later_one(
    comment: str,
) -> None:
    # The seed fix puts `import keras` at the top of cell 1; a plain line diff matched it with
    # cell 2's `import keras` and read cell 1's rewritten line as moved into cell 2.
    zeros = MODEL.replace("Dense(1)", "Dense(8, kernel_initializer='zeros'), keras.layers.Dense(1)")
    typo = TYPO.replace("\n", comment + "\n")
    text = _nb(typo, "import keras\r\n" + zeros.replace("\n", "\r\n"))
    fixed = _run(text, fix=True)
    assert fixed.fixed_source is not None
    first, second = _sources(fixed.fixed_source)
    assert first.endswith(typo.replace("unifrom", "uniform"))
    assert first.startswith("import keras\n") and "set_random_seed" in first
    assert second == "import keras\r\n" + zeros.replace("'zeros'", "'glorot_uniform'").replace(
        "\n", "\r\n"
    )


def test_align_lines_pairs_a_rewritten_line_with_the_line_it_was() -> None:
    from adnn_lint.engine.splice import Step, align_lines

    old = ["a = f('zeros')", "import keras", "b = 2"]
    new = ["import keras", "", "seed()", "a = f('ones')", "import keras", "b = 2"]
    assert align_lines(old, new) == [
        Step("insert", 0, 0),
        Step("insert", 0, 1),
        Step("insert", 0, 2),
        Step("pair", 0, 3),
        Step("pair", 1, 4),
        Step("pair", 2, 5),
    ]


@pytest.mark.parametrize("opening", ["%matplotlib inline\n", "import keras\n", TYPO])
def test_a_cell_ending_in_a_lone_cr_stays_apart_from_a_blank_line_opening_the_next(
    opening: str,
) -> None:
    # Joined, "x = 1\r" and the next cell's "\n" read as one CRLF line: every later line was
    # counted one cell line off, and --fix crashed or dropped the next cell's last line.
    text = _nb("import keras\n" + TYPO + "x = 1\r", "\n\n" + opening)
    typos = [(f.cell, f.span.line) for f in _run(text, select=["ADNN108"]).findings]
    assert typos == [(1, 2)] + ([(2, 3)] if opening == TYPO else [])
    fixed = _run(text, fix=True, select=["ADNN108"])
    assert fixed.fixed_source is not None and not fixed.internal_error
    fixed_typo = TYPO.replace("unifrom", "uniform")
    assert _sources(fixed.fixed_source) == [
        "import keras\n" + fixed_typo + "x = 1\r",
        "\n\n" + opening.replace(TYPO, fixed_typo),
    ]


def test_a_rewritten_line_keeps_its_own_line_break() -> None:
    text = _nb("import keras\n" + TYPO.replace("\n", "\r"), "\nx = 1\n")
    fixed = _run(text, fix=True, select=["ADNN108"])
    assert fixed.fixed_source is not None
    assert _sources(fixed.fixed_source)[0] == "import keras\n" + TYPO.replace(
        "unifrom", "uniform"
    ).replace("\n", "\r")


@pytest.mark.parametrize("blanks", ["\n", "\n\n"])
def test_seed_call_goes_below_the_imports_not_below_the_next_cells_blank_lines(
    blanks: str,
) -> None:
    # The fix inserts a blank line and the call: aligned as late as the blank lines allow, they
    # landed in cell 2 under its own blank lines.
    text = _nb("import keras\n", blanks + MODEL)
    fixed = _run(text, fix=True, select=["ADNN201"])
    assert fixed.fixed_source is not None
    assert _sources(fixed.fixed_source) == [
        "import keras\n\nkeras.utils.set_random_seed(0)\n",
        blanks + MODEL,
    ]
