"""Time and memory per MB of one file as the file grows: is the cost linear in its size?

    .venv/bin/python benchmarks/size.py [--sizes 0.4,2,10] [--runs 3] [--commands check]
                                        [--json OUT] [--markdown OUT]

Each size is one generated Python file (nothing is downloaded) of that many MB, made of
independent Keras model definitions in the styles real code has: Sequential MLPs with compile()
and fit(), functional CNNs with a residual block and batch normalization, models built inside
functions and at module level, a shared initializer, ``# adnn:`` contracts. The number of models
grows with the size, which is what made the cost quadratic before.

Every run is a fresh ``adnn-lint COMMAND FILE`` subprocess (``check`` runs with ``--no-cache``);
the figures are its wall-clock time, its CPU time (user + system, steadier on a shared machine)
and its peak resident memory, all from ``os.wait4`` of that process. Per size: min and median
over ``--runs``; per MB: the median divided by the file's size. Linearity is the ratio of the
time (and memory) per MB at the largest size to that at the smallest: 1.0 is linear, a
quadratic cost gives the ratio of the sizes (25 for 10 MB vs 0.4 MB).
"""

# The generated scripts keep the long lines real Keras code has.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

HEAD = """\
import numpy as np
import keras
from keras import layers
from keras.models import Sequential, Model

x_train = np.zeros((64, 32), dtype="float32")
y_train = np.zeros((64, 10), dtype="float32")
shared_init = keras.initializers.HeNormal(seed=7)
"""

_SEQUENTIAL = """
# adnn: accuracy >= 90%, max_trial = 20
model_{i} = Sequential()
model_{i}.add(layers.Dense({w}, activation="relu", input_shape=(32,)))
model_{i}.add(layers.Dense({w}, kernel_initializer="zeros"))
model_{i}.add(layers.Activation("relu"))
model_{i}.add(layers.Dropout(0.5))
model_{i}.add(layers.Dense(10, activation="softmax", kernel_initializer=keras.initializers.RandomNormal(stddev=0.5)))
model_{i}.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"])
model_{i}.fit(x_train, y_train, epochs=5, batch_size=32)
"""

_FUNCTIONAL = """
def build_{i}(filters={w}):
    inputs = keras.Input(shape=(28, 28, 1))
    h = layers.Conv2D(filters, 3, padding="same", activation="relu", kernel_initializer=shared_init)(inputs)
    skip = h
    h = layers.Conv2D(filters, 3, padding="same")(h)
    h = layers.BatchNormalization()(h)
    h = layers.Activation("relu")(h)
    h = layers.Add()([h, skip])
    h = layers.MaxPooling2D(2)(h)
    h = layers.Flatten()(h)
    outputs = layers.Dense(10, activation="softmax")(h)
    net = Model(inputs, outputs)
    net.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return net


net_{i} = build_{i}()
net_{i}.fit(x_train, y_train, epochs=2)
"""

_SUBCLASSED = """
class Classifier{i}(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense({w}, activation="tanh", kernel_initializer="he_uniform")
        self.out = layers.Dense(10)

    def call(self, x):
        return self.out(self.hidden(x))
"""


def generate(size_bytes: int, seed: int = 0) -> tuple[str, int]:
    """A Python file of about ``size_bytes`` bytes (HEAD, then model blocks until the size) and
    the number of models in it."""
    rng = random.Random(seed)
    blocks = [HEAD]
    total = len(HEAD)
    i = 0
    while total < size_bytes:
        template = rng.choice((_SEQUENTIAL, _SEQUENTIAL, _FUNCTIONAL, _SUBCLASSED))
        block = template.format(i=i, w=rng.choice((32, 64, 128, 256)))
        blocks.append(block)
        total += len(block)
        i += 1
    return "".join(blocks), i


def _command(command: str, path: Path) -> list[str]:
    tool = str(BIN / "adnn-lint")
    if command == "check":
        return [tool, "check", "--no-cache", "--quiet", str(path)]
    return [tool, command, str(path)]


def measure(command: str, path: Path) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one ``adnn-lint COMMAND path`` process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        _command(command, path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):  # 1: findings
        raise SystemExit(f"{command} {path}: exit {process.returncode}")
    # ru_maxrss is KiB on Linux, bytes on macOS
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": rss}


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {
        "python": platform.python_version(),
        "adnn-lint": version("adnn-lint"),
        "libcst": version("libcst"),
    }


def run(sizes: list[float], runs: int, commands: list[str], workdir: Path) -> dict[str, object]:
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load = list(os.getloadavg())
    rows = []
    files = {}
    for size in sizes:
        path = workdir / f"models_{size:g}mb.py"
        text, models = generate(int(size * 1_000_000))
        path.write_text(text, encoding="utf-8")
        files[size] = (path, models)
    for command in commands:
        for size in sizes:
            path, models = files[size]
            mb = path.stat().st_size / 1_000_000
            samples = [measure(command, path) for _ in range(runs)]
            row: dict[str, object] = {
                "command": command,
                "size_mb": round(mb, 3),
                "models": models,
                "runs": runs,
            }
            for key in ("wall", "cpu", "rss_mib"):
                values = [s[key] for s in samples]
                row[f"{key}_min"] = round(min(values), 3)
                row[f"{key}_median"] = round(statistics.median(values), 3)
                row[f"{key}_per_mb"] = round(statistics.median(values) / mb, 3)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    ratios = {}
    for command in commands:
        mine = [r for r in rows if r["command"] == command]
        small, large = mine[0], mine[-1]
        ratios[command] = {
            f"{key}_per_mb": round(float(large[f"{key}_per_mb"]) / float(small[f"{key}_per_mb"]), 2)  # type: ignore[arg-type]
            for key in ("wall", "cpu", "rss_mib")
        }
    return {
        "started": started,
        "argv": sys.argv[1:],
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs",
        "load_average": load,
        "versions": _versions(),
        "rows": rows,
        "ratio_largest_vs_smallest": ratios,
    }


def markdown(result: dict[str, object]) -> str:
    rows = result["rows"]
    assert isinstance(rows, list)
    versions = result["versions"]
    assert isinstance(versions, dict)
    argv = result["argv"]
    assert isinstance(argv, list)
    lines = [
        "## Time and memory per MB of one file (benchmarks/size.py)",
        "",
        f"Generated by `python benchmarks/size.py {' '.join(argv)}`, started {result['started']}.",
        f"Machine: {result['machine']}; load average at start {result['load_average']}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + ".",
        "",
        "| command | size (MB) | models | runs | wall s min / median | CPU s min / median "
        "| CPU s per MB | peak RSS MiB min / median | RSS MiB per MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['command']} | {row['size_mb']} | {row['models']} | {row['runs']} "
            f"| {row['wall_min']} / {row['wall_median']} | {row['cpu_min']} / {row['cpu_median']} "
            f"| {row['cpu_per_mb']} | {row['rss_mib_min']} / {row['rss_mib_median']} "
            f"| {row['rss_mib_per_mb']} |"
        )
    lines += [
        "",
        "Linearity, per MB at the largest size / per MB at the smallest (1.0 = linear):",
        "",
    ]
    ratios = result["ratio_largest_vs_smallest"]
    assert isinstance(ratios, dict)
    for command, ratio in ratios.items():
        lines.append(
            f"- `{command}`: CPU {ratio['cpu_per_mb']}x, wall {ratio['wall_per_mb']}x, "
            f"peak memory {ratio['rss_mib_per_mb']}x"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="0.4,2,10", help="file sizes in MB (default 0.4,2,10)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (default 3)")
    parser.add_argument(
        "--commands",
        default="check",
        help="adnn-lint commands, comma-separated (check,layers,spec)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--markdown", type=Path, help="also write the Markdown table here")
    args = parser.parse_args()
    sizes = sorted(float(s) for s in args.sizes.split(","))
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    with tempfile.TemporaryDirectory(prefix="adnn-size-") as tmp:
        result = run(sizes, args.runs, commands, Path(tmp))
    text = markdown(result)
    sys.stdout.write(text)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.markdown is not None:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
