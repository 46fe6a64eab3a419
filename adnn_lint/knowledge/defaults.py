"""Keras facts the spec side needs and the catalog does not hold: optimizer identifiers with
their default learning rates, and ``Model.fit`` defaults. Checked against the installed Keras by
a runtime test (``tests/spec/test_spec_extract.py``)."""

from __future__ import annotations

from collections.abc import Mapping

#: Keras 3 optimizers' default learning rates (``keras.optimizers.X().learning_rate``); checked
#: against the installed Keras by a runtime test.
DEFAULT_LEARNING_RATES: Mapping[str, float] = {
    "sgd": 0.01,
    "adam": 0.001,
    "rmsprop": 0.001,
    "adagrad": 0.001,
    "adadelta": 0.001,
    "adamax": 0.001,
    "nadam": 0.001,
    "ftrl": 0.001,
    "adamw": 0.001,
    "lion": 0.001,
    "adafactor": 0.001,
    "muon": 0.001,
}
#: Keras 3 ``SGD``'s arguments after ``learning_rate`` (its own two, then the base optimizer's);
#: checked against the installed Keras by a runtime test.
SGD_ARGUMENTS = (
    "momentum",
    "nesterov",
    "weight_decay",
    "clipnorm",
    "clipvalue",
    "global_clipnorm",
    "use_ema",
    "ema_momentum",
    "ema_overwrite_frequency",
    "loss_scale_factor",
    "gradient_accumulation_steps",
    "name",
)
#: Arguments of Keras 2's SGD that Keras 3 removed, with what to write instead. ``decay`` is
#: learning-rate decay (``lr / (1 + decay * step)``), not ``weight_decay``.
LEGACY_SGD_ARGUMENTS = {
    "decay": (
        "'decay' is the learning-rate decay of Keras < 2.11's SGD, removed since (it is not "
        "weight_decay, which shrinks the weights): remove it from train.optimizer_options and "
        "decay the rate in code, learning_rate=keras.optimizers.schedules.InverseTimeDecay("
        "initial_learning_rate, decay_steps=1, decay_rate=decay)"
    ),
}
#: TF 1 optimizer classes (``tf.train.GradientDescentOptimizer``) by their Keras names.
TF1_OPTIMIZERS = {"gradientdescent": "sgd", "momentum": "sgd"}
#: ``Model.fit`` defaults that apply when the argument is absent.
FIT_DEFAULTS = {"epochs": 1, "batch_size": 32}
