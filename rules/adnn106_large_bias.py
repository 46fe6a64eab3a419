"""ADNN106: a large constant bias, or a random bias where zeros is the safe default."""

from __future__ import annotations

from collections.abc import Iterable

from adnn_lint.rules._support import (
    catalog,
    constant_value,
    initialized,
    initializer_fix,
    layer_label,
    layers_of,
    written,
)
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding, InitializerRef, LayerRecord, Origin

#: A constant bias above this magnitude moves every unit's pre-activation past the region where
#: tanh/sigmoid have useful gradients (tanh'(1) = 0.42, tanh'(3) = 0.01).
LARGE = 1.0


class LargeBias(Rule):
    """A constant bias of large magnitude, or a random bias initializer, on a hidden layer.

    Why: a bias shifts every unit's pre-activation by the same amount before training has
    started. Beyond about 1 in magnitude that pushes tanh and sigmoid units into saturation
    (tanh'(3) = 0.01: the gradient all but vanishes), makes every ReLU unit dead (a large
    negative bias) or purely linear (a large positive one). A *random* bias adds nothing that
    the random kernel does not already give (symmetry is broken by the kernel) but it is one
    more draw that differs from run to run. Zeros, the Keras default, is the safe choice.

    The last layer of a model is not reported: initializing an output bias to a constant such
    as the log-odds of the class prior is a good practice.

    What to do: drop the argument (Keras uses zeros) or keep the bias small. The autofix sets it
    to ``'zeros'``; it is unsafe because a deliberate bias (a forget-gate bias of 1, a ReLU bias
    of 0.1) would be lost, which is why those small values are never reported.
    """

    code = "ADNN106"
    name = "large-bias"
    severity = "warning"
    summary = (
        "A constant bias of large magnitude, or a random bias where zeros is the safe default."
    )
    fixable = "unsafe"
    fix_does = "sets a bias initializer written in the layer call to `'zeros'`."
    fix_why = (
        "a large bias may be deliberate (a forget-gate bias, an output bias set to the class "
        "prior), and a random bias's draws change. An initializer bound to a name is not "
        "rewritten."
    )
    VALID = (
        # use_bias=False: the bias initializer is never used.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, use_bias=False, bias_initializer='random_normal'),
                keras.layers.Dense(1),
            ])
            """
        ),
        # A small positive ReLU bias is a known, deliberate trick.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation='relu',
                                   bias_initializer=keras.initializers.Constant(0.1)),
                keras.layers.Dense(1),
            ])
            """
        ),
        # The output bias set to a prior: good practice.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation='relu'),
                keras.layers.Dense(1, activation='sigmoid',
                                   bias_initializer=keras.initializers.Constant(-4.6)),
            ])
            """
        ),
    )
    INVALID = (
        (
            example(
                """
                import keras

                model = keras.Sequential(
                    [
                        keras.Input(shape=(8,)),
                        keras.layers.Dense(
                            16, activation="tanh", bias_initializer=keras.initializers.Constant(5.0)
                        ),
                        keras.layers.Dense(1),
                    ]
                )
                """
            ),
            Invalid(
                "ADNN106",
                line=7,
                fixed=example(
                    """
                    import keras

                    model = keras.Sequential(
                        [
                            keras.Input(shape=(8,)),
                            keras.layers.Dense(
                                16, activation="tanh", bias_initializer="zeros"
                            ),
                            keras.layers.Dense(1),
                        ]
                    )
                    """
                ),
            ),
        ),
        (
            example(
                """
                from keras import layers, models
                model = models.Sequential([
                    layers.Input(shape=(8,)),
                    layers.Dense(16, activation='relu', bias_initializer='random_normal'),
                    layers.Dense(1),
                ])
                """
            ),
            Invalid(
                "ADNN106",
                line=4,
                fixed=example(
                    """
                    from keras import layers, models
                    model = models.Sequential([
                        layers.Input(shape=(8,)),
                        layers.Dense(16, activation='relu', bias_initializer='zeros'),
                        layers.Dense(1),
                    ])
                    """
                ),
            ),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        for layer in layers_of(ctx):
            if not initialized(layer) or layer.feeds_trainable is not True:
                continue
            if layer.arguments.get("use_bias") is False:
                continue  # no bias tensor is created, so its initializer never runs
            for ref in layer.initializers:
                if ref.role != "bias" or ref.origin is not Origin.EXPLICIT or ref.span is None:
                    continue
                message = self._problem(ctx, layer, ref)
                if message is None:
                    continue
                fix = initializer_fix(
                    layer, ref, "zeros", "Initialize the bias with 'zeros'", safe=False
                )
                yield ctx.finding(self, ref.span, message, fix=fix)

    def _problem(self, ctx: FileContext, layer: LayerRecord, ref: InitializerRef) -> str | None:
        where = f"{layer_label(layer)} bias_initializer={written(ref, ctx.module)}"
        value = constant_value(ref)
        if value is not None:
            if abs(value) <= LARGE:
                return None
            activation = layer.activation or "linear"
            return (
                f"{where} shifts every unit's pre-activation by {value:g} before training: "
                f"under '{activation}' that starts the units "
                + ("saturated" if activation in ("tanh", "sigmoid", "softsign") else "off-centre")
                + f" (|bias| > {LARGE:g}); use 'zeros' (the Keras default) or a small value"
            )
        if ref.canonical is None:
            return None
        info = catalog().initializers.get(ref.canonical)
        if info is None or not info.random:
            return None
        return (
            f"{where} draws the bias at random: the kernel already breaks symmetry, so this "
            "only adds one more source of run-to-run variance; use 'zeros' (the Keras default)"
        )
