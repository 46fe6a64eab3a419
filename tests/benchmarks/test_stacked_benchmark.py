"""The trials benchmark's arithmetic and its RESULTS.md section handling (no TensorFlow)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trials() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trials_bench", ROOT / "benchmarks" / "trials.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class body runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_useful_flops_matches_the_issue_figure(trials: ModuleType) -> None:
    # One epoch of MNIST-1 is about 73 GFLOP of matrix work.
    flops = trials.useful_flops([784, 256, 10], 60000)
    assert flops == 6 * 60000 * (784 * 256 + 256 * 10)
    assert 72e9 < flops < 74e9


def test_model_layers(trials: ModuleType) -> None:
    assert trials.layers_of("MNIST-2") == [(256, "relu"), (256, "relu"), (10, "softmax")]


def test_write_section_replaces_only_its_markers(trials: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    other = "<!-- paper:begin -->\npaper table\n<!-- paper:end -->\n"
    path.write_text("# Results\n\n" + other)
    trials.write_section(path, f"{trials.BEGIN}\nfirst\n{trials.END}\n")
    trials.write_section(path, f"{trials.BEGIN}\nsecond\n{trials.END}\n")
    text = path.read_text()
    assert other in text
    assert "second" in text and "first" not in text
    assert text.count(trials.BEGIN) == 1 and text.count(trials.END) == 1


def test_glorot_initial_values_have_keras_limits(trials: ModuleType) -> None:
    (model,) = trials.glorot([784, 256, 10], 1, seed=0)
    kernel, bias = model[0]
    limit = (6.0 / (784 + 256)) ** 0.5
    assert kernel.shape == (784, 256) and abs(kernel).max() <= limit
    assert abs(kernel).max() > 0.9 * limit
    assert not bias.any()


def _measured(trials: ModuleType, kind: str, k: int, rounds: list[float]) -> object:
    m = trials.Measurement(trials.Config(kind, "MNIST-1", k), seconds=[rounds[0]], trials=k)
    m.flops_per_trial = 1e10  # 16 trials in 10 s: 16 GFLOP/s, over half of 10
    m.gflops_numpy = [10.0]
    m.extra["round_min"] = [rounds[0]]
    for seconds in rounds[1:]:
        more = trials.Measurement(m.config, seconds=[seconds], trials=k, gflops_numpy=[10.0])
        more.extra["round_min"] = [seconds]
        trials._merge(m, more)
    return m


def test_rounds_merge_and_pair_the_target(trials: ModuleType) -> None:
    fit = _measured(trials, "fit-new", 1, [4.0, 8.0, 4.0])
    # Round 2 ran under load for both trainers; pairing by round keeps its ratio honest.
    stacked = _measured(trials, "stacked", 16, [10.0, 20.0, 12.0])
    assert fit.seconds == [4.0, 8.0, 4.0] and fit.extra["round_min"] == [4.0, 8.0, 4.0]
    (line,) = trials._targets([fit, stacked], peak=10.0)
    assert "paired: 6.4x, 6.4x, 5.3x" in line and "median 6.4x" in line
    assert "target met" in line


def test_a_paired_median_under_five_is_not_met(trials: ModuleType) -> None:
    fit = _measured(trials, "fit-new", 1, [4.0, 4.0])
    stacked = _measured(trials, "stacked", 16, [10.0, 16.0])  # 6.4x and 4.0x: median 5.2x
    assert "target met" in trials._targets([fit, stacked], peak=10.0)[0]
    stacked = _measured(trials, "stacked", 16, [14.0, 16.0])  # 4.6x and 4.0x
    line = trials._targets([fit, stacked], peak=10.0)[0]
    # 5 fits of 1e10 FLOP in 4 s: 12.5 GFLOP/s, 125% of a 10 GFLOP/s machine.
    assert "target NOT met" in line and "takes 12 / 12 GFLOP/s, 125% / 125%" in line
