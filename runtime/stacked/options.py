"""What a stacked training accepts: the layer shapes, the activations (Keras spellings) and the
optimizers with their Keras defaults."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import tensorflow as tf

Layer = tuple[int, str]
FloatArray = npt.NDArray[np.float32]
WeightPair = tuple[FloatArray, FloatArray]

#: Activation names accepted (Keras spellings); ``softmax``/``linear`` are also valid last layers.
ACTIVATIONS = (
    "linear",
    "relu",
    "relu6",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "leaky_relu",
    "tanh",
    "sigmoid",
    "softplus",
    "softsign",
    "softmax",
)

#: Optimizers, and the arguments of each this trainer reproduces (Keras' defaults otherwise).
OPTIMIZER_OPTIONS: Mapping[str, frozenset[str]] = {
    "sgd": frozenset({"momentum", "nesterov"}),
    "adam": frozenset(),
}
OPTIMIZERS = tuple(OPTIMIZER_OPTIONS)

# Keras' defaults for Adam.
ADAM_BETA_1 = 0.9
ADAM_BETA_2 = 0.999
ADAM_EPSILON = 1e-7


@dataclass(frozen=True)
class OptimizerConfig:
    """Keras-equivalent optimizer settings shared by all K models (each keeps its own state)."""

    name: str
    learning_rate: float
    momentum: float = 0.0
    nesterov: bool = False

    @property
    def memory_kind(self) -> str:
        """The key of ``stacked.memory.OPTIMIZER_SLOTS`` for this optimizer."""
        if self.name == "adam":
            return "adam"
        return "momentum" if self.momentum else "sgd"


def layer_sizes(input_width: int, layers: Sequence[Layer]) -> list[int]:
    """``[input_width, units_1, ..., units_L]``, the shape ``choose_k`` takes."""
    return [input_width, *(units for units, _ in layers)]


def batch_order(n: int, epochs: int, shuffle_seed: int | None) -> list[npt.NDArray[np.int64]]:
    """The row order of each epoch: a fresh permutation per epoch from ``shuffle_seed``.

    ``None`` keeps the data order (Keras ``fit(shuffle=False)``). To reproduce a stacked run with
    Keras, fit each epoch on ``x[order[e]]`` with ``shuffle=False``.
    """
    if shuffle_seed is None:
        return [np.arange(n, dtype=np.int64) for _ in range(epochs)]
    rng = np.random.default_rng(shuffle_seed)
    return [rng.permutation(n).astype(np.int64) for _ in range(epochs)]


def activation_fn(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
    import tensorflow as tf

    table: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
        "linear": tf.identity,
        "relu": tf.nn.relu,
        "relu6": tf.nn.relu6,
        "elu": tf.nn.elu,
        "selu": tf.nn.selu,
        # Keras' gelu defaults to the exact (erf) form, as does tf.nn.gelu.
        "gelu": tf.nn.gelu,
        "silu": tf.nn.silu,
        "swish": tf.nn.silu,
        # Keras 3's leaky_relu slope is 0.2, tf.nn.leaky_relu's default too.
        "leaky_relu": tf.nn.leaky_relu,
        "tanh": tf.math.tanh,
        "sigmoid": tf.math.sigmoid,
        "softplus": tf.math.softplus,
        "softsign": tf.math.softsign,
        "softmax": tf.nn.softmax,
    }
    return table[name]
