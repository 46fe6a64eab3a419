"""Successive halving's schedule, promotion and bracket loop (pure Python, no training)."""

from __future__ import annotations

import math

import pytest

from adnn_lint.runtime.search.base import Decision, make_searcher
from adnn_lint.runtime.search.halving import (
    Stopped,
    bracket_cost,
    plan,
    promote,
    run_halving,
    rungs,
)
from adnn_lint.runtime.search.space import Param, Point, Space


def test_a_bracket_of_nine_costs_three_full_trainings() -> None:
    assert rungs(9) == [(9, 1 / 9), (3, 1 / 3), (1, 1.0)]
    assert rungs(3) == [(3, 1 / 3), (1, 1.0)]
    assert rungs(1) == [(1, 1.0)]
    assert rungs(5) == [(5, 1 / 9), (2, 1 / 3), (1, 1.0)]
    assert bracket_cost(9) == pytest.approx(3.0) and bracket_cost(3) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        rungs(0)


@pytest.mark.parametrize("max_trial", [1, 2, 3, 10, 50])
def test_plan_spends_at_most_the_budget(max_trial: int) -> None:
    sizes = plan(max_trial)
    spent = sum(bracket_cost(n) for n in sizes)
    assert spent <= max_trial + 1e-9 and max_trial - spent < 1.0
    assert plan(10) == [9, 9, 9, 1] and plan(2) == [3]


def test_promote_keeps_the_best_and_puts_diverged_runs_last() -> None:
    assert promote([0.5, math.nan, 0.9, 0.7, 0.9], 3) == [2, 4, 3]
    assert promote([math.nan, 0.1], 2) == [1, 0]


def test_brackets_tell_each_point_its_highest_budget_cost() -> None:
    space = Space((Param("W0", 0.0, 1.0),))
    searcher = make_searcher("random", space, seed=0, max_trial=9)
    runs: list[tuple[float, float]] = []  # (point, fraction)

    def evaluate(points: list[Point], fraction: float) -> list[tuple[float, int]]:
        out = []
        for p in points:
            runs.append((p["W0"], fraction))
            out.append((p["W0"] * fraction, len(runs) - 1))
        return out

    told: list[tuple[list[int], list[Decision]]] = []
    assert run_halving(searcher, evaluate, lambda i, d: told.append((i, d))) == "searcher_finished"
    assert [f for _w, f in runs] == [1 / 9] * 9 + [1 / 3] * 3 + [1.0]
    best = max(w for w, _f in runs[:9])
    assert runs[-1][0] == best  # the accuracy here grows with W0: the top one is finished
    ((indices, decisions),) = told
    assert len(decisions) == 9
    assert len(indices) == 9 and indices[[w for w, _f in runs[:9]].index(best)] == 12
    assert searcher.best is not None and searcher.best[0]["W0"] == best


def test_a_stop_inside_a_bracket_tells_nothing() -> None:
    space = Space((Param("W0", 0.0, 1.0),))
    searcher = make_searcher("random", space, seed=0, max_trial=9)

    def evaluate(points: list[Point], fraction: float) -> list[tuple[float, int]]:
        if fraction > 0.2:
            raise Stopped("max_time")
        return [(0.5, j) for j in range(len(points))]

    assert run_halving(searcher, evaluate, lambda i, d: None) == "max_time"
    assert searcher.best is None


def test_a_rung_past_the_budget_is_not_started() -> None:
    space = Space((Param("W0", 0.0, 1.0),))
    searcher = make_searcher("random", space, seed=0, max_trial=18)
    fractions: list[float] = []

    def evaluate(points: list[Point], fraction: float) -> list[tuple[float, int]]:
        fractions.extend([fraction] * len(points))
        return [(0.5, len(fractions) - 1) for _p in points]

    assert run_halving(searcher, evaluate, lambda i, d: None, budget=4.0) == "max_trial"
    assert sum(fractions) == pytest.approx(3.0 + 1 / 9 * 9)  # the 2nd bracket's 1/3 rung: no
