"""K models trained stacked end where each ends when trained alone through Keras fit()."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.runtime

LAYERS = [(16, "relu"), (12, "tanh"), (5, "softmax")]
SEEDS = [11, 12, 13]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    # 250 rows at batch 32: seven full batches and a short last one, as fit() has.
    x = rng.normal(size=(250, 20)).astype(np.float32)
    y = rng.integers(0, 5, 250)
    return x, y


def _max_diff(a: list[list[tuple[Any, Any]]], b: list[list[tuple[Any, Any]]]) -> float:
    return max(
        float(np.abs(np.asarray(p) - np.asarray(q)).max())
        for model_a, model_b in zip(a, b, strict=True)
        for pair_a, pair_b in zip(model_a, model_b, strict=True)
        for p, q in zip(pair_a, pair_b, strict=True)
    )


@pytest.mark.parametrize(
    ("optimizer", "learning_rate", "extra", "orders"),
    [
        ("sgd", 0.05, {}, 7),
        ("sgd", 0.05, {"momentum": 0.9, "nesterov": True}, 7),
        ("adam", 0.01, {}, 7),
        # One batch order per model: every layer becomes a batched multiply.
        ("sgd", 0.05, {"momentum": 0.5}, [7, 8, 9]),
    ],
)
def test_stacked_matches_keras_fit_per_model(
    data: tuple[np.ndarray, np.ndarray],
    optimizer: str,
    learning_rate: float,
    extra: dict[str, Any],
    orders: int | list[int],
) -> None:
    pytest.importorskip("tensorflow")
    pytest.importorskip("keras")
    from stacked_reference import keras_initial, train_alone

    from adnn_lint.runtime.stacked.trainer import train_stacked

    x, y = data
    initial = keras_initial(LAYERS, x.shape[1], SEEDS)
    settings: dict[str, Any] = dict(
        epochs=2,
        batch_size=32,
        learning_rate=learning_rate,
        optimizer=optimizer,
        **extra,
    )
    stacked = train_stacked(LAYERS, initial, x, y, shuffle_seed=orders, **settings)
    seeds = orders if isinstance(orders, list) else [orders] * len(initial)
    alone = [
        train_alone(LAYERS, model, x, y, shuffle_seed=seed, **settings)
        for model, seed in zip(initial, seeds, strict=True)
    ]
    alone_weights = [
        [(w[2 * i], w[2 * i + 1]) for i in range(len(LAYERS))]
        for w in (m.get_weights() for m in alone)
    ]
    # Training moved the weights far more than the tolerance, so the match is not vacuous.
    assert _max_diff(stacked.weights(), initial) > 1e-2
    assert _max_diff(stacked.weights(), alone_weights) < 1e-5
    losses, accuracies = stacked.evaluate(x, y)
    for k, model in enumerate(alone):
        loss, accuracy = model.evaluate(x, y, verbose=0)
        assert losses[k] == pytest.approx(loss, abs=1e-5)
        assert accuracies[k] == pytest.approx(accuracy, abs=1e-6)


def test_memory_budget_splits_into_groups_and_reuse_keeps_results(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    pytest.importorskip("tensorflow")
    from adnn_lint.runtime.stacked.memory import bytes_per_model, parameter_count
    from adnn_lint.runtime.stacked.trainer import layer_sizes, train_stacked

    x, y = data
    rng = np.random.default_rng(3)
    sizes = layer_sizes(x.shape[1], LAYERS)
    initial = [
        [
            (rng.normal(0, 0.3, (a, b)).astype(np.float32), np.zeros(b, np.float32))
            for a, b in itertools.pairwise(sizes)
        ]
        for _ in range(3)
    ]
    settings: dict[str, Any] = dict(
        epochs=1, batch_size=32, learning_rate=0.05, momentum=0.5, shuffle_seed=2
    )
    whole = train_stacked(LAYERS, initial, x, y, **settings)
    whole_weights = whole.weights()
    budget = 2 * bytes_per_model(sizes, 32, optimizer="momentum", eval_batch_size=1000) + 1
    split = train_stacked(LAYERS, initial, x, y, memory_budget_bytes=budget, **settings)
    assert whole.group_sizes == (3,)
    assert split.group_sizes == (2, 1)
    assert _max_diff(whole_weights, split.weights()) < 1e-6
    # A cache that holds one model's weights: three groups of one, the same weights.
    one_each = parameter_count(sizes) * 4
    cached = train_stacked(LAYERS, initial, x, y, cache_bytes=one_each, **settings)
    assert cached.group_sizes == (1, 1, 1)
    assert _max_diff(whole_weights, cached.weights()) < 1e-6
    # A second run reuses the compiled K=3 group: its optimizer state starts afresh, and the
    # first result keeps its own weights.
    again = train_stacked(LAYERS, initial, x, y, **settings)
    assert _max_diff(again.weights(), whole_weights) == 0.0
    assert _max_diff(whole.weights(), whole_weights) == 0.0
    assert np.array_equal(whole.evaluate(x, y)[1], split.evaluate(x, y)[1])


def test_per_model_orders_need_one_seed_per_model(data: tuple[np.ndarray, np.ndarray]) -> None:
    pytest.importorskip("tensorflow")
    from stacked_reference import keras_initial

    from adnn_lint.runtime.stacked.trainer import train_stacked

    x, y = data
    initial = keras_initial(LAYERS, x.shape[1], SEEDS)
    with pytest.raises(ValueError, match="2 seeds for 3 models"):
        train_stacked(
            LAYERS, initial, x, y, epochs=1, batch_size=32, learning_rate=0.1, shuffle_seed=[1, 2]
        )
