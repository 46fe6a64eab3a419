"""Orchestration of ``adnn-lint verify``: baseline over seeds, search, verdict on fresh seeds.

1. **Baseline**: the spec's own initializers, one run per baseline seed, scored on validation.
2. **Search**: the searcher asks points (``Config.batch`` at a time), the executor trains them
   on the train split and scores them on validation (cost = -validation accuracy). Every trial
   uses the same search seeds (initial-weight draw and data order) — common random numbers, so
   two points differ only by their initial values. Budgets: ``max_trial``, ``max_time`` (search
   seconds, checked between batches) and ``max_gain`` (stop once the best validation accuracy
   beats the baseline mean by that much), each the tighter of the spec and the command line.
3. **Confirmation**: the best trial is retrained on the baseline's own seeds (validation) and
   paired with the baseline runs; it is chosen only when that paired gain is positive, else the
   spec's own initializers are (the winner of many single-seed draws is biased upward).
4. **Verdict**: the chosen configuration and the baseline are retrained on fresh seeds, paired
   (run j of both uses the same seeds), and scored on the contract's split (test). The test
   split never influences the choice.

Seeds come from ``--seed`` through separate streams (``build.derive_seed``), and the baseline,
search and verdict seeds are checked to be disjoint. The results document is saved after every
finished run; on KeyboardInterrupt it is saved as ``interrupted`` and the interrupt propagates.
``resume=True`` reloads it, checks the configuration is the same, replays the logged trials
through the searcher and goes on.

A run the executor reports as failed (its ``Outcome.error``; e.g. a Ray worker that died on every
retry) is recorded, never dropped: a failed trial is logged with its error and told to the
searcher as the worst cost; a failed baseline, confirmation or verdict run goes to
``failed_runs`` (retried by ``--resume``), the summaries and pairs use the runs that finished, and
the verdict says on how many seed pairs of how many planned it rests.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from adnn_lint.runtime import build
from adnn_lint.runtime.data import Dataset
from adnn_lint.runtime.executors.local import (
    Executor,
    InProcessExecutor,
    limit_threads,
)
from adnn_lint.runtime.phases import run_baseline, run_confirmation, run_search, run_verdict
from adnn_lint.runtime.progress import Progress
from adnn_lint.runtime.search.space import Space, space_for
from adnn_lint.runtime.session import (
    DEFAULT_MAX_TRIAL,
    RANDOM_STACK,
    Session,
    VerifyError,
    fresh_seeds,
    now_utc,
)
from adnn_lint.spec.model import Spec
from adnn_lint.spec.results import (
    Config,
    DataInfo,
    Environment,
    Results,
    ResultsError,
    load_results,
)

if TYPE_CHECKING:
    pass

__all__ = ["DEFAULT_MAX_TRIAL", "VerifyError", "VerifyOptions", "fresh_seeds", "verify"]


@dataclass(frozen=True)
class VerifyOptions:
    """Command-line choices; None means "take the spec's"."""

    results_path: Path
    method: str | None = None
    seed: int = 0
    baseline_seeds: int | None = None
    verdict_seeds: int = 5
    max_trial: int | None = None
    max_time: float | None = None
    max_gain: float | None = None
    delta: float | None = None
    required_accuracy: float | None = None
    batch: int | None = None  # points per ask; default: 8 stacked, 1 with Keras fit (x slots)
    resume: bool = False
    fidelity: str | None = None  # "full" or "halving"; None: the spec's search.fidelity


def _tighter(a: float | None, b: float | None) -> float | None:
    values = [v for v in (a, b) if v is not None]
    return min(values) if values else None


def spec_text(spec: Spec) -> str:
    """The spec in ADNN syntax when the syntax module is installed, else canonical JSON."""
    try:
        from adnn_lint.spec.syntax import dumps
    except ImportError:
        return json.dumps(asdict(spec), sort_keys=True, default=str, indent=1)
    return str(dumps(spec))


def _default_batch(method: str, trainer: str, max_trial: float, slots: int = 1) -> int:
    """Points per ask. One Keras fit() per run gains nothing from batches: ask one at a time.

    Stacked: random search does not adapt, so it takes full stacks; asa and paper adapt after
    every block, so blocks of ceil(max_trial / 10) keep ten sequential rounds (docs/search.md).
    An executor that trains ``slots`` runs at once (a cluster) is asked at least that many.
    """
    if trainer != "stacked":
        return max(1, slots)
    if method == "random":
        return max(RANDOM_STACK, slots)
    return max(1, math.ceil(max_trial / 10), slots)


def make_config(
    spec: Spec,
    options: VerifyOptions,
    trainer: str,
    slots: int = 1,
    space: Space | None = None,
) -> Config:
    contract = spec.contract
    max_trial = _tighter(contract.max_trial, options.max_trial)
    max_time = _tighter(contract.max_time, options.max_time)
    if max_trial is None:
        max_trial = DEFAULT_MAX_TRIAL
    required = (
        options.required_accuracy if options.required_accuracy is not None else contract.accuracy
    )
    delta = options.delta
    if delta is None:
        delta = contract.delta if contract.delta is not None else spec.search.delta
    method = options.method or spec.search.method
    batch = (
        options.batch
        if options.batch is not None
        else _default_batch(method, trainer, max_trial, slots)
    )
    fidelity = options.fidelity or spec.search.fidelity
    if fidelity not in ("full", "halving"):
        raise VerifyError(f"--fidelity {fidelity!r}: expected full or halving")
    if fidelity == "halving" and method == "paper":
        raise VerifyError(
            "--fidelity halving: paper mode is Algorithm 1's walk, one full trial a step"
        )
    baseline_seeds = options.baseline_seeds or spec.search.seeds
    if baseline_seeds < 1 or options.verdict_seeds < 1:
        raise VerifyError("--seeds and --verdict-seeds must be >= 1")
    return Config(
        spec_digest=hashlib.sha256(spec_text(spec).encode()).hexdigest(),
        model=spec.model.name,
        method=method,
        seed=options.seed,
        baseline_seeds=baseline_seeds,
        verdict_seeds=options.verdict_seeds,
        max_trial=int(max_trial),
        max_time=max_time,
        max_gain=_tighter(contract.max_gain, options.max_gain),
        delta=delta,
        required_accuracy=required,
        confidence=contract.confidence,
        epochs=spec.train.epochs,
        batch_size=spec.train.batch_size,
        learning_rate=spec.train.learning_rate,
        optimizer=spec.train.optimizer,
        optimizer_options=dict(spec.train.optimizer_options),
        families=tuple(spec.search.families),
        space=space.kind if space is not None else "absolute",
        kernel_references=space.references() if space is not None else {},
        fidelity=fidelity,
        batch=max(1, batch),
        trainer=trainer,
    )


def environment(
    trainer: str, determinism: bool, executor: str = "local", threads: int = 0
) -> Environment:
    import keras
    import numpy as np
    import tensorflow as tf

    import adnn_lint

    devices = [f"CPU:{i}" for i, _ in enumerate(tf.config.list_physical_devices("CPU"))]
    for i, gpu in enumerate(tf.config.list_physical_devices("GPU")):
        name = tf.config.experimental.get_device_details(gpu).get("device_name", "")
        devices.append(f"GPU:{i} {name}".strip())
    return Environment(
        python=platform.python_version(),
        platform=platform.platform(),
        machine=platform.machine(),
        processor=platform.processor(),
        cpu_count=os.cpu_count(),
        numpy=np.__version__,
        tensorflow=tf.__version__,
        keras=keras.__version__,
        adnn_lint=getattr(adnn_lint, "__version__", None),
        devices=tuple(devices),
        op_determinism=determinism,
        trainer=trainer,
        executor=executor,
        threads=threads,
    )


def enable_determinism(seed: int) -> bool:
    """Same seed, same machine -> same numbers (TensorFlow picks deterministic kernels)."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return True


def _differences(a: Config, b: Config) -> list[str]:
    return [k for k in Config.__dataclass_fields__ if getattr(a, k) != getattr(b, k)]


def _start(
    config: Config,
    env: Environment,
    data: Dataset,
    spec: Spec,
    options: VerifyOptions,
    spec_point: dict[str, float] | None = None,
) -> Results:
    path = options.results_path
    if options.resume and path.exists():
        try:
            old = load_results(path)
        except ResultsError as exc:
            raise VerifyError(f"--resume: {exc}") from exc
        if options.batch is None:
            # The batch follows the executor's slots; a resume keeps the one its trials were
            # asked with (replay depends on it), so it may continue on another executor.
            config = replace(config, batch=old.config.batch)
        changed = _differences(old.config, config)
        if changed:
            raise VerifyError(
                f"--resume: {path} was written with different settings ({', '.join(changed)}); "
                "use the same spec and options, or another --results path"
            )
        if old.status == "complete" and old.verdict is not None:
            return old
        return replace(old, status="running", environment=env)
    if path.exists() and not options.resume:
        raise VerifyError(f"{path} exists: pass --resume to continue it, or choose --results")
    info = DataInfo(
        source=data.source,
        train=len(data.x_train),
        validation=len(data.x_val),
        test=len(data.x_test),
        input_shape=data.input_shape,
        classes=data.classes,
        validation_split=data.validation_split,
        sha256=data.sha256,
    )
    now = now_utc()
    return Results(
        config=config,
        environment=env,
        data=info,
        spec_point=spec_point,
        created=now,
        updated=now,
        spec_text=spec_text(spec),
    )


def verify(
    spec: Spec,
    data: Dataset,
    options: VerifyOptions,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Results:
    """Run (or resume) a verification and return the final results (also saved to the file)."""
    determinism = enable_determinism(options.seed)
    runner: Executor = executor if executor is not None else InProcessExecutor(spec, data)
    shown = progress if progress is not None else Progress(quiet=True)
    shapes = getattr(runner, "shapes", None)
    try:
        space = space_for(spec, options.method or spec.search.method, shapes)
    except ValueError as exc:
        raise VerifyError(str(exc)) from exc
    config = make_config(spec, options, runner.trainer, getattr(runner, "slots", 1), space)
    env = environment(
        runner.trainer,
        determinism,
        getattr(runner, "name", "local"),
        getattr(runner, "threads", None) or limit_threads(None),
    )
    point = None if shapes is None else build.spec_point(spec, shapes, options.seed)
    point = None if point is None else space.from_scales(point)
    started = _start(config, env, data, spec, options, point)
    if started.status == "complete":
        return started  # --resume of a finished verification: nothing left to do
    alone = _default_batch(config.method, config.trainer, config.max_trial or DEFAULT_MAX_TRIAL)
    if options.batch is None and started.config.batch > alone:
        shown.message(
            f"search batch {started.config.batch}: the executor trains that many runs at once "
            f"(--batch {alone} searches as the local executor does; docs/cluster.md)"
        )
    session = Session(started, options.results_path)
    session.save(session.results)
    try:
        run_baseline(session, runner, shown)
        run_search(session, space, runner, shown)
        run_confirmation(session, space, runner, shown)
        run_verdict(session, spec, space, runner, shown)
    except KeyboardInterrupt:
        session.save(replace(session.results, status="interrupted"))
        raise
    finally:
        shown.close()
    return session.results
