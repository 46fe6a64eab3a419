"""Reading a parsed spec document into a ``Spec``: every key checked against the spec language
(``docs/spec.md``), every problem collected as a ``Problem`` at its key path, nothing raised."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from typing import Any

from adnn_lint.spec.check import Problem
from adnn_lint.spec.contract import (
    CONTRACT_KEYS,
    SPLITS,
    check_contract_value,
    parse_contract,
    parse_duration,
    parse_fraction,
)
from adnn_lint.spec.errors import ContractSyntaxError, KeyPath
from adnn_lint.spec.model import (
    FIDELITIES,
    SEARCH_METHODS,
    SEARCH_SPACES,
    SPEC_VERSION,
    Contract,
    DataSpec,
    Domain,
    InitSpec,
    LayerSpec,
    ModelSpec,
    SearchSpec,
    SourceRef,
    Spec,
    TrainSpec,
)

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - exercised only on Python 3.10
    pass
from adnn_lint.spec.fields import (
    TOP_KEYS,
    Fields,
    _at_least,
    _kind,
    _nonempty,
    _or,
    _positive,
    _version,
)

_SOURCE = ("file", "model", "line", "column")
_MODEL = ("name", "input_shape", "layers", "unresolved")
_LAYER = (
    "name",
    "class",
    "units",
    "activation",
    "inputs",
    "fan_in",
    "fan_out",
    "options",
    "unresolved",
    "initializers",
)
_INIT = ("family", "origin", "seed", "params")
_ORIGINS = ("explicit", "implicit", "unresolved")
_DATA = ("source", "validation_split", "limit", "unresolved")
_TRAIN = (
    "optimizer",
    "learning_rate",
    "optimizer_options",
    "loss",
    "epochs",
    "batch_size",
    "metrics",
    "unresolved",
)
_SEARCH = (
    "method",
    "delta",
    "space",
    "kernel_multiplier",
    "fidelity",
    "kernel_scale",
    "bias_value",
    "families",
    "seeds",
)


class Reader(Fields):
    """Reads each section of a spec document into its part of the ``Spec``."""

    def spec(self, doc: dict[str, Any]) -> Spec:
        self.table(doc, (), TOP_KEYS)
        version = SPEC_VERSION
        if self.required(doc, (), "adnn"):
            version = self.scalar(doc, (), "adnn", int, SPEC_VERSION, _version)
        source = self.source(doc["source"]) if "source" in doc else None
        model = ModelSpec(name="model")
        if self.required(doc, (), "model"):
            model = self.model(doc["model"])
        return Spec(
            model=model,
            version=version,
            source=source,
            data=self.data(doc.get("data", {})),
            train=self.train(doc.get("train", {})),
            search=self.search(doc.get("search", {})),
            contract=self.contract(doc["contract"]) if "contract" in doc else Contract(),
        )

    def source(self, raw: object) -> SourceRef | None:
        path: KeyPath = ("source",)
        table = self.table(raw, path, _SOURCE)
        if table is None:
            return None
        present = [self.required(table, path, key) for key in _SOURCE]
        file = self.scalar(table, path, "file", str, "")
        model = self.scalar(table, path, "model", str, "")
        line = self.scalar(table, path, "line", int, 1, _at_least("line", 1))
        column = self.scalar(table, path, "column", int, 1, _at_least("column", 1))
        return SourceRef(file, model, line, column) if all(present) else None

    def model(self, raw: object) -> ModelSpec:
        path: KeyPath = ("model",)
        table = self.table(raw, path, _MODEL)
        if table is None:
            return ModelSpec(name="model")
        name = "model"
        if self.required(table, path, "name"):
            name = self.scalar(table, path, "name", str, "model")
        shape = self.array(table, path, "input_shape", int, _positive("a dimension"))
        layers: list[LayerSpec] = []
        raw_layers = table.get("layers", [])
        if not isinstance(raw_layers, list):
            self.report((*path, "layers"), "must be an array of tables ([[model.layers]])")
        else:
            for i, raw_layer in enumerate(raw_layers):
                layer = self.layer(raw_layer, (*path, "layers", i))
                if layer is not None:
                    layers.append(layer)
        return ModelSpec(
            name=name,
            input_shape=shape,
            layers=tuple(layers),
            unresolved=self.array(table, path, "unresolved", str) or (),
        )

    def layer(self, raw: object, path: KeyPath) -> LayerSpec | None:
        table = self.table(raw, path, _LAYER)
        if table is None:
            return None
        name_ok = self.required(table, path, "name")
        class_ok = self.required(table, path, "class")
        initializers: list[InitSpec] = []
        raw_inits = table.get("initializers", {})
        if not isinstance(raw_inits, dict):
            self.report((*path, "initializers"), "must be a table of roles (kernel, bias, ...)")
        else:
            for role, raw_init in raw_inits.items():
                init = self.initializer(raw_init, (*path, "initializers", role), role)
                if init is not None:
                    initializers.append(init)
        name = self.scalar(table, path, "name", str, "", _nonempty("name")) if name_ok else ""
        return LayerSpec(
            name=name,
            class_name=self.scalar(table, path, "class", str, "") if class_ok else "",
            units=self.optional(table, path, "units", int, _positive("units")),
            activation=self.optional(table, path, "activation", str),
            inputs=self.array(table, path, "inputs", str) or (),
            initializers=tuple(initializers),
            fan_in=self.optional(table, path, "fan_in", int, _positive("fan_in")),
            fan_out=self.optional(table, path, "fan_out", int, _positive("fan_out")),
            options=self.params(table, path, "options"),
            unresolved=self.array(table, path, "unresolved", str) or (),
        )

    def initializer(self, raw: object, path: KeyPath, role: str) -> InitSpec | None:
        table = self.table(raw, path, _INIT)
        if table is None:
            return None
        family = "unresolved"
        if self.required(table, path, "family"):
            family = self.scalar(table, path, "family", str, "unresolved")
        origin = self.choice(table, path, "origin", _ORIGINS, "implicit")
        return InitSpec(
            role=role,
            family=family,
            params=self.params(table, path, "params"),
            origin=origin,  # type: ignore[arg-type]
            seed=self.optional(table, path, "seed", int, _at_least("seed", 0)),
        )

    def data(self, raw: object) -> DataSpec:
        path: KeyPath = ("data",)
        table = self.table(raw, path, _DATA)
        if table is None:
            return DataSpec()
        default = DataSpec()
        return DataSpec(
            source=self.scalar(table, path, "source", str, default.source, _data_source),
            validation_split=self.scalar(
                table,
                path,
                "validation_split",
                float,
                default.validation_split,
                lambda v: None if 0.0 <= v < 1.0 else f"validation_split {v} is outside [0, 1)",
            ),
            limit=self.optional(table, path, "limit", int, _positive("limit")),
            unresolved=self.array(table, path, "unresolved", str, _data_field) or (),
        )

    def train(self, raw: object) -> TrainSpec:
        path: KeyPath = ("train",)
        table = self.table(raw, path, _TRAIN)
        if table is None:
            return TrainSpec()
        d = TrainSpec()
        return TrainSpec(
            optimizer=self.scalar(table, path, "optimizer", str, d.optimizer),
            learning_rate=self.scalar(
                table, path, "learning_rate", float, d.learning_rate, _positive("learning_rate")
            ),
            optimizer_options=self.params(table, path, "optimizer_options"),
            loss=self.scalar(table, path, "loss", str, d.loss),
            epochs=self.scalar(table, path, "epochs", int, d.epochs, _at_least("epochs", 1)),
            batch_size=self.scalar(
                table, path, "batch_size", int, d.batch_size, _at_least("batch_size", 1)
            ),
            metrics=_or(self.array(table, path, "metrics", str), d.metrics),
            unresolved=self.array(table, path, "unresolved", str, _train_field) or (),
        )

    def search(self, raw: object) -> SearchSpec:
        path: KeyPath = ("search",)
        table = self.table(raw, path, _SEARCH)
        if table is None:
            return SearchSpec()
        d = SearchSpec()
        return SearchSpec(
            method=self.choice(table, path, "method", SEARCH_METHODS, d.method),  # type: ignore[arg-type]
            delta=self.scalar(table, path, "delta", float, d.delta, _positive("delta")),
            space=(
                self.choice(table, path, "space", SEARCH_SPACES, "relative")  # type: ignore[arg-type]
                if "space" in table
                else d.space
            ),
            kernel_multiplier=self.domain(
                table, path, "kernel_multiplier", d.kernel_multiplier, positive=True
            ),
            fidelity=self.choice(table, path, "fidelity", FIDELITIES, d.fidelity),  # type: ignore[arg-type]
            kernel_scale=self.domain(table, path, "kernel_scale", d.kernel_scale),
            bias_value=self.domain(table, path, "bias_value", d.bias_value),
            families=self.array(table, path, "families", str) or (),
            seeds=self.scalar(table, path, "seeds", int, d.seeds, _at_least("seeds", 1)),
        )

    def domain(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        default: Domain,
        *,
        positive: bool = False,
    ) -> Domain:
        if key not in table:
            return default
        value = table[key]
        here = (*path, key)
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            self.report(here, f"must be [low, high], two numbers; got {value!r}")
            return default
        low, high = float(value[0]), float(value[1])
        if not (math.isfinite(low) and math.isfinite(high)):
            self.report(here, "the bounds must be finite")
            return default
        if low > high:
            self.report(here, f"low {low} is above high {high}")
            return default
        if positive and low <= 0:
            self.report(here, f"a multiplier must be > 0; got low {low}")
            return default
        return Domain(low, high)

    def contract(self, raw: object) -> Contract:
        path: KeyPath = ("contract",)
        if isinstance(raw, str):
            try:
                return parse_contract(raw)
            except ContractSyntaxError as error:
                self.problems.append(Problem(path, error.message, "value", error.offset + 1))
                return Contract()
        table = self.table(raw, path, CONTRACT_KEYS)
        if table is None:
            return Contract()
        values: dict[str, float | int | str] = {}
        for key in CONTRACT_KEYS:
            if key not in table:
                continue
            value = self.contract_value(key, table[key], (*path, key))
            if value is not None:
                values[key] = value
        return Contract(**values)  # type: ignore[arg-type]

    def contract_value(self, key: str, raw: object, path: KeyPath) -> float | int | str | None:
        value: float | int | str
        try:
            if key == "split":
                if not isinstance(raw, str):
                    raise ContractSyntaxError(f"must be one of {', '.join(SPLITS)}", 0)
                value = raw
            elif isinstance(raw, bool) or not isinstance(raw, int | float | str):
                raise ContractSyntaxError(f"must be a number, got {_kind(raw)}", 0)
            elif key == "max_trial":
                if not isinstance(raw, int):
                    raise ContractSyntaxError("must be a whole number of trials", 0)
                value = raw
            elif isinstance(raw, str):
                if key == "max_time":
                    value = parse_duration(raw)
                elif key == "delta":
                    raise ContractSyntaxError("must be a number", 0)
                else:
                    value = parse_fraction(raw)
            else:
                value = float(raw)
        except ContractSyntaxError as error:
            self.report(path, error.message)
            return None
        problem = check_contract_value(key, value)
        if problem:
            self.report(path, problem)
            return None
        return value


_DATA_SOURCE = re.compile(r"^(embedded|mnist|fashion_mnist|npz:.+|[\w.]+:\w+)$")


def _data_source(value: str) -> str | None:
    if _DATA_SOURCE.match(value):
        return None
    return (
        f"{value!r} is not a data source: use embedded, mnist, fashion_mnist, npz:PATH "
        "or module:function"
    )


_TRAIN_FIELDS = tuple(key for key in _TRAIN if key != "unresolved")  # what may be unresolved


def _data_field(value: str) -> str | None:
    return None if value in _DATA[:3] else f"{value!r} is not a data key"


def _train_field(value: str) -> str | None:
    return None if value in _TRAIN_FIELDS else f"{value!r} is not a train key"
