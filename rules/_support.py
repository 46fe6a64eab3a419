"""Helpers shared by the rules: catalog access, initializer values, labels, replacement nodes.

Underscore-prefixed so the rule registry skips it. The catalog is imported lazily so that
importing a rule module (``adnn-lint rules``) never loads the catalog data.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from adnn_lint.rules.base import Analysis, FileContext
from adnn_lint.scan.dag import Dag
from adnn_lint.scan.records import Edit, Fix, InitializerRef, LayerRecord

if TYPE_CHECKING:
    from adnn_lint.knowledge.catalog import Catalog

#: Weight tensors whose identical values make units identical (symmetry) or dead.
WEIGHT_ROLES = frozenset({"kernel", "depthwise", "pointwise", "recurrent", "embeddings"})
#: Roles where a constant tensor is a symmetry trap by itself (recurrent and embedding tensors
#: get symmetry broken by the input kernel / downstream weights, so they rank lower).
SYMMETRY_ROLES = frozenset({"kernel", "depthwise", "pointwise"})
#: Initializers whose variance does not depend on fan-in: their scale is a fixed number.
FIXED_SCALE = frozenset({"random_normal", "random_uniform", "truncated_normal"})
#: The initializer of the same distribution for a gain: (uniform, normal).
FOR_GAIN: dict[float, tuple[str, str]] = {
    1.0: ("glorot_uniform", "glorot_normal"),
    2.0: ("he_uniform", "he_normal"),
}


def catalog() -> Catalog:
    from adnn_lint.knowledge.catalog import load_catalog

    return load_catalog()


def constant_value(ref: InitializerRef) -> float | None:
    """The single value a constant initializer fills the tensor with; None if not constant."""
    if ref.canonical == "zeros":
        return 0.0
    if ref.canonical == "ones":
        return 1.0
    if ref.canonical == "constant":
        value = ref.params.get("value", 0.0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None  # a non-scalar or non-literal constant: not a single value
        return float(value)
    return None


def written(ref: InitializerRef, module: cst.Module) -> str:
    """The initializer as the user wrote it (``'zeros'``, ``Constant(0.5)``)."""
    if ref.node is not None:
        return module.code_for_node(ref.node)
    return f"'{ref.canonical}'" if ref.canonical else "the default"


def layer_label(layer: LayerRecord) -> str:
    if layer.width is not None:
        return f"{layer.class_name}({layer.width})"
    return layer.class_name


def at(layer: LayerRecord) -> str:
    return f"line {layer.span.line}"


def design_gain(ref: InitializerRef) -> float | None:
    """The activation gain a variance-scaling initializer targets: its ``scale`` in fan-in mode.

    Glorot (fan_avg) counts as its scale too: for square layers fan_avg equals fan_in, and the
    rules that use this only compare against gains 1 and 2.
    """
    if ref.canonical is None:
        return None
    cat = catalog()
    info = cat.initializers.get(ref.canonical)
    if info is None or info.family not in ("glorot", "he", "lecun", "variance_scaling"):
        return None
    params = {**info.params, **ref.params}
    scale = params.get("scale")
    if isinstance(scale, bool) or not isinstance(scale, int | float):
        return None
    return float(scale)


def distribution_of(canonical: str | None) -> str:
    return "normal" if canonical and "normal" in canonical else "uniform"


def suggested_for(gain: float | None, like: str | None) -> str | None:
    """The variance-scaling initializer for an activation gain, keeping ``like``'s distribution.

    Gains near 2 (the ReLU family, leaky ReLU's 1.92) get He; gains near 1 get Glorot, the
    Keras default.
    """
    if gain is None:
        return None
    uniform, normal = FOR_GAIN[2.0] if gain >= 1.5 else FOR_GAIN[1.0]
    return normal if distribution_of(like) == "normal" else uniform


def string_like(old: cst.BaseExpression | None, value: str) -> cst.SimpleString:
    """A string literal for ``value`` in the quote style of ``old`` when it was a string."""
    quote = '"'
    if isinstance(old, cst.SimpleString):
        prefix_len = len(old.prefix)
        quote = old.quote if old.quote in ("'", '"') else old.value[prefix_len]
    return cst.SimpleString(f"{quote}{value}{quote}")


def replacement_for(node: cst.BaseExpression, value: str) -> cst.BaseExpression:
    """A replacement for an initializer expression, keeping its surrounding parentheses."""
    new = string_like(node, value)
    return new.with_changes(lpar=node.lpar, rpar=node.rpar)


def written_inline(layer: LayerRecord, ref: InitializerRef) -> bool:
    """The initializer expression is an argument of the layer call itself.

    Not so when it is reached through a name (``init = Constant(1e5)`` ... ``kernel_initializer=
    init``) or a helper's parameter: rewriting the use would leave the binding dead, and
    rewriting the binding would change its other uses. A bare name is taken for such a binding
    even when it names an imported class (``kernel_initializer=Zeros``): the message still says
    what to use, and the user edits the right place.
    """
    if layer.node is None or ref.node is None or isinstance(ref.node, cst.Name):
        return False
    return any(arg.value is ref.node for arg in layer.node.args)


def initializer_fix(
    layer: LayerRecord, ref: InitializerRef, value: str, description: str, *, safe: bool
) -> Fix | None:
    """A fix that replaces the layer's initializer expression by the name ``value``; None when
    the expression is not written in the layer call (see :func:`written_inline`)."""
    if not written_inline(layer, ref):
        return None
    assert ref.node is not None
    edit = Edit(ref.node, replacement_for(ref.node, value))
    return Fix(description=description, edits=(edit,), safe=safe)


def kernel_ref(layer: LayerRecord) -> InitializerRef | None:
    for ref in layer.initializers:
        if ref.role == "kernel":
            return ref
    return None


def activation_gain(layer: LayerRecord) -> float | None:
    if layer.activation is None:
        return None
    return catalog().activation_gain(layer.activation)


def preset_weights(layer: LayerRecord) -> bool:
    """The layer is built with ``weights=[...]`` (Keras 1/2): its initializers never run."""
    if layer.node is None:
        return False
    for arg in layer.node.args:
        if arg.keyword is not None and arg.keyword.value == "weights":
            return not (isinstance(arg.value, cst.Name) and arg.value.value == "None")
    return False


def initialized(layer: LayerRecord) -> bool:
    """A layer whose weights start from its initializers and are then trained.

    Excluded: layers without weights, layers given ``weights=[...]`` (the initializers never
    run) and frozen layers (``trainable=False``: a constant kernel there is a fixed filter,
    chosen on purpose).
    """
    if not layer.trainable or layer.arguments.get("trainable") is False:
        return False
    return not preset_weights(layer)


#: Layers that re-normalize the signal, so the scale a kernel starts with does not propagate.
NORMALIZATION = frozenset(
    {
        "BatchNormalization",
        "SyncBatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "RMSNormalization",
        "UnitNormalization",
        "SpectralNormalization",
    }
)


@dataclass(frozen=True)
class _Graphs:
    """Per-file graph facts, computed once and shared by every rule that runs on the file."""

    successors: dict[str | None, dict[str, list[str]]]  # model id -> layer -> consumers
    normalized: frozenset[str]  # layers with a normalization layer downstream
    layers: dict[str, LayerRecord]
    dags: dict[str, Dag]  # model id -> its graph


def _compute_graphs(ctx: FileContext) -> _Graphs:
    scan = ctx.scan
    layers = {layer.id: layer for layer in scan.layers}
    successors: dict[str | None, dict[str, list[str]]] = {}
    normalized: set[str] = set()
    dags: dict[str, Dag] = {}
    for model in scan.models:
        table = successors.setdefault(model.id, {})
        for src, dst in model.edges:
            table.setdefault(src, []).append(dst)
        graph = dags[model.id] = Dag(edges=model.edges)
        # One walk up from every normalization layer at once (the union of their ancestors),
        # not one walk per normalization layer: linear in a long model with many of them.
        stack = [
            src
            for node in graph
            if node in layers and layers[node].class_name in NORMALIZATION
            for src in graph.predecessors(node)
        ]
        while stack:
            node = stack.pop()
            if node not in normalized:
                normalized.add(node)
                stack.extend(graph.predecessors(node))
    return _Graphs(successors, frozenset(normalized), layers, dags)


#: The file's model graphs: successors, normalized layers, one ``Dag`` per model.
GRAPHS = Analysis("graphs", _compute_graphs)


def _successors(ctx: FileContext, layer: LayerRecord) -> dict[str, list[str]]:
    return ctx.analysis(GRAPHS).successors.get(layer.model, {})


def downstream(ctx: FileContext, layer: LayerRecord) -> Iterator[LayerRecord]:
    """Layers after ``layer`` in its model's graph, up to and including the next trainable
    (non-normalization) layer on each path, breadth first."""
    successors = _successors(ctx, layer)
    queue = deque(successors.get(layer.id, []))
    seen: set[str] = set()
    while queue:
        current = queue.popleft()
        if current in seen:
            continue
        seen.add(current)
        candidate = ctx.analysis(GRAPHS).layers.get(current)
        if candidate is None:
            continue
        yield candidate
        if not candidate.trainable or candidate.class_name in NORMALIZATION:
            queue.extend(successors.get(current, []))


def next_trainable(ctx: FileContext, layer: LayerRecord) -> LayerRecord | None:
    """The first trainable layer downstream of ``layer`` in its model's graph, if known."""
    trainable = [c for c in downstream(ctx, layer) if c.trainable]
    for candidate in trainable:
        if candidate.class_name not in NORMALIZATION:
            return candidate
    return trainable[0] if trainable else None


def normalized(ctx: FileContext, layer: LayerRecord) -> bool:
    """A normalization layer downstream re-scales this layer's output.

    Batch/layer normalization is invariant to the scale of its input, and ReLU-family layers
    pass a scale through unchanged, so whatever factor this layer applies is undone before it
    matters (the DCGAN discriminator's first N(0, 0.02) conv, followed later by batch norm).
    """
    return layer.id in ctx.analysis(GRAPHS).normalized


def folded(ctx: FileContext, layer: LayerRecord) -> LayerRecord:
    """``layer`` with the activation that really follows it.

    Keras 1/2 code often writes ``Dense(64)`` then ``Activation('relu')`` (or ``ReLU()``,
    ``LeakyReLU(0.2)``): the Dense itself is linear, but its output goes through ReLU before the
    next weights, so the gain that matters is ReLU's.
    """
    if not layer.trainable or layer.activation not in (None, "linear"):
        return layer
    for candidate in downstream(ctx, layer):
        if candidate.class_name in NORMALIZATION:
            continue
        if candidate.trainable:
            break
        if candidate.activation not in (None, "linear"):
            return dataclasses.replace(layer, activation=candidate.activation)
    return layer


def _compute_preloaded(ctx: FileContext) -> frozenset[str]:
    return frozenset(model.id for model in ctx.scan.models if model.weights_loaded)


#: Ids of models whose weights the file overwrites (``model.load_weights(...)``,
#: ``model.set_weights(...)``): how they were initialized no longer matters.
PRELOADED = Analysis("preloaded", _compute_preloaded)


def preloaded(ctx: FileContext) -> frozenset[str]:
    """The file's :data:`PRELOADED` models."""
    return ctx.analysis(PRELOADED)


def _compute_layers(ctx: FileContext) -> list[LayerRecord]:
    skip = preloaded(ctx)
    return [folded(ctx, layer) for layer in ctx.scan.layers if layer.model not in skip]


#: The file's layers whose initialization matters, each with its effective activation (see
#: :func:`folded`); layers of models that later load their weights are left out.
LAYERS = Analysis("layers", _compute_layers)


def layers_of(ctx: FileContext) -> list[LayerRecord]:
    """The file's :data:`LAYERS`."""
    return ctx.analysis(LAYERS)


def residual_end(ctx: FileContext, layer: LayerRecord) -> bool:
    """``layer`` ends a branch that is merged back with a path that bypasses it (a skip
    connection): zero-initializing such a branch end makes the block start as the identity
    (Goyal et al. 2017, Fixup), a deliberate and sound choice.
    """
    if layer.model is None:
        return False
    try:
        model = ctx.scan.model(layer.model)
    except KeyError:
        return False
    if not model.edges_known:
        return False
    graph = ctx.analysis(GRAPHS).dags[model.id]
    if layer.id not in graph:
        return False
    ancestors = graph.ancestors(layer.id)
    branch = {layer.id}
    for candidate in downstream(ctx, layer):
        others = set(graph.predecessors(candidate.id)) - branch
        if others & ancestors:
            return True
        branch.add(candidate.id)
    return False


def unknown_name(ref: InitializerRef) -> str | None:
    """The initializer name as written when Keras has no such initializer (a typo), else None.

    Covers string names (``'glorot_unifrom'``) and names looked up in ``keras.initializers``
    (``keras.initializers.HeNromal()``, ``from keras.initializers import GlorotUnifrom``).
    """
    if ref.canonical is not None:
        return None
    cat = catalog()
    if ref.spelled is not None:
        return ref.spelled if cat.resolve_initializer(ref.spelled) is None else None
    return None
