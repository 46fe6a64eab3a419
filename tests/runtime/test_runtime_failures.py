"""Failed runs are recorded, never dropped (fake executor, no Ray); executor options are checked."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("tensorflow")  # verify() enables TensorFlow op determinism

from test_runtime_verifier import DATA, SPEC, FakeExecutor

from adnn_lint.runtime.executors.local import Job, Outcome
from adnn_lint.runtime.verifier import VerifyOptions, _default_batch, verify
from adnn_lint.spec.results import load_results


class FailingExecutor(FakeExecutor):
    """The fake executor, except that the runs named in ``failing`` fail."""

    def __init__(self, failing: set[str], slots: int = 1) -> None:
        super().__init__()
        self.failing = failing
        self.slots = slots

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        for outcome in super().run(jobs):
            if outcome.key in self.failing:
                yield Outcome.failed(outcome.key, "WorkerCrashedError: the worker died")
            else:
                yield outcome


def test_failed_runs_are_recorded_and_the_verdict_says_what_it_rests_on(tmp_path: Path) -> None:
    failing = {"baseline/1", "trial/2", "verdict/candidate/0"}
    path = tmp_path / "r.json"
    options = VerifyOptions(results_path=path, max_trial=5, batch=2, verdict_seeds=4)
    results = verify(SPEC, DATA, options, executor=FailingExecutor(failing))
    assert results.status == "complete" and results == load_results(path)
    # Every planned run is somewhere: finished runs, failed trials, failed_runs.
    assert len(results.baseline_runs) == 2 and results.baseline is not None
    assert results.baseline.n == 2
    assert [t.index for t in results.trials] == list(range(5))
    failed_trial = results.trials[2]
    assert failed_trial.val_accuracy is None and failed_trial.error
    assert results.best_trial != 2
    assert {f.key for f in results.failed_runs} == {"baseline/1", "verdict/candidate/0"}
    assert all("WorkerCrashedError" in f.error for f in results.failed_runs)
    verdict = results.verdict
    assert verdict is not None and verdict.pairs_planned == 4
    if verdict.chosen != "baseline":  # a candidate run failed: its pair is left out
        assert verdict.gain.n == 3 and "Rests on 3 of 4 seed pairs" in verdict.reason


def test_resume_retries_failed_runs(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    options = VerifyOptions(results_path=path, max_trial=2, batch=2, verdict_seeds=2)
    first = FailingExecutor({f"baseline/{j}" for j in range(3)})
    with pytest.raises(ValueError, match="every baseline run failed"):
        verify(SPEC, DATA, options, executor=first)
    assert len(load_results(path).failed_runs) == 3
    options = VerifyOptions(results_path=path, max_trial=2, batch=2, verdict_seeds=2, resume=True)
    again = verify(SPEC, DATA, options, executor=FailingExecutor(set()))
    assert again.failed_runs == () and len(again.baseline_runs) == 3


def test_the_search_asks_at_least_as_many_points_as_the_executor_runs_at_once(
    tmp_path: Path,
) -> None:
    assert _default_batch("asa", "keras", 50) == 1
    assert _default_batch("asa", "keras", 50, slots=6) == 6
    assert _default_batch("random", "stacked", 50, slots=16) == 16
    assert _default_batch("asa", "stacked", 50, slots=2) == 5
    path = tmp_path / "r.json"
    options = VerifyOptions(results_path=path, max_trial=4, verdict_seeds=2)
    results = verify(SPEC, DATA, options, executor=FailingExecutor(set(), slots=3))
    assert results.config.batch == 3
    # A resume keeps the batch its trials were asked with, whatever the new executor's slots.
    resumed = VerifyOptions(results_path=path, max_trial=4, verdict_seeds=2, resume=True)
    assert verify(SPEC, DATA, resumed, executor=FailingExecutor(set())).config.batch == 3


def test_a_version_1_file_reads_as_one_without_failures(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    options = VerifyOptions(results_path=path, max_trial=2, batch=2, verdict_seeds=2)
    results = verify(SPEC, DATA, options, executor=FailingExecutor(set()))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["version"] = 1
    del data["failed_runs"]
    del data["verdict"]["pairs_planned"]
    for trial in data["trials"]:
        del trial["error"]
    path.write_text(json.dumps(data), encoding="utf-8")
    old = load_results(path)
    assert old.failed_runs == () and old.trials == results.trials
    assert old.verdict is not None and old.verdict.pairs_planned is None


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "paper_mnist1.py"
CliRunner = Callable[..., Any]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--address", "auto"), "--address needs --executor ray"),
        (("--gpus-per-run", "1"), "--gpus-per-run needs --executor ray"),
        (("--executor", "ray", "--entry", "m:f"), "--entry cannot be used with --executor ray"),
        (("--cpus-per-run", "0"), "--cpus-per-run must be > 0"),
    ],
)
def test_executor_options_are_checked_before_anything_runs(
    cli: CliRunner, tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    result = cli("verify", str(EXAMPLE), "--results", str(tmp_path / "r.json"), *options)
    assert result.code == 2 and message in result.err
    assert not (tmp_path / "r.json").exists()


def test_executor_ray_without_the_extra_says_how_to_install_it(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    args = ("--data", "embedded", "--limit", "200", "--results", str(tmp_path / "r.json"))
    result = cli("verify", str(EXAMPLE), *args, "--executor", "ray")
    assert result.code == 2 and "pip install 'adnn-lint[distributed]'" in result.err
