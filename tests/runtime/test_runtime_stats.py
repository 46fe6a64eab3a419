"""Student-t summaries and the paired difference used by the verdict."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("scipy")

from adnn_lint.runtime.stats import paired_difference, summarize, t_interval


def test_two_values_use_the_t_quantile_with_one_degree_of_freedom() -> None:
    # mean 0.5, sample std sqrt(0.02), sem 0.1; t(0.975, df=1) = 12.7062...
    mean, low, high = t_interval([0.4, 0.6], 0.95)
    assert mean == pytest.approx(0.5)
    assert high - mean == pytest.approx(12.7062047 * 0.1, rel=1e-6)
    assert mean - low == pytest.approx(high - mean)


def test_interval_narrows_with_lower_confidence_and_more_runs() -> None:
    values = [0.80, 0.82, 0.81, 0.79, 0.83]
    _, low95, high95 = t_interval(values, 0.95)
    _, low80, high80 = t_interval(values, 0.80)
    assert low95 < low80 < high80 < high95
    _, low_more, high_more = t_interval(values * 4, 0.95)
    assert high_more - low_more < high95 - low95


def test_summary_fields() -> None:
    s = summarize([0.7, 0.9, 0.8], 0.95)
    assert (s.n, s.min, s.max) == (3, 0.7, 0.9)
    assert s.mean == pytest.approx(0.8)
    assert s.std == pytest.approx(0.1)
    assert s.ci_low < s.mean < s.ci_high


def test_single_run_has_no_spread() -> None:
    s = summarize([0.8])
    assert (s.std, s.ci_low, s.ci_high) == (0.0, 0.8, 0.8)


def test_paired_difference_removes_shared_seed_noise() -> None:
    baseline = [0.70, 0.80, 0.90, 0.75]
    candidate = [b + 0.01 for b in baseline]  # same seeds, a constant improvement
    gain = paired_difference(candidate, baseline)
    assert gain.mean == pytest.approx(0.01)
    assert gain.ci_low == pytest.approx(0.01) and gain.ci_high == pytest.approx(0.01)
    unpaired = summarize(candidate)
    assert unpaired.ci_high - unpaired.ci_low > 0.1  # the seed noise an unpaired view would see


def test_paired_difference_needs_equal_lengths() -> None:
    with pytest.raises(ValueError, match="differ in number"):
        paired_difference([0.1, 0.2], [0.1])


def test_rejects_bad_confidence_and_empty() -> None:
    with pytest.raises(ValueError):
        t_interval([], 0.95)
    with pytest.raises(ValueError):
        t_interval([0.1, 0.2], 1.0)
    assert math.isfinite(summarize([0.5, 0.5]).ci_high)


def test_intervals_stay_inside_the_possible_range() -> None:
    wide = summarize([0.02, 0.98])  # two wildly different runs: t(1) is huge
    assert (wide.ci_low, wide.ci_high) == (0.0, 1.0)
    gain = paired_difference([1.0, 0.0], [0.0, 1.0])
    assert (gain.ci_low, gain.ci_high) == (-1.0, 1.0)
