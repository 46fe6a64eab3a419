"""Deep nesting and size: every command reads what CPython accepts, reports what it rejects at
CPython's position, and never loses the other files."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import adnn_lint.engine.guard
from adnn_lint.engine.guard import Unreadable
from adnn_lint.engine.lint import fix_source, lint_source
from tests.conftest import CliRunner

Tree = Callable[[Mapping[str, str | bytes]], Path]

HEAD = "import keras\nfrom keras import layers\n"
MODEL = "model = keras.Sequential([layers.Dense(8, kernel_initializer='zeros'), layers.Dense(1)])\n"


def nested_lists(n: int) -> str:
    return "x = " + "[" * n + "]" * n + "\n"


def nested_parens(n: int) -> str:
    return "x = " + "(" * n + "1" + ")" * n + "\n"


def and_chain(n: int) -> str:
    return "x = " + " and ".join(["a"] * n) + "\n"


def concatenated(n: int) -> str:
    return "x = (" + " ".join(["'a'"] * n) + ")\n"


def codes(source: str) -> list[str]:
    return [f.code for f in lint_source(source)]


@pytest.mark.parametrize("deep", [and_chain(1000), concatenated(1000)])
def test_valid_deep_code_keeps_its_real_findings(deep: str) -> None:
    assert codes(HEAD + deep + MODEL) == ["ADNN101"]


@pytest.mark.parametrize("deep", [nested_lists(500), nested_parens(500)])
def test_what_cpython_rejects_is_a_syntax_error_at_its_position(deep: str) -> None:
    (finding,) = lint_source(HEAD + deep + MODEL)
    with pytest.raises(SyntaxError) as caught:
        ast.parse(HEAD + deep)
    assert finding.code == "ADNN000"
    assert (finding.span.line, finding.span.column) == (caught.value.lineno, caught.value.offset)
    assert "too many nested parentheses" in finding.message


def test_deeper_than_the_limit_is_unreadable_not_a_syntax_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(adnn_lint.engine.guard, "MAX_NESTING", 50)
    with pytest.raises(Unreadable, match=r"3:\d+: an expression nested 6\d levels deep"):
        lint_source(HEAD + and_chain(60) + MODEL)
    assert codes(HEAD + and_chain(40) + MODEL) == ["ADNN101"]


def test_fix_of_deep_code_reparses_and_is_idempotent() -> None:
    source = HEAD + and_chain(1000) + concatenated(1000) + MODEL
    fixed = fix_source(source, unsafe=True)
    assert fixed != source
    ast.parse(fixed)
    assert fix_source(fixed, unsafe=True) == fixed


def _files() -> dict[str, str]:
    return {
        "a_lists.py": HEAD + nested_lists(500) + MODEL,
        "b_and.py": HEAD + and_chain(1000) + MODEL,
        "c_strings.py": HEAD + concatenated(1000) + MODEL,
        "d_parens.py": HEAD + nested_parens(500) + MODEL,
        "e_plain.py": HEAD + MODEL,
    }


def test_check_reports_each_file(cli: CliRunner, tree: Tree) -> None:
    result = cli("--no-cache", cwd=tree(_files()))
    assert "a_lists.py:3:205: ADNN000 syntax error: too many nested parentheses" in result.out
    assert "d_parens.py:3:205: ADNN000" in result.out
    for name in ("b_and.py:4:", "c_strings.py:4:", "e_plain.py:3:"):
        assert f"{name}62: ADNN101" in result.out
    assert result.code == 1


def test_layers_reports_syntax_errors_and_keeps_the_other_files(cli: CliRunner, tree: Tree) -> None:
    result = cli("layers", "--output-format", "json", ".", cwd=tree(_files()))
    files = {Path(f["path"]).name: f for f in json.loads(result.out)["files"]}
    assert files["a_lists.py"]["error"] == "3:205: syntax error: too many nested parentheses"
    assert files["d_parens.py"]["error"].startswith("3:205: syntax error")
    for name in ("b_and.py", "c_strings.py", "e_plain.py"):
        assert files[name]["error"] is None
        assert [layer["class"] for layer in files[name]["models"][0]["layers"]] == [
            "Dense",
            "Dense",
        ]
    assert result.code == 1


def test_spec_reports_syntax_errors_and_keeps_the_other_files(cli: CliRunner, tree: Tree) -> None:
    result = cli("spec", ".", cwd=tree(_files()))
    assert "a_lists.py:3:205: syntax error: too many nested parentheses" in result.err
    assert result.out.count("# model 'model'") == 3
    assert "3 specs from 5 files" in result.err
    assert result.code == 1


@pytest.mark.parametrize("command", [("layers",), ("spec",), ("check", "--no-cache")])
def test_every_command_has_the_size_limit(
    cli: CliRunner, tree: Tree, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.setattr(adnn_lint.engine.guard, "MAX_FILE_BYTES", 200)
    root = tree({"big.py": HEAD + MODEL + "x = 1\n" * 50, "small.py": HEAD + MODEL})
    result = cli(*command, ".", cwd=root)
    assert "big.py: " in result.err
    assert "skipped: 0.0 MiB is over the" in result.err
    assert "small.py" in result.out


_SHAPES = {"lists": nested_lists, "parens": nested_parens, "and": and_chain, "str": concatenated}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.sampled_from(sorted(_SHAPES)), depth=st.integers(1, 1500))
def test_any_nesting_cpython_parses_is_linted_and_the_rest_is_a_syntax_error(
    shape: str, depth: int
) -> None:
    source = HEAD + _SHAPES[shape](depth) + MODEL
    try:
        ast.parse(source)
    except SyntaxError as err:
        (finding,) = lint_source(source)
        assert finding.code == "ADNN000"
        assert (finding.span.line, finding.span.column) == (err.lineno, err.offset)
        return
    assert codes(source) == ["ADNN101"]
    fixed = fix_source(source, unsafe=True)
    ast.parse(fixed)
    assert fix_source(fixed, unsafe=True) == fixed
    assert fixed.replace("'glorot_uniform'", "'zeros'") == source  # only the edit changed
