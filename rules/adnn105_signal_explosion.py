"""ADNN105: predicted forward variance across the model's depth grows or shrinks > 10x."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

from adnn_lint.rules._support import (
    initialized,
    kernel_ref,
    layer_label,
    layers_of,
    normalized,
    preloaded,
)
from adnn_lint.rules._variance import describe, layer_factor
from adnn_lint.rules.base import FileContext, Invalid, Rule, example
from adnn_lint.scan.dag import Dag
from adnn_lint.scan.records import Finding, LayerRecord, ModelRecord, Origin

#: How far the predicted end-to-end variance may drift before the rule speaks.
LIMIT = 10.0


def model_graph(model: ModelRecord, layers: dict[str, LayerRecord]) -> Dag:
    """The data flow between ``layers``; a sequential model without edges chains them."""
    graph = Dag(layers)
    edges = [(a, b) for a, b in model.edges if a in layers and b in layers]
    if not edges and model.kind == "sequential":
        order = list(layers)
        edges = list(itertools.pairwise(order))
    for src, dst in edges:
        graph.add_edge(src, dst)
    return graph


def extreme_paths(
    graph: Dag, weight: dict[str, float]
) -> tuple[tuple[float, list[str]], tuple[float, list[str]]]:
    """(log-factor, path) of the input-to-output paths with the largest and smallest weight."""
    best_hi: dict[str, tuple[float, list[str]]] = {}
    best_lo: dict[str, tuple[float, list[str]]] = {}
    for node in graph.topological_order() or ():
        w = weight.get(node, 0.0)
        preds = list(graph.predecessors(node))
        hi = max((best_hi[p] for p in preds), default=(0.0, []), key=lambda t: t[0])
        lo = min((best_lo[p] for p in preds), default=(0.0, []), key=lambda t: t[0])
        best_hi[node] = (hi[0] + w, [*hi[1], node])
        best_lo[node] = (lo[0] + w, [*lo[1], node])
    # End-to-end: only paths that reach an output (a node nothing consumes) count.
    sinks = [node for node in graph if graph.out_degree(node) == 0]
    top = max((best_hi[n] for n in sinks), default=(0.0, []), key=lambda t: t[0])
    bottom = min((best_lo[n] for n in sinks), default=(0.0, []), key=lambda t: t[0])
    return top, bottom


class SignalExplosion(Rule):
    """Predicted forward variance across the model's depth grows or shrinks by more than 10x.

    Why: each layer multiplies the variance of the signal by ``Var[w] * fan_in / gain`` (the
    catalog's variance formula for its kernel initializer, the fan-in from the model graph, and
    the activation's gain: 2 for ReLU, 1 for linear/tanh/sigmoid). Along a path from input to
    output these factors multiply. When the product is far from 1, the first forward pass
    produces outputs that are vanishingly small or huge, gradients follow, and training starts
    slowly, stalls or diverges; how far it gets then depends on the seed. The rule multiplies the
    factors of the hidden layers along every path of the model's graph (sequential chains and
    functional branches) and reports the model when the extreme path drifts by more than 10x.
    A layer with a normalization layer downstream contributes a factor of 1 (the normalization
    re-scales its output).

    It says nothing when any hidden layer's factor is unknown (fan-in not known statically, an
    unresolved initializer, an activation without a gain), and it only speaks about models where
    at least one hidden kernel initializer is written explicitly. Models left entirely on the
    Keras defaults are ADNN109's, under its own code and a 1000x threshold, so that a team can
    judge written choices strictly and leave the library's defaults alone.

    What to do: give each hidden layer an initializer matched to its activation (``he_*`` for
    ReLU-family, ``glorot_*``/``lecun_*`` otherwise), which keeps every factor near 1, or add
    normalization layers.
    """

    code = "ADNN105"
    name = "signal-explosion"
    severity = "warning"
    summary = "Predicted forward variance over the model's depth grows or shrinks by more than 10x."
    fixable = None
    fix_why = (
        "the drift is the product of several layers' gains; which layer to change is a design "
        "decision."
    )
    VALID = (
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(64,)),
                keras.layers.Dense(64, activation='relu', kernel_initializer='he_normal'),
                keras.layers.Dense(64, activation='relu', kernel_initializer='he_normal'),
                keras.layers.Dense(64, activation='relu', kernel_initializer='he_normal'),
                keras.layers.Dense(10, activation='softmax'),
            ])
            """
        ),
        # Keras defaults only: ADNN109 judges them (and this shallow stack shrinks < 1000x).
        example(
            """
            import keras
            model = keras.Sequential([
                keras.Input(shape=(28, 28, 1)),
                keras.layers.Conv2D(32, 3, activation='relu'),
                keras.layers.Conv2D(64, 3, activation='relu'),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation='softmax'),
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
                        keras.Input(shape=(64,)),
                        keras.layers.Dense(64, activation="tanh", kernel_initializer="lecun_normal"),
                        keras.layers.Dense(
                            64,
                            activation="linear",
                            kernel_initializer=keras.initializers.VarianceScaling(scale=4.0),
                        ),
                        keras.layers.Dense(
                            64,
                            activation="linear",
                            kernel_initializer=keras.initializers.VarianceScaling(scale=4.0),
                        ),
                        keras.layers.Dense(1),
                    ]
                )
                """
            ),
            Invalid("ADNN105", line=3),
        ),
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        skip = preloaded(ctx)
        effective = {layer.id: layer for layer in layers_of(ctx)}
        for model in ctx.scan.models:
            if model.id in skip:
                continue
            finding = self._check_model(ctx, model, effective)
            if finding is not None:
                yield finding

    def _check_model(
        self, ctx: FileContext, model: ModelRecord, effective: dict[str, LayerRecord]
    ) -> Finding | None:
        if not model.edges_known:
            return None  # the data flow is guessed from construction order: say nothing
        layers = {i: effective[i] for i in model.layer_ids if i in effective}
        weight: dict[str, float] = {}
        factors: dict[str, float] = {}
        explicit = False
        for layer in layers.values():
            if not layer.trainable or layer.feeds_trainable is False:
                continue
            if not initialized(layer):
                return None  # preset weights: the initializer says nothing about this layer
            if normalized(ctx, layer):
                continue  # re-normalized right after: contributes a factor of 1
            if layer.feeds_trainable is None or layer.multiplicity is None:
                return None  # an unknown consumer or loop count: say nothing
            measured = layer_factor(layer)
            if measured is None or measured.factor <= 0:
                return None
            factors[layer.id] = measured.factor**layer.multiplicity
            weight[layer.id] = math.log(factors[layer.id])
            ref = kernel_ref(layer)
            explicit = explicit or (ref is not None and ref.origin is Origin.EXPLICIT)
        if len(weight) < 2 or not explicit:
            return None
        graph = model_graph(model, layers)
        if graph.topological_order() is None:
            return None
        (hi, hi_path), (lo, lo_path) = extreme_paths(graph, weight)
        if hi >= -lo:
            total, path = hi, hi_path
        else:
            total, path = lo, lo_path
        product = math.exp(total)
        if 1 / LIMIT <= product <= LIMIT:
            return None
        steps = [
            f"{layer_label(layers[i])} {factors[i]:.3g}x"
            + (f" (x{layers[i].multiplicity})" if layers[i].multiplicity != 1 else "")
            for i in path
            if i in factors
        ]
        shown = ", ".join(steps[:6]) + (", ..." if len(steps) > 6 else "")
        message = (
            f"model '{model.name}': the predicted forward signal variance {describe(product)} "
            f"across {len(steps)} hidden layers (per layer: {shown}); outputs and gradients "
            "start far from unit scale, so training stalls or diverges depending on the seed; "
            "match each hidden initializer to its activation (he_* for ReLU, glorot_* otherwise)"
        )
        return ctx.finding(self, model.span, message)
