"""Trials per second: the local executor against Ray tasks, on this machine.

The workload is a search batch of the embedded MNIST-1 spec (``examples/paper_mnist1.py``:
784-256-10 ReLU/softmax, SGD lr 0.05, batch 100, 3 epochs, on the embedded 6,000-image MNIST
subset): ``--runs`` trials with different points and the search's shared seeds, trained by

* ``local``: ``InProcessExecutor`` in this process (TensorFlow limited to 1 thread, as a
  1-CPU Ray task is);
* ``ray, 1 slot``: a local Ray instance with 1 CPU: the same work one task at a time, so its
  time minus the local time is Ray's overhead (task submission, reading the data from the
  object store, returning the outcomes);
* ``ray, 2 nodes``: a head and a worker node of 1 CPU each (``ray.cluster_utils.Cluster``):
  two tasks at a time.

Each with the stacked trainer (a batch is stacked; a Ray task trains a stacked group) and with
Keras ``fit()`` (one task per run). Ray's workers start fresh in every round: the first batch
(``cold``: worker start, TensorFlow import, compilation) is reported apart from the timed ones
(``warm``). Rounds interleave the configurations, rotating their order; times are min / median
over rounds x ``--repeats``. Writes its section between ``<!-- cluster:begin -->`` and
``<!-- cluster:end -->`` in ``benchmarks/RESULTS.md``.

    .venv/bin/python benchmarks/cluster.py                        # 3 rounds
    .venv/bin/python benchmarks/cluster.py --rounds 1 --no-write  # smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sections import replace_section
from trials import machine  # the benchmarks' one description of the machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
PAPER_RESULTS = ROOT / "benchmarks" / "paper_results.json"
WORKERS = (1, 8, 64)
SPEC_FILE = ROOT / "examples" / "paper_mnist1.py"
BEGIN, END = "<!-- cluster:begin -->", "<!-- cluster:end -->"
STORE = 200 * 1024 * 1024  # object store bytes per node: the embedded data is ~20 MB
RAY_SETUPS = ("ray, 1 slot", "ray, 2 nodes")
LOCAL_BESIDE = tuple(f"local {kind}" for kind in RAY_SETUPS)
TRAINERS = ("stacked", "keras")

Times = dict[tuple[str, str], list[float]]


def _jobs(count: int) -> list[Any]:
    from adnn_lint.runtime.executors.local import Job

    # A search batch: different points, the search's one pair of seeds for every trial.
    return [
        Job(
            f"trial/{i}",
            {"W0": 0.01 + 0.005 * i, "B0": 0.0, "W1": 0.02 + 0.005 * i, "B1": 0.0},
            11,
            12,
            "validation",
        )
        for i in range(count)
    ]


def _batch_seconds(executor: Any, jobs: Sequence[Any], trained: list[float] | None = None) -> float:
    """Wall seconds of one batch; ``trained`` gets the seconds the runs report for themselves
    (measured where they trained, so wall minus trained is what the executor added)."""
    start = time.perf_counter()
    outcomes = list(executor.run(jobs))
    seconds = time.perf_counter() - start
    failed = [o for o in outcomes if o.error is not None]
    if len(outcomes) != len(jobs) or failed:
        raise RuntimeError(f"benchmark runs failed: {failed}")
    if trained is not None:
        trained.append(sum(o.seconds for o in outcomes))
    return seconds


def _start_ray(kind: str) -> Callable[[], None]:
    """Start the Ray side of ``kind``; return what stops it."""
    import ray

    if kind == "ray, 1 slot":
        ray.init(
            num_cpus=1, include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False
        )
        return ray.shutdown
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": STORE}
    )
    cluster.add_node(num_cpus=1, object_store_memory=STORE)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level=logging.ERROR, log_to_driver=False)

    def stop() -> None:
        ray.shutdown()
        cluster.shutdown()

    return stop


def measure(rounds: int, repeats: int, runs: dict[str, int]) -> tuple[Times, Times, Times, Times]:
    """Seconds per batch: Ray warm, Ray cold, and the local batch run right before each warm
    Ray batch (keyed by the Ray set-up it was paired with, so a pair sees the same load)."""
    from adnn_lint.commands.spec import specs_from_file
    from adnn_lint.runtime.data import load_data
    from adnn_lint.runtime.executors.local import InProcessExecutor, limit_threads
    from adnn_lint.runtime.executors.ray import RayExecutor, RayOptions
    from adnn_lint.runtime.verifier import enable_determinism

    limit_threads(1)
    enable_determinism(0)
    spec = specs_from_file(SPEC_FILE)[0]
    data = load_data("embedded")
    warm: Times = {(e, t): [] for e in RAY_SETUPS for t in TRAINERS}
    cold: Times = {(e, t): [] for e in RAY_SETUPS for t in TRAINERS}
    beside: Times = {(e, t): [] for e in RAY_SETUPS for t in TRAINERS}
    # Seconds the runs report (timed where they trained), per batch; "local beside" + kind.
    trained: Times = {(e, t): [] for e in (*RAY_SETUPS, *LOCAL_BESIDE) for t in TRAINERS}
    local = {t: InProcessExecutor(spec, data, stacked=t == "stacked") for t in TRAINERS}
    for trainer, executor in local.items():
        _batch_seconds(executor, _jobs(runs[trainer]))  # compile once, as a verification does
    for round_index in range(rounds):
        shift = round_index % len(RAY_SETUPS)
        for kind in RAY_SETUPS[shift:] + RAY_SETUPS[:shift]:
            print(f"round {round_index + 1}/{rounds}: {kind}", file=sys.stderr, flush=True)
            stop = _start_ray(kind)
            try:
                for trainer in TRAINERS:
                    jobs = _jobs(runs[trainer])
                    # one CPU a run, as measured: the per-run overhead at the finest grain
                    options = RayOptions(cpus_per_run=1.0, stacked=trainer == "stacked")
                    executor = RayExecutor(spec, data, options)
                    cold[kind, trainer].append(_batch_seconds(executor, jobs))
                    for _ in range(repeats):
                        beside[kind, trainer].append(
                            _batch_seconds(local[trainer], jobs, trained[f"local {kind}", trainer])
                        )
                        warm[kind, trainer].append(
                            _batch_seconds(executor, jobs, trained[kind, trainer])
                        )
            finally:
                stop()
    return warm, cold, beside, trained


def _minmed(values: Sequence[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f}"


def versions() -> str:
    import importlib.metadata as md

    out = [f"python {platform.python_version()}"]
    for name in ("numpy", "tensorflow-cpu", "tensorflow", "keras", "ray"):
        try:
            out.append(f"{name} {md.version(name)}")
        except md.PackageNotFoundError:
            continue
    return ", ".join(out)


def _load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def render(
    measured: tuple[Times, Times, Times, Times],
    runs: dict[str, int],
    meta: dict[str, str],
    rounds: int,
    paper: dict[str, Any] | None,
) -> str:
    warm, cold, beside, trained = measured
    lines = [
        "## Trials per second: local executor vs Ray tasks (benchmarks/cluster.py)",
        "",
        f"Generated by `{meta['command']}` on {meta['date']}.",
        "",
        f"- Machine: {meta['machine']}. Load average (1, 5, 15 min) at start / end: "
        f"{meta['load_start']} / {meta['load_end']}: a shared machine (other engineers' jobs "
        "ran beside this one and were not controlled).",
        f"- Versions: {meta['versions']}.",
        "- Workload: a search batch of the embedded MNIST-1 spec (examples/paper_mnist1.py: "
        "784-256-10, SGD lr 0.05, batch 100, 3 epochs on 5,400 training images, scored on "
        f"600): {runs['stacked']} trials stacked, {runs['keras']} with Keras fit(); every run "
        "declares 1 CPU and TensorFlow gets 1 thread, locally too.",
        f"- {rounds} round(s); in each, the two Ray set-ups in rotating order, every timed Ray "
        "batch right after a local batch of the same runs (a pair sees the same load). Warm: "
        "Ray's workers already started; cold: the first batch after Ray started (worker "
        "processes start, import TensorFlow, build the model, compile). min / median over "
        "rounds x repeats.",
        "- Overhead per run = (`ray, 1 slot` batch - its local batch) / runs: the same work one "
        "task at a time, so the difference is what Ray adds, the load's swings between the two "
        "batches included. Bookkeeping per run = (`ray, 1 slot` batch wall time - the training "
        "seconds its runs report, timed in the worker) / runs, minus the same for its local "
        "batch: what Ray itself adds (submit, schedule, read the data, return the outcomes), "
        "independent of how fast the training itself ran. "
        "Speed-up = local batch / Ray batch.",
        "",
        "| trainer | executor | warm s / batch (min / median) | trials/s (median) "
        "| s / run (median) | cold s / batch (median) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for trainer in TRAINERS:
        n = runs[trainer]
        here = [t for kind in RAY_SETUPS for t in beside[kind, trainer]]
        rows = [("local", here, None)] + [
            (kind, warm[kind, trainer], cold[kind, trainer]) for kind in RAY_SETUPS
        ]
        for kind, values, first in rows:
            median = statistics.median(values)
            started = "" if first is None else f"{statistics.median(first):.1f}"
            lines.append(
                f"| {trainer} | {kind} | {_minmed(values)} | {n / median:.2f} | "
                f"{median / n:.3f} | {started} |"
            )
    lines += [
        "",
        "| trainer | Ray overhead per run, s (min / median of pairs) | median, % of a local "
        "run | Ray bookkeeping per run, s (min / median) | median, % of a local run "
        "| 2 nodes: speed-up over local (min / median of pairs) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for trainer in TRAINERS:
        n = runs[trainer]
        one, here = warm[RAY_SETUPS[0], trainer], beside[RAY_SETUPS[0], trainer]
        extra = [(there - local) / n for there, local in zip(one, here, strict=True)]
        shares = [(there - local) / local for there, local in zip(one, here, strict=True)]
        two, here2 = warm[RAY_SETUPS[1], trainer], beside[RAY_SETUPS[1], trainer]
        speedups = [local / there for there, local in zip(two, here2, strict=True)]
        outside = [
            wall - inside for wall, inside in zip(one, trained[RAY_SETUPS[0], trainer], strict=True)
        ]
        outside_here = [
            wall - inside
            for wall, inside in zip(here, trained[LOCAL_BESIDE[0], trainer], strict=True)
        ]
        kept = [(a - b) / n for a, b in zip(outside, outside_here, strict=True)]
        per_local = statistics.median(here) / n
        lines.append(
            f"| {trainer} | {min(extra):+.3f} / {statistics.median(extra):+.3f} | "
            f"{100 * statistics.median(shares):+.1f}% | "
            f"{min(kept):.4f} / {statistics.median(kept):.4f} | "
            f"{100 * statistics.median(kept) / per_local:.1f}% | {_minmed(speedups)}x |"
        )
    if paper is not None:
        one, here = warm[RAY_SETUPS[0], "stacked"], beside[RAY_SETUPS[0], "stacked"]
        extra = statistics.median(
            (there - local) / runs["stacked"] for there, local in zip(one, here, strict=True)
        )
        lines += projection(paper, extra, statistics.median(cold[RAY_SETUPS[1], "stacked"]))
    return "\n".join(lines) + "\n"


def projection(paper: dict[str, Any], overhead: float, cold: float) -> list[str]:
    """Expected wall time of the paper benchmark on 1, 8, 64 workers (assumptions in the text).

    Per model: N trained models over R sequential rounds (the asa/paper searches adapt once per
    round; plus the fixed-initializer round and the verdict round); the six models' rounds run
    side by side, so a round holds the sum of their runs per round, trained in waves of one run
    per worker. A run costs the paper run's measured training seconds per model plus Ray's
    overhead per run; every worker starts once (``cold``).
    """
    models = paper["models"]
    rounds = int(paper["config"]["asa_rounds"]) + 2
    runs = sum(int(m["trained_models"]) for m in models)
    per_run = sum(float(m["train_seconds"]) for m in models) / runs
    per_round = math.ceil(runs / rounds)
    lines = [
        "",
        "### Expected wall time of the paper benchmark on a cluster",
        "",
        f"Derived, not measured: the paper benchmark (benchmarks/paper_results.json, "
        f"`{paper['command']}`) trained {runs} models in {float(paper['wall_seconds']):.0f} s "
        f"on this 2-CPU machine, {per_run:.2f} s per run (stacked); {rounds} sequential rounds "
        f"per model ({paper['config']['asa_rounds']} search rounds, the fixed initializers, the "
        f"verdict), the six models side by side, so ~{per_round} runs per round. A worker is "
        "one such 2-CPU machine training one run (or one stacked group at the same per-run "
        f"rate) at a time; Ray adds {overhead:+.3f} s per run (stacked, measured above) and "
        f"{cold:.0f} s once for workers to start (cold batch above). Data transfer is one "
        "`ray.put` per verification (the MNIST arrays, ~200 MB) and is left out.",
        "",
        "| workers | waves per round | expected wall time | speed-up over 1 worker |",
        "|---:|---:|---:|---:|",
    ]
    single = runs * (per_run + max(overhead, 0.0)) + cold
    for workers in WORKERS:
        waves = math.ceil(per_round / workers)
        seconds = rounds * waves * (per_run + max(overhead, 0.0)) + cold
        if workers == 1:
            seconds = single
        lines.append(f"| {workers} | {waves} | {seconds / 60:.1f} min | {single / seconds:.1f}x |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2, help="timed batches per round")
    parser.add_argument("--stacked-runs", type=int, default=8, help="trials per stacked batch")
    parser.add_argument("--keras-runs", type=int, default=4, help="trials per Keras batch")
    parser.add_argument(
        "--paper-results",
        type=Path,
        default=PAPER_RESULTS,
        help="benchmarks/paper.py's JSON record, for the expected wall time on a cluster",
    )
    parser.add_argument("--no-write", action="store_true", help="print, leave RESULTS.md")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    runs = {"stacked": args.stacked_runs, "keras": args.keras_runs}
    meta = {
        "command": shlex.join(["python", "benchmarks/cluster.py", *sys.argv[1:]]),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "load_start": _load(),
    }
    measured = measure(args.rounds, args.repeats, runs)
    meta["load_end"] = _load()
    paper = (
        json.loads(args.paper_results.read_text(encoding="utf-8"))
        if args.paper_results.is_file()
        else None
    )
    section = render(measured, runs, meta, args.rounds, paper)
    print(section)
    if not args.no_write:
        replace_section(RESULTS, section, begin=BEGIN, end=END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
