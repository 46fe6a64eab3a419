"""The mined initializer catalog, read as data (no Keras import).

``load_catalog()`` reads ``catalog.json`` (mined from Keras by ``adnn-lint catalog --mine``, see
``adnn_lint.knowledge.mine``) once per process and answers the questions the scanner and the rules
ask: which initializer roles a layer class has and their defaults, what a spelling such as
``"GlorotUniform"`` or ``"zero"`` canonically means, the variance of a resolved initializer for a
given fan-in/fan-out, and the gain an activation needs.

Variance formulas are small expression trees in the file (``["/", ["param", "scale"], ["fan",
["param", "mode"]]]``), evaluated here by a tiny interpreter: strings from data are never
``eval``-ed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from adnn_lint.knowledge.params import ParamValue

#: The mined data lives in ``rules/`` (with the rules, as the README's layout puts it; installed as
#: ``adnn_lint.rules``); reading it as a package resource imports only that package's empty
#: ``__init__``, never a rule.
CATALOG_PACKAGE = "adnn_lint.rules"
CATALOG_FILE = "catalog.json"


def catalog_path() -> Path:
    """Where the installed catalog file is (``adnn-lint catalog --mine`` writes it here)."""
    return Path(str(resources.files(CATALOG_PACKAGE).joinpath(CATALOG_FILE)))


@dataclass(frozen=True)
class InitializerArg:
    """One ``*_initializer`` argument of a layer class."""

    argument: str  # "kernel_initializer"
    role: str  # "kernel"
    default: str | None  # canonical initializer name, None when Keras has no default
    position: int | None  # positional index after self, None when keyword-only


@dataclass(frozen=True)
class LayerInfo:
    class_name: str  # the class Keras exports under this name ("Conv2D" for Convolution2D)
    initializer_args: tuple[InitializerArg, ...]
    positional: tuple[str, ...]  # constructor parameters that may be passed positionally
    width_arg: str | None
    activation_arg: str | None
    activation_default: str | None  # canonical; "linear" when Keras' default is None
    trainable: bool  # has weights created by an initializer
    wrapper: bool = False  # wraps another layer (Bidirectional, TimeDistributed)
    activation_layer: str | None = None  # ReLU -> "relu": applies that activation
    kernel_size_arg: str | None = None
    legacy: str | None = None  # "tf.keras 2.x", "Keras 1": not exported by Keras 3

    def initializer_arg(self, argument: str) -> InitializerArg | None:
        for arg in self.initializer_args:
            if arg.argument == argument:
                return arg
        return None

    def role(self, role: str) -> InitializerArg | None:
        for arg in self.initializer_args:
            if arg.role == role:
                return arg
        return None


@dataclass(frozen=True)
class InitializerInfo:
    canonical: str  # "glorot_uniform"
    class_name: str  # "GlorotUniform"
    aliases: tuple[str, ...]  # every other registered spelling
    family: str  # constant, normal, truncated_normal, uniform, glorot, he, lecun, ...
    params: Mapping[str, ParamValue]  # constructor defaults (+ the scale/mode a subclass fixes)
    random: bool
    string_rejected: tuple[str, ...] = ()  # registered names keras.initializers.get rejects
    positional: tuple[str, ...] = ()  # constructor parameters in positional order


@dataclass(frozen=True)
class ActivationInfo:
    canonical: str
    aliases: tuple[str, ...]
    family: str  # relu, linear, saturating, self_normalizing, output, other
    gain: float | None


@dataclass(frozen=True)
class Catalog:
    keras_version: str
    layers: Mapping[str, LayerInfo]
    initializers: Mapping[str, InitializerInfo]
    activations: Mapping[str, ActivationInfo]
    legacy_arguments: Mapping[str, str]
    families: Mapping[str, Any] = field(repr=False)
    tf_keras_differences: tuple[Mapping[str, str], ...] = field(default=(), repr=False)
    _spellings: Mapping[str, str] = field(default_factory=dict, repr=False)
    _activation_spellings: Mapping[str, str] = field(default_factory=dict, repr=False)

    def layer(self, class_name: str) -> LayerInfo | None:
        return self.layers.get(class_name)

    def resolve_initializer(self, spelling: str) -> str | None:
        """Any spelling Keras registers (class name, snake_case, ``zero``...) -> canonical."""
        return self._spellings.get(spelling)

    def initializer(self, canonical: str) -> InitializerInfo:
        return self.initializers[canonical]

    def initializer_spellings(self) -> tuple[str, ...]:
        return tuple(sorted(self._spellings))

    def resolve_activation(self, spelling: str | None) -> str | None:
        if spelling is None:
            return "linear"
        return self._activation_spellings.get(spelling)

    def activation(self, canonical: str) -> ActivationInfo | None:
        return self.activations.get(canonical)

    def activation_gain(self, canonical_activation: str | None) -> float | None:
        info = self.activations.get(canonical_activation or "linear")
        return info.gain if info else None

    def activation_spellings(self) -> tuple[str, ...]:
        return tuple(sorted(self._activation_spellings))

    def variance(
        self,
        canonical: str,
        params: Mapping[str, ParamValue] | None = None,
        fan_in: float | None = None,
        fan_out: float | None = None,
    ) -> float | None:
        """Var[w] of one weight drawn by ``canonical`` with ``params`` (defaults filled in).

        None when the family has no variance model or a needed fan/parameter is unknown.
        """
        info = self.initializers.get(canonical)
        if info is None:
            return None
        expression = self.families[info.family]["variance"]
        if expression is None:
            return None
        merged: dict[str, ParamValue] = dict(info.params)
        if params:
            merged.update(params)
        return _evaluate(expression, merged, fan_in, fan_out)


class _Unknown(Exception):
    """A value the expression needs is not known statically."""


def _evaluate(
    expression: Any, params: Mapping[str, ParamValue], fan_in: float | None, fan_out: float | None
) -> float | None:
    try:
        value = _eval(expression, params, fan_in, fan_out)
    except (_Unknown, ZeroDivisionError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unknown(value)
    return float(value)


def _eval(
    node: Sequence[Any] | float,
    params: Mapping[str, ParamValue],
    fan_in: float | None,
    fan_out: float | None,
) -> float:
    if not isinstance(node, Sequence):
        return _number(node)  # a bare number is a constant
    op = node[0]
    if op == "const":
        return _number(node[1])
    if op == "param":
        return _number(params.get(node[1]))
    if op == "fan_in":
        return _number(fan_in)
    if op == "fan_out":
        return _number(fan_out)
    if op == "fan":
        mode = params.get(node[1][1]) if node[1][0] == "param" else None
        if mode == "fan_in":
            return _number(fan_in)
        if mode == "fan_out":
            return _number(fan_out)
        if mode == "fan_avg":
            return (_number(fan_in) + _number(fan_out)) / 2.0
        raise _Unknown(mode)
    args = [_eval(arg, params, fan_in, fan_out) for arg in node[1:]]
    if op == "+":
        return args[0] + args[1]
    if op == "-":
        return args[0] - args[1]
    if op == "*":
        return args[0] * args[1]
    if op == "/":
        return args[0] / args[1]
    if op == "pow":
        return float(args[0] ** args[1])
    if op == "max":
        return max(args)
    if op == "min":
        return min(args)
    raise ValueError(f"catalog: unknown variance operator {op!r}")


def _layer_info(entry: Mapping[str, Any], legacy: str | None) -> LayerInfo:
    return LayerInfo(
        class_name=entry["class_name"],
        initializer_args=tuple(InitializerArg(**arg) for arg in entry["initializer_args"]),
        positional=tuple(entry["positional"]),
        width_arg=entry["width_arg"],
        activation_arg=entry["activation_arg"],
        activation_default=entry["activation_default"],
        trainable=entry["trainable"],
        wrapper=entry["wrapper"],
        activation_layer=entry["activation_layer"],
        kernel_size_arg=entry["kernel_size_arg"],
        legacy=legacy,
    )


def catalog_from_document(document: Mapping[str, Any]) -> Catalog:
    """Build a :class:`Catalog` from a parsed catalog document (the JSON file's content)."""
    layers: dict[str, LayerInfo] = {
        name: _layer_info(entry, None) for name, entry in document["layers"].items()
    }
    for name, entry in document["legacy_layers"].items():
        layers.setdefault(name, _layer_info(entry, entry["since"]))
    initializers: dict[str, InitializerInfo] = {}
    spellings: dict[str, str] = {}
    for canonical, entry in document["initializers"].items():
        initializers[canonical] = InitializerInfo(
            canonical=canonical,
            class_name=entry["class_name"],
            aliases=tuple(entry["aliases"]),
            family=entry["family"],
            params=MappingProxyType(dict(entry["params"])),
            random=entry["random"],
            string_rejected=tuple(entry["string_rejected"]),
            positional=tuple(entry["positional"]),
        )
        spellings[canonical] = canonical
        for alias in entry["aliases"]:
            spellings.setdefault(alias, canonical)
    for alias, canonical in document["legacy_initializers"].items():
        spellings.setdefault(alias, canonical)
    activations: dict[str, ActivationInfo] = {}
    activation_spellings: dict[str, str] = {}
    for canonical, entry in document["activations"].items():
        activations[canonical] = ActivationInfo(
            canonical=canonical,
            aliases=tuple(entry["aliases"]),
            family=entry["family"],
            gain=entry["gain"],
        )
        activation_spellings[canonical] = canonical
        for alias in entry["aliases"]:
            activation_spellings.setdefault(alias, canonical)
    return Catalog(
        keras_version=document["keras_version"],
        layers=MappingProxyType(layers),
        initializers=MappingProxyType(initializers),
        activations=MappingProxyType(activations),
        legacy_arguments=MappingProxyType(dict(document["legacy_arguments"])),
        families=MappingProxyType(dict(document["families"])),
        tf_keras_differences=tuple(document["tf_keras_differences"]),
        _spellings=MappingProxyType(spellings),
        _activation_spellings=MappingProxyType(activation_spellings),
    )


def read_document() -> dict[str, Any]:
    """The checked-in catalog document as parsed JSON."""
    text = resources.files(CATALOG_PACKAGE).joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def load_catalog() -> Catalog:
    """The checked-in catalog (parsed once per process)."""
    return catalog_from_document(read_document())
