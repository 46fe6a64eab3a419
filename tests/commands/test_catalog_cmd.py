"""``adnn-lint catalog``: summary without Keras; --check/--mine with it (runtime)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adnn_lint.cli import main


def test_summary_names_the_keras_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "--output-format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["keras_version"].startswith("3.")
    assert "he_normal" in summary["initializers"]
    assert summary["legacy_arguments"]["init"] == "kernel_initializer"


@pytest.mark.runtime
def test_mine_writes_a_catalog_equal_to_the_checked_in_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("keras")
    from adnn_lint.knowledge.catalog import read_document

    target = tmp_path / "catalog.json"
    assert main(["catalog", "--mine", "--output", str(target)]) == 0
    mined = json.loads(target.read_text())
    checked_in = read_document()
    mined.pop("keras_version")
    checked_in.pop("keras_version")
    assert mined == checked_in
    assert main(["catalog", "--check"]) == 0
    assert "matches" in capsys.readouterr().out


def test_check_names_each_difference_by_key_path() -> None:
    from adnn_lint.commands.catalog import _differences

    old = {"keras_version": "3.1", "layers": {"Dense": {"position": 3}}, "gone": 1}
    new = {"keras_version": "3.2", "layers": {"Dense": {"position": 4}}, "added": 2}
    assert _differences(old, new) == [
        "added: only in the installed Keras",
        "gone: only in the checked-in catalog",
        "keras_version: '3.1' -> '3.2'",
        "layers.Dense.position: 3 -> 4",
    ]
