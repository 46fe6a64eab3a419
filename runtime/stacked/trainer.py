"""Train K Dense MLPs of one architecture, with different initial values, as one computation.

A trial of the verifier is a training run; the baseline seeds and a population of search
candidates are independent models of the same shape, so they train together here:

* the first layer of all K models is ONE matrix multiply, ``x @ [W_1 | W_2 | ... | W_K]``
  (the K kernels side by side, shape ``[d, K*units]``), because every model reads the same batch;
* deeper layers are batched matrix multiplies over a leading model axis (``[K, B, in] @ [K, in,
  out]``);
* each model has its own loss (Keras' sparse categorical crossentropy on the softmax logits,
  mean over the batch), so the gradient of their sum is, per model, that model's own gradient;
* each model has its own optimizer state (Keras' SGD, with optional momentum/Nesterov, or Adam);
* one training step is compiled with XLA; an epoch is a graph loop over the batches, all K
  models seeing the same batches in the same order (``batch_order``).

Trained alone through Keras ``fit(shuffle=False)`` on the data permuted by ``batch_order``, each
model ends with the same weights within float tolerance
(``tests/runtime/test_stacked_equivalence.py``).
TensorFlow is imported when a function runs, never at import time.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from adnn_lint.runtime.stacked.group import Group, group_for, unstack
from adnn_lint.runtime.stacked.memory import cache_k, choose_k, even_groups, last_level_cache_bytes
from adnn_lint.runtime.stacked.options import (
    ACTIVATIONS,
    OPTIMIZER_OPTIONS,
    OPTIMIZERS,
    FloatArray,
    Layer,
    OptimizerConfig,
    WeightPair,
    batch_order,
    layer_sizes,
)

if TYPE_CHECKING:
    import tensorflow as tf

__all__ = [
    "ACTIVATIONS",
    "OPTIMIZERS",
    "OPTIMIZER_OPTIONS",
    "StackedModels",
    "batch_order",
    "choose_k",
    "layer_sizes",
    "train_stacked",
]


def _check_layers(layers: Sequence[Layer]) -> tuple[Layer, ...]:
    if not layers:
        raise ValueError("layers is empty: a stacked MLP needs at least one Dense layer")
    checked: list[Layer] = []
    for index, (units, activation) in enumerate(layers):
        name = "linear" if activation in (None, "") else str(activation).lower()
        if name not in ACTIVATIONS:
            raise ValueError(
                f"layers[{index}]: activation {activation!r} is not supported by the stacked "
                f"trainer (supported: {', '.join(ACTIVATIONS)})"
            )
        if int(units) < 1:
            raise ValueError(f"layers[{index}]: units must be >= 1, got {units}")
        checked.append((int(units), name))
    last = checked[-1][1]
    if last not in ("softmax", "linear"):
        raise ValueError(
            f"layers[{len(checked) - 1}]: the last activation is {last!r}; the stacked trainer "
            "trains sparse categorical crossentropy, which needs 'softmax' (or 'linear' logits)"
        )
    return tuple(checked)


def _check_initial(
    initial: Sequence[Sequence[tuple[Any, Any]]], sizes: Sequence[int]
) -> list[list[WeightPair]]:
    if not initial:
        raise ValueError("initial is empty: pass the initial (kernel, bias) of at least one model")
    models: list[list[WeightPair]] = []
    for k, model in enumerate(initial):
        if len(model) != len(sizes) - 1:
            raise ValueError(
                f"initial[{k}] has {len(model)} layers, the architecture has {len(sizes) - 1}"
            )
        pairs: list[WeightPair] = []
        for i, (kernel, bias) in enumerate(model):
            kernel_arr = np.asarray(kernel, dtype=np.float32)
            bias_arr = np.asarray(bias, dtype=np.float32)
            want = (sizes[i], sizes[i + 1])
            if kernel_arr.shape != want or bias_arr.shape != (sizes[i + 1],):
                raise ValueError(
                    f"initial[{k}][{i}]: kernel {kernel_arr.shape} / bias {bias_arr.shape}, "
                    f"expected {want} / {(sizes[i + 1],)}"
                )
            pairs.append((kernel_arr, bias_arr))
        models.append(pairs)
    return models


def stack_initial(models: list[list[WeightPair]], *, shared: bool) -> list[FloatArray]:
    """The stacked layout, kernels then biases (the order of ``Group.variables``).

    Deeper layers are ``[K, ...]``. With shared batches the first kernels sit side by side,
    ``[d, K*units]``, so one matrix multiply serves all K models; with per-model batches the
    first layer is ``[K, d, units]`` like the others.
    """
    if shared:
        kernels = [np.concatenate([m[0][0] for m in models], axis=1)]
        biases = [np.concatenate([m[0][1] for m in models], axis=0)]
    else:
        kernels = [np.stack([m[0][0] for m in models])]
        biases = [np.stack([m[0][1] for m in models])]
    for i in range(1, len(models[0])):
        kernels.append(np.stack([m[i][0] for m in models]))
        biases.append(np.stack([m[i][1] for m in models]))
    return [*kernels, *biases]


class StackedModels:
    """K trained models; index k follows the order of ``initial`` given to ``train_stacked``.

    The trained weights are kept as NumPy snapshots, so a later ``train_stacked`` call that reuses
    the compiled group does not change them; ``evaluate`` loads them back into the group.
    """

    def __init__(
        self,
        groups: Sequence[tuple[Group, list[FloatArray]]],
        epoch_losses: Sequence[FloatArray],
        train_seconds: float,
        eval_batch_size: int,
    ) -> None:
        self._groups = tuple(groups)
        self.layers: tuple[Layer, ...] = groups[0][0].layers
        #: Models trained per stacked computation (K is split when it exceeds the memory budget).
        self.group_sizes = tuple(group.k for group, _ in groups)
        self.k = sum(self.group_sizes)
        #: Per epoch, each model's mean training loss over the epoch's batches (as ``fit`` logs).
        self.epoch_losses = tuple(epoch_losses)
        #: Wall time of the training loop, XLA compilation included when it was not cached.
        self.train_seconds = train_seconds
        self._eval_batch_size = eval_batch_size

    def weights(self) -> list[list[WeightPair]]:
        """``weights()[k][i]`` is ``(kernel, bias)`` of model k, layer i, as float32 arrays."""
        return [
            model
            for group, arrays in self._groups
            for model in unstack(self.layers, group.k, arrays, shared=group.shared)
        ]

    def evaluate(
        self, x: npt.ArrayLike, y: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Per-model mean sparse categorical crossentropy and accuracy on ``(x, y)``."""
        import tensorflow as tf

        x_t, y_t = _as_tensors(x, y)
        n = int(x_t.shape[0])
        if n == 0:
            raise ValueError("evaluate() got no rows")
        losses: list[npt.NDArray[np.float64]] = []
        accuracies: list[npt.NDArray[np.float64]] = []
        with tf.device(_device()):
            for group, arrays in self._groups:
                group.load(arrays, reset_optimizer=False)
                loss_sum, hits = group.evaluate(x_t, y_t, self._eval_batch_size)
                losses.append(loss_sum / n)
                accuracies.append(hits / n)
        return np.concatenate(losses), np.concatenate(accuracies)


def _device() -> str:
    import tensorflow as tf

    return "/GPU:0" if tf.config.list_logical_devices("GPU") else "/CPU:0"


def _as_tensors(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[tf.Tensor, tf.Tensor]:
    import tensorflow as tf

    x_arr = np.asarray(x, dtype=np.float32)
    y_arr = np.asarray(y)
    if x_arr.ndim != 2:
        raise ValueError(
            f"x must be 2-D (rows, features) with the input flattened, got {x_arr.shape}"
        )
    if y_arr.ndim != 1 or y_arr.shape[0] != x_arr.shape[0]:
        raise ValueError(
            f"y must be 1-D integer labels of length {x_arr.shape[0]}, got {y_arr.shape}"
        )
    return tf.constant(x_arr), tf.constant(y_arr.astype(np.int32))


def _optimizer_config(
    optimizer: str, learning_rate: float, momentum: float, nesterov: bool
) -> OptimizerConfig:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer {optimizer!r} is not supported (supported: {OPTIMIZERS})")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    if optimizer == "adam" and (momentum or nesterov):
        raise ValueError("momentum/nesterov apply to 'sgd' only")
    return OptimizerConfig(optimizer, float(learning_rate), float(momentum), bool(nesterov))


def _orders(
    n: int, epochs: int, shuffle_seed: int | Sequence[int | None] | None, models: int
) -> list[npt.NDArray[np.int64]]:
    """Each epoch's batch order: one shared by all models, or (one seed per model) stacked."""
    if shuffle_seed is None or isinstance(shuffle_seed, int | np.integer):
        return batch_order(n, epochs, None if shuffle_seed is None else int(shuffle_seed))
    seeds = list(shuffle_seed)
    if len(seeds) != models:
        raise ValueError(
            f"shuffle_seed has {len(seeds)} seeds for {models} models; pass one per "
            "model, or one int for all"
        )
    per_model = [batch_order(n, epochs, seed) for seed in seeds]
    return [np.stack([order[e] for order in per_model]) for e in range(epochs)]


def train_stacked(
    layers: Sequence[Layer],
    initial: Sequence[Sequence[tuple[Any, Any]]],
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    optimizer: str = "sgd",
    shuffle_seed: int | Sequence[int | None] | None,
    momentum: float = 0.0,
    nesterov: bool = False,
    memory_budget_bytes: int | None = None,
    cache_bytes: int | None = None,
    eval_batch_size: int = 1000,
    on_epoch_end: Callable[[int, FloatArray], None] | None = None,
) -> StackedModels:
    """Train ``len(initial)`` MLPs ``layers`` (``(units, activation)`` per Dense layer) at once.

    ``initial[k][i]`` is ``(kernel, bias)`` of model k, layer i. ``x`` is ``(rows, features)``
    float, ``y`` integer class labels; the loss is Keras' sparse categorical crossentropy (last
    activation ``softmax``, or ``linear`` read as logits). ``optimizer`` is ``"sgd"`` (Keras SGD,
    with ``momentum``/``nesterov``) or ``"adam"`` (Keras defaults).

    ``shuffle_seed`` (an int, or None for the data order) gives every model the same batches in
    the same order (``batch_order``), and the first layer of all models is one matrix multiply.
    A sequence of K seeds gives model k its own order ``batch_order(n, epochs, shuffle_seed[k])``
    (seed-to-seed noise then includes the data order, as separate ``fit(shuffle=True)`` runs
    have); every layer is then a batched multiply, a little slower per model.

    With ``memory_budget_bytes``, the models train in consecutive groups of ``choose_k`` models.
    On a CPU, groups are also kept to what fits the last-level cache (``cache_bytes``, default
    the machine's L3; ``stacked.memory.cache_k`` has the measurement), split evenly.
    ``on_epoch_end(epoch, losses)`` gets a group's mean training loss per model after each epoch.
    """
    checked = _check_layers(layers)
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    config = _optimizer_config(optimizer, learning_rate, momentum, nesterov)
    import tensorflow as tf

    x_t, y_t = _as_tensors(x, y)
    sizes = layer_sizes(int(x_t.shape[1]), checked)
    models = _check_initial(initial, sizes)
    cap = len(models)
    if memory_budget_bytes is not None:
        cap = choose_k(
            sizes, batch_size, memory_budget_bytes, optimizer=config.memory_kind,
            eval_batch_size=eval_batch_size, max_k=len(models),
        )  # fmt: skip
    device = _device()
    if device == "/CPU:0":
        cap = min(cap, cache_k(sizes, cache_bytes or last_level_cache_bytes()))
    bounds = list(itertools.accumulate(even_groups(len(models), cap), initial=0))
    shared = shuffle_seed is None or isinstance(shuffle_seed, int | np.integer)
    orders = _orders(int(x_t.shape[0]), epochs, shuffle_seed, len(models))
    start = time.perf_counter()
    groups: list[tuple[Group, list[FloatArray]]] = []
    per_epoch: list[list[FloatArray]] = [[] for _ in range(epochs)]
    with tf.device(device):
        for first, end in itertools.pairwise(bounds):
            members = models[first:end]
            group = group_for(checked, sizes[0], len(members), config, shared=shared)
            group.load(stack_initial(members, shared=shared), reset_optimizer=True)
            for epoch, order in enumerate(orders):
                rows = order if shared else order[first:end]
                losses = group.train_epoch(x_t, y_t, rows, batch_size)
                per_epoch[epoch].append(losses)
                if on_epoch_end is not None:
                    on_epoch_end(epoch, losses)
            groups.append((group, group.snapshot()))
    seconds = time.perf_counter() - start
    epoch_losses = [np.concatenate(parts) for parts in per_epoch]
    return StackedModels(groups, epoch_losses, seconds, eval_batch_size)
