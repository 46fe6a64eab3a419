"""The concrete syntax of an ADNN spec: TOML (read with tomllib, written with tomli-w's value
formatting) plus the contract clause grammar of ``adnn_lint.spec.contract``.

``loads`` reads, validates the structure and types, runs the semantic checker and raises one
``SpecError`` carrying every problem with its key path and position. ``dumps`` writes the
canonical form; ``loads(dumps(spec)) == spec`` for every valid spec.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

import tomli_w

from adnn_lint.knowledge.params import ParamValue
from adnn_lint.spec.check import Problem, check_spec
from adnn_lint.spec.contract import (
    CONTRACT_KEYS,
    SPLITS,
    check_contract_value,
    format_duration,
    parse_contract,
    parse_duration,
    parse_fraction,
)
from adnn_lint.spec.errors import ContractSyntaxError, KeyPath, SpecError, SpecIssue
from adnn_lint.spec.model import (
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
from adnn_lint.spec.positions import Positions, locate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

__all__ = ["SpecError", "dumps", "issues", "loads"]

T = TypeVar("T")
_TOP = ("adnn", "source", "model", "data", "train", "search", "contract")
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
_METHODS = ("asa", "paper", "random")
_SPACES = ("relative", "absolute")
_FIDELITIES = ("full", "halving")

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _positive(name: str) -> Callable[[float], str | None]:
    return lambda v: None if v > 0 else f"{name} must be positive, got {v}"


def _nonempty(name: str) -> Callable[[str], str | None]:
    return lambda v: None if v.strip() else f"{name} must not be empty"


def _at_least(name: str, low: int) -> Callable[[float], str | None]:
    return lambda v: None if v >= low else f"{name} must be at least {low}, got {v}"


class _Reader:
    """Turns the parsed TOML tree into spec values, collecting a Problem per mistake."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def report(self, path: KeyPath, message: str, at: str = "value") -> None:
        self.problems.append(Problem(path, message, at))

    def table(self, raw: object, path: KeyPath, allowed: Iterable[str]) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.report(path, f"must be a table, got {_kind(raw)}")
            return None
        allowed = tuple(allowed)
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                if path and key in _TOP:
                    hint = " (a top-level key must come before the first [table])"
                self.report((*path, key), f"unknown key {key!r}{hint}", at="key")
        return raw

    def required(self, table: Mapping[str, Any], path: KeyPath, key: str) -> bool:
        if key in table:
            return True
        self.report(path, f"missing required key {key!r}", at="key")
        return False

    def scalar(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        kind: type[T],
        default: T,
        check: Callable[[Any], str | None] | None = None,
    ) -> T:
        if key not in table:
            return default
        value = table[key]
        here = (*path, key)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.report(here, f"must be {_article(kind)}, got {_kind(value)}")
            return default
        if isinstance(value, float) and not math.isfinite(value):
            self.report(here, f"must be a finite number, got {value}")
            return default
        problem = check(value) if check else None
        if problem:
            self.report(here, problem)
            return default
        return value

    def optional(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        kind: type[T],
        check: Callable[[Any], str | None] | None = None,
    ) -> T | None:
        if key not in table:
            return None
        sentinel = object()
        value = self.scalar(table, path, key, kind, cast(T, sentinel), check)
        return None if value is sentinel else value

    def choice(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        choices: tuple[str, ...],
        default: str,
    ) -> str:
        def check(value: str) -> str | None:
            if value in choices:
                return None
            return f"{value!r} is not one of {', '.join(choices)}"

        return self.scalar(table, path, key, str, default, check)

    def array(
        self,
        table: Mapping[str, Any],
        path: KeyPath,
        key: str,
        kind: type[T],
        check: Callable[[Any], str | None] | None = None,
    ) -> tuple[T, ...] | None:
        if key not in table:
            return None
        value = table[key]
        here = (*path, key)
        if not isinstance(value, list):
            self.report(here, f"must be an array of {_article(kind)}, got {_kind(value)}")
            return None
        out: list[T] = []
        for i, item in enumerate(value):
            if not isinstance(item, kind) or isinstance(item, bool):
                self.report((*here, i), f"must be {_article(kind)}, got {_kind(item)}")
                return None
            problem = check(item) if check else None
            if problem:
                self.report((*here, i), problem)
                return None
            out.append(item)
        return tuple(out)

    def params(self, table: Mapping[str, Any], path: KeyPath, key: str) -> dict[str, ParamValue]:
        raw = table.get(key, {})
        if not isinstance(raw, dict):
            self.report((*path, key), f"must be a table of literal values, got {_kind(raw)}")
            return {}
        out: dict[str, ParamValue] = {}
        for name, value in raw.items():
            if isinstance(value, float) and not math.isfinite(value):
                self.report((*path, key, name), f"must be a finite number, got {value}")
            elif isinstance(value, str | int | float | bool):
                out[name] = value
            else:
                self.report(
                    (*path, key, name),
                    f"must be a string, number or boolean, got {_kind(value)}",
                )
        return out

    # -- sections ---------------------------------------------------------------------------

    def spec(self, doc: dict[str, Any]) -> Spec:
        self.table(doc, (), _TOP)
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
            method=self.choice(table, path, "method", _METHODS, d.method),  # type: ignore[arg-type]
            delta=self.scalar(table, path, "delta", float, d.delta, _positive("delta")),
            space=(
                self.choice(table, path, "space", _SPACES, "relative")  # type: ignore[arg-type]
                if "space" in table
                else d.space
            ),
            kernel_multiplier=self.domain(
                table, path, "kernel_multiplier", d.kernel_multiplier, positive=True
            ),
            fidelity=self.choice(table, path, "fidelity", _FIDELITIES, d.fidelity),  # type: ignore[arg-type]
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


def _or(value: tuple[T, ...] | None, default: tuple[T, ...]) -> tuple[T, ...]:
    return default if value is None else value


def _version(value: int) -> str | None:
    if value == SPEC_VERSION:
        return None
    return f"unsupported spec version {value}; this adnn-lint reads adnn = {SPEC_VERSION}"


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


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names.update({list: "an array", dict: "a table"})
    return names.get(type(value), type(value).__name__)


def _article(kind: type) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        kind, kind.__name__
    )


# -- reading ---------------------------------------------------------------------------------


def issues(
    text: str, path: str = "<spec>", *, check: bool = True
) -> tuple[Spec | None, list[SpecIssue]]:
    """Parse ``text``; return the spec (None when the TOML is malformed) and every issue in
    document order. ``check=False`` skips the semantic checks (graph, catalog).

    A TOML syntax error on a ``key = value`` line does not hide the rest: the line is set aside
    and the document read again, so its other mistakes are reported too (the spec is still None).
    """
    syntax: list[SpecIssue] = []
    blanked: set[str] = set()
    current = text
    doc: dict[str, Any] | None = None
    for _ in range(_MAX_RECOVERIES):
        try:
            doc = tomllib.loads(current)
            break
        except tomllib.TOMLDecodeError as error:
            issue = _toml_issue(error, current)
            syntax.append(issue)
            lines = current.split("\n")
            key = _recoverable(lines, issue)
            if key is None:
                return None, syntax
            blanked.add(key)
            lines[issue.line - 1] = ""  # keep the line count, so later positions stay true
            current = "\n".join(lines)
    if doc is None:
        return None, syntax
    reader = _Reader()
    spec = reader.spec(doc)
    problems = [
        p
        for p in reader.problems
        if not (p.message.startswith("missing required key") and _missing(p) in blanked)
    ]
    if check:
        problems += check_spec(spec, skip=[p.path for p in reader.problems])
    if not problems and not syntax:
        return spec, []
    positions = locate(current)  # only a spec with problems pays for the key positions
    found = syntax + [_place(p, positions) for p in problems]
    found.sort(key=lambda i: (i.line, i.column))
    return (None if syntax else spec), found


_MAX_RECOVERIES = 20
_KEY_LINE = re.compile(r"""^\s*[A-Za-z0-9_\-"'][^=\[]*=""")
_DUPLICATE = ("overwrite", "twice", "already")


def _recoverable(lines: list[str], issue: SpecIssue) -> str | None:
    """The key of the line a TOML error sits on, when setting that line aside cannot change how
    the rest reads: a broken line that is wrong on its own, or a duplicate key."""
    if not 1 <= issue.line <= len(lines):
        return None
    line = lines[issue.line - 1]
    if not _KEY_LINE.match(line):
        return None
    try:
        tomllib.loads(line)
        alone_ok = True
    except tomllib.TOMLDecodeError:
        alone_ok = False
    if alone_ok and not any(word in issue.message for word in _DUPLICATE):
        return None  # the cause is elsewhere (an unclosed bracket above): stop here
    return line.split("=", 1)[0].strip().strip("\"'").rsplit(".", 1)[-1]


def _missing(problem: Problem) -> str:
    return problem.message.split("'")[1] if "'" in problem.message else ""


def loads(text: str, path: str = "<spec>", *, check: bool = True) -> Spec:
    """Parse and check a spec; raise ``SpecError`` listing every problem."""
    spec, found = issues(text, path, check=check)
    if found or spec is None:
        raise SpecError(found, path)
    return spec


def _toml_issue(error: tomllib.TOMLDecodeError, text: str) -> SpecIssue:
    line = getattr(error, "lineno", 0)
    column = getattr(error, "colno", 0)
    message = getattr(error, "msg", str(error))
    match = _TOML_POSITION.search(str(error))
    if match and not line:
        line, column = int(match.group(1)), int(match.group(2))
        message = _TOML_POSITION.sub("", str(error)).strip()
    elif not line and "(at end of document)" in str(error):
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
        message = str(error).replace("(at end of document)", "at the end of the document")
    return SpecIssue(f"TOML syntax: {message}", (), max(line, 1), max(column, 1))


def _place(problem: Problem, positions: Positions) -> SpecIssue:
    line, column = (
        positions.key(problem.path) if problem.at == "key" else positions.value(problem.path)
    )
    if problem.offset and (problem.path in positions.values):
        # a clause string: point inside it, past the opening quote
        column += problem.offset
    return SpecIssue(problem.message, problem.path, line, column)


# -- writing ---------------------------------------------------------------------------------


def _value(value: object) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return tomli_w.dumps({"v": value})[4:].rstrip("\n")


def _key(key: str) -> str:
    return tomli_w.dumps({key: 0}).rsplit(" = ", 1)[0]


def _lines(pairs: Iterable[tuple[str, object]]) -> list[str]:
    return [f"{_key(k)} = {_value(v)}" for k, v in pairs if v is not None]


def _clean(params: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
    # TOML has no null: a parameter set to None is written by leaving it out (Keras' default)
    return {k: v for k, v in params.items() if v is not None}


def dumps(spec: Spec) -> str:
    """The canonical TOML text of ``spec``."""
    out = ["# ADNN spec (docs/spec.md)", *_lines([("adnn", spec.version)])]
    if spec.source is not None:
        s = spec.source
        out += ["", "[source]"]
        out += _lines(
            [("file", s.file), ("model", s.model), ("line", s.line), ("column", s.column)]
        )
    m = spec.model
    out += ["", "[model]"]
    out += _lines(
        [
            ("name", m.name),
            ("input_shape", list(m.input_shape) if m.input_shape is not None else None),
            ("unresolved", list(m.unresolved) or None),
        ]
    )
    for layer in m.layers:
        out += ["", "[[model.layers]]"]
        out += _lines(
            [
                ("name", layer.name),
                ("class", layer.class_name),
                ("units", layer.units),
                ("activation", layer.activation),
                ("inputs", list(layer.inputs) or None),
                ("fan_in", layer.fan_in),
                ("fan_out", layer.fan_out),
                ("options", _clean(layer.options) or None),
                ("unresolved", list(layer.unresolved) or None),
            ]
        )
        for init in layer.initializers:
            fields: dict[str, object] = {"family": init.family, "origin": init.origin}
            if init.seed is not None:
                fields["seed"] = init.seed
            if _clean(init.params):
                fields["params"] = _clean(init.params)
            out.append(f"initializers.{_key(init.role)} = {_value(fields)}")
    d, t, s2, c = spec.data, spec.train, spec.search, spec.contract
    out += ["", "[data]"]
    out += _lines(
        [
            ("source", d.source),
            ("validation_split", d.validation_split),
            ("limit", d.limit),
            ("unresolved", list(d.unresolved) or None),
        ]
    )
    out += ["", "[train]"]
    out += _lines(
        [
            ("optimizer", t.optimizer),
            ("learning_rate", t.learning_rate),
            ("optimizer_options", _clean(t.optimizer_options) or None),
            ("loss", t.loss),
            ("epochs", t.epochs),
            ("batch_size", t.batch_size),
            ("metrics", list(t.metrics)),
            ("unresolved", list(t.unresolved) or None),
        ]
    )
    out += ["", "[search]"]
    out += _lines(
        [
            ("method", s2.method),
            ("delta", s2.delta),
            ("space", s2.space),
            ("kernel_multiplier", [s2.kernel_multiplier.low, s2.kernel_multiplier.high]),
            ("fidelity", s2.fidelity),
            ("kernel_scale", [s2.kernel_scale.low, s2.kernel_scale.high]),
            ("bias_value", [s2.bias_value.low, s2.bias_value.high]),
            ("families", list(s2.families) or None),
            ("seeds", s2.seeds),
        ]
    )
    out += ["", "[contract]"]
    out += _lines(
        [
            ("accuracy", c.accuracy),
            ("split", c.split),
            ("max_time", format_duration(c.max_time) if c.max_time is not None else None),
            ("max_trial", c.max_trial),
            ("max_gain", c.max_gain),
            ("delta", c.delta),
            ("confidence", c.confidence),
        ]
    )
    return "\n".join(out) + "\n"
