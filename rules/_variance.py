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

from adnn_lint.records import InitializerRef, LayerRecord


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
