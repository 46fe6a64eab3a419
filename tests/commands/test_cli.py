from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

Tree = Callable[[Mapping[str, str | bytes]], Path]
CliRunner = Callable[..., Any]

BROKEN = "import keras\nmodel = keras.Sequential([keras.layers.Dense(4)\n"
CLEAN = "import keras\n\nlayer = keras.layers.Dense(4, kernel_initializer='he_normal')\n"


def test_no_subcommand_and_no_path_means_check_dot(cli: CliRunner, tree: Tree) -> None:
    root = tree({"ok.py": "x = 1\n"})
    result = cli(cwd=root)
    assert result.code == 0
    assert "All checks passed!" in result.out


def test_a_tree_without_python_files_passes_with_a_warning(cli: CliRunner, tree: Tree) -> None:
    root = tree({"notes.txt": "x = 1\n", "sub/data.csv": "a,b\n"})
    result = cli("check", ".", cwd=root)
    assert result.code == 0
    assert "All checks passed!" in result.out
    assert "warning: no Python files or notebooks found under ." in result.err
    assert cli("check", ".", "-q", cwd=root).err == ""
    # a folder with Python files gets no warning
    assert "warning" not in cli("check", ".", cwd=tree({"ok.py": "x = 1\n"})).err


def test_syntax_error_is_reported_and_other_files_still_linted(cli: CliRunner, tree: Tree) -> None:
    root = tree({"a_broken.py": BROKEN, "b_plain.py": "def f(:\n    pass\n", "c_ok.py": CLEAN})
    result = cli("check", ".", "--no-cache", cwd=root)
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if "ADNN000" in line]
    assert lines[0].startswith("a_broken.py:2:")
    assert lines[1].startswith("b_plain.py:1:")
    assert "Found 2 findings (2 errors)." in result.out


def test_exit_zero_and_quiet(cli: CliRunner, tree: Tree) -> None:
    root = tree({"bad.py": BROKEN})
    result = cli("--exit-zero", "-q", "--no-cache", cwd=root)
    assert result.code == 0
    assert result.out.strip().splitlines() == [result.out.strip()]
    assert "Found" not in result.out


def test_usage_errors_exit_2_and_say_so(cli: CliRunner, tree: Tree) -> None:
    root = tree({"ok.py": ""})
    with pytest.raises(SystemExit) as info:
        cli("check", "--output-format", "xml", cwd=root)
    assert info.value.code == 2
    result = cli("--select", "NOPE1", cwd=root)
    assert result.code == 2 and "--select" in result.err
    result = cli("missing_dir/", cwd=root)
    assert result.code == 2 and "missing_dir" in result.err


def test_config_errors_exit_2_naming_the_key(cli: CliRunner, tree: Tree) -> None:
    root = tree({"pyproject.toml": "[tool.adnn-lint]\nselct = []\n", "ok.py": ""})
    result = cli(cwd=root)
    assert result.code == 2
    assert "selct" in result.err and "pyproject.toml" in result.err


def test_select_ignore_and_per_file_ignores(cli: CliRunner, tree: Tree) -> None:
    root = tree({"tests/t.py": BROKEN, "src/m.py": BROKEN})
    assert cli("--ignore", "ADNN000", "--no-cache", cwd=root).code == 0
    result = cli("--per-file-ignores", "tests/*:ADNN000", "--no-cache", cwd=root)
    assert result.code == 1
    assert "src/m.py" in result.out and "tests/t.py" not in result.out
    root2 = tree({"pyproject.toml": '[tool.adnn-lint.per-file-ignores]\n"src/*" = ["ADNN0"]\n'})
    result = cli("--no-cache", cwd=root2)
    assert "src/m.py" not in result.out and "tests/t.py" in result.out


def test_configured_exclude_applies(cli: CliRunner, tree: Tree) -> None:
    root = tree(
        {
            "pyproject.toml": '[tool.adnn-lint]\nextend-exclude = ["legacy/"]\n',
            "legacy/old.py": BROKEN,
            "ok.py": "",
        }
    )
    assert cli("--no-cache", cwd=root).code == 0


def test_statistics(cli: CliRunner, tree: Tree) -> None:
    root = tree({"a.py": BROKEN, "b.py": BROKEN})
    result = cli("--statistics", "--no-cache", cwd=root)
    assert result.out.splitlines()[0].split("\t") == ["2", "ADNN000", "[ ] syntax-error"]


def test_show_source_prints_a_frame(cli: CliRunner, tree: Tree) -> None:
    root = tree({"a.py": BROKEN})
    result = cli("--show-source", "--no-cache", cwd=root)
    assert "2 | model = keras.Sequential" in result.out
    assert "^" in result.out


def test_notebook_positions_are_cell_and_line(cli: CliRunner, tree: Tree) -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# demo\n"], "metadata": {}},
            {
                "cell_type": "code",
                "source": ["%pip install keras\n", "import keras\n"],
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            },
            {
                "cell_type": "code",
                "source": ["x = 1\n", "def f(:\n"],
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = tree({"nb.ipynb": json.dumps(notebook)})
    result = cli("--no-cache", cwd=root)
    assert result.out.startswith("nb.ipynb:cell 2:2:")
    data = json.loads(cli("--no-cache", "--output-format", "json", cwd=root).out)
    assert data["findings"][0]["cell"] == 2
    assert data["findings"][0]["location"]["line"] == 2


def test_unreadable_files_do_not_lose_other_results(cli: CliRunner, tree: Tree) -> None:
    root = tree(
        {
            "a_latin.py": b"x = '\xff\xfe'\n",
            "b_binary.py": b"\x00\x01\x02",
            "c_empty.py": "",
            "d_cookie.py": "# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n".encode("latin-1"),
            "e_broken.py": BROKEN,
        }
    )
    result = cli("--no-cache", cwd=root)
    assert result.code == 1
    assert "a_latin.py:1:6: ADNN000 cannot read file: not valid utf-8 (byte 0xff)" in result.out
    assert "b_binary.py:1:1: ADNN000 cannot read file: binary content" in result.out
    assert "c_empty.py" not in result.out and "d_cookie.py" not in result.out
    assert "e_broken.py:2:" in result.out


def test_huge_files_are_skipped_with_a_notice(
    cli: CliRunner, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    import adnn_lint.engine.guard

    monkeypatch.setattr(adnn_lint.engine.guard, "MAX_FILE_BYTES", 100)
    root = tree({"big.py": "x = 1\n" * 50, "small.py": BROKEN})
    result = cli("--no-cache", cwd=root)
    assert "big.py" in result.err and "skipped" in result.err
    assert "small.py:2:" in result.out


def test_cache_reuses_results_and_notices_changes(cli: CliRunner, tree: Tree) -> None:
    root = tree({"a.py": BROKEN})
    first = cli(cwd=root)
    assert (root / ".adnn_lint_cache" / "CACHEDIR.TAG").exists()
    entries = list((root / ".adnn_lint_cache").glob("*/*.json"))
    assert len(entries) == 1
    assert cli(cwd=root).out == first.out
    # Prove the second run reads the entry: doctor it and see the doctored message come back.
    entry = json.loads(entries[0].read_text(encoding="utf-8"))
    entry["findings"][0]["message"] = "served from the cache"
    entries[0].write_text(json.dumps(entry), encoding="utf-8")
    assert "ADNN000 served from the cache" in cli(cwd=root).out
    entries[0].write_text("{corrupt", encoding="utf-8")  # a corrupt entry is a miss
    assert cli(cwd=root).out == first.out
    (root / "a.py").write_text("x = 1\n", encoding="utf-8")
    assert cli(cwd=root).code == 0


def test_rule_and_rules_commands(cli: CliRunner, tmp_path: Path) -> None:
    listed = cli("rules", cwd=tmp_path)
    assert listed.code == 0 and listed.out.startswith("ADNN000  syntax-error")
    explained = cli("rule", "ADNN000", cwd=tmp_path)
    assert explained.code == 0 and explained.out.startswith("# syntax-error (ADNN000)")
    assert cli("rule", "syntax-error", cwd=tmp_path).out == explained.out
    assert cli("rule", "ADNN999", cwd=tmp_path).code == 2
    data = json.loads(cli("rules", "--output-format", "json", cwd=tmp_path).out)
    assert data[0]["code"] == "ADNN000" and data[0]["documentation"]


def test_version_and_python_m(tmp_path: Path, module_cli: CliRunner) -> None:
    import adnn_lint

    result = module_cli("--version", cwd=tmp_path)
    assert result.code == 0 and result.out.strip() == f"adnn-lint {adnn_lint.__version__}"


def test_colour_only_on_a_tty(tree: Tree, module_cli: CliRunner) -> None:
    root = tree({"a.py": BROKEN})
    piped = module_cli("--no-cache", cwd=root)
    assert "\033[" not in piped.out
    forced = module_cli("--no-cache", "--color", "always", cwd=root)
    assert "\033[" in forced.out
    assert "\033[" not in module_cli("--no-cache", cwd=root, env={"FORCE_COLOR": ""}).out


TYPO = "import keras\nlayer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')\n"


def test_fix_and_diff(cli: CliRunner, tree: Tree) -> None:
    root = tree({"m.py": TYPO})
    diff = cli("--diff", "--select", "ADNN108", cwd=root)
    assert diff.code == 1
    assert "-layer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')" in diff.out
    assert "+layer = keras.layers.Dense(8, kernel_initializer='glorot_uniform')" in diff.out
    assert (root / "m.py").read_text(encoding="utf-8") == TYPO  # --diff changes nothing
    fixed = cli("--fix", "--select", "ADNN108", cwd=root)
    assert fixed.code == 0 and "1 fixed, 0 remaining" in fixed.out
    assert "glorot_uniform'" in (root / "m.py").read_text(encoding="utf-8")
    assert cli("--diff", "--select", "ADNN108", cwd=root).code == 0


def test_diff_says_what_it_cannot_fix(
    cli: CliRunner, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    import adnn_lint.engine.runner

    # A file that does not parse: no diff, but not a pass either.
    root = tree({"broken.py": "def f(:\n    pass\n"})
    result = cli("--diff", "--no-cache", cwd=root)
    assert result.code == 1 and result.out == ""
    assert "broken.py:1:" in result.err and "not fixed" in result.err
    # A file skipped for its size: said on stderr.
    monkeypatch.setattr(adnn_lint.engine.guard, "MAX_FILE_BYTES", 100)
    root = tree({"big.py": "x = 1\n" * 50})
    result = cli("--diff", "--no-cache", cwd=root)
    assert "big.py" in result.err and "skipped" in result.err


def test_diff_and_summary_after_an_internal_error(
    cli: CliRunner, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adnn_lint.rules.base import rule_by_code

    def explode(self: object, ctx: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(rule_by_code("ADNN108"), "check", explode)
    root = tree({"crash.py": TYPO})
    diff = cli("--diff", "--no-cache", cwd=root)
    assert diff.code == 2 and "crash.py: internal error: RuntimeError: boom" in diff.err
    checked = cli("--no-cache", cwd=root)
    assert checked.code == 2
    assert "All checks passed!" not in checked.out
    assert "1 file not checked: internal error." in checked.out


def test_process_pool_gives_the_same_results(cli: CliRunner, tree: Tree) -> None:
    files = {f"pkg/m{i:02d}.py": TYPO if i % 3 else BROKEN for i in range(30)}
    root = tree(files)
    serial = cli("--no-cache", "-j", "1", "--output-format", "json", cwd=root)
    parallel = cli("--no-cache", "-j", "2", "--output-format", "json", cwd=root)
    assert serial.code == parallel.code == 1
    assert json.loads(serial.out) == json.loads(parallel.out)
    assert json.loads(serial.out)["summary"]["findings"] >= 30


def test_a_crashing_rule_is_exit_2_and_keeps_other_results(
    cli: CliRunner, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adnn_lint.rules.base import rule_by_code

    def explode(self: object, ctx: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(rule_by_code("ADNN108"), "check", explode)
    root = tree({"a_crash.py": TYPO, "b_broken.py": "def f(:\n"})
    result = cli("--no-cache", cwd=root)
    assert result.code == 2
    assert "a_crash.py: internal error: RuntimeError: boom" in result.err
    assert "b_broken.py:1:" in result.out


def test_fix_rewrites_a_notebook_cell(cli: CliRunner, tree: Tree) -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["!pip install keras\n", "import keras"],
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            },
            {
                "cell_type": "code",
                "source": [TYPO.splitlines()[1]],
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = tree({"nb.ipynb": json.dumps(notebook)})
    before = cli("--select", "ADNN108", "--no-cache", cwd=root)
    assert before.out.startswith("nb.ipynb:cell 2:1:")
    fixed = cli("--fix", "--select", "ADNN108", cwd=root)
    assert fixed.code == 0, fixed.out
    cells = json.loads((root / "nb.ipynb").read_text(encoding="utf-8"))["cells"]
    assert cells[0]["source"] == ["!pip install keras\n", "import keras"]
    assert cells[1]["source"] == [TYPO.splitlines()[1].replace("unifrom", "uniform")]


def test_stdin_with_a_filename(cli: CliRunner, tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    root = tree({"pyproject.toml": '[tool.adnn-lint.per-file-ignores]\n"skip/*" = ["ADNN108"]\n'})

    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))

    feed(TYPO)
    result = cli("-", "--stdin-filename", "src/m.py", "--select", "ADNN108", cwd=root)
    assert result.code == 1 and result.out.startswith("src/m.py:2:")
    feed(TYPO)
    result = cli("-", "--stdin-filename", "skip/m.py", "--select", "ADNN108", cwd=root)
    assert result.code == 0
    feed(TYPO)
    fixed = cli("-", "--fix", "--stdin-filename", "src/m.py", "--select", "ADNN108", cwd=root)
    assert fixed.code == 0 and fixed.out == TYPO.replace("unifrom", "uniform")
    assert not (root / "src").exists()


@pytest.mark.parametrize(
    ("missing", "expected"),
    [("adnn_lint.commands.verify", "no 'verify' command"), ("tensorflow", "'tensorflow'")],
)
def test_missing_command_or_dependency_is_exit_2(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str, expected: str
) -> None:
    import adnn_lint.cli

    real = adnn_lint.cli._load

    def load(name: str) -> object:
        if name == "verify":
            raise ModuleNotFoundError(f"No module named {missing!r}", name=missing)
        return real(name)

    monkeypatch.setattr(adnn_lint.cli, "_load", load)
    result = cli("verify", "x.toml", cwd=tmp_path)
    assert result.code == 2 and expected in result.err


_HEAVY_IMPORTS = """\
import sys
from adnn_lint.cli import main
code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"libcst", "networkx", "jinja2", "tomli_w"})
print(",".join(heavy))
"""


@pytest.mark.parametrize(
    "args",
    [("--version",), ("check", "--no-cache", "plain.py"), ("check", "model.py")],
    ids=["version", "non-keras-file", "warm-cache"],
)
def test_light_runs_import_no_heavy_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Pre-commit start-up: these runs must not pay for LibCST, networkx, jinja2 or tomli_w."""
    (tmp_path / "plain.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    (tmp_path / "model.py").write_text(CLEAN, encoding="utf-8")
    run = [sys.executable, "-c", _HEAVY_IMPORTS]
    subprocess.run([*run, "check", "model.py"], cwd=tmp_path, check=False)  # fill the cache
    done = subprocess.run([*run, *args], cwd=tmp_path, capture_output=True, text=True)
    assert done.stdout.splitlines()[-1] == "", done.stdout + done.stderr
