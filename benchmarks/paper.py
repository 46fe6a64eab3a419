"""Reproduce the ADNN paper's evaluation (Section 6) with adnn-lint, our methods beside it.

Six models (MNIST-1/2/4, FMNIST-1/2/4: 1, 2, 4 hidden Dense(256, relu) layers and a softmax head,
one epoch of SGD, lr 0.01, batch 100, the paper's set-up) and one LeNet-style CNN per data set
(MNIST-CNN, FMNIST-CNN: Conv2D(16, 3) -> max-pool -> Conv2D(32, 3) -> max-pool -> Dense(10),
trained one model at a time through Keras ``fit()`` at budget 10, on the first
``Size.cnn_train_limit`` training examples). Data comes from where the command line says:
``--data-dir DIR`` (``mnist.npz`` and ``fashion_mnist.npz`` in Keras's layout, sha256 checked),
``--keras-datasets`` (Keras's own download cache) or ``--embedded`` (the MNIST subset shipped
in the package, for CI). What it measures:

- RQ1: the paper-mode delta sweep (the paper: 0.002 .. 0.0065, 50 iterations each);
- RQ2: gains of ``paper``, ``asa`` and ``random`` search at the same trial budgets (asa and
  random in the layer-relative space, the default, and in the paper's absolute box: ``-abs``),
  and the fixed initializers Glorot uniform (Keras' default, the baseline), He normal and LSUV
  (MLPs only: LSUV here is written for Dense stacks);
- RQ3: wall time per method and trials per second;
- every gain twice: as the paper measures it (best search trial on validation minus the baseline's
  mean) and as the verifier does (the chosen point and the baseline retrained on fresh seeds,
  evaluated on the test split, paired, with a 95% interval).

All candidates of a round (every searcher's next batch, the baselines) train together through the
stacked trainer (``runtime.stacked.trainer``); each method is charged its share of a round's
time. Initial values come from ``adnn_lint.runtime.build.sample_initial`` (what the verifier
uses) and ``benchmarks/lsuv.py``. Writes a JSON record, the paper section of RESULTS.md and
SVG plots. ``--size quick`` is the CI smoke size; ``--size full`` is the paper's size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

DATASET_SHA256 = {
    "mnist": "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64",
    "fashion_mnist": "f5fa0ed7493df56c6dd3d93795c799700efe70b504100cd7d87a10d629fc11ed",
}

# The ADNN paper's own figures (Section 6), in percent: cited for comparison, never computed.
PAPER_BASELINE = {
    "MNIST-1": 88.6, "MNIST-2": 88.5, "MNIST-4": 87.2,
    "FMNIST-1": 81.5, "FMNIST-2": 81.6, "FMNIST-4": 80.2,
}  # fmt: skip
PAPER_GAIN = {
    "MNIST-1": 0.04, "MNIST-2": 4.02, "MNIST-4": 3.17,
    "FMNIST-1": 2.56, "FMNIST-2": 3.55, "FMNIST-4": 3.33,
}  # fmt: skip

MODELS = {
    "MNIST-1": ("mnist", 1), "MNIST-2": ("mnist", 2), "MNIST-4": ("mnist", 4),
    "FMNIST-1": ("fashion_mnist", 1), "FMNIST-2": ("fashion_mnist", 2),
    "FMNIST-4": ("fashion_mnist", 4),
    "MNIST-CNN": ("mnist", 0), "FMNIST-CNN": ("fashion_mnist", 0),  # 0: the LeNet-style CNN
}  # fmt: skip
CNNS = ("MNIST-CNN", "FMNIST-CNN")
SPACES = {"": "relative", "-abs": "absolute"}  # run-name suffix -> search space of asa/random

Weights = list[tuple[Any, Any]]  # (kernel, bias) float32 arrays per Dense layer
FIXED = ("glorot_uniform", "he_normal", "lsuv")  # glorot_uniform is the baseline


@dataclass(frozen=True)
class Size:
    models: tuple[str, ...]
    deltas: tuple[float, ...]  # RQ1 sweep
    sweep_budget: int
    budgets: tuple[int, ...]  # RQ2 trial budgets for paper/asa/random
    baseline_seeds: int  # validation runs per fixed initializer
    verdict_seeds: int  # fresh (init, order) seed pairs on the test split
    train_limit: int | None = None  # first N training examples (before the validation split)
    test_limit: int | None = None
    paper_batch: int = 5  # speculative steps per ask (see docs/search.md)
    asa_rounds: int = 10  # sequential ASA blocks per budget: budget 10 -> blocks of 1
    search_seed: int = 0  # the searchers' seed
    # CNNs train one model at a time: budget 10 only, on the first N training examples
    cnn_budget: int = 10
    cnn_train_limit: int | None = 12_000


SIZES = {
    "quick": Size(
        models=("MNIST-1", "MNIST-CNN"), deltas=(0.0025, 0.005), sweep_budget=4, budgets=(4,),
        baseline_seeds=2, verdict_seeds=2, train_limit=500, test_limit=200, paper_batch=2,
        asa_rounds=2, cnn_budget=4, cnn_train_limit=500,
    ),
    "small": Size(
        # a pilot: the full protocol on subsets, to check the pieces and see the direction
        models=("MNIST-1", "MNIST-CNN"), deltas=(0.0025,), sweep_budget=10, budgets=(10,),
        baseline_seeds=3, verdict_seeds=3, train_limit=12_000, cnn_train_limit=6_000,
    ),
    "record": Size(
        # both datasets early, so a stopped run still covers them
        models=("MNIST-1", "FMNIST-1", "MNIST-2", "FMNIST-2", "MNIST-4", "FMNIST-4"),
        deltas=(0.0025,), sweep_budget=50, budgets=(10,), baseline_seeds=5, verdict_seeds=3,
    ),
    "full": Size(
        models=tuple(MODELS),
        deltas=tuple(round(0.002 + 0.0005 * i, 4) for i in range(10)),
        sweep_budget=50, budgets=(50, 10), baseline_seeds=5, verdict_seeds=5, paper_batch=5,
    ),
}  # fmt: skip


def for_model(size: Size, name: str) -> Size:
    """A CNN's size: budget ``cnn_budget`` only (its paper walk too), on its training subset."""
    if name not in CNNS:
        return size
    return replace(
        size,
        budgets=(size.cnn_budget,),
        sweep_budget=size.cnn_budget,
        deltas=(0.0025,),
        train_limit=size.cnn_train_limit,
    )


def paper_budgets(size: Size) -> list[int]:
    """Paper mode's budgets: its walk is the same whatever the budget, so every budget up to
    the sweep's is a prefix of the sweep's run at delta 0.0025 and costs nothing extra."""
    return sorted({b for b in size.budgets if b <= size.sweep_budget} | {size.sweep_budget})


# --------------------------------------------------------------------------------- the model


def make_spec(hidden: int, kernel_family: str = "glorot_uniform") -> Any:
    from adnn_lint.spec.model import (
        DataSpec,
        InitSpec,
        LayerSpec,
        ModelSpec,
        SearchSpec,
        Spec,
        TrainSpec,
    )

    inits = (InitSpec("kernel", kernel_family), InitSpec("bias", "zeros"))
    layers = [LayerSpec("flatten", "Flatten")]
    # fans as the spec extractor records them: the ASA start uses the initializer's own scale
    layers += [
        LayerSpec(
            f"dense_{i}", "Dense", 256, "relu", initializers=inits,
            fan_in=784 if i == 0 else 256, fan_out=256,
        )
        for i in range(hidden)
    ]  # fmt: skip
    layers.append(
        LayerSpec("head", "Dense", 10, "softmax", initializers=inits, fan_in=256, fan_out=10)
    )
    return Spec(
        model=ModelSpec(f"mlp{hidden}", (28, 28), tuple(layers)),
        data=DataSpec("npz"),
        train=TrainSpec("sgd", 0.01, "sparse_categorical_crossentropy", 1, 100),
        search=SearchSpec(),
    )


def make_cnn_spec(kernel_family: str = "glorot_uniform") -> Any:
    """LeNet-style: Conv2D(16, 3) -> pool -> Conv2D(32, 3) -> pool -> Dense(10), the MLPs'
    training set-up (one epoch of SGD, lr 0.01, batch 100)."""
    from adnn_lint.spec.model import DataSpec, InitSpec, LayerSpec, ModelSpec, Spec, TrainSpec

    inits = (InitSpec("kernel", kernel_family), InitSpec("bias", "zeros"))
    conv = {"kernel_size": 3}
    pool = {"pool_size": 2}
    layers = (
        LayerSpec("conv_0", "Conv2D", 16, "relu", initializers=inits, fan_in=9, fan_out=144,
                  options=conv),
        LayerSpec("pool_0", "MaxPooling2D", options=pool),
        LayerSpec("conv_1", "Conv2D", 32, "relu", initializers=inits, fan_in=144, fan_out=288,
                  options=conv),
        LayerSpec("pool_1", "MaxPooling2D", options=pool),
        LayerSpec("flatten", "Flatten"),
        LayerSpec("head", "Dense", 10, "softmax", initializers=inits, fan_in=800, fan_out=10),
    )  # fmt: skip
    return Spec(
        model=ModelSpec("lenet", (28, 28, 1), layers),
        data=DataSpec("npz"),
        train=TrainSpec("sgd", 0.01, "sparse_categorical_crossentropy", 1, 100),
    )


@dataclass
class Candidate:
    """One training run: initial values, data order, and the split it is judged on."""

    key: str
    initial: Any  # MLP: Weights; CNN: (family, absolute point, seed), drawn when it trains
    order_seed: int
    split: str
    fraction: float = 1.0  # share of the training examples (halving's screening runs)


class CnnTrainer:
    """Trains a CNN's candidates one at a time through Keras ``fit()``: the verifier's own
    executor (``runtime.executors.local.InProcessExecutor`` without the stacked trainer)."""

    fixed = ("glorot_uniform", "he_normal")

    def __init__(self, data: Any) -> None:
        from adnn_lint.runtime.executors.local import InProcessExecutor

        self.spec = make_cnn_spec()
        self.executors = {
            family: InProcessExecutor(make_cnn_spec(family), data, stacked=False)
            for family in self.fixed
        }
        self.seconds = 0.0
        self.trained = 0

    def arrays(self, point: Mapping[str, float] | None, seed: int, family: str) -> Any:
        return (family, None if point is None else dict(point), seed)

    def run(self, candidates: Sequence[Candidate]) -> dict[str, tuple[float, float]]:
        from adnn_lint.runtime.executors.local import Job

        out: dict[str, tuple[float, float]] = {}
        start = time.perf_counter()
        for c in candidates:
            family, point, seed = c.initial
            job = Job(c.key, point, seed, c.order_seed, c.split, c.fraction)
            for outcome in self.executors[family].run([job]):
                out[c.key] = (outcome.accuracy, outcome.loss)
        self.seconds += time.perf_counter() - start
        self.trained += len(candidates)
        return out


class Trainer:
    """Trains candidates of one model through the stacked trainer, grouped by data order."""

    fixed = FIXED

    def __init__(self, hidden: int, data: Any) -> None:
        from adnn_lint.runtime import build

        self.build = build
        self.spec = make_spec(hidden)
        self.he_spec = make_spec(hidden, "he_normal")
        self.data = data
        self.x = data.x_train.reshape(len(data.x_train), -1)
        self.eval = {
            "validation": (data.x_val.reshape(len(data.x_val), -1), data.y_val),
            "test": (data.x_test.reshape(len(data.x_test), -1), data.y_test),
        }
        stack = build.dense_stack(self.spec, (28, 28))
        assert stack is not None, "the paper's MLP must be stackable"
        self.stack = stack
        self.shapes = build.dense_shapes(stack)
        self.layers = list(stack.layers)
        self.seconds = 0.0
        self.trained = 0

    def arrays(self, point: Mapping[str, float] | None, seed: int, family: str) -> Weights:
        if family == "lsuv":
            raise ValueError("use lsuv_arrays for LSUV")
        spec = self.he_spec if family == "he_normal" else self.spec
        values = self.build.sample_initial(spec, self.shapes, point, seed)
        weights: Weights = self.build.dense_arrays(self.stack, values)
        return weights

    def lsuv_arrays(self, seed: int, order_seed: int) -> Weights:
        from lsuv import lsuv_init

        from adnn_lint.runtime.stacked.trainer import batch_order

        first = batch_order(len(self.x), 1, order_seed)[0][: self.spec.train.batch_size]
        weights, _report = lsuv_init(self.layers, self.x[first], seed=seed)
        return list(weights)

    def run(self, candidates: Sequence[Candidate]) -> dict[str, tuple[float, float]]:
        """key -> (accuracy, loss) on each candidate's split."""
        from adnn_lint.runtime.executors.local import training_rows
        from adnn_lint.runtime.stacked.trainer import train_stacked

        out: dict[str, tuple[float, float]] = {}
        groups: dict[tuple[int, str, float], list[Candidate]] = {}
        for c in candidates:
            groups.setdefault((c.order_seed, c.split, c.fraction), []).append(c)
        start = time.perf_counter()
        train = self.spec.train
        for (order_seed, split, fraction), group in groups.items():
            rows = training_rows(len(self.x), fraction)
            models = train_stacked(
                self.layers,
                [c.initial for c in group],
                self.x[:rows],
                self.data.y_train[:rows],
                epochs=train.epochs,
                batch_size=train.batch_size,
                learning_rate=train.learning_rate,
                optimizer=train.optimizer,
                shuffle_seed=order_seed,
            )
            x_eval, y_eval = self.eval[split]
            losses, accuracies = models.evaluate(x_eval, y_eval)
            for c, loss, acc in zip(group, losses, accuracies, strict=True):
                out[c.key] = (float(acc), float(loss))
        self.seconds += time.perf_counter() - start
        self.trained += len(candidates)
        return out


# ------------------------------------------------------------------------------ the searches


@dataclass
class TrialRecord:
    index: int
    point: dict[str, float]  # the searcher's coordinates (relative: log2 multipliers)
    val_accuracy: float
    val_loss: float
    accepted: bool
    counted: bool
    fraction: float = 1.0  # share of the training budget (halving's screening runs)


@dataclass
class SearchRun:
    name: str  # "paper@50", "asa@10", "asa-abs@10", "sweep/0.0025", ...
    method: str
    budget: int
    batch: int
    delta: float
    searcher: Any = field(repr=False)
    space: Any = field(repr=False, default=None)  # the searcher's Space (None: searcher.space)
    trials: list[TrialRecord] = field(default_factory=list)
    seconds: float = 0.0
    active: bool = True

    def best(self) -> TrialRecord | None:
        # a screening run's accuracy after part of the training is never the chosen one
        counted = [t for t in self.trials if t.counted and t.fraction >= 1.0]
        return max(counted, key=lambda t: (t.val_accuracy, -t.index)) if counted else None


def _point_key(point: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((k, round(float(v), 12)) for k, v in point.items()))


def _scales(run: SearchRun, point: Mapping[str, float]) -> dict[str, float]:
    """The point in absolute form (kernel standard deviations), what the builder takes."""
    space = run.space if run.space is not None else run.searcher.space
    return dict(space.scales(point))


def run_searches(
    trainer: Any,
    runs: Sequence[SearchRun],
    init_seed: int,
    order_seed: int,
    extra: Sequence[Candidate],
    log: Any,
) -> tuple[dict[str, tuple[float, float]], float]:
    """Every run's batches pooled per round; identical points train once (same seeds).

    ``extra`` candidates (the fixed initializers on validation) join the first round.
    Returns their results and the seconds charged to them.
    """
    cache: dict[tuple[tuple[str, float], ...], tuple[float, float]] = {}
    extra_results: dict[str, tuple[float, float]] = {}
    extra_seconds = 0.0
    pending_extra = list(extra)
    round_no = 0
    while True:
        asks: dict[str, list[dict[str, float]]] = {}
        for run in runs:
            if not run.active:
                continue
            left = run.budget - len(run.trials)
            points = run.searcher.ask(min(run.batch, left)) if left > 0 else []
            if points:
                asks[run.name] = points
            else:
                run.active = False
        if not asks and not pending_extra:
            break
        new: dict[tuple[tuple[str, float], ...], Candidate] = {}
        owners: dict[tuple[tuple[str, float], ...], list[str]] = {}
        by_name = {r.name: r for r in runs}
        for name, points in asks.items():
            for point in points:
                # keyed by the absolute form: a relative and an absolute point may share numbers
                absolute = _scales(by_name[name], point)
                key = _point_key(absolute)
                owners.setdefault(key, []).append(name)
                if key not in cache and key not in new:
                    initial = trainer.arrays(absolute, init_seed, "glorot_uniform")
                    new[key] = Candidate(f"p{len(new)}", initial, order_seed, "validation")
        batch = list(new.values()) + pending_extra
        start = time.perf_counter()
        results = trainer.run(batch) if batch else {}
        seconds = time.perf_counter() - start
        per_model = seconds / len(batch) if batch else 0.0
        for key, cand in new.items():
            cache[key] = results[cand.key]
            share = per_model / len(owners[key])
            for name in owners[key]:
                next(r for r in runs if r.name == name).seconds += share
        for cand in pending_extra:
            extra_results[cand.key] = results[cand.key]
            extra_seconds += per_model
        pending_extra = []
        for run in runs:
            if run.name not in asks:
                continue
            points = asks[run.name]
            scores = [cache[_point_key(_scales(run, p))] for p in points]
            decisions = run.searcher.tell(points, [-acc for acc, _loss in scores])
            for point, (acc, loss), decision in zip(points, scores, decisions, strict=True):
                run.trials.append(
                    TrialRecord(
                        len(run.trials), dict(point), acc, loss, decision.accepted, decision.counted
                    )
                )
        round_no += 1
        log(f"  round {round_no}: {len(batch)} trained, {seconds:.1f}s")
    return extra_results, extra_seconds


def run_halving_search(
    trainer: Any, run: SearchRun, init_seed: int, order_seed: int, log: Any
) -> None:
    """``run`` (an asa searcher sized by ``halving.plan``) through successive halving
    (``adnn_lint.runtime.search.halving``), trained on its own: screening runs do not pool with the
    full ones. Its seconds are its own wall time."""
    from adnn_lint.runtime.search.halving import run_halving

    start = time.perf_counter()

    def evaluate(points: list[dict[str, float]], fraction: float) -> list[tuple[float, int]]:
        cands = [
            Candidate(f"h{j}", trainer.arrays(_scales(run, p), init_seed, "glorot_uniform"),
                      order_seed, "validation", fraction)
            for j, p in enumerate(points)
        ]  # fmt: skip
        results = trainer.run(cands)
        out = []
        for point, cand in zip(points, cands, strict=True):
            acc, loss = results[cand.key]
            index = len(run.trials)
            run.trials.append(TrialRecord(index, dict(point), acc, loss, False, True, fraction))
            out.append((acc, index))
        return out

    def record(indices: list[int], decisions: list[Any]) -> None:
        for index, decision in zip(indices, decisions, strict=True):
            run.trials[index].accepted = decision.accepted

    run_halving(run.searcher, evaluate, record, budget=run.budget)
    run.seconds = time.perf_counter() - start
    units = sum(t.fraction for t in run.trials)
    log(f"  {run.name}: {len(run.trials)} runs, {units:.2f} full trainings, {run.seconds:.1f}s")


# ----------------------------------------------------------------------------------- stats


def summary(values: Sequence[float]) -> dict[str, float]:
    from adnn_lint.runtime.stats import summarize

    s = summarize(list(values), 0.95)
    return {"n": s.n, "mean": s.mean, "std": s.std, "min": s.min, "max": s.max,
            "ci_low": s.ci_low, "ci_high": s.ci_high}  # fmt: skip


def paired(candidate: Sequence[float], baseline: Sequence[float]) -> dict[str, float]:
    from adnn_lint.runtime.stats import paired_difference

    d = paired_difference(list(candidate), list(baseline), 0.95)
    return {"n": d.n, "mean": d.mean, "ci_low": d.ci_low, "ci_high": d.ci_high}


# ---------------------------------------------------------------------------- one model


def derive(*parts: int) -> int:
    from adnn_lint.runtime.build import derive_seed

    return int(derive_seed(*parts))


def bench_model(
    name: str, size: Size, data: Any, log: Any, only: str | None = None
) -> dict[str, Any]:
    """One model's RQ1-RQ3. ``only`` ("paper" or "asa"): that method, the baseline and their
    verdict only (to re-run one method into an existing record, see ``merge_rerun``); "search":
    asa and random with the baseline and their verdict (another search seed, see
    ``merge_search_seed``). ``size`` is already the model's own (``for_model``)."""
    from adnn_lint.runtime.search.base import make_searcher
    from adnn_lint.runtime.search.space import space_for

    _dataset, hidden = MODELS[name]
    trainer: Any = CnnTrainer(data) if name in CNNS else Trainer(hidden, data)
    spaces = {suffix: space_for(trainer.spec, "asa" if kind == "relative" else "paper")
              for suffix, kind in SPACES.items()}  # fmt: skip
    paper_space = spaces["-abs"]
    root = 9_000 + (100 + CNNS.index(name) if name in CNNS else hidden)  # seeds per model
    search_init, search_order = derive(root, 1), derive(root, 2)
    base_seeds = [derive(root, 3, j) for j in range(size.baseline_seeds)]
    verdict = [(derive(root, 4, j), derive(root, 5, j)) for j in range(size.verdict_seeds)]

    runs: list[SearchRun] = []
    for delta in size.deltas if only in (None, "paper") else ():
        runs.append(
            SearchRun(
                f"sweep/{delta:g}", "paper", size.sweep_budget, size.paper_batch, delta,
                make_searcher("paper", paper_space, seed=size.search_seed, delta=delta),
            )
        )  # fmt: skip
    paper_delta = 0.0025 if 0.0025 in size.deltas else size.deltas[0]
    fixed: tuple[str, ...] = trainer.fixed
    families = ("glorot_uniform",) if only else fixed
    for budget in size.budgets if only in (None, "asa", "search") else ():
        for method in ("asa", "random") if only in (None, "search") else ("asa",):
            for suffix, space in spaces.items():
                searcher = make_searcher(method, space, seed=size.search_seed, max_trial=budget)
                # asa: blocks sized so that every budget takes size.asa_rounds sequential rounds
                # after its first batch (asked on its own, docs/search.md)
                batch = max(1, math.ceil(budget / size.asa_rounds)) if method == "asa" else budget
                runs.append(
                    SearchRun(f"{method}{suffix}@{budget}", method, budget, batch, 0.0, searcher,
                              space)
                )  # fmt: skip

    halving: list[SearchRun] = []
    for budget in size.budgets if only in (None, "search") else ():
        # successive halving over asa's proposals, at the same budget in full trainings
        from adnn_lint.runtime.search.halving import plan

        searcher = make_searcher("asa", spaces[""], seed=size.search_seed,
                                 max_trial=sum(plan(budget)))  # fmt: skip
        halving.append(
            SearchRun(f"asa-halving@{budget}", "asa", budget, 0, 0.0, searcher, spaces[""])
        )

    extra: list[Candidate] = []
    for family in families:
        for j, seed in enumerate(base_seeds):
            initial = (
                trainer.lsuv_arrays(seed, search_order)
                if family == "lsuv"
                else trainer.arrays(None, seed, family)
            )
            extra.append(Candidate(f"{family}/{j}", initial, search_order, "validation"))
    log(f"{name}: {len(runs)} searches, {len(extra)} fixed-initializer runs")
    t0 = time.perf_counter()
    fixed_val, fixed_seconds = run_searches(trainer, runs, search_init, search_order, extra, log)
    for run in halving:
        run_halving_search(trainer, run, search_init, search_order, log)
    runs += halving
    search_wall = time.perf_counter() - t0

    validation = {
        family: summary([fixed_val[f"{family}/{j}"][0] for j in range(len(base_seeds))])
        for family in families
    }
    base_mean = validation["glorot_uniform"]["mean"]

    # paper@budget is the prefix of the delta=0.0025 sweep: the walk does not depend on the budget
    by_name = {r.name: r for r in runs}
    methods: dict[str, dict[str, Any]] = {}
    sweep = by_name.get(f"sweep/{paper_delta:g}")
    for budget in sorted(set(paper_budgets(size)) | set(size.budgets)):
        chosen_runs = [
            by_name[f"{m}{suffix}@{budget}"]
            for m in ("asa", "random")
            for suffix in (*SPACES, "-halving")
            if f"{m}{suffix}@{budget}" in by_name
        ]
        if sweep is not None and budget in paper_budgets(size):
            prefix = replace(
                sweep, name=f"paper@{budget}", budget=budget, trials=sweep.trials[:budget]
            )
            prefix.seconds = sweep.seconds * len(prefix.trials) / max(1, len(sweep.trials))
            chosen_runs.insert(0, prefix)
        for run in chosen_runs:
            best = run.best()
            methods[run.name] = {
                "method": run.method,
                "fidelity": "halving" if run in halving else "full",
                # full trainings spent (a screening run counts its fraction)
                "trial_units": sum(t.fraction for t in run.trials),
                "space": (run.space if run.space is not None else run.searcher.space).kind,
                "budget": run.budget,
                "trials": len(run.trials),
                "seconds": run.seconds,
                "best_trial": None if best is None else asdict(best),
                # the best point as the kernel standard deviations it stands for
                "best_scales": None if best is None else _scales(run, best.point),
                "paper_gain": None if best is None else best.val_accuracy - base_mean,
            }

    # verdict: fresh (init, order) seed pairs, test split, paired with the baseline
    cands: list[Candidate] = []
    chosen: dict[str, dict[str, float] | None] = {f: None for f in families}
    chosen.update({n: m["best_scales"] for n, m in methods.items()})
    for j, (init_seed, order_seed) in enumerate(verdict):
        for label, point in chosen.items():
            if label == "lsuv":
                initial = trainer.lsuv_arrays(init_seed, order_seed)
            elif label in fixed:
                initial = trainer.arrays(None, init_seed, label)
            elif point is not None:
                initial = trainer.arrays(point, init_seed, "glorot_uniform")
            else:
                continue
            cands.append(Candidate(f"{label}/{j}", initial, order_seed, "test"))
    log(f"{name}: verdict, {len(cands)} runs on the test split")
    t1 = time.perf_counter()
    test_results = trainer.run(cands)
    verdict_wall = time.perf_counter() - t1
    base_test = [test_results[f"glorot_uniform/{j}"][0] for j in range(len(verdict))]
    tested: dict[str, Any] = {}
    for label, point in chosen.items():
        if label not in fixed and point is None:
            continue
        accs = [test_results[f"{label}/{j}"][0] for j in range(len(verdict))]
        tested[label] = {"test": summary(accs), "runs": accs}
        if label != "glorot_uniform":
            tested[label]["gain"] = paired(accs, base_test)
    sweep_rows: dict[str, dict[str, Any]] = {}
    for r in runs:
        best = r.best()
        if r.name.startswith("sweep/"):
            sweep_rows[f"{r.delta:g}"] = {
                "trials": len(r.trials),
                "best_val": None if best is None else best.val_accuracy,
                "paper_gain": None if best is None else best.val_accuracy - base_mean,
                "seconds": r.seconds,
            }
    curves = {r.name: [t.val_accuracy for t in r.trials] for r in runs}
    return {
        "model": name,
        "hidden": hidden,
        "kind": "cnn" if name in CNNS else "mlp",
        "trainer": "keras fit()" if name in CNNS else "stacked",
        "train_limit": size.train_limit,
        "budgets": list(size.budgets),
        "kernel_references": spaces[""].references(),
        "seeds": {
            "search_init": search_init,
            "search_order": search_order,
            "baseline_init": base_seeds,
            "verdict": verdict,
        },
        "validation": validation,
        "fixed_seconds": fixed_seconds,
        "methods": methods,
        "sweep": sweep_rows,
        "tested": tested,
        "curves": curves,
        "search_wall_seconds": search_wall,
        "verdict_wall_seconds": verdict_wall,
        "trained_models": trainer.trained,
        "train_seconds": trainer.seconds,
    }


# ------------------------------------------------------------------------------------ main


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


DataSource = str | Path  # "embedded", "keras" (Keras's datasets cache) or a --data-dir folder


def load(
    dataset: str, source: DataSource, limit: int | None, test_limit: int | None
) -> tuple[Any, dict[str, Any]]:
    """``dataset`` from ``source`` (first ``limit`` training examples), and where it came from."""
    from adnn_lint.runtime.data import load_data

    if source == "embedded":  # the shipped MNIST subset: CI smoke, nothing outside the package
        data = load_data("embedded", limit=limit, test_limit=test_limit)
        return data, {"source": "embedded", "sha256_arrays": data.sha256, "checked": "n/a"}
    if source == "keras":  # Keras downloads once into its own cache (~/.keras/datasets)
        data = load_data(dataset, limit=limit, test_limit=test_limit)
        info = {"source": f"keras.datasets.{dataset}", "sha256_arrays": data.sha256}
        return data, {**info, "checked": "n/a (arrays' digest recorded)"}
    path = Path(source) / f"{dataset}.npz"
    if not path.is_file():
        raise SystemExit(f"--data-dir {source}: no {path.name} there (Keras's npz layout)")
    digest = sha256_of(path)
    if digest != DATASET_SHA256[dataset]:
        raise SystemExit(f"{path}: sha256 {digest} is not the documented {DATASET_SHA256[dataset]}")
    data = load_data(f"npz:{path}", limit=limit, test_limit=test_limit)
    return data, {"source": f"{path.name} from --data-dir", "sha256": digest, "checked": "yes"}


class Loaded:
    """Each (data set, training subset) loaded once; ``info`` says where each came from."""

    def __init__(self, source: DataSource) -> None:
        self.source = source
        self.data: dict[tuple[str, int | None], Any] = {}
        self.info: dict[str, dict[str, Any]] = {}

    def get(self, dataset: str, size: Size) -> Any:
        key = (dataset, size.train_limit)
        if key not in self.data:
            data, info = load(dataset, self.source, size.train_limit, size.test_limit)
            self.data[key] = data
            label = dataset if size.train_limit is None else f"{dataset}[:{size.train_limit}]"
            sizes = {"train": len(data.x_train), "validation": len(data.x_val)}
            self.info[label] = {**info, **sizes, "test": len(data.x_test)}
        return self.data[key]


def environment() -> dict[str, Any]:
    import keras
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "gpus": [d.name for d in tf.config.list_physical_devices("GPU")],
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    from paper_report import render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="record")
    parser.add_argument("--quick", action="store_true", help="same as --size quick")
    parser.add_argument("--models", help="comma-separated subset, e.g. MNIST-1,FMNIST-2")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir", metavar="DIR", help="a folder with mnist.npz and fashion_mnist.npz "
        "(Keras's layout; sha256 checked against the documented digests)"
    )  # fmt: skip
    where.add_argument(
        "--keras-datasets", action="store_true",
        help="keras.datasets (its own cache; downloads once)",
    )  # fmt: skip
    where.add_argument("--embedded", action="store_true", help="the MNIST subset shipped in the "
                       "package (MNIST models only; CI smoke)")  # fmt: skip
    parser.add_argument("--train-limit", type=int, help="MLPs: first N training examples")
    parser.add_argument("--cnn-train-limit", type=int, help="CNNs: first N training examples")
    parser.add_argument("--budgets", help="asa/random trial budgets, e.g. 50,10")
    parser.add_argument("--out", default=str(ROOT / "benchmarks"), help="output folder")
    parser.add_argument("--json", help="JSON record path (default OUT/paper_results.json)")
    parser.add_argument("--no-markdown", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument(
        "--render", metavar="JSON", help="only re-render OUT from a record (with --append-to: "
        "add its models to that record first)"
    )  # fmt: skip
    parser.add_argument(
        "--rerun",
        nargs=2,
        metavar=("METHOD", "RECORD"),
        help="re-run one method (paper or asa) with its baseline and verdict; merge into RECORD",
    )
    parser.add_argument(
        "--append-to", metavar="RECORD", help="add (or replace) this run's models in RECORD"
    )
    parser.add_argument(
        "--search-seeds",
        nargs=2,
        metavar=("SEEDS", "RECORD"),
        help="run asa and random again with other searcher seeds (e.g. 1,2,3) at the size's "
        "budgets, with their baseline and verdict; add them to RECORD (same model seeds)",
    )
    args = parser.parse_args(argv)
    if args.render:
        done = json.loads(Path(args.render).read_text())
        if args.append_to:  # add a finished run's models to a record, then render that
            done = append_models(json.loads(Path(args.append_to).read_text()), done)
            write_json(done, Path(args.append_to))
        render(done, Path(args.out), markdown_too=True)
        return 0
    size_name = "quick" if args.quick else args.size
    size = SIZES[size_name]
    if args.models:
        wanted = tuple(m.strip() for m in args.models.split(","))
        unknown = [m for m in wanted if m not in MODELS]
        if unknown:
            parser.error(f"unknown models {unknown}; choose from {', '.join(MODELS)}")
        size = replace(size, models=wanted)
    if args.budgets:
        size = replace(size, budgets=tuple(int(b) for b in args.budgets.split(",")))
    if args.train_limit:
        size = replace(size, train_limit=args.train_limit)
    if args.cnn_train_limit:
        size = replace(size, cnn_train_limit=args.cnn_train_limit)
    if args.embedded and any(MODELS[m][0] != "mnist" for m in size.models):
        parser.error("--embedded ships MNIST only: pick MNIST models")
    source: DataSource
    if args.embedded:
        source = "embedded"
    elif args.keras_datasets:
        source = "keras"
    elif args.data_dir:
        source = Path(args.data_dir)
    else:
        parser.error(
            "say where the data comes from: --data-dir DIR (mnist.npz, fashion_mnist.npz), "
            "--keras-datasets (Keras's download cache) or --embedded (the shipped MNIST subset)"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    record: dict[str, Any] = {
        "version": 1,
        "command": "python benchmarks/paper.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "size": size_name,
        "config": asdict(size),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "environment": environment(),
        "data": {},
        "models": [],
    }
    loaded = Loaded(source)
    if args.search_seeds:
        seeds = [int(s) for s in args.search_seeds[0].split(",") if s.strip()]
        target = Path(args.search_seeds[1])
        for name in size.models:
            own = for_model(size, name)
            data = loaded.get(MODELS[name][0], own)
            for seed in seeds:
                run = bench_model(name, replace(own, search_seed=seed), data, log, only="search")
                merged = merge_search_seed(json.loads(target.read_text()), run, seed, record)
                write_json(merged, target)  # after every (model, seed): a stop keeps them
                render(merged, out, markdown_too=not args.no_markdown)
        log(f"done in {time.perf_counter() - started:.0f}s")
        return 0
    for name in size.models:
        own = for_model(size, name)
        data = loaded.get(MODELS[name][0], own)
        record["data"] = dict(loaded.info)
        record["models"].append(
            bench_model(name, own, data, log, only=args.rerun and args.rerun[0])
        )
        record["wall_seconds"] = time.perf_counter() - started
        if args.append_to:
            merged = append_models(json.loads(Path(args.append_to).read_text()), record)
            write_json(merged, Path(args.append_to))
            render(merged, out, markdown_too=not args.no_markdown)
            continue
        if args.rerun:
            method, target = args.rerun
            merged = merge_rerun(json.loads(Path(target).read_text()), record, method)
            write_json(merged, Path(target))
            render(merged, out, markdown_too=not args.no_markdown)
            continue
        write_json(record, Path(args.json) if args.json else out / "paper_results.json")
        render(record, out, markdown_too=not args.no_markdown)  # partial results survive a stop
    log(f"done in {record['wall_seconds']:.0f}s")
    return 0


REASONS = {
    "paper": "after unvisited layers were changed to keep the model's own initializers",
    "asa": "after ASA's start was changed to the model's own initial values",
}


def merge_rerun(base: dict[str, Any], rerun: Mapping[str, Any], method: str) -> dict[str, Any]:
    """``base`` with ``method``'s results replaced by those of ``rerun`` (same seeds).

    The merged method's gains are measured against the re-run's own baseline runs (kept under
    ``{method}_rerun``), so every paired difference stays within one run.
    """
    prefix = f"{method}@"
    curve_prefix = "sweep/" if method == "paper" else prefix
    reruns = {m["model"]: m for m in rerun["models"]}
    for model in base["models"]:
        new = reruns.get(model["model"])
        if new is None:
            continue
        for key in [k for k in model["methods"] if k.startswith(prefix)]:
            del model["methods"][key]
        model["methods"].update(new["methods"])
        if method == "paper":
            model["sweep"] = new["sweep"]
        model["curves"] = {
            **{k: v for k, v in model["curves"].items() if not k.startswith(curve_prefix)},
            **new["curves"],
        }
        for key in [k for k in model["tested"] if k.startswith(prefix)]:
            del model["tested"][key]
        model["tested"].update({k: v for k, v in new["tested"].items() if k.startswith(prefix)})
        model[f"{method}_rerun"] = {
            "command": rerun["command"],
            "started_utc": rerun["started_utc"],
            "validation": new["validation"],
            "tested_baseline": new["tested"]["glorot_uniform"],
            "search_wall_seconds": new["search_wall_seconds"],
            "verdict_wall_seconds": new["verdict_wall_seconds"],
        }
    notes = [n for n in base.get("notes", []) if rerun["started_utc"] not in n]
    notes.append(
        f"{method} rows of {', '.join(sorted(reruns))} come from `{rerun['command']}` "
        f"(started {rerun['started_utc']}), {REASONS[method]} (docs/search.md); same seeds, its "
        f"own baseline runs for the paper-style and paired gains (`{method}_rerun` in the JSON); "
        "its RQ3 times come from that run, under a different machine load."
    )
    base["notes"] = notes
    return base


def merge_search_seed(
    base: dict[str, Any], run: Mapping[str, Any], seed: int, meta: Mapping[str, Any]
) -> dict[str, Any]:
    """``base`` with asa and random of searcher seed ``seed`` (``run``, one model) added under
    the model's ``search_seeds``; their gains are against ``run``'s own baseline runs."""
    model = next((m for m in base["models"] if m["model"] == run["model"]), None)
    if model is None:
        raise SystemExit(f"{run['model']} is not in the record: run it there first")
    if model["seeds"]["verdict"] != [list(p) for p in run["seeds"]["verdict"]]:
        raise SystemExit(f"{run['model']}: the record's verdict seeds differ from this run's")
    model.setdefault("search_seeds", {})[str(seed)] = {
        "command": meta["command"],
        "started_utc": meta["started_utc"],
        "load_average": meta["environment"]["load_average"],
        "methods": run["methods"],
        "tested": {k: v for k, v in run["tested"].items() if k != "glorot_uniform"},
        "validation": run["validation"]["glorot_uniform"],
        "tested_baseline": run["tested"]["glorot_uniform"],
        "search_wall_seconds": run["search_wall_seconds"],
        "verdict_wall_seconds": run["verdict_wall_seconds"],
    }
    return base


def append_models(base: dict[str, Any], run: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``run``'s models added (replacing same-named ones), in the paper's order."""
    models = {m["model"]: m for m in base["models"]}
    models.update({m["model"]: m for m in run["models"]})
    base["models"] = [models[name] for name in MODELS if name in models]
    base["data"] = {**base["data"], **run["data"]}
    names = ", ".join(m["model"] for m in run["models"])
    notes = [n for n in base.get("notes", []) if run["started_utc"] not in n]
    notes.append(
        f"{names} come from `{run['command']}` (started {run['started_utc']}): all methods "
        "in one run; its times are under that run's machine load."
    )
    base["notes"] = notes
    return base


def write_json(record: Mapping[str, Any], path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, default=_json_default) + "\n")
    tmp.replace(path)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


if __name__ == "__main__":
    raise SystemExit(main())
