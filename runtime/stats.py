"""Summaries of accuracies over seeds and the paired difference of two configurations.

Intervals are Student-t intervals for a mean (the seed-to-seed spread is estimated from the
runs themselves). With one run the interval collapses to the value: there is no spread to
estimate, and the verdict treats that as "not confident" (see ``verdict.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from adnn_lint.spec.results import Interval, Summary


def t_interval(values: Sequence[float], confidence: float) -> tuple[float, float, float]:
    """(mean, low, high) of the ``confidence`` Student-t interval for the mean of ``values``."""
    if not values:
        raise ValueError("no values to summarize")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    data = np.asarray(values, dtype=np.float64)
    mean = float(data.mean())
    if len(data) < 2:
        return mean, mean, mean
    from scipy.stats import t

    sem = float(data.std(ddof=1)) / math.sqrt(len(data))
    half = float(t.ppf(0.5 + confidence / 2.0, df=len(data) - 1)) * sem
    return mean, mean - half, mean + half


def summarize(
    values: Sequence[float], confidence: float = 0.95, *, bounds: tuple[float, float] = (0.0, 1.0)
) -> Summary:
    """Summary of accuracies; the interval is clipped to ``bounds`` (an accuracy is in [0, 1])."""
    mean, low, high = t_interval(values, confidence)
    low, high = max(low, bounds[0]), min(high, bounds[1])
    data = np.asarray(values, dtype=np.float64)
    return Summary(
        n=len(data),
        mean=mean,
        std=float(data.std(ddof=1)) if len(data) > 1 else 0.0,
        min=float(data.min()),
        max=float(data.max()),
        ci_low=low,
        ci_high=high,
        confidence=confidence,
    )


def paired_difference(
    candidate: Sequence[float], baseline: Sequence[float], confidence: float = 0.95
) -> Interval:
    """Mean and interval of candidate[j] - baseline[j] (run j of both shares its seeds).

    The interval is clipped to [-1, 1], the range of a difference of accuracies.
    """
    if len(candidate) != len(baseline):
        raise ValueError(f"paired runs differ in number: {len(candidate)} vs {len(baseline)}")
    diffs = [float(c) - float(b) for c, b in zip(candidate, baseline, strict=True)]
    mean, low, high = t_interval(diffs, confidence)
    low, high = max(low, -1.0), min(high, 1.0)
    return Interval(n=len(diffs), mean=mean, ci_low=low, ci_high=high, confidence=confidence)
