"""The one-model-per-trial Keras path the stacked trainer is measured and tested against.

``keras_initial`` draws initial values exactly as a user's ``Sequential`` MLP gets them after
``keras.utils.set_random_seed(seed)``; ``train_alone`` trains one model through ``fit()`` with
the batch order of ``stacked.batch_order``. Keras is imported when a function runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from adnn_lint.runtime.stacked.options import Layer, WeightPair, batch_order

if TYPE_CHECKING:
    import keras


def build_mlp(
    layers: Sequence[Layer],
    input_width: int,
    *,
    kernel_initializer: str = "glorot_uniform",
    bias_initializer: str = "zeros",
) -> keras.Model:
    """A Keras ``Sequential`` of Dense layers: the model one stacked member stands for."""
    import keras

    dense = [
        keras.layers.Dense(
            units,
            activation=activation,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
        )
        for units, activation in layers
    ]
    return keras.Sequential([keras.Input((input_width,)), *dense])


def keras_initial(
    layers: Sequence[Layer],
    input_width: int,
    seeds: Sequence[int],
    *,
    kernel_initializer: str = "glorot_uniform",
    bias_initializer: str = "zeros",
) -> list[list[WeightPair]]:
    """Per seed, the ``(kernel, bias)`` pairs of the MLP built under ``set_random_seed(seed)``."""
    import keras

    models: list[list[WeightPair]] = []
    for seed in seeds:
        keras.utils.set_random_seed(int(seed))
        model = build_mlp(
            layers,
            input_width,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
        )
        arrays = [np.asarray(a, dtype=np.float32) for a in model.get_weights()]
        models.append([(arrays[2 * i], arrays[2 * i + 1]) for i in range(len(layers))])
    return models


def compile_alone(
    model: keras.Model,
    layers: Sequence[Layer],
    *,
    learning_rate: float,
    optimizer: str = "sgd",
    momentum: float = 0.0,
    nesterov: bool = False,
) -> None:
    """Compile as the stacked trainer trains: sparse categorical crossentropy, Keras SGD/Adam."""
    import keras

    opt: Any
    if optimizer == "adam":
        opt = keras.optimizers.Adam(learning_rate)
    else:
        opt = keras.optimizers.SGD(learning_rate, momentum=momentum, nesterov=nesterov)
    from_logits = layers[-1][1] in ("linear", None, "")
    model.compile(
        optimizer=opt,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
        metrics=["accuracy"],
    )


def train_alone(
    layers: Sequence[Layer],
    initial: Sequence[tuple[Any, Any]],
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    optimizer: str = "sgd",
    shuffle_seed: int | None,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> keras.Model:
    """Train ONE model through ``fit(shuffle=False)`` on the stacked trainer's batch order."""
    x_arr = np.asarray(x, dtype=np.float32)
    y_arr = np.asarray(y)
    model = build_mlp(layers, x_arr.shape[1])
    model.set_weights([np.asarray(a, dtype=np.float32) for pair in initial for a in pair])
    compile_alone(
        model,
        layers,
        learning_rate=learning_rate,
        optimizer=optimizer,
        momentum=momentum,
        nesterov=nesterov,
    )
    for order in batch_order(x_arr.shape[0], epochs, shuffle_seed):
        # One fit() per epoch keeps the optimizer state and lets each epoch have its own order.
        model.fit(
            x_arr[order], y_arr[order], batch_size=batch_size, epochs=1, shuffle=False, verbose=0
        )
    return model
