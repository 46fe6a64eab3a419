"""Freezing a walk into a ``ScanResult``: spans, models, compile()/fit() calls and seeds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

import libcst as cst

from adnn_lint.knowledge.defaults import SGD_ARGUMENTS
from adnn_lint.knowledge.naming import snake_case
from adnn_lint.scan.pending import (
    NO_NODE,
    PendingCall,
)
from adnn_lint.scan.records import (
    CompileCall,
    FitCall,
    LayerRecord,
    ModelRecord,
    ParamValue,
    ScanResult,
    SeedCall,
    Span,
    Unresolved,
)
from adnn_lint.scan.syntax import (
    foreign,
)
from adnn_lint.scan.values import (
    literal_or,
)
from adnn_lint.scan.walker.statements import Walker

#: A node's position in the file (line 1, column 1 for a node without one).
SpanOf = Callable[[cst.CSTNode | None], Span]


def build_result(walker: Walker, spans: Mapping[cst.CSTNode, Span]) -> ScanResult:
    """The walk's records, frozen, with the positions ``spans`` gives their nodes."""
    unknown = Span(1, 1, 1, 1)

    def span(node: cst.CSTNode | None) -> Span:
        return spans.get(node, unknown) if node is not None else unknown

    layers = _layer_records(walker, span)
    compiles = [_compile_call(call, span(call.node), walker) for call in walker.compiles]
    fits = [_fit_call(call, span(call.node), walker) for call in walker.fits]
    models = _model_records(walker, span, compiles, fits)
    seeds = [
        SeedCall(kind=s.qualname, span=span(s.node), value=s.value, scope=s.scope, covers=s.covers)
        for s in walker.seeds
    ]
    unresolved = [
        Unresolved(
            what=u.what,
            reason=u.reason,
            span=span(u.node if u.node is not NO_NODE else None),
            layer_id=u.layer_id,
        )
        for u in walker.unresolved
    ]
    scan = ScanResult(
        path=walker.path,
        layers=tuple(layers),
        models=tuple(models),
        compiles=tuple(compiles),
        fits=tuple(fits),
        seeds=tuple(seeds),
        unresolved=tuple(unresolved),
        mentions_keras=True,
    )
    from adnn_lint.scan.graph import fill_from_graph

    return fill_from_graph(scan)


def _layer_records(walker: Walker, span: SpanOf) -> list[LayerRecord]:
    """Each layer at its place (a helper's layers at the helper's call), in its model, with the
    input shape and operations its application gave it."""
    layers: list[LayerRecord] = []
    for pending in walker.layers.values():
        record = pending.record
        site = walker.inlined_at.get(record.id)
        if site is not None:
            # Made by a helper call: reported at the call, where its arguments are; no ref node,
            # so no autofix edits the helper's body under every other caller.
            where = span(site)
            refs = tuple(
                dataclasses.replace(ref, node=None, span=where if ref.node is not None else None)
                for ref in record.initializers
            )
        else:
            # tf.contrib.layers takes initializer objects only: a fix writing a Keras name
            # there would break the call, so its references keep their place but no node
            keep = record.id not in walker.no_fix
            refs = tuple(
                dataclasses.replace(ref, span=span(ref.node), node=ref.node if keep else None)
                if ref.node is not None
                else ref
                for ref in record.initializers
            )
            where = span(record.node)
        if record.id in walker.graph_mode:
            # TF 1: one unseeded initializer object shared by several layers draws different
            # values for each, so it is no shared instance (ADNN107)
            refs = tuple(
                dataclasses.replace(ref, instance=None) if ref.seed is None else ref for ref in refs
            )
        model_id = f"M{pending.model}" if pending.model is not None else None
        layers.append(dataclasses.replace(record, span=where, initializers=refs, model=model_id))
    applied_shapes = walker.applied_input_shape
    layers = [
        dataclasses.replace(layer, input_shape=applied_shapes[layer.id])
        if layer.input_shape is None and layer.id in applied_shapes
        else layer
        for layer in layers
    ]
    layers = [
        dataclasses.replace(
            layer,
            input_ops=tuple(walker.after_ops[layer.id]),
            input_after_op=layer.id in walker.reshaped_input,
        )
        if layer.id in walker.after_ops
        else layer
        for layer in layers
    ]
    return layers


def _model_records(
    walker: Walker, span: SpanOf, compiles: list[CompileCall], fits: list[FitCall]
) -> list[ModelRecord]:
    """Each model with its layers, edges, and the compile()/fit() calls that are its own."""
    models: list[ModelRecord] = []
    compiles_of = _owners(walker.compiles)
    fits_of = _owners(walker.fits)
    loads_of = _owners(walker.weight_loads)
    for key, pending_model in walker.models.items():
        name = (
            pending_model.name or walker.model_names.get(key) or pending_model.hint or f"model{key}"
        )
        model_compiles = [compiles[i] for i in _calls_of(compiles_of, key, name)]
        model_fits = [fits[i] for i in _calls_of(fits_of, key, name)]
        models.append(
            ModelRecord(
                id=f"M{key}",
                name=name,
                kind=pending_model.kind,
                span=span(pending_model.node),
                layer_ids=tuple(pending_model.layer_ids),
                edges=tuple(pending_model.edges),
                input_shape=pending_model.input_shape,
                compile=model_compiles[-1] if model_compiles else None,
                fits=tuple(model_fits),
                edges_known=pending_model.edges_known,
                weights_loaded=bool(_calls_of(loads_of, key, name)),
                instances=tuple(span(node) for node in pending_model.instances),
                ops=tuple(
                    dict.fromkeys(
                        op
                        for layer_id in pending_model.layer_ids
                        for op in walker.after_ops.get(layer_id, ())
                    ).keys()
                    | dict.fromkeys(pending_model.ops).keys()
                ),
            )
        )
    return models


def _owners(calls: list[PendingCall]) -> dict[tuple[str, object], list[int]]:
    """Indices of compile()/fit() calls by the model they belong to: ``("key", model key)``
    when the receiver resolved to a model, else ``("name", receiver name)``. Matching each model
    against every call instead was quadratic in the number of models in a file. A call on
    another library's object (``model = StandardScaler(); model.fit(x)``) belongs to no model."""
    owners: dict[tuple[str, object], list[int]] = {}
    for index, call in enumerate(calls):
        owner: tuple[str, object]
        if call.model is not None:
            owner = ("key", call.model)
        elif foreign(call.built_by):
            continue
        else:
            owner = ("name", call.receiver)
        owners.setdefault(owner, []).append(index)
    return owners


def _calls_of(owners: dict[tuple[str, object], list[int]], key: int, name: str) -> list[int]:
    """The indices, in source order, of the calls on model ``key`` (named ``name``)."""
    return sorted(owners.get(("key", key), []) + owners.get(("name", name), []))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _optimizer(
    node: object, walker: Walker, depth: int = 0
) -> tuple[str | None, float | None, dict[str, ParamValue]]:
    """The optimizer's name, literal learning rate and other arguments (None: not literal)."""
    if not isinstance(node, cst.BaseExpression) or depth > 4:
        return None, None, {}
    value = literal_or(node, walker.lookup)
    if isinstance(value, str):
        return value.lower(), None, {}
    if isinstance(node, cst.Name):
        binding = walker.lookup(node.value)
        if binding is not None and binding.node is not None:
            return _optimizer(binding.node, walker, depth + 1)
        return None, None, {}
    if isinstance(node, cst.Call):
        qualname = walker.qualify(node.func)
        name = qualname.split(".")[-1].lower() if qualname else None
        rate: float | None = None
        options: dict[str, ParamValue] = {}
        for index, arg in enumerate(node.args):
            if arg.star:
                options["**"] = None  # *args/**kwargs: anything may be set
                continue
            found = literal_or(arg.value, walker.lookup)
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword in ("learning_rate", "lr") or (keyword is None and index == 0):
                if isinstance(found, int | float) and not isinstance(found, bool):
                    rate = float(found)
                continue
            if keyword is None:
                if name != "sgd" or index > len(SGD_ARGUMENTS):
                    # another optimizer's positional argument past the rate: left unread, so
                    # the spec marks the options unresolved
                    options[f"#{index}"] = None
                    continue
                keyword = SGD_ARGUMENTS[index - 1]  # SGD(learning_rate, momentum, nesterov, ...)
            if found is None:
                continue  # an explicit None is Keras' default
            options[keyword] = found if isinstance(found, int | float | str | bool) else None
        return name, rate, options
    return None, None, {}


def _compile_call(call: PendingCall, span: Span, walker: Walker) -> CompileCall:
    args = call.arguments
    optimizer, rate, optimizer_options = _optimizer(args.get("optimizer"), walker)
    loss_node = args.get("loss")
    loss: str | None = None
    if isinstance(loss_node, cst.BaseExpression):
        loss = _text(literal_or(loss_node, walker.lookup))
        if loss is None:
            target = loss_node.func if isinstance(loss_node, cst.Call) else loss_node
            qualname = walker.qualify(target)
            loss = snake_case(qualname.split(".")[-1]) if qualname else None
    metrics: tuple[str, ...] = ()
    metrics_node = args.get("metrics")
    if isinstance(metrics_node, cst.BaseExpression):
        value = literal_or(metrics_node, walker.lookup)
        if isinstance(value, tuple):
            metrics = tuple(v for v in value if isinstance(v, str))
    return CompileCall(
        span=span,
        receiver=call.receiver,
        optimizer=optimizer,
        learning_rate=rate,
        optimizer_options=optimizer_options,
        loss=loss,
        metrics=metrics,
        scope=call.scope,
    )


def _fit_call(call: PendingCall, span: Span, walker: Walker) -> FitCall:
    node, args = call.node, call.arguments

    def number(*names: str) -> object:
        for name in names:
            value = args.get(name)
            if isinstance(value, cst.BaseExpression):
                found = literal_or(value, walker.lookup)
                if isinstance(found, int | float) and not isinstance(found, bool):
                    return found
        return None

    epochs = number("epochs", "nb_epoch")
    batch = number("batch_size")
    split = number("validation_split")
    return FitCall(
        span=span,
        receiver=call.receiver,
        epochs=epochs if isinstance(epochs, int) else None,
        batch_size=batch if isinstance(batch, int) else None,
        validation_split=float(split) if isinstance(split, int | float) else None,
        scope=call.scope,
        built_by=call.built_by,
        keywords=tuple(arg.keyword.value for arg in node.args if arg.keyword is not None),
        node=node,
    )
