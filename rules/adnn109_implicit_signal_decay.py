"""ADNN109: on Keras' default initializers, the forward variance shrinks more than 1000x."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from adnn_lint.rules._support import (
    NORMALIZATION,
    activation_gain,
    initialized,
    kernel_ref,
    layer_label,
    layers_of,
    normalized,
    preloaded,
)
from adnn_lint.rules._variance import FactorBound, factor_bound
from adnn_lint.rules.adnn105_signal_explosion import extreme_paths, model_graph
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.records import Finding, LayerRecord, ModelRecord, Origin, Severity

#: The drift at which the rule speaks: 2^10, ten ReLU layers at Glorot's factor of 1/2.
LIMIT = 1000.0
#: The drift from which it is a warning: 2^30, the depth at which He et al. (2015, Fig. 3)
#: saw a ReLU network on Glorot-scaled ("Xavier") weights not learn at all.
STALL = 2.0**30


class ImplicitSignalDecay(Rule):
    """On Keras' default initializers, the predicted forward variance across the model's depth
    shrinks by more than 1000x.

    Why: Keras layers start from ``glorot_uniform`` unless told otherwise. Glorot scaling keeps
    the variance of a *linear* layer of equal fan-in and fan-out steady, but ReLU discards half
    of it, so a stack of ReLU layers on the defaults halves the variance at every layer (He et
    al. 2015, "Delving deep into rectifiers", eq. 10), and a layer that widens its input
    shrinks it further: the factor is ``Var[w] * fan_in / gain = fan_in / (fan_in + fan_out)``
    under ReLU. Twelve ReLU layers divide it by 4096. The first forward pass then produces
    near-zero outputs, gradients are scaled down the same way, and training starts late; how
    far it gets in a fixed budget depends on the seed. He et al. measured it (Fig. 3): on
    Glorot-scaled weights a 22-layer ReLU network started learning later than on theirs, and a
    30-layer one did not learn at all.

    The rule computes the same per-layer factors as ADNN105 (the catalog's variance formula,
    the fan-in from the model graph, the activation's gain) and multiplies them along every
    input-to-output path of the model's graph. It takes the path that keeps the most variance:
    where paths merge (a residual ``add``), the best-kept one dominates the sum, so a finding
    means every path shrinks. The threshold is 1000x, about 2^10: ten ReLU layers at 1/2 each,
    where the output's standard deviation is about 3% of the input's. It is information up to
    2^30 (deep stacks on Glorot do train, more slowly: He et al.'s 22 layers, and VGG, which
    Simonyan and Zisserman found trainable from Glorot's initialization without pre-training)
    and a warning from 2^30 on, He et al.'s 30 layers that did not learn. Shallow models stay
    silent: the Keras MNIST convnet (Conv2D 32, Conv2D 64, Dense 128, on ReLU) shrinks 100x,
    most of it in the first convolution, which widens one channel to 32. Glorot defaults cannot
    make a realistic model's signal grow (each factor is below 2 and near 2 only for a layer
    that narrows many times over), so the rule judges shrinking only.

    It judges only models whose hidden kernel initializers are all the defaults; ADNN105 judges
    those with at least one written out, at 10x. A normalization layer (``BatchNormalization``,
    ``LayerNormalization``, ...) divides by the batch's or the features' standard deviation, so
    whatever scale the layers before it gave is undone: they and the normalization count as a
    factor of 1, and only the layers after the last normalization of a path compound. A layer
    whose fan-in is unknown (the first convolution of an application that takes any number of
    channels) counts with the largest factor its initializer allows (Glorot under ReLU: 1), so
    a reported shrink is then a lower bound ("at least"). It says nothing when a hidden layer
    has no variance factor (recurrent and embedding layers), when its activation's gain,
    consumers or loop count are unknown, nor for models whose weights are loaded afterwards.

    Hit rate, measured with ``python benchmarks/implicit_defaults.py [--root TREE]`` (Keras
    3.15.1's source as installed; the Keras 2.3.1 examples are ``examples/`` of
    keras-team/keras at tag 2.3.1):

    - ``keras/src/applications`` (the default root): 19 files, 16 with a model, 49 models (the
      scanner counts each block-building helper as one), 2 judged, 2 findings, both
      information: VGG16 shrinks at least 2.76e4x over 15 ReLU layers (13 Conv2D, 2 Dense) and
      VGG19 at least 2.21e5x over 18. 26 models have normalization downstream of every hidden
      layer (ResNet, DenseNet, Inception, Xception, MobileNet, EfficientNet, NASNet, ConvNeXt
      and their blocks), 19 have no hidden layer with weights, 2 only one.
    - all of ``keras/src`` (its tests build many small models): 770 files, 263 with a model,
      1241 models, 28 judged, the same 2 findings; the deepest shrink among the others is 45x
      (three ReLU Dense layers).
    - the Keras 2.3.1 examples: 39 files, 35 with a model, 53 models, 11 judged, no finding;
      the deepest shrink is 264x (mnist_acgan's discriminator, three LeakyReLU convolutions).

    What to do: pass an initializer matched to the activation to the hidden layers:
    ``kernel_initializer="he_normal"`` (or ``he_uniform``) for ReLU-family activations,
    ``"lecun_normal"`` for linear, tanh or SELU; each keeps the factor at exactly 1. Or add
    normalization layers. Teams that leave defaults unjudged turn the rule off
    (``--ignore ADNN109``).
    """

    code = "ADNN109"
    name = "implicit-signal-decay"
    severity = "info"
    summary = (
        "On Keras' default initializers, predicted forward variance over the model's depth "
        "shrinks by more than 1000x."
    )
    fixable = None
    fix_why = (
        "the cure is a design choice (He/LeCun initializers on the hidden layers, or "
        "normalization between them), and either changes what the model computes."
    )
    VALID = (
        # The Keras MNIST convnet: about 100x, below the limit.
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                keras.layers.Conv2D(32, 3, activation='relu'),
                keras.layers.Conv2D(64, 3, activation='relu'),
                keras.layers.MaxPooling2D(),
                keras.layers.Flatten(),
                keras.layers.Dense(128, activation='relu'),
                keras.layers.Dense(10, activation='softmax'),
            ])
            """
        ),
        # Deep, but batch normalization re-scales after every layer.
        example(
            """
            import keras
            model = keras.Sequential([keras.Input(shape=(64,))])
            for _ in range(12):
                model.add(keras.layers.Dense(64))
                model.add(keras.layers.BatchNormalization())
                model.add(keras.layers.Activation('relu'))
            model.add(keras.layers.Dense(10, activation='softmax'))
            """
        ),
        # Deep, with He initialization written out (ADNN105's to judge: factors of 1).
        example(
            """
            import keras
            model = keras.Sequential([keras.Input(shape=(64,))])
            for _ in range(12):
                model.add(keras.layers.Dense(64, activation='relu', kernel_initializer='he_normal'))
            model.add(keras.layers.Dense(10, activation='softmax'))
            """
        ),
    )
    INVALID = (
        (
            example(
                """
                import keras

                model = keras.Sequential([keras.Input(shape=(64,))])
                for _ in range(12):
                    model.add(keras.layers.Dense(64, activation="relu"))
                model.add(keras.layers.Dense(10, activation="softmax"))
                """
            ),
            Invalid("ADNN109", line=3),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        for model, drift in model_drifts(ctx):
            if isinstance(drift, Skipped) or not drift.reported:
                continue
            # A hair below the log: 30 layers of exactly 1/2 are 2^30, whatever the rounding.
            severity: Severity = (
                "warning" if -drift.log_factor >= math.log(STALL) - 1e-9 else "info"
            )
            yield ctx.finding(self, model.span, _message(model, drift), severity=severity)


@dataclass(frozen=True)
class Drift:
    """The predicted end-to-end variance factor of a model on its default initializers."""

    log_factor: float  # natural log of the product along the path that keeps the most variance
    path: tuple[FactorBound, ...]  # the hidden layers on that path
    exact: bool  # every factor on the path is known (else the product is an upper bound)

    @property
    def reported(self) -> bool:
        return self.log_factor < -math.log(LIMIT)


@dataclass(frozen=True)
class Skipped:
    """Why a model is not judged."""

    reason: str


def model_drifts(ctx: FileContext) -> Iterator[tuple[ModelRecord, Drift | Skipped]]:
    """Each model of the file with its drift, or why it is not judged."""
    skip = preloaded(ctx)
    effective = {layer.id: layer for layer in layers_of(ctx)}
    for model in ctx.scan.models:
        if model.id in skip:
            yield model, Skipped("weights loaded afterwards")
        else:
            yield model, _drift(ctx, model, effective)


def _drift(
    ctx: FileContext, model: ModelRecord, effective: dict[str, LayerRecord]
) -> Drift | Skipped:
    if not model.edges_known:
        return Skipped("data flow not known")  # guessed from construction order
    layers = {i: effective[i] for i in model.layer_ids if i in effective}
    bounds: dict[str, FactorBound] = {}
    weight: dict[str, float] = {}
    renormalized = 0
    for layer in layers.values():
        if not layer.trainable or layer.feeds_trainable is False:
            continue
        if not initialized(layer):
            return Skipped("preset or frozen weights")
        if normalized(ctx, layer) or layer.class_name in NORMALIZATION:
            renormalized += 1
            continue  # re-normalized downstream, or the normalization: a factor of 1
        ref = kernel_ref(layer)
        if ref is not None and ref.origin is not Origin.IMPLICIT:
            return Skipped("an initializer written out (ADNN105 judges it)")
        if layer.feeds_trainable is None or layer.multiplicity is None:
            return Skipped("a consumer or loop count not known")
        bound = factor_bound(layer)
        if bound is None or bound.factor <= 0:
            return Skipped(f"no factor for {layer_label(layer)} (activation {layer.activation})")
        bounds[layer.id] = bound
        weight[layer.id] = math.log(bound.factor) * layer.multiplicity
    if sum(bound.layer.multiplicity or 1 for bound in bounds.values()) < 2:
        if not bounds and not renormalized:
            return Skipped("no hidden layer with weights")
        if not bounds:
            return Skipped("normalization downstream of every hidden layer")
        return Skipped("one hidden layer without normalization downstream")
    graph = model_graph(model, layers)
    if graph.topological_order() is None:
        return Skipped("a cycle in the graph")
    (kept, path), _ = extreme_paths(graph, weight)
    on_path = tuple(bounds[i] for i in path if i in bounds)
    return Drift(kept, on_path, exact=all(bound.exact for bound in on_path))


def _message(model: ModelRecord, drift: Drift) -> str:
    factor = math.exp(drift.log_factor)
    depth = sum(bound.layer.multiplicity or 1 for bound in drift.path)
    activations: Counter[str] = Counter()
    for bound in drift.path:
        activations[bound.layer.activation or "linear"] += bound.layer.multiplicity or 1
    mix = ", ".join(f"{count} {name}" for name, count in activations.most_common())
    steps = [
        f"{layer_label(bound.layer)} {'' if bound.exact else '<='}{bound.factor:.3g}x"
        + (f" (x{bound.layer.multiplicity})" if bound.layer.multiplicity != 1 else "")
        for bound in drift.path
    ]
    shown = ", ".join(steps[:6]) + (", ..." if len(steps) > 6 else "")
    advice = " / ".join(sorted({_matched(bound.layer) for bound in drift.path}))
    change = f"shrinks {'' if drift.exact else 'at least '}{1 / factor:.3g}x"
    return (
        f"model '{model.name}': on Keras' default initializers the predicted forward signal "
        f"variance {change} across {depth} hidden layers ({mix}; per layer: {shown}); the "
        "default glorot_uniform assumes linear layers of equal width, so each ReLU halves the "
        "variance and each widening layer shrinks it further: the first outputs and gradients "
        "start near zero, and training starts late or not at all (He et al. 2015); "
        f"pass {advice} to the hidden layers, or add BatchNormalization"
    )


def _matched(layer: LayerRecord) -> str:
    """The fan-in initializer that keeps ``layer``'s factor at 1 for its activation."""
    gain = activation_gain(layer) or 1.0
    if gain >= 1.5:
        return 'kernel_initializer="he_normal" (ReLU family)'
    return f'kernel_initializer="lecun_normal" ({layer.activation or "linear"})'
