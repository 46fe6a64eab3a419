"""Trials per second: one-model-per-trial Keras fit() against the stacked trainer.

For MNIST-1/2/4 (1, 2, 4 hidden Dense layers of 256 ReLU units, softmax 10; one epoch of SGD,
learning rate 0.01, batch 100, on the 60,000 MNIST training rows), in one run:

* trials/s of Keras ``fit()`` one model per trial, two ways: a new model per trial (build,
  compile, fit: what a plain script does) and one compiled model reused with ``set_weights``
  (the strongest one-at-a-time baseline);
* trials/s of ``train_stacked`` at K in {1, 4, 16, 32}, warm (the compiled step reused, as the
  verifier does across search batches; the cold first call is reported beside it), and at
  K = 32 once more as one group without the trainer's cache cap (``--uncapped-ks``);
* useful FLOP/s = 3 x 2 x rows x sum(in x out) per trained model, as a fraction of NumPy float32
  matrix-multiply FLOP/s measured in the same run (before and after the trainers);
* peak memory: ``ru_maxrss`` of a fresh subprocess per configuration (tracemalloc cannot see
  TensorFlow's allocations);
* the accuracy distribution of baseline seeds trained alone (Keras fit, shuffle=True) and stacked.

Writes the table between ``<!-- trials:begin -->`` and ``<!-- trials:end -->`` in
``benchmarks/RESULTS.md`` (the rest of the file is left as it is).

    .venv/bin/python benchmarks/trials.py                  # full run
    .venv/bin/python benchmarks/trials.py --quick --no-write  # smoke run on a data subset
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- trials:begin -->", "<!-- trials:end -->"

MODELS = {"MNIST-1": 1, "MNIST-2": 2, "MNIST-4": 4}
HIDDEN = 256
CLASSES = 10
LEARNING_RATE = 0.01
BATCH = 100
SHUFFLE_SEED = 0


@dataclass(frozen=True)
class Config:
    """One measured configuration; each runs in its own subprocess for an honest peak RSS."""

    kind: str  # "numpy", "fit-new", "fit-reuse", "stacked", "seeds"
    model: str = ""
    k: int = 1
    repeats: int = 1
    rows: int = 0  # 0: all training rows
    seeds: int = 0


@dataclass
class Measurement:
    config: Config
    seconds: list[float] = field(default_factory=list)  # per repetition, for `trials` trials
    trials: int = 0
    cold_seconds: float | None = None
    flops_per_trial: float = 0.0
    gflops_numpy: list[float] = field(default_factory=list)
    peak_rss_bytes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def layers_of(model: str) -> list[tuple[int, str]]:
    return [(HIDDEN, "relu")] * MODELS[model] + [(CLASSES, "softmax")]


def useful_flops(widths: Sequence[int], rows: int) -> float:
    """Forward 2 x rows x sum(in x out); forward + backward counted as 3x that."""
    return 3.0 * 2.0 * rows * sum(a * b for a, b in itertools.pairwise(widths))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(path: Path, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    with np.load(path) as data:
        x = data["x_train"].reshape(len(data["x_train"]), -1).astype(np.float32) / 255.0
        y = data["y_train"].astype(np.int64)
        x_test = data["x_test"].reshape(len(data["x_test"]), -1).astype(np.float32) / 255.0
        y_test = data["y_test"].astype(np.int64)
    if rows:
        x, y = x[:rows], y[:rows]
    return x, y, x_test, y_test


def glorot(widths: Sequence[int], k: int, seed: int) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Keras' default initial values (Glorot uniform kernels, zero biases) for k models."""
    rng = np.random.default_rng(seed)
    models = []
    for _ in range(k):
        pairs = []
        for a, b in itertools.pairwise(widths):
            limit = np.sqrt(6.0 / (a + b))
            kernel = rng.uniform(-limit, limit, (a, b)).astype(np.float32)
            pairs.append((kernel, np.zeros(b, np.float32)))
        models.append(pairs)
    return models


# -- workers (one per subprocess) ----------------------------------------------------------------


def numpy_rate(repeats: int) -> list[float]:
    """GFLOP/s of float32 matmul at 2048^3 (best of three calls per repetition)."""
    n = 2048
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b
    rates = []
    for _ in range(repeats):
        best = min(_timed(lambda: a @ b) for _ in range(3))
        rates.append(2.0 * n**3 / best / 1e9)
    return rates


#: Rows of the warm-up call that compiles the stacked step (its shape does not depend on rows).
WARMUP_ROWS = 1000


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_fit(cfg: Config, x: np.ndarray, y: np.ndarray, m: Measurement) -> None:
    import keras
    from stacked_reference import build_mlp

    from adnn_lint.runtime.stacked.trainer import batch_order

    layers = layers_of(cfg.model)
    (order,) = batch_order(len(x), 1, SHUFFLE_SEED)
    xs, ys = x[order], y[order]
    widths = [x.shape[1], *(u for u, _ in layers)]
    initial = glorot(widths, 1, 1)[0]
    flat = [a for pair in initial for a in pair]

    def compiled() -> Any:
        model = build_mlp(layers, x.shape[1])
        # No metrics: the strongest plain baseline (the stacked trainer computes only the loss).
        model.compile(
            optimizer=keras.optimizers.SGD(LEARNING_RATE), loss="sparse_categorical_crossentropy"
        )
        return model

    reused = compiled() if cfg.kind == "fit-reuse" else None
    if reused is not None:
        reused.fit(xs, ys, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)  # compile
    for _ in range(cfg.repeats):
        start = time.perf_counter()
        if reused is None:
            model = compiled()
            model.fit(xs, ys, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
            keras.backend.clear_session()
        else:
            reused.set_weights(flat)
            reused.fit(xs, ys, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
        m.seconds.append(time.perf_counter() - start)
    m.trials = 1


def run_stacked(cfg: Config, x: np.ndarray, y: np.ndarray, m: Measurement) -> None:
    from adnn_lint.runtime.stacked.memory import bytes_per_model
    from adnn_lint.runtime.stacked.trainer import layer_sizes, train_stacked

    layers = layers_of(cfg.model)
    widths = layer_sizes(x.shape[1], layers)
    settings: dict[str, Any] = dict(
        epochs=1, batch_size=BATCH, learning_rate=LEARNING_RATE, shuffle_seed=SHUFFLE_SEED
    )
    if cfg.kind == "stacked-one-group":
        settings["cache_bytes"] = 1 << 40  # no cache cap: all K models in one computation
    # The cold call compiles the step (XLA); later calls of the same shape reuse it, as the
    # verifier's calls do. Its rows are few: the compiled step does not depend on them.
    warm = train_stacked(
        layers, glorot(widths, cfg.k, 99), x[:WARMUP_ROWS], y[:WARMUP_ROWS], **settings
    )
    m.cold_seconds = warm.train_seconds
    for rep in range(cfg.repeats):
        initial = glorot(widths, cfg.k, 100 + rep)
        models = train_stacked(layers, initial, x, y, **settings)
        m.seconds.append(models.train_seconds)
        m.extra["groups"] = list(models.group_sizes)
    m.trials = cfg.k
    m.extra["estimated_bytes"] = cfg.k * bytes_per_model(widths, BATCH, eval_batch_size=1000)


def run_seeds(
    cfg: Config,
    x: np.ndarray,
    y: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    m: Measurement,
) -> None:
    """Baseline seeds trained alone (plain Keras, shuffle=True) and stacked; test accuracies."""
    import keras
    from stacked_reference import build_mlp, keras_initial

    from adnn_lint.runtime.stacked.trainer import train_stacked

    layers = layers_of(cfg.model)
    seeds = list(range(cfg.seeds))
    alone = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        model = build_mlp(layers, x.shape[1])
        model.compile(
            optimizer=keras.optimizers.SGD(LEARNING_RATE),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
        alone.append(float(model.evaluate(x_test, y_test, verbose=0)[1]))
        keras.backend.clear_session()
    # The same seeds' initial values (keras_initial rebuilds the model under set_random_seed),
    # and one data order per model, so both spreads include initial values and data order.
    initial = keras_initial(layers, x.shape[1], seeds)
    models = train_stacked(
        layers, initial, x, y, epochs=1, batch_size=BATCH, learning_rate=LEARNING_RATE,
        shuffle_seed=[SHUFFLE_SEED + 1 + seed for seed in seeds],
    )  # fmt: skip
    stacked = [float(a) for a in models.evaluate(x_test, y_test)[1]]
    m.extra.update(alone=alone, stacked=stacked)


def worker(cfg: Config, data: Path) -> Measurement:
    m = Measurement(cfg)
    if cfg.kind == "numpy":
        m.gflops_numpy = numpy_rate(cfg.repeats)
    else:
        # The machine is shared: the matmul rate right before and after this configuration is
        # the fair reference for its FLOP/s.
        m.gflops_numpy = numpy_rate(1)
        x, y, x_test, y_test = load(data, cfg.rows)
        if cfg.model:
            widths = [x.shape[1], *(u for u, _ in layers_of(cfg.model))]
            m.flops_per_trial = useful_flops(widths, len(x))
        if cfg.kind in ("fit-new", "fit-reuse"):
            run_fit(cfg, x, y, m)
        elif cfg.kind in ("stacked", "stacked-one-group"):
            run_stacked(cfg, x, y, m)
        elif cfg.kind == "seeds":
            run_seeds(cfg, x, y, x_test, y_test, m)
        else:
            raise ValueError(f"unknown configuration kind {cfg.kind!r}")
        m.gflops_numpy += numpy_rate(1)
        if m.seconds:  # this round's best, to pair with the other trainers' in the same round
            m.extra["round_min"] = [min(m.seconds)]
    # Linux reports ru_maxrss in KiB.
    m.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return m


def spawn(cfg: Config, data: Path) -> Measurement:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(asdict(cfg)), "--data", str(data)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {cfg} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return _measurement(json.loads(proc.stdout.strip().splitlines()[-1]))


def _merge(into: Measurement, more: Measurement) -> None:
    """Fold a later round's measurement of the same configuration into the first one."""
    into.seconds.extend(more.seconds)
    into.gflops_numpy.extend(more.gflops_numpy)
    into.peak_rss_bytes = max(into.peak_rss_bytes, more.peak_rss_bytes)
    if more.cold_seconds is not None:
        into.cold_seconds = min(into.cold_seconds or more.cold_seconds, more.cold_seconds)
    into.extra.setdefault("round_min", []).extend(more.extra.get("round_min", []))


def _measurement(payload: dict[str, Any]) -> Measurement:
    return Measurement(**{**payload, "config": Config(**payload["config"])})


# -- the report -----------------------------------------------------------------------------------


def _fmt_minmed(values: Sequence[float], digits: int = 2) -> str:
    return f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f}"


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for name in ("numpy", "tensorflow-cpu", "tensorflow", "keras"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return out


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"


def render(
    results: list[Measurement], numpy_gflops: list[float], meta: dict[str, Any], seeds: Any
) -> str:
    peak = max(numpy_gflops)
    lines = [
        BEGIN,
        "## Trials per second: stacked trainer vs one-model-per-trial Keras fit()",
        "",
        f"Generated by `{meta['command']}` on {meta['date']}.",
        "",
        f"- Machine: {meta['machine']}. Load average at start/end: {meta['load_start']} / "
        f"{meta['load_end']} (a shared machine: other jobs on it were not controlled; the "
        "NumPy rates below show how it varied).",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}.",
        f"- Data: `{meta['data']}` (sha256 {meta['sha256'][:12]}..., verified), "
        f"{meta['rows']} training rows, one epoch, SGD lr {LEARNING_RATE}, batch {BATCH}.",
        f"- NumPy float32 matmul (2048^3), GFLOP/s per repetition: "
        f"{', '.join(f'{g:.0f}' for g in numpy_gflops)}; the best, {peak:.0f}, is the reference.",
        f"- {meta.get('rounds', 1)} round(s) over all configurations, interleaved (each "
        f"configuration once per round, in a fresh subprocess), {meta['repeats']} timed "
        "repetition(s) per configuration and round; times are min / median of one call (one "
        "epoch) over all rounds. Keras fit() with a new "
        "model pays its build and compile in every trial, as a one-model-per-trial script does; "
        "the reused model and the stacked trainer (warm: compiled step reused across calls, as "
        "the verifier does) pay theirs once.",
        "- Useful FLOP = 3 x 2 x rows x sum(in x out) per trial, at the min time. `% NumPy here`: "
        "over the best NumPy rate measured in the same process right before and after the "
        "configuration (the fair reference on a shared machine); `% NumPy best`: over the best "
        "rate of the whole run. `cold s`: the first call, XLA compilation included, on "
        f"{WARMUP_ROWS} rows. Peak RSS: `ru_maxrss` of the configuration's process (TensorFlow "
        "itself and the data set included); `choose_k est.`: the trainer's own estimate for K.",
        "",
        "| model | trainer | K | s / call (min / median) | trials/s (best) | x fit new | "
        "x fit reused | GFLOP/s | % NumPy here | % NumPy best | cold s | peak RSS MiB | "
        "choose_k est. MiB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for model in MODELS:
        rows = [r for r in results if r.config.model == model and r.config.kind != "seeds"]
        base = {
            r.config.kind: r.trials / min(r.seconds)
            for r in rows
            if r.config.kind.startswith("fit")
        }
        for r in rows:
            best = min(r.seconds)
            rate = r.trials / best
            gflops = r.flops_per_trial * r.trials / best / 1e9
            local = max(r.gflops_numpy) if r.gflops_numpy else peak
            groups = r.extra.get("groups", [])
            trainer = {
                "fit-new": "Keras fit(), new model per trial",
                "fit-reuse": "Keras fit(), one model reused",
                "stacked": "stacked"
                + (f" (groups {'+'.join(map(str, groups))})" if len(groups) > 1 else ""),
                "stacked-one-group": "stacked, one group (no cache cap)",
            }[r.config.kind]
            k = str(r.config.k) if r.config.kind.startswith("stacked") else "1"
            cold = f"{r.cold_seconds:.2f}" if r.cold_seconds is not None else ""
            vs_new = f"{rate / base['fit-new']:.1f}" if "fit-new" in base else ""
            vs_reuse = f"{rate / base['fit-reuse']:.1f}" if "fit-reuse" in base else ""
            estimate = r.extra.get("estimated_bytes")
            est = f"{estimate / 2**20:.0f}" if estimate else ""
            lines.append(
                f"| {model} | {trainer} | {k} | {_fmt_minmed(r.seconds)} | {rate:.2f} | "
                f"{vs_new} | {vs_reuse} | {gflops:.0f} | {100 * gflops / local:.0f}% | "
                f"{100 * gflops / peak:.0f}% | {cold} | "
                f"{r.peak_rss_bytes / 2**20:.0f} | {est} |"
            )
    lines += ["", *_targets(results, peak)]
    if seeds is not None:
        alone = np.asarray(seeds.extra["alone"])
        stacked = np.asarray(seeds.extra["stacked"])
        se = float(np.sqrt(alone.var(ddof=1) / len(alone) + stacked.var(ddof=1) / len(stacked)))
        diff = float(stacked.mean() - alone.mean())
        lines += [
            "",
            f"**Baseline seeds, alone vs stacked** ({seeds.config.model}, {len(alone)} seeds "
            "0..n-1, test accuracy after one epoch). Alone: `keras.utils.set_random_seed(s)`, "
            "build, `fit(shuffle=True)`; stacked: the same seeds' initial values "
            "(`keras_initial`), one stacked run with one batch order per model "
            "(`shuffle_seed=[...]`).",
            "",
            "| trained | mean | std | min | max |",
            "|---|---:|---:|---:|---:|",
            f"| alone | {alone.mean():.4f} | {alone.std(ddof=1):.4f} | {alone.min():.4f} | "
            f"{alone.max():.4f} |",
            f"| stacked | {stacked.mean():.4f} | {stacked.std(ddof=1):.4f} | "
            f"{stacked.min():.4f} | {stacked.max():.4f} |",
            "",
            f"Difference of means {diff:+.4f}, standard error {se:.4f} (Welch t = "
            f"{diff / se if se else float('nan'):+.2f}); "
            + (
                "within noise (|t| < 2)."
                if se and abs(diff / se) < 2
                else "NOT within noise (|t| >= 2)."
            ),
        ]
    lines.append(END)
    return "\n".join(lines) + "\n"


def _targets(results: list[Measurement], peak: float, k: int = 16) -> list[str]:
    """The stacked trainer's targets at K=16: >= 5x the trials/s of fit(), >= 50% of NumPy's."""
    out = []
    for model in MODELS:
        rows = {(r.config.kind, r.config.k): r for r in results if r.config.model == model}
        stacked, fit = rows.get(("stacked", k)), rows.get(("fit-new", 1))
        if stacked is None or fit is None:
            continue
        speedup = (stacked.trials / min(stacked.seconds)) / (fit.trials / min(fit.seconds))
        gflops = stacked.flops_per_trial * stacked.trials / min(stacked.seconds) / 1e9
        local = max(stacked.gflops_numpy) if stacked.gflops_numpy else peak
        # Paired by round: fit() and the stacked trainer measured minutes apart, same load.
        paired = [
            (stacked.trials / s) / (fit.trials / f)
            for f, s in zip(
                fit.extra.get("round_min", []), stacked.extra.get("round_min", []), strict=False
            )
        ]
        judged = statistics.median(paired) if len(paired) > 1 else speedup
        verdict = "met" if judged >= 5 and gflops / local >= 0.5 else "NOT met"
        per_round = (
            f" (per round, paired: {', '.join(f'{p:.1f}x' for p in paired)}; median "
            f"{judged:.1f}x, the figure judged)"
            if len(paired) > 1
            else ""
        )
        # What 5x would take: five fits' worth of useful FLOP in one fit's time.
        needed = [5 * fit.flops_per_trial / t / 1e9 for t in (min(fit.seconds), max(fit.seconds))]
        ceiling = (
            f" 5x over fit()'s fastest and slowest trial ({min(fit.seconds):.2f} s / "
            f"{max(fit.seconds):.2f} s) takes {needed[0]:.0f} / {needed[1]:.0f} GFLOP/s, "
            f"{100 * needed[0] / peak:.0f}% / {100 * needed[1] / peak:.0f}% of the best NumPy "
            "rate of the run."
            if verdict != "met"
            else ""
        )
        out.append(
            f"- {model}, K={k}: {speedup:.1f}x the trials/s of fit() (new model per trial, best "
            f"vs best){per_round}, {100 * gflops / local:.0f}% of the NumPy rate measured with "
            f"it: target {verdict}.{ceiling}"
        )
    return out


def write_section(path: Path, section: str) -> None:
    """Replace only the text between the trials markers (append the section when absent)."""
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def _render_saved(path: Path) -> str:
    saved = json.loads(path.read_text())
    loaded = [_measurement(item) for item in saved["results"]]
    seed_runs = [m for m in loaded if m.config.kind == "seeds"]
    rows = [m for m in loaded if m.config.kind not in ("numpy", "seeds")]
    gflops = [g for m in loaded if m.config.kind == "numpy" for g in m.gflops_numpy]
    return render(rows, gflops, saved["meta"], seed_runs[0] if seed_runs else None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, metavar="MNIST_NPZ",
        help="mnist.npz in Keras's layout (sha256 checked); required unless --render",
    )  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--rounds", type=int, default=2, help="passes over all configurations, interleaved"
    )
    parser.add_argument("--ks", default="1,4,16,32")
    parser.add_argument(
        "--uncapped-ks",
        default="32",
        help="K values also run as one group, without the trainer's cache cap (the comparison)",
    )
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--seeds", type=int, default=16, help="baseline seeds (0: skip)")
    parser.add_argument("--rows", type=int, default=0, help="training rows (0: all)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 rows, K 1,4")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--json", type=Path, help="also write the raw measurements here")
    parser.add_argument(
        "--render", type=Path, nargs="+", help="re-render --json file(s), measure nothing"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.render:
        sections = [_render_saved(path) for path in args.render]
        section = sections[0]
        for extra in sections[1:]:
            # A further run (say, a rerun at lower load) is appended as its own full block.
            body = extra.replace(BEGIN + "\n", "").replace(END + "\n", "")
            body = body.replace("## Trials per second", "### Another run: trials per second", 1)
            section = section.replace(END, "\n" + body + END)
        print(section)
        if not args.no_write:
            write_section(RESULTS, section)
        return 0

    if args.worker:
        cfg = Config(**json.loads(args.worker))
        print(json.dumps(asdict(worker(cfg, args.data))))
        return 0

    if args.data is None:
        parser.error("--data MNIST_NPZ: say where mnist.npz is (Keras's layout)")
    if args.quick:
        args.rows, args.ks, args.repeats, args.seeds, args.rounds = 2000, "1,4", 1, 4, 1
        args.uncapped_ks = "4"
    digest = sha256(args.data)
    if digest != MNIST_SHA256:
        print(f"{args.data}: sha256 {digest} is not MNIST's {MNIST_SHA256}", file=sys.stderr)
        return 2
    models = [m for m in args.models.split(",") if m]
    ks = [int(k) for k in args.ks.split(",") if k]
    uncapped = [int(k) for k in args.uncapped_ks.split(",") if k]
    meta: dict[str, Any] = {
        "command": "python benchmarks/trials.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "versions": versions(),
        "data": args.data.name,
        "sha256": digest,
        "repeats": args.repeats,
        "rounds": args.rounds,
        "load_start": " ".join(f"{v:.1f}" for v in os.getloadavg()),
    }
    meta["rows"] = args.rows or 60000
    done: list[Measurement] = [spawn(Config("numpy", repeats=args.repeats), args.data)]

    def save() -> None:
        # Saved after every configuration, so a run cut short keeps what it measured.
        meta["load_end"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
        if args.json:
            raw = [asdict(r) for r in done]
            args.json.write_text(json.dumps({"meta": meta, "results": raw}, indent=1))

    save()
    # Rounds interleave the configurations (every configuration once per round), so a change in
    # the machine's load hits fit() and the stacked trainer alike; their per-round ratio is paired.
    merged: dict[Config, Measurement] = {}
    for round_index in range(args.rounds):
        for index, model in enumerate(models):
            plan = [Config("fit-new", model, 1, args.repeats, args.rows)]
            plan += [Config("stacked", model, k, args.repeats, args.rows) for k in ks]
            plan += [
                Config("stacked-one-group", model, k, args.repeats, args.rows) for k in uncapped
            ]
            plan.append(Config("fit-reuse", model, 1, args.repeats, args.rows))
            if index == 0 and args.seeds and round_index == 0:
                plan.append(Config("seeds", model, rows=args.rows, seeds=args.seeds))
            for cfg in plan:
                result = spawn(cfg, args.data)
                timing = f"min {min(result.seconds):.2f}s" if result.seconds else ""
                print(
                    f"round {round_index + 1} {model} {cfg.kind} K={cfg.k}: {timing} cold "
                    f"{result.cold_seconds} rss {result.peak_rss_bytes / 2**20:.0f} MiB "
                    f"numpy {result.gflops_numpy}",
                    file=sys.stderr,
                )
                if cfg in merged:
                    _merge(merged[cfg], result)
                else:
                    merged[cfg] = result
                    done.append(result)
                save()
    done.append(spawn(Config("numpy", repeats=args.repeats), args.data))
    save()
    rows = [m for m in done if m.config.kind not in ("numpy", "seeds")]
    seed_runs = [m for m in done if m.config.kind == "seeds"]
    gflops = [g for m in done if m.config.kind == "numpy" for g in m.gflops_numpy]
    section = render(rows, gflops, meta, seed_runs[0] if seed_runs else None)
    print(section)
    if not args.no_write:
        write_section(RESULTS, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
