"""The search space over a model's initial values: one box of named float parameters.

Per trainable layer i (a layer of the spec with a ``kernel`` initializer role, counted in graph
order) the space has a kernel-scale parameter ``W{i}`` and, when the layer has a ``bias`` role, a
bias-value parameter ``B{i}``, inside the spec's ``search.kernel_scale`` and ``search.bias_value``
domains; when the spec lists ``search.families``, a kernel-family parameter ``F{i}`` on
[-0.5, n - 0.5] whose rounded value indexes the list (each family gets an equal share of it).
What a scale means for each initializer family is the model builder's business
(``adnn_lint.runtime.build``); the searchers only see a box. A point is ``dict[str, float]``.

Pure Python + NumPy: no TensorFlow here, so the searchers can be tested and replayed anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from adnn_lint.spec.model import Domain, InitSpec, LayerSpec, Spec

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
    from adnn_lint.rules.catalog import load_catalog  # data only: no TensorFlow

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


def _check_domain(domain: Domain, key: str) -> None:
    if not (math.isfinite(domain.low) and math.isfinite(domain.high)) or domain.low > domain.high:
        raise ValueError(f"spec key {key}: domain [{domain.low}, {domain.high}] is not an interval")


def space_for(spec: Spec) -> Space:
    """The space of ``spec``: ``W{i}`` per kernel layer, ``B{i}`` where it has a bias, ``F{i}``
    per kernel layer when ``search.families`` lists the families to choose from."""
    _check_domain(spec.search.kernel_scale, "search.kernel_scale")
    _check_domain(spec.search.bias_value, "search.bias_value")
    layers = _kernel_layers(spec)
    if not layers:
        raise ValueError(
            f"model {spec.model.name!r}: no layer has a kernel initializer, nothing to search"
        )
    ws, bs = spec.search.kernel_scale, spec.search.bias_value
    params: list[Param] = []
    for i, layer in enumerate(layers):
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
    return Space(tuple(params))
