"""Start-up and throughput of the static side, measured in one run.

1. Cold start: a one-file ``adnn-lint check`` (new process, no cache; once on a Keras file, once
   on a plain Python file) against ``python -c pass`` from the same interpreter, N runs each,
   interleaved so machine load hits both alike. Reports min and median and the ratio of minima.
2. Throughput: ``adnn-lint check`` over a few hundred generated Keras files, without cache, then
   with a cold cache (first run fills it) and a warm cache (unchanged tree).

    python benchmarks/startup.py [--runs 15] [--files 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

MODEL = """\
import keras
from keras import layers

keras.utils.set_random_seed({seed})


def build_{index}() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input(shape=({width},)),
            layers.Dense({hidden}, activation="relu", kernel_initializer="{kernel}"),
            layers.Dense({hidden2}, activation="tanh"),
            layers.Dense(10, activation="softmax"),
        ]
    )


model = build_{index}()
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
"""
KERNELS = ("he_normal", "glorot_uniform", "zeros", "glorot_unifrom", "random_normal")


def _command() -> list[str]:
    script = Path(sys.executable).with_name("adnn-lint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "adnn_lint"]


def _env(work: Path) -> dict[str, str]:
    """Children may write bytecode (to a cache under ``work``), as an installed wheel has it:
    with ``PYTHONDONTWRITEBYTECODE`` set every run would compile the package again, which
    measures the compiler, not the start-up a user sees."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return env


def _time(cmd: Sequence[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False, env=_env(cwd))
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def _summary(label: str, samples: list[float]) -> str:
    return (
        f"{label:<44} n={len(samples):<3} min {min(samples) * 1000:8.1f} ms   "
        f"median {statistics.median(samples) * 1000:8.1f} ms"
    )


def cold_start(work: Path, runs: int) -> None:
    keras_file = work / "model.py"
    keras_file.write_text(
        MODEL.format(seed=1, index=0, width=784, hidden=128, hidden2=64, kernel="he_normal"),
        encoding="utf-8",
    )
    plain_file = work / "plain.py"
    plain_file.write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    lint = _command()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "adnn-lint --version": [*lint, "--version"],
        "adnn-lint check plain.py (no cache)": [*lint, "check", "--no-cache", "plain.py"],
        "adnn-lint check model.py (no cache)": [*lint, "check", "--no-cache", "model.py"],
        "adnn-lint check model.py (warm cache)": [*lint, "check", "model.py"],
        # The floor of a cold Keras-file run: LibCST's own import (its node classes).
        "python -c 'import libcst'": [sys.executable, "-c", "import libcst"],
    }
    _time(commands["adnn-lint check model.py (warm cache)"], work)  # fill the cache, warm the OS
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            samples[name].append(_time(cmd, work))
    base = min(samples["python -c pass"])
    print(f"cold start ({runs} interleaved runs each)")
    for name, values in samples.items():
        print(f"  {_summary(name, values)}   ratio(min) {min(values) / base:5.2f}x")


def throughput(work: Path, files: int, runs: int) -> None:
    tree = work / "tree"
    for index in range(files):
        package = tree / f"pkg{index % 10}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"model_{index}.py").write_text(
            MODEL.format(
                seed=index,
                index=index,
                width=32 + index,
                hidden=64 + index % 7,
                hidden2=32 + index % 5,
                kernel=KERNELS[index % len(KERNELS)],
            ),
            encoding="utf-8",
        )
    lint = _command()
    cache = work / "cache"
    no_cache, cold, warm = [], [], []
    for _ in range(runs):
        no_cache.append(_time([*lint, "check", "--no-cache", "-q", "tree"], work))
        shutil.rmtree(cache, ignore_errors=True)
        cold.append(_time([*lint, "check", "--cache-dir", str(cache), "-q", "tree"], work))
        warm.append(_time([*lint, "check", "--cache-dir", str(cache), "-q", "tree"], work))
    print(f"throughput over {files} generated Keras files ({runs} runs each)")
    for label, values in (("no cache", no_cache), ("cold cache", cold), ("warm cache", warm)):
        rate = files / min(values)
        median_rate = files / statistics.median(values)
        print(f"  {_summary(label, values)}   {rate:7.0f} files/s (median {median_rate:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="cold-start runs per command")
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--throughput-runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="adnn-lint-bench-") as tmp:
        work = Path(tmp)
        print(f"python {sys.version.split()[0]} at {sys.executable}")
        cold_start(work, args.runs)
        throughput(work, args.files, args.throughput_runs)


if __name__ == "__main__":
    main()
