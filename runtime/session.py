"""A verification's session: its results file, saved after every change, its seed streams and
the bookkeeping every phase shares (run records, failed runs, the search clock)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from adnn_lint.runtime import build
from adnn_lint.runtime.executors.local import (
    Executor,
    Job,
    Outcome,
)
from adnn_lint.runtime.progress import Progress
from adnn_lint.spec.results import (
    Config,
    FailedRun,
    Results,
    RunRecord,
    save_results,
)

if TYPE_CHECKING:
    pass

DEFAULT_MAX_TRIAL = 50  # the paper's 50 iterations, when neither spec nor command line bounds it
RANDOM_STACK = 8  # random-search points trained together on the stacked trainer

# Seed streams: derive_seed(root, STREAM, index).
BASELINE_INIT, BASELINE_ORDER = 1, 2
SEARCH_INIT, SEARCH_ORDER, SEARCHER = 3, 4, 5
VERDICT_INIT, VERDICT_ORDER = 6, 7


class VerifyError(ValueError):
    """A verification that cannot start or resume; the message says what to change."""


def now_utc() -> str:
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


class Session:
    """The evolving results document and its file (saved after every change)."""

    def __init__(self, results: Results, path: Path) -> None:
        self.results = results
        self.path = path

    def save(self, results: Results) -> None:
        self.results = replace(results, updated=now_utc())
        save_results(self.results, self.path)


def seed_plan(config: Config) -> dict[str, list[int]]:
    used: set[int] = set()
    n_base, n_verdict = config.baseline_seeds, config.verdict_seeds
    return {
        "baseline_init": fresh_seeds(config.seed, BASELINE_INIT, n_base, used),
        "search_init": fresh_seeds(config.seed, SEARCH_INIT, 1, used),
        "verdict_init": fresh_seeds(config.seed, VERDICT_INIT, n_verdict, used),
        "baseline_order": fresh_seeds(config.seed, BASELINE_ORDER, n_base, used),
        "search_order": fresh_seeds(config.seed, SEARCH_ORDER, 1, used),
        "verdict_order": fresh_seeds(config.seed, VERDICT_ORDER, n_verdict, used),
    }


def run_record(job: Job, outcome: Outcome) -> RunRecord:
    return RunRecord(
        seed=job.seed,
        order_seed=job.order_seed,
        accuracy=outcome.accuracy,
        loss=outcome.loss,
        split=job.split,
        seconds=outcome.seconds,
    )


def failed_run(job: Job, outcome: Outcome) -> FailedRun:
    return FailedRun(
        key=job.key,
        seed=job.seed,
        order_seed=job.order_seed,
        split=job.split,
        point=None if job.point is None else dict(job.point),
        error=outcome.error or "",
    )


def record_failure(session: Session, job: Job, outcome: Outcome, progress: Progress) -> None:
    session.save(session.results.with_failure(failed_run(job, outcome), job.key))
    progress.message(f"{job.key} failed: {outcome.error}")


def finished(
    session: Session, runner: Executor, jobs: Sequence[Job], progress: Progress, settled: int
) -> Iterator[tuple[Job, Outcome, int]]:
    """Train ``jobs``; record each failed run (and advance the progress past it), and yield
    each finished one with the count of runs settled so far (``settled`` were before)."""
    by_key = {job.key: job for job in jobs}
    for outcome in runner.run(jobs):
        job = by_key[outcome.key]
        settled += 1
        if outcome.error is not None:
            record_failure(session, job, outcome, progress)
            progress.advance(settled)
            continue
        yield job, outcome, settled


def search_clock(spent: float, start: float) -> float:
    """Search seconds so far: ``spent`` before this session plus the time since ``start``."""
    return spent + time.perf_counter() - start
