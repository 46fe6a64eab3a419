"""Successive halving over the training budget: screen many candidates briefly, finish few.

A bracket of n points from the searcher trains all n on 1/9 of the training budget (the first
ninth of the training examples, so a ninth of every epoch's steps), the best third of those on
1/3, and the best third of those on the full budget (Jamieson & Talwalkar, "Non-stochastic best
arm identification and hyperparameter optimization", AISTATS 2016, with eta = 3). A bracket of 9
costs 9/9 + 3/3 + 1 = 3 full trainings and ends with one full one; ``max_trial`` counts full
trainings, so a screening run at fraction f counts f of a trial.

The searcher is told every point of the bracket, each with its cost at the highest budget it
reached: a point screened out early reads as worse than the promoted ones (accuracy grows with
training), which is what the screening concluded. Only full-budget trials can be chosen
(``Results.with_trial``), and the verdict retrains the chosen point in full on fresh seeds, so
the protocol (choose on validation, judge on the test split) does not change.

Pure Python: the caller trains (``evaluate``) and records; nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from adnn_lint.runtime.search.base import Decision, Searcher
from adnn_lint.runtime.search.space import Point
from adnn_lint.spec.results import StopReason

ETA = 3  # keep the best 1/ETA of each rung
RUNGS = 3  # budgets 1/9, 1/3, 1
BRACKET = ETA ** (RUNGS - 1)  # points per bracket: one full training at the end


def rungs(n: int) -> list[tuple[int, float]]:
    """(points, budget fraction) per rung of a bracket of ``n`` points: 9 -> 9@1/9, 3@1/3, 1@1."""
    if n < 1:
        raise ValueError(f"a bracket needs at least one point, got {n}")
    sizes = [n]
    while sizes[-1] > 1 and len(sizes) < RUNGS:
        sizes.append(math.ceil(sizes[-1] / ETA))
    top = len(sizes) - 1
    return [(size, float(ETA ** -(top - r))) for r, size in enumerate(sizes)]


def bracket_cost(n: int) -> float:
    """Full trainings a bracket of ``n`` points costs."""
    return sum(size * fraction for size, fraction in rungs(n))


def plan(max_trial: int) -> list[int]:
    """Bracket sizes that fit ``max_trial`` full trainings: brackets of 9 while 3 are left, then
    of 3 (cost 2), then of 1 (a plain full trial)."""
    left = float(max_trial)
    sizes: list[int] = []
    for n in (BRACKET, ETA, 1):
        cost = bracket_cost(n)
        while left >= cost - 1e-9:
            sizes.append(n)
            left -= cost
    return sizes


def promote(accuracies: Sequence[float], keep: int) -> list[int]:
    """Positions of the ``keep`` best accuracies, best first (earlier first on ties; a diverged
    run, NaN, is the worst)."""
    ranked = sorted(
        range(len(accuracies)),
        key=lambda j: (-accuracies[j] if math.isfinite(accuracies[j]) else math.inf, j),
    )
    return ranked[:keep]


class Stopped(Exception):
    """The caller's budget ended the search inside a bracket; ``reason`` says which."""

    def __init__(self, reason: StopReason) -> None:
        super().__init__(reason)
        self.reason = reason


def _cost(accuracy: float) -> float:
    return -accuracy if math.isfinite(accuracy) else math.inf


#: evaluate(points, fraction) -> (validation accuracy, trial index) per point, in order
Evaluate = Callable[[list[Point], float], list[tuple[float, int]]]
#: record(trial index of each point's last run, decision per point)
Record = Callable[[list[int], list[Decision]], None]


def run_halving(
    searcher: Searcher, evaluate: Evaluate, record: Record, budget: float | None = None
) -> StopReason:
    """Brackets of ``BRACKET`` asked points until the searcher or the budget ends; returns the
    stop reason ("searcher_finished", "max_trial" when the next rung would spend more than
    ``budget`` full trainings, or the one ``evaluate`` raised with :class:`Stopped`)."""
    spent = 0.0
    while not searcher.finished:
        points = searcher.ask(BRACKET)
        if not points:
            break
        alive = list(range(len(points)))
        last: dict[int, tuple[float, int]] = {}
        steps = rungs(len(points))
        try:
            for r, (_size, fraction) in enumerate(steps):
                if budget is not None and spent + len(alive) * fraction > budget + 1e-9:
                    raise Stopped("max_trial")
                outcome = evaluate([points[j] for j in alive], fraction)
                spent += len(alive) * fraction
                last.update(zip(alive, outcome, strict=True))
                if r + 1 < len(steps):
                    kept = promote([acc for acc, _index in outcome], steps[r + 1][0])
                    alive = [alive[i] for i in kept]
        except Stopped as stop:
            return stop.reason
        # a failed or diverged run (NaN) is the worst cost, as in the plain search loop
        costs = [_cost(last[j][0]) for j in range(len(points))]
        decisions = searcher.tell(points, costs)
        record([last[j][1] for j in range(len(points))], decisions)
    return "searcher_finished"
