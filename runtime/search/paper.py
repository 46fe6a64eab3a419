"""Algorithm 1 of the ADNN paper (Pan, Nguyen and Ahmed), "Adaptive Simulated Annealing Based
Search", read faithfully.

Per trainable layer i, in order: W_i and B_i start at 0 (clamped into their domains) and step
together by delta, W' = W_i + delta, B' = B_i + delta, while both stay inside their domains.
With L = 1 - validation accuracy (= 1 + cost), a step that is not worse is taken; a worse one is
taken with P = exp(-(L(W', B') - L(W_i, B_i)) / L(W', B')) against a uniform draw, and when it is
not taken the walk of layer i ends. Leaving a domain also ends the walk. A layer keeps the best
point of its walk; layers not yet walked keep the model's own initializers, so a point names only
the W_j, B_j of the layers walked so far (the model builder draws every role a point does not
name from the spec). Each layer's walk starts by evaluating its (0, 0) point.
docs/search.md lists the paper's ambiguities and why each was resolved this way.

Batched asks are speculative: ask(n) returns the next n steps of the current layer's walk (they
are deterministic); tell() follows the walk through them in order, and the steps after the walk
ends come back with ``counted=False``.
"""

from __future__ import annotations

import math

import numpy as np

from adnn_lint.runtime.search.base import BaseSearcher, Decision
from adnn_lint.runtime.search.space import Param, Point, Space


def _start_value(p: Param) -> float:
    return min(p.high, max(p.low, 0.0))


class PaperSearcher(BaseSearcher):
    method = "paper"

    def __init__(self, space: Space, *, seed: int, delta: float = 0.0025) -> None:
        if not (math.isfinite(delta) and delta > 0):
            raise ValueError(f"paper search: delta must be a positive number, got {delta}")
        super().__init__(space, seed)
        self.delta = delta
        self._rng = np.random.default_rng(seed)
        # the walked groups: per trainable layer index, its W and (if any) B parameter
        groups: dict[int, list[Param]] = {}
        for p in space.params:
            # Algorithm 1 walks W_i and B_i only; a family parameter keeps the model's own.
            if p.role != "family":
                groups.setdefault(p.index, []).append(p)
        self.groups: list[list[Param]] = [groups[i] for i in sorted(groups)]
        self._current: Point = {}  # the values of the layers walked so far
        self._loss: float | None = None  # L at the current point; None until evaluated
        self.layer = -1  # the group being walked
        self._step = 0  # steps taken (accepted) in the current layer's walk
        self._walk_best: tuple[Point, float] | None = None  # best point and L of this walk
        self._asked_steps: list[int] = []  # step numbers of the pending speculative batch
        self._start_asked = False
        self._done = False
        self._enter_next_layer()

    @property
    def finished(self) -> bool:
        return self._done

    @property
    def current(self) -> Point:
        return dict(self._current)

    def _enter_next_layer(self) -> None:
        """Algorithm 1, lines 3-5: the next layer's W_i, B_i start at 0; its L is unknown."""
        if self._walk_best is not None:  # the layer just walked keeps the best of its walk
            self._current = dict(self._walk_best[0])
        self._walk_best = None
        self.layer += 1
        self._step = 0
        self._loss = None
        if self.layer >= len(self.groups):
            self._done = True
            return
        for p in self.groups[self.layer]:
            self._current[p.name] = _start_value(p)

    def _point_at(self, step: int) -> Point | None:
        """The current point with layer ``self.layer`` moved ``step`` deltas; None off-domain."""
        point = dict(self._current)
        for p in self.groups[self.layer]:
            value = _start_value(p) + step * self.delta
            if not p.contains(value):
                return None
            point[p.name] = min(value, p.high)
        return point

    def _propose(self, n: int) -> list[Point]:
        if self._loss is None:
            self._start_asked = True
            return [dict(self._current)]
        points: list[Point] = []
        steps: list[int] = []
        for step in range(self._step + 1, self._step + 1 + n):
            point = self._point_at(step)
            if point is None:
                break
            points.append(point)
            steps.append(step)
        self._asked_steps = steps
        return points

    def _judge(self, points: list[Point], costs: list[float]) -> list[Decision]:
        losses = [1.0 + c for c in costs]  # cost = -accuracy, so L = 1 - accuracy
        if self._start_asked:
            self._start_asked = False
            if not points:
                return []
            self._loss = losses[0]
            self._walk_best = (dict(self._current), self._loss)
            self._skip_exhausted()
            return [Decision(accepted=True, note=f"start of layer {self.layer}'s walk at 0")]
        steps, self._asked_steps = self._asked_steps[: len(points)], []
        decisions: list[Decision] = []
        walking = True
        for point, step, loss in zip(points, steps, losses, strict=True):
            if not walking:
                decisions.append(Decision(False, counted=False, note="after the walk ended"))
                continue
            decision = self._step_decision(loss)
            decisions.append(decision)
            if decision.accepted:
                self._current, self._loss, self._step = dict(point), loss, step
                if self._walk_best is None or loss < self._walk_best[1]:
                    self._walk_best = (dict(point), loss)
            else:
                walking = False
                self._enter_next_layer()
        self._skip_exhausted()
        return decisions

    def _step_decision(self, loss: float) -> Decision:
        current = self._loss if self._loss is not None else math.inf
        if not math.isfinite(loss):
            return Decision(accepted=False, probability=0.0, note="diverged: walk ends")
        if loss <= current:
            return Decision(accepted=True, temperature=loss)
        probability = math.exp(-(loss - current) / loss)
        accepted = self._rng.random() <= probability
        note = "worse, taken" if accepted else "worse, not taken: walk ends"
        return Decision(accepted=accepted, temperature=loss, probability=probability, note=note)

    def _skip_exhausted(self) -> None:
        """Leaving the domain ends a layer's walk (the next layer's start is then evaluated)."""
        while not self._done and self._loss is not None and self._point_at(self._step + 1) is None:
            self._enter_next_layer()
