"""The model section of the report: a spec's layers, initializers, graph, training and contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adnn_lint.reports.charts import GraphNode, graph_chart
from adnn_lint.reports.format import (
    FACTOR_TOLERANCE,
    acc,
    num,
    seconds,
)
from adnn_lint.reports.svg import Chart
from adnn_lint.reports.view import (
    InitCell,
    KeyValue,
    LayerRow,
    ModelView,
)
from adnn_lint.spec.model import Contract, InitSpec, LayerSpec, Spec
from adnn_lint.spec.results import Results


def _params(params: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))


def _init_cell(layer: LayerSpec, init: InitSpec) -> InitCell:
    factor_text, needed_text, flagged = "n/a", "", False
    if init.role == "bias":
        factor_text = "—"
    elif layer.fan_in is not None and init.family != "unresolved":
        from adnn_lint.knowledge.catalog import load_catalog

        cat = load_catalog()
        variance = cat.variance(init.family, dict(init.params), layer.fan_in, layer.fan_out)
        activation = cat.resolve_activation(layer.activation or "linear")
        gain = cat.activation_gain(activation) if activation else None
        if variance is not None:
            factor = variance * layer.fan_in
            factor_text = f"{factor:.3g}"
            if gain is not None and gain > 0:
                ratio = factor / gain
                flagged = ratio > FACTOR_TOLERANCE or ratio < 1 / FACTOR_TOLERANCE
        if gain is not None:
            needed_text = f"{gain:g}"
    return InitCell(
        role=init.role,
        family=init.family,
        params=_params(init.params),
        origin=init.origin,
        variance_factor=factor_text,
        needed_gain=needed_text,
        flagged=flagged,
    )


def contract_rows(contract: Contract) -> tuple[KeyValue, ...]:
    rows = []
    if contract.accuracy is not None:
        rows.append(
            KeyValue(
                "required accuracy",
                f"≥ {acc(contract.accuracy)} on the {contract.split} split "
                f"({contract.confidence:.0%} confidence)",
            )
        )
    rows.append(KeyValue("max_time", seconds(contract.max_time) if contract.max_time else "none"))
    rows.append(KeyValue("max_trial", num(contract.max_trial) if contract.max_trial else "none"))
    rows.append(
        KeyValue("max_gain", acc(contract.max_gain) if contract.max_gain is not None else "none")
    )
    if contract.delta is not None:
        rows.append(KeyValue("delta", f"{contract.delta:g}"))
    return tuple(rows)


def optimizer_text(name: str, options: Mapping[str, object]) -> str:
    """``sgd`` or ``sgd(momentum=0.9, nesterov=True)``."""
    if not options:
        return name
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in sorted(options.items()))})"


def _as_run(in_spec: str, measured: str | None) -> str:
    """The spec's value, and what the verify run used instead when a flag overrode it."""
    if measured is None or measured == in_spec:
        return in_spec
    return f"{in_spec} in the spec; the verify run used {measured}"


def _graph(layers: Sequence[LayerSpec]) -> Chart | None:
    """The model's graph as SVG, or None for a chain (a chain reads fine as a table)."""
    fan: dict[str, int] = {}
    for layer in layers:
        for src in layer.inputs:
            fan[src] = fan.get(src, 0) + 1
    branches = any(len(layer.inputs) > 1 for layer in layers) or any(n > 1 for n in fan.values())
    graph = None
    if branches:
        names = {layer.name for layer in layers}
        nodes = [
            GraphNode(
                layer.name,
                f"{layer.name}: {layer.class_name}"
                + (f"({layer.units})" if layer.units is not None else ""),
            )
            for layer in layers
        ]
        edges = [(src, layer.name) for layer in layers for src in layer.inputs if src in names]
        graph = graph_chart(nodes, edges)
    return graph


def _train_rows(spec: Spec, results: Results | None) -> tuple[KeyValue, ...]:
    """The training set-up as the spec states it, and as the run used it where that differs."""
    train = spec.train
    cfg = results.config if results is not None else None
    data_used = results.data.source if results is not None and results.data else None
    return (
        KeyValue(
            "optimizer",
            _as_run(
                optimizer_text(train.optimizer, train.optimizer_options),
                optimizer_text(cfg.optimizer, cfg.optimizer_options) if cfg else None,
            ),
        ),
        KeyValue(
            "learning rate",
            _as_run(f"{train.learning_rate:g}", f"{cfg.learning_rate:g}" if cfg else None),
        ),
        KeyValue("loss", train.loss),
        KeyValue("epochs", _as_run(str(train.epochs), str(cfg.epochs) if cfg else None)),
        KeyValue(
            "batch size", _as_run(str(train.batch_size), str(cfg.batch_size) if cfg else None)
        ),
        KeyValue("data", _as_run(spec.data.source, data_used)),
        KeyValue(
            "search",
            _as_run(spec.search.method, cfg.method if cfg else None)
            + f", delta {spec.search.delta:g}",
        ),
    )


def model_view(spec: Spec, origin: str, index: int, results: Results | None = None) -> ModelView:
    layers = spec.model.layers
    rows = tuple(
        LayerRow(
            name=layer.name,
            class_name=layer.class_name,
            units=num(layer.units) if layer.units is not None else "",
            activation=layer.activation or "",
            fans=(
                f"{num(layer.fan_in)} → {num(layer.fan_out)}"
                if layer.initializers or layer.fan_in is not None
                else "—"
            ),
            inputs=", ".join(layer.inputs),
            initializers=tuple(_init_cell(layer, init) for init in layer.initializers),
            unresolved=", ".join(layer.unresolved),
        )
        for layer in layers
    )
    graph = _graph(layers)
    train_rows = _train_rows(spec, results)
    shape = (
        "(" + ", ".join(str(d) for d in spec.model.input_shape) + ")"
        if spec.model.input_shape
        else ""
    )
    where = origin
    if spec.source is not None:
        where = f"{spec.source.file}:{spec.source.line}:{spec.source.column}"
    return ModelView(
        anchor=f"model-{index}",
        name=spec.model.name,
        origin=where,
        input_shape=shape,
        layers=rows,
        graph=graph,
        train=train_rows,
        contract=(
            contract_rows(spec.contract)
            if spec.contract != Contract()
            else (
                KeyValue(
                    "contract",
                    "none stated: write one as a comment beside the model, "
                    "e.g. # adnn: accuracy >= 0.88, max_trial = 50",
                ),
            )
        ),
        source_note=f"From the spec in {origin}.",
    )
