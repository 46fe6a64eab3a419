"""One model, one run: Keras ``fit()`` from given initial arrays, then evaluation.

The data order of every epoch is a permutation drawn from ``order_seed`` with NumPy and fed to
``fit(shuffle=False)``, so the order is a documented function of the seed, independent of
TensorFlow's random state; ``keras.utils.set_random_seed(order_seed)`` covers the rest.

Building and compiling a Keras model costs far more than training a small one (every new model
traces new TensorFlow functions), so a :class:`Prepared` model is compiled once and *reset*
before each run: every model and optimizer variable goes back to its value right after
building, and each random-layer seed generator (Dropout, noise) is re-seeded from the run's
``order_seed``. A run therefore does not depend on the runs before it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from adnn_lint.spec.model import TrainSpec


@dataclass(frozen=True)
class Evaluation:
    loss: float
    accuracy: float
    seconds: float


def make_optimizer(train: TrainSpec) -> Any:
    import keras

    try:
        optimizer = keras.optimizers.get(train.optimizer)
    except ValueError as exc:
        raise ValueError(f"train.optimizer: {train.optimizer!r} is not a Keras optimizer") from exc
    config = {**dict(train.optimizer_options), "learning_rate": train.learning_rate}
    try:
        return type(optimizer)(**config)
    except (TypeError, ValueError) as exc:
        # Keras names the argument: an unknown keyword (TypeError) or a bad value (ValueError).
        raise ValueError(f"train.optimizer_options: {exc}") from exc


@dataclass(frozen=True)
class Prepared:
    """A compiled model plus the state to reset it to before each run."""

    model: Any
    variables: tuple[Any, ...]
    optimizer_variables: tuple[Any, ...]


def prepare(model: Any, train: TrainSpec) -> Prepared:
    """Compile ``model`` once and remember its just-built state."""
    model.compile(optimizer=make_optimizer(train), loss=train.loss, metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)
    return Prepared(
        model=model,
        variables=tuple(np.array(v.numpy()) for v in model.variables),
        optimizer_variables=tuple(np.array(v.numpy()) for v in model.optimizer.variables),
    )


def reset(prepared: Prepared, order_seed: int) -> None:
    """Back to the just-built state; seed generators from ``order_seed``."""
    model = prepared.model
    for variable, value in zip(model.variables, prepared.variables, strict=True):
        if variable.path.endswith("seed_generator_state"):
            # Keras seeds a SeedGenerator with state [seed, 0].
            variable.assign(np.array([order_seed, 0], dtype=value.dtype))
        else:
            variable.assign(value)
    for variable, value in zip(
        model.optimizer.variables, prepared.optimizer_variables, strict=True
    ):
        variable.assign(value)


def _labels_for(loss: str, y: npt.NDArray[np.int64], classes: int) -> Any:
    if loss == "categorical_crossentropy":
        return np.eye(classes, dtype=np.float32)[y]
    return y


def fit_and_evaluate(
    model: Any,
    train: TrainSpec,
    x: npt.NDArray[np.float32],
    y: npt.NDArray[np.int64],
    x_eval: npt.NDArray[np.float32],
    y_eval: npt.NDArray[np.int64],
    *,
    classes: int,
    order_seed: int,
) -> Evaluation:
    """Train the compiled ``model`` (initial weights already set, see ``reset``), evaluate."""
    import keras

    start = time.perf_counter()
    keras.utils.set_random_seed(order_seed)
    rng = np.random.default_rng(order_seed)
    labels = _labels_for(train.loss, y, classes)
    for _ in range(train.epochs):
        order = rng.permutation(len(x))
        model.fit(
            x[order], labels[order], batch_size=train.batch_size, epochs=1, shuffle=False, verbose=0
        )
    scores = model.evaluate(
        x_eval,
        _labels_for(train.loss, y_eval, classes),
        batch_size=max(train.batch_size, 256),
        verbose=0,
        return_dict=True,
    )
    return Evaluation(
        loss=float(scores["loss"]),
        accuracy=float(scores["accuracy"]),
        seconds=time.perf_counter() - start,
    )
