"""ADNN101: a zero weight tensor in a layer that feeds another trainable layer."""

from __future__ import annotations

from collections.abc import Iterable

from adnn_lint.rules._constant import constant_weight_findings
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding


class ZeroKernel(Rule):
    """``Zeros`` / ``Constant(0)`` on a weight tensor of a hidden layer.

    Why: when a layer's kernel (or depthwise/pointwise kernel) starts at 0, every unit of the
    layer computes the same output, and only the next layer's random weights tell their updates
    apart. It is an error when the layer can certainly not learn: under ReLU with a zero bias
    its output and its gradient are exactly 0 forever, and when the next layer's kernel is zero
    too neither layer's weights ever get a gradient. Otherwise (tanh, a non-zero bias) it is a
    warning. Zero recurrent or embedding tensors are warnings as well: the input kernel or the
    downstream weights still break their symmetry.

    Only layers whose output feeds another trainable layer are reported: a zero *final* layer
    (a regression head, a detection head) is a legitimate choice, and so is the last layer of a
    residual branch that is merged back with its skip connection (the block then starts as the
    identity: Goyal et al. 2017, Fixup), and any layer whose consumers the scanner cannot see.
    Nor are frozen layers (``trainable=False``), layers given ``weights=[...]`` and models whose
    weights the file loads afterwards (``model.load_weights(...)``): their initializer is moot.

    What to do: drop the argument (the Keras default is random) or use ``he_normal`` /
    ``he_uniform`` under ReLU-family activations. The autofix does that where the initializer is
    written in the layer call; it is unsafe, as a zero chosen by hand may be deliberate.
    """

    code = "ADNN101"
    name = "zero-kernel"
    severity = "error"
    summary = (
        "Zeros / Constant(0) on a weight tensor of a layer that feeds another trainable layer."
    )
    fixable = "unsafe"
    fix_does = (
        "replaces a zero initializer written in the layer call with He (ReLU family) or the "
        "role's Keras default."
    )
    fix_why = (
        "a hand-picked zero is as deliberate as a hand-picked scale: a test may assert the "
        "exact output of a zero layer, and a layer that starts at 0 may be the design. An "
        "initializer bound to a name is not rewritten (the binding would be left dead, or its "
        "other uses changed)."
    )
    VALID = (
        # A zero final layer: a regression head starting at 0 is legitimate.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation='relu'),
                keras.layers.Dense(1, kernel_initializer='zeros'),
            ])
            """
        ),
        # The weights are loaded afterwards: the initializer does not matter.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation='relu', kernel_initializer='zeros'),
                keras.layers.Dense(1),
            ])
            model.load_weights('trained.weights.h5')
            """
        ),
        # Zero biases are the default and are fine.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation='relu', bias_initializer='zeros'),
                keras.layers.Dense(1),
            ])
            """
        ),
        # Zero-initialized end of a residual branch: the block starts as the identity.
        example(
            """
            import keras
            from keras import layers
            inputs = keras.Input(shape=(32,))
            x = layers.Dense(32, activation='relu')(inputs)
            branch = layers.Dense(32, activation='relu')(x)
            branch = layers.Dense(32, kernel_initializer='zeros')(branch)
            x = layers.add([x, branch])
            outputs = layers.Dense(10, activation='softmax')(x)
            model = keras.Model(inputs, outputs)
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
                        keras.layers.Dense(16, activation="relu", kernel_initializer="zeros"),
                        keras.layers.Dense(1),
                    ]
                )
                """
            ),
            Invalid(
                "ADNN101",
                line=6,
                fixed=example(
                    """
                    import keras

                    model = keras.Sequential(
                        [
                            keras.Input(shape=(8,)),
                            keras.layers.Dense(16, activation="relu", kernel_initializer="he_uniform"),
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
                from tensorflow import keras
                from tensorflow.keras import initializers
                inputs = keras.Input(shape=(4,))
                x = keras.layers.Dense(8, activation='tanh',
                                       kernel_initializer=initializers.Constant(0.0))(inputs)
                outputs = keras.layers.Dense(2, activation='softmax')(x)
                model = keras.Model(inputs, outputs)
                """
            ),
            Invalid(
                "ADNN101",
                line=5,
                fixed=example(
                    """
                    from tensorflow import keras
                    from tensorflow.keras import initializers
                    inputs = keras.Input(shape=(4,))
                    x = keras.layers.Dense(8, activation='tanh',
                                           kernel_initializer="glorot_uniform")(inputs)
                    outputs = keras.layers.Dense(2, activation='softmax')(x)
                    model = keras.Model(inputs, outputs)
                    """
                ),
            ),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        return constant_weight_findings(self, ctx, zero=True)
