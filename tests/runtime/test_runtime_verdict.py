"""PASS / FAIL / INCONCLUSIVE / NO_CLAIM from the chosen configuration's fresh-seed interval."""

from __future__ import annotations

import pytest

from adnn_lint.runtime.verdict import judge
from adnn_lint.spec.results import Interval, Summary

GAIN = Interval(n=5, mean=0.01, ci_low=0.0, ci_high=0.02, confidence=0.95)


def _summary(low: float, high: float, n: int = 5) -> Summary:
    mid = (low + high) / 2
    return Summary(n, mid, 0.01, low, high, low, high, 0.95)


@pytest.mark.parametrize(
    ("low", "high", "required", "status", "code"),
    [
        (0.88, 0.90, 0.87, "PASS", 0),
        (0.88, 0.90, 0.88, "PASS", 0),  # the bound itself counts as reached
        (0.84, 0.86, 0.87, "FAIL", 1),
        (0.86, 0.88, 0.87, "INCONCLUSIVE", 3),
        (0.86, 0.88, None, "NO_CLAIM", 0),
    ],
)
def test_status(low: float, high: float, required: float | None, status: str, code: int) -> None:
    j = judge(_summary(low, high), GAIN, required, chosen="trial 3", stop_reason="max_trial")
    assert (j.status, j.exit_code) == (status, code)
    assert "trial 3" in j.reason


def test_one_seed_is_never_confident() -> None:
    j = judge(_summary(0.95, 0.95, n=1), GAIN, 0.5, chosen="baseline", stop_reason="max_time")
    assert j.status == "INCONCLUSIVE"


def test_inconclusive_names_the_stop_reason_and_the_numbers() -> None:
    j = judge(_summary(0.86, 0.88), GAIN, 0.87, chosen="trial 1", stop_reason="max_time")
    assert "max_time" in j.reason
    assert "87.00%" in j.reason and "[86.00%, 88.00%]" in j.reason
