"""The model graph: layers as nodes of a DAG, with shapes, fans and depth.

``build_graph(scan, model_id)`` gives one model's DAG as a networkx DiGraph (node attribute
``layer``: the LayerRecord; networkx is imported only there). ``fill_from_graph(scan)``
propagates shapes from ``Input(shape=...)``, ``input_shape=``/``input_dim=`` and each layer's
width through the graph in topological order (on the light ``adnn_lint.scan.dag.Dag``), and
writes back into every LayerRecord:

- ``fan_in``/``fan_out`` of the layer's first weight tensor, computed the way Keras computes
  fans (``keras.src.initializers.random_initializers.compute_fans``): the last two dimensions
  of the kernel times its receptive field;
- ``depth``: the number of trainable layers on the longest path from the input before this one
  (0 for the first trainable layer), counting loop multiplicity;
- ``feeds_trainable``: whether the output reaches another trainable layer (None when the data
  flow is unknown).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from adnn_lint.knowledge.layers import SAME_SHAPE_MERGES
from adnn_lint.scan.dag import Dag
from adnn_lint.scan.records import LayerRecord, ModelRecord, Origin, ScanResult

if TYPE_CHECKING:
    import networkx as nx

Shape = tuple[int | None, ...]

#: Layers that leave the shape unchanged.
_IDENTITY = frozenset(
    {
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "AlphaDropout",
        "GaussianDropout",
        "GaussianNoise",
        "ActivityRegularization",
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "UnitNormalization",
        "Activation",
        "ReLU",
        "LeakyReLU",
        "PReLU",
        "ELU",
        "Softmax",
        "Masking",
        "Normalization",
        "Rescaling",
        "RMSNormalization",
        "Identity",
        "ThresholdedReLU",
    }
)
_GATES = {
    "LSTM": 4,
    "GRU": 3,
    "SimpleRNN": 1,
    "LSTMCell": 4,
    "GRUCell": 3,
    "SimpleRNNCell": 1,
    "CuDNNLSTM": 4,
    "CuDNNGRU": 3,
}
_CONCAT = frozenset({"Concatenate"})


def build_graph(scan: ScanResult, model_id: str) -> nx.DiGraph:
    """One model's layers as a DAG in graph order (node attribute ``layer``)."""
    import networkx as nx  # ~0.3 s: only for callers that want the library's graph

    model = scan.model(model_id)
    graph = nx.DiGraph(model=model_id, name=model.name, kind=model.kind)
    for layer_id in model.layer_ids:
        graph.add_node(layer_id, layer=scan.layer(layer_id))
    for src, dst in model.edges:
        if src in graph and dst in graph:
            graph.add_edge(src, dst)
    return graph


def fill_from_graph(scan: ScanResult) -> ScanResult:
    """Return ``scan`` with fan_in/fan_out/depth/feeds_trainable filled where known."""
    updates: dict[str, dict[str, object]] = {}
    layers = {layer.id: layer for layer in scan.layers}  # once per file, not per model
    for model in scan.models:
        _fill_model(scan, model, layers, updates)
    if not updates:
        return scan
    filled = tuple(
        dataclasses.replace(layer, **updates[layer.id]) if layer.id in updates else layer  # type: ignore[arg-type]
        for layer in scan.layers
    )
    return dataclasses.replace(scan, layers=filled)


def _fill_model(
    scan: ScanResult,
    model: ModelRecord,
    layers: Mapping[str, LayerRecord],
    updates: dict[str, dict[str, object]],
) -> None:
    graph = Dag(model.layer_ids)
    for src, dst in model.edges:
        if src in graph and dst in graph:
            graph.add_edge(src, dst)
    order = graph.topological_order()
    if order is None:
        return
    shapes: dict[str, Shape | None] = {}
    depth: dict[str, int] = {}
    roots = [n for n in graph if graph.in_degree(n) == 0]
    only_root = roots[0] if len(roots) == 1 else None
    for layer_id in order:
        layer: LayerRecord = layers[layer_id]
        preds = list(graph.predecessors(layer_id))
        inputs = [shapes.get(p) for p in preds]
        if not preds:
            in_shape = layer.input_shape or (model.input_shape if layer_id == only_root else None)
        elif len(preds) == 1:
            in_shape = inputs[0]
        else:
            in_shape = _merge(_keras_class(layer), inputs)
        if layer.input_shape is not None and not preds:
            in_shape = layer.input_shape
        if layer.input_after_op:  # tf.reshape(...) between: its literal shape, or unknown
            in_shape = layer.input_shape
        inner = scan.layer(layer.wraps) if layer.wraps else None
        out_shape, fans = _known(*_infer(layer, in_shape, inner, len(preds) > 1, inputs))
        shapes[layer_id] = out_shape
        before = max((depth[p] + _trainable_count(layers[p], scan) for p in preds), default=0)
        depth[layer_id] = before
        update: dict[str, object] = {"depth": before}
        if fans is not None:
            update["fan_in"], update["fan_out"] = fans
        updates[layer_id] = update
        if inner is not None:
            inner_update: dict[str, object] = {"depth": before}
            if fans is not None:
                inner_update["fan_in"], inner_update["fan_out"] = fans
            updates[inner.id] = inner_update
    if model.edges_known:
        _fold_activation_layers(layers, graph, updates)
    # Whether a trainable layer lies downstream, in reverse topological order: one pass over
    # the edges instead of a walk of every layer's descendants (quadratic in a long model).
    reaches: dict[str, bool] = {}
    for layer_id in reversed(order):
        reaches[layer_id] = any(
            _is_trainable(layers[s], scan) or reaches[s] for s in graph.successors(layer_id)
        )
    for layer_id in order:
        feeds = reaches[layer_id] if model.edges_known else None
        updates[layer_id]["feeds_trainable"] = feeds
        wraps = layers[layer_id].wraps
        if wraps is not None and wraps in updates:
            updates[wraps]["feeds_trainable"] = feeds


_ACTIVATION_LAYERS = frozenset({"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"})
#: Layers an activation layer may follow without changing what the weights' scale feeds.
_PASS_THROUGH = frozenset(
    {
        "Dropout",
        "AlphaDropout",
        "GaussianDropout",
        "GaussianNoise",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
    }
)


def _fold_activation_layers(
    layers: Mapping[str, LayerRecord], graph: Dag, updates: dict[str, dict[str, object]]
) -> None:
    """Dense(64) -> [Dropout] -> Activation("relu"): the Dense layer's activation is relu."""
    for layer_id in graph:
        layer: LayerRecord = layers[layer_id]
        if not layer.trainable or layer.activation != "linear":
            continue
        if layer.activation_origin is not Origin.IMPLICIT:
            continue
        current = layer_id
        for _ in range(3):
            successors = list(graph.successors(current))
            if len(successors) != 1:
                break
            current = successors[0]
            following: LayerRecord = layers[current]
            kind = _keras_class(following)
            if kind in _ACTIVATION_LAYERS and following.activation is not None:
                updates[layer_id]["activation"] = following.activation
                updates[layer_id]["activation_from"] = following.id
                break
            if kind not in _PASS_THROUGH:
                break


def _known(
    shape: Shape | None, fans: tuple[int, int] | None
) -> tuple[Shape | None, tuple[int, int] | None]:
    """Unknown where the arithmetic left nothing: a dimension or fan below 1 (too much pooling
    for the input, a Flatten of an empty shape) is a model Keras refuses to build, and a fan-in
    of 0 would make every variance-scaling formula divide by zero."""
    if shape is not None and any(d is not None and d < 1 for d in shape):
        shape = None
    if fans is not None and min(fans) < 1:
        fans = None
    return shape, fans


def _keras_class(layer: LayerRecord) -> str:
    """The Keras 3 class (``Convolution2D`` and ``Deconv2D`` are Conv2D / Conv2DTranspose)."""
    return layer.qualname.rsplit(".", 1)[-1]


def _is_trainable(layer: LayerRecord, scan: ScanResult) -> bool:
    if layer.trainable:
        return True
    return layer.wraps is not None and scan.layer(layer.wraps).trainable


def _trainable_count(layer: LayerRecord, scan: ScanResult) -> int:
    if not _is_trainable(layer, scan):
        return 0
    return layer.multiplicity or 1


def _merge(class_name: str, inputs: list[Shape | None]) -> Shape | None:
    if any(s is None for s in inputs):
        return None
    known = [s for s in inputs if s is not None]
    if class_name in _CONCAT and all(len(s) == len(known[0]) for s in known):
        last = [s[-1] for s in known]
        if any(v is None for v in last):
            return None
        return (*known[0][:-1], sum(v for v in last if v is not None))
    return known[0]


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _tuple(
    layer: LayerRecord, name: str, rank: int, default: int | None = None
) -> tuple[int, ...] | None:
    value = layer.shape_arguments.get(name)
    if value is None:
        if default is None:
            return None
        return (default,) * rank
    if len(value) == 1:
        value = value * rank
    if len(value) != rank or any(v is None for v in value):
        return None
    return tuple(v for v in value if v is not None)


def _rank(class_name: str) -> int:
    for rank in (3, 2, 1):
        if f"{rank}D" in class_name:
            return rank
    return 2


def _conv_out(
    size: int | None, kernel: int, stride: int, padding: object, dilation: int
) -> int | None:
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    effective = (kernel - 1) * dilation + 1
    return max(0, (size - effective) // stride + 1)


def _infer(
    layer: LayerRecord,
    in_shape: Shape | None,
    inner: LayerRecord | None,
    merged: bool,
    inputs: list[Shape | None],
) -> tuple[Shape | None, tuple[int, int] | None]:
    """(output shape, (fan_in, fan_out) of the first weight tensor) for one layer."""
    name = _keras_class(layer)
    width = layer.width
    last = in_shape[-1] if in_shape else None
    if name in ("Dense", "EinsumDense") or (name == "Highway"):
        # With the input unknown the output still ends in `width` (leading dims unknown).
        out = (*(in_shape or (None,))[:-1], width) if width is not None else None
        fans = (last, width) if last is not None and width is not None else None
        return out, fans
    if name in ("Embedding", "ReversibleEmbedding"):
        input_dim = _int(layer.arguments.get("input_dim"))
        out = (*in_shape, width) if in_shape is not None and width is not None else None
        return out, ((input_dim, width) if input_dim is not None and width is not None else None)
    if name in _GATES:
        gates = _GATES[name]
        sequences = layer.arguments.get("return_sequences") is True
        out = None
        if width is not None and in_shape is not None:
            out = (*in_shape[:-1], width) if sequences else (width,)
        return out, ((last, width * gates) if last is not None and width is not None else None)
    if name in ("Bidirectional", "TimeDistributed") and inner is not None:
        inner_out, fans = _infer(
            inner,
            in_shape if name == "Bidirectional" else (in_shape[1:] if in_shape else None),
            None,
            False,
            [],
        )
        if name == "Bidirectional":
            merge = layer.arguments.get("merge_mode", "concat")
            if inner_out is not None and merge == "concat" and inner_out[-1] is not None:
                inner_out = (*inner_out[:-1], inner_out[-1] * 2)
            return inner_out, fans
        return ((in_shape[0], *inner_out) if in_shape and inner_out else None), fans
    if "Conv" in name or name.startswith("LocallyConnected"):
        return _conv(layer, in_shape)
    if "Pooling" in name:
        if name.startswith("Global"):
            keep = layer.arguments.get("keepdims") is True
            return ((last,) if not keep and last is not None else None), None
        rank = _rank(name)
        pool = _tuple(layer, "pool_size", rank, 2)
        strides = _tuple(layer, "strides", rank) or pool
        if in_shape is None or pool is None or strides is None or len(in_shape) != rank + 1:
            return None, None
        padding = layer.arguments.get("padding", "valid")
        spatial = tuple(
            _conv_out(in_shape[i], pool[i], strides[i], padding, 1) for i in range(rank)
        )
        return (*spatial, last), None
    if name == "Flatten":
        if in_shape is None or any(d is None for d in in_shape):
            return None, None
        return (math.prod(d for d in in_shape if d is not None),), None
    if name == "RepeatVector":
        times = _int(layer.arguments.get("n"))
        return ((times, *in_shape) if times is not None and in_shape is not None else None), None
    if name == "Reshape":
        target = layer.shape_arguments.get("target_shape")
        return (target if target and -1 not in target else None), None
    if name in _IDENTITY or (name in SAME_SHAPE_MERGES and merged) or name in _CONCAT:
        return in_shape, None
    return None, None


def _conv(
    layer: LayerRecord, in_shape: Shape | None
) -> tuple[Shape | None, tuple[int, int] | None]:
    name = _keras_class(layer)
    rank = _rank(name)
    kernel = _tuple(layer, "kernel_size", rank)
    if kernel is None:
        return None, None
    receptive = math.prod(kernel)
    in_channels = in_shape[-1] if in_shape is not None and len(in_shape) == rank + 1 else None
    filters = layer.width
    multiplier = _int(layer.arguments.get("depth_multiplier")) or 1
    fans: tuple[int, int] | None = None
    out_channels: int | None = filters
    if name.startswith("Depthwise"):
        fans = (receptive, receptive * multiplier)
        out_channels = in_channels * multiplier if in_channels is not None else None
    elif name.startswith("Separable"):
        # The first weight tensor is the depthwise kernel (kh, kw, in, multiplier).
        fans = (receptive, receptive * multiplier)
    elif "Transpose" in name:
        # Kernel shape (k..., filters, in_channels): Keras counts fans from its last two dims.
        if in_channels is not None and filters is not None:
            fans = (receptive * filters, receptive * in_channels)
    elif in_channels is not None and filters is not None:
        fans = (receptive * in_channels, receptive * filters)
    if out_channels is None:
        return None, fans
    if in_shape is None or len(in_shape) != rank + 1:
        # Spatial size unknown; the channel count is what the next layer's fan-in needs.
        return (*(None,) * rank, out_channels), fans
    strides = _tuple(layer, "strides", rank, 1) or (1,) * rank
    dilation = _tuple(layer, "dilation_rate", rank, 1) or (1,) * rank
    padding = layer.arguments.get("padding", "valid")
    if "Transpose" in name:
        spatial: tuple[int | None, ...] = (
            tuple(
                None if in_shape[i] is None else (in_shape[i] or 0) * strides[i]
                for i in range(rank)
            )
            if padding == "same"
            else tuple(None for _ in range(rank))
        )
    else:
        spatial = tuple(
            _conv_out(in_shape[i], kernel[i], strides[i], padding, dilation[i]) for i in range(rank)
        )
    return (*spatial, out_channels), fans
