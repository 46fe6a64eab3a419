"""Mine the initializer catalog from the installed Keras (runtime only).

``mine_catalog()`` introspects ``keras.layers`` (``inspect.signature`` of every exported layer
class: its ``*_initializer`` arguments with default and positional index, its width and activation
arguments) and ``keras.initializers`` (every class, every alias ``keras.initializers.get``
accepts, the constructor defaults and, for the VarianceScaling subclasses, the scale/mode/
distribution they fix). What introspection cannot see is kept here as small curated tables, each
with its source: the variance formula per family, the gain each activation needs, the Keras 1
legacy spellings and the tf.keras 2.x differences. The static side reads the result as data
(``rules/catalog.json``) and never imports Keras; ``tests/knowledge/test_mined_catalog.py``
fails when the checked-in file and a fresh mining differ.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from typing import Any

from adnn_lint.knowledge.curated import (
    ACTIVATION_GAIN,
    ACTIVATION_LAYERS,
    CONSTANT_VALUE,
    FAMILIES,
    INITIALIZER_FAMILY,
    LEGACY_ALIASES,
    LEGACY_ARGUMENTS,
    LEGACY_INITIALIZERS,
    LEGACY_LAYERS,
    TF_KERAS_DIFFERENCES,
    WIDTH_ARGS,
)
from adnn_lint.knowledge.naming import snake_case

CATALOG_FORMAT = 1


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return repr(value)


def _mine_initializers(keras: Any) -> tuple[dict[str, Any], dict[type, str]]:
    from keras.src import initializers as src_initializers

    base = src_initializers.Initializer
    by_class: dict[Any, list[str]] = {}
    rejected: dict[type, list[str]] = {}
    for alias, obj in src_initializers.ALL_OBJECTS_DICT.items():
        if not inspect.isclass(obj) or obj is base or not issubclass(obj, base):
            continue
        by_class.setdefault(obj, []).append(alias)
        # Some registered names fail as strings (Keras 3.15: 'constant' needs a value), so
        # record what keras.initializers.get really accepts.
        try:
            accepted = isinstance(keras.initializers.get(alias), obj)
        except (KeyError, ValueError, TypeError):
            accepted = False
        if not accepted:
            rejected.setdefault(obj, []).append(alias)
    out: dict[str, Any] = {}
    canonical_of: dict[type, str] = {}
    for cls, aliases in by_class.items():
        canonical = snake_case(cls.__name__)
        if canonical not in aliases:
            raise ValueError(f"no snake_case alias for {cls.__name__}: {sorted(aliases)}")
        family = INITIALIZER_FAMILY[cls.__name__]
        params: dict[str, Any] = {}
        positional: list[str] = []
        for name, param in inspect.signature(cls.__init__).parameters.items():
            if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if param.kind == param.POSITIONAL_OR_KEYWORD:
                positional.append(name)
            if name in ("input_axes", "output_axes"):
                continue
            params[name] = _jsonable(None if param.default is param.empty else param.default)
        instance = cls()
        for attr in ("scale", "mode", "distribution"):
            if hasattr(instance, attr) and family in ("glorot", "he", "lecun", "variance_scaling"):
                params[attr] = _jsonable(getattr(instance, attr))
        if cls.__name__ in CONSTANT_VALUE:
            params["value"] = CONSTANT_VALUE[cls.__name__]
        out[canonical] = {
            "class_name": cls.__name__,
            "aliases": sorted(set(aliases) - {canonical}),
            "string_rejected": sorted(rejected.get(cls, [])),
            "family": family,
            "random": FAMILIES[family]["random"],
            "params": dict(sorted(params.items())),
            "positional": positional,
        }
        canonical_of[cls] = canonical
    return dict(sorted(out.items())), canonical_of


def _mine_layers(keras: Any, canonical_of: Mapping[type, str]) -> dict[str, Any]:
    layers: dict[str, Any] = {}
    for name in sorted(dir(keras.layers)):
        cls = getattr(keras.layers, name)
        if not inspect.isclass(cls) or not issubclass(cls, keras.layers.Layer):
            continue
        params = [
            p
            for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        positional = [p.name for p in params if p.kind == p.POSITIONAL_OR_KEYWORD]
        init_args = []
        for p in params:
            if not p.name.endswith("_initializer"):
                continue
            default = None
            if p.default is not p.empty and p.default is not None:
                default = canonical_of[type(keras.initializers.get(p.default))]
            init_args.append(
                {
                    "argument": p.name,
                    "role": p.name[: -len("_initializer")],
                    "default": default,
                    "position": positional.index(p.name) if p.name in positional else None,
                }
            )
        names = [p.name for p in params]
        width_arg = next((w for w in WIDTH_ARGS if w in names), None)
        activation = next((p for p in params if p.name == "activation"), None)
        activation_default: str | None = None
        if activation is not None:
            value = activation.default
            activation_default = (
                "linear" if value is None or value is activation.empty else str(value)
            )
        layers[name] = {
            "class_name": cls.__name__,
            "positional": positional,
            "initializer_args": init_args,
            "width_arg": width_arg,
            "activation_arg": "activation" if activation is not None else None,
            "activation_default": activation_default,
            "trainable": bool(init_args),
            "wrapper": "layer" in names[:1],
            "activation_layer": ACTIVATION_LAYERS.get(name),
            "kernel_size_arg": "kernel_size" if "kernel_size" in names else None,
        }
    return layers


def _mine_activations(keras: Any) -> dict[str, Any]:
    from keras.src import activations as src_activations

    by_function: dict[str, list[str]] = {}
    for alias, fn in src_activations.ALL_OBJECTS_DICT.items():
        if keras.activations.get(alias) is not fn:
            continue
        by_function.setdefault(fn.__name__, []).append(alias)
    out: dict[str, Any] = {}
    for canonical, aliases in sorted(by_function.items()):
        family, gain = ACTIVATION_GAIN[canonical]
        out[canonical] = {
            "aliases": sorted(set(aliases) - {canonical}),
            "family": family,
            "gain": gain,
        }
    return out


def _legacy_layers(layers: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for alias, (target, since) in LEGACY_ALIASES.items():
        if alias not in layers:
            out[alias] = {**layers[target], "since": since}
    for name, info in LEGACY_LAYERS.items():
        out[name] = {
            "class_name": name,
            "since": info["since"],
            "positional": info["positional"],
            "initializer_args": [
                {
                    "argument": arg,
                    "role": arg[: -len("_initializer")],
                    "default": default,
                    "position": position,
                }
                for arg, default, position in info["initializer_args"]
            ],
            "width_arg": info["width_arg"],
            "activation_arg": info["activation_arg"],
            "activation_default": "linear" if info["activation_arg"] else None,
            "trainable": bool(info["initializer_args"]),
            "wrapper": False,
            "activation_layer": None,
            "kernel_size_arg": "kernel_size" if "kernel_size" in info["positional"] else None,
        }
    return out


def mine_catalog() -> dict[str, Any]:
    """Introspect the installed Keras and return the catalog document."""
    import keras

    initializers, canonical_of = _mine_initializers(keras)
    layers = _mine_layers(keras, canonical_of)
    return {
        "format": CATALOG_FORMAT,
        "keras_version": keras.__version__,
        "generated_by": "adnn-lint catalog --mine (adnn_lint/knowledge/mine.py)",
        "sources": {
            "layers": "inspect.signature of every class in keras.layers",
            "initializers": "keras.src.initializers.ALL_OBJECTS_DICT checked with "
            "keras.initializers.get; constructor defaults; VarianceScaling attributes",
            "activations": "keras.src.activations.ALL_OBJECTS_DICT checked with "
            "keras.activations.get; gains curated in adnn_lint/knowledge/curated.py",
            "families": "curated in adnn_lint/knowledge/curated.py from keras/src/initializers",
        },
        "families": FAMILIES,
        "initializers": initializers,
        "legacy_initializers": LEGACY_INITIALIZERS,
        "activations": _mine_activations(keras),
        "layers": layers,
        "legacy_layers": _legacy_layers(layers),
        "legacy_arguments": LEGACY_ARGUMENTS,
        "tf_keras_differences": TF_KERAS_DIFFERENCES,
    }


def dumps_catalog(catalog: Mapping[str, Any]) -> str:
    """The canonical text of a catalog document (what is checked in)."""
    return json.dumps(catalog, indent=1, sort_keys=True) + "\n"
