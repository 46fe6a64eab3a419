"""The runner's process pool gives the same results as a serial run."""

from __future__ import annotations

from pathlib import Path

from adnn_lint.engine import runner
from adnn_lint.engine.lint import codes_for

MODEL = """\
import keras

model = keras.Sequential([keras.layers.Dense({width}, kernel_initializer="{init}")])
model.compile(loss="mse")
model.fit(None, None)
"""


def test_pool_matches_serial(tmp_path: Path) -> None:
    codes = codes_for(None, None)
    tasks = []
    for index in range(runner.PARALLEL_THRESHOLD + 2):
        path = tmp_path / f"m{index}.py"
        init = ("zeros", "he_normal", "glorot_unifrom")[index % 3]
        path.write_text(MODEL.format(width=4 + index, init=init), encoding="utf-8")
        tasks.append(runner.Task(path.name, str(path), codes))
    serial = runner.run(tasks, jobs=1)
    pooled = runner.run(tasks, jobs=2)
    assert pooled.findings == serial.findings
    assert {f.code for f in serial.findings} >= {"ADNN108", "ADNN201"}
    assert not pooled.notices
