"""The results document round-trips, is written atomically and rejects foreign files."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from adnn_lint.spec.results import (
    RESULTS_VERSION,
    Config,
    Environment,
    Interval,
    Results,
    ResultsError,
    RunRecord,
    Summary,
    Trial,
    Verdict,
    load_results,
    save_results,
)


def _results() -> Results:
    config = Config(
        spec_digest="abc",
        model="mlp",
        method="asa",
        seed=0,
        baseline_seeds=2,
        verdict_seeds=2,
        max_trial=3,
        max_time=None,
        max_gain=0.02,
        delta=0.0025,
        required_accuracy=0.8,
        confidence=0.95,
        epochs=1,
        batch_size=100,
        learning_rate=0.01,
        optimizer="sgd",
    )
    env = Environment("3.11", "Linux", "x86_64", "", 2, devices=("CPU:0",))
    summary = Summary(2, 0.8, 0.01, 0.79, 0.81, 0.7, 0.9, 0.95)
    run = RunRecord(seed=1, order_seed=2, accuracy=0.8, loss=0.5, split="test", seconds=1.0)
    verdict = Verdict(
        status="INCONCLUSIVE",
        exit_code=3,
        reason="r",
        chosen="trial 1",
        chosen_point={"W0": 0.05, "B0": 0.0},
        seeds=(7, 8),
        baseline_runs=(run, run),
        candidate_runs=(run, run),
        baseline=summary,
        candidate=summary,
        gain=Interval(2, 0.0, -0.1, 0.1, 0.95),
        required_accuracy=0.8,
        seconds=2.0,
    )
    results = Results(config=config, environment=env, baseline_runs=(run,), baseline=summary)
    for index, acc in enumerate((0.7, 0.9, 0.8)):
        trial = Trial(index, {"W0": 0.01 * index, "B0": 0.0}, 5, 6, acc, 0.4, 1.0, 1.0 + index)
        results = results.with_trial(trial)

    return replace(results, verdict=verdict, status="complete")


def test_round_trip_and_best_trial(tmp_path: Path) -> None:
    results = _results()
    assert results.best_trial == 1
    path = tmp_path / "out" / "results.json"
    save_results(results, path)
    assert load_results(path) == results
    data = json.loads(path.read_text())
    assert list(data)[:2] == ["format", "version"]
    assert data["version"] == RESULTS_VERSION
    # Only the final file remains: the temporary file was renamed over it.
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]


def test_rejects_other_version(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    save_results(_results(), path)
    data = json.loads(path.read_text())
    data["version"] = RESULTS_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match="version"):
        load_results(path)


def test_malformed_names_key(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    save_results(_results(), path)
    data = json.loads(path.read_text())
    del data["trials"][0]["val_accuracy"]
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match="trials"):
        load_results(path)


def test_not_json_names_position(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("{\n  oops")
    with pytest.raises(ResultsError, match=r"r\.json:2:"):
        load_results(path)


def test_failed_write_keeps_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    results = _results()
    save_results(results, path)
    bad = results.with_trial(Trial(3, {"W0": float("nan")}, 0, 0, float("nan"), 0.0, 0.0, 0.0))
    with pytest.raises(ValueError):
        save_results(bad, path)  # NaN is not JSON: the old file must survive intact
    assert load_results(path) == results
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_results_file_follows_the_umask(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permission bits")
    old = os.umask(0o022)
    try:
        path = tmp_path / "results.json"
        save_results(_results(), path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # a CI artifact server can read it
    finally:
        os.umask(old)
