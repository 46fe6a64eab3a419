"""The executor seam: trains a batch of candidate initializations and reports their scores.

A :class:`Job` is plain data (a point or None, two seeds, a split), so a distributed engine can
take the jobs over by implementing :class:`Executor`: ``adnn_lint.runtime.executors.ray`` runs them
as Ray tasks, each task an :class:`InProcessExecutor` on a worker.

:class:`InProcessExecutor` trains in this process. For a plain MLP (Flatten? -> Dense* ->
softmax, sparse categorical cross-entropy) it uses the stacked trainer
(``runtime.stacked.trainer.train_stacked``): jobs that share a split are trained together as
stacked models, each with its own data order (``order_seed``), in groups that fit
``memory_budget_bytes``, and each is charged an equal share of the batch's time. Anything else,
or when the stacked trainer is not installed, runs one Keras ``fit()`` per job
(``adnn_lint.runtime.train``). Both paths start from the same arrays
(``adnn_lint.runtime.build.sample_initial``); one executor uses one path for every job, so
baseline, search and verdict runs are always comparable.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from adnn_lint.runtime import build
from adnn_lint.runtime.data import Dataset
from adnn_lint.runtime.train import Prepared, fit_and_evaluate, prepare, reset
from adnn_lint.spec.model import Spec

EvalSplit = Literal["validation", "test"]
DEFAULT_MEMORY_BUDGET = 1 << 30  # bytes the stacked trainer may use for one batch


@dataclass(frozen=True)
class Job:
    """One training run: ``point`` None means the spec's own initializers.

    ``fraction`` < 1 is a screening run of successive halving: it trains on the first
    ``ceil(fraction * N)`` of the N training examples, i.e. that share of every epoch's steps.
    """

    key: str
    point: Mapping[str, float] | None
    seed: int  # initial weights
    order_seed: int  # data order
    split: EvalSplit
    fraction: float = 1.0


def training_rows(total: int, fraction: float) -> int:
    """How many of ``total`` training examples a run with ``fraction`` of the budget sees."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"a training fraction must be in (0, 1], got {fraction}")
    return max(1, math.ceil(fraction * total))


@dataclass(frozen=True)
class Outcome:
    """A finished run, or (``error`` set; accuracy and loss NaN) one that kept failing."""

    key: str
    accuracy: float
    loss: float
    seconds: float
    error: str | None = None

    @classmethod
    def failed(cls, key: str, error: str, seconds: float = 0.0) -> Outcome:
        return cls(key, math.nan, math.nan, seconds, error)


class Executor(Protocol):
    trainer: str  # "stacked" or "keras", recorded in the results' environment

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        """Train every job; yield each outcome as soon as it is known (any order)."""
        ...


def limit_threads(threads: int | None) -> int:
    """Give TensorFlow ``threads`` intra-op and inter-op threads; return the intra-op setting.

    None leaves TensorFlow's default (0: one per core). TensorFlow fixes its thread pools when
    it first runs an op, so this must come first in the process; a later call that asks for a
    different number raises RuntimeError rather than silently running with other settings.
    """
    import tensorflow as tf

    if threads is None:
        return int(tf.config.threading.get_intra_op_parallelism_threads())
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    current = tf.config.threading.get_intra_op_parallelism_threads()
    if current != threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    return threads


def _stacked_module() -> Any | None:
    try:
        return importlib.import_module("adnn_lint.runtime.stacked.trainer")
    except ImportError:
        return None


class InProcessExecutor:
    """Trains jobs here, stacked when the model allows it (see module docstring)."""

    slots = 1  # runs trained at the same time (a distributed executor has more)

    def __init__(
        self,
        spec: Spec,
        data: Dataset,
        *,
        stacked: bool = True,
        memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET,
        model_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.spec = spec
        self.data = data
        self.input_shape = build.model_input_shape(spec, data.input_shape)
        self.x_train = build.adapt_inputs(data.x_train, self.input_shape)
        self._eval = {
            "validation": (build.adapt_inputs(data.x_val, self.input_shape), data.y_val),
            "test": (build.adapt_inputs(data.x_test, self.input_shape), data.y_test),
        }
        self.memory_budget_bytes = memory_budget_bytes
        # --entry: the user's own function builds the model (run only when the user asks).
        self.model_factory = model_factory
        self.stack = None if model_factory else build.dense_stack(spec, self.input_shape)
        self._stacked = _stacked_module() if stacked and self.stack is not None else None
        if self._stacked is not None and not self._stackable():
            self._stacked = None
        self.trainer = "stacked" if self._stacked is not None else "keras"
        # Build once to check the spec and learn the weight shapes.
        model = self._model()
        self.names = build.match_layers(spec, model)
        self.shapes = build.spec_shapes(spec, model, self.names)
        self._prepared: Prepared | None = None

    def _model(self) -> Any:
        if self.model_factory is not None:
            return self.model_factory()
        return build.build_model(self.spec, self.input_shape, self.data.classes)

    def _stackable(self) -> bool:
        assert self._stacked is not None and self.stack is not None
        activations = set(getattr(self._stacked, "ACTIVATIONS", ()))
        train = self.spec.train
        # An optimizer argument the stacked trainer does not reproduce sends the spec to fit().
        supported = getattr(self._stacked, "OPTIMIZER_OPTIONS", {}).get(train.optimizer)
        return (supported is not None and set(train.optimizer_options) <= supported) and all(
            activation in activations for _units, activation in self.stack.layers
        )

    def initial(self, job: Job) -> build.InitialValues:
        return build.sample_initial(self.spec, self.shapes, job.point, job.seed)

    def run(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        if self._stacked is None:
            for job in jobs:
                yield self._run_keras(job)
            return
        # Jobs with different data orders still train as one stacked computation (each model
        # with its own batch order); the evaluation split and the training share must be shared.
        groups: dict[tuple[str, float], list[Job]] = {}
        for job in jobs:
            groups.setdefault((job.split, job.fraction), []).append(job)
        for group in groups.values():
            yield from self._run_stacked(group)

    def _keras_model(self, job: Job) -> Any:
        """The compiled model for ``job``, reset; a user's --entry model is rebuilt every run."""
        import keras

        keras.utils.set_random_seed(job.seed)
        if self.model_factory is not None:
            prepared = prepare(self.model_factory(), self.spec.train)
        else:
            if self._prepared is None:
                self._prepared = prepare(self._model(), self.spec.train)
            prepared = self._prepared
        reset(prepared, job.order_seed)
        return prepared.model

    def _run_keras(self, job: Job) -> Outcome:
        model = self._keras_model(job)
        # A user's model gets fresh automatic layer names every time it is built.
        names = self.names if self.model_factory is None else build.match_layers(self.spec, model)
        build.assign_initial(self.spec, model, self.initial(job), names)
        x_eval, y_eval = self._eval[job.split]
        rows = training_rows(len(self.x_train), job.fraction)
        result = fit_and_evaluate(
            model,
            self.spec.train,
            self.x_train[:rows],
            self.data.y_train[:rows],
            x_eval,
            y_eval,
            classes=self.data.classes,
            order_seed=job.order_seed,
        )
        return Outcome(job.key, result.accuracy, result.loss, result.seconds)

    def _run_stacked(self, jobs: Sequence[Job]) -> Iterator[Outcome]:
        assert self._stacked is not None and self.stack is not None
        import keras

        start = time.perf_counter()
        initial = [build.dense_arrays(self.stack, self.initial(job)) for job in jobs]
        orders = [job.order_seed for job in jobs]
        # One shared order lets the first layer of all K models run as a single matmul.
        shuffle_seed: int | list[int] = orders[0] if len(set(orders)) == 1 else orders
        keras.utils.set_random_seed(orders[0])
        train = self.spec.train
        rows = training_rows(len(self.x_train), jobs[0].fraction)
        models = self._stacked.train_stacked(
            list(self.stack.layers),
            initial,
            self.x_train[:rows].reshape(rows, -1),
            self.data.y_train[:rows],
            epochs=train.epochs,
            batch_size=train.batch_size,
            learning_rate=train.learning_rate,
            optimizer=train.optimizer,
            momentum=float(train.optimizer_options.get("momentum", 0.0) or 0.0),
            nesterov=bool(train.optimizer_options.get("nesterov", False)),
            shuffle_seed=shuffle_seed,
            memory_budget_bytes=self.memory_budget_bytes,
        )
        x_eval, y_eval = self._eval[jobs[0].split]
        losses, accuracies = models.evaluate(x_eval.reshape(len(x_eval), -1), y_eval)
        share = (time.perf_counter() - start) / len(jobs)
        for job, loss, accuracy in zip(
            jobs, np.asarray(losses), np.asarray(accuracies), strict=True
        ):
            yield Outcome(job.key, float(accuracy), float(loss), share)
