"""LSUV: orthonormal start, then unit variance of every layer's output on one mini-batch."""

from __future__ import annotations

import numpy as np
import pytest
from lsuv import lsuv_init, orthonormal

LAYERS = [(64, "relu"), (32, "tanh"), (10, "softmax")]


def _batch() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.random((100, 49)).astype(np.float32)  # like scaled pixels: mean 0.5, not centred


def test_orthonormal_columns_and_rows() -> None:
    rng = np.random.default_rng(1)
    tall = orthonormal((49, 16), rng).astype(np.float64)
    wide = orthonormal((16, 49), rng).astype(np.float64)
    np.testing.assert_allclose(tall.T @ tall, np.eye(16), atol=1e-5)
    np.testing.assert_allclose(wide @ wide.T, np.eye(16), atol=1e-5)


def test_every_layer_output_has_unit_variance_on_the_batch() -> None:
    x = _batch()
    weights, report = lsuv_init(LAYERS, x, seed=3, tol=0.05)
    assert [k.shape for k, _b in weights] == [(49, 64), (64, 32), (32, 10)]
    assert all(not b.any() for _k, b in weights)
    h = x.astype(np.float64)
    for (kernel, bias), (_units, act), reported in zip(
        weights, LAYERS, report.variances, strict=True
    ):
        z = h @ kernel + bias
        assert abs(np.var(z) - 1.0) < 0.05
        assert np.var(z) == pytest.approx(reported, rel=1e-4)
        h = np.maximum(z, 0) if act == "relu" else np.tanh(z) if act == "tanh" else z
    assert all(n >= 1 for n in report.iterations)  # the orthonormal start is not unit variance


def test_deterministic_per_seed_and_errors_name_the_layer() -> None:
    a, _ = lsuv_init(LAYERS, _batch(), seed=5)
    b, _ = lsuv_init(LAYERS, _batch(), seed=5)
    c, _ = lsuv_init(LAYERS, _batch(), seed=6)
    assert all(np.array_equal(ka, kb) for (ka, _), (kb, _) in zip(a, b, strict=True))
    assert not np.array_equal(a[0][0], c[0][0])
    with pytest.raises(ValueError, match=r"layers\[1\]"):
        lsuv_init([(8, "relu"), (4, "mystery")], _batch(), seed=0)
