"""Layer-sequential unit-variance (LSUV) initialization, Mishkin & Matas, ICLR 2016.

A data-dependent baseline initializer for a Dense MLP, in NumPy (no TensorFlow needed):

1. every kernel starts as a random orthonormal matrix (Saxe et al. 2014, as Keras' Orthogonal:
   QR of a Gaussian matrix with the signs of R's diagonal folded in), every bias at zero;
2. layer by layer, from the input: forward ONE mini-batch, measure the variance of the layer's
   output, divide the kernel by its standard deviation, and repeat until the variance is within
   ``tol`` of 1 or ``max_iter`` passes were made.

The measured output is the layer's pre-activation ``x W + b``. The paper speaks of "the output of
each layer", which in Caffe (in-place ReLU) is post-activation; we measure before the activation
because a softmax head can never reach variance 1 after its activation, and a ReLU layer scaled
pre-activation keeps its post-activation second moment at 1/2, the He condition.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]
Layer = tuple[int, str]  # (units, activation), as the stacked trainer takes them


def _softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    out: npt.NDArray[np.float64] = e / e.sum(axis=1, keepdims=True)
    return out


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805

_ACTIVATIONS: dict[str, Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]] = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "selu": lambda z: _SELU_SCALE * np.where(z > 0, z, _SELU_ALPHA * np.expm1(np.minimum(z, 0.0))),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "softmax": _softmax,
}


def orthonormal(shape: tuple[int, int], rng: np.random.Generator) -> Array:
    """A (rows, cols) matrix with orthonormal rows or columns, whichever are fewer."""
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
    if rows < cols:
        q = q.T
    return np.ascontiguousarray(q, dtype=np.float32)


@dataclass(frozen=True)
class LsuvReport:
    """Per layer: the output variance measured after the last rescaling, and the passes made."""

    variances: tuple[float, ...]
    iterations: tuple[int, ...]


def lsuv_init(
    layers: Sequence[Layer],
    x_batch: npt.ArrayLike,
    *,
    seed: int,
    tol: float = 0.1,
    max_iter: int = 10,
) -> tuple[list[tuple[Array, Array]], LsuvReport]:
    """LSUV initial (kernel, bias) per Dense layer of the MLP ``layers`` on input ``x_batch``.

    ``x_batch`` is one mini-batch, flattened to (rows, features). Raises ValueError on an
    activation it cannot evaluate or a batch with fewer than 2 rows.
    """
    x = np.asarray(x_batch, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"x_batch must be (rows >= 2, features), got shape {x.shape}")
    rng = np.random.default_rng(seed)
    weights: list[tuple[Array, Array]] = []
    variances: list[float] = []
    iterations: list[int] = []
    h = x
    fan_in = x.shape[1]
    for index, (units, activation) in enumerate(layers):
        name = (activation or "linear").lower()
        if name not in _ACTIVATIONS:
            raise ValueError(
                f"layers[{index}]: LSUV cannot evaluate activation {activation!r} "
                f"(supported: {', '.join(_ACTIVATIONS)})"
            )
        kernel = orthonormal((fan_in, int(units)), rng).astype(np.float64)
        bias = np.zeros(int(units))
        passes = 0
        variance = float(np.var(h @ kernel + bias))
        while abs(variance - 1.0) >= tol and passes < max_iter and variance > 0:
            kernel /= np.sqrt(variance)
            passes += 1
            variance = float(np.var(h @ kernel + bias))
        weights.append((kernel.astype(np.float32), bias.astype(np.float32)))
        variances.append(variance)
        iterations.append(passes)
        h = _ACTIVATIONS[name](h @ kernel + bias)
        fan_in = int(units)
    return weights, LsuvReport(tuple(variances), tuple(iterations))
