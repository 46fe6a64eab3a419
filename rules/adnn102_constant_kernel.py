"""ADNN102: a constant non-zero weight tensor in a layer that feeds another trainable layer."""

from __future__ import annotations

from collections.abc import Iterable

from adnn_lint.rules._constant import constant_weight_findings
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding


class ConstantKernel(Rule):
    """``Ones`` / ``Constant(c)`` with ``c != 0`` on a weight tensor of a hidden layer.

    Why: every unit of the layer starts with the same weights, so all units compute the same
    value; the only thing that can tell them apart is the noise of the next layer's weights, and
    a constant such as 1 over a fan-in of hundreds drives the pre-activation far into saturation
    (or to huge values under ReLU). Zero is ADNN101's business. As there, a constant *final*
    layer is not reported.

    What to do: drop the argument (the Keras default is random) or use ``he_normal`` /
    ``he_uniform`` under ReLU-family activations. The autofix does that where the initializer is
    written in the layer call; it is unsafe, as a constant chosen by hand may be deliberate.
    """

    code = "ADNN102"
    name = "constant-kernel"
    severity = "warning"
    summary = "Ones / Constant(c != 0) on a weight tensor of a layer feeding another trainable one."
    fixable = "unsafe"
    fix_does = (
        "replaces a constant initializer written in the layer call with He (ReLU family) or the"
        " role's Keras default."
    )
    fix_why = (
        "a hand-picked constant is as deliberate as a hand-picked scale: a test may use "
        "`Constant(1e5)` to force a NaN loss, or assert the exact output of an all-ones layer. "
        "An initializer bound to a name is not rewritten (the binding would be left dead, or "
        "its other uses changed)."
    )
    VALID = (
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation='relu'),
                keras.layers.Dense(1, kernel_initializer='ones'),
            ])
            """
        ),
        # A frozen averaging filter: constant on purpose.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                keras.layers.Conv2D(1, 3, padding='same', trainable=False,
                                    kernel_initializer=keras.initializers.Constant(1 / 9)),
                keras.layers.Conv2D(8, 3, activation='relu'),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation='softmax'),
            ])
            """
        ),
        # Constant biases are ADNN106's business, not a symmetry problem.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                keras.layers.Dense(16, activation='relu', bias_initializer='ones'),
                keras.layers.Dense(1),
            ])
            """
        ),
    )
    INVALID = (
        (
            example(
                """
                from keras.models import Sequential
                from keras.layers import Dense

                model = Sequential()
                model.add(Dense(32, input_dim=10, init="one", activation="sigmoid"))
                model.add(Dense(1, activation="sigmoid"))
                """
            ),
            Invalid(
                "ADNN102",
                line=5,
                fixed=example(
                    """
                    from keras.models import Sequential
                    from keras.layers import Dense

                    model = Sequential()
                    model.add(Dense(32, input_dim=10, init="glorot_uniform", activation="sigmoid"))
                    model.add(Dense(1, activation="sigmoid"))
                    """
                ),
            ),
        ),
        (
            example(
                """
                import keras
                model = keras.Sequential([
                    keras.Input(shape=(28, 28, 1)),
                    keras.layers.Conv2D(8, 3, activation='relu',
                                        kernel_initializer=keras.initializers.Constant(0.1)),
                    keras.layers.Flatten(),
                    keras.layers.Dense(10, activation='softmax'),
                ])
                """
            ),
            Invalid(
                "ADNN102",
                line=5,
                fixed=example(
                    """
                    import keras
                    model = keras.Sequential([
                        keras.Input(shape=(28, 28, 1)),
                        keras.layers.Conv2D(8, 3, activation='relu',
                                            kernel_initializer="he_uniform"),
                        keras.layers.Flatten(),
                        keras.layers.Dense(10, activation='softmax'),
                    ])
                    """
                ),
            ),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        return constant_weight_findings(self, ctx, zero=False)
