"""Orchestration: budgets, seeds, interrupt and resume — with a fake executor (no training)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

pytest.importorskip("tensorflow")  # verify() enables TensorFlow op determinism

from adnn_lint.runtime.data import Dataset
from adnn_lint.runtime.executors.local import Job, Outcome
from adnn_lint.runtime.verifier import VerifyError, VerifyOptions, verify
from adnn_lint.spec.model import Contract, InitSpec, LayerSpec, ModelSpec, SearchSpec, Spec
from adnn_lint.spec.results import load_results


def _dense(name: str, units: int, activation: str) -> LayerSpec:
    inits = (InitSpec("kernel", "glorot_uniform"), InitSpec("bias", "zeros"))
    return LayerSpec(name, "Dense", units, activation, initializers=inits)


SPEC = Spec(
    model=ModelSpec("mlp", (4,), (_dense("h", 8, "relu"), _dense("out", 2, "softmax"))),
    # the paper's absolute box: the fake accuracy peaks at a kernel std of 0.06
    search=SearchSpec(method="random", seeds=3, space="absolute"),
    contract=Contract(accuracy=0.5),
)
_X = np.zeros((10, 4), np.float32)
_Y = np.zeros(10, np.int64)
DATA = Dataset("fake", _X, _Y, _X, _Y, _X, _Y, 2, 0.1, "0" * 64)


class FakeExecutor:
    """Accuracy is a smooth function of the point plus seed noise; interrupts on request."""

    trainer = "fake"

    def __init__(self, interrupt_after: int | None = None) -> None:
        self.jobs: list[Job] = []
        self.interrupt_after = interrupt_after

    def _accuracy(self, job: Job) -> float:
        noise = ((job.seed * 7919 + job.order_seed) % 1000) / 1000 * 0.02
        if job.point is None:
            return 0.80 + noise
        w = job.point["W0"]
        return 0.75 + 0.2 * math.exp(-(((w - 0.06) / 0.03) ** 2)) + noise

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        for job in jobs:
            trials = sum(1 for j in self.jobs if j.key.startswith("trial/"))
            if self.interrupt_after is not None and trials >= self.interrupt_after:
                raise KeyboardInterrupt
            self.jobs.append(job)
            yield Outcome(job.key, self._accuracy(job), 1.0 - self._accuracy(job), 0.01)


def _options(path: Path, **kwargs: object) -> VerifyOptions:
    base = VerifyOptions(results_path=path, max_trial=7, batch=3, verdict_seeds=4)
    return replace(base, **kwargs)  # type: ignore[arg-type]


def test_full_run_writes_every_phase(tmp_path: Path) -> None:
    executor = FakeExecutor()
    results = verify(SPEC, DATA, _options(tmp_path / "r.json"), executor=executor)
    assert results.status == "complete" and results.stop_reason == "max_trial"
    assert len(results.baseline_runs) == 3 and len(results.trials) == 7
    assert [t.index for t in results.trials] == list(range(7))
    assert all(t.accepted is not None for t in results.trials)
    assert results.verdict is not None
    assert results.verdict.chosen == f"trial {results.best_trial}"
    assert len(results.verdict.candidate_runs) == 4
    assert load_results(tmp_path / "r.json") == results
    # The test split is only used by the verdict, and verdict seeds are fresh.
    splits = {j.key.split("/")[0]: j.split for j in executor.jobs}
    assert splits == {
        "baseline": "validation",
        "trial": "validation",
        "confirm": "validation",
        "verdict": "test",
    }
    # The best trial was confirmed on the baseline's own seeds before being chosen.
    confirm = [(r.seed, r.order_seed) for r in results.confirmation_runs]
    assert confirm == [(r.seed, r.order_seed) for r in results.baseline_runs]
    assert results.confirmation_gain is not None and results.confirmation_gain.mean > 0
    verdict_seeds = {j.seed for j in executor.jobs if j.key.startswith("verdict/")}
    earlier = {j.seed for j in executor.jobs if not j.key.startswith("verdict/")}
    assert verdict_seeds.isdisjoint(earlier) and len(verdict_seeds) == 4
    # Paired: run j of baseline and candidate share both seeds.
    for b, c in zip(results.verdict.baseline_runs, results.verdict.candidate_runs, strict=True):
        assert (b.seed, b.order_seed) == (c.seed, c.order_seed)


def test_interrupt_then_resume_loses_nothing_and_matches(tmp_path: Path) -> None:
    straight = verify(SPEC, DATA, _options(tmp_path / "a.json"), executor=FakeExecutor())
    path = tmp_path / "b.json"
    with pytest.raises(KeyboardInterrupt):
        verify(SPEC, DATA, _options(path), executor=FakeExecutor(interrupt_after=4))
    saved = load_results(path)
    assert saved.status == "interrupted" and len(saved.trials) == 4  # mid-batch: 3 + 1
    with pytest.raises(VerifyError, match="--resume"):
        verify(SPEC, DATA, _options(path), executor=FakeExecutor())
    resumed_executor = FakeExecutor()
    resumed = verify(SPEC, DATA, _options(path, resume=True), executor=resumed_executor)
    # Only the missing trials were trained again, and the numbers equal the straight run's.
    trained = [j.key for j in resumed_executor.jobs if j.key.startswith("trial/")]
    assert trained == ["trial/4", "trial/5", "trial/6"]
    assert [t.point for t in resumed.trials] == [t.point for t in straight.trials]
    assert [t.val_accuracy for t in resumed.trials] == [t.val_accuracy for t in straight.trials]
    assert resumed.verdict == replace(straight.verdict, seconds=resumed.verdict.seconds)
    # Resuming a finished verification trains nothing and returns it as it is.
    idle = FakeExecutor()
    assert verify(SPEC, DATA, _options(path, resume=True), executor=idle) == resumed
    assert idle.jobs == []


def test_resume_refuses_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    with pytest.raises(KeyboardInterrupt):
        verify(SPEC, DATA, _options(path), executor=FakeExecutor(interrupt_after=2))
    with pytest.raises(VerifyError, match="seed"):
        verify(SPEC, DATA, _options(path, resume=True, seed=9), executor=FakeExecutor())


def test_max_gain_stops_early_and_budgets_take_the_tighter(tmp_path: Path) -> None:
    spec = replace(SPEC, contract=Contract(accuracy=0.5, max_trial=40, max_gain=0.05))
    options = _options(tmp_path / "r.json", max_trial=None, batch=1)
    results = verify(spec, DATA, options, executor=FakeExecutor())
    assert results.config.max_trial == 40 and results.config.max_gain == 0.05
    assert results.stop_reason == "max_gain"
    best = results.trials[results.best_trial or 0]
    assert best.gain is not None and best.gain >= 0.05 and len(results.trials) < 40
    tighter = verify(
        spec, DATA, _options(tmp_path / "t.json", max_trial=2), executor=FakeExecutor()
    )
    assert tighter.config.max_trial == 2 and len(tighter.trials) <= 2


def test_results_file_is_saved_after_each_trial(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    on_disk: dict[str, int] = {}

    class Watching(FakeExecutor):
        def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
            for outcome in super().run(jobs):
                if outcome.key.startswith("trial/"):
                    on_disk[outcome.key] = len(json.loads(path.read_text())["trials"])
                yield outcome

    verify(SPEC, DATA, _options(path), executor=Watching())
    # When trial k finishes, the file already holds trials 0..k-1 (each saved as it finished).
    assert on_disk == {f"trial/{k}": k for k in range(7)}


def test_baseline_is_kept_when_no_trial_beats_it(tmp_path: Path) -> None:
    class Worse(FakeExecutor):
        def _accuracy(self, job: Job) -> float:
            return 0.9 if job.point is None else 0.5 + 0.1 * job.point["W0"]

    results = verify(SPEC, DATA, _options(tmp_path / "r.json"), executor=Worse())
    assert results.verdict is not None and results.best_trial is not None
    assert results.verdict.chosen == "baseline" and results.verdict.chosen_point is None
    assert results.verdict.gain.mean == 0.0
    assert results.verdict.status == "PASS"  # 0.9 on every fresh seed >= 0.5


def test_a_lucky_trial_that_does_not_hold_up_is_not_chosen(tmp_path: Path) -> None:
    class Lucky(FakeExecutor):
        def _accuracy(self, job: Job) -> float:
            if job.point is None:
                return 0.8
            # Great on the one search seed, worse than the baseline on any other seed.
            return 0.95 if job.key.startswith("trial/") else 0.78

    results = verify(SPEC, DATA, _options(tmp_path / "r.json"), executor=Lucky())
    assert results.trials[results.best_trial or 0].val_accuracy == 0.95
    assert results.confirmation_gain is not None
    assert results.confirmation_gain.mean == pytest.approx(-0.02)
    assert results.verdict is not None and results.verdict.chosen == "baseline"


def test_resume_of_a_tampered_log_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    with pytest.raises(KeyboardInterrupt):
        verify(SPEC, DATA, _options(path), executor=FakeExecutor(interrupt_after=3))
    data = json.loads(path.read_text())
    data["trials"][1]["point"]["W0"] += 0.001
    path.write_text(json.dumps(data))
    with pytest.raises(VerifyError, match="trial 1"):
        verify(SPEC, DATA, _options(path, resume=True), executor=FakeExecutor())


def test_search_families_are_searched_recorded_and_resumable(tmp_path: Path) -> None:
    families = ("glorot_uniform", "he_normal")
    spec = replace(SPEC, search=replace(SPEC.search, families=families))
    path = tmp_path / "r.json"
    with pytest.raises(KeyboardInterrupt):
        verify(spec, DATA, _options(path), executor=FakeExecutor(interrupt_after=3))
    saved = load_results(path)
    assert saved.config.families == families
    assert all({"F0", "F1"} <= set(t.point) for t in saved.trials)
    # Through JSON and back the settings still match: resume takes the file.
    resumed = verify(spec, DATA, _options(path, resume=True), executor=FakeExecutor())
    assert resumed.status == "complete" and len(resumed.trials) == 7
    with pytest.raises(VerifyError, match="families"):
        verify(SPEC, DATA, _options(path, resume=True), executor=FakeExecutor())


class ShapedExecutor(FakeExecutor):
    """Knows the weight shapes, as the in-process executor does (the relative space's fans)."""

    shapes: ClassVar = {
        "h": {"kernel": (4, 8), "bias": (8,)},
        "out": {"kernel": (8, 2), "bias": (2,)},
    }


def test_relative_space_trains_the_std_its_multipliers_stand_for(tmp_path: Path) -> None:
    spec = replace(SPEC, search=SearchSpec(method="random", seeds=3))  # relative by default
    executor = ShapedExecutor()
    path = tmp_path / "r.json"
    results = verify(spec, DATA, _options(path), executor=executor)
    config = results.config
    assert config.space == "relative"
    assert config.kernel_references["W0"] == pytest.approx(math.sqrt(2 / 4))  # He, fan-in 4
    assert config.kernel_references["W1"] == pytest.approx(math.sqrt(1 / 8))  # LeCun, softmax
    raw = json.loads(path.read_text())["config"]
    assert raw["space"] == "relative" and set(raw["kernel_references"]) == {"W0", "W1"}
    trials = {j.key: j for j in executor.jobs if j.key.startswith("trial/")}
    for trial in results.trials:
        job = trials[f"trial/{trial.index}"].point
        assert job is not None
        for name in ("W0", "W1"):
            std = config.kernel_references[name] * 2.0 ** trial.point[name]
            assert job[name] == pytest.approx(std)
        assert job["B0"] == trial.point["B0"]  # biases stay absolute
    assert results.spec_point is not None  # the spec's own Glorot kernel, as a multiplier
    assert results.spec_point["W0"] == pytest.approx(math.log2(math.sqrt(4 / 12)), abs=0.3)


def test_resume_refuses_a_file_made_with_another_space(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    with pytest.raises(KeyboardInterrupt):
        verify(SPEC, DATA, _options(path), executor=ShapedExecutor(interrupt_after=2))
    relative = replace(SPEC, search=replace(SPEC.search, space="relative"))
    with pytest.raises(VerifyError, match=r"different settings \(.*\bspace\b"):
        verify(relative, DATA, _options(path, resume=True), executor=ShapedExecutor())


class BudgetExecutor(FakeExecutor):
    """A screening run (fraction < 1) scores lower, as a shorter training does."""

    def _accuracy(self, job: Job) -> float:
        return super()._accuracy(job) - 0.3 * (1.0 - job.fraction)


def test_halving_screens_on_fractions_and_chooses_only_full_trials(tmp_path: Path) -> None:
    executor = BudgetExecutor()
    options = _options(tmp_path / "r.json", max_trial=6, fidelity="halving")
    results = verify(SPEC, DATA, options, executor=executor)
    assert results.config.fidelity == "halving"
    fractions = [t.fraction for t in results.trials]
    # two brackets of 9 points: 9 at 1/9, 3 at 1/3, 1 in full; 6 full trainings in all
    assert fractions == ([1 / 9] * 9 + [1 / 3] * 3 + [1.0]) * 2
    assert sum(fractions) == pytest.approx(6.0)
    assert results.stop_reason == "searcher_finished"
    full = [t for t in results.trials if t.fraction == 1.0]
    assert results.best_trial in {t.index for t in full}
    assert all(t.gain is None for t in results.trials if t.fraction < 1)
    # promoted points are the best of their rung, and each rung trains its points again
    rung0, rung1 = results.trials[:9], results.trials[9:12]
    top3 = sorted(rung0, key=lambda t: -t.val_accuracy)[:3]
    assert [t.point for t in rung1] == [t.point for t in top3]
    jobs = [j for j in executor.jobs if j.key.startswith("trial/")]
    assert [j.fraction for j in jobs] == fractions
    # the verdict is unchanged: full runs on fresh seeds, test split
    verdict_jobs = [j for j in executor.jobs if j.key.startswith("verdict/")]
    assert {j.fraction for j in verdict_jobs} == {1.0} and {j.split for j in verdict_jobs} == {
        "test"
    }


def test_halving_resumes_inside_a_bracket(tmp_path: Path) -> None:
    options = _options(tmp_path / "a.json", max_trial=6, fidelity="halving")
    straight = verify(SPEC, DATA, options, executor=BudgetExecutor())
    path = tmp_path / "b.json"
    with pytest.raises(KeyboardInterrupt):
        verify(SPEC, DATA, replace(options, results_path=path), executor=BudgetExecutor(10))
    assert len(load_results(path).trials) == 10
    again = BudgetExecutor()
    resumed = verify(SPEC, DATA, replace(options, results_path=path, resume=True), executor=again)
    assert next(j.key for j in again.jobs if j.key.startswith("trial/")) == "trial/10"
    assert [t.point for t in resumed.trials] == [t.point for t in straight.trials]
    assert resumed.best_trial == straight.best_trial
    with pytest.raises(VerifyError, match="different settings"):
        verify(SPEC, DATA, replace(options, results_path=path, resume=True, fidelity="full"),
               executor=BudgetExecutor())  # fmt: skip
