"""Static-side speed: adnn-lint against a bare LibCST parse and against pylint, in one run.

    .venv/bin/python benchmarks/lint.py [--runs 3] [--jobs N] [--files 60] [--json OUT]

The corpus is built in a temporary directory (nothing is downloaded): the Keras application
sources of the installed ``keras`` package when it is there (real Keras code: ResNet, MobileNet,
EfficientNet, ...), plus generated scripts in the styles seen in the wild (Keras 1 and 2
Sequential scripts, tf.keras CNNs, functional and subclassed models, recurrent text models),
plus plain Python modules that never mention Keras (they must cost no LibCST parse).

Every figure is the wall-clock time (and the CPU time, which is steadier on a shared machine) of
a fresh subprocess on the same cores, so each includes interpreter start-up:

- ``parse``: LibCST ``parse_module`` of every file, one process;
- ``cold``: ``adnn-lint check --no-cache`` (all rules, default workers);
- ``cold_j1``: the same with one worker;
- ``warm``: ``adnn-lint check`` again over an unchanged tree with its cache filled;
- ``pylint``: ``pylint --disable=all --enable=E,W`` (errors and warnings) with the same workers.

Targets: cold within 3x of the bare parse, and at least 10x faster than pylint.
"""

# The generated scripts keep the long lines real Keras code has.
# ruff: noqa: E501

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

_HEADER_STYLES = (
    (
        "from keras.models import Sequential\nfrom keras.layers import Dense, Dropout, Flatten\n"
        "from keras.layers import Conv2D, MaxPooling2D, LSTM, Embedding\n",
        "",
    ),
    (
        "import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras import layers\n",
        "layers.",
    ),
    ("import keras\nfrom keras import layers\n", "layers."),
)

_HELPERS = '''
def load_data(path, limit=None):
    """Read a CSV of features and labels."""
    rows = []
    with open(path) as handle:
        for number, line in enumerate(handle):
            if limit is not None and number >= limit:
                break
            parts = [float(v) for v in line.strip().split(",") if v]
            rows.append(parts)
    features = np.array([r[:-1] for r in rows], dtype="float32")
    labels = np.array([int(r[-1]) for r in rows])
    return features, labels


def normalize(x, eps=1e-7):
    mean = x.mean(axis=0, keepdims=True)
    std = x.std(axis=0, keepdims=True)
    return (x - mean) / (std + eps)


def plot_history(history, out="history.png"):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, key in zip(axes, ("loss", "accuracy")):
        axis.plot(history.history[key], label="train")
        axis.plot(history.history.get("val_" + key, []), label="validation")
        axis.set_title(key)
        axis.legend()
    fig.savefig(out)
'''


def _mlp(rng: random.Random, header: str, prefix: str) -> str:
    widths = [rng.choice((64, 128, 256, 512)) for _ in range(rng.randint(2, 4))]
    act = rng.choice(("relu", "tanh", "sigmoid", "elu"))
    init = rng.choice(("glorot_uniform", "he_normal", "random_normal", "zeros", "lecun_normal"))
    body = [f"model = {'keras.' if prefix else ''}Sequential()"]
    for i, width in enumerate(widths):
        shape = ", input_shape=(784,)" if i == 0 else ""
        body.append(
            f"model.add({prefix}Dense({width}, activation='{act}', "
            f"kernel_initializer='{init}'{shape}))"
        )
        body.append(f"model.add({prefix}Dropout({rng.choice((0.1, 0.2, 0.5))}))")
    body.append(f"model.add({prefix}Dense(10, activation='softmax'))")
    body.append(
        "model.compile(loss='categorical_crossentropy', optimizer='rmsprop', metrics=['accuracy'])"
    )
    body.append(
        f"history = model.fit(x_train, y_train, batch_size={rng.choice((32, 128))}, "
        f"epochs={rng.randint(2, 20)}, validation_split=0.1)"
    )
    return _script(header, body, prefix)


def _cnn(rng: random.Random, header: str, prefix: str) -> str:
    filters = rng.choice((16, 32, 64))
    body = [
        f"model = {'keras.' if prefix else ''}Sequential([",
        f"    {prefix}Conv2D({filters}, kernel_size=(3, 3), activation='relu', "
        "input_shape=(28, 28, 1)),",
        f"    {prefix}MaxPooling2D(pool_size=(2, 2)),",
        f"    {prefix}Conv2D({filters * 2}, (3, 3), activation='relu'),",
        f"    {prefix}MaxPooling2D(pool_size=(2, 2)),",
        f"    {prefix}Flatten(),",
        f"    {prefix}Dropout(0.5),",
        f"    {prefix}Dense(10, activation='softmax'),",
        "])",
        "model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])",
        f"model.fit(x_train, y_train, batch_size=128, epochs={rng.randint(3, 15)})",
    ]
    return _script(header, body, prefix)


def _functional(rng: random.Random) -> str:
    width = rng.choice((32, 64, 128))
    return (
        textwrap.dedent(
            f'''\
        """A two-branch functional model."""
        import numpy as np
        import keras
        from keras import layers, initializers

        keras.utils.set_random_seed({rng.randint(0, 999)})
        shared_init = initializers.HeNormal(seed=1)


        def build(input_dim={rng.choice((20, 64, 100))}):
            inputs = keras.Input(shape=(input_dim,))
            left = layers.Dense({width}, activation="relu", kernel_initializer=shared_init)(inputs)
            right = layers.Dense({width}, activation="relu", kernel_initializer=shared_init)(inputs)
            merged = layers.concatenate([left, right])
            hidden = layers.Dense({width // 2}, activation="relu")(merged)
            outputs = layers.Dense(1, activation="sigmoid")(hidden)
            model = keras.Model(inputs=inputs, outputs=outputs)
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="binary_crossentropy")
            return model
        '''
        )
        + _HELPERS
    )


def _subclassed(rng: random.Random) -> str:
    depth = rng.randint(2, 6)
    return (
        textwrap.dedent(
            f"""\
        import numpy as np
        import tensorflow as tf


        class ResidualMLP(tf.keras.Model):
            def __init__(self, width={rng.choice((64, 128))}, depth={depth}):
                super().__init__()
                self.inp = tf.keras.layers.Dense(width, activation="relu")
                self.blocks = [
                    tf.keras.layers.Dense(width, activation="relu",
                                          kernel_initializer=tf.keras.initializers.RandomNormal(stddev=0.05))
                    for _ in range({depth})
                ]
                self.head = tf.keras.layers.Dense(10)

            def call(self, x):
                x = self.inp(x)
                for block in self.blocks:
                    x = x + block(x)
                return self.head(x)
        """
        )
        + _HELPERS
    )


def _legacy(rng: random.Random) -> str:
    return (
        textwrap.dedent(
            f'''\
        from keras.models import Sequential
        from keras.layers.core import Dense, Dropout, Activation, Flatten
        from keras.layers.convolutional import Convolution2D, MaxPooling2D
        from keras.optimizers import SGD
        import numpy as np

        np.random.seed({rng.randint(0, 9999)})
        model = Sequential()
        model.add(Convolution2D(32, 3, 3, border_mode="valid", input_shape=(1, 28, 28), init="{rng.choice(("uniform", "normal", "glorot_uniform"))}"))
        model.add(Activation("relu"))
        model.add(Convolution2D(32, 3, 3, init="normal"))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Flatten())
        model.add(Dense(output_dim=128, init="uniform"))
        model.add(Dropout(0.5))
        model.add(Dense(10, init="zero"))
        sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
        model.compile(loss="categorical_crossentropy", optimizer=sgd)
        model.fit(X_train, Y_train, batch_size=128, nb_epoch={rng.randint(2, 12)})
        '''
        )
        + _HELPERS
    )


def _recurrent(rng: random.Random) -> str:
    return (
        textwrap.dedent(
            f"""\
        import tensorflow as tf
        from tensorflow.keras import layers, models

        def text_model(vocab={rng.choice((5000, 20000))}, maxlen=200):
            model = models.Sequential()
            model.add(layers.Embedding(vocab, 128, input_length=maxlen))
            model.add(layers.Bidirectional(layers.LSTM(64, return_sequences=True)))
            model.add(layers.GRU(32))
            model.add(layers.Dense(1, activation="sigmoid"))
            model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
            return model
        """
        )
        + _HELPERS
    )


def _plain(rng: random.Random) -> str:
    return textwrap.dedent(
        f'''\
        """Plain data utilities: nothing here is a neural network."""
        import csv
        import json
        import numpy as np

        SCALE = {rng.random():.4f}
        '''
    ) + _HELPERS * rng.randint(2, 5)


def _script(header: str, body: list[str], prefix: str) -> str:
    imports = "import numpy as np\n" + header
    if prefix and "keras." not in header.split("\n")[0] and "import keras" not in header:
        imports += "import keras\n"
    if not prefix:
        imports += "from keras import Sequential as _S\n"
    main = "\n".join(body)
    return f"{imports}\n{_HELPERS}\n\n{main}\n"


def build_corpus(directory: Path, files: int, seed: int = 0) -> dict[str, int]:
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    applications = None
    try:
        import importlib.util

        spec = importlib.util.find_spec("keras")
        if spec is not None and spec.submodule_search_locations:
            applications = (
                Path(next(iter(spec.submodule_search_locations))) / "src" / "applications"
            )
    except (ImportError, ValueError):
        applications = None
    if applications is not None and applications.is_dir():
        for path in sorted(applications.glob("*.py")):
            if not path.name.endswith("_test.py") and path.name != "__init__.py":
                shutil.copy(path, directory / f"app_{path.name}")
                counts["keras_applications"] = counts.get("keras_applications", 0) + 1
    makers = (
        ("mlp", lambda: _mlp(rng, *rng.choice(_HEADER_STYLES))),
        ("cnn", lambda: _cnn(rng, *rng.choice(_HEADER_STYLES[1:]))),
        ("functional", lambda: _functional(rng)),
        ("subclassed", lambda: _subclassed(rng)),
        ("legacy", lambda: _legacy(rng)),
        ("recurrent", lambda: _recurrent(rng)),
        ("plain", lambda: _plain(rng)),
        ("plain", lambda: _plain(rng)),
    )
    for index in range(files):
        kind, make = makers[index % len(makers)]
        (directory / f"{kind}_{index:03d}.py").write_text(make())
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # adnn-lint: 0 clean / 1 findings; pylint: a bit mask of the message kinds found (< 32).
    limit = 32 if Path(command[0]).name == "pylint" else 2
    if done.returncode >= limit or done.returncode < 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, cpu


_PARSE = (
    "import sys, pathlib, libcst\n"
    "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.py')):\n"
    "    libcst.parse_module(p.read_text())\n"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=48, help="generated files besides the apps")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-pylint", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        counts = build_corpus(corpus, args.files)
        size = sum(p.stat().st_size for p in corpus.glob("*.py"))
        cache = Path(tmp) / "cache"
        lint = [str(BIN / "adnn-lint"), "check", "--exit-zero", "-q", "--no-respect-gitignore"]
        commands: dict[str, list[str]] = {
            "parse": [sys.executable, "-c", _PARSE, str(corpus)],
            "cold": [*lint, "--no-cache", "-j", str(args.jobs), str(corpus)],
            "cold_j1": [*lint, "--no-cache", "-j", "1", str(corpus)],
            "warm": [*lint, "--cache-dir", str(cache), "-j", str(args.jobs), str(corpus)],
        }
        if not args.no_pylint:
            commands["pylint"] = [
                str(BIN / "pylint"),
                "--disable=all",
                "--enable=E,W",
                f"--jobs={args.jobs}",
                "--score=n",
                *sorted(str(p) for p in corpus.glob("*.py")),
            ]
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                if name == "warm":
                    # Fill the cache right before: its key includes the package files' mtimes,
                    # which change whenever the shared tree is edited during the benchmark.
                    _timed(command, ROOT, env)
                wall, used = _timed(command, ROOT, env)
                times[name].append(wall)
                cpu[name].append(used)
    summary = {
        name: {
            "min": min(values),
            "median": statistics.median(values),
            "runs": values,
            "cpu_min": min(cpu[name]),
            "cpu_median": statistics.median(cpu[name]),
        }
        for name, values in times.items()
    }

    def ratio(top: str, bottom: str, key: str) -> float:
        return summary[top][key] / summary[bottom][key]

    ratios = {
        "cold_over_parse": ratio("cold", "parse", "median"),
        "cold_j1_over_parse": ratio("cold_j1", "parse", "median"),
        "warm_over_parse": ratio("warm", "parse", "median"),
        "cold_j1_over_parse_cpu": ratio("cold_j1", "parse", "cpu_median"),
    }
    if "pylint" in summary:
        ratios["pylint_over_cold"] = ratio("pylint", "cold", "median")
        ratios["pylint_over_cold_cpu"] = ratio("pylint", "cold", "cpu_median")
    document = {
        "corpus": {"files": sum(counts.values()), "bytes": size, "kinds": counts},
        "jobs": args.jobs,
        "cpus": os.cpu_count(),
        "runs": args.runs,
        "seconds": summary,
        "ratios": ratios,
        "targets": {"cold_over_parse_max": 3.0, "pylint_over_cold_min": 10.0},
    }
    print(f"corpus: {document['corpus']['files']} files, {size / 1024:.0f} KiB {counts}")
    print(
        f"{'command':<8} {'min s':>8} {'median s':>9} {'cpu min':>8} {'cpu med':>8}"
        f"   (runs={args.runs}, jobs={args.jobs}, cpus={os.cpu_count()})"
    )
    for name, stats in summary.items():
        print(
            f"{name:<8} {stats['min']:>8.2f} {stats['median']:>9.2f} "
            f"{stats['cpu_min']:>8.2f} {stats['cpu_median']:>8.2f}"
        )
    for name, value in ratios.items():
        print(f"{name}: {value:.2f}")
    if args.json:
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
