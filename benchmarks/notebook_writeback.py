"""What putting a notebook fix back into its cells costs, as the notebook grows, in one run.

``write_fixed`` on notebooks of N code cells that repeat the same few lines (the case that makes a
plain line diff quadratic: no line is unique), with a typo fixed in every cell and the seed fix's
three lines inserted at the top. The fixed source is made by text replacement, so only the
write-back is timed (not LibCST). Next to it, for reference, difflib's line diff of the same two
sources (what the write-back aligned lines with before ``splice.align_lines``), at the sizes where
it ends in reasonable time. Reports min and median over the runs and time per 1,000 lines.

    python benchmarks/notebook_writeback.py [--runs 3] [--cells 250,1000,4000] [--difflib-up-to 250]
"""

from __future__ import annotations

import argparse
import difflib
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable

from adnn_lint.engine.notebook import load_notebook, physical_lines
from adnn_lint.engine.writeback import write_fixed

TYPO = "layer = keras.layers.Dense(8, kernel_initializer='glorot_unifrom')\n"
MODEL = (
    "model = keras.Sequential([keras.Input(shape=(4,)), layer, keras.layers.Dense(1)])\n"
    "model.compile(loss='mse')\n"
    "model.fit(x, y)\n"
)
SEED = "import keras\n\nkeras.utils.set_random_seed(0)\n"


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def _notebook(cells: int) -> str:
    sources = ["import keras\n"] + [TYPO + MODEL] * cells
    document = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": physical_lines(s)}
            for s in sources
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1) + "\n"


def _measure(cells: int, runs: int, *, with_difflib: bool) -> None:
    text = _notebook(cells)
    notebook = load_notebook(text)
    fixed = SEED + notebook.source.replace("unifrom", "uniform")
    written = write_fixed(text, notebook, fixed)
    assert written is not None and "unifrom" not in written
    lines = len(physical_lines(notebook.source)) / 1000
    times = _timed(lambda: write_fixed(text, notebook, fixed), runs)
    report = (
        f"{cells} cells ({lines * 1000:.0f} lines): write_fixed min {min(times):.3f} s, "
        f"median {statistics.median(times):.3f} s, {min(times) / lines:.4f} s per 1k lines"
    )
    if with_difflib:
        old, new = physical_lines(notebook.source), physical_lines(fixed)
        plain = _timed(
            lambda: difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes(), runs
        )
        report += f"; difflib line diff alone min {min(plain):.3f} s"
    print(report)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cells", default="250,1000,4000")
    parser.add_argument("--difflib-up-to", type=int, default=250)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {platform.platform()}, {args.runs} runs")
    for cells in (int(c) for c in args.cells.split(",")):
        _measure(cells, args.runs, with_difflib=cells <= args.difflib_up_to)


if __name__ == "__main__":
    main()
