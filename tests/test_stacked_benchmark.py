"""The trials benchmark's arithmetic and its RESULTS.md section handling (no TensorFlow)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
    # Issue 7: one epoch of MNIST-1 is about 73 GFLOP of matrix work.
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
