"""Data sources: the shipped MNIST subset, npz files, user functions only when asked."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from adnn_lint.runtime.data import DataError, embedded_path, load_data


def test_embedded_subset_matches_its_readme() -> None:
    path = embedded_path()
    readme = (path.parent / "README.md").read_text()
    digests = re.findall(r"`([0-9a-f]{64})`", readme)
    assert hashlib.sha256(path.read_bytes()).hexdigest() in digests
    assert path.stat().st_size < 2_000_000
    assert "CC BY-SA 3.0" in readme


def test_embedded_split_sizes_and_scaling() -> None:
    data = load_data("embedded", validation_split=0.1)
    assert (len(data.x_train), len(data.x_val), len(data.x_test)) == (5400, 600, 1000)
    assert data.input_shape == (28, 28) and data.classes == 10
    assert (
        data.x_train.dtype == np.float32 and 0.0 <= data.x_train.min() < data.x_train.max() <= 1.0
    )
    assert set(np.unique(data.y_test)) == set(range(10))


def test_limit_keeps_the_first_examples_and_validation_is_the_tail() -> None:
    full = load_data("embedded")
    small = load_data("embedded", limit=300, test_limit=50)
    assert (len(small.x_train), len(small.x_val), len(small.x_test)) == (270, 30, 50)
    np.testing.assert_array_equal(small.x_train, full.x_train[:270])
    assert small.sha256 == full.sha256  # digest of the source, before the limit


def _write_npz(path: Path, one_hot: bool = False) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 40).astype(np.uint8)
    labels = np.eye(3, dtype=np.float32)[y] if one_hot else y
    np.savez(
        path,
        x_train=rng.integers(0, 256, (40, 4, 4)).astype(np.uint8),
        y_train=labels,
        x_test=rng.integers(0, 256, (10, 4, 4)).astype(np.uint8),
        y_test=y[:10],
    )


def test_npz_source(tmp_path: Path) -> None:
    _write_npz(tmp_path / "d.npz", one_hot=True)
    data = load_data(f"npz:{tmp_path / 'd.npz'}", validation_split=0.25)
    assert (len(data.x_train), len(data.x_val)) == (30, 10)
    assert data.y_train.ndim == 1 and data.classes == 3


def test_npz_missing_arrays_are_named(tmp_path: Path) -> None:
    np.savez(tmp_path / "bad.npz", x_train=np.zeros((4, 2)))
    with pytest.raises(DataError, match="y_train, x_test, y_test"):
        load_data(f"npz:{tmp_path / 'bad.npz'}")
    with pytest.raises(DataError, match="no such file"):
        load_data(f"npz:{tmp_path / 'nope.npz'}")


def test_user_function_needs_explicit_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "my_data_mod.py"
    module.write_text(
        "import numpy as np\n"
        "def load():\n"
        "    x = np.zeros((20, 3), np.float32); y = np.arange(20) % 2\n"
        "    return (x, y), (x[:5], y[:5])\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(DataError, match="explicit --data"):
        load_data("my_data_mod:load")
    assert "my_data_mod" not in sys.modules  # refused before importing anything
    data = load_data("my_data_mod:load", allow_code=True, validation_split=0.5)
    assert (len(data.x_train), data.classes) == (10, 2)


def test_unknown_source_and_bad_split() -> None:
    with pytest.raises(DataError, match="unknown data source"):
        load_data("cifar")
    with pytest.raises(DataError, match="validation_split"):
        load_data("embedded", validation_split=1.5)


@pytest.mark.runtime
def test_keras_datasets_source_uses_keras_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (30, 28, 28)).astype(np.uint8)
    y = (np.arange(30) % 10).astype(np.uint8)
    calls: list[str] = []

    def fake_load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        calls.append("fashion_mnist")  # never downloads in a test
        return (x, y), (x[:10], y[:10])

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", fake_load_data)
    data = load_data("fashion_mnist", validation_split=0.2)
    assert calls == ["fashion_mnist"]
    assert (len(data.x_train), len(data.x_val), len(data.x_test), data.classes) == (24, 6, 10, 10)
