"""The check behind ADNN101 (zero weights) and ADNN102 (constant non-zero weights).

Both look at the same thing: a weight tensor filled with one value in a layer whose output feeds
another trainable layer. They differ in which values they own and in what they say.
"""

from __future__ import annotations

from collections.abc import Iterator

from adnn_lint.rules._support import (
    SYMMETRY_ROLES,
    WEIGHT_ROLES,
    activation_gain,
    catalog,
    constant_value,
    initialized,
    initializer_fix,
    layer_label,
    layers_of,
    next_trainable,
    residual_end,
    written,
)
from adnn_lint.rules.base import FileContext, Rule
from adnn_lint.scan.records import (
    Finding,
    InitializerRef,
    LayerRecord,
    Severity,
)


def suggested(layer: LayerRecord, ref: InitializerRef) -> str | None:
    """He for ReLU-family kernels, otherwise the Keras default for the role."""
    info = catalog().layer(layer.class_name)
    default = None
    if info is not None:
        arg = info.initializer_arg(ref.argument) or info.role(ref.role)
        default = arg.default if arg is not None else None
    if ref.role in SYMMETRY_ROLES and activation_gain(layer) == 2.0:
        return "he_normal" if default and "normal" in default else "he_uniform"
    if default is None or constant_value_of(default) is not None:
        return None
    return default


def constant_value_of(canonical: str) -> float | None:
    return {"zeros": 0.0, "ones": 1.0}.get(canonical)


#: Activations whose output and derivative are both 0 at 0 (TensorFlow's relu'(0) is 0).
DEAD_AT_ZERO = frozenset({"relu", "relu6"})


def dead_at_zero(layer: LayerRecord) -> bool:
    """A zero kernel with a zero bias under ReLU: output 0, gradient 0, forever."""
    if layer.activation not in DEAD_AT_ZERO:
        return False
    bias = next((ref for ref in layer.initializers if ref.role == "bias"), None)
    if bias is None or layer.arguments.get("use_bias") is False:
        return True
    return constant_value(bias) == 0.0


def zero_kernel(layer: LayerRecord) -> bool:
    return any(
        ref.role in SYMMETRY_ROLES and constant_value(ref) == 0.0 for ref in layer.initializers
    )


def constant_weight_findings(
    rule: type[Rule] | Rule, ctx: FileContext, *, zero: bool
) -> Iterator[Finding]:
    for layer in layers_of(ctx):
        if not initialized(layer) or layer.feeds_trainable is not True:
            continue  # a final layer (or one whose consumers are unknown) may be constant
        for ref in layer.initializers:
            if ref.role not in WEIGHT_ROLES or ref.span is None:
                continue
            value = constant_value(ref)
            if value is None or (value == 0.0) != zero:
                continue
            if zero and ref.role in SYMMETRY_ROLES and residual_end(ctx, layer):
                continue  # zero-init residual branch end: the block starts as the identity
            yield _finding(rule, ctx, layer, ref, value)


def _finding(
    rule: type[Rule] | Rule,
    ctx: FileContext,
    layer: LayerRecord,
    ref: InitializerRef,
    value: float,
) -> Finding:
    assert ref.span is not None
    label = layer_label(layer)
    downstream = next_trainable(ctx, layer)
    feeds = (
        f"{layer_label(downstream)} at {ctx.cells.label(downstream.span.line)}"
        if downstream
        else "another trainable layer"
    )
    where = f"{label} {ref.argument}={written(ref, ctx.module)}"
    severity: Severity = "warning"
    if ref.role in SYMMETRY_ROLES and value == 0.0:
        why = (
            f"{where} fills the {ref.role} with 0 although its output feeds {feeds}: every "
            "unit computes the same value, and only the next layer's random weights tell their "
            "updates apart"
        )
        if dead_at_zero(layer):
            severity = "error"
            why += (
                f"; with '{layer.activation}' and a zero bias the output and its gradient are "
                "exactly 0, so this layer never learns"
            )
        elif downstream is not None and zero_kernel(downstream):
            severity = "error"
            why += (
                "; the next layer's kernel is zero too, so neither layer's weights ever get a "
                "gradient"
            )
    elif ref.role in SYMMETRY_ROLES:
        why = (
            f"{where} fills the {ref.role} with {value:g} although its output feeds {feeds}: "
            "every unit computes the same value, so symmetry between units is broken only "
            "by the next layer's noise, and a large constant saturates the activation"
        )
    else:
        why = (
            f"{where} fills the {ref.role} weights with {value:g} (this layer feeds {feeds}): "
            f"every {ref.role} unit starts identical and learns only through the other weights"
        )
    replacement = suggested(layer, ref)
    fix = None
    if replacement is not None:
        why += f"; use '{replacement}'"
        # Unsafe: a hand-picked constant is as deliberate as a hand-picked scale (a test that
        # forces a NaN loss, or asserts the exact output of an all-ones layer).
        fix = initializer_fix(
            layer, ref, replacement, f"Initialize the {ref.role} with '{replacement}'", safe=False
        )
    why += " (a constant final layer is fine and is not reported)"
    return ctx.finding(rule, ref.span, why, fix=fix, severity=severity)
