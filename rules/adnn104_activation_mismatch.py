"""ADNN104: an initializer designed for another activation family, in a deep enough stack."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from adnn_lint.rules._support import (
    activation_gain,
    catalog,
    design_gain,
    initialized,
    initializer_fix,
    kernel_ref,
    layer_label,
    layers_of,
    normalized,
    suggested_for,
    written,
)
from adnn_lint.rules._variance import feedforward, layer_factor
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding, InitializerRef, LayerRecord, Origin

#: Mismatched hidden layers in one model before the rule speaks: each one scales the signal's
#: variance by about 2x (or 1/2), so three of them compound to 8x.
DEEP_ENOUGH = 3


def mismatch(layer: LayerRecord) -> tuple[InitializerRef, float, float] | None:
    """(kernel ref, designed gain, needed gain) when the kernel targets the wrong family."""
    ref = kernel_ref(layer)
    if ref is None or not feedforward(layer):
        return None
    designed = design_gain(ref)
    needed = activation_gain(layer)
    if designed is None or needed is None or layer.activation is None:
        return None
    info = catalog().activation(layer.activation)
    family = info.family if info else None
    if designed <= 1.0 and family == "relu" and needed >= 1.5:
        return ref, designed, needed
    if designed >= 2.0 and family == "saturating":
        return ref, designed, needed
    return None


class ActivationMismatch(Rule):
    """A Glorot/LeCun kernel under a ReLU-family activation, or He under tanh/sigmoid, in depth.

    Why: variance-scaling initializers are derived for one activation family. Glorot and LeCun
    keep the variance of a linear or tanh layer steady (gain 1); under ReLU, which zeroes half of
    its input, each such layer halves the signal's variance. He initialization (gain 2) does the
    opposite under tanh or sigmoid: each layer doubles the variance and pushes the units into
    saturation, where gradients vanish. One layer hardly matters; the effect compounds with
    depth, so the rule speaks only when a model has at least three hidden layers with the
    mismatch (about 8x), and it reports the layers whose initializer was written explicitly
    (the Keras default ``glorot_uniform`` counts towards the depth but is not reported itself).
    Layers with a normalization layer downstream and recurrent cells do not count: normalization
    re-scales the signal, and in a recurrent cell the recurrent matrix carries it.

    What to do: ``he_normal``/``he_uniform`` for ReLU, ELU, GELU, Swish and friends;
    ``glorot_uniform``/``lecun_normal`` for tanh, sigmoid and SELU. The autofix swaps the
    initializer for the matching one of the same distribution; it is unsafe because it changes a
    choice the author wrote down.
    """

    code = "ADNN104"
    name = "activation-mismatch"
    severity = "warning"
    summary = "Glorot/LeCun under ReLU-family or He under tanh/sigmoid, in a stack deep enough."
    fixable = "unsafe"
    fix_does = (
        "swaps the initializer written in the layer call for the one of the same distribution "
        "that matches the activation."
    )
    fix_why = (
        "it changes a family the author wrote down, which may be deliberate (a reproduction of "
        "a paper, a test's expected values). An initializer bound to a name is not rewritten."
    )
    VALID = (
        # Two mismatched layers: not deep enough to matter.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(32,)),
                keras.layers.Dense(32, activation='relu', kernel_initializer='glorot_uniform'),
                keras.layers.Dense(32, activation='relu', kernel_initializer='glorot_uniform'),
                keras.layers.Dense(1),
            ])
            """
        ),
        # He under ReLU, however deep.
        example(
            """
            import keras
            model = keras.Sequential([keras.Input(shape=(32,))] + [keras.layers.Dense(32, activation='relu', kernel_initializer='he_normal') for _ in range(6)] + [keras.layers.Dense(1)])
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
                        keras.Input(shape=(32,)),
                        keras.layers.Dense(32, activation="tanh", kernel_initializer="he_normal"),
                        keras.layers.Dense(32, activation="tanh", kernel_initializer="he_normal"),
                        keras.layers.Dense(32, activation="tanh", kernel_initializer="he_normal"),
                        keras.layers.Dense(1, activation="sigmoid"),
                    ]
                )
                """
            ),
            Invalid(
                "ADNN104",
                line=6,
                fixed=example(
                    """
                    import keras

                    model = keras.Sequential(
                        [
                            keras.Input(shape=(32,)),
                            keras.layers.Dense(32, activation="tanh", kernel_initializer="glorot_normal"),
                            keras.layers.Dense(32, activation="tanh", kernel_initializer="glorot_normal"),
                            keras.layers.Dense(32, activation="tanh", kernel_initializer="glorot_normal"),
                            keras.layers.Dense(1, activation="sigmoid"),
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
                model = keras.Sequential([
                    keras.Input(shape=(32,)),
                    keras.layers.Dense(32, activation='relu', kernel_initializer='lecun_normal'),
                    keras.layers.Dense(32, activation='relu'),
                    keras.layers.Dense(32, activation='relu'),
                    keras.layers.Dense(1),
                ])
                """
            ),
            Invalid(
                "ADNN104",
                line=4,
                fixed=example(
                    """
                    import keras
                    model = keras.Sequential([
                        keras.Input(shape=(32,)),
                        keras.layers.Dense(32, activation='relu', kernel_initializer='he_normal'),
                        keras.layers.Dense(32, activation='relu'),
                        keras.layers.Dense(32, activation='relu'),
                        keras.layers.Dense(1),
                    ])
                    """
                ),
            ),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        # Grouped by model and by direction: He under tanh (too large) and Glorot under ReLU
        # (too small) pull the signal opposite ways and do not compound.
        Group = tuple[str | None, bool]
        by_model: dict[Group, list[tuple[LayerRecord, InitializerRef, float, float]]]
        by_model = defaultdict(list)
        for layer in layers_of(ctx):
            if not initialized(layer) or layer.feeds_trainable is not True:
                continue
            if normalized(ctx, layer):
                continue  # a normalization layer re-scales the output: the gain is moot
            found = mismatch(layer)
            if found is not None:
                by_model[(layer.model, found[1] > found[2])].append((layer, *found))
        for (model_id, _), hits in by_model.items():
            if model_id is None:
                continue  # layers outside any model: their depth is unknown
            depth = sum(layer.multiplicity or 1 for layer, *_ in hits)
            if depth < DEEP_ENOUGH:
                continue
            for layer, ref, designed, needed in hits:
                if ref.origin is not Origin.EXPLICIT or ref.span is None:
                    continue
                yield self._finding(ctx, layer, ref, designed, needed, depth)

    def _finding(
        self,
        ctx: FileContext,
        layer: LayerRecord,
        ref: InitializerRef,
        designed: float,
        needed: float,
        depth: int,
    ) -> Finding:
        assert ref.span is not None
        measured = layer_factor(layer)
        per_layer = (
            f"this layer alone scales the signal variance by {measured.factor:.3g}x"
            if measured is not None
            else f"each such layer scales the signal variance by about {designed / needed:.3g}x"
        )
        compound = (designed / needed) ** depth
        suggestion = suggested_for(needed, ref.canonical)
        message = (
            f"{layer_label(layer)} kernel {written(ref, ctx.module)} is scaled for gain "
            f"{designed:g} but '{layer.activation}' needs {needed:g}: {per_layer}, and with "
            f"{depth} such hidden layers in this model that compounds to about {compound:.3g}x"
        )
        fix = None
        if suggestion is not None:
            message += f"; use '{suggestion}'"
            fix = initializer_fix(
                layer, ref, suggestion, f"Use '{suggestion}' for '{layer.activation}'", safe=False
            )
        return ctx.finding(self, ref.span, message, fix=fix)
