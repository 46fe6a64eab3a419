"""Semantic checks of a spec: what TOML types cannot say.

Duplicate layer names, inputs that name no layer, a layer graph with a cycle, and names the Keras
catalog does not know (layer classes, initializer families and their parameters, initializer
roles, activations). Each mistake yields one Problem at the key path that holds it; problems under
a path the structural reader already reported are skipped, so nothing is reported twice.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from adnn_lint.knowledge.defaults import (
    DEFAULT_LEARNING_RATES,
    LEGACY_SGD_ARGUMENTS,
    SGD_ARGUMENTS,
)
from adnn_lint.spec.errors import KeyPath
from adnn_lint.spec.model import InitSpec, LayerSpec, Spec

if TYPE_CHECKING:
    from adnn_lint.knowledge.catalog import Catalog


@dataclass(frozen=True)
class Problem:
    """A mistake at ``path``; ``at`` says whether to point at the key or at its value, and
    ``offset`` (1-based, 0 = none) at a character inside a string value."""

    path: KeyPath
    message: str
    at: Literal["key", "value"] | str = "value"
    offset: int = 0


def check_spec(
    spec: Spec, *, skip: Collection[KeyPath] = (), catalog: Catalog | None = None
) -> list[Problem]:
    """Every semantic problem of ``spec``, except those under a path in ``skip``."""
    if catalog is None:
        from adnn_lint.knowledge.catalog import load_catalog

        catalog = load_catalog()
    found = [*_graph(spec), *_fans(spec), *_names(spec, catalog), *_search(spec)]
    return [p for p in found if not any(p.path[: len(s)] == s for s in skip)]


def unbuildable(spec: Spec) -> list[str]:
    """What a model rebuilt from ``spec`` alone would lack, one entry per place: each layer with
    arguments the spec could not carry (``model.layers[1] (dense): kernel_regularizer``), and
    the model when its layers could not all be listed. Empty when the spec rebuilds the model
    as written (an unknown input shape is not a gap: the data's is used)."""
    found = [
        f"model.layers[{i}] ({layer.name}): {', '.join(layer.unresolved)}"
        for i, layer in enumerate(spec.model.layers)
        if layer.unresolved
    ]
    if "layers" in spec.model.unresolved:
        found.insert(0, f"model.layers: not every layer of {spec.model.name!r} could be listed")
    return found


def _layer_path(index: int, *rest: str | int) -> KeyPath:
    return ("model", "layers", index, *rest)


def _graph(spec: Spec) -> Iterator[Problem]:
    layers = spec.model.layers
    first: dict[str, int] = {}
    for i, layer in enumerate(layers):
        if layer.name in first:
            earlier = f"model.layers[{first[layer.name]}]"
            yield Problem(
                _layer_path(i, "name"),
                f"duplicate layer name {layer.name!r} (first used by {earlier})",
            )
        else:
            first[layer.name] = i
    # networkx costs ~0.6 s to import: pay it only when a spec is actually checked.
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(first)
    for i, layer in enumerate(layers):
        for j, source in enumerate(layer.inputs):
            if source not in first:
                close = difflib.get_close_matches(source, list(first), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                yield Problem(_layer_path(i, "inputs", j), f"no layer is named {source!r}{hint}")
            elif first.get(layer.name) == i:
                graph.add_edge(source, layer.name)
    for cycle in sorted(nx.simple_cycles(graph), key=lambda c: min(first[n] for n in c)):
        # report the cycle once, on the first layer of it in document order
        start = min(cycle, key=lambda n: first[n])
        at = cycle.index(start)
        ordered = cycle[at:] + cycle[:at]
        loop = " -> ".join([*ordered, start])
        yield Problem(_layer_path(first[start], "inputs"), f"the layer graph has a cycle: {loop}")


def _fans(spec: Spec) -> Iterator[Problem]:
    """Fan-in/fan-out that contradict the widths, where the layer type makes them exact: a Dense
    layer's fan-out is its units; fed by one Dense layer, its fan-in is that layer's units."""
    by_name = {layer.name: layer for layer in spec.model.layers}
    for i, layer in enumerate(spec.model.layers):
        if layer.class_name != "Dense":
            continue
        if layer.fan_out is not None and layer.units is not None and layer.fan_out != layer.units:
            yield Problem(
                _layer_path(i, "fan_out"),
                f"fan_out {layer.fan_out} differs from the layer's units {layer.units}",
            )
        source = by_name.get(layer.inputs[0]) if len(layer.inputs) == 1 else None
        if (
            source is not None
            and source.class_name == "Dense"
            and source.units is not None
            and layer.fan_in is not None
            and layer.fan_in != source.units
        ):
            yield Problem(
                _layer_path(i, "fan_in"),
                f"fan_in {layer.fan_in} differs from the units {source.units} of its input "
                f"{source.name!r}",
            )


def _did_you_mean(name: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _names(spec: Spec, catalog: Catalog) -> Iterator[Problem]:
    for i, layer in enumerate(spec.model.layers):
        yield from _layer_names(i, layer, catalog)
    optimizer = spec.train.optimizer
    if optimizer not in DEFAULT_LEARNING_RATES and "optimizer" not in spec.train.unresolved:
        yield Problem(
            ("train", "optimizer"),
            f"{optimizer!r} is not a Keras optimizer"
            + _did_you_mean(optimizer, list(DEFAULT_LEARNING_RATES)),
        )
    if optimizer == "sgd":
        yield from _sgd_options(spec.train.optimizer_options)
    for j, family in enumerate(spec.search.families):
        problem = _family_problem(family, catalog)
        if problem:
            yield Problem(("search", "families", j), problem)


def _search(spec: Spec) -> Iterator[Problem]:
    """Paper mode walks the absolute box from 0 in steps of delta (Algorithm 1); a relative
    space has no 0 and no unit that delta could step."""
    if spec.search.method == "paper" and spec.search.space == "relative":
        yield Problem(
            ("search", "space"),
            'paper mode walks the absolute box (Algorithm 1): use space = "absolute" or '
            'method = "asa" or "random"',
        )
    if spec.search.method == "paper" and spec.search.fidelity == "halving":
        yield Problem(
            ("search", "fidelity"),
            'paper mode is Algorithm 1, one full training a step: use fidelity = "full" or '
            'method = "asa" or "random"',
        )
    multiplier = spec.search.kernel_multiplier
    if not multiplier.low <= 1.0 <= multiplier.high:
        yield Problem(
            ("search", "kernel_multiplier"),
            f"[{multiplier.low:g}, {multiplier.high:g}] must contain 1, the activation-matched "
            "(He/LeCun) scale",
        )


def _sgd_options(options: Mapping[str, object]) -> Iterator[Problem]:
    """Keras SGD's own argument names; momentum in [0, 1] and a boolean nesterov, as Keras asks."""
    for name, value in options.items():
        path: KeyPath = ("train", "optimizer_options", name)
        if name in LEGACY_SGD_ARGUMENTS:
            yield Problem(path, LEGACY_SGD_ARGUMENTS[name], at="key")
        elif name not in SGD_ARGUMENTS:
            yield Problem(
                path,
                f"{name!r} is not an argument of keras.optimizers.SGD"
                + _did_you_mean(name, SGD_ARGUMENTS),
                at="key",
            )
        elif name == "momentum" and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
        ):
            yield Problem(path, f"momentum must be a number in [0, 1], got {value!r}")
        elif name == "nesterov" and not isinstance(value, bool):
            yield Problem(path, f"nesterov must be true or false, got {value!r}")


def _layer_names(i: int, layer: LayerSpec, catalog: Catalog) -> Iterator[Problem]:
    info = catalog.layer(layer.class_name) if layer.class_name else None
    if layer.class_name and info is None:
        yield Problem(
            _layer_path(i, "class"),
            f"{layer.class_name!r} is not a Keras layer class in the catalog"
            + _did_you_mean(layer.class_name, catalog.layers),
        )
    if info is not None and layer.units is not None and info.width_arg is None:
        yield Problem(_layer_path(i, "units"), f"{layer.class_name} takes no units or filters")
    if (
        info is not None
        and layer.activation is not None
        and info.activation_arg is None
        and info.activation_layer is None
    ):
        yield Problem(_layer_path(i, "activation"), f"{layer.class_name} takes no activation")
    elif layer.activation is not None and catalog.resolve_activation(layer.activation) is None:
        yield Problem(
            _layer_path(i, "activation"),
            f"{layer.activation!r} is not a Keras activation"
            + _did_you_mean(layer.activation, catalog.activation_spellings()),
        )
    roles = {arg.role for arg in info.initializer_args} if info is not None else None
    for init in layer.initializers:
        path = _layer_path(i, "initializers", init.role)
        if roles is not None and init.role not in roles:
            have = ", ".join(sorted(roles)) or "none"
            yield Problem(
                path, f"{layer.class_name} has no {init.role!r} initializer (roles: {have})", "key"
            )
            continue
        yield from _init_names(path, init, catalog)


def _family_problem(family: str, catalog: Catalog) -> str | None:
    canonical = catalog.resolve_initializer(family)
    if canonical is None:
        return f"{family!r} is not an initializer in the catalog" + _did_you_mean(
            family, catalog.initializer_spellings()
        )
    if canonical != family:
        return f"write the canonical name {canonical!r} for {family!r}"
    return None


def _init_names(path: KeyPath, init: InitSpec, catalog: Catalog) -> Iterator[Problem]:
    if init.family == "unresolved":
        if init.origin != "unresolved":
            yield Problem((*path, "origin"), "family 'unresolved' needs origin = 'unresolved'")
        return
    problem = _family_problem(init.family, catalog)
    if problem:
        yield Problem((*path, "family"), problem)
        return
    known: Mapping[str, object] = catalog.initializer(init.family).params
    for name in init.params:
        if name == "seed":
            yield Problem(
                (*path, "params", name), "write the seed as the initializer's seed key", "key"
            )
        elif name not in known:
            allowed = ", ".join(k for k in known if k != "seed") or "none"
            yield Problem(
                (*path, "params", name),
                f"{init.family} has no parameter {name!r} (parameters: {allowed})",
                "key",
            )
