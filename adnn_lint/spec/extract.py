"""Scan result -> one spec per model.

Everything comes from the scanner's records (which the model graph already annotated with
fan-in/fan-out) and the catalog; nothing is imported or run. What the source does not say is
either a documented Keras default (an implicit initializer, ``fit()`` without ``epochs``) or is
marked unresolved in the spec, never guessed silently.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import re
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from adnn_lint.knowledge.catalog import Catalog, LayerInfo, load_catalog
from adnn_lint.knowledge.defaults import (
    DEFAULT_LEARNING_RATES,
    FIT_DEFAULTS,
    LEGACY_SGD_ARGUMENTS,
    TF1_OPTIMIZERS,
)
from adnn_lint.knowledge.layers import (
    INPUT_CLASSES,
    MERGES,
    MULTI_INPUT,
    SHAPE_ARGUMENTS,
    TUPLE_ONLY,
)
from adnn_lint.knowledge.naming import snake_case
from adnn_lint.scan.dag import Dag
from adnn_lint.scan.records import (
    CompileCall,
    FitCall,
    InitializerRef,
    LayerRecord,
    ModelRecord,
    Origin,
    ParamValue,
    ScanResult,
)
from adnn_lint.spec.contract import (
    Attachments,
    definitions,
    find_contract_comments,
    parse_contract,
)
from adnn_lint.spec.errors import ContractSyntaxError
from adnn_lint.spec.model import (
    Contract,
    DataSpec,
    InitSpec,
    LayerSpec,
    ModelSpec,
    SourceRef,
    Spec,
    TrainSpec,
)

#: Positional places of fit(x, y, batch_size, epochs, ...) arguments.
_FIT_POSITION = {"batch_size": 2, "epochs": 3}
_FIT_SPELLINGS = {"epochs": ("epochs", "nb_epoch"), "batch_size": ("batch_size",)}
#: Arguments that the spec holds elsewhere than in a layer's options.
_NOT_OPTIONS = {"name", "input_shape", "input_dim", "batch_input_shape", "batch_size", "dtype"}
_DATASETS = ("fashion_mnist", "mnist")


@dataclass(frozen=True, eq=False)  # identity: each node is one layer of the spec
class _Node:
    """One layer of the spec before names are final (a loop-built record expands to several)."""

    record: LayerRecord
    copy: int


def extract_specs(scan: ScanResult, source: str, path: str) -> list[Spec]:
    """One spec per model the scanner found in ``source`` (file ``path``)."""
    catalog = load_catalog()
    comments = find_contract_comments(source)
    lines = source.splitlines()
    attachments = Attachments(comments, lines, definitions(source) if comments else [])
    data = _data(source)
    calls = _FileCalls.of(scan)
    specs = []
    for model in scan.models:
        comment = attachments.of_model(model)
        contract = Contract()
        if comment is not None:
            # a malformed one is ADNN302's to report; the spec keeps no half-read contract
            with contextlib.suppress(ContractSyntaxError):
                contract = parse_contract(comment.text)
        compile_call, fits = calls.of_model(model)
        specs.append(
            Spec(
                model=_model(scan, model, catalog),
                source=SourceRef(path, model.name, model.span.line, model.span.column),
                data=_with_split(data, fits),
                train=_train(compile_call, fits[0] if fits else None, lines),
                contract=contract,
            )
        )
    return specs


@dataclass(frozen=True)
class _FileCalls:
    """A file's compile()/fit() calls indexed once (per model, a scan of every call and every
    model was quadratic in the number of models in a file)."""

    compiles: Mapping[str | None, CompileCall]  # receiver -> its first compile()
    fits: Mapping[str | None, tuple[FitCall, ...]]  # receiver -> its fit() calls
    orphan: ModelRecord | None  # the file's only model without calls, if exactly one
    free: CompileCall | None  # the first compile() on a name that is no model's, unclaimed

    @classmethod
    def of(cls, scan: ScanResult) -> _FileCalls:
        compiles: dict[str | None, CompileCall] = {}
        for call in scan.compiles:
            compiles.setdefault(call.receiver, call)
        fits: dict[str | None, list[FitCall]] = {}
        for fit in scan.fits:
            fits.setdefault(fit.receiver, []).append(fit)
        orphans = [m for m in scan.models if m.compile is None and not m.fits]
        free = None
        if len(orphans) == 1:
            others = {m.name for m in scan.models}
            claimed = {id(m.compile) for m in scan.models if m.compile is not None}
            free = next(
                (c for c in scan.compiles if id(c) not in claimed and c.receiver not in others),
                None,
            )
        return cls(
            compiles,
            {receiver: tuple(calls) for receiver, calls in fits.items()},
            orphans[0] if len(orphans) == 1 else None,
            free,
        )

    def of_model(self, model: ModelRecord) -> tuple[CompileCall | None, tuple[FitCall, ...]]:
        """The compile()/fit() calls of ``model``: the scanner's, else those on a variable of
        the model's name, else, when the file has one model without calls and its calls go to a
        variable that names no other model (``model = build_model(); model.compile(...)``),
        those."""
        if model.compile is not None or model.fits:
            return model.compile, model.fits
        compile_call = self.compiles.get(model.name)
        fits = self.fits.get(model.name, ())
        if compile_call is not None or fits:
            return compile_call, fits
        if self.orphan is model and self.free is not None:
            return self.free, self.fits.get(self.free.receiver, ())
        return None, ()


# -- model -----------------------------------------------------------------------------------


def _model(scan: ScanResult, model: ModelRecord, catalog: Catalog) -> ModelSpec:
    records = [scan.layer(i) for i in model.layer_ids]
    unresolved: list[str] = []
    shape = model.input_shape
    if shape is None:
        shape = next((r.input_shape for r in records if r.input_shape is not None), None)
    input_shape: tuple[int, ...] | None = None
    if shape is not None and all(isinstance(d, int) for d in shape):
        input_shape = tuple(d for d in shape if d is not None)
    else:
        unresolved.append("input_shape")
    kept = [r for r in records if r.class_name not in INPUT_CLASSES]
    between = {op for r in kept for op in r.input_ops}
    if (
        not kept
        or any(r.multiplicity is None for r in kept)
        or not model.edges_known
        or set(model.ops) - between
    ):
        # no layer found (a wrapper model), a loop whose trip count is not a literal, a graph
        # the scanner could not follow, or an operation that is no layer after the last layer
        unresolved.append("layers")
    nodes = {r.id: [_Node(r, k) for k in range(r.multiplicity or 1)] for r in kept}
    names = _names([n for r in kept for n in nodes[r.id]])
    preds, reused = _predecessors(model, [r.id for r in records], {r.id for r in kept})
    if reused and "layers" not in unresolved:
        unresolved.append("layers")  # a layer called again downstream: one call is left out
    layers = []
    for record in kept:
        chain = nodes[record.id]
        for k, node in enumerate(chain):
            if k:
                inputs: tuple[str, ...] = (names[chain[k - 1]],)
            else:
                inputs = tuple(names[nodes[p][-1]] for p in preds.get(record.id, ()))
            layers.append(_layer(record, names[node], inputs, catalog))
    return ModelSpec(
        name=model.name,
        input_shape=input_shape,
        layers=tuple(layers),
        unresolved=tuple(unresolved),
    )


def _predecessors(
    model: ModelRecord, order: list[str], kept: set[str]
) -> tuple[dict[str, tuple[str, ...]], bool]:
    """Kept layers feeding each kept layer (edges through input layers lead to the model input),
    and whether edges were left out to keep the spec's layer graph acyclic.

    A spec lists layer objects, but Keras builds its graph from calls: one layer object called
    twice, the second time downstream of its own output (``x = shared(inputs); x = Dense(4)(x);
    outputs = shared(x)``), is a valid model whose layer graph has a cycle. The edge that closes
    it (into the earlier-made layer) is left out, and the caller marks the layers unresolved."""
    edges = list(model.edges)
    if not edges and model.kind == "sequential":
        edges = list(itertools.pairwise(order))
    edges = [(s, d) for s, d in edges if s in kept and d in kept]
    edges, reused = _acyclic(edges)
    preds: dict[str, list[str]] = {}
    for src, dst in edges:
        if src not in preds.get(dst, []):
            preds.setdefault(dst, []).append(src)
    return {k: tuple(v) for k, v in preds.items()}, reused


def _acyclic(edges: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], bool]:
    """``edges`` without those that close a cycle, and whether any was left out. Edges into a
    later-made layer are kept first, so an edge back into an earlier-made (reused) one goes."""
    if Dag(edges=edges).topological_order() is not None:
        return edges, False
    made = {node: index for index, node in enumerate(_made_order(edges))}
    ordered = sorted(edges, key=lambda e: (made[e[0]] > made[e[1]], made[e[0]], made[e[1]]))
    graph = Dag()
    kept: list[tuple[str, str]] = []
    for src, dst in ordered:
        if src == dst or (dst in graph and src in graph.descendants(dst)):
            continue
        graph.add_edge(src, dst)
        kept.append((src, dst))
    kept.sort(key=edges.index)
    return kept, True


def _made_order(edges: list[tuple[str, str]]) -> list[str]:
    """The layers of ``edges`` in the order they were made (ids are ``L1``, ``L2``, ...)."""
    nodes = {node for edge in edges for node in edge}
    return sorted(nodes, key=lambda node: (len(node), node))


def _names(nodes: list[_Node]) -> dict[_Node, str]:
    """Keras-style names: the literal ``name=`` where given, else dense, dense_1, ..."""
    taken: set[str] = set()
    counters: dict[str, int] = {}
    out: dict[_Node, str] = {}
    for node in nodes:
        given = node.record.arguments.get("name")
        if isinstance(given, str) and given and node.copy == 0 and given not in taken:
            out[node] = given
            taken.add(given)
    for node in nodes:
        if node in out:
            continue
        base = snake_case(node.record.class_name)
        while True:
            count = counters.get(base, 0)
            counters[base] = count + 1
            candidate = base if count == 0 else f"{base}_{count}"
            if candidate not in taken:
                break
        out[node] = candidate
        taken.add(candidate)
    return out


def _layer(record: LayerRecord, name: str, inputs: tuple[str, ...], catalog: Catalog) -> LayerSpec:
    info = catalog.layer(record.class_name)
    unresolved: list[str] = []
    class_name = info.class_name if info is not None else record.class_name
    if info is None or info.legacy is not None:
        unresolved.append("class")  # not a Keras 3 layer: the runtime cannot build it
    activation: str | None = None
    if info is not None and (info.activation_arg or info.activation_layer):
        activation = record.activation or info.activation_layer or info.activation_default
        if record.activation_origin is Origin.UNRESOLVED:
            activation = None
            unresolved.append(info.activation_arg or "activation")
    if info is not None and info.width_arg and record.width is None:
        unresolved.append(info.width_arg)
    inits = []
    for ref in _with_implicit(record.initializers, info):
        init = _init(ref, catalog)
        if init.origin == "unresolved":
            unresolved.append(ref.argument)
        inits.append(init)
    skip = _NOT_OPTIONS | {a.argument for a in info.initializer_args} if info else _NOT_OPTIONS
    if info is not None and "input_dim" in info.positional:
        skip = skip - {"input_dim"}  # Embedding(input_dim=...): a vocabulary size, not a shape
    if info is not None and info.wrapper:
        unresolved.append("layer")  # Bidirectional(LSTM(...)): spec v1 holds no nested layer
    if info is not None:
        skip |= {a for a in (info.width_arg, info.activation_arg) if a}
    options: dict[str, ParamValue] = {
        k: v for k, v in record.arguments.items() if k not in skip and v is not None
    }
    for key, shape in record.shape_arguments.items():
        if key in _NOT_OPTIONS:
            continue
        if len(shape) == 1 and key not in TUPLE_ONLY and isinstance(shape[0], int):
            # kernel_size=3 means 3 along every axis; a 1-tuple would mean one axis only
            options[key] = shape[0]
        else:
            # tuples travel as their source text, "(3, 3)", which the runtime reads back
            options[key] = repr(tuple(shape))
    unresolved += [a for a in _written_shapes(record, info) if a not in record.shape_arguments]
    # regularizers, constraints, custom objects: a layer rebuilt without them is another layer
    unresolved += record.dropped
    if record.input_ops:
        # tf.reshape, tf.nn.max_pool, a custom layer between this layer and its inputs
        unresolved.append("inputs")
    if len(inputs) > 1 and class_name not in MULTI_INPUT:
        # several tensors reach a single-input layer: a merge the scanner did not see
        # (layers.concatenate([...]), a + b) sits between; which one is not guessed
        unresolved.append("inputs")
    if class_name in MERGES and len(inputs) < 2:
        # layers.add([inputs, h]): the spec names no model input among a layer's inputs, so a
        # merge with the model's input (or a tensor the scanner lost) cannot be rebuilt
        unresolved.append("inputs")
    return LayerSpec(
        name=name,
        class_name=class_name,
        units=record.width,
        activation=activation,
        inputs=inputs,
        initializers=tuple(inits),
        fan_in=record.fan_in,
        fan_out=record.fan_out,
        options=options,
        unresolved=tuple(dict.fromkeys(unresolved)),
    )


def _written_shapes(record: LayerRecord, info: LayerInfo | None) -> list[str]:
    """Shape arguments (kernel_size=, strides=, ...) written at the call, by keyword or, for
    kernel_size, in its positional place: when the scanner could not read one, the layer cannot
    be rebuilt as written."""
    if record.node is None:
        return []
    names = [a.keyword.value for a in record.node.args if a.keyword is not None]
    if info is not None and info.kernel_size_arg and info.kernel_size_arg in info.positional:
        index = info.positional.index(info.kernel_size_arg)
        positional = [a for a in record.node.args if a.keyword is None and not a.star]
        if len(positional) > index:
            names.append(info.kernel_size_arg)
    return [n for n in dict.fromkeys(names) if n in SHAPE_ARGUMENTS]


def _with_implicit(refs: Iterable[InitializerRef], info: LayerInfo | None) -> list[InitializerRef]:
    """The layer's initializer references, plus the catalog defaults of roles not written."""
    refs = list(refs)
    if info is None:
        return refs
    have = {r.role for r in refs}
    for arg in info.initializer_args:
        if arg.role not in have and arg.default is not None:
            refs.append(InitializerRef(arg.role, arg.argument, Origin.IMPLICIT, arg.default))
    order = {a.role: i for i, a in enumerate(info.initializer_args)}
    return sorted(refs, key=lambda r: order.get(r.role, len(order)))


def _init(ref: InitializerRef, catalog: Catalog) -> InitSpec:
    if ref.origin is Origin.UNRESOLVED or ref.canonical is None:
        # not statically known (ADNN301), or a name Keras rejects (ADNN108)
        return InitSpec(role=ref.role, family="unresolved", origin="unresolved", seed=ref.seed)
    defaults = catalog.initializer(ref.canonical).params
    params: dict[str, ParamValue] = {
        k: v
        for k, v in ref.params.items()
        if k != "seed" and v is not None and (k not in defaults or defaults[k] != v)
    }
    origin = "explicit" if ref.origin is Origin.EXPLICIT else "implicit"
    return InitSpec(ref.role, ref.canonical, params, origin, ref.seed)  # type: ignore[arg-type]


# -- training and data ------------------------------------------------------------------------


def _train(compile_call: CompileCall | None, fit: FitCall | None, lines: list[str]) -> TrainSpec:
    default = TrainSpec()
    unresolved: list[str] = []
    optimizer = default.optimizer
    learning_rate = default.learning_rate
    loss = default.loss
    metrics = default.metrics
    written = compile_call.optimizer if compile_call is not None else None
    known = _keras_optimizer(written) if written else None
    options: dict[str, ParamValue] = {}
    if known is not None:
        optimizer = known
        assert compile_call is not None
        written_options = compile_call.optimizer_options
        options = {k: v for k, v in written_options.items() if v is not None}
        legacy = LEGACY_SGD_ARGUMENTS if optimizer == "sgd" else {}
        options = {k: v for k, v in options.items() if k not in legacy}
        if len(options) < len(written_options):
            # an argument the scanner could not read, or one Keras 3 no longer has (Keras 2's
            # SGD(decay=...)): the verifier cannot reproduce it, and the spec says so
            unresolved.append("optimizer_options")
    else:
        unresolved.append("optimizer")  # absent, not literal, or not a Keras optimizer
    if compile_call is not None and compile_call.learning_rate is not None:
        learning_rate = compile_call.learning_rate
    elif (
        "optimizer" not in unresolved
        and optimizer in DEFAULT_LEARNING_RATES
        and not _mentions_rate(compile_call, lines)
    ):
        learning_rate = DEFAULT_LEARNING_RATES[optimizer]
    else:
        unresolved.append("learning_rate")
    if compile_call is not None and compile_call.loss:
        loss = compile_call.loss
    else:
        unresolved.append("loss")
    if compile_call is not None and compile_call.metrics:
        metrics = compile_call.metrics
    values = {"epochs": default.epochs, "batch_size": default.batch_size}
    for key in ("epochs", "batch_size"):
        literal = getattr(fit, key) if fit is not None else None
        if literal is not None:
            values[key] = literal
        elif fit is not None and fit.node is not None and not _fit_has(fit, key):
            values[key] = FIT_DEFAULTS[key]
        else:
            unresolved.append(key)
    return TrainSpec(
        optimizer=optimizer,
        learning_rate=learning_rate,
        optimizer_options=options,
        loss=loss,
        epochs=values["epochs"],
        batch_size=values["batch_size"],
        metrics=metrics,
        unresolved=tuple(unresolved),
    )


def _keras_optimizer(written: str) -> str | None:
    """``Adam``/``adam``/``tf.train.AdamOptimizer`` -> ``adam``; None when Keras has no such."""
    name = written.rsplit(".", 1)[-1].lower()
    if name.endswith("optimizer") and name != "optimizer":
        name = name[: -len("optimizer")]
    name = TF1_OPTIMIZERS.get(name, name)
    return name if name in DEFAULT_LEARNING_RATES else None


def _mentions_rate(compile_call: CompileCall | None, lines: list[str]) -> bool:
    """Whether the compile() call's text sets a learning rate the scanner could not read."""
    if compile_call is None:
        return False
    span = compile_call.span
    text = "\n".join(lines[span.line - 1 : span.end_line])
    return bool(re.search(r"\b(learning_rate|lr)\s*=", text))


def _fit_has(fit: FitCall, key: str) -> bool:
    assert fit.node is not None
    positional = [a for a in fit.node.args if a.keyword is None and not a.star]
    if any(a.star for a in fit.node.args):
        return True  # *args / **kwargs may carry it
    keywords = {a.keyword.value for a in fit.node.args if a.keyword is not None}
    return len(positional) > _FIT_POSITION[key] or bool(keywords & set(_FIT_SPELLINGS[key]))


def _data(source: str) -> DataSpec:
    """The Keras dataset the file loads (``mnist.load_data()``), when it is one the runtime has."""
    names: list[str] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in (tokenize.NAME, tokenize.OP):
                names.append(token.string)
    except (tokenize.TokenError, SyntaxError):
        pass  # the syntax error is ADNN000's to report; the names before it still count
    for i in range(len(names) - 2):
        if names[i] in _DATASETS and names[i + 1] == "." and names[i + 2] == "load_data":
            return DataSpec(source=names[i])
    return DataSpec(unresolved=("source",))


def _with_split(data: DataSpec, fits: tuple[FitCall, ...]) -> DataSpec:
    for fit in fits:
        if fit.validation_split is not None and 0.0 <= fit.validation_split < 1.0:
            return DataSpec(data.source, fit.validation_split, data.limit, data.unresolved)
    return data
