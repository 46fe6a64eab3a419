"""Writing a spec: ``dumps`` gives the canonical TOML text, section by section, in the order
``docs/spec.md`` documents (``loads`` in ``spec.syntax`` reads it back to an equal spec)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import tomli_w

from adnn_lint.knowledge.params import ParamValue
from adnn_lint.spec.contract import format_duration
from adnn_lint.spec.model import ModelSpec, Spec


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


def _section(name: str, pairs: Iterable[tuple[str, object]]) -> list[str]:
    return ["", f"[{name}]", *_lines(pairs)]


def dumps(spec: Spec) -> str:
    """The canonical TOML text of ``spec``."""
    out = ["# ADNN spec (docs/spec.md)", *_lines([("adnn", spec.version)])]
    if spec.source is not None:
        s = spec.source
        out += _section(
            "source", [("file", s.file), ("model", s.model), ("line", s.line), ("column", s.column)]
        )
    out += _model(spec.model)
    out += _training(spec)
    return "\n".join(out) + "\n"


def _model(m: ModelSpec) -> list[str]:
    out = _section(
        "model",
        [
            ("name", m.name),
            ("input_shape", list(m.input_shape) if m.input_shape is not None else None),
            ("unresolved", list(m.unresolved) or None),
        ],
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
    return out


def _training(spec: Spec) -> list[str]:
    """The data, train, search and contract sections."""
    d, t, s2, c = spec.data, spec.train, spec.search, spec.contract
    out = _section(
        "data",
        [
            ("source", d.source),
            ("validation_split", d.validation_split),
            ("limit", d.limit),
            ("unresolved", list(d.unresolved) or None),
        ],
    )
    out += _section(
        "train",
        [
            ("optimizer", t.optimizer),
            ("learning_rate", t.learning_rate),
            ("optimizer_options", _clean(t.optimizer_options) or None),
            ("loss", t.loss),
            ("epochs", t.epochs),
            ("batch_size", t.batch_size),
            ("metrics", list(t.metrics)),
            ("unresolved", list(t.unresolved) or None),
        ],
    )
    out += _section(
        "search",
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
        ],
    )
    out += _section(
        "contract",
        [
            ("accuracy", c.accuracy),
            ("split", c.split),
            ("max_time", format_duration(c.max_time) if c.max_time is not None else None),
            ("max_trial", c.max_trial),
            ("max_gain", c.max_gain),
            ("delta", c.delta),
            ("confidence", c.confidence),
        ],
    )
    return out
