"""The phases of a verification, in order: baseline, search (plain or halving), confirmation of
the best trial, verdict. Each reads and extends the session's results and saves after every run,
so an interrupted verification resumes where it stopped."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from adnn_lint.runtime import build
from adnn_lint.runtime.executors.local import (
    EvalSplit,
    Executor,
    Job,
    Outcome,
)
from adnn_lint.runtime.progress import Progress
from adnn_lint.runtime.search.halving import Stopped, plan, run_halving
from adnn_lint.runtime.search.space import Point, Space
from adnn_lint.runtime.session import (
    DEFAULT_MAX_TRIAL,
    SEARCHER,
    Session,
    VerifyError,
    finished,
    record_failure,
    run_record,
    search_clock,
    seed_plan,
)
from adnn_lint.runtime.stats import paired_difference, summarize
from adnn_lint.runtime.verdict import judge
from adnn_lint.spec.model import Spec
from adnn_lint.spec.results import (
    Config,
    Results,
    RunRecord,
    StopReason,
    Trial,
    Verdict,
)

if TYPE_CHECKING:
    from adnn_lint.runtime.search.base import Decision, Searcher


def run_baseline(session: Session, runner: Executor, progress: Progress) -> None:
    results = session.results
    config = results.config
    seeds = seed_plan(config)
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
    for job, outcome, settled in finished(session, runner, todo, progress, len(jobs) - len(todo)):
        runs = (*session.results.baseline_runs, run_record(job, outcome))
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


def run_search(session: Session, space: Space, runner: Executor, progress: Progress) -> None:
    from adnn_lint.runtime.search.base import ReplayMismatch, make_searcher, replay

    results = session.results
    config = results.config
    seeds = seed_plan(config)
    init_seed, order_seed = seeds["search_init"][0], seeds["search_order"][0]
    max_trial = config.max_trial or DEFAULT_MAX_TRIAL
    halving = config.fidelity == "halving"
    searcher = make_searcher(
        config.method,
        space,
        seed=build.derive_seed(config.seed, SEARCHER, 0),
        # halving: the searcher proposes every point the brackets screen (docs/search.md)
        max_trial=sum(plan(max_trial)) if halving else config.max_trial,
        delta=config.delta,
    )
    if halving:
        search_halving(session, space, searcher, runner, progress, (init_seed, order_seed))
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
        clock = partial(search_clock, spent, start)
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


def search_halving(
    session: Session,
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
            clock = partial(search_clock, spent, start)
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


def _log_trials(
    session: Session,
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


def run_confirmation(session: Session, space: Space, runner: Executor, progress: Progress) -> None:
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
    for job, outcome, settled in finished(session, runner, jobs, progress, len(runs) - len(jobs)):
        confirmation = (*session.results.confirmation_runs, run_record(job, outcome))
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


def run_verdict(
    session: Session, spec: Spec, space: Space, runner: Executor, progress: Progress
) -> None:
    results = session.results
    seeds = seed_plan(results.config)
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
            record_failure(session, by_key[outcome.key], outcome, progress)
        else:
            session.save(session.results.with_failure(None, outcome.key))
        progress.advance(len(outcomes))
    verdict, said = _verdict_of(session, (by_key, outcomes), pairs, (chosen, point))
    verdict = replace(verdict, seconds=time.perf_counter() - start)
    session.save(replace(session.results, verdict=verdict, status="complete"))
    progress.message(f"verdict: {verdict.status}: {said}")


def _verdict_of(
    session: Session,
    runs: tuple[dict[str, Job], dict[str, Outcome]],
    pairs: list[tuple[int, int]],
    choice: tuple[str, Point | None],
) -> tuple[Verdict, str]:
    """The verdict over the seed pairs whose runs all finished (the gain is a paired
    difference, so a pair counts only when both of its runs did), and the judgement's reason
    as the progress line says it."""
    by_key, outcomes = runs
    chosen, point = choice
    config = session.results.config
    sides = ("baseline",) if point is None else ("baseline", "candidate")
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

    def records(side: str) -> tuple[RunRecord, ...]:
        keys = [f"verdict/{side}/{j}" for j in kept]
        return tuple(run_record(by_key[key], outcomes[key]) for key in keys)

    base_runs = records("baseline")
    cand_runs = base_runs if point is None else records("candidate")
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
        stop_reason=session.results.stop_reason,
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
        seconds=0.0,  # the caller times the phase
        pairs_planned=len(pairs),
    )
    return verdict, judgement.reason
