"""Spec -> Keras model, and the initial weight arrays of one run.

Initial values are always drawn here, as NumPy float32 arrays, and then put into whatever trains
them (a Keras model, or the stacked trainer): one source of truth for "what a seed means" and
"what a search point means".

**Baseline (no point).** Every initializer role of every layer is drawn by the spec's own Keras
initializer (family and parameters as in the spec), seeded per (run seed, layer, role), so two
layers never share a stream. An initializer the spec pins with its own ``seed`` keeps it, as the
user's code would.

**Search point.** For trainable layer i (a layer with a ``kernel`` role, in graph order, as in
``adnn_lint.runtime.search.space``):

- ``W{i}`` is the **standard deviation of the entries of the initial kernel**. The shape of the
  distribution stays the spec family's: uniform families (``*_uniform``, ``random_uniform``,
  ``variance_scaling`` with a uniform distribution) draw U(-sqrt(3) W, sqrt(3) W); truncated-normal
  families (``glorot_normal``, ``he_normal``, ``lecun_normal``, ``truncated_normal``) draw a normal
  truncated at two standard deviations, rescaled so the standard deviation is exactly W;
  ``random_normal`` draws N(0, W^2); ``orthogonal``/``identity`` draw a random orthogonal matrix
  rescaled so the root-mean-square entry is W. Constant, zero or unresolved kernel families
  cannot be scaled (a constant kernel never breaks symmetry), so they draw the uniform shape.
  ``W = 0`` gives a zero kernel, as Algorithm 1 of the paper starts from.
- ``B{i}`` is the **constant value of every bias entry** of layer i.
- ``F{i}``, when present, picks the kernel family ``search.families[round(F{i})]``.
- Roles the point does not name (recurrent, embeddings, ...) keep the baseline draw.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from adnn_lint.spec.model import InitSpec, LayerSpec, Spec, family_index

Array = npt.NDArray[np.float32]
#: layer name -> role ("kernel", "bias", ...) -> initial array
InitialValues = dict[str, dict[str, Array]]
#: layer name -> role -> shape
WeightShapes = dict[str, dict[str, tuple[int, ...]]]

_UNIFORM = {"glorot_uniform", "he_uniform", "lecun_uniform", "random_uniform"}
_TRUNCATED = {"glorot_normal", "he_normal", "lecun_normal", "truncated_normal"}
_NORMAL = {"random_normal"}
_ORTHOGONAL = {"orthogonal", "identity"}
_ROLES = ("kernel", "bias", "recurrent", "depthwise", "pointwise", "embeddings", "gamma", "beta")
#: layer classes that the stacked trainer can take (a plain MLP on flattened input)
_FLAT_PREFIX = {"Flatten", "InputLayer"}


class BuildError(ValueError):
    """A spec the runtime cannot turn into a model; the message names the spec key."""


def role_of(variable_name: str) -> str:
    name = variable_name.rsplit("/", 1)[-1]
    return name[: -len("_kernel")] if name.endswith("_kernel") and name != "kernel" else name


def derive_seed(*parts: int) -> int:
    """A 31-bit seed from integer parts; different parts give independent streams."""
    state = np.random.SeedSequence([abs(int(p)) for p in parts]).generate_state(1, np.uint32)
    return int(state[0]) >> 1


def trainable_layers(spec: Spec) -> list[LayerSpec]:
    """Layers with a kernel role, in graph order: layer i of ``W{i}`` / ``B{i}``."""
    return [
        layer for layer in spec.model.layers if any(i.role == "kernel" for i in layer.initializers)
    ]


def _init_spec(layer: LayerSpec, role: str) -> InitSpec | None:
    for init in layer.initializers:
        if init.role == role:
            return init
    return None


def _shape_family(family: str, params: Mapping[str, Any]) -> str:
    """uniform | truncated | normal | orthogonal for the kernel scale's distribution shape."""
    if family == "variance_scaling":
        distribution = str(params.get("distribution", "truncated_normal"))
        if distribution == "uniform":
            return "uniform"
        return "normal" if distribution == "untruncated_normal" else "truncated"
    if family in _TRUNCATED:
        return "truncated"
    if family in _NORMAL:
        return "normal"
    if family in _ORTHOGONAL:
        return "orthogonal"
    return "uniform"  # uniform families, and constants/unresolved (see module docstring)


def scaled_kernel(
    family: str, params: Mapping[str, Any], shape: tuple[int, ...], scale: float, seed: int
) -> Array:
    """A kernel of ``shape`` whose entries have standard deviation ``scale`` (see docstring)."""
    if scale < 0:
        raise BuildError(f"kernel scale must be >= 0, got {scale}")
    size = int(np.prod(shape))
    if scale == 0 or size == 0:
        return np.zeros(shape, dtype=np.float32)
    rng = np.random.default_rng(seed)
    kind = _shape_family(family, params)
    if kind == "uniform":
        limit = np.sqrt(3.0) * scale
        values = rng.uniform(-limit, limit, size)
    elif kind == "normal":
        values = rng.normal(0.0, scale, size)
    elif kind == "truncated":
        from scipy.stats import truncnorm

        dist = truncnorm(-2.0, 2.0)
        values = dist.rvs(size=size, random_state=rng) * (scale / dist.std())
    else:  # orthogonal: QR of a Gaussian matrix, as Keras's Orthogonal does
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        cols = shape[-1]
        gauss = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(gauss)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        rms = float(np.sqrt(np.mean(q**2)))
        values = (q * (scale / rms)).reshape(size)
    return np.asarray(values, dtype=np.float32).reshape(shape)


def _class_for(family: str) -> type[Any]:
    import keras

    camel = "".join(part.capitalize() for part in family.split("_"))
    cls = getattr(keras.initializers, camel, None)
    if isinstance(cls, type):
        return cls
    try:
        return type(keras.initializers.get(family))
    except ValueError as exc:
        raise BuildError(f"initializer {family!r} is not known to this Keras") from exc


def keras_initializer(init: InitSpec, seed: int | None, where: str) -> Any:
    """The spec's initializer as a Keras object; ``seed`` unless the spec pins its own."""
    if init.family == "unresolved":
        raise BuildError(
            f"{where}: the {init.role} initializer could not be resolved statically; "
            "write it in the spec (or use --entry to build the model from your code)"
        )
    cls = _class_for(init.family)
    accepted = inspect.signature(cls.__init__).parameters
    kwargs = {k: v for k, v in init.params.items() if k in accepted and k != "seed"}
    if "seed" in accepted:
        kwargs["seed"] = init.seed if init.seed is not None else seed
    return cls(**kwargs)


def sample_initial(
    spec: Spec, shapes: WeightShapes, point: Mapping[str, float] | None, seed: int
) -> InitialValues:
    """The initial arrays of one run: the spec's initializers, or a search point (see docstring)."""
    trainable = {layer.name: i for i, layer in enumerate(trainable_layers(spec))}
    values: InitialValues = {}
    for layer_index, layer in enumerate(spec.model.layers):
        layer_shapes = shapes.get(layer.name, {})
        out: dict[str, Array] = {}
        for role_index, role in enumerate(_ROLES):
            shape = layer_shapes.get(role)
            init = _init_spec(layer, role)
            if shape is None or init is None:
                continue
            stream = derive_seed(seed, layer_index, role_index)
            i = trainable.get(layer.name)
            if point is not None and i is not None and role == "kernel" and f"W{i}" in point:
                family, params = init.family, init.params
                if f"F{i}" in point and spec.search.families:
                    families = spec.search.families
                    family = families[family_index(point[f"F{i}"], families)]
                    params = {}
                out[role] = scaled_kernel(family, params, shape, float(point[f"W{i}"]), stream)
            elif point is not None and i is not None and role == "bias" and f"B{i}" in point:
                out[role] = np.full(shape, float(point[f"B{i}"]), dtype=np.float32)
            else:
                where = f"model.layers[{layer_index}] ({layer.name})"
                initializer = keras_initializer(init, stream, where)
                out[role] = np.asarray(initializer(shape), dtype=np.float32)
        if out:
            values[layer.name] = out
    return values


# --------------------------------------------------------------------------- model building


def keras_name(name: str) -> str:
    """A spec layer name made safe for Keras (no '/', no spaces)."""
    return re.sub(r"[^0-9A-Za-z_.-]", "_", name) or "layer"


def _option(value: Any) -> Any:
    # Tuple-valued options (kernel_size=(3, 3)) may travel as their source text.
    if isinstance(value, str) and value[:1] in "([":
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return tuple(parsed) if isinstance(parsed, list) else parsed
    return value


def _layer_kwargs(layer: LayerSpec, cls: type[Any], where: str) -> dict[str, Any]:
    accepted = inspect.signature(cls.__init__).parameters
    kwargs: dict[str, Any] = {"name": keras_name(layer.name)}
    if layer.units is not None:
        width = next((w for w in ("units", "filters", "output_dim") if w in accepted), None)
        if width is None:
            raise BuildError(f"{where}: {layer.class_name} takes no units/filters")
        kwargs[width] = layer.units
    if layer.activation is not None and "activation" in accepted:
        kwargs["activation"] = layer.activation
    for key, value in layer.options.items():
        if key in accepted and key not in kwargs:
            kwargs[key] = _option(value)
    for init in layer.initializers:
        argument = f"{init.role}_initializer"
        if argument in accepted and init.family != "unresolved":
            kwargs[argument] = keras_initializer(init, None, where)
    if layer.unresolved:
        raise BuildError(
            f"{where}: arguments {', '.join(layer.unresolved)} could not be resolved statically; "
            "complete the spec, or build the model with --entry module:function"
        )
    return kwargs


def model_input_shape(spec: Spec, data_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The model's input shape: the spec's when given, else the data's (flattened for Dense)."""
    declared = spec.model.input_shape
    if declared:
        dims = tuple(d for d in declared if d is not None)
        return dims
    first = spec.model.layers[0].class_name if spec.model.layers else ""
    if first == "Dense":
        return (int(np.prod(data_shape)),)
    if first.startswith(("Conv2D", "Convolution2D", "SeparableConv2D", "DepthwiseConv2D")) and (
        len(data_shape) == 2
    ):
        return (*data_shape, 1)
    return data_shape


def adapt_inputs(x: npt.NDArray[np.float32], input_shape: tuple[int, ...]) -> Array:
    """Reshape examples to the model's input shape (same number of values per example)."""
    if tuple(x.shape[1:]) == input_shape:
        return x
    if int(np.prod(x.shape[1:])) != int(np.prod(input_shape)):
        raise BuildError(
            f"model.input_shape {input_shape} does not fit the data's examples of shape "
            f"{tuple(x.shape[1:])}"
        )
    return x.reshape((len(x), *input_shape))


def build_model(spec: Spec, input_shape: tuple[int, ...], classes: int) -> Any:
    """A Keras functional model following the spec's layers and their ``inputs``."""
    import keras

    if not spec.model.layers:
        raise BuildError(f"model {spec.model.name!r}: the spec has no layers")
    if "layers" in getattr(spec.model, "unresolved", ()):
        raise BuildError(
            f"model.unresolved: some layers of {spec.model.name!r} could not be extracted "
            "statically; complete the spec, or build the model with --entry module:function"
        )
    inputs = keras.Input(shape=input_shape, name="input")
    tensors: dict[str, Any] = {}
    previous = inputs
    for index, layer in enumerate(spec.model.layers):
        where = f"model.layers[{index}] ({layer.name})"
        cls = getattr(keras.layers, layer.class_name, None)
        if not isinstance(cls, type):
            raise BuildError(f"{where}: keras.layers has no {layer.class_name}")
        if cls.__name__ == "InputLayer":
            continue
        feeds = [tensors[name] for name in layer.inputs if name in tensors]
        if layer.inputs and len(feeds) != len(layer.inputs):
            missing = [n for n in layer.inputs if n not in tensors]
            raise BuildError(f"{where}: inputs {missing} are not earlier layers")
        arg = feeds[0] if len(feeds) == 1 else (feeds or previous)
        previous = cls(**_layer_kwargs(layer, cls, where))(arg)
        tensors[layer.name] = previous
    last = spec.model.layers[-1]
    width = int(previous.shape[-1])
    if width != classes:
        raise BuildError(
            f"model.layers[{len(spec.model.layers) - 1}] ({last.name}): output width {width} "
            f"does not match the data's {classes} classes"
        )
    return keras.Model(inputs, previous, name=keras_name(spec.model.name))


def model_shapes(model: Any) -> WeightShapes:
    """Shapes of the initializable weights of a built Keras model, by layer name and role."""
    shapes: WeightShapes = {}
    for layer in model.layers:
        for variable in layer.weights:
            role = role_of(variable.path if hasattr(variable, "path") else variable.name)
            if role in _ROLES:
                shapes.setdefault(layer.name, {})[role] = tuple(int(d) for d in variable.shape)
    return shapes


def match_layers(spec: Spec, model: Any) -> dict[str, str]:
    """Spec layer name -> Keras layer name, for every spec layer that has initializers.

    A model built from the spec uses the spec's names. A model from ``--entry`` may name its
    layers otherwise: then the weight-bearing layers are matched in order, and must agree in
    number and class.
    """
    keras_layers = {layer.name: layer for layer in model.layers}
    wanted = [layer for layer in spec.model.layers if layer.initializers]
    if all(keras_name(layer.name) in keras_layers for layer in wanted):
        return {layer.name: keras_name(layer.name) for layer in wanted}
    weighted = [layer for layer in model.layers if layer.weights]
    pairs = list(zip(wanted, weighted, strict=False))
    if len(wanted) != len(weighted) or any(type(k).__name__ != s.class_name for s, k in pairs):
        found = [f"{type(k).__name__} {k.name}" for k in weighted]
        raise BuildError(
            f"model.layers: the spec's layers {[f'{s.class_name} {s.name}' for s in wanted]} "
            f"do not match the model's weight-bearing layers {found}"
        )
    return {s.name: k.name for s, k in pairs}


def spec_shapes(spec: Spec, model: Any, names: Mapping[str, str] | None = None) -> WeightShapes:
    """``model_shapes`` keyed by the spec's layer names (see ``match_layers``)."""
    by_keras = model_shapes(model)
    mapping = names if names is not None else match_layers(spec, model)
    return {
        name: by_keras[keras_layer]
        for name, keras_layer in mapping.items()
        if keras_layer in by_keras
    }


def assign_initial(
    spec: Spec, model: Any, values: InitialValues, names: Mapping[str, str] | None = None
) -> None:
    """Put the arrays of ``values`` into the model's variables."""
    mapping = names if names is not None else match_layers(spec, model)
    for name, arrays in values.items():
        keras_layer = model.get_layer(mapping[name])
        for variable in keras_layer.weights:
            role = role_of(variable.path if hasattr(variable, "path") else variable.name)
            if role in arrays:
                variable.assign(arrays[role])


@dataclass(frozen=True)
class DenseStack:
    """A plain MLP the stacked trainer can take: (units, activation) per Dense layer."""

    layers: tuple[tuple[int, str], ...]
    names: tuple[str, ...]  # the spec's Dense layer names, in order
    input_dim: int


def dense_stack(spec: Spec, input_shape: tuple[int, ...]) -> DenseStack | None:
    """The MLP view of the spec, or None when it is anything but Flatten? -> Dense* with biases."""
    if spec.train.loss != "sparse_categorical_crossentropy":
        return None
    layers: list[tuple[int, str]] = []
    names: list[str] = []
    for position, layer in enumerate(spec.model.layers):
        if layer.class_name in _FLAT_PREFIX and not layers:
            continue
        if layer.class_name != "Dense" or layer.units is None:
            return None
        if position and layer.inputs and layer.inputs != (spec.model.layers[position - 1].name,):
            return None  # not a simple chain
        if layer.options.get("use_bias", True) is False:
            return None
        roles = {init.role for init in layer.initializers}
        if "kernel" not in roles or "bias" not in roles:
            return None
        layers.append((layer.units, layer.activation or "linear"))
        names.append(layer.name)
    if not layers or layers[-1][1] != "softmax":
        return None
    return DenseStack(tuple(layers), tuple(names), int(np.prod(input_shape)))


def dense_shapes(stack: DenseStack) -> WeightShapes:
    shapes: WeightShapes = {}
    fan_in = stack.input_dim
    for name, (units, _) in zip(stack.names, stack.layers, strict=True):
        shapes[name] = {"kernel": (fan_in, units), "bias": (units,)}
        fan_in = units
    return shapes


def dense_arrays(stack: DenseStack, values: InitialValues) -> list[tuple[Array, Array]]:
    """``values`` in the stacked trainer's layout: (kernel, bias) per Dense layer."""
    return [(values[name]["kernel"], values[name]["bias"]) for name in stack.names]


def spec_point(spec: Spec, shapes: WeightShapes, seed: int = 0) -> dict[str, float]:
    """The search point that describes the spec's own initializers, in ``W{i}``/``B{i}`` terms.

    ``W{i}`` is the standard deviation of one draw of layer i's kernel from the spec's
    initializer (for Glorot-uniform on 784 -> 256 about 0.044); ``B{i}`` is the mean of its bias
    draw (0 for ``zeros``). A searcher can start from it, and a report can show where the spec's
    choice sits in the searched box. The values may lie outside the box.
    """
    values = sample_initial(spec, shapes, None, seed)
    point: dict[str, float] = {}
    for i, layer in enumerate(trainable_layers(spec)):
        arrays = values.get(layer.name, {})
        if "kernel" in arrays:
            point[f"W{i}"] = float(np.std(arrays["kernel"]))
        if "bias" in arrays:
            point[f"B{i}"] = float(np.mean(arrays["bias"]))
    return point
