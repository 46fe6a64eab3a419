"""Uniform random search over the same box: the control every other method is compared with."""

from __future__ import annotations

import numpy as np

from adnn_lint.runtime.search.base import BaseSearcher, Decision
from adnn_lint.runtime.search.space import Point, Space


class RandomSearcher(BaseSearcher):
    """Point j is drawn from its own generator seeded by (seed, j), so the points do not depend
    on how the caller batches its asks; ``accepted`` marks a new best. Finished after
    ``max_trial`` points when that is given, else never (the caller's budget ends it)."""

    method = "random"

    def __init__(self, space: Space, *, seed: int, max_trial: int | None = None) -> None:
        super().__init__(space, seed)
        self.max_trial = max_trial
        self.generated = 0

    @property
    def finished(self) -> bool:
        return self.max_trial is not None and self.generated >= self.max_trial

    def _propose(self, n: int) -> list[Point]:
        if self.max_trial is not None:
            n = min(n, self.max_trial - self.generated)
        points = []
        for j in range(self.generated, self.generated + n):
            rng = np.random.default_rng([self.seed, j])
            points.append(self.space.from_unit(rng.random(self.space.dim)))
        self.generated += n
        return points

    def _judge(self, points: list[Point], costs: list[float]) -> list[Decision]:
        best = self._best[1] if self._best is not None else None
        decisions = []
        for cost in costs:
            improved = best is None or cost < best
            if improved:
                best = cost
            decisions.append(Decision(accepted=improved, note="new best" if improved else ""))
        return decisions
