"""The versioned results document of ``adnn-lint verify``.

One JSON file holds everything a reviewer (or the HTML report) needs: the environment, the
configuration, every baseline run, every search trial and the verdict. It is rewritten
atomically (temporary file + ``os.replace``) after every finished run, so an interrupted
verification keeps all finished work and ``--resume`` can continue from it.

This module is deliberately free of TensorFlow and NumPy imports: the report renders results
without the runtime extra. The layout is documented in ``docs/results.md``; bump
``RESULTS_VERSION`` on any incompatible change.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from adnn_lint.atomic import write_atomic

RESULTS_FORMAT = "adnn-lint-results"
RESULTS_VERSION = 2
#: Versions this module reads: 2 added failed runs (a failed trial has no accuracy), which a
#: version-1 file simply has none of.
READABLE_VERSIONS = (1, 2)

RunStatus = Literal["running", "interrupted", "complete"]
VerdictStatus = Literal["PASS", "FAIL", "INCONCLUSIVE", "NO_CLAIM"]
StopReason = Literal[
    "max_trial", "max_time", "max_gain", "searcher_finished", "interrupted", "not_started"
]

#: Exit code of ``adnn-lint verify`` for each verdict status.
EXIT_CODES: Mapping[str, int] = {"PASS": 0, "NO_CLAIM": 0, "FAIL": 1, "INCONCLUSIVE": 3}


class ResultsError(ValueError):
    """A results file that cannot be read: wrong format, newer version, or malformed."""


@dataclass(frozen=True)
class Environment:
    """Where the numbers were measured; same seed + same environment = same numbers."""

    python: str
    platform: str
    machine: str
    processor: str
    cpu_count: int | None
    numpy: str | None = None
    tensorflow: str | None = None
    keras: str | None = None
    adnn_lint: str | None = None
    devices: tuple[str, ...] = ()  # e.g. ("CPU:0",) or ("CPU:0", "GPU:0 NVIDIA H100")
    op_determinism: bool = False
    trainer: str = "keras"  # "stacked" (many models as one) or "keras" (one fit() per run)
    executor: str = "local"  # "local" (this process) or "ray" (Ray tasks on a cluster)
    threads: int = 0  # TensorFlow intra-op threads per run; 0: TensorFlow's default (all cores)


@dataclass(frozen=True)
class DataInfo:
    """Which data was used and how it was split. The test split is never used to choose."""

    source: str  # "embedded", "mnist", "fashion_mnist", "npz:PATH", "module:function"
    train: int
    validation: int
    test: int
    input_shape: tuple[int, ...]
    classes: int
    validation_split: float
    sha256: str | None = None  # digest of the arrays as loaded (before the split)


@dataclass(frozen=True)
class Config:
    """The settings of this verification; ``--resume`` refuses a file whose config differs."""

    spec_digest: str  # sha256 of the canonical spec text
    model: str
    method: str  # "asa", "paper", "random"
    seed: int
    baseline_seeds: int
    verdict_seeds: int
    max_trial: int | None
    max_time: float | None  # seconds of search
    max_gain: float | None  # accuracy points in [0, 1]
    delta: float
    required_accuracy: float | None
    confidence: float
    epochs: int
    batch_size: int
    learning_rate: float
    optimizer: str
    batch: int = 1  # points asked from the searcher per round (replayed the same on resume)
    trainer: str = "keras"  # "stacked" or "keras": runs of different trainers do not mix
    optimizer_options: Mapping[str, Any] = field(default_factory=dict)  # momentum, nesterov, ...
    families: tuple[str, ...] = ()  # search.families: what a point's F{i} values index
    # search.space: "absolute" (W{i} is the kernel's std; files from before the choice) or
    # "relative" (W{i} is log2 of a multiplier of kernel_references[W{i}], docs/search.md)
    space: str = "absolute"
    kernel_references: Mapping[str, float] = field(default_factory=dict)
    fidelity: str = "full"  # "halving": successive halving screened the candidates


@dataclass(frozen=True)
class RunRecord:
    """One training run: a baseline seed or one side of a verdict pair."""

    seed: int  # the seed of the initial weights
    order_seed: int  # the seed of the training data order
    accuracy: float
    loss: float
    split: Literal["validation", "test"]
    seconds: float


@dataclass(frozen=True)
class FailedRun:
    """A run that kept failing (e.g. its worker died on every retry): it has no accuracy."""

    key: str  # "baseline/2", "trial/7", "confirm/0", "verdict/candidate/3"
    seed: int
    order_seed: int
    split: Literal["validation", "test"]
    point: Mapping[str, float] | None  # None: the spec's own initializers
    error: str


@dataclass(frozen=True)
class Summary:
    """Accuracy over seeds; the interval is a Student-t interval for the mean."""

    n: int
    mean: float
    std: float  # sample standard deviation (ddof=1); 0 when n == 1
    min: float
    max: float
    ci_low: float
    ci_high: float
    confidence: float


@dataclass(frozen=True)
class Trial:
    """One search trial, in the order it was run."""

    index: int  # 0-based, dense
    point: Mapping[str, float]  # {"W0": kernel scale (or log2 multiplier), "B0": bias, ...}
    seed: int
    order_seed: int
    val_accuracy: float | None  # None: the run failed (``error``); the searcher was told +inf
    val_loss: float | None
    seconds: float  # training + evaluation time of this trial
    elapsed: float  # search time since the start of the search, after this trial
    accepted: bool | None = None
    temperature: float | None = None
    gain: float | None = None  # val_accuracy - baseline validation mean
    probability: float | None = None  # acceptance probability when a worse point was tested
    counted: bool = True  # False: speculative batch member the sequential method never ran
    note: str = ""  # the searcher's remark on this decision
    error: str | None = None  # why the run failed, when it did
    # share of the training budget (halving's screening runs < 1); counts that much of a trial
    fraction: float = 1.0

    @property
    def cost(self) -> float:
        """What the searcher was told: -accuracy, or +inf (the worst) for a failed run."""
        return math.inf if self.val_accuracy is None else -self.val_accuracy


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval (used for the paired gain)."""

    n: int
    mean: float
    ci_low: float
    ci_high: float
    confidence: float


@dataclass(frozen=True)
class Verdict:
    """The contract verdict, judged on the test split with fresh seeds."""

    status: VerdictStatus
    exit_code: int
    reason: str
    chosen: str  # "trial 12" or "baseline"
    chosen_point: Mapping[str, float] | None
    seeds: tuple[int, ...]  # fresh seeds, unused during baseline and search
    baseline_runs: tuple[RunRecord, ...]
    candidate_runs: tuple[RunRecord, ...]
    baseline: Summary
    candidate: Summary
    gain: Interval  # paired difference candidate - baseline on the same seeds
    required_accuracy: float | None
    seconds: float
    # Seed pairs planned; fewer than gain.n when runs failed (they are in Results.failed_runs).
    pairs_planned: int | None = None


@dataclass(frozen=True)
class Results:
    """The whole document."""

    config: Config
    environment: Environment
    data: DataInfo | None = None
    status: RunStatus = "running"
    created: str = ""
    updated: str = ""
    spec_text: str = ""  # the spec as verified, in ADNN syntax, so the report needs nothing else
    baseline_runs: tuple[RunRecord, ...] = ()
    baseline: Summary | None = None
    trials: tuple[Trial, ...] = ()
    best_trial: int | None = None  # index into trials (highest validation accuracy)
    stop_reason: StopReason = "not_started"
    search_seconds: float = 0.0
    # The best trial retrained on the baseline seeds (validation), paired with the baseline runs:
    # it is chosen for the verdict only when this paired gain is positive.
    # The spec's own initializers as a point of the searched box (see build.spec_point).
    spec_point: Mapping[str, float] | None = None
    confirmation_runs: tuple[RunRecord, ...] = ()
    confirmation_gain: Interval | None = None
    verdict: Verdict | None = None
    failed_runs: tuple[FailedRun, ...] = ()  # runs that kept failing; --resume retries them
    format: str = RESULTS_FORMAT
    version: int = RESULTS_VERSION
    notes: tuple[str, ...] = field(default=())

    def with_trial(self, trial: Trial) -> Results:
        """A copy with one more trial (and the best index updated).

        Only full-budget trials can be the best: a screening run's accuracy after part of the
        training is not comparable, and the verdict retrains what it chooses in full anyway."""
        trials = (*self.trials, trial)
        best = self.best_trial
        full = trial.fraction >= 1.0
        if (
            full
            and trial.val_accuracy is not None
            and (best is None or trial.cost < trials[best].cost)
        ):
            best = trial.index
        return replace(self, trials=trials, best_trial=best)

    def with_failure(self, failure: FailedRun | None, key: str) -> Results:
        """A copy where ``key``'s failure is ``failure`` (None: the key has since succeeded)."""
        kept = tuple(f for f in self.failed_runs if f.key != key)
        return replace(self, failed_runs=kept if failure is None else (*kept, failure))


# --------------------------------------------------------------------------- serialization


def to_json(results: Results) -> dict[str, Any]:
    """Plain JSON-ready data; tuples become lists, mappings become objects."""
    data = asdict(results)
    # Put the identifying keys first so `head` on a file tells what it is.
    ordered = {"format": data.pop("format"), "version": data.pop("version")}
    ordered.update(data)
    return ordered


def dumps(results: Results) -> str:
    return json.dumps(to_json(results), indent=2, allow_nan=False) + "\n"


def save_results(results: Results, path: str | os.PathLike[str]) -> None:
    """Write atomically: a crash mid-write leaves the previous complete file in place."""
    write_atomic(path, dumps(results))


def _run(data: Mapping[str, Any]) -> RunRecord:
    return RunRecord(
        seed=int(data["seed"]),
        order_seed=int(data["order_seed"]),
        accuracy=float(data["accuracy"]),
        loss=float(data["loss"]),
        split=data["split"],
        seconds=float(data["seconds"]),
    )


def _summary(data: Mapping[str, Any]) -> Summary:
    return Summary(**{k: data[k] for k in Summary.__dataclass_fields__})


def _interval(data: Mapping[str, Any]) -> Interval:
    return Interval(**{k: data[k] for k in Interval.__dataclass_fields__})


def _trial(data: Mapping[str, Any]) -> Trial:
    return Trial(
        index=int(data["index"]),
        point={str(k): float(v) for k, v in data["point"].items()},
        seed=int(data["seed"]),
        order_seed=int(data["order_seed"]),
        val_accuracy=_optional_float(data["val_accuracy"]),
        val_loss=_optional_float(data["val_loss"]),
        seconds=float(data["seconds"]),
        elapsed=float(data["elapsed"]),
        accepted=data.get("accepted"),
        temperature=data.get("temperature"),
        gain=data.get("gain"),
        probability=data.get("probability"),
        counted=bool(data.get("counted", True)),
        note=str(data.get("note", "")),
        error=data.get("error"),
        fraction=float(data.get("fraction", 1.0)),
    )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _failed(data: Mapping[str, Any]) -> FailedRun:
    return FailedRun(
        key=str(data["key"]),
        seed=int(data["seed"]),
        order_seed=int(data["order_seed"]),
        split=data["split"],
        point=_point(data.get("point")),
        error=str(data["error"]),
    )


def _point(data: Mapping[str, Any] | None) -> dict[str, float] | None:
    return None if data is None else {str(k): float(v) for k, v in data.items()}


def _verdict(data: Mapping[str, Any]) -> Verdict:
    point = data.get("chosen_point")
    return Verdict(
        status=data["status"],
        exit_code=int(data["exit_code"]),
        reason=str(data["reason"]),
        chosen=str(data["chosen"]),
        chosen_point=None if point is None else {str(k): float(v) for k, v in point.items()},
        seeds=tuple(int(s) for s in data["seeds"]),
        baseline_runs=tuple(_run(r) for r in data["baseline_runs"]),
        candidate_runs=tuple(_run(r) for r in data["candidate_runs"]),
        baseline=_summary(data["baseline"]),
        candidate=_summary(data["candidate"]),
        gain=_interval(data["gain"]),
        required_accuracy=data.get("required_accuracy"),
        seconds=float(data["seconds"]),
        pairs_planned=data.get("pairs_planned"),
    )


def from_json(data: Mapping[str, Any]) -> Results:
    """Rebuild typed results; raises ResultsError naming the offending key."""
    if data.get("format") != RESULTS_FORMAT:
        raise ResultsError(f"format: expected {RESULTS_FORMAT!r}, got {data.get('format')!r}")
    version = data.get("version")
    if version not in READABLE_VERSIONS:
        raise ResultsError(
            f"version: this adnn-lint reads {', '.join(map(str, READABLE_VERSIONS))}, "
            f"got {version!r}"
        )
    key = "config"
    try:
        raw_config = data["config"]
        config = Config(
            **{k: raw_config[k] for k in Config.__dataclass_fields__ if k in raw_config}
        )
        config = replace(config, families=tuple(config.families))  # a JSON array comes back
        key = "environment"
        env = dict(data["environment"])
        env["devices"] = tuple(env.get("devices", ()))
        environment = Environment(**env)
        key = "data"
        info = None
        if data.get("data") is not None:
            raw = dict(data["data"])
            raw["input_shape"] = tuple(raw["input_shape"])
            info = DataInfo(**raw)
        key = "baseline_runs"
        runs = tuple(_run(r) for r in data.get("baseline_runs", ()))
        key = "baseline"
        baseline = None if data.get("baseline") is None else _summary(data["baseline"])
        key = "trials"
        trials = tuple(_trial(t) for t in data.get("trials", ()))
        key = "verdict"
        verdict = None if data.get("verdict") is None else _verdict(data["verdict"])
        key = "confirmation_runs"
        confirmation = tuple(_run(r) for r in data.get("confirmation_runs", ()))
        key = "confirmation_gain"
        raw_gain = data.get("confirmation_gain")
        confirmation_gain = None if raw_gain is None else _interval(raw_gain)
        key = "failed_runs"
        failed = tuple(_failed(f) for f in data.get("failed_runs", ()))
    except (KeyError, TypeError, ValueError) as exc:
        raise ResultsError(f"{key}: malformed ({exc})") from exc
    for position, trial in enumerate(trials):
        if trial.index != position:
            raise ResultsError(f"trials[{position}].index: expected {position}, got {trial.index}")
    return Results(
        config=config,
        environment=environment,
        data=info,
        status=data.get("status", "running"),
        created=str(data.get("created", "")),
        updated=str(data.get("updated", "")),
        spec_text=str(data.get("spec_text", "")),
        baseline_runs=runs,
        baseline=baseline,
        trials=trials,
        best_trial=data.get("best_trial"),
        stop_reason=data.get("stop_reason", "not_started"),
        search_seconds=float(data.get("search_seconds", 0.0)),
        spec_point=_point(data.get("spec_point")),
        confirmation_runs=confirmation,
        confirmation_gain=confirmation_gain,
        verdict=verdict,
        failed_runs=failed,
        notes=tuple(data.get("notes", ())),
    )


def load_results(path: str | os.PathLike[str]) -> Results:
    """Read a results file written by :func:`save_results`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    try:
        return from_json(data)
    except ResultsError as exc:
        raise ResultsError(f"{path}: {exc}") from exc
