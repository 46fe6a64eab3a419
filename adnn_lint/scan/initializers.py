"""Resolving an initializer or activation argument against the catalog: strings, classes,
instances, ``initializers.get``, configs, TF 1 and tf.contrib initializers and names bound
earlier, each to a canonical family with its parameters or to a reason it is unresolved."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from adnn_lint.knowledge.catalog import Catalog
from adnn_lint.scan.names import normalize
from adnn_lint.scan.records import Origin, ParamValue
from adnn_lint.scan.values import MAX_DEPTH, NOT_LITERAL, Lookup, Qualify, as_param, literal_or


@dataclass(frozen=True)
class ResolvedInit:
    """What one initializer expression means."""

    origin: Origin
    canonical: str | None = None
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    seed: int | None = None
    spelled: str | None = None
    reason: str | None = None
    instance: str | None = None


def _keras_initializer(qualname: str | None, cat: Catalog) -> str | None:
    """Canonical initializer for a qualified class/alias name under keras.initializers."""
    if not qualname:
        return None
    parts = normalize(qualname).split(".")
    if len(parts) < 3 or parts[0] not in ("keras", "tensorflow"):
        return None
    if "initializers" not in parts[1:-1]:
        return None
    return cat.resolve_initializer(parts[-1])


#: TensorFlow's own initializer functions/classes (``tf.zeros_initializer()``), by the name after
#: ``tensorflow.``: the Keras initializer they are, and the TF 1 defaults where those differ.
#: ``tf.random_normal_initializer`` is TF 2's (stddev 0.05, Keras' default); under
#: ``tf.compat.v1`` it is TF 1's (stddev 1.0), which is what TF 1 code spelled ``tf.`` meant.
_TF_INITIALIZERS: dict[str, tuple[str, dict[str, ParamValue]]] = {
    "zeros_initializer": ("zeros", {}),
    "ones_initializer": ("ones", {}),
    "constant_initializer": ("constant", {}),
    "random_normal_initializer": ("random_normal", {}),
    "random_uniform_initializer": ("random_uniform", {}),
    "truncated_normal_initializer": ("truncated_normal", {}),
    "glorot_uniform_initializer": ("glorot_uniform", {}),
    "glorot_normal_initializer": ("glorot_normal", {}),
}
_TF1_DEFAULTS: dict[str, dict[str, ParamValue]] = {
    "random_normal_initializer": {"stddev": 1.0},
    "random_uniform_initializer": {"minval": 0.0, "maxval": 1.0},
    "truncated_normal_initializer": {"stddev": 1.0},
}


def _tf_initializer(
    qualname: str | None, tf1: bool = False
) -> tuple[str, dict[str, ParamValue]] | None:
    """(canonical, default overrides) for ``tf.zeros_initializer`` and its TF 1/2 kin; ``tf1``:
    the code is TF 1 (it passes the initializer to ``tf.layers``), so ``tf.`` means TF 1."""
    if not qualname:
        return None
    parts = qualname.split(".")
    if parts[0] != "tensorflow" or parts[-1] not in _TF_INITIALIZERS:
        return None
    middle = parts[1:-1]
    if middle not in ([], ["compat", "v1"], ["compat", "v2"]):
        return None
    canonical, defaults = _TF_INITIALIZERS[parts[-1]]
    if middle == ["compat", "v1"] or (tf1 and not middle):
        defaults = _TF1_DEFAULTS.get(parts[-1], defaults)
    return canonical, dict(defaults)


def _tf1_module_defaults(qualname: str | None, tf1: bool) -> dict[str, ParamValue] | None:
    """TF 1's defaults for ``tf.compat.v1.initializers.random_normal`` and kin (and for
    ``tf.initializers.*`` in TF 1 code): TF 1's init ops, not Keras' classes."""
    if not qualname:
        return None
    parts = qualname.split(".")
    v1 = parts[:4] == ["tensorflow", "compat", "v1", "initializers"] and len(parts) == 5
    plain = parts[:2] == ["tensorflow", "initializers"] and len(parts) == 3
    if not (v1 or (tf1 and plain)):
        return None
    found = _TF1_DEFAULTS.get(f"{parts[-1]}_initializer")
    return dict(found) if found is not None else None


#: TF 1's variance-scaling factories outside ``initializers`` -> their signature:
#: ``tf.contrib.layers.variance_scaling_initializer(factor=2.0, mode='FAN_IN', uniform=False)``
#: and ``xavier_initializer(uniform=True)`` (factor 1, FAN_AVG; its normal is truncated, as
#: Keras' is); ``tf.variance_scaling_initializer`` is Keras' VarianceScaling under TF 1 names.
_CONTRIB_MODULES = ("tensorflow.contrib.layers", "tensorflow.contrib.slim", "tf_slim")
_TF1_SCALING: dict[str, tuple[tuple[str, ...], dict[str, ParamValue]]] = {
    "variance_scaling_initializer": (
        ("factor", "mode", "uniform", "seed"),
        {"factor": 2.0, "mode": "FAN_IN", "uniform": False},
    ),
    "xavier_initializer": (
        ("uniform", "seed"),
        {"factor": 1.0, "mode": "FAN_AVG", "uniform": True},
    ),
    "xavier_initializer_conv2d": (
        ("uniform", "seed"),
        {"factor": 1.0, "mode": "FAN_AVG", "uniform": True},
    ),
}


def _tf1_scaling(qualname: str | None, node: cst.Call, lookup: Lookup) -> ResolvedInit | None:
    """``tf.contrib.layers.xavier_initializer()``, ``variance_scaling_initializer(...)`` and
    ``tf.variance_scaling_initializer(...)``, as Keras' VarianceScaling parameters."""
    if not qualname:
        return None
    module, _, name = qualname.rpartition(".")
    core = (
        module in ("tensorflow", "tensorflow.compat.v1") and name == "variance_scaling_initializer"
    )
    if not core and not (module.startswith(_CONTRIB_MODULES) and name in _TF1_SCALING):
        return None
    names, given = (
        (("scale", "mode", "distribution", "seed"), {})
        if core
        else (_TF1_SCALING[name][0], dict(_TF1_SCALING[name][1]))
    )
    unknown: list[str] = []
    for index, arg in enumerate(node.args):
        key = arg.keyword.value if arg.keyword is not None else None
        if key is None and not arg.star and index < len(names):
            key = names[index]
        if key is None or key == "dtype":
            if key is None:
                unknown.append(f"argument {index + 1}")
            continue
        value = as_param(literal_or(arg.value, lookup))
        if value is NOT_LITERAL:
            unknown.append(key)
        else:
            given[key] = value  # type: ignore[assignment]
    if core:
        params = dict(given)
        if params.get("distribution") == "normal":  # TF 1's "normal" is the truncated one
            params["distribution"] = "truncated_normal"
    else:
        mode = given.get("mode")
        params = {
            "scale": given.get("factor"),
            "mode": mode.lower() if isinstance(mode, str) else mode,
            "distribution": "uniform" if given.get("uniform") else "truncated_normal",
        }
        if "seed" in given:
            params["seed"] = given["seed"]
    merged: dict[str, ParamValue] = {
        "scale": 1.0,
        "mode": "fan_in",
        "distribution": "truncated_normal",
        "seed": None,
    }
    merged.update(params)
    seed = merged.get("seed")
    return ResolvedInit(
        Origin.UNRESOLVED if unknown else Origin.EXPLICIT,
        canonical="variance_scaling",
        params=merged,
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        reason=f"{name}: {', '.join(unknown)} not a literal" if unknown else None,
    )


def _missing_keras_initializer(qualname: str | None) -> ResolvedInit | None:
    """``keras.initializers.GlorotUnifrom``: a name Keras does not export (a typo, ADNN108's).

    Unresolved (the line fails before any weight exists), with the name as written in
    ``spelled`` so rules need not parse it back out of the reason.
    """
    if not qualname:
        return None
    parts = normalize(qualname).split(".")
    if len(parts) < 3 or parts[0] not in ("keras", "tensorflow"):
        return None
    if "initializers" not in parts[1:-1] or parts[-1] == "get":
        return None
    return ResolvedInit(
        Origin.UNRESOLVED,
        spelled=parts[-1],
        reason=f"keras.initializers has no {parts[-1]!r}",
    )


def _is_initializers_get(qualname: str | None) -> bool:
    if not qualname:
        return False
    parts = normalize(qualname).split(".")
    return parts[-1] == "get" and "initializers" in parts and parts[0] in ("keras", "tensorflow")


def resolve_initializer(
    node: cst.BaseExpression,
    lookup: Lookup,
    qualify: Qualify,
    cat: Catalog,
    depth: int = 0,
    instance: str | None = None,
    *,
    tf1: bool = False,
) -> ResolvedInit:
    """Resolve an initializer argument value against the catalog; ``tf1``: it is passed to a
    TF 1 layer, so TensorFlow's own initializers mean their TF 1 defaults."""
    if depth > MAX_DEPTH:
        return ResolvedInit(Origin.UNRESOLVED, reason="name chain too long")
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        spelled = node.evaluated_value
        if not isinstance(spelled, str):
            return ResolvedInit(Origin.UNRESOLVED, reason="bytes literal")
        return _from_spelling(spelled, cat, {}, instance)
    if isinstance(node, cst.Name) and node.value == "None":
        return ResolvedInit(
            Origin.UNRESOLVED, reason="None: Keras falls back to its own weight default"
        )
    if isinstance(node, cst.Name | cst.Attribute):
        return _from_reference(node, lookup, qualify, cat, depth, instance, tf1)
    if isinstance(node, cst.Call):
        return _from_initializer_call(node, lookup, qualify, cat, depth, instance, tf1)
    if isinstance(node, cst.Dict):
        return _from_config(node, lookup, cat, instance)
    if isinstance(node, cst.Lambda):
        return ResolvedInit(Origin.UNRESOLVED, reason="custom callable initializer")
    return ResolvedInit(Origin.UNRESOLVED, reason="not a literal initializer")


def _from_reference(
    node: cst.Name | cst.Attribute,
    lookup: Lookup,
    qualify: Qualify,
    cat: Catalog,
    depth: int,
    instance: str | None,
    tf1: bool,
) -> ResolvedInit:
    """A name or attribute: an initializer class, a TF initializer, or a name bound earlier."""
    qualname = qualify(node)
    canonical = _keras_initializer(qualname, cat)
    if canonical is not None:  # the class itself: initializers.get() instantiates it
        return _with_defaults(canonical, cat, {}, instance, Origin.EXPLICIT, None)
    tf_init = _tf_initializer(qualname, tf1)
    if tf_init is not None:
        return _with_defaults(tf_init[0], cat, tf_init[1], instance, Origin.EXPLICIT, None)
    if isinstance(node, cst.Name):
        binding = lookup(node.value)
        if binding is not None and binding.kind == "value" and binding.node is not None:
            # A bound object (not a string) is one instance shared by every user; a
            # parameter's default is a new object per call, and only a default.
            shared = (
                binding.key
                if isinstance(binding.node, cst.Call) and not binding.parameter
                else None
            )
            found = resolve_initializer(
                binding.node, lookup, qualify, cat, depth + 1, instance or shared, tf1=tf1
            )
            if binding.parameter and found.reason is None:
                note = f"default of parameter '{node.value}'; callers may pass another"
                return dataclasses.replace(found, reason=note)
            return found
        return ResolvedInit(
            Origin.UNRESOLVED,
            reason=f"'{node.value}' is not bound to a known initializer here",
        )
    return _missing_keras_initializer(qualname) or ResolvedInit(
        Origin.UNRESOLVED, reason=f"'{qualname or 'attribute'}' is not a Keras initializer"
    )


def _from_initializer_call(
    node: cst.Call,
    lookup: Lookup,
    qualify: Qualify,
    cat: Catalog,
    depth: int,
    instance: str | None,
    tf1: bool,
) -> ResolvedInit:
    """A call: ``initializers.get(...)``, a Keras or TF initializer instance, or a custom one."""
    qualname = qualify(node.func)
    if _is_initializers_get(qualname):
        if not node.args:
            return ResolvedInit(Origin.UNRESOLVED, reason="initializers.get() without argument")
        return resolve_initializer(
            node.args[0].value, lookup, qualify, cat, depth + 1, instance, tf1=tf1
        )
    canonical = _keras_initializer(qualname, cat)
    tf_init = _tf_initializer(qualname, tf1) if canonical is None else None
    scaling = _tf1_scaling(qualname, node, lookup) if canonical is None else None
    if scaling is not None:
        return dataclasses.replace(scaling, instance=instance)
    if tf_init is not None:
        return _from_call(tf_init[0], node, lookup, cat, instance, tf_init[1])
    if canonical is None:
        return _missing_keras_initializer(qualname) or ResolvedInit(
            Origin.UNRESOLVED,
            reason=f"custom initializer '{qualname or 'call'}' (not in the Keras catalog)",
        )
    return _from_call(canonical, node, lookup, cat, instance, _tf1_module_defaults(qualname, tf1))


def _from_spelling(
    spelled: str, cat: Catalog, params: Mapping[str, ParamValue], instance: str | None
) -> ResolvedInit:
    canonical = cat.resolve_initializer(spelled)
    if canonical is None:
        # Statically resolved to "not a Keras initializer": ADNN108 reports it.
        return ResolvedInit(Origin.EXPLICIT, spelled=spelled, reason="unknown initializer name")
    return _with_defaults(canonical, cat, params, instance, Origin.EXPLICIT, None, spelled)


def _with_defaults(
    canonical: str,
    cat: Catalog,
    params: Mapping[str, ParamValue],
    instance: str | None,
    origin: Origin,
    reason: str | None,
    spelled: str | None = None,
) -> ResolvedInit:
    merged: dict[str, ParamValue] = dict(cat.initializer(canonical).params)
    merged.update(params)
    seed = merged.get("seed")
    return ResolvedInit(
        origin,
        canonical=canonical,
        params=merged,
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        spelled=spelled,
        reason=reason,
        instance=instance,
    )


def _from_call(
    canonical: str,
    node: cst.Call,
    lookup: Lookup,
    cat: Catalog,
    instance: str | None,
    defaults: Mapping[str, ParamValue] | None = None,
) -> ResolvedInit:
    info = cat.initializer(canonical)
    given: dict[str, ParamValue] = dict(defaults or {})
    unknown: list[str] = []
    position = 0
    for arg in node.args:
        if arg.star:
            unknown.append("*args" if arg.star == "*" else "**kwargs")
            continue
        if arg.keyword is not None:
            name = arg.keyword.value
            if defaults is not None and name in ("dtype", "verify_shape"):
                continue  # TF's own initializers take these; they do not change the values
        elif position < len(info.positional):
            name = info.positional[position]
            position += 1
        else:
            unknown.append(f"argument {position + 1}")
            continue
        value = as_param(literal_or(arg.value, lookup))
        if value is NOT_LITERAL:
            unknown.append(name)
        else:
            given[name] = value  # type: ignore[assignment]
    if unknown:
        reason = f"{info.class_name}: {', '.join(unknown)} not a literal"
        return _with_defaults(canonical, cat, given, instance, Origin.UNRESOLVED, reason)
    return _with_defaults(canonical, cat, given, instance, Origin.EXPLICIT, None)


def _from_config(
    node: cst.Dict, lookup: Lookup, cat: Catalog, instance: str | None
) -> ResolvedInit:
    """``{"class_name": "HeNormal", "config": {"seed": 1}}`` (what initializers.get accepts)."""
    class_name: object = None
    config: dict[str, ParamValue] = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return ResolvedInit(Origin.UNRESOLVED, reason="initializer config with **")
        key = literal_or(element.key, lookup)
        if key == "class_name":
            class_name = literal_or(element.value, lookup)
        elif key == "config" and isinstance(element.value, cst.Dict):
            for item in element.value.elements:
                if not isinstance(item, cst.DictElement):
                    return ResolvedInit(Origin.UNRESOLVED, reason="initializer config with **")
                name = literal_or(item.key, lookup)
                value = as_param(literal_or(item.value, lookup))
                if not isinstance(name, str) or value is NOT_LITERAL:
                    return ResolvedInit(Origin.UNRESOLVED, reason="config value not a literal")
                config[name] = value  # type: ignore[assignment]
    if not isinstance(class_name, str):
        return ResolvedInit(Origin.UNRESOLVED, reason="initializer config without class_name")
    return _from_spelling(class_name, cat, config, instance)


def resolve_activation(
    node: cst.BaseExpression, lookup: Lookup, qualify: Qualify, cat: Catalog, depth: int = 0
) -> tuple[str | None, str | None]:
    """(canonical activation, None) or (None, reason)."""
    if depth > MAX_DEPTH:
        return None, "name chain too long"
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        spelled = node.evaluated_value
        if isinstance(spelled, str):
            found = cat.resolve_activation(spelled)
            return (found, None) if found else (None, f"unknown activation {spelled!r}")
        return None, "bytes literal"
    if isinstance(node, cst.Name) and node.value == "None":
        return "linear", None
    if isinstance(node, cst.Name | cst.Attribute):
        qualname = qualify(node)
        if qualname:
            parts = normalize(qualname).split(".")
            if (parts[0] == "keras" and "activations" in parts[1:-1]) or parts[:2] == [
                "tensorflow",
                "nn",
            ]:
                found = cat.resolve_activation(parts[-1])
                if found:
                    return found, None
        if isinstance(node, cst.Name):
            binding = lookup(node.value)
            if binding is not None and binding.kind == "value" and binding.node is not None:
                return resolve_activation(binding.node, lookup, qualify, cat, depth + 1)
        return None, f"activation '{qualname or 'expression'}' not statically known"
    return None, "activation is not a literal"
