"""Per-layer forward variance factors shared by ADNN103/104/105.

For a layer with weights of variance ``Var[w]`` and ``fan_in`` inputs, followed by an activation
that keeps ``1/gain`` of its input's second moment (ReLU keeps half: gain 2), the variance of the
signal is multiplied by ``Var[w] * fan_in / gain`` (He et al. 2015, eq. 10). A factor of 1 keeps
the signal steady; the product of the factors along the model's depth predicts how much it grows
or shrinks from input to output.
"""

from __future__ import annotations

from dataclasses import dataclass

from adnn_lint.rules._support import activation_gain, catalog, kernel_ref
from adnn_lint.scan.records import InitializerRef, LayerRecord


@dataclass(frozen=True)
class LayerFactor:
    layer: LayerRecord
    ref: InitializerRef
    variance: float
    gain: float

    @property
    def factor(self) -> float:
        assert self.layer.fan_in is not None
        return self.variance * self.layer.fan_in / self.gain


def layer_factor(layer: LayerRecord) -> LayerFactor | None:
    """The forward variance factor of a trainable layer's kernel; None when anything is unknown."""
    if not feedforward(layer):
        return None
    ref = kernel_ref(layer)
    if ref is None or ref.canonical is None or layer.fan_in is None:
        return None
    gain = activation_gain(layer)
    if gain is None or gain <= 0:
        return None
    variance = catalog().variance(ref.canonical, ref.params, layer.fan_in, layer.fan_out)
    if variance is None:
        return None
    return LayerFactor(layer, ref, variance, gain)


#: A fan-in larger than any layer's, standing for "unknown": every initializer family's
#: ``Var[w] * fan_in`` grows with the fan-in and shrinks with the fan-out, so evaluating it here
#: (and at a fan-out of 1) gives the largest factor the layer can have.
_ANY_FAN = 2.0**40


@dataclass(frozen=True)
class FactorBound:
    """A layer's forward variance factor, or its upper bound when a fan is not known."""

    layer: LayerRecord
    factor: float
    exact: bool


def factor_bound(layer: LayerRecord) -> FactorBound | None:
    """:func:`layer_factor`, or when the fan-in or fan-out is unknown the largest factor the
    layer's initializer allows (Glorot under ReLU: below 1, since ``2 fan_in / (fan_in +
    fan_out) / 2 < 1``; a fixed-scale initializer has no useful bound); None when the
    initializer or the activation's gain is unknown."""
    measured = layer_factor(layer)
    if measured is not None:
        return FactorBound(layer, measured.factor, exact=True)
    ref = kernel_ref(layer)
    gain = activation_gain(layer)
    if not feedforward(layer) or ref is None or ref.canonical is None or not gain or gain <= 0:
        return None
    fan_in = float(layer.fan_in) if layer.fan_in is not None else _ANY_FAN
    fan_out = float(layer.fan_out) if layer.fan_out is not None else 1.0
    variance = catalog().variance(ref.canonical, ref.params, fan_in, fan_out)
    if variance is None:
        return None
    return FactorBound(layer, variance * fan_in / gain, exact=False)


def feedforward(layer: LayerRecord) -> bool:
    """A layer whose output variance follows its kernel alone (not a recurrent cell: there the
    recurrent matrix carries the signal, and a tiny input kernel is a deliberate design, IRNN)."""
    return all(ref.role != "recurrent" for ref in layer.initializers)


def describe(factor: float) -> str:
    """``"grows 3.2x"`` / ``"shrinks 6.3x"`` for a variance factor."""
    if factor >= 1:
        return f"grows {factor:.3g}x"
    if factor <= 0:
        return "collapses to 0"
    return f"shrinks {1 / factor:.3g}x"
