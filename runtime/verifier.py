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

import datetime as dt
import hashlib
import json
import math
import os
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from adnn_lint.runtime import build
from adnn_lint.runtime.data import Dataset
from adnn_lint.runtime.executors.local import (
    EvalSplit,
    Executor,
    InProcessExecutor,
    Job,
    Outcome,
    limit_threads,
)
from adnn_lint.runtime.progress import Progress
from adnn_lint.runtime.search.halving import Stopped, plan, run_halving
from adnn_lint.runtime.search.space import Point, Space, space_for
from adnn_lint.runtime.stats import paired_difference, summarize
from adnn_lint.runtime.verdict import judge

from adnn_lint.spec.model import Spec
from adnn_lint.spec.results import (
    Config,
    DataInfo,
    Environment,
    FailedRun,
    Results,
    ResultsError,
    RunRecord,
    StopReason,
    Trial,
    Verdict,
    load_results,
    save_results,
)

if TYPE_CHECKING:
    from adnn_lint.runtime.search.base import Decision, Searcher

DEFAULT_MAX_TRIAL = 50  # the paper's 50 iterations, when neither spec nor command line bounds it
RANDOM_STACK = 8  # random-search points trained together on the stacked trainer

# Seed streams: derive_seed(root, STREAM, index).
_BASELINE_INIT, _BASELINE_ORDER = 1, 2
_SEARCH_INIT, _SEARCH_ORDER, _SEARCHER = 3, 4, 5
_VERDICT_INIT, _VERDICT_ORDER = 6, 7


class VerifyError(ValueError):
    """A verification that cannot start or resume; the message says what to change."""


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


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def fresh_seeds(root: int, stream: int, count: int, used: set[int]) -> list[int]:
    """``count`` seeds of ``stream`` that are not in ``used`` (and adds them to it)."""
    seeds: list[int] = []
    index = 0
    while len(seeds) < count:
        seed = build.derive_seed(root, stream, index)
        index += 1
        if seed not in used:
            used.add(seed)
            seeds.append(seed)
    return seeds


class _Session:
    """The evolving results document and its file (saved after every change)."""

    def __init__(self, results: Results, path: Path) -> None:
        self.results = results
        self.path = path

    def save(self, results: Results) -> None:
        self.results = replace(results, updated=_now())
        save_results(self.results, self.path)


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
    now = _now()
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
    session = _Session(started, options.results_path)
    session.save(session.results)
    try:
        _baseline(session, runner, shown)
        _search(session, space, runner, shown)
        _confirm(session, space, runner, shown)
        _verdict(session, spec, space, runner, shown)
    except KeyboardInterrupt:
        session.save(replace(session.results, status="interrupted"))
        raise
    finally:
        shown.close()
    return session.results


# --------------------------------------------------------------------------- phases


def _seed_plan(config: Config) -> dict[str, list[int]]:
    used: set[int] = set()
    n_base, n_verdict = config.baseline_seeds, config.verdict_seeds
    return {
        "baseline_init": fresh_seeds(config.seed, _BASELINE_INIT, n_base, used),
        "search_init": fresh_seeds(config.seed, _SEARCH_INIT, 1, used),
        "verdict_init": fresh_seeds(config.seed, _VERDICT_INIT, n_verdict, used),
        "baseline_order": fresh_seeds(config.seed, _BASELINE_ORDER, n_base, used),
        "search_order": fresh_seeds(config.seed, _SEARCH_ORDER, 1, used),
        "verdict_order": fresh_seeds(config.seed, _VERDICT_ORDER, n_verdict, used),
    }


def _run_record(job: Job, outcome: Outcome) -> RunRecord:
    return RunRecord(
        seed=job.seed,
        order_seed=job.order_seed,
        accuracy=outcome.accuracy,
        loss=outcome.loss,
        split=job.split,
        seconds=outcome.seconds,
    )


def _failure(job: Job, outcome: Outcome) -> FailedRun:
    return FailedRun(
        key=job.key,
        seed=job.seed,
        order_seed=job.order_seed,
        split=job.split,
        point=None if job.point is None else dict(job.point),
        error=outcome.error or "",
    )


def _record_failure(session: _Session, job: Job, outcome: Outcome, progress: Progress) -> None:
    session.save(session.results.with_failure(_failure(job, outcome), job.key))
    progress.message(f"{job.key} failed: {outcome.error}")


def _finished(
    session: _Session, runner: Executor, jobs: Sequence[Job], progress: Progress, settled: int
) -> Iterator[tuple[Job, Outcome, int]]:
    """Train ``jobs``; record each failed run (and advance the progress past it), and yield
    each finished one with the count of runs settled so far (``settled`` were before)."""
    by_key = {job.key: job for job in jobs}
    for outcome in runner.run(jobs):
        job = by_key[outcome.key]
        settled += 1
        if outcome.error is not None:
            _record_failure(session, job, outcome, progress)
            progress.advance(settled)
            continue
        yield job, outcome, settled


def _baseline(session: _Session, runner: Executor, progress: Progress) -> None:
    results = session.results
    config = results.config
    seeds = _seed_plan(config)
    jobs = [
        Job(
            f"baseline/{j}",
            None,
            seeds["baseline_init"][j],
            seeds["baseline_order"][j],
            "validation",
        )
        for j in range(config.baseline_seeds)
    ]
    done = {(r.seed, r.order_seed) for r in results.baseline_runs}
    todo = [job for job in jobs if (job.seed, job.order_seed) not in done]
    progress.phase("baseline", len(jobs))
    progress.advance(len(jobs) - len(todo))
    for job, outcome, settled in _finished(session, runner, todo, progress, len(jobs) - len(todo)):
        runs = (*session.results.baseline_runs, _run_record(job, outcome))
        session.save(replace(session.results.with_failure(None, job.key), baseline_runs=runs))
        progress.advance(settled, f"accuracy {100 * outcome.accuracy:.2f}%")
    runs = session.results.baseline_runs
    if not runs:
        raise VerifyError(
            f"every baseline run failed (see failed_runs in {session.path}); "
            "fix the cause and rerun with --resume"
        )
    summary = summarize([r.accuracy for r in runs], config.confidence)
    session.save(replace(session.results, baseline=summary))
    progress.message(
        f"baseline: {100 * summary.mean:.2f}% ± {100 * summary.std:.2f} over {summary.n} seeds "
        f"(min {100 * summary.min:.2f}%, max {100 * summary.max:.2f}%)"
    )


def _search(session: _Session, space: Space, runner: Executor, progress: Progress) -> None:
    from adnn_lint.runtime.search.base import ReplayMismatch, make_searcher, replay

    results = session.results
    config = results.config
    seeds = _seed_plan(config)
    init_seed, order_seed = seeds["search_init"][0], seeds["search_order"][0]
    max_trial = config.max_trial or DEFAULT_MAX_TRIAL
    halving = config.fidelity == "halving"
    searcher = make_searcher(
        config.method,
        space,
        seed=build.derive_seed(config.seed, _SEARCHER, 0),
        # halving: the searcher proposes every point the brackets screen (docs/search.md)
        max_trial=sum(plan(max_trial)) if halving else config.max_trial,
        delta=config.delta,
    )
    if halving:
        _search_halving(session, space, searcher, runner, progress, (init_seed, order_seed))
        return
    logged = results.trials
    # Trials whose decision was never told (interrupted mid-batch) are replayed as costs only.
    try:
        state = replay(searcher, [(dict(t.point), t.cost) for t in logged], config.batch)
    except ReplayMismatch as exc:
        raise VerifyError(f"--resume: {session.path}: {exc}") from exc
    progress.phase(config.method, max_trial)
    progress.advance(len(logged), _best_note(session.results))
    start = time.perf_counter()
    spent = results.search_seconds
    pending: Sequence[dict[str, float]] = list(state.pending)
    known = list(state.known_costs)
    stop: StopReason | None = None
    pending = list(pending)
    while True:
        count = len(session.results.trials)
        stop = _stop_reason(session.results, config, spent + time.perf_counter() - start)
        if stop is not None:
            break
        if not pending:
            if searcher.finished:
                stop = "searcher_finished"
                break
            # Ask the same batch size every time (replay depends on it); run what the budget allows.
            pending = searcher.ask(config.batch)
            known = []
            if not pending:
                stop = "searcher_finished"
                break
        first = count - len(known)  # trial index of pending[0]
        pending = list(pending)[: max(0, max_trial - first)]
        jobs = [
            Job(f"trial/{first + j}", space.scales(point), init_seed, order_seed, "validation")
            for j, point in enumerate(pending)
            if j >= len(known)
        ]
        clock = partial(_clock, spent, start)
        trial_seeds = (init_seed, order_seed)
        _log_trials(session, runner, progress, jobs, (first, pending), trial_seeds, clock)
        told = session.results.trials[first : first + len(pending)]
        decisions = searcher.tell(list(pending), [t.cost for t in told])
        updated = list(session.results.trials)
        for trial, decision in zip(told, decisions, strict=False):
            updated[trial.index] = replace(
                trial,
                accepted=decision.accepted,
                temperature=decision.temperature,
                probability=decision.probability,
                counted=decision.counted,
                note=decision.note,
            )
        session.save(replace(session.results, trials=tuple(updated)))
        pending, known = [], []
    elapsed = spent + time.perf_counter() - start
    session.save(replace(session.results, stop_reason=stop, search_seconds=elapsed))
    progress.message(f"search stopped: {stop}, {len(session.results.trials)} trials")


def _search_halving(
    session: _Session,
    space: Space,
    searcher: Searcher,
    runner: Executor,
    progress: Progress,
    seeds: tuple[int, int],
) -> None:
    """Successive halving (``adnn_lint.runtime.search.halving``). A resumed run replays the log: the
    brackets are asked again and each evaluation takes the logged trial while there is one (the
    same point and fraction, else the resume is refused), so only the missing runs train."""
    config = session.results.config
    logged = session.results.trials
    max_trial = config.max_trial or DEFAULT_MAX_TRIAL
    start = time.perf_counter()
    spent = session.results.search_seconds
    cursor = 0  # index of the next trial, logged or new
    progress.phase(f"{config.method} (halving)", max_trial)

    def evaluate(points: list[Point], fraction: float) -> list[tuple[float, int]]:
        nonlocal cursor
        first = cursor
        cursor += len(points)
        for j, point in enumerate(points[: max(0, len(logged) - first)]):
            old = logged[first + j]
            if not space.same_point(old.point, point) or old.fraction != fraction:
                raise VerifyError(
                    f"--resume: {session.path}: trial {first + j} is {dict(old.point)} at "
                    f"{old.fraction:g} of the budget, but the search now asks {point} at "
                    f"{fraction:g} (different seed, method or space?)"
                )
        new = list(range(max(first, len(logged)), first + len(points)))
        if new:
            stop = _stop_reason(session.results, config, spent + time.perf_counter() - start)
            if stop is not None:
                raise Stopped(stop)
            jobs = [
                Job(f"trial/{i}", space.scales(points[i - first]), *seeds, "validation", fraction)
                for i in new
            ]
            clock = partial(_clock, spent, start)
            _log_trials(session, runner, progress, jobs, (first, points), seeds, clock, fraction)
        trials = session.results.trials[first : first + len(points)]
        # A failed run reads as NaN: halving ranks it last and tells the searcher the worst cost.
        return [(math.nan if t.val_accuracy is None else t.val_accuracy, t.index) for t in trials]

    def record(indices: list[int], decisions: list[Decision]) -> None:
        updated = list(session.results.trials)
        for index, decision in zip(indices, decisions, strict=True):
            updated[index] = replace(
                updated[index],
                accepted=decision.accepted,
                temperature=decision.temperature,
                probability=decision.probability,
                counted=decision.counted,
                note=(updated[index].note + " " + decision.note).strip(),
            )
        session.save(replace(session.results, trials=tuple(updated)))

    stop = run_halving(searcher, evaluate, record, budget=max_trial)
    elapsed = spent + time.perf_counter() - start
    session.save(replace(session.results, stop_reason=stop, search_seconds=elapsed))
    progress.message(f"search stopped: {stop}, {len(session.results.trials)} trials (halving)")


def _clock(spent: float, start: float) -> float:
    """Search seconds so far: ``spent`` before this session plus the time since ``start``."""
    return spent + time.perf_counter() - start


def _log_trials(
    session: _Session,
    runner: Executor,
    progress: Progress,
    jobs: Sequence[Job],
    asked: tuple[int, Sequence[Point]],
    seeds: tuple[int, int],
    clock: Callable[[], float],
    fraction: float = 1.0,
) -> None:
    """Train ``jobs`` (keys ``trial/<index>``; ``asked`` = the index of the first point and the
    points) and log each as a :class:`Trial`, saved as it finishes. Trials are appended in index
    order, so the log stays a replayable prefix; a failed run is logged with its error."""
    assert session.results.baseline is not None
    baseline_mean = session.results.baseline.mean
    first, points = asked
    full = fraction >= 1.0
    finished: dict[str, Outcome] = {}
    for outcome in runner.run(jobs):
        finished[outcome.key] = outcome
        while f"trial/{len(session.results.trials)}" in finished:
            index = len(session.results.trials)
            hit = finished[f"trial/{index}"]
            elapsed = clock()
            ok = hit.error is None
            trial = Trial(
                index=index,
                point=dict(points[index - first]),
                seed=seeds[0],
                order_seed=seeds[1],
                val_accuracy=hit.accuracy if ok else None,
                val_loss=hit.loss if ok else None,
                seconds=hit.seconds,
                elapsed=elapsed,
                gain=hit.accuracy - baseline_mean if ok and full else None,
                note="" if full else f"screened on {fraction:.3g} of the budget",
                error=hit.error,
                fraction=fraction,
            )
            if not ok:
                progress.message(f"trial/{index} failed: {hit.error}")
            session.save(replace(session.results.with_trial(trial), search_seconds=elapsed))
            # a screening run (halving) counts its fraction of a full training
            used = sum(t.fraction for t in session.results.trials)
            progress.advance(int(used + 1e-9), _best_note(session.results))


def _best_note(results: Results) -> str:
    if results.best_trial is None:
        return ""
    best = results.trials[results.best_trial]
    return f"best {100 * -best.cost:.2f}% (trial {best.index})"  # the best never failed


def _stop_reason(results: Results, config: Config, elapsed: float) -> StopReason | None:
    # a screening run (halving) counts its fraction of a full training
    spent = sum(t.fraction for t in results.trials)
    if spent >= (config.max_trial or DEFAULT_MAX_TRIAL) - 1e-9:
        return "max_trial"
    if config.max_time is not None and elapsed >= config.max_time:
        return "max_time"
    if config.max_gain is not None and results.best_trial is not None:
        best = results.trials[results.best_trial]
        if best.gain is not None and best.gain >= config.max_gain:
            return "max_gain"
    return None


def _confirm(session: _Session, space: Space, runner: Executor, progress: Progress) -> None:
    """Retrain the best trial on the baseline seeds (validation) and pair it with the baseline.

    One trial's validation accuracy is one draw; the highest of many draws is biased upward.
    Running the winner again on the baseline's own seeds gives a paired, like-for-like gain on
    validation, so the verdict takes a search result only when it holds up (the test split is
    still untouched).
    """
    results = session.results
    best = results.best_trial
    if best is None or not results.baseline_runs:
        return
    point = space.scales(results.trials[best].point)  # what the builder takes
    runs = results.baseline_runs
    done = {(r.seed, r.order_seed) for r in results.confirmation_runs}
    jobs = [
        Job(f"confirm/{j}", point, r.seed, r.order_seed, "validation")
        for j, r in enumerate(runs)
        if (r.seed, r.order_seed) not in done
    ]
    progress.phase("confirm", len(runs))
    progress.advance(len(runs) - len(jobs))
    for job, outcome, settled in _finished(session, runner, jobs, progress, len(runs) - len(jobs)):
        confirmation = (*session.results.confirmation_runs, _run_record(job, outcome))
        session.save(
            replace(session.results.with_failure(None, job.key), confirmation_runs=confirmation)
        )
        progress.advance(settled, f"accuracy {100 * outcome.accuracy:.2f}%")
    by_seeds = {(r.seed, r.order_seed): r for r in session.results.confirmation_runs}
    both = [r for r in runs if (r.seed, r.order_seed) in by_seeds]
    if not both:
        return  # every confirmation run failed: no confirmed gain, the baseline is chosen
    paired = [by_seeds[(r.seed, r.order_seed)].accuracy for r in both]
    gain = paired_difference(paired, [r.accuracy for r in both], results.config.confidence)
    session.save(replace(session.results, confirmation_gain=gain))
    progress.message(
        f"confirm: trial {best} vs baseline on the baseline seeds: gain {100 * gain.mean:+.2f}% "
        f"[{100 * gain.ci_low:+.2f}%, {100 * gain.ci_high:+.2f}%]"
    )


def _verdict(
    session: _Session, spec: Spec, space: Space, runner: Executor, progress: Progress
) -> None:
    results = session.results
    config = results.config
    seeds = _seed_plan(config)
    split: EvalSplit = "validation" if spec.contract.split == "validation" else "test"
    best = results.best_trial
    confirmed = results.confirmation_gain
    if best is not None and (confirmed is None or confirmed.mean <= 0.0):
        best = None  # the best trial did not beat the spec's initializers on their own seeds
    point: Point | None = None if best is None else dict(results.trials[best].point)
    scales = None if point is None else space.scales(point)  # what the builder takes
    chosen = "baseline" if best is None else f"trial {best}"
    pairs = list(zip(seeds["verdict_init"], seeds["verdict_order"], strict=True))
    jobs = [Job(f"verdict/baseline/{j}", None, s, o, split) for j, (s, o) in enumerate(pairs)]
    if scales is not None:
        jobs += [
            Job(f"verdict/candidate/{j}", scales, s, o, split) for j, (s, o) in enumerate(pairs)
        ]
    start = time.perf_counter()
    progress.phase("verdict", len(jobs))
    outcomes: dict[str, Outcome] = {}
    by_key = {job.key: job for job in jobs}
    for outcome in runner.run(jobs):
        outcomes[outcome.key] = outcome
        if outcome.error is not None:
            _record_failure(session, by_key[outcome.key], outcome, progress)
        else:
            session.save(session.results.with_failure(None, outcome.key))
        progress.advance(len(outcomes))
    sides = ("baseline",) if point is None else ("baseline", "candidate")
    # A pair counts only when both of its runs finished: the gain is a paired difference.
    kept = [
        j
        for j in range(len(pairs))
        if all(outcomes[f"verdict/{side}/{j}"].error is None for side in sides)
    ]
    if not kept:
        raise VerifyError(
            f"every verdict seed pair had a failed run (see failed_runs in {session.path}); "
            "fix the cause and rerun with --resume"
        )
    base_runs = tuple(
        _run_record(by_key[f"verdict/baseline/{j}"], outcomes[f"verdict/baseline/{j}"])
        for j in kept
    )
    cand_runs = (
        base_runs
        if point is None
        else tuple(
            _run_record(by_key[f"verdict/candidate/{j}"], outcomes[f"verdict/candidate/{j}"])
            for j in kept
        )
    )
    base_summary = summarize([r.accuracy for r in base_runs], config.confidence)
    cand_summary = summarize([r.accuracy for r in cand_runs], config.confidence)
    gain = paired_difference(
        [r.accuracy for r in cand_runs], [r.accuracy for r in base_runs], config.confidence
    )
    judgement = judge(
        cand_summary,
        gain,
        config.required_accuracy,
        chosen=chosen,
        stop_reason=results.stop_reason,
    )
    reason = judgement.reason
    if len(kept) < len(pairs):
        failed = sum(1 for o in outcomes.values() if o.error is not None)
        reason += (
            f" Rests on {len(kept)} of {len(pairs)} seed pairs: {failed} verdict runs failed "
            "(failed_runs)."
        )
    verdict = Verdict(
        status=judgement.status,
        exit_code=judgement.exit_code,
        reason=reason,
        chosen=chosen,
        chosen_point=point,
        seeds=tuple(pairs[j][0] for j in kept),
        baseline_runs=base_runs,
        candidate_runs=cand_runs,
        baseline=base_summary,
        candidate=cand_summary,
        gain=gain,
        required_accuracy=config.required_accuracy,
        seconds=time.perf_counter() - start,
        pairs_planned=len(pairs),
    )
    session.save(replace(session.results, verdict=verdict, status="complete"))
    progress.message(f"verdict: {judgement.status}: {judgement.reason}")
