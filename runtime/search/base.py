"""The ask/tell protocol every search method speaks, and the factory that picks one.

A searcher proposes points (``dict[str, float]`` over a :class:`Space`), the caller trains one
model per point and tells back each cost (``-validation accuracy``); the searcher answers one
:class:`Decision` per point. Searchers never train, never time, never stop on a budget: the caller
enforces ``max_time``, ``max_trial`` and ``max_gain``. All randomness comes from one NumPy
generator seeded by ``seed``, so the same seed and the same sequence of ``ask(n)`` sizes and
costs give the same points: a resumed run replays its logged trials with :func:`replay`.

See docs/search.md for the algorithms and how batched asks map onto them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from adnn_lint.runtime.search.space import Point, Space
from adnn_lint.spec.model import SEARCH_METHODS, SearchMethod

Method = SearchMethod
METHODS = SEARCH_METHODS


@dataclass(frozen=True)
class Decision:
    """What the searcher made of one told point.

    ``accepted``: asa/paper: the point became the current state of the chain/walk; random: it is a
    new best. ``temperature``: the temperature of the acceptance test (asa: the cost temperature;
    paper: L(W', B'), the divisor of its exponent), None where no test applies. ``probability``:
    the acceptance probability used when a worse point was tested, else None. ``counted``: False
    for a speculative batch member that the sequential algorithm would never have evaluated (a
    paper walk that ended earlier in the batch); log it, but leave it out of the method's own
    "best trial" figure.
    """

    accepted: bool
    temperature: float | None = None
    probability: float | None = None
    counted: bool = True
    note: str = ""


@runtime_checkable
class Searcher(Protocol):
    method: str
    space: Space

    def ask(self, n: int = 1) -> list[Point]:
        """Up to ``n`` new points; [] when the method has nothing more to try."""
        ...

    def tell(self, points: Sequence[Point], costs: Sequence[float]) -> list[Decision]:
        """Costs for the points of the last ask, in order (a prefix is allowed)."""
        ...

    @property
    def finished(self) -> bool: ...

    @property
    def best(self) -> tuple[Point, float] | None:
        """The lowest-cost counted point told so far, with its cost."""
        ...


class BaseSearcher:
    """Bookkeeping shared by the methods: pending asks, tell validation, the best point."""

    method: str = ""

    def __init__(self, space: Space, seed: int) -> None:
        self.space = space
        self.seed = seed
        self._pending: list[Point] = []
        self._best: tuple[Point, float] | None = None
        self.told = 0

    # -- protocol ------------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Point]:
        if n < 1:
            raise ValueError(f"ask(n) needs n >= 1, got {n}")
        if self._pending:
            raise RuntimeError(
                f"{self.method}: ask() called again before tell() of {len(self._pending)} points"
            )
        if self.finished:
            return []
        points = self._propose(n)
        self._pending = [dict(p) for p in points]
        return [dict(p) for p in points]

    def tell(self, points: Sequence[Point], costs: Sequence[float]) -> list[Decision]:
        if len(points) != len(costs):
            raise ValueError(f"tell(): {len(points)} points but {len(costs)} costs")
        if len(points) > len(self._pending):
            raise ValueError(
                f"tell(): {len(points)} points but only {len(self._pending)} were asked"
            )
        for j, (told, asked) in enumerate(zip(points, self._pending, strict=False)):
            if not self.space.same_point(told, asked):
                raise ValueError(f"tell(): point {j} {dict(told)} is not the asked {asked}")
        asked_points = self._pending[: len(points)]
        self._pending = []
        clean = [_clean_cost(c) for c in costs]
        decisions = self._judge(asked_points, clean)
        for point, cost, decision in zip(asked_points, clean, decisions, strict=True):
            if decision.counted and (self._best is None or cost < self._best[1]):
                self._best = (dict(point), cost)
        self.told += len(points)
        return decisions

    @property
    def finished(self) -> bool:
        raise NotImplementedError

    @property
    def best(self) -> tuple[Point, float] | None:
        return None if self._best is None else (dict(self._best[0]), self._best[1])

    # -- per method ----------------------------------------------------------------------------
    def _propose(self, n: int) -> list[Point]:
        raise NotImplementedError

    def _judge(self, points: list[Point], costs: list[float]) -> list[Decision]:
        raise NotImplementedError


def _clean_cost(cost: float) -> float:
    """A diverged training run (NaN/inf) is the worst possible cost, never a crash."""
    value = float(cost)
    return value if math.isfinite(value) else math.inf


def make_searcher(
    method: Method | str,
    space: Space,
    *,
    seed: int,
    max_trial: int | None = None,
    delta: float = 0.0025,
) -> Searcher:
    """The searcher for ``method`` ("asa", "paper" or "random") over ``space``.

    ``max_trial`` fits the ASA schedule (anneal_scale) and ends asa/random; ``delta`` is the
    paper walk's step (asa and random ignore it).
    """
    if max_trial is not None and max_trial < 1:
        raise ValueError(f"max_trial must be >= 1, got {max_trial}")
    # Imported here: the method modules import this one for Decision and BaseSearcher.
    if method == "asa":
        from adnn_lint.runtime.search.asa import AsaSearcher

        return AsaSearcher(space, seed=seed, max_trial=max_trial)
    if method == "paper":
        from adnn_lint.runtime.search.paper import PaperSearcher

        return PaperSearcher(space, seed=seed, delta=delta)
    if method == "random":
        from adnn_lint.runtime.search.random import RandomSearcher

        return RandomSearcher(space, seed=seed, max_trial=max_trial)
    raise ValueError(f"unknown search method {method!r}; expected one of {', '.join(METHODS)}")


@dataclass(frozen=True)
class Replayed:
    """The state after replaying a log: how many trials it consumed, and an unfinished batch.

    ``pending`` is the last asked batch when the log ended inside it (an interrupted batch):
    the caller evaluates ``pending[len(known_costs):]`` and then tells the whole batch with
    ``known_costs`` plus the new costs. Empty when the log ended on a batch boundary.
    """

    consumed: int
    pending: tuple[Point, ...] = ()
    known_costs: tuple[float, ...] = ()


class ReplayMismatch(ValueError):
    """The searcher proposes a different point than the log holds: wrong seed, method or space."""


def replay(searcher: Searcher, trials: Sequence[tuple[Point, float]], batch_size: int) -> Replayed:
    """Feed logged (point, cost) trials back through ask/tell, as the original run did.

    The original run must have asked ``batch_size`` points at a time (the last ask of a budget
    may have been smaller: it is replayed as the method returns it). Raises ReplayMismatch, naming
    the trial number, when a proposed point differs from the logged one.
    """
    done = 0
    while done < len(trials):
        batch = searcher.ask(batch_size)
        if not batch:
            raise ReplayMismatch(
                f"trial {done}: the log holds {len(trials) - done} more trials "
                f"but the {searcher.method} searcher has finished"
            )
        logged = trials[done : done + len(batch)]
        for j, (point, _cost) in enumerate(logged):
            if not searcher.space.same_point(point, batch[j]):
                raise ReplayMismatch(
                    f"trial {done + j}: logged point {dict(point)} but the searcher proposes "
                    f"{batch[j]} (different seed, method, space or batch size?)"
                )
        if len(logged) < len(batch):
            return Replayed(done + len(logged), tuple(batch), tuple(float(c) for _p, c in logged))
        searcher.tell(batch, [float(c) for _p, c in logged])
        done += len(batch)
    return Replayed(done)
