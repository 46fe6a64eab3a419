"""The search space over a model's initial values: one box of named float parameters.

Per trainable layer i (a layer of the spec with a ``kernel`` initializer role, counted in graph
order) the space has a kernel-scale parameter ``W{i}`` and, when the layer has a ``bias`` role, a
bias-value parameter ``B{i}``, inside the spec's ``search.kernel_scale`` and ``search.bias_value``
domains; when the spec lists ``search.families``, a kernel-family parameter ``F{i}`` on
[-0.5, n - 0.5] whose rounded value indexes the list (each family gets an equal share of it).
What a scale means for each initializer family is the model builder's business
(``adnn_lint.runtime.build``); the searchers only see a box. A point is ``dict[str, float]``.

Two kinds of space (``search.space``): **absolute**, the paper's box, where ``W{i}`` is the
kernel's standard deviation itself; **relative** (the default for asa and random), where
``W{i}`` is ``log2`` of a multiplier of the layer's reference standard deviation
``sqrt(gain / fan_in)`` (the activation's variance gain from the catalog: He for ReLU-like
activations, LeCun otherwise), inside ``log2(search.kernel_multiplier)``, widened per layer so
it always holds both the layer's own initial scale and the reference (multiplier 1). One unit is
then a factor of 2 in every layer. :meth:`Space.scales` turns a point into the absolute form
the model builder takes.

Pure Python + NumPy: no TensorFlow here, so the searchers can be tested and replayed anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from adnn_lint.spec.model import Domain, InitSpec, LayerSpec, SearchSpace, Spec, space_kind

Role = Literal["kernel_scale", "bias_value", "family"]
Point = dict[str, float]

# A point read back from a results file went through JSON; it must still count as the same point.
_REL_TOL = 1e-9
_ABS_TOL = 1e-12


@dataclass(frozen=True)
class Param:
    """One searched value of ``layer``: ``W{index}`` (kernel scale), ``B{index}`` (bias value)
    or ``F{index}`` (kernel family, an index into ``search.families`` once rounded)."""

    name: str
    low: float
    high: float
    layer: str = ""  # the spec's layer name
    index: int = 0  # i: position among the trainable layers, in graph order
    role: Role = "kernel_scale"
    # the model's own value (its initializer's standard deviation / constant bias), clamped into
    # the domain; None when the spec does not say (unknown fan-in, random bias, ...)
    start: float | None = None
    # relative space, kernel_scale only: the reference standard deviation sqrt(gain / fan_in);
    # the parameter's value v stands for the standard deviation reference * 2**v
    reference: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError(f"parameter {self.name}: domain [{self.low}, {self.high}] not finite")
        if self.low > self.high:
            raise ValueError(
                f"parameter {self.name}: domain low {self.low} is above high {self.high}"
            )

    @property
    def width(self) -> float:
        return self.high - self.low

    def contains(self, value: float) -> bool:
        slack = _ABS_TOL + _REL_TOL * max(abs(self.low), abs(self.high))
        return self.low - slack <= value <= self.high + slack


@dataclass(frozen=True)
class Space:
    """An ordered box of parameters. Unit coordinates map [0, 1] onto each parameter's domain."""

    params: tuple[Param, ...]
    kind: SearchSpace = "absolute"

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if not names:
            raise ValueError("a search space needs at least one parameter")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate parameter names in {names}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def dim(self) -> int:
        return len(self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"no parameter {name!r} in the space {self.names}")

    def check(self, point: Mapping[str, float]) -> None:
        """Raise ValueError, naming the key, unless ``point`` is a complete point inside the box."""
        missing = [n for n in self.names if n not in point]
        extra = [k for k in point if k not in self.names]
        if missing or extra:
            raise ValueError(f"point {dict(point)} has missing keys {missing}, extra keys {extra}")
        for p in self.params:
            v = float(point[p.name])
            if not p.contains(v):
                raise ValueError(f"point[{p.name!r}] = {v} is outside [{p.low}, {p.high}]")

    def to_unit(self, point: Mapping[str, float]) -> npt.NDArray[np.float64]:
        out = np.empty(self.dim)
        for j, p in enumerate(self.params):
            out[j] = 0.0 if p.width == 0 else (float(point[p.name]) - p.low) / p.width
        return out

    def from_unit(self, x: npt.NDArray[np.float64]) -> Point:
        # Clipping here only removes float round-off; generators redraw, they never clip.
        return {
            p.name: float(min(p.high, max(p.low, p.low + float(x[j]) * p.width)))
            for j, p in enumerate(self.params)
        }

    def scales(self, point: Mapping[str, float]) -> Point:
        """``point`` in absolute form: every relative ``W{i}`` turned into the standard deviation
        it stands for (what the model builder takes); other values unchanged."""
        out = {name: float(value) for name, value in point.items()}
        for p in self.params:
            if p.reference is not None and p.name in out:
                out[p.name] = p.reference * 2.0 ** out[p.name]
        return out

    def from_scales(self, point: Mapping[str, float]) -> Point:
        """The inverse of :meth:`scales`: an absolute-form point in this space's coordinates
        (a zero kernel has no multiplier: it maps to the box's low end)."""
        out = {name: float(value) for name, value in point.items()}
        for p in self.params:
            if p.reference is not None and p.name in out:
                value = out[p.name]
                out[p.name] = math.log2(value / p.reference) if value > 0 else p.low
        return out

    def references(self) -> dict[str, float]:
        """``W{i}`` -> reference standard deviation of each relative kernel parameter."""
        return {p.name: p.reference for p in self.params if p.reference is not None}

    def same_point(self, a: Mapping[str, float], b: Mapping[str, float]) -> bool:
        if set(a) != set(b):
            return False
        return all(
            math.isclose(float(a[k]), float(b[k]), rel_tol=_REL_TOL, abs_tol=_ABS_TOL) for k in a
        )


def _kernel_layers(spec: Spec) -> list[LayerSpec]:
    """Every layer with a kernel initializer, in graph order."""
    return [
        layer for layer in spec.model.layers if any(i.role == "kernel" for i in layer.initializers)
    ]


def _init(layer: LayerSpec, role: str) -> InitSpec | None:
    return next((i for i in layer.initializers if i.role == role), None)


def _clamp(value: float | None, domain: Domain) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return min(domain.high, max(domain.low, value))


def own_kernel_scale(layer: LayerSpec) -> float | None:
    """The standard deviation of the layer's own kernel initializer (the catalog's Var[w])."""
    init = _init(layer, "kernel")
    if init is None:
        return None
    from adnn_lint.knowledge.catalog import load_catalog  # data only: no TensorFlow

    variance = load_catalog().variance(init.family, init.params, layer.fan_in, layer.fan_out)
    return None if variance is None or variance < 0 else math.sqrt(variance)


def own_bias_value(layer: LayerSpec) -> float | None:
    """The layer's constant bias (zeros -> 0, constant(c) -> c); None for a random bias."""
    init = _init(layer, "bias")
    if init is None:
        return None
    if init.family in ("zeros", "zero"):
        return 0.0
    if init.family == "ones":
        return 1.0
    if init.family == "constant":
        value = init.params.get("value", 0.0)
        return float(value) if isinstance(value, int | float) else None
    return None


def reference_scale(layer: LayerSpec, fan_in: int | None) -> float | None:
    """sqrt(gain / fan_in): the kernel standard deviation that keeps the activations' variance
    through the layer (He for ReLU-like activations, LeCun for the others); None without fan-in."""
    if fan_in is None or fan_in <= 0:
        return None
    from adnn_lint.knowledge.catalog import load_catalog  # data only: no TensorFlow

    catalog = load_catalog()
    gain = catalog.activation_gain(catalog.resolve_activation(layer.activation))
    return math.sqrt((gain if gain is not None and gain > 0 else 1.0) / fan_in)


def _check_domain(domain: Domain, key: str) -> None:
    if not (math.isfinite(domain.low) and math.isfinite(domain.high)) or domain.low > domain.high:
        raise ValueError(f"spec key {key}: domain [{domain.low}, {domain.high}] is not an interval")


def _relative_kernel(
    spec: Spec, i: int, layer: LayerSpec, shapes: Mapping[str, Mapping[str, tuple[int, ...]]]
) -> Param:
    """``W{i}`` of the relative space (module docstring)."""
    shape = shapes.get(layer.name, {}).get("kernel")
    if (layer.fan_in is None or layer.fan_out is None) and shape is not None and len(shape) > 1:
        # Keras's fans: the receptive field times the input / output channels
        receptive = math.prod(shape[:-2])
        layer = replace(
            layer,
            fan_in=layer.fan_in or receptive * shape[-2],
            fan_out=layer.fan_out or receptive * shape[-1],
        )
    fan_in = layer.fan_in
    reference = reference_scale(layer, fan_in)
    if reference is None:
        raise ValueError(
            f"spec key search.space: the relative space needs the fan-in of layer "
            f'{layer.name!r} (model.layers[].fan_in); give it, or use space = "absolute"'
        )
    multiplier = spec.search.kernel_multiplier
    if not 0 < multiplier.low <= multiplier.high:
        raise ValueError(
            f"spec key search.kernel_multiplier: [{multiplier.low}, {multiplier.high}] "
            "must be positive multipliers"
        )
    own = own_kernel_scale(layer)
    own_log2 = math.log2(own / reference) if own is not None and own > 0 else None
    # The box always holds the reference (0) and the layer's own scale (docs/search.md).
    held = [0.0] if own_log2 is None else [0.0, own_log2]
    low = min(math.log2(multiplier.low), *held)
    high = max(math.log2(multiplier.high), *held)
    return Param(f"W{i}", low, high, layer.name, i, "kernel_scale", own_log2, reference)


def space_for(
    spec: Spec,
    method: str | None = None,
    shapes: Mapping[str, Mapping[str, tuple[int, ...]]] | None = None,
) -> Space:
    """The space of ``spec`` for ``method`` (default the spec's): ``W{i}`` per kernel layer,
    ``B{i}`` where it has a bias, ``F{i}`` per kernel layer when ``search.families`` lists the
    families to choose from. ``shapes`` (layer -> role -> shape) supplies a fan-in the spec
    does not record, for the relative space."""
    _check_domain(spec.search.kernel_scale, "search.kernel_scale")
    _check_domain(spec.search.bias_value, "search.bias_value")
    kind = space_kind(spec.search.space, method or spec.search.method)
    if kind == "relative" and (method or spec.search.method) == "paper":
        raise ValueError(
            'spec key search.space: paper mode walks the absolute box; use space = "absolute"'
        )
    layers = _kernel_layers(spec)
    if not layers:
        raise ValueError(
            f"model {spec.model.name!r}: no layer has a kernel initializer, nothing to search"
        )
    ws, bs = spec.search.kernel_scale, spec.search.bias_value
    params: list[Param] = []
    for i, layer in enumerate(layers):
        if kind == "relative":
            params.append(_relative_kernel(spec, i, layer, shapes or {}))
        else:
            w_start = _clamp(own_kernel_scale(layer), ws)
            params.append(Param(f"W{i}", ws.low, ws.high, layer.name, i, "kernel_scale", w_start))
        if _init(layer, "bias") is not None:
            b_start = _clamp(own_bias_value(layer), bs)
            params.append(Param(f"B{i}", bs.low, bs.high, layer.name, i, "bias_value", b_start))
        families = spec.search.families
        if families:
            own = _init(layer, "kernel")
            f_start = float(families.index(own.family)) if own and own.family in families else None
            top = len(families) - 0.5
            params.append(Param(f"F{i}", -0.5, top, layer.name, i, "family", f_start))
    return Space(tuple(params), kind)
