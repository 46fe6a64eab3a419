"""Stacked-trainer pieces that need no TensorFlow: memory arithmetic, batch order, validation."""

from __future__ import annotations

import numpy as np
import pytest

from adnn_lint.runtime.stacked.memory import (
    bytes_per_model,
    cache_k,
    choose_k,
    even_groups,
    last_level_cache_bytes,
    parameter_count,
)
from adnn_lint.runtime.stacked.trainer import batch_order, layer_sizes, train_stacked


def test_parameter_count_counts_kernels_and_biases() -> None:
    assert parameter_count([784, 256, 10]) == 784 * 256 + 256 + 256 * 10 + 10


def test_choose_k_fits_the_budget_and_is_monotonic() -> None:
    sizes = [784, 256, 256, 10]
    per_model = bytes_per_model(sizes, 100)
    budget = 10 * per_model + per_model // 2
    assert choose_k(sizes, 100, budget) == 10
    assert choose_k(sizes, 100, budget, fixed_bytes=per_model) == 9
    assert choose_k(sizes, 100, budget, max_k=4) == 4
    assert choose_k(sizes, 100, 2 * budget) > choose_k(sizes, 100, budget)


def test_choose_k_counts_optimizer_state() -> None:
    sizes = [784, 256, 10]
    sgd = bytes_per_model(sizes, 100, optimizer="sgd")
    momentum = bytes_per_model(sizes, 100, optimizer="momentum")
    adam = bytes_per_model(sizes, 100, optimizer="adam")
    params = parameter_count(sizes) * 4
    assert momentum - sgd == params
    assert adam - sgd == 2 * params


def test_choose_k_refuses_a_budget_that_holds_no_model() -> None:
    with pytest.raises(ValueError, match="holds no model"):
        choose_k([784, 256, 10], 100, 1000)


def test_choose_k_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="input width"):
        choose_k([784], 100, 10**9)
    with pytest.raises(ValueError, match="optimizer"):
        bytes_per_model([784, 10], 100, optimizer="rmsprop")


def test_cache_k_keeps_a_groups_weights_within_the_cache() -> None:
    mnist4 = [784, 256, 256, 256, 256, 10]
    per_model = parameter_count(mnist4) * 4  # about 1.6 MB of float32
    assert cache_k(mnist4, 32 << 20) == (32 << 20) // per_model == 20
    assert cache_k(mnist4, 1) == 1  # never fewer than one model per group
    assert last_level_cache_bytes() > 0


def test_even_groups_are_as_few_and_as_equal_as_possible() -> None:
    assert even_groups(64, 20) == [16, 16, 16, 16]
    assert even_groups(71, 20) == [18, 18, 18, 17]
    assert even_groups(7, 3) == [3, 2, 2]
    assert even_groups(5, 8) == [5]
    with pytest.raises(ValueError):
        even_groups(0, 4)


def test_batch_order_is_seeded_and_fresh_per_epoch() -> None:
    first = batch_order(50, 3, shuffle_seed=4)
    again = batch_order(50, 3, shuffle_seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], first[1])
    assert all(sorted(order.tolist()) == list(range(50)) for order in first)
    assert not np.array_equal(first[0], batch_order(50, 1, shuffle_seed=5)[0])


def test_batch_order_without_seed_keeps_data_order() -> None:
    (order,) = batch_order(7, 1, shuffle_seed=None)
    assert order.tolist() == list(range(7))


def test_layer_sizes() -> None:
    assert layer_sizes(784, [(256, "relu"), (10, "softmax")]) == [784, 256, 10]


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([], "at least one Dense layer"),
        ([(4, "mish"), (3, "softmax")], r"layers\[0\]: activation 'mish'"),
        ([(4, "relu"), (3, "sigmoid")], r"layers\[1\]: the last activation"),
        ([(0, "relu"), (3, "softmax")], r"layers\[0\]: units"),
    ],
)
def test_train_stacked_rejects_bad_layers_before_importing_tensorflow(
    layers: list[tuple[int, str]], message: str
) -> None:
    x = np.zeros((4, 2), np.float32)
    with pytest.raises(ValueError, match=message):
        train_stacked(
            layers, [], x, np.zeros(4), epochs=1, batch_size=2, learning_rate=0.1, shuffle_seed=0
        )
