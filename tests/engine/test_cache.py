"""The result cache trusts only entries that validate; anything else is a miss, recomputed and
overwritten, and never crashes the run nor hides the file's real findings."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRunner

Tree = Callable[[Mapping[str, str | bytes]], Path]

ZERO = (
    "import keras\nfrom keras import layers\n"
    "model = keras.Sequential([layers.Dense(8, kernel_initializer='zeros'), layers.Dense(1)])\n"
)
CLEAN = "import keras\nlayer = keras.layers.Dense(4, kernel_initializer='he_normal')\n"


def _entries(root: Path) -> list[Path]:
    return sorted((root / ".adnn_lint_cache").glob("*/*.json"))


def _filled(cli: CliRunner, tree: Tree) -> tuple[Path, Path, str]:
    root = tree({"model.py": ZERO})
    first = cli(cwd=root).out
    assert "model.py:3:62: ADNN101" in first
    (entry,) = _entries(root)
    return root, entry, first


def _doctor(entry: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(entry.read_text(encoding="utf-8"))
    change(document)
    entry.write_text(json.dumps(document), encoding="utf-8")


def test_a_valid_entry_is_served(cli: CliRunner, tree: Tree) -> None:
    root, entry, _ = _filled(cli, tree)
    _doctor(entry, lambda d: d["findings"][0].update(message="served from the cache"))
    assert "ADNN101 served from the cache" in cli(cwd=root).out  # its fix is unsafe: no [*]


def test_deeply_nested_json_is_a_miss(cli: CliRunner, tree: Tree) -> None:
    root, entry, first = _filled(cli, tree)
    entry.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = cli(cwd=root)
    assert (result.code, result.out) == (1, first)
    assert json.loads(entry.read_text(encoding="utf-8"))["findings"]  # overwritten


def test_an_entry_of_another_file_is_a_miss(cli: CliRunner, tree: Tree) -> None:
    root = tree({"model.py": ZERO, "other.py": ZERO.replace("'zeros'", "'ones'")})
    first = cli(cwd=root).out
    by_path = {json.loads(e.read_text())["findings"][0]["path"]: e for e in _entries(root)}
    # A well-formed entry copied over: another file's findings under model.py's key.
    by_path["model.py"].write_bytes(by_path["other.py"].read_bytes())
    assert cli(cwd=root).out == first


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["findings"][0].update(severity="fatal"),
        lambda d: d["findings"][0].update(code="ADNN999"),
        lambda d: d["findings"][0].update(path="elsewhere.py"),
        lambda d: d["findings"][0].update(span=[90, 1, 90, 2]),
        lambda d: d["findings"][0].update(span=[3, "62", 3, 70]),
        lambda d: d["findings"][0].pop("fix_safe"),
        lambda d: d["findings"].append({"code": "ADNN101"}),
        lambda d: d.update(findings={"not": "a list"}),
        lambda d: d.update(salt="another adnn-lint"),
        lambda d: d.update(key="0" * 64),
        lambda d: d.update(format=1),
    ],
    ids=[
        "severity",
        "unknown-code",
        "path",
        "span-outside",
        "span-type",
        "missing-field",
        "partial-finding",
        "findings-type",
        "salt",
        "key",
        "format",
    ],
)
def test_an_invalid_entry_is_recomputed_and_overwritten(
    cli: CliRunner, tree: Tree, change: Callable[[dict[str, Any]], None]
) -> None:
    root, entry, first = _filled(cli, tree)
    _doctor(entry, change)
    assert cli(cwd=root).out == first
    sarif = cli("--output-format", "sarif", cwd=root)
    assert sarif.code == 1 and json.loads(sarif.out)["runs"][0]["results"]
    served = json.loads(entry.read_text(encoding="utf-8"))
    assert served["findings"][0]["severity"] in ("error", "warning", "info")
    assert served["findings"][0]["path"] == "model.py"
