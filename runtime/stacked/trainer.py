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
model ends with the same weights within float tolerance (``tests/test_stacked_equivalence.py``).
TensorFlow is imported when a function runs, never at import time.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from adnn_lint.runtime.stacked.memory import cache_k, choose_k, even_groups, last_level_cache_bytes

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
_ADAM_BETA_1 = 0.9
_ADAM_BETA_2 = 0.999
_ADAM_EPSILON = 1e-7


@dataclass(frozen=True)
class OptimizerConfig:
    """Keras-equivalent optimizer settings shared by all K models (each keeps its own state)."""

    name: str
    learning_rate: float
    momentum: float = 0.0
    nesterov: bool = False

    @property
    def memory_kind(self) -> str:
        """The key of ``stacked_memory.OPTIMIZER_SLOTS`` for this optimizer."""
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


def _activation(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
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


def _stack_initial(models: list[list[WeightPair]], *, shared: bool) -> list[FloatArray]:
    """The stacked layout, kernels then biases (the order of ``_Group.variables``).

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


class _Group:
    """Stacked TensorFlow variables and compiled functions for K models of one shape.

    Groups are cached by shape (``_group_for``) and reloaded with new initial values, so a
    verifier that trains many populations of the same model compiles its XLA step once.
    """

    def __init__(
        self,
        layers: tuple[Layer, ...],
        input_width: int,
        k: int,
        config: OptimizerConfig,
        *,
        shared: bool,
    ) -> None:
        import tensorflow as tf

        self.k = k
        self.shared = shared
        self.layers = layers
        self.units = [units for units, _ in layers]
        self._acts = [_activation(name) for _, name in layers]
        self.config = config
        widths = [input_width, *self.units]
        if shared:
            self.kernels = [tf.Variable(tf.zeros((input_width, k * widths[1])), name="kernel_0")]
            self.biases = [tf.Variable(tf.zeros((k * widths[1],)), name="bias_0")]
        else:
            self.kernels = [tf.Variable(tf.zeros((k, input_width, widths[1])), name="kernel_0")]
            self.biases = [tf.Variable(tf.zeros((k, widths[1])), name="bias_0")]
        for i in range(1, len(layers)):
            shape = (k, widths[i], widths[i + 1])
            self.kernels.append(tf.Variable(tf.zeros(shape), name=f"kernel_{i}"))
            self.biases.append(tf.Variable(tf.zeros((k, widths[i + 1])), name=f"bias_{i}"))
        self.variables = [*self.kernels, *self.biases]
        slots = {"sgd": 0, "momentum": 1, "adam": 2}[config.memory_kind]
        self.slots = [
            [tf.Variable(tf.zeros_like(v), trainable=False) for v in self.variables]
            for _ in range(slots)
        ]
        self.iterations = tf.Variable(0, dtype=tf.int64, trainable=False)
        self._train_step = tf.function(self._step, jit_compile=True, reduce_retracing=True)
        self._epochs: dict[int, Any] = {}  # batch size -> compiled epoch loop
        self._eval = tf.function(self._eval_chunk, jit_compile=True, reduce_retracing=True)

    def load(self, arrays: Sequence[FloatArray], *, reset_optimizer: bool) -> None:
        """Set the weights (stacked layout); a new training also starts a fresh optimizer."""
        for var, value in zip(self.variables, arrays, strict=True):
            var.assign(value)
        if reset_optimizer:
            for slot in self.slots:
                for var in slot:
                    var.assign(np.zeros(var.shape, np.float32))
            self.iterations.assign(0)

    def snapshot(self) -> list[FloatArray]:
        return [np.asarray(var.numpy(), dtype=np.float32) for var in self.variables]

    # -- the model -------------------------------------------------------------------------
    def logits(self, x: tf.Tensor, x_t: tf.Tensor | None = None) -> tf.Tensor:
        """Pre-activations of the last layer, ``[K, rows, classes]``.

        ``x`` is ``[rows, d]`` (every model reads the same rows) or, for per-model batches,
        ``[K, rows, d]``. ``x_t``, when given, is ``x`` with its last two axes swapped, laid out
        in memory that way: the first layer's kernel gradient is then a plain matrix multiply.
        """
        import tensorflow as tf

        if self.shared:
            rows = tf.shape(x)[0]
            z = _first_layer(x, x_t, self.kernels[0]) + self.biases[0]
            z = tf.transpose(tf.reshape(z, (rows, self.k, self.units[0])), (1, 0, 2))
        elif x.shape.rank == 2:
            z = tf.einsum("rd,kdu->kru", x, self.kernels[0]) + self.biases[0][:, None, :]
        else:
            z = _first_layer(x, x_t, self.kernels[0]) + self.biases[0][:, None, :]
        for i in range(1, len(self.layers)):
            h = self._acts[i - 1](z)
            z = tf.matmul(h, self.kernels[i]) + self.biases[i][:, None, :]
        return z

    def _per_model_losses(self, logits: tf.Tensor, y: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
        """Each model's mean crossentropy over the rows where ``mask`` is 1."""
        import tensorflow as tf

        labels = tf.broadcast_to(y, tf.shape(logits)[:2])
        # Keras recovers the logits behind a softmax output (``_keras_logits``) and uses this op.
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        # A padded short last batch keeps one compiled shape; its mean is over its real rows,
        # as Keras' sum-over-batch-size reduction of that batch.
        return tf.reduce_sum(ce * mask, axis=1) / tf.reduce_sum(mask)

    # -- training --------------------------------------------------------------------------
    def _step(self, x: tf.Tensor, x_t: tf.Tensor, y: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            losses = self._per_model_losses(self.logits(x, x_t), y, mask)
            # Models share no variable, so d(sum)/dw is each model's own gradient.
            total = tf.reduce_sum(losses)
        grads = tape.gradient(total, self.variables)
        self._apply(grads)
        return losses

    def _apply(self, grads: Sequence[tf.Tensor]) -> None:
        import tensorflow as tf

        cfg = self.config
        lr = tf.constant(cfg.learning_rate, tf.float32)
        self.iterations.assign_add(1)
        if cfg.name == "adam":
            step = tf.cast(self.iterations, tf.float32)
            alpha = lr * tf.sqrt(1.0 - _ADAM_BETA_2**step) / (1.0 - _ADAM_BETA_1**step)
            for var, grad, m, v in zip(self.variables, grads, *self.slots, strict=True):
                m.assign_add((grad - m) * (1.0 - _ADAM_BETA_1))
                v.assign_add((tf.square(grad) - v) * (1.0 - _ADAM_BETA_2))
                var.assign_sub((m * alpha) / (tf.sqrt(v) + _ADAM_EPSILON))
        elif cfg.momentum:
            mom = tf.constant(cfg.momentum, tf.float32)
            for var, grad, m in zip(self.variables, grads, self.slots[0], strict=True):
                m.assign(m * mom - grad * lr)
                if cfg.nesterov:
                    var.assign_add(m * mom - grad * lr)
                else:
                    var.assign_add(m)
        else:
            for var, grad in zip(self.variables, grads, strict=True):
                var.assign_sub(grad * lr)

    def _epoch_loop(
        self, x: tf.Tensor, y: tf.Tensor, order: tf.Tensor, mask: tf.Tensor, batch: int
    ) -> tf.Tensor:
        import tensorflow as tf

        total = tf.zeros([self.k], tf.float32)
        # ``order`` is ``[steps*batch]`` (shared) or ``[K, steps*batch]`` (per-model batches).
        for s in tf.range(tf.shape(order)[-1] // batch):
            rows = order[..., s * batch : (s + 1) * batch]
            x_b = tf.gather(x, rows)
            # Transposed here, outside the XLA step, so XLA cannot fold it back into the dot.
            x_t = tf.linalg.matrix_transpose(x_b)
            total += self._train_step(
                x_b, x_t, tf.gather(y, rows), mask[s * batch : (s + 1) * batch]
            )
        return total

    def train_epoch(
        self, x: tf.Tensor, y: tf.Tensor, order: npt.NDArray[np.int64], batch: int
    ) -> FloatArray:
        """One epoch over ``order`` (``[n]``, or ``[K, n]``): each model's mean batch loss."""
        import tensorflow as tf

        steps = math.ceil(order.shape[-1] / batch)
        padded, mask = _pad(order, steps * batch)
        epoch = self._epochs.get(batch)
        if epoch is None:
            # Unknown row counts in the signature: a call with other data (a new split, a
            # warm-up on a subset) reuses the traced loop instead of tracing it again.
            order_shape = [None] if self.shared else [self.k, None]
            epoch = tf.function(
                functools.partial(self._epoch_loop, batch=batch),
                input_signature=[
                    tf.TensorSpec([None, x.shape[1]], tf.float32),
                    tf.TensorSpec([None], tf.int32),
                    tf.TensorSpec(order_shape, tf.int32),
                    tf.TensorSpec([None], tf.float32),
                ],
            )
            self._epochs[batch] = epoch
        total = epoch(x, y, tf.constant(padded, tf.int32), tf.constant(mask))
        return np.asarray(total.numpy() / steps, dtype=np.float32)

    # -- evaluation ------------------------------------------------------------------------
    def _eval_chunk(
        self, x: tf.Tensor, y: tf.Tensor, mask: tf.Tensor
    ) -> tuple[tf.Tensor, tf.Tensor]:
        import tensorflow as tf

        logits = self.logits(x)
        labels = tf.broadcast_to(y, tf.shape(logits)[:2])
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        predicted = tf.argmax(logits, axis=-1, output_type=tf.int32)
        hits = tf.cast(tf.equal(predicted, labels), tf.float32)
        return tf.reduce_sum(ce * mask, axis=1), tf.reduce_sum(hits * mask, axis=1)

    def evaluate(
        self, x: tf.Tensor, y: tf.Tensor, chunk: int
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Summed crossentropy and hit count per model, ``chunk`` rows at a time."""
        import tensorflow as tf

        n = int(x.shape[0])
        chunk = min(chunk, n)
        loss_sum = np.zeros(self.k, np.float64)
        hit_sum = np.zeros(self.k, np.float64)
        for start in range(0, n, chunk):
            rows, mask = _pad(np.arange(start, min(start + chunk, n)), chunk)
            rows_t = tf.constant(rows, tf.int32)
            ce, hits = self._eval(tf.gather(x, rows_t), tf.gather(y, rows_t), tf.constant(mask))
            loss_sum += ce.numpy()
            hit_sum += hits.numpy()
        return loss_sum, hit_sum


def _first_layer(x: tf.Tensor, x_t: tf.Tensor | None, kernel: tf.Tensor) -> tf.Tensor:
    """``x @ kernel``; its kernel gradient is ``x_t @ dz`` when the batch comes pre-transposed.

    XLA on CPU runs the gradient's transposed-operand product (``x^T dz`` as one dot with the
    rows contracted) about 1.4x slower than the same product from a materialised ``x^T``
    (benchmarks/RESULTS.md); ``x`` is input data, so no gradient flows to it.
    """
    import tensorflow as tf

    if x_t is None:
        return tf.matmul(x, kernel)

    @tf.custom_gradient  # type: ignore[untyped-decorator]
    def product(k: tf.Tensor) -> tuple[tf.Tensor, Callable[[tf.Tensor], tf.Tensor]]:
        def grad(dz: tf.Tensor) -> tf.Tensor:
            return tf.matmul(x_t, dz)

        return tf.matmul(x, k), grad

    return product(kernel)


def _pad(rows: npt.NDArray[np.int64], size: int) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """``rows`` (last axis) padded to ``size`` with row 0, and the mask of the real rows."""
    real = rows.shape[-1]
    mask = np.zeros(size, np.float32)
    mask[:real] = 1.0
    padded = np.zeros((*rows.shape[:-1], size), np.int64)
    padded[..., :real] = rows
    return padded, mask


_GROUP_CACHE: OrderedDict[tuple[object, ...], _Group] = OrderedDict()
#: Shapes kept compiled at once: enough for a verifier alternating seeds and search batches.
_GROUP_CACHE_SIZE = 2


def _group_for(
    layers: tuple[Layer, ...], input_width: int, k: int, config: OptimizerConfig, *, shared: bool
) -> _Group:
    key = (layers, input_width, k, config, shared)
    group = _GROUP_CACHE.pop(key, None)
    if group is None:
        group = _Group(layers, input_width, k, config, shared=shared)
    _GROUP_CACHE[key] = group
    while len(_GROUP_CACHE) > _GROUP_CACHE_SIZE:
        _GROUP_CACHE.popitem(last=False)
    return group


def _unstack(
    layers: Sequence[Layer], k: int, arrays: Sequence[FloatArray], *, shared: bool
) -> list[list[WeightPair]]:
    """Per-model ``(kernel, bias)`` pairs from the stacked layout of ``_stack_initial``."""
    depth = len(layers)
    kernels, biases = arrays[:depth], arrays[depth:]
    width = layers[0][0]
    models: list[list[WeightPair]] = []
    for m in range(k):
        if shared:
            cols = slice(m * width, (m + 1) * width)
            pairs = [(kernels[0][:, cols].copy(), biases[0][cols].copy())]
        else:
            pairs = [(kernels[0][m].copy(), biases[0][m].copy())]
        pairs.extend((kernels[i][m].copy(), biases[i][m].copy()) for i in range(1, depth))
        models.append(pairs)
    return models


class StackedModels:
    """K trained models; index k follows the order of ``initial`` given to ``train_stacked``.

    The trained weights are kept as NumPy snapshots, so a later ``train_stacked`` call that reuses
    the compiled group does not change them; ``evaluate`` loads them back into the group.
    """

    def __init__(
        self,
        groups: Sequence[tuple[_Group, list[FloatArray]]],
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
            for model in _unstack(self.layers, group.k, arrays, shared=group.shared)
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
    the machine's L3; ``stacked_memory.cache_k`` has the measurement), split evenly.
    ``on_epoch_end(epoch, losses)`` gets a group's mean training loss per model after each epoch.
    """
    checked = _check_layers(layers)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer {optimizer!r} is not supported (supported: {OPTIMIZERS})")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    if optimizer == "adam" and (momentum or nesterov):
        raise ValueError("momentum/nesterov apply to 'sgd' only")
    config = OptimizerConfig(optimizer, float(learning_rate), float(momentum), bool(nesterov))
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
    n = int(x_t.shape[0])
    shared = shuffle_seed is None or isinstance(shuffle_seed, int | np.integer)
    if shuffle_seed is None or isinstance(shuffle_seed, int | np.integer):
        orders = batch_order(n, epochs, None if shuffle_seed is None else int(shuffle_seed))
    else:
        seeds = list(shuffle_seed)
        if len(seeds) != len(models):
            raise ValueError(
                f"shuffle_seed has {len(seeds)} seeds for {len(models)} models; pass one per "
                "model, or one int for all"
            )
        per_model = [batch_order(n, epochs, seed) for seed in seeds]
        orders = [np.stack([order[e] for order in per_model]) for e in range(epochs)]
    start = time.perf_counter()
    groups: list[tuple[_Group, list[FloatArray]]] = []
    per_epoch: list[list[FloatArray]] = [[] for _ in range(epochs)]
    with tf.device(device):
        for first, end in itertools.pairwise(bounds):
            members = models[first:end]
            group = _group_for(checked, sizes[0], len(members), config, shared=shared)
            group.load(_stack_initial(members, shared=shared), reset_optimizer=True)
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
