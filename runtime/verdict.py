"""The contract verdict: is the required accuracy reached, with confidence?

The configuration judged is the one chosen on validation (the best search trial, or the
spec's own initializers when no trial ran), retrained on fresh seeds and evaluated on the
contract's split (test by default). With the Student-t interval [low, high] of its mean accuracy:

- ``PASS``: low >= required — the claim holds with the stated confidence;
- ``FAIL``: high < required — the claim is refuted with that confidence;
- ``INCONCLUSIVE``: the interval contains the required accuracy (or fewer than two fresh seeds
  ran, so there is no interval): the budget ran out before the question was settled, and more
  verdict seeds or a larger search budget are needed;
- ``NO_CLAIM``: the spec states no required accuracy; the gain is still reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from adnn_lint.spec.results import EXIT_CODES, Interval, Summary, VerdictStatus


@dataclass(frozen=True)
class Judgement:
    status: VerdictStatus
    exit_code: int
    reason: str


def _pct(value: float) -> str:
    return f"{100.0 * value:.2f}%"


def judge(
    candidate: Summary,
    gain: Interval,
    required: float | None,
    *,
    chosen: str,
    stop_reason: str,
) -> Judgement:
    """Decide the status from the chosen configuration's fresh-seed accuracies."""
    level = f"{100.0 * candidate.confidence:g}%"
    measured = (
        f"{chosen}: mean accuracy {_pct(candidate.mean)} over {candidate.n} fresh seeds, "
        f"{level} CI [{_pct(candidate.ci_low)}, {_pct(candidate.ci_high)}]; "
        f"gain over the spec's initializers {_pct(gain.mean)} "
        f"[{_pct(gain.ci_low)}, {_pct(gain.ci_high)}]"
    )
    status: VerdictStatus
    if required is None:
        status, why = "NO_CLAIM", "the spec states no required accuracy"
    elif candidate.n < 2:
        status, why = "INCONCLUSIVE", "fewer than two fresh seeds: no interval to judge"
    elif candidate.ci_low >= required:
        status, why = "PASS", f"required {_pct(required)} is below the interval"
    elif candidate.ci_high < required:
        status, why = "FAIL", f"required {_pct(required)} is above the interval"
    else:
        status = "INCONCLUSIVE"
        why = (
            f"required {_pct(required)} lies inside the interval (search stopped: "
            f"{stop_reason}); run more verdict seeds or a larger budget"
        )
    return Judgement(status=status, exit_code=EXIT_CODES[status], reason=f"{why}. {measured}")
