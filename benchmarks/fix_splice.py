"""What keeping every byte costs ``--fix``: the splice against the fix it wraps, in one run.

1. ``fix_codes`` on generated Keras files (one typo fix per model, a leading form feed and
   whitespace-only lines at the end, which LibCST loses, so the splice does its full merge),
   against the same call with the splice bypassed (LibCST's print written as it is, the old
   behaviour). Reports min and median over N interleaved runs and the ratio of the minima.
2. ``splice`` alone on texts of growing size (one edit every 40 lines; a lost line at each end,
   or every line break to restore as in a lone-CR file), to show its cost grows linearly: time
   per MB at each size.

    python benchmarks/fix_splice.py [--runs 5] [--models 40,160]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import statistics
import sys
import time
from collections.abc import Callable
from unittest import mock

from adnn_lint.engine import splice as splice_module
from adnn_lint.engine.lint import codes_for, fix_codes

MODEL = """\
def build_{index}():
    return keras.Sequential(
        [
            keras.Input(shape=(8,)),
            keras.layers.Dense(16, activation="relu", kernel_initializer="glorot_unifrom"),
            keras.layers.Dense(1),
        ]
    )


"""


def _source(models: int) -> str:
    body = "".join(MODEL.format(index=index) for index in range(models))
    return "\x0cimport keras\n\n\n" + body + "\n  \n"


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def _fix_overhead(models: int, runs: int) -> None:
    source = _source(models)
    codes = codes_for(None, None)

    def with_splice() -> object:
        return fix_codes(source, "m.py", codes, unsafe=True)

    def without_splice() -> object:
        with mock.patch.object(splice_module, "splice", lambda _o, _p, fixed: fixed):
            return fix_codes(source, "m.py", codes, unsafe=True)

    assert with_splice() != without_splice()  # the splice keeps what the bypass loses
    spliced: list[float] = []
    plain: list[float] = []
    for _ in range(runs):  # interleaved, so machine load hits both alike
        spliced += _timed(with_splice, 1)
        plain += _timed(without_splice, 1)
    size = len(source.encode()) / 1e6
    print(
        f"fix_codes {models} models ({size:.2f} MB): splice min {min(spliced):.3f} s "
        f"median {statistics.median(spliced):.3f} s; bypassed min {min(plain):.3f} s "
        f"median {statistics.median(plain):.3f} s; ratio of minima {min(spliced) / min(plain):.3f}"
    )


def _splice_scaling(runs: int) -> None:
    line = "    keras.layers.Dense(16, kernel_initializer='glorot_unifrom'),\n"
    for megabytes in (0.5, 2.0, 8.0):
        count = int(megabytes * 1e6 / len(line))
        printed = "x = [\n" + line * count + "]\n"
        original = "\x0c" + printed + "\n  \n"
        lines = printed.splitlines(keepends=True)
        for index in range(1, len(lines) - 1, 40):
            lines[index] = lines[index].replace("unifrom", "uniform")
        fixed = "".join(lines)
        # A lone-CR file is printed with CRLF (see fix_codes): every line's break is restored.
        lone_cr = (original.replace("\n", "\r"), printed.replace("\n", "\r\n"))
        cases = {
            "ends lost": (original, printed, fixed),
            "every break restored": (*lone_cr, fixed.replace("\n", "\r\n")),
        }
        for name, texts in cases.items():
            times = _timed(lambda texts=texts: splice_module.splice(*texts), runs)
            print(
                f"splice {megabytes:.1f} MB, {name} ({count // 40} edits): min {min(times):.3f} s,"
                f" median {statistics.median(times):.3f} s, {min(times) / megabytes:.3f} s per MB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--models", default="40,160")
    args = parser.parse_args()
    libcst = importlib.metadata.version("libcst")
    python = sys.version.split()[0]
    print(f"Python {python}, LibCST {libcst}, {platform.platform()}, {args.runs} runs")
    for models in (int(m) for m in args.models.split(",")):
        _fix_overhead(models, args.runs)
    _splice_scaling(args.runs)


if __name__ == "__main__":
    main()
