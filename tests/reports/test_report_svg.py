"""Chart geometry: ticks, box statistics, and that every mark lands where its value says."""

from __future__ import annotations

import math

import pytest

from adnn_lint.reports.charts import (
    GraphNode,
    SeedGroup,
    TrialPoint,
    box_stats,
    graph_chart,
    seed_strip_chart,
    temperature_chart,
    trial_chart,
)
from adnn_lint.reports.svg import Circle, Polyline, Rect, Text, nice_ticks


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0.861, 0.893, 5) == (0.865, 0.87, 0.875, 0.88, 0.885, 0.89)
    assert nice_ticks(0, 19, 8) == tuple(float(t) for t in range(0, 19, 2))
    assert nice_ticks(2.0, 2.0) == (2.0,)
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0.0, math.inf)


def test_box_stats_inclusive_quartiles() -> None:
    stats = box_stats([0.1, 0.2, 0.3, 0.4, 0.5])
    assert (stats.low, stats.q1, stats.median, stats.q3, stats.high) == pytest.approx(
        (0.1, 0.2, 0.3, 0.4, 0.5)
    )
    single = box_stats([0.7])
    assert single.low == single.median == single.high == 0.7
    with pytest.raises(ValueError):
        box_stats([])


def _dots(chart_elements: tuple[object, ...], cls: str) -> list[Circle]:
    return [e for e in chart_elements if isinstance(e, Circle) and cls in e.cls.split()]


def test_seed_chart_orders_dots_by_value_and_draws_required_line() -> None:
    base = SeedGroup("baseline", ((1, 0.86), (2, 0.87), (3, 0.88)), "baseline")
    chosen = SeedGroup("chosen", ((1, 0.89), (2, 0.90)), "chosen")
    chart = seed_strip_chart([base, chosen], required=0.885)
    base_dots = _dots(chart.elements, "baseline")
    chosen_dots = _dots(chart.elements, "chosen")
    assert len(base_dots) == 3 and len(chosen_dots) == 2
    # Higher accuracy is higher on the page (smaller y), and the chosen column is to the right.
    ys = [d.cy for d in base_dots]
    assert ys == sorted(ys, reverse=True)
    assert min(d.cx for d in chosen_dots) > max(d.cx for d in base_dots)
    assert all(0 <= d.cy <= chart.height for d in base_dots + chosen_dots)
    assert "seed 2: 0.8700" in base_dots[1].title
    labels = [e.text for e in chart.elements if isinstance(e, Text)]
    assert "required 0.8850" in labels
    assert [entry.label for entry in chart.legend] == ["baseline", "chosen", "required accuracy"]
    boxes = [e for e in chart.elements if isinstance(e, Rect)]
    assert len(boxes) == 2 and all(b.height >= 1 for b in boxes)


def test_trial_chart_best_so_far_never_goes_down() -> None:
    accs = [0.80, 0.85, 0.83, 0.90, 0.70, 0.91]
    trials = [TrialPoint(i, a, i % 2 == 0, 1.0 / (i + 1)) for i, a in enumerate(accs)]
    chart = trial_chart(trials, baseline=0.82)
    best = next(e for e in chart.elements if isinstance(e, Polyline) and e.cls == "best")
    ys = [float(p.split(",")[1]) for p in best.points.split()]
    assert ys == sorted(ys, reverse=True)  # y shrinks as the best accuracy grows
    accepted = _dots(chart.elements, "accepted")
    rejected = _dots(chart.elements, "rejected")
    assert len(accepted) == 3 and len(rejected) == 3
    assert "trial 3: 0.9000 (rejected, T=0.25)" in [d.title for d in rejected]
    assert "3 accepted, 3 rejected" in chart.description


def test_trial_chart_without_acceptance_step() -> None:
    chart = trial_chart([TrialPoint(0, 0.5, None), TrialPoint(1, 0.6, None)])
    assert len(_dots(chart.elements, "evaluated")) == 2
    assert [e.label for e in chart.legend] == ["best so far", "evaluated"]


def test_temperature_chart_uses_decades_when_it_spans_them() -> None:
    trials = [TrialPoint(i, 0.5, True, 10.0 ** (-i / 2)) for i in range(7)]
    chart = temperature_chart(trials)
    assert chart is not None and "log scale" in chart.description
    ticks = [e.text for e in chart.elements if isinstance(e, Text) and e.cls == "tick"]
    assert {"1", "0.1", "0.01", "0.001"} <= set(ticks)
    assert temperature_chart([TrialPoint(0, 0.5, None)]) is None


def test_graph_chart_places_branches_side_by_side() -> None:
    nodes = [GraphNode(n, n) for n in ("in", "a", "b", "out")]
    edges = [("in", "a"), ("in", "b"), ("a", "out"), ("b", "out")]
    chart = graph_chart(nodes, edges)
    boxes = {e.title: e for e in chart.elements if isinstance(e, Rect)}
    assert boxes["a"].y == boxes["b"].y and boxes["a"].x != boxes["b"].x
    assert boxes["in"].y < boxes["a"].y < boxes["out"].y
    with pytest.raises(ValueError, match="cycle"):
        graph_chart(nodes, [*edges, ("out", "in")])


def test_degenerate_data_still_draws_inside_the_chart() -> None:
    flat = seed_strip_chart([SeedGroup("baseline", ((1, 0.9), (2, 0.9)), "baseline")])
    one = trial_chart([TrialPoint(0, 0.5, True, 1.0)], baseline=0.5)
    for chart in (flat, one):
        for e in chart.elements:
            if isinstance(e, Circle):
                assert 0 <= e.cx <= chart.width and 0 <= e.cy <= chart.height
                assert math.isfinite(e.cx) and math.isfinite(e.cy)


def test_speculative_trials_are_marked_apart() -> None:
    trials = [TrialPoint(0, 0.5, True), TrialPoint(1, 0.6, None, None, counted=False)]
    chart = trial_chart(trials)
    assert len(_dots(chart.elements, "speculative")) == 1
    assert [e.label for e in chart.legend][-1] == "speculative"
    assert "1 accepted, 0 rejected" in chart.description
