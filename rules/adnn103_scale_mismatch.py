"""ADNN103: a fixed-scale random initializer far from the gain the activation needs."""

from __future__ import annotations

from collections.abc import Iterable

from adnn_lint.rules._support import (
    FIXED_SCALE,
    initialized,
    initializer_fix,
    layer_label,
    layers_of,
    normalized,
    suggested_for,
    written,
)
from adnn_lint.rules._variance import describe, layer_factor
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding, Origin

#: How far ``Var[w] * fan_in`` may be from the activation's gain before it is reported.
TOLERANCE = 4.0


class ScaleMismatch(Rule):
    """A fixed-scale random kernel whose variance times fan-in is far from the activation's gain.

    Why: ``RandomNormal``, ``RandomUniform`` and ``TruncatedNormal`` draw weights with a fixed
    scale (0.05 by default) whatever the layer's width. The variance of the signal leaving a
    layer is multiplied by ``Var[w] * fan_in / gain``, where the gain is 2 for the ReLU family and
    1 for linear, tanh, sigmoid and SELU. With the default stddev 0.05, a Dense layer with 64
    inputs multiplies the variance by 0.0025 * 64 / 2 = 0.08 under ReLU: the signal shrinks 12x
    in one layer, and a wide layer (fan-in 4096) makes it grow 2.6x instead. The rule reports a
    hidden layer when the factor is off by more than 4x, with the computed numbers.

    A layer with a normalization layer downstream (``BatchNormalization``, ``LayerNormalization``)
    is not reported: normalization is blind to the scale of its input, which is why the DCGAN recipe
    ``RandomNormal(stddev=0.02)`` + batch norm works. Recurrent cells are not reported either
    (their recurrent matrix carries the signal; a tiny input kernel is IRNN's design).

    Only layers whose fan-in the model graph knows are checked: where it is unknown the factor
    cannot be computed and nothing is said. The last layer of a model is not checked (its scale
    only sets the initial logits).

    What to do: use a variance-scaling initializer that adapts to the fan-in: ``he_normal`` /
    ``he_uniform`` under ReLU-family activations, ``glorot_uniform`` (the Keras default) or
    ``lecun_normal`` otherwise. The autofix does that and is unsafe: a hand-picked scale may be
    deliberate.
    """

    code = "ADNN103"
    name = "scale-mismatch"
    severity = "warning"
    summary = (
        "A fixed-scale random initializer whose Var[w] x fan-in is >4x off the activation gain."
    )
    fixable = "unsafe"
    fix_does = (
        "replaces a fixed-scale random initializer written in the layer call with the "
        "variance-scaling one for the activation."
    )
    fix_why = (
        "a hand-picked scale may be deliberate (a paper's recipe, a test's expected values), "
        "and the replacement drops the initializer's own `seed=`. An initializer bound to a "
        "name is not rewritten."
    )
    VALID = (
        # 0.05^2 * 784 / 2 = 0.98: the default scale happens to fit a 784-wide ReLU input.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(784,)),
                keras.layers.Dense(128, activation='relu', kernel_initializer='random_normal'),
                keras.layers.Dense(10, activation='softmax'),
            ])
            """
        ),
        # The last layer is not checked.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(16,)),
                keras.layers.Dense(
                    1, kernel_initializer=keras.initializers.RandomNormal(0.0, 0.01)),
            ])
            """
        ),
        # DCGAN: N(0, 0.02) followed by batch normalization.
        example(
            """
            import keras
            from keras import layers
            init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
            discriminator = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                layers.Conv2D(64, 4, strides=2, padding='same', kernel_initializer=init),
                layers.BatchNormalization(),
                layers.LeakyReLU(0.2),
                layers.Conv2D(128, 4, strides=2, padding='same', kernel_initializer=init),
                layers.BatchNormalization(),
                layers.LeakyReLU(0.2),
                layers.Flatten(),
                layers.Dense(1, activation='sigmoid'),
            ])
            """
        ),
        # Unknown fan-in: nothing is said.
        example(
            """
            import keras
            def head(x):
                x = keras.layers.Dense(64, activation='relu', kernel_initializer='random_normal')(x)
                return keras.layers.Dense(1)(x)
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
                        keras.Input(shape=(64,)),
                        keras.layers.Dense(64, activation="relu", kernel_initializer="random_normal"),
                        keras.layers.Dense(10, activation="softmax"),
                    ]
                )
                """
            ),
            Invalid(
                "ADNN103",
                line=6,
                fixed=example(
                    """
                    import keras

                    model = keras.Sequential(
                        [
                            keras.Input(shape=(64,)),
                            keras.layers.Dense(64, activation="relu", kernel_initializer="he_normal"),
                            keras.layers.Dense(10, activation="softmax"),
                        ]
                    )
                    """
                ),
            ),
        ),
        (
            example(
                """
                import keras
                from keras import initializers
                model = keras.Sequential([
                    keras.Input(shape=(100,)),
                    keras.layers.Dense(50, activation='tanh',
                                       kernel_initializer=initializers.RandomUniform(-1.0, 1.0)),
                    keras.layers.Dense(1),
                ])
                """
            ),
            Invalid(
                "ADNN103",
                line=6,
                fixed=example(
                    """
                    import keras
                    from keras import initializers
                    model = keras.Sequential([
                        keras.Input(shape=(100,)),
                        keras.layers.Dense(50, activation='tanh',
                                           kernel_initializer="glorot_uniform"),
                        keras.layers.Dense(1),
                    ])
                    """
                ),
            ),
        ),
        (
            # Keras 1/2 style: the ReLU is a separate layer, and its gain (2) is what counts:
            # 0.0025 x 128 / 2 = 0.16.
            example(
                """
                from keras.models import Sequential
                from keras.layers import Activation, Dense
                model = Sequential()
                model.add(Dense(64, input_dim=128, kernel_initializer='random_normal'))
                model.add(Activation('relu'))
                model.add(Dense(1))
                """
            ),
            Invalid(
                "ADNN103",
                line=4,
                fixed=example(
                    """
                    from keras.models import Sequential
                    from keras.layers import Activation, Dense
                    model = Sequential()
                    model.add(Dense(64, input_dim=128, kernel_initializer='he_normal'))
                    model.add(Activation('relu'))
                    model.add(Dense(1))
                    """
                ),
            ),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        for layer in layers_of(ctx):
            if not initialized(layer) or layer.feeds_trainable is not True:
                continue
            if normalized(ctx, layer):
                continue  # a normalization layer re-scales the output: the scale is moot
            measured = layer_factor(layer)
            if measured is None:
                continue
            ref = measured.ref
            if ref.canonical not in FIXED_SCALE or ref.origin is not Origin.EXPLICIT:
                continue
            if ref.span is None or 1 / TOLERANCE <= measured.factor <= TOLERANCE:
                continue
            suggestion = suggested_for(measured.gain, ref.canonical)
            message = (
                f"{layer_label(layer)} kernel {written(ref, ctx.module)} has "
                f"Var[w] x fan-in = {measured.variance:.3g} x {layer.fan_in} = "
                f"{measured.variance * (layer.fan_in or 0):.3g}, but '{layer.activation}' needs "
                f"{measured.gain:g}: the signal variance {describe(measured.factor)} in this "
                "layer alone (factor "
                f"{measured.factor:.3g}); a fixed scale ignores the layer's fan-in"
            )
            fix = None
            if suggestion is not None:
                message += f"; use '{suggestion}', which scales with fan-in"
                fix = initializer_fix(
                    layer, ref, suggestion, f"Use '{suggestion}' (scales with fan-in)", safe=False
                )
            yield ctx.finding(self, ref.span, message, fix=fix)
