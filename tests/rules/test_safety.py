"""Linting never imports TensorFlow/Keras and never imports or runs the linted code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HOSTILE = """\
import pathlib
pathlib.Path({marker!r}).write_text("executed")
import keras
from tensorflow.keras import layers

model = keras.Sequential([layers.Dense(8, kernel_initializer="zeros"), layers.Dense(1)])
raise SystemExit("the linted file was executed")
"""

PROBE = """\
import json, sys
from adnn_lint.cli import main
code = main(sys.argv[1:])
heavy = sorted(
    name for name in sys.modules
    if name.split(".")[0] in {"tensorflow", "keras", "tf_keras", "hostile", "hostile_pkg"}
)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def _probe(tmp_path: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    last = done.stderr.strip().splitlines()[-1]
    result: dict[str, object] = json.loads(last)
    return result


def test_lint_neither_runs_the_file_nor_imports_tensorflow(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    (tmp_path / "hostile.py").write_text(HOSTILE.format(marker=str(marker)), encoding="utf-8")
    pkg = tmp_path / "hostile_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(HOSTILE.format(marker=str(marker)), encoding="utf-8")
    result = _probe(tmp_path, "check", "--no-cache", "--output-format", "json", ".")
    assert not marker.exists()
    assert result["heavy"] == []
    assert result["code"] in (0, 1)


def test_fix_and_every_format_stay_static(tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    (tmp_path / "hostile.py").write_text(HOSTILE.format(marker=str(marker)), encoding="utf-8")
    for args in (("--diff",), ("--output-format", "sarif"), ("--statistics",)):
        result = _probe(tmp_path, "check", "--no-cache", *args, ".")
        assert result["heavy"] == [], args
    assert not marker.exists()
