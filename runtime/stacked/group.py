"""One group of stacked models on the device: their weights, optimizer state and the compiled
training step and epoch loop (``tf.function`` with XLA), kept warm between calls of one shape."""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from adnn_lint.runtime.stacked.options import (
    ADAM_BETA_1,
    ADAM_BETA_2,
    ADAM_EPSILON,
    FloatArray,
    Layer,
    OptimizerConfig,
    WeightPair,
    activation_fn,
)

if TYPE_CHECKING:
    import tensorflow as tf


class Group:
    """Stacked TensorFlow variables and compiled functions for K models of one shape.

    Groups are cached by shape (``group_for``) and reloaded with new initial values, so a
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
        self._acts = [activation_fn(name) for _, name in layers]
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
            alpha = lr * tf.sqrt(1.0 - ADAM_BETA_2**step) / (1.0 - ADAM_BETA_1**step)
            for var, grad, m, v in zip(self.variables, grads, *self.slots, strict=True):
                m.assign_add((grad - m) * (1.0 - ADAM_BETA_1))
                v.assign_add((tf.square(grad) - v) * (1.0 - ADAM_BETA_2))
                var.assign_sub((m * alpha) / (tf.sqrt(v) + ADAM_EPSILON))
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


_GROUP_CACHE: OrderedDict[tuple[object, ...], Group] = OrderedDict()
#: Shapes kept compiled at once: enough for a verifier alternating seeds and search batches.
_GROUP_CACHE_SIZE = 2


def group_for(
    layers: tuple[Layer, ...], input_width: int, k: int, config: OptimizerConfig, *, shared: bool
) -> Group:
    key = (layers, input_width, k, config, shared)
    group = _GROUP_CACHE.pop(key, None)
    if group is None:
        group = Group(layers, input_width, k, config, shared=shared)
    _GROUP_CACHE[key] = group
    while len(_GROUP_CACHE) > _GROUP_CACHE_SIZE:
        _GROUP_CACHE.popitem(last=False)
    return group


def unstack(
    layers: Sequence[Layer], k: int, arrays: Sequence[FloatArray], *, shared: bool
) -> list[list[WeightPair]]:
    """Per-model ``(kernel, bias)`` pairs from the stacked layout of ``stack_initial``."""
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
